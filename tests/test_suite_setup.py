"""The suite's own set-up: where its temporary files go."""

from __future__ import annotations

import os
import tempfile

from helpers import machine_temp_root, memory_temp_root

MOUNTS = ("/dev/vda / ext4 rw,relatime,discard 0 0\n"
          "tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n"
          "proc /proc proc rw 0 0\n")


def test_temporary_files_go_to_a_tmpfs_with_room():
    assert memory_temp_root(MOUNTS, 24 * 1024**3) == "/dev/shm"
    assert memory_temp_root(MOUNTS, 64 * 1024**2) is None  # a container's 64 MB /dev/shm
    assert memory_temp_root(MOUNTS.replace("tmpfs /dev/shm tmpfs", "/dev/vdb /dev/shm ext4"), 24 * 1024**3) is None
    assert memory_temp_root("", 24 * 1024**3) is None


def test_this_run_s_temporary_folders_are_in_the_temporary_root(tmp_path):
    """pytest's folders, the product's scratch folders and the commands' all in one place:
    TMPDIR, which conftest.py points at the tmpfs when this machine has one with room."""
    if machine_temp_root() is not None:
        assert "TMPDIR" in os.environ  # set by conftest.py, unless it was set before
    if "TMPDIR" in os.environ:
        assert tempfile.gettempdir() == os.environ["TMPDIR"]
    root = os.environ.get("PYTEST_DEBUG_TEMPROOT") or tempfile.gettempdir()
    assert tmp_path.is_relative_to(os.path.realpath(root))

"""Jobs shared with a forked child (ansar_data.core.shared): the same results, in order,
whichever process ran them, and whatever became of the child."""

from __future__ import annotations

import os
import time
from functools import partial

from ansar_data.core.shared import share, share_all


def _slow(i: int) -> tuple[int, int]:
    time.sleep(0.04)
    return i * i, os.getpid()


def test_jobs_come_back_in_order_from_both_processes():
    results, head = share([partial(_slow, i) for i in range(16)], os.getpid)
    assert [r for r, _ in results] == [i * i for i in range(16)]
    assert head != os.getpid()  # `first` ran in the child
    assert {pid for _, pid in results} == {os.getpid(), head}  # each took jobs from the queue


def test_share_all_gives_every_result_in_order_and_the_first_job_to_the_child():
    results = share_all([partial(_slow, i) for i in range(12)])
    assert [r for r, _ in results] == [i * i for i in range(12)]
    assert results[0][1] != os.getpid() and os.getpid() in {pid for _, pid in results}
    assert share_all([]) == []


def _dies_in_child(parent: int, i: int) -> int:
    if os.getpid() != parent:
        os._exit(9)  # killed mid-job, say
    time.sleep(0.03)
    return i + 1


def test_a_child_that_dies_costs_time_not_results():
    parent = os.getpid()
    results, head = share([partial(_dies_in_child, parent, i) for i in range(10)], os.getpid)
    assert results == list(range(1, 11))
    assert head == parent  # what the child had run is run again here


def _raises() -> int:
    raise RuntimeError("boom")


def test_a_job_that_fails_in_the_child_fails_here_too():
    import pytest

    with pytest.raises(RuntimeError, match="boom"):
        share([_raises] + [partial(_slow, i) for i in range(3)], os.getpid)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_the_child_holds_no_descriptor_it_inherited():
    """A build's lock must not outlive a killed build in its child."""
    read, write = os.pipe()
    try:
        assert share([], partial(_is_open, write)) == ([], False)
        assert _is_open(write)
    finally:
        os.close(read)
        os.close(write)


def test_without_fork_everything_runs_here(monkeypatch):
    monkeypatch.delattr(os, "fork")
    results, head = share([partial(_slow, i) for i in range(3)], os.getpid)
    assert results == [(i * i, os.getpid()) for i in range(3)] and head == os.getpid()


def test_a_fork_that_fails_runs_everything_here(monkeypatch):
    def no_fork():
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    results, head = share([partial(_slow, i) for i in range(3)], os.getpid)
    assert results == [(i * i, os.getpid()) for i in range(3)] and head == os.getpid()


def test_a_job_that_fails_here_leaves_no_child_behind():
    import pytest

    def children() -> set[str]:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as f:
            return set(f.read().split())

    before = children()
    with pytest.raises(RuntimeError, match="boom"):
        share([_raises] * 30, partial(time.sleep, 0.5))  # the child sleeps: this process fails first
    assert children() == before


_PARENT_KILLED = """
import os, sys, time
from ansar_data.core.shared import share, share_all

def first():
    with open(sys.argv[1], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(30)

def job():  # this process's: the child is busy with first
    while not os.path.getsize(sys.argv[1]):
        time.sleep(0.01)
    os.kill(os.getpid(), 9)

share([job], first)
"""


def test_a_child_does_not_outlive_a_killed_parent(tmp_path):
    import subprocess
    import sys

    pid_file = tmp_path / "child"
    pid_file.write_text("")
    done = subprocess.run([sys.executable, "-c", _PARENT_KILLED, pid_file], timeout=20)
    assert done.returncode == -9
    child, deadline = int(pid_file.read_text()), time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
    except FileNotFoundError:
        return False


def test_a_stopped_child_is_given_up_on_not_waited_for():
    """#37: validate.py hung for ever when its child was stopped (SIGSTOP, a debugger);
    the child is killed and its share run here."""
    import signal
    import time

    parent = os.getpid()

    def first():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGSTOP)
        return "head"
    began = time.monotonic()
    assert share([lambda: 1, lambda: 2], first) == ([1, 2], "head")
    assert time.monotonic() - began < 10


def test_out_of_memory_is_one_line_and_exit_2(tmp_path):
    """#37: under a 300 MB address-space limit, validate.py ended in a MemoryError traceback."""
    import resource
    import subprocess
    import sys

    from helpers import ROOT, copy_repo

    pkg = copy_repo(tmp_path / "pkg", ("datapackage.json", "data", "schemas", "sources", "metadata"))
    (pkg / "data" / "claims.json").write_text("[" + "0," * 60_000_000 + "0]\n")  # 120 MB of zeros
    limit = 300 * 2**20
    result = subprocess.run([sys.executable, str(ROOT / "validate.py"), str(pkg)], capture_output=True, text=True,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-800:]
    assert result.stderr.startswith(f"could not run: out of memory while checking {pkg}")

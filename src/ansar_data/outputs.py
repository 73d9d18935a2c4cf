"""Put generated files in place as one transaction, recoverable as SQLite's rollback
journal is.

The new files are written to a staging folder (.build-*) and checked there. Then the
journal (.build-journal.json) is written, naming the staging folder and each top-level
entry to be replaced; each old entry is renamed into the staging folder's `.previous/`
and the new one renamed into place; deleting the journal commits. A run that finds a
journal (a build or release killed mid-swap) first rolls back: each old entry returns,
each new one goes. Every step is one rename or one delete, and rolling back can itself
be killed and re-run, so after a kill at any instant the next run sees either the
complete old outputs or the complete new ones.

One writer at a time: .build.lock is held (flock) while outputs are written; a second
writer raises Busy at once rather than touch the first one's staging folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

JOURNAL = ".build-journal.json"
LOCK = ".build.lock"
STAGING_PREFIX = ".build-"
PREVIOUS = ".previous"
STAGING_NAME = re.compile(r"^\.build-[A-Za-z0-9_]+$")
Step = Callable[[str], None]


def _no_step(step: str) -> None:
    """Tests pass a step hook to kill the process at one named step."""


class Busy(Exception):
    """Another build or release holds the lock (exit code 2)."""


class BadJournal(Exception):
    """The journal left by a killed run cannot be read; recovery needs a person."""


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold root/.build.lock for the block; Busy if another process holds it."""
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip() or "?"
            raise Busy(f"another build or release (pid {holder}) is writing in {root}; "
                       "wait for it to finish, then run this again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def interrupted(root: Path) -> bool:
    """A killed build's journal is waiting for the next build to roll it back."""
    return (root / JOURNAL).exists()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif _exists(path):
        path.unlink()


def _write_journal(root: Path, journal: dict) -> None:
    tmp = root / (JOURNAL + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(journal, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / JOURNAL)  # the journal appears whole or not at all
    _fsync_dir(root)


def _read_journal(root: Path) -> tuple[Path, list[tuple[str, bool]]]:
    path = root / JOURNAL
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        staging, entries = journal["staging"], [(e["path"], e["existed"]) for e in journal["entries"]]
        ok = STAGING_NAME.match(staging) and all(
            isinstance(p, str) and isinstance(x, bool) and p and not p.startswith("/") and ".." not in p.split("/")
            for p, x in entries)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadJournal(f"{path}: cannot read the journal of an interrupted build ({exc}); "
                         "restore the outputs from git, then delete it") from exc
    if not ok:
        raise BadJournal(f"{path}: the journal names paths outside the outputs; "
                         "restore the outputs from git, then delete it")
    return root / staging, entries


def recover(root: Path, on_step: Step = _no_step) -> bool:
    """Roll back a swap that a killed run left half done; True if there was one.
    Call with the lock held."""
    if not interrupted(root):
        return False
    staging, entries = _read_journal(root)
    for top, existed in reversed(entries):
        old = staging / PREVIOUS / top
        if existed and not _exists(old):
            continue  # never moved aside (or already moved back): root/top is the old one
        on_step(f"roll back {top}")
        _remove(root / top)  # the new entry, whole or partly deleted by an earlier recovery
        if existed:
            os.replace(old, root / top)
    _fsync_dir(root)
    on_step("end roll back")
    (root / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return True


def _swap(root: Path, staging: Path, tops: list[str], on_step: Step) -> None:
    entries = [(top, _exists(root / top)) for top in tops]
    on_step("write journal")
    _write_journal(root, {"staging": staging.name, "entries": [{"path": t, "existed": x} for t, x in entries]})
    try:
        for top, existed in entries:
            if existed:
                on_step(f"move aside {top}")
                (staging / PREVIOUS / top).parent.mkdir(parents=True, exist_ok=True)
                os.replace(root / top, staging / PREVIOUS / top)
            on_step(f"move in {top}")
            (root / top).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / top, root / top)
        _fsync_dir(root)
        on_step("commit")
        (root / JOURNAL).unlink()
        _fsync_dir(root)
    except BaseException:
        recover(root)  # a failure we see (disk full, Ctrl-C) rolls back at once
        raise


def write_outputs(root: Path, files: dict[str, bytes], tops: tuple[str, ...],
                  check: Callable[[Path], None] | None = None, on_step: Step = _no_step) -> None:
    """Replace each entry of `tops` (a file or folder under root) that `files` (bytes by
    path relative to root) produces, after `check` passed on the staged files. Nothing
    under root changes unless all of it succeeded."""
    with locked(root):
        recover(root, on_step)
        for stale in root.glob(STAGING_PREFIX + "*"):  # left by a run killed before its journal
            if stale.is_dir() and STAGING_NAME.match(stale.name):
                shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
        try:
            for rel, content in files.items():
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            if check is not None:
                check(staging)
            _swap(root, staging, [top for top in tops if _exists(staging / top)], on_step)
            on_step("clean up")
        finally:
            if not interrupted(root):  # a journal still needs the old entries in staging
                shutil.rmtree(staging, ignore_errors=True)

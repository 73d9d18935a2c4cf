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
writer raises Busy at once rather than touch the first one's staging folder. At the
start of each swap the writer stamps the lock file (swap_marker), so a reader can tell
that outputs were swapped while it read them.

These files are trusted with nothing: git ignores them, but a copied checkout or a
forced commit carries them. The journal may name only the outputs the caller owns and a
staging folder of ours; the lock, the journal and its temporary file are opened without
following links, and one that is not a regular file stops the run (OutputsRefused).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
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


class OutputsRefused(BadJournal):
    """A lock or journal file that is not a regular file of ours (a link, a folder)."""


NOFOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_regular(path: Path, flags: int) -> int:
    """os.open without following a link; OutputsRefused for a link or a non-file."""
    try:
        fd = os.open(path, flags | NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise OutputsRefused(f"{path}: not a regular file ({exc.strerror}); a build writes its lock and "
                                 "journal only as plain files: remove it, then run again") from exc
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputsRefused(f"{path}: not a regular file; remove it, then run again")
    return fd


@contextmanager
def locked(root: Path) -> Iterator[int]:
    """Hold root/.build.lock for the block (yields its descriptor); Busy if another
    process holds it."""
    fd = _open_regular(root / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip() or "?"
            raise Busy(f"another build or release (pid {holder}) is writing in {root}; "
                       "wait for it to finish, then run this again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def interrupted(root: Path) -> bool:
    """A killed build's journal is waiting for the next build to roll it back."""
    return _exists(root / JOURNAL)


def swap_marker(root: Path) -> bytes | None:
    """What the lock file says now: a reader compares it before and after it reads, and
    a change means outputs were swapped in meanwhile. Reads only; never waits."""
    try:
        fd = os.open(root / LOCK, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        return os.pread(fd, 200, 0) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    finally:
        os.close(fd)


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
    if _exists(tmp) and not tmp.is_dir():
        tmp.unlink()  # left by a killed run; a link is removed, never written through
    fd = _open_regular(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(journal, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / JOURNAL)  # the journal appears whole or not at all
    _fsync_dir(root)


def _read_journal(root: Path, owned: tuple[str, ...]) -> tuple[Path, list[tuple[str, bool]]]:
    path = root / JOURNAL
    try:
        fd = _open_regular(path, os.O_RDONLY)
        with os.fdopen(fd, "rb") as f:
            journal = json.loads(f.read(1024 * 1024))
        staging, entries = journal["staging"], [(e["path"], e["existed"]) for e in journal["entries"]]
        ok = (isinstance(staging, str) and STAGING_NAME.match(staging) and (root / staging).is_dir()
              and not (root / staging).is_symlink()
              and all(isinstance(p, str) and p in owned and isinstance(x, bool) for p, x in entries))
    except OutputsRefused:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadJournal(f"{path}: cannot read the journal of an interrupted build ({exc}); "
                         "restore the outputs from git, then delete it") from exc
    if not ok:
        raise BadJournal(f"{path}: the journal names a path that is not an output of the build or release, "
                         "or no staging folder of ours; nothing was changed: restore the outputs from git, "
                         "then delete it")
    return root / staging, entries


def recover(root: Path, owned: tuple[str, ...], on_step: Step = _no_step) -> bool:
    """Roll back a swap that a killed run left half done; True if there was one. The
    journal may name only paths in `owned`. Call with the lock held."""
    if not interrupted(root):
        return False
    staging, entries = _read_journal(root, owned)
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


def _swap(root: Path, staging: Path, tops: list[str], on_step: Step, lock: int, owned: tuple[str, ...]) -> None:
    entries = [(top, _exists(root / top)) for top in tops]
    os.pwrite(lock, f"{os.getpid()} swap {time.time_ns()}\n".encode(), 0)  # swap_marker changes
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
        recover(root, owned)  # a failure we see (disk full, Ctrl-C) rolls back at once
        raise


@contextmanager
def writing(root: Path, owned: tuple[str, ...], on_step: Step = _no_step) -> Iterator[int]:
    """Be the one writer in root for the whole block: the lock held (Busy if another
    holds it) and a swap that a killed run left half done rolled back first. Yields the
    lock for write_outputs."""
    with locked(root) as lock:
        recover(root, owned, on_step)
        yield lock


def write_outputs(root: Path, files: dict[str, bytes] | Callable[[Path], None], tops: tuple[str, ...],
                  check: Callable[[Path], None] | None = None, on_step: Step = _no_step,
                  owned: tuple[str, ...] | None = None, lock: int | None = None) -> None:
    """Replace each entry of `tops` (a file or folder under root) that `files` (bytes by
    path relative to root) produces, after `check` passed on the staged files. Nothing
    under root changes unless all of it succeeded. `owned`: every path a writer in
    this folder may replace (default `tops`), which a journal left by a killed run
    may name. `lock`: held by the caller since before it read its inputs (`writing`);
    without it, the lock is taken here. `files` may instead be a function that writes
    them into the staging folder it is given (as stage_files does), so that a large
    package is not held in memory while `check` reads it back."""
    owned = tuple(owned or tops)
    stage = files if callable(files) else partial(stage_files, files=dict(files))
    if lock is None:
        with writing(root, owned, on_step) as held:
            _write(root, stage, tops, check, on_step, owned, held)
    else:
        _write(root, stage, tops, check, on_step, owned, lock)


def stage_files(staging: Path, files: dict[str, bytes]) -> None:
    """Write files (bytes by path relative to staging) there, emptying `files` as it goes."""
    while files:
        rel, content = files.popitem()
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _write(root: Path, stage: Callable[[Path], None], tops: tuple[str, ...], check: Callable[[Path], None] | None,
           on_step: Step, owned: tuple[str, ...], lock: int) -> None:
    """The transaction itself, under the lock: stage, check, swap."""
    for stale in root.glob(STAGING_PREFIX + "*"):  # left by a run killed before its journal
        if stale.is_dir() and STAGING_NAME.match(stale.name):
            shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    try:
        stage(staging)
        if check is not None:
            check(staging)
        _swap(root, staging, [top for top in tops if _exists(staging / top)], on_step, lock, owned)
        on_step("clean up")
    finally:
        if not interrupted(root):  # a journal still needs the old entries in staging
            shutil.rmtree(staging, ignore_errors=True)

"""Independent jobs shared between this process and one forked child, which sees what
this process holds (a loaded package) without copying or pickling it; only the results
come back, pickled. validate.py shares its checks so (at 10,000 articles it takes 0.76
to 0.87 times the time on a 2-core machine), and a large build renders in a child with
no jobs, whose memory is given back when it exits.

A child that fails, is killed or cannot be started costs time, never a result: every
job it did not report is run here. Linux and macOS fork; elsewhere all runs here."""

from __future__ import annotations

import ctypes
import io
import os
import pickle
import select
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
F = TypeVar("F")


def _take(queue: int) -> int | None:
    """The next job's index from the queue (a pipe of one byte per job, read a byte at
    a time, which POSIX makes atomic between readers), None when it is empty."""
    got = os.read(queue, 1)
    return got[0] if got else None


def _die_with(parent: int) -> None:
    """Be killed when the parent dies (Linux), so that no orphan works on for nothing."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


def _child(parent: int, queue: int, out: int, first: Callable[[], Any], jobs: Sequence[Callable[[], Any]]) -> None:
    _die_with(parent)
    # Only the two pipes stay open: an inherited descriptor, such as the build's lock,
    # must not outlive the parent.
    keep = sorted((queue, out))
    os.closerange(3, keep[0])
    os.closerange(keep[0] + 1, keep[1])
    os.closerange(keep[1] + 1, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024)
    status = 1
    try:
        done: dict[int, Any] = {}
        head = first()
        while (i := _take(queue)) is not None:
            done[i] = jobs[i]()
        with os.fdopen(out, "wb") as f:
            pickle.dump((head, done), f, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)  # noqa: B012 - nothing of the parent's (buffers, atexit, finally blocks) runs twice


def share(jobs: Sequence[Callable[[], T]], first: Callable[[], F]) -> tuple[list[T], F]:
    """The results of jobs (in their order) and of `first`, which the child runs before
    it takes jobs from the queue while this process takes them too. Each job and
    `first` must be pure: any of them may run in either process, or, if the child
    fails, in this one after all."""
    results, head, _ = _shared(jobs, first, None)
    return results, head


def share_all(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """share with no job set apart: the results of jobs, in their order; the child
    starts on the first, so the largest should come first."""
    if not jobs:
        return []
    rest, head = share(jobs[1:], jobs[0])
    return [head, *rest]


def beside(here: Callable[[], T], there: Callable[[], F]) -> tuple[T, F]:
    """here() in this process while a forked child runs there(), which must be pure: if
    the child fails, it runs here after all."""
    _, head, mine = _shared([], there, here)
    return mine, head


def _shared(jobs: Sequence[Callable[[], T]], first: Callable[[], F],
            here: Callable[[], Any] | None) -> tuple[list[T], F, Any]:
    if len(jobs) > 255 or not hasattr(os, "fork"):
        mine = here() if here is not None else None
        return [job() for job in jobs], first(), mine
    queue, feed = os.pipe()
    os.write(feed, bytes(range(len(jobs))))
    os.close(feed)
    back, out = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        pid = None
    if pid == 0:
        os.close(back)
        _child(parent, queue, out, first, jobs)
    os.close(out)
    done: dict[int, Any] = {}
    head, theirs = None, None
    try:
        mine = here() if here is not None else None
        if pid is not None:
            while (i := _take(queue)) is not None:
                done[i] = jobs[i]()
            head, theirs = _collect(back, pid)
            pid = None
    finally:
        os.close(queue)
        os.close(back)
        if pid is not None:  # a job failed here, or this process was interrupted: no orphan is left
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if theirs is None:  # no child, or it failed: its share is run here
        head, theirs = first(), {}
    return [done[i] if i in done else theirs[i] if i in theirs else jobs[i]() for i in range(len(jobs))], head, mine


POLL_SECONDS = 0.2  # how often a parent waiting for results looks whether the child was stopped


class ChildStopped(OSError):
    """The child was stopped (SIGSTOP, a debugger) before it had sent its results."""


class _Watched(io.RawIOBase):
    """The child's pipe, read only when it has something to read: while it has not, the
    child is looked at, and one that is stopped is given up on, not waited for."""

    def __init__(self, fd: int, pid: int) -> None:
        self.fd, self.pid = fd, pid

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not select.select([self.fd], [], [], POLL_SECONDS)[0]:
            if os.waitid(os.P_PID, self.pid, os.WSTOPPED | os.WNOHANG | os.WNOWAIT) is not None:
                raise ChildStopped(f"process {self.pid} was stopped")
        data = os.read(self.fd, len(buffer))
        buffer[:len(data)] = data
        return len(data)



def _collect(back: int, pid: int) -> tuple[Any, dict[int, Any] | None]:
    """What the child sent, once it has exited (None when it did not finish or was
    stopped: then it is killed). Read as it streams in: a large result is not held twice,
    as bytes and as objects."""
    try:
        with io.BufferedReader(_Watched(back, pid)) as f:
            got = pickle.load(f)
    except ChildStopped:
        os.kill(pid, signal.SIGKILL)
        got = None
    except (pickle.UnpicklingError, EOFError, ValueError, OSError):  # it stopped before it had sent all
        got = None
    _, status = os.waitpid(pid, 0)
    return got if status == 0 and got is not None else (None, None)

"""Reading a file that someone else may have put there. A package, a checkout or an
unzipped archive can hold a link out of its folder, a FIFO (reading it waits forever),
a device (/dev/zero never ends), a folder where a file should be, or a file too large
to hold in memory. Every input and package file is read here: a regular file, inside
its folder, within a size limit, or a FileRefused with a one-line reason."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

MiB = 1024 * 1024
# Limits far above anything this project holds (the 10,000-article benchmark's largest
# YAML input is 3 MiB, its largest source text 20 KiB), and low enough that a hostile
# file cannot take the reader past 1 GiB of memory.
MAX_YAML_BYTES = 32 * MiB
MAX_TEXT_BYTES = 16 * MiB
MAX_JSON_BYTES = 16 * MiB


class FileRefused(OSError):
    """A file that is not read: what it is, or why not, in one line."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def within(target: str, folder: Path) -> bool:
    """Whether a resolved path lies in folder (or is it). os.path, not pathlib: a
    validation checks hundreds of paths, and pathlib's parsing was a fifth of its reading.
    A folder given resolved needs no second resolve: a prefix of a resolved path is itself
    resolved."""
    def under(base: str) -> bool:
        return target == base or target.startswith(base.rstrip(os.sep) + os.sep)
    return under(str(folder)) or under(os.path.realpath(folder))


def resolve(path: str | Path, inside: Path) -> str:
    """os.path.realpath(path), looking only at the components below `inside` when the
    path lies there: a validation resolves hundreds of paths in one folder, and resolving
    each from / again was a fifth of validating a small package. `inside` is kept as
    given (load_package resolves it first); below it, a link or '..' falls back to
    realpath."""
    path, base = os.fspath(path), os.fspath(inside).rstrip(os.sep)
    if not path.startswith(base + os.sep):
        return os.path.realpath(path)
    current = base
    for part in path[len(base) + 1:].split(os.sep):
        if part in ("", "."):
            continue
        current = os.path.join(current, part)
        if part == ".." or os.path.islink(current):
            return os.path.realpath(path)
    return current


def open_regular(path: Path, limit: int, inside: Path | None = None) -> BinaryIO:
    """A regular file of at most `limit` bytes, open for reading as it streams by, under the
    rules read_regular keeps (inside the folder, no link followed out, no FIFO or device)."""
    if inside is not None:
        try:
            target = resolve(path, inside)
        except (OSError, RuntimeError, ValueError) as exc:
            raise FileRefused(path, f"cannot be resolved: {exc}") from exc
        if not within(target, inside):
            raise FileRefused(path, f"is a link to {target}, outside {inside}")
        path = Path(target)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise FileRefused(path, "no such file") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused(path, "is a symbolic link, which is not followed here") from exc
        raise FileRefused(path, f"cannot be read: {exc.strerror or exc}") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        raise FileRefused(path, f"is {_kind(info.st_mode)}, not a regular file" if not stat.S_ISREG(info.st_mode)
                          else f"{info.st_size:,} bytes, over the {limit:,} it may have")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_regular(path: Path, limit: int, inside: Path | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. With `inside`, the file
    (after following links) must lie in that folder. Never waits on a FIFO or device."""
    with open_regular(path, limit, inside) as f:
        fd = f.fileno()
        try:
            expected = os.fstat(fd).st_size
            chunks, size = [], 0
            while size <= limit:
                # the size fstat gave, and one byte more to see the end (past it, if the file grew)
                want = min(limit + 1 - size, 4 * MiB, expected + 1 - size if size <= expected else 4 * MiB)
                chunk = os.read(fd, want)
                chunks.append(chunk)
                size += len(chunk)
                if len(chunk) < want:  # a regular file reads short only at its end: no second call
                    break
        except OSError as exc:
            raise FileRefused(path, f"cannot be read: {exc.strerror or exc}") from exc
    if size > limit:  # it grew while we read
        raise FileRefused(path, f"over the {limit:,} bytes it may have")
    return b"".join(chunks)


def read_text(path: Path, limit: int, inside: Path | None = None) -> str:
    """read_regular as UTF-8 text; a UnicodeDecodeError names the byte."""
    return read_regular(path, limit, inside).decode("utf-8")

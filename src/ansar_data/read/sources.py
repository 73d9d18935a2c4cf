"""The source articles: sources/sources.yaml lists them, with the file of each. This
module is the one place that knows where a source's text lives; the build and the
validator both find the files through it."""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansar_data.core.errors import InputError
from ansar_data.core.files import MAX_TEXT_BYTES
from ansar_data.core.rules import NOT_NFC, text_problem, unicode_problem
from ansar_data.core.yamlfile import read_input, read_yaml

REQUIRED = ("id", "file", "title", "url", "language", "license", "sha256")
INDEX = "sources.yaml"


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    url: str
    language: str
    license: str
    sha256: str
    text: str
    bytes: int
    revision: int | None = None   # the Wikipedia revision id (oldid), when known
    retrieved: str | None = None  # the day the snapshot was taken, when known

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url, "language_tag": self.language,
                "license": self.license, "sha256": self.sha256, "bytes": self.bytes,
                "length": len(self.text), "revision": self.revision, "retrieved": self.retrieved}


def read_index(folder: Path) -> list[dict[str, str]]:
    """The entries of sources.yaml, each with every REQUIRED key as a non-empty string
    and a `file` inside the folder; InputError otherwise."""
    meta_path = folder / INDEX
    entries = read_yaml(meta_path, shape="sources")  # `file` is a plain name: no path leaves the folder
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        for key, value in entry.items():  # each becomes a cell of the sources table
            if isinstance(value, str) and (problem := text_problem(value)):
                raise InputError(str(meta_path), f"record {number - 1}", key, problem)
        if entry["id"] in seen:
            raise InputError(str(meta_path), f"record {number - 1}", "id", f"{entry['id']!r} is used twice")
        seen.add(entry["id"])
    return entries


# From this many bytes of source files a command does its own work beside a forked child
# (the build renders in one; a validation reads the sources in one): 10,000 articles
# are 44 MB of sources, this package's two articles 0.1 MB.
MANY_SOURCE_BYTES = 16 * 2**20


def source_bytes(folder: Path) -> int:
    """The bytes of the files directly in folder (0 when it cannot be listed: whoever
    reads it says why)."""
    try:
        return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())
    except OSError:
        return 0


def source_path(folder: Path, entry: dict[str, str]) -> Path:
    return folder / entry["file"]


def snapshot_problem(text: str) -> str | None:
    """Why an article's text cannot be a snapshot, or None: the text rule of a cell, line
    by line (no control character but the line feed, no bidi control, zero-width character
    or noncharacter; ZWNJ only inside Arabic-script words), in NFC, as every quote of it
    must be."""
    if not unicodedata.is_normalized("NFC", text):
        return NOT_NFC
    for number, line in enumerate(text.split("\n"), start=1):
        if (problem := unicode_problem(line, allow_zwnj=True)) is not None:
            return f"line {number}: {problem}"
    return None


def load_sources(folder: Path) -> list[Source]:
    """Read sources.yaml and every file it lists; refuse a file whose sha256 differs."""
    meta_path = folder / INDEX
    sources = []
    for number, entry in enumerate(read_index(folder), start=1):
        path = source_path(folder, entry)
        if not path.exists() and not path.is_symlink():
            raise InputError(str(meta_path), f"entry {number}", "file", f"no such file: {path}")
        data = read_input(path, MAX_TEXT_BYTES, inside=folder)
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry["sha256"]:
            raise InputError(str(path), "whole file", "sha256",
                             f"hash differs from sources.yaml: recorded {entry['sha256']}, actual {actual}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(str(path), f"byte {exc.start}", None, "not valid UTF-8") from exc
        if (problem := snapshot_problem(text)) is not None:
            raise InputError(str(path), "whole file", None, problem)
        sources.append(Source(**{k: entry[k] for k in REQUIRED}, text=text, bytes=len(data),
                              revision=entry.get("revision"), retrieved=entry.get("retrieved")))
    return sources

"""Load the source articles listed in sources/sources.yaml and verify their hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .yamlfile import read_yaml

REQUIRED = ("id", "file", "title", "url", "language", "license", "sha256")


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

    def row(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url, "language": self.language,
                "license": self.license, "sha256": self.sha256, "bytes": self.bytes,
                "length": len(self.text)}


def load_sources(folder: Path) -> list[Source]:
    """Read sources.yaml and every file it lists; refuse a file whose sha256 differs."""
    meta_path = folder / "sources.yaml"
    entries = read_yaml(meta_path)
    if not isinstance(entries, list):
        raise InputError(str(meta_path), "top level", None, "expected a list of sources")
    sources = []
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        for key in REQUIRED:
            if not isinstance(entry, dict) or not isinstance(entry.get(key), str) or not entry[key]:
                raise InputError(str(meta_path), where, key, "missing or not a string")
        path = folder / entry["file"]
        if not path.is_file():
            raise InputError(str(meta_path), where, "file", f"no such file: {path}")
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry["sha256"]:
            raise InputError(str(path), "whole file", "sha256",
                             f"hash differs from sources.yaml: recorded {entry['sha256']}, actual {actual}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(str(path), f"byte {exc.start}", None, "not valid UTF-8") from exc
        sources.append(Source(**{k: entry[k] for k in REQUIRED}, text=text, bytes=len(data)))
    return sources

"""Is this folder the release? `validate.py` answers "is it well-formed and internally
consistent"; a hand-edited copy can be both (a quote cannot tell a program which term a
curator chose: "allied_with" turned into "opposed_to" still validates). `verify`
compares a folder, an unzipped archive, with the per-file sha256 sums that the release
recorded in the repository (releases/X.Y.Z.SHA256SUMS, whose bytes the release's
archive holds as its own SHA256SUMS, and whose archive sha256 CHANGELOG.md records), and
names every record that differs from the data of the commit that recorded the release.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ansar_data.core.files import MAX_JSON_BYTES, FileRefused, read_regular
from ansar_data.core.tables_io import load_json
from ansar_data.release.release import (
    ReleaseCannotRun,
    diff_packages,
    files_at,
    read_tables,
    recorded_releases,
    release_commit,
    repo_text,
    sums_path,
)

MAX_FILE_BYTES = 256 * 1024 * 1024


def parse_sums(text: str) -> dict[str, str]:
    """path -> sha256 of a SHA256SUMS file (`sha256sum` format, two spaces)."""
    out = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise ReleaseCannotRun(f"not a SHA256SUMS line: {line[:80]!r}")
        out[name] = digest
    return out


@dataclass
class Verdict:
    version: str
    files: int
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)  # record-level differences, one line each

    @property
    def identical(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def human(self) -> str:
        if self.identical:
            return f"identical to {self.version}: {self.files} files, each with the sha256 the release recorded"
        lines = [f"NOT {self.version}: {len(self.changed)} changed, {len(self.missing)} missing, "
                 f"{len(self.extra)} extra file(s)"]
        lines += [f"  changed: {p}" for p in self.changed] + [f"  missing: {p}" for p in self.missing]
        lines += [f"  extra: {p}" for p in self.extra]
        if self.records:
            lines += ["records that differ from the release:", *(f"  {r}" for r in self.records)]
        return "\n".join(lines)


def _folder_files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() or p.is_symlink()}


def _digest(path: Path, folder: Path) -> str | None:
    try:
        return hashlib.sha256(read_regular(path, MAX_FILE_BYTES, inside=folder)).hexdigest()
    except FileRefused:
        return None  # a link out, a FIFO, a file too large: not the released file


def release_of(folder: Path) -> str:
    """The version the folder's descriptor says it is."""
    try:
        descriptor = load_json(read_regular(folder / "datapackage.json", MAX_JSON_BYTES, inside=folder).decode())
    except (FileRefused, ValueError, UnicodeDecodeError) as exc:
        raise ReleaseCannotRun(f"{folder}: no readable datapackage.json to say which release it is; "
                             "name one with --release") from exc
    version = descriptor.get("version") if isinstance(descriptor, dict) else None
    if not isinstance(version, str):
        raise ReleaseCannotRun(f"{folder}/datapackage.json names no version; name one with --release")
    return version


def verify(folder: Path, root: Path, version: str | None = None) -> Verdict:
    """Compare folder with the release `version` (default: the one its descriptor names)
    as the repository at root recorded it."""
    if not folder.is_dir():
        raise ReleaseCannotRun(f"{folder} is not a folder: unzip the release archive and name its folder")
    version = version or release_of(folder)
    changelog = repo_text(root, "CHANGELOG.md")
    recorded = recorded_releases(changelog)
    if version not in recorded:
        raise ReleaseCannotRun(f"CHANGELOG.md records no release {version} (recorded: "
                             f"{', '.join(sorted(recorded)) or 'none'})")
    sums_file = root / sums_path(version)
    if not sums_file.is_file():
        raise ReleaseCannotRun(f"{sums_file} is missing: the per-file sums of {version} are not in this repository")
    sums_text = repo_text(root, sums_path(version))
    sums = {**parse_sums(sums_text), "SHA256SUMS": hashlib.sha256(sums_text.encode()).hexdigest()}
    found = _folder_files(folder)
    verdict = Verdict(version, len(sums))
    verdict.missing = sorted(set(sums) - set(found))
    verdict.extra = sorted(set(found) - set(sums))
    verdict.changed = sorted(p for p in set(sums) & set(found) if _digest(found[p], folder) != sums[p])
    if any(p.startswith("data/") or p == "datapackage.json" for p in verdict.changed + verdict.missing):
        verdict.records = record_differences(folder, root, recorded[version])
    return verdict


def record_differences(folder: Path, root: Path, digest: str) -> list[str]:
    """Each record of the folder's tables that differs from the data of the commit that
    recorded the release: added, removed, or a field changed, by table and key."""
    released = files_at(root, release_commit(root, digest))
    descriptor = json.loads(released["datapackage.json"])
    here = {}
    for res in descriptor["resources"]:
        for rel in (res.get("path"), res.get("schema")):
            if isinstance(rel, str) and (folder / rel).is_file():
                try:
                    here[rel] = read_regular(folder / rel, MAX_FILE_BYTES, inside=folder)
                except FileRefused:
                    pass
    lines = []
    for d in diff_packages(read_tables(released, descriptor), read_tables(here, descriptor)):
        lines += [f"{d.table}: record {k!r} added" for k in d.added]
        lines += [f"{d.table}: record {k!r} removed" for k in d.removed]
        lines += [f"{d.table}: record {c.key!r} {c.field}: {c.old!r} -> {c.new!r}" for c in d.changed]
    return lines

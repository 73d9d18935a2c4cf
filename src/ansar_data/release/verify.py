"""Is this folder the release? `validate.py` answers "is it well-formed and internally
consistent"; a hand-edited copy can be both (a quote cannot tell a program which term a
curator chose: "allied_with" turned into "opposed_to" still validates). `verify`
compares a folder, an unzipped archive, with the per-file sha256 sums that the release
recorded in the repository (releases/X.Y.Z.SHA256SUMS, whose bytes the release's
archive holds as its own SHA256SUMS, and whose archive sha256 CHANGELOG.md records), and
names every record that differs from the data of the commit that recorded the release.

The trust anchor is the git history, not the working tree: the sums are read as they were
first committed, and the archive sha256 from the commit that recorded it, so a sums file
edited to match a tampered copy is found and named. A shallow clone, whose history is cut,
cannot say which commit recorded a release and is refused. With the zip beside the folder
(as dist/ lays them out) its sha256 is checked against the recorded one too.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ansar_data.core.files import MAX_JSON_BYTES, FileRefused, read_regular
from ansar_data.core.tables_io import load_json, read_csv_text
from ansar_data.release.release import (
    ReleaseCannotRun,
    ReleaseRefused,
    _git,
    diff_packages,
    files_at,
    read_tables,
    recorded_releases,
    release_commit,
    repo_text,
    sums_path,
    version_key,
)

MAX_FILE_BYTES = 256 * 1024 * 1024
# The files that hold the data itself: when none differs, only stamps do.
DATA_PARTS = ("data/", "schemas/", "sources/")
# Records are compared only in files up to this size: a table read whole into records
# takes several times its bytes, and a file this far from the release is not it anyway.
MAX_COMPARED_BYTES = 32 * 1024 * 1024


def parse_sums(text: str) -> dict[str, str]:
    """path -> sha256 of a SHA256SUMS file (`sha256sum` format, two spaces)."""
    out = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or any(c not in "0123456789abcdef" for c in digest):
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
    notes: list[str] = field(default_factory=list)    # what the anchor checks found, said whatever the verdict

    @property
    def identical(self) -> bool:
        return not (self.missing or self.extra or self.changed)

    def human(self) -> str:
        notes = [f"note: {n}" for n in self.notes]
        if self.identical:
            return "\n".join([f"identical to {self.version}: {self.files} files, each with the sha256 the release "
                              "recorded", *notes])
        lines = [f"NOT {self.version}: {len(self.changed)} changed, {len(self.missing)} missing, "
                 f"{len(self.extra)} extra file(s)"]
        if not any(p.startswith(DATA_PARTS) for p in self.changed + self.missing + self.extra):
            lines.append(f"the data (every file of {', '.join(DATA_PARTS)}) is identical to {self.version}; "
                         "only files that carry a version, a date or a listing differ")
        lines += [f"  changed: {p}" for p in self.changed] + [f"  missing: {p}" for p in self.missing]
        lines += [f"  extra: {p}" for p in self.extra]
        if self.records:
            lines += ["records that differ from the release:", *(f"  {r}" for r in self.records)]
        return "\n".join(lines + notes)


def _folder_entries(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Every file (or link) by path, and every other entry a release never holds: an
    empty folder, a FIFO, a socket, a device (named with what it is)."""
    files, others = {}, []
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        for name in dirs:
            path = here / name
            if path.is_symlink():
                files[path.relative_to(folder).as_posix()] = path
            elif not any(path.iterdir()):
                others.append(f"{path.relative_to(folder).as_posix()}/ (an empty folder)")
        for name in names:
            path = here / name
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                files[path.relative_to(folder).as_posix()] = path
            else:
                kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
                others.append(f"{path.relative_to(folder).as_posix()} ({kind})")
    return dict(sorted(files.items())), sorted(others)


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


def _committed_sums(root: Path, version: str) -> tuple[str, str]:
    """releases/X.Y.Z.SHA256SUMS as first committed, and that commit: what a later edit of
    the working tree (or a later commit) cannot change."""
    rel = sums_path(version)
    first = _git(root, "log", "--format=%H", "--diff-filter=A", "--reverse", "--", rel).split()
    if not first:
        raise ReleaseCannotRun(f"{rel} was never committed: the per-file sums of {version} are not in this "
                               "repository's history")
    return _git(root, "show", f"{first[0]}:{rel}"), first[0]


def _anchor(root: Path, version: str) -> tuple[str, str, str, list[str]]:
    """The recorded archive sha256, the commit that recorded it, the sums, and notes."""
    recorded = recorded_releases(repo_text(root, "CHANGELOG.md"))
    if version not in recorded:
        raise ReleaseCannotRun(f"CHANGELOG.md records no release {version} (recorded: "
                               f"{', '.join(sorted(recorded, key=version_key)) or 'none'})"
                               + _nearest_hint(version, list(recorded)))
    if _git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise ReleaseCannotRun(f"{root} is a shallow clone: its history is cut, so it cannot say which commit "
                               "recorded a release; run `git fetch --unshallow` first")
    try:
        commit = release_commit(root, recorded[version])
    except ReleaseRefused as exc:
        raise ReleaseCannotRun(f"the sha256 CHANGELOG.md records for {version} is in no commit: {exc}") from exc
    sums_text, sums_commit = _committed_sums(root, version)
    notes = []
    tree_file = root / sums_path(version)
    try:
        tree = repo_text(root, sums_path(version)) if tree_file.exists() or tree_file.is_symlink() else None
    except Exception:  # noqa: BLE001 (unreadable in any way: the committed one decides)
        tree = ""
    if tree is not None and tree != sums_text:
        notes.append(f"{sums_path(version)} in this working tree differs from the one committed in "
                     f"{sums_commit[:12]}; the committed one was used")
    return recorded[version], commit, sums_text, notes


def _nearest_hint(version: str, recorded: list[str]) -> str:
    """For a development build (X.Y.Z-dev+g...), the release it follows, to compare with."""
    try:
        key = version_key(version)
    except (TypeError, AttributeError):
        return ""
    before = [v for v in recorded if version_key(v) <= key]
    if not before:
        return ""
    nearest = max(before, key=version_key)
    return (f"; {version} is a development build after {nearest}: to see what differs from that release, "
            f"run verify with --release {nearest}")


def _zip_beside(folder: Path, digest: str) -> list[str]:
    """With the archive beside its unzipped folder: its sha256 against the recorded one."""
    archive = folder.with_name(folder.name + ".zip")
    if archive.is_symlink() or not archive.is_file():  # a regular file only: no FIFO to wait on
        return []
    with open(archive, "rb") as f:
        found = hashlib.file_digest(f, "sha256").hexdigest()
    if found != digest:
        return [f"{archive.name} beside the folder is not the recorded archive (sha256 {found[:12]}..., "
                f"recorded {digest[:12]}...)"]
    return [f"{archive.name} beside the folder has the recorded sha256"]


def verify(folder: Path, root: Path, version: str | None = None) -> Verdict:
    """Compare folder with the release `version` (default: the one its descriptor names)
    as the repository at root recorded it."""
    if not folder.is_dir():
        raise ReleaseCannotRun(f"{folder} is not a folder: unzip the release archive and name its folder")
    version = version or release_of(folder)
    digest, commit, sums_text, notes = _anchor(root, version)
    sums = {**parse_sums(sums_text), "SHA256SUMS": hashlib.sha256(sums_text.encode()).hexdigest()}
    found, others = _folder_entries(folder)
    verdict = Verdict(version, len(sums), notes=notes + _zip_beside(folder, digest))
    verdict.missing = sorted(set(sums) - set(found))
    verdict.extra = sorted(set(found) - set(sums)) + others
    verdict.changed = sorted(p for p in set(sums) & set(found) if _digest(found[p], folder) != sums[p])
    if any(p.startswith("data/") or p == "datapackage.json" for p in verdict.changed + verdict.missing):
        verdict.records = record_differences(folder, root, commit)
    return verdict


def record_differences(folder: Path, root: Path, commit: str) -> list[str]:
    """Each record of the folder's tables that differs from the data of the commit that
    recorded the release: added, removed, or a field changed, by table and key. A table
    that cannot be read as the release's (not UTF-8, ragged, a renamed key column, too
    large) is one line saying so, not a comparison."""
    released = files_at(root, commit)
    descriptor = json.loads(released["datapackage.json"])
    lines = []
    for res in descriptor["resources"]:
        if res["format"] != "csv":
            continue
        rel = res["path"]
        if not (folder / rel).is_file():
            continue
        old = read_tables(released, {"resources": [res]})
        try:
            if (folder / rel).stat().st_size > MAX_COMPARED_BYTES:
                raise ValueError(f"over {MAX_COMPARED_BYTES // 2**20} MiB, too large to compare record by record")
            header, cells = read_csv_text(read_regular(folder / rel, MAX_COMPARED_BYTES, inside=folder).decode())
            key = old[res["name"]][0]
            if missing := [k for k in key if k not in header]:
                raise ValueError(f"its key column {missing[0]!r} is not in the header")
            if ragged := next((n for n, row in enumerate(cells, start=2) if len(row) != len(header)), None):
                raise ValueError(f"row {ragged} has another number of cells than the header")
            diffs = diff_packages(old, {res["name"]: (key, [dict(zip(header, row)) for row in cells])})
        except (FileRefused, ValueError, UnicodeDecodeError, csv.Error, KeyError, TypeError) as exc:
            reason = exc.reason if isinstance(exc, FileRefused) else "not UTF-8" if isinstance(
                exc, UnicodeDecodeError) else str(exc) or type(exc).__name__
            lines.append(f"{res['name']}: records not compared: {reason}")
            continue
        for d in diffs:
            lines += [f"{d.table}: record {k!r} added" for k in d.added]
            lines += [f"{d.table}: record {k!r} removed" for k in d.removed]
            lines += [f"{d.table}: record {c.key!r} {c.field}: {c.old!r} -> {c.new!r}" for c in d.changed]
    return lines

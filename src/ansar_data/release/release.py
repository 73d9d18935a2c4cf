"""Build the release archive (`ansar-data dist`) and cut a release (`ansar-data
release X.Y.Z`).

`dist` builds, for the version in metadata/package.yaml and without stamping it,
exports/ and dist/: a deterministic zip of the package (with a README for downloaders,
the CHANGELOG, the release notes and a SHA256SUMS of its files), the zip's SHA256SUMS
and the release notes, with a record-level diff against the previous release.

`release X.Y.Z` refuses at once, before any slow step, unless X.Y.Z is a version, the
git tree is clean, CHANGELOG.md has its section, `[Unreleased]` is empty and X.Y.Z is
above the last release the CHANGELOG records (or is that release, rebuilt: then the
archive must have the recorded sha256). It then validates, stamps the version (and
today's date, when the version changes), builds as `dist` does, and records the
archive's sha256 in the CHANGELOG. Either writes everything in one transaction
(outputs.py): a failure or a kill leaves the tree as it was. The tests are CI's job,
not the release's. It prints the git commands to run; it neither commits, tags nor
pushes.

The repository's own record of its releases is CHANGELOG.md: each released version's
section names its archive and sha256, and the commit that wrote that record holds the
release's data, so the diff needs no git tag.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansar_data.check.validate import MAX_PER_CHECK, validate_package
from ansar_data.core.errors import InputError
from ansar_data.core.files import MAX_YAML_BYTES, FileRefused, read_regular, read_text
from ansar_data.core.outputs import write_outputs, writing
from ansar_data.core.tables_io import deterministic_zip, dump_json, load_json, read_csv_records, to_csv
from ansar_data.core.yamlfile import check_shape, parse_yaml
from ansar_data.publish import citation
from ansar_data.publish.build import (
    DISTRIBUTED,
    OWN_RULES,
    OWNED,
    STAMPED,
    Inputs,
    build_tables,
    check_release_date,
    load_inputs,
    previous_files,
    render,
    validated,
)
from ansar_data.publish.exports import export_files, write_exports
from ansar_data.release import readme

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
# What a user downloads, beside the generated README, data changelog (CHANGES.md) and
# SHA256SUMS: the data with everything needed to read, cite and re-validate it, and
# nothing addressed to maintainers (no code licence, no development CHANGELOG).
# metadata/package.yaml too: validate.py checks the descriptor's metadata against it.
ARCHIVE_FILES = ("LICENSE-DATA.md", "LICENSES/CC-BY-SA-4.0.txt", "CITATION.cff", "datapackage.json", "croissant.json",
                 "annotations.jsonld",
                 "dataset.jsonld", "docs/codebook.md", "docs/citation.md", "metadata/package.yaml",
                 "metadata/tables.yaml", "metadata/infobox_keys.yaml")
ARCHIVE_DIRS = ("data", "schemas", "sources", "docs/figures", "site", "exports")
RELEASED = OWNED  # what a release replaces
# The per-file sums of each release, kept in the repository (verify reads them).
SUMS_FOLDER = "releases"
MAX_ARCHIVED_BYTES = 128 * 1024 * 1024  # a file taken from the repository into the archive
# A release's record in its CHANGELOG section, as the release writes it.
RECORD = re.compile(r"Archive: `(?P<file>[^`\s]+)`, sha256\s+`(?P<sha>[0-9a-f]{64})`\.\n\n")
Step = Callable[[str, float], None]


class ReleaseRefused(RuntimeError):
    """A precondition of the release does not hold; nothing was changed."""


class ReleaseCannotRun(RuntimeError):
    """The release cannot run here (not a git checkout, no git); nothing was changed."""


@dataclass(frozen=True)
class Change:
    key: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TableDiff:
    table: str
    added: list[str]
    removed: list[str]
    changed: list[Change]
    columns_added: list[str] = field(default_factory=list)    # a renamed column: added and removed
    columns_removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Dist:
    archive: Path
    sums: Path
    notes: Path
    sha256: str


def repo_text(root: Path, rel: str) -> str:
    """A text file of the repository that a release reads (CHANGELOG.md, package.yaml,
    pyproject.toml, a SHA256SUMS): a regular file inside it, of bounded size."""
    return read_text(root / rel, MAX_YAML_BYTES, inside=root)


def record_path(version: str) -> str:
    """Where the repository keeps release `version`'s record (releases/X.Y.Z.json)."""
    return f"{SUMS_FOLDER}/{version}.json"


def release_record(version: str, archive: str, digest: str, swhid: str, released: str | None,
                   cut_from: str) -> bytes:
    """A release's record, so that nothing depends on tags: its archive and sha256, the
    Software Heritage identifier of its data/, its date, and the commit it was cut from
    (the commit that records it in CHANGELOG.md is that one's child, which `dist
    --release` rebuilds from)."""
    return dump_json({"version": version, "archive": archive, "sha256": digest, "swhid": swhid,
                      "released": released, "cut_from": cut_from})


def sums_path(version: str) -> str:
    """Where the repository keeps the SHA256SUMS that release `version`'s archive holds."""
    return f"{SUMS_FOLDER}/{version}.SHA256SUMS"


def version_key(version: str) -> tuple[int, ...]:
    """A version's X.Y.Z as numbers (a development version sorts with the one it leads to)."""
    return tuple(int(x) for x in re.match(r"\d+\.\d+\.\d+", version)[0].split("."))


# A version heading of Keep a Changelog 1.1.0: "## [Unreleased]", "## [1.0.0] - 2017-06-20",
# optionally " [YANKED]"; a link reference may follow the name ("## [1.0.0][1.0.0]").
HEADING = re.compile(r"^## \[(?P<name>Unreleased|\d+\.\d+\.\d+)\](?:\[[^\]\n]*\])?"
                     r"(?: - (?P<date>\d{4}-\d{2}-\d{2}))?(?: \[YANKED\])?[ \t]*$", re.M)


def check_changelog(changelog: str) -> None:
    """Every second-level heading is a Keep a Changelog version heading; ReleaseRefused
    naming the line otherwise (a CRLF line end first: no heading of such a file matches)."""
    if "\r" in changelog:
        n = changelog[:changelog.index("\r")].count("\n") + 1
        raise ReleaseRefused(f"CHANGELOG.md line {n} ends in CR (a Windows line end): save the file with LF line "
                             "ends, as every file of the repository")
    for n, line in enumerate(changelog.splitlines(), start=1):
        if line.startswith("## ") and not HEADING.match(line):
            raise ReleaseRefused(f"CHANGELOG.md line {n}: {line[:60]!r} is not a Keep a Changelog version heading "
                                 "('## [Unreleased]' or '## [X.Y.Z] - YYYY-MM-DD')")


def changelog_sections(changelog: str) -> dict[str, str]:
    """The body of every '## [name]' section of a Keep a Changelog file, by name."""
    heads = list(HEADING.finditer(changelog))
    return {m["name"]: changelog[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(changelog)].strip()
            for i, m in enumerate(heads)}


def recorded_releases(changelog: str) -> dict[str, str]:
    """Released versions and their archives' sha256, as the CHANGELOG records them."""
    return {v: m["sha"] for v, body in changelog_sections(changelog).items()
            if SEMVER.match(v) and (m := RECORD.search(body + "\n\n"))}


def record_release(changelog: str, version: str, archive: str, digest: str) -> str:
    """The CHANGELOG with the archive's sha256 written at the top of version's section
    (after the heading's blank line, or straight after it when the text follows it)."""
    heading = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n\n?", changelog, re.M)
    if heading is None:
        raise ReleaseRefused(f"CHANGELOG.md has no section '## [{version}]'")
    return changelog[:heading.end()] + f"Archive: `{archive}`, sha256\n`{digest}`.\n\n" + changelog[heading.end():]


def _round_trip() -> Any:
    from ruamel.yaml import YAML

    rt = YAML()  # round trip: comments, quotes and layout kept
    rt.preserve_quotes, rt.width = True, 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def stamp_package_yaml(text: str, version: str, released: datetime.date | None) -> str:
    """package.yaml with `version` and `released` (empty for None) written in."""
    rt = _round_trip()
    meta = rt.load(text)
    meta["version"], meta["released"] = version, released
    out = io.StringIO()
    rt.dump(meta, out)
    return out.getvalue()


def stamp_texts(texts: dict[str, str], version: str, today: datetime.date) -> dict[str, str]:
    """metadata/package.yaml and pyproject.toml with the version and release date
    written in by the YAML and TOML libraries, keeping the files' comments and layout.
    The date changes only with the version, so re-running a release of the same commit
    gives the same archive. Both files are read back as the build reads them, and a
    stamp that does not read as the version and date is ReleaseRefused."""
    import tomlkit
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    rt = YAML()  # round trip: comments, quotes and layout kept
    rt.preserve_quotes, rt.width = True, 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    try:
        meta = rt.load(texts["metadata/package.yaml"])
        project = tomlkit.parse(texts["pyproject.toml"])
        released = meta.get("released")
        if str(meta.get("version")) != version or not released:
            released = today
        meta["version"], meta["released"] = version, released
        project["project"]["version"] = version
    except (YAMLError, tomlkit.exceptions.TOMLKitError, KeyError, TypeError, AttributeError) as exc:
        raise ReleaseRefused(f"cannot stamp the version: metadata/package.yaml or pyproject.toml is not in the "
                             f"form the release writes ({exc})") from exc
    out = io.StringIO()
    rt.dump(meta, out)
    stamped = {"metadata/package.yaml": out.getvalue(), "pyproject.toml": tomlkit.dumps(project)}
    check_stamp(stamped, version)
    return stamped


def check_stamp(stamped: dict[str, str], version: str) -> None:
    """The stamped files read, as the build reads them, as the version and a release
    date the build, a zip and SemVer accept."""
    try:
        meta = parse_yaml(stamped["metadata/package.yaml"], "metadata/package.yaml")
        check_shape(meta, "package", "metadata/package.yaml")
        check_release_date(meta.get("released"), "metadata/package.yaml")
        pyproject = tomllib.loads(stamped["pyproject.toml"])["project"]["version"]
    except (InputError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ReleaseRefused(f"{version} cannot be released: the stamped files would not build: {exc}") from exc
    if meta.get("version") != version or pyproject != version:
        raise ReleaseRefused(f"the stamped files read as version {meta.get('version')!r} and {pyproject!r}, "
                             f"not {version}")


def tracked_files(root: Path, paths: tuple[str, ...]) -> list[str]:
    """The files git tracks under `paths`: what the archive may take from the working
    folder (ignored files, untracked drafts and anything else lying there are left
    out). A name that is not UTF-8 or that a SHA256SUMS line cannot hold is refused."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", *paths], cwd=root, capture_output=True, check=True).stdout
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise ReleaseCannotRun(f"git ls-files in {root} failed; an archive takes the files git tracks, so it is "
                               "made in a git checkout of the repository") from exc
    names = []
    for raw in out.split(b"\0"):
        if not raw:
            continue
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ReleaseRefused(f"{raw!r}: a file name that is not UTF-8 cannot be listed in SHA256SUMS") from None
        if any(c in name for c in "\n\r\\"):
            raise ReleaseRefused(f"{name!r}: a file name with a line break or backslash cannot be listed in "
                                 "SHA256SUMS")
        names.append(name)
    return names


def archive_entries(root: Path, staged: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """The archive's files by path, sorted, with a SHA256SUMS of them all: what the
    build is about to put in place (`staged`) where it makes the path; otherwise the
    repository's file, if git tracks it, read as a regular file inside the repository
    (a link out of it is refused); the generated README and the release notes come in
    `staged`."""
    wanted = [rel for rel in ARCHIVE_FILES if rel not in staged]
    folders = [f for f in ARCHIVE_DIRS if not any(rel.startswith(f + "/") for rel in staged)]
    from_tree = tracked_files(root, (*wanted, *folders)) if wanted or folders else []
    if missing := sorted(set(wanted) - set(from_tree)):
        raise ReleaseRefused(f"{', '.join(missing)}: not tracked by git; the archive holds only committed files")
    entries = {rel: staged[rel] for rel in ARCHIVE_FILES if rel in staged}
    for rel in from_tree:
        try:
            entries[rel] = read_regular(root / rel, MAX_ARCHIVED_BYTES, inside=root)
        except FileRefused as exc:
            raise ReleaseRefused(f"{rel} cannot go into the archive: {exc.reason}") from exc
    entries.update({rel: staged[rel] for rel in ("README.md", "CHANGES.md", "CHANGES.csv") if rel in staged})
    entries.update({rel: data for rel, data in staged.items() if rel.startswith(tuple(f + "/" for f in ARCHIVE_DIRS))})
    entries["SHA256SUMS"] = "".join(f"{hashlib.sha256(data).hexdigest()}  {rel}\n"
                                    for rel, data in sorted(entries.items())).encode()
    return sorted(entries.items())


def build_zip(root: Path, staged: dict[str, bytes], prefix: str, when: datetime.date) -> bytes:
    """The release archive: sorted entries, the release date as every entry's time."""
    return deterministic_zip([(f"{prefix}/{rel}", data) for rel, data in archive_entries(root, staged)],
                             (when.year, when.month, when.day, 0, 0, 0))


def read_tables(files: dict[str, bytes], descriptor: dict[str, Any]) -> dict[str, tuple[list[str], list[dict]]]:
    """CSV tables by name -> (primary key, records), from file contents by path."""
    out = {}
    for res in descriptor["resources"]:
        if res["format"] != "csv" or res["path"] not in files or res["schema"] not in files:
            continue
        key = json.loads(files[res["schema"]])["primaryKey"]
        out[res["name"]] = (key, read_csv_records(files[res["path"]].decode("utf-8")))
    return out


def diff_records(name: str, key: list[str], old: list[dict], new: list[dict],
                 old_key: list[str] | None = None) -> TableDiff:
    """Records added, removed and changed, each side keyed by its own primary key (a
    renamed key column keeps its records' keys); values are compared in the columns
    both sides have, and columns added or removed are listed."""
    def index(rows: list[dict], columns: list[str]) -> dict[str, dict]:
        return {"/".join(r[k] for k in columns): r for r in rows}
    before, after = index(old, old_key or key), index(new, key)
    old_columns, new_columns = (list(old[0]) if old else []), (list(new[0]) if new else [])
    shared = [f for f in new_columns if f in old_columns]
    changed = [Change(k, f, before[k][f], after[k][f])
               for k in after if k in before for f in shared if before[k][f] != after[k][f]]
    both = bool(old and new)
    return TableDiff(name, [k for k in after if k not in before], [k for k in before if k not in after], changed,
                     [f for f in new_columns if f not in old_columns] if both else [],
                     [f for f in old_columns if f not in new_columns] if both else [])


def diff_packages(old: dict[str, tuple[list[str], list[dict]]],
                  new: dict[str, tuple[list[str], list[dict]]]) -> list[TableDiff]:
    return [diff_records(name, key, old.get(name, (key, []))[1], rows, old.get(name, (key, []))[0])
            for name, (key, rows) in new.items()] + [
        diff_records(name, key, rows, []) for name, (key, rows) in old.items() if name not in new]


CHANGES_COLUMNS = ["table", "record", "change", "fields", "renamed_to"]


def renames(diff: TableDiff, old: list[dict], new: list[dict], key: list[str]) -> dict[str, str]:
    """Removed record -> added record, where the two are the same record under another id:
    every column but the key's (and the `sources` listing) equal, and only one such pair."""
    def body(row: dict) -> tuple:
        return tuple(sorted((k, v) for k, v in row.items() if k not in key and k != "sources"))
    removed = {"/".join(r[k] for k in key): body(r) for r in old if "/".join(r[k] for k in key) in diff.removed}
    added: dict[tuple, list[str]] = {}
    for r in new:
        rid = "/".join(r[k] for k in key)
        if rid in diff.added:
            added.setdefault(body(r), []).append(rid)
    candidates: dict[tuple, list[str]] = {}
    for rid, b in removed.items():
        candidates.setdefault(b, []).append(rid)
    return {olds[0]: added[b][0] for b, olds in candidates.items() if len(olds) == 1 and len(added.get(b, [])) == 1}


def changes_csv(diffs: list[TableDiff], renamed: dict[str, dict[str, str]]) -> bytes:
    """CHANGES.csv: one row per record added, removed, changed or renamed since the
    release before, so that a copy can be brought up to date without downloading it
    all again (as ACLED's deletion list lets users do)."""
    rows = []
    for d in diffs:
        moved = renamed.get(d.table, {})
        targets = set(moved.values())
        rows += [{"table": d.table, "record": old, "change": "renamed", "fields": "", "renamed_to": new}
                 for old, new in sorted(moved.items())]
        rows += [{"table": d.table, "record": k, "change": "removed", "fields": "", "renamed_to": ""}
                 for k in d.removed if k not in moved]
        rows += [{"table": d.table, "record": k, "change": "added", "fields": "", "renamed_to": ""}
                 for k in d.added if k not in targets]
        fields: dict[str, list[str]] = {}
        for c in d.changed:
            fields.setdefault(c.key, []).append(c.field)
        rows += [{"table": d.table, "record": k, "change": "changed", "fields": " ".join(f), "renamed_to": ""}
                 for k, f in fields.items()]
    return to_csv(rows, CHANGES_COLUMNS)


def render_diff(diffs: list[TableDiff], previous: str | None, limit: int = 50) -> str:
    lines = [f"## Changes in the data since {previous}" if previous
             else "## Data in this first release (every record is new)", ""]
    for d in diffs:
        if not (d.added or d.removed or d.changed or d.columns_added or d.columns_removed):
            lines.append(f"- `{d.table}`: unchanged")
            continue
        lines.append(f"- `{d.table}`: {len(d.added)} added, {len(d.removed)} removed, "
                     f"{len(d.changed)} field value(s) changed")
        if d.columns_added or d.columns_removed:
            lines.append(f"  - columns added: {', '.join(d.columns_added) or 'none'}; removed: "
                         f"{', '.join(d.columns_removed) or 'none'}")
        if previous and limit:
            for label, keys in (("added", d.added), ("removed", d.removed)):
                lines += [f"  - {label}: `{k}`" for k in keys[:limit]]
            lines += [f"  - changed `{c.key}` {c.field}: {c.old!r} -> {c.new!r}" for c in d.changed[:limit]]
            hidden = max(0, len(d.added) - limit) + max(0, len(d.removed) - limit) + max(0, len(d.changed) - limit)
            if hidden:
                lines.append(f"  - ... and {hidden} more")
    return "\n".join(lines) + "\n"


def breaking(section: str) -> str:
    """The '### Breaking' part of a CHANGELOG section: the columns renamed or re-meant,
    with their replacements, that a data user must act on."""
    found = re.search(r"^### Breaking[ \t]*\n(.*?)(?=^### |\Z)", section, re.M | re.S)
    return found[1].strip() if found else ""


def release_date(changelog: str, version: str) -> str | None:
    """The date a CHANGELOG heading gives a version, if any."""
    return next((m["date"] for m in HEADING.finditer(changelog) if m["name"] == version), None)


def data_changes(entries: list[tuple[str, str, str]]) -> str:
    """CHANGES.md, the archive's changelog of the data, from (title, CHANGELOG section,
    rendered diff) per release, newest first: each release's breaking column changes and
    its record-level diff, without the development notes on code, tests and CI."""
    lines = ["# Changes in the data", "",
             "What changed in the tables, newest release first: columns renamed or re-meant (under",
             "\"Breaking\", with what replaces them), then the records added, removed or changed, each",
             "named by its table's primary key.", ""]
    for title, section, diff in entries:
        lines += [f"## {title}", ""]
        if text := breaking(section):
            lines += ["### Breaking", "", text, ""]
        lines += [re.sub(r"^## ", "### ", diff.strip(), count=1), ""]
    return "\n".join(lines)


def _git(root: Path, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError as exc:
        raise ReleaseCannotRun("git is not installed; a release reads the repository's history") from exc
    except subprocess.CalledProcessError as exc:
        message = (exc.stderr or "").strip().splitlines()
        raise ReleaseCannotRun(f"git {args[0]} in {root} failed: {message[-1] if message else exc}; a release "
                               "runs in a git checkout of the repository") from exc


def previous_release(changelog: str, version: str, inclusive: bool = False) -> str | None:
    """The last release the CHANGELOG records before version (or at it, if inclusive)."""
    earlier = [v for v in recorded_releases(changelog)
               if version_key(v) < version_key(version) or (inclusive and v == version)]
    return max(earlier, key=version_key, default=None)


def release_commit(root: Path, digest: str) -> str:
    """The commit that recorded an archive's sha256 in CHANGELOG.md: it holds that
    release's data. Needs the history, not tags."""
    try:
        found = _git(root, "log", "--format=%H", "--reverse", "-S", digest, "--", "CHANGELOG.md").split()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ReleaseRefused(f"cannot read the git history for the previous release's data: {exc}") from exc
    if not found:
        raise ReleaseRefused(f"no commit in this clone's history records sha256 {digest[:12]}... in "
                             "CHANGELOG.md; fetch the full history (git fetch --unshallow)")
    return found[0]


def files_at(root: Path, ref: str) -> dict[str, bytes]:
    """The package's files as they were at ref, read by one `git cat-file --batch` (a
    `git show` for each of 120 files took a second)."""
    names = _git(root, "ls-tree", "-r", "--name-only", ref, "data", "schemas", "datapackage.json").split()
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True, check=True,
                         input="".join(f"{ref}:{n}\n" for n in names).encode("utf-8")).stdout
    files, pos = {}, 0
    for name in names:  # each: "<object> blob <size>\n<content>\n"
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        files[name] = out[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return files


def _timed(on_step: Step, label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    on_step(label, time.perf_counter() - start)
    return result


def _quiet(label: str, seconds: float) -> None:
    pass


def assemble(root: Path, inputs: Inputs, tables: dict[str, list[dict[str, Any]]], files: dict[str, bytes],
             changelog: str, on_step: Step = _quiet) -> tuple[dict[str, bytes], str]:
    """exports/ and dist/ for the version of inputs.package, added to `files` (what the
    build puts in place); returns them and the archive's sha256. Pure but for reading
    the repository's files, its history for the diff, and a scratch folder."""
    meta = {**inputs.package, "swhid": citation.data_swhid(files)}
    version, name = meta["version"], citation.archive_name(meta)
    sections = changelog_sections(changelog)
    is_release = version in sections and not sections.get("Unreleased")
    body = sections[version] if is_release else (
        "Unreleased changes, not a release:\n\n" + (sections.get("Unreleased") or "(none)"))
    body = RECORD.sub("", body + "\n\n").strip()
    previous = previous_release(changelog, version, inclusive=not is_release)
    recorded = recorded_releases(changelog)
    earlier = sorted((v for v in recorded if previous and version_key(v) <= version_key(previous)),
                     key=version_key, reverse=True)
    at_release: dict[str, dict[str, tuple[list[str], list[dict]]]] = {}

    def tables_at(release: str | None) -> dict[str, tuple[list[str], list[dict]]]:
        if release is None:
            return {}
        if release not in at_release:
            old_files = files_at(root, release_commit(root, recorded[release]))
            at_release[release] = read_tables(old_files, json.loads(old_files["datapackage.json"]))
        return at_release[release]

    current = read_tables(files, json.loads(files["datapackage.json"]))
    diffs = _timed(on_step, "diff against the previous release", lambda: diff_packages(tables_at(previous), current))
    before = tables_at(previous)
    renamed = {d.table: renames(d, before.get(d.table, ([], []))[1], current[d.table][1], current[d.table][0])
               for d in diffs if d.table in current and d.added and d.removed}

    def history() -> list[tuple[str, str, str]]:
        """Each earlier release against the one before it, summarised per table."""
        out = []
        for i, v in enumerate(earlier):
            before = earlier[i + 1] if i + 1 < len(earlier) else None
            date = release_date(changelog, v)
            out.append((f"{v}" + (f" ({date})" if date else ""), sections.get(v, ""),
                        render_diff(diff_packages(tables_at(before), tables_at(v)), before, limit=0)))
        return out
    changes = render_diff(diffs, previous)
    title = f"{version} ({meta['released']})" if is_release and meta.get("released") else (
        version if is_release else f"{version} (a development build, not a release)")
    data_changelog = data_changes([(title, sections[version] if is_release else sections.get("Unreleased") or "",
                                    changes), *_timed(on_step, "data changelog", history)])
    with tempfile.TemporaryDirectory(prefix="ansar-dist-") as scratch:  # outside the tree
        exports = Path(scratch) / "exports"
        _timed(on_step, "exports", lambda: write_exports(exports, inputs.spec, tables, meta))
        staged = {**files, **{f"exports/{p.relative_to(exports).as_posix()}": p.read_bytes()
                              for p in sorted(exports.rglob("*")) if p.is_file()}}
    released = f" ({meta['released']})" if meta.get("released") else ""
    notes = f"# {meta['title']} {version}{released}\n\n{citation.revisions_line(inputs.sources)}\n\n{body}\n\n{changes}"
    resources = json.loads(files["datapackage.json"])["resources"]
    inside = {"README.md": readme.render(meta, inputs.spec, tables,
                                         citation.downloads(meta, resources, export_files(inputs.spec, meta))),
              "CHANGES.md": data_changelog}
    inside_bytes = {"CHANGES.csv": changes_csv(diffs, renamed)}
    when = datetime.date.fromisoformat(str(meta["released"])) if meta.get("released") else datetime.date(1980, 1, 1)
    archive_bytes = _timed(on_step, "archive", lambda: build_zip(root, {**staged, **inside_bytes, **{
        k: v.encode("utf-8") for k, v in inside.items()}}, name, when))
    digest = hashlib.sha256(archive_bytes).hexdigest()
    staged[f"dist/{name}.zip"] = archive_bytes
    staged["dist/SHA256SUMS"] = f"{digest}  {name}.zip\n".encode()
    staged["dist/RELEASE_NOTES.md"] = (notes + f"\n## Archive\n\n`{name}.zip` sha256 `{digest}`\n").encode("utf-8")
    return staged, digest


def _dist_paths(root: Path, meta: dict[str, Any], digest: str) -> Dist:
    return Dist(root / "dist" / f"{citation.archive_name(meta)}.zip", root / "dist" / "SHA256SUMS",
                root / "dist" / "RELEASE_NOTES.md", digest)


def development_version(root: Path, version: str, changelog: str) -> str | None:
    """None when the tree is exactly the recorded release `version` (recorded, nothing
    under [Unreleased], no uncommitted change to a tracked file); else a SemVer
    development version after it, naming the commit: 1.0.1-dev+g1a2b3c4d5e6f (".dirty"
    when files are changed), which sorts after the release it follows and before the next."""
    recorded = recorded_releases(changelog)
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no").strip())
    if version in recorded and not changelog_sections(changelog).get("Unreleased") and not dirty:
        return None
    major, minor, patch = (int(p) for p in version.split(".")[:3])
    base = f"{major}.{minor}.{patch + 1}" if version in recorded else f"{major}.{minor}.{patch}"
    commit = _git(root, "rev-parse", "--short=12", "HEAD").strip()
    return f"{base}-dev+g{commit}" + (".dirty" if dirty else "")


def dist(root: Path, on_step: Step = _quiet) -> Dist:
    """exports/ and dist/ for the current version, without stamping it or testing. On a
    tree that is not exactly a recorded release, every version field of the archive,
    and its name, carry a development version, and nothing in it says "released"."""
    with writing(root, OWNED) as lock:
        changelog = repo_text(root, "CHANGELOG.md")
        check_changelog(changelog)
        inputs = _timed(on_step, "read inputs", lambda: load_inputs(root))
        dev = development_version(root, str(inputs.package["version"]), changelog)
        if dev is not None:
            inputs = dataclasses.replace(inputs, package={**inputs.package, "version": dev, "released": None})
        tables = _timed(on_step, "build tables", lambda: build_tables(inputs))
        files = _timed(on_step, "render", lambda: render(inputs, tables, previous=previous_files(root)))
        if dev is not None:  # the archive's own package.yaml says what its descriptor says
            files["metadata/package.yaml"] = stamp_package_yaml(
                repo_text(root, "metadata/package.yaml"), dev, None).encode("utf-8")
        staged, digest = assemble(root, inputs, tables, files, changelog, on_step)
        distributed = {k: v for k, v in staged.items() if k.startswith(("exports/", "dist/"))}
        _timed(on_step, "write", lambda: write_outputs(root, distributed, DISTRIBUTED, owned=OWNED, lock=lock))
    return _dist_paths(root, inputs.package, digest)


def release(root: Path, version: str, today: datetime.date, on_step: Step = _quiet,
            on_swap: Callable[[str], None] = lambda name: None) -> Dist:
    """Check, stamp, build, record and write, as one transaction: the one writer in root
    from the first read to the last rename (a second release or build exits 2 at once),
    and a release or build killed before rolled back first, stamped files included.
    Refusals come first, before anything slow. `on_swap` sees each step of the swap."""
    with writing(root, OWNED) as lock:
        staged, meta, digest = prepare_release(root, version, today, on_step)
        # One transaction: a failure or a kill leaves the tree as it was (see outputs.py).
        _timed(on_step, "write", lambda: write_outputs(root, staged, RELEASED, validated(root, meta=meta),
                                                       on_swap, OWNED, lock))
    return _dist_paths(root, meta, digest)


def prepare_release(root: Path, version: str, today: datetime.date,
                    on_step: Step = _quiet) -> tuple[dict[str, bytes], dict[str, Any], str]:
    """Every file a release of `version` puts in place, its stamped metadata and the
    archive's sha256, or ReleaseRefused; reads the tree, writes nothing."""
    if not SEMVER.match(version):
        raise ReleaseRefused(f"{version!r} is not a version X.Y.Z")
    check_release_date(today.isoformat(), "today's date")
    if _git(root, "status", "--porcelain"):
        raise ReleaseRefused("the git tree has uncommitted changes; commit or stash them first")
    changelog = repo_text(root, "CHANGELOG.md")
    check_changelog(changelog)
    # the version and date as they will be stamped, before anything slow or written
    stamp_texts({rel: repo_text(root, rel) for rel in STAMPED}, version, today)
    sections, recorded = changelog_sections(changelog), recorded_releases(changelog)
    if version not in sections:
        raise ReleaseRefused(f"CHANGELOG.md has no section '## [{version}]'")
    if sections.get("Unreleased"):
        raise ReleaseRefused("CHANGELOG.md still has entries under '## [Unreleased]'; move them to "
                             f"'## [{version}]' first")
    last = max(recorded, key=version_key, default=None)
    if last and version_key(version) < version_key(last):
        raise ReleaseRefused(f"{version} is not above the last release, {last}, that CHANGELOG.md records")
    if last and version not in recorded and version_key(version) == version_key(last):
        raise ReleaseRefused(f"{version} is already released")
    current = str(parse_yaml(repo_text(root, "metadata/package.yaml"),
                             "metadata/package.yaml").get("version"))
    if version in recorded and current != version:
        # a recorded release is rebuilt only from its own stamped tree; any other tree
        # stamps a new date and cannot give the recorded bytes
        raise ReleaseRefused(f"CHANGELOG.md records {version} as sha256 {recorded[version]}, but this tree is at "
                             f"{current}: one version cannot name two archives; release a new version")
    report = _timed(on_step, "validate", lambda: validate_package(root, max_errors=MAX_PER_CHECK, skip=OWN_RULES))
    if not report.valid:
        raise ReleaseRefused("the package does not validate:\n" + report.human())

    # Everything that can fail, without touching the tree.
    stamped = stamp_texts({rel: repo_text(root, rel) for rel in STAMPED}, version, today)
    meta = parse_yaml(stamped["metadata/package.yaml"], "metadata/package.yaml")
    inputs = _timed(on_step, "read inputs", lambda: load_inputs(root, package=meta))
    tables = _timed(on_step, "build tables", lambda: build_tables(inputs))
    files = _timed(on_step, "render", lambda: render(inputs, tables, previous=previous_files(root)))
    files.update({rel: text.encode("utf-8") for rel, text in stamped.items()})
    staged, digest = assemble(root, inputs, tables, files, changelog, on_step)
    name = citation.archive_name(meta)
    if version in recorded and recorded[version] != digest:
        raise ReleaseRefused(f"CHANGELOG.md records {version} as sha256 {recorded[version]}, but this tree "
                             f"builds {digest}: one version cannot name two archives; release a new version")
    staged["CHANGELOG.md"] = (changelog if version in recorded
                              else record_release(changelog, version, f"{name}.zip", digest)).encode("utf-8")
    # every release's per-file sums, this one's from its archive: `releases/` is replaced whole
    for rel in tracked_files(root, (SUMS_FOLDER,)):
        staged[rel] = read_regular(root / rel, MAX_ARCHIVED_BYTES, inside=root)
    with zipfile.ZipFile(io.BytesIO(staged[f"dist/{name}.zip"])) as zf:
        staged[sums_path(version)] = zf.read(f"{name}/SHA256SUMS")
    if version not in recorded:  # a release re-run keeps its record as it was committed
        staged[record_path(version)] = release_record(version, f"{name}.zip", digest, citation.data_swhid(files),
                                                      str(meta["released"]) if meta.get("released") else None,
                                                      _git(root, "rev-parse", "HEAD").strip())
    return staged, meta, digest


def check_record(root: Path, version: str, digest: str, commit: str) -> None:
    """The release's record (releases/X.Y.Z.json) agrees with the CHANGELOG and the history:
    the same sha256, and cut from an ancestor of the commit that recorded it."""
    path = root / record_path(version)
    if not path.exists():
        raise ReleaseCannotRun(f"{record_path(version)} is missing: every release records its commit there")
    try:
        record = load_json(repo_text(root, record_path(version)))
    except ValueError as exc:
        raise ReleaseCannotRun(f"{record_path(version)}: not a readable record: {exc}") from exc
    if not isinstance(record, dict):
        raise ReleaseCannotRun(f"{record_path(version)}: not a record (a JSON object)")
    if record.get("sha256") != digest:
        raise ReleaseCannotRun(f"{record_path(version)} gives sha256 {record.get('sha256')}, but CHANGELOG.md "
                               f"records {digest}")
    cut_from = record.get("cut_from")
    if not isinstance(cut_from, str) or subprocess.run(
            ["git", "merge-base", "--is-ancestor", cut_from, commit], cwd=root, capture_output=True).returncode:
        raise ReleaseCannotRun(f"{record_path(version)} says {version} was cut from {cut_from}, which is not an "
                               f"ancestor of {commit[:12]}, the commit that recorded it")


@dataclass(frozen=True)
class Rebuilt:
    version: str
    commit: str       # the commit whose CHANGELOG first records the release's sha256
    archive: Path     # the rebuilt archive, in root's dist/
    sha256: str
    recorded: str     # the sha256 CHANGELOG.md records
    changed: str      # what `git status` said in the worktree after (nothing: the record was there)
    code: str         # the file ansar_data was imported from there: the commit's own

    @property
    def identical(self) -> bool:
        return self.sha256 == self.recorded and not self.changed


def rebuild_release(root: Path, version: str, on_step: Step = _quiet) -> Rebuilt:
    """Release `version` built again from the commit that recorded it, with that commit's
    own code, in a temporary git worktree (no tag needed: the history says which commit);
    the archive and its SHA256SUMS are copied to root's dist/rebuilt-X.Y.Z/."""
    recorded = recorded_releases(repo_text(root, "CHANGELOG.md"))
    if version not in recorded:
        raise ReleaseCannotRun(f"CHANGELOG.md records no release {version} (recorded: "
                               f"{', '.join(sorted(recorded, key=version_key)) or 'none'})")
    if _git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise ReleaseCannotRun("this is a shallow clone: its history is cut, so the commit that recorded "
                               f"{version} cannot be found; run `git fetch --unshallow` first")
    try:
        commit = release_commit(root, recorded[version])
    except ReleaseRefused as exc:
        raise ReleaseCannotRun(str(exc)) from exc
    check_record(root, version, recorded[version], commit)
    with tempfile.TemporaryDirectory(prefix="ansar-rebuild-") as scratch:
        worktree = Path(scratch) / f"worktree-{version}"
        _timed(on_step, "check out", lambda: _git(root, "worktree", "add", "--detach", str(worktree), commit))
        try:
            env = {**os.environ, "PYTHONPATH": str(worktree / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
            run = _timed(on_step, f"release {version} there", lambda: subprocess.run(
                [sys.executable, "-m", "ansar_data", "release", version, "--root", str(worktree)],
                capture_output=True, text=True, env=env))
            if run.returncode != 0:
                raise ReleaseCannotRun(f"the release's own code could not rebuild it at {commit[:12]}: "
                                       f"{(run.stderr.strip().splitlines() or ['no message'])[-1]}")
            changed = _git(worktree, "status", "--porcelain")
            code = subprocess.run([sys.executable, "-c", "import ansar_data; print(ansar_data.__file__)"],
                                  capture_output=True, text=True, env=env).stdout.strip()
            name = f"al-ansar-iraq-{version}.zip"
            out = root / "dist" / f"rebuilt-{version}"
            out.mkdir(parents=True, exist_ok=True)
            for part in (name, "SHA256SUMS"):
                shutil.copyfile(worktree / "dist" / part, out / part)
        finally:
            _git(root, "worktree", "remove", "--force", str(worktree))
    digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
    return Rebuilt(version, commit, out / name, digest, recorded[version], changed,
                   str(Path(code).relative_to(worktree)) if code.startswith(str(worktree)) else code)

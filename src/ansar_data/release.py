"""Cut a release: `ansar-data release X.Y.Z`.

Refuses unless the git tree is clean, CHANGELOG.md has a section for X.Y.Z and the
package validates. Then, in memory and in a temporary folder, stamps the version (and,
when the version changes, today's date), renders and validates the new package and
writes the exports; only when all of that has passed does it change the tree, in one
transaction (outputs.py): metadata/package.yaml, pyproject.toml, the generated files,
exports/ and dist/ (a deterministic zip of the package, SHA256SUMS and release notes
with a record-level diff against the previous release tag). A failure or a kill
leaves the tree as it was, with no partial exports/ or dist/. The tests are CI's job,
not the release's. It prints the git commands to run; it neither commits, tags nor
pushes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .build import GENERATED, build_tables, load_inputs, previous_files, render, validated
from .exports import write_exports
from .outputs import write_outputs
from .tables_io import deterministic_zip, read_csv_records
from .validate import MAX_PER_CHECK, validate_package
from .yamlfile import parse_yaml

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
# What a user downloads: the data with everything needed to read, cite and re-validate it.
ARCHIVE_FILES = ("README.md", "LICENSE", "LICENSE-DATA.md", "CITATION.cff", "datapackage.json",
                 "dataset.jsonld", "docs/codebook.md", "docs/citation.md", "metadata/tables.yaml",
                 "metadata/infobox_keys.yaml")
ARCHIVE_DIRS = ("data", "schemas", "sources", "docs/figures", "site", "exports")
STAMPED = ("metadata/package.yaml", "pyproject.toml")
# What a release replaces; dist/ holds only this release.
RELEASED = (*GENERATED, *STAMPED, "exports", "dist")


class ReleaseRefused(RuntimeError):
    """A precondition of the release does not hold; nothing was changed."""


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


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def changelog_section(changelog: str, version: str) -> str | None:
    """The body of the '## [version]' section of a Keep a Changelog file."""
    match = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## \[|\Z)", changelog, re.M | re.S)
    return match.group(1).strip() if match else None


def stamp_texts(texts: dict[str, str], version: str, today: datetime.date) -> dict[str, str]:
    """metadata/package.yaml and pyproject.toml with the version and release date
    written in, keeping the files' comments. The date changes only with the version, so
    re-running a release of the same commit gives the same archive."""
    meta = parse_yaml(texts["metadata/package.yaml"], "metadata/package.yaml")
    text = texts["metadata/package.yaml"]
    if str(meta.get("version")) != version or not meta.get("released"):
        text = re.sub(r"^released:.*$", f"released: {today.isoformat()}", text, count=1, flags=re.M)
    text = re.sub(r"^version:.*$", f"version: {version}", text, count=1, flags=re.M)
    pyproject = re.sub(r'^version = ".*"$', f'version = "{version}"', texts["pyproject.toml"],
                       count=1, flags=re.M)
    return {"metadata/package.yaml": text, "pyproject.toml": pyproject}


def archive_entries(root: Path, staged: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """The archive's files by path, sorted: what the release is about to put in place
    (`staged`) where it makes the path, the repository's file otherwise."""
    entries = {rel: staged[rel] if rel in staged else (root / rel).read_bytes() for rel in ARCHIVE_FILES}
    for folder in ARCHIVE_DIRS:
        inside = {rel: data for rel, data in staged.items() if rel.startswith(folder + "/")}
        if not inside and (root / folder).is_dir():
            inside = {p.relative_to(root).as_posix(): p.read_bytes()
                      for p in (root / folder).rglob("*") if p.is_file()}
        entries.update(inside)
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


def diff_records(name: str, key: list[str], old: list[dict], new: list[dict]) -> TableDiff:
    def index(rows: list[dict]) -> dict[str, dict]:
        return {"/".join(r[k] for k in key): r for r in rows}
    before, after = index(old), index(new)
    changed = [Change(k, f, before[k].get(f), after[k].get(f))
               for k in after if k in before
               for f in after[k] if before[k].get(f) != after[k][f]]
    return TableDiff(name, [k for k in after if k not in before], [k for k in before if k not in after], changed)


def diff_packages(old: dict[str, tuple[list[str], list[dict]]],
                  new: dict[str, tuple[list[str], list[dict]]]) -> list[TableDiff]:
    return [diff_records(name, key, old.get(name, (key, []))[1], rows)
            for name, (key, rows) in new.items()] + [
        diff_records(name, key, rows, []) for name, (key, rows) in old.items() if name not in new]


def render_diff(diffs: list[TableDiff], previous: str | None, limit: int = 50) -> str:
    lines = [f"## Changes in the data since {previous}" if previous
             else "## Data in this first release (every record is new)", ""]
    for d in diffs:
        if not (d.added or d.removed or d.changed):
            lines.append(f"- `{d.table}`: unchanged")
            continue
        lines.append(f"- `{d.table}`: {len(d.added)} added, {len(d.removed)} removed, "
                     f"{len(d.changed)} field value(s) changed")
        if previous:
            for label, keys in (("added", d.added), ("removed", d.removed)):
                lines += [f"  - {label}: `{k}`" for k in keys[:limit]]
            lines += [f"  - changed `{c.key}` {c.field}: {c.old!r} -> {c.new!r}" for c in d.changed[:limit]]
            hidden = max(0, len(d.added) - limit) + max(0, len(d.removed) - limit) + max(0, len(d.changed) - limit)
            if hidden:
                lines.append(f"  - ... and {hidden} more")
    return "\n".join(lines) + "\n"


def previous_release(root: Path, version: str) -> str | None:
    tags = [t[1:] for t in _git(root, "tag", "--list", "v*").split() if SEMVER.match(t[1:])]
    earlier = sorted((t for t in tags if version_key(t) < version_key(version)), key=version_key)
    return earlier[-1] if earlier else None


def files_at(root: Path, ref: str) -> dict[str, bytes]:
    names = _git(root, "ls-tree", "-r", "--name-only", ref, "data", "schemas", "datapackage.json").split()
    return {n: subprocess.run(["git", "show", f"{ref}:{n}"], cwd=root, capture_output=True, check=True).stdout
            for n in names}


def release(root: Path, version: str, today: datetime.date) -> dict[str, Path]:
    """Check, stamp, build and write dist/. Returns the written files by kind."""
    if not SEMVER.match(version):
        raise ReleaseRefused(f"{version!r} is not a version X.Y.Z")
    if _git(root, "status", "--porcelain"):
        raise ReleaseRefused("the git tree has uncommitted changes; commit or stash them first")
    notes = changelog_section((root / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    if notes is None:
        raise ReleaseRefused(f"CHANGELOG.md has no section '## [{version}]'")
    report = validate_package(root, max_errors=MAX_PER_CHECK)
    if not report.valid:
        raise ReleaseRefused("the package does not validate:\n" + report.human())

    # Everything that can fail, without touching the tree.
    stamped = stamp_texts({rel: (root / rel).read_text(encoding="utf-8") for rel in STAMPED}, version, today)
    meta = parse_yaml(stamped["metadata/package.yaml"], "metadata/package.yaml")
    inputs = load_inputs(root, package=meta)
    tables = build_tables(inputs)
    files = render(inputs, tables, previous=previous_files(root))
    released = datetime.date.fromisoformat(str(meta["released"]))
    name = f"{meta['name']}-{version}"
    previous = previous_release(root, version)
    old = {}
    if previous:
        old_files = files_at(root, f"v{previous}")
        old = read_tables(old_files, json.loads(old_files["datapackage.json"]))
    diff = render_diff(diff_packages(old, read_tables(files, json.loads(files["datapackage.json"]))), previous)
    with tempfile.TemporaryDirectory(prefix="ansar-release-") as scratch:  # outside the tree
        exports = Path(scratch) / "exports"
        write_exports(exports, inputs.spec, tables, meta)
        staged = {**files, **{rel: text.encode("utf-8") for rel, text in stamped.items()},
                  **{f"exports/{p.relative_to(exports).as_posix()}": p.read_bytes()
                     for p in sorted(exports.rglob("*")) if p.is_file()}}
    archive_bytes = build_zip(root, staged, name, released)
    digest = hashlib.sha256(archive_bytes).hexdigest()
    archive = f"dist/{name}.zip"
    staged[archive] = archive_bytes
    staged["dist/SHA256SUMS"] = f"{digest}  {name}.zip\n".encode()
    staged["dist/RELEASE_NOTES.md"] = (
        f"# {meta['title']} {version} ({released.isoformat()})\n\n{notes}\n\n" + diff
        + f"\n## Archive\n\n`{name}.zip` sha256 `{digest}`\n").encode("utf-8")
    # One transaction: a failure or a kill leaves the tree as it was (see outputs.py).
    write_outputs(root, staged, RELEASED, validated(root))
    return {"archive": root / archive, "sums": root / "dist" / "SHA256SUMS",
            "notes": root / "dist" / "RELEASE_NOTES.md"}

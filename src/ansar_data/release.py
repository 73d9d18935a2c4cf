"""Cut a release: `python -m ansar_data release X.Y.Z`.

Refuses unless the git tree is clean, CHANGELOG.md has a section for X.Y.Z, the
package validates and the tests pass. Then stamps the version (and, when the
version changes, today's date) into metadata/package.yaml and pyproject.toml,
rebuilds, and writes dist/: a deterministic zip of the package, SHA256SUMS and
release notes with a record-level diff against the previous release tag. It prints
the git commands to run; it neither commits, tags nor pushes.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tables_io import deterministic_zip
from .yamlfile import read_yaml

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
# What a user downloads: the data with everything needed to read, cite and re-validate it.
ARCHIVE_FILES = ("README.md", "LICENSE", "LICENSE-DATA.md", "CITATION.cff", "datapackage.json",
                 "dataset.jsonld", "docs/codebook.md", "metadata/tables.yaml")
ARCHIVE_DIRS = ("data", "schemas", "sources", "docs/figures", "site", "exports")


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


def stamp(root: Path, version: str, today: datetime.date) -> None:
    """Write version and release date into metadata/package.yaml and pyproject.toml,
    keeping the files' comments. The date changes only with the version, so
    re-running a release of the same commit gives the same archive."""
    path = root / "metadata" / "package.yaml"
    meta = read_yaml(path)
    text = path.read_text(encoding="utf-8")
    if str(meta["version"]) != version or not meta.get("released"):
        text = re.sub(r"^released:.*$", f"released: {today.isoformat()}", text, count=1, flags=re.M)
    text = re.sub(r"^version:.*$", f"version: {version}", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(re.sub(r'^version = ".*"$', f'version = "{version}"',
                                pyproject.read_text(encoding="utf-8"), count=1, flags=re.M),
                         encoding="utf-8")


def archive_members(root: Path) -> list[str]:
    members = list(ARCHIVE_FILES)
    for folder in ARCHIVE_DIRS:
        members += [p.relative_to(root).as_posix() for p in (root / folder).rglob("*") if p.is_file()]
    return sorted(members)


def build_zip(root: Path, prefix: str, when: datetime.date) -> bytes:
    """The release archive: sorted entries, the release date as every entry's time."""
    return deterministic_zip([(f"{prefix}/{rel}", (root / rel).read_bytes()) for rel in archive_members(root)],
                             (when.year, when.month, when.day, 0, 0, 0))


def read_tables(files: dict[str, bytes], descriptor: dict[str, Any]) -> dict[str, tuple[list[str], list[dict]]]:
    """CSV tables by name -> (primary key, records), from file contents by path."""
    import json

    out = {}
    for res in descriptor["resources"]:
        if res["format"] != "csv" or res["path"] not in files or res["schema"] not in files:
            continue
        key = json.loads(files[res["schema"]])["primaryKey"]
        rows = list(csv.DictReader(io.StringIO(files[res["path"]].decode("utf-8"))))
        out[res["name"]] = (key, rows)
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


def release(root: Path, version: str, today: datetime.date, run_tests: bool = True) -> dict[str, Path]:
    """Check, stamp, build and write dist/. Returns the written files by kind."""
    import json

    from .build import build, build_tables, load_inputs
    from .exports import write_exports
    from .validate import validate_package

    if not SEMVER.match(version):
        raise ReleaseRefused(f"{version!r} is not a version X.Y.Z")
    if _git(root, "status", "--porcelain"):
        raise ReleaseRefused("the git tree has uncommitted changes; commit or stash them first")
    notes = changelog_section((root / "CHANGELOG.md").read_text(encoding="utf-8"), version)
    if notes is None:
        raise ReleaseRefused(f"CHANGELOG.md has no section '## [{version}]'")
    report = validate_package(root)
    if not report.valid:
        raise ReleaseRefused("the package does not validate:\n" + report.human())
    if run_tests:
        tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                               cwd=root, capture_output=True, text=True)
        if tests.returncode != 0:
            raise ReleaseRefused("the tests fail:\n" + tests.stdout[-3000:])
    stamp(root, version, today)
    built = build(root)
    meta = read_yaml(root / "metadata" / "package.yaml")
    inputs = load_inputs(root)
    shutil.rmtree(root / "exports", ignore_errors=True)  # not in git: always written fresh
    write_exports(root / "exports", inputs.spec, build_tables(inputs), meta)
    released = datetime.date.fromisoformat(str(meta["released"]))

    name = f"{meta['name']}-{version}"
    dist = root / "dist"
    dist.mkdir(exist_ok=True)
    archive = dist / f"{name}.zip"
    archive.write_bytes(build_zip(root, name, released))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    sums = dist / "SHA256SUMS"
    sums.write_text(f"{digest}  {archive.name}\n", encoding="utf-8")

    previous = previous_release(root, version)
    old = {}
    if previous:
        old_files = files_at(root, f"v{previous}")
        old = read_tables(old_files, json.loads(old_files["datapackage.json"]))
    new = read_tables(built, json.loads(built["datapackage.json"]))
    release_notes = dist / "RELEASE_NOTES.md"
    release_notes.write_text(
        f"# {meta['title']} {version} ({released.isoformat()})\n\n{notes}\n\n"
        + render_diff(diff_packages(old, new), previous)
        + f"\n## Archive\n\n`{archive.name}` sha256 `{digest}`\n", encoding="utf-8")
    return {"archive": archive, "sums": sums, "notes": release_notes}


def main(root: Path, version: str, run_tests: bool = True) -> int:
    try:
        out = release(root, version, datetime.date.today(), run_tests)
    except ReleaseRefused as exc:
        print(f"release refused: {exc}", file=sys.stderr)
        return 1
    print(out["sums"].read_text(encoding="utf-8").strip())
    print(f"wrote {out['archive']}, {out['sums']}, {out['notes']}")
    print("now run:")
    print(f'  git commit -am "Release {version}" && git tag -a v{version} -m "Release {version}"')
    print(f"  git push && git push origin v{version}")
    return 0

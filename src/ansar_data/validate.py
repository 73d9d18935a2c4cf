"""Validate a built package. Reads only; never writes.

Every problem has a stable `code` (listed in checks.py and the README), and names
the resource, row and field where it can. Row numbers follow frictionless: the
header is row 1, so the first record is row 2 (for JSON twins too).
Exit codes: 0 valid, 1 invalid, 2 could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .schema import Spec, Table, load_spec
from .tables_io import read_csv_text

MAX_PER_CHECK = 10


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    resource: str | None = None
    row: int | None = None
    field: str | None = None


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    def human(self, limit: int = MAX_PER_CHECK) -> str:
        if self.valid:
            rows = sum(self.checked.values())
            return f"VALID: {len(self.checked)} resources, {rows} rows checked"
        lines = [f"INVALID: {len(self.problems)} problem(s)"]
        by_resource: dict[str, list[Problem]] = defaultdict(list)
        for p in self.problems:
            by_resource[p.resource or "(package)"].append(p)
        for resource, problems in by_resource.items():
            lines.append(f"\n{resource}")
            shown: Counter[str] = Counter()
            for p in problems:
                shown[p.code] += 1
                if shown[p.code] <= limit:
                    where = ", ".join(x for x in (f"row {p.row}" if p.row else "",
                                                 f"field {p.field}" if p.field else "") if x)
                    lines.append(f"  [{p.code}] {where + ': ' if where else ''}{p.message}")
            for code, count in shown.items():
                if count > limit:
                    lines.append(f"  [{code}] ... and {count - limit} more")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "error_count": len(self.problems),
                "checked": self.checked, "errors": [asdict(p) for p in self.problems]}


class CannotRun(Exception):
    """The package cannot be validated at all (exit code 2)."""


@dataclass
class Loaded:
    """One resource as read from disk: raw bytes, and if readable, its typed records."""
    name: str
    descriptor: dict[str, Any]
    path: Path
    data: bytes
    table: Table | None = None
    schema: dict[str, Any] | None = None
    header: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    readable: bool = False

    @property
    def is_json(self) -> bool:
        return self.descriptor.get("format") == "json"


@dataclass
class Package:
    """Everything the checks read, loaded once."""
    dir: Path
    inputs_dir: Path
    descriptor: dict[str, Any]
    spec: Spec
    resources: dict[str, Loaded]

    def csv_tables(self) -> list[Loaded]:
        return [r for r in self.resources.values() if not r.is_json and r.readable and r.table]


def safe_path(package_dir: Path, value: Any) -> Path | None:
    """The file a descriptor path names, or None when it is not a relative path inside
    the package (absolute, '..', URL)."""
    if not isinstance(value, str) or not value or "\\" in value or ":" in value.split("/")[0]:
        return None
    if value.startswith("/") or ".." in value.split("/"):
        return None
    path = (package_dir / value).resolve()
    return path if path.is_relative_to(package_dir.resolve()) else None


def _typed(value: str, ftype: str) -> Any:
    if value == "":
        return None
    try:
        if ftype == "integer":
            return int(value)
        if ftype == "boolean":
            return {"true": True, "false": False}[value]
    except (ValueError, KeyError):
        return value  # left as text; the schema checks report it
    return value


def _load(package_dir: Path, resource: dict[str, Any], spec: Spec) -> Loaded | None:
    path = safe_path(package_dir, resource.get("path"))
    if path is None or not path.is_file():
        return None
    res = Loaded(str(resource.get("name", "?")), resource, path, path.read_bytes())
    schema_path = safe_path(package_dir, resource.get("schema"))
    if schema_path is not None and schema_path.is_file():
        try:
            res.schema = json.loads(schema_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            pass
    try:
        res.table = spec.table(res.name.removesuffix("_json"))
        text = res.data.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return res
    types = {f["name"]: f["type"] for f in res.table.fields}
    if res.is_json:
        try:
            records = json.loads(text)
        except ValueError:
            return res
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return res
        res.records = records
        res.header = list(records[0]) if records else res.table.field_names
    else:
        res.header, rows = read_csv_text(text.lstrip("\ufeff"))
        res.records = [{h: _typed(v, types.get(h, "string")) for h, v in zip(res.header, row)}
                       for row in rows]
    res.readable = True
    return res


def validate_package(package_dir: Path, inputs_dir: Path | None = None) -> Report:
    """Check the package in package_dir; sources/ and metadata/ are read from
    inputs_dir (default: the package itself)."""
    from .checks import CHECKS

    inputs_dir = inputs_dir or package_dir
    descriptor_path = package_dir / "datapackage.json"
    if not descriptor_path.is_file():
        raise CannotRun(f"no datapackage.json in {package_dir}")
    try:
        spec = load_spec(inputs_dir / "metadata" / "tables.yaml")
    except (OSError, ValueError) as exc:
        raise CannotRun(str(exc)) from exc
    report = Report()
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        if not isinstance(descriptor, dict):
            raise ValueError("the top level is not an object")
    except (ValueError, UnicodeDecodeError) as exc:
        report.problems.append(Problem("descriptor-json", f"datapackage.json is not valid JSON: {exc}"))
        return report
    resources = {}
    for resource in descriptor.get("resources", []) if isinstance(descriptor.get("resources"), list) else []:
        if isinstance(resource, dict) and (loaded := _load(package_dir, resource, spec)):
            resources[loaded.name] = loaded
            report.checked[loaded.name] = len(loaded.records)
    package = Package(package_dir, inputs_dir, descriptor, spec, resources)
    for check in CHECKS:
        report.problems.extend(check(package))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", default=".", help="package folder (default: .)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--max-errors", type=int, default=MAX_PER_CHECK,
                        help="errors shown per check and resource in the human report")
    args = parser.parse_args(argv)
    try:
        report = validate_package(Path(args.package))
    except CannotRun as exc:
        print(f"could not run: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if args.json
          else report.human(args.max_errors))
    return 0 if report.valid else 1

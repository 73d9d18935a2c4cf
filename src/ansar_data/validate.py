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
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .checks import CHECKS
from .package import CannotRun, Problem, load_package

MAX_PER_CHECK = 10
__all__ = ["CannotRun", "Problem", "Report", "validate_package", "main"]


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


def validate_package(package_dir: Path, inputs_dir: Path | None = None,
                     skip: Collection[str] = ()) -> Report:
    """Check the package in package_dir; sources/ and metadata/ are read from
    inputs_dir (default: the package itself). `skip` names checks (function names in
    checks.CHECKS) not to run, for tests that target one check."""
    report = Report()
    try:
        pkg = load_package(package_dir, inputs_dir)
    except (ValueError, UnicodeDecodeError) as exc:
        report.problems.append(Problem("descriptor-json", f"datapackage.json is not valid JSON: {exc}"))
        return report
    report.checked = {name: len(res.records) for name, res in pkg.resources.items()}
    for check in CHECKS:
        if check.__name__ not in skip:
            report.problems.extend(check(pkg))
    return report


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `validate`, shared by validate.py and `ansar-data validate`."""
    parser.add_argument("package", nargs="?", default=".", type=Path,
                        help="package folder (default: .)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--max-errors", type=positive_int, default=MAX_PER_CHECK, metavar="N",
                        help=f"errors shown per check and resource in the human report (default {MAX_PER_CHECK})")


def run(args: argparse.Namespace) -> int:
    try:
        report = validate_package(args.package)
    except CannotRun as exc:
        print(f"could not run: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if args.json
          else report.human(args.max_errors))
    return 0 if report.valid else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate.py", description=(__doc__ or "").split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))

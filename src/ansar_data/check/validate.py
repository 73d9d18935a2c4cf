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
from functools import partial
from pathlib import Path
from typing import Any

from ansar_data.check.checks import CHECKS, LONGEST_FIRST
from ansar_data.check.package import CannotRun, Package, Problem, Tally, gc_paused, load_package, verify_twins
from ansar_data.core.outputs import interrupted, swap_marker
from ansar_data.core.shared import share
from ansar_data.read.sources import MANY_SOURCE_BYTES, source_bytes

MAX_PER_CHECK = 10
# From this many records the checks are shared with a forked child: at 10,000 articles
# (324,000 records) validate.py takes 0.76 to 0.87 times the time; far below, the twins
# and checks take a fraction of a second and a fork would cost more than it saves.
SHARE_FROM_RECORDS = 100_000
__all__ = ["CannotRun", "Problem", "Report", "validate_package", "main"]


@dataclass
class Report:
    """The problems found, at most `limit` per resource and code (None: all); the
    others are only counted, so a file with millions of bad cells costs no memory."""
    limit: int | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (resource, code) -> found
    checked: dict[str, int] = field(default_factory=dict)

    def add(self, problem: Problem | Tally) -> None:
        key = (problem.resource or "", problem.code)
        if isinstance(problem, Tally):  # counted past the limit by the check itself
            self.counts[key] += problem.count
            return
        self.counts[key] += 1
        if self.limit is None or self.counts[key] <= self.limit:
            self.problems.append(problem)

    @property
    def error_count(self) -> int:
        return sum(self.counts.values())

    @property
    def valid(self) -> bool:
        return not self.counts

    def merge(self, other: Report) -> None:
        """Take in what another report of the same limit found, as if each problem it
        found had been added here in turn: its kept problems include every one this
        report would keep."""
        kept = Counter((p.resource or "", p.code) for p in other.problems)
        for problem in other.problems:
            self.add(problem)
        for key, count in other.counts.items():
            self.counts[key] += count - kept[key]

    def omitted(self) -> dict[str, dict[str, int]]:
        """Problems found but not kept, by resource ("" for the package) and code."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for (resource, code), count in self.counts.items():
            if self.limit is not None and count > self.limit:
                out[resource][code] = count - self.limit
        return dict(out)

    def human(self) -> str:
        if self.valid:
            rows = sum(self.checked.values())
            return f"VALID: {len(self.checked)} resources, {rows} rows checked"
        lines = [f"INVALID: {self.error_count} problem(s)"]
        by_resource: dict[str, list[Problem]] = defaultdict(list)
        for p in self.problems:
            by_resource[p.resource or ""].append(p)
        omitted = self.omitted()
        for resource, problems in by_resource.items():
            lines.append(f"\n{resource or '(package)'}")
            for p in problems:
                where = ", ".join(x for x in (f"row {p.row}" if p.row else "",
                                             f"field {p.field}" if p.field else "") if x)
                lines.append(f"  [{p.code}] {where + ': ' if where else ''}{p.message}")
            lines += [f"  [{code}] ... and {count} more" for code, count in omitted.get(resource, {}).items()]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "error_count": self.error_count, "checked": self.checked,
                "errors": [asdict(p) for p in self.problems],
                "omitted": [{"resource": r or None, "code": c, "count": n}
                            for r, codes in self.omitted().items() for c, n in codes.items()]}


def validate_package(package_dir: Path, inputs_dir: Path | None = None,
                     skip: Collection[str] = (), max_errors: int | None = None,
                     meta: dict[str, Any] | None = None, earlier: Package | None = None,
                     shared: bool | None = None) -> Report:
    """Check the package in package_dir; sources/ and metadata/ are read from
    inputs_dir (default: the package itself). `skip` names checks (function names in
    checks.CHECKS) not to run, for tests that target one check; `max_errors` caps the
    problems kept per resource and code. CannotRun when the package cannot be checked
    at all (no or a malformed datapackage.json, unusable metadata). `meta` stands for
    metadata/package.yaml (a release validates the package it stamps). `earlier`, a
    load of a package this one may share unchanged files with (load_package): every
    check still runs on every resource. `shared`: whether the sources are read and the
    checks run beside a forked child (default: from sources.MANY_SOURCE_BYTES and
    SHARE_FROM_RECORDS records respectively); the report is the same."""
    before = swap_marker(package_dir)
    with gc_paused():
        sources_apart = shared if shared is not None else source_bytes(
            (inputs_dir or package_dir) / "sources") >= MANY_SOURCE_BYTES
        # twins are left to verify_twins only where a child may verify them: one process
        # verifies them as it reads them, with their bytes in hand
        pkg = load_package(package_dir, inputs_dir, meta, earlier, defer_twins=shared is not False,
                           sources_apart=sources_apart)
        pkg.limit = max_errors
        checks = [check for check in CHECKS if check.__name__ not in skip]
        if shared is None:
            shared = sum(len(res.records) for res in pkg.resources.values()) >= SHARE_FROM_RECORDS
        if shared:  # the twins are verified in the child while both run checks
            rank = {check: n for n, check in enumerate(LONGEST_FIRST)}
            started = sorted(checks, key=lambda check: rank.get(check, len(rank)))
            done, verified = share([partial(_run, check, pkg, max_errors) for check in started],
                                   partial(verify_twins, pkg))
            by_check = dict(zip(started, done))
            found = [by_check[check] for check in checks]  # merged in the report's order
        else:
            found, verified = [], verify_twins(pkg)
        if not verified:  # a twin is not its CSV's rendering: read as it is, it is checked as it is
            del pkg, found  # the first reading is let go before the second is made
            pkg, found = load_package(package_dir, inputs_dir, meta, earlier), []
            pkg.limit = max_errors
        report = Report(max_errors)
        for part in found or [_run(check, pkg, max_errors) for check in checks]:
            report.merge(part)
        report.checked = {name: len(res.records) for name, res in pkg.resources.items()}
    if swap_marker(package_dir) != before or interrupted(package_dir):
        # what was read may mix old and new files: no verdict is better than a false one
        raise CannotRun(f"a build or release put new outputs in place in {package_dir} while they were "
                        "being read; run this again")
    return report


def _run(check: Any, pkg: Package, max_errors: int | None) -> Report:
    report = Report(max_errors)
    for problem in check(pkg):
        report.add(problem)
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
                        help=f"errors reported per check code and resource, in either format "
                             f"(default {MAX_PER_CHECK}); the rest are counted")


def run(args: argparse.Namespace) -> int:
    package = args.package
    if package.name == "datapackage.json" and package.is_file():
        package = package.parent  # `validate datapackage.json`: its folder is the package
    elif package.exists() and not package.is_dir():
        print(f"could not run: {package} is a file; name the package's folder (the one with datapackage.json)",
              file=sys.stderr)
        return 2
    try:
        report = validate_package(package, max_errors=args.max_errors)
    except CannotRun as exc:
        print(f"could not run: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # anything the loaders did not turn into a finding
        print(f"could not run: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:  # a memory limit (ulimit -v) below what the package needs
        print(f"could not run: out of memory while checking {package}; the limits keep a hostile file under "
              "1 GiB, so allow this process that much", file=sys.stderr)
        return 2
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if args.json
          else report.human())
    return 0 if report.valid else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate.py", description=(__doc__ or "").split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))

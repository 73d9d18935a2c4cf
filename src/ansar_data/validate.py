"""Validate a built package. Reads only; never writes.

Every problem has a stable `code`, and names the resource, row and field where it
can. Row numbers follow frictionless: the header is row 1, so the first record is
row 2 (for JSON twins too). Exit codes: 0 valid, 1 invalid, 2 could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import jsonschema

from .schema import Spec, Table, load_spec
from .tables_io import cell, read_csv_text

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
    """One resource's records, typed, with the row number of each."""
    name: str
    table: Table
    header: list[str]
    records: list[dict[str, Any]]


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


def validate_package(package_dir: Path, inputs_dir: Path | None = None) -> Report:
    """Check the package in package_dir; sources/ and metadata/ are read from
    inputs_dir (default: the package itself)."""
    inputs_dir = inputs_dir or package_dir
    descriptor_path = package_dir / "datapackage.json"
    if not descriptor_path.is_file():
        raise CannotRun(f"no datapackage.json in {package_dir}")
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        spec = load_spec(inputs_dir / "metadata" / "tables.yaml")
    except (OSError, ValueError) as exc:
        raise CannotRun(str(exc)) from exc

    report = Report()
    loaded = _load_resources(package_dir, descriptor, spec, report)
    for check in (_check_frictionless, _check_digests, _check_json_schema, _check_twins,
                  _check_unique_keys, _check_sources, _check_spans, _check_ordered, _check_dates,
                  _check_evidence, _check_orphans, _check_fatalities, _check_disagreements):
        report.problems.extend(check(package_dir, inputs_dir, descriptor, spec, loaded))
    return report


def _load_resources(package_dir: Path, descriptor: dict, spec: Spec, report: Report) -> dict[str, Loaded]:
    loaded = {}
    for resource in descriptor.get("resources", []):
        name = resource.get("name", "?")
        table_name = name.removesuffix("_json")
        path = package_dir / resource.get("path", "")
        try:
            table = spec.table(table_name)
            text = path.read_text(encoding="utf-8")
        except (KeyError, OSError, UnicodeDecodeError):
            continue  # reported by the descriptor and file checks
        types = {f["name"]: f["type"] for f in table.fields}
        if resource.get("format") == "json":
            try:
                records = json.loads(text)
            except ValueError:
                continue
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                continue
            header = list(records[0]) if records else table.field_names
        else:
            header, rows = read_csv_text(text)
            records = [{h: _typed(v, types.get(h, "string")) for h, v in zip(header, row)}
                       for row in rows]
        loaded[name] = Loaded(name, table, header, records)
        report.checked[name] = len(records)
    return loaded


def _check_frictionless(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    from frictionless import Package, system

    with system.use_context(trusted=False):
        report = Package(str(package_dir / "datapackage.json")).validate()
    for task in report.tasks:
        for error in task.errors:
            yield Problem(f"frictionless/{error.type}", error.message, task.name,
                          getattr(error, "row_number", None), getattr(error, "field_name", None))
    for error in report.errors:
        yield Problem(f"frictionless/{error.type}", error.message)


def _check_digests(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    for resource in descriptor.get("resources", []):
        path = package_dir / resource.get("path", "")
        if not path.is_file():
            continue  # reported by frictionless and the descriptor checks
        data = path.read_bytes()
        actual = {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
        for key, value in actual.items():
            if key in resource and resource[key] != value:
                yield Problem(f"resource-{key}", f"descriptor says {resource[key]!r}, "
                              f"{resource['path']} has {value!r}", resource.get("name"), None, key)


def _check_json_schema(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    for resource in descriptor.get("resources", []):
        if "jsonSchema" not in resource or resource["name"] not in loaded:
            continue
        schema = json.loads((package_dir / resource["jsonSchema"]).read_text(encoding="utf-8"))
        records = loaded[resource["name"]].records
        validator = jsonschema.Draft202012Validator(schema)
        for error in sorted(validator.iter_errors(records), key=lambda e: list(e.path)):
            path = list(error.path)
            row = path[0] + 2 if path and isinstance(path[0], int) else None
            fld = path[1] if len(path) > 1 else None
            yield Problem("json-schema", error.message, resource["name"], row, fld)


def _check_twins(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    for name, csv_table in loaded.items():
        twin = loaded.get(name + "_json")
        if twin is None or name.endswith("_json"):
            continue
        if len(csv_table.records) != len(twin.records):
            yield Problem("twin-mismatch", f"{len(csv_table.records)} CSV records but "
                          f"{len(twin.records)} JSON records", twin.name)
            continue
        for i, (a, b) in enumerate(zip(csv_table.records, twin.records)):
            for f in csv_table.table.field_names:
                if cell(a.get(f)) != cell(b.get(f)):
                    yield Problem("twin-mismatch", f"CSV has {cell(a.get(f))!r}, JSON has "
                                  f"{cell(b.get(f))!r}", twin.name, i + 2, f)


def _check_unique_keys(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    for name, res in loaded.items():
        for key in res.table.unique_keys:
            seen: dict[tuple, int] = {}
            for i, record in enumerate(res.records):
                value = tuple(record.get(k) for k in key)
                if None in value:
                    continue
                if value in seen:
                    yield Problem("unique-key", f"{dict(zip(key, value))} repeats row {seen[value]}",
                                  name, i + 2, ",".join(key))
                seen.setdefault(value, i + 2)


def _source_texts(inputs_dir: Path) -> dict[str, str]:
    from .sources import load_sources

    return {s.id: s.text for s in load_sources(inputs_dir / "sources")}


def _check_sources(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    from .errors import InputError

    try:
        texts = _source_texts(inputs_dir)
    except InputError as exc:
        yield Problem("source-file", str(exc), "sources", None, exc.field)
        return
    for i, record in enumerate(loaded.get("sources", Loaded("", None, [], [])).records):
        path = inputs_dir / "sources" / f"{record.get('id')}.txt"
        if not path.is_file():
            yield Problem("source-file", f"no file {path}", "sources", i + 2, "id")
            continue
        data = path.read_bytes()
        actual = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                  "length": len(texts.get(record["id"], data.decode("utf-8", "replace")))}
        for key, value in actual.items():
            if record.get(key) != value:
                yield Problem("source-" + key, f"table says {record.get(key)!r}, file {path.name} "
                              f"has {value!r}", "sources", i + 2, key)


def _check_spans(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    from .errors import InputError

    try:
        texts = _source_texts(inputs_dir)
    except InputError:
        return  # reported by _check_sources
    for name, res in loaded.items():
        for span in res.table.spans:
            for i, record in enumerate(res.records):
                src, start, end, text = (record.get(span[k]) for k in ("source", "start", "end", "text"))
                if src not in texts:
                    continue  # a dangling source is a foreign-key error
                if not (isinstance(start, int) and isinstance(end, int)
                        and 0 <= start <= end <= len(texts[src])):
                    yield Problem("span-range", f"offsets {start!r}..{end!r} are not inside "
                                  f"{src} (length {len(texts[src])})", name, i + 2, span["start"])
                elif texts[src][start:end] != text:
                    yield Problem("span-mismatch", f"{src}[{start}:{end}] is "
                                  f"{texts[src][start:end]!r}, not {text!r}", name, i + 2, span["text"])


def _csv_tables(loaded: dict[str, Loaded]) -> Iterator[Loaded]:
    """The CSV resources; semantic checks read these, the twin check covers the JSON."""
    return (res for name, res in loaded.items() if not name.endswith("_json"))


def _check_ordered(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    for res in _csv_tables(loaded):
        for columns in res.table.ordered:
            for i, record in enumerate(res.records):
                given = [(c, record.get(c)) for c in columns if isinstance(record.get(c), int)]
                for (a, x), (b, y) in zip(given, given[1:]):
                    if x > y:
                        yield Problem("range-order", f"{a} {x} is greater than {b} {y}",
                                      res.name, i + 2, b)


def _check_dates(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    from .values import edtf_bounds, edtf_precision

    for res in _csv_tables(loaded):
        for cols in res.table.dates:
            for i, record in enumerate(res.records):
                value = record.get(cols["edtf"])
                start, end = record.get(cols["start"]), record.get(cols["end"])
                if value is None:
                    if start is not None or end is not None:
                        yield Problem("date-without-edtf", f"{cols['start']}/{cols['end']} given "
                                      f"without {cols['edtf']}", res.name, i + 2, cols["start"])
                    continue
                try:
                    expected = edtf_bounds(value)
                except ValueError as exc:
                    yield Problem("edtf-invalid", str(exc), res.name, i + 2, cols["edtf"])
                    continue
                if start is not None and end is not None and start > end:
                    yield Problem("date-order", f"{cols['start']} {start} is after {cols['end']} {end}",
                                  res.name, i + 2, cols["start"])
                for key, actual, want in (("start", start, expected[0]), ("end", end, expected[1])):
                    if actual != want:
                        yield Problem("date-edtf-mismatch", f"{cols[key]} is {actual!r} but EDTF "
                                      f"{value!r} gives {want!r}", res.name, i + 2, cols[key])
                if "precision" in cols and record.get(cols["precision"]) != edtf_precision(value):
                    yield Problem("date-edtf-mismatch", f"{cols['precision']} is "
                                  f"{record.get(cols['precision'])!r} but EDTF {value!r} has "
                                  f"precision {edtf_precision(value)!r}", res.name, i + 2, cols["precision"])


def _curated(spec: Spec) -> list[str]:
    return list(spec.vocabularies["curated_table"].terms) if "curated_table" in spec.vocabularies else []


def _check_evidence(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    evidence = loaded.get("evidence")
    if evidence is None:
        return
    supported = {(r.get("table"), r.get("record_id")) for r in evidence.records}
    ids = {t: {r.get("id") for r in loaded[t].records} for t in _curated(spec) if t in loaded}
    for i, record in enumerate(evidence.records):
        table, rid = record.get("table"), record.get("record_id")
        if table in ids and rid not in ids[table]:
            yield Problem("evidence-target", f"no {table} record {rid!r}", "evidence", i + 2, "record_id")
    for table, table_ids in ids.items():
        for i, record in enumerate(loaded[table].records):
            if (table, record.get("id")) not in supported:
                yield Problem("evidence-missing", f"{table} record {record.get('id')!r} has no evidence",
                              table, i + 2, "id")


def _check_orphans(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    """An entity must be referred to by something other than its own names."""
    if "entities" not in loaded:
        return
    used: set[Any] = set()
    for res in _csv_tables(loaded):
        if res.name == "entity_names":
            continue
        for fk in res.table.foreign_keys:
            if fk["reference"]["resource"] == "entities":
                used |= {r.get(fk["fields"][0]) for r in res.records}
    for i, record in enumerate(loaded["entities"].records):
        if record.get("id") not in used:
            yield Problem("entity-unused", f"entity {record.get('id')!r} is referred to by nothing",
                          "entities", i + 2, "id")


def _check_fatalities(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    """Event fatality columns are a copy of the count the event names."""
    from .curate import fatalities_columns

    if "events" not in loaded or "counts" not in loaded:
        return
    counts = {r.get("id"): r for r in loaded["counts"].records}
    for i, record in enumerate(loaded["events"].records):
        expected = fatalities_columns(counts.get(record.get("fatalities_count")))
        for key, want in expected.items():
            if key != "fatalities_count" and record.get(key) != want:
                yield Problem("fatalities-copy", f"{key} is {record.get(key)!r} but count "
                              f"{record.get('fatalities_count')!r} gives {want!r}", "events", i + 2, key)


def _check_disagreements(package_dir, inputs_dir, descriptor, spec, loaded) -> Iterator[Problem]:
    if "disagreements" not in loaded:
        return
    for i, record in enumerate(loaded["disagreements"].records):
        table = loaded.get(record.get("table"))
        ids = {r.get("id") for r in table.records} if table else set()
        for key in ("record_a", "record_b"):
            if record.get(key) not in ids:
                yield Problem("disagreement-target", f"no {record.get('table')} record "
                              f"{record.get(key)!r}", "disagreements", i + 2, key)


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

"""Every check of validate.py, in one place. Each takes the loaded package and
yields Problems with a stable code; registry.py declares every code with its meaning.
The rules on rows that the build shares are in rules.py, run here by check_rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache, partial
from importlib import resources as package_files
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import jsonschema_rs

from ansar_data.check.package import MAX_FILE_BYTES, Loaded, Package, Problem, Tally
from ansar_data.core import rdf
from ansar_data.core.descriptor import PACKAGE_PROFILE, package_metadata, table_resources
from ansar_data.core.errors import InputError
from ansar_data.core.files import MAX_JSON_BYTES, FileRefused, open_regular, read_regular, read_text
from ansar_data.core.provenance import supports, why_not
from ansar_data.core.rules import (
    HIDDEN_RE,
    INJECTION,
    MAX_CELL_CHARS,
    cell_problem,
    column_fits,
    row_findings,
    unicode_problem,
)
from ansar_data.core.schema import INT_MAX, INT_MIN, TYPES, json_schema, table_schema
from ansar_data.core.tables_io import cell, dump_json, load_json
from ansar_data.core.values import COUNT_FIELDS, edtf_bounds, edtf_precision, parse_count, parse_duration, typed_value
from ansar_data.core.yamlfile import read_yaml
from ansar_data.curate import annotations

T = TypeVar("T")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@cache
def strict_schema() -> dict[str, Any]:
    schema = json.loads(package_files.files("ansar_data.check").joinpath("strict_descriptor.schema.json")
                        .read_text(encoding="utf-8"))
    schema["$defs"]["field"]["properties"]["type"]["enum"] = list(TYPES)  # one registry of types
    return schema


def _where(path: list[Any]) -> str:
    return "/".join(str(p) for p in path) or "(top)"


def _strict_errors(instance: Any, schema: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], str | None]]:
    """(message, path, unknown keys) of every error, by path. jsonschema-rs: it imports
    and validates several times faster than the jsonschema package."""
    errors = jsonschema_rs.Draft202012Validator(schema).iter_errors(instance)
    # Only an unknown-keys error (additionalProperties) has `unexpected`: the keys it names.
    out = [(e.message, tuple(e.instance_path),
            ", ".join(sorted(e.kind.unexpected)) if getattr(e.kind, "unexpected", None) else None)
           for e in errors]
    return sorted(out, key=lambda e: list(map(str, e[1])))


@lru_cache(maxsize=64)
def _descriptor_errors(descriptor_json: str) -> tuple[tuple[str, tuple[Any, ...], str | None], ...]:
    """(message, path, unknown keys) of a descriptor against the strict profile, cached
    by content like _schema_errors."""
    return tuple(_strict_errors(json.loads(descriptor_json), strict_schema()))


def check_descriptor(pkg: Package) -> Iterator[Problem]:
    for message, path_items, unknown in _descriptor_errors(json.dumps(pkg.descriptor, sort_keys=True)):
        path = list(path_items)
        resource = None
        if len(path) >= 2 and path[0] == "resources" and isinstance(path[1], int):
            resource = pkg.descriptor["resources"][path[1]].get("name") if isinstance(
                pkg.descriptor["resources"][path[1]], dict) else None
        yield Problem("descriptor-strict",
                      f"unknown key {unknown!r} at {_where(path)}" if unknown
                      else f"{_where(path)}: {message}",
                      resource, None, unknown or (str(path[-1]) if path else None))


def check_resource_set(pkg: Package) -> Iterator[Problem]:
    """The package holds exactly the resources tables.yaml declares: each table as CSV
    and as its JSON twin. A validator that checks only what the descriptor lists could
    otherwise be emptied by deleting resources from it."""
    listed = [r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)]
    names = [r.get("name") for r in listed]
    expected = {r["name"]: r for t in pkg.spec.tables for r in table_resources(t)}
    expected |= {r["name"]: r for r in rdf.FILE_RESOURCES}
    for name in expected:
        if name not in names:
            yield Problem("resource-undeclared", f"tables.yaml declares {name!r}, the descriptor lacks it", name)
    for n, resource in enumerate(listed):
        name = resource.get("name")
        if name not in expected:
            yield Problem("resource-undeclared", f"{name!r} is not a table of tables.yaml nor a file the build "
                          "writes", str(name))
        elif name in names[:n]:
            yield Problem("resource-duplicate", f"a second resource named {name!r}", name, None, "name")
        else:
            found = {k: v for k, v in resource.items() if k not in ("bytes", "hash")}
            if (diff := _difference(found, expected[name])) is not None:
                key = re.match(r"/([^/ ]+)", diff)
                yield Problem("resource-derived", f"resources/{n}{diff}", name, None, key[1] if key else None)


def check_descriptor_metadata(pkg: Package) -> Iterator[Problem]:
    """The descriptor's own metadata is what metadata/package.yaml and sources.yaml give:
    a licence, attribution, version or title edited by hand is found. Without a
    package.yaml beside the package, its sources and profile are checked."""
    sources = [(e.get("title"), e.get("url")) for e in pkg.source_index]
    found = {k: v for k, v in pkg.descriptor.items() if k != "resources"}
    if pkg.meta is not None:
        expected = package_metadata(pkg.meta, sources)
    else:
        expected = {"$schema": PACKAGE_PROFILE, "sources": [{"title": t, "path": u} for t, u in sources]}
        found = {k: v for k, v in found.items() if k in expected}
    for key in sorted(set(found) | set(expected)):
        if (diff := _difference(found.get(key), expected.get(key), f"/{key}")) is not None:
            yield Problem("descriptor-derived", f"{diff} (metadata/package.yaml and sources.yaml give the "
                          f"descriptor's metadata)", None, None, key)


@lru_cache(maxsize=256)
def _schema_errors(schema_json: str) -> tuple[tuple[str, tuple[Any, ...], str | None], ...]:
    """(message, path, unknown keys) of a Table Schema against the strict profile; cached
    by content, since one process (the mutation suite) checks the same schemas often."""
    table_schema = {**strict_schema()["$defs"]["tableSchema"], "$defs": strict_schema()["$defs"]}
    return tuple(_strict_errors(json.loads(schema_json), table_schema))


@lru_cache(maxsize=256)
def _json_schema_error(schema_json: str) -> str | None:
    try:
        jsonschema_rs.meta.validate(json.loads(schema_json))
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        return str(exc)
    return None


def check_schema_files(pkg: Package) -> Iterator[Problem]:
    """Table Schemas against the strict profile; JSON Schemas against Draft 2020-12."""
    seen: set[str] = set()
    for res in pkg.resources.values():
        key = res.descriptor.get("schema")
        if res.schema is not None and key not in seen:
            seen.add(key)
            for message, path, unknown in _schema_errors(res.schema_text):
                yield Problem("schema-strict", f"{key}: " + (
                    f"unknown key {unknown!r} at {_where(list(path))}" if unknown
                    else f"{_where(list(path))}: {message}"),
                    res.name, None, unknown or None)
        key = res.descriptor.get("jsonSchema")
        if key in pkg.json_schemas and key not in pkg.json_errors:
            schema = pkg.json_schemas[key]
            error = "not valid JSON" if schema is None else _json_schema_error(pkg.json_schema_text(key))
            if error:
                yield Problem("json-schema-invalid", f"{key}: {error}", res.name, None, "jsonSchema")


def check_json_files(pkg: Package) -> Iterator[Problem]:
    """JSON twins and schema files that every JSON reader reads alike: no key written
    twice in one object (readers differ in which one they keep), no absurd nesting."""
    owners = {}
    for r in pkg.descriptor.get("resources", []):
        for key in ("path", "schema", "jsonSchema"):
            if isinstance(r, dict) and isinstance(r.get(key), str):
                owners.setdefault(r[key], (r.get("name"), key))
    for rel, error in sorted(pkg.json_errors.items()):
        name, key = owners.get(rel, (None, None))
        yield Problem("json-duplicate-key" if error.startswith("duplicate key") else "json-invalid",
                      f"{rel}: {error}", name, None, key)


def _same_json(a: Any, b: Any) -> bool:
    """Equal, with 1, 1.0 and true told apart (as _difference does)."""
    try:
        return json.dumps(a, sort_keys=True, allow_nan=False) == json.dumps(b, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return False


def _difference(found: Any, expected: Any, path: str = "") -> str | None:
    """Where found first differs from expected, in words; None when equal."""
    if not path and _same_json(found, expected):
        return None  # the common case, compared as text in C
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in sorted(set(found) | set(expected), key=str):
            if key not in found:
                return f"{path}/{key} is missing"
            if key not in expected:
                return f"{path}/{key} is not in the derived schema"
            if (diff := _difference(found[key], expected[key], f"{path}/{key}")) is not None:
                return diff
        return None
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        return next((d for i, (a, b) in enumerate(zip(found, expected))
                     if (d := _difference(a, b, f"{path}/{i}")) is not None), None)
    return None if found == expected and type(found) is type(expected) else (
        f"{path or '(top)'} is {json.dumps(found, ensure_ascii=False)[:80]}, "
        f"the inputs give {json.dumps(expected, ensure_ascii=False)[:80]}")


def check_schemas_derived(pkg: Package) -> Iterator[Problem]:
    """Every Table Schema and JSON Schema equals the one tables.yaml gives: a schema
    edited by hand (a foreign key or an enum dropped) would silently weaken the checks
    that read it."""
    seen: set[str] = set()
    for res in pkg.resources.values():
        if res.table is None:
            continue
        json_schema_path = res.descriptor.get("jsonSchema")
        for key, found, derive in (("schema", res.schema, table_schema),
                                   ("jsonSchema", pkg.json_schemas.get(json_schema_path), json_schema)):
            path = res.descriptor.get(key)
            if found is None or path in seen:
                continue  # missing or unreadable (resource-missing, json-invalid), or done
            seen.add(path)
            text = res.schema_text if key == "schema" else pkg.json_schema_text(json_schema_path)
            if text == pkg.spec.derived_text(key, res.table):
                continue  # the common case: equal as canonical text (1, 1.0 and true told apart)
            if (diff := _difference(found, derive(res.table, pkg.spec))) is not None:
                yield Problem("schema-derived", f"{path}: {diff}", res.name, None, key)


def check_paths(pkg: Package) -> Iterator[Problem]:
    for resource in pkg.descriptor.get("resources", []):
        if not isinstance(resource, dict):
            continue
        name = resource.get("name")
        for key in ("path", "schema", "jsonSchema"):
            if key not in resource:
                continue
            path = pkg.path(resource[key])
            if key == "path":
                loaded = pkg.resources.get(name)
                refused = loaded.refused if loaded is not None and loaded.descriptor is resource else None
            else:
                refused = pkg.refused.get(resource[key])
            if path is None:
                yield Problem("resource-path", f"{resource[key]!r} is not a relative path inside the "
                              f"package (no absolute path, '..' or URL)", name, None, key)
            elif refused:
                yield Problem("file-refused", f"{resource[key]} {refused}", name, None, key)
            elif not path.exists():
                yield Problem("resource-missing", f"no file {resource[key]}", name, None, key)


def check_digests(pkg: Package) -> Iterator[Problem]:
    for res in pkg.resources.values():
        if res.refused:
            continue  # file-refused
        actual = {"bytes": res.size, "hash": "sha256:" + res.sha256}
        for key, value in actual.items():
            if key in res.descriptor and res.descriptor[key] != value:
                yield Problem(f"resource-{key}", f"descriptor says {res.descriptor[key]!r}, "
                              f"{res.descriptor.get('path')} has {value!r}", res.name, None, key)


def check_files(pkg: Package) -> Iterator[Problem]:
    """Encoding and layout of every resource file: the things spreadsheets break."""
    for res in pkg.resources.values():
        if res.too_large:
            yield Problem("resource-too-large", f"{res.too_large}; only its hash was checked", res.name, None, "path")
            continue
        if res.refused:
            continue  # file-refused
        if res.not_records:
            yield Problem("json-not-records", res.not_records, res.name, None, "path")
        layout = res.layout
        if layout is None:
            continue
        if layout.bom:
            yield Problem("file-bom", "the file starts with a byte-order mark", res.name, 1)
        if layout.utf8_error:
            yield Problem("file-utf8", f"not valid UTF-8 at byte {layout.utf8_error[0]}", res.name,
                          layout.utf8_error[1])
            continue
        if layout.crlf:
            yield Problem("file-crlf", "carriage return found; lines must end with LF only", res.name, layout.crlf)
        if layout.no_final_newline:
            yield Problem("file-final-newline", "the file does not end with a newline", res.name,
                          layout.no_final_newline)
        if layout.not_nfc:
            yield Problem("file-nfc", "text is not in Unicode NFC form", res.name, layout.not_nfc)


def _string_fields(res: Loaded) -> set[str]:
    return {f["name"] for f in res.table.fields if f["type"] == "string"} if res.table else set()


# Column screens: a column's strings joined by a character no screen matches, so that
# one search in C stands for a test per cell (there are millions). A hit only sends the
# column to the per-cell rules, which decide.
_JOIN = "\ue000"
# Each starts with the separator, which the regular expression engine finds fast: white
# space after or before it, a formula sign after it. The first and last cell are tested apart.
_PADDED = re.compile(rf"{_JOIN}(?:\s|(?<=\s{_JOIN}))")
_FORMULA = re.compile(rf"{_JOIN}[{re.escape(''.join(INJECTION))}]")


def _any_hidden(texts: list[str]) -> bool:
    """HIDDEN_RE in any of the texts. Every character it matches is one str.isprintable
    refuses (a control, format, separator or unassigned one: a test checks them all), and
    isprintable tests a column's joined text in C at a fraction of the regex's time."""
    text = "".join(texts)
    return not text.isprintable() and HIDDEN_RE.search(text) is not None


def _column_screens(present: list[str]) -> tuple[bool, bool, bool]:
    """Whether a column's non-empty texts may hold a hidden character, may be padded with
    white space, may start a formula: each tested once over the joined column. A hit only
    sends the column, for that rule, to the per-cell rules, which decide."""
    if not present:
        return False, False, False
    joined, ends = _JOIN.join(present), present[0] + present[-1]  # no separator touches the two ends
    return (_any_hidden(present), bool(_PADDED.search(joined)) or ends != ends.strip(),
            bool(_FORMULA.search(joined)) or present[0].startswith(INJECTION))


def _needs_rules(value: Any, integer: bool) -> bool:
    """Whether one cell needs the per-cell rules: the cheap test."""
    if type(value) is str:
        return bool(len(value) > MAX_CELL_CHARS or HIDDEN_RE.search(value) or value != value.strip()
                    or value.startswith(INJECTION) or integer)
    return not (value is None or type(value) is bool or (type(value) is int and INT_MIN <= value <= INT_MAX))


def _column_needs_rules(values: list[Any], integer: bool) -> bool:
    """_needs_rules of any cell of a column, tested a column at a time."""
    kinds = set(map(type, values)) - {type(None)}
    if not kinds or kinds == {bool}:
        return False
    if len(kinds) > 1 or kinds - {str, int}:
        return True  # mixed or other kinds: one cell at a time
    present = list(filter(None, values))  # "" and 0 pass every rule
    if not present:
        return False
    if kinds == {int}:
        return not column_fits(present)
    return integer or not column_fits(present) or any(_column_screens(present))


def check_cells(pkg: Package) -> Iterator[Problem]:
    shared: dict[Any, list[Problem]] = {}
    for res in pkg.resources.values():
        if res.read_error is not None:
            yield Problem("csv-unreadable", f"cannot be read as CSV: {res.read_error}", res.name)
        if not res.readable:
            continue
        expected = res.table.field_names
        if res.is_json:
            for i, record in enumerate(res.records):
                if list(record) != expected:
                    yield Problem("header-mismatch", f"keys {list(record)} differ from the schema's "
                                  f"field order {expected}", res.name, i + 2)
                    break
        elif res.header != expected:
            yield Problem("header-mismatch", f"header {res.header} differs from the schema's field "
                          f"order {expected}", res.name, 1)
        yield from _once_per_records(res, partial(_cell_findings, limit=pkg.limit), shared)


def _once_per_records(res: Loaded, find: Callable[[Loaded], Iterator[Problem | Tally]],
                      shared: dict[Any, list[Problem | Tally]]) -> Iterator[Problem | Tally]:
    """find(res), except for a JSON twin that holds its CSV's very records (package.py
    shares them when they are identical) under the same schema: it gets the CSV's
    problems under its own name, since every one would be found again."""
    key = (id(res.records), res.schema_text)
    if key not in shared:
        shared[key] = list(find(res))
        yield from shared[key]
    else:
        yield from (dataclasses.replace(p, resource=res.name) for p in shared[key])


def _tallies(counts: Counter[tuple[str | None, str]], limit: int | None) -> Iterator[Tally]:
    """What was found of each resource and code past the report's limit, counted, not spelled out."""
    for (resource, code), n in counts.items():
        if limit is not None and n > limit:
            yield Tally(code, resource, n - limit)


def _within_limit(found: Iterable[T], limit: int | None, where: Callable[[T], tuple[str | None, str]],
                  make: Callable[[T], Problem]) -> Iterator[Problem | Tally]:
    """The problems of what was found (`where`: its resource and code), made only for the
    first `limit` of each resource and code, and a Tally of the rest: the report keeps no
    more, and a file of 300,000 bad rows would otherwise make millions of messages to drop."""
    counts: Counter[tuple[str | None, str]] = Counter()
    for item in found:
        key = where(item)
        counts[key] += 1
        if limit is None or counts[key] <= limit:
            yield make(item)
    yield from _tallies(counts, limit)


def _cell_findings(res: Loaded, limit: int | None = None) -> Iterator[Problem | Tally]:
    strings = _string_fields(res)
    integers = {f["name"] for f in res.table.fields if f["type"] == "integer"}
    zwnj = {f["name"] for f in res.table.fields if f.get("unicode") == "arabic-zwnj"}
    names = tuple(res.table.field_names)
    if all(map(names.__eq__, map(tuple, res.records))):
        columns = {n: list(map(operator.itemgetter(n), res.records)) for n in names}
        suspect = [n for n in names if _column_needs_rules(columns[n], n in integers)]
        if limit is not None and suspect:  # counted a column at a time: only the kept ones are spelled out
            yield from _column_cell_findings(res.name, columns, suspect, limit, strings, integers, zwnj)
            return
        rows = (((n, record[n]) for n in suspect) for record in res.records) if suspect else ()
    else:  # keys that differ from row to row: one record at a time
        rows = (record.items() for record in res.records)
    found = ((code, value, i, name) for i, cells in enumerate(rows) for name, value in cells
             if _needs_rules(value, name in integers)
             for code in _cell_codes(value, name in strings, name in integers, name in zwnj))
    yield from _within_limit(found, limit, lambda f: (res.name, f[0]),
                             lambda f: Problem(f[0], _cell_message(f[0], f[1], f[3] in zwnj), res.name, f[2] + 2, f[3]))


CELL_CODES = ("cell-limit", "integer-invalid", "cell-control", "cell-unicode", "cell-whitespace", "csv-injection")


def _column_rows(values: list[Any], string: bool, integer: bool, zwnj: bool) -> dict[str, list[int]]:
    """The rows (0-based) of one column that break each cell rule: what _cell_codes finds
    cell by cell, found a rule at a time over the column."""
    texts = [(i, v) for i, v in enumerate(values) if type(v) is str]
    # each rule screened first: a column of 300,000 formula cells is then tested cell by
    # cell for that rule only (every control character is a hidden one too)
    hidden, padded, formula = _column_screens([v for _, v in texts if v])
    found = {
        "cell-limit": [] if column_fits(values) else [i for i, v in enumerate(values)
                                                       if v is not None and cell_problem(v) is not None],
        "integer-invalid": [i for i, v in enumerate(values) if isinstance(v, (str, float))] if integer else [],
        "cell-control": [i for i, v in texts if CONTROL.search(v)] if hidden else [],
        "cell-whitespace": [i for i, v in texts if v != v.strip()] if padded else [],
        "csv-injection": [i for i, v in texts if v.startswith(INJECTION)] if string and formula else [],
    }
    control = set(found["cell-control"])
    found["cell-unicode"] = [i for i, v in texts if i not in control and HIDDEN_RE.search(v)
                             and unicode_problem(v, zwnj) is not None] if hidden else []
    return found


def _column_cell_findings(resource: str, columns: dict[str, list[Any]], suspect: list[str], limit: int,
                          strings: set[str], integers: set[str], zwnj: set[str]) -> Iterator[Problem | Tally]:
    """_cell_findings' problems when the report keeps `limit` of each code: the first of
    each in the order the cell-by-cell pass finds them (row, then field, then code), and
    a Tally of the rest. A file of a million bad cells makes `limit` messages, not a million."""
    order = {n: k for k, n in enumerate(columns)}
    kept: list[tuple[int, int, int, str, str]] = []
    counts: Counter[tuple[str | None, str]] = Counter()
    for name in suspect:
        rows = _column_rows(columns[name], name in strings, name in integers, name in zwnj)
        for rank, code in enumerate(CELL_CODES):
            counts[resource, code] += len(rows[code])
            kept += [(i, order[name], rank, code, name) for i in rows[code][:limit]]
    chosen: Counter[str] = Counter()
    for i, _, _, code, name in sorted(kept):
        chosen[code] += 1
        if chosen[code] <= limit:
            yield Problem(code, _cell_message(code, columns[name][i], name in zwnj), resource, i + 2, name)
    yield from _tallies(counts, limit)


def _cell_codes(value: Any, string: bool, integer: bool, zwnj: bool) -> list[str]:
    """The codes of what is wrong with one cell, in the order they are reported."""
    codes = []
    if cell_problem(value) is not None:
        codes.append("cell-limit")
    if integer and isinstance(value, (str, float)):
        codes.append("integer-invalid")
    if not isinstance(value, str):
        return codes
    if CONTROL.search(value):
        codes.append("cell-control")
    elif unicode_problem(value, zwnj) is not None:
        codes.append("cell-unicode")
    if value != value.strip():
        codes.append("cell-whitespace")
    if string and value.startswith(INJECTION):
        codes.append("csv-injection")
    return codes


def _cell_message(code: str, value: Any, zwnj: bool) -> str:
    """What _cell_codes found, in words: made only for the problems a report keeps."""
    if code == "cell-limit":
        return f"cell holds {cell_problem(value)}"
    if code == "integer-invalid":
        return f"{str(value)[:40]!r} is not ASCII digits within the signed 64-bit range"
    if code == "cell-control":
        return "control character in cell"
    if code == "cell-unicode":
        return f"{unicode_problem(value, zwnj)}, which the Unicode policy refuses"
    if code == "cell-whitespace":
        return "leading or trailing white space"
    return f"cell starts with {value[0]!r}, which a spreadsheet would run as a formula"


@lru_cache(maxsize=64)
def _table_validators(schema_json: str) -> tuple[Any, Any]:
    """Validators of a whole table and of one record, dates checked as dates."""
    schema = json.loads(schema_json)
    return (jsonschema_rs.validator_for(schema, validate_formats=True),
            jsonschema_rs.validator_for({**schema["items"], "$schema": schema["$schema"]}, validate_formats=True))


def _cell_verdict(errors: list[Any], value: Any, ftype: str) -> tuple[str, str]:
    """One problem per cell: a value not of the field's type (or an impossible date)
    before a broken constraint."""
    kinds = [type(e.kind).__name__ for e in errors]
    if value is None:
        return "cell-constraint", "empty, but the field is required"
    if "Type" in kinds or "Format" in kinds:
        return "cell-type", f"{str(value)[:40]!r} is not a valid {ftype}"
    return "cell-constraint", errors[0].message


def check_types(pkg: Package) -> Iterator[Problem | Tally]:
    """What frictionless checks in each CSV row, column types and constraints (required,
    pattern, minimum, maximum, dates that exist) and rows as wide as the header, at
    the speed of jsonschema-rs: each record against the items of its table's JSON
    Schema, derived from tables.yaml like the Table Schema (schema-derived keeps the
    package's own equal to it). Terms outside a vocabulary are `vocabulary`; primary
    and unique keys, check_keys_and_vocabularies."""
    yield from _within_limit(_type_findings(pkg), pkg.limit, operator.itemgetter(2, 0), lambda f: Problem(*f))


def _type_findings(pkg: Package) -> Iterator[tuple[str, str, str, int, str | None]]:
    """Each problem's code, message, resource, row and field."""
    for res in pkg.csv_tables():
        for row, cells in res.ragged:
            yield "row-width", f"{cells} cells, but the header has {len(res.header)}", res.name, row, None
        if res.header != res.table.field_names:
            continue  # header-mismatch: the cells are not where the schema says
        whole, validator = _table_validators(pkg.spec.derived_text("jsonSchema", res.table))
        if whole.is_valid(res.records):
            continue  # the common case, in one call
        types = {f["name"]: f["type"] for f in res.table.fields}
        ragged = {row for row, _ in res.ragged}
        for i, record in enumerate(res.records):
            if i + 2 in ragged or validator.is_valid(record):
                continue
            by_field: dict[str, list[Any]] = {}
            for error in validator.iter_errors(record):
                path = list(error.instance_path)
                if path and type(error.kind).__name__ != "Enum":
                    by_field.setdefault(str(path[0]), []).append(error)
            for name, errors in by_field.items():
                code, message = _cell_verdict(errors, record.get(name), types.get(name, "string"))
                yield code, message, res.name, i + 2, name


@lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    """A schema's validator, made once per process for each schema text."""
    return jsonschema_rs.validator_for(json.loads(schema_json))


def check_json_tables(pkg: Package) -> Iterator[Problem]:
    """Each JSON twin against its JSON Schema. jsonschema-rs, because the Python
    jsonschema package took 1.7 s for 54,000 records here (jsonschema-rs: 0.01 s)."""
    for res in pkg.resources.values():
        schema = pkg.json_schemas.get(res.descriptor.get("jsonSchema"))
        if not res.is_json or not res.readable or schema is None:
            continue
        try:
            validator = _validator(pkg.json_schema_text(res.descriptor.get("jsonSchema")))
        except (ValueError, jsonschema_rs.ValidationError):
            continue  # reported by check_schema_files
        if validator.is_valid(res.records):
            continue
        yield from _json_schema_problems(res, schema, validator)


def _json_schema_problems(res: Loaded, schema: Any, validator: Any) -> Iterator[Problem]:
    """One record at a time when the schema is an array of items (ours is): jsonschema-rs
    collects every error of an instance at once, which for a hostile twin is millions
    (6.7 GB for 286,000 records); the report only counts past --max-errors."""
    items = schema.get("items") if isinstance(schema, dict) else None
    if isinstance(items, dict) and schema.get("type") == "array" and set(schema) <= {
            "$schema", "title", "description", "type", "items"}:
        try:
            item_validator = jsonschema_rs.validator_for({**items, "$schema": schema.get("$schema")})
        except (ValueError, jsonschema_rs.ValidationError):
            item_validator = None
        if item_validator is not None:
            for i, record in enumerate(res.records):
                if not item_validator.is_valid(record):
                    for error in item_validator.iter_errors(record):
                        path = list(error.instance_path)
                        yield Problem("json-schema", error.message, res.name, i + 2, path[0] if path else None)
            return
    for error in validator.iter_errors(res.records):
        path_items = list(error.instance_path)
        row = path_items[0] + 2 if path_items and isinstance(path_items[0], int) else None
        yield Problem("json-schema", error.message, res.name, row, path_items[1] if len(path_items) > 1 else None)


def check_twins(pkg: Package) -> Iterator[Problem]:
    for name, csv_table in pkg.resources.items():
        twin = pkg.resources.get(name + "_json")
        if twin is None or not csv_table.readable or not twin.readable:
            continue
        if len(csv_table.records) != len(twin.records):
            yield Problem("twin-mismatch", f"{len(csv_table.records)} CSV records but "
                          f"{len(twin.records)} JSON records", twin.name)
            continue
        for i, (a, b) in enumerate(zip(csv_table.records, twin.records)):
            if a == b:
                continue  # the common case, compared in C
            for f in csv_table.table.field_names:
                if cell(a.get(f)) != cell(b.get(f)):
                    yield Problem("twin-mismatch", f"CSV has {cell(a.get(f))!r}, JSON has "
                                  f"{cell(b.get(f))!r}", twin.name, i + 2, f)


def _keys(schema: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(code, fields) of every key of a Table Schema that no two rows may share."""
    primary = schema.get("primaryKey")
    if isinstance(primary, list) and primary:
        yield "primary-key", primary
    for key in schema.get("uniqueKeys", []):
        yield "unique-key", key
    for f in schema.get("fields", []):
        if isinstance(f, dict) and (f.get("constraints") or {}).get("unique") and [f.get("name")] != primary:
            yield "unique-key", [f.get("name")]


def check_keys_and_vocabularies(pkg: Package) -> Iterator[Problem]:
    """Primary keys, uniqueKeys, unique fields and categories from the package's own
    Table Schemas (frictionless 5.21 does not enforce uniqueKeys or categories)."""
    shared: dict[Any, list[Problem]] = {}
    for res in pkg.resources.values():
        if res.readable and isinstance(res.schema, dict):
            yield from _once_per_records(res, _key_and_term_findings, shared)


def _column(records: list[dict[str, Any]], *names: str) -> list[Any] | None:
    """The values of these fields, one per record (tuples for several), in C; None when
    a record lacks one of them."""
    try:
        return list(map(operator.itemgetter(*names), records))
    except (KeyError, TypeError):
        return None


def _all_distinct(values: list[Any]) -> bool:
    try:
        return len(set(values)) == len(values)
    except TypeError:  # a value that cannot be hashed (in a JSON twin): one at a time
        return False


def _key_and_term_findings(res: Loaded) -> Iterator[Problem]:
    for code, key in _keys(res.schema):
        values = _column(res.records, *key) if key and all(isinstance(k, str) for k in key) else None
        if values is not None and _all_distinct(values) and not (
                None in values if len(key) == 1 else any(None in v for v in values)):
            continue  # no two alike and none empty: the common case, in C
        seen: dict[tuple, int] = {}
        for i, record in enumerate(res.records):
            value = tuple(record.get(k) for k in key)
            if None in value:
                continue  # cell-constraint, where the field is required
            if value in seen:
                yield Problem(code, f"{dict(zip(key, value))} repeats row {seen[value]}",
                              res.name, i + 2, ",".join(key))
            seen.setdefault(value, i + 2)
    for f in res.schema.get("fields", []):
        terms = f.get("categories")
        if not terms:
            continue
        values = _column(res.records, f.get("name")) if isinstance(f.get("name"), str) else None
        try:
            if values is not None and not set(values) - set(terms) - {None}:
                continue
        except TypeError:  # a value or term that cannot be hashed: one at a time
            pass
        for i, record in enumerate(res.records):
            value = record.get(f.get("name"))
            if value is not None and value not in terms:
                yield Problem("vocabulary", f"{value!r} is not one of the field's categories",
                              res.name, i + 2, f.get("name"))


def check_sources(pkg: Package) -> Iterator[Problem]:
    res = pkg.resources.get("sources")
    if res is None or not res.readable:
        return
    for i, record in enumerate(res.records):
        source = pkg.sources.get(record.get("id"))
        if source is None or source.data is None:
            yield Problem("source-file", f"no entry for {record.get('id')!r} in sources/sources.yaml"
                          if source is None else f"{source.path} {source.refused}" if source.refused
                          else f"no file {source.path}", "sources", i + 2, "id")
            continue
        actual = {"sha256": hashlib.sha256(source.data).hexdigest(), "bytes": len(source.data),
                  "length": len(source.text if source.text is not None else source.data.decode("utf-8", "replace"))}
        for key, value in actual.items():
            if record.get(key) != value:
                yield Problem("source-" + key, f"table says {record.get(key)!r}, file {source.path.name} "
                              f"has {value!r}", "sources", i + 2, key)


def check_spans(pkg: Package) -> Iterator[Problem]:
    texts = pkg.texts()
    for res in pkg.csv_tables():
        for span in res.table.spans:
            names = [span[k] for k in ("source", "start", "end", "text")]
            values = _column(res.records, *names) or [tuple(map(r.get, names)) for r in res.records]
            for i, (src, start, end, text) in enumerate(values):
                if src not in texts:
                    continue  # a dangling source is a foreign-key error
                if not (isinstance(start, int) and isinstance(end, int)
                        and 0 <= start <= end <= len(texts[src])):
                    yield Problem("span-range", f"offsets {start!r}..{end!r} are not inside "
                                  f"{src} (length {len(texts[src])})", res.name, i + 2, span["start"])
                elif texts[src][start:end] != text:
                    yield Problem("span-mismatch", f"{src}[{start}:{end}] is "
                                  f"{texts[src][start:end]!r}, not {text!r}", res.name, i + 2, span["text"])


def check_ordered(pkg: Package) -> Iterator[Problem]:
    for res in pkg.csv_tables():
        for columns in res.table.ordered:
            for i, record in enumerate(res.records):
                given = [(c, record.get(c)) for c in columns if isinstance(record.get(c), int)]
                for (a, x), (b, y) in zip(given, given[1:]):
                    if x > y:
                        yield Problem("range-order", f"{a} {x} is greater than {b} {y}", res.name, i + 2, b)


def check_dates(pkg: Package) -> Iterator[Problem]:
    for res in pkg.csv_tables():
        for cols in res.table.dates:
            for i, record in enumerate(res.records):
                yield from _check_date(res.name, i + 2, cols, record)


def _check_date(resource: str, row: int, cols: dict[str, str], record: dict) -> Iterator[Problem]:
    value = record.get(cols["edtf"])
    start, end = record.get(cols["start"]), record.get(cols["end"])
    if value is None:
        if start is not None or end is not None:
            yield Problem("date-without-edtf", f"{cols['start']}/{cols['end']} given without "
                          f"{cols['edtf']}", resource, row, cols["start"])
        return
    try:
        expected = edtf_bounds(value)
    except ValueError as exc:
        yield Problem("edtf-invalid", str(exc), resource, row, cols["edtf"])
        return
    if isinstance(start, str) and isinstance(end, str) and start > end:
        yield Problem("date-order", f"{cols['start']} {start} is after {cols['end']} {end}",
                      resource, row, cols["start"])
    for key, actual, want in (("start", start, expected[0]), ("end", end, expected[1])):
        if actual != want:
            yield Problem("date-edtf-mismatch", f"{cols[key]} is {actual!r} but EDTF {value!r} "
                          f"gives {want!r}", resource, row, cols[key])
    if "precision" in cols and record.get(cols["precision"]) != edtf_precision(value):
        yield Problem("date-edtf-mismatch", f"{cols['precision']} is {record.get(cols['precision'])!r} "
                      f"but EDTF {value!r} has precision {edtf_precision(value)!r}",
                      resource, row, cols["precision"])


def _curated(pkg: Package) -> list[str]:
    vocab = pkg.spec.vocabularies.get("curated_table")
    return list(vocab.terms) if vocab else []


def check_evidence(pkg: Package) -> Iterator[Problem]:
    evidence = pkg.resources.get("evidence")
    if evidence is None or not evidence.readable:
        return
    supported = {(r.get("record_table"), r.get("record_id")) for r in evidence.records}
    ids = {t: {r.get("id") for r in pkg.resources[t].records}
           for t in _curated(pkg) if t in pkg.resources and pkg.resources[t].readable}
    for i, record in enumerate(evidence.records):
        table, rid = record.get("record_table"), record.get("record_id")
        if table in ids and rid not in ids[table]:
            yield Problem("evidence-target", f"no {table} record {rid!r}", "evidence", i + 2, "record_id")
    for table in ids:
        for i, record in enumerate(pkg.resources[table].records):
            if (table, record.get("id")) not in supported:
                yield Problem("evidence-missing", f"{table} record {record.get('id')!r} has no evidence",
                              table, i + 2, "id")


def _records_by_id(pkg: Package) -> dict[str, dict[Any, tuple[int, dict[str, Any]]]]:
    """Curated table -> record id -> (row number, record)."""
    return {t: {r.get("id"): (i + 2, r) for i, r in enumerate(pkg.resources[t].records)}
            for t in _curated(pkg) if t in pkg.resources and pkg.resources[t].readable}


def _readable(pkg: Package, name: str) -> list[dict[str, Any]]:
    res = pkg.resources.get(name)
    return res.records if res is not None and res.readable else []


def check_field_evidence(pkg: Package) -> Iterator[Problem]:
    """Field-level provenance. Each field an evidence row lists is a non-empty factual
    field of its record (evidence-field) whose value the quote gives by the field's rule
    (quote-equals, quote-contains, quote-date: reported on the record's value); every
    non-empty factual field is listed by an evidence row or inferred (field-unsupported)."""
    records = _records_by_id(pkg)
    codes = {term: a.get("code") for term, a in pkg.spec.vocabularies["evidence_rule"].attributes.items()}
    covered, evidenced = set(), set()
    for i, ev in enumerate(_readable(pkg, "evidence")):
        table, rid = ev.get("record_table"), ev.get("record_id")
        found = records.get(table, {}).get(rid)
        if found is None:
            continue  # evidence-target
        row, record = found
        evidenced.add((table, rid))
        rules = pkg.spec.table(table).evidence_rules
        for f in (ev.get("fields") or "").split():
            covered.add((table, rid, f))
            if f not in rules or record.get(f) is None:
                yield Problem("evidence-field", f"{f!r} is not a non-empty factual field of {table} "
                              f"{rid!r}", "evidence", i + 2, "fields")
            elif not supports(rules[f], record[f], ev.get("quote") or ""):
                yield Problem(codes[rules[f]], f"evidence row {i + 2}: "
                              f"{why_not(rules[f], record[f], ev.get('quote') or '')}", table, row, f)
    covered |= {(r.get("record_table"), r.get("record_id"), r.get("field")) for r in _readable(pkg, "inferences")}
    for table, recs in records.items():
        rules = pkg.spec.table(table).evidence_rules
        for rid, (row, record) in recs.items():
            for f, rule in rules.items():
                if (record.get(f) is not None and (table, rid) in evidenced
                        and (table, rid, f) not in covered):
                    yield Problem("field-unsupported", f"{record[f]!r} ({rule}) has no evidence row "
                                  f"that lists {f} and no inference", table, row, f)


def check_evidence_source(pkg: Package) -> Iterator[Problem]:
    """A record that names its source is evidenced from that source."""
    records = _records_by_id(pkg)
    named = {table for table in records if "source" in pkg.spec.table(table).field_names}  # once, not per row
    for i, ev in enumerate(_readable(pkg, "evidence")):
        found = records.get(ev.get("record_table"), {}).get(ev.get("record_id"))
        if found is None or ev["record_table"] not in named:
            continue
        if ev.get("source") != found[1].get("source"):
            yield Problem("evidence-source", f"quotes {ev.get('source')!r}, but {ev['record_table']} "
                          f"{ev['record_id']!r} names source {found[1].get('source')!r}", "evidence", i + 2, "source")


def check_counts(pkg: Package) -> Iterator[Problem]:
    """A count's number, bounds and certainty are what its text reads as."""
    for i, record in enumerate(_readable(pkg, "counts")):
        count = parse_count(record.get("text") or "")
        for column, want in (count.columns() if count else dict.fromkeys(COUNT_FIELDS)).items():
            if record.get(column) != want:
                yield Problem("count-parse", f"{column} is {record.get(column)!r}, but the text "
                              f"{record.get('text')!r} reads as {want!r}", "counts", i + 2, column)


def check_infobox_values(pkg: Package) -> Iterator[Problem]:
    """An infobox value's typed columns are what its text reads as: under the datatype
    the key map (metadata/infobox_keys.yaml) gives its written key, or, for a key the
    map does not know, wholly as a date or count (datatype_source says which)."""
    keys = {(r.get("source"), r.get("ordinal")): r.get("key") for r in _readable(pkg, "infobox_fields")}
    for i, record in enumerate(_readable(pkg, "infobox_values")):
        rule = pkg.key_map.get(keys.get((record.get("source"), record.get("field_ordinal"))))
        want = typed_value(record.get("text") or "", rule["datatype"] if isinstance(rule, dict) else "text",
                           rule is None)
        if want.items() <= record.items():
            continue  # every typed column as the text reads, compared in C
        for column, value in want.items():
            if record.get(column) != value:
                yield Problem("infobox-parse", f"{column} is {record.get(column)!r}, but the text "
                              f"{record.get('text')!r} reads as {value!r}", "infobox_values", i + 2, column)


def check_event_links(pkg: Package) -> Iterator[Problem]:
    """A link's lag is what its lag_text reads as."""
    for i, record in enumerate(_readable(pkg, "event_links")):
        text = record.get("lag_text")
        want = parse_duration(text) if text is not None else None
        if record.get("lag_duration") != want:
            yield Problem("lag-parse", f"lag_duration is {record.get('lag_duration')!r}, but lag_text {text!r} "
                          f"reads as {want!r}", "event_links", i + 2, "lag_duration")


ANNOTATIONS = "annotations.jsonld"


_RENDERED: dict[tuple, bytes] = {}


def _rendered_bytes(key: tuple, expected: Any) -> bytes:
    if key not in _RENDERED:
        _RENDERED.clear()  # one entry: the inputs of the package last checked
        _RENDERED[key] = dump_json(expected)
    return _RENDERED[key]


def check_annotations(pkg: Package) -> Iterator[Problem]:
    """annotations.jsonld is exactly what the evidence table renders to
    (curate.annotations), as a JSON twin is its CSV: the first annotation that differs is
    named. Where the evidence or the sources cannot be read, other checks report it."""
    evidence, sources = pkg.resources.get("evidence"), pkg.resources.get("sources")
    if evidence is None or sources is None or not (evidence.readable and sources.readable):
        return
    texts, entries = pkg.texts(), {r.get("id"): r for r in sources.records}
    views = {sid: SimpleNamespace(id=sid, url=entries[sid].get("url"), revision=entries[sid].get("revision"),
                                  text=text) for sid, text in texts.items() if sid in entries}
    # the title as package.yaml gives it, where it is there (the descriptor's own is checked against it)
    title = (pkg.meta or {}).get("title") or pkg.descriptor.get("title")
    try:
        expected = annotations.render(evidence.records, list(views.values()), title)
    except (KeyError, TypeError, IndexError):
        return  # evidence pointing at no source, or not of its types: other codes
    path = pkg.dir / ANNOTATIONS
    try:
        data = read_regular(path, MAX_JSON_BYTES, inside=pkg.dir)
    except FileRefused as exc:
        yield Problem("annotations-derived", f"{ANNOTATIONS}: {exc.reason}; the build writes it from the evidence")
        return
    # The rendering's bytes are made once per inputs (json's indented writer is Python,
    # not C: the mutation suite checks hundreds of copies with one evidence table).
    key = (evidence.sha256, sources.sha256, hashlib.sha256(json.dumps(
        [(v.id, v.url, v.revision, v.text) for v in views.values()]).encode()).hexdigest(), title)
    if data == _rendered_bytes(key, expected):
        return
    try:
        found = load_json(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        yield Problem("annotations-derived", f"{ANNOTATIONS} is not readable JSON ({exc})")
        return
    found_items = found.get("first", {}).get("items") if isinstance(found, dict) and isinstance(
        found.get("first"), dict) else None
    want_items = expected["first"]["items"]
    if isinstance(found_items, list):
        for n, (a, b) in enumerate(zip(found_items, want_items), start=1):
            if (diff := _difference(a, b)) is not None:
                yield Problem("annotations-derived", f"{ANNOTATIONS}: annotation {n} ({b['id']}): {diff}",
                              "evidence", n + 1)
                return
        if len(found_items) != len(want_items):
            yield Problem("annotations-derived", f"{ANNOTATIONS} has {len(found_items)} annotations; the evidence "
                          f"has {len(want_items)} rows")
            return
    diff = _difference(found, expected) or "its bytes are not the ones the evidence renders to"
    yield Problem("annotations-derived", f"{ANNOTATIONS}: {diff}")


# The repository this validator's code is part of: its metadata/tables.yaml and the
# per-file sums of its releases are the rules a package of a known version is held to.
CODE_ROOT = Path(__file__).resolve().parents[3]


@lru_cache(maxsize=16)
def trusted_rules(version: str, code_root: Path = CODE_ROOT) -> frozenset[str]:
    """The sha256 of every tables.yaml that the validator's own repository gives for a
    package version: the one its release's SHA256SUMS lists, and its own when it is at that
    version. Empty when the version is unknown to it (a development build)."""
    found = set()
    sums = code_root / "releases" / f"{version}.SHA256SUMS"
    try:
        for line in read_text(sums, MAX_JSON_BYTES, inside=code_root).splitlines():
            digest, _, name = line.partition("  ")
            if name == "metadata/tables.yaml":
                found.add(digest)
    except (FileRefused, UnicodeDecodeError):
        pass
    try:
        own = read_yaml(code_root / "metadata" / "package.yaml", shape="package")
        if own.get("version") == version:
            found.add(hashlib.sha256(read_regular(code_root / "metadata" / "tables.yaml", MAX_JSON_BYTES,
                                                  inside=code_root)).hexdigest())
    except (InputError, FileRefused):
        pass
    return frozenset(found)


def check_graph(pkg: Package) -> Iterator[Problem]:
    """data/graph.trig is exactly the RDF rendering of the tables (core.rdf), and
    schemas/shapes.ttl the SHACL shapes tables.yaml gives, as a JSON twin is its CSV: the
    first line that differs is named. The graph is rendered a row at a time and compared
    as it goes, so a table that differs costs no more than its first differing row. Where
    a table cannot be read, other checks report it; without metadata/package.yaml beside
    the package there is no base IRI to render with."""
    base = rdf.base_iri(pkg.meta)
    if base is None:
        return
    for name, path in (("graph", rdf.GRAPH_PATH), ("shapes", rdf.SHAPES_PATH)):
        res = pkg.resources.get(name)
        if res is None or res.refused or res.too_large or res.sha256 is None:
            continue  # missing, refused or too large: reported by the file checks
        pieces = _graph_pieces(pkg, base) if name == "graph" else iter([rdf.render_shapes(pkg.spec, base)])
        if pieces is None:
            continue
        with open_regular(res.path, MAX_FILE_BYTES, inside=pkg.dir) as f:
            found = _first_difference(io.TextIOWrapper(f, encoding="utf-8", errors="replace", newline=""), pieces)
        if found is not None:
            line, text = found
            yield Problem("rdf-derived", f"{path} line {line} is {text[:120]!r}, not what the "
                          f"{'tables render' if name == 'graph' else 'tables.yaml gives'}", name, line, None)


def _first_difference(stream: io.TextIOBase, pieces: Iterator[str]) -> tuple[int, str] | None:
    """(line number, that line of the stream) where the pieces, joined, first differ from
    the stream's text, read a megabyte at a time; None where they are the same. Lines are
    counted only in the text let go, a megabyte at a time, and at the difference."""
    buffer, at, line = "", 0, 1
    for piece in pieces:
        while len(buffer) - at < len(piece) and (chunk := stream.read(1 << 20)):
            line += buffer.count("\n", 0, at)
            buffer = buffer[at:] + chunk
            at = 0
        if not buffer.startswith(piece, at):
            same = next((i for i in range(min(len(piece), len(buffer) - at)) if buffer[at + i] != piece[i]),
                        min(len(piece), len(buffer) - at))
            start = buffer.rfind("\n", 0, at + same) + 1
            end = buffer.find("\n", at + same)
            return line + buffer.count("\n", 0, at + same), (buffer[start:end if end >= 0 else None]
                                                              or "(the end of the file)")
        at += len(piece)
    rest = buffer[at:] + stream.read(1)
    return None if not rest else (line + buffer.count("\n", 0, at), rest.split("\n", 1)[0])


def _graph_pieces(pkg: Package, base: str) -> Iterator[str] | None:
    """The graph the tables render to, in pieces: a table's text whole where it was
    rendered before from the same bytes (the mutation suite checks hundreds of copies
    that differ in one table), else a row at a time; None when a table cannot be read."""
    sources = pkg.resources.get("sources")
    loaded = [(t, pkg.resources.get(t.name)) for t in pkg.spec.tables]
    if sources is None or not sources.readable or any(r is None or not r.readable for _, r in loaded):
        return None
    views = [SimpleNamespace(id=e.get("id"), url=e.get("url"), revision=e.get("revision")) for e in sources.records]

    def pieces() -> Iterator[str]:
        yield rdf.header(base, pkg.spec)
        for table, res in loaded:
            cache_key = (pkg.spec.digest, table.name, res.sha256, sources.sha256)
            if cache_key in _TABLE_TEXT:
                yield _TABLE_TEXT[cache_key]
                continue
            done = []
            try:
                for piece in rdf.render_rows(pkg.spec, table, res.records, views):
                    done.append(piece)
                    yield piece
            except (KeyError, TypeError, ValueError, AttributeError):
                yield "\0"  # a record not of its table's shape (other codes say so): differs here
                return
            if len(res.records) <= 10_000:  # only small tables are kept: at most 64 of them
                _TABLE_TEXT[cache_key] = "".join(done)
                if len(_TABLE_TEXT) > 64:
                    _TABLE_TEXT.pop(next(iter(_TABLE_TEXT)))
    return pieces()


# (tables.yaml digest, table, its sha256, the sources' sha256) -> the table's TriG text
_TABLE_TEXT: dict[tuple[str, str, str | None, str | None], str] = {}


def check_rules(pkg: Package) -> Iterator[Problem]:
    """The rules the checks read (metadata/tables.yaml beside the package) are those of the
    package's version as this validator's repository knows them: a copy cannot switch a
    check off by editing the rules it ships with."""
    if pkg.inputs_dir == CODE_ROOT or not isinstance(version := pkg.descriptor.get("version"), str):
        return  # the repository's own rules, or no version to hold it to (descriptor-strict says so)
    trusted = trusted_rules(version)
    if trusted and pkg.spec.digest not in trusted:
        yield Problem("rules-differ", f"metadata/tables.yaml (sha256 {pkg.spec.digest[:12]}...) is not the "
                      f"tables.yaml of version {version} that this validator knows: its rules were changed, and "
                      "the checks that read them cannot be trusted")


def check_rows(pkg: Package) -> Iterator[Problem]:
    """The rules on rows that the build runs too (rules.row_findings), on the CSV tables."""
    tables = {res.name: res.records for res in pkg.csv_tables()}
    yield from _within_limit(row_findings(pkg.spec, tables), pkg.limit, operator.itemgetter(0, 3),  # table, code
                             lambda f: Problem(f.code, f.message, f.table, f.index + 2, f.field))


# The order of the report's problems. check_graph is first because this order was once
# also the order in which the shared processes took the checks; LONGEST_FIRST sets that now.
CHECKS = (check_graph, check_descriptor, check_resource_set, check_descriptor_metadata, check_schema_files,
          check_json_files,
          check_schemas_derived,
          check_paths, check_digests, check_files,
          check_cells, check_types, check_json_tables, check_twins,
          check_keys_and_vocabularies, check_sources, check_spans, check_ordered, check_dates,
          check_evidence, check_field_evidence, check_evidence_source,
          check_counts, check_infobox_values, check_event_links, check_rows, check_annotations, check_rules)
# The checks that take longest on a large package or a large broken file (a table of
# 300,000 bad rows: the rules on rows 4.5 s, the cells 4.7 s, the types 3.2 s), started
# first when the checks are shared, so that no process is left alone with one at the end.
LONGEST_FIRST = (check_graph, check_rows, check_cells, check_types)

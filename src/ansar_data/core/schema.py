"""The registry of the package's tables, read from metadata/tables.yaml, and the
schemas derived from it.

Each table, field, type and vocabulary is described once; the Table Schema
(Frictionless v2), the JSON Schema (Draft 2020-12) of a JSON twin, the SQL, Arrow
and Stata column types, the YAML keys a curation file accepts and the list of
curated tables are all computed here, so they cannot drift.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from ansar_data.core.errors import SpecError, UnknownTable
from ansar_data.core.provenance import SUPPORTS
from ansar_data.core.yamlfile import check_shape, parse_yaml, read_input

TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONSTRAINT_KEYS = ("required", "unique", "pattern", "minimum", "maximum")
# SQLite, Parquet and Stata hold signed 64-bit integers (codebook).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
INTEGER_RE = re.compile(r"-?(0|[1-9][0-9]*)")


def _cell_text(value: str) -> str:
    return value


def _cell_integer(value: str) -> int:
    """Only ASCII digits within the signed 64-bit range: int() would also take "1_50",
    " 150" and Arabic-Indic digits."""
    if not INTEGER_RE.fullmatch(value) or not INT_MIN <= int(value) <= INT_MAX:
        raise ValueError(f"not an integer: {value[:40]!r}")
    return int(value)


BOOLEAN_CELLS = {"true": True, "false": False}  # how a boolean is written in a CSV cell


def _cell_boolean(value: str) -> bool:
    return BOOLEAN_CELLS[value]


def _same(value: Any) -> Any:
    return value


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class FieldType:
    """Everything that depends on a Table Schema type, in one row: every format the
    package is written in takes its column type from here."""
    json: str                           # JSON Schema type of the JSON twin
    sql: str                            # SQLite column type
    arrow: str                          # pyarrow type factory name (Parquet)
    croissant: str                      # schema.org dataType of a Croissant field
    statistics: str                     # Stata and SPSS: integer, number, date or text
    python: tuple[type, ...]            # accepted Python values in curated YAML
    from_cell: Callable[[str], Any]     # CSV cell -> value; ValueError/KeyError if it is not one
    native: Callable[[Any], Any] = _same  # a row's value as Arrow, Excel, Stata and SPSS take it
    sql_check: str | None = None        # the SQLite CHECK a column of this type has
    value_labels: dict[int, str] | None = None  # Stata and SPSS labels of its codes
    spss_measure: str = "nominal"       # SPSS measure level: nominal, ordinal or scale


TYPES: dict[str, FieldType] = {
    "string": FieldType("string", "TEXT", "string", "sc:Text", "text", (str,), _cell_text),
    "integer": FieldType("integer", "INTEGER", "int64", "sc:Integer", "integer", (int,), _cell_integer,
                         spss_measure="scale"),
    "number": FieldType("number", "REAL", "float64", "sc:Float", "number", (int, float), float,
                        spss_measure="scale"),
    "boolean": FieldType("boolean", "INTEGER", "bool_", "sc:Boolean", "integer", (bool,), _cell_boolean,
                         sql_check="IN (0, 1)", value_labels={0: "false", 1: "true"}),
    "date": FieldType("string", "TEXT", "date32", "sc:Date", "date", (str,), _cell_text, native=_date,
                      spss_measure="scale"),
}


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    terms: dict[str, str]
    # term -> how it is applied or what it belongs to; when given, every term has one
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class CurationSpec:
    """Where a curated table's records are written: a file of curation/ (`file`), or a
    list inside the records of another table (`within` + `list`); `keys` are the YAML
    keys that are not fields (evidence, nested lists), each `required` or `optional`."""
    file: str | None
    within: str | None
    list: str | None
    keys: dict[str, bool]  # key -> required


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    row: str
    fields: list[dict[str, Any]]
    primary_key: list[str]
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    spans: list[dict[str, str]] = field(default_factory=list)
    ordered: list[list[str]] = field(default_factory=list)
    dates: list[dict[str, str]] = field(default_factory=list)
    curation: CurationSpec | None = None
    # pairs of fields that may not hold the same value (a record paired with itself)
    distinct: list[list[str]] = field(default_factory=list)
    # edges (`from` -> `to`, optionally only records matching `when`) that form no cycle
    acyclic: list[dict[str, Any]] = field(default_factory=list)
    # fields given together or not at all; fields of which exactly one is given; a
    # field that may be non-empty only in records matching `when`
    together: list[list[str]] = field(default_factory=list)
    exactly_one: list[list[str]] = field(default_factory=list)
    only_when: list[dict[str, Any]] = field(default_factory=list)
    # a state's EDTF and time_mode columns -> the four bounds of its time-span (time_bounds)
    time_spans: list[dict[str, str]] = field(default_factory=list)

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def input_fields(self) -> list[dict[str, Any]]:
        """Fields a curator writes in YAML: those the build does not derive, and those
        marked `input: optional` (derived only when not given)."""
        return [f for f in self.fields if "derived" not in f or f.get("input") == "optional"]

    @cached_property
    def evidence_rules(self) -> dict[str, str]:
        """Factual field -> the evidence_rule by which a quote supports it (made once a
        table: the checks ask it for every evidence row)."""
        return {f["name"]: f["evidence"] for f in self.fields if "evidence" in f}

    def input_keys(self) -> dict[str, bool]:
        """Every YAML key a record of this table may have -> whether it is required."""
        keys = {f["name"]: bool(f.get("required")) and "derived" not in f for f in self.input_fields()}
        return {**keys, **(self.curation.keys if self.curation else {})}


@dataclass(frozen=True)
class Spec:
    tables: list[Table]
    vocabularies: dict[str, Vocabulary]
    origin: str = "metadata/tables.yaml"
    digest: str = ""                    # sha256 of the file read, when read from one
    # canonical text of each derived schema, made once per Spec: the checks compare every
    # copy's schemas with them, and a Spec is shared by the loads of one tables.yaml
    _derived: dict[tuple[str, str], str] = field(default_factory=dict, init=False, compare=False, repr=False)

    def table(self, name: str) -> Table:
        if (found := self._by_name.get(name)) is None:
            raise UnknownTable(f"{self.origin}: no table {name!r}, which the build makes and reads")
        return found

    @cached_property
    def _by_name(self) -> dict[str, Table]:
        # the checks look a table up for every evidence row; the first of a name, as a search would find
        out: dict[str, Table] = {}
        for table in self.tables:
            out.setdefault(table.name, table)
        return out

    @property
    def curated(self) -> list[Table]:
        return [t for t in self.tables if t.curation is not None]

    @property
    def curation_files(self) -> list[str]:
        return [t.curation.file for t in self.curated if t.curation.file]

    def derived_text(self, kind: str, table: Table) -> str:
        """The Table Schema ("schema") or JSON Schema ("jsonSchema") this registry gives
        a table, as canonical JSON text (keys sorted)."""
        key = (kind, table.name)
        if key not in self._derived:
            derive = table_schema if kind == "schema" else json_schema
            self._derived[key] = json.dumps(derive(table, self), sort_keys=True)
        return self._derived[key]


def load_spec(path: Path, earlier: Spec | None = None) -> Spec:
    """tables.yaml at path; `earlier`, a Spec read before, is returned as it is when it
    was read from the same path and bytes (the mutation suite loads one file hundreds of
    times)."""
    content = read_input(path)
    digest = hashlib.sha256(content).hexdigest()
    if earlier is not None and earlier.digest == digest and earlier.origin == str(path):
        return earlier
    try:
        raw = _cached_yaml(content)
    except ValueError:
        raw = _yaml_of(content, str(path))  # raises again, naming the file
    return dataclasses.replace(parse_spec(raw, str(path)), digest=digest)


@lru_cache(maxsize=8)
def _cached_yaml(content: bytes) -> Any:
    # Cached by content: a process that validates many copies of a package (the
    # mutation suite) reads one tables.yaml many times. parse_spec does not change it.
    return _yaml_of(content, "tables.yaml")


def _yaml_of(content: bytes, origin: str) -> Any:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{origin}: byte {exc.start}: not valid UTF-8") from exc
    return parse_yaml(text, origin)


def _vocabularies(raw: dict[str, Any], tables: list[dict[str, Any]]) -> dict[str, Vocabulary]:
    out = {}
    for name, v in raw.items():
        if v.get("terms_from") == "evidenced tables":
            terms = {t["name"]: t["title"] for t in tables if "evidence" in (t.get("curation") or {}).get("keys", {})}
        else:
            terms = v["terms"]
        out[str(name)] = Vocabulary(str(name), v["description"], {str(k): str(t) for k, t in terms.items()},
                                    {str(k): dict(a) for k, a in (v.get("attributes") or {}).items()})
    return out


def _check_attributes(vocabularies: dict[str, Vocabulary], origin: str) -> None:
    """A vocabulary with attributes has them for every term and no other; an attribute
    named after another vocabulary holds one of its terms (a predicate's relation_kind)."""
    for v in vocabularies.values():
        if not v.attributes:
            continue
        if set(v.attributes) != set(v.terms):
            missing, extra = sorted(set(v.terms) - set(v.attributes)), sorted(set(v.attributes) - set(v.terms))
            raise SpecError(f"{origin}: vocabulary {v.name!r}: attributes must name every term once"
                            + (f"; missing {', '.join(missing)}" if missing else "")
                            + (f"; not terms: {', '.join(extra)}" if extra else ""))
        for term, attributes in v.attributes.items():
            for key, value in attributes.items():
                if key in vocabularies and value not in vocabularies[key].terms:
                    raise SpecError(f"{origin}: vocabulary {v.name!r}: term {term!r}: {key} {value!r} "
                                    f"is not a term of the {key!r} vocabulary")


def _curation(raw: dict[str, Any] | None) -> CurationSpec | None:
    if raw is None:
        return None
    return CurationSpec(raw.get("file"), raw.get("within"), raw.get("list"),
                        {str(k): v == "required" for k, v in (raw.get("keys") or {}).items()})


def parse_spec(raw: Any, origin: str) -> Spec:
    """The registry from tables.yaml as read. Its shape (keys, types, required parts) is
    checked against input_schemas.json first; the checks here are what refer across it:
    known types, vocabularies and evidence rules, and keys that name the table's fields."""
    check_shape(raw, "tables", origin)
    note = raw.get("offsets_note", "")
    vocabularies = _vocabularies(raw["vocabularies"], raw["tables"])
    _check_attributes(vocabularies, origin)
    rules = vocabularies.get("evidence_rule")
    if rules is not None and set(rules.terms) != set(SUPPORTS):
        raise SpecError(f"{origin}: the evidence_rule vocabulary must have the terms the program can apply, "
                        f"{', '.join(SUPPORTS)}; it has {', '.join(rules.terms)}")
    tables = []
    for t in raw["tables"]:
        fields = []
        for f in t["fields"]:
            if f["type"] not in TYPES:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: type "
                                f"{f['type']!r} is not one of {', '.join(TYPES)}")
            if f.get("vocabulary") and f["vocabulary"] not in vocabularies:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: "
                                f"unknown vocabulary {f['vocabulary']!r}")
            rules = vocabularies.get("evidence_rule")
            if "evidence" in f and (rules is None or f["evidence"] not in rules.terms):
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: evidence "
                                f"{f['evidence']!r} is not a term of the evidence_rule vocabulary")
            fields.append({**f, "description": f["description"].replace("{offsets}", note)})
        table = Table(t["name"], t["title"], t["row"], fields, t["primaryKey"],
                      t.get("foreignKeys", []), t.get("uniqueKeys", []), t.get("spans", []),
                      t.get("ordered", []), t.get("dates", []), _curation(t.get("curation")),
                      t.get("distinct", []), t.get("acyclic", []), t.get("together", []),
                      t.get("exactly_one", []), t.get("only_when", []), t.get("time_spans", []))
        for key in [table.primary_key, *table.unique_keys, *table.ordered, *table.together, *table.exactly_one,
                    *([w["field"], *w["when"]] for w in table.only_when), *(list(s.values()) for s in table.time_spans),
                    *(list(d.values()) for d in table.dates),
                    *(fk["fields"] for fk in table.foreign_keys), *table.distinct,
                    *([a["from"], a["to"], *a.get("when", {})] for a in table.acyclic),
                    *([s[k] for k in ("source", "start", "end", "text")] for s in table.spans)]:
            missing = set(key) - set(table.field_names)
            if missing:
                raise SpecError(f"{origin}: table {table.name!r}: key names unknown fields {sorted(missing)}")
        tables.append(table)
    return Spec(tables, vocabularies, origin)


def table_schema(table: Table, spec: Spec) -> dict[str, Any]:
    """The Frictionless v2 Table Schema of a table."""
    fields = []
    for f in table.fields:
        out: dict[str, Any] = {"name": f["name"], "type": f["type"]}
        if "format" in f:
            out["format"] = f["format"]
        out["description"] = f["description"]
        constraints = {k: f[k] for k in CONSTRAINT_KEYS if k in f}
        if f.get("vocabulary"):
            terms = list(spec.vocabularies[f["vocabulary"]].terms)
            constraints["enum"] = terms
            out["categories"] = terms
        if constraints:
            out["constraints"] = constraints
        fields.append(out)
    schema: dict[str, Any] = {"$schema": TABLE_SCHEMA_PROFILE, "fields": fields,
                              "missingValues": [""], "primaryKey": table.primary_key}
    if table.unique_keys:
        schema["uniqueKeys"] = table.unique_keys
    if table.foreign_keys:
        # `types` (the kinds of entity a key may point at) is ours, not Table Schema's
        schema["foreignKeys"] = [{k: v for k, v in fk.items() if k != "types"} for fk in table.foreign_keys]
    return schema


def json_schema(table: Table, spec: Spec) -> dict[str, Any]:
    """The Draft 2020-12 JSON Schema of a table's JSON twin: an array of records."""
    properties = {}
    for f in table.fields:
        prop: dict[str, Any] = {"description": f["description"]}
        json_type = TYPES[f["type"]].json
        prop["type"] = json_type if f.get("required") else [json_type, "null"]
        if f["type"] == "date":
            prop["format"] = "date"
            prop["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
        for key in ("pattern", "minimum", "maximum"):
            if key in f:
                prop[key] = f[key]
        if f.get("vocabulary"):
            terms: list[Any] = list(spec.vocabularies[f["vocabulary"]].terms)
            prop["enum"] = terms if f.get("required") else [*terms, None]
        properties[f["name"]] = prop
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": table.title,
        "description": table.row,
        "type": "array",
        "items": {
            "type": "object",
            "properties": properties,
            "required": table.field_names,
            "additionalProperties": False,
        },
    }

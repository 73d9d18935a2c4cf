"""The registry of the package's tables, read from metadata/tables.yaml, and the
schemas derived from it.

Each table, field, type and vocabulary is described once; the Table Schema
(Frictionless v2), the JSON Schema (Draft 2020-12) of a JSON twin, the SQL, Arrow
and Stata column types, the YAML keys a curation file accepts and the list of
curated tables are all computed here, so they cannot drift.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import SpecError
from .yamlfile import check_shape, parse_yaml, plain, read_yaml

TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONSTRAINT_KEYS = ("required", "unique", "pattern", "minimum", "maximum")
# Limits every cell keeps, so that every tool our users load the tables into can hold
# it: Excel cuts a cell at 32,767 characters; SQLite, Parquet and Stata hold signed
# 64-bit integers. Written in the codebook.
MAX_CELL_CHARS = 32_767
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


# The Unicode policy (codebook): no character that hides, reorders or breaks text in a
# cell: C0 and C1 controls, bidi marks, embeddings, overrides and isolates, zero-width
# characters and the BOM, line and paragraph separators. A field documented with
# `unicode: arabic-zwnj` may hold ZWNJ (U+200C) between two Arabic-script letters,
# where Persian and Kurdish spelling needs it.
HIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       "\u2066-\u2069\ufeff\u2028\u2029]")
ZWNJ = "\u200c"


def _arabic_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and unicodedata.name(char, "").startswith("ARABIC")


def unicode_problem(value: str, allow_zwnj: bool = False) -> str | None:
    """The first character the Unicode policy refuses in a cell, or None."""
    for match in HIDDEN_RE.finditer(value):
        i, char = match.start(), match.group()
        if (char == ZWNJ and allow_zwnj and 0 < i < len(value) - 1
                and _arabic_letter(value[i - 1]) and _arabic_letter(value[i + 1])):
            continue
        return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')} at character {i}"
    return None


def letter_scripts(text: str) -> set[str]:
    """ISO 15924 codes of the scripts of a text's letters, as far as our vocabulary goes
    (Latn, Arab); any other script by its Unicode name's first word."""
    scripts = set()
    for char in text:
        if unicodedata.category(char).startswith("L"):
            word = unicodedata.name(char, "UNKNOWN").split()[0]
            scripts.add({"LATIN": "Latn", "ARABIC": "Arab"}.get(word, word.title()))
    return scripts


def name_script_problem(table: Table, record: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for a name whose letters are not of its `script`, or whose
    `language` is not one the script field's `languages_by_script` lists for it."""
    name, script, language = record.get("name"), record.get("script"), record.get("language")
    if not isinstance(name, str) or not isinstance(script, str):
        return []
    problems = []
    found = letter_scripts(name)
    if found - {script}:
        problems.append(("script", f"{name!r} is written in {', '.join(sorted(found))}, not {script}"))
    allowed = next((f.get("languages_by_script", {}) for f in table.fields if f["name"] == "script"), {})
    if allowed and language not in allowed.get(script, []):
        problems.append(("language", f"{language!r} is not a language written in {script} "
                                     f"({', '.join(allowed.get(script, [])) or 'none listed'})"))
    return problems


def find_cycle(edges: list[tuple[Any, Any]]) -> list[Any] | None:
    """One cycle of a directed graph given as (from, to) pairs, as the list of its
    nodes, or None."""
    graph: dict[Any, list[Any]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
    state: dict[Any, int] = {}  # 1 on the current path, 2 done
    for start in sorted(graph, key=str):
        if state.get(start):
            continue
        path, stack = [], [(start, iter(graph.get(start, [])))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(graph.get(child, []))))
    return None


def graph_problems(table: Table, rows: list[dict[str, Any]]) -> list[tuple[int | None, str, str, str]]:
    """(row index, field, code, message) for the table's `distinct` and `acyclic` rules."""
    out: list[tuple[int | None, str, str, str]] = []
    for a, b in table.distinct:
        for i, row in enumerate(rows):
            if row.get(a) is not None and row.get(a) == row.get(b):
                out.append((i, b, "self-pair", f"{b} is the record's own {a}, {row.get(a)!r}"))
    for rule in table.acyclic:
        edges = [(row.get(rule["from"]), row.get(rule["to"])) for row in rows
                 if row.get(rule["to"]) is not None
                 and all(row.get(k) == v for k, v in rule.get("when", {}).items())]
        cycle = find_cycle(edges)
        if cycle is not None:
            row = next(i for i, r in enumerate(rows) if r.get(rule["from"]) == cycle[0]
                       and r.get(rule["to"]) == cycle[1])
            out.append((row, rule["to"], "cycle", f"{rule['to']} forms a cycle: {' -> '.join(map(str, cycle))}"))
    return out


def cell_problem(value: Any) -> str | None:
    """Why a typed value cannot be a cell, or None."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return f"{len(value):,} characters, over the limit of {MAX_CELL_CHARS:,}"
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        return "an integer outside the signed 64-bit range"
    return None


def _cell_boolean(value: str) -> bool:
    return {"true": True, "false": False}[value]


@dataclass(frozen=True)
class FieldType:
    """Everything that depends on a Table Schema type, in one row."""
    json: str                           # JSON Schema type of the JSON twin
    sql: str                            # SQLite column type
    arrow: str                          # pyarrow type factory name
    python: tuple[type, ...]            # accepted Python values in curated YAML
    from_cell: Callable[[str], Any]     # CSV cell -> value; ValueError/KeyError if it is not one


TYPES: dict[str, FieldType] = {
    "string": FieldType("string", "TEXT", "string", (str,), _cell_text),
    "integer": FieldType("integer", "INTEGER", "int64", (int,), _cell_integer),
    "number": FieldType("number", "REAL", "float64", (int, float), float),
    "boolean": FieldType("boolean", "INTEGER", "bool_", (bool,), _cell_boolean),
    "date": FieldType("string", "TEXT", "date32", (str, datetime.date), _cell_text),
}
FIELD_KEYS = {"name", "type", "format", "description", "vocabulary", "example", "derived", "input",
              "evidence", "unicode", "languages_by_script", *CONSTRAINT_KEYS}
TABLE_KEYS = {"name", "title", "row", "primaryKey", "foreignKeys", "uniqueKeys", "spans", "fields",
              "ordered", "dates", "curation", "distinct", "acyclic"}
CURATION_KEYS = {"file", "within", "list", "keys"}
VOCABULARY_KEYS = {"description", "terms", "terms_from"}


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    terms: dict[str, str]


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

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def input_fields(self) -> list[dict[str, Any]]:
        """Fields a curator writes in YAML: those the build does not derive, and those
        marked `input: optional` (derived only when not given)."""
        return [f for f in self.fields if "derived" not in f or f.get("input") == "optional"]

    @property
    def evidence_rules(self) -> dict[str, str]:
        """Factual field -> the evidence_rule by which a quote supports it."""
        return {f["name"]: f["evidence"] for f in self.fields if "evidence" in f}

    def input_keys(self) -> dict[str, bool]:
        """Every YAML key a record of this table may have -> whether it is required."""
        keys = {f["name"]: bool(f.get("required")) and "derived" not in f for f in self.input_fields()}
        return {**keys, **(self.curation.keys if self.curation else {})}


@dataclass(frozen=True)
class Spec:
    tables: list[Table]
    vocabularies: dict[str, Vocabulary]

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    @property
    def curated(self) -> list[Table]:
        return [t for t in self.tables if t.curation is not None]

    @property
    def curation_files(self) -> list[str]:
        return [t.curation.file for t in self.curated if t.curation.file]


def load_spec(path: Path) -> Spec:
    if not path.is_file():
        read_yaml(path)  # raises the InputError that names the file
    content = path.read_bytes()
    try:
        raw = _cached_yaml(content)
    except ValueError:
        raw = _yaml_of(content, str(path))  # raises again, naming the file
    check_shape(plain(raw), "tables", str(path))
    return parse_spec(raw, str(path))


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


def _mapping(value: Any, origin: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{origin}: {where}: expected a mapping")
    return value


def _vocabularies(raw: Any, origin: str, tables: list[dict[str, Any]]) -> dict[str, Vocabulary]:
    out = {}
    for name, v in _mapping(raw, origin, "vocabularies").items():
        v = _mapping(v, origin, f"vocabulary {name!r}")
        unknown = set(v) - VOCABULARY_KEYS
        if unknown or "description" not in v:
            raise SpecError(f"{origin}: vocabulary {name!r}: needs a description and terms "
                            f"(unknown keys {sorted(unknown)})")
        if v.get("terms_from") == "evidenced tables":
            terms = {t["name"]: t["title"] for t in tables if isinstance(t, dict)
                     and "evidence" in ((t.get("curation") or {}).get("keys") or {})}
        else:
            terms = _mapping(v.get("terms"), origin, f"vocabulary {name!r}: terms")
        out[str(name)] = Vocabulary(str(name), str(v["description"]),
                                    {str(k): str(t) for k, t in terms.items()})
    return out


def _curation(raw: Any, origin: str, table: str) -> CurationSpec | None:
    if raw is None:
        return None
    raw = _mapping(raw, origin, f"table {table!r}: curation")
    unknown = set(raw) - CURATION_KEYS
    if unknown or (raw.get("file") is None) == (raw.get("within") is None):
        raise SpecError(f"{origin}: table {table!r}: curation needs `file` or `within` + `list` "
                        f"(unknown keys {sorted(unknown)})")
    keys = _mapping(raw.get("keys") or {}, origin, f"table {table!r}: curation.keys")
    if any(v not in ("required", "optional") for v in keys.values()):
        raise SpecError(f"{origin}: table {table!r}: curation.keys take 'required' or 'optional'")
    return CurationSpec(raw.get("file"), raw.get("within"), raw.get("list"),
                    {str(k): v == "required" for k, v in keys.items()})


def parse_spec(raw: Any, origin: str) -> Spec:
    raw = _mapping(raw, origin, "top level")
    raw_tables = raw.get("tables")
    if not isinstance(raw_tables, list) or not raw_tables:
        raise SpecError(f"{origin}: `tables` must be a non-empty list")
    note = str(raw.get("offsets_note", ""))
    vocabularies = _vocabularies(raw.get("vocabularies"), origin, raw_tables)
    tables = []
    for n, t in enumerate(raw_tables):
        t = _mapping(t, origin, f"table #{n + 1}")
        unknown = set(t) - TABLE_KEYS
        if unknown:
            raise SpecError(f"{origin}: table {t.get('name')!r}: unknown keys {sorted(unknown)}")
        missing = {"name", "title", "row", "primaryKey", "fields"} - set(t)
        if missing:
            raise SpecError(f"{origin}: table {t.get('name')!r}: missing keys {sorted(missing)}")
        if not isinstance(t["fields"], list) or not t["fields"]:
            raise SpecError(f"{origin}: table {t['name']!r}: `fields` must be a non-empty list")
        fields = []
        for f in t["fields"]:
            f = _mapping(f, origin, f"table {t['name']!r}: field")
            unknown = set(f) - FIELD_KEYS
            if unknown:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f.get('name')!r}: "
                                f"unknown keys {sorted(unknown)}")
            if not isinstance(f.get("name"), str) or not isinstance(f.get("description"), str):
                raise SpecError(f"{origin}: table {t['name']!r}: field {f.get('name')!r}: "
                                f"needs a name and a description")
            if f.get("type") not in TYPES:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: type "
                                f"{f.get('type')!r} is not one of {', '.join(TYPES)}")
            if f.get("vocabulary") and f["vocabulary"] not in vocabularies:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: "
                                f"unknown vocabulary {f['vocabulary']!r}")
            rules = vocabularies.get("evidence_rule")
            if "evidence" in f and (rules is None or not isinstance(f["evidence"], str)
                                    or f["evidence"] not in rules.terms):
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: evidence "
                                f"{f['evidence']!r} is not a term of the evidence_rule vocabulary")
            fields.append({**f, "description": f["description"].replace("{offsets}", note)})
        table = Table(t["name"], t["title"], t["row"], fields, t["primaryKey"],
                      t.get("foreignKeys", []), t.get("uniqueKeys", []), t.get("spans", []),
                      t.get("ordered", []), t.get("dates", []),
                      _curation(t.get("curation"), origin, t["name"]), t.get("distinct", []),
                      t.get("acyclic", []))
        for key in [table.primary_key, *table.unique_keys, *table.ordered,
                    *(list(d.values()) for d in table.dates),
                    *(fk["fields"] for fk in table.foreign_keys), *table.distinct,
                    *([a["from"], a["to"], *a.get("when", {})] for a in table.acyclic),
                    *([s[k] for k in ("source", "start", "end", "text")] for s in table.spans)]:
            missing = set(key) - set(table.field_names)
            if missing:
                raise SpecError(f"{origin}: table {table.name!r}: key names unknown fields {sorted(missing)}")
        tables.append(table)
    return Spec(tables, vocabularies)


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

"""Table descriptions from metadata/tables.yaml, and the schemas derived from them.

Each table is described once; the Table Schema (Frictionless v2) and the JSON
Schema (Draft 2020-12) of its JSON twin are both computed here, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CONSTRAINT_KEYS = ("required", "unique", "pattern", "minimum", "maximum")
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number",
              "boolean": "boolean", "date": "string"}
FIELD_KEYS = {"name", "type", "format", "description", "vocabulary", *CONSTRAINT_KEYS}
TABLE_KEYS = {"name", "title", "row", "primaryKey", "foreignKeys", "uniqueKeys", "spans", "fields",
              "ordered", "dates"}


class SpecError(ValueError):
    """metadata/tables.yaml does not describe the tables correctly."""


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    terms: dict[str, str]


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

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]


@dataclass(frozen=True)
class Spec:
    tables: list[Table]
    vocabularies: dict[str, Vocabulary]

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


def load_spec(path: Path) -> Spec:
    from .yamlfile import read_yaml

    return parse_spec(read_yaml(path), str(path))


def parse_spec(raw: dict[str, Any], origin: str) -> Spec:
    note = raw.get("offsets_note", "")
    vocabularies = {
        name: Vocabulary(name, v["description"], {str(k): str(t) for k, t in v["terms"].items()})
        for name, v in raw["vocabularies"].items()
    }
    tables = []
    for t in raw["tables"]:
        unknown = set(t) - TABLE_KEYS
        if unknown:
            raise SpecError(f"{origin}: table {t.get('name')!r}: unknown keys {sorted(unknown)}")
        fields = []
        for f in t["fields"]:
            unknown = set(f) - FIELD_KEYS
            if unknown:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f.get('name')!r}: "
                                f"unknown keys {sorted(unknown)}")
            if f.get("vocabulary") and f["vocabulary"] not in vocabularies:
                raise SpecError(f"{origin}: table {t['name']!r}: field {f['name']!r}: "
                                f"unknown vocabulary {f['vocabulary']!r}")
            fields.append({**f, "description": f["description"].replace("{offsets}", note)})
        table = Table(t["name"], t["title"], t["row"], fields, t["primaryKey"],
                      t.get("foreignKeys", []), t.get("uniqueKeys", []), t.get("spans", []),
                      t.get("ordered", []), t.get("dates", []))
        for key in [table.primary_key, *table.unique_keys, *table.ordered,
                    *(list(d.values()) for d in table.dates),
                    *(fk["fields"] for fk in table.foreign_keys),
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
        schema["foreignKeys"] = table.foreign_keys
    return schema


def json_schema(table: Table, spec: Spec) -> dict[str, Any]:
    """The Draft 2020-12 JSON Schema of a table's JSON twin: an array of records."""
    properties = {}
    for f in table.fields:
        prop: dict[str, Any] = {"description": f["description"]}
        json_type = JSON_TYPES[f["type"]]
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

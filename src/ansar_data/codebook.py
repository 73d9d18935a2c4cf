"""docs/codebook.md, generated from metadata/tables.yaml and the built tables."""

from __future__ import annotations

from typing import Any

from .schema import CONSTRAINT_KEYS, Spec, Table
from .tables_io import cell


def _constraints(f: dict[str, Any]) -> str:
    parts = [("required" if k == "required" else "unique" if k == "unique" else f"{k}: `{f[k]}`")
             for k in CONSTRAINT_KEYS if k in f and f[k] is not False]
    if f.get("vocabulary"):
        parts.append(f"one of [{f['vocabulary']}](#vocabulary-{f['vocabulary'].replace('_', '-')})")
    if f.get("format"):
        parts.append(f"format: {f['format']}")
    return "; ".join(parts)


def _example(rows: list[dict[str, Any]], name: str) -> str:
    value = next((r[name] for r in rows if r.get(name) not in (None, "")), None)
    if value is None:
        return ""
    text = cell(value)
    return "`" + (text if len(text) <= 40 else text[:37] + "...").replace("|", "\\|") + "`"


def _table_section(table: Table, rows: list[dict[str, Any]]) -> list[str]:
    lines = [f"## {table.name}", "", f"**{table.title}.** Each row: {table.row[0].lower() + table.row[1:]}", "",
             f"- Files: `data/{table.name}.csv`, `data/{table.name}.json`; {len(rows)} rows",
             f"- Primary key: {', '.join(f'`{k}`' for k in table.primary_key)}"]
    for key in table.unique_keys:
        lines.append(f"- Unique: {', '.join(f'`{k}`' for k in key)}")
    for fk in table.foreign_keys:
        ref = fk["reference"]
        lines.append(f"- Foreign key: {', '.join(fk['fields'])} -> "
                     f"`{ref['resource']}`.{', '.join(ref['fields'])}")
    for span in table.spans:
        lines.append(f"- Quote check: `{span['text']}` equals the source text at "
                     f"`{span['start']}`..`{span['end']}`")
    lines += ["", "| field | type | constraints | description | example |",
              "| --- | --- | --- | --- | --- |"]
    for f in table.fields:
        description = f["description"].replace("|", "\\|")
        lines.append(f"| `{f['name']}` | {f['type']} | {_constraints(f)} | "
                     f"{description} | {_example(rows, f['name'])} |")
    return lines + [""]


def render(spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["# Codebook", "",
             "Generated from `metadata/tables.yaml` by the build; do not edit by hand.",
             "Empty CSV cells and JSON `null` mean the value is not given.", "",
             "Tables: " + ", ".join(f"[{t.name}](#{t.name.replace('_', '-')})" for t in spec.tables), ""]
    for table in spec.tables:
        lines += _table_section(table, tables.get(table.name, []))
    lines += ["# Vocabularies", ""]
    for vocab in spec.vocabularies.values():
        lines += [f"## vocabulary: {vocab.name}", "", vocab.description, "",
                  "| term | meaning |", "| --- | --- |"]
        lines += [f"| `{term}` | {meaning} |" for term, meaning in vocab.terms.items()]
        lines.append("")
    return "\n".join(lines)

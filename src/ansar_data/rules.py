"""The rules every row keeps, written once for the build (which names the curation file
and record) and for validate.py (which names the resource and row): cell limits, the
Unicode policy, a name's script and language, and the graph rules that tables.yaml
declares (`distinct`, `acyclic`, foreign-key `types`). Pure functions over rows."""

from __future__ import annotations

import graphlib
import re
import unicodedata
from typing import Any

from .schema import INT_MAX, INT_MIN, Table

# Excel cuts a cell at 32,767 characters (codebook); SQLite, Parquet and Stata hold
# signed 64-bit integers.
MAX_CELL_CHARS = 32_767

# The Unicode policy (codebook): no character that hides, reorders or breaks text in a
# cell: C0 and C1 controls, bidi marks, embeddings, overrides and isolates, zero-width
# characters and the BOM, line and paragraph separators. A field documented with
# `unicode: arabic-zwnj` may hold ZWNJ (U+200C) between two Arabic-script letters,
# where Persian and Kurdish spelling needs it.
HIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       "\u2066-\u2069\ufeff\u2028\u2029]")
ZWNJ = "\u200c"


def cell_problem(value: Any) -> str | None:
    """Why a typed value cannot be a cell, or None."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return f"{len(value):,} characters, over the limit of {MAX_CELL_CHARS:,}"
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        return "an integer outside the signed 64-bit range"
    return None


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
    """One cycle of a directed graph given as (from, to) pairs, as its nodes in edge
    order with the first repeated at the end, or None."""
    graph: dict[Any, set[Any]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))  # graphlib walks the edges backwards
    return None


def graph_problems(table: Table, rows: list[dict[str, Any]]) -> list[tuple[int, str, str, str]]:
    """(row index, field, code, message) for the table's `distinct` and `acyclic` rules."""
    out: list[tuple[int, str, str, str]] = []
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


def reference_type_problems(table: Table, rows: list[dict[str, Any]],
                            entity_types: dict[Any, Any]) -> list[tuple[int, str, str]]:
    """(row index, field, message) for a key whose foreignKeys entry lists `types` (one
    field, pointing at entities: parse_spec makes sure) and whose entity is of another."""
    out = []
    for fk in table.foreign_keys:
        if "types" not in fk:
            continue
        (fld,) = fk["fields"]
        for i, row in enumerate(rows):
            value = row.get(fld)
            if value in entity_types and entity_types[value] not in fk["types"]:
                out.append((i, fld, f"{value!r} is of type {entity_types[value]!r}, not one of "
                                    f"{', '.join(fk['types'])}"))
    return out

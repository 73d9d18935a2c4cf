"""The rules every row keeps, written once and run by both the build (which names the
curation file and record) and validate.py (which names the resource and row): cell
limits, the Unicode policy, a name's script and language, and the rules tables.yaml
declares on a table (`together`, `exactly_one`, `only_when`, `distinct`, `acyclic`,
foreign-key `types`) or on a vocabulary (how an inference rule is applied), and the
copies and references between tables (fatalities, canonical names, disagreements).
Pure functions over rows; `row_findings` runs every one of them.

Every code is declared with its meaning in registry.py.
"""

from __future__ import annotations

import graphlib
import operator
import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from ansar_data.core.provenance import inferred_values
from ansar_data.core.schema import INT_MAX, INT_MIN, Spec, Table
from ansar_data.core.timeline import derive, derived_values, network_rules
from ansar_data.core.values import time_bounds

Rows = list[dict[str, Any]]


class Finding(NamedTuple):
    """A row that breaks a rule: its table, its index in the table (0-based), the field
    to look at, the rule's code and what is wrong. A tuple: a broken file of 300,000 rows
    makes millions, three times faster than a frozen dataclass."""
    table: str
    index: int
    field: str | None
    code: str
    message: str

# Excel cuts a cell at 32,767 characters (codebook); SQLite, Parquet and Stata hold
# signed 64-bit integers.
MAX_CELL_CHARS = 32_767

# The Unicode policy (codebook): no character that hides, reorders or breaks text in a
# cell: C0 and C1 controls, bidi marks, embeddings, overrides and isolates, zero-width
# characters and the BOM, line and paragraph separators. A field documented with
# `unicode: arabic-zwnj` may hold ZWNJ (U+200C) between two Arabic-script letters,
# where Persian and Kurdish spelling needs it.
# Noncharacters too (U+FDD0-U+FDEF and the last two code points of every plane): no
# text may carry them, and Excel's writer refuses them.
NONCHARACTERS = "\ufdd0-\ufdef" + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}"
                                          for p in range(17))
HIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                       "\u2066-\u2069\ufeff\u2028\u2029" + NONCHARACTERS + "]")
ZWNJ = "\u200c"


def cell_problem(value: Any) -> str | None:
    """Why a typed value cannot be a cell, or None."""
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return f"{len(value):,} characters, over the limit of {MAX_CELL_CHARS:,}"
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        return "an integer outside the signed 64-bit range"
    return None


def column_fits(values: list[Any]) -> bool:
    """Whether cell_problem finds nothing in a column, tested a column at a time: the
    longest text, the smallest and largest integer (False: look at each value)."""
    types = set(map(type, values))
    kinds = types - {type(None), bool}
    present = list(filter(None, values))  # "" and 0 fit
    if not present or not kinds:
        return True
    if kinds == {str} and bool not in types:
        return cell_problem(max(present, key=len)) is None
    if kinds == {int}:
        return cell_problem(min(present)) is None and cell_problem(max(present)) is None
    return False


# What a spreadsheet reads as the start of a formula in a text cell.
INJECTION = ("=", "+", "-", "@")


NOT_NFC = ("not in Unicode NFC form (a letter and its accent written as two characters); write it composed, "
           "as the package's files are")


def text_problem(value: str, allow_zwnj: bool = False) -> str | None:
    """Why a text value cannot be a string cell (the validator's cell-limit,
    cell-control, cell-unicode, file-nfc, cell-whitespace and csv-injection), or None:
    the build refuses at the input what the validator refuses. Empty text is refused
    too: an empty cell means "not given", which a curator says by leaving the key out."""
    if value == "":
        return "empty text; leave the key out where the sources do not say"
    if (problem := cell_problem(value)) is not None:
        return problem
    if (problem := unicode_problem(value, allow_zwnj)) is not None:
        return f"{problem}: the codebook's Unicode policy refuses it"
    if not unicodedata.is_normalized("NFC", value):
        return NOT_NFC
    if value != value.strip():
        return "leading or trailing white space"
    if value.startswith(INJECTION):
        return f"starts with {value[0]!r}, which a spreadsheet would run as a formula"
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
        kind = 'noncharacter' if re.fullmatch(f'[{NONCHARACTERS}]', char) else 'control character'
        return f"U+{ord(char):04X} {unicodedata.name(char, kind)} at character {i}"
    return None


@lru_cache(maxsize=4096)
def _letter_script(char: str) -> str | None:
    """The script of a letter (see letter_scripts); None for any other character. Cached:
    a name's letters repeat, and a Unicode name lookup per character was 5% of validating
    the package."""
    if not unicodedata.category(char).startswith("L"):
        return None
    word = unicodedata.name(char, "UNKNOWN").split()[0]
    return {"LATIN": "Latn", "ARABIC": "Arab"}.get(word, word.title())


def letter_scripts(text: str) -> set[str]:
    """ISO 15924 codes of the scripts of a text's letters, as far as our vocabulary goes
    (Latn, Arab); any other script by its Unicode name's first word."""
    return set(map(_letter_script, set(text))) - {None}


def name_script_problem(table: Table, record: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for a name whose letters are not of its `script`, or whose
    `language` is not one the script field's `languages_by_script` lists for it."""
    name, script, language = record.get("name"), record.get("script"), record.get("language_tag")
    if not isinstance(name, str) or not isinstance(script, str):
        return []
    problems = []
    found = letter_scripts(name)
    if found - {script}:
        problems.append(("script", f"{name!r} is written in {', '.join(sorted(found))}, not {script}"))
    allowed = next((f.get("languages_by_script", {}) for f in table.fields if f["name"] == "script"), {})
    if allowed and language not in allowed.get(script, []):
        problems.append(("language_tag", f"{language!r} is not a language written in {script} "
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


def _matches(row: dict[str, Any], when: dict[str, Any]) -> bool:
    return all(row.get(k) == v for k, v in when.items())


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def declared_findings(table: Table, rows: Rows) -> Iterator[Finding]:
    """The cross-field rules tables.yaml declares on the table: `together`,
    `exactly_one`, `only_when`, and the graph rules `distinct` and `acyclic`."""
    for fields in table.together:
        for i, row in enumerate(rows):
            given = [f for f in fields if row.get(f) is not None]
            if given and len(given) != len(fields):
                missing = next(f for f in fields if row.get(f) is None)
                yield Finding(table.name, i, missing, "fields-together",
                              f"give {_and(fields)} together ({_and(given)} given without {missing})")
    for fields in table.exactly_one:
        for i, row in enumerate(rows):
            given = [f for f in fields if row.get(f) is not None]
            if len(given) != 1:
                yield Finding(table.name, i, fields[0], "exactly-one",
                              f"give exactly one of {_and(fields)}, not {_and(given) if given else 'none'}")
    for rule in table.only_when:
        for i, row in enumerate(rows):
            if row.get(rule["field"]) is not None and not _matches(row, rule["when"]):
                condition = _and([f"{k} is {v!r}" for k, v in rule["when"].items()])
                yield Finding(table.name, i, rule["field"], "field-only-when",
                              f"{rule['field']} may be given only where {condition}")
    for i, fld, code, message in graph_problems(table, rows):
        yield Finding(table.name, i, fld, code, message)


def reference_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """Foreign-key `types`, and entities referred to by nothing but their own names."""
    types = {e.get("id"): e.get("type") for e in tables.get("entities", [])}
    used: set[Any] = set()
    for table in spec.tables:
        rows = tables.get(table.name, [])
        for i, fld, message in reference_type_problems(table, rows, types):
            yield Finding(table.name, i, fld, "reference-type", message)
        if table.name != "entity_names":
            for fk in table.foreign_keys:
                if fk["reference"]["resource"] == "entities":
                    used |= {r.get(fk["fields"][0]) for r in rows}
    if "entities" in tables:
        for i, row in enumerate(tables["entities"]):
            if row.get("id") not in used:
                yield Finding("entities", i, "id", "entity-unused",
                              f"entity {row.get('id')!r} is referred to by nothing")


def name_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """A name's script and language; an entity's name is its one canonical name."""
    names = tables.get("entity_names", [])
    if names:
        table = spec.table("entity_names")
        for i, row in enumerate(names):
            for fld, problem in name_script_problem(table, row):
                yield Finding("entity_names", i, fld, "script-mismatch" if fld == "script" else "language-script",
                              problem)
    canonical: dict[Any, list[Any]] = {}
    for row in names:
        if row.get("canonical") is True:
            canonical.setdefault(row.get("entity"), []).append(row.get("name"))
    for i, row in enumerate(tables.get("entities", [])):
        found = canonical.get(row.get("id"), [])
        if len(found) != 1:
            yield Finding("entities", i, "name", "canonical-name",
                          f"needs exactly one canonical name in entity_names, has {len(found)}")
        elif found[0] != row.get("name"):
            yield Finding("entities", i, "name", "canonical-name",
                          f"name is {row.get('name')!r}, but its canonical name in entity_names is {found[0]!r}")


FATALITY_COLUMNS = ("fatalities_low", "fatalities_low_exclusive", "fatalities_best", "fatalities_high",
                    "fatalities_certainty", "fatalities_text", "fatalities_of_whom", "fatalities_attributed_to",
                    "fatalities_count")
# How firmly a count is stated, firmest first: the fatality rule's ranking (codebook).
CERTAINTY_RANK = ("exact", "approximate", "uncertain", "bound")


def _figures(count: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    """A count's (low, low_exclusive, best, high): a bound it states, else an exact
    number is both bounds; an estimate gives only a best figure."""
    exact = count.get("number") if count.get("number_certainty") == "exact" else None
    has_min = count.get("number_min") is not None
    low = count.get("number_min") if has_min else exact
    exclusive = count.get("number_min_exclusive") if has_min else (False if exact is not None else None)
    high = count.get("number_max") if count.get("number_max") is not None else exact
    return low, exclusive, count.get("number"), high


def fatalities_columns(event_id: Any, counts: Rows) -> dict[str, Any]:
    """An event's fatality columns from every 'killed' count of it (UCDP-style low, best,
    high), by the rule the codebook states: best is the number of the firmest count
    (exact, approximate, uncertain; a bound gives none), the lowest among equals; low is
    the lowest figure any count allows; high the highest, unless a count leaves the top
    open. The build derives them with this function and fatalities-copy compares."""
    mine = [c for c in counts if c.get("event") == event_id and c.get("property") == "killed"
            and isinstance(c.get("id"), str)]
    out: dict[str, Any] = dict.fromkeys(FATALITY_COLUMNS)
    if not mine:
        return out

    def rank(c: dict[str, Any]) -> tuple[int, int, str]:
        certainty = c.get("number_certainty")
        number = c.get("number") if isinstance(c.get("number"), int) else 0
        return (CERTAINTY_RANK.index(certainty) if certainty in CERTAINTY_RANK else len(CERTAINTY_RANK),
                number, c["id"])
    figures = {c["id"]: _figures(c) for c in mine}
    with_best = [c for c in mine if isinstance(figures[c["id"]][2], int)]
    lows = [(f[0], f[1] is True) for f in figures.values() if isinstance(f[0], int)]
    chosen = min(with_best, key=rank) if with_best else \
        min(mine, key=lambda c: (figures[c["id"]][0] if isinstance(figures[c["id"]][0], int) else 0, c["id"]))
    if lows:
        low = min(v for v, _ in lows)
        out["fatalities_low"] = low
        out["fatalities_low_exclusive"] = all(x for v, x in lows if v == low)
    open_top = any(isinstance(f[0], int) and f[3] is None for f in figures.values())
    highs = [f[3] for f in figures.values() if isinstance(f[3], int)]
    out["fatalities_high"] = max(highs) if highs and not open_top else None
    out["fatalities_best"] = figures[chosen["id"]][2] if with_best else None
    out.update(fatalities_certainty=chosen.get("number_certainty"), fatalities_text=chosen.get("text"),
               fatalities_of_whom=chosen.get("of_whom"), fatalities_attributed_to=chosen.get("attributed_to"),
               fatalities_count=chosen["id"])
    return out


def fatality_findings(tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """An event's fatality columns are what the fatality rule gives from its counts."""
    counts = tables.get("counts", [])
    for i, event in enumerate(tables.get("events", [])):
        for key, want in fatalities_columns(event.get("id"), counts).items():
            if event.get(key) != want:
                yield Finding("events", i, key, "fatalities-copy",
                              f"{key} is {event.get(key)!r} but the fatality rule over the event's counts "
                              f"gives {want!r}")


def inference_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """Each inference re-applied as the inference_rule vocabulary's attributes say: the
    field it may fill, whether it copies from the record's parent, the forms it gives."""
    vocabulary = spec.vocabularies.get("inference_rule")
    rules = vocabulary.attributes if vocabulary else {}
    events = {e.get("id"): e for e in tables.get("events", [])}
    by_id = {t.name: {r.get("id"): (i, r) for i, r in enumerate(tables.get(t.name, []))} for t in spec.curated}
    network = network_rules(spec)
    for i, inf in enumerate(tables.get("inferences", [])):
        table, rid, fld, rule = inf.get("record_table"), inf.get("record_id"), inf.get("field"), inf.get("rule")
        if rule in network:
            continue  # derived by the temporal network, compared in time_span_findings
        if inf.get("from_table") != "events" or inf.get("via") is not None:
            yield Finding("inferences", i, "from_table", "inference-mismatch",
                          f"rule {rule} copies from an event, with no chain: from_table must be 'events', via empty")
            continue
        found = by_id.get(table, {}).get(rid)
        if found is not None and rule in rules and inf.get("from_record") not in events:
            yield Finding("inferences", i, "from_record", "inference-target",
                          f"unknown event {inf.get('from_record')!r}")
            continue
        if found is None or rule not in rules:
            yield Finding("inferences", i, "record_id" if found is None else "rule", "inference-target",
                          f"no {table} record {rid!r}" if found is None else f"unknown rule {rule!r}")
            continue
        (row, record), applied, other = found, rules[rule], events.get(inf.get("from_record"))
        if fld not in spec.table(table).evidence_rules or applied.get("fills") not in (None, fld):
            yield Finding("inferences", i, "field", "inference-target", f"rule {rule} cannot fill {table}.{fld}"
                          + (f": it fills {applied['fills']}" if applied.get("fills") else ""))
        elif applied.get("from_parent") and record.get("parent") != inf.get("from_record"):
            yield Finding("inferences", i, "from_record", "inference-mismatch",
                          f"{inf.get('from_record')!r} is not the parent of {rid!r}")
        elif other is not None and record.get(fld) not in inferred_values(applied, other):
            allowed = sorted(inferred_values(applied, other))
            yield Finding(table, row, fld, "inference-mismatch",
                          f"{fld} is {record.get(fld)!r}, but rule {rule} from {inf.get('from_record')!r} gives "
                          f"{' or '.join(map(repr, allowed)) or 'nothing'}")


def disagreement_findings(tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """Both records a disagreement compares exist in the table it names."""
    for i, row in enumerate(tables.get("disagreements", [])):
        ids = {r.get("id") for r in tables.get(row.get("record_table"), [])}
        for key in ("record_a", "record_b"):
            if row.get(key) not in ids:
                yield Finding("disagreements", i, key, "disagreement-target",
                              f"no {row.get('record_table')} record {row.get(key)!r}")


def singular(table: str) -> str:
    """"entities" -> "entity", "events" -> "event": a table's record in a message."""
    return table[:-3] + "y" if table.endswith("ies") else table.removesuffix("s")


def _key_values(rows: Rows, fields: list[str]) -> list[tuple[Any, ...]]:
    """Each row's values of these fields, as a tuple (None for a field it lacks)."""
    try:
        getter = operator.itemgetter(*fields)
        return list(map(getter, rows)) if len(fields) > 1 else [(v,) for v in map(getter, rows)]
    except (KeyError, TypeError):
        return [tuple(map(row.get, fields)) for row in rows]


def foreign_key_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """Every foreign key tables.yaml declares, on the rows: a key with an empty part is
    not checked (as in frictionless); a table that is not given is not checked."""
    for table in spec.tables:
        rows = tables.get(table.name)
        for fk in table.foreign_keys if rows is not None else ():
            target, fields = fk["reference"]["resource"], fk["fields"]
            if target not in tables:
                continue
            keys = set(_key_values(tables[target], fk["reference"]["fields"]))
            values = _key_values(rows, fields)
            try:
                if all(None in v for v in set(values) - keys):
                    continue  # every key found (or empty): the common case, in C
            except TypeError:  # a value that cannot be hashed: one row at a time
                pass
            what = f"unknown {singular(target)}"
            for i, value in enumerate(values):
                if None not in value and value not in keys:
                    yield Finding(table.name, i, fields[-1], "foreign-key",
                                  f"{what} {value[0]!r}" if len(value) == 1 else f"{what} {value!r}")


def time_span_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """A state's EDTF is valid for its time mode; every bound column (a relation's four
    bounds, open end and time basis, an event's earliest and latest day) is what the
    temporal network gives from the records' own times (core/timeline.py), no bound
    crosses, and the network's inferences rows are exactly those it derives."""
    for table in spec.tables:
        for span in table.time_spans:
            for i, row in enumerate(tables.get(table.name, [])):
                try:
                    time_bounds(row.get(span["edtf"]), row.get(span["mode"]))
                except ValueError as exc:
                    yield Finding(table.name, i, span["edtf"], "edtf-invalid", str(exc))
    if not {"events", "relations", "event_links", "event_participants", "inferences"} <= set(tables) \
            or not spec.table("relations").time_spans:
        return  # a table unread (reported where it is read), or no declaration to derive from
    timeline = derive(spec, tables)
    index = {t: {r.get("id"): i for i, r in enumerate(tables.get(t, []))} for t in ("events", "relations")}
    for table, rid, message in timeline.crossings:
        yield Finding(table, index[table].get(rid, 0), None, "time-order", message)
    values, derived_rows = derived_values(spec, tables, timeline)
    for (table, rid), cols in values.items():
        i = index[table][rid]
        for column, want in cols.items():
            if tables[table][i].get(column) != want:
                yield Finding(table, i, column, "time-bounds",
                              f"{column} is {tables[table][i].get(column)!r}, but its own time and the temporal "
                              f"network give {want!r}")
    network = network_rules(spec)
    key = operator.itemgetter("record_table", "record_id", "field")
    shown = ("rule", "from_table", "from_record", "via")
    have = {key(r): (i, r) for i, r in enumerate(tables.get("inferences", [])) if r.get("rule") in network}
    want = {key(r): r for r in derived_rows}
    for k in sorted(set(have) | set(want), key=repr):
        if k not in have:
            table, rid, column = k
            yield Finding(table, index[table][rid], column, "inference-derived",
                          f"{column} is derived ({want[k]['rule']} from {want[k]['from_record']!r}) but has no "
                          "inferences row")
        elif k not in want or any(have[k][1].get(f) != want[k].get(f) for f in shown):
            i, row = have[k]
            yield Finding("inferences", i, "rule", "inference-derived",
                          f"{' '.join(map(str, k))}: {tuple(row.get(f) for f in shown)} is not what the temporal "
                          f"network derives: {tuple(want[k].get(f) for f in shown) if k in want else 'no row'}")


def sources_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """A curated row's `sources` are the sources of its evidence (of both records it
    compares, for a disagreement)."""
    if "evidence" not in tables:
        return  # unreadable: reported where it is read
    quoted = quoted_sources(tables["evidence"])
    for table in spec.curated:
        if "sources" not in table.field_names:
            continue
        for i, row in enumerate(tables.get(table.name, [])):
            want = row_sources(table.name, row, quoted)
            if row.get("sources") != want:
                yield Finding(table.name, i, "sources", "sources-derived",
                              f"sources is {row.get('sources')!r}, but its evidence quotes {want!r}")


def quoted_sources(evidence: Rows) -> dict[tuple[Any, Any], set[Any]]:
    """(record_table, record_id) -> the sources its evidence rows quote."""
    quoted: dict[tuple[Any, Any], set[Any]] = {}
    for ev in evidence:
        quoted.setdefault((ev.get("record_table"), ev.get("record_id")), set()).add(ev.get("source"))
    return quoted


def row_sources(table: str, row: dict[str, Any], quoted: Mapping[tuple[Any, Any], set[Any]]) -> str | None:
    """The ids of the sources a row's evidence quotes, sorted, separated by spaces."""
    keys = ([(row.get("record_table"), row.get("record_a")), (row.get("record_table"), row.get("record_b"))]
            if table == "disagreements" else [(table, row.get("id"))])
    found = sorted({s for key in keys for s in quoted.get(key, ()) if isinstance(s, str)})
    return " ".join(found) or None


def row_findings(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Finding]:
    """Every rule on rows that the build and validate.py share, over the tables given."""
    yield from foreign_key_findings(spec, tables)
    for table in spec.tables:
        if table.name in tables:
            yield from declared_findings(table, tables[table.name])
    yield from reference_findings(spec, tables)
    yield from name_findings(spec, tables)
    yield from fatality_findings(tables)
    yield from inference_findings(spec, tables)
    yield from disagreement_findings(tables)
    yield from time_span_findings(spec, tables)
    yield from sources_findings(spec, tables)


def first_text_problem(data: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], str] | None:
    """The first string in a YAML structure that text_problem refuses, with its path of
    keys and indexes, or None: metadata that reaches a published file passes the same
    text rule as a cell (no formula start, no hidden character, NFC)."""
    if isinstance(data, str):
        problem = text_problem(data)
        return (path, problem) if problem else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        if (found := first_text_problem(value, (*path, str(key)))) is not None:
            return found
    return None


def spec_texts(spec: Spec) -> dict[str, Any]:
    """The texts of tables.yaml that reach the codebook, the page and the exports."""
    return {
        **{f"tables.{t.name}": {"title": t.title, "row": t.row, "description": getattr(t, "description", None),
                                "fields": {f["name"]: {k: f[k] for k in ("title", "description", "when_empty")
                                                       if isinstance(f.get(k), str)} for f in t.fields}}
           for t in spec.tables},
        **{f"vocabularies.{v.name}": {"description": v.description, "terms": dict(v.terms)}
           for v in spec.vocabularies.values()},
    }

"""Curated knowledge from curation/*.yaml -> the curated tables of metadata/tables.yaml
and evidence.

Every curated table is read the same way, from what tables.yaml says of it: its file
(`curation.file`) or the list inside another table's records that holds it
(`curation.within` + `list`), which YAML keys a record may have, their types and
vocabularies, its foreign keys and its cross-field rules. Every row is made by one
constructor, `make_row`, from the record's own fields and the values this module
derives (DERIVED: a date's bounds, a count's number, an id); a nested row's key to the
record that holds it is filled from its foreign key. A table declared in tables.yaml
with no entry in DERIVED needs no code: plain fields, foreign keys and rules work as
declared. Foreign keys and the rules on rows (rules.py, shared with validate.py) are
checked once every table is made, each failure naming the file, record and field.

Every curated record carries `evidence`: a list of items, either
``{SOURCE_ID: "verbatim quote"}`` or ``{source: SOURCE_ID, quote: "...", context: "...",
fields: [...]}``. The build finds each quote in its source; a quote found more than once
needs a `context`, a longer verbatim passage that occurs once and contains the quote once.
Each evidence row lists the factual fields of its record that the quote supports (see
provenance.py): those the curator gives in `fields`, which must pass their rule, or by
default every field whose rule the quote passes. A factual field that no quote supports
needs an `inferred` item: ``{field: edtf, rule: parent_date}`` (``from: EVENT`` for
referent_date).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansar_data.core.errors import InputError, SpecError
from ansar_data.core.provenance import supports, why_not
from ansar_data.core.rules import (
    NOT_NFC,
    Finding,
    cell_problem,
    declared_findings,
    fatalities_columns,
    quoted_sources,
    row_findings,
    row_sources,
    text_problem,
)
from ansar_data.core.schema import TYPES, Spec, Table
from ansar_data.core.timeline import derive, derived_values
from ansar_data.core.values import edtf_bounds, edtf_precision, parse_count, parse_duration, time_bounds
from ansar_data.core.yamlfile import read_yaml

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Curation:
    """Raw records per curation file, and the folder they came from."""
    folder: Path
    records: dict[str, list[Any]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def load_curation(folder: Path, texts: dict[str, str], spec: Spec) -> Curation:
    records = {}
    for name in spec.curation_files:
        path = folder / f"{name}.yaml"
        # every file tables.yaml declares must be there: a misnamed file is an error,
        # not an empty table
        data = read_yaml(path)
        if data is None:  # an emptied file must not pass for a table with no records
            raise InputError(str(path), "whole file", None,
                             "empty, or only comments: a table with no records is written []")
        if not isinstance(data, list):
            raise InputError(str(path), "top level", None, "expected a list of records")
        records[name] = data
    return Curation(folder, records, texts)


@dataclass(frozen=True)
class Loc:
    """Where a record is: its file and its id (or position), for error messages."""
    path: str
    record: str

    def fail(self, fld: str | None, message: str) -> InputError:
        return InputError(self.path, f"record {self.record}", fld, message)


def _scalar(value: Any, ftype: str) -> Any:
    """A YAML value as the field's type, or raise TypeError. A string field takes a
    YAML integer as written ("150"): YAML reads it unquoted as a number."""
    if ftype in ("string", "date"):
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, int):
            return str(value)
    if not isinstance(value, TYPES[ftype].python) or (ftype != "boolean" and isinstance(value, bool)):
        raise TypeError
    return value


def read_inputs(table: Table, rec: Any, loc: Loc, vocab: dict[str, set[str]],
                where: str = "") -> dict[str, Any]:
    """The record's fields as tables.yaml declares them: unknown and missing keys,
    values of the wrong type and terms outside their vocabulary are InputErrors."""
    if not isinstance(rec, dict):
        raise loc.fail(where.rstrip(".") or None, "expected a mapping")
    keys = table.input_keys()
    # an unknown key first: a misspelt key would otherwise be reported as the real one missing
    for key in sorted(set(map(str, rec)) - set(keys)):
        near = difflib.get_close_matches(key, sorted(set(keys) - set(map(str, rec))), n=1)
        raise loc.fail(where + key, "unknown key" + (f"; did you mean {near[0]!r}?" if near else
                                                       f"; the keys are {', '.join(sorted(keys))}"))
    for key in sorted(k for k, required in keys.items() if required and rec.get(k) is None):
        raise loc.fail(where + key, "missing")
    values = {}
    for f in table.input_fields():
        value = rec.get(f["name"])
        if value is not None:
            if "pattern" in f and isinstance(value, int) and not isinstance(value, bool):
                raise loc.fail(where + f["name"], f"{value!r} is written as a number; an identifier is text "
                                                  f"(write it in quotes if {str(value)!r} is meant)")
            try:
                value = _scalar(value, f["type"])
            except TypeError:
                raise loc.fail(where + f["name"], f"expected a {f['type']}, got {value!r}") from None
            if (problem := cell_problem(value)) is not None:
                raise loc.fail(where + f["name"], problem)
            _check_pattern(loc, where, f, value)
            if isinstance(value, str) and (problem := text_problem(value, f.get("unicode") == "arabic-zwnj")):
                raise loc.fail(where + f["name"], problem)
            if f.get("vocabulary") and value not in vocab[f["vocabulary"]]:
                raise loc.fail(where + f["name"], f"{value!r} is not a term of the "
                                                  f"{f['vocabulary']!r} vocabulary")
        values[f["name"]] = value
    return values


def _check_pattern(loc: Loc, where: str, f: dict[str, Any], value: Any) -> None:
    if "pattern" in f and isinstance(value, str) and not re.fullmatch(f["pattern"], value):
        raise loc.fail(where + f["name"], f"{value!r} does not match {f['pattern']} (tables.yaml)")


def make_row(table: Table, inputs: dict[str, Any], derived: dict[str, Any]) -> dict[str, Any]:
    """One row in the table's field order: input fields as read, derived fields as
    computed (an `input: optional` field takes the input when given)."""
    row = {}
    for f in table.fields:
        name = f["name"]
        if "derived" not in f:
            row[name] = inputs[name]
        elif inputs.get(name) is not None:
            row[name] = inputs[name]
        elif name in derived:
            row[name] = derived[name]
        else:
            raise SpecError(f"metadata/tables.yaml: table {table.name!r}: field {name!r} is marked derived, "
                            f"but the build has no derivation for it (curate.DERIVED)")
    return row


def _list(rec: dict[str, Any], key: str, loc: Loc, where: str = "") -> list[Any]:
    value = rec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise loc.fail(where + key, "expected a list")
    return value


@dataclass(frozen=True)
class Place:
    """Where a row was written: its record, the key path of a nested row inside it
    ("names[0]."), and the YAML key of a field that the YAML names otherwise."""
    loc: Loc
    where: str = ""
    rename: tuple[tuple[str, str], ...] = ()

    def fail(self, fld: str | None, message: str) -> InputError:
        key = dict(self.rename).get(fld, fld) if fld else None
        return self.loc.fail(self.where + key if key else self.where.rstrip(".") or None, message)


# An inference row is written as `inferred[n]: {field, rule, from}` in its record; an
# entity's name is the one of its `names` marked canonical.
INFERENCE_KEYS = (("from_record", "from"), ("record_id", ""), ("record_table", ""))
YAML_KEYS = {"entities": (("name", "names"),)}
# The rules between a record's own fields, checked as it is read, before anything is
# derived from them (a relation's id needs its object or literal).
INPUT_RULES = ("fields-together", "exactly-one", "field-only-when")


class _Curator:
    """Reads every curated table and collects its rows, their places and evidence."""

    def __init__(self, spec: Spec, curation: Curation) -> None:
        self.spec = spec
        self.curation = curation
        self.vocab = {name: set(v.terms) for name, v in spec.vocabularies.items()}
        self.verbs = {t: a["verb"] for t, a in spec.vocabularies["evidence_rule"].attributes.items()}
        self.tables: dict[str, Rows] = {t.name: [] for t in spec.curated} | {"inferences": []}
        self.places: dict[str, list[Place]] = {name: [] for name in self.tables}
        self.evidence: Rows = []

    def records(self, name: str) -> Iterator[tuple[Any, Loc]]:
        path = str(self.curation.folder / f"{name}.yaml")
        for number, rec in enumerate(self.curation.records.get(name, []), start=1):
            rid = rec.get("id") if isinstance(rec, dict) else None
            yield rec, Loc(path, repr(rid) if isinstance(rid, str) else f"#{number}")

    def place(self, finding: Finding) -> Place:
        places = self.places.get(finding.table)
        if places is None:  # an extracted table, linked to entities by the build
            return Place(Loc(f"data/{finding.table}.csv", f"row {finding.index + 1}"))
        return places[finding.index]

    def row(self, table: Table, inputs: dict[str, Any], loc: Loc, where: str, derived: dict[str, Any]) -> dict:
        """make_row, with each derived value that has a `pattern` in tables.yaml (a
        composed id) checked against it; read_inputs checks the given ones."""
        row = make_row(table, inputs, derived)
        for f in table.fields:
            if "derived" in f and inputs.get(f["name"]) is None:
                _check_pattern(loc, where, f, row[f["name"]])
        return row

    def add(self, table: Table, rec: Any, loc: Loc, where: str = "",
            parent: tuple[Table, dict[str, Any]] | None = None, n: int = 0) -> None:
        """One record of a curated table (and the nested records it holds)."""
        values = read_inputs(table, rec, loc, self.vocab, where)
        inputs = {f["name"] for f in table.input_fields()}
        for finding in declared_findings(table, [values]):
            if finding.code in INPUT_RULES and finding.field in inputs:
                raise Place(loc, where).fail(finding.field, finding.message)
        derived: dict[str, Any] = {}
        if parent is not None:
            derived.update(_parent_key(table, *parent))
            derived.setdefault("id", f"{parent[1]['id']}/{n + 1}")
        derive = DERIVED.get(table.name)
        if derive is not None:
            derived.update(derive(values, derived, Place(loc, where), rec))
        for span in table.time_spans:  # the four bounds, as tables.yaml names their columns
            try:
                bounds = time_bounds(values[span["edtf"]], values[span["mode"]])
            except ValueError as exc:
                raise Place(loc, where).fail(span["edtf"], str(exc)) from exc
            derived.update({span[key]: value for key, value in bounds.items()})
            derived[span["basis"]] = None  # with the derived bounds, once every record is read
        if "sources" in table.field_names:
            derived.setdefault("sources", None)  # from the evidence, once it is all read
        row = self.row(table, values, loc, where, derived)
        if "id" in row:
            if any(r["id"] == row["id"] for r in self.tables[table.name]):
                raise loc.fail(where + "id", f"{row['id']!r} is used twice")
            if loc.record.startswith("#") and not where:
                loc = Loc(loc.path, repr(row["id"]))
        self.tables[table.name].append(row)
        self.places[table.name].append(Place(loc, where, YAML_KEYS.get(table.name, ())))
        keys = table.curation.keys if table.curation else {}
        inferred = self.add_inferences(loc, table, rec, row) if "inferred" in keys else frozenset()
        # The nested records first: an entity reuses the quotes of its canonical name,
        # which are reported where they are written if they fail.
        for child in self.spec.curated:
            if child.curation.within == table.name:
                for m, item in enumerate(_list(rec, child.curation.list, loc, where)):
                    self.add(child, item, loc, f"{where}{child.curation.list}[{m}].", (table, row), m)
        if "evidence" in keys:
            items = EVIDENCE_ITEMS.get(table.name, _own_evidence)(rec, loc, where)
            if items or keys["evidence"]:
                self.add_evidence(loc, table, row["id"], items, row, where + "evidence", inferred)

    def add_evidence(self, loc: Loc, table: Table, record_id: str, items: Any, row: dict[str, Any],
                     where: str, inferred: frozenset[str] = frozenset()) -> None:
        """Evidence rows of one record, each listing the factual fields its quote supports;
        every non-empty factual field of the row must be supported or `inferred`."""
        if not isinstance(items, list) or not items:
            raise loc.fail(where, "needs at least one evidence item")
        rules = {f: r for f, r in table.evidence_rules.items() if row.get(f) is not None and f not in inferred}
        spans = []
        for n, item in enumerate(items):
            at = f"{where}[{n}]"
            source, quote, context, listed = self._evidence_item(loc, item, at)
            if row.get("source") not in (None, source):
                # A record that names its source is evidenced from that source alone.
                raise loc.fail(at, f"quotes {source}, but the record's source is {row['source']}")
            start = self._locate(loc, source, quote, context, at)
            if listed is None:
                fields = [f for f, rule in rules.items() if supports(rule, row[f], quote)]
            else:
                for f in listed:
                    if f not in rules:
                        raise loc.fail(at + ".fields", f"{f!r} is not a non-empty, non-inferred factual "
                                       f"field of {table.name} (those are {', '.join(rules) or 'none'})")
                    if not supports(rules[f], row[f], quote):
                        raise loc.fail(at + ".fields", f"{f}: {why_not(rules[f], row[f], quote)}")
                fields = [f for f in rules if f in listed]
            if not fields:
                raise loc.fail(at, f"the quote supports no field of the record ({', '.join(rules)}): "
                                   f"{quote!r}")
            spans.append({"record_table": table.name, "record_id": record_id, "ordinal": n + 1,
                          "fields": " ".join(fields), "source": source,
                          "char_start": start, "char_end": start + len(quote), "quote": quote})
        covered = {f for s in spans for f in s["fields"].split()}
        for f, rule in rules.items():
            if f not in covered:
                raise loc.fail(where.rsplit("evidence", 1)[0] + f,
                               f"no evidence quote {self.verbs[rule]} {row[f]!r}; quote one, or give "
                               f"an `inferred` rule")
        self.evidence.extend(spans)

    def add_inferences(self, loc: Loc, table: Table, rec: dict[str, Any], row: dict[str, Any]) -> frozenset[str]:
        """Inference rows of one record; whether each gives its value is a rule on rows
        (rules.inference_findings), checked once every table is made."""
        rules = self.spec.vocabularies["inference_rule"].attributes
        fields = set()
        for n, item in enumerate(_list(rec, "inferred", loc)):
            at = f"inferred[{n}]"
            if (not isinstance(item, dict) or not {"field", "rule"} <= set(item) <= {"field", "rule", "from"}
                    or not all(isinstance(v, str) for v in item.values())):
                raise loc.fail(at, "expected {field, rule} or {field, rule, from}, each a string")
            fld, rule, other = item["field"], item["rule"], item.get("from")
            if rule not in rules:
                raise loc.fail(at + ".rule", f"{rule!r} is not one of {sorted(rules)}")
            if fld not in table.evidence_rules or row.get(fld) is None:
                raise loc.fail(at + ".field", f"{fld!r} is not a non-empty factual field of {table.name}")
            if fld in fields:
                raise loc.fail(at + ".field", f"{fld!r} is inferred twice")
            if other is None:
                if not rules[rule].get("from_parent") or row.get("parent") is None:
                    raise loc.fail(at + ".from", f"rule {rule} needs `from`: the event the value comes from")
                other = row["parent"]
            fields.add(fld)
            self.tables["inferences"].append({"record_table": table.name, "record_id": row["id"], "field": fld,
                                              "rule": rule, "from_record": other, "from_table": "events",
                                              "via": None})
            self.places["inferences"].append(Place(loc, at + ".", INFERENCE_KEYS))
        return frozenset(fields)

    def _evidence_item(self, loc: Loc, item: Any, where: str) -> tuple[str, str, str | None, list[str] | None]:
        if isinstance(item, dict) and len(item) == 1 and "source" not in item:
            ((source, quote),) = item.items()
            context = listed = None
        elif isinstance(item, dict) and {"source", "quote"} <= set(item) <= {"source", "quote", "context", "fields"}:
            source, quote, context, listed = item["source"], item["quote"], item.get("context"), item.get("fields")
        else:
            raise loc.fail(where, "expected {SOURCE: quote} or {source, quote, context, fields}")
        if not isinstance(source, str) or source not in self.curation.texts:
            raise loc.fail(where, f"unknown source {source!r}")
        if not isinstance(quote, str) or not quote:
            raise loc.fail(where, "the quote must be a non-empty string")
        if not unicodedata.is_normalized("NFC", quote) or (isinstance(context, str)
                                                           and not unicodedata.is_normalized("NFC", context)):
            raise loc.fail(where, NOT_NFC)
        if context is not None and not isinstance(context, str):
            raise loc.fail(where + ".context", "the context must be a string")
        if listed is not None and (not isinstance(listed, list) or not listed
                                   or not all(isinstance(f, str) for f in listed)):
            raise loc.fail(where + ".fields", "expected a non-empty list of field names")
        return source, quote, context, listed

    def _locate(self, loc: Loc, source: str, quote: str, context: str | None, where: str) -> int:
        text = self.curation.texts[source]
        if context is not None:
            base = _find_once(loc, text, context, source, where + ".context", "context")
            if _count(context, quote) != 1:
                raise loc.fail(where + ".quote", f"the quote {quote!r} occurs "
                               f"{_count(context, quote)} times in its context, not once")
            return base + context.index(quote)
        return _find_once(loc, text, quote, source, where + ".quote", "quote")


def _count(text: str, needle: str) -> int:
    """Occurrences of needle in text, overlapping ones too ("aa" is twice in "aaa")."""
    count, at = 0, text.find(needle)
    while at != -1:
        count += 1
        at = text.find(needle, at + 1)
    return count


def _find_once(loc: Loc, text: str, needle: str, source: str, where: str, what: str) -> int:
    count = _count(text, needle)
    if count == 0:
        hint = ("; the source breaks the line (or spaces it otherwise) where the quote has a space: quote "
                "within one paragraph" if " ".join(needle.split()) in " ".join(text.split()) else "")
        raise loc.fail(where, f"{what} not found in {source}: {needle!r}{hint}")
    if count > 1:
        raise loc.fail(where, f"{what} occurs {count} times in {source}; add a `context` "
                              f"that occurs once: {needle!r}")
    return text.index(needle)


def _parent_key(table: Table, parent: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A nested row's key to the record that holds it, from its foreign key to that table."""
    for fk in table.foreign_keys:
        if fk["reference"]["resource"] == parent.name:
            return {f: row[r] for f, r in zip(fk["fields"], fk["reference"]["fields"])}
    raise SpecError(f"table {table.name!r} is written within {parent.name!r}, but has no foreign key to it "
                    f"(tables.yaml)")


def _dates(place: Place, value: str | None, fld: str) -> tuple[str | None, str | None, str | None]:
    """Earliest day, latest day and precision of an EDTF value."""
    if value is None:
        return None, None, None
    try:
        start, end = edtf_bounds(value)
    except ValueError as exc:
        raise place.fail(fld, str(exc)) from exc
    return start, end, edtf_precision(value)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---- what the build derives, per table (tables.yaml's `derived:` says it in words) ----

# (the record's fields as read, what is derived so far, where it is, the YAML record)
Derive = Callable[[dict[str, Any], dict[str, Any], Place, dict[str, Any]], dict[str, Any]]


def _entity(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    return {"name": _canonical_name(rec)}


def _event(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    start, end, precision = _dates(place, values["edtf"], "edtf")
    # the fatality columns are copied from the count once every count is read (_copy_fatalities)
    return {"date_start": start, "date_end": end, "date_precision": precision, **fatalities_columns(None, []),
            "date_earliest": None, "date_latest": None}  # from the temporal network, once all is read


def _relation(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    target = values["object"] or _slug(values["literal"])
    return {"id": f"{values['subject']}/{values['predicate']}/{target}", "reading": "stated"}


def _count_values(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    count = parse_count(values["text"])
    if count is None:
        raise place.fail("text", f"{values['text']!r} does not read as a count")
    for column, number in count.columns().items():
        if (problem := cell_problem(number)) is not None:
            raise place.fail("text", f"{column} would be {problem}")
    return count.columns()


def _participant(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    return {"id": f"{derived['event']}/{values['role']}/{values['entity']}"}


def _link(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    target = values["literal"] and _slug(values["literal"]) or values["to_event"] or values["to_relation"]
    lag = parse_duration(values["lag_text"]) if values["lag_text"] is not None else None
    return {"id": f"{derived['event']}/{values['link']}/{target}", "lag_duration": lag, "reading": "stated"}


def _assessment(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    return {"id": f"{derived['claim']}/{values['source']}"}


def _name(values: dict, derived: dict, place: Place, rec: dict) -> dict:
    return {"canonical": False}


DERIVED: dict[str, Derive] = {"entities": _entity, "entity_names": _name, "events": _event,
                              "event_participants": _participant, "event_links": _link,
                              "relations": _relation, "counts": _count_values, "claim_assessments": _assessment}


def _own_evidence(rec: dict[str, Any], loc: Loc, where: str) -> Any:
    return rec.get("evidence")


def _entity_evidence(rec: dict[str, Any], loc: Loc, where: str) -> list[Any]:
    """An entity is attested wherever an article names it: by the quotes of each of its
    names (the canonical one first, each quote once), and by any of its own. So its
    `sources` are every article that names it, under any name."""
    names = [n for n in _list(rec, "names", loc) if isinstance(n, dict)]
    canonical = [n for n in names if n.get("canonical") is True]
    if len(canonical) != 1:
        names = []  # canonical-name, a rule on rows, says so
    items, seen = [], set()
    for name in sorted(names, key=lambda n: n.get("canonical") is not True):
        for item in name.get("evidence") if isinstance(name.get("evidence"), list) else []:
            if isinstance(item, dict) and "quote" in item:
                item = {k: v for k, v in item.items() if k != "fields"}
            key = repr(sorted(item.items())) if isinstance(item, dict) else repr(item)
            if key not in seen:
                seen.add(key)
                items.append(item)
    return [*items, *_list(rec, "evidence", loc)]


EVIDENCE_ITEMS = {"entities": _entity_evidence}


def _canonical_name(rec: dict[str, Any]) -> Any:
    """The one name marked canonical; None when there is not exactly one (a rule on
    rows, canonical-name, then says so)."""
    names = rec.get("names")
    found = [n.get("name") for n in names if isinstance(n, dict) and n.get("canonical") is True] \
        if isinstance(names, list) else []
    return found[0] if len(found) == 1 else None


def _fill_sources(spec: Spec, tables: dict[str, Rows], evidence: Rows) -> None:
    """Each curated row's `sources`: the sources its evidence quotes (rules.row_sources)."""
    quoted = quoted_sources(evidence)
    for table in spec.curated:
        if "sources" in table.field_names:
            for row in tables.get(table.name, []):
                row["sources"] = row_sources(table.name, row, quoted)


def _copy_fatalities(tables: dict[str, Rows]) -> None:
    """Each event's fatality columns, by the fatality rule over its counts."""
    for event in tables["events"]:
        event.update(fatalities_columns(event["id"], tables["counts"]))


def _derive_time(spec: Spec, c: _Curator) -> None:
    """The bounds the temporal network derives, written into their columns, with an
    inferences row for each. A crossing in the stated order is a rule on rows
    (time-order), reported with the others, naming the record and both chains."""
    timeline = derive(spec, c.tables)
    values, rows = derived_values(spec, c.tables, timeline)
    for table in ("events", "relations"):
        for row in c.tables[table]:
            row.update(values[(table, row["id"])])
    where = {(t, r["id"]): p for t in ("events", "relations") for r, p in zip(c.tables[t], c.places[t])}
    for row in rows:
        c.tables["inferences"].append(row)
        c.places["inferences"].append(where[(row["record_table"], row["record_id"])])


def curated_tables(spec: Spec, curation: Curation, extracted: dict[str, Rows]) -> dict[str, Rows]:
    """Rows of the curated tables, evidence and inferences, plus infobox_values and
    see_also linked to entities; every foreign key and rule on rows checked."""
    c = _Curator(spec, curation)
    for table in spec.curated:
        if table.curation.file is None:
            continue  # read within the table that holds it
        for rec, loc in c.records(table.curation.file):
            c.add(table, rec, loc)
    if "events" in c.tables and "counts" in c.tables:
        _copy_fatalities(c.tables)
    if "events" in c.tables and "relations" in c.tables:
        _derive_time(spec, c)
    _fill_sources(spec, c.tables, c.evidence)
    out = dict(c.tables)
    out["evidence"] = c.evidence
    names = _english_names(out.get("entity_names", []))
    out["infobox_values"] = [{**r, "entity": named_entity(r["value_text"], names) if r["datatype"] == "text" else None}
                             for r in extracted["infobox_values"]]
    out["see_also"] = [{**r, "entity": named_entity(r["title"], names)} for r in extracted["see_also"]]
    for finding in row_findings(spec, {**extracted, **out}):
        raise c.place(finding).fail(finding.field, finding.message)
    return out


def named_entity(text: str, names: dict[str, str]) -> str | None:
    """The entity a text names: the text is one of its English names, or ends with
    "the " and the name ("the prelude to the 1983-1986 Kurdish rebellions in Iraq");
    the longest such name wins, so "in Iraq" inside a longer name never links to Iraq."""
    if text in names:
        return names[text]
    tails = [n for n in names if text.endswith(" " + n) and re.search(r"(?:^|\s)the$", text[:-len(n) - 1])]
    return names[max(tails, key=len)] if tails else None


def _english_names(rows: Rows) -> dict[str, str]:
    """English name -> entity, for names that belong to exactly one entity."""
    owners: dict[str, set[str]] = {}
    for row in rows:
        if row["language_tag"] == "en":
            owners.setdefault(row["name"], set()).add(row["entity"])
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}

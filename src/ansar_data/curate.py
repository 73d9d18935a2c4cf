"""Curated knowledge from curation/*.yaml -> the curated tables of metadata/tables.yaml
(entities, entity_names, events, event_participants, relations, counts, claims,
claim_assessments, disagreements) and evidence.

Which YAML keys a record may have, which are required, and their types and
vocabularies come from the table's entry in tables.yaml; every row is made by one
constructor, `make_row`, from the record's own fields and the values this module
derives (a date's bounds, a count's number, an id). Adding an optional field to a
curated table needs no code: declare it in tables.yaml and write it in the YAML.

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

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, SpecError
from .provenance import INFERENCE_FIELDS, inferred_values, supports, why_not
from .rules import cell_problem, graph_problems, name_script_problem, reference_type_problems, unicode_problem
from .schema import TYPES, Spec, Table
from .values import edtf_bounds, edtf_precision, parse_count, parse_duration
from .yamlfile import read_yaml

RULE_VERBS = {"equals-quote": "is exactly", "in-quote": "contains", "date-in-quote": "has a date reading as",
              "stated": "lists the field for"}


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
        data = read_yaml(path) if path.is_file() else []
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
    for key in sorted(k for k, required in keys.items() if required and rec.get(k) is None):
        raise loc.fail(where + key, "missing")
    for key in sorted(set(map(str, rec)) - set(keys)):
        raise loc.fail(where + key, "unknown key")
    values = {}
    for f in table.input_fields():
        value = rec.get(f["name"])
        if value is not None:
            try:
                value = _scalar(value, f["type"])
            except TypeError:
                raise loc.fail(where + f["name"], f"expected a {f['type']}, got {value!r}") from None
            if (problem := cell_problem(value)) is not None:
                raise loc.fail(where + f["name"], problem)
            _check_pattern(loc, where, f, value)
            if isinstance(value, str) and (problem := unicode_problem(value, f.get("unicode") == "arabic-zwnj")):
                raise loc.fail(where + f["name"], f"{problem}: the codebook's Unicode policy refuses it")
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
            raise SpecError(f"field {table.name}.{name} is marked derived in tables.yaml, "
                            f"but the build derives no value for it")
    return row


def _list(rec: dict[str, Any], key: str, loc: Loc, where: str = "") -> list[Any]:
    value = rec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise loc.fail(where + key, "expected a list")
    return value


class _Curator:
    """Builds the curated rows and collects their evidence."""

    def __init__(self, spec: Spec, curation: Curation) -> None:
        self.spec = spec
        self.curation = curation
        self.vocab = {name: set(v.terms) for name, v in spec.vocabularies.items()}
        self.evidence: list[dict[str, Any]] = []
        self.inferences: list[tuple[Loc, str, dict[str, Any], Any]] = []

    def records(self, name: str) -> Iterator[tuple[Any, Loc]]:
        path = str(self.curation.folder / f"{name}.yaml")
        for number, rec in enumerate(self.curation.records.get(name, []), start=1):
            rid = rec.get("id") if isinstance(rec, dict) else None
            yield rec, Loc(path, repr(rid) if isinstance(rid, str) else f"#{number}")

    def read(self, table: str, rec: Any, loc: Loc, where: str = "") -> dict[str, Any]:
        return read_inputs(self.spec.table(table), rec, loc, self.vocab, where)

    def row(self, table: str, inputs: dict[str, Any], loc: Loc, where: str, **derived: Any) -> dict[str, Any]:
        """make_row, with each derived value that has a `pattern` in tables.yaml (a
        composed id) checked against it; read_inputs checks the given ones."""
        row = make_row(self.spec.table(table), inputs, derived)
        for f in self.spec.table(table).fields:
            if "derived" in f and inputs.get(f["name"]) is None:
                _check_pattern(loc, where, f, row[f["name"]])
        return row

    def add_evidence(self, loc: Loc, table: str, record_id: str, items: Any, row: dict[str, Any],
                     where: str = "evidence", inferred: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """Evidence rows of one record, each listing the factual fields its quote supports;
        every non-empty factual field of the row must be supported or `inferred`."""
        if not isinstance(items, list) or not items:
            raise loc.fail(where, "needs at least one evidence item")
        rules = {f: r for f, r in self.spec.table(table).evidence_rules.items()
                 if row.get(f) is not None and f not in inferred}
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
                                       f"field of {table} (those are {', '.join(rules) or 'none'})")
                    if not supports(rules[f], row[f], quote):
                        raise loc.fail(at + ".fields", f"{f}: {why_not(rules[f], row[f], quote)}")
                fields = [f for f in rules if f in listed]
            if not fields:
                raise loc.fail(at, f"the quote supports no field of the record ({', '.join(rules)}): "
                                   f"{quote!r}")
            spans.append({"table": table, "record_id": record_id, "ordinal": n + 1,
                          "fields": " ".join(fields), "source": source,
                          "char_start": start, "char_end": start + len(quote), "quote": quote})
        covered = {f for s in spans for f in s["fields"].split()}
        for f, rule in rules.items():
            if f not in covered:
                raise loc.fail(where.rsplit("evidence", 1)[0] + f,
                               f"no evidence quote {RULE_VERBS[rule]} {row[f]!r}; quote one, or give "
                               f"an `inferred` rule")
        self.evidence.extend(spans)
        return spans

    def add_inferences(self, loc: Loc, table: str, record_id: str, rec: dict[str, Any],
                       row: dict[str, Any]) -> frozenset[str]:
        """Inference rows of one record; their fields are checked once all events exist."""
        fields = set()
        for n, item in enumerate(_list(rec, "inferred", loc)):
            at = f"inferred[{n}]"
            if (not isinstance(item, dict) or not {"field", "rule"} <= set(item) <= {"field", "rule", "from"}
                    or not all(isinstance(v, str) for v in item.values())):
                raise loc.fail(at, "expected {field, rule} or {field, rule, from}, each a string")
            fld, rule, other = item["field"], item["rule"], item.get("from")
            rules = self.vocab.get("inference_rule", set())
            if rule not in rules:
                raise loc.fail(at + ".rule", f"{rule!r} is not one of {sorted(rules)}")
            if fld not in self.spec.table(table).evidence_rules or row.get(fld) is None:
                raise loc.fail(at + ".field", f"{fld!r} is not a non-empty factual field of {table}")
            if fld in fields:
                raise loc.fail(at + ".field", f"{fld!r} is inferred twice")
            if other is None:
                if not rule.startswith("parent_") or row.get("parent") is None:
                    raise loc.fail(at + ".from", f"rule {rule} needs `from`: the event the value comes from")
                other = row["parent"]
            fields.add(fld)
            self.inferences.append((loc, at, {"table": table, "record_id": record_id, "field": fld,
                                              "rule": rule, "from_record": other}, row[fld]))
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
    return sum(1 for _ in re.finditer(f"(?={re.escape(needle)})", text))


def _find_once(loc: Loc, text: str, needle: str, source: str, where: str, what: str) -> int:
    count = _count(text, needle)
    if count == 0:
        raise loc.fail(where, f"{what} not found in {source}: {needle!r}")
    if count > 1:
        raise loc.fail(where, f"{what} occurs {count} times in {source}; add a `context` "
                              f"that occurs once: {needle!r}")
    return text.index(needle)


def _dates(loc: Loc, value: str | None, fld: str) -> tuple[str | None, str | None, str | None]:
    """Earliest day, latest day and precision of an EDTF value."""
    if value is None:
        return None, None, None
    try:
        start, end = edtf_bounds(value)
    except ValueError as exc:
        raise loc.fail(fld, str(exc)) from exc
    return start, end, edtf_precision(value)


def _unique_id(loc: Loc, seen: set[str], record_id: str) -> str:
    """The id, once per table; its form is the id field's `pattern` (see _Curator.row)."""
    if record_id in seen:
        raise loc.fail("id", f"{record_id!r} is used twice")
    seen.add(record_id)
    return record_id


def _ref(loc: Loc, value: Any, known: set[str], fld: str, what: str = "entity") -> Any:
    if value is not None and value not in known:
        raise loc.fail(fld, f"unknown {what} {value!r}")
    return value


def curated_tables(spec: Spec, curation: Curation,
                   extracted: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Rows of the curated tables, plus infobox_values and see_also linked to entities."""
    c = _Curator(spec, curation)
    out: dict[str, list[dict[str, Any]]] = {}
    out["entities"], out["entity_names"] = _entities(c)
    entity_ids = {e["id"] for e in out["entities"]}
    event_ids = {r.get("id") for r in curation.records.get("events", []) if isinstance(r, dict)}
    out["counts"] = _counts(c, entity_ids, event_ids)
    out["events"], out["event_participants"] = _events(c, entity_ids, event_ids, out["counts"])
    out["relations"] = _relations(c, entity_ids)
    out["event_links"] = _event_links(c, event_ids, {r["id"] for r in out["relations"]})
    out["claims"], out["claim_assessments"] = _claims(c, entity_ids, event_ids)
    out["disagreements"] = _disagreements(c, out, entity_ids, event_ids)
    _graph_and_types(c, out)
    out["evidence"] = c.evidence
    out["inferences"] = _inferences(c, {e["id"]: e for e in out["events"]})
    names = _english_names(out["entity_names"])
    out["infobox_values"] = [{**r, "entity": named_entity(r["value"], names) if r["datatype"] == "text" else None}
                             for r in extracted["infobox_values"]]
    out["see_also"] = [{**r, "entity": named_entity(r["title"], names)} for r in extracted["see_also"]]
    return out


def _graph_and_types(c: _Curator, out: dict[str, list[dict[str, Any]]]) -> None:
    """The `distinct`, `acyclic` and foreign-key `types` rules of tables.yaml, on the
    curated rows, as errors that name the curation file and the record."""
    types = {e["id"]: e["type"] for e in out["entities"]}
    for table in c.spec.curated:
        rows = out.get(table.name, [])
        within = table.curation.within
        path = str(c.curation.folder / f"{c.spec.table(within).curation.file if within else table.curation.file}.yaml")
        problems = [(i, fld, message) for i, fld, _, message in graph_problems(table, rows)]
        for i, fld, message in problems + reference_type_problems(table, rows, types):
            raise InputError(path, f"record {rows[i].get('id')!r}", fld, message)


def named_entity(text: str, names: dict[str, str]) -> str | None:
    """The entity a text names: the text is one of its English names, or ends with
    "the " and the name ("the prelude to the 1983-1986 Kurdish rebellions in Iraq");
    the longest such name wins, so "in Iraq" inside a longer name never links to Iraq."""
    if text in names:
        return names[text]
    tails = [n for n in names if text.endswith(" " + n) and re.search(r"(?:^|\s)the$", text[:-len(n) - 1])]
    return names[max(tails, key=len)] if tails else None


def _english_names(rows: list[dict[str, Any]]) -> dict[str, str]:
    """English name -> entity, for names that belong to exactly one entity."""
    owners: dict[str, set[str]] = {}
    for row in rows:
        if row["language"] == "en":
            owners.setdefault(row["name"], set()).add(row["entity"])
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}


def _entities(c: _Curator) -> tuple[list[dict], list[dict]]:
    entities, names, seen = [], [], set()
    for rec, loc in c.records("entities"):
        values = c.read("entities", rec, loc)
        eid = _unique_id(loc, seen, values["id"])
        canonical = []
        for n, name in enumerate(_list(rec, "names", loc), start=1):
            where = f"names[{n - 1}]."
            name_values = c.read("entity_names", name, loc, where)
            for fld, problem in name_script_problem(c.spec.table("entity_names"), name_values):
                raise loc.fail(where + fld, problem)
            row_id = f"{eid}/{n}"
            names.append(c.row("entity_names", name_values, loc, where, id=row_id, entity=eid, canonical=False))
            c.add_evidence(loc, "entity_names", row_id, name["evidence"], names[-1], where + "evidence")
            if names[-1]["canonical"]:
                canonical.append((name_values["name"], name["evidence"]))
        if len(canonical) != 1:
            raise loc.fail("names", f"needs exactly one name with 'canonical: true', has {len(canonical)}")
        entities.append(c.row("entities", values, loc, "", name=canonical[0][0]))
        # An entity is attested by the quotes of its canonical name, and by any of its own.
        reused = [{k: v for k, v in i.items() if k != "fields"} if isinstance(i, dict) and "quote" in i else i
                  for i in canonical[0][1]]
        c.add_evidence(loc, "entities", eid, [*reused, *_list(rec, "evidence", loc)], entities[-1])
    return entities, names


def _counts(c: _Curator, entity_ids: set[str], event_ids: set[str]) -> list[dict]:
    rows, seen = [], set()
    for rec, loc in c.records("counts"):
        values = c.read("counts", rec, loc)
        cid = _unique_id(loc, seen, values["id"])
        count = parse_count(values["text"])
        if count is None:
            raise loc.fail("text", f"{values['text']!r} does not read as a count")
        for column, number in count.columns().items():
            if (problem := cell_problem(number)) is not None:
                raise loc.fail("text", f"{column} would be {problem}")
        if values["source"] not in c.curation.texts:
            raise loc.fail("source", f"unknown source {values['source']!r}")
        if (values["event"] is None) == (values["entity"] is None):
            raise loc.fail("event", "give either an event or an entity")
        _ref(loc, values["event"], event_ids, "event", "event")
        _ref(loc, values["entity"], entity_ids, "entity")
        _ref(loc, values["attributed_to"], entity_ids, "attributed_to")
        rows.append(c.row("counts", values, loc, "", **count.columns()))
        c.add_evidence(loc, "counts", cid, rec["evidence"], rows[-1])
    return rows


def fatalities_columns(count: dict[str, Any] | None) -> dict[str, Any]:
    """An event's fatality columns, from the count it names (UCDP-style low/best/high)."""
    if count is None:
        return {"fatalities_low": None, "fatalities_low_exclusive": None, "fatalities_best": None,
                "fatalities_high": None, "fatalities_certainty": None, "fatalities_text": None,
                "fatalities_of_whom": None, "fatalities_attributed_to": None}
    exact = count["number"] if count["number_certainty"] == "exact" else None
    return {"fatalities_low": count["number_min"] if count["number_min"] is not None else exact,
            "fatalities_low_exclusive": count["number_min_exclusive"] if count["number_min"] is not None
            else (False if exact is not None else None),
            "fatalities_best": count["number"],
            "fatalities_high": count["number_max"] if count["number_max"] is not None else exact,
            "fatalities_certainty": count["number_certainty"],
            "fatalities_text": count["text"],
            "fatalities_of_whom": count["of_whom"],
            "fatalities_attributed_to": count["attributed_to"]}


def _events(c: _Curator, entity_ids: set[str], event_ids: set[str],
            counts: list[dict]) -> tuple[list[dict], list[dict]]:
    by_id = {row["id"]: row for row in counts}
    events, participants, seen = [], [], set()
    for rec, loc in c.records("events"):
        values = c.read("events", rec, loc)
        eid = _unique_id(loc, seen, values["id"])
        count = None
        if values["fatalities_count"] is not None:
            count = by_id.get(values["fatalities_count"])
            if count is None or count["event"] != eid or count["property"] != "killed":
                raise loc.fail("fatalities_count", f"{values['fatalities_count']!r} is not a 'killed' "
                                                   f"count of this event")
        if (values["parent"] is None) != (values["parent_relation"] is None):
            raise loc.fail("parent_relation", "give parent and parent_relation together")
        if (values["place"] is None) != (values["place_precision"] is None):
            raise loc.fail("place_precision", "give place and place_precision together")
        _ref(loc, values["entity"], entity_ids, "entity")
        _ref(loc, values["place"], entity_ids, "place")
        _ref(loc, values["parent"], event_ids, "parent", "event")
        start, end, precision = _dates(loc, values["edtf"], "edtf")
        events.append(c.row("events", values, loc, "", date_start=start, date_end=end, date_precision=precision,
                            **fatalities_columns(count)))
        inferred = c.add_inferences(loc, "events", eid, rec, events[-1])
        c.add_evidence(loc, "events", eid, rec["evidence"], events[-1], inferred=inferred)
        seen_roles: set[str] = set()
        for n, p in enumerate(_list(rec, "participants", loc)):
            where = f"participants[{n}]."
            p_values = c.read("event_participants", p, loc, where)
            pid = f"{eid}/{p_values['role']}/{p_values['entity']}"
            _unique_id(loc, seen_roles, pid)
            _ref(loc, p_values["entity"], entity_ids, where + "entity")
            participants.append(c.row("event_participants", p_values, loc, where, id=pid, event=eid))
            c.add_evidence(loc, "event_participants", pid, p["evidence"], participants[-1], where + "evidence")
    return events, participants


def _relations(c: _Curator, entity_ids: set[str]) -> list[dict]:
    rows, seen = [], set()
    for rec, loc in c.records("relations"):
        values = c.read("relations", rec, loc)
        if (values["object"] is None) == (values["literal"] is None):
            raise loc.fail("object", "give either an object entity or a literal")
        target = values["object"] or _slug(values["literal"])
        rid = _unique_id(loc, seen, values["id"] or f"{values['subject']}/{values['predicate']}/{target}")
        loc = Loc(loc.path, repr(rid))
        _ref(loc, values["subject"], entity_ids, "subject")
        _ref(loc, values["object"], entity_ids, "object")
        start, end, _ = _dates(loc, values["valid_edtf"], "valid_edtf")
        rows.append(c.row("relations", values, loc, "", id=rid, valid_start=start, valid_end=end))
        inferred = c.add_inferences(loc, "relations", rid, rec, rows[-1])
        c.add_evidence(loc, "relations", rid, rec["evidence"], rows[-1], inferred=inferred)
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _event_links(c: _Curator, event_ids: set[str], relation_ids: set[str]) -> list[dict]:
    """The `links` of each event, read once the relations they may point at exist."""
    rows = []
    for rec, loc in c.records("events"):
        seen: set[str] = set()
        for n, link in enumerate(_list(rec, "links", loc)):
            where = f"links[{n}]."
            values = c.read("event_links", link, loc, where)
            targets = [values[k] for k in ("to_event", "to_relation", "literal") if values[k] is not None]
            if len(targets) != 1:
                raise loc.fail(where + "to_event", "give exactly one of to_event, to_relation and literal")
            _ref(loc, values["to_event"], event_ids, where + "to_event", "event")
            _ref(loc, values["to_relation"], relation_ids, where + "to_relation", "relation")
            lag = parse_duration(values["lag_text"]) if values["lag_text"] is not None else None
            if values["lag_text"] is not None and values["link"] != "after":
                raise loc.fail(where + "lag_text", "only an `after` link has a lag")
            target = values["literal"] and _slug(values["literal"]) or targets[0]
            lid = _unique_id(loc, seen, f"{rec['id']}/{values['link']}/{target}")
            rows.append(c.row("event_links", values, loc, where, id=lid, event=rec["id"], lag=lag))
            c.add_evidence(loc, "event_links", lid, link["evidence"], rows[-1], where + "evidence")
    return rows


def _claims(c: _Curator, entity_ids: set[str], event_ids: set[str]) -> tuple[list[dict], list[dict]]:
    claims, assessments, seen = [], [], set()
    for rec, loc in c.records("claims"):
        values = c.read("claims", rec, loc)
        cid = _unique_id(loc, seen, values["id"])
        _ref(loc, values["event"], event_ids, "event", "event")
        _ref(loc, values["claimant"], entity_ids, "claimant")
        _ref(loc, values["made_at"], event_ids, "made_at", "event")
        claims.append(c.row("claims", values, loc, ""))
        c.add_evidence(loc, "claims", cid, rec["evidence"], claims[-1])
        for n, a in enumerate(_list(rec, "assessments", loc)):
            where = f"assessments[{n}]."
            a_values = c.read("claim_assessments", a, loc, where)
            if a_values["source"] not in c.curation.texts:
                raise loc.fail(where + "source", f"unknown source {a_values['source']!r}")
            aid = f"{cid}/{a_values['source']}"
            assessments.append(c.row("claim_assessments", a_values, loc, where, id=aid, claim=cid))
            c.add_evidence(loc, "claim_assessments", aid, a["evidence"], assessments[-1], where + "evidence")
    return claims, assessments


def _disagreements(c: _Curator, tables: dict[str, list[dict]], entity_ids: set[str],
                   event_ids: set[str]) -> list[dict]:
    rows, seen = [], set()
    for rec, loc in c.records("disagreements"):
        values = c.read("disagreements", rec, loc)
        _unique_id(loc, seen, values["id"])
        ids = {r["id"] for r in tables.get(values["table"], [])}
        for key in ("record_a", "record_b"):
            _ref(loc, values[key], ids, key, f"{values['table']} record")
        _ref(loc, values["event"], event_ids, "event", "event")
        _ref(loc, values["entity"], entity_ids, "entity")
        rows.append(c.row("disagreements", values, loc, ""))
    return rows


def _inferences(c: _Curator, events: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The inference rows, each re-applied: the value must be what its rule gives."""
    rows = []
    for loc, at, row, value in c.inferences:
        other = events.get(row["from_record"])
        if other is None:
            raise loc.fail(at + ".from", f"unknown event {row['from_record']!r}")
        target = INFERENCE_FIELDS[row["rule"]][1]
        if target not in (None, row["field"]):
            raise loc.fail(at + ".field", f"rule {row['rule']} fills {target}, not {row['field']}")
        allowed = inferred_values(row["rule"], other)
        if value not in allowed:
            raise loc.fail(at, f"{row['field']} is {value!r}, but rule {row['rule']} from "
                               f"{row['from_record']!r} gives {' or '.join(map(repr, sorted(allowed))) or 'nothing'}")
        rows.append(row)
    return rows

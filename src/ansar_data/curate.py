"""Curated knowledge from curation/*.yaml -> entities, entity_names, events,
event_participants, relations, counts, claims, claim_assessments, disagreements
and evidence.

Every curated record carries `evidence`: a list of items, either
``{SOURCE_ID: "verbatim quote"}`` or ``{source: SOURCE_ID, quote: "...", context: "..."}``.
The build finds each quote in its source; a quote found more than once needs a
`context`, a longer verbatim passage that occurs once and contains the quote once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .values import edtf_bounds, edtf_precision, parse_count
from .yamlfile import read_yaml

# file -> (record keys required, record keys allowed besides them)
FILES: dict[str, tuple[set[str], set[str]]] = {
    "entities": ({"id", "type", "description", "names"}, {"evidence"}),
    "events": ({"id", "title", "type", "description", "evidence"},
               {"edtf", "entity", "place", "place_precision", "parent", "parent_relation", "fatalities",
                "participants"}),
    "relations": ({"subject", "predicate", "evidence"}, {"id", "object", "literal", "valid"}),
    "counts": ({"id", "property", "of_whom", "text", "source", "evidence"},
               {"event", "entity", "attributed_to"}),
    "claims": ({"id", "claimant", "type", "statement", "evidence", "assessments"}, {"event"}),
    "disagreements": ({"id", "aspect", "table", "record_a", "record_b", "description"}, {"topic"}),
}
NAME_KEYS = ({"name", "language", "script", "kind", "evidence"}, set())
PARTICIPANT_KEYS = ({"entity", "role", "evidence"}, set())
ASSESSMENT_KEYS = ({"source", "stance", "description", "evidence"}, set())
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Curation:
    """Raw records per curation file, and the folder they came from."""
    folder: Path
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def load_curation(folder: Path, texts: dict[str, str]) -> Curation:
    records = {}
    for name in FILES:
        path = folder / f"{name}.yaml"
        data = read_yaml(path) if path.is_file() else []
        if not isinstance(data, list):
            raise InputError(str(path), "top level", None, "expected a list of records")
        records[name] = data
    return Curation(folder, records, texts)


class _Context:
    """Collects rows and evidence while naming the file and record of any error."""

    def __init__(self, curation: Curation, vocab: dict[str, set[str]]) -> None:
        self.curation = curation
        self.vocab = vocab
        self.evidence: list[dict[str, Any]] = []
        self.path = ""
        self.record = ""

    def fail(self, fld: str | None, message: str) -> InputError:
        return InputError(self.path, f"record {self.record}", fld, message)

    def check_keys(self, rec: Any, keys: tuple[set[str], set[str]], where: str = "") -> None:
        if not isinstance(rec, dict):
            raise self.fail(where or None, "expected a mapping")
        required, optional = keys
        for key in sorted(required - set(rec)):
            raise self.fail(where + key, "missing")
        for key in sorted(set(rec) - required - optional):
            raise self.fail(where + key, "unknown key")

    def term(self, rec: dict, key: str, vocabulary: str, where: str = "") -> Any:
        value = rec.get(key)
        if value is not None and value not in self.vocab[vocabulary]:
            raise self.fail(where + key, f"{value!r} is not a term of the {vocabulary!r} vocabulary")
        return value

    def add_evidence(self, table: str, record_id: str, items: Any, where: str = "evidence",
                     must_quote: str | None = None) -> None:
        if not isinstance(items, list) or not items:
            raise self.fail(where, "needs at least one evidence item")
        spans = []
        for n, item in enumerate(items):
            source, quote, context = self._evidence_item(item, f"{where}[{n}]")
            start = self.locate(source, quote, context, f"{where}[{n}]")
            spans.append((source, start, start + len(quote), quote))
        if must_quote is not None and must_quote not in [s[3] for s in spans]:
            raise self.fail(where, f"no evidence quote is exactly the name {must_quote!r}")
        for ordinal, (source, start, end, quote) in enumerate(spans, start=1):
            self.evidence.append({"table": table, "record_id": record_id, "ordinal": ordinal,
                                  "source": source, "char_start": start, "char_end": end,
                                  "quote": quote})

    def _evidence_item(self, item: Any, where: str) -> tuple[str, str, str | None]:
        if isinstance(item, dict) and len(item) == 1 and "source" not in item:
            ((source, quote),) = item.items()
            context = None
        elif isinstance(item, dict) and {"source", "quote"} <= set(item) <= {"source", "quote", "context"}:
            source, quote, context = item["source"], item["quote"], item.get("context")
        else:
            raise self.fail(where, "expected {SOURCE: quote} or {source, quote, context}")
        if source not in self.curation.texts:
            raise self.fail(where, f"unknown source {source!r}")
        if not isinstance(quote, str) or not quote:
            raise self.fail(where, "the quote must be a non-empty string")
        return source, quote, context

    def locate(self, source: str, quote: str, context: str | None, where: str) -> int:
        text = self.curation.texts[source]
        base = 0
        if context is not None:
            base = self._find_once(text, context, source, where + ".context", "context")
            if self._count(context, quote) != 1:
                raise self.fail(where + ".quote", f"the quote {quote!r} occurs "
                                f"{self._count(context, quote)} times in its context, not once")
            return base + context.index(quote)
        return self._find_once(text, quote, source, where + ".quote", "quote")

    @staticmethod
    def _count(text: str, needle: str) -> int:
        return sum(1 for _ in re.finditer(f"(?={re.escape(needle)})", text))

    def _find_once(self, text: str, needle: str, source: str, where: str, what: str) -> int:
        count = self._count(text, needle)
        if count == 0:
            raise self.fail(where, f"{what} not found in {source}: {needle!r}")
        if count > 1:
            raise self.fail(where, f"{what} occurs {count} times in {source}; add a `context` "
                                   f"that occurs once: {needle!r}")
        return text.index(needle)


def _dates(ctx: _Context, value: Any, fld: str) -> dict[str, Any]:
    if value is None:
        return {"edtf": None, "date_start": None, "date_end": None, "date_precision": None}
    try:
        start, end = edtf_bounds(str(value))
    except ValueError as exc:
        raise ctx.fail(fld, str(exc)) from exc
    return {"edtf": str(value), "date_start": start, "date_end": end,
            "date_precision": edtf_precision(str(value))}


def curated_tables(curation: Curation, extracted: dict[str, list[dict[str, Any]]],
                   vocab: dict[str, set[str]]) -> dict[str, list[dict[str, Any]]]:
    """Rows of the curated tables, plus infobox_values and see_also linked to entities."""
    ctx = _Context(curation, vocab)
    out: dict[str, list[dict[str, Any]]] = {}
    out["entities"], out["entity_names"] = _entities(ctx)
    entity_ids = {e["id"] for e in out["entities"]}
    out["counts"] = _counts(ctx, entity_ids)
    out["events"], out["event_participants"] = _events(ctx, entity_ids, out["counts"])
    event_ids = {e["id"] for e in out["events"]}
    out["relations"] = _relations(ctx, entity_ids)
    out["claims"], out["claim_assessments"] = _claims(ctx, entity_ids, event_ids)
    out["disagreements"] = _disagreements(ctx, out, entity_ids, event_ids)
    for row in out["counts"]:  # counts come before events, so their event ids are checked here
        if row["event"] is not None and row["event"] not in event_ids:
            ctx.path, ctx.record = str(curation.folder / "counts.yaml"), repr(row["id"])
            raise ctx.fail("event", f"unknown event {row['event']!r}")
    out["evidence"] = ctx.evidence
    names = _english_names(out["entity_names"])
    out["infobox_values"] = [{**r, "entity": names.get(r["value"]) if r["datatype"] == "text" else None}
                             for r in extracted["infobox_values"]]
    out["see_also"] = [{**r, "entity": names.get(r["title"])} for r in extracted["see_also"]]
    return out


def _english_names(rows: list[dict[str, Any]]) -> dict[str, str]:
    """English name -> entity, for names that belong to exactly one entity."""
    owners: dict[str, set[str]] = {}
    for row in rows:
        if row["language"] == "en":
            owners.setdefault(row["name"], set()).add(row["entity"])
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}


def _records(ctx: _Context, name: str):
    ctx.path = str(ctx.curation.folder / f"{name}.yaml")
    seen: set[str] = set()
    for number, rec in enumerate(ctx.curation.records[name], start=1):
        ctx.record = repr(rec["id"]) if isinstance(rec, dict) and "id" in rec else f"#{number}"
        ctx.check_keys(rec, FILES[name])
        yield rec, seen


def _unique_id(ctx: _Context, seen: set[str], record_id: str, slug: bool = True) -> str:
    if slug and not SLUG_RE.match(record_id):
        raise ctx.fail("id", f"{record_id!r} is not a lower-case slug like 'pasht-ashan'")
    if record_id in seen:
        raise ctx.fail("id", f"{record_id!r} is used twice")
    seen.add(record_id)
    return record_id


def _ref(ctx: _Context, value: Any, known: set[str], fld: str, what: str = "entity") -> Any:
    if value is not None and value not in known:
        raise ctx.fail(fld, f"unknown {what} {value!r}")
    return value


def _entities(ctx: _Context) -> tuple[list[dict], list[dict]]:
    entities, names = [], []
    for rec, seen in _records(ctx, "entities"):
        eid = _unique_id(ctx, seen, rec["id"])
        canonical = []
        for n, name in enumerate(rec["names"] or [], start=1):
            where = f"names[{n - 1}]."
            ctx.check_keys(name, NAME_KEYS, where)
            ctx.term(name, "kind", "name_kind", where)
            ctx.term(name, "script", "script", where)
            if name["kind"] == "canonical":
                canonical.append(name["name"])
            row_id = f"{eid}/{n}"
            names.append({"id": row_id, "entity": eid, "name": name["name"],
                          "language": name["language"], "script": name["script"],
                          "kind": name["kind"]})
            ctx.add_evidence("entity_names", row_id, name["evidence"], where + "evidence",
                             must_quote=name["name"])
        if len(canonical) != 1:
            raise ctx.fail("names", f"needs exactly one name of kind 'canonical', has {len(canonical)}")
        entities.append({"id": eid, "type": ctx.term(rec, "type", "entity_type"),
                         "name": canonical[0], "description": rec["description"]})
        # An entity is attested by the quotes of its canonical name, and by any of its own.
        name_evidence = next(n["evidence"] for n in rec["names"] if n["kind"] == "canonical")
        ctx.add_evidence("entities", eid, [*name_evidence, *(rec.get("evidence") or [])])
    return entities, names


COUNT_COLUMNS = ("number", "number_min", "number_min_exclusive", "number_max",
                 "number_max_exclusive", "number_certainty")


def _counts(ctx: _Context, entity_ids: set[str]) -> list[dict]:
    rows = []
    for rec, seen in _records(ctx, "counts"):
        cid = _unique_id(ctx, seen, rec["id"])
        count = parse_count(str(rec["text"]))
        if count is None:
            raise ctx.fail("text", f"{rec['text']!r} does not read as a count")
        if rec["source"] not in ctx.curation.texts:
            raise ctx.fail("source", f"unknown source {rec['source']!r}")
        if (rec.get("event") is None) == (rec.get("entity") is None):
            raise ctx.fail("event", "give either an event or an entity")
        rows.append({"id": cid, "event": rec.get("event"),
                     "entity": _ref(ctx, rec.get("entity"), entity_ids, "entity"),
                     "property": ctx.term(rec, "property", "count_property"),
                     "of_whom": rec["of_whom"], "text": str(rec["text"]),
                     "number": count.number, "number_min": count.number_min,
                     "number_min_exclusive": count.number_min_exclusive,
                     "number_max": count.number_max, "number_max_exclusive": count.number_max_exclusive,
                     "number_certainty": count.certainty, "source": rec["source"],
                     "attributed_to": _ref(ctx, rec.get("attributed_to"), entity_ids, "attributed_to")})
        ctx.add_evidence("counts", cid, rec["evidence"])
        if not any(e["quote"].find(str(rec["text"])) >= 0 and e["source"] == rec["source"]
                   for e in ctx.evidence if e["table"] == "counts" and e["record_id"] == cid):
            raise ctx.fail("evidence", f"no quote from {rec['source']} contains the count {rec['text']!r}")
    return rows


def fatalities_columns(count: dict[str, Any] | None) -> dict[str, Any]:
    """An event's fatality columns, from the count it names (UCDP-style low/best/high)."""
    if count is None:
        return {"fatalities_low": None, "fatalities_low_exclusive": None, "fatalities_best": None,
                "fatalities_high": None, "fatalities_certainty": None, "fatalities_text": None,
                "fatalities_count": None}
    exact = count["number"] if count["number_certainty"] == "exact" else None
    return {"fatalities_low": count["number_min"] if count["number_min"] is not None else exact,
            "fatalities_low_exclusive": count["number_min_exclusive"] if count["number_min"] is not None
            else (False if exact is not None else None),
            "fatalities_best": count["number"],
            "fatalities_high": count["number_max"] if count["number_max"] is not None else exact,
            "fatalities_certainty": count["number_certainty"],
            "fatalities_text": count["text"], "fatalities_count": count["id"]}


def _events(ctx: _Context, entity_ids: set[str], counts: list[dict]) -> tuple[list[dict], list[dict]]:
    by_id = {c["id"]: c for c in counts}
    events, participants = [], []
    event_ids = {r.get("id") for r in ctx.curation.records["events"] if isinstance(r, dict)}
    for rec, seen in _records(ctx, "events"):
        eid = _unique_id(ctx, seen, rec["id"])
        count = None
        if rec.get("fatalities") is not None:
            count = by_id.get(rec["fatalities"])
            if count is None or count["event"] != eid or count["property"] != "killed":
                raise ctx.fail("fatalities", f"{rec['fatalities']!r} is not a 'killed' count of this event")
        if (rec.get("parent") is None) != (rec.get("parent_relation") is None):
            raise ctx.fail("parent_relation", "give parent and parent_relation together")
        if (rec.get("place") is None) != (rec.get("place_precision") is None):
            raise ctx.fail("place_precision", "give place and place_precision together")
        events.append({"id": eid, "title": rec["title"], "type": ctx.term(rec, "type", "event_type"),
                       **_dates(ctx, rec.get("edtf"), "edtf"),
                       "entity": _ref(ctx, rec.get("entity"), entity_ids, "entity"),
                       "place": _ref(ctx, rec.get("place"), entity_ids, "place"),
                       "place_precision": ctx.term(rec, "place_precision", "place_precision"),
                       **fatalities_columns(count),
                       "parent": _ref(ctx, rec.get("parent"), event_ids, "parent", "event"),
                       "parent_relation": ctx.term(rec, "parent_relation", "parent_relation"),
                       "description": rec["description"]})
        ctx.add_evidence("events", eid, rec["evidence"])
        seen_roles: set[str] = set()
        for n, p in enumerate(rec.get("participants") or []):
            where = f"participants[{n}]."
            ctx.check_keys(p, PARTICIPANT_KEYS, where)
            pid = f"{eid}/{p['role']}/{p['entity']}"
            _unique_id(ctx, seen_roles, pid, slug=False)
            participants.append({"id": pid, "event": eid,
                                 "entity": _ref(ctx, p["entity"], entity_ids, where + "entity"),
                                 "role": ctx.term(p, "role", "participant_role", where)})
            ctx.add_evidence("event_participants", pid, p["evidence"], where + "evidence")
    return events, participants


def _relations(ctx: _Context, entity_ids: set[str]) -> list[dict]:
    rows = []
    for rec, seen in _records(ctx, "relations"):
        if (rec.get("object") is None) == (rec.get("literal") is None):
            raise ctx.fail("object", "give either an object entity or a literal")
        target = rec.get("object") or re.sub(r"[^a-z0-9]+", "-", str(rec["literal"]).lower()).strip("-")
        rid = _unique_id(ctx, seen, rec.get("id") or f"{rec['subject']}/{rec['predicate']}/{target}",
                         slug=False)
        ctx.record = repr(rid)
        valid = _dates(ctx, rec.get("valid"), "valid")
        rows.append({"id": rid, "subject": _ref(ctx, rec["subject"], entity_ids, "subject"),
                     "predicate": ctx.term(rec, "predicate", "predicate"),
                     "object": _ref(ctx, rec.get("object"), entity_ids, "object"),
                     "literal": rec.get("literal"), "valid_edtf": valid["edtf"],
                     "valid_start": valid["date_start"], "valid_end": valid["date_end"]})
        ctx.add_evidence("relations", rid, rec["evidence"])
    return rows


def _claims(ctx: _Context, entity_ids: set[str], event_ids: set[str]) -> tuple[list[dict], list[dict]]:
    claims, assessments = [], []
    for rec, seen in _records(ctx, "claims"):
        cid = _unique_id(ctx, seen, rec["id"])
        claims.append({"id": cid, "event": _ref(ctx, rec.get("event"), event_ids, "event", "event"),
                       "claimant": _ref(ctx, rec["claimant"], entity_ids, "claimant"),
                       "type": ctx.term(rec, "type", "claim_type"), "statement": rec["statement"]})
        ctx.add_evidence("claims", cid, rec["evidence"])
        for n, a in enumerate(rec["assessments"] or []):
            where = f"assessments[{n}]."
            ctx.check_keys(a, ASSESSMENT_KEYS, where)
            if a["source"] not in ctx.curation.texts:
                raise ctx.fail(where + "source", f"unknown source {a['source']!r}")
            aid = f"{cid}/{a['source']}"
            assessments.append({"id": aid, "claim": cid, "source": a["source"],
                                "stance": ctx.term(a, "stance", "stance", where),
                                "description": a["description"]})
            ctx.add_evidence("claim_assessments", aid, a["evidence"], where + "evidence")
    return claims, assessments


def _disagreements(ctx: _Context, tables: dict[str, list[dict]], entity_ids: set[str],
                   event_ids: set[str]) -> list[dict]:
    rows = []
    for rec, seen in _records(ctx, "disagreements"):
        did = _unique_id(ctx, seen, rec["id"])
        if rec["table"] not in tables or rec["table"] == "disagreements":
            raise ctx.fail("table", f"{rec['table']!r} is not a curated table")
        ids = {r["id"] for r in tables[rec["table"]]}
        for key in ("record_a", "record_b"):
            _ref(ctx, rec[key], ids, key, f"{rec['table']} record")
        rows.append({"id": did, "aspect": ctx.term(rec, "aspect", "disagreement_aspect"),
                     "event": rec["topic"] if rec.get("topic") in event_ids else None,
                     "entity": _ref(ctx, rec.get("topic"), entity_ids | event_ids, "topic",
                                    "entity or event") if rec.get("topic") not in event_ids else None,
                     "table": rec["table"], "record_a": rec["record_a"], "record_b": rec["record_b"],
                     "description": rec["description"]})
    return rows

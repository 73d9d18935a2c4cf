"""Time bounds that follow from what else the sources say: a simple temporal network
(Dechter, Meiri and Pearl's temporal constraint networks, bounds only). Its points are
the start and end of every event, the begin and end of every relation's state, and the
start and end of an entity's life; each has an earliest and a latest day. A record's
own time (its EDTF, read with its time mode) sets the first bounds, and the rules of the
inference_rule vocabulary that carry `constraints` in metadata/tables.yaml add "X no
later than Y (+ lag)" between points, which tighten the bounds until nothing changes.

Every bound remembers where it came from: the rule of its last step, the record whose
own time it is, and the records it passed through, so that each derived column value is
an inferences row a reader can follow. Bounds that cross (earliest after latest) are a
contradiction in the stated order, reported with both chains.

Pure: the build fills the columns from `derive`, validate.py compares them with it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ansar_data.core.schema import Spec
from ansar_data.core.values import edtf_bounds, time_bounds

Rows = list[dict[str, Any]]
Record = tuple[str, str]  # (table, id)
Point = tuple[str, str, str]  # (table, id, "start" | "end"); a relation's begin is its "start"

# The fewest days a unit of a stated lag can mean, so a bound is never tighter than the text.
LAG_DAYS = {"D": 1, "W": 7, "M": 28, "Y": 365}
LIFE = "entities"  # an entity's points stand for its life


@dataclass(frozen=True)
class Bound:
    """One side of a point: the day, the rule of the step that set it (None: the
    record's own time), the record whose own time it is, and the records between."""
    day: int
    rule: str | None
    origin: Record
    via: tuple[Record, ...] = ()


@dataclass(frozen=True)
class Edge:
    """before + lag <= after; `narrows` says which ends the step may tighten."""
    before: Point
    after: Point
    lag: int
    rule: str | None
    narrows: str = "both"  # "both", "before" or "after"


@dataclass
class Timeline:
    """The bounds of every point, and the crossings found."""
    lo: dict[Point, Bound]
    hi: dict[Point, Bound]
    crossings: list[tuple[str, str, str]]  # (table, id, what crosses)

    def bound(self, point: Point, side: str) -> Bound | None:
        return (self.lo if side == "lo" else self.hi).get(point)


def day(iso: str | None) -> int | None:
    return None if iso is None else dt.date.fromisoformat(iso).toordinal()


def iso(ordinal: int | None) -> str | None:
    return None if ordinal is None else dt.date.fromordinal(ordinal).isoformat()


def lag_days(duration: str | None) -> int:
    """An ISO 8601 lag ("P2W") as the fewest days it can mean; 0 when none is given."""
    match = re.fullmatch(r"P(\d+)([DWMY])", duration or "")
    return int(match[1]) * LAG_DAYS[match[2]] if match else 0


def event_bounds(edtf: str | None) -> tuple[tuple[str | None, str | None], tuple[str | None, str | None]]:
    """An event's own (earliest, latest) start and end from its EDTF: a single date holds
    both ends; "A/B" starts in A and ends in B; ".." leaves its side open."""
    if edtf is None:
        return (None, None), (None, None)
    first, slash, last = edtf.partition("/")
    if not slash:
        whole = edtf_bounds(edtf)
        return whole, whole
    start = (None, None) if first in ("", "..") else edtf_bounds(first)
    end = (None, None) if last in ("", "..") else edtf_bounds(last)
    return start, end


def network_rules(spec: Spec) -> dict[str, dict[str, Any]]:
    """The inference rules that are constraints of the network, as tables.yaml declares them."""
    vocabulary = spec.vocabularies.get("inference_rule")
    return {k: a for k, a in (vocabulary.attributes if vocabulary else {}).items() if "constraints" in a}


def _own(timeline: Timeline, point: Point, lo: str | None, hi: str | None) -> None:
    record = point[:2]
    if lo is not None:
        timeline.lo[point] = Bound(day(lo), None, record)
    if hi is not None:
        timeline.hi[point] = Bound(day(hi), None, record)


def _edges(spec: Spec, tables: Mapping[str, Rows]) -> Iterator[Edge]:
    """Every constraint the rules declare, over the rows they name."""
    rules = network_rules(spec)
    events = {e.get("id") for e in tables.get("events", [])}
    relations = {r.get("id"): r for r in tables.get("relations", [])}
    for table, rows in (("events", tables.get("events", [])), ("relations", relations.values())):
        for row in rows:  # a record starts no later than it ends
            yield Edge((table, row.get("id"), "start"), (table, row.get("id"), "end"), 0, None)
    for rule, attrs in sorted(rules.items()):
        narrows = attrs.get("narrows")  # the one role whose points the rule may tighten, else both
        for link in tables.get("event_links", []) if "links" in attrs else ():
            if link.get("link") not in attrs["links"]:
                continue
            if link.get("to_event") in events:
                target = ("events", link["to_event"])
                constraints = attrs["constraints"]
            elif link.get("to_relation") in relations:
                target = ("relations", link["to_relation"])
                constraints = attrs.get("state_constraints", attrs["constraints"])
            else:
                continue
            names = {"event": ("events", link.get("event")), "target": target}
            for before, after, *lag in constraints:
                yield _edge(names, before, after, lag_days(link.get("lag_duration")) if lag else 0, rule, narrows)
        for event in tables.get("events", []) if "parents" in attrs else ():
            if event.get("parent_relation") in attrs["parents"] and event.get("parent") in events:
                names = {"event": ("events", event.get("id")), "parent": ("events", event["parent"])}
                for before, after in attrs["constraints"]:
                    yield _edge(names, before, after, 0, rule, narrows)
        if "lives" in attrs:
            yield from _life_edges(attrs, rule, tables, relations)


def _life_edges(attrs: dict[str, Any], rule: str, tables: Mapping[str, Rows],
                relations: Mapping[Any, dict[str, Any]]) -> Iterator[Edge]:
    """An entity's life: the span of its declared `lives` relation (e.g. "status: active",
    held throughout), begun no earlier than the event that `created` it; a relation of
    the entity begins and ends within it, and one held "from then on" holds as long as
    the entity lived."""
    lives = attrs["lives"]
    alive: dict[Any, Any] = {}  # entity -> the relation that gives its life, if one does
    for rel in relations.values():
        if all(rel.get(k) == v for k, v in lives.items()):
            alive[rel.get("subject")] = rel.get("id")
            for side in ("start", "end"):  # the life is that span
                yield Edge(("relations", rel.get("id"), side), (LIFE, rel.get("subject"), side), 0, rule)
                yield Edge((LIFE, rel.get("subject"), side), ("relations", rel.get("id"), side), 0, rule)
    for part in tables.get("event_participants", []):
        if part.get("role") == attrs.get("created_role"):  # a life that begins with its founding
            alive.setdefault(part.get("entity"), None)
            yield Edge(("events", part.get("event"), "start"), (LIFE, part.get("entity"), "start"), 0, rule,
                       narrows="after")
    skip_object = set(attrs.get("except_object_of", []))
    for rel in relations.values():
        if rel.get("id") in alive.values():
            continue
        holders = [rel.get("subject")] + ([] if rel.get("predicate") in skip_object else [rel.get("object")])
        for entity in (e for e in holders if e in alive):
            rid = rel.get("id")
            yield Edge((LIFE, entity, "start"), ("relations", rid, "start"), 0, rule, narrows="after")
            yield Edge(("relations", rid, "end"), (LIFE, entity, "end"), 0, rule, narrows="before")
            if rel.get(attrs["held_on"]["field"]) == attrs["held_on"]["value"]:
                # held from then on, for as long as the entity lived
                yield Edge((LIFE, entity, "end"), ("relations", rid, "end"), 0, rule, narrows="after")


def _edge(names: dict[str, tuple[str, str]], before: str, after: str, lag: int, rule: str,
          narrows: str | None) -> Edge:
    def point(ref: str) -> Point:
        who, _, side = ref.partition(".")
        return (*names[who], side)
    side = ("before" if before.startswith(f"{narrows}.") else "after" if after.startswith(f"{narrows}.")
            else "none") if narrows else "both"
    return Edge(point(before), point(after), lag, rule, side)


def derive(spec: Spec, tables: Mapping[str, Rows]) -> Timeline:
    """Every point's bounds: the records' own times, tightened by every constraint until
    nothing changes (at most as many rounds as there are edges, then a cycle is reported)."""
    timeline = Timeline({}, {}, [])
    for event in tables.get("events", []):
        try:
            start, end = event_bounds(event.get("edtf"))
        except ValueError:
            continue  # an invalid EDTF: reported where it is read
        _own(timeline, ("events", event.get("id"), "start"), *start)
        _own(timeline, ("events", event.get("id"), "end"), *end)
    for span in spec.table("relations").time_spans if "relations" in tables else ():
        for rel in tables["relations"]:
            try:
                own = time_bounds(rel.get(span["edtf"]), rel.get(span["mode"]))
            except ValueError:
                continue
            _own(timeline, ("relations", rel.get("id"), "start"), own["begin_earliest"], own["begin_latest"])
            _own(timeline, ("relations", rel.get("id"), "end"), own["end_earliest"], own["end_latest"])
    edges = list(_edges(spec, tables))
    for _ in range(len(edges) + 1):
        if not any([_step(timeline, edge) for edge in edges]):
            break
    else:
        timeline.crossings.append(("events", "", "the stated order has a cycle that keeps moving its bounds"))
    for point in sorted(set(timeline.lo) & set(timeline.hi)):
        lo, hi = timeline.lo[point], timeline.hi[point]
        if lo.day > hi.day:
            timeline.crossings.append((point[0], point[1],
                f"{point[0]} {point[1]!r} must {'begin' if point[2] == 'start' else 'end'} on or after {iso(lo.day)} "
                f"({chain(lo)}) but on or before {iso(hi.day)} ({chain(hi)})"))
    return timeline


def _step(timeline: Timeline, edge: Edge) -> bool:
    """Tighten both ends of one edge; True when a bound moved."""
    moved = False
    if edge.narrows in ("both", "after") and (lo := timeline.lo.get(edge.before)) is not None:
        moved |= _tighten(timeline.lo, edge.after, lo, lo.day + edge.lag, edge, edge.before, max)
    if edge.narrows in ("both", "before") and (hi := timeline.hi.get(edge.after)) is not None:
        moved |= _tighten(timeline.hi, edge.before, hi, hi.day - edge.lag, edge, edge.after, min)
    return moved


def _tighten(side: dict[Point, Bound], point: Point, source: Bound, candidate: int, edge: Edge,
             through: Point, better: Any) -> bool:
    old = side.get(point)
    if old is not None and better(old.day, candidate) == old.day:
        return False
    record, passed = point[:2], through[:2]
    via = source.via
    if passed not in (record, source.origin) and passed[0] != LIFE and passed not in via:
        via = (*via, passed)
    side[point] = Bound(candidate, edge.rule or source.rule, source.origin, via)
    return True


def chain(bound: Bound) -> str:
    """Where a bound came from, for a message: its rule, origin and the records between."""
    path = " -> ".join(r[1] for r in (bound.origin, *bound.via))
    return f"{bound.rule or 'its own date'}: {path}"


# The columns a derived bound fills: (table, point side, lo/hi) -> column.
def columns(spec: Spec) -> dict[str, dict[tuple[str, str], str]]:
    """For each table, which column holds which bound, as tables.yaml declares them: a
    relation's four time-span bounds (time_spans) and an event's earliest and latest day
    (dates: earliest, latest)."""
    out: dict[str, dict[tuple[str, str], str]] = {}
    for span in spec.table("relations").time_spans:
        out["relations"] = {("start", "lo"): span["begin_earliest"], ("start", "hi"): span["begin_latest"],
                            ("end", "lo"): span["end_earliest"], ("end", "hi"): span["end_latest"]}
    for cols in spec.table("events").dates:
        if "earliest" in cols:
            out["events"] = {("start", "lo"): cols["earliest"], ("end", "hi"): cols["latest"]}
    return out


def derived_values(spec: Spec, tables: Mapping[str, Rows], timeline: Timeline
                   ) -> tuple[dict[Record, dict[str, Any]], Rows]:
    """Each record's bound columns as the network gives them, and an inferences row for
    each value that its own time does not give (rule, origin, the records between)."""
    values: dict[Record, dict[str, Any]] = {}
    rows: Rows = []
    span = spec.table("relations").time_spans[0] if spec.table("relations").time_spans else None
    referred = {(r.get("record_id"), r.get("field")) for r in tables.get("inferences", [])
                if r.get("record_table") == "relations" and r.get("rule") not in network_rules(spec)}
    for table, cols in columns(spec).items():
        for rec in tables.get(table, []):
            rid = rec.get("id")
            out = values.setdefault((table, rid), {})
            for (side, which), column in cols.items():
                bound = timeline.bound((table, rid, side), which)
                out[column] = iso(bound.day) if bound else None
                if bound is not None and bound.rule is not None:
                    rows.append({"record_table": table, "record_id": rid, "field": column, "rule": bound.rule,
                                 "from_table": bound.origin[0], "from_record": bound.origin[1],
                                 "via": " ".join(r[1] for r in bound.via) or None})
            if table == "relations" and span is not None:
                bounded = any(out.values())
                out[span["end_open"]] = (None if rec.get(span["edtf"]) is None and not bounded
                                         else rec.get(span["mode"]) == "from" and out[span["end_latest"]] is None)
                out[span["basis"]] = ("referent" if (rid, span["edtf"]) in referred else
                                      "quote" if rec.get(span["edtf"]) is not None else
                                      "derived" if bounded else "none_given")
    return values, rows

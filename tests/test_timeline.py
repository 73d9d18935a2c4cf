"""All the sources say of time, order and cause (#38): bounds derived from a stated order,
an event that began or ended a state, an entity's life; each a row of inferences; a
contradiction a build error naming the chain; and the event's figures by a stated rule."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from ansar_data.core.errors import InputError
from ansar_data.core.rules import fatalities_columns
from ansar_data.core.timeline import derive, derived_values, lag_days
from ansar_data.curate.curate import curated_tables


def _by_id(rows):
    return {r["id"]: r for r in rows}


def _inference(tables, table, rid, field):
    found = [r for r in tables["inferences"] if (r["record_table"], r["record_id"], r["field"]) == (table, rid, field)]
    assert len(found) == 1, found
    return found[0]


def test_an_undated_event_placed_by_stated_order_has_bounds_and_a_chain(tables):
    events = _by_id(tables["events"])
    deal, shift = events["icp-puk-deal"], events["icp-shift-to-kdp"]
    assert (deal["edtf"], deal["date_end"]) == (None, None)  # the sources give no date
    # the shift came before al-Ansar entered Pasht Ashan in May 1983; the deal two weeks before it
    assert (shift["date_earliest"], shift["date_latest"]) == (None, "1983-05-31")
    assert (deal["date_earliest"], deal["date_latest"]) == (None, "1983-05-17")
    row = _inference(tables, "events", "icp-puk-deal", "date_latest")
    assert (row["rule"], row["from_table"], row["from_record"], row["via"]) == (
        "stated_order", "events", "entry-into-pasht-ashan", "icp-shift-to-kdp")
    # the first step is a reading, and says so
    (link,) = [r for r in tables["event_links"] if r["id"] == "entry-into-pasht-ashan/after/icp-shift-to-kdp"]
    assert link["reading"] == "judgement" and "In May 1983" in link["reading_note"]


def test_an_alliance_ended_by_a_stated_later_event_has_that_end(tables):
    rels = _by_id(tables["relations"])
    deal = rels["iraqi-communist-party/agreement_with/puk"]
    assert (deal["time_basis"], deal["valid_begin_latest"], deal["valid_end_latest"]) == (
        "derived", "1983-05-17", "1983-05-31")
    row = _inference(tables, "relations", deal["id"], "valid_end_latest")
    assert (row["rule"], row["from_record"], row["via"]) == ("ended_by", "entry-into-pasht-ashan", "icp-shift-to-kdp")
    kdp = rels["iraqi-communist-party/allied_with/kdp"]
    assert (kdp["valid_begin_latest"], kdp["valid_end_latest"], kdp["valid_end_open"]) == ("1983-05-31", None, False)
    # the alliance with the Ba'ath ended before the repression that followed it, of which the 1977 crackdown is part
    bath = rels["iraqi-communist-party/allied_with/iraqi-bath-party"]
    assert bath["valid_end_latest"] == "1977-12-31"
    row = _inference(tables, "relations", bath["id"], "valid_end_latest")
    assert (row["rule"], row["from_record"], row["via"]) == (
        "ended_by", "crackdown-1977", "repression-of-communists end-of-icp-bath-alliance")


def test_a_relation_of_al_ansar_lies_within_its_life(tables):
    rels = _by_id(tables["relations"])
    ally = rels["al-ansar/allied_with/kdp"]  # "Allies: KDP": no time of its own
    assert (ally["valid_edtf"], ally["time_basis"]) == (None, "derived")
    assert (ally["valid_begin_earliest"], ally["valid_end_latest"]) == ("1979-01-01", "1988-12-31")
    row = _inference(tables, "relations", ally["id"], "valid_end_latest")
    assert (row["rule"], row["from_table"], row["from_record"]) == (
        "within_life", "relations", "al-ansar/status/active")
    # "no longer an effective force" held from May 1983 for as long as al-Ansar lived
    ineffective = rels["al-ansar/status/not-effective"]
    assert (ineffective["valid_end_earliest"], ineffective["valid_end_latest"]) == ("1988-01-01", "1988-12-31")
    # the veterans' society outlives al-Ansar: not bounded by its life, but begun no earlier than its founding
    veterans = rels["iraqi-communist-partisans-society/veterans_of/al-ansar"]
    assert (veterans["valid_begin_earliest"], veterans["valid_end_latest"], veterans["time_basis"]) == (
        "2004-01-01", None, "quote")
    # the society's branches: no time of their own, but not before it was founded in 2004
    branches = rels["iraqi-communist-partisans-society/based_in/iraq"]
    assert (branches["valid_begin_earliest"], branches["valid_end_latest"], branches["time_basis"]) == (
        "2004-01-01", None, "derived")
    row = _inference(tables, "relations", branches["id"], "valid_begin_earliest")
    assert (row["rule"], row["from_table"], row["from_record"]) == ("within_life", "events", "society-founded")
    # the interval of its own sentence
    wing = rels["al-ansar/part_of/iraqi-communist-party"]
    assert (wing["valid_edtf"], wing["valid_mode"], wing["time_basis"]) == ("1979/1988", "during", "quote")


def test_a_whole_is_bounded_by_its_parts_never_the_reverse(tables):
    events = _by_id(tables["events"])
    units = events["ansar-units-established"]  # "By January 1979", part of the 1979-1988 struggle
    assert (units["parent"], units["date_earliest"], units["date_latest"]) == ("armed-struggle", None, "1979-01-31")


def _network(inputs, tables, events=(), links=()):
    """The real tables with some events and links added."""
    base = {k: copy.deepcopy(v) for k, v in tables.items()}
    for e in events:
        base["events"].append({**dict.fromkeys(base["events"][0]), **e})
    for link in links:
        base["event_links"].append({**dict.fromkeys(base["event_links"][0]), **link})
    return base


def test_a_contradictory_stated_order_is_named_with_both_chains(inputs, tables):
    t = _network(inputs, tables, links=[{"id": "icp-puk-deal/after/sixth-party-congress-1998", "event": "icp-puk-deal",
                                         "link": "after", "to_event": "sixth-party-congress-1998"}])
    crossings = derive(inputs.spec, t).crossings
    assert ("events", "icp-puk-deal",
            "events 'icp-puk-deal' must end on or after 1998-01-01 (stated_order: sixth-party-congress-1998) but on "
            "or before 1983-05-17 (stated_order: entry-into-pasht-ashan -> icp-shift-to-kdp)") in crossings


def test_the_build_refuses_a_contradictory_order_naming_the_record(inputs, tables):
    records = copy.deepcopy(inputs.curation.records)
    deal = next(r for r in records["events"] if r.get("id") == "icp-puk-deal")
    deal.setdefault("links", []).append({"link": "after", "to_event": "sixth-party-congress-1998", "evidence": [
        {"al-ansar-iraq": "The Communist Party made a deal with the Patriotic Union of Kurdistan (PUK)"}]})
    with pytest.raises(InputError) as info:
        curated_tables(inputs.spec, replace(inputs.curation, records=records), tables)
    # the first point that crosses, with the chain of each bound
    assert (info.value.where, info.value.message) == ("record 'entry-into-pasht-ashan'", (
        "events 'entry-into-pasht-ashan' must end on or after 1998-01-15 (stated_order: sixth-party-congress-1998 -> "
        "icp-puk-deal -> icp-shift-to-kdp) but on or before 1983-05-31 (its own date: entry-into-pasht-ashan)"))


def test_a_lag_is_the_fewest_days_it_can_mean():
    assert [lag_days(d) for d in ("P2W", "P3D", "P1M", "P2Y", None, "")] == [14, 3, 28, 730, 0, 0]


def test_the_derivation_is_what_the_package_holds(inputs, tables):
    values, rows = derived_values(inputs.spec, tables, derive(inputs.spec, tables))
    for (table, rid), cols in values.items():
        row = _by_id(tables[table])[rid]
        assert {c: row[c] for c in cols} == cols, rid
    held = [r for r in tables["inferences"] if r["rule"] not in ("referent_date", "parent_date", "parent_place")]
    assert sorted(held, key=repr) == sorted(rows, key=repr)


# ---- the event's figures, by the rule the codebook states ----

def _count(cid, certainty, number=None, low=None, exclusive=None, high=None, text=""):
    return {"id": cid, "event": "e", "property": "killed", "number": number, "number_min": low,
            "number_min_exclusive": exclusive, "number_max": high, "number_certainty": certainty, "text": text,
            "of_whom": "w", "attributed_to": None}


def test_the_massacre_s_best_figure_is_the_plain_150_of_the_prose(tables):
    (massacre,) = [e for e in tables["events"] if e["id"] == "pasht-ashan-massacre"]
    assert (massacre["fatalities_low"], massacre["fatalities_low_exclusive"], massacre["fatalities_best"],
            massacre["fatalities_high"], massacre["fatalities_certainty"], massacre["fatalities_count"]) == (
        150, False, 150, None, "exact", "massacre-killed-ansar-article")
    assert {d["id"] for d in tables["disagreements"] if d["event"] == "pasht-ashan-massacre"} >= {
        "massacre-death-toll"}


@pytest.mark.parametrize("counts, expected", [
    # a bound alone: no best; low from the bound, top open
    ([_count("a", "bound", low=150, exclusive=True, text="over 150")], (150, True, None, None, "a")),
    # a plain figure beside a bound: the plain one is best, the bound leaves the top open
    ([_count("a", "bound", low=150, exclusive=True), _count("b", "exact", number=150)], (150, False, 150, None, "b")),
    # an estimate before a doubtful figure; neither gives a low or a high
    ([_count("a", "uncertain", number=9), _count("b", "approximate", number=12)], (None, None, 12, None, "b")),
    # two plain figures that differ: the lowest is best, low and high span both
    ([_count("a", "exact", number=160), _count("b", "exact", number=150)], (150, False, 150, 160, "b")),
    # a range: both bounds
    ([_count("a", "bound", low=100, exclusive=False, high=200)], (100, False, None, 200, "a")),
    ([], (None, None, None, None, None)),
])
def test_the_fatality_rule(counts, expected):
    got = fatalities_columns("e", counts)
    assert tuple(got[k] for k in ("fatalities_low", "fatalities_low_exclusive", "fatalities_best",
                                  "fatalities_high", "fatalities_count")) == expected


def test_a_claim_carries_what_its_aim_concerned(tables):
    (claim,) = [c for c in tables["claims"] if c["id"] == "massacre-provoked-allegation"]
    assert (claim["claimant"], claim["accused"], claim["alleged_act"], claim["alleged_aim"], claim["aim_concerns"]) == (
        "icp-central-command", "icp-leadership", "deliberately provoked",
        "to remove oppositional forces inside the party", "icp-internal-opposition")
    assert {(r["predicate"], r["literal"]) for r in tables["relations"] if r["subject"] == "icp-internal-opposition"
            } >= {("called_for", "a new party congress")}

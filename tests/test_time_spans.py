"""When a relation held (#23): the codebook's two queries, run as a researcher runs them
(DuckDB over the CSV, as the codebook prints them), give answers the sources support."""

from __future__ import annotations

import re

import duckdb
import pytest

from ansar_data.core.values import time_bounds
from helpers import ROOT


def codebook_query(title: str) -> str:
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    match = re.search(rf"-- {re.escape(title)}[^\n]*\n(SELECT .*?;)", text, re.S)
    assert match, title
    return match[1].replace("FROM relations", f"FROM read_csv_auto('{ROOT / 'data' / 'relations.csv'}')")


def held(title: str, day: str) -> set[str]:
    query = codebook_query(title).replace(":t", f"'{day}'")
    return {rid for (rid,) in duckdb.sql(query).fetchall()}


CERTAINLY, POSSIBLY = "Certainly held at :t", "Possibly held at :t"
AREA = "al-ansar/area_of_operation/iraqi-kurdistan"         # "By that time [Nov 1981] ... operated"
NOT_EFFECTIVE = "al-ansar/status/not-effective"             # "After the attack ... no longer"
DEFUNCT = "al-ansar/status/largely-defunct"                 # "by that time [June-July 1987] ... defunct"
LED_BY_BUREAU = "al-ansar/led_by/central-military-bureau"   # established [Nov 1981] ... to lead
ALLY = "al-ansar/allied_with/kdp"                           # "Allies: KDP": within Al-Ansar's life
WING = "al-ansar/part_of/iraqi-communist-party"             # "the paramilitary wing ..., active between 1979 and 1988"
ICP_WEAKENED = "iraqi-communist-party/status/severely-weakened"  # from May 1983; the ICP's life is not given
PUK_DEAL = "iraqi-communist-party/agreement_with/puk"       # ended by the shift, before May 1983
RIVALS = "puk/rival_of/kdp"                                 # no time given, nothing bounds it
EVERY = {AREA, NOT_EFFECTIVE, DEFUNCT, LED_BY_BUREAU, ALLY, WING, ICP_WEAKENED, PUK_DEAL}


@pytest.mark.parametrize("day, certainly, not_certainly, possibly, impossible", [
    ("1985-06-01", {NOT_EFFECTIVE, WING}, {AREA, DEFUNCT, ALLY, LED_BY_BUREAU, ICP_WEAKENED},
     {AREA, DEFUNCT, ALLY, NOT_EFFECTIVE, LED_BY_BUREAU, ICP_WEAKENED}, {PUK_DEAL}),
    ("1981-11-15", {WING}, {AREA, LED_BY_BUREAU}, {AREA, LED_BY_BUREAU, DEFUNCT, ALLY}, {NOT_EFFECTIVE}),
    ("1980-01-01", {WING}, {AREA}, {AREA, DEFUNCT, ALLY}, {NOT_EFFECTIVE, LED_BY_BUREAU}),
    ("1987-07-01", {NOT_EFFECTIVE, WING}, {DEFUNCT, AREA}, {DEFUNCT, AREA}, set()),
    ("1983-05-31", {ICP_WEAKENED, NOT_EFFECTIVE, WING}, {PUK_DEAL}, {PUK_DEAL}, set()),
    ("1984-06-01", {NOT_EFFECTIVE, WING}, {ICP_WEAKENED}, {ICP_WEAKENED}, {PUK_DEAL}),
    # long after: Al-Ansar's life ended by 1988-12-31; the ICP's weakening is unknown, never certain
    ("1990-01-01", set(), EVERY, {ICP_WEAKENED}, EVERY - {ICP_WEAKENED}),
    ("2020-01-01", set(), EVERY, {ICP_WEAKENED}, EVERY - {ICP_WEAKENED}),
    ("1978-06-01", set(), EVERY, {PUK_DEAL}, {WING, ALLY, AREA, NOT_EFFECTIVE, DEFUNCT, LED_BY_BUREAU}),
])
def test_held_at_a_day(day, certainly, not_certainly, possibly, impossible):
    sure, maybe = held(CERTAINLY, day), held(POSSIBLY, day)
    assert certainly <= sure and not (not_certainly & sure)
    assert possibly <= maybe and not (impossible & maybe)
    assert sure <= maybe  # what certainly held, possibly held


def _days_around(row: dict) -> list[str]:
    """Days inside, before, at the edges of and long after a relation's span."""
    import datetime as dt

    days = set()
    for key in ("valid_begin_earliest", "valid_begin_latest", "valid_end_earliest", "valid_end_latest"):
        if row[key]:
            d = dt.date.fromisoformat(row[key])
            days |= {d - dt.timedelta(days=1), d, d + dt.timedelta(days=1), d + dt.timedelta(days=365 * 30)}
    return sorted(d.isoformat() for d in days) or ["1900-01-01", "2020-01-01"]


def test_the_two_queries_mean_what_the_codebook_says_at_every_edge_of_every_span():
    """At each day around every span, "certainly" is exactly "begun by then and not ended
    before", "possibly" exactly "not ruled out"; never certain 30 years after a known end."""
    rows = duckdb.sql(f"SELECT * FROM read_csv_auto('{ROOT / 'data' / 'relations.csv'}', all_varchar=true)")
    rows = [dict(zip(rows.columns, r)) for r in rows.fetchall()]
    days = sorted({d for r in rows for d in _days_around(r)})
    sure = {d: held(CERTAINLY, d) for d in days}
    maybe = {d: held(POSSIBLY, d) for d in days}
    for r in rows:
        for d in _days_around(r):
            certain = bool(r["valid_begin_latest"] and r["valid_end_earliest"]
                           and r["valid_begin_latest"] <= d <= r["valid_end_earliest"])
            possible = ((not r["valid_begin_earliest"] or r["valid_begin_earliest"] <= d)
                        and (not r["valid_end_latest"] or r["valid_end_latest"] >= d))
            assert (r["id"] in sure[d], r["id"] in maybe[d]) == (certain, possible), (r["id"], d)
            if r["valid_end_latest"] and d > r["valid_end_latest"]:
                assert r["id"] not in maybe[d], (r["id"], d)
        if r["valid_end_open"] == "true":  # an unknown end: certain at most until its start's last day
            assert not r["valid_end_latest"] and r["valid_end_earliest"] == r["valid_begin_latest"], r["id"]


def test_a_relation_without_a_time_is_possible_always_and_certain_never():
    for day in ("1900-01-01", "1983-05-15", "2020-01-01"):
        assert RIVALS in held(POSSIBLY, day) and RIVALS not in held(CERTAINLY, day)
    assert ALLY not in held(POSSIBLY, "1900-01-01") and ALLY not in held(POSSIBLY, "2020-01-01")


def test_every_relation_has_bounds_or_the_declared_no_time_value():
    rows = duckdb.sql(f"""SELECT time_basis, count(*) FROM read_csv_auto('{ROOT / "data" / "relations.csv"}',
                          all_varchar=true) WHERE (valid_begin_earliest IS NULL AND valid_begin_latest IS NULL
                          AND valid_end_earliest IS NULL AND valid_end_latest IS NULL) GROUP BY 1""").fetchall()
    assert [basis for basis, _ in rows] == ["none_given"]
    codebook = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    (n,) = duckdb.sql(f"""SELECT count(*) FROM read_csv_auto('{ROOT / "data" / "relations.csv"}')
                          WHERE time_basis = 'none_given'""").fetchall()[0]
    assert f"| `none_given` | {n} |" in codebook


@pytest.mark.parametrize("edtf, mode, expected", [
    ("1981-11", "held_at", (None, "1981-11-30", "1981-11-01", None, False)),
    ("1983-05/..", "from", ("1983-05-01", "1983-05-31", "1983-05-31", None, True)),
    ("1987-06/1987-07", "held_at", (None, "1987-07-31", "1987-06-01", None, False)),
    ("1979/1988", "during", ("1979-01-01", "1979-12-31", "1988-01-01", "1988-12-31", False)),
    ("../1979-04", "until", (None, None, "1979-04-01", "1979-04-30", False)),
    ("1983-05-04", "began", ("1983-05-04", "1983-05-04", None, None, False)),
    ("1988", "ended", (None, None, "1988-01-01", "1988-12-31", False)),
    (None, None, (None, None, None, None, None)),
])
def test_four_bounds(edtf, mode, expected):
    assert tuple(time_bounds(edtf, mode).values()) == expected


def test_which_source_says_so_is_a_filter(inputs):
    """Every curated row names the sources its evidence quotes (#23 item 3)."""
    for table in inputs.spec.curated:
        csv = ROOT / "data" / f"{table.name}.csv"
        empty = duckdb.sql(f"SELECT count(*) FROM read_csv_auto('{csv}', all_varchar=true) WHERE sources IS NULL")
        assert empty.fetchall() == [(0,)], table.name
    both = duckdb.sql(f"""SELECT id FROM read_csv_auto('{ROOT / "data" / "event_participants.csv"}')
                          WHERE ' ' || sources || ' ' LIKE '% pasht-ashan-massacre %'
                            AND ' ' || sources || ' ' LIKE '% al-ansar-iraq %' ORDER BY id""").fetchall()
    assert ("pasht-ashan-massacre/perpetrator/puk",) in both


# ---- #37: no part of what the curator wrote is dropped, and no rule makes invalid EDTF ----

@pytest.mark.parametrize("form, value, expected", [
    ("X", "1987-06/1987-07", "1987-06/1987-07"),
    ("X/..", "1987-06/1987-07", "1987-06/.."),
    ("../X", "1987-06/1987-07", "../1987-07"),
    ("X/..", "1983-05", "1983-05/.."),
    ("../X", "1983-05", "../1983-05"),
    ("X/..", "../1979-01", None),
])
def test_an_inference_form_never_makes_a_three_part_interval(form, value, expected):
    from ansar_data.core.provenance import apply_form
    from ansar_data.core.values import edtf_bounds

    assert apply_form(form, value) == expected
    if expected is not None:
        edtf_bounds(expected)  # the EDTF parser takes it


@pytest.mark.parametrize("edtf, mode", [("1979/1988", "from"), ("1981-11/..", "until"), ("../1981-11", "during"),
                                        ("1981-11/..", "during")])
def test_a_mode_that_would_drop_part_of_the_edtf_is_refused(edtf, mode):
    from ansar_data.core.values import time_bounds

    with pytest.raises(ValueError, match=f"time mode '{mode}'"):
        time_bounds(edtf, mode)

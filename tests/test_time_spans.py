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
ALLY = "al-ansar/allied_with/kdp"                           # "Allies: KDP": no time given


@pytest.mark.parametrize("day, certainly, not_certainly, possibly, impossible", [
    ("1985-06-01", {NOT_EFFECTIVE, LED_BY_BUREAU}, {AREA, DEFUNCT, ALLY}, {AREA, DEFUNCT, ALLY, NOT_EFFECTIVE}, set()),
    ("1981-11-15", set(), {AREA, LED_BY_BUREAU}, {AREA, LED_BY_BUREAU, DEFUNCT}, {NOT_EFFECTIVE}),
    ("1980-01-01", set(), {AREA}, {AREA, DEFUNCT, ALLY}, {NOT_EFFECTIVE, LED_BY_BUREAU}),
    ("1987-07-01", {NOT_EFFECTIVE}, {DEFUNCT, AREA}, {DEFUNCT, AREA}, set()),
])
def test_held_at_a_day(day, certainly, not_certainly, possibly, impossible):
    sure, maybe = held(CERTAINLY, day), held(POSSIBLY, day)
    assert certainly <= sure and not (not_certainly & sure)
    assert possibly <= maybe and not (impossible & maybe)
    assert sure <= maybe  # what certainly held, possibly held


def test_a_relation_without_a_time_is_possible_always_and_certain_never():
    for day in ("1900-01-01", "1983-05-15", "2020-01-01"):
        assert ALLY in held(POSSIBLY, day) and ALLY not in held(CERTAINLY, day)


@pytest.mark.parametrize("edtf, mode, expected", [
    ("1981-11", "held_at", (None, "1981-11-30", "1981-11-01", None, False)),
    ("1983-05/..", "from", ("1983-05-01", "1983-05-31", None, None, True)),
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

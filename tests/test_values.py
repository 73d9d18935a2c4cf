"""Dates and counts as written keep their precision, bounds and certainty."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ansar_data.core.values import (
    _fast_bounds,
    edtf_bounds,
    library_edtf_bounds,
    parse_count,
    parse_date,
    parse_duration,
    split_qualifier,
    typed_value,
)


@pytest.mark.parametrize("text,edtf,start,end,precision", [
    ("1979–1988", "1979/1988", "1979-01-01", "1988-12-31", "year"),
    ("1983-1986", "1983/1986", "1983-01-01", "1986-12-31", "year"),
    ("May 1983", "1983-05", "1983-05-01", "1983-05-31", "month"),
    ("June–July 1987", "1987-06/1987-07", "1987-06-01", "1987-07-31", "month"),
    ("1977", "1977", "1977-01-01", "1977-12-31", "year"),
    ("12 May 1983", "1983-05-12", "1983-05-12", "1983-05-12", "day"),
    ("February 1984", "1984-02", "1984-02-01", "1984-02-29", "month"),
    # the infobox value grammar (#13)
    ("3 July 1963", "1963-07-03", "1963-07-03", "1963-07-03", "day"),
    ("July 3, 1963", "1963-07-03", "1963-07-03", "1963-07-03", "day"),
    ("1982-02-02", "1982-02-02", "1982-02-02", "1982-02-02", "day"),
    ("Feb. 1963", "1963-02", "1963-02-01", "1963-02-28", "month"),
    ("8–10 February 1963", "1963-02-08/1963-02-10", "1963-02-08", "1963-02-10", "day"),
    ("8 February – 10 March 1963", "1963-02-08/1963-03-10", "1963-02-08", "1963-03-10", "day"),
    ("23 October 1975 – 2 April 1976", "1975-10-23/1976-04-02", "1975-10-23", "1976-04-02", "day"),
    ("May 1983 – June 1984", "1983-05/1984-06", "1983-05-01", "1984-06-30", "month"),
    ("1983 to 1986", "1983/1986", "1983-01-01", "1986-12-31", "year"),
    ("1982-02-02 – 1983-01-01", "1982-02-02/1983-01-01", "1982-02-02", "1983-01-01", "day"),
    ("1979–present", "1979/..", "1979-01-01", None, "year"),
    ("c. 1963", "1963~", "1963-01-01", "1963-12-31", "year"),
    ("circa May 1963", "1963-05~", "1963-05-01", "1963-05-31", "month"),
    ("1963?", "1963?", "1963-01-01", "1963-12-31", "year"),
    ("about 1960–1965", "1960~/1965~", "1960-01-01", "1965-12-31", "year"),
])
def test_dates(text, edtf, start, end, precision):
    value = parse_date(text)
    assert (value.edtf, value.date_start, value.date_end, value.precision) == (edtf, start, end, precision)


@pytest.mark.parametrize("text", ["31 February 1983", "Kirkuk", "Maybe 1983", "19833"])
def test_not_dates(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("text,number,low,low_excl,high,high_excl,certainty", [
    ("10,000?", 10000, None, None, None, None, "uncertain"),
    ("Over 150", None, 150, True, None, None, "bound"),
    ("around 1,200", 1200, None, None, None, None, "approximate"),
    ("150", 150, None, None, None, None, "exact"),
    ("at least 3", None, 3, False, None, None, "bound"),
    ("up to 40", None, None, None, 40, False, "bound"),
])
def test_counts(text, number, low, low_excl, high, high_excl, certainty):
    c = parse_count(text)
    assert (c.number, c.number_min, c.number_min_exclusive, c.number_max,
            c.number_max_exclusive, c.certainty) == (number, low, low_excl, high, high_excl, certainty)


@pytest.mark.parametrize("text", ["Kirkuk", "10.000", "many", "1,20"])
def test_not_counts(text):
    assert parse_count(text) is None


def test_qualifier():
    assert split_qualifier("Aden (South Yemen)") == ("Aden", "South Yemen")
    assert split_qualifier("Kirkuk") == ("Kirkuk", None)


def test_edtf_bounds_rejects_invalid():
    assert edtf_bounds("1987-06/1987-07") == ("1987-06-01", "1987-07-31")
    with pytest.raises(ValueError, match="not valid EDTF"):
        edtf_bounds("1987-13")



QUALIFIERS = "~?%"  # EDTF's approximate, uncertain, both
plain = st.builds(lambda y, m, d, kind, q: [f"{y:04d}", f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}-{d:02d}"][kind] + q,
                  st.integers(1, 2999), st.integers(0, 14), st.integers(0, 32), st.integers(0, 2),
                  st.sampled_from(["", "", *QUALIFIERS]))
edtf_like = st.one_of(plain, st.builds(lambda a, b: f"{a}/{b}", st.one_of(plain, st.just("..")),
                                       st.one_of(plain, st.just(".."))))


@settings(max_examples=400, deadline=None)  # the edtf package takes ~20 ms a value here
@given(edtf_like)
@example("0001-02-29~")  # a qualified 29 February (found by a CI run)
def test_fast_edtf_path_agrees_with_the_edtf_package(value):
    try:
        fast = _fast_bounds(value)
    except ValueError:
        fast = "invalid"
    if fast is None:
        return  # left to the library
    try:
        expected = library_edtf_bounds(value)
    except ValueError:
        expected = "invalid"
    if fast == "invalid" and expected != "invalid":
        # the one known difference: the edtf package accepts 29 February of any year
        year = int(next(p for p in value.split("/") if p.rstrip(QUALIFIERS).endswith("-02-29"))[:4])
        assert not calendar.isleap(year)
        return
    assert fast == expected


def test_29_february_only_in_leap_years():
    assert edtf_bounds("1984-02-29") == ("1984-02-29", "1984-02-29")
    assert library_edtf_bounds("1983-02-29") == ("1983-02-29", "1983-02-29")  # the package's leniency
    with pytest.raises(ValueError, match="not valid EDTF: '1983-02-29'"):
        edtf_bounds("1983-02-29")


@pytest.mark.parametrize("text, iso", [("two weeks", "P2W"), ("a month", "P1M"), ("3 days", "P3D"),
                                       ("Twelve years", "P12Y"), ("one week", "P1W")])
def test_an_interval_reads_as_an_iso_duration(text, iso):
    assert parse_duration(text) == iso


@pytest.mark.parametrize("text", ["later", "soon after", "two weeks later", "a few weeks", "2.5 weeks", ""])
def test_a_vaguer_interval_has_no_duration(text):
    assert parse_duration(text) is None


# ---- the infobox value grammar (#13) ----

@pytest.mark.parametrize("text", ["2 April", "10–8 February 1963", "1988–1979", "February–1963",
                                  "8–February 1963", "30 February 1963 – 2 March 1963", "1963-1"])
def test_not_dates_in_the_grammar(text):
    assert parse_date(text) is None


@pytest.mark.parametrize("text,number,low,low_excl,high,high_excl,certainty,unit", [
    ("150–582", None, 150, False, 582, False, "bound", None),
    ("150-200", None, 150, False, 200, False, "bound", None),
    ("3,200–5,000", None, 3200, False, 5000, False, "bound", None),
    ("150 to 200", None, 150, False, 200, False, "bound", None),
    ("1+", None, 1, False, None, None, "bound", None),
    ("~10,000", 10000, None, None, None, None, "approximate", None),
    ("c. 150", 150, None, None, None, None, "approximate", None),
    ("circa 200", 200, None, None, None, None, "approximate", None),
    ("about 150–200", None, 150, False, 200, False, "approximate", None),
    ("more than 3,000", None, 3000, True, None, None, "bound", None),
    ("15,000 fighters", 15000, None, None, None, None, "exact", "fighters"),
    ("100 killed", 100, None, None, None, None, "exact", "killed"),
    ("5,000 Shia Muslims", 5000, None, None, None, None, "exact", "Shia Muslims"),
])
def test_count_grammar(text, number, low, low_excl, high, high_excl, certainty, unit):
    c = parse_count(text)
    assert (c.number, c.number_min, c.number_min_exclusive, c.number_max, c.number_max_exclusive,
            c.certainty, c.unit) == (number, low, low_excl, high, high_excl, certainty, unit)


@pytest.mark.parametrize("text", ["200-150", "2 April 1976", "1+2", "over 1+", "over 150–200"])
def test_not_counts_in_the_grammar(text):
    assert parse_count(text) is None


@pytest.mark.parametrize("text,datatype,inferred,expected", [
    ("15 October 1996 (aged 72)", "text", True,
     {"datatype": "date", "edtf": "1996-10-15", "qualifier": "aged 72", "datatype_source": "inferred"}),
    ("15,000 fighters", "text", True, {"datatype": "count", "number": 15000, "qualifier": "fighters"}),
    ("3,000 (Ba'ath National Guard Militia)", "count", False,
     {"datatype": "count", "number": 3000, "qualifier": "Ba'ath National Guard Militia", "datatype_source": "key_map"}),
    ("1,000 killed (estimate)", "count", False, {"number": 1000, "qualifier": "killed; estimate"}),
    ("7 Days in May", "text", True, {"datatype": "text"}),        # a title, not a count
    ("1982-02-02", "date", False, {"datatype": "date", "edtf": "1982-02-02"}),
    ("Kirkuk", "text", True, {"datatype": "text", "markup_residue": False}),
    ("23px", "text", True, {"datatype": "text", "markup_residue": True}),
    ("40px|Iraqi general", "text", True, {"datatype": "text", "markup_residue": True}),
    ("Ba'athist Iraq|border]] Iraqi Ba'ath Party", "text", True, {"markup_residue": True}),
    ("ar | honorific-suffix =", "text", True, {"markup_residue": True}),
    ("Supported by:,", "text", True, {"markup_residue": True}),
    ("1963 [[x]]", "date", False, {"datatype": "text", "markup_residue": True, "edtf": None}),
    # under a date key, a head count is read as an unmapped key's value would be
    ("138,000 (planned)", "date", False,
     {"datatype": "count", "number": 138000, "qualifier": "planned", "datatype_source": "inferred"}),
    ("Unknown", "count", False, {"datatype": "text", "datatype_source": "key_map"}),
    ("Leaders 1979", "text", False, {"datatype": "text", "datatype_source": "key_map"}),
    # five unseparated digits are not a count unless the key says so
    ("19761990", "date", False, {"datatype": "text", "number": None}),
    ("12000", "text", True, {"datatype": "text"}),
    ("12000", "count", False, {"datatype": "count", "number": 12000, "datatype_source": "key_map"}),
    ("1200", "text", True, {"datatype": "date", "edtf": "1200"}),
])
def test_typed_value_reads_unmapped_keys_and_flags_markup(text, datatype, inferred, expected):
    got = typed_value(text, datatype, inferred)
    assert {k: got[k] for k in expected} == expected


LAST_YEAR = 2020  # the texts' years run from 1900 to it; a range ends no earlier than its start
DAY_TEXTS = st.builds(lambda d, m, y: f"{d} {calendar.month_name[m]} {y}",
                      st.integers(1, 28), st.integers(1, 12), st.integers(1900, LAST_YEAR))
MONTH_TEXTS = st.builds(lambda m, y: f"{calendar.month_name[m]} {y}", st.integers(1, 12),
                        st.integers(1900, LAST_YEAR))
YEAR_TEXTS = st.integers(1900, LAST_YEAR).map(str)


@given(st.one_of(DAY_TEXTS.map(lambda t: (t, "day")), MONTH_TEXTS.map(lambda t: (t, "month")),
                 YEAR_TEXTS.map(lambda t: (t, "year"))),
       st.sampled_from(["", "c. ", "about "]), st.sampled_from(["", "?"]),
       st.sampled_from([None, str(LAST_YEAR)]))  # the one year of YEAR_TEXTS that can end a range
def test_no_typed_date_is_more_precise_than_its_text(written, prefix, suffix, end_year):
    """Whatever the form, the precision is the finest unit written, and the bounds span
    exactly what that unit allows (no day where the text gives a month)."""
    text, precision = written
    full = prefix + (f"{text} – {end_year}" if end_year else text) + suffix
    value = parse_date(full)
    assert value is not None, full
    first = value.edtf.split("/")[0].rstrip("~?%")
    assert len(first.split("-")) == {"year": 1, "month": 2, "day": 3}[precision]
    assert value.date_start.startswith(first) and (end_year is not None or value.date_end.startswith(first))
    if not end_year:
        assert value.precision == precision

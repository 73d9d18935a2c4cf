"""Dates and counts as written keep their precision, bounds and certainty."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansar_data.values import (
    _fast_bounds,
    edtf_bounds,
    library_edtf_bounds,
    parse_count,
    parse_date,
    parse_duration,
    split_qualifier,
)


@pytest.mark.parametrize("text,edtf,start,end,precision", [
    ("1979–1988", "1979/1988", "1979-01-01", "1988-12-31", "year"),
    ("1983-1986", "1983/1986", "1983-01-01", "1986-12-31", "year"),
    ("May 1983", "1983-05", "1983-05-01", "1983-05-31", "month"),
    ("June–July 1987", "1987-06/1987-07", "1987-06-01", "1987-07-31", "month"),
    ("1977", "1977", "1977-01-01", "1977-12-31", "year"),
    ("12 May 1983", "1983-05-12", "1983-05-12", "1983-05-12", "day"),
    ("February 1984", "1984-02", "1984-02-01", "1984-02-29", "month"),
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



plain = st.builds(lambda y, m, d, kind: [f"{y:04d}", f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}-{d:02d}"][kind],
                  st.integers(1, 2999), st.integers(0, 14), st.integers(0, 32), st.integers(0, 2))
edtf_like = st.one_of(plain, st.builds(lambda a, b: f"{a}/{b}", st.one_of(plain, st.just("..")),
                                       st.one_of(plain, st.just(".."))))


@settings(max_examples=400, deadline=None)  # the edtf package takes ~20 ms a value here
@given(edtf_like)
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
        year = int(next(p for p in value.split("/") if p.endswith("-02-29"))[:4])
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

"""Read dates and counts as written ("May 1983", "1979–1988", "10,000?", "Over 150")
into values that keep their precision, bounds and certainty."""

from __future__ import annotations

import calendar
import datetime
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
_MONTH = "(?P<{0}>" + "|".join(MONTHS) + ")"
DASH = "[–-]"  # the sources write ranges with an en dash in one place, a hyphen in another

DATE_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(rf"(?P<y1>\d{{4}}) ?{DASH} ?(?P<y2>\d{{4}})"), "{y1}/{y2}", "year"),
    (re.compile(rf"{_MONTH.format('m1')} ?{DASH} ?{_MONTH.format('m2')} (?P<y1>\d{{4}})"),
     "{y1}-{m1}/{y1}-{m2}", "month"),
    (re.compile(rf"(?P<d1>\d{{1,2}}) {_MONTH.format('m1')} (?P<y1>\d{{4}})"), "{y1}-{m1}-{d1}", "day"),
    (re.compile(rf"{_MONTH.format('m1')} (?P<y1>\d{{4}})"), "{y1}-{m1}", "month"),
    (re.compile(r"(?P<y1>\d{4})"), "{y1}", "year"),
]

# Words before a number, and what they say about it: (bound, exclusive, certainty).
COUNT_WORDS = {
    "over": ("min", True, "bound"), "more than": ("min", True, "bound"),
    "at least": ("min", False, "bound"), "under": ("max", True, "bound"),
    "fewer than": ("max", True, "bound"), "up to": ("max", False, "bound"),
    "around": (None, None, "approximate"), "about": (None, None, "approximate"),
    "approximately": (None, None, "approximate"), "some": (None, None, "approximate"),
}
COUNT_RE = re.compile(
    r"(?:(?P<word>" + "|".join(sorted(COUNT_WORDS, key=len, reverse=True)) + r") )?"
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<uncertain>\?)?",
    re.IGNORECASE,
)
QUALIFIER_RE = re.compile(r"(?P<value>.*\S) \((?P<qualifier>[^()]+)\)")


@dataclass(frozen=True)
class DateValue:
    edtf: str
    date_start: str
    date_end: str
    precision: str


@dataclass(frozen=True)
class Count:
    number: int | None
    number_min: int | None
    number_min_exclusive: bool | None
    number_max: int | None
    number_max_exclusive: bool | None
    certainty: str

    def columns(self) -> dict[str, Any]:
        """The count as the columns of counts and infobox_values (COUNT_FIELDS)."""
        return {"number": self.number, "number_min": self.number_min,
                "number_min_exclusive": self.number_min_exclusive, "number_max": self.number_max,
                "number_max_exclusive": self.number_max_exclusive, "number_certainty": self.certainty}


COUNT_FIELDS = ("number", "number_min", "number_min_exclusive", "number_max", "number_max_exclusive",
                "number_certainty")


SIMPLE_EDTF = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _simple_bounds(value: str) -> tuple[datetime.date, datetime.date] | None:
    """Bounds of a plain EDTF date (YYYY, YYYY-MM, YYYY-MM-DD), None for any other form;
    ValueError for an impossible one such as 1983-13 or 1983-02-30."""
    match = SIMPLE_EDTF.fullmatch(value)
    if match is None or int(match[1]) == 0:
        return None
    year = int(match[1])
    month = int(match[2]) if match[2] is not None else None
    day = int(match[3]) if match[3] is not None else None
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"month {month} does not exist")
    if day is not None:
        start = end = datetime.date(year, month, day)
    elif month is not None:
        start = datetime.date(year, month, 1)
        end = datetime.date(year, month, calendar.monthrange(year, month)[1])
    else:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return start, end


def _fast_bounds(value: str) -> tuple[str | None, str | None] | None:
    """edtf_bounds for plain dates and intervals of them (open ends ".." allowed),
    which are all this dataset uses; None to let the edtf package decide."""
    parts = value.split("/")
    if len(parts) > 2:
        return None
    try:
        bounds = [None if p == ".." and len(parts) == 2 else _simple_bounds(p) for p in parts]
    except ValueError as exc:
        raise ValueError(f"not valid EDTF: {value!r}") from exc
    if any(b is None and p != ".." for b, p in zip(bounds, parts)) or all(b is None for b in bounds):
        return None
    start = bounds[0][0] if bounds[0] else None
    end = bounds[-1][1] if bounds[-1] else None
    if start and end and start > end:
        return None  # a reversed interval: the edtf package decides
    return (start.isoformat() if start else None), (end.isoformat() if end else None)


@lru_cache(maxsize=4096)  # values repeat across rows
def edtf_bounds(value: str) -> tuple[str | None, str | None]:
    """Earliest and latest day of an EDTF value, as ISO dates (None for an open
    end, ".."); ValueError if invalid. Plain dates and intervals take a fast path
    (the edtf package's parser costs about 1.5 ms a value); a test proves both agree."""
    fast = _fast_bounds(value)
    return fast if fast is not None else library_edtf_bounds(value)


def library_edtf_bounds(value: str) -> tuple[str | None, str | None]:
    import edtf  # 0.1 s to import (pyparsing grammar); only the forms off the fast path need it

    try:
        parsed = edtf.parse_edtf(value)
    except Exception as exc:  # the edtf package raises its own exception types
        raise ValueError(f"not valid EDTF: {value!r}") from exc
    return _iso(parsed.lower_strict()), _iso(parsed.upper_strict())


def edtf_precision(value: str) -> str:
    """The finest unit written in an EDTF value: day, month or year."""
    parts = max((len(end.strip("?~%").split("-")) for end in value.split("/") if end not in ("", "..")),
                default=1)
    return {1: "year", 2: "month"}.get(parts, "day")


def _iso(moment: time.struct_time | float) -> str | None:
    if not isinstance(moment, time.struct_time):
        return None  # an open end
    return f"{moment.tm_year:04d}-{moment.tm_mon:02d}-{moment.tm_mday:02d}"


def _edtf_of(match: re.Match[str], template: str) -> str:
    """A date pattern's match as EDTF: month names as numbers, days with two digits."""
    parts = {k: (f"{MONTHS.index(v) + 1:02d}" if k.startswith("m") else
                 f"{int(v):02d}" if k.startswith("d") else v)
             for k, v in match.groupdict().items()}
    return template.format(**parts)


def parse_date(text: str) -> DateValue | None:
    """A date or period as written, or None when the text is not one."""
    for pattern, template, precision in DATE_PATTERNS:
        match = pattern.fullmatch(text.strip())
        if match:
            value = _edtf_of(match, template)
            try:
                start, end = edtf_bounds(value)
            except ValueError:
                return None  # e.g. "31 February 1983": not a date
            return DateValue(value, start, end, precision)
    return None


_YEAR = r"(?<![\d,.])(?P<{0}>1\d{{3}}|20\d{{2}})(?!\d|,\d)"
# Date expressions inside running text, most specific first; each consumes its span.
PROSE_DATES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"between {_YEAR.format('y1')} and {_YEAR.format('y2')}"), "{y1}/{y2}"),
    (re.compile(rf"from {_YEAR.format('y1')} to {_YEAR.format('y2')}"), "{y1}/{y2}"),
    (re.compile(rf"{_MONTH.format('m1')} ?{DASH} ?{_MONTH.format('m2')} {_YEAR.format('y1')}"),
     "{y1}-{m1}/{y1}-{m2}"),
    (re.compile(rf"{_YEAR.format('y1')} ?{DASH} ?{_YEAR.format('y2')}"), "{y1}/{y2}"),
    (re.compile(rf"(?P<d1>\d{{1,2}}) {_MONTH.format('m1')},? {_YEAR.format('y1')}"), "{y1}-{m1}-{d1}"),
    (re.compile(rf"{_MONTH.format('m1')} (?P<d1>\d{{1,2}}), {_YEAR.format('y1')}"), "{y1}-{m1}-{d1}"),
    (re.compile(rf"{_MONTH.format('m1')},? {_YEAR.format('y1')}"), "{y1}-{m1}"),
    (re.compile(_YEAR.format("y1")), "{y1}"),
]
BY_RE = re.compile(r"(?:^|\W)by $", re.IGNORECASE)


def dates_in(text: str) -> list[str]:
    """The EDTF value of every date expression in a passage, in order of position: the
    reading a quote must give for a date-in-quote field. "by April 1979" is "../1979-04"
    (at the latest then); impossible dates ("31 February 1983") are skipped."""
    found: list[tuple[int, str]] = []
    taken = [False] * len(text)
    for pattern, template in PROSE_DATES:
        for match in pattern.finditer(text):
            if any(taken[match.start():match.end()]):
                continue
            value = _edtf_of(match, template)
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            try:
                edtf_bounds(value)
            except ValueError:
                continue
            if BY_RE.search(text[max(0, match.start() - 4):match.start()]):
                value = "../" + value
            found.append((match.start(), value))
    return [value for _, value in sorted(found)]


def parse_count(text: str) -> Count | None:
    """A count as written, or None when the text is not one."""
    match = COUNT_RE.fullmatch(text.strip())
    if match is None:
        return None
    number = int(match["num"].replace(",", ""))
    bound, exclusive, certainty = COUNT_WORDS.get((match["word"] or "").lower(), (None, None, "exact"))
    if match["uncertain"]:
        certainty = "uncertain"
    return Count(
        number=number if bound is None else None,
        number_min=number if bound == "min" else None,
        number_min_exclusive=exclusive if bound == "min" else None,
        number_max=number if bound == "max" else None,
        number_max_exclusive=exclusive if bound == "max" else None,
        certainty=certainty,
    )


NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
DURATION_RE = re.compile(r"(?P<n>\d+|" + "|".join(NUMBER_WORDS) + r") (?P<unit>day|week|month|year)s?",
                         re.IGNORECASE)


def parse_duration(text: str) -> str | None:
    """An interval as the sources write it ("two weeks") -> ISO 8601 duration ("P2W");
    None for anything vaguer ("later", "soon"), which stays text only."""
    match = DURATION_RE.fullmatch(text.strip())
    if match is None:
        return None
    n = match["n"].lower()
    number = int(n) if n.isdigit() else NUMBER_WORDS[n]
    return f"P{number}{match['unit'][0].upper()}"


def split_qualifier(text: str) -> tuple[str, str | None]:
    """'Aden (South Yemen)' -> ('Aden', 'South Yemen')."""
    match = QUALIFIER_RE.fullmatch(text)
    if match is None:
        return text, None
    return match["value"], match["qualifier"]


EMPTY_TYPED = dict.fromkeys(("edtf", "date_start", "date_end", "date_precision", *COUNT_FIELDS))


def typed_value(text: str, datatype: str) -> dict[str, Any]:
    """The typed columns of one value; falls back to text when it does not read as its datatype."""
    value, qualifier = split_qualifier(text)
    out = {"datatype": "text", "value": value, "qualifier": qualifier, **EMPTY_TYPED}
    if datatype == "date" and (date := parse_date(value)):
        out.update(datatype="date", edtf=date.edtf, date_start=date.date_start,
                   date_end=date.date_end, date_precision=date.precision)
    elif datatype == "count" and (count := parse_count(value)):
        out.update(datatype="count", **count.columns())
    return out

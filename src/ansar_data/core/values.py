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

# Month names as infoboxes write them: in full, or abbreviated with or without a dot.
_MONTH_NAME = "|".join([*MONTHS, "Sept", *(m[:3] for m in MONTHS if len(m) > 3)])
_MN = rf"(?P<m>(?:{_MONTH_NAME})\.?)"
# A date with its year: each pattern's groups are y, m (name or digits) and d.
DATE_POINTS = [
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"),  # ISO 8601
    re.compile(rf"(?P<d>\d{{1,2}}) {_MN},? (?P<y>\d{{4}})"),
    re.compile(rf"{_MN} (?P<d>\d{{1,2}}),? (?P<y>\d{{4}})"),
    re.compile(rf"{_MN},? (?P<y>\d{{4}})"),
    re.compile(r"(?P<y>\d{4})"),
]
# The first end of a range may leave the month and year to the second: "8–10 February 1963".
DATE_PARTIALS = [
    re.compile(rf"(?P<d>\d{{1,2}}) {_MN}"),
    re.compile(rf"{_MN} (?P<d>\d{{1,2}})"),
    re.compile(_MN),
    re.compile(r"(?P<d>\d{1,2})"),
]
RANGE_SEP = re.compile(r"\s*[–—-]\s*|\s+to\s+|\s+until\s+")
OPEN_END = re.compile(r"present|now|ongoing", re.IGNORECASE)
APPROX_RE = re.compile(r"(?P<approx>(?:c\.|ca\.|circa|about|around|approximately|approx\.)\s*|~\s*)?"
                       r"(?P<rest>.*?)(?P<uncertain>\s*\?)?", re.IGNORECASE)
Point = tuple[int, int | None, int | None]  # year, month, day


def _month(text: str) -> int:
    text = text.rstrip(".")
    return int(text) if text.isdigit() else next(i for i, m in enumerate(MONTHS, start=1)
                                                  if m.lower().startswith(text.lower()))


def _match(patterns: list[re.Pattern[str]], text: str) -> dict[str, str | None] | None:
    for pattern in patterns:
        if (match := pattern.fullmatch(text)) is not None:
            return {k: match.groupdict().get(k) for k in ("y", "m", "d")}
    return None


def _point(text: str) -> Point | None:
    parts = _match(DATE_POINTS, text)
    if parts is None:
        return None
    return (int(parts["y"]), _month(parts["m"]) if parts["m"] else None,
            int(parts["d"]) if parts["d"] else None)


def _first_end(text: str, second: Point) -> Point | None:
    """A range's first end, taking the month and year it leaves out from the second."""
    if (point := _point(text)) is not None:
        return point
    parts = _match(DATE_PARTIALS, text)
    if parts is None or (parts["d"] and not parts["m"] and second[2] is None) or (parts["m"] and second[1] is None):
        return None  # "8–February 1963", "February–1963": not ranges we can read
    month = _month(parts["m"]) if parts["m"] else second[1]
    return second[0], month, int(parts["d"]) if parts["d"] else None


def _edtf_point(point: Point) -> str:
    year, month, day = point
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def _date_range(text: str) -> tuple[Point, Point | None] | None:
    """A single date (second None) or the two ends of a range ("present": an open end,
    returned as the year 0)."""
    if (point := _point(text)) is not None:
        return point, None
    for sep in RANGE_SEP.finditer(text):
        left, right = text[:sep.start()], text[sep.end():]
        if not left or not right:
            continue
        if OPEN_END.fullmatch(right) and (start := _point(left)) is not None:
            return start, (0, None, None)
        if (end := _point(right)) is not None and (start := _first_end(left, end)) is not None:
            return start, end
    return None


# Words before a number, and what they say about it: (bound, exclusive, certainty).
COUNT_WORDS = {
    "over": ("min", True, "bound"), "more than": ("min", True, "bound"),
    "at least": ("min", False, "bound"), "under": ("max", True, "bound"),
    "fewer than": ("max", True, "bound"), "less than": ("max", True, "bound"),
    "up to": ("max", False, "bound"),
    "around": (None, None, "approximate"), "about": (None, None, "approximate"),
    "approximately": (None, None, "approximate"), "approx.": (None, None, "approximate"),
    "some": (None, None, "approximate"), "circa": (None, None, "approximate"),
    "c.": (None, None, "approximate"), "ca.": (None, None, "approximate"), "~": (None, None, "approximate"),
}
_NUM = r"\d{1,3}(?:,\d{3})+|\d+"
COUNT_RE = re.compile(
    r"(?:(?P<word>" + "|".join(re.escape(w) for w in sorted(COUNT_WORDS, key=len, reverse=True)) + r") ?)?"
    rf"(?P<num>{_NUM})(?:\s*(?:[–—-]|to)\s*(?P<num2>{_NUM}))?(?P<plus>\+)?(?P<uncertain>\?)?"
    # a trailing unit or group: "fighters", "killed", "Shia Muslims" (at most four words)
    r"(?: (?P<unit>[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,3}))?",
    re.IGNORECASE,
)
QUALIFIER_RE = re.compile(r"(?P<value>.*\S) \((?P<qualifier>[^()]+)\)")


@dataclass(frozen=True)
class DateValue:
    edtf: str
    date_start: str | None  # None: an open end ("1979–present")
    date_end: str | None
    precision: str


@dataclass(frozen=True)
class Count:
    number: int | None
    number_min: int | None
    number_min_exclusive: bool | None
    number_max: int | None
    number_max_exclusive: bool | None
    certainty: str
    unit: str | None = None  # "fighters" in "15,000 fighters": the qualifier, not a column of its own

    def columns(self) -> dict[str, Any]:
        """The count as the columns of counts and infobox_values (COUNT_FIELDS)."""
        return {"number": self.number, "number_min": self.number_min,
                "number_min_exclusive": self.number_min_exclusive, "number_max": self.number_max,
                "number_max_exclusive": self.number_max_exclusive, "number_certainty": self.certainty}


COUNT_FIELDS = ("number", "number_min", "number_min_exclusive", "number_max", "number_max_exclusive",
                "number_certainty")


# A trailing ~ (approximate), ? (uncertain) or % (both) does not move EDTF's strict bounds
SIMPLE_EDTF = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?[~?%]?")


def _simple_bounds(value: str) -> tuple[datetime.date, datetime.date] | None:
    """Bounds of a plain EDTF date (YYYY, YYYY-MM, YYYY-MM-DD, each maybe qualified by a
    final ~, ? or %), None for any other form;
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


TIME_BOUNDS = ("begin_earliest", "begin_latest", "end_earliest", "end_latest", "end_open")


def _part(value: str) -> tuple[str | None, str | None]:
    """Earliest and latest day of one end of an interval; (None, None) when open or unknown."""
    return (None, None) if value in ("", "..") else edtf_bounds(value)


def time_bounds(edtf: str | None, mode: str | None) -> dict[str, Any]:
    """The time-span of a state (CIDOC CRM's four bounds: begin of the begin, end of the
    begin, begin of the end, end of the end) from its EDTF and what the source says of
    it (the time_mode vocabulary); None where the source does not bound it. end_open:
    the source says it held from then on, with no end. ValueError for an invalid EDTF.

    "Certainly held at T" is begin_latest <= T and end_earliest >= T; "possibly held at
    T" is (begin_earliest is empty or <= T) and (end_latest is empty or >= T). A state
    held "from then on" certainly held on the last day of its start and, without a
    derivation (core/timeline.py), is not known to have held after it: an unknown end is
    unknown, not "for ever"."""
    if edtf is None or mode is None:
        return dict.fromkeys(TIME_BOUNDS)
    check_mode_fits(edtf, mode)
    start, _, end = edtf.partition("/")
    first, last = _part(start), _part(end if "/" in edtf else start)
    whole = (first[0], last[1])
    out: dict[str, Any] = dict.fromkeys(TIME_BOUNDS)
    out["end_open"] = mode == "from"
    if mode == "held_at":  # at some time in the span: begun by its end, not ended before its start
        out.update(begin_latest=whole[1], end_earliest=whole[0])
    elif mode == "from":  # began in the first part, held on: at least until that part's end
        out.update(begin_earliest=first[0], begin_latest=first[1], end_earliest=first[1])
    elif mode == "until":  # held until the last part, when it ended
        out.update(end_earliest=last[0], end_latest=last[1])
    elif mode == "during":  # held throughout: began in the first part, ended in the last
        out.update(begin_earliest=first[0], begin_latest=first[1], end_earliest=last[0], end_latest=last[1])
    elif mode == "began":
        out.update(begin_earliest=whole[0], begin_latest=whole[1])
    elif mode == "ended":
        out.update(end_earliest=whole[0], end_latest=whole[1])
    else:
        raise ValueError(f"unknown time mode {mode!r}")
    return out


def check_mode_fits(edtf: str, mode: str) -> None:
    """ValueError where the time mode and the EDTF say different things, so that no part of
    what the curator wrote is silently dropped: `from` has no end of its own (a closed
    interval's end would be lost), `until` needs a known end, `during` both ends."""
    start, interval, end = edtf.partition("/")
    open_start = interval and start in ("", "..")
    open_end = interval and end in ("", "..")
    if mode == "from" and interval and not open_end:
        raise ValueError(f"time mode 'from' says the source gives no end, but {edtf!r} has one ({end}); "
                         "use 'during' for a span with both ends, or give only the start")
    if mode == "until" and open_end:
        raise ValueError(f"time mode 'until' needs the end the source gives, but {edtf!r} has an open end")
    if mode == "during" and (open_start or open_end):
        raise ValueError(f"time mode 'during' needs both ends, but {edtf!r} has an open one; use 'from' or 'until'")


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
    """A date or period as written, or None when the text is not wholly one. Forms: day,
    month or year ("3 July 1963", "July 3, 1963", "Feb. 1963", "1963"), ISO dates
    ("1982-02-02"), ranges with an en dash, hyphen, spaced dash or "to" whose first end
    may share the second's month and year ("8–10 February 1963", "June–July 1987",
    "23 October 1975 – 2 April 1976"), an open end ("1979–present"); "c.", "circa",
    "about", "around" or "~" before it make it approximate (EDTF "~"), "?" after it
    uncertain (EDTF "?"). The precision is the finest unit written, never finer."""
    match = APPROX_RE.fullmatch(text.strip())
    ends = _date_range(match["rest"]) if match else None
    if ends is None:
        return None
    mark = ("%" if match["uncertain"] else "~") if match["approx"] else ("?" if match["uncertain"] else "")
    first, second = ends
    value = _edtf_point(first) + mark
    if second is not None:
        value += "/" + (".." if second[0] == 0 else _edtf_point(second) + mark)
    try:
        start, end = edtf_bounds(value)
    except ValueError:
        return None  # e.g. "31 February 1983": not a date
    if second is not None and second[0] != 0 and start is not None and end is not None and start > end:
        return None
    return DateValue(value, start, end, edtf_precision(value))


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
    """A count as written, or None when the text is not wholly one. Forms: "150",
    "3,200"; a range "150–582", "150-200" or "150 to 200" (both bounds inclusive); "1+"
    (at least 1); a word before it ("over", "at least", "up to", "about", "c.", "~" ...:
    COUNT_WORDS); "?" after it (uncertain); a trailing unit or group ("15,000 fighters",
    kept in Count.unit)."""
    match = COUNT_RE.fullmatch(text.strip())
    if match is None:
        return None
    number = int(match["num"].replace(",", ""))
    bound, exclusive, certainty = COUNT_WORDS.get((match["word"] or "").lower(), (None, None, "exact"))
    if match["num2"] is not None:  # a range: two inclusive bounds
        high = int(match["num2"].replace(",", ""))
        if bound is not None or match["plus"] or high <= number:
            return None
        return Count(None, number, False, high, False,
                     "uncertain" if match["uncertain"] else "bound" if certainty == "exact" else certainty,
                     match["unit"])
    if match["plus"]:
        if bound is not None or certainty != "exact":
            return None
        bound, exclusive, certainty = "min", False, "bound"
    if match["uncertain"]:
        certainty = "uncertain"
    return Count(
        number=number if bound is None else None,
        number_min=number if bound == "min" else None,
        number_min_exclusive=exclusive if bound == "min" else None,
        number_max=number if bound == "max" else None,
        number_max_exclusive=exclusive if bound == "max" else None,
        certainty=certainty,
        unit=match["unit"],
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
# Leftovers of wiki markup in an infobox value: image sizes, links, templates, tags,
# a parameter name with "=", a caption label ending in ":".
MARKUP_RESIDUE = re.compile(r"^\d+px\b|\[\[|\]\]|\{\{|\}\}|\||<[a-z/][^>]*>|&[a-z]+;"
                            r"|\b[a-z][a-z0-9_-]*\s*=|:\s*,?\s*$|\.(?:svg|png|jpe?g|gif)|(?:^|,\s)\*\s|^\s*,",
                            re.IGNORECASE)
# "Total: 100,000 killed": a label before a count, kept as its qualifier.
COUNT_LABEL = re.compile(r"(?P<label>[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}): (?P<rest>.+)")


def has_markup_residue(text: str) -> bool:
    return MARKUP_RESIDUE.search(text) is not None


UNSEPARATED = re.compile(r"\d{5,}")


def _inferred_count(count: Count | None, text: str) -> Count | None:
    """A count read under a key that does not say it holds one: a trailing unit must
    look like one ("fighters", "Shia Muslims"), not a title ("Days in May"), and five
    or more digits must carry thousands separators, as the encyclopedia writes counts
    ("19761990" is two years that lost their dash, not a count)."""
    if count is None or UNSEPARATED.search(text):
        return None
    if count.unit is None:
        return count
    words = count.unit.split()
    return count if count.unit[0].islower() or len(words) <= 2 else None


def typed_value(text: str, datatype: str, inferred: bool = False) -> dict[str, Any]:
    """The typed columns of one value. Under a mapped key (inferred=False) the value is
    read as the key's datatype; under an unmapped key it is typed as a date or count
    when it reads wholly as one. A value under a date or count key that does not read
    as that type is read as an unmapped one ("Active: 138,000" is a head count, not the
    years a group was active). It stays text when it reads as no type, or when it holds
    markup residue."""
    return dict(_typed_value(text, datatype, inferred))  # the caller's own copy


@lru_cache(maxsize=65_536)  # values repeat across rows and articles; the build and validate.py read each
def _typed_value(text: str, datatype: str, inferred: bool) -> dict[str, Any]:
    out = _typed(text, datatype, inferred)
    if out["datatype"] == "text" and not inferred and datatype != "text" and not out["markup_residue"]:
        other = _typed(text, datatype, True)
        return other if other["datatype"] != "text" else out
    return out


# Empty parentheses a removed template leaves after a value ("13 – 24 January 1986, ()"):
# dropped before the value is read; `text` keeps them as written.
EMPTY_PARENS = re.compile(r",?\s*\(\s*\)\s*$")


def _typed(text: str, datatype: str, inferred: bool) -> dict[str, Any]:
    value, note = split_qualifier(EMPTY_PARENS.sub("", text) or text)
    residue = has_markup_residue(text)
    out = {"datatype": "text", "datatype_source": "inferred" if inferred else "key_map",
           "markup_residue": residue, "value_text": value, "qualifier": note, **EMPTY_TYPED}
    if residue:
        return out
    date = parse_date(value) if datatype == "date" or inferred else None
    count, label = None, None
    if date is None and (datatype == "count" or inferred):
        count = parse_count(value)
        if count is None and (labelled := COUNT_LABEL.fullmatch(value)):
            count, label = parse_count(labelled["rest"]), labelled["label"]
        count = _inferred_count(count, value) if inferred else count
    if date is not None:
        out.update(datatype="date", edtf=date.edtf, date_start=date.date_start,
                   date_end=date.date_end, date_precision=date.precision)
    elif count is not None:
        out.update(datatype="count", **count.columns())
        parts = [p for p in (label, count.unit, note) if p]
        out["qualifier"] = "; ".join(parts) or None
    return out

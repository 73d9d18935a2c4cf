"""Parse a plain-text article snapshot into a structure with exact character offsets.

Grammar (one element per line; lines end with LF; the file ends with LF)::

    article   = title blank* [infobox] lead* section*
    lead      = paragraph | list_item | blank      (a bulleted lead is list items)
    title     = "= " TEXT " ="                    (first line, exactly one)
    infobox   = HEADER NL item (item | more)*     (a caption line directly followed
                                                   by "- Key: Value" lines, up to
                                                   the next blank line; a caption
                                                   does not end as a sentence does,
                                                   with . : ; ! ? or ",": a lead
                                                   paragraph and its bullets are prose)
    item      = "- " KEY ": " VALUE
    more      = "- " TEXT                         (no "Key: " of its own: one more value
                                                   of the field above, as a list in a
                                                   real infobox is written)
    section   = heading (paragraph | list_item | blank)*
    heading   = "="{n} " "? TEXT " "? "="{n}      (n >= 2; "==H==" and "== H ==")
    list_item = "- " TEXT                         (in the lead or a section; in the lead
                                                   of an article with an infobox, not of
                                                   the form "- Key: Value": the infobox
                                                   ends at its first blank line)
    paragraph = any other non-blank line          (in the lead or a section)

A blank line is empty or white space only. Every span is a half-open interval
``[start, end)`` of Python string (code point) indices into the article text, so
``text[span.start:span.end] == span.text`` always holds. Text that fits none of the
rules raises :class:`ParseError` naming the source and the 1-based line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TITLE_RE = re.compile(r"= (?P<text>\S(?:.*\S)?) =")
HEADING_RE = re.compile(r"(?P<open>={2,}) ?(?P<text>[^=\s](?:[^=]*[^=\s])?) ?(?P<close>={2,})")
ITEM_RE = re.compile(r"- (?P<key>[^:\s](?:[^:]*[^:\s])?): (?P<value>\S(?:.*\S)?)")
LIST_ITEM_RE = re.compile(r"- (?P<text>\S(?:.*\S)?)")


class ParseError(ValueError):
    """Text the grammar cannot place; names the source and the line."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}: line {line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    line: int


@dataclass(frozen=True)
class InfoboxField:
    ordinal: int
    key: Span
    value: Span
    # "- text" lines after the field with no "Key: " of their own: more values of it
    # (a list in the infobox, as real articles have)
    more: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Infobox:
    header: Span
    fields: tuple[InfoboxField, ...]


@dataclass(frozen=True)
class Section:
    ordinal: int
    level: int
    heading: Span
    paragraphs: tuple[Span, ...]
    list_items: tuple[Span, ...]
    body_start: int
    body_end: int


@dataclass(frozen=True)
class Article:
    source: str
    title: Span
    infobox: Infobox | None
    lead: tuple[Span, ...]
    sections: tuple[Section, ...]
    lead_items: tuple[Span, ...] = ()  # list items before the first heading

    def section(self, heading: str) -> Section:
        for section in self.sections:
            if section.heading.text == heading:
                return section
        raise KeyError(heading)


@dataclass(frozen=True)
class _Line:
    number: int
    start: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    def span(self, match: re.Match[str] | None = None, group: str = "text") -> Span:
        """The span of a regex group, or of the stripped line."""
        if match is None:
            lead = len(self.text) - len(self.text.lstrip())
            body = self.text.strip()
            return Span(self.start + lead, self.start + lead + len(body), body, self.number)
        return Span(self.start + match.start(group), self.start + match.end(group),
                    match.group(group), self.number)


def _lines(source: str, text: str) -> list[_Line]:
    if not text:
        raise ParseError(source, 1, "the article is empty")
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        raise ParseError(source, line, "carriage return found; lines must end with LF only")
    if not text.endswith("\n"):
        raise ParseError(source, text.count("\n") + 1,
                         "the last line has no final newline; the file may be truncated")
    lines, start = [], 0
    for number, body in enumerate(text[:-1].split("\n"), start=1):
        lines.append(_Line(number, start, body))
        start += len(body) + 1
    return lines


def parse_article(text: str, source: str) -> Article:
    """Parse one article. Pure: the same text always gives the same Article."""
    lines = _lines(source, text)
    title_match = TITLE_RE.fullmatch(lines[0].text)
    if title_match is None:
        raise ParseError(source, 1, "expected the title line '= Title ='")
    title = lines[0].span(title_match)

    i = 1
    while i < len(lines) and lines[i].blank:
        i += 1

    infobox = None
    if i + 1 < len(lines) and _is_caption(lines[i]) and lines[i + 1].text.startswith("- ") and any(
            ITEM_RE.fullmatch(line.text) for line in _block(lines, i + 1)):
        infobox, i = _parse_infobox(source, lines, i)

    lead: list[Span] = []
    lead_items: list[Span] = []
    sections: list[Section] = []
    current: dict | None = None
    for line in lines[i:]:
        if line.blank:
            continue
        kind = _starts_block(line)
        if kind == "heading":
            match = HEADING_RE.fullmatch(line.text)
            if match is None or len(match["open"]) != len(match["close"]):
                raise ParseError(source, line.number,
                                 "malformed heading; expected '==Heading==' or '== Heading =='")
            if current is not None:
                sections.append(_close_section(current))
            current = {"ordinal": len(sections) + 1, "level": len(match["open"]),
                       "heading": line.span(match), "paragraphs": [], "items": []}
        elif kind == "title":
            raise ParseError(source, line.number, "a second title line; an article has one title")
        elif kind == "item":
            item = LIST_ITEM_RE.fullmatch(line.text)
            if item is None:
                raise ParseError(source, line.number, "empty list item")
            if current is not None:
                current["items"].append(line.span(item))
            elif infobox is not None and ITEM_RE.fullmatch(line.text):
                raise ParseError(source, line.number, "a '- Key: Value' line after the infobox's blank line; "
                                 "the infobox ends at its first blank line (a list in the lead is allowed)")
            else:
                lead_items.append(line.span(item))
        elif current is None:
            lead.append(line.span())
        else:
            current["paragraphs"].append(line.span())
    if current is not None:
        sections.append(_close_section(current))
    return Article(source, title, infobox, tuple(lead), tuple(sections), tuple(lead_items))


# A caption line names the infobox ("Al-Ansar", "Infobox"); a line that ends as a
# sentence does is the lead's prose, and the bullets after it are a list in the lead.
SENTENCE_END = (".", ":", ";", "!", "?", ",")


def _block(lines: list[_Line], i: int) -> list[_Line]:
    """The lines from i up to the next blank line."""
    end = next((j for j in range(i, len(lines)) if lines[j].blank), len(lines))
    return lines[i:end]


def _is_caption(line: _Line) -> bool:
    return _starts_block(line) is None and not line.text.rstrip().endswith(SENTENCE_END)


def _starts_block(line: _Line) -> str | None:
    if line.text.startswith("= ") and TITLE_RE.fullmatch(line.text):
        return "title"
    if line.text.startswith("="):
        return "heading"
    if line.text.startswith("-"):
        return "item"
    return None


def _parse_infobox(source: str, lines: list[_Line], i: int) -> tuple[Infobox, int]:
    header = lines[i].span()
    fields: list[InfoboxField] = []
    i += 1
    while i < len(lines) and not lines[i].blank:
        line = lines[i]
        match = ITEM_RE.fullmatch(line.text)
        item = LIST_ITEM_RE.fullmatch(line.text) if match is None else None
        if match is None and (item is None or not fields):
            raise ParseError(source, line.number,
                             f"stray line in the infobox; expected '- Key: Value', got {line.text!r}")
        if match is None:
            last = fields[-1]
            fields[-1] = InfoboxField(last.ordinal, last.key, last.value, (*last.more, line.span(item, "text")))
        else:
            fields.append(InfoboxField(len(fields) + 1, line.span(match, "key"), line.span(match, "value")))
        i += 1
    return Infobox(header, tuple(fields)), i


def _close_section(current: dict) -> Section:
    content = current["paragraphs"] + current["items"]
    empty = current["heading"].end  # an empty section's body is the empty span after its heading
    body_start = min((span.start for span in content), default=empty)
    body_end = max((span.end for span in content), default=empty)
    return Section(current["ordinal"], current["level"], current["heading"],
                   tuple(current["paragraphs"]), tuple(current["items"]), body_start, body_end)

"""Which sentences, infobox values and list items of an article no evidence span
touches: the curation says all an article says only where every one is touched, or is
on the reviewed allow-list (curation/coverage_allowlist.yaml) with a reason. The tests
hold the package to it; `refresh` lists what a new revision adds that nothing touches."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ansar_data.core.yamlfile import read_yaml
from ansar_data.read.parse import Article

ALLOWLIST = "coverage_allowlist.yaml"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(article: Article) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of each sentence of the lead and the sections' paragraphs."""
    for paragraph in [*article.lead, *(p for s in article.sections for p in s.paragraphs)]:
        offset = 0
        for sentence in SENTENCE_END.split(paragraph.text):
            start = paragraph.text.index(sentence, offset)
            offset = start + len(sentence)
            yield paragraph.start + start, paragraph.start + offset, sentence


def units(article: Article) -> Iterator[tuple[int, int, str]]:
    """Every sentence, infobox value and list item: what evidence should touch."""
    yield from sentences(article)
    for f in article.infobox.fields if article.infobox else ():
        yield f.value.start, f.value.end, f"{f.key.text}: {f.value.text}"
    for item in article.lead_items:
        yield item.start, item.end, item.text
    for s in article.sections:
        for item in s.list_items:
            yield item.start, item.end, item.text


def read_allowlist(curation: Path) -> list[dict[str, Any]]:
    return read_yaml(curation / ALLOWLIST) or []


def uncovered(article: Article, spans: Iterable[tuple[int, int]], allow: list[dict[str, Any]]) -> list[str]:
    """The units of the article that no span touches and the allow-list does not name."""
    spans = sorted(spans)
    mine = [a for a in allow if a.get("source") == article.source]
    return [text for start, end, text in units(article)
            if not any(s < end and start < e for s, e in spans)
            and not any(text.startswith(a["starts"]) for a in mine)]

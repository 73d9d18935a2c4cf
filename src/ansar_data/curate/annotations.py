"""The evidence as W3C Web Annotations (annotations.jsonld): one annotation per evidence
row, targeting its source article (with its revision when known) by a
TextQuoteSelector (the quote, with a short prefix and suffix) and a
TextPositionSelector (its offsets), its body naming the record and the fields the quote
supports. A reader's tool (Hypothesis, any Web Annotation client) can anchor them in
the article, and re-anchor them in an edited one by the quote and its context.

A rendering of the evidence table (as a JSON twin is of its CSV), here below the check
stage so that validate.py can derive the file again and compare."""

from __future__ import annotations

from typing import Any, Protocol


class Source(Protocol):
    """What an annotation needs of a source: read.sources.Source, or the validator's view."""
    id: str
    url: str
    text: str
    revision: int | None

CONTEXT = 32  # characters of prefix and suffix, as refresh uses to choose among matches


def target_url(source: Source) -> str:
    """The article, at its revision when the snapshot's revision id is known."""
    return (f"https://en.wikipedia.org/w/index.php?oldid={source.revision}" if source.revision
            else source.url)


def annotation(row: dict[str, Any], source: Source) -> dict[str, Any]:
    start, end, text = row["char_start"], row["char_end"], source.text
    return {
        "id": f"#evidence/{row['record_table']}/{row['record_id']}/{row['ordinal']}",
        "type": "Annotation",
        "motivation": "describing",
        "body": {"type": "TextualBody", "purpose": "describing", "format": "text/plain",
                 "value": f"{row['record_table']} {row['record_id']}: {row['fields']}"},
        "target": {
            "source": target_url(source),
            "selector": [
                {"type": "TextQuoteSelector", "exact": row["quote"],
                 "prefix": text[max(0, start - CONTEXT):start], "suffix": text[end:end + CONTEXT]},
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def render(evidence: list[dict[str, Any]], sources: list[Source], title: str) -> dict[str, Any]:
    """An AnnotationCollection of every evidence row, in the order of the evidence table."""
    by_id = {s.id: s for s in sources}
    items = [annotation(row, by_id[row["source"]]) for row in evidence]
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "id": "annotations.jsonld",
            "type": "AnnotationCollection", "label": f"{title}: the evidence of every curated record",
            "total": len(items), "first": {"type": "AnnotationPage", "items": items}}

"""annotations.jsonld (#24): the evidence as W3C Web Annotations, each of whose
selectors anchors exactly its quote in its source."""

from __future__ import annotations

import json

from helpers import ROOT, read_csv

DOC = json.loads((ROOT / "annotations.jsonld").read_text(encoding="utf-8"))
TEXTS = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "sources").glob("*.txt")}
URLS = {r[0]: r[2] for r in read_csv(ROOT / "data" / "sources.csv")[1:]}


def test_one_annotation_per_evidence_row():
    evidence = read_csv(ROOT / "data" / "evidence.csv")[1:]
    items = DOC["first"]["items"]
    assert DOC["@context"] == "http://www.w3.org/ns/anno.jsonld" and DOC["type"] == "AnnotationCollection"
    assert DOC["total"] == len(items) == len(evidence)
    assert [i["id"] for i in items] == [f"#evidence/{r[0]}/{r[1]}/{r[2]}" for r in evidence]
    assert items[0]["body"]["value"] == f"{evidence[0][0]} {evidence[0][1]}: {evidence[0][3]}"


def test_every_selector_anchors_its_quote_exactly():
    by_url = {url: TEXTS[sid] for sid, url in URLS.items()}
    for item in DOC["first"]["items"]:
        assert item["type"] == "Annotation" and item["motivation"] == "describing"
        text = by_url[item["target"]["source"]]
        quote, position = item["target"]["selector"]
        assert (quote["type"], position["type"]) == ("TextQuoteSelector", "TextPositionSelector")
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"]
        assert text[:start].endswith(quote["prefix"]) and text[end:].startswith(quote["suffix"])
        # the quote selector alone finds the same span: exact with its prefix and suffix occurs once
        whole = quote["prefix"] + quote["exact"] + quote["suffix"]
        assert text.count(whole) == 1 and text.index(whole) + len(quote["prefix"]) == start, item["id"]

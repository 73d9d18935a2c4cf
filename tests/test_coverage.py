"""Every sentence and infobox value of both articles is touched by some evidence span,
except those on the reviewed allow-list (curation/coverage_allowlist.yaml)."""

from __future__ import annotations

import re

import yaml

from helpers import ROOT

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def sentences(article):
    for paragraph in [*article.lead, *(p for s in article.sections for p in s.paragraphs)]:
        offset = 0
        for sentence in SENTENCE_END.split(paragraph.text):
            start = paragraph.text.index(sentence, offset)
            offset = start + len(sentence)
            yield paragraph.start + start, paragraph.start + offset, sentence


def units(article):
    yield from sentences(article)
    for f in article.infobox.fields:
        yield f.value.start, f.value.end, f"{f.key.text}: {f.value.text}"
    for s in article.sections:
        for item in s.list_items:
            yield item.start, item.end, item.text


def uncovered(articles, evidence, allow):
    spans = {}
    for e in evidence:
        spans.setdefault(e["source"], []).append((e["char_start"], e["char_end"]))
    missing, counted = [], 0
    for source, article in articles.items():
        for start, end, text in units(article):
            counted += 1
            touched = any(s < end and start < e for s, e in spans.get(source, []))
            allowed = any(a["source"] == source and text.startswith(a["starts"]) for a in allow)
            if not touched and not allowed:
                missing.append(f"{source}: {text}")
    return counted, missing


def test_every_sentence_is_evidenced(articles, tables):
    allow = yaml.safe_load((ROOT / "curation" / "coverage_allowlist.yaml").read_text()) or []
    counted, missing = uncovered(articles, tables["evidence"], allow)
    assert counted == 69
    assert missing == []
    assert len(allow) <= 5


def test_coverage_fails_without_evidence(articles, tables, texts):
    text = texts["pasht-ashan-massacre"]
    start = text.index("Within the Iraqi Communist Party – Central Command")
    end = text.index("although the claim is weak.") + len("although the claim is weak.")
    evidence = [e for e in tables["evidence"] if not (
        e["source"] == "pasht-ashan-massacre" and e["char_start"] < end and start < e["char_end"])]
    _, missing = uncovered(articles, evidence, [])
    assert len(missing) == 1
    assert missing[0].startswith("pasht-ashan-massacre: Within the Iraqi Communist Party – Central Command")
    _, missing = uncovered(articles, evidence, [{"source": "pasht-ashan-massacre",
                                                 "starts": "Within the Iraqi Communist Party"}])
    assert missing == []


def test_sentence_split(articles):
    texts = [t for _, _, t in sentences(articles["pasht-ashan-massacre"])]
    assert len(texts) == 11
    assert texts[-1].endswith("although the claim is weak.")

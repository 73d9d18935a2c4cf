"""Every sentence and infobox value of both articles is touched by some evidence span,
except those on the reviewed allow-list (curation/coverage_allowlist.yaml)."""

from __future__ import annotations

from ansar_data.curate import coverage
from ansar_data.curate.coverage import sentences, units
from helpers import ROOT


def uncovered(articles, evidence, allow) -> tuple[int, list[str]]:
    """(units counted, "source: text" of each unit no evidence touches)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for e in evidence:
        spans.setdefault(e["source"], []).append((e["char_start"], e["char_end"]))
    counted = sum(1 for article in articles.values() for _ in units(article))
    return counted, [f"{source}: {text}" for source, article in articles.items()
                     for text in coverage.uncovered(article, spans.get(source, []), allow)]


def test_every_sentence_is_evidenced(articles, tables):
    """Each unit no evidence touches is named (a count compared with a number named none)."""
    allow = coverage.read_allowlist(ROOT / "curation")
    counted, missing = uncovered(articles, tables["evidence"], allow)
    assert counted > 0
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

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


def _causes(articles, spec, tables, reasons):
    links = spec.vocabularies["event_link"].attributes
    spans = coverage.causal_spans(links, tables["event_links"], tables["evidence"])
    cues = coverage.causal_cues(links)
    return [(source, text, cue) for source, article in articles.items()
            for text, cue in coverage.uncited_causes(article, spans.get(source, []), cues, reasons)]


def test_every_sentence_that_states_a_cause_or_effect_has_its_link_or_a_reason(articles, inputs, tables):
    reasons = coverage.read_causal_reasons(ROOT / "curation")
    assert _causes(articles, inputs.spec, tables, reasons) == []
    # what the cues find without links and reasons: each sentence a reader would call causal
    found = {(s, cue) for s, _, cue in _causes(articles, inputs.spec, {**tables, "event_links": []}, [])}
    assert found == {("al-ansar-iraq", "to escape"), ("al-ansar-iraq", "enabling"),
                     ("al-ansar-iraq", "motivated by"), ("al-ansar-iraq", "result"),
                     ("al-ansar-iraq", "the cause of"),
                     ("pasht-ashan-massacre", "weakened"), ("pasht-ashan-massacre", "caused by"),
                     ("pasht-ashan-massacre", "result"), ("pasht-ashan-massacre", "because")}


def test_a_causal_sentence_without_its_link_is_listed(articles, inputs, tables):
    reasons = coverage.read_causal_reasons(ROOT / "curation")
    gone = "pasht-ashan-massacre/resulted_in/al-ansar/status/severely-weakened"
    links = [r for r in tables["event_links"] if r["id"] != gone]
    assert _causes(articles, inputs.spec, {**tables, "event_links": links}, reasons) == [
        ("pasht-ashan-massacre", "This massacre severely weakened al-Ansar as an effective guerrilla force.",
         "weakened")]


def test_sources_lists_every_article_that_states_the_record(articles, tables):
    """For each record, every span of the other article that names what it is about is
    quoted in its evidence (so `sources` lists both articles) or has a reason why it does
    not state the record; no reason is kept for a span that is no longer a candidate."""
    reasons = coverage.read_cross_source_reasons(ROOT / "curation")
    candidates = coverage.cross_source_candidates(tables, articles)
    assert coverage.unexplained(candidates, reasons) == ([], [])
    assert len({c[:3] for c in candidates}) == len({(r["record"], r["source"]) for r in reasons})
    # the KDP is named and described in both articles, and listed so
    (kdp,) = [e for e in tables["entities"] if e["id"] == "kdp"]
    assert kdp["sources"] == "al-ansar-iraq pasht-ashan-massacre"


def test_a_record_that_loses_its_other_article_evidence_is_listed(articles, tables):
    rid = "icp-puk-deal/ally/puk"
    evidence = [e for e in tables["evidence"] if not (e["record_id"] == rid and e["source"] == "pasht-ashan-massacre")]
    rows = [{**r, "sources": "al-ansar-iraq"} if r["id"] == rid else r for r in tables["event_participants"]]
    candidates = coverage.cross_source_candidates({**tables, "evidence": evidence, "event_participants": rows},
                                                  articles)
    missing, _ = coverage.unexplained(candidates, coverage.read_cross_source_reasons(ROOT / "curation"))
    assert missing == ["event_participants/icp-puk-deal/ally/puk pasht-ashan-massacre: The Iraqi Communist Party "
                       "made a deal with the Patriotic Union of Kurdistan (PUK), one of the two main Kurdish factions."]

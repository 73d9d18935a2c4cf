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
CAUSAL_REASONS = "causal_reasons.yaml"
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


def causal_cues(links: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """cue -> the event_link terms that record what it states, from the vocabulary's
    `cues` attributes (tables.yaml)."""
    out: dict[str, list[str]] = {}
    for term, attrs in links.items():
        for cue in attrs.get("cues", []):
            out.setdefault(cue, []).append(term)
    return out


def uncited_causes(article: Article, cited: Iterable[tuple[int, int]], cues: Iterable[str],
                   reasons: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(sentence, cue) for each sentence of the article with a word that states a cause
    or an effect that no cited span (the evidence of a cause or effect link) touches and
    no reason names."""
    spans = sorted(cited)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(cues, key=len, reverse=True))) + r")",
                         re.IGNORECASE)
    mine = [r for r in reasons if r.get("source") == article.source]
    out = []
    for start, end, text in sentences(article):
        found = pattern.search(text)
        if found and not any(s < end and start < e for s, e in spans) \
                and not any(text.startswith(r["starts"]) for r in mine):
            out.append((text, found[1]))
    return out


def causal_spans(spec_links: dict[str, dict[str, Any]], links: Iterable[dict[str, Any]],
                 evidence: Iterable[dict[str, Any]]) -> dict[str, list[tuple[int, int]]]:
    """source -> the spans quoted by event links of a kind that has cues (a cause or an effect)."""
    causal = {t for t, a in spec_links.items() if a.get("cues")}
    ids = {link["id"] for link in links if link.get("link") in causal}
    out: dict[str, list[tuple[int, int]]] = {}
    for e in evidence:
        if e["record_table"] == "event_links" and e["record_id"] in ids:
            out.setdefault(e["source"], []).append((e["char_start"], e["char_end"]))
    return out


def read_causal_reasons(curation: Path) -> list[dict[str, Any]]:
    return read_yaml(curation / CAUSAL_REASONS) or []


CROSS_SOURCE_REASONS = "cross_source_reasons.yaml"


def _named(text: str, names: Iterable[str], longer: Iterable[str] = ()) -> bool:
    """Whether the text names one of the names as a whole word, outside every longer name
    that holds it ("Communist Party" is not named by "Iraqi Communist Party")."""
    for name in names:
        masked = text
        for other in sorted((o for o in longer if name in o and o != name), key=len, reverse=True):
            masked = masked.replace(other, "\0" * len(other))
        if re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", masked):
            return True
    return False


def cross_source_candidates(tables: dict[str, list[dict[str, Any]]], articles: dict[str, Article]
                            ) -> list[tuple[str, str, str, int, str]]:
    """(table, record id, other source, start, text) of each sentence, infobox value or
    list item of an article a record does not quote that may state the record too: the
    other article names its entity (or the name itself), its subject with its object,
    or, inside a sentence the other article's evidence of its event quotes, its entity
    or its target. Each needs evidence, or a reason why it does not state the record
    (curation/cross_source_reasons.yaml). Records tied to one source by their `source`
    field (counts, assessments) and disagreements are not looked for."""
    names: dict[str, set[str]] = {}
    for row in tables.get("entity_names", []):
        if row["script"] == "Latn":
            names.setdefault(row["entity"], set()).add(row["name"])
    quoted: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for e in tables.get("evidence", []):
        quoted.setdefault((e["record_table"], e["record_id"], e["source"]), []).append((e["char_start"], e["char_end"]))
    all_units = {s: list(units(a)) for s, a in articles.items()}
    every_name = {n for ns in names.values() for n in ns}

    def named(text: str, entity: str) -> bool:
        return _named(text, names.get(entity, ()), every_name)

    def touched(table: str, rid: str, source: str) -> list[tuple[int, int, str]]:
        spans = quoted.get((table, rid, source), [])
        return [u for u in all_units[source] if any(s < u[1] and u[0] < e for s, e in spans)]

    def cands(table: str, row: dict[str, Any], source: str) -> list[tuple[int, int, str]]:
        every = all_units[source]
        if table == "entities":
            return [u for u in every if named(u[2], row["id"])]
        if table == "entity_names":
            return [u for u in every if row["script"] == "Latn" and _named(u[2], [row["name"]], every_name)]
        if table == "relations":
            return [u for u in every if named(u[2], row["subject"])
                    and (named(u[2], row["object"]) if row.get("object") else row["literal"].lower() in u[2].lower())]
        if table == "events" and row.get("entity"):
            return [u for u in every if named(u[2], row["entity"])]
        if table == "event_participants":
            return [u for u in touched("events", row["event"], source) if named(u[2], row["entity"])]
        if table == "event_links":
            target = (touched("events", row["to_event"], source) if row.get("to_event") else
                      touched("relations", row["to_relation"], source) if row.get("to_relation") else
                      [u for u in every if row["literal"].lower() in u[2].lower()])
            return [u for u in touched("events", row["event"], source) if u in target]
        if table == "claims":
            return [u for u in touched("events", row["event"], source) if named(u[2], row["claimant"])]
        return []

    out = []
    for table in ("entities", "entity_names", "relations", "events", "event_participants", "event_links", "claims"):
        for row in tables.get(table, []):
            have = set((row.get("sources") or "").split())
            for source in sorted(set(articles) - have):
                out += [(table, row["id"], source, start, text) for start, _, text in cands(table, row, source)]
    return out


def read_cross_source_reasons(curation: Path) -> list[dict[str, Any]]:
    return read_yaml(curation / CROSS_SOURCE_REASONS) or []


def unexplained(candidates: list[tuple[str, str, str, int, str]], reasons: list[dict[str, Any]]
                ) -> tuple[list[str], list[dict[str, Any]]]:
    """Candidates no reason names ("table/id source: text"), and reasons that name no candidate."""
    def names(reason: dict[str, Any], c: tuple[str, str, str, int, str]) -> bool:
        return (reason.get("record") == f"{c[0]}/{c[1]}" and reason.get("source") == c[2]
                and c[4].startswith(str(reason.get("starts"))))
    missing = [f"{c[0]}/{c[1]} {c[2]}: {c[4]}" for c in candidates if not any(names(r, c) for r in reasons)]
    stale = [r for r in reasons if not any(names(r, c) for c in candidates)]
    return missing, stale

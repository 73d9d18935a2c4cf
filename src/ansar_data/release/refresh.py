"""When an article changes: re-anchor every quote of the current snapshot in a new
revision, say what became of each, and take the revision only when nothing a curator
must read again has changed.

Each evidence row's span is carried through a character diff of the old text and the
new (diff-match-patch, as Hypothesis re-anchors annotations in edited pages), and its
quote is looked for again:

- kept: the same text at the same offsets;
- moved: the same text, found once, at other offsets (or, found more than once, the
  one whose surrounding words are the old ones, as a W3C TextQuoteSelector's prefix
  and suffix choose);
- changed: not found as written, but the diff carries the span to text close enough
  (given with its new text and offsets, and what differs);
- ambiguous: found more than once, and the surrounding words do not decide;
- gone: nothing close enough.

Pure but for `refresh` (and its `_take`), which reads the files and, when every quote is
kept or moved, puts the new snapshot, sources.yaml and every generated file in place as
one journaled swap under the build's lock.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ansar_data.core.errors import InputError
from ansar_data.core.files import MAX_TEXT_BYTES, MAX_YAML_BYTES
from ansar_data.core.outputs import Step, write_outputs, writing
from ansar_data.core.provenance import supports
from ansar_data.core.schema import Spec
from ansar_data.core.yamlfile import read_input
from ansar_data.curate import coverage
from ansar_data.publish.build import GENERATED, OWNED, build_tables, load_inputs, previous_files, render, validated
from ansar_data.read.parse import parse_article
from ansar_data.read.sources import INDEX, read_index, snapshot_problem, source_path

CONTEXT = 32          # characters of prefix and suffix that choose among matches
CLOSE_ENOUGH = 0.6    # a changed quote keeps at least this share of its characters
STATUSES = ("kept", "moved", "changed", "ambiguous", "gone")


@dataclass
class Anchor:
    """What became of one evidence row's quote in the new text."""
    record_table: str
    record_id: str
    ordinal: int
    fields: list[str]
    status: str
    old_start: int
    old_end: int
    old_quote: str
    new_start: int | None = None
    new_end: int | None = None
    new_text: str | None = None
    differs: str | None = None                                  # what changed, for `changed`
    values: list[str] = field(default_factory=list)             # values the new text no longer gives


def _mapper(old: str, new: str) -> Any:
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_SECONDS  # the exact diff when it ends in time (articles take milliseconds)
    began = time.monotonic()
    diffs = dmp.diff_main(old, new, False)
    if time.monotonic() - began >= DIFF_SECONDS:
        raise RefreshCannotRun("the new revision", "whole file", None,
                               f"re-anchoring took over {DIFF_SECONDS:g} s: it is too different to re-anchor "
                               "quote by quote")
    return dmp, diffs


def _occurrences(text: str, needle: str) -> list[int]:
    out, at = [], text.find(needle)
    while at >= 0:
        out.append(at)
        at = text.find(needle, at + 1)
    return out


def _similarity(dmp: Any, a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1 - dmp.diff_levenshtein(dmp.diff_main(a, b, False)) / max(len(a), len(b))


def anchor(old: str, new: str, rows: Iterable[dict[str, Any]], spec: Spec,
           records: dict[tuple[str, str], dict[str, Any]]) -> list[Anchor]:
    """The fate of each evidence row (of one source) in the new text; `records` gives
    each row's record, to say which values the new text no longer gives."""
    dmp, diffs = _mapper(old, new)
    out = []
    for row in rows:
        start, end, quote = row["char_start"], row["char_end"], row["quote"]
        result = Anchor(row["record_table"], row["record_id"], row["ordinal"], row["fields"].split(),
                        "gone", start, end, quote)
        found = _occurrences(new, quote)
        if len(found) > 1:
            # the one the diff carries the old offsets to (as Hypothesis tries the position
            # first), else the one whose surrounding words are the old ones
            mapped = dmp.diff_xIndex(diffs, start)
            prefix, suffix = old[max(0, start - CONTEXT):start], old[end:end + CONTEXT]
            found = [mapped] if mapped in found else [
                at for at in found if new[max(0, at - len(prefix)):at] == prefix
                and new[at + len(quote):at + len(quote) + len(suffix)] == suffix] or found
        if len(found) == 1:
            result.status = "kept" if found[0] == start else "moved"
            result.new_start, result.new_end, result.new_text = found[0], found[0] + len(quote), quote
        elif len(found) > 1:
            result.status = "ambiguous"
        else:
            new_start, new_end = dmp.diff_xIndex(diffs, start), dmp.diff_xIndex(diffs, end)
            text = new[new_start:new_end]
            if text.strip() and _similarity(dmp, quote, text) >= CLOSE_ENOUGH:
                result.status, result.new_start, result.new_end, result.new_text = "changed", new_start, new_end, text
                result.differs = _changes(dmp, quote, text)
        if result.status in ("changed", "gone"):
            result.values = _values_lost(spec, records.get((row["record_table"], row["record_id"]), {}),
                                         result.fields, result.new_text or "", quote)
        out.append(result)
    return out


def _changes(dmp: Any, old: str, new: str) -> str:
    """What differs, as '-removed' and '+added' pieces."""
    diffs = dmp.diff_main(old, new, False)
    dmp.diff_cleanupSemantic(diffs)
    return " ".join(("-" if op < 0 else "+") + repr(text) for op, text in diffs if op != 0)


def _values_lost(spec: Spec, record: dict[str, Any], fields: list[str], text: str, old_quote: str) -> list[str]:
    """The fields this quote supported whose value the new text no longer gives by the
    field's evidence rule (a count that became "over 150", a date that moved)."""
    out = []
    table = record.get("__table__")
    if table is None:
        return out
    rules = spec.table(table).evidence_rules
    for f in fields:
        rule, value = rules.get(f), record.get(f)
        if not rule or rule == "stated" or value is None:
            continue
        if not supports(rule, value, text):
            out.append(f"{f}: {value!r} is not what the new text gives ({rule})")
        elif rule == "in-quote" and (around := _around(old_quote, value)) not in text:
            # still there, but read with other words: "150" inside "over 150"
            out.append(f"{f}: {value!r} now reads differently: {around!r} is not in the new text")
    return out


def _around(quote: str, value: str, width: int = 12) -> str:
    """The value with the characters around it in the quote, which say how it reads."""
    at = quote.find(value)
    return quote[max(0, at - width):at + len(value) + width]


@dataclass
class Review:
    source: str
    anchors: list[Anchor]
    infobox: list[str] = field(default_factory=list)   # lines of the infobox and "See also" added or removed
    taken_as_curated: bool = False  # the curation already quoted the new revision, and it was taken
    # sentences, infobox values and list items of the new revision that no quote touches
    # (coverage.uncovered): new text to curate, or to put on the allow-list on purpose
    uncovered: list[str] = field(default_factory=list)
    # sentences of the new revision with a word of cause or effect that no cause or
    # effect link quotes (coverage.uncited_causes): a link to add, or a reason to give
    uncited_causes: list[str] = field(default_factory=list)

    @property
    def takes(self) -> bool:
        return self.taken_as_curated or all(a.status in ("kept", "moved") for a in self.anchors)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for a in self.anchors if a.status == s) for s in STATUSES}

    def human(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        lines = [f"{self.source}: {len(self.anchors)} quotes: {counts}"]
        for a in self.anchors:
            if a.status in ("kept", "moved"):
                continue
            lines.append(f"  {a.status}: {a.record_table} {a.record_id!r} #{a.ordinal} (fields: "
                         f"{' '.join(a.fields)}) at {a.old_start}-{a.old_end}: {a.old_quote!r}")
            if a.status == "changed":
                lines.append(f"    now at {a.new_start}-{a.new_end}: {a.new_text!r}; quote this instead ({a.differs})")
            lines += [f"    {v}" for v in a.values]
        lines += [f"  infobox or See also: {line}" for line in self.infobox]
        lines += [f"  no quote touches: {text!r}" for text in self.uncovered]
        lines += [f"  no cause or effect link quotes: {text!r}" for text in self.uncited_causes]
        if self.taken_as_curated:
            lines.append("the curation already quotes this revision: taken, rebuilt and validated")
        else:
            lines.append("nothing was changed: edit the quotes in curation/ and run this again" if not self.takes
                         else "every quote kept or moved")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "takes": self.takes, "counts": self.counts(),
                "quotes": [asdict(a) for a in self.anchors], "infobox_and_see_also": self.infobox,
                "uncovered": self.uncovered, "uncited_causes": self.uncited_causes}


def listed_lines(old: str, new: str) -> list[str]:
    """Lines of the infobox and list items ("- ...") added or removed: the extracted
    tables follow them."""
    def items(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("- ")]
    before, after = items(old), items(new)
    return [f"removed {line!r}" for line in before if line not in after] + [
        f"added {line!r}" for line in after if line not in before]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stamped_index(text: str, source_id: str, data: bytes, revision: int | None, retrieved: str | None) -> str:
    """sources.yaml with the entry of source_id given the new file's sha256 (and the
    revision and retrieval date when known), written by the round-trip YAML library so
    its comments stay."""
    from ruamel.yaml import YAML

    rt = YAML()
    rt.preserve_quotes, rt.width = True, 4096
    rt.indent(mapping=2, sequence=2, offset=0)  # sources.yaml's own layout: a list at the margin
    entries = rt.load(text)
    entry = next(e for e in entries if e["id"] == source_id)
    entry["sha256"] = sha256(data)
    if revision is not None:
        entry["revision"] = revision
    if retrieved is not None:
        entry["retrieved"] = datetime.date.fromisoformat(retrieved)  # written as a plain date
    out = io.StringIO()
    rt.dump(entries, out)
    return out.getvalue()


def review_source(spec: Spec, tables: dict[str, list[dict[str, Any]]], source_id: str, old: str,
                  new: str, allow: list[dict[str, Any]] | None = None,
                  reasons: list[dict[str, Any]] | None = None) -> Review:
    """Re-anchor every quote of source_id in the new text, and list what of the new text
    no quote then touches (less what the allow-list names), and its sentences of cause or
    effect that no cause or effect link then quotes (less what `reasons` names)."""
    records = {}
    for table in spec.curated:
        for row in tables.get(table.name, []):
            records[(table.name, row.get("id"))] = {**row, "__table__": table.name}
    rows = [r for r in tables["evidence"] if r["source"] == source_id]
    anchors = anchor(old, new, rows, spec, records)
    spans = [(a.new_start, a.new_end) for a in anchors if a.new_start is not None and a.new_end is not None]
    article = parse_article(new, source_id)
    links = spec.vocabularies["event_link"].attributes
    causal = {r["id"] for r in tables.get("event_links", []) if links.get(r["link"], {}).get("cues")}
    cited = [(a.new_start, a.new_end) for a in anchors if a.record_table == "event_links" and a.record_id in causal
             and a.new_start is not None and a.new_end is not None]
    return Review(source_id, anchors, listed_lines(old, new),
                  uncovered=coverage.uncovered(article, spans, allow or []),
                  uncited_causes=[text for text, _ in coverage.uncited_causes(
                      article, cited, coverage.causal_cues(links), reasons or [])])


# The first edit of the English Wikipedia: no snapshot of an article can be older.
WIKIPEDIA_BEGAN = datetime.date(2001, 1, 15)
# How long re-anchoring may diff two texts (the articles take milliseconds; a rewritten
# 258 KiB revision took 73 s) before it says so and stops.
DIFF_SECONDS = 10.0
# Below this share of the snapshot's characters kept, a file is not taken for a revision.
LEAST_SHARED = 1 / 3


class RefreshCannotRun(InputError):
    """The new file cannot be reviewed as a revision of the source (exit 2)."""


def check_retrieved(value: str | None, today: datetime.date | None = None) -> None:
    """A retrieval date is a real day, not in the future, not before Wikipedia began."""
    if value is None:
        return
    today = today or datetime.date.today()
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise InputError("--retrieved", repr(value), None, "not a date YYYY-MM-DD") from None
    if not WIKIPEDIA_BEGAN <= day <= today:
        raise InputError("--retrieved", repr(value), None, f"not a day between {WIKIPEDIA_BEGAN} (Wikipedia's first "
                         f"edit) and today ({today}): no snapshot could have been taken then")


def read_revision(source_id: str, new_file: Path) -> tuple[bytes, str]:
    """The new file's bytes and text, refused unless it passes the text rule of a snapshot."""
    data = read_input(new_file, MAX_TEXT_BYTES)
    try:
        new = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(new_file), f"byte {exc.start}", None, "not valid UTF-8") from exc
    if (problem := snapshot_problem(new)) is not None:
        raise InputError(str(new_file), "whole file", None, f"{problem}; a snapshot of {source_id} must pass the "
                         "text rule every quote of it must")
    return data, new


def _as_symbols(words: list[str], vocabulary: dict[str, int]) -> str:
    """Each word as one character (as diff-match-patch's line mode does with lines), so a
    diff counts words; code points past the surrogates."""
    out = []
    for word in words:
        n = vocabulary.setdefault(word, len(vocabulary))
        out.append(chr(0x100 + n if n < 0xD800 - 0x100 else 0xE000 + n - (0xD800 - 0x100)))
    return "".join(out)


def looks_like_a_revision(source_id: str, new_file: Path, old: str, new: str,
                          seconds: float = DIFF_SECONDS) -> None:
    """RefreshCannotRun when a word-by-word diff takes longer than `seconds`, or the new
    text keeps less than LEAST_SHARED of the snapshot's words: the wrong file, or a
    rewrite to curate anew."""
    from diff_match_patch import diff_match_patch

    vocabulary: dict[str, int] = {}
    before, after = old.split(), new.split()
    dmp = diff_match_patch()
    dmp.Diff_Timeout = seconds  # bisection stops at the deadline: then we say so, not review a rough diff
    began = time.monotonic()
    diffs = dmp.diff_main(_as_symbols(before, vocabulary), _as_symbols(after, vocabulary), False)
    if time.monotonic() - began >= seconds:
        raise RefreshCannotRun(str(new_file), "whole file", None,
                               f"comparing it with the snapshot of {source_id} took over {seconds:g} s: it is too "
                               "different to re-anchor quote by quote; is it a revision of this article?")
    kept = sum(len(text) for op, text in diffs if op == 0)
    if kept < LEAST_SHARED * len(before):
        raise RefreshCannotRun(str(new_file), "whole file", None,
                               f"this does not look like a revision of {source_id}: it keeps {kept:,} of the "
                               f"snapshot's {len(before):,} words; is it the right file?")


def refresh(root: Path, source_id: str, new_file: Path, revision: int | None = None,
            retrieved: str | None = None, on_step: Step = lambda step: None) -> Review:
    """Compare new_file with the snapshot of source_id; if every quote is kept or moved,
    take it: the snapshot, sources.yaml and every generated file are replaced in one
    journaled swap under the build's lock (a kill at any step is rolled back or completed
    by the next build; a build or refresh at the same time exits 2). Else change nothing.
    When the curation already quotes the new revision (a curator edited it as a review
    proposed), the revision is taken if the package it builds validates."""
    check_retrieved(retrieved)
    with writing(root, OWNED, on_step) as lock:
        entries = {e["id"]: e for e in read_index(root / "sources")}
        if source_id not in entries:
            raise InputError(str(root / "sources" / INDEX), f"source {source_id!r}", None,
                             f"no such source; known: {', '.join(sorted(entries))}")
        data, new = read_revision(source_id, new_file)
        target = source_path(root / "sources", entries[source_id])
        old = read_input(target, MAX_TEXT_BYTES).decode("utf-8", "replace")
        looks_like_a_revision(source_id, new_file, old, new)
        try:
            inputs = load_inputs(root)
            tables = build_tables(inputs)
        except InputError as current:
            # the curation may quote the new revision already: then it is checked against that
            review = Review(source_id, [], listed_lines(old, new))
            try:
                _take(root, source_id, entries, data, revision, retrieved, lock, on_step)
            except InputError:
                raise current from None
            review.taken_as_curated = True
            return review
        review = review_source(inputs.spec, tables, source_id, old, new, coverage.read_allowlist(root / "curation"),
                               coverage.read_causal_reasons(root / "curation"))
        if review.takes:
            _take(root, source_id, entries, data, revision, retrieved, lock, on_step)
        return review


def _take(root: Path, source_id: str, entries: dict[str, dict[str, Any]], data: bytes, revision: int | None,
          retrieved: str | None, lock: int, on_step: Step) -> None:
    """Build the package from the inputs with the new revision in a scratch folder; if it
    builds, put sources/ and every generated file in place as one swap, validated first."""
    index = read_input(root / "sources" / INDEX, MAX_YAML_BYTES).decode("utf-8")
    index_text = stamped_index(index, source_id, data, revision, retrieved)
    with tempfile.TemporaryDirectory(prefix="ansar-refresh-") as scratch:
        trial = Path(scratch)
        for part in ("sources", "metadata", "curation"):
            shutil.copytree(root / part, trial / part, symlinks=True)  # a link stays one, refused as at home
        (trial / "sources" / entries[source_id]["file"]).write_bytes(data)
        (trial / "sources" / INDEX).write_text(index_text, encoding="utf-8")
        inputs = load_inputs(trial)
        files = render(inputs, build_tables(inputs), previous=previous_files(root))
        files.update({f"sources/{p.relative_to(trial / 'sources').as_posix()}": p.read_bytes()
                      for p in sorted((trial / "sources").rglob("*")) if p.is_file()})
        write_outputs(root, files, (*GENERATED, "sources"), validated(trial), on_step=on_step, owned=OWNED,
                      lock=lock)

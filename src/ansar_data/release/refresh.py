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

Pure but for `refresh`, which reads the files and, when every quote is kept or moved,
writes the new snapshot and sources.yaml and rebuilds.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ansar_data.core.provenance import supports
from ansar_data.core.schema import Spec

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
    dmp.Diff_Timeout = 0  # the articles are small: the exact diff, every time the same
    diffs = dmp.diff_main(old, new, False)
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

    @property
    def takes(self) -> bool:
        return all(a.status in ("kept", "moved") for a in self.anchors)

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
        lines.append("nothing was changed: edit the quotes in curation/ and run this again" if not self.takes
                     else "every quote kept or moved")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "takes": self.takes, "counts": self.counts(),
                "quotes": [asdict(a) for a in self.anchors], "infobox_and_see_also": self.infobox}


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
                  new: str) -> Review:
    """Re-anchor every quote of source_id in the new text."""
    records = {}
    for table in spec.curated:
        for row in tables.get(table.name, []):
            records[(table.name, row.get("id"))] = {**row, "__table__": table.name}
    rows = [r for r in tables["evidence"] if r["source"] == source_id]
    return Review(source_id, anchor(old, new, rows, spec, records), listed_lines(old, new))


def refresh(root: Path, source_id: str, new_file: Path, revision: int | None = None,
            retrieved: str | None = None) -> Review:
    """Compare new_file with the snapshot of source_id; if every quote is kept or
    moved, take it (snapshot, sources.yaml, rebuild, validate), else change nothing."""
    import shutil
    import tempfile

    from ansar_data.core.errors import InputError
    from ansar_data.core.files import MAX_TEXT_BYTES, MAX_YAML_BYTES
    from ansar_data.core.yamlfile import read_input
    from ansar_data.publish.build import build, build_tables, load_inputs
    from ansar_data.read.sources import INDEX, read_index, source_path

    entries = {e["id"]: e for e in read_index(root / "sources")}
    if source_id not in entries:
        raise InputError(str(root / "sources" / INDEX), f"source {source_id!r}", None,
                         f"no such source; known: {', '.join(sorted(entries))}")
    data = read_input(new_file, MAX_TEXT_BYTES)
    try:
        new = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(new_file), f"byte {exc.start}", None, "not valid UTF-8") from exc
    inputs = load_inputs(root)
    tables = build_tables(inputs)
    old = next(s.text for s in inputs.sources if s.id == source_id)
    review = review_source(inputs.spec, tables, source_id, old, new)
    if not review.takes:
        return review
    index_path = root / "sources" / INDEX
    old_index = read_input(index_path, MAX_YAML_BYTES)
    index_text = stamped_index(old_index.decode("utf-8"), source_id, data, revision, retrieved)
    target = source_path(root / "sources", entries[source_id])
    # try it on a copy first: the real inputs change only if the new revision builds
    with tempfile.TemporaryDirectory(prefix="ansar-refresh-") as scratch:
        trial = Path(scratch)
        for part in ("sources", "metadata", "curation"):
            shutil.copytree(root / part, trial / part)
        (trial / "sources" / target.name).write_bytes(data)
        (trial / "sources" / INDEX).write_text(index_text, encoding="utf-8")
        build_tables(load_inputs(trial))
    old_bytes = read_input(target, MAX_TEXT_BYTES)
    target.write_bytes(data)
    index_path.write_text(index_text, encoding="utf-8")
    try:
        build(root)
    except BaseException:
        target.write_bytes(old_bytes)
        index_path.write_bytes(old_index)
        raise
    return review

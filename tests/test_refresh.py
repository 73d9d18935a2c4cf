"""When an article changes (#24): revisions of both articles, made by editing copies,
re-anchored quote by quote; only a revision whose every quote is kept or moved is taken."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ansar_data import cli
from ansar_data.check.validate import validate_package
from ansar_data.curate import coverage
from ansar_data.release.refresh import review_source
from helpers import ROOT, copy_repo, read_csv, snapshot

ANSAR = (ROOT / "sources" / "al-ansar-iraq.txt").read_text(encoding="utf-8")
MASSACRE = (ROOT / "sources" / "pasht-ashan-massacre.txt").read_text(encoding="utf-8")


def review(inputs, tables, source: str, new: str):
    old = ANSAR if source == "al-ansar-iraq" else MASSACRE
    return review_source(inputs.spec, tables, source, old, new)


def statuses(result) -> dict[str, int]:
    return {k: v for k, v in result.counts().items() if v}


def test_an_unchanged_article_keeps_every_quote(inputs, tables):
    result = review(inputs, tables, "pasht-ashan-massacre", MASSACRE)
    assert result.takes and set(statuses(result)) == {"kept"}
    assert result.uncovered == []  # every sentence of the snapshot is touched (test_coverage)


def test_an_inserted_paragraph_moves_the_quotes_after_it(inputs, tables):
    at = ANSAR.index("==Pasht Ashan massacre==")
    result = review(inputs, tables, "al-ansar-iraq", ANSAR[:at] + "A paragraph added in a later revision.\n\n"
                    + ANSAR[at:])
    assert result.takes
    for a in result.anchors:
        assert a.status == ("kept" if a.old_end <= at else "moved"), a
        assert a.new_start == a.old_start + (0 if a.old_end <= at else len("A paragraph added in a later "
                                                                           "revision.\n\n"))
    # #39: the review names what the revision adds that no quote touches
    assert result.uncovered == ["A paragraph added in a later revision."]
    assert "  no quote touches: 'A paragraph added in a later revision.'" in result.human().splitlines()


def test_the_review_names_a_new_sentence_of_cause_that_no_link_quotes(inputs, tables):
    """#38: a revision's new "because" is a link to add or a reason to give."""
    at = ANSAR.index("==End of the movement==")
    added = "The party withdrew its fighters because the supplies had run out."
    new = ANSAR[:at] + added + "\n\n" + ANSAR[at:]
    reasons = coverage.read_causal_reasons(ROOT / "curation")
    result = review_source(inputs.spec, tables, "al-ansar-iraq", ANSAR, new, reasons=reasons)
    assert result.uncited_causes == [added]
    assert f"  no cause or effect link quotes: {added!r}" in result.human().splitlines()
    unchanged = review_source(inputs.spec, tables, "al-ansar-iraq", ANSAR, ANSAR, reasons=reasons)
    assert unchanged.uncited_causes == []


def test_a_new_title_keeps_everything_else(inputs, tables):
    result = review(inputs, tables, "al-ansar-iraq", ANSAR.replace("= Al-Ansar (Iraq) =",
                                                                   "= Iraqi Partisan movement, 1979–88 =", 1))
    assert result.takes and statuses(result)["moved"] > 200


def test_a_reworded_sentence_is_changed_with_its_new_text(inputs, tables):
    new = ANSAR.replace("bases were also set up in Dohuk and Nineveh", "bases were also set up in Dohuk and parts "
                        "of Nineveh", 1)
    result = review(inputs, tables, "al-ansar-iraq", new)
    changed = [a for a in result.anchors if a.status == "changed"]
    assert not result.takes and changed
    assert {a.record_id for a in changed} >= {"later-bases-set-up"}
    first = next(a for a in changed if a.record_table == "events" and a.record_id == "later-bases-set-up")
    assert first.new_text == "Later, bases were also set up in Dohuk and parts of Nineveh."
    assert "+'parts of '" in first.differs


def test_a_deleted_sentence_is_gone_and_names_what_rested_on_it(inputs, tables):
    sentence = "The training was administered by the South Yemeni government."
    result = review(inputs, tables, "al-ansar-iraq", ANSAR.replace(" " + sentence, "", 1))
    gone = {(a.record_table, a.record_id, tuple(a.fields)) for a in result.anchors if a.status == "gone"}
    assert gone == {("relations", "al-ansar/trained_by/south-yemeni-government", ("subject", "predicate", "object")),
                    ("relations", "south-yemeni-government/part_of/south-yemen", ("subject", "predicate", "object")),
                    ("entities", "south-yemeni-government", ("type", "name")),
                    ("entity_names", "south-yemeni-government/1", ("name", "kind"))}


def test_a_count_that_became_a_bound_says_the_value_no_longer_reads(inputs, tables):
    new = MASSACRE.replace("massacred 150 al-Ansar", "massacred over 150 al-Ansar", 1)
    result = review(inputs, tables, "pasht-ashan-massacre", new)
    assert not result.takes
    lost = [v for a in result.anchors for v in a.values]
    assert any(v.startswith("text: '150' now reads differently") for v in lost), lost


def test_citation_markers_change_only_quotes_that_span_them(inputs, tables):
    new = re.sub(r"\.(?= [A-Z])", ".[1]", ANSAR)
    result = review(inputs, tables, "al-ansar-iraq", new)
    for a in result.anchors:
        assert a.status in ("kept", "moved", "changed"), a
        if a.status == "changed":
            assert re.search(r"\. [A-Z]", a.old_quote) and "[1]" in a.new_text


def test_a_quote_now_written_twice_with_no_deciding_context_is_ambiguous(inputs, tables):
    quote = "The training was administered by the South Yemeni government."
    at = ANSAR.index("==Pasht Ashan massacre==")
    new = ANSAR[:at] + "A copy: " + quote + "\n\n" + ANSAR[at:]
    new = new.replace("In South Yemen, a number of Al-Ansar began their military training before joining the "
                      "guerrillas in northern Iraq. " + quote, "Elsewhere, in other words. " + quote, 1)
    result = review(inputs, tables, "al-ansar-iraq", new)
    assert "ambiguous" in statuses(result) or "moved" in statuses(result)


# ---- the command: a revision is taken whole, or nothing changes ----

@pytest.fixture
def repo(tmp_path) -> Path:
    return copy_repo(tmp_path / "repo")


def test_a_pure_insertion_is_taken_rebuilt_and_valid(repo, tmp_path, capsys):
    at = ANSAR.index("==Pasht Ashan massacre==")
    added = "A paragraph added in a later revision.\n\n"
    new = tmp_path / "revision.txt"
    new.write_text(ANSAR[:at] + added + ANSAR[at:], encoding="utf-8")
    before = {tuple(r[:3]): r for r in read_csv(repo / "data" / "evidence.csv")[1:] if r[4] == "al-ansar-iraq"}
    code = cli.main(["refresh", "al-ansar-iraq", str(new), "--revision", "1234567", "--retrieved", "2026-12-01",
                     "--root", str(repo)])
    assert code == 0, capsys.readouterr()
    assert (repo / "sources" / "al-ansar-iraq.txt").read_bytes() == new.read_bytes()
    sources = {r[0]: r for r in read_csv(repo / "data" / "sources.csv")}
    assert sources["al-ansar-iraq"][-2:] == ["1234567", "2026-12-01"]
    after = {tuple(r[:3]): r for r in read_csv(repo / "data" / "evidence.csv")[1:] if r[4] == "al-ansar-iraq"}
    assert set(after) == set(before)
    for key, row in after.items():
        shift = len(added) if int(before[key][6]) > at else 0
        assert (int(row[5]), int(row[6])) == (int(before[key][5]) + shift, int(before[key][6]) + shift), key
    assert validate_package(repo).valid
    assert "  - id:" not in (repo / "sources" / "sources.yaml").read_text()  # its layout kept


def test_a_revision_with_any_quote_to_review_changes_nothing(repo, tmp_path, capsys):
    before = snapshot(repo)
    new = tmp_path / "revision.txt"
    new.write_text(MASSACRE.replace("massacred 150 al-Ansar", "massacred over 150 al-Ansar", 1), encoding="utf-8")
    code = cli.main(["refresh", "pasht-ashan-massacre", str(new), "--json", "--root", str(repo)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["takes"] is False
    assert {q["status"] for q in out["quotes"]} >= {"kept", "changed"}
    assert set(out["quotes"][0]) >= {"record_table", "record_id", "ordinal", "status", "old_start", "old_end",
                                     "new_start", "new_end", "old_quote", "new_text"}
    assert snapshot(repo) == before


@pytest.mark.parametrize("args, message", [
    (["no-such-source", "x.txt"], "no such source"),
    (["al-ansar-iraq", "/no/such/file.txt"], "no such file"),
])
def test_refresh_bad_usage_is_exit_2(repo, capsys, args, message):
    assert cli.main(["refresh", *args, "--root", str(repo)]) == 2
    assert message in capsys.readouterr().err


def test_the_revision_of_each_source_is_named_in_the_citation_and_the_notes(inputs):
    import dataclasses

    from ansar_data.publish import citation

    known = dataclasses.replace(inputs.sources[0], revision=1234567, retrieved="2026-12-01")
    assert citation.revision_fields(known) == {"version": "revision 1234567", "date-accessed": "2026-12-01"}
    assert citation.revision_fields(inputs.sources[1]) == {}  # nothing is invented
    line = citation.revisions_line([known, inputs.sources[1]])
    assert line == ("Built from these snapshots of the articles: Al-Ansar (Iraq), revision 1234567, retrieved "
                    "2026-12-01; Pasht Ashan massacre, revision id not recorded.")


# ---- #37: refresh is one transaction under the build's lock, on text the rule takes ----

def inserted(tmp_path) -> Path:
    at = ANSAR.index("==Pasht Ashan massacre==")
    new = tmp_path / "revision.txt"
    new.write_text(ANSAR[:at] + "A paragraph added in a later revision.\n\n" + ANSAR[at:], encoding="utf-8")
    return new


def test_a_refresh_killed_at_any_step_is_rolled_back_or_completed(tmp_path, monkeypatch):
    from ansar_data.core import outputs
    from ansar_data.publish.build import OWNED, build
    from ansar_data.release.refresh import refresh
    from helpers import killed_at

    new = inserted(tmp_path)
    scratch = tmp_path / "scratch"  # a killed refresh leaves its scratch folder: here, not in the machine's
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    probe = copy_repo(tmp_path / "probe")
    before = snapshot(probe)
    steps: list[str] = []
    refresh(probe, "al-ansar-iraq", new, on_step=steps.append)
    after = snapshot(probe)
    assert after["sources/al-ansar-iraq.txt"] == new.read_bytes() and after != before
    assert {"write journal", "move aside sources", "move in sources", "move in data", "commit"} <= set(steps)
    for n, step in enumerate(steps):
        root = copy_repo(tmp_path / f"kill-{n}")
        killed_at(step, refresh, root, "al-ansar-iraq", new)
        if step == "move in data":  # the next build rolls a half swap back before it reads
            build(root)
        else:  # what every next writer does first, without rendering again (the build's test does the same)
            with outputs.locked(root):
                outputs.recover(root, OWNED)
        now = {k: v for k, v in snapshot(root).items() if not k.startswith(".build")}
        assert now == (after if step == "clean up" else before), step
        assert not outputs.interrupted(root), step


def test_a_refresh_while_a_build_writes_exits_2_and_changes_nothing(repo, tmp_path, capsys):
    from ansar_data.core import outputs

    before = snapshot(repo)
    with outputs.locked(repo):
        code = cli.main(["refresh", "al-ansar-iraq", str(inserted(tmp_path)), "--root", str(repo)])
    assert code == 2 and re.search(r"another build or release \(pid \d+\) is writing in", capsys.readouterr().err)
    assert snapshot(repo) == before


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace("Iraqi Communist Party", "Iraqi\x00Communist Party", 1), "U+0000"),
    (lambda s: s.replace("Iraqi Communist Party", "Iraqi Communist Party\u202e", 1), "U+202E"),
    (lambda s: s.replace("Communist", "Communiste\u0301", 1), "not in Unicode NFC form"),
])
def test_a_revision_the_text_rule_refuses_is_refused(repo, tmp_path, capsys, edit, message):
    before = snapshot(repo)
    new = tmp_path / "revision.txt"
    new.write_text(edit(ANSAR), encoding="utf-8")
    assert cli.main(["refresh", "al-ansar-iraq", str(new), "--root", str(repo)]) == 2
    err = capsys.readouterr().err
    assert f"{new}: whole file: " in err and message in err and "a snapshot of al-ansar-iraq must pass" in err
    assert snapshot(repo) == before


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2000-12-31"])
def test_a_retrieval_day_no_snapshot_could_have_is_refused(repo, tmp_path, capsys, day):
    before = snapshot(repo)
    assert cli.main(["refresh", "al-ansar-iraq", str(inserted(tmp_path)), "--retrieved", day,
                     "--root", str(repo)]) == 2
    assert f"--retrieved: '{day}': not a day between 2001-01-15 (Wikipedia's first edit) and today" in \
        capsys.readouterr().err
    assert snapshot(repo) == before


def test_the_other_article_is_not_taken_for_a_revision(repo, capsys):
    before = snapshot(repo)
    code = cli.main(["refresh", "al-ansar-iraq", str(ROOT / "sources" / "pasht-ashan-massacre.txt"),
                     "--root", str(repo)])
    err = capsys.readouterr().err
    assert code == 2 and "this does not look like a revision of al-ansar-iraq: it keeps" in err
    assert "is it the right file?" in err and len(err.splitlines()) <= 3  # said before any review
    assert snapshot(repo) == before


def test_a_diff_past_its_budget_says_so():
    from ansar_data.release.refresh import RefreshCannotRun, looks_like_a_revision

    old = " ".join(f"w{i}" for i in range(0, 200_000, 2))
    new = " ".join(f"w{i}" for i in range(1, 200_000, 2))
    with pytest.raises(RefreshCannotRun, match=r"took over 0\.001 s: it is too different to re-anchor"):
        looks_like_a_revision("al-ansar-iraq", Path("new.txt"), old, new, seconds=0.001)


def test_the_whole_loop_reword_review_edit_rerun(repo, tmp_path, capsys):
    """#39: a reworded quoted sentence is reviewed ("quote this instead"); the curator edits
    curation/ as proposed; the second run takes the revision, rebuilds and validates."""
    old_sentence = "By that time the partisan forces operated throughout the Kurdish provinces of Iraq."
    new_sentence = "By then the partisan forces operated throughout the Kurdish provinces of Iraq."
    new = tmp_path / "revision.txt"
    new.write_text(ANSAR.replace(old_sentence, new_sentence, 1), encoding="utf-8")
    code = cli.main(["refresh", "al-ansar-iraq", str(new), "--json", "--root", str(repo)])
    review = json.loads(capsys.readouterr().out)
    assert code == 1
    changed = [q for q in review["quotes"] if q["status"] == "changed"]
    assert changed and all(q["new_text"] == new_sentence for q in changed)
    for path in (repo / "curation").glob("*.yaml"):  # the edit the review proposes
        path.write_text(path.read_text(encoding="utf-8").replace(old_sentence, new_sentence), encoding="utf-8")
    code = cli.main(["refresh", "al-ansar-iraq", str(new), "--root", str(repo)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "the curation already quotes this revision: taken, rebuilt and validated" in out
    assert (repo / "sources" / "al-ansar-iraq.txt").read_bytes() == new.read_bytes()
    assert validate_package(repo).valid
    assert new_sentence in (repo / "data" / "evidence.csv").read_text(encoding="utf-8")

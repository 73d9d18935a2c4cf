"""The benchmark's corpus and pipeline at small size: a regression test of correctness,
not of time."""

from __future__ import annotations

import sys

import pytest

from ansar_data.check.validate import validate_package
from ansar_data.core.tables_io import read_csv_records
from ansar_data.publish.build import build, build_tables, load_inputs
from ansar_data.read.parse import ParseError, parse_article
from helpers import ROOT
from synth import corpus, write_package_inputs


def test_corpus_is_deterministic_and_in_the_sources_format():
    a, b = corpus(20, seed=7), corpus(20, seed=7)
    assert [x.text for x in a] == [x.text for x in b]
    assert [x.text for x in corpus(20, seed=8)] != [x.text for x in a]
    texts = "".join(x.text for x in a)
    for feature in ("\nInfobox\n", "==See also==", "== Section", "==Section", "–", "?", "Over ",
                    "الأنصار", "ئاشان", "(South Yemen)", ",000–", " killed", "(aged ", "px\n", " , ~"):
        assert feature in texts, feature


def test_100_articles_build_and_validate(tmp_path):
    articles = corpus(100, seed=1)
    folder = write_package_inputs(tmp_path / "corpus", articles, ROOT)
    build(folder, docs=False)
    report = validate_package(folder)
    assert report.valid, report.human()
    expected = {"sources": 100, "sections": sum(a.sections for a in articles),
                "infobox_fields": sum(a.infobox_fields for a in articles),
                "infobox_values": sum(a.infobox_values for a in articles),
                "see_also": sum(a.see_also for a in articles)}
    assert {k: report.checked[k] for k in expected} == expected
    assert {k: report.checked[k + "_json"] for k in expected} == expected
    assert not (folder / "site").exists()  # a tables-only build
    values = read_csv_records((folder / "data" / "infobox_values.csv").read_text(encoding="utf-8"))
    by_key = {}
    for row in values:
        by_key.setdefault(row["key_normalized"], set()).add((row["datatype"], row["datatype_source"],
                                                            row["markup_residue"]))
    assert by_key["strength1"] == by_key["strength2"] == by_key["casualties2"] == {("count", "inferred", "false")}
    assert by_key["born"] == {("date", "inferred", "false")} and by_key["date"] == {("date", "key_map", "false")}
    assert by_key["image"] == {("text", "inferred", "true")}


@pytest.mark.parametrize("kind,message", [("stray-infobox-line", "stray line in the infobox"),
                                          ("truncated", "no final newline"),
                                          ("unbalanced-heading", "malformed heading")])
def test_malformed_articles_are_rejected(kind, message):
    bad = [a for a in corpus(12, seed=3, malformed=6) if a.malformed == kind]
    assert len(bad) == 2
    for article in bad:
        with pytest.raises(ParseError, match=message) as info:
            parse_article(article.text, article.id)
        assert info.value.source == article.id


def test_articles_parsed_in_two_processes_give_the_same_tables(tmp_path):
    articles = corpus(40, seed=2)
    inputs = load_inputs(write_package_inputs(tmp_path / "corpus", articles, ROOT))
    alone = build_tables(inputs)
    assert build_tables(inputs, shared=True) == alone
    assert len(alone["infobox_values"]) == sum(a.infobox_values for a in articles)
    assert list(dict.fromkeys(r["source"] for r in alone["sections"])) == [a.id for a in articles]  # in order


def test_articles_parsed_in_two_processes_name_the_first_malformed_one(tmp_path):
    articles = corpus(12, seed=3, malformed=2)  # the last two
    first, later = articles[-2:]
    # the first in the child's piece, the later one in a piece this process takes
    ordered = [articles[0], first, *articles[1:10], later]
    inputs = load_inputs(write_package_inputs(tmp_path / "corpus", ordered, ROOT))
    for shared in (False, True):
        with pytest.raises(ParseError) as info:
            build_tables(inputs, shared=shared)
        assert info.value.source == first.id


def test_a_value_longer_than_a_cell_is_refused_naming_its_row_and_field(tmp_path):
    import dataclasses

    from ansar_data.core.errors import InputError
    from ansar_data.core.rules import MAX_CELL_CHARS

    articles = corpus(3, seed=1)
    long = "x" * (MAX_CELL_CHARS + 1)
    text = articles[1].text.replace("- Leaders: ", f"- Leaders: {long} ", 1)
    articles[1] = dataclasses.replace(articles[1], text=text)
    folder = write_package_inputs(tmp_path / "corpus", articles, ROOT)
    with pytest.raises(InputError) as info:
        build(folder, docs=False)
    value = articles[1].text.split("- Leaders: ", 1)[1].split("\n", 1)[0]
    row = articles[0].infobox_fields + 2  # the second field of the second article
    assert str(info.value) == (f"data/infobox_fields.csv: row {row}: field 'value_text': would hold "
                               f"{len(value):,} characters, over the limit of {MAX_CELL_CHARS:,}")


def test_benchmark_script_at_10_articles(tmp_path):
    from run import check_targets, run_sizes

    ballast = b"\x01" * (300 * 2**20)  # pages written: this process's peak is not the commands'
    [row] = run_sizes([10], 1, tmp_path)
    del ballast
    assert 0 < row["build_peak_mib"] < 200 and 0 < row["validate_peak_mib"] < 200
    assert row["rows_sources"] == 10
    assert row["rows_total"] == sum(row[f"rows_{t}"] for t in
                                    ("sources", "sections", "infobox_fields", "infobox_values", "see_also"))
    assert row["build_s"] > 0 and row["validate_peak_mib"] > 0
    assert check_targets([row]) == []  # the targets are about 10,000 articles


def test_a_size_s_figures_are_the_median_of_its_rounds_and_its_highest_peak():
    from run import summary

    rounds = [{"failed": "", "build_s": b, "build_peak_mib": m, "build_plus_validate_s": t,
               "validate_over_frictionless": r}
              for b, m, t, r in ((14.0, 880.4, 22.0, 0.40), (21.304, 895.6, 31.3, 0.39), (17.0, 893.0, 27.6, 0.38))]
    assert summary(rounds) == {"failed": "", "build_s": 17.0, "build_peak_mib": 896, "build_plus_validate_s": 27.6,
                               "validate_over_frictionless": 0.39}
    assert summary(rounds[1:2]) == {"failed": "", "build_s": 21.3, "build_peak_mib": 896,
                                    "build_plus_validate_s": 31.3, "validate_over_frictionless": 0.39}
    # one round's build failed: the size failed, with that round's cost
    failed = {"failed": "build: refused", "build_s": 108.0, "build_peak_mib": 8400.2}
    assert summary([rounds[0], failed]) == {"failed": "build: refused", "build_s": 108.0, "build_peak_mib": 8400}


def test_a_command_that_cannot_start_is_named_not_a_traceback(tmp_path):
    from peak import run_measured

    with pytest.raises(RuntimeError, match="no-such-command could not be run: FileNotFoundError: .*No such file"):
        run_measured([str(tmp_path / "no-such-command")])
    assert run_measured([sys.executable, "-c", "import sys; sys.exit(3)"])[0] == 3


_FORKS_AND_COPIES = """
import os, time
held = bytearray(200 * 2**20)
held[::4096] = b"\\x01" * len(held[::4096])  # written, so resident
pid = os.fork()
if pid == 0:
    held[::4096] = b"\\x02" * len(held[::4096])  # a byte a page: the child's own copy of every page
    time.sleep(0.4)  # four samples
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_a_command_s_forked_child_is_counted_with_it():
    """Two processes holding 200 MiB each: no one process was ever over about 210 MiB."""
    from peak import run_measured

    code, _, _, _, mib = run_measured([sys.executable, "-c", _FORKS_AND_COPIES])
    assert code == 0 and mib > 380, mib


def test_the_targets_are_the_issue_s_and_each_can_fail():
    from run import check_targets

    def at(n, **values):
        return {"articles": n, "build_s": 10.0, "validate_s": 5.0, "build_peak_mib": 900, "validate_peak_mib": 700,
                "build_plus_validate_s": 15.0, "validate_over_frictionless": 0.4, **values}

    good = check_targets([at(1000, build_s=1.0, validate_s=0.5), at(10_000)])
    assert [text for text, _ in good] == [
        "10,000 articles: build + validate 15.0 s < 30 s", "10,000 articles: build peak memory 900 MiB < 1024 MiB",
        "10,000 articles: validate peak memory 700 MiB < 1024 MiB",
        "10,000 articles: validate.py / frictionless = 0.4 <= 0.5",
        "build_s 1,000 -> 10,000 articles: x10.0 <= x11", "validate_s 1,000 -> 10,000 articles: x10.0 <= x11"]
    assert all(ok for _, ok in good)
    for bad in ({"build_plus_validate_s": 30.0}, {"build_peak_mib": 1024}, {"validate_peak_mib": 1100},
                {"validate_over_frictionless": 0.51}, {"validate_s": 5.6}):
        found = check_targets([at(1000, build_s=1.0, validate_s=0.5), at(10_000, **bad)])
        assert sum(not ok for _, ok in found) == 1, bad


def test_the_100_000_article_targets_and_a_failed_build():
    from run import check_targets, markdown_table

    def at(n, **values):
        return {"articles": n, "failed": "", "rows_total": 10 * n, "build_s": n / 1000, "validate_s": n / 2000,
                "build_peak_mib": 900, "validate_peak_mib": 700, "build_plus_validate_s": n / 1000 * 1.5,
                "duckdb_read_s": n / 10_000, "validate_over_duckdb": 5.0, **values}

    large = at(100_000, build_plus_validate_s=299.0)
    assert [t for t, ok in check_targets([large]) if ok] == [
        "100,000 articles: build + validate 299.0 s < 300 s", "100,000 articles: build peak memory 900 MiB < 1024 MiB",
        "100,000 articles: validate peak memory 700 MiB < 1024 MiB"]
    for bad in ({"build_plus_validate_s": 300.0}, {"build_peak_mib": 1024}, {"validate_peak_mib": 2000}):
        assert sum(not ok for _, ok in check_targets([at(100_000, **bad)])) == 1, bad
    # frictionless not run above 10,000 articles: no ratio to it, a dash in the table
    assert not any("frictionless" in t for t, _ in check_targets([large]))
    assert "| 100,000 | 1,000,000 | 100.00 s | 900 MiB | 50.00 s | 700 MiB | — | — | 10.00 s | 5.0 | 299.00 s |" \
        in markdown_table([large])
    # a build that failed is a missed target, named with what it cost, and no growth is computed from it
    failed = {"articles": 100_000, "failed": "build: data/infobox_values.csv: over 300,000 records",
              "build_s": 108.0, "build_peak_mib": 8400, "rows_total": ""}
    found = check_targets([at(10_000, validate_over_duckdb=2.0, build_plus_validate_s=20.0), failed])
    assert ("100,000 articles: build: data/infobox_values.csv: over 300,000 records (after 108.00 s, peak 8,400 MiB)",
            False) in found
    assert not any(t.startswith(("build_s 10,000", "validate_s 10,000")) for t, _ in found)
    table = markdown_table([failed])
    assert "| 100,000 | — | 108.00 s (failed) | 8,400 MiB | — | — | — | — | — |" in table
    assert "- 100,000 articles: build: data/infobox_values.csv: over 300,000 records" in table


def test_replot_draws_the_figure_from_the_results_alone(tmp_path):
    """`run.py --replot`: results.png again from results.csv (a failed size as a cross, no
    measuring); the committed results draw."""
    import shutil

    from run import main

    shutil.copy(ROOT / "benchmarks" / "results" / "results.csv", tmp_path / "results.csv")
    assert main(["--replot", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "results.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.png"]


def test_a_failed_step_is_named_with_its_first_problem():
    from run import StepFailed

    err = ("the new package does not validate, nothing changed:\nINVALID: 6 problem(s)\n\nsections\n"
           "  [table-too-large] over 300,000 records, the most a resource may have\n  [x] another\n")
    assert StepFailed(["build"], err, 161.3, 7672.0).first_line == (
        "the new package does not validate, nothing changed: sections: [table-too-large] over 300,000 records, "
        "the most a resource may have")
    assert StepFailed(["build"], "could not run: no sources\n", 0.1, 30.0).first_line == "could not run: no sources"
    assert StepFailed(["build"], "", 0.1, 30.0).first_line == "no message"

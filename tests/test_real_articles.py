"""Infobox values of real articles in our sources' format (tests/fixtures/articles,
CC BY-SA, each with its URL), typed as a careful reader would: every fixture builds
and validates, and the date-like and count-like values checked by hand come out as
expected, none more precise than its text."""

from __future__ import annotations

import pytest
import yaml

from ansar_data.check.validate import validate_package
from ansar_data.core.yamlfile import read_yaml
from ansar_data.extract.extract import infobox_value_rows, key_rules
from ansar_data.publish.build import build
from ansar_data.read.parse import parse_article
from helpers import ROOT
from synth import Article, write_package_inputs

FIXTURES = ROOT / "tests" / "fixtures" / "articles"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))


def typed_rows() -> dict[tuple[str, str], dict]:
    rules = key_rules(read_yaml(ROOT / "metadata" / "infobox_keys.yaml", shape="infobox_keys"),
                      "infobox_keys.yaml", ["text", "date", "count"])
    rows = {}
    for article in EXPECTED["articles"]:
        parsed = parse_article((FIXTURES / f"{article}.txt").read_text(encoding="utf-8"), article)
        rows.update({(article, r["text"]): r for r in infobox_value_rows(parsed, rules)})
    return rows


ROWS = typed_rows()


def _agrees(case: dict) -> bool:
    row = ROWS[(case["article"], case["text"])]
    return all(row[k] == (str(v) if k in ("edtf", "date_start", "date_end", "qualifier") and v is not None else v)
               for k, v in case.items() if k not in ("article", "text", "miss"))


def test_every_fixture_article_builds_and_validates(tmp_path):
    articles = [Article(name, (FIXTURES / f"{name}.txt").read_text(encoding="utf-8"), None, 0, 0, 0, 0)
                for name in EXPECTED["articles"]]
    folder = write_package_inputs(tmp_path / "real", articles, ROOT)
    build(folder, docs=False)
    report = validate_package(folder)
    assert report.valid, report.human()
    assert report.checked["sources"] == len(articles) == 6


@pytest.mark.parametrize("case", EXPECTED["expected"], ids=lambda c: f"{c['article']}:{c['text'][:30]}")
def test_date_and_count_values_read_as_a_careful_reader_would(case):
    assert _agrees(case) != ("miss" in case), ROWS[(case["article"], case["text"])]


def test_how_many_date_and_count_values_are_typed_correctly(request):
    """The figure the issue asks for: of the date-like and count-like values, how many
    are typed correctly (the known misses are listed in expected.yaml)."""
    cases = EXPECTED["expected"]
    right = sum(_agrees(c) for c in cases)
    wrongly_typed = sum(ROWS[(c["article"], c["text"])]["datatype"] != "text" for c in EXPECTED["text"])
    request.node.user_properties.append(("summary", (
        f"real articles: {right}/{len(cases)} date-like and count-like infobox values typed correctly "
        f"({right / len(cases):.1%}); {wrongly_typed} of {len(EXPECTED['text'])} non-values typed")))
    assert (right, len(cases), wrongly_typed) == (18, 18, 0)


@pytest.mark.parametrize("case", EXPECTED["text"], ids=lambda c: f"{c['article']}:{c['text'][:30]}")
def test_values_that_are_not_dates_or_counts_stay_text(case):
    assert (ROWS[(case["article"], case["text"])]["datatype"] == "text") != ("miss" in case)


@pytest.mark.parametrize("case", EXPECTED["residue"], ids=lambda c: f"{c['article']}:{c['text'][:30]}")
def test_markup_residue_is_flagged_and_never_typed(case):
    row = ROWS[(case["article"], case["text"])]
    assert (row["markup_residue"], row["datatype"]) == (True, "text")


def test_every_typed_date_was_checked_by_hand():
    """So no date in the fixtures has a precision nobody checked against its text (the
    property test in test_values covers the grammar at large)."""
    typed = {key for key, row in ROWS.items() if row["datatype"] == "date"}
    checked = {(c["article"], c["text"]) for c in EXPECTED["expected"] if c["datatype"] == "date"}
    assert typed == checked

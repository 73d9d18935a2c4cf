"""The numbers and lists the README and docs/ state, where the code holds them: a test
fails when the two differ, so the pages cannot drift from the code."""

from __future__ import annotations

import re

import pytest

from ansar_data.check.package import MAX_RESOURCE_BYTES, MAX_RESOURCE_RECORDS
from ansar_data.check.validate import MAX_PER_CHECK
from ansar_data.core.rules import MAX_CELL_CHARS
from ansar_data.core.tables_io import MAX_JSON_DEPTH
from helpers import ROOT
from mutations import MAX_PER_CLASS

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAINTAINING = (ROOT / "docs" / "maintaining.md").read_text(encoding="utf-8")
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]


def test_the_tables_the_readme_names_are_those_of_tables_yaml(inputs):
    paragraph = README[README.index("## Tables"):README.index("What one row of each is")]
    count = re.search(r"\n\n(\w+) tables:", paragraph)[1].lower()
    assert count == WORDS[len(inputs.spec.tables)]
    assert re.findall(r"`([a-z_]+)`", paragraph) == [t.name for t in inputs.spec.tables]


def test_the_limits_the_maintaining_page_states_are_the_code_s():
    assert f"{MAX_RESOURCE_BYTES // 2**20} MiB ({MAX_RESOURCE_BYTES:,} bytes)" in MAINTAINING
    assert f"a table over {MAX_RESOURCE_RECORDS:,} records" in MAINTAINING
    assert f"a cell at most {MAX_CELL_CHARS:,} characters" in MAINTAINING
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in MAINTAINING
    assert f"no nesting deeper than {MAX_JSON_DEPTH} levels" in MAINTAINING
    assert f"default {MAX_PER_CHECK})" in MAINTAINING
    assert f"at up to {MAX_PER_CLASS} positions each" in MAINTAINING


def test_gitattributes_marks_exactly_what_the_build_writes():
    """The "do not edit" note lives here, not in the generated files a release ships."""
    from ansar_data.publish.build import GENERATED

    marked = [line.split()[0].removeprefix("/").removesuffix("/**")
              for line in (ROOT / ".gitattributes").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert marked == list(GENERATED)
    assert all(line.endswith(" linguist-generated=true") for line in (ROOT / ".gitattributes").read_text().splitlines()
               if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("script,results", [("timing", "timing.csv"), ("run", "results.csv")])
def test_the_performance_tables_are_the_ones_the_benchmark_scripts_wrote(script, results):
    import csv
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        markdown_table = importlib.import_module(script).markdown_table
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    with (ROOT / "benchmarks" / "results" / results).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert markdown_table(rows) in (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")

from __future__ import annotations

import os
import sqlite3

import pytest
from hypothesis import settings

from ansar_data.build import build_tables, load_inputs, render
from ansar_data.parse import parse_article
from helpers import ROOT, copy_repo, read_csv

# Hypothesis: fewer examples on a developer's machine, the full count in CI.
settings.register_profile("ci", max_examples=1000, deadline=None)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def inputs():
    return load_inputs(ROOT)


@pytest.fixture(scope="session")
def tables(inputs):
    return build_tables(inputs)


@pytest.fixture(scope="session")
def rendered(inputs, tables):
    return render(inputs, tables)


@pytest.fixture(scope="session")
def texts(inputs):
    return {s.id: s.text for s in inputs.sources}


@pytest.fixture(scope="session")
def articles(texts):
    return {sid: parse_article(text, sid) for sid, text in texts.items()}


@pytest.fixture
def repo_copy(tmp_path):
    return copy_repo(tmp_path / "pkg")


class SummaryLines:
    """Prints, at the end of the run, the lines tests record as their "summary"
    property. Reports reach the controller from every xdist worker, so this works with
    -n as without."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call":
            self.lines += [value for key, value in report.user_properties if key == "summary"]

    def pytest_terminal_summary(self, terminalreporter) -> None:
        for line in self.lines:
            terminalreporter.write_line(line)


def pytest_configure(config):
    config.pluginmanager.register(SummaryLines(), "summary-lines")


@pytest.fixture(scope="session")
def db():
    """Every CSV of data/ loaded as it is, as a user would with sqlite3 and no tricks:
    every cell text, an empty cell ''."""
    con = sqlite3.connect(":memory:")
    for path in sorted((ROOT / "data").glob("*.csv")):
        header, *rows = read_csv(path)
        columns = ", ".join(f'"{c}"' for c in header)
        con.execute(f'CREATE TABLE "{path.stem}" ({columns})')
        con.executemany(f'INSERT INTO "{path.stem}" VALUES ({", ".join("?" * len(header))})', rows)
    return con

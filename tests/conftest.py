from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansar_data.build import build_tables, load_inputs, render
from ansar_data.parse import parse_article

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PARTS = ("datapackage.json", "data", "schemas", "sources", "metadata", "curation", "docs",
                 "site", "README.md", "CITATION.cff", ".zenodo.json", "dataset.jsonld")


@pytest.fixture(scope="session")
def inputs():
    return load_inputs(ROOT)


@pytest.fixture(scope="session")
def tables(inputs):
    return build_tables(inputs)


@pytest.fixture(scope="session")
def rendered(inputs):
    return render(inputs)


@pytest.fixture(scope="session")
def texts(inputs):
    return {s.id: s.text for s in inputs.sources}


@pytest.fixture(scope="session")
def articles(texts):
    return {sid: parse_article(text, sid) for sid, text in texts.items()}


def copy_repo(dest: Path, parts: tuple[str, ...] = PACKAGE_PARTS) -> Path:
    """A copy of the package and its inputs, to corrupt or rebuild without touching ROOT."""
    dest.mkdir(parents=True)
    for part in parts:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def repo_copy(tmp_path):
    return copy_repo(tmp_path / "pkg")


def rows_where(rows, **match):
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from test_mutations import SUMMARY

    for line in config.stash.get(SUMMARY, []):
        terminalreporter.write_line(line)

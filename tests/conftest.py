from __future__ import annotations

import dataclasses
import fcntl
import gc
import json
import os
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import settings

from ansar_data.publish.build import build_tables, load_inputs, previous_files, render
from ansar_data.read.parse import parse_article
from ansar_data.release.release import dist
from helpers import (
    PACKAGE_PARTS,
    REPO_FILES,
    ROOT,
    Reproduced,
    copy_repo,
    git,
    machine_temp_root,
    read_csv,
    reproduce_release,
)

# Python's bytecode caches (__pycache__, which git ignores), even where the environment
# turns them off (PYTHONDONTWRITEBYTECODE): the suite starts dozens of Python processes
# (xdist's workers, the commands as users run them), and each would compile the same
# modules again. Set before xdist starts its workers.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


# The tests' temporary files in memory where the machine has a tmpfs with room, unless
# TMPDIR says where: the suite creates and removes tens of thousands of files, and on a
# disk file system (this machine's ext4, mounted with discard) that cost a tenth of the
# suite's time. For pytest's tmp_path, the product's scratch folders and the commands
# the tests start; set before xdist starts its workers.
if "TMPDIR" not in os.environ and (_root := machine_temp_root()):
    os.environ["TMPDIR"] = _root
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again

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
    """Every generated file, as the build renders it: figures whose inputs are unchanged
    are the committed ones (drawing them takes seconds per worker; `check` draws them
    afresh in test_render_is_deterministic_across_processes)."""
    return render(inputs, tables, previous=previous_files(ROOT))


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
    if missing := [name for name in LONGEST_FIRST if not (ROOT / name).is_file()]:
        raise pytest.UsageError(f"tests/conftest.py: LONGEST_FIRST names no test file: {', '.join(missing)}")


# The files that take longest, longest first, by seconds of CPU per file (`pytest
# --durations=0`, summed by file, on the 2-core machine, 2026-12-03); the short ones
# follow and fill in. xdist hands files out in the order collected (pyproject.toml:
# --no-loadscope-reorder): a long file started last runs on one core while the other
# idles. Only speed depends on the order; a name that is no test file stops the run.
LONGEST_FIRST = tuple(f"tests/test_{name}.py" for name in (
    "mutations", "refresh", "release", "validate", "load", "dist", "page_safety", "build", "values", "parser_fuzz",
    "safety", "cli", "benchmark"))


def pytest_collection_modifyitems(config, items):
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def pytest_collection_finish(session):
    """The collected tests, modules and fixtures frozen out of the garbage collector's
    sight, and a collection every 20,000 allocations instead of 700: the workers spent
    6.6 s of CPU in 6,500 collections walking objects that live all session (2.5 s in
    800 after). Cycles are still collected, only less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)


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


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory, worker_id):
    """reproduced(version): the recorded release rebuilt from its commit (helpers.
    reproduce_release), once per test run: xdist's workers share one rebuild, the first
    to ask makes it while the other waits on a lock (each takes seconds)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base if worker_id == "master" else base.parent) / "reproduced"
    shared.mkdir(exist_ok=True)

    def get(version: str) -> Reproduced:
        record = shared / f"{version}.json"
        with open(shared / f"{version}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not record.exists():
                made = reproduce_release(version, shared)
                record.write_text(json.dumps({**dataclasses.asdict(made), "archive": str(made.archive)}))
        found = json.loads(record.read_text())
        return Reproduced(**{**found, "archive": Path(found["archive"])})
    return get


UNRELEASED = "### Breaking\n- `sources.title` -> `sources.name` (this test's own entry)\n"


@pytest.fixture(scope="session")
def unzipped(tmp_path_factory) -> Path:
    """The current version's release archive, as `dist` makes it from a committed tree
    past the last release, unzipped beside the zip and its checksum (in dist/)."""
    repo = copy_repo(tmp_path_factory.mktemp("dist") / "repo", PACKAGE_PARTS + REPO_FILES)
    changelog = repo / "CHANGELOG.md"  # a tree past the last release, as one is while work goes on
    changelog.write_text(changelog.read_text().replace("## [Unreleased]\n", "## [Unreleased]\n\n" + UNRELEASED, 1))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    steps: list[str] = []
    out = dist(repo, on_step=lambda label, seconds: steps.append(label))
    assert steps == ["read inputs", "build tables", "render", "diff against the previous release",
                     "data changelog", "exports", "archive", "write"]
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""  # nothing stamped
    with zipfile.ZipFile(out.archive) as zf:
        zf.extractall(out.archive.parent)
    return out.archive.parent / out.archive.name.removesuffix(".zip")

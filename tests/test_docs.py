"""The README and the pages of docs/ say what the code does: every code block in them
runs here as a reader would run it, the parts the code can write are cog's and equal to
what it writes, every page is reachable from the README, and no timing is typed by hand."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from helpers import PACKAGE_PARTS, REPO_FILES, ROOT, copy_repo, need

README = ROOT / "README.md"
PAGES = [README, ROOT / "RELEASING.md", *sorted((ROOT / "docs").glob("*.md"))]
GENERATED_PAGES = {ROOT / "docs" / "codebook.md", ROOT / "docs" / "citation.md"}  # the build's, not cog's
HAND_WRITTEN = [p for p in PAGES if p not in GENERATED_PAGES]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
COG = re.compile(r"<!-- \[\[\[cog.*?<!-- \[\[\[end\]\]\] -->", re.S)
BIN = Path(sys.executable).parent


def blocks(language: str, pages: list[Path] = HAND_WRITTEN) -> list[tuple[str, str]]:
    """(page, code) of every fenced block of that language outside cog's output."""
    return [(p.relative_to(ROOT).as_posix(), m[2]) for p in pages
            for m in FENCE.finditer(COG.sub("", p.read_text(encoding="utf-8"))) if m[1] == language]


def test_every_code_block_has_a_runner():
    runners = {"python", "r", "sql", "sparql", "sh", "yaml", "json", "text"}  # text: diagrams, not code
    found = {(p.relative_to(ROOT).as_posix(), m[1]) for p in HAND_WRITTEN
             for m in FENCE.finditer(COG.sub("", p.read_text(encoding="utf-8")))}
    assert {lang for _, lang in found} <= runners, sorted(found)
    assert {lang for _, lang in found} >= {"python", "r", "sql", "sparql", "sh", "yaml", "json"}


def test_the_readme_is_short_and_reaches_every_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    linked = {(README.parent / m).resolve() for m in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)}
    assert set(PAGES) - {README} <= linked


def test_the_cog_parts_are_what_the_code_writes(monkeypatch):
    from cogapp import Cog

    monkeypatch.syspath_prepend(str(ROOT / "docs"))
    pages = [p for p in HAND_WRITTEN if "[[[cog" in p.read_text(encoding="utf-8")]
    assert {p.name for p in pages} >= {"maintaining.md", "performance.md"}
    cog = Cog()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert cog.process_string(text, fname=str(page)) == text, (
            f"{page.relative_to(ROOT)} is stale: run `cog -r -I docs {page.relative_to(ROOT)}`")


def test_a_stale_cog_part_is_found(monkeypatch):
    """A test that cannot fail is a defect: an edited generated table is not what cog writes."""
    from cogapp import Cog

    monkeypatch.syspath_prepend(str(ROOT / "docs"))
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8").replace("| 10 | 375 |", "| 10 | 376 |", 1)
    cog = Cog()
    assert cog.process_string(text) != text


TIMING = re.compile(r"\b\d[\d,.]*\s?(?:s|ms|seconds|minutes|MiB|GiB|MB)\b(?! *[<>])")


def test_no_timing_is_typed_by_hand():
    """Figures come from benchmarks/results/ through cog; hand-written pages give none
    (a limit such as "128 MiB (134,217,728 bytes)" is a rule, not a timing)."""
    limits = ("128 MiB", "1 GiB", "32,767")
    for page in HAND_WRITTEN:
        prose = COG.sub("", page.read_text(encoding="utf-8"))
        found = [m for m in TIMING.findall(prose) if not any(m.startswith(limit) for limit in limits)]
        assert found == [], page.relative_to(ROOT)


def test_the_set_up_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    setup = [code.strip() for page, code in blocks("sh") if page == "README.md" and ".venv/bin/" in code]
    assert len(setup) == 2
    assert setup[0] in ci and setup[1].replace(".venv/bin/python -m pytest -q", "") == ""
    assert ".venv/bin/python -m pytest -q" in ci


def test_the_readme_names_the_debian_packages_ci_installs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = re.search(r"for p in ([a-z0-9. -]+); do", ci)[1].split()
    named = re.search(r"need Debian's (.+?)\s+\(the list", README.read_text(encoding="utf-8"), re.S)[1]
    assert sorted(re.findall(r"`([a-z0-9.-]+)`", named)) == sorted(installed)


@pytest.fixture(scope="module")
def clone(tmp_path_factory, reproduced) -> Path:
    """A copy of the repository with release 2.0.0's archive unzipped in it, where the
    README's shell commands run."""
    repo = tmp_path_factory.mktemp("docs") / "repo"
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(repo)], check=True)  # the history
    copy_repo(repo, PACKAGE_PARTS + REPO_FILES + ("validate.py", "releases"))  # the working tree as it is
    with zipfile.ZipFile(reproduced("2.0.0").archive) as zf:
        zf.extractall(repo)
    return repo


def test_the_shell_commands_run(clone):
    commands = [line.strip() for page, code in blocks("sh") for line in code.splitlines()
                if line.strip() and ".venv/bin/" not in line]
    assert commands, "no shell example besides the set-up"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    for command in commands:
        run = subprocess.run(["bash", "-c", command], cwd=clone, capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, (command, run.stdout[-2000:], run.stderr[-2000:])
    assert any(c.startswith("ansar-data verify") for c in commands)


def rows(folder: Path, table: str) -> list[dict]:
    with open(folder / "data" / f"{table}.json", encoding="utf-8") as f:
        return json.load(f)


def test_the_python_examples_run_in_the_archive(unzipped):
    for page, code in blocks("python"):
        run = subprocess.run([sys.executable, "-c", code + "\nprint(len(events), len(names))"], cwd=unzipped,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (page, run.stderr[-2000:])
        assert run.stdout.split() == [str(len(rows(unzipped, "events"))), str(len(rows(unzipped, "entity_names")))]


def test_the_r_examples_run_in_the_archive(unzipped):
    rscript = need("R (Rscript with readr and jsonlite)", shutil.which("Rscript"))
    for page, code in blocks("r"):
        script = code + '\ncat(nrow(events), nrow(names), nrow(kurdish), "\\n")\n'
        run = subprocess.run([rscript, "-e", script], cwd=unzipped, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (page, run.stderr[-2000:])
        events, names, kurdish = map(int, run.stdout.split())
        records = rows(unzipped, "entity_names")
        assert (names, kurdish) == (len(records), sum(r["language_tag"] == "ckb" for r in records))
        assert kurdish > 0 and events > 0


def tables_as_views(folder: Path) -> duckdb.DuckDBPyConnection:
    """"Tables named as their files", as the README says to make them."""
    con = duckdb.connect()
    for path in sorted((folder / "data").glob("*.csv")):
        con.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM '{path.relative_to(folder)}'")
    return con


def test_the_codebook_queries_run(unzipped, monkeypatch):
    """The codebook's examples, `:t` bound to the day its text uses, say what its text says."""
    monkeypatch.chdir(unzipped)
    con = tables_as_views(unzipped)
    answers = {}
    for _page, code in blocks("sql", [ROOT / "docs" / "codebook.md"]):
        for statement in [s for s in code.split(";") if s.strip() and not s.strip().startswith("-- no rows")]:
            question = re.findall(r"^-- (.+)$", statement, re.M)
            answers[question[0] if question else statement.split()[1]] = {
                r[0] for r in con.execute(statement.replace(":t", "'1985-06-01'")).fetchall()}
    certainly = answers["Certainly held at :t (the sources, or a recorded derivation, say so)"]
    possibly = answers["Possibly held at :t (nothing the sources say rules it out)"]
    assert certainly <= possibly
    assert "al-ansar/status/not-effective" in certainly
    assert "al-ansar/area_of_operation/iraqi-kurdistan" in possibly - certainly
    assert answers["id"] == set()  # the honest empty answer
    assert answers["c.id,"] == {r["id"] for r in rows(unzipped, "counts") if r["event"] == "pasht-ashan-massacre"}


def test_the_sql_examples_run_in_the_archive(unzipped, monkeypatch):
    monkeypatch.chdir(unzipped)
    con = tables_as_views(unzipped)
    answers = {}
    for _page, code in blocks("sql"):
        for statement in [s for s in code.split(";") if s.strip()]:
            question = re.findall(r"^-- (.+)$", statement, re.M)
            answers[question[0] if question else statement.strip()] = con.execute(statement).fetchall()
    assert answers["Who perpetrated the Pasht Ashan massacre, and how many died?"] == [
        ("puk", 150, 150, None, "150")]
    assert answers["Which of Al-Ansar's alliances do the sources date? None: an empty answer that is the"] == []
    assert ("kdp",) in {(o,) for p, o in answers["Who were Al-Ansar's allies and opponents?"] if p == "allied_with"}
    massacre = next(rows for q, rows in answers.items() if q.startswith("SELECT e.title"))
    assert {role for _, _, role, _ in massacre} >= {"perpetrator", "victim"}


def sparql_queries(code: str) -> dict[str, str]:
    """question -> query (the block's prefixes and one SELECT) of a SPARQL block whose
    queries each follow a "# question" line."""
    prefixes, _, rest = code.partition("\n#")
    parts = re.split(r"^# (.+)$", "#" + rest, flags=re.M)[1:]
    return {q: prefixes + "\n" + body for q, body in zip(parts[::2], parts[1::2])}


def _cells(rows) -> list[tuple[str, ...]]:
    from ansar_data.core.tables_io import cell

    return sorted(tuple(cell(v) for v in row) for row in rows)


def test_the_sparql_twins_give_the_sql_answers(unzipped, monkeypatch):
    """#41: every question the README asks in SQL, asked in SPARQL of the unzipped
    archive's graph with the embedded store, has the same answer."""
    from ansar_data.publish import sparql

    monkeypatch.chdir(unzipped)
    con = tables_as_views(unzipped)
    sql = {}
    for _page, code in blocks("sql", [README]):
        for statement in [s for s in code.split(";") if s.strip()]:
            question = re.findall(r"^-- (.+)$", statement, re.M)
            if question:
                sql[question[0]] = con.execute(statement).fetchall()
    (twin_block,) = [code for _page, code in blocks("sparql", [README])]
    twins = sparql_queries(twin_block)
    assert set(twins) == set(sql), "a README question without its SPARQL twin"
    for question, query in twins.items():
        names, rows = sparql.run(unzipped, query)
        assert _cells(rows) == _cells(sql[question]), question
    assert _cells(sparql.run(unzipped, twins["Who perpetrated the Pasht Ashan massacre, and how many died?"])[1]) == [
        ("puk", "150", "150", "", "150")]


def test_the_sparql_command_answers_and_refuses_as_a_command_does(tmp_path):
    query = ('PREFIX events: <vocab/events/> SELECT ?best { ?e events:id "pasht-ashan-massacre" ; '
             'events:fatalities_best ?best }')
    run = [str(BIN / "ansar-data"), "sparql", "--package", str(ROOT)]
    done = subprocess.run([*run, query, "--format", "csv"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "best\n150\n")
    (tmp_path / "q.rq").write_text(query, encoding="utf-8")
    done = subprocess.run([*run, str(tmp_path / "q.rq"), "--format", "json"], capture_output=True, text=True)
    assert (done.returncode, json.loads(done.stdout)) == (0, [{"best": "150"}])
    done = subprocess.run([*run, "SELEC ?x"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("could not answer the query: ") and not done.stdout
    assert "Traceback" not in done.stderr
    done = subprocess.run([str(BIN / "ansar-data"), "sparql", "--package", str(tmp_path), query],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "data/graph.trig: no such file" in done.stderr
    # a query file that is not text, and a graph that is a FIFO: one line each, exit 2
    (tmp_path / "bad.rq").write_bytes(b"SELECT \xff")
    done = subprocess.run([*run, str(tmp_path / "bad.rq")], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (2, f"could not answer the query: {tmp_path / 'bad.rq'}: not UTF-8 text "
                                                 "(invalid start byte at byte 7)\n")
    (tmp_path / "data").mkdir()
    os.mkfifo(tmp_path / "data" / "graph.trig")
    done = subprocess.run([str(BIN / "ansar-data"), "sparql", "--package", str(tmp_path), query],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "graph.trig: is a FIFO, not a regular file" in done.stderr, done.stderr


def test_the_yaml_examples_are_records_of_the_curation():
    curated = [r for path in sorted((ROOT / "curation").glob("*.yaml"))
               for r in (yaml.safe_load(path.read_text(encoding="utf-8")) or [])]
    examples = blocks("yaml")
    assert examples
    for page, code in examples:
        for record in yaml.safe_load(code):
            assert record in curated, (page, record)


def test_the_json_example_has_the_report_s_shape():
    report = json.loads(subprocess.run([sys.executable, "validate.py", "--json"], cwd=ROOT, capture_output=True,
                                       text=True).stdout)
    for page, code in blocks("json"):
        example = json.loads(code)
        assert example.keys() <= report.keys() | {"omitted"}, page
        assert example["errors"][0].keys() == {"code", "message", "resource", "row", "field"}

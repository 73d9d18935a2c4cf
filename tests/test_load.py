"""Every table loads, with no tricks, in the tools our users have: pandas, DuckDB,
sqlite3 and Datasette, Parquet, Excel, frictionless, R, and a browser. Each load test
checks row counts, key types and an Arabic-script value."""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ansar_data.publish.exports import write_exports
from helpers import ROOT, browser, need

ARABIC = "الأنصار"
TABLES = [p.stem for p in sorted((ROOT / "data").glob("*.csv"))]


def csv_records(name: str) -> list[dict[str, str]]:
    with (ROOT / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def as_text(value) -> str:
    """A loaded value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.fixture(scope="session")
def exports(inputs, tables, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    write_exports(folder, inputs.spec, tables, inputs.package)
    return folder


@pytest.fixture(scope="session")
def counts():
    return {name: len(csv_records(name)) for name in TABLES}


def test_exports_are_deterministic(inputs, tables, exports, tmp_path):
    # a second after the first writing at least, so that a clock time leaking into a file
    # would show (the session's exports were usually written long before)
    written = max(p.stat().st_mtime for p in exports.rglob("*"))
    time.sleep(max(0.0, written + 1.1 - time.time()))
    write_exports(tmp_path, inputs.spec, tables, inputs.package)
    def digest(folder):
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}
    first = digest(exports)
    assert first == digest(tmp_path)
    assert {"al-ansar-iraq.sqlite", "al-ansar-iraq.xlsx", "metadata.json", "parquet/events.parquet",
            "stata/events.dta", "spss/events.sav"} <= set(first)


def test_sqlite_export(exports, counts, inputs):
    con = sqlite3.connect(exports / "al-ansar-iraq.sqlite")
    con.execute("PRAGMA foreign_keys = ON")
    for name in TABLES:
        booleans = {f["name"] for f in inputs.spec.table(name).fields if f["type"] == "boolean"}
        cursor = con.execute(f'SELECT * FROM "{name}"')
        columns = [d[0] for d in cursor.description]
        rows = [{c: as_text(bool(v) if c in booleans and v is not None else v) for c, v in zip(columns, row)}
                for row in cursor]
        assert rows == csv_records(name), name
    assert con.execute("SELECT typeof(ordinal) FROM sections LIMIT 1").fetchone() == ("integer",)
    assert con.execute("SELECT count(*) FROM entity_names WHERE name = ?", (ARABIC,)).fetchone() == (1,)
    perpetrators = con.execute("""
        SELECT n.name FROM events e JOIN event_participants p ON p.event = e.id
        JOIN entities n ON n.id = p.entity
        WHERE e.id = 'pasht-ashan-massacre' AND p.role = 'perpetrator'""").fetchall()
    assert perpetrators == [("Patriotic Union of Kurdistan",)]
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        con.execute("INSERT INTO event_participants (id, event, entity, role) "
                    "VALUES ('x/actor/nobody', 'armed-struggle', 'nobody', 'actor')")
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"idx_event_participants_event", "idx_event_participants_entity", "idx_evidence_source"} <= indexes
    meta = json.loads((exports / "metadata.json").read_text())
    assert meta["license"] == "CC BY-SA 4.0"
    columns = meta["databases"]["al-ansar-iraq"]["tables"]["events"]["columns"]
    assert columns["edtf"].startswith("The date as EDTF")


def test_parquet_export(exports, inputs):
    import pyarrow as pa
    import pyarrow.parquet as pq

    for name in TABLES:
        table = pq.read_table(exports / "parquet" / f"{name}.parquet")
        rows = [{k: as_text(v) for k, v in r.items()} for r in table.to_pylist()]
        assert rows == csv_records(name), name
    events = pq.read_schema(exports / "parquet" / "events.parquet")
    assert events.field("date_start").type == pa.date32()
    assert events.field("fatalities_low").type == pa.int64()
    assert events.field("fatalities_low_exclusive").type == pa.bool_()
    assert not events.field("id").nullable and events.field("place").nullable


def test_xlsx_export(exports):
    from openpyxl import load_workbook

    wb = load_workbook(exports / "al-ansar-iraq.xlsx", read_only=True)
    resources = json.loads((ROOT / "datapackage.json").read_text())["resources"]
    assert wb.sheetnames == ["README", *[r["name"] for r in resources if r["format"] == "csv"],
                             "fields", "vocabularies"]
    for name in TABLES:
        rows = list(wb[name].iter_rows(values_only=True))
        header = list(rows[0])
        records = [{h: as_text(v) for h, v in zip(header, row)} for row in rows[1:]]
        assert records == csv_records(name), name
    readme = [r for r in wb["README"].iter_rows(values_only=True)]
    assert readme[0][0] == "Al-Ansar (Iraq) and the Pasht Ashan massacre"


def test_xlsx_is_formatted_for_reading_and_describes_itself(exports, inputs):
    from openpyxl import load_workbook

    wb = load_workbook(exports / "al-ansar-iraq.xlsx")
    events = wb["events"]
    from openpyxl.utils import get_column_letter
    last = get_column_letter(len(inputs.spec.table("events").fields))
    assert events.freeze_panes == "A2" and events.auto_filter.ref == f"A1:{last}{events.max_row}"
    description = events.cell(1, inputs.spec.table("events").field_names.index("description") + 1)
    width = events.column_dimensions[description.column_letter].width
    assert width == 62 and events.cell(2, description.column).alignment.wrap_text
    assert events.column_dimensions["A"].width < 62
    fields = list(wb["fields"].iter_rows(values_only=True))
    assert fields[0] == ("table", "field", "type", "required", "vocabulary", "description")
    assert ("events", "edtf", "string", False, None) == fields[[r[:2] for r in fields].index(("events", "edtf"))][:5]
    assert len(fields) - 1 == sum(len(t.fields) for t in inputs.spec.tables)
    terms = list(wb["vocabularies"].iter_rows(values_only=True))
    assert ("event_link", "after") in [r[:2] for r in terms]
    assert len(terms) - 1 == sum(len(v.terms) for v in inputs.spec.vocabularies.values())
    readme = wb["README"]
    assert readme.column_dimensions["C"].width == 100 and readme["C8"].alignment.wrap_text
    assert "A3:C3" in {str(r) for r in readme.merged_cells.ranges}
    assert readme.row_dimensions[3].height >= 15 * (len(readme["A3"].value) // 120)  # the description fits


def test_pandas(counts):
    import pandas as pd

    for name in TABLES:
        frame = pd.read_csv(ROOT / "data" / f"{name}.csv")
        assert len(frame) == counts[name], name
        assert len(pd.read_json(ROOT / "data" / f"{name}.json")) == counts[name], name
    sections = pd.read_csv(ROOT / "data" / "sections.csv")
    assert str(sections["ordinal"].dtype) == "int64"
    names = pd.read_csv(ROOT / "data" / "entity_names.csv")
    assert ARABIC in set(names["name"])
    assert "کارەساتی پشت ئاشان" in set(pd.read_json(ROOT / "data" / "entity_names.json")["name"])


def test_duckdb(counts):
    import duckdb

    con = duckdb.connect()
    for name in TABLES:
        path = str(ROOT / "data" / f"{name}.csv")
        assert con.execute("SELECT count(*) FROM read_csv_auto(?)", [path]).fetchone()[0] == counts[name]
    data = str(ROOT / "data")
    rows = con.execute(f"""
        SELECT e.title, e.edtf, p.role, n.name
        FROM read_csv_auto('{data}/events.csv') e
        JOIN read_csv_auto('{data}/event_participants.csv') p ON p.event = e.id
        JOIN read_csv_auto('{data}/entities.csv') n ON n.id = p.entity
        WHERE e.id = 'pasht-ashan-massacre' ORDER BY p.role, n.name""").fetchall()
    assert ("Pasht Ashan massacre", "1983-05", "perpetrator", "Patriotic Union of Kurdistan") in rows
    kind = con.execute(f"SELECT typeof(ordinal) FROM read_csv_auto('{data}/sections.csv') LIMIT 1").fetchone()[0]
    assert kind == "BIGINT"
    arabic = con.execute(f"SELECT count(*) FROM read_csv_auto('{data}/entity_names.csv') WHERE name = ?",
                         [ARABIC]).fetchone()[0]
    assert arabic == 1


def test_frictionless_reads_every_resource(counts):
    from frictionless import Package

    package = Package(str(ROOT / "datapackage.json"))
    for name in TABLES:
        rows = package.get_resource(name).read_rows()
        assert len(rows) == counts[name]
        assert len(package.get_resource(name + "_json").read_rows()) == counts[name]
    names = package.get_resource("entity_names").read_rows()
    assert ARABIC in {r["name"] for r in names}
    assert isinstance(package.get_resource("sections").read_rows()[0]["ordinal"], int)


R_SCRIPT = r"""
suppressMessages({library(readr); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
for (f in sort(list.files(args[1], pattern = "\\.csv$", full.names = TRUE))) {
  name <- sub("\\.csv$", "", basename(f))
  csv <- read_csv(f, show_col_types = FALSE, progress = FALSE)
  js <- fromJSON(sub("\\.csv$", ".json", f))
  cat(name, nrow(csv), NROW(js), class(csv[[1]])[1], "\n")
}
names <- read_csv(file.path(args[1], "entity_names.csv"), show_col_types = FALSE)
cat("arabic", sum(names$name == args[2]), "\n")
sections <- read_csv(file.path(args[1], "sections.csv"), show_col_types = FALSE)
cat("ordinal", class(sections$ordinal), "\n")
"""


def test_r_reads_every_table(counts, tmp_path):
    rscript = need("R (Rscript with readr and jsonlite)", shutil.which("Rscript"))
    script = tmp_path / "load.R"
    script.write_text(R_SCRIPT)
    result = subprocess.run([rscript, str(script), str(ROOT / "data"), ARABIC],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.strip().splitlines())
    for name in TABLES:
        csv_count, json_count, _ = lines[name].split()
        assert (int(csv_count), int(json_count)) == (counts[name], counts[name]), name
    assert lines["arabic"].strip() == "1"
    assert lines["ordinal"].strip() == "numeric"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_export(exports):
    datasette = need("datasette", shutil.which("datasette", path=str(Path(sys.executable).parent)))
    port = free_port()
    proc = subprocess.Popen([datasette, "serve", str(exports / "al-ansar-iraq.sqlite"), "-m",
                             str(exports / "metadata.json"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = (f"http://127.0.0.1:{port}/al-ansar-iraq/entity_names.json?_shape=array&name="
               + urllib.parse.quote(ARABIC))
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("datasette did not answer: "
                                         + proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        assert [(r["entity"], r["language_tag"], r["script"]) for r in rows] == [("al-ansar", "ar", "Arab")]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/al-ansar-iraq/events.json?_shape=array&_size=max",
                                    timeout=10) as response:
            assert len(json.loads(response.read())) == len(csv_records("events"))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_landing_page_in_a_browser(counts):
    from selenium.webdriver.common.by import By

    with browser(2000) as driver:
        driver.get((ROOT / "site" / "index.html").as_uri())
        severe = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        assert severe == []
        ld = driver.execute_script(
            "return JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
        assert ld["@type"] == "Dataset" and ld["temporalCoverage"] == "1977/2004"
        previews = driver.find_elements(By.CSS_SELECTOR, "table.preview")
        assert len(previews) == len(TABLES)
        assert all(p.is_displayed() for p in previews)
        assert ARABIC in driver.find_element(By.ID, "preview-entity_names").text
        assert driver.find_element(By.CSS_SELECTOR, "#figure-timeline img").is_displayed()
        shots = ROOT / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(shots / "site.png"))
        print(f"screenshot: {shots / 'site.png'}")


def test_stata_and_spss_exports(exports, counts, inputs):
    """Every table in both formats, read back by pandas and pyreadstat with the CSV's rows:
    Arabic intact, booleans as labelled 0/1, dates as dates, labels from the descriptions."""
    import pandas as pd
    import pyreadstat

    for name in TABLES:
        dta, sav = exports / "stata" / f"{name}.dta", exports / "spss" / f"{name}.sav"
        assert dta.read_bytes()[:40] == b"<stata_dta><header><release>118</release"  # format 118: UTF-8
        frames = [pd.read_stata(dta), pyreadstat.read_dta(str(dta))[0], pyreadstat.read_sav(str(sav))[0]]
        for frame in frames:
            assert len(frame) == counts[name], name
            assert list(frame.columns) == inputs.spec.table(name).field_names, name
    names = pd.read_stata(exports / "stata" / "entity_names.dta")
    assert (names["name"] == ARABIC).sum() == 1
    assert set(names["canonical"]) == {"true", "false"}  # 0/1 shown through their value labels
    events, meta = pyreadstat.read_sav(str(exports / "spss" / "events.sav"))
    massacre = events[events["id"] == "pasht-ashan-massacre"].iloc[0]
    assert str(massacre["date_start"])[:10] == "1983-05-01" and str(massacre["date_end"])[:10] == "1983-05-31"
    assert meta.variable_value_labels["fatalities_low_exclusive"] == {0.0: "false", 1.0: "true"}
    assert meta.column_names_to_labels["edtf"].startswith("The date as EDTF")
    assert all(len(label) <= 80 for label in meta.column_labels)


def test_every_date_column_is_a_date_in_stata_and_spss_even_when_empty(exports, inputs):
    """#39: relations.valid_end_latest and sources.retrieved, empty in every row, were
    written as strings; every date field is a date, from the one type table."""
    import pyreadstat

    from ansar_data.core.schema import TYPES

    dates = [(t.name, f["name"]) for t in inputs.spec.tables for f in t.fields
             if TYPES[f["type"]].statistics == "date"]
    assert ("relations", "valid_end_latest") in dates and ("sources", "retrieved") in dates
    for table, field in dates:
        _, dta = pyreadstat.read_dta(str(exports / "stata" / f"{table}.dta"), metadataonly=True)
        _, sav = pyreadstat.read_sav(str(exports / "spss" / f"{table}.sav"), metadataonly=True)
        assert dta.original_variable_types[field] == "%td", (table, field)
        assert sav.original_variable_types[field] == "DATE11", (table, field)


def test_an_integer_stata_cannot_hold_is_a_clear_error(inputs, tables, tmp_path):
    from ansar_data.publish.exports import ExportError, write_stata_spss

    bad = {**tables, "sections": [{**tables["sections"][0], "char_end": 2**60}, *tables["sections"][1:]]}
    with pytest.raises(ExportError, match=r"sections row 2 field 'char_end': 1152921504606846976 cannot be held "
                                          r"exactly by Stata or SPSS"):
        write_stata_spss(tmp_path, inputs.spec, bad)


R_HAVEN = """
library(haven)
args <- commandArgs(trailingOnly = TRUE)
for (f in list.files(file.path(args[1], "stata"), pattern = "\\\\.dta$", full.names = TRUE)) {
  name <- sub("\\\\.dta$", "", basename(f))
  dta <- read_dta(f)
  sav <- read_sav(file.path(args[1], "spss", paste0(name, ".sav")))
  cat(name, nrow(dta), nrow(sav), "\\n")
}
names <- read_dta(file.path(args[1], "stata", "entity_names.dta"))
cat("arabic", sum(names$name == args[2]), "\\n")
"""


def test_r_haven_reads_stata_and_spss(exports, counts, tmp_path):
    rscript = need("R (Rscript with haven)", shutil.which("Rscript"))
    check = subprocess.run([rscript, "-e", "library(haven)"], capture_output=True, text=True, timeout=120)
    if check.returncode != 0:
        need("R's haven package (Debian r-cran-haven)", None)
    script = tmp_path / "haven.R"
    script.write_text(R_HAVEN)
    result = subprocess.run([rscript, str(script), str(exports), ARABIC], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(None, 1) for line in result.stdout.strip().splitlines())
    for name in TABLES:
        assert lines[name].split() == [str(counts[name])] * 2, name
    assert lines["arabic"].strip() == "1"


# ---- exports refuse what their tool cannot hold (#22 item 9) ----

def test_excel_keeps_formula_like_text_and_long_integers_as_text(inputs, tables, tmp_path):
    import copy

    from openpyxl import load_workbook

    from ansar_data.publish.exports import write_xlsx

    meta = {**inputs.package, "title": '=HYPERLINK("http://example.org","x")'}
    spec = copy.deepcopy(inputs.spec)
    spec.table("claims").fields[-1]["description"] = "=1+1 in a description"
    rows = {**tables, "counts": [dict(r) for r in tables["counts"]]}
    rows["counts"][0]["number"] = 1234567890123456
    write_xlsx(tmp_path / "x.xlsx", spec, rows, meta)
    wb = load_workbook(tmp_path / "x.xlsx")
    assert (wb["README"]["A1"].value, wb["README"]["A1"].data_type) == (meta["title"], "s")
    described = [c for row in wb["fields"].iter_rows() for c in row if c.value == "=1+1 in a description"]
    assert described and described[0].data_type == "s"
    column = [c.value for c in wb["counts"][1]].index("number") + 1
    cell = wb["counts"].cell(row=2, column=column)
    assert (cell.value, cell.data_type) == ("1234567890123456", "s")
    assert "more than 15 digits, which Excel would round" in cell.comment.text


def test_text_longer_than_a_format_holds_is_refused(inputs, tables, tmp_path):
    from ansar_data.publish.exports import ExportError, write_stata_spss, write_xlsx

    rows = {**tables, "entities": [dict(r) for r in tables["entities"]]}
    rows["entities"][0]["description"] = "\U0001F600" * 32_767  # 32,767 characters, 131,068 bytes
    with pytest.raises(ExportError, match=r"entities row 2 field 'description': 131,068 bytes of UTF-8, over the "
                                          r"32,767 an SPSS string holds"):
        write_stata_spss(tmp_path, inputs.spec, rows)
    with pytest.raises(ExportError, match=r"xlsx sheet 'entities' cell D2: 65,534 UTF-16 code units, over the "
                                          r"32,767 an Excel cell holds"):
        write_xlsx(tmp_path / "x.xlsx", inputs.spec, rows, inputs.package)


def test_a_record_s_quotes_light_up_in_the_article_in_a_browser(counts):
    """#24: the page shows each article with its quotes marked; clicking a record's quote
    highlights its words in the article and goes there; the article reads as the source."""
    from selenium.webdriver.common.by import By

    with browser(1400) as driver:
        driver.get((ROOT / "site" / "index.html").as_uri())
        article = driver.find_element(By.ID, "article-al-ansar-iraq")
        shown = driver.execute_script(
            "var c = arguments[0].nextElementSibling.cloneNode(true);"
            "c.querySelectorAll('a.ev').forEach(function (a) { a.remove(); }); return c.textContent;", article)
        assert shown == (ROOT / "sources" / "al-ansar-iraq.txt").read_text(encoding="utf-8")
        assert driver.find_elements(By.CSS_SELECTOR, ".hl") == []
        records = driver.find_element(By.ID, "records-relations")
        records.find_element(By.TAG_NAME, "summary").click()
        entry = driver.find_element(By.XPATH, "//details[@id='records-relations']//li[code='al-ansar/allied_with/kdp']")
        link = entry.find_element(By.CSS_SELECTOR, "a.rec")
        # #39: a link says which words it quotes and from where, not "quote 1"
        assert link.text == "“Allies: KDP” (al-ansar-iraq)"
        target = link.get_attribute("data-ev")
        tint = "return getComputedStyle(document.querySelector('.q')).backgroundColor"
        assert driver.execute_script(tint) == "rgba(0, 0, 0, 0)"  # only the chosen record's quotes are tinted
        link.click()
        lit = driver.find_elements(By.CSS_SELECTOR, ".hl")
        assert lit and "".join(e.text for e in lit) == "Allies: KDP"
        assert driver.execute_script("return location.hash") == f"#{target}"
        top, height = driver.execute_script(
            "var r = document.querySelector('.hl').getBoundingClientRect(); return [r.top, window.innerHeight]")
        assert height / 4 < top < 3 * height / 4  # scrolled to the middle, not the top edge
        driver.find_element(By.ID, "all-quotes").click()  # the toggle shows every quote, and the markers
        assert driver.execute_script(tint) != "rgba(0, 0, 0, 0)"
        assert driver.find_element(By.CSS_SELECTOR, "a.ev").is_displayed()
        back = driver.find_element(By.ID, target).get_attribute("href")
        assert back.endswith("#" + entry.get_attribute("id"))
        shots = ROOT / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(shots / "evidence.png"))


def test_exports_are_typed_for_their_tools(exports):
    """#26 item 7: SPSS shows counts as whole numbers on a scale and terms as nominal;
    Stata holds integers as integers, not doubles (pyreadstat writes every integer as
    Stata's long, its smallest type it writes)."""
    import pyreadstat

    _, sav = pyreadstat.read_sav(str(exports / "spss" / "counts.sav"), metadataonly=True)
    assert sav.original_variable_types["number"] == "F5.0"  # 10,000 is the widest
    assert sav.variable_measure["number"] == "scale" and sav.variable_measure["number_certainty"] == "nominal"
    _, events = pyreadstat.read_sav(str(exports / "spss" / "events.sav"), metadataonly=True)
    assert events.variable_measure["fatalities_low_exclusive"] == "nominal"
    _, dta = pyreadstat.read_dta(str(exports / "stata" / "counts.dta"), metadataonly=True)
    assert dta.readstat_variable_types["number"] == "int32" and dta.readstat_variable_types["text"] == "string"

"""Exports for users of SQLite/Datasette, Parquet, Excel, Stata and SPSS, written by the
release into the archive (exports/). Types come from the Table Schemas; every export is
deterministic, so the release archive stays byte-for-byte reproducible."""

from __future__ import annotations

import datetime
import io
import json
import math
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from ansar_data.core.schema import TYPES, Spec, Table
from ansar_data.core.tables_io import deterministic_zip
from ansar_data.publish.citation import license_label, license_url

FIXED_TIME = datetime.datetime(2000, 1, 1)


class ExportError(ValueError):
    """A value that a format cannot hold; names the table, row and field."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: Table) -> list[str]:
    """CREATE TABLE with the schema's primary and foreign keys, and an index per foreign key."""
    columns = []
    for f in table.fields:
        kind = TYPES[f["type"]]
        col = f"{_quote(f['name'])} {kind.sql}"
        if f.get("required"):
            col += " NOT NULL"
        if kind.sql_check:
            col += f" CHECK ({_quote(f['name'])} {kind.sql_check})"
        columns.append(col)
    columns.append(f"PRIMARY KEY ({', '.join(map(_quote, table.primary_key))})")
    for fk in table.foreign_keys:
        ref = fk["reference"]
        columns.append(f"FOREIGN KEY ({', '.join(map(_quote, fk['fields']))}) REFERENCES "
                       f"{_quote(ref['resource'])} ({', '.join(map(_quote, ref['fields']))})")
    sql = [f"CREATE TABLE {_quote(table.name)} (\n  " + ",\n  ".join(columns) + "\n)"]
    for fk in table.foreign_keys:
        index = f"idx_{table.name}_{'_'.join(fk['fields'])}"
        sql.append(f"CREATE INDEX {_quote(index)} ON {_quote(table.name)} ({', '.join(map(_quote, fk['fields']))})")
    return sql


def write_sqlite(path: Path, spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA page_size = 4096")
        for table in spec.tables:
            for statement in create_table_sql(table):
                con.execute(statement)
        for table in spec.tables:
            names = table.field_names
            con.executemany(
                f"INSERT INTO {_quote(table.name)} VALUES ({', '.join('?' * len(names))})",
                [[row[n] for n in names] for row in tables[table.name]])
        con.commit()
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise ExportError(f"foreign keys do not resolve in the SQLite export: {problems[:5]}")
        con.execute("VACUUM")
    except sqlite3.OperationalError as exc:  # a full disk, a file size limit: as any failed write
        raise OSError(f"{path}: SQLite could not write the export: {exc}") from exc
    finally:
        con.close()


def datasette_metadata(spec: Spec, meta: dict[str, Any], sources: list[dict[str, Any]],
                       database: str) -> dict[str, Any]:
    """Datasette's metadata.json; sources are rows of the sources table."""
    return {
        "title": meta["title"],
        "description": " ".join(meta["description"].split()),
        "license": license_label(meta),
        "license_url": license_url(meta),
        "source": "English Wikipedia: " + "; ".join(s["title"] for s in sources),
        "source_url": sources[0]["url"] if sources else "",
        "databases": {database: {"tables": {
            t.name: {"title": t.title, "description": t.row,
                     "columns": {f["name"]: f["description"] for f in t.fields}}
            for t in spec.tables}}},
    }


def arrow_table(table: Table, rows: list[dict[str, Any]]):
    import pyarrow as pa

    types = {name: getattr(pa, t.arrow)() for name, t in TYPES.items()}
    fields, arrays = [], []
    for f in table.fields:
        values = [TYPES[f["type"]].native(row[f["name"]]) for row in rows]
        fields.append(pa.field(f["name"], types[f["type"]], nullable=not f.get("required"),
                               metadata={"description": f["description"]}))
        arrays.append(pa.array(values, type=types[f["type"]]))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata={"description": table.row}))


def write_parquet(folder: Path, spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> None:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for table in spec.tables:
        pq.write_table(arrow_table(table, tables[table.name]), folder / f"{table.name}.parquet",
                       compression="zstd")


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed entry times, and the workbook's "modified" time fixed
    too: openpyxl stamps the current time into both when it saves."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\2", content)
            entries.append((info.filename, content))
    return deterministic_zip(entries, FIXED_TIME.timetuple()[:6])


WIDEST_COLUMN = 60  # characters; longer text wraps


def _format_sheet(sheet, header_rows: int = 1) -> None:
    """Widths from the content (at most WIDEST_COLUMN, longer text wraps), a bold frozen
    header and an autofilter: what a reader of the workbook otherwise does by hand."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wrap = Alignment(wrap_text=True, vertical="top")
    for n, column in enumerate(sheet.iter_cols(), start=1):
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=0)
        sheet.column_dimensions[get_column_letter(n)].width = min(longest, WIDEST_COLUMN) + 2
        if longest > WIDEST_COLUMN:
            for cell in column:
                cell.alignment = wrap
    for cell in sheet[header_rows]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{header_rows + 1}"
    sheet.auto_filter.ref = f"A{header_rows}:{get_column_letter(sheet.max_column)}{sheet.max_row}"


def write_xlsx(path: Path, spec: Spec, tables: dict[str, list[dict[str, Any]]], meta: dict[str, Any]) -> None:
    """README sheet, one sheet per table, then `fields` and `vocabularies` (from
    tables.yaml), each formatted for reading."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = ", ".join(c["title"] for c in meta["contributors"] if "creator" in c.get("roles", []))
    readme = wb.active
    readme.title = "README"
    lines = [[meta["title"]], [f"Version {meta['version']}"], [" ".join(meta["description"].split())],
             [" ".join(meta["attribution"].split())],
             ["The sheets `fields` and `vocabularies` describe every column and every term."], [],
             ["sheet", "rows", "one row is"]]
    lines += [[t.name, len(tables[t.name]), t.row] for t in spec.tables]
    for line in lines:
        readme.append(line)
    readme["A1"].font = Font(bold=True, size=14)
    for cell in readme[7]:
        cell.font = Font(bold=True)
    readme.column_dimensions["A"].width, readme.column_dimensions["B"].width = 24, 8
    readme.column_dimensions["C"].width = 100
    for row in readme.iter_rows(min_row=1, max_row=5):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
        readme.merge_cells(start_row=row[0].row, start_column=1, end_row=row[0].row, end_column=3)
        # Spreadsheets do not grow a merged row to fit its text: give it the lines it needs.
        lines = -(-len(str(row[0].value or "")) // 120) or 1
        readme.row_dimensions[row[0].row].height = max(15 * lines, 20 if row[0].row == 1 else 15)
    for (cell,) in readme.iter_rows(min_row=8, min_col=3, max_col=3):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for table in spec.tables:
        sheet = wb.create_sheet(table.name)
        sheet.append(table.field_names)
        dates = {f["name"] for f in table.fields if TYPES[f["type"]].statistics == "date"}
        for row in tables[table.name]:
            sheet.append([TYPES[f["type"]].native(row[f["name"]]) for f in table.fields])
        for n, name in enumerate(table.field_names, start=1):
            if name in dates:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = "yyyy-mm-dd"
        _format_sheet(sheet)
    fields = wb.create_sheet("fields")
    fields.append(["table", "field", "type", "required", "vocabulary", "description"])
    for table in spec.tables:
        for f in table.fields:
            fields.append([table.name, f["name"], f["type"], bool(f.get("required")), f.get("vocabulary"),
                           f["description"]])
    _format_sheet(fields)
    vocabularies = wb.create_sheet("vocabularies")
    vocabularies.append(["vocabulary", "term", "meaning", "vocabulary description"])
    for vocabulary in spec.vocabularies.values():
        for term, meaning in vocabulary.terms.items():
            vocabularies.append([vocabulary.name, term, meaning, vocabulary.description])
    _format_sheet(vocabularies)
    for sheet in wb.worksheets:
        _cells_excel_can_hold(sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


# Excel's limits: a cell holds 32,767 UTF-16 code units (an emoji counts two), and a
# number keeps 15 significant digits (1234567890123456 shows as 1234567890123450).
EXCEL_CELL_UNITS = 32_767
EXCEL_DIGITS = 15


def _cells_excel_can_hold(sheet: Any) -> None:
    """Every cell as Excel will show it: text that looks like a formula stays text (in
    every sheet: a title in package.yaml or a description in tables.yaml too), an
    integer Excel would round is written as text with a note saying so, and a text
    longer than a cell holds is an ExportError naming it."""
    from openpyxl.comments import Comment

    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str):
                if cell.data_type == "f":  # openpyxl reads "=..." as a formula
                    cell.data_type = "s"
                if len(value.encode("utf-16-le")) // 2 > EXCEL_CELL_UNITS:
                    raise ExportError(f"xlsx sheet {sheet.title!r} cell {cell.coordinate}: "
                                      f"{len(value.encode('utf-16-le')) // 2:,} UTF-16 code units, over the "
                                      f"{EXCEL_CELL_UNITS:,} an Excel cell holds")
            elif isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) > EXCEL_DIGITS:
                cell.value, cell.data_type = str(value), "s"
                cell.comment = Comment(f"{value} has more than {EXCEL_DIGITS} digits, which Excel would round; "
                                       "written as text", "ansar-data")


# Stata and SPSS hold numbers as doubles: integers beyond 2^53 would silently change.
EXACT_IN_DOUBLE = 2**53
STATA_LABEL_CHARS = 80  # Stata's limit for a variable label


def variable_label(description: str) -> str:
    """A field's description cut to its first sentence, at most 80 characters."""
    first = re.split(r"(?<=[.;])\s(?=[A-Z])", description.replace("\n", " "), maxsplit=1)[0].rstrip(".;")
    return first if len(first) <= STATA_LABEL_CHARS else first[: STATA_LABEL_CHARS - 1].rstrip() + "…"


def statistics_frame(table: Table, rows: list[dict[str, Any]]):
    """A table as a pandas DataFrame that Stata and SPSS can hold: booleans as 0/1 (with
    value labels false/true), dates as dates, integers as numbers, a missing string as
    "" (neither format has a missing string)."""
    import pandas as pd

    columns = {}
    for f in table.fields:
        name, kind = f["name"], TYPES[f["type"]].statistics
        values = [row[name] for row in rows]
        if kind == "integer":
            for n, v in enumerate(values):
                if v is not None and abs(int(v)) > EXACT_IN_DOUBLE:
                    raise ExportError(f"{table.name} row {n + 2} field {name!r}: {v} cannot be held exactly "
                                      f"by Stata or SPSS, whose numbers are doubles")
            numbers = [None if v is None else int(v) for v in values]
            # a whole number, missing where empty (Stata's long); past 32 bits only a double holds it
            fits = all(abs(v) < 2**31 - 27 for v in numbers if v is not None)
            columns[name] = pd.Series(numbers, dtype="Int32" if fits else "float64")
        elif kind == "number":
            columns[name] = pd.Series([None if v is None else float(v) for v in values], dtype="float64")
        elif kind == "date" and all(v is None for v in values):
            # no date to tell the writer the type: a numeric column of missing days, given
            # the date format by date_formats (else it would be written as text)
            columns[name] = pd.Series([math.nan] * len(values), dtype="float64")
        elif kind == "date":
            columns[name] = pd.Series([TYPES[f["type"]].native(v) for v in values], dtype="object")
        else:
            columns[name] = pd.Series(["" if v is None else str(v) for v in values], dtype="object")
    return pd.DataFrame(columns)


# The display formats of a date in each tool: a day (not a date and time).
DATE_FORMATS = {"stata": "%td", "spss": "DATE11"}


def date_formats(table: Table, tool: str) -> dict[str, str]:
    """Every date field's format for Stata or SPSS, from the one type table: a date column
    is a date even when it is empty."""
    return {f["name"]: DATE_FORMATS[tool] for f in table.fields if TYPES[f["type"]].statistics == "date"}


def spss_formats(table: Table, frame: Any) -> tuple[dict[str, str], dict[str, str]]:
    """SPSS print formats and measure levels from the field types: whole numbers without
    decimals (F{digits}.0, not 150.00), every other kind as SPSS would guess it."""
    formats, measures = date_formats(table, "spss"), {}
    for f in table.fields:
        kind = TYPES[f["type"]]
        measures[f["name"]] = kind.spss_measure
        if kind.statistics == "integer":
            digits = max((len(str(int(v))) for v in frame[f["name"]].dropna()), default=1)
            formats[f["name"]] = f"F{max(digits, 1)}.0"
    return formats, measures


def _labels(table: Table) -> tuple[dict[str, str], dict[str, dict[int, str]]]:
    labels = {f["name"]: variable_label(f["description"]) for f in table.fields}
    values = {f["name"]: TYPES[f["type"]].value_labels for f in table.fields if TYPES[f["type"]].value_labels}
    return labels, values


def _fixed_dta_time(data: bytes) -> bytes:
    """Stata's header carries the time of writing; fix it, for a reproducible archive."""
    stamp = b"<timestamp>\x11" + FIXED_TIME.strftime("%d %b %Y %H:%M").encode() + b"</timestamp>"
    fixed, count = re.subn(rb"<timestamp>\x11[^<]{17}</timestamp>", stamp, data, count=1)
    if count != 1:
        raise ExportError("no timestamp found in the Stata header; the format changed")
    return fixed


def _fixed_sav_time(data: bytes) -> bytes:
    """SPSS's header carries the date and time of writing at bytes 92-108; fix them."""
    if not re.fullmatch(rb"\d\d [A-Z][a-z]{2} \d\d\d\d:\d\d:\d\d", data[92:109]):
        raise ExportError("no creation time found in the SPSS header; the format changed")
    return data[:92] + FIXED_TIME.strftime("%d %b %y%H:%M:%S").encode() + data[109:]


# An SPSS string holds 32,767 bytes of UTF-8: an emoji takes four.
SPSS_STRING_BYTES = 32_767


def _spss_strings(table: Table, rows: list[dict[str, Any]]) -> None:
    """Every text an SPSS file can hold, or an ExportError naming the cell (a file with a
    longer one is written, but cannot be read back)."""
    for n, row in enumerate(rows, start=2):
        for f in table.fields:
            value = row[f["name"]]
            if isinstance(value, str) and len(value.encode("utf-8")) > SPSS_STRING_BYTES:
                raise ExportError(f"{table.name} row {n} field {f['name']!r}: {len(value.encode('utf-8')):,} bytes "
                                  f"of UTF-8, over the {SPSS_STRING_BYTES:,} an SPSS string holds")


def _read_back(sav: Path, table: str) -> None:
    import pyreadstat

    try:
        pyreadstat.read_sav(str(sav), metadataonly=True)
    except Exception as exc:  # pyreadstat's own types
        raise ExportError(f"{table}: the SPSS file written cannot be read back: {exc}") from exc


def write_stata_spss(folder: Path, spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> None:
    """stata/<table>.dta (format 118, UTF-8, Stata 14 and later) and spss/<table>.sav,
    with variable labels from the field descriptions and false/true value labels."""
    import pyreadstat

    for sub in ("stata", "spss"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for table in spec.tables:
        _spss_strings(table, tables[table.name])
        frame = statistics_frame(table, tables[table.name])
        labels, values = _labels(table)
        dta, sav = folder / "stata" / f"{table.name}.dta", folder / "spss" / f"{table.name}.sav"
        try:
            pyreadstat.write_dta(frame, str(dta), file_label=table.title[:80], column_labels=labels,
                                 variable_value_labels=values, version=14,
                                 variable_format=date_formats(table, "stata"))
            formats, measures = spss_formats(table, frame)
            pyreadstat.write_sav(frame, str(sav), file_label=table.title[:64], column_labels=labels,
                                 variable_value_labels=values, variable_format=formats, variable_measure=measures)
        except Exception as exc:  # pyreadstat raises its own types for values it cannot write
            raise ExportError(f"{table.name}: cannot be written for Stata or SPSS: {exc}") from exc
        _read_back(sav, table.name)
        dta.write_bytes(_fixed_dta_time(dta.read_bytes()))
        sav.write_bytes(_fixed_sav_time(sav.read_bytes()))


def export_files(spec: Spec, meta: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What write_exports writes, as (path inside exports/, media type, what it is), for
    the pages that link the exports before they are written."""
    name = meta["name"]
    files = [(f"{name}.sqlite", "application/vnd.sqlite3", "SQLite database, every table"),
             ("metadata.json", "application/json", "Datasette metadata for the SQLite database"),
             (f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "Excel workbook, a sheet per table with fields and vocabularies")]
    for t in spec.tables:
        files += [(f"parquet/{t.name}.parquet", "application/vnd.apache.parquet", f"{t.name} as Parquet"),
                  (f"stata/{t.name}.dta", "application/x-stata-dta", f"{t.name} for Stata"),
                  (f"spss/{t.name}.sav", "application/x-spss-sav", f"{t.name} for SPSS")]
    return sorted(files)


def write_exports(folder: Path, spec: Spec, tables: dict[str, list[dict[str, Any]]],
                  meta: dict[str, Any]) -> list[Path]:
    """All exports into folder (the files export_files lists); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    name = meta["name"]
    write_sqlite(folder / f"{name}.sqlite", spec, tables)
    datasette = datasette_metadata(spec, meta, tables["sources"], name)
    (folder / "metadata.json").write_text(json.dumps(datasette, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    write_parquet(folder / "parquet", spec, tables)
    write_xlsx(folder / f"{name}.xlsx", spec, tables, meta)
    write_stata_spss(folder, spec, tables)
    return sorted(p for p in folder.rglob("*") if p.is_file())

"""Column names a query can use unquoted (#23): none is a reserved word of SQL:2016 or
DuckDB, and every one works unquoted in DuckDB and SQLite (`table` made every query on
evidence, inferences and disagreements fail, or, quoted the SQLite way, "table" silently
compared with the string 'table')."""

from __future__ import annotations

import sqlite3

import duckdb

from helpers import ROOT

WORDS = (ROOT / "tests" / "vendor" / "sql2016-reserved-words.txt").read_text().splitlines()
SQL2016 = {line.strip() for line in WORDS if line.strip() and not line.startswith("#")}


def duckdb_reserved() -> set[str]:
    return {w.upper() for (w,) in duckdb.sql(
        "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall()}


def unquoted_problems(names: list[str]) -> dict[str, list[str]]:
    """Which engines refuse each name as an unquoted column name (one database of each
    for all the names: a DuckDB database for each name was most of this file's time)."""
    out: dict[str, list[str]] = {name: [] for name in names}
    for engine, run in (("SQLite", sqlite3.connect(":memory:").execute), ("DuckDB", duckdb.connect().execute)):
        for i, name in enumerate(names):
            try:
                run(f"CREATE TABLE t{i} (k_ INTEGER, {name} TEXT)")
                run(f"SELECT {name} FROM t{i} WHERE {name} = 'x' ORDER BY {name}")
            except (sqlite3.Error, duckdb.Error):
                out[name].append(engine)
    return out


def test_the_lists_and_engines_catch_a_reserved_word():
    assert {"TABLE", "LANGUAGE", "VALUE", "LAG"} <= SQL2016 and "TABLE" in duckdb_reserved()
    assert unquoted_problems(["table", "record_table"]) == {"table": ["SQLite", "DuckDB"], "record_table": []}


def test_no_column_is_a_reserved_word(inputs):
    reserved = SQL2016 | duckdb_reserved()
    found = {(t.name, f["name"]) for t in inputs.spec.tables for f in t.fields if f["name"].upper() in reserved}
    assert found == set()


def test_every_column_works_unquoted(inputs):
    names = sorted({f["name"] for t in inputs.spec.tables for f in t.fields})
    assert {name: problems for name, problems in unquoted_problems(names).items() if problems} == {}

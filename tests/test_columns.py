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


def unquoted_problems(name: str) -> list[str]:
    """Which engines refuse `name` as an unquoted column name."""
    out = []
    for engine, run in (("SQLite", sqlite3.connect(":memory:").execute), ("DuckDB", duckdb.connect().execute)):
        try:
            run(f"CREATE TABLE t (k_ INTEGER, {name} TEXT)")
            run(f"SELECT {name} FROM t WHERE {name} = 'x' ORDER BY {name}")
        except (sqlite3.Error, duckdb.Error):
            out.append(engine)
    return out


def test_the_lists_and_engines_catch_a_reserved_word():
    assert {"TABLE", "LANGUAGE", "VALUE", "LAG"} <= SQL2016 and "TABLE" in duckdb_reserved()
    assert unquoted_problems("table") == ["SQLite", "DuckDB"] and unquoted_problems("record_table") == []


def test_no_column_is_a_reserved_word(inputs):
    reserved = SQL2016 | duckdb_reserved()
    found = {(t.name, f["name"]) for t in inputs.spec.tables for f in t.fields if f["name"].upper() in reserved}
    assert found == set()


def test_every_column_works_unquoted(inputs):
    names = sorted({f["name"] for t in inputs.spec.tables for f in t.fields})
    assert {name: problems for name in names if (problems := unquoted_problems(name))} == {}

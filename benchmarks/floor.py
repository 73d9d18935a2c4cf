"""The floor a validator is measured against: DuckDB reading every CSV and JSON table of
a package, typed (its own type detection), and counting the rows, and reading every other
resource (the RDF, its shapes) as text; nothing is checked.

    python benchmarks/floor.py PACKAGE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb


def read_all(folder: Path) -> int:
    """Rows read, over every table of the descriptor (a file that is not a table counts one)."""
    con = duckdb.connect()
    total = 0
    for res in json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"]:
        path = str(folder / res["path"]).replace("'", "''")
        if res.get("type") != "table":
            total += con.execute(f"SELECT count(*) FROM read_text('{path}') WHERE length(content) >= 0").fetchone()[0]
            continue
        reader = "read_csv" if res["format"] == "csv" else "read_json"
        total += con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0]
    return total


if __name__ == "__main__":
    print(read_all(Path(sys.argv[1])))

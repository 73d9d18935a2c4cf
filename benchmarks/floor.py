"""The floor a validator is measured against: DuckDB reading every CSV and JSON table of
a package, typed (its own type detection), and counting the rows; nothing is checked.

    python benchmarks/floor.py PACKAGE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb


def read_all(folder: Path) -> int:
    """Rows read, over every resource of the descriptor."""
    con = duckdb.connect()
    total = 0
    for res in json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"]:
        path = str(folder / res["path"]).replace("'", "''")
        reader = "read_csv" if res["format"] == "csv" else "read_json"
        total += con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0]
    return total


if __name__ == "__main__":
    print(read_all(Path(sys.argv[1])))

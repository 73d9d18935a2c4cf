"""What datapackage.json holds apart from the computed bytes and hashes, derived from
metadata/package.yaml, sources/sources.yaml and tables.yaml. The build writes it from
here, and validate.py compares the descriptor it reads with it (descriptor-derived,
resource-derived), so a licence, version, title or path edited by hand is found."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ansar_data.core.schema import Table

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# The descriptor keys before `resources`, in order, each from package.yaml except
# `description` (with the attribution) and `sources` (sources.yaml).
PACKAGE_KEYS = ("$schema", "name", "title", "description", "version", "created", "licenses", "sources",
                "contributors", "keywords")


def package_metadata(meta: dict[str, Any], sources: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The descriptor without its resources; `sources` are (title, url) pairs."""
    return {
        "$schema": PACKAGE_PROFILE,
        **{k: meta[k] for k in ("name", "title")},
        "description": meta["description"].strip() + "\n\n" + meta["attribution"].strip(),
        **{k: meta[k] for k in ("version", "created", "licenses")},
        "sources": [{"title": title, "path": url} for title, url in sources],
        **{k: meta[k] for k in ("contributors", "keywords")},
    }


def table_resources(table: Table) -> list[dict[str, Any]]:
    """A table's two resources, CSV and JSON twin, without bytes and hash."""
    out = []
    for suffix, fmt, media in (("", "csv", "text/csv"), ("_json", "json", "application/json")):
        resource = {"name": table.name + suffix, "type": "table", "path": f"data/{table.name}.{fmt}",
                    "format": fmt, "mediatype": media, "encoding": "utf-8",
                    "title": table.title + (" (JSON)" if suffix else ""), "description": table.row,
                    "schema": f"schemas/{table.name}.tableschema.json"}
        if suffix:
            resource["jsonSchema"] = f"schemas/{table.name}.schema.json"
        out.append(resource)
    return out

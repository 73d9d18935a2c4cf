"""Generated blocks inside the hand-written README.md, between named markers:
<!-- NAME:start ... --> and <!-- NAME:end -->."""

from __future__ import annotations

import re
from typing import Any

from .schema import Spec


def stamp_block(text: str, name: str, body: str) -> str:
    """text with the block NAME replaced by body; ValueError when the markers are missing."""
    start = re.search(rf"<!-- {name}:start[^>]*-->", text)
    end = text.find(f"<!-- {name}:end -->")
    if start is None or end < start.end():
        raise ValueError(f"README.md has no '<!-- {name}:start -->' ... '<!-- {name}:end -->' markers")
    return text[:start.end()] + "\n" + body.strip("\n") + "\n" + text[end:]


def tables_block(spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["| table | rows | one row is |", "| --- | ---: | --- |"]
    lines += [f"| [`{t.name}`](docs/codebook.md#{t.name.replace('_', '-')}) | {len(tables[t.name])} | {t.row} |"
              for t in spec.tables]
    return "\n".join(lines)

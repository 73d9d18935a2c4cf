"""Curated knowledge tables from curation/*.yaml (filled in by issue 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Curation:
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def load_curation(folder: Path, texts: dict[str, str]) -> Curation:
    return Curation()


def curated_tables(curation: Curation, extracted: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {}

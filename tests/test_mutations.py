"""The mutation suite: every corruption of the valid package makes validate.py exit 1
with the expected error code and location."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT, copy_repo
from mutations import PARTS, Mutant, generate

SUMMARY = pytest.StashKey[list]()

_MUTANTS: list = []


def _init() -> None:
    _MUTANTS.extend(generate(ROOT))


def _run(index: int) -> tuple[int, int, list[dict]]:
    from ansar_data.validate import main

    mutant = _MUTANTS[index]
    with tempfile.TemporaryDirectory() as tmp:
        pkg = copy_repo(Path(tmp) / "pkg", PARTS)
        mutant.apply(pkg)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([str(pkg), "--json"])
    return index, code, json.loads(out.getvalue())["errors"] if code == 1 else []


def _caught(mutant, errors: list[dict]) -> bool:
    return any(e["code"] == mutant.code
               and all(getattr(mutant, k) is None or e[k] == getattr(mutant, k)
                       for k in ("resource", "row", "field"))
               for e in errors)


def test_every_mutant_is_caught_with_code_and_location(request):
    mutants = generate(ROOT)
    classes = Counter(m.cls for m in mutants)
    assert len(mutants) >= 300
    assert len(classes) >= 20
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, initializer=_init) as pool:
        results = list(pool.map(_run, range(len(mutants)), chunksize=8))
    missed = []
    for index, code, errors in results:
        mutant = mutants[index]
        if code != 1 or not _caught(mutant, errors):
            found = sorted({(e["code"], e["resource"], e["row"], e["field"]) for e in errors})[:6]
            missed.append(f"{mutant.cls} [{mutant.label}]: exit {code}, expected "
                          f"{(mutant.code, mutant.resource, mutant.row, mutant.field)}, got {found}")
    caught = len(mutants) - len(missed)
    request.config.stash.setdefault(SUMMARY, []).append(
        f"mutation suite: {caught}/{len(mutants)} mutants caught over {len(classes)} classes: "
        + ", ".join(f"{c} {n}" for c, n in sorted(classes.items())))
    assert missed == []


def test_unmutated_copy_is_valid(tmp_path):
    _MUTANTS.append(Mutant("none", "unchanged", lambda pkg: None, "none"))
    try:
        _, code, errors = _run(len(_MUTANTS) - 1)
    finally:
        _MUTANTS.pop()
    assert (code, errors) == (0, [])


def test_harness_rejects_a_wrong_expectation():
    errors = [{"code": "span-mismatch", "resource": "see_also", "row": 4, "field": "title"}]
    assert _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 4, "title"), errors)
    assert _caught(Mutant("x", "x", print, "span-mismatch", "see_also"), errors)
    assert not _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 5, "title"), errors)
    assert not _caught(Mutant("x", "x", print, "span-range", "see_also", 4, "title"), errors)
    assert not _caught(Mutant("x", "x", print, "span-mismatch", "sections", 4, "title"), errors)

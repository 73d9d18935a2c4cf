"""The mutation suite: every corruption of the valid package makes the validator report
the expected error code and location.

Speed: each process keeps one copy of the package, hard-linked to another in the
temporary root, and after each mutant puts back only what the mutant replaced, added or
removed (a fresh copy and its removal for each mutant were a fifth of the suite's time);
the records of the files a mutant left as they were come from the pristine copy's load
(see run_mutant). Every mutant is checked by every check of the validator, as
`validate.py` runs them.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from functools import cache
from pathlib import Path

import pytest

from ansar_data.check.package import Package, Problem, load_package
from ansar_data.check.validate import validate_package
from ansar_data.core.registry import RULES, rule_of
from helpers import ROOT, copy_repo
from mutations import MAX_PER_CLASS, PARTS, Mutant, generate


@cache
def mutants() -> list[Mutant]:
    """Generated once per process (each xdist worker that asks makes its own)."""
    return generate(ROOT)


@cache
def work() -> Path:
    """This process's folder for its copies of the package, in the temporary root (in
    memory where conftest.py found a tmpfs: a mutant's files are made and removed there
    hundreds of times), removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="ansar-mutants-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@cache
def original() -> Path:
    """A copy of the package to link from, on the copies' file system."""
    return copy_repo(work() / "original", PARTS)


@cache
def pristine() -> Path:
    """The copy the mutants damage: hard links to original(), put back after each."""
    pkg = work() / "pkg"
    pkg.mkdir()
    put_back(original(), pkg, PARTS)
    return pkg


def _remove(entry: os.DirEntry) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path)
    else:
        os.unlink(entry.path)


def put_back(src: Path, dst: Path, names: tuple[str, ...] | None = None) -> None:
    """Make dst hold what src holds (only `names` of it, at the top): a file is the
    original while it is the same inode, which DirEntry.inode() gives without a system
    call; whatever else is there is removed and linked again."""
    want = {e.name: e for e in os.scandir(src) if names is None or e.name in names}
    have = {e.name: e for e in os.scandir(dst)}
    for name in have.keys() - want.keys():
        _remove(have[name])
    for name, entry in want.items():
        found = have.get(name)
        if entry.is_dir(follow_symlinks=False):
            if found is not None and found.is_dir(follow_symlinks=False):
                put_back(Path(entry.path), Path(found.path))
                continue
            if found is not None:
                _remove(found)
            shutil.copytree(entry.path, dst / name, copy_function=os.link)
        elif found is None or found.is_dir(follow_symlinks=False) or found.inode() != entry.inode():
            if found is not None:
                _remove(found)
            os.link(entry.path, dst / name)


@cache
def pristine_load() -> Package:
    return load_package(pristine())


def run_mutant(mutant: Mutant, reuse: bool = True) -> tuple[int, list[dict]]:
    """Exit code validate.py would give, and the problems, for one corrupted copy. With
    `reuse`, the files the mutant left as they were are not parsed again: their records
    come from the pristine copy's load (load_package's `earlier`), two fifths of the
    time a mutant took; every check runs on every resource all the same."""
    pkg = pristine()
    try:
        mutant.apply(pkg)
        report = validate_package(pkg, earlier=pristine_load() if reuse else None)
    finally:
        put_back(original(), pkg, PARTS)
    return (0 if report.valid else 1), [asdict(p) for p in report.problems]


def _caught(mutant, errors: list[dict]) -> bool:
    """The expected code at the expected place; for a value-level mutant, no code but
    the ones it allows (its JSON twin and hashes were updated)."""
    allowed = {mutant.code, *(mutant.alone or ())}
    if mutant.alone is not None and any(e["code"] not in allowed and rule_of(e["code"]).code not in allowed
                                        for e in errors):
        return False
    return any(e["code"] == mutant.code
               and all(getattr(mutant, k) is None or e[k] == getattr(mutant, k)
                       for k in ("resource", "row", "field"))
               for e in errors)


def test_every_mutant_is_caught_with_code_and_location(request):
    all_mutants = mutants()
    classes = Counter(m.cls for m in all_mutants)
    assert len(all_mutants) >= 300
    assert len(classes) >= 20
    # In this process: under xdist the other worker has the other core. A pool of its own
    # made three busy processes on two cores, and contention costs CPU (the whole suite on
    # three workers took 1.28 times the CPU it takes on two).
    missed = []
    start = time.perf_counter()
    for mutant in all_mutants:
        code, errors = run_mutant(mutant)
        if code != 1 or not _caught(mutant, errors):
            found = sorted({(e["code"], e["resource"], e["row"], e["field"]) for e in errors})[:6]
            missed.append(f"{mutant.cls} [{mutant.label}]: exit {code}, expected "
                          f"{(mutant.code, mutant.resource, mutant.row, mutant.field)}, got {found}")
    caught = len(all_mutants) - len(missed)
    took = time.perf_counter() - start
    request.node.user_properties.append(("summary",
        f"mutation suite: {caught}/{len(all_mutants)} mutants caught over {len(classes)} classes "
        f"by the whole validator, in {took:.1f} s ({1000 * took / len(all_mutants):.0f} ms a mutant): "
        + ", ".join(f"{c} {n}" for c, n in sorted(classes.items()))))
    assert missed == []


def test_the_maintaining_page_counts_the_mutants():
    page = (ROOT / "docs" / "maintaining.md").read_text(encoding="utf-8")
    assert f"({len(mutants())} mutants, each checked by every check" in page


def test_unmutated_copy_is_valid():
    assert run_mutant(Mutant("none", "unchanged", lambda pkg: None, "none")) == (0, [])


def test_a_mutant_s_report_is_the_same_with_and_without_reuse():
    """The first mutant of every fifth class, validated with nothing reused: the same
    report, problem for problem, as with the pristine copy's records reused."""
    firsts = list({m.cls: m for m in reversed(mutants())}.values())[::5]
    assert len(firsts) >= 15
    for mutant in firsts:
        assert run_mutant(mutant, reuse=False) == run_mutant(mutant), mutant.cls


def test_a_mutant_s_report_is_the_same_when_the_checks_are_shared():
    """The first mutant of every fifth class and of each class about JSON twins or
    sources, validated with the sources read and the checks run beside a forked child
    (as validate.py does for a large package): the same report, kept problems, counts of the rest
    and rows checked, with one problem kept per code (what the merge of the two
    processes' reports must get right)."""
    firsts = {m.cls: m for m in reversed(mutants())}
    chosen = sorted({*list(firsts)[::5], "truncated-file",  # the last: many problems of one code
                     *(c for c in firsts if any(w in c for w in ("json", "twin", "source")))})
    assert {"json-twin-differs", "source-file-missing", "sources-edited"} <= set(chosen) and len(chosen) >= 20
    pkg, capped = pristine(), 0
    for cls in chosen:
        try:
            firsts[cls].apply(pkg)
            alone = validate_package(pkg, max_errors=1, earlier=pristine_load(), shared=False).as_json()
            assert validate_package(pkg, max_errors=1, earlier=pristine_load(), shared=True).as_json() == alone, cls
            capped += bool(alone["omitted"])
        finally:
            put_back(original(), pkg, PARTS)
    assert capped  # some reports kept fewer problems than they counted


def test_hard_linked_copy_leaves_the_original_alone():
    def data(top: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (top / "data").glob("*.csv")}
    before = data(ROOT)
    mutant = next(m for m in mutants() if m.cls == "altered-quote")
    code, errors = run_mutant(mutant)
    assert code == 1 and _caught(mutant, errors)
    assert data(ROOT) == before and data(original()) == before


def test_harness_rejects_a_wrong_expectation():
    errors = [{"code": "span-mismatch", "resource": "see_also", "row": 4, "field": "title"}]
    assert _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 4, "title"), errors)
    assert _caught(Mutant("x", "x", print, "span-mismatch", "see_also"), errors)
    assert not _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 5, "title"), errors)
    assert not _caught(Mutant("x", "x", print, "span-range", "see_also", 4, "title"), errors)
    assert not _caught(Mutant("x", "x", print, "span-mismatch", "sections", 4, "title"), errors)
    extra = [*errors, {"code": "twin-mismatch", "resource": "see_also_json", "row": 4, "field": "title"}]
    assert _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 4, "title"), extra)
    assert not _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 4, "title", ()), extra)
    assert _caught(Mutant("x", "x", print, "span-mismatch", "see_also", 4, "title", ("twin-mismatch",)), extra)


def documented_check_codes() -> set[str]:
    text = (ROOT / "docs" / "maintaining.md").read_text(encoding="utf-8")
    start = text.index("| check | codes |")
    table = text[start:text.index("\n\n", start)]
    return {code for line in table.splitlines()[2:] for code in re.findall(r"`([^`]+)`", line.rsplit("|", 2)[1])}


def test_the_registry_the_mutation_suite_and_the_maintaining_page_name_the_same_codes():
    registry = set(RULES)
    expected = {rule_of(m.code).code for m in mutants()}
    assert registry - expected == set(), "codes no mutation class exercises"
    assert expected - registry == set()
    assert documented_check_codes() == registry


def test_an_undeclared_code_cannot_be_reported():
    with pytest.raises(ValueError, match="undeclared error code 'made-up'"):
        Problem("made-up", "a code registry.py does not declare")


def test_each_class_is_added_once_and_sampled():
    classes = Counter(m.cls for m in mutants())
    assert max(classes.values()) <= MAX_PER_CLASS, classes.most_common(3)


def test_a_mutant_s_damage_is_put_back_exactly():
    """Files replaced, removed, added, made a FIFO or a folder: afterwards every name of
    the copy is its original again (the same inode), and nothing else is there."""
    kinds = ("not-a-regular-file", "resource-re-pointed", "missing-resource-file", "wrong-hash", "json-twin-differs")
    pkg = pristine()
    for kind in kinds:
        mutant = next(m for m in mutants() if m.cls == kind)
        mutant.apply(pkg)
        put_back(original(), pkg, PARTS)
    def listing(top: Path) -> dict[str, int]:
        return {str(p.relative_to(top)): p.stat().st_ino for part in PARTS for p in
                ([top / part] if (top / part).is_file() else (top / part).rglob("*")) if p.is_file()}
    assert listing(pkg) == listing(original())
    assert sorted(p.name for p in pkg.iterdir()) == sorted(PARTS)


def test_a_changed_verdict_is_named_mutant_by_mutant(tmp_path):
    """tests/verdicts.py, for changing how the checks run: the same verdicts compare equal,
    and a problem lost, one gained or another exit code is named with its mutant."""
    import json

    import verdicts

    chosen = list({m.cls: m for m in mutants()}.values())[:3]
    found = list(verdicts.verdicts(chosen))
    assert found[0] == {"class": "none", "label": "unchanged", "exit": 0, "problems": []}
    first = found[1]
    assert first["exit"] == 1 and [chosen[0].code, chosen[0].resource] in [p[:2] for p in first["problems"]]
    assert verdicts.differences(found, found) == []
    earlier = json.loads(json.dumps(found))
    earlier[1]["problems"].append(["cell-type", "events", 9, "date_start"])
    earlier[2]["exit"] = 0
    changed = verdicts.differences(earlier, found)
    assert changed == sorted([
        f"{first['class']} [{first['label']}]: no longer [['cell-type', 'events', 9, 'date_start']]; now also []",
        f"{found[2]['class']} [{found[2]['label']}]: exit 0 before, 1 now"])
    assert verdicts.differences(earlier[:2], found) == sorted(
        [f"{v['class']} [{v['label']}]: only in this run" for v in found[2:]]
        + [f"{first['class']} [{first['label']}]: no longer [['cell-type', 'events', 9, 'date_start']]; now also []"])

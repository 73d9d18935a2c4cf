"""The code is a pipeline whose folders are its stages (ansar_data.STAGES): a module
imports only from its own stage or an earlier one, never in a circle, and each stage's
__init__ says what it may import."""

from __future__ import annotations

import ast
import re

from ansar_data import STAGES
from ansar_data.core.rules import find_cycle
from helpers import ROOT

SRC = ROOT / "src" / "ansar_data"
TOP = ("cli", "__main__", "__init__")  # the command line, above every stage


def module_name(path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)


def modules() -> dict[str, object]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports() -> dict[str, set[str]]:
    """Every module's imports of other ansar_data modules (at the top or in a function)."""
    known = modules()
    graph = {}
    for name, path in known.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            assert not (isinstance(node, ast.ImportFrom) and node.level), f"{name}: a relative import"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ansar_data"):
                base = node.module.removeprefix("ansar_data").removeprefix(".")
                for alias in node.names:
                    target = f"{base}.{alias.name}" if base else alias.name
                    found.add(target if target in known else base)
            elif isinstance(node, ast.Import):
                found |= {a.name.removeprefix("ansar_data.") for a in node.names if a.name.startswith("ansar_data.")}
        graph[name] = {m for m in found if m and m != name}
    return graph


def stage_of(module: str) -> str | None:
    return module.split(".")[0] if module.split(".")[0] in STAGES else None


def edges(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(a, b) for a in sorted(graph) for b in sorted(graph[a])]


def test_every_module_lives_in_a_stage_or_is_the_command_line():
    loose = [m for m in modules() if stage_of(m) is None and m not in TOP]
    assert loose == []
    assert sorted(p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(STAGES)


def test_no_import_cycles():
    graph = imports()
    assert "check.checks" in graph["check.validate"] and "check.validate" in graph["publish.build"]
    assert find_cycle(edges(graph)) is None


def test_no_stage_imports_a_later_stage():
    upward = [(a, b) for a, b in edges(imports())
              if stage_of(a) and (stage_of(b) is None or STAGES.index(stage_of(b)) > STAGES.index(stage_of(a)))]
    assert upward == []


def test_the_layer_test_sees_an_upward_import(tmp_path, monkeypatch):
    """A test that cannot fail is a defect: plant an upward import and see it found."""
    fake = tmp_path / "ansar_data"
    for stage in STAGES:
        (fake / stage).mkdir(parents=True)
    (fake / "core" / "low.py").write_text("from ansar_data.publish.high import x\n")
    (fake / "publish" / "high.py").write_text("x = 1\n")
    monkeypatch.setattr(__import__(__name__), "SRC", fake)
    graph = imports()
    assert graph["core.low"] == {"publish.high"}
    assert [(a, b) for a, b in edges(graph) if STAGES.index(stage_of(b)) > STAGES.index(stage_of(a))] == [
        ("core.low", "publish.high")]


def test_each_stage_says_what_it_is_and_what_it_may_import():
    for i, stage in enumerate(STAGES):
        doc = ast.get_docstring(ast.parse((SRC / stage / "__init__.py").read_text(encoding="utf-8")))
        lines = doc.splitlines()
        assert len(lines) == 2, stage
        allowed = re.fullmatch(r"May import: (.+)\.", lines[1])[1]
        assert allowed == (", ".join(STAGES[:i]) or "nothing of ansar_data"), stage


def test_cycle_finder_finds_a_cycle():
    assert find_cycle(edges({"a": {"b"}, "b": {"c"}, "c": {"a"}})) == ["a", "b", "c", "a"]
    assert find_cycle(edges({"a": {"b"}, "b": set()})) is None


def test_the_checks_do_not_import_the_build():
    graph = imports()
    for low in ("check.checks", "check.package", "check.validate"):
        assert not {stage_of(m) for m in graph[low]} & {"publish", "release", None}, low

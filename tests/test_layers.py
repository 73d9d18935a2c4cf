"""The modules of ansar_data import only downward: no module imports (at the top or
inside a function) a module that imports it back, directly or through others."""

from __future__ import annotations

import ast

from helpers import ROOT

SRC = ROOT / "src" / "ansar_data"


def imports() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(SRC.glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names |= {node.module} if node.module else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ansar_data."):
                names.add(node.module.split(".")[1])
        graph[path.stem] = names & {p.stem for p in SRC.glob("*.py")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"
    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycles():
    graph = imports()
    assert len(graph) >= 20
    assert "checks" in graph["validate"] and "validate" in graph["build"]
    assert cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_checks_do_not_import_the_build():
    graph = imports()
    for low in ("checks", "package", "validate"):
        assert not graph[low] & {"build", "curate", "extract", "release", "cli", "docs"}, low

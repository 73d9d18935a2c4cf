"""The modules of ansar_data import only downward: no module imports (at the top or
inside a function) a module that imports it back, directly or through others."""

from __future__ import annotations

import ast
import re

from ansar_data.rules import find_cycle
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


def edges(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(a, b) for a in sorted(graph) for b in sorted(graph[a])]


def test_no_import_cycles():
    graph = imports()
    assert len(graph) >= 20
    assert "checks" in graph["validate"] and "validate" in graph["build"]
    assert find_cycle(edges(graph)) is None


def test_cycle_finder_finds_a_cycle():
    assert find_cycle(edges({"a": {"b"}, "b": {"c"}, "c": {"a"}})) == ["a", "b", "c", "a"]
    assert find_cycle(edges({"a": {"b"}, "b": set()})) is None


def test_checks_do_not_import_the_build():
    graph = imports()
    for low in ("checks", "package", "validate"):
        assert not graph[low] & {"build", "curate", "extract", "release", "cli", "docs"}, low


def readme_layers() -> list[list[str]]:
    """The modules in the order the README's repository layout lists them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("src/ansar_data/   in import order"):text.index("\ndata/ schemas/ datapackage.json")]
    out = []
    for line in block.splitlines()[2:]:
        if match := re.match(r"  ((?:[a-z_]+\.py ?)+)", line):  # the names that start the line
            out.append(re.findall(r"([a-z_]+)\.py", match[1]))
    return out


def test_the_readme_lists_every_module_in_an_order_that_imports_only_downward():
    order = [m for line in readme_layers() for m in line]
    graph = imports()
    assert sorted(order) == sorted(graph)
    for module, imported in graph.items():
        later = {m for m in imported if order.index(m) > order.index(module)}
        assert not later, f"{module} imports {sorted(later)}, listed after it in the README"


def test_the_readme_names_the_debian_packages_ci_installs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = re.search(r"for p in ([a-z0-9. -]+); do", ci)[1].split()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = re.search(r"need\s+Debian's (.+?) \(the list", readme, re.S)[1]
    assert sorted(re.findall(r"`([a-z0-9.-]+)`", named)) == sorted(installed)

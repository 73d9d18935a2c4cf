"""A plain install works: every module `src/` imports is the standard library's, the
package's own, or a dependency pyproject.toml declares (not one of the test extras, and
not one that another dependency happens to bring)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata

from helpers import ROOT


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_modules() -> dict[str, str]:
    """Top-level module -> the first file of src/ that imports it."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_runtime_import_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_normal(re.match(r"[A-Za-z0-9_.-]+", d)[0]) for d in project["dependencies"]}
    owners = metadata.packages_distributions()
    undeclared = {}
    for module, where in imported_modules().items():
        if module in sys.stdlib_module_names or module == "ansar_data":
            continue
        dists = {_normal(d) for d in owners.get(module, [])}
        if not dists & declared:
            undeclared[module] = (where, sorted(dists))
    assert undeclared == {}
    assert "pandas" in declared  # imported by publish/exports.py and release/readme.py


def test_the_check_sees_an_undeclared_import(monkeypatch):
    """A test that cannot fail is a defect: a module no dependency provides is found."""
    monkeypatch.setattr(sys.modules[__name__], "imported_modules", lambda: {"duckdb": "src/x.py"})
    try:
        test_every_runtime_import_is_a_declared_dependency()
    except AssertionError as exc:
        assert "duckdb" in str(exc)
    else:
        raise AssertionError("an import of a test-only package passed")

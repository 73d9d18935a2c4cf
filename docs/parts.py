"""The parts of the hand-written docs that the code can say: cog writes them between its
markers (`cog -r -I docs docs/*.md`), and tests/test_docs.py fails when a page differs
from what they give. Each function returns Markdown."""

from __future__ import annotations

import ast
import csv
import importlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "ansar_data"


def _bench(name: str):
    """A benchmark script as a module (cog restores sys.path after each file it reads)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    return importlib.import_module(name)


def _doc(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def _first_sentence(path: Path) -> str:
    text = " ".join(_doc(path).split("\n\n")[0].split())
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return text.split(". ")[0].rstrip(".") + "."


def stage_diagram() -> str:
    from ansar_data import STAGES

    flow = " -> ".join(STAGES[1:])
    return (f"```text\nsources/, curation/, metadata/ (inputs)\n  -> {flow}\n  -> cli.py (ansar-data COMMAND)\n"
            f"{STAGES[0]}: the declarations below every stage\n```\n")


def stages() -> str:
    """Each stage folder: what it is, what it may import, and its modules."""
    from ansar_data import STAGES

    lines = ["| stage | what it is | may import | modules |", "| --- | --- | --- | --- |"]
    for stage in STAGES:
        what, may = _doc(SRC / stage / "__init__.py").splitlines()
        modules = sorted(p.name for p in (SRC / stage).glob("*.py") if p.name != "__init__.py")
        lines.append(f"| `{stage}/` | {what} | {may.removeprefix('May import: ').rstrip('.')} | "
                     + ", ".join(f"`{m}`" for m in modules) + " |")
    return "\n".join(lines) + "\n"


def modules() -> str:
    """Every module with the first sentence of its docstring, stage by stage."""
    from ansar_data import STAGES

    lines = []
    for stage in STAGES:
        for path in sorted((SRC / stage).glob("*.py")):
            if path.name != "__init__.py":
                lines.append(f"- `{stage}/{path.name}`: {_first_sentence(path)}")
    lines.append(f"- `cli.py`: {_first_sentence(SRC / 'cli.py')}")
    return "\n".join(lines) + "\n"


def generated_files() -> str:
    from ansar_data.publish.build import GENERATED_BY

    lines = ["| path | what it is, and what makes it |", "| --- | --- |"]
    lines += [f"| `{path}` | {what} |" for path, what in GENERATED_BY.items()]
    return "\n".join(lines) + "\n"


def commands() -> str:
    from ansar_data.cli import parser

    top = parser("ansar-data")
    sub = next(a for a in top._actions if a.dest == "command")  # argparse keeps its subparsers here
    helps = {c.dest: c.help for c in sub._choices_actions}
    lines = ["| command | what it does |", "| --- | --- |"]
    for name, p in sub.choices.items():
        usage = " ".join(w for w in p.format_usage().split()[3:] if w != "[-h]")
        lines.append(f"| `{f'{name} {usage}'.strip()}` | {helps[name]} |")
    return "\n".join(lines) + "\n"


def _rows(name: str) -> list[dict]:
    with (ROOT / "benchmarks" / "results" / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def machine() -> str:
    text = (ROOT / "benchmarks" / "results" / "machine.txt").read_text(encoding="utf-8")
    return "".join(f"- {line}\n" for line in text.splitlines())


def scaling_table() -> str:
    return _bench("run").markdown_table(_rows("results.csv"))


def timing_table() -> str:
    return _bench("timing").markdown_table(_rows("timing.csv"))


def script_doc(name: str) -> str:
    """A benchmark script's docstring, which says what it measures, as a quoted block."""
    doc = _doc(ROOT / "benchmarks" / f"{name}.py")
    return "```text\n" + doc + "\n```\n"


def _number(text: str) -> float | int | str:
    """A results.csv cell as a number; empty (not measured) and words (why a build failed) as they are."""
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def scaling_targets() -> str:
    check_targets = _bench("run").check_targets
    rows = [{k: _number(v) for k, v in r.items()} for r in _rows("results.csv")]
    return "".join(f"- {label}: {'held' if ok else 'MISSED'}\n" for label, ok in check_targets(rows))

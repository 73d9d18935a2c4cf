"""Malformed input documents: every input file, corrupted at a random place with a value of
a random wrong type or shape, gives an error that names the file (never a traceback),
or builds a package that validate.py finds valid: what the build lets through, the
validator must accept, so no rule lives in the validator alone."""

from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansar_data.check.validate import validate_package
from ansar_data.cli import INPUT_ERRORS
from ansar_data.publish import build as build_module
from helpers import ROOT, copy_repo

INPUT_FILES = sorted(str(p.relative_to(ROOT)) for p in [
    *(ROOT / "curation").glob("*.yaml"), *(ROOT / "metadata").glob("*.yaml"), ROOT / "sources" / "sources.yaml"])
SOURCE_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sources").glob("*.txt"))
ORIGINALS = {rel: yaml.safe_load((ROOT / rel).read_text(encoding="utf-8")) for rel in INPUT_FILES}
# Each example builds and validates a package; INPUT_FUZZ_EXAMPLES runs more by hand.
EXAMPLES = int(os.environ.get("INPUT_FUZZ_EXAMPLES", "25"))

hostile = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30), st.floats(),
    st.text(max_size=12), st.dates(min_value=datetime.date(1, 1, 1)),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
    st.sampled_from(["", "../outside.txt", "/etc/passwd", "1983-02-30", "0000", "x" * 140_000,
                     "a\u202eb", "a\u200bb", "=cmd|' /C calc'!A0", "99999999999999999999"]))


@st.composite
def corrupted(draw) -> tuple[str, Any]:
    """One input file's document with one node replaced, removed or added."""
    rel = draw(st.sampled_from(INPUT_FILES))
    doc = yaml.safe_load(yaml.safe_dump(ORIGINALS[rel], allow_unicode=True))
    holder, key = None, None
    node = doc
    while isinstance(node, (dict, list)) and node and draw(st.integers(0, 4)) > 0:
        holder = node
        key = draw(st.sampled_from(sorted(node, key=str) if isinstance(node, dict) else range(len(node))))
        node = node[key]
    op = draw(st.sampled_from(["replace", "remove", "add"]))
    if holder is None:
        return rel, draw(hostile)
    if op == "replace":
        holder[key] = draw(hostile)
    elif op == "remove":
        del holder[key]
    elif isinstance(holder, dict):
        holder[draw(st.text(min_size=1, max_size=8))] = draw(hostile)
    else:
        holder.append(draw(hostile))
    return rel, doc


@pytest.fixture(scope="module")
def inputs_copy(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("fuzz") / "pkg", ("sources", "metadata", "curation"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=corrupted())
def test_malformed_input_is_an_error_naming_the_file(inputs_copy, case):
    rel, doc = case
    path = inputs_copy / rel
    try:
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            inputs = build_module.load_inputs(inputs_copy)
            files = build_module.render(inputs, docs=False)
        except INPUT_ERRORS as exc:
            # a broken reference may surface in the file that refers (a source removed
            # from sources.yaml is an unknown source in curation/), so any input file
            assert any(str(exc).startswith(str(inputs_copy / f)) for f in INPUT_FILES + SOURCE_FILES), str(exc)
            return
        with tempfile.TemporaryDirectory() as tmp:
            for rel_out, content in files.items():
                (Path(tmp) / rel_out).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / rel_out).write_bytes(content)
            # as the build validates what it makes: a tables.yaml the fuzz changed is the
            # rules this package was built with (rules-differ is for a copy, not a build)
            report = validate_package(Path(tmp), inputs_dir=inputs_copy, skip=build_module.OWN_RULES)
            assert report.valid, f"{rel} built, but does not validate:\n{report.human()[:1500]}"
    finally:
        shutil.copy2(ROOT / rel, path)

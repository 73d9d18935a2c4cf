"""The GitHub workflows pass actionlint, and actionlint would catch a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")


def lint(*paths):
    if ACTIONLINT is None:
        pytest.fail("actionlint is missing: pip install -e '.[test]' installs it")
    return subprocess.run([ACTIONLINT, "-no-color", *map(str, paths)], capture_output=True, text=True)


def test_workflows_pass_actionlint():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["ci.yml", "release.yml"]
    result = lint(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    bad.write_text(text.replace("${{ github.token }}", "${{ github.tokn }}").replace("runs-on:", "run-on:"))
    result = lint(bad)
    assert result.returncode == 1
    assert "run-on" in result.stdout

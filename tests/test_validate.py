"""validate.py: exit 0 on the package, 1 on a corrupted copy with the right place, 2 when it cannot run."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def run(*args):
    result = subprocess.run([sys.executable, str(ROOT / "validate.py"), *map(str, args)],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def test_package_is_valid():
    code, out, _ = run(ROOT)
    assert code == 0, out
    assert out.startswith("VALID: 30 resources")


def test_frictionless_cli_reports_valid():
    result = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


def test_corrupted_row_is_named(repo_copy):
    path = repo_copy / "data" / "see_also.csv"
    path.write_text(path.read_text().replace("Iraqi opposition (pre-2003)", "Iraqi opposition"))
    code, out, _ = run(repo_copy, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    mismatch = [e for e in report["errors"] if e["code"] == "span-mismatch"]
    assert mismatch == [{"code": "span-mismatch", "resource": "see_also", "row": 4, "field": "title",
                         "message": "al-ansar-iraq[4762:4789] is 'Iraqi opposition (pre-2003)', "
                                    "not 'Iraqi opposition'"}]
    codes = {e["code"] for e in report["errors"]}
    assert {"resource-hash", "twin-mismatch"} <= codes


def test_human_report_groups_by_resource(repo_copy):
    path = repo_copy / "data" / "sections.csv"
    path.write_text(path.read_text().replace("al-ansar-iraq,2,", "al-ansar-iraq,1,"))
    code, out, _ = run(repo_copy)
    assert code == 1
    assert "\nsections\n" in out
    assert "[frictionless/primary-key] row 3" in out


def test_missing_descriptor_cannot_run(tmp_path):
    code, _, err = run(tmp_path)
    assert code == 2
    assert "no datapackage.json" in err

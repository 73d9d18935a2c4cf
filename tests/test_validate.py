"""validate.py: exit 0 on the package, 1 on a corrupted copy with the right place, 2 when it cannot run."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

from ansar_data.validate import main, validate_package
from helpers import ROOT


def script(*args):
    """validate.py itself, in its own process."""
    result = subprocess.run([sys.executable, str(ROOT / "validate.py"), *map(str, args)],
                            capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout, result.stderr


def run(*args):
    """validate.py's main, in this process (what the script calls)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(map(str, args)))
    return code, out.getvalue(), err.getvalue()


def test_package_is_valid():
    code, out, _ = script(ROOT)
    assert code == 0, out
    assert out.startswith("VALID: 34 resources")


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
    code, _, err = script(tmp_path)
    assert code == 2
    assert "no datapackage.json" in err


def test_human_report_caps_errors_per_check(repo_copy):
    path = repo_copy / "data" / "evidence.csv"
    lines = path.read_text().splitlines(keepends=True)
    # shift the offsets of 25 evidence rows: 25 span-mismatch problems in one resource
    for i in range(1, 26):
        cells = lines[i].split(",")
        lines[i] = lines[i].replace(f",{cells[5]},{cells[6]},", f",{int(cells[5]) + 1},{int(cells[6]) + 1},", 1)
    path.write_text("".join(lines))
    code, out, _ = run(repo_copy, "--max-errors", "3")
    assert code == 1
    evidence = out.split("\nevidence\n")[1].split("\n\n")[0]
    assert evidence.count("[span-mismatch] row") == 3
    assert "[span-mismatch] ... and 22 more" in evidence


def test_stale_generated_file_is_reported(repo_copy):
    from ansar_data.build import load_inputs, render, stale_files

    path = repo_copy / "data" / "claims.csv"
    path.write_text(path.read_text().replace("allegation", "allegations", 1))
    (repo_copy / "schemas" / "extra.json").write_text("{}\n")
    assert stale_files(repo_copy, render(load_inputs(repo_copy))) == ["data/claims.csv", "schemas/extra.json"]


def test_malformed_foreign_keys_are_reported_not_raised(repo_copy):
    from ansar_data.validate import validate_package

    path = repo_copy / "schemas" / "events.tableschema.json"
    schema = json.loads(path.read_text())
    schema["foreignKeys"] = [{"fields": 5, "reference": {"resource": "entities", "fields": None}},
                             {"fields": ["place"], "reference": {"resource": ["entities"], "fields": ["id"]}},
                             {"fields": ["parent"], "reference": {"fields": ["id"]}}]
    path.write_text(json.dumps(schema))
    report = validate_package(repo_copy, skip=("check_frictionless",))
    codes = {(p.code, p.resource) for p in report.problems}
    assert ("schema-strict", "events") in codes
    assert not any(code == "foreign-key" for code, _ in codes)  # parent -> events.id holds: "" is the table itself


def test_a_descriptor_cut_down_to_one_table_is_not_valid(repo_copy):
    path = repo_copy / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in ("sources", "sources_json")]
    path.write_text(json.dumps(descriptor, indent=2) + "\n", encoding="utf-8")
    report = validate_package(repo_copy)
    missing = sorted(p.resource for p in report.problems if p.code == "resource-undeclared")
    assert not report.valid and len(missing) == 32 and "evidence" in missing and "entities_json" in missing

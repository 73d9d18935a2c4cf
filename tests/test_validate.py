"""validate.py: exit 0 on the package, 1 on a corrupted copy with the right place, 2 when it cannot run."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from peak import run_measured

from ansar_data.check.validate import main, validate_package
from ansar_data.core import rdf
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
    tables = sorted(p.stem for p in (ROOT / "data").glob("*.csv"))
    assert out.startswith(f"VALID: {2 * len(tables) + len(rdf.FILE_RESOURCES)} resources")


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
    assert "[primary-key] row 3, field source,ordinal:" in out


def test_missing_descriptor_cannot_run(tmp_path):
    code, _, err = script(tmp_path)
    assert code == 2
    assert "no datapackage.json" in err


def shift_evidence_offsets(repo_copy, count):
    """Shift the offsets of the first `count` evidence rows: that many span-mismatch
    problems in one resource."""
    path = repo_copy / "data" / "evidence.csv"
    lines = path.read_text().splitlines(keepends=True)
    for i in range(1, count + 1):
        cells = lines[i].split(",")
        lines[i] = lines[i].replace(f",{cells[5]},{cells[6]},", f",{int(cells[5]) + 1},{int(cells[6]) + 1},", 1)
    path.write_text("".join(lines))


def test_human_report_caps_errors_per_check(repo_copy):
    shift_evidence_offsets(repo_copy, 25)
    code, out, _ = run(repo_copy, "--max-errors", "3")
    assert code == 1
    evidence = out.split("\nevidence\n")[1].split("\n\n")[0]
    assert evidence.count("[span-mismatch] row") == 3
    assert "[span-mismatch] ... and 22 more" in evidence


def test_stale_generated_file_is_reported(repo_copy):
    from ansar_data.publish.build import load_inputs, previous_files, render, stale_files

    path = repo_copy / "data" / "claims.csv"
    path.write_text(path.read_text().replace("allegation", "allegations", 1))
    (repo_copy / "schemas" / "extra.json").write_text("{}\n")
    files = render(load_inputs(repo_copy), previous=previous_files(repo_copy))  # figures: as committed
    assert stale_files(repo_copy, files) == ["data/claims.csv", "schemas/extra.json"]


def test_malformed_foreign_keys_are_reported_not_raised(repo_copy):
    from ansar_data.check.validate import validate_package

    path = repo_copy / "schemas" / "events.tableschema.json"
    schema = json.loads(path.read_text())
    schema["foreignKeys"] = [{"fields": 5, "reference": {"resource": "entities", "fields": None}},
                             {"fields": ["place"], "reference": {"resource": ["entities"], "fields": ["id"]}},
                             {"fields": ["parent"], "reference": {"fields": ["id"]}}]
    path.write_text(json.dumps(schema))
    report = validate_package(repo_copy)
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
    others = sorted([*(n for p in (repo_copy / "data").glob("*.csv") if p.stem != "sources"
                       for n in (p.stem, p.stem + "_json")), *(r["name"] for r in rdf.FILE_RESOURCES)])
    assert not report.valid and missing == others and "evidence" in missing and "entities_json" in missing


def test_json_report_caps_errors_per_check_too(repo_copy):
    shift_evidence_offsets(repo_copy, 25)
    code, out, _ = run(repo_copy, "--json", "--max-errors", "3")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    kept = [e for e in report["errors"] if e["code"] == "span-mismatch"]
    assert [e["row"] for e in kept] == [2, 3, 4]
    assert {"resource": "evidence", "code": "span-mismatch", "count": 22} in report["omitted"]
    assert report["error_count"] == len(report["errors"]) + sum(o["count"] for o in report["omitted"])


@pytest.mark.parametrize("content, message", [
    ('{"name": "a", "name": "b", "resources": []}', "duplicate key 'name'"),
    ("[" * 100_000 + "]" * 100_000, "nested deeper than 64 levels"),
    ('{"resources": ' + "[" * 70 + "]" * 70 + "}", "nested deeper than 64 levels"),
    ("{not json", "not a readable JSON descriptor: Expecting property name"),
    ("[]", "the top level is not a JSON object"),
    ("5", "the top level is not a JSON object"),
    ("\xff", "not a readable JSON descriptor"),
])
def test_a_malformed_descriptor_exits_2_with_a_message(repo_copy, content, message):
    (repo_copy / "datapackage.json").write_bytes(content.encode("latin-1" if content == "\xff" else "utf-8"))
    # the deepest nesting in a process of its own: were it ever to overflow the C stack,
    # it would take that process down, not the test run
    code, out, err = (script if len(content) > 1000 else run)(repo_copy)
    assert (code, out) == (2, "")
    assert err.startswith(f"could not run: {repo_copy / 'datapackage.json'}: ")
    assert message in err and "Traceback" not in err


def test_a_hostile_200_mb_csv_is_reported_within_1_gib(repo_copy):
    """Cells that break every rule, 200 MB of them: the report comes out whole, capped,
    in either format, and the process stays far below 1 GiB."""

    row = "al-ansar-iraq,1,=cmd|' /C calc'!A0 \x07 bad ,x,-1,abc,1_0,\u0662\n".encode()
    with open(repo_copy / "data" / "sections.csv", "wb") as f:
        f.write(b"source,ordinal,heading,level,char_start,char_end,body_char_start,body_char_end\n")
        f.write(row * (200_000_000 // len(row) + 1))
    for args in ((), ("--json",), ("--json", "--max-errors", "1")):
        code, out, peak = child_peak(repo_copy, *args)
        assert code == 1, out
        assert "resource-too-large" in out and "over the 134,217,728 a resource may have" in out
        assert peak < 1024 * 1024, (args, peak)  # KiB


def test_a_table_over_the_size_limit_is_named_not_read(repo_copy):
    with open(repo_copy / "data" / "see_also.json", "r+b") as f:
        f.truncate(128 * 1024 * 1024 + 1)  # sparse: no need to write the bytes
    report = validate_package(repo_copy)
    found = {(p.code, p.resource, p.field) for p in report.problems}
    assert ("resource-too-large", "see_also_json", "path") in found
    assert ("resource-hash", "see_also_json", "hash") in found
    assert next(p.message for p in report.problems if p.code == "resource-too-large") == (
        "134,217,729 bytes, over the 134,217,728 a resource may have; only its hash was checked")


def test_duplicate_keys_in_a_json_twin_are_named(repo_copy):
    path = repo_copy / "data" / "events.json"
    path.write_bytes(path.read_bytes().replace(b'{"id": ', b'{"id": "x", "id": ', 1))
    report = validate_package(repo_copy)
    problem = next(p for p in report.problems if p.code == "json-duplicate-key")
    assert (problem.resource, problem.field) == ("events_json", "path")
    assert problem.message == "data/events.json: duplicate key 'id' (a JSON reader would keep only one of them)"


def test_a_schema_file_edited_by_hand_is_named(repo_copy):
    path = repo_copy / "schemas" / "events.schema.json"
    schema = json.loads(path.read_text())
    del schema["items"]["properties"]["type"]["enum"]
    path.write_text(json.dumps(schema, indent=2) + "\n")
    report = validate_package(repo_copy)
    assert [(p.code, p.resource, p.field, p.message) for p in report.problems] == [
        ("schema-derived", "events_json", "jsonSchema", "schemas/events.schema.json: /items/properties/type/enum "
         "is missing")]


def test_a_schema_equal_but_for_a_number_s_type_is_named(repo_copy):
    """The derived schemas are compared as canonical text first: 0.0 for 0 is not equal
    there, and the comparison that says where names it."""
    from ansar_data.check.package import load_package
    from ansar_data.core.schema import table_schema

    spec = load_package(repo_copy).spec
    counts = spec.table("counts")
    assert spec.derived_text("schema", counts) == json.dumps(table_schema(counts, spec), sort_keys=True)
    assert spec.derived_text("schema", counts) is spec.derived_text("schema", counts)  # made once
    path = repo_copy / "schemas" / "counts.tableschema.json"
    path.write_text(path.read_text().replace('"minimum": 0', '"minimum": 0.0', 1))
    found = [(p.code, p.resource, p.field, p.message) for p in validate_package(repo_copy).problems
             if p.code == "schema-derived"]
    assert len(found) == 1 and found[0][:3] == ("schema-derived", "counts", "schema")
    assert found[0][3].endswith("/constraints/minimum is 0.0, the inputs give 0")


def test_typed_infobox_values_are_checked_against_the_key_map(repo_copy):
    """Change the key map without rebuilding: the size is no longer a count by the map."""
    path = repo_copy / "metadata" / "infobox_keys.yaml"
    path.write_text(path.read_text().replace("Size: {key: size, datatype: count", "Size: {key: size, datatype: text"))
    report = validate_package(repo_copy)
    found = {(p.code, p.resource, p.row, p.field) for p in report.problems}
    assert ("infobox-parse", "infobox_values", 12, "datatype") in found
    assert {p.code for p in report.problems} == {"infobox-parse"}
    path.write_text("Size: [not, a, rule]\n")
    code, _, err = run(repo_copy)
    assert code == 2 and "infobox_keys.yaml" in err and "Traceback" not in err


def test_a_json_schema_that_is_not_an_object_is_reported_not_raised(repo_copy):
    (repo_copy / "schemas" / "events.schema.json").write_text("false\n")  # valid JSON Schema: rejects all
    report = validate_package(repo_copy)
    found = {(p.code, p.resource) for p in report.problems}
    assert ("schema-derived", "events_json") in found and ("json-schema", "events_json") in found


def child_peak(*args) -> tuple[int, str, int]:
    """validate.py in its own process: exit code, output and its peak memory in KiB, not
    counting this process's (see benchmarks/peak.py)."""
    code, out, err, _, mib = run_measured([sys.executable, ROOT / "validate.py", *args])
    return code, out + err, round(mib * 1024)


def test_hostile_files_under_the_size_caps_stay_within_1_gib(repo_copy):
    """#22 item 8: a 127 MiB twin of empty records (4 GiB before), a CSV line of sixty
    million fields (11 GB before): each a finding, in well under 1 GiB and 30 s."""
    import time

    n = (127 * 1024 * 1024 - 4) // 4
    data = b"[\n" + b"{},\n" * (n - 1) + b"{}\n]\n"
    (repo_copy / "data" / "claims.json").write_bytes(data)
    with open(repo_copy / "data" / "sections.csv", "r+b") as f:
        rest = f.read().split(b"\n", 1)[1]
        f.seek(0)
        f.write(b"a," * 60_000_000 + b"\n" + rest)
    start = time.perf_counter()
    code, out, peak = child_peak(repo_copy, "--json")
    assert time.perf_counter() - start < 30
    found = {(e["code"], e["resource"]): e["message"] for e in json.loads(out)["errors"]}
    assert code == 1 and peak < 1024 * 1024, peak
    assert found[("resource-too-large", "claims_json")].startswith("over 300,000 records")
    assert found[("csv-unreadable", "sections")] == ("cannot be read as CSV: a line has 60,000,001 fields or more, "
                                                     "over the 2,000,000 read")


def test_a_json_twin_that_renders_its_csv_shares_its_records_and_one_that_does_not_is_read(repo_copy):
    from ansar_data.check.package import load_package

    pkg = load_package(ROOT)
    assert all(pkg.resources[n + "_json"].records is pkg.resources[n].records for n in ("entities", "sections"))
    # the same records, written with other spacing: read, found identical, shared all the same
    path = repo_copy / "data" / "sections.json"
    path.write_text(json.dumps(json.loads(path.read_text()), ensure_ascii=False) + "\n")
    pkg = load_package(repo_copy)
    assert pkg.resources["sections_json"].records is pkg.resources["sections"].records
    # level 1 written as 1.0: equal in Python, not the same JSON: kept apart and reported
    records = json.loads(path.read_text())
    records[0]["level"] = float(records[0]["level"])
    path.write_text(json.dumps(records, ensure_ascii=False) + "\n")
    pkg = load_package(repo_copy)
    assert pkg.resources["sections_json"].records is not pkg.resources["sections"].records
    report = validate_package(repo_copy)
    found = {(p.code, p.resource, p.row, p.field) for p in report.problems}
    assert ("integer-invalid", "sections_json", 2, "level") in found


def test_an_earlier_load_is_reused_only_for_the_same_inputs(repo_copy):
    """load_package(earlier=...): what is unchanged shares the earlier records; a file
    with other bytes, another Table Schema, or a JSON twin whose CSV changed is parsed
    again, and so is everything when tables.yaml says otherwise."""
    from ansar_data.check.package import load_package

    earlier = load_package(repo_copy)
    same = load_package(repo_copy, earlier=earlier)
    tables = [n for n in earlier.resources if earlier.resources[n].table is not None]  # the RDF is streamed, not held
    assert all(same.resources[n].records is earlier.resources[n].records for n in tables)
    # the registry and the schema files too, each with the canonical text made once
    assert same.spec is earlier.spec
    assert same.resources["events"].schema_file is earlier.resources["events"].schema_file
    assert same.json_files.keys() == earlier.json_files.keys() and len(same.json_files) > 0
    assert all(same.json_files[k] is earlier.json_files[k] for k in same.json_files)
    sections = repo_copy / "data" / "sections.csv"
    sections.write_bytes(sections.read_bytes().replace(b"Early phase", b"Early phases", 1))
    schema = repo_copy / "schemas" / "events.tableschema.json"
    schema.write_text(json.dumps(json.loads(schema.read_text()), indent=1))  # the same JSON, other bytes
    claims = repo_copy / "schemas" / "claims.tableschema.json"
    claims.write_text(claims.read_text().replace('"primaryKey"', '"primaryKeys"', 1))
    changed = load_package(repo_copy, earlier=earlier)
    fresh = {n for n in tables if changed.resources[n].records is not earlier.resources[n].records}
    assert fresh == {"sections", "sections_json", "claims", "claims_json"}
    assert changed.resources["sections"].records[0]["heading"] != earlier.resources["sections"].records[0]["heading"]
    assert changed.resources["events"].schema_file is not earlier.resources["events"].schema_file
    assert changed.resources["events"].schema == earlier.resources["events"].schema
    assert changed.resources["events"].schema_text == earlier.resources["events"].schema_text
    assert "primaryKeys" in changed.resources["claims"].schema_text
    tables = repo_copy / "metadata" / "tables.yaml"
    tables.write_text(tables.read_text().replace("type: integer", "type: number", 1))
    retyped = load_package(repo_copy, earlier=earlier)
    assert retyped.spec is not earlier.spec and retyped.spec.digest != earlier.spec.digest
    other = {n for n in earlier.resources if retyped.resources[n].table != earlier.resources[n].table}
    assert len({n.removesuffix("_json") for n in other}) == 1  # one table's CSV and twin
    assert all(retyped.resources[n].records is not earlier.resources[n].records for n in other)


@given(st.lists(st.sampled_from(["", "0", "00", "-0", "-5", "7", "10", "012", "9" * 18, "9" * 19, "1\n2", "\u0661",
                                 "+1", " 1", "x"]), min_size=1, max_size=6))
def test_plain_integer_columns_are_those_the_regex_accepts(values):
    from ansar_data.check.package import _INTEGERS, _plain_integers

    text = "\n".join(values)
    assert _plain_integers(tuple(values)) == ("\n" not in "".join(values) and _INTEGERS.fullmatch(text) is not None)


def test_every_character_the_hidden_rule_matches_is_one_isprintable_refuses():
    """The column screen (checks._any_hidden) runs str.isprintable before the regex."""
    from ansar_data.core.rules import HIDDEN_RE

    hidden = [c for c in map(chr, range(0x110000)) if HIDDEN_RE.match(c)]
    assert len(hidden) > 100 and not any(c.isprintable() for c in hidden)


@given(st.lists(st.text(max_size=6), max_size=5))
def test_the_hidden_screen_is_the_regex_on_each_text(texts):
    from ansar_data.check.checks import _any_hidden
    from ansar_data.core.rules import HIDDEN_RE

    assert _any_hidden(texts) == any(HIDDEN_RE.search(t) for t in texts)


@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text()),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner),
                                            st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner,
                                                            max_size=3)), max_leaves=12))
def test_dump_json_writes_what_json_dumps_writes_indented(data):
    """orjson writes the common case; floats, integers past 64 bits, keys that are not
    strings and lone surrogates are json's, byte for byte or error for error."""
    from ansar_data.core.tables_io import dump_json

    try:
        want = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            dump_json(data)
        return
    assert dump_json(data) == want


@given(st.dictionaries(st.text(max_size=5), st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.integers(), max_size=3)), max_size=6))
def test_the_record_encoder_writes_what_json_dumps_writes(record):
    from ansar_data.core.tables_io import record_encoder

    assert record_encoder()(record) == json.dumps(record, ensure_ascii=False)


def test_is_json_of_is_to_json_compared_a_line_at_a_time():
    from ansar_data.core.tables_io import is_json_of, to_json

    rows = [{"a": 1, "b": "x"}, {"a": None, "b": "\u064a"}]
    data = to_json(rows, ["a", "b"])
    assert data == '[\n{"a": 1, "b": "x"},\n{"a": null, "b": "\u064a"}\n]\n'.encode()
    assert is_json_of(rows, ["a", "b"], data)
    assert not is_json_of(rows, ["a", "b"], data + b" ")
    assert not is_json_of(rows, ["a", "b"], data[:-1])
    assert not is_json_of(rows[:1], ["a", "b"], data)
    assert not is_json_of([{"a": True, "b": "x"}, rows[1]], ["a", "b"], data)
    assert is_json_of([], ["a"], b"[]\n")
    many = [{"a": i, "b": "x"} for i in range(5000)]  # past the first batch of 4,096 lines
    data = to_json(many, ["a", "b"])
    assert is_json_of(many, ["a", "b"], data)
    assert not is_json_of(many, ["a", "b"], data.replace(b'"a": 4500,', b'"a": 4501,'))
    assert not is_json_of(many[:4096], ["a", "b"], data) and not is_json_of(many + many[:1], ["a", "b"], data)


@given(st.lists(st.tuples(st.sampled_from(["", "0", "-0", "12", "01", "1_0", "\u0661", "9" * 19, "true", "false",
                                           "True", "x", " 1", "1\n2"]),
                          st.sampled_from(["", "true", "false", "1", "yes"]),
                          st.text(max_size=4)), max_size=6))
def test_records_typed_a_column_at_a_time_are_those_typed_a_cell_at_a_time(rows):
    from ansar_data.check.package import typed_cell, typed_records

    header, types = ["n", "b", "s"], {"n": "integer", "b": "boolean", "s": "string"}
    rows = [list(r) for r in rows]
    fast = typed_records(header, rows, types)
    slow = [{h: typed_cell(v, types[h]) for h, v in zip(header, row)} for row in rows]
    assert fast == slow
    assert [[type(v) for v in r.values()] for r in fast] == [[type(v) for v in r.values()] for r in slow]


@settings(max_examples=200)  # short lists of two codes and three resources: every split and cap is among them
@given(st.lists(st.tuples(st.sampled_from(["cell-control", "foreign-key"]), st.sampled_from([None, "a", "b"])),
                max_size=30),
       st.lists(st.integers(0, 30), max_size=4), st.sampled_from([None, 1, 3]))
def test_reports_merged_part_by_part_are_the_report_of_the_whole(found, cuts, cap):
    """What validate_package does with the reports of checks run in two processes."""
    from ansar_data.check.validate import Problem, Report

    problems = [Problem(code, f"#{i}", resource, i + 2) for i, (code, resource) in enumerate(found)]
    whole, merged = Report(cap), Report(cap)
    for p in problems:
        whole.add(p)
    bounds = [0, *sorted(cuts), len(problems)]
    for start, end in zip(bounds, bounds[1:]):
        part = Report(cap)
        for p in problems[start:end]:
            part.add(p)
        merged.merge(part)
    assert merged.as_json() == whole.as_json()


@pytest.mark.parametrize("shared", [False, True])
def test_an_unusable_sources_index_cannot_be_run_whoever_reads_it(repo_copy, shared):
    """Read in a forked child (shared=True), sources.yaml's error is this process's all the same."""
    from ansar_data.check.validate import CannotRun

    (repo_copy / "sources" / "sources.yaml").write_text("- id: a\n  id: b\n")
    with pytest.raises(CannotRun, match="sources.yaml: line 2: key 'id' is written twice in one mapping"):
        validate_package(repo_copy, shared=shared)


@given(st.lists(st.one_of(st.none(), st.booleans(), st.text(max_size=8),
                          st.integers(-2**63 - 2, 2**63 + 1) | st.integers(-20, 20))))
def test_a_column_fits_when_each_of_its_values_fits(values):
    """rules.column_fits, the one screen the build's cell check and the validator's share:
    never yes when a value does not fit, and exact for a column of one kind."""
    from unittest import mock

    from ansar_data.core import rules

    with mock.patch.object(rules, "MAX_CELL_CHARS", 5):  # short texts reach the limit
        each = all(rules.cell_problem(v) is None for v in values)
        fits = rules.column_fits(values)
    assert each or not fits
    kinds = set(map(type, values)) - {type(None)}
    if kinds in ({str}, {int}, set()):
        assert fits == each


def test_cells_past_the_limit_are_counted_not_spelled_out(tmp_path):
    """#37: a claims.csv of 299,999 rows of formula cells took 1.4 GiB: every problem was
    made, and the cells' problems were held whole for the JSON twin. Past the report's limit
    a check counts them (a Tally); the counts are those of a report that keeps them all."""
    import csv
    from collections import Counter

    from ansar_data.check.validate import validate_package
    from helpers import copy_repo

    pkg = copy_repo(tmp_path / "pkg", ("datapackage.json", "data", "schemas", "sources", "metadata",
                                       "annotations.jsonld"))
    header = (pkg / "data" / "claims.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    with open(pkg / "data" / "claims.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[f"=X{i}", f" padded {i}", f"tab\there {i}", "ok"] + [f"=Y{i}"] * (len(header) - 4)
                          for i in range(400)])
    capped, whole = validate_package(pkg, max_errors=3), validate_package(pkg, max_errors=None)
    assert capped.error_count == whole.error_count and capped.counts == whole.counts
    assert capped.counts[("claims", "csv-injection")] == 400 * (len(header) - 3)
    kept = Counter((p.resource, p.code) for p in capped.problems)
    assert kept[("claims", "csv-injection")] == 3
    assert [p.row for p in capped.problems if p.code == "csv-injection"] == [2, 2, 2]  # row by row, as found
    # the rules on rows and the type checks count past the limit too: a key to no entity in every row
    assert capped.counts[("claims", "foreign-key")] >= 400 and kept[("claims", "foreign-key")] == 3
    assert capped.counts[("claims", "cell-type")] + capped.counts[("claims", "cell-constraint")] >= 400
    # the same problems, in the same order, as a report that keeps every one keeps of each code first
    seen: Counter = Counter()
    first = []
    for p in whole.problems:
        seen[(p.resource, p.code)] += 1
        if seen[(p.resource, p.code)] <= 3:
            first.append(p)
    assert capped.problems == first


def test_a_base_iri_the_build_refuses_is_refused_by_validate_py_too(repo_copy):
    """#41: one rule for package.yaml's base_iri (input_schemas.json), read where both read it."""
    meta = repo_copy / "metadata" / "package.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("base_iri: https://w3id.org/al-ansar-iraq/", "base_iri: http://w3id.org/al-ansar-iraq"),
                    encoding="utf-8")
    code, _, err = run(repo_copy)
    assert code == 2 and "package.yaml" in err and "base_iri" in err, err

"""metadata/tables.yaml is the one place for each fact about the schema: adding a field
to a curated table needs no code, and every list of tables and types derives from it."""

from __future__ import annotations

import json

import pytest

from ansar_data.check.checks import strict_schema
from ansar_data.check.validate import validate_package
from ansar_data.core.errors import InputError, SpecError
from ansar_data.core.schema import TYPES
from ansar_data.curate.curate import make_row
from ansar_data.publish.build import OWN_RULES, build
from helpers import read_csv


def test_an_optional_field_added_in_yaml_alone_is_built_validated_and_documented(repo_copy):
    spec = repo_copy / "metadata" / "tables.yaml"
    text = spec.read_text()
    anchor = ("        description: What the claim gives as the cause of its event, as the quote writes it; "
              "empty when it gives none.\n")
    assert text.count(anchor) == 1
    spec.write_text(text.replace(anchor, anchor + (
        "      - name: notes\n"
        "        type: string\n"
        "        description: A curator's note on the claim.\n")))
    claims = repo_copy / "curation" / "claims.yaml"
    text = claims.read_text()
    first = text.index("- id: ")
    line_end = text.index("\n", first) + 1
    claims.write_text(text[:line_end] + "  notes: Checked against both articles.\n" + text[line_end:])

    build(repo_copy)
    assert validate_package(repo_copy, skip=OWN_RULES).valid  # the curator's own rules, as in the repository
    header, *rows = read_csv(repo_copy / "data" / "claims.csv")
    assert header[-2:] == ["notes", "sources"]  # in the order of tables.yaml
    assert [r[-2] for r in rows] == ["Checked against both articles.", "", ""]
    twin = json.loads((repo_copy / "data" / "claims.json").read_text())
    assert [r["notes"] for r in twin] == ["Checked against both articles.", None, None]
    codebook = (repo_copy / "docs" / "codebook.md").read_text()
    assert "| `notes` | string |  | A curator's note on the claim. |" in codebook

    claims.write_text(claims.read_text().replace("  notes: Checked", "  notes: [Checked", 1)
                      .replace("both articles.\n", "both articles.]\n", 1))
    with pytest.raises(InputError) as info:
        build(repo_copy)
    assert (info.value.field, info.value.message) == (
        "notes", "expected a string, got ['Checked against both articles.']")


def test_yaml_keys_come_from_the_spec(inputs):
    events = inputs.spec.table("events")
    keys = events.input_keys()
    assert keys["id"] is True and keys["evidence"] is True
    assert keys["edtf"] is False and keys["participants"] is False
    assert "date_start" not in keys and "fatalities_best" not in keys  # derived
    relations = inputs.spec.table("relations").input_keys()
    assert relations["id"] is False  # derived unless given
    assert inputs.spec.curation_files == ["entities", "events", "relations", "counts", "claims",
                                          "disagreements"]


def test_a_derived_field_the_build_does_not_derive_is_a_spec_error(inputs):
    table = inputs.spec.table("counts")
    values = {f["name"]: None for f in table.input_fields()}
    with pytest.raises(SpecError, match="table 'counts': field 'number' is marked derived, but the build has no"):
        make_row(table, values, {})


def test_every_format_takes_its_column_types_from_the_one_type_table(inputs, tables, rendered, tmp_path):
    import sqlite3

    import pyarrow as pa

    from ansar_data.publish.exports import arrow_table, statistics_frame, write_sqlite

    assert strict_schema()["$defs"]["field"]["properties"]["type"]["enum"] == list(TYPES)
    croissant = {f["@id"]: f["dataType"] for rs in json.loads(rendered["croissant.json"])["recordSet"]
                 for f in rs["field"]}
    write_sqlite(tmp_path / "t.sqlite", inputs.spec, tables)
    db = sqlite3.connect(tmp_path / "t.sqlite")
    for table in inputs.spec.tables:
        declared = {row[1]: row[2] for row in db.execute(f'PRAGMA table_info("{table.name}")')}
        arrow = arrow_table(table, tables[table.name]).schema
        frame = statistics_frame(table, tables[table.name])
        schema = json.loads(rendered[f"schemas/{table.name}.schema.json"])["items"]["properties"]
        for f in table.fields:
            kind = TYPES[f["type"]]
            assert declared[f["name"]] == kind.sql
            assert arrow.field(f["name"]).type == getattr(pa, kind.arrow)()
            assert croissant[f"{table.name}/{f['name']}"] == kind.croissant
            assert kind.json in ([schema[f["name"]]["type"]] if f.get("required") else schema[f["name"]]["type"])
            column = frame[f["name"]]
            if kind.statistics == "date":  # dates, or a column of missing days given the date format
                assert column.dtype.kind == "O" or (column.dtype.kind == "f" and column.isna().all())
            else:
                assert (column.dtype.kind in "if") == (kind.statistics in ("integer", "number"))
    # and what that gives, in this package's own columns
    events = inputs.spec.table("events")
    assert arrow_table(events, tables["events"]).schema.field("date_start").type == pa.date32()
    assert str(statistics_frame(events, tables["events"])["fatalities_low_exclusive"].dtype) == "Int32"
    assert croissant["events/fatalities_best"] == "sc:Integer"


def test_the_input_check_of_sources_yaml_is_what_the_sources_table_allows(inputs):
    from importlib import resources as package_files

    shape = json.loads(package_files.files("ansar_data.core").joinpath("input_schemas.json")
                       .read_text(encoding="utf-8"))
    allowed = shape["$defs"]["sources"]["items"]["properties"]
    fields = {f["name"]: f for f in inputs.spec.table("sources").fields}
    column = {"language": "language_tag"}  # sources.yaml's key -> the sources table's column
    for name in ("id", "url", "language", "sha256"):
        assert allowed[name]["pattern"] == fields[column.get(name, name)]["pattern"], name
    assert allowed["license"]["enum"] == list(inputs.spec.vocabularies["license"].terms)
    assert {column.get(k, k) for k in allowed} - {"file"} <= set(fields)


def test_each_source_carries_its_own_licence_in_the_json_ld(inputs):
    import dataclasses

    from ansar_data.publish import citation

    other = dataclasses.replace(inputs.sources[0], license="CC0-1.0")
    record = citation.json_ld(inputs.package, [other, *inputs.sources[1:]], [],
                              {"CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
                               "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/"})
    assert [s["license"] for s in record["isBasedOn"]] == ["https://creativecommons.org/publicdomain/zero/1.0/",
                                                          "https://creativecommons.org/licenses/by-sa/4.0/"]
    assert record["license"] == citation.license_url(inputs.package)

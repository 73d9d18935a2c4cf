"""A curated table is what tables.yaml says it is: a new field, foreign key or rule, or a
whole new table, is a change to tables.yaml and the YAML only, and the build and
validate.py both apply it."""

from __future__ import annotations

import pytest

from ansar_data import cli
from ansar_data.check.validate import validate_package
from ansar_data.publish.build import OWN_RULES
from helpers import copy_repo, read_csv

NEW_CLAIM_FIELDS = """      - name: blamed
        type: string
        evidence: stated
        description: Whom the claim accuses (entities.id).
      - name: blamed_for
        type: string
        description: What the claim says the blamed did, in our words.
"""
CLAIM_KEYS = """      - fields: [made_at]
        reference: {resource: events, fields: [id]}
"""
NEW_CLAIM_KEYS = CLAIM_KEYS + """      - fields: [blamed]
        reference: {resource: entities, fields: [id]}
        types: [political_party, body, person, group]
"""
RULES = "    together:\n"
NEW_RULES = RULES + "      - [blamed, blamed_for]\n"
ACCUSATION = """  statement: The party leadership deliberately provoked the massacre"""
NEW_ACCUSATION = """  blamed: iraqi-communist-party
  blamed_for: provoked the massacre
""" + ACCUSATION


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def accusing(tmp_path):
    """A copy whose claims have an optional field with a foreign key and a `together`
    rule, declared in tables.yaml, and one claim that uses them."""
    root = copy_repo(tmp_path / "pkg")
    spec = root / "metadata" / "tables.yaml"
    text = spec.read_text(encoding="utf-8")
    claims = text.index("  - name: claims\n")
    end = text.index("  - name: claim_assessments\n")
    block = text[claims:end]
    # the key and the rule after the last foreign key, the fields after the last field
    block = block.replace(CLAIM_KEYS, NEW_CLAIM_KEYS, 1).replace(RULES, NEW_RULES, 1)
    block = block.rstrip("\n") + "\n" + NEW_CLAIM_FIELDS + "\n"
    spec.write_text(text[:claims] + block + text[end:], encoding="utf-8")
    edit(root / "curation" / "claims.yaml", ACCUSATION, NEW_ACCUSATION)
    return root


def test_an_optional_field_with_a_foreign_key_needs_only_tables_yaml_and_the_yaml(accusing, capsys):
    assert cli.main(["build", "--root", str(accusing)]) == 0, capsys.readouterr().err
    rows = read_csv(accusing / "data" / "claims.csv")
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert header[-2:] == ["blamed", "blamed_for"]
    assert (first["id"], first["blamed"], first["blamed_for"]) == (
        "massacre-provoked-allegation", "iraqi-communist-party", "provoked the massacre")
    evidence = [r for r in read_csv(accusing / "data" / "evidence.csv")
                if r[:2] == ["claims", "massacre-provoked-allegation"]]
    assert all("blamed" in r[3].split() for r in evidence)  # a stated field, listed by its quotes
    assert validate_package(accusing, skip=OWN_RULES).valid  # its rules are its own, as a curator's repo's are


@pytest.mark.parametrize("old, new, field, message", [
    ("  blamed_for: provoked the massacre\n", "", "blamed_for",
     "give blamed and blamed_for together (blamed given without blamed_for)"),
    ("  blamed: iraqi-communist-party\n", "  blamed: no-such-party\n", "blamed", "unknown entity 'no-such-party'"),
    ("  blamed: iraqi-communist-party\n", "  blamed: iraq\n", "blamed",
     "'iraq' is of type 'country', not one of political_party, body, person, group"),
])
def test_the_declared_rules_refuse_the_yaml_naming_the_record(accusing, capsys, old, new, field, message):
    edit(accusing / "curation" / "claims.yaml", old, new)
    assert cli.main(["build", "--root", str(accusing)]) == 2
    err = capsys.readouterr().err.replace(f"{accusing}/", "")
    assert (f"curation/claims.yaml: record 'massacre-provoked-allegation': field '{field}': {message}") in err


NOTES_TABLE = """
  - name: notes
    title: Notes
    row: One note on an entity, in our own words.
    primaryKey: [id]
    curation:
      file: notes
      keys: {evidence: required}
    foreignKeys:
      - fields: [entity]
        reference: {resource: entities, fields: [id]}
    fields:
      - name: id
        type: string
        required: true
        pattern: "^[a-z0-9]+(-[a-z0-9]+)*$"
        description: Stable identifier.
      - name: entity
        type: string
        evidence: stated
        required: true
        description: The entity the note is on (entities.id).
      - name: note
        type: string
        required: true
        description: The note.
"""
NOTES = """- id: icp-wing
  entity: iraqi-communist-party
  note: Had an armed wing.
  evidence:
    - al-ansar-iraq: was the paramilitary wing of the Iraqi Communist Party
"""


def test_a_curated_table_declared_only_in_tables_yaml_is_built_and_validated(tmp_path, capsys):
    root = copy_repo(tmp_path / "pkg")
    spec = root / "metadata" / "tables.yaml"
    text = spec.read_text(encoding="utf-8")
    anchor = "\n  - name: evidence\n"
    spec.write_text(text.replace(anchor, NOTES_TABLE + anchor, 1), encoding="utf-8")
    (root / "curation" / "notes.yaml").write_text(NOTES, encoding="utf-8")
    assert cli.main(["build", "--root", str(root)]) == 0, capsys.readouterr().err
    assert read_csv(root / "data" / "notes.csv") == [["id", "entity", "note"],
                                                     ["icp-wing", "iraqi-communist-party", "Had an armed wing."]]
    evidence = [r for r in read_csv(root / "data" / "evidence.csv") if r[0] == "notes"]
    assert [r[:5] for r in evidence] == [["notes", "icp-wing", "1", "entity", "al-ansar-iraq"]]
    assert validate_package(root, skip=OWN_RULES).valid

    (root / "curation" / "notes.yaml").write_text(NOTES.replace("iraqi-communist-party", "no-such"), encoding="utf-8")
    assert cli.main(["build", "--root", str(root)]) == 2
    assert "curation/notes.yaml: record 'icp-wing': field 'entity': unknown entity 'no-such'" in capsys.readouterr().err


def test_every_predicate_has_a_kind_and_every_kind_a_colour(tmp_path, capsys):
    from ansar_data.core.schema import load_spec
    from ansar_data.publish import figures

    spec = load_spec(copy_repo(tmp_path / "a") / "metadata" / "tables.yaml")
    kinds = figures.relation_kinds(spec)
    assert set(kinds) == set(spec.vocabularies["predicate"].terms)
    assert kinds["allied_with"] == "alliance" and kinds["part_of"] == "membership"

    root = copy_repo(tmp_path / "b")
    path = root / "metadata" / "tables.yaml"
    edit(path, "      failed_to_lead: The subject was to lead the object and failed to.\n",
         "      failed_to_lead: The subject was to lead the object and failed to.\n"
         "      mediated_between: The subject mediated between the parties.\n")
    assert cli.main(["build", "--root", str(root)]) == 2
    assert ("vocabulary 'predicate': attributes must name every term once; missing mediated_between"
            in capsys.readouterr().err)
    edit(path, "      failed_to_lead: {relation_kind: leadership}\n",
         "      failed_to_lead: {relation_kind: leadership}\n      mediated_between: {relation_kind: mediation}\n")
    assert cli.main(["build", "--root", str(root)]) == 2
    assert "term 'mediated_between': relation_kind 'mediation' is not a term of the 'relation_kind' vocabulary" \
        in capsys.readouterr().err
    edit(path, "      attribute: A property of the subject", "      mediation: A go-between.\n"
         "      attribute: A property of the subject")
    assert cli.main(["build", "--root", str(root)]) == 2
    assert "no colour for the relation kind(s) mediation (figures.KIND_COLOURS)" in capsys.readouterr().err


def test_a_table_is_found_by_name_and_an_unknown_one_is_named():
    from ansar_data.core.errors import UnknownTable
    from ansar_data.core.schema import load_spec
    from helpers import ROOT

    spec = load_spec(ROOT / "metadata" / "tables.yaml")
    assert [spec.table(t.name) for t in spec.tables] == spec.tables
    assert spec.table("events").evidence_rules is spec.table("events").evidence_rules  # made once
    assert spec.table("events").evidence_rules["edtf"] == "date-in-quote"
    with pytest.raises(UnknownTable, match="metadata/tables.yaml: no table 'battles', which the build makes"):
        spec.table("battles")

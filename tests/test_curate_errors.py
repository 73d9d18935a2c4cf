"""Bad curation fails the build with the file, the record, the field and the quote."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from ansar_data.core.errors import InputError
from ansar_data.curate.curate import curated_tables
from ansar_data.publish.build import build


@pytest.fixture
def curate(inputs, tables):
    def run(edit):
        records = copy.deepcopy(inputs.curation.records)
        edit(records)
        return curated_tables(inputs.spec, replace(inputs.curation, records=records), tables)
    return run


def find(records, file, rid):
    return next(r for r in records[file] if r.get("id") == rid)


def error_of(curate, edit):
    with pytest.raises(InputError) as info:
        curate(edit)
    return info.value


def test_quote_not_found(curate):
    def edit(r):
        find(r, "events", "crackdown-1977")["evidence"][0] = {"al-ansar-iraq": "In 1978 the regime"}
    err = error_of(curate, edit)
    assert err.path.endswith("curation/events.yaml")
    assert err.where == "record 'crackdown-1977'"
    assert err.field == "evidence[0].quote"
    assert err.message == "quote not found in al-ansar-iraq: 'In 1978 the regime'"


def test_ambiguous_quote_asks_for_context(curate):
    def edit(r):
        find(r, "entities", "puk")["names"][1]["evidence"] = [{"al-ansar-iraq": "PUK"}]
    err = error_of(curate, edit)
    assert err.where == "record 'puk'"
    assert err.field == "names[1].evidence[0].quote"
    assert "occurs 10 times in al-ansar-iraq; add a `context`" in err.message


def test_context_must_hold_the_quote_once(curate):
    def edit(r):
        find(r, "entities", "puk")["names"][1]["evidence"] = [
            {"source": "al-ansar-iraq", "quote": "PUK", "context": "both PUK and KDP"}]
    curate(edit)  # valid: the context occurs once and holds the quote once

    def bad(r):
        find(r, "entities", "puk")["names"][1]["evidence"] = [
            {"source": "al-ansar-iraq", "quote": "PUK", "context": "PUK, the Kurdistan"}]
    err = error_of(curate, bad)
    assert err.field == "names[1].evidence[0].context"
    assert err.message == "context not found in al-ansar-iraq: 'PUK, the Kurdistan'"

    def twice(r):
        find(r, "entities", "puk")["names"][1]["evidence"] = [
            {"source": "al-ansar-iraq", "quote": "PUK", "context": "(PUK), one of the two main Kurdish "
             "factions. However, only two weeks after the deal with PUK"}]
    err = error_of(curate, twice)
    assert err.message == "the quote 'PUK' occurs 2 times in its context, not once"


def test_name_needs_a_quote_that_is_the_name(curate):
    def edit(r):
        find(r, "entities", "kdp")["names"][2]["evidence"] = [{"al-ansar-iraq": "Allies: KDP"}]
    err = error_of(curate, edit)
    assert (err.where, err.field) == ("record 'kdp'", "names[2].name")
    assert err.message == "no evidence quote is exactly 'KDP'; quote one, or give an `inferred` rule"


def test_unknown_vocabulary_term(curate):
    def edit(r):
        find(r, "events", "pasht-ashan-massacre")["participants"][0]["role"] = "attacker"
    err = error_of(curate, edit)
    assert err.field == "participants[0].role"
    assert err.message == "'attacker' is not a term of the 'participant_role' vocabulary"


def test_unknown_entity(curate):
    def edit(r):
        r["relations"][0]["object"] = "iraqi-communist-partyy"
    err = error_of(curate, edit)
    assert err.path.endswith("curation/relations.yaml")
    assert err.field == "object"
    assert err.message == "unknown entity 'iraqi-communist-partyy'"


def test_unknown_key_and_missing_evidence(curate):
    err = error_of(curate, lambda r: find(r, "claims", "defeat-cause-finding").update(claimants="x"))
    assert err.field == "claimants" and err.message.startswith("unknown key; the keys are ")
    err = error_of(curate, lambda r: find(r, "events", "crackdown-1977").update(evidence=[]))
    assert (err.field, err.message) == ("evidence", "needs at least one evidence item")


def test_count_must_be_in_its_quote(curate):
    def edit(r):
        find(r, "counts", "setback-1987-killed")["text"] = "160"
    err = error_of(curate, edit)
    assert (err.field, err.message) == ("text", "no evidence quote contains '160'; quote one, or give an "
                                            "`inferred` rule")


def test_bad_edtf(curate):
    err = error_of(curate, lambda r: find(r, "events", "crackdown-1977").update(edtf="1977-13"))
    assert (err.field, err.message) == ("edtf", "not valid EDTF: '1977-13'")


def test_duplicate_id(curate):
    def edit(r):
        r["counts"].append(copy.deepcopy(r["counts"][0]))
    err = error_of(curate, edit)
    assert err.message == "'ansar-size-infobox' is used twice"


def test_bad_yaml_names_file_and_line(repo_copy):
    path = repo_copy / "curation" / "claims.yaml"
    path.write_text(path.read_text().replace("  type: allegation", "  type: [allegation"))
    with pytest.raises(InputError) as info:
        build(repo_copy)
    assert info.value.path == str(path)
    assert info.value.where.startswith("line ")


def test_a_date_no_quote_gives_needs_an_inference(curate):
    err = error_of(curate, lambda r: find(r, "events", "crackdown-1977").update(edtf="1978"))
    assert (err.where, err.field) == ("record 'crackdown-1977'", "edtf")
    assert err.message == "no evidence quote has a date reading as '1978'; quote one, or give an `inferred` rule"


def test_listed_fields_must_pass_their_rule(curate):
    def edit(r):
        find(r, "events", "crackdown-1977")["evidence"][0] = {
            "source": "al-ansar-iraq", "quote": "the regime launched a crackdown", "fields": ["type", "edtf"]}
    err = error_of(curate, edit)
    assert err.field == "evidence[0].fields"
    assert err.message == "edtf: the quote has no date expression for '1977'"


def test_listed_fields_must_be_factual_fields(curate):
    def edit(r):
        ev = find(r, "events", "crackdown-1977")["evidence"][0]
        find(r, "events", "crackdown-1977")["evidence"][0] = {"source": "al-ansar-iraq", "quote": ev["al-ansar-iraq"],
                                                              "fields": ["description"]}
    err = error_of(curate, edit)
    assert err.field == "evidence[0].fields"
    assert err.message.startswith("'description' is not a non-empty, non-inferred factual field of events")


def test_an_inference_must_give_the_value(curate):
    def edit(r):
        find(r, "events", "members-captured")["edtf"] = "1983-06"
    err = error_of(curate, edit)
    assert (err.where, err.field) == ("record 'members-captured'", "edtf")
    assert err.message == "edtf is '1983-06', but rule parent_date from 'pasht-ashan-massacre' gives '1983-05'"


def test_an_inference_names_a_known_rule_and_event(curate):
    rec = lambda r: find(r, "events", "decentralized-command")  # noqa: E731
    err = error_of(curate, lambda r: rec(r)["inferred"][0].update(rule="guess"))
    assert err.field == "inferred[0].rule"
    err = error_of(curate, lambda r: rec(r)["inferred"][0].update({"from": "no-such-event"}))
    assert (err.field, err.message) == ("inferred[0].from", "unknown event 'no-such-event'")
    err = error_of(curate, lambda r: rec(r)["inferred"][0].pop("from"))
    assert (err.field, err.message) == ("inferred[0].from",
                                        "rule referent_date needs `from`: the event the value comes from")


def test_a_count_quotes_only_its_own_source(curate):
    def edit(r):
        find(r, "counts", "setback-1987-killed")["evidence"].append(
            {"pasht-ashan-massacre": "massacred 150 al-Ansar fighters and Iraqi Communist Party members"})
    err = error_of(curate, edit)
    assert (err.field, err.message) == ("evidence[1]", "quotes pasht-ashan-massacre, but the record's source is "
                                                       "al-ansar-iraq")


def test_an_inference_item_holds_strings(curate):
    err = error_of(curate, lambda r: find(r, "events", "members-captured")["inferred"][0].update(field=["edtf"]))
    assert (err.field, err.message) == ("inferred[0]", "expected {field, rule} or {field, rule, from}, each a string")


def test_an_entity_needs_exactly_one_canonical_name(curate):
    def edit(r):
        find(r, "entities", "kdp")["names"][2]["canonical"] = True
    err = error_of(curate, edit)
    assert (err.where, err.field) == ("record 'kdp'", "names")
    assert err.message == "needs exactly one canonical name in entity_names, has 2"

    def not_boolean(r):
        find(r, "entities", "kdp")["names"][0]["canonical"] = "yes"
    err = error_of(curate, not_boolean)
    assert (err.field, err.message) == ("names[0].canonical", "expected a boolean, got 'yes'")


def test_an_event_link_needs_one_target_and_a_lag_only_when_after(curate):
    def two(r):
        find(r, "events", "icp-shift-to-kdp")["links"][0]["literal"] = "later"
    err = error_of(curate, two)
    assert (err.where, err.field) == ("record 'icp-shift-to-kdp'", "links[0].to_event")
    assert err.message == "give exactly one of to_event, to_relation and literal, not to_event and literal"

    def unknown(r):
        find(r, "events", "icp-shift-to-kdp")["links"][1]["to_relation"] = "puk/allied_with/kdp"
    err = error_of(curate, unknown)
    assert (err.field, err.message) == ("links[1].to_relation", "unknown relation 'puk/allied_with/kdp'")

    def lag(r):
        find(r, "events", "icp-shift-to-kdp")["links"][1]["lag_text"] = "two weeks"
    err = error_of(curate, lag)
    assert (err.field, err.message) == ("links[1].lag_text", "lag_text may be given only where link is 'after'")

    def unquoted(r):
        find(r, "events", "icp-shift-to-kdp")["links"][0]["lag_text"] = "three weeks"
    err = error_of(curate, unquoted)
    assert err.field == "links[0].lag_text"
    assert err.message.startswith("no evidence quote contains 'three weeks'")


def test_a_record_paired_with_itself_or_a_cycle_is_an_error(curate):
    def itself(r):
        d = r["disagreements"][0]
        d["record_b"] = d["record_a"]
    err = error_of(curate, itself)
    assert err.path.endswith("curation/disagreements.yaml") and err.field == "record_b"
    assert err.message.startswith("record_b is the record's own record_a")

    def cycle(r):
        find(r, "events", "armed-struggle").update(parent="ansar-units-established", parent_relation="part_of",
                                                    inferred=[])
    err = error_of(curate, cycle)
    assert err.path.endswith("curation/events.yaml") and err.field == "parent"
    assert err.message == "parent forms a cycle: armed-struggle -> ansar-units-established -> armed-struggle"


def test_a_key_points_at_the_kind_of_entity_it_declares(curate):
    def place(r):
        find(r, "events", "entry-into-pasht-ashan")["place"] = "puk"
    err = error_of(curate, place)
    assert (err.where, err.field) == ("record 'entry-into-pasht-ashan'", "place")
    assert err.message == "'puk' is of type 'political_party', not one of place, country"

    def claimant(r):
        find(r, "claims", "defeat-cause-finding")["claimant"] = "pasht-ashan"
    err = error_of(curate, claimant)
    assert err.path.endswith("curation/claims.yaml") and err.field == "claimant"


def test_an_id_outside_its_pattern_is_named_on_the_id(curate):
    def edit(r):
        find(r, "entities", "kdp")["id"] = "Kurdistan Democratic Party"
    err = error_of(curate, edit)
    assert (err.where, err.field) == ("record 'Kurdistan Democratic Party'", "id")
    assert err.message == "'Kurdistan Democratic Party' does not match ^[a-z0-9]+(-[a-z0-9]+)*$ (tables.yaml)"


def test_a_quote_across_a_line_break_says_why_it_is_not_found(curate):
    def edit(r):
        find(r, "events", "crackdown-1977")["evidence"][0] = {
            "al-ansar-iraq": "active between 1979 and 1988. ==Early phase=="}
    err = error_of(curate, edit)
    assert err.message.endswith("the source breaks the line (or spaces it otherwise) where the quote has a space: "
                                "quote within one paragraph")


@pytest.mark.parametrize(("value", "message"), [
    (-1, "starts with '-', which a spreadsheet would run as a formula"),  # YAML's integer, as written
    ("=HYPERLINK(\"x\")", "starts with '=', which a spreadsheet would run as a formula"),
    ("@mention", "starts with '@', which a spreadsheet would run as a formula"),
    (" The massacre article says 150.", "leading or trailing white space"),
    ("", "empty text; leave the key out where the sources do not say"),  # read as "not given" by then
])
def test_text_the_validator_would_refuse_is_refused_at_its_record(curate, value, message):
    """Found by the input fuzz test: `description: -1` built a cell that validate.py
    refused as csv-injection; the build now refuses it where it was written."""
    def edit(r):
        find(r, "disagreements", "massacre-death-toll")["description"] = value
    err = error_of(curate, edit)
    assert err.path.endswith("curation/disagreements.yaml")
    assert (err.where, err.field, err.message) == ("record 'massacre-death-toll'", "description", message)


def test_a_misspelt_key_is_named_with_the_key_it_resembles(curate):
    """#39: `predicat:` was reported as 'predicate' missing, with no word of the misspelling."""
    def edit(r):
        r["relations"][0]["predicat"] = r["relations"][0].pop("predicate")
    err = error_of(curate, edit)
    assert (err.field, err.message) == ("predicat", "unknown key; did you mean 'predicate'?")


def test_overlapping_occurrences_are_counted():
    """A quote that overlaps itself is there twice ("aa" in "aaa"): it needs a context."""
    from ansar_data.curate.curate import _count

    assert (_count("aaa", "aa"), _count("abab", "ab"), _count("abc", "x"), _count("abc", "")) == (2, 2, 0, 4)

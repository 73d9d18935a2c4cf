"""#23 item 4: facts that lived only in free text are structured values, each answered by
one SQL query over the CSV files; item 5: the audit's readings fixed or marked as ours."""

from __future__ import annotations

import html


def one(db, query):
    return db.execute(query).fetchall()


def test_whom_the_central_command_accuses_of_what_and_why(db):
    assert one(db, "SELECT accused, alleged_act, alleged_aim FROM claims "
                   "WHERE id = 'massacre-provoked-allegation'") == [
        ("icp-leadership", "deliberately provoked", "to remove oppositional forces inside the party")]
    claimant = one(db, "SELECT claimant FROM claims WHERE id = 'massacre-provoked-allegation'")
    assert claimant == [("icp-central-command",)]


def test_the_cause_of_the_defeat(db):
    assert one(db, "SELECT event, cause, made_at FROM claims WHERE cause <> ''") == [
        ("setback-june-1987", "confusion between the politburo and the local guerrilla forces",
         "sixth-party-congress-1998")]


def test_what_the_1987_meeting_decided(db):
    assert one(db, "SELECT literal FROM event_links WHERE event = 'central-committee-meeting-1987' "
                   "AND link = 'decided_on'") == [("to put al-Ansar in control of the Kurdish faction of the party",)]


def test_the_confrontations_with_government_troops(db):
    assert one(db, "SELECT valid_edtf, valid_mode, sources FROM relations WHERE subject = 'al-ansar' "
                   "AND predicate = 'at_war_with' AND object = 'iraqi-government'") == [
        ("1982", "held_at", "al-ansar-iraq")]


def test_what_was_destroyed_and_seized_and_whose(db):
    assert one(db, """SELECT e.id, p.entity, r.predicate, r.object FROM events e
                      JOIN event_participants p ON p.event = e.id AND p.role = 'target'
                      JOIN relations r ON r.subject = p.entity
                      WHERE e.id IN ('radio-station-destroyed', 'supplies-seized') ORDER BY 1""") == [
        ("radio-station-destroyed", "icp-radio-station", "run_by", "iraqi-communist-party"),
        ("supplies-seized", "ansar-supplies", "owned_by", "al-ansar")]


def test_where_the_trainees_went(db):
    assert one(db, "SELECT e.place, n.name FROM events e JOIN entities n ON n.id = e.place "
                   "WHERE e.id = 'trainees-join-guerrillas'") == [("northern-iraq", "northern Iraq")]


def test_the_kind_of_agreement(db):
    assert one(db, "SELECT object, qualifier FROM relations WHERE subject = 'puk' "
                   "AND predicate = 'sought_agreement_with' ORDER BY object") == [
        ("iraqi-government", ""), ("saddam-hussein", "peace")]


# ---- item 5 ----

def test_readings_that_are_ours_say_so(db):
    judged = dict(one(db, "SELECT id, reading_note FROM relations WHERE reading = 'judgement'"))
    assert set(judged) == {"iraqi-bath-party/led_by/saddam-hussein", "al-ansar/led_by/central-military-bureau",
                           "central-military-bureau/part_of/iraqi-communist-party",
                           "icp-arab-faction/failed_to_lead/al-ansar"}
    assert "possessive" in judged["iraqi-bath-party/led_by/saddam-hussein"]
    assert one(db, "SELECT count(*) FROM relations WHERE reading = 'stated' AND reading_note <> ''") == [(0,)]


def test_headquarters_in_aden_rests_on_the_headquarters_line(db):
    assert one(db, "SELECT quote FROM evidence WHERE record_table = 'relations' "
                   "AND record_id = 'al-ansar/headquartered_in/aden'") == [
        ("Headquarters: Kirkuk, Sulaymaniyah, Aden (South Yemen)",)]


def test_caught_between_the_warring_parties_not_threatened_by_an_ally(db):
    assert one(db, "SELECT count(*) FROM relations WHERE predicate = 'in_line_of_fire_of'") == [(0,)]
    assert one(db, "SELECT object FROM relations WHERE subject = 'al-ansar' AND predicate = 'caught_between' "
                   "ORDER BY 1") == [("kdp",), ("puk",)]


def test_the_1981_decision_adopted_the_armed_struggle_and_the_1982_council_its_strategy(db):
    assert one(db, "SELECT to_event FROM event_links WHERE event = 'armed-struggle-adopted' "
                   "AND link = 'decided_on'") == [("armed-struggle",)]
    assert one(db, "SELECT to_event, literal FROM event_links WHERE event = 'central-military-council-1982' "
                   "AND link = 'decided_on'") == [("", "the overall strategic line of the armed struggle")]


def test_entities_of_unstated_kind_and_names_filed_as_they_are(db):
    assert one(db, "SELECT id FROM entities WHERE id IN ('pmoi', 'iraqi-opposition') AND type = 'unspecified' "
                   "ORDER BY 1") == [("iraqi-opposition",), ("pmoi",)]
    assert one(db, "SELECT language_tag, kind FROM entity_names WHERE name = 'as-Sulemaniyah'") == [
        ("ar", "romanization")]
    assert one(db, "SELECT kind FROM entity_names WHERE name = 'Kurdish Democratic Party'") == [("alias",)]


def test_descriptions_say_no_more_than_the_sources(db):
    descriptions = dict(one(db, "SELECT id, description FROM entities")) | dict(
        one(db, "SELECT id, description FROM events"))
    assert "under Saddam Hussein" not in descriptions["iraqi-government"]
    assert "leading post" not in descriptions["icp-general-secretary"]
    assert "veterans founded" not in descriptions["society-founded"]
    assert "defeat of the partisan movement" not in descriptions["sixth-party-congress-1998"]


def readme_query(start: str) -> str:
    from helpers import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    i = text.index(start)
    query = text[text.index("SELECT", i):text.index(";", i)]
    return query.replace("FROM relations", f"FROM read_csv_auto('{ROOT / 'data' / 'relations.csv'}')")


def test_the_readme_s_honest_empty_answer_and_held_query():
    import duckdb

    assert duckdb.sql(readme_query("-- Which of Al-Ansar's alliances do the sources date?")).fetchall() == []
    held = {r for (r,) in duckdb.sql(readme_query("-- Which relations certainly held on 1 June 1985")).fetchall()}
    assert "al-ansar/status/not-effective" in held and "al-ansar/area_of_operation/iraqi-kurdistan" not in held


def test_every_blank_that_means_not_said_is_on_the_page_and_in_the_codebook(inputs):
    from helpers import ROOT

    page = (ROOT / "site" / "index.html").read_text(encoding="utf-8")
    codebook = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    declared = [(t.name, f) for t in inputs.spec.tables for f in t.fields if "when_empty" in f]
    assert len(declared) >= 10
    for table, f in declared:
        assert f"- `{table}.{f['name']}`: {f['when_empty']}" in codebook
        assert html.escape(f"Empty: {f['when_empty']}") in page, (table, f["name"])


def test_descriptions_are_in_our_own_words(tables, texts):
    """#38 item 7: a description copies no run of seven words of either article (six did)."""
    import re

    def words(text: str) -> list[str]:
        return re.findall(r"[\w'’-]+", text.lower())

    runs = {tuple(w[i:i + 7]) for text in texts.values() for w in [words(text)] for i in range(len(w) - 6)}
    copied = [(name, row["id"], " ".join(w[i:i + 7]))
              for name, rows in tables.items() for row in rows if isinstance(row.get("description"), str)
              for w in [words(row["description"])] for i in range(len(w) - 6) if tuple(w[i:i + 7]) in runs]
    assert copied == []
    assert any("description" in rows[0] for rows in tables.values() if rows)  # the check sees descriptions

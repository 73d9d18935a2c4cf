"""The curated tables answer the researchers' questions with one plain query each,
with the quote behind every answer."""

from __future__ import annotations

from helpers import rows_where


def quotes(db, table, record_id):
    return [q for (q,) in db.execute(
        "SELECT quote FROM evidence WHERE record_table = ? AND record_id = ? ORDER BY ordinal",
        (table, record_id))]


def test_who_perpetrated_the_massacre_and_how_many_died(db):
    rows = db.execute("""
        SELECT p.entity, e.fatalities_low, e.fatalities_low_exclusive, e.fatalities_best, e.fatalities_high,
               e.fatalities_text
        FROM events e JOIN event_participants p ON p.event = e.id
        WHERE e.id = 'pasht-ashan-massacre' AND p.role = 'perpetrator'""").fetchall()
    # the fatality rule: the plain "150" is the best figure and the lowest; "over 150" leaves the top open
    assert rows == [("puk", "150", "false", "150", "", "150")]
    assert "Perpetrator: Patriotic Union of Kurdistan" in quotes(db, "event_participants",
                                                                 "pasht-ashan-massacre/perpetrator/puk")
    counts = db.execute("""SELECT source, text FROM counts WHERE event = 'pasht-ashan-massacre'
                           AND property = 'killed' ORDER BY id""").fetchall()
    assert counts == [("al-ansar-iraq", "150"), ("pasht-ashan-massacre", "150"),
                      ("pasht-ashan-massacre", "Over 150"), ("pasht-ashan-massacre", "over 150")]


def test_when_did_the_party_adopt_armed_struggle(db):
    (row,) = db.execute("""SELECT edtf, date_start, date_end, date_precision FROM events
                           WHERE type = 'decision' AND title LIKE '%armed struggle%'""").fetchall()
    assert row == ("1981-11", "1981-11-01", "1981-11-30", "month")


def test_allies_and_opponents(db):
    rows = db.execute("""SELECT predicate, group_concat(object, ' ') FROM
                           (SELECT * FROM relations WHERE subject = 'al-ansar'
                            AND predicate IN ('allied_with', 'opposed_to') ORDER BY object)
                         GROUP BY predicate ORDER BY predicate""").fetchall()
    assert rows == [("allied_with", "kdp south-yemen"), ("opposed_to", "iraqi-government pmoi puk")]


def test_disputed_claims_about_the_massacre(db):
    rows = db.execute("""SELECT c.id, c.claimant, a.source FROM claims c
                         JOIN claim_assessments a ON a.claim = c.id
                         WHERE c.event = 'pasht-ashan-massacre' AND a.stance = 'judged_weak'""").fetchall()
    assert rows == [("massacre-provoked-allegation", "icp-central-command", "pasht-ashan-massacre")]
    assert quotes(db, "claim_assessments", "massacre-provoked-allegation/pasht-ashan-massacre") == [
        "although the claim is weak."]


def test_names_with_language_and_script(tables):
    names = {(r["entity"], r["name"]): r for r in tables["entity_names"]}
    assert names[("al-ansar", "الأنصار")]["language_tag"] == "ar"
    assert names[("al-ansar", "الأنصار")]["script"] == "Arab"
    assert names[("al-ansar", "the Partisans")]["kind"] == "translation"
    assert names[("pasht-ashan-massacre", "مجزرة بشتآشان")]["language_tag"] == "ar"
    assert names[("pasht-ashan-massacre", "کارەساتی پشت ئاشان")]["language_tag"] == "ckb"
    assert names[("sulaymaniyah", "as-Sulemaniyah")]["kind"] == "romanization"  # of Arabic: as-
    assert names[("sulaymaniyah", "as-Sulemaniyah")]["language_tag"] == "ar"
    assert names[("kdp", "Kurdish Democratic Party")]["kind"] == "alias"  # another wording, not a spelling
    assert names[("kdp", "Kurdistan Democratic Party")]["kind"] == "name"
    assert names[("kdp", "Kurdistan Democratic Party")]["canonical"] is True
    assert names[("puk", "PUK")]["kind"] == "abbreviation"
    assert names[("nahj-al-ansar", "Path of the Partisans")]["kind"] == "translation"


def test_name_evidence_is_the_name_itself(tables, texts):
    evidence = {}
    for e in tables["evidence"]:
        evidence.setdefault((e["record_table"], e["record_id"]), []).append(e)
    for name in tables["entity_names"]:
        spans = evidence[("entity_names", name["id"])]
        assert any(texts[e["source"]][e["char_start"]:e["char_end"]] == name["name"] for e in spans)


def test_every_curated_row_has_evidence_matching_the_source(inputs, tables, texts):
    supported = {(e["record_table"], e["record_id"]) for e in tables["evidence"]}
    evidenced = list(inputs.spec.vocabularies["curated_table"].terms)
    assert len(evidenced) == 9 and "disagreements" not in evidenced
    for table in evidenced:
        assert tables[table], table
        for row in tables[table]:
            assert (table, row["id"]) in supported, (table, row["id"])
    for e in tables["evidence"]:
        assert texts[e["source"]][e["char_start"]:e["char_end"]] == e["quote"]


def test_events_cover_1977_to_2004(tables):
    dated = sorted((e["date_end"], e["id"]) for e in tables["events"] if e["date_end"])
    assert dated[0] == ("1977-12-31", "crackdown-1977")
    assert dated[-2:] == [("2004-12-31", "society-founded"), ("2004-12-31", "veterans-conference-2004")]
    by_id = {e["id"]: e for e in tables["events"]}
    assert (by_id["ansar-units-established"]["edtf"], by_id["ansar-units-established"]["date_start"],
            by_id["ansar-units-established"]["date_end"]) == ("../1979-01", None, "1979-01-31")
    assert by_id["central-committee-meeting-1987"]["edtf"] == "1987-06/1987-07"
    assert {"launch-nahj-al-ansar", "launch-ribazy-peshmerga", "central-military-council-1982",
            "setback-june-1987", "sixth-party-congress-1998"} <= set(by_id)


def test_uncertainty_is_kept(tables):
    events = {e["id"]: e for e in tables["events"]}
    struggle = events["armed-struggle"]
    assert (struggle["fatalities_best"], struggle["fatalities_low"], struggle["fatalities_high"],
            struggle["fatalities_certainty"], struggle["fatalities_text"]) == (
        1200, None, None, "approximate", "around 1,200")
    setback = events["setback-june-1987"]
    assert (setback["fatalities_low"], setback["fatalities_best"], setback["fatalities_high"]) == (150, 150, 150)
    (size,) = rows_where(tables["counts"], property="size")
    assert (size["number"], size["number_certainty"], size["text"]) == (10000, "uncertain", "10,000?")
    (estimate,) = rows_where(tables["counts"], id="armed-struggle-killed-icp-estimate")
    assert estimate["attributed_to"] == "iraqi-communist-party"


def test_disagreements_point_at_both_statements(tables):
    by_id = {d["id"]: d for d in tables["disagreements"]}
    toll = by_id["massacre-death-toll"]
    counts = {c["id"]: c for c in tables["counts"]}
    a, b = counts[toll["record_a"]], counts[toll["record_b"]]
    assert (a["source"], a["number"]) == ("al-ansar-iraq", 150)
    assert (b["source"], b["number_min"], b["number_min_exclusive"]) == ("pasht-ashan-massacre", 150, True)
    assert by_id["kdp-name"]["aspect"] == "name"
    assert {d["aspect"] for d in tables["disagreements"]} == {"count", "name", "assessment"}


def test_disagreements_are_only_where_the_statements_conflict(tables):
    """#38: two counts that give the same figures, two participants of whom one is part of
    the other, names of one article, or an assessment beside silence, are not conflicts."""
    rows = {t: {r["id"]: r for r in tables[t]} for t in ("counts", "entity_names", "event_participants",
                                                       "claim_assessments", "relations")}
    part_of = {(r["subject"], r["object"]) for r in tables["relations"] if r["predicate"] == "part_of"}
    figures = ("number", "number_min", "number_min_exclusive", "number_max")
    for d in tables["disagreements"]:
        a, b = rows[d["record_table"]][d["record_a"]], rows[d["record_table"]][d["record_b"]]
        if d["record_table"] == "counts":
            assert tuple(map(a.get, figures)) != tuple(map(b.get, figures)), d["id"]
        if d["record_table"] == "entity_names":
            assert a["kind"] != "spelling_variant" and b["kind"] != "spelling_variant", d["id"]
            assert a["sources"] != b["sources"], d["id"]  # each article names it its own way
        if d["record_table"] == "event_participants":
            assert (a["entity"], b["entity"]) not in part_of and (b["entity"], a["entity"]) not in part_of, d["id"]
        if d["record_table"] == "claim_assessments":
            assert "reported" not in (a["stance"], b["stance"]), d["id"]
    assert "puk-agreement-partner" not in {d["id"] for d in tables["disagreements"]}


def test_infobox_and_see_also_are_linked(tables):
    links = {(r["key_normalized"], r["value_text"]): r["entity"] for r in tables["infobox_values"]}
    assert links[("perpetrator", "Patriotic Union of Kurdistan")] == "puk"
    assert links[("part_of", "ICP")] == "iraqi-communist-party"
    assert links[("headquarters", "Aden")] == "aden"
    assert links[("ideology", "Marxism")] is None
    assert [r["entity"] for r in tables["see_also"]] == [
        "ar-rashid-revolt", "iraqi-armed-revolutionary-resistance", "iraqi-opposition", "toma-tomas"]


def test_infobox_facts_are_relations(tables):
    infobox_quotes = {e["quote"] for e in tables["evidence"] if e["record_table"] == "relations"}
    for quote in ("Leaders: Toma Tomas", "Position: Left-wing", "Area: Iraq", "Partof: ICP",
                  "Allies: KDP", "Opponents: Iraqi Government"):
        assert quote in infobox_quotes

"""The extraction tables hold the values of both articles, typed."""

from __future__ import annotations

from helpers import rows_where


def test_sources_table(tables):
    rows = {r["id"]: r for r in tables["sources"]}
    assert rows["al-ansar-iraq"] == {
        "id": "al-ansar-iraq", "title": "Al-Ansar (Iraq)",
        "url": "https://en.wikipedia.org/wiki/Al-Ansar_(Iraq)", "language_tag": "en",
        "license": "CC-BY-SA-4.0",
        "sha256": "3e7b830d9cc0e45724790be309b3210a58930d551f39ea4b56c16b6c03ce064c",
        "bytes": 4824, "length": 4803, "revision": None, "retrieved": None}
    assert rows["pasht-ashan-massacre"]["bytes"] == 2113
    assert rows["pasht-ashan-massacre"]["length"] == 2083


def test_key_normalization(tables):
    keys = [r["key_normalized"] for r in rows_where(tables["infobox_fields"], source="al-ansar-iraq")]
    assert keys == ["active", "leaders", "ideology", "position", "headquarters", "area",
                    "part_of", "size", "allies", "opponents"]
    part_of = rows_where(tables["infobox_fields"], source="pasht-ashan-massacre", key="Partof")[0]
    assert part_of["key_normalized"] == "part_of"
    assert part_of["line"] == 7


def test_headquarters_split_with_qualifier(tables):
    rows = rows_where(tables["infobox_values"], source="al-ansar-iraq", key_normalized="headquarters")
    assert [(r["text"], r["value_text"], r["qualifier"]) for r in rows] == [
        ("Kirkuk", "Kirkuk", None), ("Sulaymaniyah", "Sulaymaniyah", None),
        ("Aden (South Yemen)", "Aden", "South Yemen")]
    assert [r["ordinal"] for r in rows] == [1, 2, 3]


def test_active_is_an_edtf_interval(tables):
    (row,) = rows_where(tables["infobox_values"], source="al-ansar-iraq", key_normalized="active")
    assert (row["datatype"], row["text"], row["edtf"], row["date_start"], row["date_end"],
            row["date_precision"]) == ("date", "1979–1988", "1979/1988", "1979-01-01", "1988-12-31", "year")


def test_massacre_date_is_month_precise(tables):
    (row,) = rows_where(tables["infobox_values"], source="pasht-ashan-massacre", key_normalized="date")
    assert (row["edtf"], row["date_start"], row["date_end"], row["date_precision"]) == (
        "1983-05", "1983-05-01", "1983-05-31", "month")


def test_size_is_uncertain(tables):
    (row,) = rows_where(tables["infobox_values"], key_normalized="size")
    assert (row["datatype"], row["text"], row["number"], row["number_certainty"]) == (
        "count", "10,000?", 10000, "uncertain")


def test_fatalities_is_an_exclusive_lower_bound(tables):
    (row,) = rows_where(tables["infobox_values"], key_normalized="fatalities")
    assert (row["text"], row["number"], row["number_min"], row["number_min_exclusive"],
            row["number_certainty"]) == ("Over 150", None, 150, True, "bound")


def test_lists_are_split(tables):
    def values(key):
        return [r["value_text"] for r in tables["infobox_values"] if r["key_normalized"] == key]
    assert values("opponents") == ["Iraqi Government", "PMOI", "PUK"]
    assert values("allies") == ["KDP", "South Yemen"]
    assert values("ideology") == ["Communism", "Marxism"]
    assert values("target") == ["Iraqi Communist Party", "Al-Ansar"]
    assert values("location") == ["Pasht Ashan", "Sulaymaniyah Governorate"]
    # a range inside a text value is not split or read as a date
    (part_of,) = rows_where(tables["infobox_values"], source="pasht-ashan-massacre", key_normalized="part_of")
    assert (part_of["datatype"], part_of["value_text"]) == (
        "text", "the prelude to the 1983-1986 Kurdish rebellions in Iraq")


def test_value_offsets_point_at_the_source(tables, texts):
    for row in tables["infobox_values"] + tables["infobox_fields"] + tables["see_also"]:
        text = row.get("text", row.get("value_text", row.get("title")))
        assert texts[row["source"]][row["char_start"]:row["char_end"]] == text
    (aden,) = rows_where(tables["infobox_values"], value_text="Aden")
    assert (aden["char_start"], aden["char_end"]) == (163, 181)


def test_see_also_titles(tables):
    assert [(r["ordinal"], r["title"]) for r in tables["see_also"]] == [
        (1, "Ar-Rashid revolt"), (2, "Iraqi Armed Revolutionary Resistance"),
        (3, "Iraqi opposition (pre-2003)"), (4, "Toma Tomas")]


def test_sections_table(tables, texts):
    rows = tables["sections"]
    assert len(rows) == 7
    (see_also,) = rows_where(rows, heading="See also")
    body = texts["al-ansar-iraq"][see_also["body_char_start"]:see_also["body_char_end"]]
    assert body == ("Ar-Rashid revolt\n- Iraqi Armed Revolutionary Resistance\n"
                    "- Iraqi opposition (pre-2003)\n- Toma Tomas")


def test_our_values_come_from_the_key_map_and_hold_no_markup(tables):
    rows = tables["infobox_values"]
    assert {(r["datatype_source"], r["markup_residue"]) for r in rows} == {("key_map", False)}


def test_unmapped_keys_are_typed_by_their_values():
    """A key the key map does not know: a value that reads wholly as a date or count is
    typed so, several such values in one field are split, markup stays text."""
    from ansar_data.extract.extract import KeyRule, infobox_value_rows
    from ansar_data.read.parse import parse_article

    text = ("= Ramadan Revolution =\n\nBox\n- Date: 8–10 February 1963\n- Born: 15 October 1996 (aged 72)\n"
            "- Strength2: ~10,000 , ~120,000\n- Casualties1: 100 killed\n- Image: 40px|Iraqi general\n"
            "- Result: Coup succeeds\n\nLead.\n")
    rules = {"Date": KeyRule("date", "date", ())}
    rows = infobox_value_rows(parse_article(text, "r"), rules)
    got = [(r["key_normalized"], r["text"], r["datatype"], r["datatype_source"], r["markup_residue"],
            r["edtf"] or r["number"], r["qualifier"]) for r in rows]
    assert got == [
        ("date", "8–10 February 1963", "date", "key_map", False, "1963-02-08/1963-02-10", None),
        ("born", "15 October 1996 (aged 72)", "date", "inferred", False, "1996-10-15", "aged 72"),
        ("strength2", "~10,000", "count", "inferred", False, 10000, None),
        ("strength2", "~120,000", "count", "inferred", False, 120000, None),
        ("casualties1", "100 killed", "count", "inferred", False, 100, "killed"),
        ("image", "40px|Iraqi general", "text", "inferred", True, None, None),
        ("result", "Coup succeeds", "text", "inferred", False, None, None),
    ]
    assert all(text[r["char_start"]:r["char_end"]] == r["text"] for r in rows)

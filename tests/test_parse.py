"""The article parser on both sources, field by field, and on bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansar_data.read.parse import ParseError, parse_article
from helpers import all_spans

ANSAR_INFOBOX = [
    ("Active", "1979–1988"), ("Leaders", "Toma Tomas"), ("Ideology", "Communism, Marxism"),
    ("Position", "Left-wing"), ("Headquarters", "Kirkuk, Sulaymaniyah, Aden (South Yemen)"),
    ("Area", "Iraq"), ("Partof", "ICP"), ("Size", "10,000?"), ("Allies", "KDP, South Yemen"),
    ("Opponents", "Iraqi Government, PMOI, PUK"),
]
PASHT_INFOBOX = [
    ("Title", "Pasht Ashan massacre"), ("Location", "Pasht Ashan, Sulaymaniyah Governorate"),
    ("Date", "May 1983"), ("Partof", "the prelude to the 1983-1986 Kurdish rebellions in Iraq"),
    ("Target", "Iraqi Communist Party and Al-Ansar"), ("Fatalities", "Over 150"),
    ("Perpetrator", "Patriotic Union of Kurdistan"),
]


def test_titles_and_infobox_headers(articles):
    ansar, pasht = articles["al-ansar-iraq"], articles["pasht-ashan-massacre"]
    assert (ansar.title.text, ansar.title.start, ansar.title.end) == ("Al-Ansar (Iraq)", 2, 17)
    assert ansar.infobox.header.text == "Al-Ansar"
    assert pasht.title.text == "Pasht Ashan massacre"
    assert pasht.infobox.header.text == "Infobox"


@pytest.mark.parametrize("source,expected", [("al-ansar-iraq", ANSAR_INFOBOX),
                                             ("pasht-ashan-massacre", PASHT_INFOBOX)])
def test_every_infobox_field(articles, source, expected):
    fields = articles[source].infobox.fields
    assert [(f.key.text, f.value.text) for f in fields] == expected
    assert [f.ordinal for f in fields] == list(range(1, len(expected) + 1))
    assert fields[0].key.line == 4


def test_sections_of_both_articles(articles):
    ansar = [(s.heading.text, s.level) for s in articles["al-ansar-iraq"].sections]
    assert ansar == [("Early phase", 2), ("Communist Party adopts armed struggle", 2),
                     ("Pasht Ashan massacre", 2), ("End of the movement", 2),
                     ("Veterans' Society", 2), ("See also", 2)]
    assert [s.heading.text for s in articles["pasht-ashan-massacre"].sections] == ["Massacre"]
    # "== Massacre ==": the spaces inside the marks are not part of the heading
    massacre = articles["pasht-ashan-massacre"].sections[0].heading
    assert (massacre.start, massacre.end, massacre.line) == (566, 574, 14)


def test_lead_paragraphs_and_section_paragraphs(articles):
    ansar = articles["al-ansar-iraq"]
    assert len(ansar.lead) == 1
    assert ansar.lead[0].text.startswith("Al-Ansar (الأنصار, 'the Partisans') was the paramilitary")
    assert [len(s.paragraphs) for s in ansar.sections] == [2, 2, 2, 2, 1, 0]
    assert len(articles["pasht-ashan-massacre"].sections[0].paragraphs) == 2


def test_see_also_items(articles):
    items = articles["al-ansar-iraq"].section("See also").list_items
    assert [i.text for i in items] == ["Ar-Rashid revolt", "Iraqi Armed Revolutionary Resistance",
                                       "Iraqi opposition (pre-2003)", "Toma Tomas"]


@pytest.mark.parametrize("source", ["al-ansar-iraq", "pasht-ashan-massacre"])
def test_every_span_round_trips(articles, texts, source):
    spans = list(all_spans(articles[source]))
    assert len(spans) >= 20
    for span in spans:
        assert texts[source][span.start:span.end] == span.text


def test_parse_is_pure_across_processes(texts):
    """The same text gives the same Article in another process, under another hash seed."""
    import os
    import subprocess
    import sys

    script = ("import sys; from ansar_data.read.parse import parse_article; "
              "print(repr(parse_article(sys.stdin.read(), 'x')), end='')")
    text = texts["al-ansar-iraq"]
    other = subprocess.run([sys.executable, "-c", script], input=text, capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}, check=True).stdout
    assert other == repr(parse_article(text, "x"))
    assert "InfoboxField(ordinal=10" in other


@pytest.mark.parametrize("mutate,line,message", [
    (lambda t: t[: t.index("Kirkuk")], 8, "no final newline; the file may be truncated"),
    (lambda t: t.replace("- Area: Iraq\n", "- Area: Iraq\nKirkuk\n"), 10,
     "stray line in the infobox; expected '- Key: Value', got 'Kirkuk'"),
    # ("- Area Iraq", with no colon, is one more value of the field above: see below)
    (lambda t: t.replace("- Area: Iraq\n", "-Area: Iraq\n"), 9, "stray line in the infobox"),
    (lambda t: t.replace("= Al-Ansar (Iraq) =", "Al-Ansar (Iraq)"), 1, "expected the title line"),
    (lambda t: t.replace("==Early phase==", "==Early phase="), 17, "malformed heading"),
    (lambda t: t.replace("\n", "\r\n"), 1, "carriage return found"),
    (lambda t: t.replace("==Early phase==", "= Second title ="), 17, "a second title line"),
    (lambda t: t.replace("\nAl-Ansar (الأنصار", "\n- Founded: 1979\nAl-Ansar (الأنصار"), 15,
     "a '- Key: Value' line after the infobox's blank line"),
    (lambda t: "", 1, "the article is empty"),
])
def test_bad_input_names_source_and_line(texts, mutate, line, message):
    with pytest.raises(ParseError) as info:
        parse_article(mutate(texts["al-ansar-iraq"]), "al-ansar-iraq")
    assert info.value.source == "al-ansar-iraq"
    assert info.value.line == line
    assert message in info.value.message
    assert str(info.value).startswith(f"al-ansar-iraq: line {line}: ")


def test_a_bulleted_lead_is_read_as_lead_list_items():
    text = ("= Lebanese Front =\n- The Christian-led coalition\n- of parties\nA paragraph.\n"
            "==History==\n- item\n")
    article = parse_article(text, "a")
    assert [s.text for s in article.lead_items] == ["The Christian-led coalition", "of parties"]
    assert [s.text for s in article.lead] == ["A paragraph."]
    assert article.infobox is None and article.sections[0].list_items[0].text == "item"
    assert all(text[s.start:s.end] == s.text for s in article.lead_items)


def test_any_article_in_the_format():
    text = ("= A =\n\nBox\n- Key One: v1, v2\n\nLead.\n\n=== Deep ===\nPara.\n- item\n"
            "==Empty==\n")
    article = parse_article(text, "a")
    assert article.infobox.fields[0].key.text == "Key One"
    assert [(s.heading.text, s.level) for s in article.sections] == [("Deep", 3), ("Empty", 2)]
    empty = article.sections[1]
    assert empty.body_start == empty.body_end == empty.heading.end
    assert parse_article("= A =\nJust a lead.\n", "a").infobox is None


def test_an_infobox_list_line_is_one_more_value_of_the_field_above():
    from ansar_data.extract.extract import infobox_value_rows

    text = ("= Lebanese Front =\n\nLebanese Front\n- Members: Kataeb Party\n- The Christian-led Guardians of the "
            "Cedars\n- Active: 13 – 24 January 1986, ()\n\nThe front was an alliance.\n")
    article = parse_article(text, "front")
    members, active = article.infobox.fields
    assert [s.text for s in members.more] == ["The Christian-led Guardians of the Cedars"]
    rows = infobox_value_rows(article, {})
    assert [(r["field_ordinal"], r["ordinal"], r["text"]) for r in rows][:2] == [
        (1, 1, "Kataeb Party"), (1, 2, "The Christian-led Guardians of the Cedars")]
    assert all(text[r["char_start"]:r["char_end"]] == r["text"] for r in rows)
    (dates,) = [r for r in rows if r["field_ordinal"] == 2]
    assert (dates["text"], dates["datatype"], dates["edtf"]) == ("13 – 24 January 1986, ()", "date",
                                                                 "1986-01-13/1986-01-24")


def test_a_keyless_line_first_in_the_infobox_is_still_refused():
    with pytest.raises(ParseError, match="stray line in the infobox"):
        parse_article("= T =\n\nT\n- no key here\n- Key: v\n\nText.\n", "t")


@given(st.text(alphabet=" ,;ab1-", max_size=40),
       # one to three distinct separators, drawn without rejecting repeats
       st.tuples(st.permutations([" , ", ", ", "; ", ",", ";", " - "]), st.integers(1, 3))
       .map(lambda order_n: order_n[0][:order_n[1]]))
def test_the_fast_split_finds_the_pieces_the_character_loop_finds(text, separators):
    from ansar_data.extract.extract import _split_flat, _split_nested

    assert _split_flat(text, tuple(separators)) == _split_nested(text, tuple(separators))


def test_a_value_splits_outside_parentheses_only():
    from ansar_data.extract.extract import split_value

    assert split_value("Aden (South Yemen, PDRY), Kirkuk", (", ",)) == [(0, "Aden (South Yemen, PDRY)"), (26, "Kirkuk")]
    assert split_value("KDP, PUK ;ICP", (", ", ";")) == [(0, "KDP"), (5, "PUK "), (10, "ICP")]


# #39: a lead paragraph followed by a bulleted list, with no infobox (the shape of
# "List of armed groups in the Lebanese Civil War"), was read as an infobox and refused.
LEAD_LIST = """= A list of armed groups =

The list does not include the regular army; note that the army split into two parts:
- The first part favoured one government
- The second part: it fought for the rival government

A later paragraph of the lead.

== List ==
| Militia | Fighters |
| A militia | 100 |
"""


def test_bullets_after_the_lead_s_prose_are_a_list_not_an_infobox():
    article = parse_article(LEAD_LIST, "lead-list")
    assert article.infobox is None
    assert [s.text for s in article.lead] == [
        "The list does not include the regular army; note that the army split into two parts:",
        "A later paragraph of the lead."]
    assert [s.text for s in article.lead_items] == ["The first part favoured one government",
                                                    "The second part: it fought for the rival government"]
    assert [s.heading.text for s in article.sections] == ["List"]


def test_an_infobox_is_the_key_value_block_under_its_caption():
    article = parse_article("= T =\n\nT\n- Active: 1979\n- Area: Iraq\n\nProse.\n", "t")
    assert [f.key.text for f in article.infobox.fields] == ["Active", "Area"]
    assert article.infobox.header.text == "T" and [s.text for s in article.lead] == ["Prose."]

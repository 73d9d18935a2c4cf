"""Property-based tests: the parser either parses, with offsets that round-trip,
or raises ParseError; never another exception, never a hang."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansar_data.read.parse import ParseError, parse_article
from helpers import all_spans

# Example counts come from the Hypothesis profile (conftest.py): 1,000 in CI, 300 locally.
SETTINGS = settings(deadline=1000, suppress_health_check=[HealthCheck.too_slow])

# Lines in the sources' format, and near misses of it.
# Characters as text() draws them: twice as fast as joining a list of sampled tokens.
words = st.text(alphabet="abc XYZ,.:()–-=?'\t\r" + "الأنصار" + "ئاشان", max_size=20)
line = st.one_of(
    words,
    words.map(lambda w: f"= {w} ="),
    words.map(lambda w: f"=={w}=="),
    words.map(lambda w: f"== {w} =="),
    words.map(lambda w: f"=== {w} ==="),
    words.map(lambda w: f"- {w}"),
    st.tuples(words, words).map(lambda kv: f"- {kv[0]}: {kv[1]}"),
    st.just(""),
    st.just("Infobox"),
)
near_valid = st.lists(line, min_size=0, max_size=25).map(
    lambda lines: "= Title =\n\nInfobox\n- Key: Value\n\n" + "\n".join(lines) + "\n")


def check(text: str) -> None:
    try:
        article = parse_article(text, "fuzz")
    except ParseError as exc:
        assert exc.source == "fuzz"
        assert 1 <= exc.line <= text.count("\n") + 1
        return
    spans = [article.title, *article.lead, *article.lead_items]
    if article.infobox:
        spans += list(all_spans(article))
    for s in article.sections:
        spans += [s.heading, *s.paragraphs, *s.list_items]
        assert 0 <= s.body_start <= s.body_end <= len(text)
    for span in spans:
        assert text[span.start:span.end] == span.text


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    check(text)


@SETTINGS
@given(near_valid)
def test_near_valid_articles(text):
    check(text)


@SETTINGS
@given(st.lists(line, max_size=30).map(lambda ls: "\n".join(ls) + "\n"))
def test_articles_from_format_lines(text):
    check(text)


@settings(max_examples=300, deadline=2000)  # each example parses a whole real article: 300 in CI as locally
@given(st.data())
def test_real_articles_cut_or_spliced(texts, data):
    text = texts[data.draw(st.sampled_from(sorted(texts)))]
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(line)
    check(text[:cut] + insert + text[cut:])
    check(text[:cut])

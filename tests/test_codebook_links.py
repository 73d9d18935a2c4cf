"""#26 item 5: every internal link of the codebook resolves, rendered as python-markdown
renders it (with its toc extension's anchors) and with the anchors GitHub makes."""

from __future__ import annotations

import re

import markdown

from ansar_data.publish.codebook import anchor
from helpers import ROOT

TEXT = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")


def test_every_internal_link_resolves_in_python_markdown():
    page = markdown.markdown(TEXT, extensions=["toc", "tables", "fenced_code"])
    ids = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="#([^"]+)"', page)
    assert len(links) > 30
    assert sorted({link for link in links if link not in ids}) == []


def test_anchors_are_github_s():
    # GitHub: lower case, punctuation but - and _ dropped, spaces to hyphens
    headings = re.findall(r"^#{1,6} (.+)$", TEXT, re.M)
    github = {re.sub(r" ", "-", re.sub(r"[^\w\- ]", "", h.lower())) for h in headings}
    for link in set(re.findall(r"\]\(#([^)]+)\)", TEXT)):
        assert link in github, link
    assert anchor("vocabulary: time_mode") == "vocabulary-time_mode" and anchor("infobox_fields") == "infobox_fields"

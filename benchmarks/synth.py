"""Synthetic articles in exactly the sources' format, deterministic from a seed.

Each article has a title, an infobox (header either the article name or "Infobox")
with list, date, uncertain and bounded values, a lead with Arabic and Sorani Kurdish
script, sections written "==H==" or "== H ==", paragraphs, and a "See also" list.
`corpus(n, seed, malformed=k)` makes the last k articles malformed, each in a way the
parser must reject (a stray infobox line, a truncated file, an unbalanced heading).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PLACES = ["Kirkuk", "Sulaymaniyah", "Irbil", "Dohuk", "Nineveh", "Halabja", "Zakho", "Aden (South Yemen)"]
PARTIES = ["KDP", "PUK", "ICP", "PMOI", "Iraqi Government", "South Yemen"]
WORDS = ("the partisans held a meeting in the mountains and agreed on a new line while the "
         "government troops moved north and the party newspapers reported on the events of "
         "that year in Arabic and Kurdish").split()
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ARABIC = ["الأنصار", "نهج الأنصار", "مجزرة بشتآشان"]
KURDISH = ["کارەساتی پشت ئاشان", "پێشمەرگە"]


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    malformed: str | None  # None, or what is wrong with it
    sections: int           # expected counts, for the tests
    infobox_fields: int
    infobox_values: int
    see_also: int


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(8, 16))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def article(n: int, seed: int, malformed: str | None = None) -> Article:
    rng = random.Random(seed * 1_000_003 + n)
    title = f"Synthetic article {n}"
    start, end = rng.randint(1960, 1990), rng.randint(1991, 2005)
    dash = rng.choice(["–", "-"])
    places = rng.sample(PLACES, rng.randint(1, 4))
    parties = rng.sample(PARTIES, rng.randint(1, 3))
    fields = [
        ("Active", f"{start}{dash}{end}", 1),
        ("Leaders", ", ".join(f"Leader {n}-{k}" for k in range(rng.randint(1, 2))), None),
        ("Ideology", "Communism, Marxism", 2),
        ("Headquarters", ", ".join(places), len(places)),
        ("Allies", ", ".join(parties), len(parties)),
        ("Date", rng.choice([f"{rng.choice(MONTHS)} {rng.randint(1970, 2000)}",
                             f"{rng.randint(1, 9)}–{rng.randint(10, 28)} {rng.choice(MONTHS)} "
                             f"{rng.randint(1970, 2000)}",
                             f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {start} – {rng.choice(MONTHS)} {end}"]), 1),
        ("Size", f"{rng.randint(1, 20)},{rng.randint(0, 999):03d}?", 1),
        ("Fatalities", f"Over {rng.randint(10, 900)}", 1),
        ("Partof", f"the prelude to the {start}-{end} rebellions", 1),
        # keys the key map does not know, typed by their values (and markup residue)
        ("Strength1", f"{rng.randint(1, 15)},000–{rng.randint(16, 40)},000", 1),
        ("Strength2", f"~{rng.randint(1, 9)},000 , ~{rng.randint(10, 99)},000", 2),
        ("Casualties2", f"{rng.randint(10, 900)} killed", 1),
        ("Born", f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {start} (aged {rng.randint(40, 90)})", 1),
        ("Image", f"{rng.choice([23, 40])}px", 1),
    ]
    fields[1] = (fields[1][0], fields[1][1], fields[1][1].count(", ") + 1)
    fields = fields[: rng.randint(5, len(fields))]
    header = rng.choice([title.split()[0], "Infobox"])
    lines = [f"= {title} =", "", header] + [f"- {k}: {v}" for k, v, _ in fields] + [""]
    lines.append(f"{title} ({rng.choice(ARABIC)}, {rng.choice(KURDISH)}, 'the article') is a "
                 f"synthetic text. {_paragraph(rng)}")
    n_sections = rng.randint(2, 6)
    for k in range(n_sections):
        heading = f"Section {k + 1}"
        lines += ["", f"=={heading}==" if rng.random() < 0.5 else f"== {heading} =="]
        lines += [_paragraph(rng) for _ in range(rng.randint(1, 3))]
    see_also = [f"Related topic {n}-{k}" for k in range(rng.randint(1, 5))]
    lines += ["", "==See also=="] + [f"- {s}" for s in see_also]
    text = "\n".join(lines) + "\n"
    if malformed == "stray-infobox-line":
        first_field = text.index("\n", text.index(f"\n{header}\n- ") + len(header) + 2)
        text = text[:first_field] + "\nstray text" + text[first_field:]
    elif malformed == "truncated":
        text = text[: len(text) // 2].rstrip("\n")
    elif malformed == "unbalanced-heading":
        text = text.replace("Section 1==", "Section 1=", 1).replace("Section 1 ==", "Section 1 =", 1)
    return Article(f"synthetic-{n}", text, malformed, n_sections + 1, len(fields),
                   sum(count for _, _, count in fields), len(see_also))


MALFORMATIONS = ("stray-infobox-line", "truncated", "unbalanced-heading")


def corpus(n: int, seed: int = 1, malformed: int = 0) -> list[Article]:
    return [article(i, seed, MALFORMATIONS[(i - (n - malformed)) % len(MALFORMATIONS)]
                    if i >= n - malformed else None) for i in range(n)]


EXTRACTION_TABLES = ("sources", "sections", "infobox_fields", "infobox_values", "see_also")


def extraction_spec(spec: dict) -> dict:
    """The repository's table spec reduced to the extraction tables (the benchmark has
    no curation), without foreign keys into the tables it drops."""
    tables = []
    for table in spec["tables"]:
        if table["name"] in EXTRACTION_TABLES:
            fks = [fk for fk in table.get("foreignKeys", []) if fk["reference"]["resource"] in EXTRACTION_TABLES]
            tables.append({**table, "foreignKeys": fks})
    return {**spec, "tables": tables}


def write_package_inputs(folder: Path, articles: list[Article], repo: Path) -> Path:
    """A folder the build can run on: the articles as sources/, the repository's
    metadata/, and an empty curation/."""
    (folder / "sources").mkdir(parents=True)
    (folder / "curation").mkdir()
    (folder / "metadata").mkdir()
    (folder / "metadata" / "infobox_keys.yaml").write_bytes((repo / "metadata" / "infobox_keys.yaml").read_bytes())
    # another dataset, with rules of its own (only the extracted tables): a version of its own
    package = (repo / "metadata" / "package.yaml").read_text(encoding="utf-8")
    (folder / "metadata" / "package.yaml").write_text(
        re.sub(r"^version: .*$", "version: 0.0.0-synthetic", package, count=1, flags=re.M), encoding="utf-8")
    (folder / "metadata" / "tables.yaml").write_text(yaml.safe_dump(
        extraction_spec(yaml.safe_load((repo / "metadata" / "tables.yaml").read_text(encoding="utf-8"))),
        sort_keys=False, allow_unicode=True), encoding="utf-8")
    entries = []
    for a in articles:
        data = a.text.encode("utf-8")
        (folder / "sources" / f"{a.id}.txt").write_bytes(data)
        entries.append({"id": a.id, "file": f"{a.id}.txt", "title": f"Synthetic article {a.id}",
                        "url": f"https://en.wikipedia.org/wiki/{a.id}", "language": "en",
                        "license": "CC-BY-SA-4.0", "sha256": hashlib.sha256(data).hexdigest()})
    (folder / "sources" / "sources.yaml").write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return folder

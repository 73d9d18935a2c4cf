"""The release as a downloader gets it: `dist` builds the archive, and from the unzipped
archive alone every table loads in pandas, Stata, SPSS and Croissant form, the package
validates with frictionless, the files match their checksums, and every link of the
README and of the landing page resolves (the zip and its checksum lie beside the
unzipped folder, as they do after unzipping in dist/)."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
import yaml
from conftest import UNRELEASED

from ansar_data.release.release import ReleaseRefused, dist, recorded_releases, version_key
from helpers import PACKAGE_PARTS, REPO_FILES, ROOT, copy_repo, git

VERSION = json.loads((ROOT / "datapackage.json").read_text())["version"]


def tables() -> list[str]:
    return [r["name"] for r in json.loads((ROOT / "datapackage.json").read_text())["resources"]
            if r["format"] == "csv"]


def test_the_archive_explains_itself(unzipped):
    names = {p.relative_to(unzipped).as_posix() for p in unzipped.rglob("*") if p.is_file()}
    assert {"README.md", "CHANGES.md", "LICENSE-DATA.md", "SHA256SUMS", "croissant.json",
            "exports/stata/events.dta", "exports/spss/events.sav"} <= names
    readme = (unzipped / "README.md").read_text()
    # this copy has unreleased changes: a development version, never a recorded one
    version = unzipped.name.removeprefix("al-ansar-iraq-")
    last = max(recorded_releases((ROOT / "CHANGELOG.md").read_text()), key=version_key)
    assert re.fullmatch(r"\d+\.\d+\.\d+-dev\+g[0-9a-f]{12}", version) and version_key(version) > version_key(last)
    assert readme.startswith(
        f"# Al-Ansar (Iraq) and the Pasht Ashan massacre, version {version}")
    assert "pip install" not in readme and "pytest" not in readme  # not the developers' README
    for needle in ("pd.read_csv(", "readr::read_csv(", "read_csv_auto(", "datasette exports/",
                   "exports/al-ansar-iraq.xlsx", "use exports/stata/events.dta", "pandas.read_spss(",
                   "sha256sum -c SHA256SUMS", "frictionless validate datapackage.json", "@misc{"):
        assert needle in readme, needle
    assert "| `events` | 30 |" in readme
    changes = (unzipped / "CHANGES.md").read_text()
    # the tree past a release: its data changelog says so, and diffs against the last recorded release
    assert changes.startswith("# Changes in the data\n") and f"## {version} (a development build, not a release)\n" \
        in changes and f"### Changes in the data since {last}\n" in changes
    # the unreleased breaking column changes, with their replacements, are the data user's business
    assert UNRELEASED.split("\n", 1)[1].strip() in changes


def test_every_file_matches_its_checksum(unzipped):
    check = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=unzipped, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = len(check.stdout.splitlines())
    assert listed == sum(1 for p in unzipped.rglob("*") if p.is_file()) - 1


def test_it_validates_with_frictionless(unzipped):
    from frictionless import validate

    report = validate(unzipped / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


@pytest.mark.parametrize("name", tables())
def test_every_table_loads_in_pandas_stata_and_spss(unzipped, name):
    import pyreadstat

    csv = pd.read_csv(unzipped / "data" / f"{name}.csv", keep_default_na=False, dtype=str)
    dta = pd.read_stata(unzipped / "exports" / "stata" / f"{name}.dta")
    sav, _ = pyreadstat.read_sav(unzipped / "exports" / "spss" / f"{name}.sav")
    assert len(csv) == len(dta) == len(sav) > 0
    assert list(dta.columns) == list(sav.columns) == list(csv.columns)
    if name == "entity_names":  # Arabic and Kurdish text intact
        arabic = csv.loc[csv.language_tag == "ar", "name"].tolist()
        assert arabic and dta.loc[dta.language_tag == "ar", "name"].tolist() == arabic
        assert sav.loc[sav.language_tag == "ar", "name"].tolist() == arabic


def test_every_record_set_loads_with_mlcroissant(unzipped):
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=str(unzipped / "croissant.json"))
    assert not dataset.metadata.issues.errors, dataset.metadata.issues.report()
    for name in tables():
        records = list(dataset.records(record_set=name))
        expected = len(pd.read_csv(unzipped / "data" / f"{name}.csv", dtype=str))
        assert len(records) == expected, name
    # #41: Croissant 1.1, with the Responsible-AI fields package.yaml gives, as mlcroissant reads them
    meta = dataset.metadata
    assert meta.ctx.conforms_to.value == "http://mlcommons.org/croissant/1.1"  # a dev build lacks datePublished
    given = yaml.safe_load((unzipped / "metadata" / "package.yaml").read_text(encoding="utf-8"))["responsible_ai"]
    read = {"data_collection": meta.data_collection, "data_limitations": meta.data_limitations,
            "data_biases": meta.data_biases, "data_use_cases": meta.data_use_cases,
            "personal_sensitive_information": meta.personal_sensitive_information,
            "data_release_maintenance_plan": meta.data_release_maintenance_plan}
    for key, text in given.items():
        value = read[key][0] if isinstance(read[key], list) else read[key]
        assert value == " ".join(text.split()), key
    first = next(iter(dataset.records(record_set="entity_names")))
    row = pd.read_csv(unzipped / "data" / "entity_names.csv", dtype=str, keep_default_na=False).iloc[0]
    assert (first["entity_names/entity"].decode(), first["entity_names/name"].decode()) == (row.entity, row["name"])


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def local(links: list[str]) -> list[str]:
    return [unquote(urlsplit(link).path) for link in links
            if not urlsplit(link).scheme and not link.startswith("#")]


def unresolved(unzipped: Path) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Links of the README, the landing page and both JSON-LD records that resolve to
    no file, as (folder, link), and how many links each had."""
    readme = local(re.findall(r"\]\(([^)\s]+)\)", (unzipped / "README.md").read_text()))
    page = (unzipped / "site" / "index.html").read_text()
    parser = Links()
    parser.feed(page)
    page_ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    root_ld = json.loads((unzipped / "dataset.jsonld").read_text())
    checks = [(unzipped, link) for link in readme] + \
        [(unzipped / "site", link) for link in local(parser.found)] + \
        [(unzipped / "site", d["contentUrl"]) for d in page_ld["distribution"]] + \
        [(unzipped, d["contentUrl"]) for d in root_ld["distribution"]]
    missing = [(base.relative_to(unzipped.parent).as_posix(), link) for base, link in checks
               if not (base / link).resolve().exists()]
    return missing, {"readme": len(readme), "page": len(local(parser.found)), "ld": len(page_ld["distribution"])}


def test_every_link_of_the_readme_and_landing_page_resolves(unzipped):
    missing, counts = unresolved(unzipped)
    assert missing == []
    page = (unzipped / "site" / "index.html").read_text()
    page_ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    # every resource of the descriptor (the RDF too) is a download, once; the counts follow the package
    resources = [r["path"] for r in json.loads((unzipped / "datapackage.json").read_text())["resources"]]
    urls = [d["contentUrl"] for d in page_ld["distribution"]]
    assert len(urls) == len(set(urls)) == counts["ld"]
    assert all(any(u.endswith("/" + path) for u in urls) for path in resources)
    assert counts["readme"] >= counts["page"] >= len(resources) and "data/graph.trig" in resources
    formats = {d["encodingFormat"] for d in page_ld["distribution"]}
    assert {"application/zip", "text/csv", "application/json", "application/vnd.sqlite3",
            "application/vnd.apache.parquet", "application/x-stata-dta", "application/x-spss-sav",
            "application/ld+json"} <= formats
    assert f'href="../../{unzipped.name}.zip"' in page and 'href="../SHA256SUMS"' in page


# Words addressed to maintainers, and files of the repository an archive does not hold.
MAINTAINER_WORDS = ("do not edit", "edit by hand", "pytest", "test suite", ".ci/", "tests/", "curation/",
                    ".zenodo.json", "CHANGELOG.md", "RELEASE_NOTES.md", "pyproject.toml", "code under", "MIT License")
FILE_NAME = re.compile(r"`([\w./-]+\.(?:md|ya?ml|json|jsonld|csv|cff|html|svg|png|xlsx|sqlite|parquet|dta|sav)|"
                       r"[\w.-]+(?:/[\w.-]+)*/)`")


def maintainer_words_and_missing_files(unzipped: Path) -> list[tuple[str, str]]:
    """(file, word or name) for every maintainer word in a text file of the archive, and
    every Markdown link or backticked file name of its Markdown files that names no file
    of the archive (or beside it, where the zip and its sums lie)."""
    found = []
    for path in sorted(p for p in unzipped.rglob("*") if p.is_file()):
        rel = path.relative_to(unzipped).as_posix()
        # metadata/ is what validate.py reads, shipped verbatim from the repository that
        # built the release (its comments are for curators); the legal code is CC's own text
        if path.suffix not in {".md", ".html", ".cff", ".json", ".jsonld", ".yaml"} or rel.startswith("metadata/"):
            continue
        text = path.read_text(encoding="utf-8")
        found += [(rel, word) for word in MAINTAINER_WORDS if word.lower() in text.lower()]
        if path.suffix == ".md":
            links = local(re.findall(r"\]\(([^)\s]+)\)", text))
            found += [(rel, link) for link in links if not (path.parent / link).resolve().exists()]
            found += [(rel, name) for name in FILE_NAME.findall(text)
                      if not any((base / name).exists() for base in (unzipped, path.parent, unzipped.parent))]
    return found


def test_the_archive_speaks_to_data_users(unzipped):
    """#26 item 3: no maintainer notes, no code licence, no development CHANGELOG, and no
    link or file name of a file the archive lacks; the data licence and the sources'
    attribution are there."""
    names = {p.relative_to(unzipped).as_posix() for p in unzipped.rglob("*") if p.is_file()}
    assert not names & {"LICENSE", "CHANGELOG.md", "RELEASE_NOTES.md", "pyproject.toml"}
    assert maintainer_words_and_missing_files(unzipped) == []
    assert "Attribution-ShareAlike 4.0" in (unzipped / "LICENSE-DATA.md").read_text()
    readme = (unzipped / "README.md").read_text()
    assert "Wikipedia" in readme and "CC BY-SA 4.0" in readme


def test_a_maintainer_note_or_a_missing_file_in_the_archive_is_caught(unzipped):
    readme = unzipped / "README.md"
    text = readme.read_text()
    readme.write_text(text + "\nGenerated by the build; do not edit by hand. See `metadata/missing.yaml` and "
                             "[the CHANGELOG](CHANGELOG.md).\n")
    try:
        found = maintainer_words_and_missing_files(unzipped)
    finally:
        readme.write_text(text)
    assert found == [("README.md", "do not edit"), ("README.md", "edit by hand"), ("README.md", "CHANGELOG.md"),
                     ("README.md", "CHANGELOG.md"), ("README.md", "metadata/missing.yaml")]


def test_a_link_to_a_missing_file_is_caught(unzipped):
    moved = unzipped / "exports" / "stata" / "events.dta"
    moved.rename(moved.with_suffix(".moved"))
    try:
        missing, _ = unresolved(unzipped)
    finally:
        moved.with_suffix(".moved").rename(moved)
    folder = unzipped.name
    assert sorted(set(missing)) == [(folder, "exports/stata/events.dta"),
                                    (f"{folder}/site", "../exports/stata/events.dta")]


def test_figures_have_alt_text_and_captions(unzipped):
    page = (unzipped / "site" / "index.html").read_text()
    for name in ("timeline", "network"):
        figure = re.search(rf'<figure id="figure-{name}">(.*?)</figure>', page, re.S).group(1)
        alt = re.search(r'alt="([^"]+)"', figure).group(1)
        assert len(alt) > 60 and "<figcaption>" in figure
    assert 'alt="Timeline of 21 dated events from 1977 to 2004' in page
    assert "1983 repeated month by month (5 events)" in page


@pytest.fixture
def committed(tmp_path) -> Path:
    repo = copy_repo(tmp_path / "repo", PACKAGE_PARTS + REPO_FILES)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo


def archive_names(out) -> list[str]:
    with zipfile.ZipFile(out.archive) as zf:
        return [n.split("/", 1)[1] for n in zf.namelist()]


def test_the_archive_holds_only_what_git_tracks(committed):
    (committed / "sources" / "__pycache__").mkdir()
    (committed / "sources" / "__pycache__" / "x.pyc").write_bytes(b"\0compiled")
    (committed / "sources" / "notes.txt").write_text("private notes\n")  # ignored below
    (committed / ".gitignore").write_text((committed / ".gitignore").read_text() + "sources/notes.txt\n")
    git(committed, "commit", "-qam", "ignore notes")
    (committed / "sources" / "draft-article.txt").write_text("an untracked draft\n")
    names = archive_names(dist(committed))
    assert "sources/al-ansar-iraq.txt" in names and "sources/sources.yaml" in names
    assert not [n for n in names if "pycache" in n or "notes" in n or "draft" in n]


def test_a_tracked_link_out_of_the_repository_or_an_unlistable_name_is_refused(committed, tmp_path):
    (tmp_path / "secret.txt").write_text("outside\n")
    (committed / "sources" / "extra.txt").symlink_to(tmp_path / "secret.txt")
    git(committed, "add", "-A")
    git(committed, "commit", "-qm", "a link out")
    with pytest.raises(ReleaseRefused, match=f"sources/extra.txt cannot go into the archive: is a link to "
                                             f"{tmp_path / 'secret.txt'}, outside"):
        dist(committed)
    (committed / "sources" / "extra.txt").unlink()
    (committed / "sources" / "new\nline.txt").write_text("x\n")
    git(committed, "add", "-A")
    git(committed, "commit", "-qm", "a name with a newline")
    with pytest.raises(ReleaseRefused, match="a file name with a line break or backslash cannot be listed"):
        dist(committed)


def test_a_tree_that_is_not_a_recorded_release_never_claims_one(unzipped):
    """#26 item 2: every version field of a development archive names the development
    version; nothing in it says "released"; the recorded versions appear only as what they are."""
    recorded = recorded_releases((ROOT / "CHANGELOG.md").read_text())
    version = unzipped.name.removeprefix("al-ansar-iraq-")
    assert version not in recorded and "-dev+" in version
    assert json.loads((unzipped / "datapackage.json").read_text())["version"] == version
    for rel in ("CITATION.cff", "croissant.json", "dataset.jsonld", "metadata/package.yaml"):
        text = (unzipped / rel).read_text(encoding="utf-8")
        assert version in text, rel
        assert not any(f"ersion: {v}" in text or f'"version": "{v}"' in text for v in recorded), rel
    for rel in ("README.md", "site/index.html", "CHANGES.md"):
        text = (unzipped / rel).read_text(encoding="utf-8")
        assert "not a release" in text and ", released " not in text, rel


def test_development_version(tmp_path):
    from ansar_data.release.release import development_version

    git(tmp_path, "init", "-q")
    (tmp_path / "f").write_text("x\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    commit = git(tmp_path, "rev-parse", "--short=12", "HEAD").strip()
    released = ("# C\n\n## [Unreleased]\n\n## [1.0.0] - 2026-12-02\n\nArchive: `a.zip`, sha256\n`" + "a" * 64
                + "`.\n\n- x\n")
    assert development_version(tmp_path, "1.0.0", released) is None
    unreleased = released.replace("## [Unreleased]\n", "## [Unreleased]\n\n- a change\n")
    assert development_version(tmp_path, "1.0.0", unreleased) == f"1.0.1-dev+g{commit}"
    assert development_version(tmp_path, "2.0.0", unreleased) == f"2.0.0-dev+g{commit}"
    (tmp_path / "f").write_text("changed\n")
    assert development_version(tmp_path, "1.0.0", released) == f"1.0.1-dev+g{commit}.dirty"


def test_every_citation_carries_the_swhid_of_the_unzipped_tables(unzipped):
    """#26 item 1: the identifier swh.model computes from the unzipped archive's data/
    folder is in CITATION.cff, .zenodo.json's twin dataset.jsonld, Croissant, the BibTeX and
    APA of docs/citation.md, the archive's README and the page."""
    import yaml
    from swh.model.from_disk import Directory

    swhid = str(Directory.from_disk(path=str(unzipped / "data").encode(), max_content_length=None).swhid())
    cff = yaml.safe_load((unzipped / "CITATION.cff").read_text())
    assert {"type": "swh", "value": swhid} in [{k: i[k] for k in ("type", "value")} for i in cff["identifiers"]]
    assert swhid in json.loads((unzipped / "dataset.jsonld").read_text())["identifier"]
    assert json.loads((unzipped / "croissant.json").read_text())["sameAs"] == swhid
    citation = (unzipped / "docs" / "citation.md").read_text()
    assert f"Tables: {swhid}." in citation.split("```")[1] and citation.rstrip().endswith(f"Tables: {swhid}")
    assert swhid in (unzipped / "README.md").read_text() and swhid in (unzipped / "site" / "index.html").read_text()


def test_a_homepage_and_doi_given_appear_in_every_citation(inputs):
    from ansar_data.publish import citation, croissant

    meta = {**inputs.package, "homepage": "https://example.org/ansar", "doi": "10.5281/zenodo.1234567",
            "swhid": "swh:1:dir:" + "0" * 40}
    cff = citation.citation_cff(meta, inputs.sources)
    assert "url: https://example.org/ansar" in cff and "doi: 10.5281/zenodo.1234567" in cff
    assert citation.zenodo(meta, inputs.sources)["doi"] == "10.5281/zenodo.1234567"
    ld = citation.json_ld(meta, inputs.sources, [], {"CC-BY-SA-4.0": "x"})
    assert ld["url"] == "https://example.org/ansar" and "https://doi.org/10.5281/zenodo.1234567" in ld["identifier"]
    assert "doi = {10.5281/zenodo.1234567}" in citation.bibtex(meta) and "url = {https://example.org/ansar}" in \
        citation.bibtex(meta)
    assert "https://doi.org/10.5281/zenodo.1234567" in citation.apa(meta)
    resources = json.loads((ROOT / "datapackage.json").read_text())["resources"]
    assert croissant.render(meta, inputs.spec, resources)["url"] == "https://example.org/ansar"
    from ansar_data.release.readme import identity
    assert "- DOI: https://doi.org/10.5281/zenodo.1234567" in identity(meta)
    assert "No home page, DOI or repository URL was given" in identity({**inputs.package, "swhid": "s"})


def test_the_archive_lists_its_record_changes_for_a_machine(unzipped):
    """#39: each record added, removed, changed or renamed since the release before, one row
    each, matching the counts CHANGES.md gives per table."""
    import csv

    with open(unzipped / "CHANGES.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert (unzipped / "CHANGES.csv").read_text(encoding="utf-8").startswith("table,record,change,fields,renamed_to\n")
    assert {r["change"] for r in rows} <= {"added", "removed", "changed", "renamed"}
    changes = (unzipped / "CHANGES.md").read_text()
    section = changes[changes.index("### Changes in the data since"):]
    section = section[:section.index("\n## ")] if "\n## " in section else section
    for table, added, removed, changed in re.findall(
            r"- `(\w+)`: (\d+) added, (\d+) removed, (\d+) field value\(s\) changed", section):
        mine = [r for r in rows if r["table"] == table]
        renamed = sum(r["change"] == "renamed" for r in mine)
        assert sum(r["change"] == "added" for r in mine) + renamed == int(added), table
        assert sum(r["change"] == "removed" for r in mine) + renamed == int(removed), table
        assert sum(len(r["fields"].split()) for r in mine if r["change"] == "changed") == int(changed), table
    assert "[`CHANGES.csv`](CHANGES.csv)" in (unzipped / "README.md").read_text()


def test_a_renamed_record_is_a_rename_not_a_removal_and_an_addition():
    from ansar_data.release.release import changes_csv, diff_records, renames

    old = [{"id": "a", "name": "x", "sources": "s"}, {"id": "b", "name": "y", "sources": "s"}]
    new = [{"id": "a2", "name": "x", "sources": "s t"}, {"id": "c", "name": "z", "sources": "s"}]
    diff = diff_records("t", ["id"], old, new)
    moved = renames(diff, old, new, ["id"])
    assert moved == {"a": "a2"}
    assert changes_csv([diff], {"t": moved}).decode() == (
        "table,record,change,fields,renamed_to\nt,a,renamed,,a2\nt,b,removed,,\nt,c,added,,\n")


def test_no_id_of_a_release_is_reused_for_another_record_later():
    """An id that a release removed never comes back naming another record."""
    from ansar_data.release.release import files_at, read_tables, release_commit

    releases = recorded_releases((ROOT / "CHANGELOG.md").read_text())
    seen: dict[tuple[str, str], dict] = {}
    gone: set[tuple[str, str]] = set()
    ordered = sorted(releases, key=version_key)
    for version in ordered:
        files = files_at(ROOT, release_commit(ROOT, releases[version]))
        tables = read_tables(files, json.loads(files["datapackage.json"]))
        current = {(name, "/".join(r[k] for k in key)): r for name, (key, rows) in tables.items() for r in rows}
        for ident in gone & set(current):
            assert {k: v for k, v in current[ident].items() if k != "sources"} == \
                {k: v for k, v in seen[ident].items() if k != "sources"}, ident
        gone |= set(seen) - set(current)
        seen.update(current)
    assert len(ordered) >= 2


def test_the_archive_readme_s_sparql_example_answers_in_the_archive(unzipped):
    """#41: the README inside the archive asks one question of its graph; it is asked here."""
    from ansar_data.publish import sparql

    (block,) = re.findall(r"```sparql\n(.*?)```", (unzipped / "README.md").read_text(encoding="utf-8"), re.S)
    assert sparql.run(unzipped, block) == (["entity"], [["puk"]])


def test_the_tables_swhid_is_the_one_swh_model_computes():
    """The build hashes data/ as git does, with hashlib; swh.model, which the archive's README
    tells readers to use, must agree, on nested folders and on a file named like a folder."""
    from swh.model.from_disk import Content, Directory

    from ansar_data.publish.citation import data_swhid

    files = {"data/a.csv": b"x\n", "data/a/b.json": b"[]\n", "data/a.b": b"", "data/z/y/x.txt": "é\n".encode(),
             "schemas/a.json": b"{}\n"}
    root = Directory()
    for rel, content in files.items():
        if rel.startswith("data/"):
            *parents, name = rel[5:].split("/")
            node = root
            for part in parents:
                if part.encode() not in node:
                    node[part.encode()] = Directory()
                node = node[part.encode()]
            node[name.encode()] = Content.from_bytes(mode=0o100644, data=content)
    assert data_swhid(files) == str(root.swhid())
    assert data_swhid({}) == "swh:1:dir:4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree

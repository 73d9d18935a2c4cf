"""Releases: one version everywhere, valid citation metadata, byte-identical archives,
checksums that verify, refusals, and a record-level diff in the release notes."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from ansar_data.core.errors import InputError
from ansar_data.publish.build import build
from ansar_data.release.release import (
    ReleaseRefused,
    build_zip,
    changelog_sections,
    diff_records,
    record_release,
    recorded_releases,
    release,
    render_diff,
    stamp_texts,
    version_key,
)
from helpers import PACKAGE_PARTS, REPO_FILES, ROOT, copy_repo, snapshot

TODAY = datetime.date(2026, 11, 21)


def test_one_version_everywhere():
    meta = yaml.safe_load((ROOT / "metadata" / "package.yaml").read_text())
    version = meta["version"]
    assert json.loads((ROOT / "datapackage.json").read_text())["version"] == version
    assert yaml.safe_load((ROOT / "CITATION.cff").read_text())["version"] == version
    assert json.loads((ROOT / ".zenodo.json").read_text())["version"] == version
    assert json.loads((ROOT / "dataset.jsonld").read_text())["version"] == version
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == version
    cite = (ROOT / "docs" / "citation.md").read_text()
    assert f"version = {{{version}}}" in cite
    assert f"(Version {version}) [Data set]" in cite


def test_citation_cff_follows_the_cff_schema():
    schema = json.loads((ROOT / "tests" / "vendor" / "cff-schema-1.2.0.json").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    jsonschema.Draft7Validator(schema).validate(cff)
    assert cff["type"] == "dataset"
    assert cff["license"] == "CC-BY-SA-4.0"
    assert [r["url"] for r in cff["references"]] == [
        "https://en.wikipedia.org/wiki/Al-Ansar_(Iraq)", "https://en.wikipedia.org/wiki/Pasht_Ashan_massacre"]


def test_cff_schema_check_can_fail():
    schema = json.loads((ROOT / "tests" / "vendor" / "cff-schema-1.2.0.json").read_text())
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    del cff["authors"]
    with pytest.raises(jsonschema.ValidationError, match="'authors' is a required property"):
        jsonschema.Draft7Validator(schema).validate(cff)


def test_zenodo_and_schema_org():
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    assert zenodo["upload_type"] == "dataset"
    assert zenodo["license"] == "cc-by-sa-4.0"
    # the articles it derives from, and the tables' SWHID
    assert {r["relation"] for r in zenodo["related_identifiers"]} == {"isDerivedFrom", "hasPart"}
    assert [r["scheme"] for r in zenodo["related_identifiers"] if r["relation"] == "hasPart"] == ["swh"]
    ld = json.loads((ROOT / "dataset.jsonld").read_text())
    assert ld["@type"] == "Dataset"
    assert 50 <= len(ld["description"]) <= 5000
    assert ld["temporalCoverage"] == "1977/2004"
    assert ld["spatialCoverage"]["name"] == "Iraqi Kurdistan"
    assert [b["url"] for b in ld["isBasedOn"]] == [
        "https://en.wikipedia.org/wiki/Al-Ansar_(Iraq)", "https://en.wikipedia.org/wiki/Pasht_Ashan_massacre"]
    formats = {d["contentUrl"]: d["encodingFormat"] for d in ld["distribution"]}
    assert formats["data/events.csv"] == "text/csv"
    assert formats["data/events.json"] == "application/json"


def test_changelog_sections():
    text = "# C\n\n## [Unreleased]\n\n- x\n\n## [0.2.0] - 2026-12-01\n\n- y\n\n## [0.1.0] - 2026-11-21\n\n- z\n"
    assert changelog_sections(text) == {"Unreleased": "- x", "0.2.0": "- y", "0.1.0": "- z"}


def test_diff_records():
    old = [{"id": "a", "v": "1"}, {"id": "b", "v": "2"}]
    new = [{"id": "b", "v": "3"}, {"id": "c", "v": "4"}]
    diff = diff_records("t", ["id"], old, new)
    assert (diff.added, diff.removed) == (["c"], ["a"])
    assert [(c.key, c.field, c.old, c.new) for c in diff.changed] == [("b", "v", "2", "3")]
    text = render_diff([diff], "0.1.0")
    assert "- `t`: 1 added, 1 removed, 1 field value(s) changed" in text
    assert "  - changed `b` v: '2' -> '3'" in text


def test_zip_is_deterministic_across_processes():
    import hashlib
    import io
    import os

    a = build_zip(ROOT, {}, "pkg", TODAY)
    script = ("import datetime, hashlib; from pathlib import Path; from ansar_data.release.release import build_zip; "
              f"print(hashlib.sha256(build_zip(Path({str(ROOT)!r}), {{}}, 'pkg', "
              "datetime.date(2026, 11, 21))).hexdigest())")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "777"}).stdout.strip()
    assert other == hashlib.sha256(a).hexdigest()
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert "pkg/data/events.csv" in names and "pkg/metadata/tables.yaml" in names
    assert "pkg/CHANGELOG.md" not in names
    assert "pkg/docs/citation.md" in names
    assert {i.date_time for i in infos} == {(2026, 11, 21, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def committed_repo(tmp_path_factory):
    """A git checkout of the repository with a 9.0.0 section in its CHANGELOG (one
    breaking change of its own), made once."""
    dest = copy_repo(tmp_path_factory.mktemp("committed") / "repo", PACKAGE_PARTS + REPO_FILES)
    changelog = dest / "CHANGELOG.md"
    changelog.write_text(re.sub(r"## \[Unreleased\]", "## [Unreleased]\n\n## [9.0.0] - 2026-11-21\n\n"
                                "### Breaking\n- `sources.title` -> `sources.name` (this test's own entry)\n",
                                changelog.read_text(), count=1))
    git(dest, "init", "-q")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(dest, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return dest


@pytest.fixture
def repo(committed_repo, tmp_path):
    """Each test's own copy of it (copying is faster than committing again)."""
    return Path(shutil.copytree(committed_repo, tmp_path / "repo", symlinks=True))


def tree(repo):
    """The work tree's files (git's own folder left out: a status refreshes its index)."""
    return {k: v for k, v in snapshot(repo).items() if not k.startswith(".git/")}


def commit(repo, message):
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", message)


def test_release_refuses(repo):
    before = tree(repo)
    steps = []

    def refused(version, match):
        with pytest.raises(ReleaseRefused, match=match):
            release(repo, version, TODAY, on_step=lambda label, seconds: steps.append(label))
    refused("9.0", "is not a version X.Y.Z")
    refused("9.1.0", r"CHANGELOG.md has no section '## \[9.1.0\]'")
    assert tree(repo) == before
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nedit\n")
    refused("9.0.0", "uncommitted changes")
    git(repo, "checkout", "README.md")
    changelog = repo / "CHANGELOG.md"
    text = changelog.read_text()
    changelog.write_text(text.replace("## [Unreleased]\n", "## [Unreleased]\n\n- a change\n", 1))
    commit(repo, "an unreleased entry")
    refused("9.0.0", r"still has entries under '## \[Unreleased\]'")
    changelog.write_text(text.replace("## [0.1.0] - 2026-11-21", "## [0.0.9] - 2026-11-01\n\n- old\n\n"
                                      "## [0.1.0] - 2026-11-21"))
    last = max(recorded_releases(text), key=version_key)
    commit(repo, "an older section")
    refused("0.0.9", f"0.0.9 is not above the last release, {last}, that CHANGELOG.md records")
    meta = repo / "metadata" / "package.yaml"
    stamped = meta.read_text()
    meta.write_text(re.sub(r"^version: .*$", "version: 0.9.0", stamped, count=1, flags=re.M))
    commit(repo, "a tree at another version")
    refused(last, f"CHANGELOG.md records {last} as sha256 [0-9a-f]{{64}}, but this tree is at 0.9.0: "
                  "one version cannot name two archives")
    meta.write_text(stamped)
    commit(repo, "back")
    assert steps == []  # refused before any slow step
    path = repo / "data" / "see_also.csv"
    path.write_text(path.read_text().replace("Toma Tomas", "Toma Thomas"))
    commit(repo, "corrupt")
    refused("9.0.0", "the package does not validate")
    assert steps == ["validate"]
    assert not (repo / "dist").exists()


def test_a_version_cannot_name_two_archives(repo):
    """Re-cutting a recorded release from its own version's tree that builds other bytes
    is refused, after the build and before anything is written."""
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(record_release(changelog.read_text(), "9.0.0", "al-ansar-iraq-9.0.0.zip", "ab" * 32))
    meta = repo / "metadata" / "package.yaml"
    meta.write_text(re.sub(r"^version: .*$", "version: 9.0.0", meta.read_text(), count=1, flags=re.M))
    build(repo)  # the descriptor says 9.0.0 too, as a stamped tree's does
    commit(repo, "a record of 9.0.0 that this tree does not build")
    before = tree(repo)
    with pytest.raises(ReleaseRefused, match=f"CHANGELOG.md records 9.0.0 as sha256 {'ab' * 32}, but this tree "
                                             "builds [0-9a-f]{64}: one version cannot name two archives"):
        release(repo, "9.0.0", TODAY)
    assert tree(repo) == before and not (repo / "dist").exists()


def test_the_changelog_records_releases():
    text = "# C\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n\n- y\n\n## [0.1.0] - 2026-11-21\n\n- z\n"
    recorded = record_release(text, "0.2.0", "p-0.2.0.zip", "c" * 64)
    assert "## [0.2.0] - 2026-12-01\n\nArchive: `p-0.2.0.zip`, sha256\n`" + "c" * 64 + "`.\n\n- y" in recorded
    assert recorded_releases(recorded) == {"0.2.0": "c" * 64}
    assert recorded_releases((ROOT / "CHANGELOG.md").read_text())["0.1.0"].startswith("fa4b71e3")


def test_release_with_bad_input_changes_nothing(repo):
    claims = repo / "curation" / "claims.yaml"
    claims.write_text(claims.read_text().replace("type: allegation", "type: rumour", 1))
    commit(repo, "a bad term")
    before = tree(repo)
    with pytest.raises(InputError, match="'rumour' is not a term of the 'claim_type' vocabulary"):
        release(repo, "9.0.0", TODAY)
    assert tree(repo) == before  # not stamped: the version is written only after every check


@pytest.mark.parametrize("failing", [3, 9, 26])
def test_release_that_fails_late_restores_the_tree(repo, monkeypatch, failing):
    """A rename that fails half-way through putting the release in place (after data/,
    the stamped files or exports/ moved in) leaves no trace of it."""
    import ansar_data.core.outputs as outputs_module

    before = tree(repo)
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(str(dst))
        if len(calls) == failing:
            raise OSError("disk full")
        return real(src, dst)
    monkeypatch.setattr(outputs_module.os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        release(repo, "9.0.0", TODAY)
    assert len(calls) > failing  # the roll back renamed the old entries back
    assert tree(repo) == before
    assert not (repo / "dist").exists() and not (repo / "exports").exists()


def test_cli_release_refusal_exits_1(repo):
    result = subprocess.run([sys.executable, "-m", "ansar_data", "release", "9.1.0", "--root", str(repo)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("release refused, nothing changed: CHANGELOG.md has no section")


def test_a_value_an_export_cannot_hold_refuses_the_release(repo, monkeypatch, capsys):
    import ansar_data.publish.exports as exports_module
    from ansar_data.cli import main

    def too_big(*args, **kwargs):
        raise exports_module.ExportError("sections row 2 field 'char_end': 1152921504606846976 cannot be held")
    monkeypatch.setattr(exports_module, "write_stata_spss", too_big)
    before = tree(repo)
    assert main(["release", "9.0.0", "--root", str(repo)]) == 1
    assert capsys.readouterr().err == ("release refused, nothing changed: sections row 2 field 'char_end': "
                                       "1152921504606846976 cannot be held\n")
    assert tree(repo) == before


def test_release_twice_gives_the_same_archive_and_a_record_diff(repo):
    steps = []
    first = release(repo, "9.0.0", TODAY, on_step=lambda label, seconds: steps.append(label))
    assert steps == ["validate", "read inputs", "build tables", "render", "diff against the previous release",
                     "data changelog", "exports", "archive", "write"]
    meta = yaml.safe_load((repo / "metadata" / "package.yaml").read_text())
    assert (meta["version"], str(meta["released"])) == ("9.0.0", "2026-11-21")
    assert json.loads((repo / "datapackage.json").read_text())["version"] == "9.0.0"
    assert yaml.safe_load((repo / "CITATION.cff").read_text())["date-released"] == "2026-11-21"
    assert recorded_releases((repo / "CHANGELOG.md").read_text())["9.0.0"] == first.sha256
    digest = first.archive.read_bytes()
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=repo / "dist", capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.strip().endswith(": OK")
    notes = first.notes.read_text()
    last = max(recorded_releases((repo / "CHANGELOG.md").read_text()).keys() - {"9.0.0"}, key=version_key)
    assert f"## Changes in the data since {last}" in notes  # found from the CHANGELOG's record, no tag
    with zipfile.ZipFile(first.archive) as zf:
        names, changes = zf.namelist(), zf.read("al-ansar-iraq-9.0.0/CHANGES.md").decode()
    assert "al-ansar-iraq-9.0.0/CHANGELOG.md" not in names and "al-ansar-iraq-9.0.0/LICENSE" not in names
    # the data changelog: this release's breaking column changes and record diff, then each earlier
    # release against the one before it, summarised; none of the development notes
    assert "## 9.0.0 (2026-11-21)\n\n### Breaking\n\n- `sources.title` -> `sources.name`" in changes
    assert "`evidence.table`, `inferences.table`, `disagreements.table` -> `record_table`" in changes  # 2.0.0's
    assert f"### Changes in the data since {last}\n" in changes
    history = changes.split(f"\n## {last} (")[1]
    assert "### Changes in the data since 0.1.0\n" in history and "  - changed `" not in history
    assert "\n## 0.1.0 (2026-11-21)\n\n### Data in this first release (every record is new)\n" in history
    assert "### Added" not in changes and "pytest" not in changes

    assert (repo / "releases" / "9.0.0.SHA256SUMS").read_bytes() == zipfile.ZipFile(first.archive).read(
        "al-ansar-iraq-9.0.0/SHA256SUMS")  # the per-file sums verify reads
    git(repo, "add", "releases")
    commit(repo, "Release 9.0.0")
    again = release(repo, "9.0.0", datetime.date(2027, 1, 1))  # a later day, no tag
    assert again.archive.read_bytes() == digest
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""  # nothing to record again

    events = repo / "curation" / "events.yaml"
    events.write_text(events.read_text().replace(
        "description: The Iraqi government began a crackdown on the communists.",
        "description: The Iraqi government started a crackdown on the communists."))
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace(
        "## [9.0.0]", "## [9.1.0] - 2027-01-02\n\n- Wording.\n\n## [9.0.0]"))
    from ansar_data.publish.build import build
    build(repo)
    commit(repo, "reword")
    second = release(repo, "9.1.0", datetime.date(2027, 1, 2))
    notes = second.notes.read_text()
    assert "## Changes in the data since 9.0.0" in notes
    assert "- `events`: 0 added, 0 removed, 1 field value(s) changed" in notes
    assert ("  - changed `crackdown-1977` description: 'The Iraqi government began a crackdown on the "
            "communists.' -> 'The Iraqi government started a crackdown on the communists.'") in notes
    assert "- `sources`: unchanged" in notes
    assert str(yaml.safe_load((repo / "metadata" / "package.yaml").read_text())["released"]) == "2027-01-02"


def test_repository_url_is_written_only_when_given(inputs):
    from ansar_data.publish import citation

    assert inputs.package["repository"] is None  # none was given; none is invented
    assert "repository-code" not in yaml.safe_load(citation.citation_cff(inputs.package, inputs.sources))
    meta = {**inputs.package, "repository": "https://example.org/al-ansar-data"}
    cff = yaml.safe_load(citation.citation_cff(meta, inputs.sources))
    assert cff["repository-code"] == "https://example.org/al-ansar-data"
    schema = json.loads((ROOT / "tests" / "vendor" / "cff-schema-1.2.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(cff)
    assert citation.json_ld(meta, inputs.sources, [], {"CC-BY-SA-4.0": "x"})["url"] == "https://example.org/al-ansar-data"
    assert {"identifier": "https://example.org/al-ansar-data", "relation": "isSupplementTo", "scheme": "url"} \
        in citation.zenodo(meta, inputs.sources)["related_identifiers"]


@pytest.mark.parametrize("version", sorted(v for v in recorded_releases((ROOT / "CHANGELOG.md").read_text())
                                           if v != "0.1.0"))
def test_every_recorded_release_reproduces(version, reproduced):
    """Rebuilding a release from the commit that recorded its sha256, with that commit's
    code, gives the recorded archive, byte for byte (0.1.0 predates the generated README
    and is left out)."""
    digest = recorded_releases((ROOT / "CHANGELOG.md").read_text())[version]
    made = reproduced(version)
    assert made.module_in_worktree
    assert made.sums == f"{digest}  al-ansar-iraq-{version}.zip\n"
    assert made.status == ""  # the record was there: nothing changed


def test_stamping_reads_and_writes_with_the_yaml_and_toml_libraries():
    texts = {"metadata/package.yaml": "# kept\nname: x\nversion : 1.0.0  # spaced\nreleased:\n",
             "pyproject.toml": '[project]\nname = "x"\nversion="1.0.0"\n'}
    with pytest.raises(ReleaseRefused, match="the stamped files would not build"):
        stamp_texts(texts, "1.0.1", TODAY)  # this package.yaml lacks what the build needs
    meta = (ROOT / "metadata" / "package.yaml").read_text(encoding="utf-8")
    spaced = {"metadata/package.yaml": re.sub(r"^version: ", "version : ", meta, count=1, flags=re.M),
              "pyproject.toml": (ROOT / "pyproject.toml").read_text().replace('version = "', 'version="', 1)}
    stamped = stamp_texts(spaced, "1.0.1", TODAY)
    assert yaml.safe_load(stamped["metadata/package.yaml"])["version"] == "1.0.1"
    assert str(yaml.safe_load(stamped["metadata/package.yaml"])["released"]) == "2026-11-21"
    assert tomllib.loads(stamped["pyproject.toml"])["project"]["version"] == "1.0.1"
    assert stamped["metadata/package.yaml"].count("\n# ") == meta.count("\n# ")  # comments kept


@pytest.mark.parametrize("version, message", [
    ("1234567.0.0", "1234567.0.0 cannot be released: the stamped files would not build"),
    ("1.0", "'1.0' is not a version X.Y.Z"),
])
def test_a_version_the_build_would_refuse_is_refused_first(repo, version, message):
    before = tree(repo)
    with pytest.raises(ReleaseRefused, match=re.escape(message)):
        release(repo, version, TODAY)
    assert tree(repo) == before


@pytest.mark.parametrize("released, message", [
    ("2026-02-30", "'2026-02-30' is not a calendar date"),
    ("1975-05-01", "1975-05-01 is outside 1980-2107, the years a zip archive can date"),
    ("2108-01-01", "2108-01-01 is outside 1980-2107"),
])
def test_an_impossible_release_date_stops_the_build(tmp_path, capsys, released, message):
    root = copy_repo(tmp_path / "pkg", PACKAGE_PARTS)
    meta = root / "metadata" / "package.yaml"
    meta.write_text(re.sub(r"^released: .*$", f"released: {released}", meta.read_text(), count=1, flags=re.M))
    before = snapshot(root)
    from ansar_data import cli
    assert cli.main(["build", "--root", str(root)]) == 2
    assert f"metadata/package.yaml: top level: field 'released': {message}" in capsys.readouterr().err
    assert snapshot(root) == before


def test_changelog_forms(repo):
    text = "# C\n\n## [Unreleased]\n\n## [0.2.0] - 2026-12-01\n- y, straight after the heading\n"
    assert "## [0.2.0] - 2026-12-01\nArchive: `p.zip`, sha256\n`" + "c" * 64 + "`.\n\n- y" in record_release(
        text, "0.2.0", "p.zip", "c" * 64)
    assert changelog_sections("## [1.0.0][1.0.0] - 2017-06-20 [YANKED]\n\nx\n") == {"1.0.0": "x"}
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("## [1.0.0] - 2026-12-02", "## Release 1.0.0", 1))
    commit(repo, "a heading in another form")
    with pytest.raises(ReleaseRefused, match=r"CHANGELOG.md line \d+: '## Release 1.0.0' is not a Keep a Changelog"):
        release(repo, "9.0.0", TODAY)


def test_release_outside_a_git_checkout_is_a_message(tmp_path, capsys):
    root = copy_repo(tmp_path / "pkg", PACKAGE_PARTS + REPO_FILES)
    from ansar_data import cli
    assert cli.main(["release", "9.0.0", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "a release runs in a git checkout of the repository" in err


def test_a_release_killed_before_any_rename_is_undone_by_the_next_release_or_build(repo, tmp_path):
    """As the build's swap test does, for the release's own transaction: killed at every
    step of its swap, the next run restores the exact previous tree (stamped files and
    CHANGELOG.md included), or, killed after the commit, keeps the new one."""
    import functools
    import shutil

    from ansar_data.core import outputs
    from ansar_data.publish.build import OWNED, build
    from ansar_data.release.release import RELEASED, prepare_release
    from helpers import killed_at

    before = tree(repo)
    staged, _, _ = prepare_release(repo, "9.0.0", TODAY)
    steps: list[str] = []
    probe = tmp_path / "probe"
    shutil.copytree(repo, probe, symlinks=True)
    outputs.write_outputs(probe, staged, RELEASED, owned=OWNED, on_step=steps.append)
    released = tree(probe)
    renames = [s for s in steps if s.startswith(("move aside", "move in"))]
    assert len(renames) >= 2 * len(RELEASED) - 6 and steps[-2:] == ["commit", "clean up"]
    for n, step in enumerate(steps):
        root = tmp_path / f"kill-{n}"
        # hard links: the transaction replaces files by renames and never writes into one;
        # without git's folder (over half the files), which neither writes nor the build reads
        shutil.copytree(repo, root, symlinks=True, copy_function=os.link, ignore=shutil.ignore_patterns(".git"))
        killed_at(step, functools.partial(outputs.write_outputs, owned=OWNED), root, staged, RELEASED)
        if n % 7 == 3:  # the whole commands, on a sample of the steps (each takes seconds)
            build(root)
        else:
            with outputs.writing(root, OWNED):
                pass
        expected = released if step == "clean up" else before
        after = {k: v for k, v in tree(root).items() if not k.startswith(".build")}
        assert after == {k: v for k, v in expected.items() if not k.startswith(".build")}, step
    root = tmp_path / f"kill-{steps.index('move in metadata/package.yaml')}"
    shutil.copytree(repo / ".git", root / ".git", copy_function=os.link)  # a release runs in a checkout
    killed_at("move in CHANGELOG.md", functools.partial(outputs.write_outputs, owned=OWNED), root, staged, RELEASED)
    release(root, "9.0.0", TODAY)  # rolls the half-done one back, then releases
    assert {k: v for k, v in tree(root).items() if not k.startswith(".build")} == \
        {k: v for k, v in released.items() if not k.startswith(".build")}


def test_two_releases_at_once_cannot_both_write(repo, capsys):
    from ansar_data import cli
    from ansar_data.core import outputs

    before = tree(repo)
    with outputs.locked(repo):  # the first release, still running
        assert cli.main(["release", "9.0.0", "--root", str(repo)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"could not release, nothing changed: another build or release (pid {os.getpid()}) "
                          f"is writing in {repo}")
    assert {k: v for k, v in tree(repo).items() if k != ".build.lock"} == before


def test_a_changelog_with_crlf_line_ends_is_refused_for_that(repo):
    """#37: a CRLF CHANGELOG matched no heading and was refused as having no section."""
    changelog = repo / "CHANGELOG.md"
    changelog.write_bytes(changelog.read_bytes().replace(b"\n", b"\r\n"))
    commit(repo, "saved on Windows")
    before = tree(repo)
    for command in (["release", "9.0.0"], ["dist"]):
        result = subprocess.run([sys.executable, "-m", "ansar_data", *command, "--root", str(repo)],
                                capture_output=True, text=True)
        assert result.returncode == 1, command
        assert result.stderr.endswith("refused, nothing changed: CHANGELOG.md line 1 ends in CR (a Windows line "
                                      "end): save the file with LF line ends, as every file of the repository\n")
    assert tree(repo) == before


def test_dist_past_a_file_size_limit_is_one_line_and_exit_2(repo):
    """#37: under `ulimit -f`, SQLite's write failed as a traceback."""
    import resource

    before = tree(repo)
    limit = 100 * 1024  # the SQLite export is larger; every file before it is smaller
    result = subprocess.run([sys.executable, "-m", "ansar_data", "dist", "--root", str(repo)], capture_output=True,
                            text=True, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})  # no .pyc cut short by the limit
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(r"could not dist, nothing changed: \S+/exports/al-ansar-iraq\.sqlite: SQLite could not write "
                     r"the export: (disk I/O error|database or disk is full)\n$", result.stderr), result.stderr
    assert tree(repo) == before


def test_the_bibtex_title_keeps_its_capitals_and_the_entry_says_where_the_package_lives(inputs):
    """#39: a style lowercased an unbraced title ("al-ansar", "iraq"); nothing said where
    the package lives."""
    from ansar_data.publish.citation import bibtex

    entry = bibtex(inputs.package)
    assert "  title = {{Al-Ansar (Iraq) and the Pasht Ashan massacre}},\n" in entry
    assert "url = " not in entry  # no address was given to us: none is invented
    meta = {**inputs.package, "repository": "https://example.org/al-ansar", "title": "A & B_c {x} 100%"}
    entry = bibtex(meta)
    assert "  title = {{A \\& B\\_c \\{x\\} 100\\%}},\n" in entry
    assert "  url = {https://example.org/al-ansar},\n" in entry
    assert "  url = {https://example.org/home},\n" in bibtex({**meta, "homepage": "https://example.org/home"})


def test_dist_release_rebuilds_a_past_release_from_the_history_alone(tmp_path, capsys):
    """#39: "check out v2.0.0" failed, since no tag travels with a clone; the commit that
    recorded the release's sha256 in CHANGELOG.md says where it was built."""
    from ansar_data import cli

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-tags", str(ROOT), str(clone))
    assert git(clone, "tag") == ""
    digest = recorded_releases((ROOT / "CHANGELOG.md").read_text())["2.0.0"]
    assert cli.main(["dist", "--release", "2.0.0", "--root", str(clone)]) == 0
    out = capsys.readouterr().out
    assert f"\n{digest}  al-ansar-iraq-2.0.0.zip\n" in out and "the sha256 CHANGELOG.md records" in out
    assert (clone / "dist" / "rebuilt-2.0.0" / "al-ansar-iraq-2.0.0.zip").is_file()
    assert git(clone, "status", "--porcelain") == ""  # dist/ is ignored; nothing else changed
    assert cli.main(["dist", "--release", "9.9.9", "--root", str(clone)]) == 2
    assert "CHANGELOG.md records no release 9.9.9 (recorded: 0.1.0, " in capsys.readouterr().err


def test_every_recorded_release_has_its_record():
    """#39: every release records its commit beside its sums (releases/X.Y.Z.json), so that
    nothing depends on tags; the record agrees with the CHANGELOG and the history."""
    from ansar_data.release.release import check_record, record_path, release_commit

    recorded = recorded_releases((ROOT / "CHANGELOG.md").read_text())
    for version, digest in recorded.items():
        record = json.loads((ROOT / record_path(version)).read_text())
        assert (record["version"], record["sha256"], record["archive"]) == (
            version, digest, f"al-ansar-iraq-{version}.zip")
        assert re.fullmatch(r"swh:1:dir:[0-9a-f]{40}", record["swhid"])
        check_record(ROOT, version, digest, release_commit(ROOT, digest))  # raises when they disagree
    assert sorted(p.stem for p in (ROOT / "releases").glob("*.json")) == sorted(recorded)


def test_a_release_writes_its_record(repo):
    from ansar_data.release.release import record_path

    head = git(repo, "rev-parse", "HEAD").strip()
    out = release(repo, "9.0.0", TODAY)
    record = json.loads((repo / record_path("9.0.0")).read_text())
    assert record["cut_from"] == head and record["released"] == TODAY.isoformat()
    assert record["sha256"] == out.sums.read_text().split()[0]
    assert record["swhid"] in (repo / "CITATION.cff").read_text()

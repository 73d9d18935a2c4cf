"""`verify`: is a folder exactly a recorded release? A hand-edited copy can be valid and
still not be the release; verify finds each edit of #22 item 2 and names the records."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from ansar_data import cli
from ansar_data.check.validate import validate_package
from ansar_data.release.release import sums_path
from helpers import ROOT
from mutations import edit_records, set_where

VERSION = "1.0.0"


@pytest.fixture(scope="module")
def unzipped(reproduced, tmp_path_factory) -> Path:
    """The 1.0.0 archive rebuilt from the commit that recorded it, with that commit's
    code (the rebuild test_every_recorded_release_reproduces checks), unzipped."""
    work = tmp_path_factory.mktemp("verify")
    with zipfile.ZipFile(reproduced(VERSION).archive) as zf:
        zf.extractall(work)
    return work / f"al-ansar-iraq-{VERSION}"


@pytest.fixture
def copy(unzipped, tmp_path) -> Path:
    return Path(shutil.copytree(unzipped, tmp_path / "copy"))


def run_verify(capsys, folder: Path, *args: str) -> tuple[int, str]:
    code = cli.main(["verify", str(folder), "--root", str(ROOT), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_recorded_sums_are_those_the_archive_holds(unzipped):
    assert (ROOT / sums_path(VERSION)).read_bytes() == (unzipped / "SHA256SUMS").read_bytes()


def test_the_unzipped_release_is_identical(unzipped, capsys):
    code, out = run_verify(capsys, unzipped)
    assert (code, out.strip()) == (0, f"identical to {VERSION}: 144 files, each with the sha256 the release "
                                      "recorded")


EDITS = [  # (table, which record, what a hand edit sets, the line verify prints)
    ("relations", {"id": "al-ansar/allied_with/kdp"}, {"predicate": "opposed_to"},
     "relations: record 'al-ansar/allied_with/kdp' predicate: 'allied_with' -> 'opposed_to'"),
    ("event_participants", {"id": "pasht-ashan-massacre/perpetrator/puk"}, {"role": "victim"},
     "event_participants: record 'pasht-ashan-massacre/perpetrator/puk' role: 'perpetrator' -> 'victim'"),
    ("claim_assessments", {"id": "massacre-provoked-allegation/pasht-ashan-massacre"}, {"stance": "reported"},
     "claim_assessments: record 'massacre-provoked-allegation/pasht-ashan-massacre' stance: 'judged_weak' -> "
     "'reported'"),
    ("events", {"id": "pasht-ashan-massacre"}, {"type": "milestone"},
     "events: record 'pasht-ashan-massacre' type: 'massacre' -> 'milestone'"),
]


@pytest.mark.parametrize("table, match, values, named", EDITS, ids=[e[0] for e in EDITS])
def test_a_curator_s_choice_changed_by_hand_is_found_and_named(copy, capsys, table, match, values, named):
    edit_records(table, set_where(match, **values))(copy)  # CSV, JSON twin and hashes, as a careful editor
    code, out = run_verify(capsys, copy)
    assert code == 1
    assert f"changed: data/{table}.csv" in out and f"changed: data/{table}.json" in out
    assert f"  {named}" in out.splitlines()


def test_two_entity_ids_swapped_everywhere_are_found(copy, capsys):
    for path in (copy / "data").glob("*"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\bkdp\b", "\0", text).replace("puk", "kdp").replace("\0", "puk")
        path.write_text(text, encoding="utf-8")
    code, out = run_verify(capsys, copy)
    assert code == 1
    assert "  relations: record 'al-ansar/allied_with/kdp' removed" in out.splitlines()
    assert "  relations: record 'al-ansar/allied_with/puk' added" in out.splitlines()


def test_a_widened_vocabulary_is_a_changed_file(copy, capsys):
    path = copy / "metadata" / "tables.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "      judged_weak: Reports the claim and calls it weak.\n",
        "      judged_weak: Reports the claim and calls it weak.\n      endorsed: Agrees.\n"), encoding="utf-8")
    code, out = run_verify(capsys, copy)
    assert code == 1 and "  changed: metadata/tables.yaml" in out.splitlines()


def test_an_edit_that_still_validates_is_told_apart_from_the_release(copy, capsys):
    """The point of verify: validate.py cannot see this edit (it reports the same as on
    the release: 1.0.0's metadata predates some of today's declarations); verify can."""
    def found(folder):
        return sorted((p.code, p.resource, p.row, p.field) for p in validate_package(folder).problems)
    table, match, values, _ = EDITS[0]
    before = found(copy)
    edit_records(table, set_where(match, **values))(copy)
    assert found(copy) == before
    assert run_verify(capsys, copy)[0] == 1


def test_an_added_or_removed_file(copy, capsys):
    (copy / "notes.txt").write_text("mine\n")
    (copy / "exports" / "al-ansar-iraq.xlsx").unlink()
    code, out = run_verify(capsys, copy)
    assert code == 1
    assert "  extra: notes.txt" in out.splitlines() and "  missing: exports/al-ansar-iraq.xlsx" in out.splitlines()


@pytest.mark.parametrize("args, message", [
    (("--release", "9.9.9"), "CHANGELOG.md records no release 9.9.9"),
])
def test_verify_cannot_run_without_a_record(unzipped, capsys, args, message):
    code, out = run_verify(capsys, unzipped, *args)
    assert code == 2 and message in out and "Traceback" not in out


def test_verify_on_a_file_is_a_message(unzipped, capsys):
    code, out = run_verify(capsys, unzipped / "datapackage.json")
    assert code == 2 and "is not a folder: unzip the release archive and name its folder" in out


# ---- #37: a trust anchor outside the copy, and no traceback on any file ----

@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A full local clone of this repository: its working tree is the user's to edit."""
    target = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    return target


def test_a_sums_file_edited_to_match_a_tampered_copy_is_found(copy, clone, capsys):
    """PUK turned from perpetrator to victim, and the working tree's sums edited to match:
    the sums as committed decide, and the edit is named."""
    table, match, values, line = EDITS[1]
    edit_records(table, set_where(match, **values))(copy)
    sums = clone / sums_path(VERSION)
    original = sums.read_text()
    tampered = "".join(f"{hashlib.sha256((copy / name).read_bytes()).hexdigest()}  {name}\n"
                       for name in (ln.split("  ", 1)[1] for ln in original.splitlines()))
    sums.write_text(tampered)
    try:
        code = cli.main(["verify", str(copy), "--root", str(clone)])
        out = capsys.readouterr().out
    finally:
        sums.write_text(original)
    assert code == 1 and out.startswith(f"NOT {VERSION}:")
    assert line in out
    assert (f"note: {sums_path(VERSION)} in this working tree differs from the one committed in " in out
            and "the committed one was used" in out)


def test_a_shallow_clone_is_refused(unzipped, tmp_path, capsys):
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", ROOT.as_uri(), str(shallow)], check=True,
                   capture_output=True)
    code, out = run_verify(capsys, unzipped, "--root", str(shallow))
    assert code == 2 and "is a shallow clone" in out and "git fetch --unshallow" in out and "Traceback" not in out


def run_verify_at(capsys, folder: Path, root: Path) -> tuple[int, str]:
    code = cli.main(["verify", str(folder), "--root", str(root)])
    out = capsys.readouterr()
    return code, out.out + out.err


MALFORMED = [  # (what, edit of the copy, a line verify prints)
    ("non-UTF-8 CSV", lambda c: (c / "data" / "relations.csv").write_bytes(b"\xff\xfe" + b"x" * 10),
     "  relations: records not compared: not UTF-8"),
    ("ragged CSV", lambda c: (c / "data" / "counts.csv").write_text(
        (c / "data" / "counts.csv").read_text().replace("\n", ",extra\n", 2)),
     "  counts: records not compared: row 3 has another number of cells than the header"),  # the header grew too
    ("renamed key column", lambda c: (c / "data" / "claims.csv").write_text(
        (c / "data" / "claims.csv").read_text().replace("id,", "ident,", 1)),
     "  claims: records not compared: its key column 'id' is not in the header"),
    ("schema not JSON", lambda c: (c / "schemas" / "events.schema.json").write_text("{not json"),
     "  changed: schemas/events.schema.json"),
    ("binary sums file", lambda c: (c / "SHA256SUMS").write_bytes(b"\x00\xff" * 50),
     "  changed: SHA256SUMS"),
    ("FIFO", lambda c: os.mkfifo(c / "data" / "pipe.csv"), "  extra: data/pipe.csv (a FIFO)"),
    ("empty folder", lambda c: (c / "empty").mkdir(), "  extra: empty/ (an empty folder)"),
]


@pytest.mark.parametrize("edit, line", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_file_is_a_finding_not_a_traceback(copy, capsys, edit, line):
    edit(copy)
    code, out = run_verify(capsys, copy)
    assert code == 1 and "Traceback" not in out
    assert line in out.splitlines(), out


def test_the_zip_beside_the_folder_is_checked_too(unzipped, reproduced, tmp_path, capsys):
    folder = Path(shutil.copytree(unzipped, tmp_path / unzipped.name))
    shutil.copyfile(reproduced(VERSION).archive, tmp_path / f"{unzipped.name}.zip")
    code, out = run_verify(capsys, folder)
    assert code == 0 and f"note: {unzipped.name}.zip beside the folder has the recorded sha256" in out
    (tmp_path / f"{unzipped.name}.zip").write_bytes(b"PK not the archive")
    code, out = run_verify(capsys, folder)
    assert code == 0 and f"note: {unzipped.name}.zip beside the folder is not the recorded archive" in out


def test_a_development_build_is_pointed_at_the_release_it_follows(copy, capsys):
    """#39: verify on a development build exited 2 with no hint of --release."""
    descriptor = copy / "datapackage.json"
    text = descriptor.read_text()
    assert f'"version": "{VERSION}"' in text
    descriptor.write_text(text.replace(f'"version": "{VERSION}"', '"version": "1.0.1-dev+gabc123"', 1))
    code, out = run_verify(capsys, copy)
    assert code == 2
    assert ("1.0.1-dev+gabc123 is a development build after 1.0.0: to see what differs from that release, run "
            "verify with --release 1.0.0") in out


def test_stamps_alone_differing_is_told_apart_from_data_differing(copy, capsys):
    """#39: when only version stamps differ, verify never said the data is identical."""
    (copy / "CITATION.cff").write_text((copy / "CITATION.cff").read_text().replace(VERSION, "1.0.1"))
    code, out = run_verify(capsys, copy)
    assert code == 1 and "  changed: CITATION.cff" in out
    assert f"the data (every file of data/, schemas/, sources/) is identical to {VERSION}; only files" in out
    table, match, values, _ = EDITS[0]
    edit_records(table, set_where(match, **values))(copy)
    code, out = run_verify(capsys, copy)
    assert code == 1 and "is identical to" not in out


def test_a_large_table_is_compared_by_its_sum_not_record_by_record(copy, capsys):
    """#37: a 250 MB CSV under the size cap peaked at 7.1 GB when its records were compared;
    over 32 MiB a table's records are not compared, and it says so."""
    from ansar_data.release.verify import MAX_COMPARED_BYTES

    path = copy / "data" / "sections.csv"
    with open(path, "a", encoding="utf-8") as f:
        line = "x," * 50 + "\n"
        f.write(line * (MAX_COMPARED_BYTES // len(line) + 1))
    code, out = run_verify(capsys, copy)
    assert code == 1 and "  changed: data/sections.csv" in out.splitlines()
    assert "  sections: records not compared: over 32 MiB, too large to compare record by record" in out.splitlines()

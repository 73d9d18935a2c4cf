"""Files that lie beside a package and are not what they seem (#22): a link out of the
package, a FIFO, a device, a folder, a file that cannot be read, a lone surrogate. Each
gives a one-line verdict with its exit code, never a traceback or a wait, and leaves
every other file as it was."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from ansar_data import cli
from ansar_data.check.validate import main as validate_main
from ansar_data.core import files
from helpers import ROOT, copy_repo, snapshot

PARTS = ("datapackage.json", "data", "schemas", "sources", "metadata")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "pkg", PARTS)


def verdict(capsys, *args: str) -> tuple[int, str]:
    code = validate_main([*args])
    out = capsys.readouterr()
    return code, (out.out + out.err).strip()


def replace_with(path: Path, make) -> None:
    path.unlink()
    make(path)


def test_a_descriptor_linked_from_outside_is_not_read(pkg, tmp_path, capsys):
    outside = tmp_path / "elsewhere.json"
    outside.write_bytes((pkg / "datapackage.json").read_bytes())
    replace_with(pkg / "datapackage.json", lambda p: p.symlink_to(outside))
    code, out = verdict(capsys, str(pkg))
    assert code == 2
    assert out == f"could not run: {pkg / 'datapackage.json'}: is a link to {outside}, outside {pkg}"


@pytest.mark.parametrize("part", ["sources", "metadata"])
def test_a_folder_of_the_inputs_linked_from_outside_is_not_followed(pkg, tmp_path, capsys, part):
    """#37: sources/ as a link out of the package validated against whatever it pointed at."""
    outside = tmp_path / f"elsewhere-{part}"
    (pkg / part).rename(outside)
    (pkg / part).symlink_to(outside)
    code, out = verdict(capsys, str(pkg))
    assert (code, out) == (2, f"could not run: {pkg / part} is a link, to {outside}: what the package is checked "
                              "against must be a folder inside it")


@pytest.mark.parametrize("rel, where", [("metadata/tables.yaml", "whole file: "),
                                        ("sources/sources.yaml", "whole file: "), ("datapackage.json", "")])
def test_a_fifo_where_a_file_belongs_is_refused_at_once(pkg, capsys, rel, where):
    replace_with(pkg / rel, os.mkfifo)
    code, out = verdict(capsys, str(pkg))
    assert code == 2 and out == f"could not run: {pkg / rel}: {where}is a FIFO, not a regular file", out


def test_a_device_or_a_folder_where_a_file_belongs_is_refused(pkg, capsys):
    # an input file is never read through a link
    replace_with(pkg / "sources" / "sources.yaml", lambda p: p.symlink_to("/dev/zero"))
    code, out = verdict(capsys, str(pkg))
    assert code == 2 and out.endswith("sources.yaml: whole file: is a symbolic link, which is not followed here"), out
    replace_with(pkg / "sources" / "sources.yaml", lambda p: p.mkdir())
    code, out = verdict(capsys, str(pkg))
    assert code == 2 and out.endswith("sources.yaml: whole file: is a folder, not a regular file"), out


def test_a_data_file_that_is_a_fifo_is_reported_not_read(pkg, capsys):
    replace_with(pkg / "data" / "claims.csv", os.mkfifo)
    code, out = verdict(capsys, str(pkg), "--json")
    report = json.loads(out)
    assert code == 1
    assert {"code": "file-refused", "resource": "claims", "field": "path"} in [
        {k: e[k] for k in ("code", "resource", "field")} for e in report["errors"]]


def test_a_file_that_cannot_be_read_is_a_message(pkg, capsys, monkeypatch):
    # As root, permissions do not stop a read; the operating system's answer is simulated.
    real_open = os.open

    def denied(path, flags, *args):
        if str(path).endswith(("claims.tableschema.json", "al-ansar-iraq.txt", "datapackage.json")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)
    monkeypatch.setattr(files.os, "open", denied)
    code, out = verdict(capsys, str(pkg))
    assert code == 2
    assert out == f"could not run: {pkg / 'datapackage.json'}: cannot be read: Permission denied"


def test_a_source_text_or_schema_that_cannot_be_read_is_a_finding(pkg, capsys, monkeypatch):
    real_open = os.open

    def denied(path, flags, *args):
        if str(path).endswith(("claims.tableschema.json", "al-ansar-iraq.txt")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)
    monkeypatch.setattr(files.os, "open", denied)
    code, out = verdict(capsys, str(pkg), "--json")
    found = {(e["code"], e["resource"], e["field"]): e["message"] for e in json.loads(out)["errors"]}
    assert code == 1
    assert found[("file-refused", "claims", "schema")] == "schemas/claims.tableschema.json cannot be read: " \
                                                           "Permission denied"
    assert found[("source-file", "sources", "id")].endswith("al-ansar-iraq.txt cannot be read: Permission denied")


@pytest.mark.parametrize("where", ["title", "resources/0/name"])
def test_a_lone_surrogate_in_the_descriptor_is_refused(pkg, capsys, where):
    path = pkg / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    key = where.rsplit("/", 1)[-1]
    old = f'"{key}": "'
    path.write_text(text.replace(old, old + "\\ud800", 1), encoding="utf-8")
    code, out = verdict(capsys, str(pkg))
    assert code == 2
    assert out == (f"could not run: {path}: not a readable JSON descriptor: a string holds a lone surrogate "
                   f"U+D800, which is not a character")


def test_a_curation_file_that_is_missing_or_not_a_file_stops_the_build(tmp_path, capsys):
    repo = copy_repo(tmp_path / "repo")
    before = snapshot(repo)
    (repo / "curation" / "counts.yaml").rename(repo / "curation" / "count.yaml")
    assert cli.main(["build", "--root", str(repo)]) == 2
    assert capsys.readouterr().err.strip().endswith("curation/counts.yaml: whole file: no such file")
    (repo / "curation" / "count.yaml").rename(repo / "curation" / "counts.yaml")
    for make, reason in ((os.mkfifo, "is a FIFO, not a regular file"),
                         (lambda p: p.mkdir(), "is a folder, not a regular file"),
                         (lambda p: p.symlink_to("/dev/zero"), "is a symbolic link, which is not followed here"),
                         (lambda p: p.symlink_to(tmp_path / "gone.yaml"),
                          "is a symbolic link, which is not followed here")):
        saved = (repo / "curation" / "counts.yaml").read_bytes()
        replace_with(repo / "curation" / "counts.yaml", make)
        assert cli.main(["build", "--root", str(repo)]) == 2
        assert capsys.readouterr().err.strip().endswith(f"curation/counts.yaml: whole file: {reason}")
        path = repo / "curation" / "counts.yaml"
        path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
        path.write_bytes(saved)
    assert snapshot(repo) == before


def test_a_source_linked_from_outside_the_repository_is_not_followed(tmp_path, capsys):
    repo = copy_repo(tmp_path / "repo")
    outside = tmp_path / "al-ansar-iraq.txt"
    outside.write_bytes((ROOT / "sources" / "al-ansar-iraq.txt").read_bytes())
    replace_with(repo / "sources" / "al-ansar-iraq.txt", lambda p: p.symlink_to(outside))
    assert cli.main(["build", "--root", str(repo)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        f"al-ansar-iraq.txt: whole file: is a link to {outside}, outside {repo / 'sources'}")


# ---- the build's own transaction files, as a copied checkout may carry them ----

def build_exit(repo: Path, capsys) -> tuple[int, str]:
    code = cli.main(["build", "--root", str(repo)])
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize("named", ["curation", ".git", "sources/sources.yaml", "../outside"])
def test_a_journal_that_names_what_the_build_does_not_own_deletes_nothing(tmp_path, capsys, named):
    repo = copy_repo(tmp_path / "repo", ("datapackage.json", "data", "schemas", "sources", "metadata", "curation",
                                         "docs", "site"))
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".build-x").mkdir()
    journal = {"staging": ".build-x", "entries": [{"path": named, "existed": False}]}
    (repo / ".build-journal.json").write_text(json.dumps(journal))
    before = snapshot(repo)
    code, err = build_exit(repo, capsys)
    assert code == 2 and "Traceback" not in err
    assert "the journal names a path that is not an output of the build or release" in err
    assert snapshot(repo) == before


def test_transaction_files_that_are_links_are_not_written_through(tmp_path, capsys):
    repo = copy_repo(tmp_path / "repo", ("datapackage.json", "data", "schemas", "sources", "metadata", "curation",
                                         "docs", "site"))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (repo / ".build.lock").symlink_to(victim)
    code, err = build_exit(repo, capsys)
    assert code == 2 and err == (f"could not build, nothing changed: {repo / '.build.lock'}: not a regular file "
                                 "(Too many levels of symbolic links); a build writes its lock and journal only as "
                                 "plain files: remove it, then run again")
    (repo / ".build.lock").unlink()
    (repo / ".build-journal.json.tmp").symlink_to(victim)
    code, err = build_exit(repo, capsys)
    assert code == 0, err
    assert victim.read_text() == "keep me\n" and not (repo / ".build-journal.json.tmp").exists()


def test_a_lock_that_is_a_folder_is_a_message(tmp_path, capsys):
    repo = copy_repo(tmp_path / "repo", ("datapackage.json", "data", "schemas", "sources", "metadata", "curation",
                                         "docs", "site"))
    (repo / ".build.lock").mkdir()
    code, err = build_exit(repo, capsys)
    assert code == 2 and err == (f"could not build, nothing changed: {repo / '.build.lock'}: not a regular file "
                                 "(Is a directory); a build writes its lock and journal only as plain files: "
                                 "remove it, then run again")


def test_a_reader_during_a_swap_gives_no_verdict(tmp_path, monkeypatch):
    from ansar_data.check import checks
    from ansar_data.check.validate import CannotRun, validate_package
    from ansar_data.core import outputs
    from ansar_data.publish import build as build_module

    repo = copy_repo(tmp_path / "repo")
    files = build_module.render(build_module.load_inputs(repo), previous=build_module.previous_files(repo))

    def swap_meanwhile(pkg):
        outputs.write_outputs(repo, files, build_module.GENERATED)
        return iter(())
    monkeypatch.setattr(checks, "CHECKS", (*checks.CHECKS[:5], swap_meanwhile, *checks.CHECKS[5:]))
    monkeypatch.setattr("ansar_data.check.validate.CHECKS", checks.CHECKS)
    with pytest.raises(CannotRun, match="put new outputs in place in .* while they were being read; run this again"):
        validate_package(repo)
    monkeypatch.undo()
    assert validate_package(repo).valid  # and once nothing is swapped, a verdict


# ---- plain operating-system errors: one line naming the path, exit 2, nothing changed ----

@pytest.mark.parametrize("error, reason", [(errno.ENOSPC, "No space left on device"),
                                           (errno.EROFS, "Read-only file system")])
def test_a_full_disk_or_read_only_folder_is_one_line(tmp_path, capsys, monkeypatch, error, reason):
    repo = copy_repo(tmp_path / "repo")
    before = snapshot(repo)
    real = Path.write_bytes

    def fails(self, data):
        if ".build-" in str(self) and self.name == "evidence.csv":
            raise OSError(error, os.strerror(error), str(self))
        return real(self, data)
    monkeypatch.setattr(Path, "write_bytes", fails)
    code, err = build_exit(repo, capsys)
    assert code == 2
    assert err.startswith("could not build, nothing changed: ") and err.endswith(f"data/evidence.csv: {reason}")
    assert "\n" not in err
    assert snapshot(repo) == before


def test_a_file_size_limit_is_one_line(tmp_path):
    import resource
    import subprocess
    import sys

    repo = copy_repo(tmp_path / "repo")
    before = snapshot(repo)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    # no bytecode written under the limit: CPython would replace a .pyc with a short write of it
    result = subprocess.run([sys.executable, "-m", "ansar_data", "build", "--root", str(repo)],
                            capture_output=True, text=True, preexec_fn=limit, cwd=ROOT,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("could not build, nothing changed: ")
    assert result.stderr.strip().endswith("File too large") and "Traceback" not in result.stderr
    assert {k: v for k, v in snapshot(repo).items() if not k.startswith(".build")} == before


@pytest.mark.parametrize("rel", ["data/a.csv", "data/./a.csv", "data//a.csv", "missing/a.csv", "up/a.csv",
                                 "inner/a.csv", "data/../data/a.csv", "out/a.csv", "out/../pkg/data/a.csv"])
def test_resolving_below_the_folder_gives_what_realpath_gives(tmp_path, rel):
    """files.resolve looks only below the package folder; with links there (to a folder
    inside, to one outside) and '..', it must still agree with os.path.realpath."""
    pkg = tmp_path / "pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "data" / "a.csv").write_text("a\n")
    (tmp_path / "elsewhere").mkdir()
    (pkg / "inner").symlink_to(pkg / "data")
    (pkg / "out").symlink_to(tmp_path / "elsewhere")
    (pkg / "up").symlink_to("..")
    path = os.path.join(pkg, rel)
    assert files.resolve(path, pkg) == os.path.realpath(path)
    assert files.resolve(str(tmp_path / "elsewhere" / "b"), pkg) == str(tmp_path / "elsewhere" / "b")


def test_each_descriptor_path_is_resolved_once_per_validation(monkeypatch):
    """The loader and check_paths share one resolution of each path (package.locate)."""
    from collections import Counter

    from ansar_data.check import checks, package

    calls: Counter = Counter()
    real = package.safe_path
    monkeypatch.setattr(package, "safe_path", lambda folder, value: calls.update([value]) or real(folder, value))
    pkg = package.load_package(ROOT)
    assert list(checks.check_paths(pkg)) == []
    assert calls["data/events.csv"] == 1 and calls["schemas/events.schema.json"] == 1
    assert max(calls.values()) == 1
    monkeypatch.undo()
    assert pkg.path("data/events.csv") == ROOT.resolve() / "data" / "events.csv"
    assert pkg.path("../README.md") is None and pkg.path(["data/events.csv"]) is None


def test_a_twin_of_millions_of_numbers_is_not_parsed(tmp_path):
    """#37: a 127 MiB claims.json of `[0,0,...]` peaked at 1.8 GiB: json.loads made every
    number before any limit could be checked. Its elements are counted first, in C."""
    import sys

    from peak import run_measured

    pkg = copy_repo(tmp_path / "pkg", PARTS)
    (pkg / "data" / "claims.json").write_text("[" + "0," * 66_000_000 + "0]\n")
    code, out, _, seconds, peak_mib = run_measured([sys.executable, ROOT / "validate.py", "--json", pkg])
    assert code == 1
    assert ("resource-too-large", "claims_json") in {(e["code"], e["resource"]) for e in json.loads(out)["errors"]}
    assert peak_mib < 1024 and seconds < 30, (peak_mib, seconds)  # it was 1.8 GiB and 15 s


def test_a_csv_of_300_000_rows_of_formula_cells_stays_within_1_gib_and_30_s(tmp_path):
    """#37: a claims.csv of 299,999 rows of formula cells peaked at 1.4 GiB and took 61-77 s.
    Past the report's limit its cell problems are counted, not made; a JSON twin shorter than
    its CSV is read as it is at once, so the shared checks run once."""
    import csv
    import sys

    from peak import run_measured

    pkg = copy_repo(tmp_path / "pkg", PARTS)
    header = (pkg / "data" / "claims.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    with open(pkg / "data" / "claims.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([f'=HYPERLINK("x{i}")'] * len(header) for i in range(299_999))
    code, out, _, seconds, peak_mib = run_measured([sys.executable, ROOT / "validate.py", "--json", pkg])
    report = json.loads(out)
    assert code == 1 and peak_mib < 1024 and seconds < 30, (peak_mib, seconds)
    omitted = {(o["resource"], o["code"]): o["count"] for o in report["omitted"]}
    assert omitted[("claims", "csv-injection")] == 299_999 * len(header) - 10
    assert sum(e["code"] == "csv-injection" and e["resource"] == "claims" for e in report["errors"]) == 10

"""The command line: one subcommand per command with its own options and help, unknown
options refused, exit codes 0/1/2 as the README states, and the right program name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansar_data import cli
from ansar_data.core import rdf
from helpers import ROOT, corrupt_render, read_csv


def run_main(capsys, *argv):
    try:
        code = cli.main(list(map(str, argv)))
    except SystemExit as exc:  # argparse: usage errors and --help
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unknown_option_is_an_error(capsys):
    code, _, err = run_main(capsys, "build", "--no-validate")
    assert code == 2
    assert "unrecognized arguments: --no-validate" in err


def test_no_command_is_an_error(capsys):
    code, _, err = run_main(capsys)
    assert code == 2
    assert "the following arguments are required: COMMAND" in err


def test_validate_takes_a_package_dir_like_validate_py(capsys):
    code, out, _ = run_main(capsys, "validate", ROOT)
    # each table as CSV and JSON twin, rows of every one counted
    tables = list((ROOT / "data").glob("*.csv"))
    rows = sum(len(read_csv(path)) - 1 for path in tables)
    resources = 2 * len(tables) + len(rdf.FILE_RESOURCES)
    assert code == 0 and out.strip() == f"VALID: {resources} resources, {2 * rows} rows checked"
    code, out, _ = run_main(capsys, "validate", ROOT, "--json", "--max-errors", "3")
    assert code == 0 and '"valid": true' in out


def test_validate_help_shows_its_options(capsys):
    code, out, _ = run_main(capsys, "validate", "--help")
    assert code == 0
    assert "--json" in out and "--max-errors N" in out and "PACKAGE" in out.upper()


def test_max_errors_must_be_positive(capsys):
    for value in ("0", "-1"):
        code, _, err = run_main(capsys, "validate", ROOT, "--max-errors", value)
        assert code == 2
        assert "must be a positive whole number" in err


def test_benchmark_flag_is_not_in_user_help(capsys):
    code, out, _ = run_main(capsys, "build", "--help")
    assert code == 0 and "--root" in out
    assert "--tables-only" not in out


def test_validate_of_a_folder_without_package_exits_2(capsys, tmp_path):
    code, _, err = run_main(capsys, "validate", tmp_path)
    assert code == 2 and "no datapackage.json" in err


def test_bad_input_exits_2_and_names_the_file(capsys, repo_copy):
    claims = repo_copy / "curation" / "claims.yaml"
    claims.write_text(claims.read_text().replace("type: allegation", "type: rumour", 1))
    code, _, err = run_main(capsys, "build", "--root", repo_copy)
    assert code == 2
    assert err.startswith("could not build, nothing changed:")
    assert "curation/claims.yaml: record 'massacre-provoked-allegation': field 'type'" in err
    code, _, err = run_main(capsys, "check", "--root", repo_copy)
    assert code == 2 and err.startswith("could not check, nothing changed:")


def test_build_that_does_not_validate_exits_1(capsys, repo_copy, monkeypatch):
    corrupt_render(monkeypatch)
    code, _, err = run_main(capsys, "build", "--root", repo_copy)
    assert code == 1
    assert err.startswith("the new package does not validate, nothing changed:")
    assert "[span-mismatch]" in err


def test_stale_files_exit_1(capsys, repo_copy):
    path = repo_copy / "data" / "claims.csv"
    path.write_text(path.read_text().replace("allegation", "allegations", 1))
    code, out, _ = run_main(capsys, "check", "--root", repo_copy)
    assert code == 1
    assert out.splitlines() == ["stale: data/claims.csv",
                                "1 generated file(s) differ from a fresh build; run the build command"]


@pytest.mark.parametrize("command,prog", [
    ([sys.executable, "-m", "ansar_data"], "python -m ansar_data"),
    ([str(Path(sys.executable).parent / "ansar-data")], "ansar-data"),
])
def test_the_program_names_itself(command, prog):
    if not Path(command[0]).exists():
        pytest.fail(f"{command[0]} is missing: pip install -e . installs it")
    result = subprocess.run([*command, "validate", "--help"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: {prog} validate ")
    # the jsonschema package only explains an invalid input: imported at start-up, it was
    # a quarter of every command's start (jsonschema-rs does the checking)
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "ansar_data.check.checks" in imported and "jsonschema" not in imported


# #39: run from another folder, a command says where to run it (it said "sources/sources.yaml: no such file")
ROOT_HINT = ("is not the repository's root (it has no sources/, metadata/ or curation/); run it in the folder that "
             "has them, or name that folder with --root")


@pytest.mark.parametrize("args, message", [
    (["build"], ROOT_HINT),
    (["check"], ROOT_HINT),
    (["validate"], "no datapackage.json in"),
    (["dist"], ROOT_HINT),
    (["release", "9.0.0"], ROOT_HINT),
    (["verify", "."], ROOT_HINT),
    (["refresh", "al-ansar-iraq", "afile"], ROOT_HINT),
    (["build", "--root", "afile"], "afile is not a folder; run it in the repository's root folder"),
    (["dist", "--root", "afile"], "afile is not a folder"),
    (["release", "9.0.0", "--root", "afile"], "afile is not a folder"),
    (["validate", "afile"], "afile is a file; name the package's folder"),
    (["verify", "afile"], "afile is not a folder: unzip the release archive"),
])
def test_every_command_anywhere_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, args, message):
    """#26 item 6: run from a folder that is not the repository, outside git, or on a file.
    In this process, as `python -m ansar_data` runs cli.main: an exception it lets out
    fails the test as it would print a traceback (test_a_command_s_error_in_a_process
    runs one in a process of its own)."""
    (tmp_path / "afile").write_text("x\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(capsys, *args)
    assert code == 2, (args, err)
    assert "Traceback" not in err and message in err, err


def test_a_command_s_error_in_a_process(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ansar_data", "verify", "afile"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr == ("could not verify, nothing changed: afile is not a folder: "
                             "unzip the release archive and name its folder\n")


def test_validate_datapackage_json_means_its_folder(capsys):
    code, out, _ = run_main(capsys, "validate", ROOT / "datapackage.json")
    assert code == 0 and out.startswith("VALID")


@pytest.mark.parametrize("args", [["dist"], ["verify", "pkg", "--release", "1.0.0"]])
def test_a_fifo_for_the_changelog_is_refused_not_waited_on(tmp_path, args):
    """The release commands read the repository's files through files.read_regular too."""
    import os

    os.mkfifo(tmp_path / "CHANGELOG.md")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "metadata").mkdir()  # a repository's root, as far as the command can tell
    result = subprocess.run([sys.executable, "-m", "ansar_data", *args, "--root", str(tmp_path)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "CHANGELOG.md: is a FIFO, not a regular file" in result.stderr, result.stderr


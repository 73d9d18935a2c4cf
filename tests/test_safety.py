"""The tools cannot damage the data: YAML only through safe_load, validate.py never
writes, and a build that fails or is killed leaves the previous outputs intact."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest

from ansar_data.core import outputs
from ansar_data.publish import build as build_module
from helpers import ROOT, killed_at, snapshot


def test_yaml_is_only_read_with_safe_load():
    import yaml

    from ansar_data.core.yamlfile import SAFE_LOADER

    sources = {p: p.read_text() for p in (ROOT / "src").rglob("*.py")}
    sources.update({p: p.read_text() for p in (ROOT / "tests").rglob("*.py")})
    sources.update({p: p.read_text() for p in (ROOT / "benchmarks").rglob("*.py")})
    del sources[ROOT / "tests" / "test_safety.py"]  # this file names the patterns
    assert len(sources) > 10
    unsafe = [str(p) for p, text in sources.items()
              if re.search(r"yaml\.(unsafe_load|full_load|load_all)\(|Loader=(?!SAFE_LOADER\))", text)
              or (re.search(r"yaml\.load\(", text) and p.name != "yamlfile.py")]
    assert unsafe == []
    # the one loader in use builds only plain data, like yaml.safe_load
    assert issubclass(SAFE_LOADER, yaml.constructor.SafeConstructor)
    assert not issubclass(SAFE_LOADER, yaml.constructor.FullConstructor)
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.load("!!python/object/apply:os.system ['true']", Loader=SAFE_LOADER)


def test_validate_never_writes(repo_copy):
    for path in repo_copy.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = {p: p.stat().st_mtime_ns for p in repo_copy.rglob("*")}
    try:
        result = subprocess.run([sys.executable, str(ROOT / "validate.py"), str(repo_copy)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert {p: p.stat().st_mtime_ns for p in repo_copy.rglob("*")} == before
    finally:
        for path in repo_copy.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_killed_build_leaves_outputs_intact(repo_copy):
    before = snapshot(repo_copy)
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        import ansar_data.publish.build as b
        from ansar_data.core.outputs import write_outputs
        def pause(tmp):
            print("written", flush=True)
            time.sleep(60)
        root = Path({str(repo_copy)!r})
        write_outputs(root, b.render(b.load_inputs(root), previous=b.previous_files(root)), b.GENERATED, pause)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"  # new files are in the temporary folder
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    left = list(repo_copy.glob(".build-*"))
    assert len(left) == 1  # the killed build's temporary folder
    after = {k: v for k, v in snapshot(repo_copy).items() if not k.startswith(".build-")}
    assert after == before
    build_module.build(repo_copy)  # the next build clears it away
    assert list(repo_copy.glob(".build-*")) == []
    assert snapshot(repo_copy) == before


def test_failure_while_swapping_restores_previous_outputs(repo_copy, monkeypatch):
    before = snapshot(repo_copy)
    files = build_module.render(build_module.load_inputs(repo_copy), previous=build_module.previous_files(repo_copy))
    files["data/see_also.csv"] = b"changed\n"
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # after the journal, data/ moved aside and the new data/ moved in
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        outputs.write_outputs(repo_copy, files, build_module.GENERATED)
    monkeypatch.setattr(outputs.os, "replace", real)
    assert snapshot(repo_copy) == before


TOPS = ("data", "schemas", "datapackage.json", "docs/figures", "site")
OLD = {"data/a.csv": b"old a\n", "schemas/a.json": b"{}\n", "datapackage.json": b"old\n",
       "docs/figures/f.svg": b"<svg/>\n", "docs/guide.md": b"hand-written\n"}
NEW = {"data/a.csv": b"new a\n", "data/b.csv": b"new b\n", "schemas/a.json": b"{\"new\": 1}\n",
       "datapackage.json": b"new\n", "docs/figures/f.svg": b"<svg>new</svg>\n", "site/index.html": b"new\n"}


def _old_root(path):
    for rel, content in OLD.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(content)
    return path


def _steps(tmp_path, action):
    steps = []
    action(_old_root(tmp_path / "steps"), steps.append)
    return steps


def test_a_kill_at_every_step_of_the_swap_leaves_old_or_new_outputs(tmp_path):
    old_tree = {**OLD}
    new_tree = {**NEW, "docs/guide.md": b"hand-written\n"}
    steps = _steps(tmp_path, lambda root, hook: outputs.write_outputs(root, NEW, TOPS, on_step=hook))
    assert steps == ["write journal", "move aside data", "move in data", "move aside schemas", "move in schemas",
                     "move aside datapackage.json", "move in datapackage.json", "move aside docs/figures",
                     "move in docs/figures", "move in site", "commit", "clean up"]
    for n, step in enumerate(steps):
        root = _old_root(tmp_path / f"kill-{n}")
        killed_at(step, outputs.write_outputs, root, NEW, TOPS)
        assert outputs.interrupted(root) == (step not in ("write journal", "clean up")), step
        with outputs.locked(root):
            outputs.recover(root, TOPS)
        expected = new_tree if step == "clean up" else old_tree
        after = {k: v for k, v in snapshot(root).items() if not k.startswith(".build-")}
        assert after == expected, step
        # and the next run neither fails nor leaves anything behind
        outputs.write_outputs(root, NEW, TOPS)
        assert snapshot(root) == new_tree, step


def test_a_kill_at_every_step_of_a_roll_back_is_rolled_back_again(tmp_path):
    """Recovery itself can be killed at any of its steps and re-run."""
    swap_steps = ["move in data", "move aside schemas", "move in site", "commit"]
    for n, swap_step in enumerate(swap_steps):
        probe = _old_root(tmp_path / f"probe-{n}")
        killed_at(swap_step, outputs.write_outputs, probe, NEW, TOPS)
        steps = []
        outputs.recover(probe, TOPS, steps.append)
        assert steps[-1] == "end roll back" and len(steps) >= 2
        for m, step in enumerate(steps):
            root = _old_root(tmp_path / f"kill-{n}-{m}")
            killed_at(swap_step, outputs.write_outputs, root, NEW, TOPS)
            killed_at(step, outputs.recover, root, TOPS)
            assert outputs.interrupted(root)
            outputs.write_outputs(root, {}, TOPS)  # the next run rolls back, then writes nothing
            assert snapshot(root) == OLD, (swap_step, step)


def test_a_killed_swap_is_rolled_back_by_the_next_build(repo_copy):
    before = snapshot(repo_copy)
    files = build_module.render(build_module.load_inputs(repo_copy), previous=build_module.previous_files(repo_copy))
    files["data/see_also.csv"] = b"changed\n"
    killed_at("move in site", outputs.write_outputs, repo_copy, files, build_module.GENERATED)
    assert not (repo_copy / "site").exists() and (repo_copy / outputs.JOURNAL).exists()
    for command in (["validate.py", str(repo_copy)], ["-m", "ansar_data", "check", "--root", str(repo_copy)]):
        result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 2, command
        assert "a build was interrupted while swapping its outputs in; run the build command" in result.stderr
    build_module.build(repo_copy)
    assert snapshot(repo_copy) == before


def test_a_second_writer_exits_at_once_and_leaves_the_first_ones_files(repo_copy):
    before = snapshot(repo_copy)
    staging = repo_copy / ".build-first"  # the running build's staging folder
    staging.mkdir()
    (staging / "x").write_bytes(b"half written")
    with outputs.locked(repo_copy):
        result = subprocess.run([sys.executable, "-m", "ansar_data", "build", "--root", str(repo_copy)],
                                capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith(f"could not build, nothing changed: another build or release "
                                    f"(pid {os.getpid()}) is writing in {repo_copy}; wait for it to finish")
    assert "Traceback" not in result.stderr
    assert (staging / "x").read_bytes() == b"half written"
    staging.joinpath("x").unlink()
    staging.rmdir()
    assert snapshot(repo_copy) == before


def test_an_unreadable_journal_is_an_error_not_a_guess(tmp_path, repo_copy):
    root = _old_root(tmp_path / "r")
    (root / outputs.JOURNAL).write_text('{"staging": "../../etc", "entries": []}')
    with pytest.raises(outputs.BadJournal, match="names a path that is not an output of the build or release"):
        outputs.write_outputs(root, NEW, TOPS)
    assert snapshot(root) == {**OLD, outputs.JOURNAL: b'{"staging": "../../etc", "entries": []}'}
    before = snapshot(repo_copy)
    (repo_copy / outputs.JOURNAL).write_text("{not json")
    result = subprocess.run([sys.executable, "-m", "ansar_data", "build", "--root", str(repo_copy)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "cannot read the journal of an interrupted build" in result.stderr
    assert snapshot(repo_copy) == {**before, outputs.JOURNAL: b"{not json"}

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

from ansar_data import build as build_module
from helpers import ROOT, snapshot


def test_yaml_is_only_read_with_safe_load():
    import yaml

    from ansar_data.yamlfile import SAFE_LOADER

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
        import ansar_data.build as b
        def pause(tmp):
            print("written", flush=True)
            time.sleep(60)
        root = Path({str(repo_copy)!r})
        b.write_outputs(root, b.render(b.load_inputs(root), previous=b.previous_files(root)), pause)
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
    files = build_module.render(build_module.load_inputs(repo_copy))
    files["data/see_also.csv"] = b"changed\n"
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 4:  # after data/ moved aside and the new data/ moved in
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(build_module.os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        build_module.write_outputs(repo_copy, files)
    monkeypatch.setattr(build_module.os, "replace", real)
    assert snapshot(repo_copy) == before

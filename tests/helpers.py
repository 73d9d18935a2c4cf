"""Helpers shared by the tests: the repository root, copies of it, and readers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ansar_data.core.outputs import LOCK
from ansar_data.core.tables_io import read_csv_text

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PARTS = ("datapackage.json", "data", "schemas", "sources", "metadata", "curation", "docs",
                 "site", "README.md", "CITATION.cff", ".zenodo.json", "dataset.jsonld", "croissant.json",
                 "annotations.jsonld")
# Beside the package, what dist and release read from a repository.
REPO_FILES = ("CHANGELOG.md", "pyproject.toml", "LICENSE", "LICENSE-DATA.md", "LICENSES", ".gitignore")


def memory_temp_root(mounts: str, free: int, folder: str = "/dev/shm") -> str | None:
    """`folder` when the mount table (`mounts`, as /proc/self/mounts has it) says it is a
    tmpfs with room for the suite's files (about 1 GB at once; `free`: its free bytes)."""
    kinds = {fields[1]: fields[2] for fields in map(str.split, mounts.splitlines()) if len(fields) > 2}
    return folder if kinds.get(folder) == "tmpfs" and free >= 4 * 1024**3 else None


def free_bytes(folder: str) -> int:
    """Bytes this process may write in folder (0 when it cannot write there)."""
    try:
        found = os.statvfs(folder)
    except OSError:
        return 0
    return found.f_bavail * found.f_frsize if os.access(folder, os.W_OK | os.X_OK) else 0


def machine_temp_root() -> str | None:
    """memory_temp_root on this machine: its mount table (a few kB; read up to 1 MiB)
    and the free bytes of /dev/shm."""
    try:
        with open("/proc/self/mounts", encoding="utf-8") as f:
            mounts = f.read(1024 * 1024)
    except OSError:
        return None
    return memory_temp_root(mounts, free_bytes("/dev/shm"))


def copy_repo(dest: Path, parts: tuple[str, ...] = PACKAGE_PARTS) -> Path:
    """A copy of the package and its inputs, to corrupt or rebuild without touching ROOT."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in parts:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


def corrupt_render(monkeypatch) -> None:
    """Make the build render a see_also.csv whose quote no longer matches its source."""
    import ansar_data.publish.build as build_module

    real = build_module.render

    def corrupt(*args, **kwargs):
        files = real(*args, **kwargs)
        folder = kwargs.get("folder")
        if folder is None:  # rendered in memory
            files["data/see_also.csv"] = files["data/see_also.csv"].replace(b"Toma Tomas", b"Toma Thomas")
        else:  # the build's render, which writes the tables into its staging folder
            path = folder / "data" / "see_also.csv"
            path.write_bytes(path.read_bytes().replace(b"Toma Tomas", b"Toma Thomas"))
        return files
    monkeypatch.setattr(build_module, "render", corrupt)


def rows_where(rows, **match):
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root by path, but the writers' lock file (empty or a pid)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != LOCK}


def read_csv(path: Path) -> list[list[str]]:
    """Header and rows of a CSV file, as lists of strings."""
    header, rows = read_csv_text(path.read_text(encoding="utf-8"))
    return [header, *rows]


def all_spans(article):
    yield article.title
    yield article.infobox.header
    for f in article.infobox.fields:
        yield f.key
        yield f.value
    yield from article.lead
    for s in article.sections:
        yield s.heading
        yield from s.paragraphs
        yield from s.list_items


def killed_at(step, function, *args):
    """Run function(*args, on_step=hook) in a forked child that SIGKILLs itself when it
    reaches `step`."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        def hook(name):
            if name == step:
                os.kill(os.getpid(), signal.SIGKILL)
        try:
            function(*args, on_step=hook)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, step


@dataclass(frozen=True)
class Reproduced:
    """A recorded release rebuilt from the commit that recorded its sha256, with that
    commit's code: the archive, the SHA256SUMS it wrote, what `git status` said after
    (nothing, when the record was there), and the file `ansar_data` was imported from."""
    archive: Path
    sums: str
    status: str
    module_in_worktree: bool


def reproduce_release(version: str, work: Path) -> Reproduced:
    """Rebuild `version` as `ansar-data dist --release` does, in a clone of this
    repository (so that ROOT's dist/ is left alone); the archive is kept in `work`."""
    from ansar_data.release.release import rebuild_release

    clone = work / f"clone-{version}"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    rebuilt = rebuild_release(clone, version)
    archive = work / f"al-ansar-iraq-{version}.zip"
    shutil.copyfile(rebuilt.archive, archive)
    return Reproduced(archive, (rebuilt.archive.parent / "SHA256SUMS").read_text(), rebuilt.changed,
                      rebuilt.code == "src/ansar_data/__init__.py")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                          capture_output=True, text=True, check=True).stdout


IN_CI = os.environ.get("CI") == "true"


def need(tool: str, path: str | None) -> str:
    """The tool's path; a clear skip on a developer machine without it, a failure in CI."""
    if path:
        return path
    message = f"{tool} is not installed (CI installs it in .ci/run)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def browser(height: int) -> Iterator[Any]:
    """Headless Chromium through ChromeDriver, offline. Its temporary files (the
    profile's singleton socket, which it leaves behind) go in a folder of their own,
    removed after: a short path, as a socket's must be (108 bytes)."""
    chromium = need("Chromium", shutil.which("chromium"))
    driver_path = need("ChromeDriver", shutil.which("chromedriver"))
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager go online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--window-size=1280,{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with tempfile.TemporaryDirectory(prefix="chromium-") as folder:
        driver = webdriver.Chrome(service=Service(driver_path, env={**os.environ, "TMPDIR": folder}),
                                  options=options)
        try:
            yield driver
        finally:
            driver.quit()

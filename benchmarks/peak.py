"""Wall time and peak memory of a command, each run from a small process of its own.

Linux counts a parent's peak memory in its child's: the child shares the parent's memory
until it runs the command. A command started by a large process (the benchmark, holding a
corpus; a test process, holding a hostile file it just wrote) would be reported with that
process's peak, so a small Python process starts the command and reads its rusage.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.write(f"\\n{time.perf_counter() - start} {os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}\\n")
"""


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[int, str, str, float, float]:
    """Exit code, standard output, standard error, wall seconds and peak resident memory
    (MiB) of command."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *map(str, command)], capture_output=True,
                          text=True, cwd=cwd)
    err, _, figures = done.stderr.rstrip("\n").rpartition("\n")
    if done.returncode != 0 or len(figures.split()) != 3:  # the command could not be started
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]  # the launcher's error, not its traceback
        raise RuntimeError(f"{' '.join(map(str, command))} could not be run: {why}")
    seconds, code, kib = figures.split()
    return int(code), done.stdout, err, float(seconds), int(kib) / 1024

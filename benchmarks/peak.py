"""Wall time and peak memory of a command, each run from a small process of its own.

Linux counts a parent's peak memory in its child's: the child shares the parent's memory
until it runs the command. A command started by a large process (the benchmark, holding a
corpus; a test process, holding a hostile file it just wrote) would be reported with that
process's peak, so a small Python process starts the command and reads its rusage.

A command that shares work with a forked child (validate.py on a large package) holds
more than its largest process: pages the two once shared and then wrote are copied. So
the peak is the larger of the largest process's peak (the kernel's) and the highest sum
of the command's processes' proportional memory (Pss, which counts a shared page once),
sampled every tenth of a second where /proc tells it (less often where a reading takes
longer than a hundredth of a second: the sampler uses at most a tenth of one core).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_LAUNCHER = """
import os, subprocess, sys, threading, time

def tree(pid):
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [q for c in f.read().split() for q in tree(int(c))]
    return found

def pss(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))

def sample(pid, done, high):
    wait = 0.1
    while not done.wait(wait):
        began = time.perf_counter()
        try:
            high[0] = max(high[0], sum(map(pss, tree(pid))))
        except (OSError, StopIteration, ValueError):  # a process came or went; or no /proc
            pass
        # smaps_rollup walks a process's page tables: at gigabytes a reading takes tens of
        # milliseconds, and every tenth of a second took 40% of a core from the command
        # measured. The sampler keeps to a tenth of one core.
        wait = max(0.1, 9 * (time.perf_counter() - began))

start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
done, high = threading.Event(), [0]
threading.Thread(target=sample, args=(proc.pid, done, high), daemon=True).start()
_, status, usage = os.wait4(proc.pid, 0)
done.set()
sys.stderr.write(f"\\n{time.perf_counter() - start} {os.waitstatus_to_exitcode(status)} "
                 f"{max(usage.ru_maxrss, high[0])}\\n")
"""


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[int, str, str, float, float]:
    """Exit code, standard output, standard error, wall seconds and peak memory (MiB, as
    the module says) of command."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *map(str, command)], capture_output=True,
                          text=True, cwd=cwd)
    err, _, figures = done.stderr.rstrip("\n").rpartition("\n")
    if done.returncode != 0 or len(figures.split()) != 3:  # the command could not be started
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]  # the launcher's error, not its traceback
        raise RuntimeError(f"{' '.join(map(str, command))} could not be run: {why}")
    seconds, code, kib = figures.split()
    return int(code), done.stdout, err, float(seconds), int(kib) / 1024

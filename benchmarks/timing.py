"""How long a developer waits: the set-up command's build (which validates the new
package) and validate.py on the package, and the whole test suite.

    python benchmarks/timing.py [--runs 5] [--suite-runs 1] [--out benchmarks/results]

Each command runs in its own process from the repository root, after one warm-up run
(not counted, and allowed to write the modules' bytecode even where PYTHONDONTWRITEBYTECODE
is set); wall seconds are reported as min, median and max. The suite runs as CI
runs it (CI=true: the full Hypothesis example counts). Writes timing.csv and prints a
Markdown table; exits 1 if a median misses its target (COMMANDS: the suite < 60 s, build
then validate.py < 0.5 s).
"""

from __future__ import annotations

import argparse
import csv
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import machine  # beside this script

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
COMMANDS = {  # name -> (command, extra environment, target median seconds)
    "build (validates the new package)": ([PY, "-m", "ansar_data", "build"], {}, None),
    "validate.py": ([PY, "validate.py"], {}, None),
    "build, then validate.py": (["sh", "-c", f"{shlex.quote(PY)} -m ansar_data build && {shlex.quote(PY)} validate.py"],
                                {}, 0.5),
    "test suite": ([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"], {"CI": "true"}, 60.0),
}


def wall(command: list[str], env: dict[str, str], warm_up: bool = False) -> float:
    environ = {**os.environ, **env}
    if warm_up:  # the bytecode of the modules is written once, as on a developer's machine, and read after
        environ.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, env=environ)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout.decode()[-3000:]}")
    return elapsed


def markdown_table(rows: list[dict]) -> str:
    """The README's timing table, from timing.csv's rows (a test keeps the two equal)."""
    lines = ["| command | runs | min | median | max | target |", "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        met = r["met"] in (True, "True")
        target = f"< {r['target_s']} s: {'met' if met else 'MISSED'}" if r["target_s"] else ""
        lines.append(f"| {r['command']} | {r['runs']} | {r['min_s']} s | {r['median_s']} s | {r['max_s']} s | "
                     f"{target} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of build and validate.py")
    parser.add_argument("--suite-runs", type=int, default=1, help="counted runs of the test suite")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    rows, ok = [], True
    for name, (command, env, target) in COMMANDS.items():
        runs = args.suite_runs if name == "test suite" else args.runs
        if name != "test suite":
            wall(command, env, warm_up=True)  # file caches, compiled bytecode
        times = [wall(command, env) for _ in range(runs)]
        median = statistics.median(times)
        met = target is None or median < target
        ok &= met
        rows.append({"command": name, "runs": runs, "min_s": f"{min(times):.2f}", "median_s": f"{median:.2f}",
                     "max_s": f"{max(times):.2f}", "target_s": target or "", "met": "" if target is None else met})
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "timing.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(markdown_table(rows) + "\n" + machine())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""How cost grows: build and validate synthetic corpora of 10 to 10,000 articles.

    python benchmarks/run.py [--sizes 10 100 1000 10000] [--runs 3] [--out benchmarks/results]

--runs rounds (each round every size in turn, on a fresh copy of the inputs, each step
in a fresh process): `python -m ansar_data build --tables-only` (which validates before it
swaps the files in), `python validate.py`, `frictionless validate` alone on the same
output, and the floor: DuckDB only reading every table of it (`benchmarks/floor.py`).
Times are the median over the rounds (sums and ratios taken within a round first), peaks
the highest; and rows per table. One round is not enough on a machine whose speed
drifts. Writes results.csv, results.png and machine.txt to --out, and prints whether the
targets (TARGETS below) hold; exit 1 if one does not:
  10,000 articles: build + validate < 30 s; build and validate.py each < 1 GiB at peak;
  validate.py at most half the time of frictionless alone, and at most 2.5 times
  DuckDB's plain read of the same files;
  10x the articles costs at most 11x the time.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from peak import run_measured  # beside this script

from synth import EXTRACTION_TABLES, corpus, write_package_inputs  # beside this script

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLUMNS = ["articles", "build_s", "build_peak_mib", "validate_s", "validate_peak_mib",
           "frictionless_s", "frictionless_peak_mib", "build_plus_validate_s",
           "validate_over_frictionless", "duckdb_read_s", "validate_over_duckdb",
           *[f"rows_{t}" for t in EXTRACTION_TABLES], "rows_total"]


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command in its own process."""
    code, _, err, seconds, mib = run_measured(command, cwd=REPO)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {err[-2000:]}")
    return seconds, mib


def run_round(folder: Path) -> dict[str, float]:
    """One build, validate.py and frictionless on the inputs in folder."""
    build_s, build_mib = measure([sys.executable, "-m", "ansar_data", "build", "--root", str(folder), "--tables-only"])
    validate_s, validate_mib = measure([sys.executable, str(REPO / "validate.py"), str(folder)])
    fl_s, fl_mib = measure([str(BIN / "frictionless"), "validate", str(folder / "datapackage.json")])
    floor_s, _ = measure([sys.executable, str(REPO / "benchmarks" / "floor.py"), str(folder)])
    return {"build_s": build_s, "build_peak_mib": build_mib, "validate_s": validate_s,
            "validate_peak_mib": validate_mib, "frictionless_s": fl_s, "frictionless_peak_mib": fl_mib,
            "build_plus_validate_s": build_s + validate_s, "validate_over_frictionless": validate_s / fl_s,
            "duckdb_read_s": floor_s, "validate_over_duckdb": validate_s / floor_s}


def run_sizes(sizes: list[int], seed: int, work: Path, runs: int = 1) -> list[dict[str, float]]:
    """Every size once a round, so that each size's median and the growth from one size
    to the next are measured over the same stretch of the machine's time."""
    inputs = {n: write_package_inputs(work / f"inputs-{n}", corpus(n, seed), REPO) for n in sizes}
    rounds: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
    for i in range(runs):
        for n in sizes:
            folder = shutil.copytree(inputs[n], work / f"corpus-{n}-{i}")
            rounds[n].append(run_round(folder))
            print(f"round {i + 1} of {runs}, {n:,} articles: "
                  + ", ".join(f"{k}={v:.2f}" for k, v in rounds[n][-1].items()), flush=True)
            if i < runs - 1:
                shutil.rmtree(folder)
    results = []
    for n in sizes:
        folder = work / f"corpus-{n}-{runs - 1}"
        rows = {f"rows_{t}": sum(1 for _ in open(folder / "data" / f"{t}.csv", encoding="utf-8")) - 1
                for t in EXTRACTION_TABLES}
        results.append({"articles": n, **summary(rounds[n]), **rows, "rows_total": sum(rows.values())})
    return results


def summary(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Each figure over the rounds: a peak the highest, anything else the median."""
    return {key: round(max(r[key] for r in rounds)) if key.endswith("_mib")
            else round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}


# The targets, declared once: check_targets tests them and plot draws the time target.
TARGETS = {"articles": 10_000, "build_plus_validate_s": 30.0, "peak_mib": 1024,
           "validate_over_frictionless": 0.5, "validate_over_duckdb": 2.5, "growth_per_10x": 11.0}


def check_targets(results: list[dict]) -> list[tuple[str, bool]]:
    by_size = {r["articles"]: r for r in results}
    checks = []
    if TARGETS["articles"] in by_size:
        r, n = by_size[TARGETS["articles"]], f"{TARGETS['articles']:,} articles"
        checks.append((f"{n}: build + validate {r['build_plus_validate_s']} s < {TARGETS['build_plus_validate_s']:g} s",
                       r["build_plus_validate_s"] < TARGETS["build_plus_validate_s"]))
        for step in ("build", "validate"):
            peak = r[f"{step}_peak_mib"]
            checks.append((f"{n}: {step} peak memory {peak} MiB < {TARGETS['peak_mib']} MiB",
                           peak < TARGETS["peak_mib"]))
        ratio = r["validate_over_frictionless"]
        checks.append((f"{n}: validate.py / frictionless = {ratio} <= {TARGETS['validate_over_frictionless']}",
                       ratio <= TARGETS["validate_over_frictionless"]))
        if "validate_over_duckdb" in r:  # results written before the floor was measured have none
            floor = r["validate_over_duckdb"]
            checks.append((f"{n}: validate.py / DuckDB's read = {floor} <= {TARGETS['validate_over_duckdb']}",
                           floor <= TARGETS["validate_over_duckdb"]))
    for small, large in zip(results, results[1:]):
        if large["articles"] == 10 * small["articles"]:
            for key in ("build_s", "validate_s"):
                ratio = large[key] / small[key]
                checks.append((f"{key} {small['articles']:,} -> {large['articles']:,} articles: "
                               f"x{ratio:.1f} <= x{TARGETS['growth_per_10x']:g}", ratio <= TARGETS["growth_per_10x"]))
    return checks


def markdown_table(results: list[dict]) -> str:
    """docs/performance.md's table, from results.csv's rows (a test keeps the two equal)."""
    floor = all(r.get("duckdb_read_s") not in (None, "") for r in results)  # older results have no floor
    lines = ["| articles | rows (CSV) | build | build peak | validate.py | validate.py peak | frictionless alone | "
             "validate.py / frictionless | " + ("DuckDB read | validate.py / DuckDB | " if floor else "")
             + "build + validate.py |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " + ("---: | ---: | " if floor else "")
             + "---: |"]
    for r in results:
        lines.append(f"| {int(r['articles']):,} | {int(r['rows_total']):,} | {float(r['build_s']):.2f} s | "
                     f"{int(r['build_peak_mib']):,} MiB | {float(r['validate_s']):.2f} s | "
                     f"{int(r['validate_peak_mib']):,} MiB | {float(r['frictionless_s']):.2f} s | "
                     f"{float(r['validate_over_frictionless']):.2f} | "
                     + (f"{float(r['duckdb_read_s']):.2f} s | {float(r['validate_over_duckdb']):.1f} | "
                        if floor else "")
                     + f"{float(r['build_plus_validate_s']):.2f} s |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next((line.split(":", 1)[1].strip() for line in open("/proc/meminfo")
                if line.startswith("MemTotal")), "?")
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("frictionless", "jsonschema-rs", "pyyaml"))
    return (f"CPU: {cpu}, {os.cpu_count()} cores\nMemory: {mem}\n"
            f"OS: {platform.platform()}\nPython: {platform.python_version()}\nPackages: {versions}\n")


def plot(results: list[dict], path: Path, runs: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["articles"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label in (("build_s", "build (incl. its validation)"), ("validate_s", "validate.py"),
                       ("frictionless_s", "frictionless validate alone"),
                       ("duckdb_read_s", "DuckDB only reading the files (the floor)"),
                       ("build_plus_validate_s", "build + validate.py")):
        ax.plot(sizes, [r[key] for r in results], marker="o", label=label)
    ax.axhline(TARGETS["build_plus_validate_s"], color="red", linestyle="--", linewidth=0.8,
               label=f"target: build + validate.py < {TARGETS['build_plus_validate_s']:g} s at "
                     f"{TARGETS['articles']:,} articles")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("articles")
    ax.set_ylabel("wall time (s)")
    ax.set_title(f"Build and validation time by corpus size\n(median of {runs} rounds, {os.cpu_count()}-core machine)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)  # below: over no line
    ax.grid(True, which="both", linewidth=0.3)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="rounds per size; times are their median")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = run_sizes(sorted(args.sizes), args.seed, Path(tmp), args.runs)
    with open(args.out / "results.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(results)
    (args.out / "machine.txt").write_text(machine(), encoding="utf-8")
    plot(results, args.out / "results.png", args.runs)
    print(markdown_table(results))
    checks = check_targets(results)
    for text, ok in checks:
        print(("PASS " if ok else "MISS ") + text)
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

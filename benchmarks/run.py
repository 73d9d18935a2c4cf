"""How cost grows: build and validate synthetic corpora of 10 to 100,000 articles.

    python benchmarks/run.py [--sizes 10 100 1000 10000] [--runs 3] [--frictionless-up-to 10000]
                             [--out benchmarks/results]

--runs rounds (each round every size in turn, on a fresh copy of the inputs, each step
in a fresh process): `python -m ansar_data build --tables-only` (which validates before it
swaps the files in), `python validate.py`, `frictionless validate` alone on the same
output (only up to --frictionless-up-to articles: above, it takes minutes), and the
floor: DuckDB only reading every table of it (`benchmarks/floor.py`). A peak counts all
of a step's processes (benchmarks/peak.py). A build that fails is recorded as failed,
with its time, its peak, its error's first line and first problem, and the rest of its round skipped.
Times are the median over the rounds (sums and ratios taken within a round first), peaks
the highest; and rows per table. One round is not enough on a machine whose speed
drifts. Writes results.csv, results.png and machine.txt to --out, and prints whether the
targets (TARGETS below) hold; exit 1 if one does not:
  10,000 articles: build + validate < 30 s; build and validate.py each < 1 GiB at peak;
  validate.py at most half the time of frictionless alone, and at most 2.5 times
  DuckDB's plain read of the same files;
  100,000 articles: build + validate < 300 s; build and validate.py each < 1 GiB at peak;
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
from typing import Any

from peak import run_measured  # beside this script

from synth import EXTRACTION_TABLES, corpus, write_package_inputs  # beside this script

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLUMNS = ["articles", "failed", "build_s", "build_peak_mib", "validate_s", "validate_peak_mib",
           "frictionless_s", "frictionless_peak_mib", "build_plus_validate_s",
           "validate_over_frictionless", "duckdb_read_s", "validate_over_duckdb",
           *[f"rows_{t}" for t in EXTRACTION_TABLES], "rows_total"]


class StepFailed(RuntimeError):
    def __init__(self, command: list[str], err: str, seconds: float, mib: float) -> None:
        lines = [line.strip() for line in err.splitlines() if line.strip()]
        super().__init__(f"{' '.join(command)} failed: {err[-2000:]}")
        # what failed (the first line), and why: the report's first problem (`[code] ...`,
        # below its resource's name)
        at = next((i for i, line in enumerate(lines) if i and line.startswith("[")), None)
        why = " ".join(lines[1:3]) if at is None else (
            f"{lines[at - 1]}: {lines[at]}" if at > 1 and not lines[at - 1].startswith("INVALID") else lines[at])
        self.first_line = (" ".join(x for x in lines[:1] + [why] if x) or "no message")[:300]
        self.seconds, self.mib = seconds, mib


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command in its own process."""
    code, _, err, seconds, mib = run_measured(command, cwd=REPO)
    if code != 0:
        raise StepFailed(command, err, seconds, mib)
    return seconds, mib


def run_round(folder: Path, frictionless: bool = True) -> dict[str, Any]:
    """One build, validate.py, frictionless (unless told not to) and the floor on the
    inputs in folder; a failed build is recorded with what it cost."""
    try:
        build_s, build_mib = measure([sys.executable, "-m", "ansar_data", "build", "--root", str(folder),
                                      "--tables-only"])
    except StepFailed as exc:
        return {"failed": f"build: {exc.first_line}", "build_s": exc.seconds, "build_peak_mib": exc.mib}
    validate_s, validate_mib = measure([sys.executable, str(REPO / "validate.py"), str(folder)])
    floor_s, _ = measure([sys.executable, str(REPO / "benchmarks" / "floor.py"), str(folder)])
    out = {"failed": "", "build_s": build_s, "build_peak_mib": build_mib, "validate_s": validate_s,
           "validate_peak_mib": validate_mib, "build_plus_validate_s": build_s + validate_s,
           "duckdb_read_s": floor_s, "validate_over_duckdb": validate_s / floor_s}
    if frictionless:
        fl_s, fl_mib = measure([str(BIN / "frictionless"), "validate", str(folder / "datapackage.json")])
        out.update(frictionless_s=fl_s, frictionless_peak_mib=fl_mib, validate_over_frictionless=validate_s / fl_s)
    return out


def run_sizes(sizes: list[int], seed: int, work: Path, runs: int = 1,
              frictionless_up_to: int = 10_000) -> list[dict[str, Any]]:
    """Every size once a round, so that each size's median and the growth from one size
    to the next are measured over the same stretch of the machine's time."""
    inputs = {n: write_package_inputs(work / f"inputs-{n}", corpus(n, seed), REPO) for n in sizes}
    rounds: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
    for i in range(runs):
        for n in sizes:
            folder = shutil.copytree(inputs[n], work / f"corpus-{n}-{i}")
            rounds[n].append(run_round(folder, frictionless=n <= frictionless_up_to))
            print(f"round {i + 1} of {runs}, {n:,} articles: "
                  + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                              for k, v in rounds[n][-1].items()), flush=True)
            if i < runs - 1:
                shutil.rmtree(folder)
    results = []
    for n in sizes:
        folder = work / f"corpus-{n}-{runs - 1}"
        rows = {f"rows_{t}": sum(1 for _ in open(csv_path, encoding="utf-8")) - 1
                if (csv_path := folder / "data" / f"{t}.csv").exists() else "" for t in EXTRACTION_TABLES}
        total = sum(rows.values()) if all(v != "" for v in rows.values()) else ""
        results.append({"articles": n, **summary(rounds[n]), **rows, "rows_total": total})
    return results


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure over the rounds: a peak the highest, anything else the median; a
    failure of any round is the size's (its figures then only of the rounds that failed)."""
    failed = [r for r in rounds if r["failed"]]
    rounds = failed or rounds
    return {"failed": failed[0]["failed"] if failed else "",
            **{key: round(max(r[key] for r in rounds)) if key.endswith("_mib")
               else round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0] if key != "failed"}}


# The targets, declared once: check_targets tests them and plot draws the time target.
TARGETS = {"articles": 10_000, "build_plus_validate_s": 30.0, "peak_mib": 1024,
           "validate_over_frictionless": 0.5, "validate_over_duckdb": 2.5, "growth_per_10x": 11.0,
           "large_articles": 100_000, "large_build_plus_validate_s": 300.0}


def _given(r: dict, key: str) -> bool:
    return r.get(key) not in (None, "")


def check_targets(results: list[dict]) -> list[tuple[str, bool]]:
    by_size = {int(r["articles"]): r for r in results}
    checks = []
    for size, total in ((TARGETS["articles"], TARGETS["build_plus_validate_s"]),
                        (TARGETS["large_articles"], TARGETS["large_build_plus_validate_s"])):
        if size not in by_size:
            continue
        r, n = by_size[size], f"{size:,} articles"
        if r.get("failed"):
            checks.append((f"{n}: {r['failed']} (after {float(r['build_s']):.2f} s, peak "
                           f"{int(float(r['build_peak_mib'])):,} MiB)", False))
            continue
        checks.append((f"{n}: build + validate {r['build_plus_validate_s']} s < {total:g} s",
                       float(r["build_plus_validate_s"]) < total))
        for step in ("build", "validate"):
            peak = r[f"{step}_peak_mib"]
            checks.append((f"{n}: {step} peak memory {peak} MiB < {TARGETS['peak_mib']} MiB",
                           float(peak) < TARGETS["peak_mib"]))
        if size != TARGETS["articles"]:
            continue
        if _given(r, "validate_over_frictionless"):
            ratio = r["validate_over_frictionless"]
            checks.append((f"{n}: validate.py / frictionless = {ratio} <= {TARGETS['validate_over_frictionless']}",
                           float(ratio) <= TARGETS["validate_over_frictionless"]))
        if _given(r, "validate_over_duckdb"):  # results written before the floor was measured have none
            floor = r["validate_over_duckdb"]
            checks.append((f"{n}: validate.py / DuckDB's read = {floor} <= {TARGETS['validate_over_duckdb']}",
                           float(floor) <= TARGETS["validate_over_duckdb"]))
    for small, large in zip(results, results[1:]):
        if int(large["articles"]) == 10 * int(small["articles"]) and not small.get("failed") \
                and not large.get("failed"):
            for key in ("build_s", "validate_s"):
                ratio = float(large[key]) / float(small[key])
                checks.append((f"{key} {int(small['articles']):,} -> {int(large['articles']):,} articles: "
                               f"x{ratio:.1f} <= x{TARGETS['growth_per_10x']:g}", ratio <= TARGETS["growth_per_10x"]))
    return checks


def markdown_table(results: list[dict]) -> str:
    """docs/performance.md's table, from results.csv's rows (a test keeps the two equal).
    A dash: not measured (frictionless above --frictionless-up-to, any step after a build
    that failed)."""
    floor = any(_given(r, "duckdb_read_s") for r in results)  # older results have no floor

    def fig(r: dict, key: str, form: str) -> str:
        return form.format(float(r[key])) if _given(r, key) else "—"

    lines = ["| articles | rows (CSV) | build | build peak | validate.py | validate.py peak | frictionless alone | "
             "validate.py / frictionless | " + ("DuckDB read | validate.py / DuckDB | " if floor else "")
             + "build + validate.py |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " + ("---: | ---: | " if floor else "")
             + "---: |"]
    for r in results:
        build = fig(r, "build_s", "{:.2f} s") + (" (failed)" if r.get("failed") else "")
        lines.append(f"| {int(r['articles']):,} | {fig(r, 'rows_total', '{:,.0f}')} | {build} | "
                     f"{fig(r, 'build_peak_mib', '{:,.0f} MiB')} | {fig(r, 'validate_s', '{:.2f} s')} | "
                     f"{fig(r, 'validate_peak_mib', '{:,.0f} MiB')} | {fig(r, 'frictionless_s', '{:.2f} s')} | "
                     f"{fig(r, 'validate_over_frictionless', '{:.2f}')} | "
                     + (f"{fig(r, 'duckdb_read_s', '{:.2f} s')} | {fig(r, 'validate_over_duckdb', '{:.1f}')} | "
                        if floor else "")
                     + f"{fig(r, 'build_plus_validate_s', '{:.2f} s')} |")
    failures = [f"- {int(r['articles']):,} articles: {r['failed']}" for r in results if r.get("failed")]
    return "\n".join(lines) + "\n" + ("\nWhat failed:\n\n" + "\n".join(failures) + "\n" if failures else "")


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

    sizes = [int(r["articles"]) for r in results]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label in (("build_s", "build (incl. its validation)"), ("validate_s", "validate.py"),
                       ("frictionless_s", "frictionless validate alone"),
                       ("duckdb_read_s", "DuckDB only reading the files (the floor)"),
                       ("build_plus_validate_s", "build + validate.py")):
        # not measured, or the time of a build that failed (marked apart): no point on the line
        points = [(n, float(r[key])) for n, r in zip(sizes, results) if _given(r, key) and not r.get("failed")]
        if points:
            ax.plot(*zip(*points), marker="o", label=label)
    for n, total in ((TARGETS["articles"], TARGETS["build_plus_validate_s"]),
                     (TARGETS["large_articles"], TARGETS["large_build_plus_validate_s"])):
        if n in sizes:
            ax.plot([n], [total], marker="_", markersize=18, color="red", linestyle="none",
                    label=f"target: build + validate.py < {total:g} s at {n:,} articles")
    for n, r in zip(sizes, results):
        if r.get("failed"):
            ax.plot([n], [float(r["build_s"])], marker="x", markersize=10, color="black", linestyle="none",
                    label=f"the build failed at {n:,} articles (the time it took to fail)")
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
    parser.add_argument("--runs", type=int, default=3, help="rounds per size; times are their median (with "
                        "--replot: the rounds results.csv was measured with, for the figure's title)")
    parser.add_argument("--frictionless-up-to", type=int, default=10_000, metavar="ARTICLES",
                        help="run frictionless only on corpora of at most this many articles (default 10,000)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--replot", action="store_true",
                        help="only draw results.png again from --out's results.csv (no measuring)")
    args = parser.parse_args(argv)
    if args.replot:
        with open(args.out / "results.csv", encoding="utf-8") as f:
            plot(list(csv.DictReader(f)), args.out / "results.png", args.runs)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        results = run_sizes(sorted(args.sizes), args.seed, Path(tmp), args.runs, args.frictionless_up_to)
    with open(args.out / "results.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n", restval="")
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

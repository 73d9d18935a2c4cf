"""Every mutant's whole verdict, to compare two versions of the validator: the exit code
and every problem's (code, resource, row, field), where the mutation suite asserts only
the expected one. A change to how the checks run (another engine, another split of the
work) must leave every verdict as it was:

    python tests/verdicts.py --out before.jsonl      # on the old code
    python tests/verdicts.py --against before.jsonl  # on the new: exit 1 on a difference

Messages are left out: their wording may change; where a problem is, not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: helpers beside it

from mutations import Mutant  # noqa: E402


def verdict(mutant: Mutant) -> dict:
    """One line of the file: which mutant, its exit code and its problems, sorted. Every
    problem, not the first ten of a code that validate.py prints."""
    from test_mutations import run_mutant

    code, errors = run_mutant(mutant)  # validate_package keeps every problem: no --max-errors here
    problems = sorted({(e["code"], e["resource"] or "", e["row"] or 0, e["field"] or "") for e in errors})
    return {"class": mutant.cls, "label": mutant.label, "exit": code, "problems": [list(p) for p in problems]}


def verdicts(mutants: Iterable[Mutant]) -> Iterator[dict]:
    yield verdict(Mutant("none", "unchanged", lambda pkg: None, "none"))
    for mutant in mutants:
        yield verdict(mutant)


def differences(before: list[dict], after: list[dict]) -> list[str]:
    """What changed, mutant by mutant, in words; [] when every verdict is the same."""
    old = {(v["class"], v["label"]): v for v in before}
    new = {(v["class"], v["label"]): v for v in after}
    out = [f"{c} [{label}]: only in the earlier run" for c, label in old.keys() - new.keys()]
    out += [f"{c} [{label}]: only in this run" for c, label in new.keys() - old.keys()]
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        if a["exit"] != b["exit"]:
            out.append(f"{key[0]} [{key[1]}]: exit {a['exit']} before, {b['exit']} now")
        lost = [p for p in a["problems"] if p not in b["problems"]]
        gained = [p for p in b["problems"] if p not in a["problems"]]
        if lost or gained:
            out.append(f"{key[0]} [{key[1]}]: no longer {lost[:3]}; now also {gained[:3]}")
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write every verdict here, a JSON line each")
    parser.add_argument("--against", type=Path, help="compare with a file --out wrote; exit 1 on a difference")
    args = parser.parse_args(argv)
    from test_mutations import mutants

    found = list(verdicts(mutants()))
    if args.out:
        args.out.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in found), encoding="utf-8")
    if args.against:
        before = [json.loads(line) for line in args.against.read_text(encoding="utf-8").splitlines()]
        changed = differences(before, found)
        print("\n".join(changed) if changed else f"the same {len(found)} verdicts")
        return 1 if changed else 0
    print(f"{len(found)} verdicts")
    return 0


if __name__ == "__main__":
    sys.exit(main())

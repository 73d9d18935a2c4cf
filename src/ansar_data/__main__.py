"""Command line: `python -m ansar_data build|check|validate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import BuildFailed, build, load_inputs, render, stale_files
from .errors import InputError
from .parse import ParseError
from .schema import SpecError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ansar_data")
    parser.add_argument("command", choices=["build", "check", "validate", "release"],
                        help="build: regenerate outputs; check: fail if committed outputs "
                             "differ from a fresh build; validate: validate the package; "
                             "release X.Y.Z: cut a release into dist/")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root")
    parser.add_argument("--tables-only", action="store_true",
                        help="build only data/, schemas/ and datapackage.json (for benchmarks)")
    args, rest = parser.parse_known_args(argv)
    if args.command == "release":
        from .release import main as release_main
        if len(rest) != 1:
            parser.error("release takes one version, e.g. `release 0.1.0`")
        return release_main(args.root, rest[0])
    if args.command == "validate":
        from .validate import main as validate_main
        return validate_main([str(args.root), *rest])
    try:
        if args.command == "build":
            files = build(args.root, docs=not args.tables_only)
            print(f"built {len(files)} files")
            return 0
        stale = stale_files(args.root, render(load_inputs(args.root)))
    except (InputError, ParseError, SpecError, BuildFailed) as exc:
        print(f"build failed, nothing written:\n{exc}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"stale: {path}")
    print("generated files are up to date" if not stale else
          f"{len(stale)} generated file(s) differ from a fresh build; run `python -m ansar_data build`")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

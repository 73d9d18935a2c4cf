"""The command line: `ansar-data COMMAND` (or `python -m ansar_data COMMAND`).

    build     regenerate every generated file from the inputs, validated before it is swapped in
    check     fail if the committed generated files differ from a fresh build
    validate  validate a package folder (as validate.py does)
    dist      build the current version's release archive into dist/, without stamping
    release   check, stamp and cut release X.Y.Z into dist/, recording its sha256

Exit codes: 0 success, 1 invalid data (a package or build that does not validate,
stale files, a refused release), 2 could not run (bad usage, unreadable or malformed input).
"""

from __future__ import annotations

import argparse
import datetime
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from ansar_data.check import validate
from ansar_data.core.errors import InputError, SpecError
from ansar_data.core.outputs import BadJournal, Busy, interrupted
from ansar_data.publish import sparql
from ansar_data.publish.build import BuildFailed, build, load_inputs, render, stale_files
from ansar_data.publish.exports import ExportError
from ansar_data.read.parse import ParseError
from ansar_data.release.refresh import refresh
from ansar_data.release.release import ReleaseCannotRun, ReleaseRefused, dist, rebuild_release, release
from ansar_data.release.verify import verify

INPUT_ERRORS = (InputError, ParseError, SpecError)


def _root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")


def parser(prog: str) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=prog, description=(__doc__ or "").split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = commands.add_parser("build", help="regenerate the generated files from the inputs",
                            description="Regenerate data/, schemas/, datapackage.json, docs and "
                                        "citation files from the inputs; the new package is validated "
                                        "before it replaces the old one.")
    _root(p)
    # For the benchmark only: build the package without docs, figures and site.
    p.add_argument("--tables-only", action="store_true", help=argparse.SUPPRESS)
    p = commands.add_parser("check", help="fail if committed generated files differ from a fresh build",
                            description="List generated files whose committed bytes differ from a "
                                        "fresh build (exit 1), or say they are up to date (exit 0).")
    _root(p)
    p = commands.add_parser("validate", help="validate a package folder",
                            description=(validate.__doc__ or "").split("\n\n")[0])
    validate.add_arguments(p)
    p = commands.add_parser("dist", help="build the release archive of the current version into dist/",
                            description="Write exports/ and dist/ (archive, SHA256SUMS, release notes) "
                                        "for the version in metadata/package.yaml, without stamping "
                                        "it and without running the tests. With --release X.Y.Z, rebuild "
                                        "that recorded release from the commit that recorded it, with that "
                                        "commit's code, into dist/rebuilt-X.Y.Z/, and check its sha256 "
                                        "(exit 0 the same, 1 different).")
    p.add_argument("--release", metavar="X.Y.Z", help="rebuild this recorded release instead")
    _root(p)
    p = commands.add_parser("release", help="cut release X.Y.Z into dist/",
                            description="Check, stamp the version and date, rebuild, write dist/ "
                                        "(archive, SHA256SUMS, release notes) and record the "
                                        "archive's sha256 in CHANGELOG.md.")
    p.add_argument("version", metavar="X.Y.Z")
    _root(p)
    p = commands.add_parser("refresh", help="take a new revision of a source article, or say what to review",
                            description="Re-anchor every quote of SOURCE_ID in FILE (a new revision of the "
                                        "article) and say what became of each: kept, moved, changed, ambiguous "
                                        "or gone. If every quote is kept or moved, FILE replaces the snapshot, "
                                        "sources.yaml is updated and the package rebuilt (exit 0); otherwise "
                                        "nothing changes and the review says what to edit (exit 1).")
    p.add_argument("source", metavar="SOURCE_ID")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--revision", type=int, help="the revision id (oldid) of FILE, when known")
    p.add_argument("--retrieved", help="the day FILE was taken, YYYY-MM-DD, when known")
    p.add_argument("--json", action="store_true", help="print the review as JSON")
    _root(p)
    p = commands.add_parser("verify", help="is a folder exactly a recorded release?",
                            description="Compare a folder (an unzipped release archive) with the per-file "
                                        "sha256 sums the repository recorded for the release, and name every "
                                        "record that differs from the release's data. Exit 0: identical; "
                                        "1: it differs; 2: could not run.")
    p.add_argument("folder", type=Path, metavar="DIR", help="the folder to verify")
    p.add_argument("--release", metavar="X.Y.Z", help="the release (default: the version its descriptor names)")
    _root(p)
    p = commands.add_parser("sparql", help="answer a SPARQL query over the package's RDF, without a server",
                            description=(sparql.__doc__ or "").split("\n\n")[0])
    p.add_argument("query", metavar="QUERY-or-FILE", help="a SELECT or ASK query, or a file that holds one")
    p.add_argument("--format", choices=sparql.FORMATS, default="table", help="how to print the answer")
    p.add_argument("--package", type=Path, default=Path("."),
                   help="the package folder (an unzipped release, or the repository root; default: .)")
    return top


def _guarded(what: str, action: Callable[[], int]) -> int:
    """Run a command; a failure is a message and an exit code, never a traceback:
    invalid data 1, could not run 2."""
    try:
        return action()
    except INPUT_ERRORS as exc:
        print(f"could not {what}, nothing changed:\n{exc}", file=sys.stderr)
        return 2
    except (Busy, BadJournal, ReleaseCannotRun) as exc:
        print(f"could not {what}, nothing changed: {exc}", file=sys.stderr)
        return 2
    except BuildFailed as exc:
        print(f"the new package does not validate, nothing changed:\n{exc}", file=sys.stderr)
        return 1
    except (ReleaseRefused, ExportError) as exc:  # ExportError: a value an export format cannot hold
        print(f"{what} refused, nothing changed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a read-only folder, a full disk, a file size limit: outputs roll back
        print(f"could not {what}, nothing changed: {os_error(exc)}", file=sys.stderr)
        return 2


def os_error(exc: OSError) -> str:
    """An operating system's refusal in one line, naming the path."""
    where = exc.filename or ""
    return f"{where}: {exc.strerror}" if where and exc.strerror else str(exc)


def _build(args: argparse.Namespace) -> int:
    built = build(args.root, docs=not args.tables_only)
    print(f"built {len(built.files)} files; validated before they replaced the old ones: "
          f"{built.report.human() if built.report else 'not validated'}")
    return 0


def _check(args: argparse.Namespace) -> int:
    if interrupted(args.root):
        print("could not check: a build was interrupted while swapping its outputs in; "
              "run the build command, which rolls it back first", file=sys.stderr)
        return 2
    stale = stale_files(args.root, render(load_inputs(args.root)))
    for path in stale:
        print(f"stale: {path}")
    print("generated files are up to date" if not stale else
          f"{len(stale)} generated file(s) differ from a fresh build; run the build command")
    return 1 if stale else 0


def _step(label: str, seconds: float) -> None:
    print(f"  {label:<34} {seconds:6.1f} s", flush=True)


def _dist(args: argparse.Namespace) -> int:
    if args.release:
        rebuilt = rebuild_release(args.root, args.release, on_step=_step)
        print(f"{rebuilt.sha256}  {rebuilt.archive.name}")
        if not rebuilt.identical:
            print(f"NOT the recorded release: rebuilt from {rebuilt.commit[:12]} into {rebuilt.archive}, but "
                  f"CHANGELOG.md records sha256 {rebuilt.recorded}", file=sys.stderr)
            return 1
        print(f"rebuilt {args.release} from commit {rebuilt.commit[:12]} into {rebuilt.archive}: the sha256 "
              "CHANGELOG.md records")
        return 0
    out = dist(args.root, on_step=_step)
    print(out.sums.read_text(encoding="utf-8").strip())
    print(f"wrote {out.archive}, {out.sums}, {out.notes}")
    if "-dev+" in out.archive.name:
        print("NOT A RELEASE: this tree is not exactly a recorded release, so the archive and every version in "
              "it carry a development version; cut a release with `release X.Y.Z`")
    return 0


def _release(args: argparse.Namespace) -> int:
    out = release(args.root, args.version, datetime.date.today(), on_step=_step)
    print(out.sums.read_text(encoding="utf-8").strip())
    print(f"wrote {out.archive}, {out.sums}, {out.notes}; CHANGELOG.md records the sha256")
    print("now run:")
    print(f'  git add releases && git commit -am "Release {args.version}" && '
          f'git tag -a v{args.version} -m "Release {args.version}"')
    print(f"  git push && git push origin v{args.version}")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    if args.retrieved is not None:
        try:
            datetime.date.fromisoformat(args.retrieved)
        except ValueError:
            print(f"could not refresh: --retrieved {args.retrieved!r} is not a date YYYY-MM-DD", file=sys.stderr)
            return 2
    review = refresh(args.root, args.source, args.file, args.revision, args.retrieved)
    print(json.dumps(review.as_json(), ensure_ascii=False, indent=2) if args.json else review.human())
    return 0 if review.takes else 1


def _sparql(args: argparse.Namespace) -> int:
    try:
        names, rows = sparql.run(args.package, sparql.query_text(args.query))
    except sparql.QueryFailed as exc:
        print(f"could not answer the query: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(sparql.render(names, rows, args.format))
    return 0


def _verify(args: argparse.Namespace) -> int:
    verdict = verify(args.folder, args.root, args.release)
    print(verdict.human())
    return 0 if verdict.identical else 1


def main(argv: list[str] | None = None, prog: str = "ansar-data") -> int:
    # Past `ulimit -f` the kernel kills a writer with SIGXFSZ; ignored, the write fails
    # with an OSError that is reported and rolled back like any other.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    args = parser(prog).parse_args(argv)
    run = {"build": _build, "check": _check, "validate": validate.run, "dist": _dist, "release": _release,
           "refresh": _refresh, "verify": _verify, "sparql": _sparql}
    root = getattr(args, "root", None)
    if root is not None and not root.is_dir():
        print(f"could not {args.command}: {root} is not a folder; run it in the repository's root folder or name "
              "that folder with --root", file=sys.stderr)
        return 2
    folder = getattr(args, "folder", None)  # verify's own argument is looked at first
    if root is not None and (folder is None or folder.is_dir()) and not any(
            (root / part).is_dir() for part in ("sources", "metadata", "curation")):
        print(f"could not {args.command}: {root.resolve()} is not the repository's root (it has no sources/, "
              "metadata/ or curation/); run it in the folder that has them, or name that folder with --root",
              file=sys.stderr)
        return 2
    return _guarded(args.command, lambda: run[args.command](args))

"""SPARQL without a server: a package's RDF rendering (data/graph.trig) loaded into an
embedded store (pyoxigraph) and queried. The default graph is the union of every graph,
so a query need not name the record graphs it reads; `GRAPH ?g { ... }` still reaches
each one (a record's statements, a claim's attributed content). IRIs in a query resolve
against the graph's base IRI, so `PREFIX events: <vocab/events/>` names the columns of
events."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ansar_data.check.package import MAX_FILE_BYTES
from ansar_data.core.files import MAX_TEXT_BYTES, FileRefused, open_regular, read_text
from ansar_data.core.rdf import GRAPH_PATH

FORMATS = ("table", "csv", "json")


class QueryFailed(Exception):
    """The query could not run: no graph in the folder, or a query the store refuses."""


def query_text(query: str) -> str:
    """The query as given, or the text of the file it names (a regular file of at most
    MAX_TEXT_BYTES, UTF-8; a link, FIFO or device is refused, as every read here does)."""
    path = Path(query)
    if len(query) >= 4096 or "\n" in query or not (path.exists() or path.is_symlink()):
        return query
    try:
        return read_text(path, MAX_TEXT_BYTES)
    except FileRefused as exc:
        raise QueryFailed(f"{path}: {exc.reason}") from None
    except UnicodeDecodeError as exc:
        raise QueryFailed(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def run(package: Path, query: str) -> tuple[list[str], list[list[Any]]]:
    """(variables, rows) of a SELECT; ASK gives [("ask",)] and one row. Terms become
    their values: an IRI as text, a literal as its lexical form."""
    import pyoxigraph  # 0.1 s to import; only this command needs it

    graph = package / GRAPH_PATH
    store = pyoxigraph.Store()
    try:
        with open_regular(graph, MAX_FILE_BYTES, inside=package) as f:
            first = f.readline().decode("utf-8", "replace")  # the graph's @base: a query may use IRIs relative to it
            f.seek(0)
            store.load(input=f, format=pyoxigraph.RdfFormat.TRIG)
    except FileRefused as exc:
        hint = ("; run it in an unzipped package or the repository root (or name that folder with --package)"
                if exc.reason == "no such file" else "")
        raise QueryFailed(f"{graph}: {exc.reason}{hint}") from None
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryFailed(f"{graph}: not readable as TriG: {exc}") from None
    base = first[len("@base <"):-len("> .\n")] if first.startswith("@base <") else None
    try:  # a query can fail as it is parsed or as its solutions are drawn
        results = store.query(query, use_default_graph_as_union=True, base_iri=base)
        if isinstance(results, pyoxigraph.QueryBoolean):
            return ["ask"], [[bool(results)]]
        if not isinstance(results, pyoxigraph.QuerySolutions):
            raise QueryFailed("only SELECT and ASK queries are answered as a table")
        names = [v.value for v in results.variables]
        return names, [[None if s[name] is None else s[name].value for name in names] for s in results]
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryFailed(f"{exc}") from None


def render(names: list[str], rows: list[list[Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(names, r)) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([["" if v is None else v for v in r] for r in rows])
        return out.getvalue()
    shown = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(n), *(len(r[i]) for r in shown)]) for i, n in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(names), line(["-" * w for w in widths]), *map(line, shown),
                      f"({len(rows)} row{'s' if len(rows) != 1 else ''})"]) + "\n"

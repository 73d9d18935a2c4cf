"""Build the package: inputs (sources/, curation/, metadata/) -> every path in
GENERATED: data/, schemas/, datapackage.json (the package) and docs/codebook.md,
docs/citation.md, docs/figures/, site/index.html, CITATION.cff, .zenodo.json and
dataset.jsonld (its documentation).

`render` is pure and returns every generated file as bytes; outputs.write_outputs
puts them in place only after the new package validated there, as one transaction
that a failed or killed build rolls back.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from ansar_data.check.package import MAX_RESOURCE_BYTES, gc_paused
from ansar_data.check.validate import MAX_PER_CHECK, Report, validate_package
from ansar_data.core import rdf
from ansar_data.core.descriptor import package_metadata, table_resources
from ansar_data.core.errors import InputError
from ansar_data.core.files import MAX_TEXT_BYTES, FileRefused, read_regular
from ansar_data.core.outputs import stage_files, write_outputs, writing
from ansar_data.core.rules import cell_problem, column_fits, first_text_problem, spec_texts
from ansar_data.core.schema import Spec, json_schema, load_spec, table_schema
from ansar_data.core.shared import share, share_all
from ansar_data.core.tables_io import columns_of, dump_json, to_csv, to_json
from ansar_data.core.yamlfile import read_input, read_yaml
from ansar_data.curate import annotations, curate
from ansar_data.extract import extract
from ansar_data.publish.citation import data_swhid
from ansar_data.publish.docs import render_docs
from ansar_data.read.parse import ParseError, parse_article
from ansar_data.read.sources import MANY_SOURCE_BYTES, Source, load_sources, read_index, source_bytes

# What the build owns, and what makes each; everything else in the repository is written
# by hand. docs/maintaining.md lists it from here.
GENERATED_BY = {
    "data": "the tables as CSV and JSON twins (extract and curate stages; core.tables_io writes them)",
    "schemas": "a Table Schema and a JSON Schema per table, from metadata/tables.yaml (core.schema)",
    "datapackage.json": "the Data Package descriptor (core.descriptor), with every file's bytes and sha256",
    "docs/codebook.md": "every table, field, vocabulary term and check code (publish.codebook)",
    "docs/citation.md": "BibTeX and APA entries for this version (publish.citation)",
    "docs/figures": "the timeline and the network, PNG and SVG (publish.figures)",
    "site": "the landing page, working offline (publish.site)",
    "CITATION.cff": "the citation file GitHub reads (publish.citation)",
    ".zenodo.json": "the metadata Zenodo reads for a release's DOI (publish.citation)",
    "dataset.jsonld": "the schema.org Dataset record that search engines read (publish.citation)",
    "croissant.json": "the Croissant description of every table (publish.croissant)",
    "annotations.jsonld": "every quote as a W3C Web Annotation (curate.annotations; validate.py derives it again)",
}
GENERATED = tuple(GENERATED_BY)
# What a release stamps, and what dist replaces (dist/ holds only this build).
STAMPED = ("metadata/package.yaml", "pyproject.toml")
DISTRIBUTED = ("exports", "dist")
# Everything a build, dist or release may replace: all a journal left by a killed one
# may name (outputs.write_outputs refuses any other path).
OWNED = (*GENERATED, *STAMPED, "CHANGELOG.md", "releases", *DISTRIBUTED, "sources")  # sources: refresh
Tables = dict[str, list[dict[str, Any]]]
# The check a build or release does not run on what it makes: its rules are its own.
OWN_RULES = ("check_rules",)
# A check that compares a file with what the build renders from the same tables in the
# same process: in the build's own validation it can only agree (validate.py runs it).
OWN_RENDERINGS = ("check_graph",)


@dataclass(frozen=True)
class Inputs:
    spec: Spec
    package: dict[str, Any]
    sources: list[Source]
    key_rules: dict[str, extract.KeyRule]
    curation: curate.Curation
    guide: str = ""  # metadata/codebook_guide.md


# A zip stores times from 1980 to 2107: the release archive cannot carry another date.
ZIP_YEARS = range(1980, 2108)


def check_release_date(value: Any, origin: str) -> datetime.date | None:
    """package.yaml's `released` as a date: a calendar day that a zip can hold."""
    if value in (None, ""):
        return None
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(origin, "top level", "released", f"{value!r} is not a calendar date") from None
    if day.year not in ZIP_YEARS:
        raise InputError(origin, "top level", "released",
                         f"{value} is outside {ZIP_YEARS[0]}-{ZIP_YEARS[-1]}, the years a zip archive can date")
    return day


def load_package_meta(path: Path) -> dict[str, Any]:
    meta = read_yaml(path, shape="package")
    check_release_date(meta.get("released"), str(path))
    try:
        datetime.datetime.fromisoformat(meta["created"])
    except ValueError:
        raise InputError(str(path), "top level", "created",
                         f"{meta['created']!r} is not a real date and time") from None
    if (found := first_text_problem(meta)) is not None:
        keys, problem = found
        raise InputError(str(path), "record " + ".".join(keys[:-1]) if len(keys) > 1 else "top level", keys[-1],
                         problem)
    return meta


def check_spec_texts(spec: Spec) -> None:
    """tables.yaml's titles, descriptions and meanings pass the text rule: they reach the
    codebook, the landing page and the exports."""
    if (found := first_text_problem(spec_texts(spec))) is not None:
        keys, problem = found
        raise InputError(spec.origin, "record " + keys[0], ".".join(keys[1:]), problem)


def load_inputs(root: Path, package: dict[str, Any] | None = None) -> Inputs:
    """Read every input; `package` replaces metadata/package.yaml (a release stamps it)."""
    sources = load_sources(root / "sources")
    if package is None:
        package = load_package_meta(root / "metadata" / "package.yaml")
    texts = {s.id: s.text for s in sources}
    spec = load_spec(root / "metadata" / "tables.yaml")
    check_spec_texts(spec)
    keys_path = root / "metadata" / "infobox_keys.yaml"
    return Inputs(
        spec=spec,
        package=package,
        sources=sources,
        key_rules=extract.key_rules(read_yaml(keys_path, shape="infobox_keys"), str(keys_path),
                                    list(spec.vocabularies["datatype"].terms)),
        curation=curate.load_curation(root / "curation", texts, spec),
        guide=_read_text(root / "metadata" / "codebook_guide.md"),
    )


def _read_text(path: Path) -> str:
    if not path.exists() and not path.is_symlink():
        return ""
    try:
        return read_input(path, MAX_TEXT_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"byte {exc.start}", None, "not valid UTF-8") from exc


def build_tables(inputs: Inputs, shared: bool = False) -> Tables:
    """The tables, from the articles (parsed here) and the curation; `shared`: the
    articles are parsed and their rows extracted in two processes (shared.share), for
    the same tables."""
    tables: Tables = {"sources": [s.row() for s in inputs.sources]}
    parts = _shared_article_rows(inputs, ARTICLE_CHUNKS) if shared else [article_rows(inputs.sources, inputs.key_rules)]
    for name in ARTICLE_TABLES:
        tables[name] = [row for part in parts for row in part[name]]
    tables.update(curate.curated_tables(inputs.spec, inputs.curation, tables))
    return tables


ARTICLE_TABLES = ("sections", "infobox_fields", "infobox_values", "see_also")
# Enough pieces for the two processes to end together, few enough that each one's
# rows are pickled in one go.
ARTICLE_CHUNKS = 8


def article_rows(sources: Sequence[Source], key_rules: dict[str, extract.KeyRule]) -> Tables:
    """The rows of ARTICLE_TABLES that these articles give, in their order; a
    ParseError names the first that cannot be read."""
    out: Tables = {name: [] for name in ARTICLE_TABLES}
    for source in sources:
        article = parse_article(source.text, source.id)
        out["sections"] += extract.section_rows(article)
        out["infobox_fields"] += extract.infobox_field_rows(article, key_rules)
        out["infobox_values"] += extract.infobox_value_rows(article, key_rules)
        out["see_also"] += extract.see_also_rows(article)
    return out


def _shared_article_rows(inputs: Inputs, chunks: int) -> list[Tables]:
    size = max(1, -(-len(inputs.sources) // chunks))
    jobs = [partial(article_rows, inputs.sources[i:i + size], inputs.key_rules)
            for i in range(0, len(inputs.sources), size)]
    try:
        return share_all(jobs)
    except (ParseError, InputError):
        return [job() for job in jobs]  # again in order: the error is the first a single process meets


def _digest(content: bytes) -> dict[str, Any]:
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def _storable(name: str, rows: list[dict[str, Any]], columns: list[list[Any]] | None) -> None:
    """Every value fits a cell (see rules.MAX_CELL_CHARS); curated inputs are checked
    as they are read, this catches what the sources or a derivation produce. `columns`:
    what is written, columns_of the rows (None when a row lacks a field)."""
    if rows and columns is not None and all(map(column_fits, columns)):
        return  # every column at once, in C; one row at a time only to name what does not fit
    for n, row in enumerate(rows, start=1):
        for field_name, value in row.items():
            if (problem := cell_problem(value)) is not None:
                raise InputError(f"data/{name}.csv", f"row {n} ({row.get('id', '')})".replace(" ()", ""),
                                 field_name, f"would hold {problem}")


class _Out:
    """Where render_package puts a file: kept in `files`, or (given a folder) written
    there at once and let go, so that the build never holds every rendered file at once
    (at 10,000 articles they are 270 MB, and the graph's bytes were held twice)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.files: dict[str, bytes] = {}  # kept: every file without a folder, the small ones with it
        self.written: list[str] = []  # written to the folder

    def put(self, rel: str, content: bytes) -> dict[str, Any]:
        """Keep or write a file's bytes; their size and hash."""
        if self.folder is None:
            self.files[rel] = content
        else:
            self._target(rel).write_bytes(content)
        return _digest(content)

    def stream(self, rel: str, pieces: Iterable[str]) -> dict[str, Any]:
        """A file of text made a piece at a time, encoded as UTF-8 as it comes: never
        held whole when written to the folder. Its size and hash."""
        sha, size = hashlib.sha256(), 0
        out: BinaryIO = io.BytesIO() if self.folder is None else open(self._target(rel), "wb")  # noqa: SIM115
        with out:
            for batch in _batches(pieces, 1 << 20):
                data = batch.encode("utf-8")
                sha.update(data)
                size += len(data)
                out.write(data)
            if self.folder is None:
                self.files[rel] = out.getvalue()
        return {"bytes": size, "hash": "sha256:" + sha.hexdigest()}

    def read(self, rel: str) -> bytes:
        return self.files[rel] if self.folder is None else (self.folder / rel).read_bytes()

    def _target(self, rel: str) -> Path:
        assert self.folder is not None
        self.written.append(rel)
        target = self.folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


def _batches(pieces: Iterable[str], size: int) -> Iterator[str]:
    """Pieces of text joined into batches of about `size` characters: a row is a piece."""
    batch: list[str] = []
    held = 0
    for piece in pieces:
        batch.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(batch)
            batch, held = [], 0
    if batch:
        yield "".join(batch)


def render_package(inputs: Inputs, tables: Tables, out: _Out | None = None) -> dict[str, bytes]:
    """data/, schemas/, datapackage.json and annotations.jsonld (the evidence as Web
    Annotations, which validate.py derives again), with the RDF rendering and its SHACL
    shapes (core.rdf), which it derives again too. With `out` writing to a folder, the
    tables and the graph go there as they are made; the rest is returned."""
    out = _Out(None) if out is None else out
    files = out.files
    resources = []
    for table in inputs.spec.tables:
        rows = tables[table.name]
        try:
            columns = columns_of(rows, table.field_names)  # made once, for the check and the CSV
        except KeyError:
            columns = None
        _storable(table.name, rows, columns)
        files[f"schemas/{table.name}.tableschema.json"] = dump_json(table_schema(table, inputs.spec))
        files[f"schemas/{table.name}.schema.json"] = dump_json(json_schema(table, inputs.spec))
        for resource, serialize in zip(table_resources(table), (partial(to_csv, columns=columns), to_json)):
            digest = out.put(resource["path"], serialize(rows, table.field_names))
            if resource["format"] == "json":
                # frictionless 5.21 cannot count a JSON resource's bytes and fails any
                # "bytes" there; validate.py checks the hash of every resource instead.
                digest.pop("bytes")
            resources.append({**resource, **digest})
        del columns
    base = inputs.package["base_iri"]
    graph = out.stream(rdf.GRAPH_PATH, rdf.render_graph(inputs.spec, tables, inputs.sources, base))
    files[rdf.SHAPES_PATH] = rdf.render_shapes(inputs.spec, base).encode("utf-8")
    resources += [{**resource, **(graph if resource["path"] == rdf.GRAPH_PATH else _digest(files[resource["path"]]))}
                  for resource in rdf.FILE_RESOURCES]
    descriptor = {**package_metadata(inputs.package, ((s.title, s.url) for s in inputs.sources)),
                  "resources": resources}
    files["datapackage.json"] = dump_json(descriptor)
    files["annotations.jsonld"] = dump_json(annotations.render(tables["evidence"], inputs.sources,
                                                               inputs.package["title"]))
    return files


def render(inputs: Inputs, tables: Tables | None = None, docs: bool = True,
           previous: Callable[[str], bytes | None] = lambda path: None, folder: Path | None = None) -> dict[str, bytes]:
    """Every generated file, by path relative to the package root; with docs=False only
    the package (what the benchmark measures). With `folder`, the tables and the graph
    are written there as they are made (render_package), and the rest returned."""
    tables = build_tables(inputs) if tables is None else tables
    out = _Out(folder)
    files = render_package(inputs, tables, out)
    if docs:
        resources = json.loads(files["datapackage.json"])["resources"]
        # every citation names the tables by their folder's Software Heritage identifier
        data = {rel: out.read(rel) for rel in sorted({*files, *out.written}) if rel.startswith("data/")}
        meta = {**inputs.package, "swhid": data_swhid(data)}
        del data
        files.update(render_docs(inputs.spec, meta, inputs.sources, tables, resources, previous, inputs.guide))
    return dict(sorted(files.items()))


def previous_files(root: Path) -> Callable[[str], bytes | None]:
    """What a generated path holds now, for reusing figures whose inputs did not change."""
    def read(rel: str) -> bytes | None:
        try:
            return read_regular(root / rel, MAX_RESOURCE_BYTES, inside=root)
        except FileRefused:  # absent, a link out, a FIFO, too large: made anew
            return None
    return read


def stale_files(root: Path, files: dict[str, bytes]) -> list[str]:
    """Generated paths whose committed bytes differ from a fresh build, or that the
    build would not produce."""
    now = previous_files(root)
    stale = [p for p, content in files.items() if now(p) != content]
    for top in GENERATED:
        if (root / top).is_dir():
            for path in sorted((root / top).rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and rel not in files:
                    stale.append(rel)
    return stale


class BuildFailed(RuntimeError):
    """The freshly built package did not validate; nothing was written."""


def validated(inputs_dir: Path, reports: list[Report] | None = None,
              meta: dict[str, Any] | None = None, shared: bool | None = False) -> Callable[[Path], None]:
    """A `check` for outputs.write_outputs: the new package must validate against inputs_dir
    (with every check of validate.py); the report is appended to `reports`. `shared`, as
    validate_package takes it: only a process that did not render may share its checks."""
    def check(tmp: Path) -> None:
        # the rules a build reads are its own: rules-differ is for a copy checked later; and
        # the graph it has just rendered from these tables would only be rendered again
        report = validate_package(tmp, inputs_dir=inputs_dir, max_errors=MAX_PER_CHECK, meta=meta, shared=shared,
                                  skip=(*OWN_RULES, *OWN_RENDERINGS))
        if not report.valid:
            raise BuildFailed(report.human())
        if reports is not None:
            reports.append(report)
    return check


@dataclass(frozen=True)
class Built:
    files: list[str]  # written, relative to the root
    report: Report | None  # the validation of the new package, before it was swapped in


def build(root: Path, validate: bool = True, docs: bool = True, apart: bool | None = None) -> Built:
    """Read, build and write as the one writer in root: a build or release killed
    mid-swap is rolled back before anything is read (its stamped inputs too). `apart`:
    whether a forked child renders and stages the files, sharing the articles' parsing
    with a child of its own (default: from sources.MANY_SOURCE_BYTES); the files are
    the same."""
    with writing(root, OWNED) as lock, gc_paused():
        # A large render in a child of its own: its memory goes back when it exits (a
        # process that rendered 10,000 articles still holds about 550 MiB it freed, and
        # a validation sharing its checks from there would take the two past 1 GiB).
        apart = source_bytes(root / "sources") >= MANY_SOURCE_BYTES if apart is None else apart
        written: list[str] = []

        def stage(staging: Path) -> None:
            render_into = partial(_render_into, root, docs, staging, apart)
            if apart:
                _parse_index_once(root)
                written.extend(share([], render_into)[1])
            else:
                written.extend(render_into())

        reports: list[Report] = []
        check = validated(root, reports, shared=None if apart else False) if validate else None
        write_outputs(root, stage, GENERATED, check, owned=OWNED, lock=lock)
    return Built(written, reports[0] if reports else None)


def _parse_index_once(root: Path) -> None:
    """sources.yaml parsed here, before the child that renders is forked: the child and
    this process's validation then both take it from yamlfile's cache (a second of
    parsing each at 10,000 sources). Whatever is wrong with it, the child says."""
    for folder in {root / "sources", root.resolve() / "sources"}:  # as the build and the validation name it
        with contextlib.suppress(InputError):
            read_index(folder)


def _render_into(root: Path, docs: bool, staging: Path, shared: bool) -> list[str]:
    """Render from root's inputs and write the files into staging; their paths. What
    only the render needs is freed when this returns, before the validation reads."""
    inputs = load_inputs(root)
    files = render(inputs, build_tables(inputs, shared), docs, previous_files(root), folder=staging)
    names = sorted({*files, *(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())})
    stage_files(staging, files)
    return names

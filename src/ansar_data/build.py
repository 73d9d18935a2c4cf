"""Build the package: inputs (sources/, curation/, metadata/, the README's text) ->
every path in GENERATED: data/, schemas/, datapackage.json, docs/codebook.md,
docs/figures/, site/index.html, CITATION.cff, .zenodo.json, dataset.jsonld and the
generated blocks of README.md.

`render` is pure and returns every generated file as bytes; `write_outputs` puts them
in place only after the new package validated, through a temporary folder, so a
failed or interrupted build leaves the previous outputs as they were.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from . import citation, codebook, curate, extract, figures, readme, site
from .errors import InputError
from .parse import Article, parse_article
from .schema import Spec, json_schema, load_spec, table_schema
from .sources import Source, load_sources
from .tables_io import dump_json, to_csv, to_json
from .yamlfile import read_yaml

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# What the build owns; everything else in the repository is written by hand.
GENERATED = ("data", "schemas", "datapackage.json", "docs/codebook.md", "docs/figures", "site",
             "CITATION.cff", ".zenodo.json", "dataset.jsonld", "README.md")
PACKAGE_KEYS = ("name", "title", "description", "version", "released", "created", "licenses",
                "repository", "contributors", "keywords", "attribution", "temporal_coverage",
                "spatial_coverage")


@dataclass(frozen=True)
class Inputs:
    readme: str
    spec: Spec
    package: dict[str, Any]
    sources: list[Source]
    articles: list[Article]
    key_rules: dict[str, extract.KeyRule]
    curation: curate.Curation


def load_inputs(root: Path) -> Inputs:
    sources = load_sources(root / "sources")
    package = read_yaml(root / "metadata" / "package.yaml")
    missing = [k for k in PACKAGE_KEYS if k not in package]
    if missing:
        raise InputError(str(root / "metadata" / "package.yaml"), "top level", missing[0], "missing")
    texts = {s.id: s.text for s in sources}
    spec = load_spec(root / "metadata" / "tables.yaml")
    return Inputs(
        readme=(root / "README.md").read_text(encoding="utf-8") if (root / "README.md").is_file() else "",
        spec=spec,
        package=package,
        sources=sources,
        articles=[parse_article(s.text, s.id) for s in sources],
        key_rules=extract.key_rules(read_yaml(root / "metadata" / "infobox_keys.yaml"),
                                    str(root / "metadata" / "infobox_keys.yaml"),
                                    list(spec.vocabularies["datatype"].terms)),
        curation=curate.load_curation(root / "curation", texts),
    )


def build_tables(inputs: Inputs) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {
        "sources": [s.row() for s in inputs.sources],
        "sections": [], "infobox_fields": [], "infobox_values": [], "see_also": [],
    }
    for article in inputs.articles:
        tables["sections"] += extract.section_rows(article)
        tables["infobox_fields"] += extract.infobox_field_rows(article, inputs.key_rules)
        tables["infobox_values"] += extract.infobox_value_rows(article, inputs.key_rules)
        tables["see_also"] += extract.see_also_rows(article)
    vocab = {name: set(v.terms) for name, v in inputs.spec.vocabularies.items()}
    tables.update(curate.curated_tables(inputs.curation, tables, vocab))
    return tables


def _digest(content: bytes) -> dict[str, Any]:
    return {"bytes": len(content), "hash": "sha256:" + hashlib.sha256(content).hexdigest()}


def render(inputs: Inputs, docs: bool = True) -> dict[str, bytes]:
    """Every generated file, by path relative to the package root; with docs=False only
    data/, schemas/ and datapackage.json (what the benchmark measures)."""
    tables = build_tables(inputs)
    files: dict[str, bytes] = {}
    resources = []
    for table in inputs.spec.tables:
        rows = tables[table.name]
        schema_path = f"schemas/{table.name}.tableschema.json"
        json_schema_path = f"schemas/{table.name}.schema.json"
        files[schema_path] = dump_json(table_schema(table, inputs.spec))
        files[json_schema_path] = dump_json(json_schema(table, inputs.spec))
        for suffix, fmt, media, serialize in (("", "csv", "text/csv", to_csv),
                                              ("_json", "json", "application/json", to_json)):
            path = f"data/{table.name}.{fmt}"
            files[path] = serialize(rows, table.field_names)
            resource = {"name": table.name + suffix, "type": "table", "path": path,
                        "format": fmt, "mediatype": media, "encoding": "utf-8",
                        "title": table.title + (" (JSON)" if suffix else ""),
                        "description": table.row, "schema": schema_path}
            if suffix:
                resource["jsonSchema"] = json_schema_path
            digest = _digest(files[path])
            if fmt == "json":
                # frictionless 5.21 cannot count a JSON resource's bytes and fails any
                # "bytes" there; validate.py checks the hash of every resource instead.
                digest.pop("bytes")
            resources.append({**resource, **digest})
    meta = inputs.package
    descriptor = {
        "$schema": PACKAGE_PROFILE,
        **{k: meta[k] for k in ("name", "title")},
        "description": meta["description"].strip() + "\n\n" + meta["attribution"].strip(),
        **{k: meta[k] for k in ("version", "created", "licenses")},
        "sources": [{"title": s.title, "path": s.url} for s in inputs.sources],
        **{k: meta[k] for k in ("contributors", "keywords")},
        "resources": resources,
    }
    files["datapackage.json"] = dump_json(descriptor)
    if not docs:
        return dict(sorted(files.items()))
    files["docs/codebook.md"] = codebook.render(inputs.spec, tables).encode("utf-8")
    files["CITATION.cff"] = citation.citation_cff(meta, inputs.sources).encode("utf-8")
    files[".zenodo.json"] = dump_json(citation.zenodo(meta, inputs.sources))
    json_ld = citation.json_ld(meta, inputs.sources, [(r["path"], r["mediatype"]) for r in resources])
    files["dataset.jsonld"] = dump_json(json_ld)
    figure_files = figures.render(tables)
    files.update(figure_files)
    files["site/index.html"] = site.render(meta, inputs.spec, tables, json_ld, figure_files).encode("utf-8")
    try:
        text = readme.stamp_block(inputs.readme, "citation", citation.readme_block(meta))
        text = readme.stamp_block(text, "tables", readme.tables_block(inputs.spec, tables))
    except ValueError as exc:
        raise InputError("README.md", "whole file", None, str(exc)) from exc
    files["README.md"] = text.encode("utf-8")
    return dict(sorted(files.items()))


def stale_files(root: Path, files: dict[str, bytes]) -> list[str]:
    """Generated paths whose committed bytes differ from a fresh build, or that the
    build would not produce."""
    stale = [p for p, content in files.items()
             if not (root / p).is_file() or (root / p).read_bytes() != content]
    for top in GENERATED:
        if (root / top).is_dir():
            for path in sorted((root / top).rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and rel not in files:
                    stale.append(rel)
    return stale


def write_outputs(root: Path, files: dict[str, bytes],
                  check: Callable[[Path], None] | None = None) -> None:
    """Write files into a temporary folder, run `check` on it, then swap each generated
    top-level entry into place. Nothing under root changes unless all of it succeeded."""
    for stale in root.glob(".build-*"):  # left behind by a build that was killed
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        for rel, content in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if check is not None:
            check(tmp)
        backup = tmp / ".previous"
        moved: list[str] = []
        try:
            for top in GENERATED:
                new, old = tmp / top, root / top
                if not new.exists():
                    continue  # not produced by this build (a tables-only build)
                if old.exists():
                    (backup / top).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(old, backup / top)
                moved.append(top)
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(new, old)
        except BaseException:
            for top in reversed(moved):  # put the previous outputs back
                if (root / top).exists() and (backup / top).exists():
                    shutil.rmtree(root / top) if (root / top).is_dir() else (root / top).unlink()
                if (backup / top).exists():
                    os.replace(backup / top, root / top)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build(root: Path, validate: bool = True, docs: bool = True) -> dict[str, bytes]:
    from .validate import validate_package

    files = render(load_inputs(root), docs)

    def check(tmp: Path) -> None:
        report = validate_package(tmp, inputs_dir=root)
        if not report.valid:
            raise BuildFailed(report.human())

    write_outputs(root, files, check if validate else None)
    return files


class BuildFailed(RuntimeError):
    """The freshly built package did not validate; nothing was written."""

"""README.md of the release archive, generated from the metadata: what is inside, how
to load it, check it and cite it. Every link is relative and resolves inside the
unzipped archive (a test follows them all). The repository's README is for
developers; this one is for someone who has only the archive."""

from __future__ import annotations

from typing import Any

from ansar_data.core.schema import Spec
from ansar_data.publish import citation
from ansar_data.publish.citation import Download


def _table_rows(spec: Spec, tables: dict[str, list[dict[str, Any]]], downloads: list[Download]) -> str:
    return "\n".join(f"| `{t.name}` | {len(tables[t.name])} | {t.row} | "
                     + " · ".join(f"[{fmt}]({d.path})" for fmt, d in citation.table_files(t.name, downloads))
                     + " |" for t in spec.tables)


def render(meta: dict[str, Any], spec: Spec, tables: dict[str, list[dict[str, Any]]],
           downloads: list[Download]) -> str:
    name, version = meta["name"], meta["version"]
    repository = f" ({meta['repository']})" if meta.get("repository") else ""
    released = citation.release_status(meta)
    example = "events" if "events" in tables else spec.tables[0].name
    listed = {d for t in spec.tables for _, d in citation.table_files(t.name, downloads)}
    whole = "\n".join(f"- [`{d.path}`]({d.path}): {d.label}" for d in downloads
                      if not d.path.startswith("../") and d not in listed)
    return f"""# {meta['title']}, version {version}

{' '.join(meta['description'].split())}

Version {version}{released}. Data licensed {citation.license_label(meta)}
([LICENSE-DATA.md](LICENSE-DATA.md)).
{' '.join(meta['attribution'].split())}

This folder is the release archive `{citation.archive_name(meta)}.zip`, unzipped. Open
[site/index.html](site/index.html) in a browser for previews of every table, the
figures and the codebook; it works offline.

## What is inside

{len(spec.tables)} tables, each as CSV (UTF-8, header row; an empty cell means "not
given") and JSON (an array of records), and as Parquet, Stata and SPSS files:

| table | rows | one row is | files |
| --- | --- | --- | --- |
{_table_rows(spec, tables, downloads)}

The whole package:

{whole}
- [`docs/codebook.md`](docs/codebook.md): every field and vocabulary term
- [`docs/citation.md`](docs/citation.md), [`CITATION.cff`](CITATION.cff) and
  [`dataset.jsonld`](dataset.jsonld): how to cite this version
- [`CHANGES.md`](CHANGES.md): what changed in the data, release by release: columns
  renamed or re-meant, and records added, removed or changed
- [`CHANGES.csv`](CHANGES.csv): the same since the release before, one row per record
  (table, record, change: added, removed, changed or renamed; the fields changed; the new
  id of a renamed record), to bring a copy up to date
- [`sources/`](sources/sources.yaml): the source articles, byte for byte, with their URLs
- [`schemas/`](schemas/{example}.tableschema.json): a Table Schema and a JSON Schema per table
- [`docs/figures/`](docs/figures/timeline.svg): the figures, as SVG and PNG

## How to load it

pandas:

```python
import pandas as pd
{example} = pd.read_csv("data/{example}.csv")
```

R:

```r
{example} <- readr::read_csv("data/{example}.csv")
{example} <- haven::read_dta("exports/stata/{example}.dta")  # or the Stata file
```

DuckDB:

```sql
SELECT * FROM read_csv_auto('data/{example}.csv');
SELECT * FROM 'exports/parquet/{example}.parquet';
```

SQLite and Datasette: `sqlite3 exports/{name}.sqlite` (primary and foreign keys
declared), or `datasette exports/{name}.sqlite -m exports/metadata.json`.

Excel: open `exports/{name}.xlsx` (a sheet per table, and sheets `fields` and
`vocabularies` that explain every column and term).

Stata: `use exports/stata/{example}.dta` (format 118, Stata 14 or later).

SPSS: open `exports/spss/{example}.sav`; in Python, `pandas.read_spss("exports/spss/{example}.sav")`.

Croissant: `mlcroissant.Dataset("croissant.json").records("{example}")`.

Linked data: `data/graph.trig` is the whole package as RDF (TriG), with its SHACL shapes
in `schemas/shapes.ttl`; the codebook's "Linked data" says what it holds. Relative IRIs
resolve against `{meta.get("base_iri", "")}`.

- rdflib: `rdflib.Dataset().parse("data/graph.trig", format="trig")`.
- Oxigraph: `pyoxigraph.Store().load(path="data/graph.trig", format=pyoxigraph.RdfFormat.TRIG)`,
  then query it with `use_default_graph_as_union=True` to read every graph at once.
- Apache Jena: `riot --validate data/graph.trig`, or load it into TDB2 with
  `tdb2.tdbloader --loc DB data/graph.trig` and query it with Fuseki or `tdb2.tdbquery`.
- pySHACL: `pyshacl -s schemas/shapes.ttl data/graph.trig`.

For example, who perpetrated the massacre:

```sparql
PREFIX participants: <{meta.get("base_iri", "")}vocab/event_participants/>
SELECT ?entity WHERE {{ ?p participants:event "pasht-ashan-massacre" ;
  participants:role "perpetrator" ; participants:entity ?entity }}
```

## How to identify it

{identity(meta)}

## How to check it

- Every file against its checksum, in this folder: `sha256sum -c SHA256SUMS`.
- The package against its schemas: `frictionless validate datapackage.json`.
- Every check, including that each value is what its quoted evidence says: with the
  source repository{repository} at version {version} installed, run `python validate.py FOLDER`
  on this folder. It answers "is it well-formed and internally consistent?".
- Whether this folder is exactly the release and not an edited copy, which can be both
  (a relation's kind changed by hand still validates): from the source repository, run
  `ansar-data verify FOLDER`. It answers "is it the release?", comparing every file with
  the sums the release recorded in the repository, and names each record that differs.

## How to cite it

Cite the exact version you used:

```bibtex
{citation.bibtex(meta).strip()}
```

{citation.apa(meta)}
"""


def identity(meta: dict[str, Any]) -> str:
    """Where the release lives, when that was given, and what identifies its bytes."""
    where = [f"- Home page: {meta['homepage']}" for _ in [0] if meta.get("homepage")]
    where += [f"- DOI: https://doi.org/{meta['doi']}" for _ in [0] if meta.get("doi")]
    where += [f"- Source repository: {meta['repository']}" for _ in [0] if meta.get("repository")]
    if not where:
        where = ["- No home page, DOI or repository URL was given for this release; it is identified by what "
                 "follows."]
    swh = meta.get("swhid")
    return "\n".join([*where,
                      *([f"- The tables: the `data/` folder has the Software Heritage identifier `{swh}` (git's tree "
                         "hash of the folder); it resolves at https://archive.softwareheritage.org/ once the "
                         "repository is archived. Recompute it from this folder: `python -c \"from "
                         "swh.model.from_disk import Directory; print(Directory.from_disk(path=b'data', "
                         "max_content_length=None).swhid())\"`."] if swh else []),
                      "- The archive: its sha256 is beside it in `SHA256SUMS` and in the release notes (no file "
                      "can hold its own hash); each file's sha256 is in `SHA256SUMS` in this folder."])

"""The documentation files of the package, generated from the metadata and the
tables: docs/codebook.md, docs/citation.md, the citation files (CITATION.cff,
.zenodo.json, dataset.jsonld), croissant.json, the figures and the landing page
site/index.html."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansar_data.core.schema import Spec
from ansar_data.core.tables_io import dump_json
from ansar_data.publish import citation, codebook, croissant, exports, figures, site
from ansar_data.read.sources import Source


def render_docs(spec: Spec, meta: dict[str, Any], sources: list[Source],
                tables: dict[str, list[dict[str, Any]]], resources: list[dict[str, Any]],
                previous: Callable[[str], bytes | None] = lambda path: None,
                guide: str = "") -> dict[str, bytes]:
    """Every documentation file by path; `resources` are the descriptor's resources,
    `previous` what a path held before (figures whose inputs did not change are reused),
    `guide` the hand-written part of the codebook."""
    files: dict[str, bytes] = {}
    files["docs/codebook.md"] = codebook.render(spec, tables, guide, meta.get("base_iri")).encode("utf-8")
    files["docs/citation.md"] = citation.citation_md(meta).encode("utf-8")
    files["CITATION.cff"] = citation.citation_cff(meta, sources).encode("utf-8")
    files[".zenodo.json"] = dump_json(citation.zenodo(meta, sources))
    downloads = citation.downloads(meta, resources, exports.export_files(spec, meta))
    license_urls = {term: a["url"] for term, a in spec.vocabularies["license"].attributes.items()}
    files["dataset.jsonld"] = dump_json(citation.json_ld(meta, sources, downloads, license_urls))
    files["croissant.json"] = dump_json(croissant.render(meta, spec, resources))
    figure_files = figures.render(tables, meta["title"], figures.relation_kinds(spec), previous)
    files.update(figure_files)
    page_ld = citation.json_ld(meta, sources, downloads, license_urls, base="../")  # site/index.html is one folder down
    files["site/index.html"] = site.render(meta, spec, tables, page_ld, downloads,
                                           {s.id: s.text for s in sources}).encode("utf-8")
    return files

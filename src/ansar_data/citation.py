"""Citation metadata derived from metadata/package.yaml: CITATION.cff, .zenodo.json,
schema.org Dataset JSON-LD, and the BibTeX/APA block of the README. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from .sources import Source


def license_label(meta: dict[str, Any]) -> str:
    """The data license's short name: "CC BY-SA 4.0" for the SPDX id "CC-BY-SA-4.0"."""
    name = str(meta["licenses"][0]["name"])
    if name.startswith("CC-") and name.count("-") >= 2:
        kind, version = name[3:].rsplit("-", 1)
        return f"CC {kind} {version}"
    return name


def license_url(meta: dict[str, Any]) -> str:
    return str(meta["licenses"][0].get("path", ""))


def _creators(meta: dict[str, Any]) -> list[str]:
    return [c["title"] for c in meta["contributors"] if "creator" in c.get("roles", [])]


def _abstract(meta: dict[str, Any]) -> str:
    return " ".join(meta["description"].split())


def citation_cff(meta: dict[str, Any], sources: list[Source]) -> str:
    cff: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below, with the version you used.",
        "type": "dataset",
        "title": meta["title"],
        "authors": [{"name": name} for name in _creators(meta)],
        "version": meta["version"],
    }
    if meta.get("released"):
        cff["date-released"] = str(meta["released"])
    if meta.get("repository"):
        cff["repository-code"] = meta["repository"]
    cff.update({
        "license": meta["licenses"][0]["name"],
        "abstract": _abstract(meta),
        "keywords": list(meta["keywords"]),
        "references": [{"type": "encyclopedia", "title": s.title, "url": s.url,
                        "authors": [{"name": "Wikipedia contributors"}],
                        "collection-title": "Wikipedia, The Free Encyclopedia",
                        "license": s.license} for s in sources],
    })
    header = "# Generated from metadata/package.yaml by the build; do not edit by hand.\n"
    return header + yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=88)


def zenodo(meta: dict[str, Any], sources: list[Source]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "upload_type": "dataset",
        "title": meta["title"],
        "description": _abstract(meta),
        "version": meta["version"],
        "license": meta["licenses"][0]["name"].lower(),
        "access_right": "open",
        "creators": [{"name": name} for name in _creators(meta)],
        "keywords": list(meta["keywords"]),
        "related_identifiers": [{"identifier": s.url, "relation": "isDerivedFrom",
                                 "resource_type": "publication", "scheme": "url"} for s in sources],
    }
    if meta.get("repository"):
        out["related_identifiers"].append({"identifier": meta["repository"], "relation": "isSupplementTo",
                                           "scheme": "url"})
    if meta.get("released"):
        out["publication_date"] = str(meta["released"])
    return out


def json_ld(meta: dict[str, Any], sources: list[Source], files: list[tuple[str, str]]) -> dict[str, Any]:
    """schema.org Dataset; files are (path, media type). contentUrl is the path inside
    the release archive, relative to the package root."""
    out: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": meta["title"],
        "description": _abstract(meta),
        "version": meta["version"],
        "license": license_url(meta),
        "creator": [{"@type": "Organization", "name": name} for name in _creators(meta)],
        "keywords": list(meta["keywords"]),
        "isBasedOn": [{"@type": "CreativeWork", "name": s.title, "url": s.url,
                       "license": license_url(meta)} for s in sources],
        "temporalCoverage": meta["temporal_coverage"],
        "spatialCoverage": {"@type": "Place", "name": meta["spatial_coverage"]},
        "distribution": [{"@type": "DataDownload", "encodingFormat": media, "contentUrl": path}
                         for path, media in files],
    }
    if meta.get("released"):
        out["datePublished"] = str(meta["released"])
    if meta.get("repository"):
        out["url"] = meta["repository"]
    return out


def bibtex(meta: dict[str, Any]) -> str:
    year = str(meta["released"])[:4] if meta.get("released") else "n.d."
    key = re.sub(r"[^a-z0-9]", "", meta["name"].lower()) + "_" + meta["version"].replace(".", "_")
    return (f"@misc{{{key},\n  author = {{{{{' and '.join(_creators(meta))}}}}},\n"
            f"  title = {{{meta['title']}}},\n  year = {{{year}}},\n"
            f"  version = {{{meta['version']}}},\n  note = {{Dataset, version {meta['version']}. "
            f"Licensed {license_label(meta)}}}\n}}")


def apa(meta: dict[str, Any], emphasize: Callable[[str], str] = lambda title: f"*{title}*") -> str:
    """The APA reference; emphasize renders the italic title (Markdown by default)."""
    year = str(meta["released"])[:4] if meta.get("released") else "n.d."
    return (f"{', '.join(_creators(meta))}. ({year}). {emphasize(meta['title'])} "
            f"(Version {meta['version']}) [Data set].")


def citation_md(meta: dict[str, Any]) -> str:
    """docs/citation.md: how to cite this version, as BibTeX and APA."""
    return "\n".join([
        "# How to cite", "",
        "Generated from `metadata/package.yaml` by the build; do not edit by hand. "
        "Cite the exact version you used; `CITATION.cff`, `.zenodo.json` and `dataset.jsonld` "
        "carry the same version.", "",
        "BibTeX:", "", "```bibtex", bibtex(meta), "```", "", "APA:", "", apa(meta), ""])

"""Citation metadata derived from metadata/package.yaml: CITATION.cff, .zenodo.json,
schema.org Dataset JSON-LD, and the BibTeX/APA block of the README. Pure functions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from ansar_data.read.sources import Source


def license_label(meta: dict[str, Any]) -> str:
    """The data license's short name: "CC BY-SA 4.0" for the SPDX id "CC-BY-SA-4.0"."""
    name = str(meta["licenses"][0]["name"])
    if name.startswith("CC-") and name.count("-") >= 2:
        kind, version = name[3:].rsplit("-", 1)
        return f"CC {kind} {version}"
    return name


def license_url(meta: dict[str, Any]) -> str:
    return str(meta["licenses"][0].get("path", ""))


def creators(meta: dict[str, Any]) -> list[str]:
    return [c["title"] for c in meta["contributors"] if "creator" in c.get("roles", [])]


def abstract(meta: dict[str, Any]) -> str:
    return " ".join(meta["description"].split())


def data_swhid(files: dict[str, bytes], folder: str = "data") -> str:
    """The Software Heritage identifier of the folder of tables (swh:1:dir:..., git's tree
    hash of it), from the files the build wrote there, in memory. Any file outside the
    folder can hold it; it resolves at Software Heritage once the repository is archived,
    and anyone can recompute it from an unzipped release with swh.model (the archive's
    README says how; the tests compare the two). Hashed here with hashlib, as git does:
    importing swh.model took a fifth of the build of the package."""
    tree: dict[str, Any] = {}
    for rel, content in files.items():
        if rel.startswith(folder + "/"):
            *parents, name = rel[len(folder) + 1:].split("/")
            node = tree
            for part in parents:
                node = node.setdefault(part, {})
            node[name] = content
    return f"swh:1:dir:{_tree_id(tree).hex()}"


def _git_id(kind: bytes, body: bytes) -> bytes:
    return hashlib.sha1(b"%s %d\0%s" % (kind, len(body), body)).digest()


def _tree_id(tree: dict[str, Any]) -> bytes:
    """A git tree: its entries sorted by name, a folder's name as if it ended in "/"."""
    entries = []
    for name, value in tree.items():
        key = name.encode("utf-8")
        if isinstance(value, dict):
            entries.append((key + b"/", b"40000 %s\0%s" % (key, _tree_id(value))))
        else:
            entries.append((key, b"100644 %s\0%s" % (key, _git_id(b"blob", value))))
    return _git_id(b"tree", b"".join(entry for _, entry in sorted(entries)))


def citation_cff(meta: dict[str, Any], sources: list[Source]) -> str:
    cff: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below, with the version you used.",
        "type": "dataset",
        "title": meta["title"],
        "authors": [{"name": name} for name in creators(meta)],
        "version": meta["version"],
    }
    if meta.get("released"):
        cff["date-released"] = str(meta["released"])
    if meta.get("repository"):
        cff["repository-code"] = meta["repository"]
    if meta.get("homepage"):
        cff["url"] = meta["homepage"]
    if meta.get("doi"):
        cff["doi"] = meta["doi"]
    cff["identifiers"] = [*([{"type": "doi", "value": meta["doi"]}] if meta.get("doi") else []),
                          *([{"type": "swh", "value": meta["swhid"],
                              "description": "The data/ folder, its tables (Software Heritage identifier)"}]
                            if meta.get("swhid") else [])]
    if not cff["identifiers"]:
        del cff["identifiers"]
    cff.update({
        "license": meta["licenses"][0]["name"],
        "abstract": abstract(meta),
        "keywords": list(meta["keywords"]),
        "references": [{"type": "encyclopedia", "title": s.title, "url": s.url,
                        "authors": [{"name": "Wikipedia contributors"}],
                        "collection-title": "Wikipedia, The Free Encyclopedia",
                        "license": s.license, **revision_fields(s)} for s in sources],
    })
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=88)


def revision_fields(source: Source) -> dict[str, Any]:
    """CFF's version and date-accessed for a source, when its snapshot's revision and
    retrieval date are known (nothing is invented when they are not)."""
    out: dict[str, Any] = {}
    if source.revision:
        out["version"] = f"revision {source.revision}"
    if source.retrieved:
        out["date-accessed"] = source.retrieved
    return out


def revisions_line(sources: list[Source]) -> str:
    """Which revisions of the articles a release was built from, in words."""
    parts = [f"{s.title}, " + (f"revision {s.revision}" if s.revision else "revision id not recorded")
             + (f", retrieved {s.retrieved}" if s.retrieved else "") for s in sources]
    return "Built from these snapshots of the articles: " + "; ".join(parts) + "."


def zenodo(meta: dict[str, Any], sources: list[Source]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "upload_type": "dataset",
        "title": meta["title"],
        "description": abstract(meta),
        "version": meta["version"],
        "license": meta["licenses"][0]["name"].lower(),
        "access_right": "open",
        "creators": [{"name": name} for name in creators(meta)],
        "keywords": list(meta["keywords"]),
        "related_identifiers": [{"identifier": s.url, "relation": "isDerivedFrom",
                                 "resource_type": "publication", "scheme": "url"} for s in sources],
    }
    if meta.get("swhid"):
        out["related_identifiers"].append({"identifier": meta["swhid"], "relation": "hasPart", "scheme": "swh",
                                           "resource_type": "dataset"})
    if meta.get("homepage"):
        out["related_identifiers"].append({"identifier": meta["homepage"], "relation": "isDocumentedBy",
                                           "scheme": "url"})
    if meta.get("doi"):
        out["doi"] = meta["doi"]
    if meta.get("repository"):
        out["related_identifiers"].append({"identifier": meta["repository"], "relation": "isSupplementTo",
                                           "scheme": "url"})
    if meta.get("released"):
        out["publication_date"] = str(meta["released"])
    return out


@dataclass(frozen=True)
class Download:
    path: str  # from the package root; "../" is beside the unzipped archive, where the zip lies
    media: str
    label: str


FORMAT_NAMES = {".csv": "CSV", ".json": "JSON", ".parquet": "Parquet", ".dta": "Stata", ".sav": "SPSS"}


def table_files(name: str, files: list[Download]) -> list[tuple[str, Download]]:
    """A table's files among the downloads, each with its format's name."""
    return [(FORMAT_NAMES[d.path[d.path.rindex("."):]], d) for d in files
            if d.path.rsplit("/", 1)[-1].split(".")[0] == name and "." in d.path
            and d.path[d.path.rindex("."):] in FORMAT_NAMES]


def release_status(meta: dict[str, Any]) -> str:
    """", released 2026-12-02", or, for a development build, what it is not."""
    if "-" in str(meta["version"]) or "+" in str(meta["version"]):
        return ", a development build, not a release"
    return f", released {meta['released']}" if meta.get("released") else ""


def archive_name(meta: dict[str, Any]) -> str:
    """The release archive's name without ".zip", and the folder it unzips to."""
    return f"{meta['name']}-{meta['version']}"


def downloads(meta: dict[str, Any], resources: list[dict[str, Any]],
              exported: list[tuple[str, str, str]]) -> list[Download]:
    """Every file a user can download: the archive and its checksum, then what is inside
    it. `resources` are datapackage.json's, `exported` exports.export_files'."""
    return [Download(f"../{archive_name(meta)}.zip", "application/zip", "the release archive, all of the below"),
            Download("../SHA256SUMS", "text/plain", "the sha256 checksum of the archive"),
            Download("SHA256SUMS", "text/plain", "sha256 checksums of every file in the archive"),
            Download("datapackage.json", "application/json", "Frictionless Data Package descriptor"),
            Download("croissant.json", "application/ld+json", "Croissant metadata"),
            *(Download(r["path"], r["mediatype"], r["title"]) for r in resources),
            *(Download(f"exports/{path}", media, label) for path, media, label in exported)]


def json_ld(meta: dict[str, Any], sources: list[Source], files: list[Download], license_urls: dict[str, str],
            base: str = "") -> dict[str, Any]:
    """schema.org Dataset. A contentUrl is relative to where the JSON-LD is published:
    `base` leads from there to the package root ("../" from site/index.html). Each source
    carries its own licence (`license_urls`: SPDX id -> URL, from the license vocabulary)."""
    out: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": meta["title"],
        "description": abstract(meta),
        "version": meta["version"],
        "license": license_url(meta),
        "creator": [{"@type": "Organization", "name": name} for name in creators(meta)],
        "keywords": list(meta["keywords"]),
        "isBasedOn": [{"@type": "CreativeWork", "name": s.title, "url": s.url,
                       "license": license_urls[s.license]} for s in sources],
        "temporalCoverage": meta["temporal_coverage"],
        "spatialCoverage": {"@type": "Place", "name": meta["spatial_coverage"]},
        "distribution": [{"@type": "DataDownload", "name": d.label, "encodingFormat": d.media,
                          "contentUrl": base + d.path} for d in files],
    }
    if meta.get("released"):
        out["datePublished"] = str(meta["released"])
    if meta.get("homepage") or meta.get("repository"):
        out["url"] = meta.get("homepage") or meta["repository"]
    ids = [*([f"https://doi.org/{meta['doi']}"] if meta.get("doi") else []),
           *([meta["swhid"]] if meta.get("swhid") else [])]
    if ids:
        out["identifier"] = ids
    return out


BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def bibtex_text(text: str) -> str:
    """Text for a BibTeX field: its special characters escaped."""
    return BIBTEX_SPECIAL.sub(r"\\\1", text)


def bibtex(meta: dict[str, Any]) -> str:
    """The BibTeX entry. The title is braced whole, so that no style lowercases its
    proper nouns ("Al-Ansar", "Iraq"); `url` is where the package lives, when known."""
    year = str(meta["released"])[:4] if meta.get("released") else "n.d."
    key = re.sub(r"[^a-z0-9]", "", meta["name"].lower()) + "_" + meta["version"].replace(".", "_")
    extra = "".join(f"  {k} = {{{meta[k]}}},\n" for k in ("doi",) if meta.get(k))
    where = meta.get("homepage") or meta.get("repository")
    extra += f"  url = {{{where}}},\n" if where else ""
    swh = f" Tables: {meta['swhid']}." if meta.get("swhid") else ""
    return (f"@misc{{{key},\n  author = {{{{{' and '.join(creators(meta))}}}}},\n"
            f"  title = {{{{{bibtex_text(meta['title'])}}}}},\n  year = {{{year}}},\n"
            f"  version = {{{meta['version']}}},\n{extra}  note = {{Dataset, version {meta['version']}. "
            f"Licensed {license_label(meta)}.{swh}}}\n}}")


def apa(meta: dict[str, Any], emphasize: Callable[[str], str] = lambda title: f"*{title}*") -> str:
    """The APA reference; emphasize renders the italic title (Markdown by default)."""
    year = str(meta["released"])[:4] if meta.get("released") else "n.d."
    where = (f" https://doi.org/{meta['doi']}" if meta.get("doi")
             else f" {meta['homepage']}" if meta.get("homepage") else "")
    swh = f" Tables: {meta['swhid']}" if meta.get("swhid") else ""
    return (f"{', '.join(creators(meta))}. ({year}). {emphasize(meta['title'])} "
            f"(Version {meta['version']}) [Data set].{where}{swh}")


def citation_md(meta: dict[str, Any]) -> str:
    """docs/citation.md: how to cite this version, as BibTeX and APA."""
    return "\n".join([
        "# How to cite", "",
        "Cite the exact version you used; `CITATION.cff` and `dataset.jsonld` carry the same version.", "",
        "BibTeX:", "", "```bibtex", bibtex(meta), "```", "", "APA:", "", apa(meta), ""])

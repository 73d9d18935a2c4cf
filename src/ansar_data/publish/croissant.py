"""croissant.json: the package described in Croissant 1.0 (the metadata format that
Hugging Face, Kaggle, OpenML and Google Dataset Search read), from the same metadata as
datapackage.json: a FileObject per CSV with its sha256 and a RecordSet per table whose
fields take their types and descriptions from tables.yaml."""

from __future__ import annotations

from typing import Any

from ansar_data.core.schema import TYPES, Spec
from ansar_data.publish import citation

# The Croissant 1.0 JSON-LD context, as the specification gives it.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


# package.yaml's responsible_ai keys -> the terms of Croissant's RAI vocabulary
RAI_TERMS = {"data_collection": "dataCollection", "data_limitations": "dataLimitations", "data_biases": "dataBiases",
             "data_use_cases": "dataUseCases", "personal_sensitive_information": "personalSensitiveInformation",
             "data_release_maintenance_plan": "dataReleaseMaintenancePlan"}


def render(meta: dict[str, Any], spec: Spec, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """`resources` are datapackage.json's; contentUrl is the path inside the release
    archive, relative to croissant.json."""
    csv = {r["name"]: r for r in resources if r["format"] == "csv"}
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.1",
        "name": meta["name"],
        "alternateName": meta["title"],
        "description": citation.abstract(meta),
        "version": meta["version"],
        "license": citation.license_url(meta),
        "citeAs": citation.bibtex(meta),
        "creator": [{"@type": "sc:Organization", "name": name} for name in citation.creators(meta)],
        "keywords": list(meta["keywords"]),
        "distribution": [
            {
                "@type": "cr:FileObject",
                "@id": f"{t.name}.csv",
                "name": f"{t.name}.csv",
                "contentUrl": csv[t.name]["path"],
                "encodingFormat": "text/csv",
                "sha256": csv[t.name]["hash"].removeprefix("sha256:"),
            }
            for t in spec.tables
        ],
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": t.name,
                "name": t.name,
                "description": t.row,
                "key": [{"@id": f"{t.name}/{k}"} for k in t.primary_key],
                "field": [
                    {
                        "@type": "cr:Field",
                        "@id": f"{t.name}/{f['name']}",
                        "name": f["name"],
                        "description": f["description"],
                        "dataType": TYPES[f["type"]].croissant,
                        "source": {"fileObject": {"@id": f"{t.name}.csv"}, "extract": {"column": f["name"]}},
                    }
                    for f in t.fields
                ],
            }
            for t in spec.tables
        ],
    }
    for key, value in meta.get("responsible_ai", {}).items():  # the Responsible-AI extension
        out["rai:" + RAI_TERMS[key]] = " ".join(value.split())
    if meta.get("released"):
        out["datePublished"] = str(meta["released"])
    if meta.get("homepage") or meta.get("repository"):
        out["url"] = meta.get("homepage") or meta["repository"]
    if meta.get("swhid"):
        out["sameAs"] = meta["swhid"]
    return out

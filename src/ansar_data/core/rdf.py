"""The package as linked data: a TriG rendering of every table (data/graph.trig) and
SHACL shapes generated from tables.yaml (schemas/shapes.ttl).

Two layers, in one file:
- **Lossless.** Every row of every table is a resource `<TABLE/KEY>` of class
  `<vocab/TABLE>`, with its position (`vocab/ordinal`) and one triple per non-empty cell
  (`<vocab/TABLE/FIELD>`, typed as its field: xsd:integer, xsd:boolean, xsd:date, or a
  plain string), so that the tables can be read back cell for cell.
- **Meaning.** Entities typed by schema.org classes with their names language-tagged
  (`"الأنصار"@ar`); events as CIDOC CRM E5 Events with E52 Time-Spans; every relation as a
  triple (and its Wikidata property where tables.yaml maps one), reified with its
  time-span's four bounds (P82a, P81a, P81b, P82b); participants (P11); each evidence row
  a W3C Web Annotation whose body is its record's graph and whose target carries the
  TextQuoteSelector and TextPositionSelector of the quote.

Each curated record's statements are a named graph of their own (`<graph/TABLE/KEY>`),
derived (PROV-O) from the article revisions its quotes come from; the rest is the default
graph. A claim's alleged act is a graph of its own, attributed to the claimant and never
asserted. Relative IRIs resolve against the base IRI of metadata/package.yaml.

The order is fixed (tables as tables.yaml lists them, rows as in their CSV, fields as in
their schema), so the file is byte for byte the same for the same tables: the build
writes it, and validate.py renders it again and compares, as for a JSON twin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import quote

from ansar_data.core.schema import Spec, Table
from ansar_data.core.tables_io import cell

GRAPH_PATH = "data/graph.trig"
SHAPES_PATH = "schemas/shapes.ttl"
# The package's resources that are not tables: the descriptor lists them (with bytes and
# sha256), and validate.py requires them, as it does each table's CSV and twin.
FILE_RESOURCES = (
    {"name": "graph", "path": GRAPH_PATH, "format": "trig", "mediatype": "application/trig", "encoding": "utf-8",
     "title": "The package as linked data (RDF, TriG)",
     "description": "Every row of every table, with what it means in CIDOC CRM, schema.org, Wikidata, PROV-O and "
                    "Web Annotation terms; each curated record's statements in a named graph of their own, "
                    "linked to the quotes that state them. Relative IRIs resolve against the base IRI of "
                    "metadata/package.yaml."},
    {"name": "shapes", "path": SHAPES_PATH, "format": "ttl", "mediatype": "text/turtle", "encoding": "utf-8",
     "title": "SHACL shapes of the graph",
     "description": "One shape per table, generated from metadata/tables.yaml: each field's datatype, "
                    "cardinality, vocabulary, pattern and range, and the rules SHACL can say across fields."},
)
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "https://schema.org/",
    "crm": "http://www.cidoc-crm.org/cidoc-crm/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "sh": "http://www.w3.org/ns/shacl#",
}
XSD_TYPES = {"integer": "xsd:integer", "boolean": "xsd:boolean", "date": "xsd:date", "number": "xsd:decimal"}
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


class Source(Protocol):
    id: str
    url: str
    revision: int | None


def literal(value: Any, ftype: str = "string", lang: str | None = None) -> str:
    """A Turtle literal of a cell as its CSV writes it, typed as its field: an integer or
    a boolean bare (Turtle's xsd:integer and xsd:boolean), a date as xsd:date."""
    if ftype in ("integer", "boolean") and not lang and isinstance(value, (int, bool)):
        return cell(value)
    text = f'"{cell(value).translate(_ESCAPES)}"'
    if lang:
        return f"{text}@{lang}"
    return text if ftype == "string" else f"{text}^^{XSD_TYPES[ftype]}"


def prefix_of(table: str) -> str:
    """The prefix that names a table's columns (`sections:heading`), clear of the others."""
    return table if table not in PREFIXES and table != "v" else f"t_{table}"


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def key(*parts: Any) -> str:
    """A row's key in an IRI: each part percent-encoded (a relation id's "/" too), joined by
    "/"; a part of plain letters, digits and -_.~ is itself (most are: quote is slow)."""
    return "/".join(str(v) if v.__class__ is int else p if (p := cell(v)) and _PLAIN(p) else quote(p, safe="-_.~")
                    for v in parts)


def row_iri(table: str, row: dict[str, Any], primary: list[str]) -> str:
    return "<" + table + "/" + key(*[row[k] for k in primary]) + ">"


def _entity(entity_id: Any) -> str:
    return f"<entities/{key(entity_id)}>"


def revision_iri(source: Source) -> str:
    """The article at its revision when the snapshot's revision id is known (as annotations do)."""
    return (f"https://en.wikipedia.org/w/index.php?oldid={source.revision}" if source.revision
            else str(source.url))


def header(base: str, spec: Spec | None = None) -> str:
    """@base, the vocabularies' prefixes, `v:` for ours and, with the spec, one prefix a
    table for its columns."""
    lines = [f"@base <{base}> .\n", *(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items()),
             "@prefix v: <vocab/> .\n"]
    lines += [f"@prefix {prefix_of(t.name)}: <vocab/{t.name}/> .\n" for t in (spec.tables if spec else [])]
    return "".join(lines) + "\n"


def _block(subject: str, pairs: list[tuple[str, str]], indent: str = "") -> str:
    """`subject p1 o1 ; p2 o2 .` on one line: a row is a line, and a changed row a changed line."""
    return f"{indent}{subject} " + " ; ".join(f"{p} {o}" for p, o in pairs) + " .\n"


def _span(subject: str, bounds: list[tuple[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """A CIDOC CRM E52 Time-Span `subject#span` with the bounds that are given."""
    given = [(p, literal(v, "date")) for p, v in bounds if v is not None]
    if not given:
        return []
    span = subject[:-1] + "#span>"
    return [(subject, [("crm:P4_has_time-span", span)]), (span, [("a", "crm:E52_Time-Span"), *given])]


def meaning(spec: Spec, table: str, row: dict[str, Any], subject: str,
            sources: dict[str, Source]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The triples that say what a row means, as (subject, [(predicate, object)])."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    if table == "entities":
        cls = spec.vocabularies["entity_type"].attributes.get(row["type"], {}).get("class")
        if cls:
            out.append((subject, [("a", cls)]))
    elif table == "entity_names":
        label = literal(row["name"], lang=row["language_tag"])
        pairs = [("rdfs:label", label)] + ([("schema:name", label)] if row.get("canonical") else [])
        out.append((_entity(row["entity"]), pairs))
    elif table == "events":
        pairs = [("a", "crm:E5_Event")]
        if row.get("place"):
            pairs.append(("crm:P7_took_place_at", _entity(row["place"])))
        out.append((subject, pairs))
        out += _span(subject, [("crm:P82a_begin_of_the_begin", row.get("date_earliest")),
                               ("crm:P82b_end_of_the_end", row.get("date_latest"))])
    elif table == "event_participants":
        out.append((f"<events/{key(row['event'])}>", [("crm:P11_had_participant", _entity(row["entity"]))]))
    elif table == "relations":
        predicate = f"<vocab/predicate/{key(row['predicate'])}>"
        obj = _entity(row["object"]) if row.get("object") else literal(row["literal"])
        pairs = [(predicate, obj)]
        wikidata = spec.vocabularies["predicate"].attributes.get(row["predicate"], {}).get("wikidata")
        if wikidata and row.get("object"):
            pairs.append((f"wdt:{wikidata['property']}", obj))
        out.append((_entity(row["subject"]), pairs))
        out.append((subject, [("rdf:subject", _entity(row["subject"])), ("rdf:predicate", predicate),
                              ("rdf:object", obj)]))
        out += _span(subject, [("crm:P82a_begin_of_the_begin", row.get("valid_begin_earliest")),
                               ("crm:P81a_end_of_the_begin", row.get("valid_begin_latest")),
                               ("crm:P81b_begin_of_the_end", row.get("valid_end_earliest")),
                               ("crm:P82b_end_of_the_end", row.get("valid_end_latest"))])
    elif table == "evidence":
        target, quote_, position = (subject[:-1] + f"#{part}>" for part in ("target", "quote", "position"))
        body = f"<graph/{row['record_table']}/{key(row['record_id'])}>"
        source = sources.get(row["source"])
        out.append((subject, [("a", "oa:Annotation"), ("oa:hasBody", body), ("oa:hasTarget", target)]))
        out.append((target, [("oa:hasSource", f"<{revision_iri(source)}>" if source else literal(row["source"])),
                             ("oa:hasSelector", quote_), ("oa:hasSelector", position)]))
        out.append((quote_, [("a", "oa:TextQuoteSelector"), ("oa:exact", literal(row["quote"]))]))
        out.append((position, [("a", "oa:TextPositionSelector"), ("oa:start", literal(row["char_start"], "integer")),
                               ("oa:end", literal(row["char_end"], "integer"))]))
        if source:
            out.append((body, [("prov:wasDerivedFrom", f"<{revision_iri(source)}>")]))
    elif table == "claims":
        content = f"<graph/claims/{key(row['id'])}/content>"
        out.append((content, [("prov:wasAttributedTo", _entity(row["claimant"])), ("rdfs:comment",
                                                                                   literal(row["statement"]))]))
        out.append((subject, [("<vocab/claimContent>", content)]))
    elif table == "claim_assessments":
        out.append((f"<graph/claims/{key(row['claim'])}/content>", [("<vocab/assessment>", subject)]))
    return out


def claim_content(row: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a claim alleges, for its own graph: attributed (above), never asserted."""
    act = f"<claims/{key(row['id'])}#alleged>"
    pairs = [("a", "<vocab/AllegedAct>"), ("<vocab/concerns>", f"<events/{key(row['event'])}>")]
    for fld, pred in (("accused", "<vocab/actor>"), ("aim_concerns", "<vocab/aimConcerns>")):
        if row.get(fld):
            pairs.append((pred, _entity(row[fld])))
    for fld in ("alleged_act", "alleged_aim", "cause"):
        if row.get(fld):
            pairs.append((f"<vocab/{fld}>", literal(row[fld])))
    return [(act, pairs)]


def render_graph(spec: Spec, tables: dict[str, list[dict[str, Any]]], sources: list[Source],
                 base: str) -> Iterator[str]:
    """The TriG text of the package, in pieces: the header, then a row at a time."""
    yield header(base, spec)
    for table in spec.tables:
        yield from render_rows(spec, table, tables.get(table.name, []), sources)


def render_table(spec: Spec, table: Table, rows: list[dict[str, Any]], sources: list[Source]) -> str:
    """The TriG text of one table's rows: it depends on nothing else, so a check may
    render again only the tables that changed."""
    return "".join(render_rows(spec, table, rows, sources))


def _formatter(ftype: str) -> Any:
    """A cell's value as its Turtle literal, for one field type: literal(), made fast for
    the values a typed table holds (a table of 324,000 rows renders in about a second)."""
    if ftype == "string":
        return lambda v: '"' + v.translate(_ESCAPES) + '"' if v.__class__ is str else literal(v)
    if ftype == "integer":
        return lambda v: str(v) if v.__class__ is int else literal(v, ftype)
    if ftype == "boolean":
        return lambda v: ("true" if v else "false") if v.__class__ is bool else literal(v, ftype)
    if ftype == "date":
        return lambda v: '"' + v + '"^^xsd:date' if v.__class__ is str and v.isascii() else literal(v, ftype)
    return lambda v: literal(v, ftype)


def render_rows(spec: Spec, table: Table, rows: list[dict[str, Any]], sources: list[Source]) -> Iterator[str]:
    """render_table a row at a time, so that a comparison can stop at the first difference."""
    by_id = {s.id: s for s in sources}
    prefix = prefix_of(table.name)
    fields = [(f["name"], f" ; {prefix}:{f['name']} ", _formatter(f["type"])) for f in table.fields]
    head = f" a v:{table.name} ; v:ordinal "
    curated = table.curation is not None
    plain = not curated and table.name != "evidence"  # rows with no meaning beyond their cells
    for n, row in enumerate(rows, start=1):
        subject = row_iri(table.name, row, table.primary_key)
        line = subject + head + str(n) + "".join([p + fmt(v) for name, p, fmt in fields
                                                  if (v := row.get(name)) is not None]) + " .\n"
        if plain:
            yield line
            continue
        blocks = "".join(_block(s, p, "    " if curated else "") for s, p in meaning(spec, table.name, row, subject,
                                                                                       by_id))
        if curated:
            graph = f"<graph/{table.name}/{key(*(row[k] for k in table.primary_key))}>"
            yield graph + " {\n    " + line + blocks + "}\n"
            if table.name == "claims" and row.get("alleged_act"):
                yield (f"<graph/claims/{key(row['id'])}/content> {{\n"
                       + "".join(_block(s, p, "    ") for s, p in claim_content(row)) + "}\n")
        else:
            yield line + blocks


# ---- SHACL shapes, from tables.yaml ----

def _list(items: list[str]) -> str:
    return "( " + " ".join(items) + " )"


def _property_shape(table: Table, f: dict[str, Any], spec: Spec, required: bool) -> str:
    parts = [f"sh:path <vocab/{table.name}/{f['name']}>", "sh:maxCount 1"]
    if required:
        parts.append("sh:minCount 1")
    parts.append(f"sh:datatype {XSD_TYPES.get(f['type'], 'xsd:string')}")
    if f.get("vocabulary") and f["vocabulary"] in spec.vocabularies:
        parts.append("sh:in " + _list([literal(t) for t in spec.vocabularies[f["vocabulary"]].terms]))
    if "pattern" in f:
        parts.append(f"sh:pattern {literal(f['pattern'])}")
    for k, shacl in (("minimum", "sh:minInclusive"), ("maximum", "sh:maxInclusive")):
        if k in f:
            parts.append(f"{shacl} {literal(f[k], f['type'] if f['type'] in XSD_TYPES else 'integer')}")
    return "[ " + " ; ".join(parts) + " ]"


def render_shapes(spec: Spec, base: str) -> str:
    """A NodeShape per table: each field's datatype, cardinality (at most one; at least one
    when required), vocabulary (sh:in), pattern and range; `exactly_one` as sh:xone and
    `together` as sh:or (all given, or none)."""
    out = [header(base)]
    for table in spec.tables:
        props = [_property_shape(table, f, spec, bool(f.get("required"))) for f in table.fields]
        props.append("[ sh:path <vocab/ordinal> ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ]")
        logic = []
        for group in table.exactly_one:
            logic.append("sh:xone " + _list([f"[ sh:path <vocab/{table.name}/{g}> ; sh:minCount 1 ]" for g in group]))
        for group in table.together:
            every = " ".join(f"[ sh:path <vocab/{table.name}/{g}> ; sh:minCount 1 ]" for g in group)
            none = " ".join(f"[ sh:path <vocab/{table.name}/{g}> ; sh:maxCount 0 ]" for g in group)
            logic.append(f"sh:or ( [ sh:and ( {every} ) ] [ sh:and ( {none} ) ] )")
        body = [f"sh:targetClass <vocab/{table.name}>", "sh:closed false"]
        body += [f"sh:property {p}" for p in props] + logic
        out.append(f"<shapes/{table.name}> a sh:NodeShape ;\n    " + " ;\n    ".join(body) + " .\n\n")
    return "".join(out)


def base_iri(meta: dict[str, Any] | None) -> str | None:
    """package.yaml's base IRI (its shape, input_schemas.json's `base_iri`, is checked where
    package.yaml is read, by the build and by validate.py alike); None without a package.yaml."""
    value = (meta or {}).get("base_iri")
    return value if isinstance(value, str) else None

"""Every error code validate.py can report, declared once: what it means, what it
applies to, and whether the build refuses it too with the curation file and record.

`both`: a rule on rows in rules.py; the build runs it on the rows it made and names
the YAML file, record and field, and validate.py runs it on the package it reads.
`validator`: what only a package on disk has (bytes, hashes, files, schemas, the
descriptor), or rows the build makes by construction (evidence, spans, parsed values);
the build still refuses them, since it validates every new package before it swaps it
in. The YAML's own shape is the build's alone (input_schemas.json) and has no code.

checks.py and rules.py report only these codes (package.Problem refuses any other),
the mutation suite has a class for each (tests/test_mutations.py), and the codebook's
list of checks is generated from here.
"""

from __future__ import annotations

from dataclasses import dataclass

APPLIES = ("descriptor", "schemas", "files", "cells", "rows", "sources")
SIDES = ("both", "validator")


@dataclass(frozen=True)
class Rule:
    code: str
    applies: str  # one of APPLIES
    side: str     # one of SIDES
    meaning: str


def _rules(*rows: tuple[str, str, str, str]) -> dict[str, Rule]:
    out = {}
    for code, applies, side, meaning in rows:
        assert applies in APPLIES and side in SIDES and code not in out, code
        out[code] = Rule(code, applies, side, meaning)
    return out


RULES: dict[str, Rule] = _rules(
    # the descriptor and the schema files
    ("descriptor-strict", "descriptor", "validator",
     "datapackage.json has a key or value that the strict Data Package profile refuses, such as a misspelt key."),
    ("resource-undeclared", "descriptor", "validator",
     "The descriptor lacks a resource that tables.yaml declares (a table as CSV and JSON), or lists another."),
    ("resource-duplicate", "descriptor", "validator", "Two resources of the descriptor have one name."),
    ("resource-derived", "descriptor", "validator",
     "A table's resource differs from what tables.yaml gives: its path, format, media type, encoding, title, "
     "description or schema files."),
    ("descriptor-derived", "descriptor", "validator",
     "The descriptor's own metadata (licences, sources and attribution, version, title, description) differs "
     "from what metadata/package.yaml and sources/sources.yaml give."),
    ("file-refused", "files", "validator",
     "A file the descriptor names is not a regular file inside the package (a link out, a FIFO, a device, a "
     "folder), or cannot be read."),
    ("json-not-records", "files", "validator", "A JSON twin is not an array of records (objects)."),
    ("resource-path", "descriptor", "validator",
     "A resource path is absolute, leaves the package with '..', or is a URL."),
    ("resource-missing", "descriptor", "validator", "A file the descriptor names does not exist."),
    ("resource-bytes", "files", "validator", "A file's size differs from the descriptor's `bytes`."),
    ("resource-hash", "files", "validator", "A file's sha256 differs from the descriptor's `hash`."),
    ("resource-too-large", "files", "validator",
     "A file over 128 MiB or a table over 300,000 records: only its hash is checked."),
    ("schema-strict", "schemas", "validator", "A Table Schema has a key or value the strict profile refuses."),
    ("json-schema-invalid", "schemas", "validator", "A JSON Schema file is not a valid Draft 2020-12 schema."),
    ("schema-derived", "schemas", "validator",
     "A Table Schema or JSON Schema differs from the one tables.yaml gives."),
    ("json-duplicate-key", "files", "validator", "A JSON file writes one key twice in an object."),
    ("json-invalid", "files", "validator", "A JSON file cannot be read as JSON, or nests deeper than 64 levels."),
    # whole files
    ("file-bom", "files", "validator", "A file starts with a byte-order mark."),
    ("file-utf8", "files", "validator", "A file is not valid UTF-8."),
    ("file-crlf", "files", "validator", "A file has a carriage return; lines end with LF only."),
    ("file-final-newline", "files", "validator", "A file does not end with a newline."),
    ("file-nfc", "files", "validator", "A file's text is not in Unicode NFC form."),
    ("csv-unreadable", "files", "validator", "A CSV file cannot be read by the csv module."),
    # cells
    ("header-mismatch", "cells", "validator", "A header (or a JSON record's keys) is not the schema's field order."),
    ("cell-control", "cells", "validator", "A cell holds a control character."),
    ("cell-whitespace", "cells", "validator", "A cell has leading or trailing white space."),
    ("csv-injection", "cells", "validator",
     "A string cell starts with =, +, - or @, which a spreadsheet would run as a formula."),
    ("cell-limit", "cells", "validator", "A cell is over 32,767 characters or an integer past 64 bits."),
    ("integer-invalid", "cells", "validator",
     "An integer cell is not ASCII digits within the signed 64-bit range."),
    ("cell-unicode", "cells", "validator",
     "A cell holds a character the Unicode policy refuses (bidi controls, zero-width characters, separators)."),
    ("cell-type", "cells", "validator",
     "A CSV cell is not of its field's type: not a whole number, not true or false, not a date that exists."),
    ("cell-constraint", "cells", "validator",
     "A CSV cell breaks its field's constraint: empty where required, not matching its pattern, below its "
     "minimum or above its maximum."),
    ("row-width", "cells", "validator", "A CSV row has more or fewer cells than the header."),
    ("json-schema", "cells", "validator", "A JSON twin's record does not pass its JSON Schema."),
    ("twin-mismatch", "cells", "validator", "A JSON twin differs from its CSV."),
    ("rules-differ", "schemas", "validator",
     "metadata/tables.yaml beside the package is not the one of its version that the validator's repository "
     "knows (its release's sums, or its own at that version): a check could have been switched off."),
    ("annotations-derived", "files", "validator",
     "annotations.jsonld is not exactly the rendering of the evidence table (a Web Annotation per evidence row)."),

    ("primary-key", "rows", "validator", "Two rows share the values of the primary key."),
    ("unique-key", "rows", "validator",
     "Two rows share the values of a uniqueKeys entry, or the value of a field that is unique."),
    ("vocabulary", "rows", "validator", "A cell holds a term outside its field's vocabulary."),
    ("range-order", "rows", "validator", "Bounds out of order, e.g. low above high."),
    ("edtf-invalid", "rows", "validator", "An EDTF value cannot be read."),
    ("date-edtf-mismatch", "rows", "validator",
     "A date's earliest or latest day, or its precision, is not what its EDTF value gives."),
    ("date-order", "rows", "validator", "A date's earliest day is after its latest day."),
    ("date-without-edtf", "rows", "validator", "Earliest or latest day given without an EDTF value."),
    # the sources and the spans quoted from them
    ("source-file", "sources", "validator",
     "A source row has no entry in sources.yaml, or no file, or one that is not a regular file inside sources/."),
    ("source-sha256", "sources", "validator", "A source file's sha256 differs from the sources table."),
    ("source-bytes", "sources", "validator", "A source file's size in bytes differs from the sources table."),
    ("source-length", "sources", "validator", "A source file's length in characters differs from the sources table."),
    ("span-range", "sources", "validator", "A span's offsets are not inside its source text."),
    ("span-mismatch", "sources", "validator", "A span's text is not the source's text at its offsets."),
    # evidence and values read again (the build makes these rows by construction)
    ("evidence-missing", "rows", "validator", "A curated record has no evidence row."),
    ("evidence-target", "rows", "validator", "An evidence row points at no record."),
    ("evidence-field", "rows", "validator",
     "An evidence row lists a field that is not a non-empty factual field of its record."),
    ("evidence-source", "rows", "validator", "A record that names its source is quoted from another."),
    ("quote-equals", "rows", "validator", "A value whose rule is equals-quote is not its quote."),
    ("quote-contains", "rows", "validator", "A value whose rule is in-quote is not inside its quote."),
    ("quote-date", "rows", "validator", "A date whose rule is date-in-quote is not read from its quote."),
    ("field-unsupported", "rows", "validator",
     "A non-empty factual field is listed by no evidence row and has no inference."),
    ("count-parse", "rows", "validator", "A count's number, bounds or certainty is not what its text reads as."),
    ("infobox-parse", "rows", "validator", "An infobox value's typed columns are not what its text reads as."),
    ("lag-parse", "rows", "validator", "An event link's lag is not what its lag_text reads as."),
    # rules on rows, shared with the build (rules.py)
    ("foreign-key", "rows", "both", "A foreign key points at no row of the table it names."),
    ("fields-together", "rows", "both", "Fields declared `together` are given together or not at all."),
    ("exactly-one", "rows", "both", "A record gives exactly one of the fields tables.yaml declares `exactly_one`."),
    ("field-only-when", "rows", "both", "A field declared `only_when` is given only in records that match."),
    ("self-pair", "rows", "both", "A record is paired with itself in fields declared `distinct`."),
    ("cycle", "rows", "both", "Edges declared `acyclic` (parents, part_of, located_in, after) form a cycle."),
    ("reference-type", "rows", "both", "A foreign key points at an entity of a type its `types` does not allow."),
    ("entity-unused", "rows", "both", "An entity is referred to by nothing but its own names."),
    ("script-mismatch", "rows", "both", "A name's letters are not of its script."),
    ("language-script", "rows", "both", "A name's language is not one written in its script."),
    ("canonical-name", "rows", "both", "An entity's name is not its one canonical name in entity_names."),
    ("fatalities-copy", "rows", "both",
     "An event's fatality columns are not what the fatality rule gives from its 'killed' counts."),
    ("inference-target", "rows", "both",
     "An inference names no record, an unknown rule, or a field its rule cannot fill."),
    ("inference-mismatch", "rows", "both",
     "An inference's value, or the record it copies from, is not what its rule gives."),
    ("disagreement-target", "rows", "both", "A disagreement compares a record its table does not have."),
    ("time-bounds", "rows", "both",
     "A relation's four time bounds, open end or time basis, or an event's earliest or latest day, are not what "
     "its own time and the temporal network give."),
    ("time-order", "rows", "both", "Bounds of the temporal network cross: the stated order contradicts itself."),
    ("inference-derived", "rows", "both",
     "The temporal network's inferences rows are not those it derives (missing, extra, or another rule, "
     "origin or chain)."),
    ("sources-derived", "rows", "both", "A curated row's sources are not the sources its evidence quotes."),
    ("rdf-derived", "files", "validator",
     "data/graph.trig is not the RDF rendering of the tables, or schemas/shapes.ttl not the shapes tables.yaml gives."),
)


def rule_of(code: str) -> Rule | None:
    """The rule a reported code belongs to."""
    return RULES.get(code)

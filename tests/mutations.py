"""Generate corrupted copies of the valid package: one corruption per mutant, each with
the error code and location validate.py must report.

Positions are taken from the package itself and sampled evenly, so the suite grows
with the data but stays bounded (MAX_PER_CLASS per class).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ansar_data.check.package import MAX_RESOURCE_RECORDS, typed_cell, typed_records
from ansar_data.core.schema import load_spec
from ansar_data.core.tables_io import cell, read_csv_records, to_csv, to_json
from ansar_data.core.values import edtf_bounds, parse_count
from helpers import read_csv

MAX_PER_CLASS = 12
# What validate.py reads; copied per mutant with conftest.copy_repo.
PARTS = ("datapackage.json", "data", "schemas", "sources", "metadata", "annotations.jsonld")


@dataclass(frozen=True)
class Mutant:
    cls: str
    label: str
    apply: Callable[[Path], None]
    code: str
    resource: str | None = None
    row: int | None = None
    field: str | None = None
    # The codes besides `code` the corrupted package may raise; None: not checked. The
    # value-level classes update the JSON twin and the hashes, so nothing else fires.
    alone: tuple[str, ...] | None = None


# ---- file helpers ----
# A mutant's copy of the package may hard-link the original files, so every edit
# replaces a file instead of writing into it.

def replace_file(path: Path, content: bytes) -> None:
    path.unlink()
    path.write_bytes(content)


def write_csv(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    replace_file(path, out.getvalue().encode("utf-8"))


def edit_cell(rel: str, row: int, column: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    """row counts the header as row 1: 2 is the first record."""
    def apply(pkg: Path) -> None:
        rows = read_csv(pkg / rel)
        col = rows[0].index(column)
        rows[row - 1][col] = change(rows[row - 1][col])
        write_csv(pkg / rel, rows)
    return apply


def edit_rows(rel: str, change: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        write_csv(pkg / rel, change(read_csv(pkg / rel)))
    return apply


def edit_bytes(rel: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        replace_file(pkg / rel, change((pkg / rel).read_bytes()))
    return apply


def edit_json(rel: str, change: Callable[[object], None]) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        data = json.loads((pkg / rel).read_text(encoding="utf-8"))
        change(data)
        replace_file(pkg / rel, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return apply


def write_hashed(pkg: Path, contents: dict[str, bytes]) -> None:
    """Replace resource files and write their new hashes (and sizes) into datapackage.json;
    the derived annotations and graph follow the tables, as their twins do."""
    edited = sorted({m[1] for path in contents if (m := re.fullmatch(r"data/(\w+)\.(?:csv|json)", path))})
    before = {name: _typed_or_none(pkg, name) for name in {*edited, "sources"}} if edited else {}
    descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for path, content in contents.items():
        replace_file(pkg / path, content)
        res = next(r for r in descriptor["resources"] if r["path"] == path)
        res["hash"] = "sha256:" + hashlib.sha256(content).hexdigest()
        if "bytes" in res:
            res["bytes"] = len(content)
    replace_file(pkg / "datapackage.json",
                 (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    if {"data/evidence.csv", "data/sources.csv"} & set(contents):
        rerender_annotations(pkg)
    if edited:
        rerender_graph(pkg, before, edited)


def _typed_or_none(pkg: Path, name: str) -> list[dict] | None:
    try:
        return _typed_csv(pkg, name)
    except (KeyError, TypeError, ValueError, OSError, IndexError, csv.Error):
        return None


def rerender_graph(pkg: Path, before: dict[str, list[dict] | None], edited: list[str]) -> None:
    """data/graph.trig as the build would write it from the edited tables: each edited
    table's part rendered again (core.rdf renders a table on its own) and put in place of
    the old one, with its hash. Left as it is where the edit leaves nothing to render, or
    a table too large for validate.py to read (it then compares no graph)."""
    from types import SimpleNamespace

    from ansar_data.core import rdf

    def views(rows: list[dict] | None) -> list:
        return [SimpleNamespace(id=r["id"], url=r["url"], revision=r["revision"]) for r in rows or []]
    try:
        spec = load_spec(pkg / "metadata" / "tables.yaml")
        graph = (pkg / rdf.GRAPH_PATH).read_text(encoding="utf-8")
        old_views, new_views = views(before.get("sources")), views(_typed_csv(pkg, "sources"))
        for name in sorted({*edited, *(["evidence"] if "sources" in edited else [])}):
            old = before.get(name) if name in before else _typed_csv(pkg, name)
            new = _typed_csv(pkg, name)
            if len(new) > MAX_RESOURCE_RECORDS:
                return
            old_text = _rendered(spec, name, old, old_views)
            new_text = _rendered(spec, name, new, new_views)
            if old_text and old_text in graph:
                graph = graph.replace(old_text, new_text, 1)
    except (KeyError, TypeError, ValueError, OSError, IndexError, AttributeError, csv.Error):
        return
    write_hashed(pkg, {rdf.GRAPH_PATH: graph.encode("utf-8")})


def _rendered(spec, name: str, rows: list[dict], views: list) -> str:
    """rdf.render_table, kept for the tables as they are in the package: most mutants
    leave all tables but one, and the sources, as they were."""
    from ansar_data.core import rdf

    key = (spec.digest, name, repr(rows), repr([(v.id, v.url, v.revision) for v in views]))
    if key not in _RENDERED:
        if len(_RENDERED) > 64:
            _RENDERED.clear()
        _RENDERED[key] = rdf.render_table(spec, spec.table(name), rows, views)
    return _RENDERED[key]


_RENDERED: dict[tuple, str] = {}


def _typed_csv(pkg: Path, name: str) -> list[dict]:
    """A table's records typed as validate.py reads them (package.typed_records)."""
    schema = (pkg / f"schemas/{name}.tableschema.json").read_bytes()
    text = (pkg / f"data/{name}.csv").read_text(encoding="utf-8")
    key = (name, schema, text)
    if key not in _TYPED:
        if len(_TYPED) > 64:
            _TYPED.clear()
        types = {f["name"]: f["type"] for f in json.loads(schema)["fields"]}
        rows = list(csv.reader(io.StringIO(text, newline="")))
        _TYPED[key] = typed_records(rows[0], rows[1:], types) if rows else []
    return [dict(r) for r in _TYPED[key]]


_TYPED: dict[tuple, list[dict]] = {}


def rerender_annotations(pkg: Path) -> None:
    """annotations.jsonld as the build would write it from the (edited) evidence and
    sources: derived like a JSON twin, so the annotation check alone does not fire on a
    mutant aimed at another. Left as it is where the edit leaves nothing to render."""
    from types import SimpleNamespace

    from ansar_data.core.tables_io import dump_json
    from ansar_data.core.yamlfile import read_yaml
    from ansar_data.curate import annotations

    try:
        descriptor = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
        index = {e["id"]: e["file"] for e in read_yaml(pkg / "sources" / "sources.yaml")}
        sources = [SimpleNamespace(id=r["id"], url=r["url"], revision=r["revision"],
                                   text=(pkg / "sources" / index[r["id"]]).read_text(encoding="utf-8"))
                   for r in _typed_csv(pkg, "sources")]
        rendered = annotations.render(_typed_csv(pkg, "evidence"), sources, descriptor["title"])
        if json.loads((pkg / "annotations.jsonld").read_bytes()) == rendered:
            return  # the edit left every annotation as it was (json's indented writer is slow)
    except (KeyError, TypeError, ValueError, OSError, IndexError):
        return
    replace_file(pkg / "annotations.jsonld", dump_json(rendered))


def edit_records(name: str, change: Callable[[list[dict[str, str]]], None]) -> Callable[[Path], None]:
    """Change the records of one table (as strings) and rewrite its CSV, its JSON twin
    and both hashes in datapackage.json, as a careless editor with the tools would."""
    def apply(pkg: Path) -> None:
        schema = json.loads((pkg / f"schemas/{name}.tableschema.json").read_text(encoding="utf-8"))
        fields = [f["name"] for f in schema["fields"]]
        types = {f["name"]: f["type"] for f in schema["fields"]}
        records = read_csv_records((pkg / f"data/{name}.csv").read_text(encoding="utf-8"))
        change(records)
        typed = [{f: typed_cell(r[f], types[f]) for f in fields} for r in records]
        write_hashed(pkg, {f"data/{name}.csv": to_csv(records, fields), f"data/{name}.json": to_json(typed, fields)})
    return apply


def edit_hashed(rel: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Change a resource file and write its new hash (and size) into datapackage.json."""
    def apply(pkg: Path) -> None:
        write_hashed(pkg, {rel: change((pkg / rel).read_bytes())})
    return apply


def set_where(match: dict[str, str], **values: str) -> Callable[[list[dict[str, str]]], None]:
    def change(records: list[dict[str, str]]) -> None:
        hits = [r for r in records if all(r[k] == v for k, v in match.items())]
        assert hits, f"no record {match}"
        for r in hits:
            r.update(values)
    return change


def rename_key(obj: dict, old: str, new: str) -> None:
    obj[new] = obj.pop(old)


def _csv(name: str) -> str:
    return f"data/{name}.csv"


def sample(items: list, limit: int = MAX_PER_CLASS) -> list:
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


# ---- the package as it is ----

@dataclass
class Table:
    name: str
    rows: list[list[str]]
    schema: dict

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        for i, row in enumerate(self.rows[1:], start=2):
            yield i, dict(zip(self.header, row))

    def fields(self, **match) -> list[dict]:
        return [f for f in self.schema["fields"]
                if all(f.get(k) == v or f.get("constraints", {}).get(k) == v for k, v in match.items())]


def load_tables(root: Path) -> tuple[dict, dict[str, Table]]:
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    tables = {}
    for res in descriptor["resources"]:
        if res["format"] == "csv":
            schema = json.loads((root / res["schema"]).read_text(encoding="utf-8"))
            tables[res["name"]] = Table(res["name"], read_csv(root / res["path"]), schema)
    return descriptor, tables


def spans_of(root: Path) -> dict[str, list[dict]]:
    return {t.name: t.spans for t in load_spec(root / "metadata" / "tables.yaml").tables if t.spans}


def evidenced_tables(root: Path) -> list[str]:
    return list(load_spec(root / "metadata" / "tables.yaml").vocabularies["curated_table"].terms)


# ---- the classes of corruption ----

Add = Callable[[str, list[Mutant]], None]  # adds a class's mutants, sampled

def generate(root: Path) -> list[Mutant]:
    """Every mutant, by class: each group below adds its classes."""
    descriptor, tables = load_tables(root)
    mutants: list[Mutant] = []

    def add(cls: str, items: list[Mutant]) -> None:
        mutants.extend(sample(items))

    add_keys_and_terms(root, descriptor, tables, add)
    add_values(root, descriptor, tables, add)
    add_spans(root, descriptor, tables, add)
    add_descriptor_typos(root, descriptor, tables, add)
    add_layout(root, descriptor, tables, add)
    add_twin_differs(root, descriptor, tables, add)
    add_descriptor_values(root, descriptor, tables, add)
    add_cell_damage(root, descriptor, tables, add)
    add_evidence_missing(root, descriptor, tables, add)
    add_truncated(root, descriptor, tables, add)
    add_fatalities_copy(root, descriptor, tables, add)
    add_value_level(root, tables, add)
    add_limits(tables, add)
    add_unicode(tables, add)
    add_graph(tables, add)
    add_files(root, tables, add)
    add_shared_rules(root, tables, add)
    add_sources_and_dates(root, tables, add)
    add_twins_and_csv(tables, add)
    add_whole_files(root, descriptor, tables, add)
    add_derived_columns(tables, add)
    add_annotations(root, add)
    add_rdf(root, add)
    add_rules_switched_off(root, add)
    add("resource-dropped", [
        Mutant("resource-dropped", f"descriptor without {res['name']}",
               edit_json("datapackage.json", lambda d, n=res["name"]: d.update(
                   resources=[r for r in d["resources"] if r["name"] != n])),
               "resource-undeclared", res["name"], None, None)
        for res in descriptor["resources"]])
    return mutants


def add_keys_and_terms(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Duplicate keys, dangling foreign keys, terms outside their vocabulary."""
    # 1. duplicate primary key: a record takes the key of the record before it
    items = []
    for t in tables.values():
        pk = t.schema["primaryKey"]
        for i, _ in list(t.records())[1:3]:
            prev = dict(zip(t.header, t.rows[i - 2]))

            def dup(rows, i=i, pk=pk, prev=prev, header=t.header):
                for k in pk:
                    rows[i - 1][header.index(k)] = prev[k]
                return rows
            items.append(Mutant("duplicate-primary-key", f"{t.name} row {i}", edit_rows(_csv(t.name), dup),
                                "primary-key", t.name, i, ",".join(pk)))
    add("duplicate-primary-key", items)

    # 2. dangling foreign key
    items = []
    for t in tables.values():
        for fk in t.schema.get("foreignKeys", []):
            column = fk["fields"][-1]
            ftype = next(f["type"] for f in t.schema["fields"] if f["name"] == column)
            row = next((i for i, r in t.records() if r[column]), None)
            if row is None:
                continue
            value = "999" if ftype == "integer" else "no-such-record"
            items.append(Mutant("dangling-foreign-key", f"{t.name}.{column} row {row}",
                                edit_cell(_csv(t.name), row, column, lambda v, value=value: value),
                                "foreign-key", t.name, row))
    add("dangling-foreign-key", items)

    # 3. unknown vocabulary term
    items = []
    for t in tables.values():
        for f in t.schema["fields"]:
            if "categories" in f:
                row = next((i for i, r in t.records() if r[f["name"]]), None)
                if row:
                    items.append(Mutant("unknown-vocabulary-term", f"{t.name}.{f['name']} row {row}",
                                        edit_cell(_csv(t.name), row, f["name"], lambda v: "bogus_term"),
                                        "vocabulary", t.name, row, f["name"]))
    add("unknown-vocabulary-term", items)


def add_values(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Bounds out of order, impossible dates, invalid EDTF, dates that disagree with it."""
    # 4. bounds out of order (low above high)
    items = []
    for name, low, mid, high in (("events", "fatalities_low", "fatalities_best", "fatalities_high"),
                                 ("counts", "number_min", "number", "number_max"),
                                 ("infobox_values", "number_min", "number", "number_max")):
        for i, r in tables[name].records():
            base = r[low] or r[mid]
            if base:
                items.append(Mutant("bounds-out-of-order", f"{name} row {i}",
                                    edit_cell(_csv(name), i, high, lambda v, b=base: str(int(b) - 1)),
                                    "range-order", name, i, high))
    add("bounds-out-of-order", items)

    # 5. impossible calendar date
    items = [Mutant("impossible-date", f"events row {i}",
                    edit_cell("data/events.csv", i, "date_end", lambda v: v[:5] + "02-30"),
                    "cell-type", "events", i, "date_end")
             for i, r in tables["events"].records() if r["date_end"]]
    add("impossible-date", items)

    # 6. invalid EDTF
    items = []
    for name, column in (("events", "edtf"), ("relations", "valid_edtf"), ("infobox_values", "edtf")):
        items += [Mutant("invalid-edtf", f"{name} row {i}",
                         edit_cell(_csv(name), i, column, lambda v: "1983-13"),
                         "edtf-invalid", name, i, column)
                  for i, r in tables[name].records() if r[column]]
    add("invalid-edtf", items)

    # 7. date bounds that disagree with the EDTF value
    items = []
    for name, column in (("events", "date_start"), ("infobox_values", "date_start")):
        items += [Mutant("date-disagrees-with-edtf", f"{name} row {i}",
                         edit_cell(_csv(name), i, column, lambda v: str(int(v[:4]) - 1) + v[4:]),
                         "date-edtf-mismatch", name, i, column)
                  for i, r in tables[name].records() if r[column]]
    add("date-disagrees-with-edtf", items)


def add_spans(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Spans that no longer point at their text, and altered source bytes."""
    spans = spans_of(root)
    # 8. shifted offset, 9. altered quote
    shifted, altered = [], []
    for name, table_spans in spans.items():
        span = table_spans[0]
        for i, _ in tables[name].records():
            shifted.append(Mutant("shifted-offset", f"{name} row {i}",
                                  edit_cell(_csv(name), i, span["start"], lambda v: str(int(v) + 1)),
                                  "span-mismatch", name, i, span["text"]))
            altered.append(Mutant("altered-quote", f"{name} row {i}",
                                  edit_cell(_csv(name), i, span["text"], lambda v: v[:-1] + "#"),
                                  "span-mismatch", name, i, span["text"]))
    add("shifted-offset", shifted)
    add("altered-quote", altered)

    # 10. altered source byte
    items = []
    for row, (_, r) in enumerate(tables["sources"].records(), start=2):
        data = (root / "sources" / f"{r['id']}.txt").read_bytes()
        for at in (30, len(data) // 2, len(data) - 10):
            pos = next(p for p in range(at, len(data)) if chr(data[p]).isalpha() and data[p] < 128)
            items.append(Mutant("altered-source-byte", f"{r['id']} byte {pos}",
                                edit_bytes(f"sources/{r['id']}.txt",
                                           lambda d, p=pos: d[:p] + bytes([d[p] ^ 0x20]) + d[p + 1:]),
                                "source-sha256", "sources", row, "sha256"))
    add("altered-source-byte", items)


def add_descriptor_typos(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Misspelt keys in the descriptor and the Table Schemas, missing files."""
    resources = descriptor["resources"]
    # 11. descriptor typo in a resource; 12. typo in a Table Schema
    typos = [("schema", "shema"), ("hash", "hashh"), ("encoding", "encodng"), ("mediatype", "mediaType")]
    items = []
    for n, res in enumerate(resources):
        old, new = typos[n % len(typos)]

        def typo(d, n=n, old=old, new=new):
            rename_key(d["resources"][n], old, new)
        items.append(Mutant("descriptor-typo", f"{res['name']}.{old}", edit_json("datapackage.json", typo),
                            "descriptor-strict", res["name"], None, new))
    for old, new in (("licenses", "license"), ("contributors", "contributor"), ("sources", "source")):
        items.append(Mutant("descriptor-typo", f"package.{old}",
                            edit_json("datapackage.json", lambda d, o=old, n=new: rename_key(d, o, n)),
                            "descriptor-strict", None, None, new))
    add("descriptor-typo", items)
    items = []
    for t in tables.values():
        rel = f"schemas/{t.name}.tableschema.json"
        items.append(Mutant("table-schema-typo", f"{t.name} primaryKeys",
                            edit_json(rel, lambda s: rename_key(s, "primaryKey", "primaryKeys")),
                            "schema-strict", t.name, None, "primaryKeys"))
        if "foreignKeys" in t.schema:
            items.append(Mutant("table-schema-typo", f"{t.name} foreignkey",
                                edit_json(rel, lambda s: rename_key(s, "foreignKeys", "foreignkey")),
                                "schema-strict", t.name, None, "foreignkey"))
        items.append(Mutant("table-schema-typo", f"{t.name} field constraint",
                            edit_json(rel, lambda s: rename_key(s["fields"][0], "constraints", "constraint")),
                            "schema-strict", t.name, None, "constraint"))
    add("table-schema-typo", items)

    # 13. missing resource file
    add("missing-resource-file", [
        Mutant("missing-resource-file", res["path"], lambda pkg, p=res["path"]: (pkg / p).unlink(),
               "resource-missing", res["name"], None, "path") for res in resources])


def add_layout(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Columns added or reordered, blank required cells, damaged bytes of whole files."""
    resources = descriptor["resources"]
    # 14. extra column, 15. reordered columns
    add("extra-column", [
        Mutant("extra-column", t.name, edit_rows(_csv(t.name), lambda rows: [r + ["x"] for r in rows]),
               "header-mismatch", t.name, 1) for t in tables.values()])
    add("reordered-columns", [
        Mutant("reordered-columns", t.name,
               edit_rows(_csv(t.name), lambda rows: [[r[1], r[0], *r[2:]] for r in rows]),
               "header-mismatch", t.name, 1) for t in tables.values()])

    # 16. blank required cell
    items = []
    for t in tables.values():
        for f in t.fields(required=True):
            row = 2 + (len(t.rows) - 2) // 2
            items.append(Mutant("blank-required-cell", f"{t.name}.{f['name']} row {row}",
                                edit_cell(_csv(t.name), row, f["name"], lambda v: ""),
                                "cell-constraint", t.name, row, f["name"]))
    add("blank-required-cell", items)

    # a row one cell short or one cell long, the header as it was
    items = []
    for n, t in enumerate(tables.values()):
        row = 2 + (len(t.rows) - 2) // 2

        def ragged(rows, row=row, longer=n % 2 == 1):
            rows[row - 1] = rows[row - 1] + ["x"] if longer else rows[row - 1][:-1]
            return rows
        items.append(Mutant("row-width", f"{t.name} row {row}", edit_rows(_csv(t.name), ragged),
                            "row-width", t.name, row))
    add("row-width", items)

    # 17-19, 24. byte-level damage of whole files
    add("byte-order-mark", [
        Mutant("byte-order-mark", r["path"], edit_bytes(r["path"], lambda d: b"\xef\xbb\xbf" + d),
               "file-bom", r["name"], 1) for r in resources])
    add("crlf-line-endings", [
        Mutant("crlf-line-endings", r["path"], edit_bytes(r["path"], lambda d: d.replace(b"\n", b"\r\n")),
               "file-crlf", r["name"], 1) for r in resources])
    items = []
    for r in resources:
        if r["format"] == "csv":
            items.append(Mutant("invalid-utf8", r["path"],
                                edit_bytes(r["path"], lambda d: d.replace(b"\n", b"\n\xff", 2)
                                           .replace(b"\n\xff", b"\n", 1)),
                                "file-utf8", r["name"], 3))
    add("invalid-utf8", items)
    add("no-final-newline", [
        Mutant("no-final-newline", r["path"], edit_bytes(r["path"], lambda d: d[:-1]),
               "file-final-newline", r["name"]) for r in resources])


def add_twin_differs(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """A JSON twin that differs from its CSV."""
    # 20. JSON twin differs from its CSV
    items = []
    for t in tables.values():
        column = next(f["name"] for f in t.schema["fields"] if f["type"] == "string"
                      and "categories" not in f and "pattern" not in f.get("constraints", {})
                      and f["name"] not in t.schema["primaryKey"] and t.rows[1][t.header.index(f["name"])])

        def change(data, column=column):
            data[0][column] = data[0][column] + " and more"
        items.append(Mutant("json-twin-differs", f"{t.name}_json.{column}", edit_json(f"data/{t.name}.json", change),
                            "twin-mismatch", f"{t.name}_json", 2, column))
    add("json-twin-differs", items)


def add_descriptor_values(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Wrong hashes and paths that leave the package."""
    resources = descriptor["resources"]
    # 21. wrong hash, 22. path escaping the package
    def set_hash(d, n):
        d["resources"][n]["hash"] = "sha256:" + hashlib.sha256(b"something else").hexdigest()
    add("wrong-hash", [
        Mutant("wrong-hash", r["name"], edit_json("datapackage.json", lambda d, n=n: set_hash(d, n)),
               "resource-hash", r["name"], None, "hash") for n, r in enumerate(resources)])
    escapes = ["../{}", "/etc/{}", "https://example.org/{}", "data/../../{}"]
    items = []
    for n, r in enumerate(resources):
        target = escapes[n % len(escapes)].format(r["path"])

        def escape(d, n=n, target=target):
            d["resources"][n]["path"] = target
        items.append(Mutant("path-escapes-package", f"{r['name']} -> {target}", edit_json("datapackage.json", escape),
                            "resource-path", r["name"], None, "path"))
    add("path-escapes-package", items)


def add_cell_damage(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Formula injection, non-NFC text, control characters, trailing spaces."""
    # 23, 25-27. cell-level damage in string fields
    def text_column(t: Table) -> str:
        return next(f["name"] for f in t.schema["fields"]
                    if f["type"] == "string" and t.rows[2][t.header.index(f["name"])])
    for cls, code, change in (("csv-injection", "csv-injection", lambda v: "=" + v),
                              ("not-nfc", "file-nfc", lambda v: v + " e\u0301"),
                              ("control-character", "cell-control", lambda v: v + "\x07"),
                              ("trailing-space", "cell-whitespace", lambda v: v + " ")):
        add(cls, [Mutant(cls, f"{t.name}.{text_column(t)}", edit_cell(_csv(t.name), 3, text_column(t), change),
                         code, t.name, 3, None if code == "file-nfc" else text_column(t))
                  for t in tables.values()])


def add_evidence_missing(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """A curated record without evidence."""
    # 28. curated record without evidence
    items = []
    for table in evidenced_tables(root):
        row, rec = next(iter(tables[table].records()))

        def drop(rows, table=table, rid=rec["id"]):
            return [r for r in rows if not (r[0] == table and r[1] == rid)]
        items.append(Mutant("evidence-missing", f"{table} {rec['id']}", edit_rows("data/evidence.csv", drop),
                            "evidence-missing", table, row, "id"))
    add("evidence-missing", items)


def add_truncated(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Truncated downloads."""
    resources = descriptor["resources"]
    # 29. truncated download
    add("truncated-file", [
        Mutant("truncated-file", r["path"], edit_bytes(r["path"], lambda d: d[: len(d) // 2]),
               "resource-hash", r["name"], None, "hash") for r in resources])


def add_fatalities_copy(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """Event fatality columns that no longer equal their count."""
    # 30. event fatality columns that no longer equal their count
    add("fatalities-copy-differs", [
        Mutant("fatalities-copy-differs", f"events row {i}",
               edit_cell("data/events.csv", i, "fatalities_text", lambda v: v + " or so"),
               "fatalities-copy", "events", i, "fatalities_text")
        for i, r in tables["events"].records() if r["fatalities_text"]])


def _times_ten(text: str) -> str:
    match = re.search(r"\d{1,3}(?:,\d{3})+|\d+", text)
    number = int(match[0].replace(",", "")) * 10
    return text[:match.start()] + (f"{number:,}" if "," in match[0] else str(number)) + text[match.end():]


def _count_columns(text: str) -> dict[str, str]:
    return {"text": text, **{k: cell(v) for k, v in parse_count(text).columns().items()}}


def add_limits(tables: dict[str, Table], add: Add) -> None:
    """Cells no tool can hold, written with the JSON twin and hashes updated."""
    add("integer-not-ascii", [
        Mutant("integer-not-ascii", f"sections {r['source']} {r['ordinal']} {value!r}",
               edit_records("sections", set_where({"source": r["source"], "ordinal": r["ordinal"]}, level=value)),
               "integer-invalid", "sections", i, "level", ("json-schema", "cell-type"))
        for (i, r), value in zip(list(tables["sections"].records())[:3], ["\u0662", "0_2", "9223372036854775808"])])
    add("cell-over-limit", [
        Mutant("cell-over-limit", f"entities {r['id']}",
               edit_records("entities", set_where({"id": r["id"]}, description="word " * 8000 + "end")),
               "cell-limit", "entities", i, "description", ())
        for i, r in list(tables["entities"].records())[:3]])
    add("cell-past-csv-limit", [
        Mutant("cell-past-csv-limit", f"entities {r['id']}",
               edit_records("entities", set_where({"id": r["id"]}, description="word " * 30000 + "end")),
               # past the csv module's own field limit
               "csv-unreadable", "entities", None, None, ("cell-limit",))
        for _, r in list(tables["entities"].records())[:2]])


def add_unicode(tables: dict[str, Table], add: Add) -> None:
    """Characters that hide or reorder text, and names tagged with a script or language
    their letters do not have; JSON twin and hashes updated."""
    entities = list(tables["entities"].records())
    add("hidden-character", [
        Mutant("hidden-character", f"entities {r['id']} U+{ord(char):04X}",
               edit_records("entities", set_where({"id": r["id"]}, description=r["description"].replace(" ", char, 1))),
               "cell-unicode", "entities", i, "description", ())
        for (i, r), char in zip(entities, ["\u202e", "\u200b", "\u2028", "\u0085", "\u2067", "\ufeff"])])
    arabic = [(i, r) for i, r in tables["entity_names"].records() if r["script"] == "Arab"]
    add("name-script-mismatch", [
        Mutant("name-script-mismatch", f"entity_names {r['id']}",
               edit_records("entity_names", set_where({"id": r["id"]}, script="Latn")),
               "script-mismatch", "entity_names", i, "script", ())
        for i, r in arabic[:4]])
    add("name-language-misfit", [
        Mutant("name-language-misfit", f"entity_names {r['id']}",
               edit_records("entity_names", set_where({"id": r["id"]}, language_tag="en")),
               "language-script", "entity_names", i, "language_tag", ())
        for i, r in arabic[:4]])


def add_graph(tables: dict[str, Table], add: Add) -> None:
    """A record paired with itself, a cycle of parents, a key pointing at the wrong kind
    of entity; JSON twin and hashes updated."""
    add("disagreement-with-itself", [
        Mutant("disagreement-with-itself", f"disagreements {r['id']}",
               edit_records("disagreements", set_where({"id": r["id"]}, record_b=r["record_a"])),
               # the disagreement's sources come from the records it compares
               "self-pair", "disagreements", i, "record_b", ("sources-derived",))
        for i, r in list(tables["disagreements"].records())[:3]])
    events = dict((r["id"], (i, r)) for i, r in tables["events"].records())
    children = [(i, r) for i, r in tables["events"].records() if r["parent"]]
    add("parent-cycle", [
        Mutant("parent-cycle", f"events {events[r['parent']][1]['id']} -> {r['id']}",
               edit_records("events", set_where({"id": r["parent"]}, parent=r["id"], parent_relation="part_of")),
               "cycle", "events", None, "parent", ("field-unsupported", *TIME_MOVES))
        for _, r in children[:3] if not events[r["parent"]][1]["parent"]])
    add("place-not-a-place", [
        Mutant("place-not-a-place", f"events {r['id']}",
               edit_records("events", set_where({"id": r["id"]}, place="al-ansar")),
               "reference-type", "events", i, "place", ("entity-unused",))  # the place may be left unused
        for i, r in list(tables["events"].records()) if r["place"]][:3])


def _first_key_twice(data: bytes) -> bytes:
    """The first record of a JSON twin with its first key written twice."""
    start = data.index(b"{")
    end = data.index(b", ", start)
    return data[:end] + b", " + data[start + 1:end] + data[end:]


def _drop_enum(schema: dict) -> None:
    prop = next(p for p in schema["items"]["properties"].values() if "enum" in p)
    del prop["enum"]


def add_files(root: Path, tables: dict[str, Table], add: Add) -> None:
    """Schema files edited by hand, JSON files that readers read differently, a table
    too large to read; hashes updated, so only the targeted check can catch them."""
    with_keys = [t for t in tables.values() if t.schema.get("foreignKeys")]
    with_terms = [t for t in tables.values() if any("categories" in f for f in t.schema["fields"])]
    add("schema-edited", [
        Mutant("schema-edited", f"{t.name} without foreignKeys",
               edit_json(f"schemas/{t.name}.tableschema.json", lambda d: d.pop("foreignKeys")),
               "schema-derived", t.name, None, "schema", ()) for t in with_keys[:4]] + [
        Mutant("schema-edited", f"{t.name} without categories",
               edit_json(f"schemas/{t.name}.tableschema.json",
                         lambda d: next(f for f in d["fields"] if "categories" in f).pop("categories")),
               "schema-derived", t.name, None, "schema", ()) for t in with_terms[:4]] + [
        Mutant("schema-edited", f"{t.name} JSON Schema without an enum",
               edit_json(f"schemas/{t.name}.schema.json", _drop_enum),
               "schema-derived", f"{t.name}_json", None, "jsonSchema", ()) for t in with_terms[:4]])
    add("json-key-twice", [
        Mutant("json-key-twice", f"data/{t.name}.json", edit_hashed(f"data/{t.name}.json", _first_key_twice),
               "json-duplicate-key", f"{t.name}_json", None, "path", ()) for t in list(tables.values())[:6]] + [
        Mutant("json-key-twice", f"schemas/{t.name}.tableschema.json",
               edit_bytes(f"schemas/{t.name}.tableschema.json",
                          lambda d: d.replace(b'{\n  "$schema": ', b'{\n  "$schema": "x",\n  "$schema": ', 1)),
               "json-duplicate-key", t.name, None, "schema", ()) for t in list(tables.values())[:3]])
    add("json-unreadable", [
        Mutant("json-unreadable", f"data/{t.name}.json", edit_hashed(f"data/{t.name}.json", lambda d: d[:-3] + b"\n"),
               "json-invalid", f"{t.name}_json", None, "path", ()) for t in list(tables.values())[:4]])
    values = list(tables["infobox_values"].records())
    add("infobox-typing-flags", [
        Mutant("infobox-typing-flags", f"infobox_values row {i} {column}",
               edit_records("infobox_values", set_where({"source": r["source"], "field_ordinal": r["field_ordinal"],
                                                         "ordinal": r["ordinal"]}, **{column: flipped})),
               "infobox-parse", "infobox_values", i, column, ())
        for n, (i, r) in enumerate(values[:8])
        for column, flipped in ([("datatype_source", "inferred")] if n % 2 else [("markup_residue", "true")])])
    add("table-too-large", [
        Mutant("table-too-large", f"data/{name}.csv with 300,001 records",
               edit_hashed(f"data/{name}.csv", lambda d: d + (d.split(b"\n")[1] + b"\n") * 300_001),
               "resource-too-large", name, None, "path", ()) for name in ("sections",)])


def add_value_level(root: Path, tables: dict[str, Table], add: Add) -> None:
    evidence = list(tables["evidence"].records())
    evidence_at = dict(evidence)
    # the curated inferences (a quote dated by another event, a part by its whole); the
    # temporal network's rows have classes of their own (add_derived_columns)
    rules = load_spec(root / "metadata" / "tables.yaml").vocabularies["inference_rule"].attributes
    inferences = [(i, r) for i, r in tables["inferences"].records() if "constraints" not in rules[r["rule"]]]
    inferred = {(r["record_table"], r["record_id"], r["field"]) for _, r in inferences}
    sources = {r["id"] for _, r in tables["sources"].records()}
    texts = {s: (root / "sources" / f"{s}.txt").read_text(encoding="utf-8") for s in sources}

    add("count-text-not-in-quote", [
        Mutant("count-text-not-in-quote", f"counts {r['id']}",
               edit_records("counts", set_where({"id": r["id"]}, **_count_columns(_times_ten(r["text"])))),
               "quote-contains", "counts", i, "text", ("fatalities-copy",))
        for i, r in tables["counts"].records()])
    items = []
    for i, r in tables["counts"].records():
        column = "number" if r["number"] else "number_min"
        items.append(Mutant("count-misparse", f"counts {r['id']} {column}",
                            edit_records("counts", set_where({"id": r["id"]}, **{column: str(int(r[column]) + 1)})),
                            "count-parse", "counts", i, column, ("fatalities-copy",)))
    add("count-misparse", items)
    items = []
    for i, r in tables["infobox_values"].records():
        key = {"source": r["source"], "field_ordinal": r["field_ordinal"], "ordinal": r["ordinal"]}
        if r["datatype"] == "count":
            column = "number" if r["number"] else "number_min"
            change = {column: str(int(r[column]) * 2)}
        elif r["datatype"] == "text":
            column, change = "value_text", {"value_text": r["value_text"] + " area"}
        else:
            continue
        items.append(Mutant("infobox-misparse", f"infobox_values row {i} {column}",
                            edit_records("infobox_values", set_where(key, **change)),
                            "infobox-parse", "infobox_values", i, column, ()))
    add("infobox-misparse", items)
    add("name-not-its-quote", [
        Mutant("name-not-its-quote", f"entity_names {r['id']}",
               edit_records("entity_names", set_where({"id": r["id"]}, name=r["name"] + " Brigade")),
               # " Brigade" is Latin: an Arabic-script name now also mixes scripts
               "quote-equals", "entity_names", i, "name", ("script-mismatch",))
        for i, r in tables["entity_names"].records() if r["canonical"] != "true"])
    links = list(tables["event_links"].records())
    add("link-lag-misread", [
        Mutant("link-lag-misread", f"event_links {r['id']}",
               edit_records("event_links", set_where({"id": r["id"]}, lag_duration="P2D")),
               "lag-parse", "event_links", i, "lag_duration", TIME_MOVES)
        for i, r in links if r["lag_duration"]])
    add("link-two-targets", [
        Mutant("link-two-targets", f"event_links {r['id']}",
               edit_records("event_links", set_where({"id": r["id"]}, literal="later")),
               "exactly-one", "event_links", i, "to_event", ("field-unsupported",))
        for i, r in links if r["to_event"]][:3])
    entities = list(tables["entities"].records())
    add("canonical-name-swapped", [
        Mutant("canonical-name-swapped", f"entities {r['id']}",
               edit_records("entities", set_where({"id": r["id"]}, name=entities[(n + 1) % len(entities)][1]["name"])),
               "canonical-name", "entities", i, "name", ("quote-equals",))
        for n, (i, r) in enumerate(entities)])
    items = []
    for i, r in evidence:
        if r["record_table"] not in ("counts", "claim_assessments"):
            continue
        other = next(s for s in sorted(sources) if s != r["source"])
        k = max((k for k in range(1, len(r["quote"]) + 1) if r["quote"][:k] in texts[other]), default=0)
        if k == 0:
            continue
        quote = r["quote"][:k].strip()
        start = texts[other].index(quote)
        key = {"record_table": r["record_table"], "record_id": r["record_id"], "ordinal": r["ordinal"]}
        items.append(Mutant("evidence-other-source", f"evidence row {i} -> {other}",
                            edit_records("evidence", set_where(key, source=other, char_start=str(start),
                                                               char_end=str(start + len(quote)), quote=quote)),
                            "evidence-source", "evidence", i, "source", ("quote-contains", "sources-derived")))
    add("evidence-other-source", items)
    items = []
    for table, column, start, end in (("events", "edtf", "date_start", "date_end"),):
        for i, r in tables[table].records():
            if re.fullmatch(r"\d{4}", r[column]) and (table, r["id"], column) not in inferred:
                later = str(int(r[column]) + 1)
                bounds = edtf_bounds(later)
                items.append(Mutant("date-not-in-quote", f"{table} {r['id']}",
                                    edit_records(table, set_where({"id": r["id"]}, **{
                                        column: later, start: bounds[0], end: bounds[1]})),
                                    "quote-date", table, i, column, ("inference-mismatch", *TIME_MOVES)))
    add("date-not-in-quote", items)
    items = []
    events = {r["id"]: (i, r) for i, r in tables["events"].records()}
    for _, inf in inferences:
        if inf["rule"] == "parent_date":
            i, event = events[inf["record_id"]]
            year, month = event["edtf"].split("-")
            later = f"{year}-{int(month) % 12 + 1:02d}"
            bounds = edtf_bounds(later)
            items.append(Mutant("inference-not-its-rule", f"events {inf['record_id']}",
                                edit_records("events", set_where({"id": inf["record_id"]}, edtf=later,
                                                                 date_start=bounds[0], date_end=bounds[1])),
                                "inference-mismatch", "events", i, "edtf", TIME_MOVES))
    add("inference-not-its-rule", items)
    items = []
    for _, inf in inferences:
        row = next(i for i, r in tables[inf["record_table"]].records() if r["id"] == inf["record_id"])
        key = {k: inf[k] for k in ("record_table", "record_id", "field")}
        items.append(Mutant("inference-dropped", f"{inf['record_table']} {inf['record_id']} {inf['field']}",
                            edit_records("inferences", lambda recs, key=key: recs.remove(
                                next(r for r in recs if all(r[k] == v for k, v in key.items())))),
                            "field-unsupported", inf["record_table"], row, inf["field"], ("time-bounds",)))
    add("inference-dropped", items)
    items = []
    listed: dict[tuple[str, str, str], list[int]] = {}
    for i, r in evidence:
        for f in r["fields"].split():
            listed.setdefault((r["record_table"], r["record_id"], f), []).append(i)
    for (table, rid, f), where in listed.items():
        i = where[0]
        ev = evidence_at[i]
        if len(where) != 1 or ev["fields"] == f:
            continue
        row = next(n for n, r in tables[table].records() if r["id"] == rid)
        key = {"record_table": table, "record_id": rid, "ordinal": ev["ordinal"]}
        rest = " ".join(x for x in ev["fields"].split() if x != f)
        items.append(Mutant("evidence-field-dropped", f"{table} {rid} {f}",
                            edit_records("evidence", set_where(key, fields=rest)),
                            "field-unsupported", table, row, f, ()))
    add("evidence-field-dropped", items)
    add("evidence-field-unknown", [
        Mutant("evidence-field-unknown", f"evidence row {i}",
               edit_records("evidence", set_where({k: r[k] for k in ("record_table", "record_id", "ordinal")},
                                                  fields=r["fields"] + " description")),
               "evidence-field", "evidence", i, "fields", ())
        for i, r in evidence])
    add("inference-target-missing", [
        Mutant("inference-target-missing", f"inferences row {i}",
               edit_records("inferences", set_where({k: r[k] for k in ("record_table", "record_id", "field")},
                                                    record_id="no-such-record")),
               "inference-target", "inferences", i, "record_id", ("field-unsupported", "time-bounds"))
        for i, r in inferences])


def add_shared_rules(root: Path, tables: dict[str, Table], add: Add) -> None:
    """Rows the build refuses (rules.py, shared), edited by hand with the JSON twin and
    hashes updated, so that only the shared rule can catch them."""
    events = list(tables["events"].records())
    add("fields-not-together", [
        Mutant("fields-not-together", f"events {r['id']} without {second}",
               edit_records("events", set_where({"id": r["id"]}, **{second: ""})),
               "fields-together", "events", i, second, ())
        for first, second in (("place", "place_precision"), ("parent", "parent_relation"))
        for i, r in events if r[first]][:6])
    counts, relations = list(tables["counts"].records()), list(tables["relations"].records())
    add("not-exactly-one", [
        Mutant("not-exactly-one", f"counts {r['id']} of an event and an entity",
               edit_records("counts", set_where({"id": r["id"]}, entity="al-ansar")),
               "exactly-one", "counts", i, "event", ("field-unsupported",))
        for i, r in counts if r["event"]][:3] + [
        Mutant("not-exactly-one", f"relations {r['id']} with an object and a literal",
               edit_records("relations", set_where({"id": r["id"]}, literal="something")),
               "exactly-one", "relations", i, "object", ("field-unsupported",))
        for i, r in relations if r["object"]][:3])
    add("lag-not-after", [
        Mutant("lag-not-after", f"event_links {r['id']}",
               edit_records("event_links", set_where({"id": r["id"]}, lag_text="two weeks", lag_duration="P2W")),
               "field-only-when", "event_links", i, "lag_text", ("field-unsupported",))
        for i, r in tables["event_links"].records() if r["link"] != "after"][:3])
    add("inference-from-itself", [
        Mutant("inference-from-itself", f"inferences {r['record_table']} {r['record_id']}",
               edit_records("inferences", set_where({k: r[k] for k in ("record_table", "record_id", "field")},
                                                    from_record=r["record_id"])),
               "self-pair", "inferences", i, "from_record", ())
        for i, r in tables["inferences"].records() if r["record_table"] == "events" and r["rule"] == "referent_date"])
    add("disagreement-target-missing", [
        Mutant("disagreement-target-missing", f"disagreements {r['id']}",
               edit_records("disagreements", set_where({"id": r["id"]}, record_a="no-such-record")),
               "disagreement-target", "disagreements", i, "record_a", ("sources-derived",))
        for i, r in list(tables["disagreements"].records())[:3]])
    add("entity-left-unused", _unused_entity_mutants(tables))


def _unused_entity_mutants(tables: dict[str, Table]) -> list[Mutant]:
    """A relation's object re-pointed from an entity nothing else refers to, to another
    entity of the same type: the first is left unused."""
    uses: dict[str, int] = {}
    for t in tables.values():
        if t.name == "entity_names":
            continue
        for fk in t.schema.get("foreignKeys", []):
            if fk["reference"]["resource"] == "entities":
                for _, r in t.records():
                    if r[fk["fields"][0]]:
                        uses[r[fk["fields"][0]]] = uses.get(r[fk["fields"][0]], 0) + 1
    types = {r["id"]: r["type"] for _, r in tables["entities"].records()}
    rows = {r["id"]: i for i, r in tables["entities"].records()}
    out = []
    for _, r in tables["relations"].records():
        if r["object"] and uses.get(r["object"]) == 1 and r["predicate"] not in ("part_of", "located_in"):
            other = next((e for e in sorted(types) if types[e] == types[r["object"]]
                          and e not in (r["object"], r["subject"])), None)
            if other:
                out.append(Mutant("entity-left-unused", f"relations {r['id']} -> {other}",
                                  edit_records("relations", set_where({"id": r["id"]}, object=other)),
                                  "entity-unused", "entities", rows[r["object"]], "id", ()))
    return out[:3]


def add_sources_and_dates(root: Path, tables: dict[str, Table], add: Add) -> None:
    """Sources, spans, dates, keys and files that only validate.py can see; hashes and
    twins updated where the file is a resource."""
    sources = list(tables["sources"].records())
    for cls, column, code in (("source-bytes-differ", "bytes", "source-bytes"),
                              ("source-length-differs", "length", "source-length")):
        add(cls, [Mutant(cls, f"sources {r['id']}",
                         edit_records("sources", set_where({"id": r["id"]}, **{column: str(int(r[column]) + 1)})),
                         code, "sources", i, column, ()) for i, r in sources])
    add("source-file-missing", [
        Mutant("source-file-missing", f"sources/{r['id']}.txt",
               lambda pkg, s=r["id"]: (pkg / "sources" / f"{s}.txt").unlink(), "source-file", "sources", i, "id", ())
        for i, r in sources])
    lengths = {r["id"]: int(r["length"]) for _, r in sources}
    add("span-out-of-range", [
        Mutant("span-out-of-range", f"evidence row {i}",
               edit_records("evidence", set_where({k: r[k] for k in ("record_table", "record_id", "ordinal")},
                                                  char_end=str(lengths[r["source"]] + 5))),
               "span-range", "evidence", i, "char_start", ())
        for i, r in list(tables["evidence"].records())[::40]])
    dated = [(i, r) for i, r in tables["events"].records() if r["date_start"] and r["date_start"] != r["date_end"]]
    add("date-bounds-swapped", [
        Mutant("date-bounds-swapped", f"events {r['id']}",
               edit_records("events", set_where({"id": r["id"]}, date_start=r["date_end"], date_end=r["date_start"])),
               "date-order", "events", i, "date_start", ("date-edtf-mismatch",)) for i, r in dated[:3]])
    inferred = {r["record_id"] for _, r in tables["inferences"].records() if r["field"] == "edtf"}
    add("date-without-its-edtf", [
        Mutant("date-without-its-edtf", f"events {r['id']}",
               edit_records("events", set_where({"id": r["id"]}, edtf="")),
               "date-without-edtf", "events", i, "date_start", ("evidence-field", *TIME_MOVES))
        for i, r in tables["events"].records() if r["edtf"] and r["date_start"] and r["id"] not in inferred][:3])
    add("evidence-of-nothing", [
        Mutant("evidence-of-nothing", f"evidence row {i}",
               edit_records("evidence", set_where({k: r[k] for k in ("record_table", "record_id", "ordinal")},
                                                  record_id="no-such-record")),
               "evidence-target", "evidence", i, "record_id", ("evidence-missing", "field-unsupported",
                                                               "sources-derived"))
        for i, r in list(tables["evidence"].records())[::60]])
    participants = list(tables["event_participants"].records())
    items = []
    for i, r in participants:
        twin = next(((j, o) for j, o in participants if o["event"] == r["event"] and o["id"] != r["id"]), None)
        if twin:
            items.append(Mutant("unique-key-repeated", f"event_participants {r['id']}",
                                edit_records("event_participants", set_where({"id": r["id"]}, entity=twin[1]["entity"],
                                                                             role=twin[1]["role"])),
                                # reported on the later of the two rows
                                "unique-key", "event_participants", max(i, twin[0]), "event,entity,role", ()))
    add("unique-key-repeated", items[:3])
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    counted = [(n, r) for n, r in enumerate(descriptor["resources"]) if "bytes" in r]

    def more_bytes(d, n):
        d["resources"][n]["bytes"] += 1
    add("wrong-bytes", [
        Mutant("wrong-bytes", r["name"], edit_json("datapackage.json", lambda d, n=n: more_bytes(d, n)),
               "resource-bytes", r["name"], None, "bytes", ()) for n, r in counted])
    add("json-schema-not-a-schema", [
        Mutant("json-schema-not-a-schema", f"schemas/{t.name}.schema.json",
               edit_json(f"schemas/{t.name}.schema.json", lambda d: d.update(type="nonsense")),
               "json-schema-invalid", f"{t.name}_json", None, "jsonSchema", ("schema-derived",))
        for t in list(tables.values())[:3]])


def _integer_as_text(name: str, column: str) -> Callable[[bytes], bytes]:
    """A JSON twin whose first record holds an integer as a string of the same digits:
    its CSV reads the same, so only the JSON Schema can tell."""
    def change(data: bytes) -> bytes:
        records = json.loads(data)
        records[0][column] = str(records[0][column])
        return to_json(records, list(records[0]))
    return change


def add_twins_and_csv(tables: dict[str, Table], add: Add) -> None:
    items = []
    for t in tables.values():
        column = next((f["name"] for f in t.schema["fields"] if f["type"] == "integer"
                       and t.rows[1][t.header.index(f["name"])]), None)
        if column:
            items.append(Mutant("json-integer-as-text", f"data/{t.name}.json {column}",
                                edit_hashed(f"data/{t.name}.json", _integer_as_text(t.name, column)),
                                "json-schema", f"{t.name}_json", 2, column, ("integer-invalid",)))
    add("json-integer-as-text", items)


def _not_records(shape: str) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        records = json.loads(data)
        return (json.dumps({"object": {"a": 1}, "null": None, "string": "x", "numbers": [1, 2, 3],
                            "trailing": [*records, 5], "nested": [records]}[shape]) + "\n").encode("utf-8")
    return change


def _fifo(rel: str) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        (pkg / rel).unlink()
        os.mkfifo(pkg / rel)
    return apply


def _folder(rel: str) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        (pkg / rel).unlink()
        (pkg / rel).mkdir()
    return apply


def _copy_resource(n: int, rel: str, copy: str) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        (pkg / copy).write_bytes((pkg / rel).read_bytes())
        edit_json("datapackage.json", lambda d: d["resources"][n].update(path=copy))(pkg)
    return apply


def add_whole_files(root: Path, descriptor: dict, tables: dict[str, Table], add: Add) -> None:
    """What lies beside the package and can fool a validator that reads only what it
    expects: twins that are not records, resources re-pointed, renamed or listed twice,
    the descriptor's own metadata edited, files that are not regular files."""
    resources = descriptor["resources"]
    add("json-twin-not-records", [
        Mutant("json-twin-not-records", f"data/{t.name}.json as {shape}",
               edit_hashed(f"data/{t.name}.json", _not_records(shape)), "json-not-records", f"{t.name}_json",
               None, "path", ())
        for t, shape in zip(list(tables.values())[::2], ["object", "null", "string", "numbers", "trailing", "nested"])])
    by_name = {r["name"]: n for n, r in enumerate(resources)}
    add("resource-re-pointed", [
        Mutant("resource-re-pointed", f"{name} -> {copy}", _copy_resource(by_name[name], f"data/{name}.csv", copy),
               "resource-derived", name, None, "path", ())
        for name, copy in (("claims", "data/claims_copy.csv"), ("events", "events.csv"))] + [
        Mutant("resource-re-pointed", f"{r['name']} retitled",
               edit_json("datapackage.json", lambda d, n=n: d["resources"][n].update(title="Something else")),
               "resource-derived", r["name"], None, "title", ()) for n, r in enumerate(resources[:3])])
    add("resource-listed-twice", [
        Mutant("resource-listed-twice", f"{r['name']} twice",
               edit_json("datapackage.json", lambda d, n=n: d["resources"].append(dict(d["resources"][n]))),
               "resource-duplicate", r["name"], None, "name", ())
        for n, r in enumerate(resources[:3])])
    edits = {"licenses": lambda d: d.update(licenses=[{"name": "CC0-1.0", "path": "https://creativecommons.org/"
                                                       "publicdomain/zero/1.0/"}]),
             "version": lambda d: d.update(version="9.9.9"),
             "description": lambda d: d.update(description=d["description"].split("\n\n")[0]),
             "sources": lambda d: d.update(sources=d["sources"][:1]),
             "title": lambda d: d.update(title="Another dataset")}
    add("descriptor-metadata-edited", [
        Mutant("descriptor-metadata-edited", key, edit_json("datapackage.json", change), "descriptor-derived",
               None, None, key, ()) for key, change in edits.items()])
    add("not-a-regular-file", [
        Mutant("not-a-regular-file", f"{r['path']} as a {kind}", make(r["path"]), "file-refused", r["name"], None,
               "path", ())
        for r, (kind, make) in zip(resources[::5], [("FIFO", _fifo), ("folder", _folder)] * 6)])


def add_derived_columns(tables: dict[str, Table], add: Add) -> None:
    """A relation's time bounds and a row's sources edited by hand (twins and hashes
    updated): only the rule that derives them again can tell."""
    timed = [(i, r) for i, r in tables["relations"].records() if r["valid_begin_latest"]]
    add("time-bounds-edited", [
        Mutant("time-bounds-edited", f"relations {r['id']} {column}",
               edit_records("relations", set_where({"id": r["id"]}, **{column: value})),
               "time-bounds", "relations", i, column, ())
        for n, (i, r) in enumerate(timed)
        for column, value in [[("valid_begin_latest", "1999-12-31")], [("valid_end_open", "false" if
                              r["valid_end_open"] == "true" else "true")]][n % 2]])
    # The temporal network's inference rows: one re-pointed, one given another rule, one
    # dropped (the bound then has no row). Only the network derived again can tell.
    network = [(i, r) for i, r in tables["inferences"].records() if r["via"]]
    plain = [(i, r) for i, r in tables["inferences"].records() if r["rule"] == "within_life"]
    add("inference-derived-edited", [
        *[Mutant("inference-derived-edited", f"inferences {r['record_id']} {r['field']} via",
                 edit_records("inferences", set_where({k: r[k] for k in ("record_table", "record_id", "field")},
                                                      via=r["via"].split()[-1])),
                 "inference-derived", "inferences", i, "rule", ()) for i, r in network[:2]
          if len(r["via"].split()) > 1],
        *[Mutant("inference-derived-edited", f"inferences {r['record_id']} {r['field']} rule",
                 edit_records("inferences", set_where({k: r[k] for k in ("record_table", "record_id", "field")},
                                                      rule="stated_order")),
                 "inference-derived", "inferences", i, "rule", ()) for i, r in plain[:2]],
        *[Mutant("inference-derived-edited", f"inferences {r['record_id']} {r['field']} dropped",
                 edit_records("inferences", _drop_where({k: r[k] for k in ("record_table", "record_id", "field")})),
                 "inference-derived", r["record_table"], _row_of(tables, r["record_table"], r["record_id"]),
                 r["field"], ()) for _, r in network[:2]]])
    # A stated order that contradicts itself: the end of the ICP-Ba'ath alliance dated
    # after the 1977 crackdown that followed it (date columns kept consistent).
    events = dict((r["id"], i) for i, r in tables["events"].records())
    add("time-order-crossed", [
        Mutant("time-order-crossed", f"events end-of-icp-bath-alliance {year}",
               edit_records("events", set_where({"id": "end-of-icp-bath-alliance"}, edtf=year,
                                                 date_start=f"{year}-01-01", date_end=f"{year}-12-31",
                                                 date_precision="year", date_earliest=f"{year}-01-01",
                                                 date_latest="1977-12-31")),
               "time-order", "events", events["end-of-icp-bath-alliance"], None,
               ("field-unsupported", *TIME_MOVES))
        for year in ("1980", "1990")])
    items = []
    for name in ("entities", "relations", "disagreements", "claim_assessments"):
        for i, r in list(tables[name].records())[:3]:
            other = "pasht-ashan-massacre" if r["sources"] == "al-ansar-iraq" else "al-ansar-iraq"
            items.append(Mutant("sources-edited", f"{name} {r['id']}",
                                edit_records(name, set_where({"id": r["id"]}, sources=other)),
                                "sources-derived", name, i, "sources", ()))
    add("sources-edited", items)


# Codes that follow when an event's date moves: the bounds the temporal network derives
# from it move too (validate.py derives them again), so a mutant that changes a date may
# raise them beside its own code.
TIME_MOVES = ("time-bounds", "inference-derived", "time-order")


def _drop_where(match: dict[str, str]) -> Callable[[list[dict[str, str]]], None]:
    def change(records: list[dict[str, str]]) -> None:
        hits = [r for r in records if all(r[k] == v for k, v in match.items())]
        assert hits, f"no record {match}"
        records[:] = [r for r in records if r not in hits]
    return change


def _row_of(tables: dict[str, Table], name: str, rid: str) -> int:
    return next(i for i, r in tables[name].records() if r["id"] == rid)


def _annotation_edit(n: int, change: Callable[[dict], None]) -> Callable[[Path], None]:
    """Change annotation n (0-based) of annotations.jsonld, written back as the build writes it."""
    def edit(data: object) -> None:
        change(data["first"]["items"][n])
    return edit_json("annotations.jsonld", edit)


def _shift(item: dict) -> None:
    item["target"]["selector"][1]["start"] += 1


def _requote(item: dict) -> None:
    item["target"]["selector"][0]["exact"] += " (and more)"


def _repoint(item: dict) -> None:
    item["target"]["source"] = "https://en.wikipedia.org/wiki/Another_article"


def add_annotations(root: Path, add: Add) -> None:
    """annotations.jsonld, derived from the evidence table as a JSON twin from its CSV:
    a shifted offset, a changed quote or a re-pointed target at the annotation (row) it
    is in; an annotation dropped or added, garbage, or the file gone, for the file."""
    items = json.loads((root / "annotations.jsonld").read_text(encoding="utf-8"))["first"]["items"]
    for cls, change in (("annotation-shifted", _shift), ("annotation-requoted", _requote),
                        ("annotation-repointed", _repoint)):
        add(cls, [Mutant(cls, f"annotation {n + 1} {cls.split('-')[1]}", _annotation_edit(n, change),
                         "annotations-derived", "evidence", n + 2, None, ()) for n in range(len(items))])
    add("annotations-file-damaged", [
        Mutant("annotations-file-damaged", "an annotation dropped",
               edit_json("annotations.jsonld", lambda d: d["first"]["items"].pop()), "annotations-derived",
               None, None, None, ()),
        Mutant("annotations-file-damaged", "garbage", edit_bytes("annotations.jsonld", lambda b: b"garbage\n"),
               "annotations-derived", None, None, None, ()),
        Mutant("annotations-file-damaged", "the file removed", lambda pkg: (pkg / "annotations.jsonld").unlink(),
               "annotations-derived", None, None, None, ()),
    ])


def _line_of(root: Path, rel: str, needle: str) -> int:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if needle in line) + 1


def add_rdf(root: Path, add: Add) -> None:
    """data/graph.trig and schemas/shapes.ttl, derived from the tables and tables.yaml as
    a JSON twin from its CSV, edited with their hashes updated: a quote, a date, a
    Wikidata property, a triple dropped, a shape loosened. Only the rendering again can
    tell; the report names the first line that differs."""
    graph, shapes = "data/graph.trig", "schemas/shapes.ttl"
    edits = [
        ("a quote changed", graph, 'oa:exact "Kurdish Democratic Party"',
         lambda b: b.replace(b'oa:exact "Kurdish Democratic Party"', b'oa:exact "Kurdistan Democratic Party"', 1)),
        ("a time bound moved", graph, 'crm:P82b_end_of_the_end "1983-05-31"^^xsd:date',
         lambda b: b.replace(b'crm:P82b_end_of_the_end "1983-05-31"', b'crm:P82b_end_of_the_end "1993-05-31"', 1)),
        ("a Wikidata property swapped", graph, "wdt:P159",
         lambda b: b.replace(b"wdt:P159", b"wdt:P131", 1)),
        ("a shape loosened", shapes, "sh:maxCount 1",
         lambda b: b.replace(b"sh:maxCount 1", b"sh:maxCount 2", 1)),
    ]
    add("graph-edited", [
        Mutant("graph-edited", label, edit_hashed(rel, change), "rdf-derived", rel.split("/")[-1].split(".")[0],
               _line_of(root, rel, needle), None, ())
        for label, rel, needle, change in edits])
    add("graph-line-dropped", [
        Mutant("graph-line-dropped", f"line {n} of {graph} dropped", edit_hashed(graph, lambda b, n=n: b"\n".join(
            line for i, line in enumerate(b.split(b"\n"), start=1) if i != n)), "rdf-derived", "graph", n, None, ())
        for n in (30, len((root / graph).read_text(encoding="utf-8").splitlines()) - 5)])


def _drop_rule(pattern: str) -> Callable[[Path], None]:
    def apply(pkg: Path) -> None:
        text = (pkg / "metadata" / "tables.yaml").read_text(encoding="utf-8")
        changed = re.sub(pattern, "", text, count=1, flags=re.M)
        assert changed != text, pattern
        replace_file(pkg / "metadata" / "tables.yaml", changed.encode("utf-8"))
    return apply


def add_rules_switched_off(root: Path, add: Add) -> None:
    """A copy's tables.yaml with a rule deleted (the schemas do not show it): checked
    against the rules of the package's version that the validator's repository knows."""
    add("rules-switched-off", [
        Mutant("rules-switched-off", "time_spans deleted", _drop_rule(r"^    time_spans:\n      - \{[^}]*\}\n"),
               "rules-differ", None, None, None, ()),
        Mutant("rules-switched-off", "a distinct rule deleted", _drop_rule(r"^    distinct:\n      - \[[^\]]*\]\n"),
               "rules-differ", None, None, None, ()),
        Mutant("rules-switched-off", "an acyclic rule deleted", _drop_rule(r"^    acyclic:\n(      - .*\n)+"),
               "rules-differ", None, None, None, ()),
    ])

"""The knowledge graph as linked data (#41): data/graph.trig parses in rdflib and
pyoxigraph, conforms to the shipped SHACL shapes (and each kind of shape catches a graph
broken its way), reads back into every table byte for byte, reaches every quote from its
record's statements, keeps claims attributed and not asserted, and answers the codebook's
questions as its SQL does."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from ansar_data.core.rdf import GRAPH_PATH, SHAPES_PATH, key
from ansar_data.publish import sparql
from helpers import ROOT

rdflib = pytest.importorskip("rdflib")
pyshacl = pytest.importorskip("pyshacl")

BASE = "https://w3id.org/al-ansar-iraq/"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")



@pytest.fixture(scope="module")
def dataset():
    ds = rdflib.Dataset()
    ds.parse(ROOT / GRAPH_PATH, format="trig")
    return ds


@pytest.fixture(scope="module")
def union(dataset):
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads():
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def shapes():
    return rdflib.Graph().parse(ROOT / SHAPES_PATH, format="turtle")


def test_the_graph_parses_alike_in_rdflib_and_pyoxigraph(dataset):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(ROOT / GRAPH_PATH), format=pyoxigraph.RdfFormat.TRIG)
    quads = len(list(dataset.quads()))
    assert quads == len(store) > 10_000
    assert (ROOT / GRAPH_PATH).read_text(encoding="utf-8").startswith(f"@base <{BASE}> .\n")


def test_the_graph_conforms_to_its_shapes(union, shapes):
    conforms, _, text = pyshacl.validate(union, shacl_graph=shapes)
    assert conforms, text[:2000]


def _row(union, table: str, *parts: str) -> tuple[rdflib.URIRef, rdflib.Graph]:
    subject = rdflib.URIRef(f"{BASE}{table}/{key(*parts)}")
    graph = rdflib.Graph()
    for p, o in union.predicate_objects(subject):
        graph.add((subject, p, o))
    assert len(graph) > 3
    return subject, graph


def _col(table: str, field: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}vocab/{table}/{field}")


def _swap(graph, subject, field_uri, new):
    graph.remove((subject, field_uri, None))
    if new is not None:
        graph.add((subject, field_uri, new))


# One broken row per kind of shape, and the constraint that must name it.
BROKEN = {
    "datatype": ("counts", ("massacre-killed-body",), "number", rdflib.Literal("150"), "DatatypeConstraintComponent"),
    "minCount": ("events", ("pasht-ashan-massacre",), "title", None, "MinCountConstraintComponent"),
    "in": ("relations", ("puk/rival_of/kdp",), "predicate", rdflib.Literal("friend_of"), "InConstraintComponent"),
    "pattern": ("entities", ("kdp",), "id", rdflib.Literal("KDP party"), "PatternConstraintComponent"),
    "minInclusive": ("counts", ("massacre-killed-body",), "number", rdflib.Literal(-1, datatype=rdflib.XSD.integer),
                     "MinInclusiveConstraintComponent"),
    "maxInclusive": ("sections", ("al-ansar-iraq", 1), "level", rdflib.Literal(7, datatype=rdflib.XSD.integer),
                     "MaxInclusiveConstraintComponent"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_each_kind_of_shape_catches_a_graph_broken_its_way(union, shapes, kind):
    table, parts, field, new, component = BROKEN[kind]
    subject, graph = _row(union, table, *parts)
    assert pyshacl.validate(graph, shacl_graph=shapes)[0]  # the row alone conforms
    _swap(graph, subject, _col(table, field), new)
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes)
    assert not conforms
    assert {str(c).rsplit("#", 1)[1] for c in report.objects(None, SH.sourceConstraintComponent)} >= {component}


def test_max_count_xone_and_or_catch_their_breaks(union, shapes):
    def components(graph):
        conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes)
        return conforms, {str(c).rsplit("#", 1)[1] for c in report.objects(None, SH.sourceConstraintComponent)}

    subject, graph = _row(union, "relations", "puk/rival_of/kdp")
    graph.add((subject, _col("relations", "subject"), rdflib.Literal("kdp")))  # a second subject
    assert components(graph) == (False, {"MaxCountConstraintComponent"})
    subject, graph = _row(union, "relations", "puk/rival_of/kdp")
    graph.add((subject, _col("relations", "literal"), rdflib.Literal("rivals")))  # an object and a literal
    assert components(graph) == (False, {"XoneConstraintComponent"})
    subject, graph = _row(union, "events", "pasht-ashan-massacre")
    _swap(graph, subject, _col("events", "place_precision"), None)  # a place without its precision
    assert components(graph) == (False, {"OrConstraintComponent"})


def test_the_graph_reads_back_into_every_table_byte_for_byte(union):
    """Lossless: every row's cells, by their column properties, in their order."""
    from ansar_data.core.schema import load_spec

    spec = load_spec(ROOT / "metadata" / "tables.yaml")
    ordinal = rdflib.URIRef(BASE + "vocab/ordinal")
    for table in spec.tables:
        rows: dict[int, dict[str, str]] = {}
        props = {_col(table.name, f): f for f in table.field_names}
        for subject in union.subjects(rdflib.RDF.type, rdflib.URIRef(f"{BASE}vocab/{table.name}")):
            cells = {props[p]: str(o) for p, o in union.predicate_objects(subject) if p in props}
            rows[int(union.value(subject, ordinal))] = cells
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.field_names)
        writer.writerows([[rows[n].get(f, "") for f in table.field_names] for n in sorted(rows)])
        assert out.getvalue().encode("utf-8") == (ROOT / "data" / f"{table.name}.csv").read_bytes(), table.name
        assert sorted(rows) == list(range(1, len(rows) + 1))


def test_every_quote_is_reachable_from_its_record_s_statements(dataset):
    """From any triple of a record's graph, the annotation whose body is that graph gives
    the quote and its offsets."""
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(ROOT / GRAPH_PATH), format=pyoxigraph.RdfFormat.TRIG)
    found = {(r["g"].value, r["quote"].value, int(r["start"].value)) for r in store.query("""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?g ?quote ?start WHERE {
          GRAPH ?g { ?s ?p ?o }
          ?a oa:hasBody ?g ; oa:hasTarget ?t .
          ?t oa:hasSelector ?q, ?pos . ?q oa:exact ?quote . ?pos oa:start ?start }""")}
    with (ROOT / "data" / "evidence.csv").open(encoding="utf-8") as f:
        evidence = list(csv.DictReader(f))
    want = {(f"{BASE}graph/{e['record_table']}/{key(e['record_id'])}", e["quote"], int(e["char_start"]))
            for e in evidence}
    assert want <= found and len(want) == len(evidence)


def test_a_claim_is_attributed_and_not_asserted(dataset):
    content = rdflib.URIRef(f"{BASE}graph/claims/massacre-provoked-allegation/content")
    act = rdflib.URIRef(f"{BASE}claims/massacre-provoked-allegation#alleged")
    graphs = defaultdict(set)
    for _s, p, _o, g in dataset.quads((act, None, None, None)):
        graphs[str(p)].add(g)
    assert graphs and all(gs == {content} for gs in graphs.values())  # only inside its own graph
    attributed = {o for _, _, o, _ in dataset.quads((content, rdflib.PROV.wasAttributedTo, None, None))}
    assert attributed == {rdflib.URIRef(f"{BASE}entities/icp-central-command")}
    actor = rdflib.URIRef(f"{BASE}vocab/actor")
    assert {o for _, _, o, _ in dataset.quads((act, actor, None, None))} == {
        rdflib.URIRef(f"{BASE}entities/icp-leadership")}


def test_names_carry_their_language_and_relations_their_wikidata_property(union):
    ansar = rdflib.URIRef(f"{BASE}entities/al-ansar")
    labels = {(str(o), o.language) for o in union.objects(ansar, rdflib.RDFS.label)}
    assert ("الأنصار", "ar") in labels and ("Al-Ansar", "en") in labels
    headquarters = set(union.objects(ansar, rdflib.URIRef("http://www.wikidata.org/prop/direct/P159")))
    assert headquarters == {rdflib.URIRef(f"{BASE}entities/{e}") for e in ("kirkuk", "sulaymaniyah", "aden")}
    assert (ansar, rdflib.RDF.type, rdflib.URIRef("https://schema.org/Organization")) in union


def _codebook_sparql() -> dict[str, str]:
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    block = next(m[1] for m in re.finditer(r"```sparql\n(.*?)```", text, re.S) if "# Certainly held" in m[1])
    prefixes, _, rest = block.partition("\n#")
    parts = re.split(r"^# (.+)$", "#" + rest, flags=re.M)[1:]
    return {q: prefixes + "\n" + body for q, body in zip(parts[::2], parts[1::2])}


@pytest.mark.parametrize("day", ["1978-06-01", "1979-12-31", "1983-05-31", "1985-06-01", "1988-01-01",
                                 "1988-12-31", "1990-01-01", "2020-01-01"])
def test_the_codebook_s_sparql_twins_answer_as_its_sql(day):
    from test_time_spans import CERTAINLY, POSSIBLY, held

    queries = _codebook_sparql()
    for title, sql_title in (("Certainly held at :t", CERTAINLY), ("Possibly held at :t", POSSIBLY)):
        query = queries[title].replace(":t", f'"{day}"^^xsd:date')
        _, rows = sparql.run(ROOT, query)
        assert {r[0] for r in rows} == held(sql_title, day), (title, day)


def test_the_words_behind_a_relation_are_one_query_away():
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    block = next(m[1] for m in re.finditer(r"```sparql\n(.*?)```", text, re.S) if "oa:exact" in m[1])
    _, rows = sparql.run(ROOT, block)
    assert sorted(r[0] for r in rows) == [
        "The Communist Party made a deal with the Patriotic Union of Kurdistan (PUK)",
        "The Iraqi Communist Party made a deal with the Patriotic Union of Kurdistan (PUK)"]
    assert duckdb.sql(f"""SELECT count(*) FROM read_csv_auto('{ROOT / "data" / "evidence.csv"}')
                          WHERE record_id = 'iraqi-communist-party/agreement_with/puk'""").fetchall() == [(2,)]


def test_the_landing_page_s_example_answers():
    from ansar_data.publish.site import LINKED_DATA_EXAMPLE

    assert "&lt;graph/relations/" in (ROOT / "site" / "index.html").read_text(encoding="utf-8")
    _, rows = sparql.run(ROOT, LINKED_DATA_EXAMPLE)
    assert len(rows) == 2 and all("made a deal with the Patriotic Union of Kurdistan" in r[0] for r in rows)


LOADERS = (r"`(rdflib\.Dataset\(\)\.parse\([^`]+\))`", r"`(pyoxigraph\.Store\(\)\.load\([^`]+\))`",
           r"`(pyshacl -s [^`]+)`")


def test_the_loading_commands_the_pages_give_run(tmp_path, monkeypatch, inputs, tables):
    """The rdflib, Oxigraph and pySHACL lines of the codebook and of the archive's README,
    run as written in the package folder; pySHACL's says no to a graph broken by a cell.
    A line the two pages write alike runs once (pySHACL takes seconds a run)."""
    import shutil
    import subprocess
    import sys

    import pyoxigraph

    from ansar_data.release import readme

    pages = {"docs/codebook.md": (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8"),
             "archive README": readme.render({**inputs.package, "swhid": None}, inputs.spec, tables, [])}
    lines: dict[str, set[str]] = {pattern: set() for pattern in LOADERS}
    for page, text in pages.items():
        for pattern in LOADERS:
            found = re.search(pattern, text, re.S)
            assert found, (page, pattern)
            lines[pattern].add(" ".join(found[1].split()))
    rdflib_lines, oxigraph_lines, shacl_lines = lines.values()
    monkeypatch.chdir(ROOT)
    for line in rdflib_lines:
        assert len(eval(line, {"rdflib": rdflib})) > 0  # noqa: S307 - the page's own line
    for line in oxigraph_lines:
        assert eval(line, {"pyoxigraph": pyoxigraph}) is None  # noqa: S307
    for rel in (GRAPH_PATH, SHAPES_PATH):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    graph = tmp_path / GRAPH_PATH
    graph.write_text(graph.read_text(encoding="utf-8").replace("sections:level 2 ;", "sections:level 9 ;", 1),
                     encoding="utf-8")
    for line in shacl_lines:
        command = [str(Path(sys.executable).parent / line.split()[0]), *line.split()[1:]]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0 and "Conforms: True" in done.stdout
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 1 and "Conforms: False" in done.stdout

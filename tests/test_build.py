"""The build is reproducible, refuses bad sources, and a failed build changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
import yaml

from ansar_data.core.errors import InputError
from ansar_data.publish.build import BuildFailed, build, load_inputs, stale_files
from helpers import ROOT, corrupt_render, snapshot


def test_committed_files_equal_a_fresh_build(rendered):
    assert stale_files(ROOT, rendered) == []
    assert len(rendered) >= 70


def test_render_is_deterministic_across_processes():
    """`check` renders every file afresh (figures too) in another process, under another
    hash seed, and compares them with the committed files, which the build wrote."""
    result = subprocess.run([sys.executable, "-m", "ansar_data", "check"], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "PYTHONHASHSEED": "4242"}, timeout=300)
    assert (result.returncode, result.stdout.strip()) == (0, "generated files are up to date"), result.stderr


def test_a_render_into_a_folder_writes_the_same_files_and_keeps_only_the_small_ones(inputs, tables, rendered,
                                                                                  tmp_path):
    """The build writes the tables and the graph to its staging folder as they are made
    (never holding them all at once): the same bytes as a render in memory, and only the
    other files are returned."""
    from ansar_data.core.rdf import GRAPH_PATH
    from ansar_data.publish.build import previous_files, render

    kept = render(inputs, tables, previous=previous_files(ROOT), folder=tmp_path)  # figures as `rendered` has them
    written = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert set(written) == {f"data/{t.name}.{f}" for t in inputs.spec.tables for f in ("csv", "json")} | {GRAPH_PATH}
    assert not set(written) & set(kept)
    assert {**kept, **written} == rendered
    assert written[GRAPH_PATH].startswith(b"@base <https://w3id.org/al-ansar-iraq/> .\n")


def test_figures_are_reused_only_when_their_inputs_are_unchanged(inputs, tables, rendered):
    from ansar_data.publish import figures

    svg = rendered["docs/figures/timeline.svg"]
    assert figures.stamp_of("timeline", tables["events"], inputs.package["title"]).encode() in svg
    calls = []

    def previous(path):
        calls.append(path)
        return rendered[path] if "timeline" in path else b"drawn from other inputs"
    files = figures.render(tables, inputs.package["title"], figures.relation_kinds(inputs.spec), previous)
    assert files["docs/figures/timeline.svg"] is rendered["docs/figures/timeline.svg"]  # reused
    assert files["docs/figures/network.svg"] == rendered["docs/figures/network.svg"]  # drawn again
    assert files["docs/figures/network.svg"] is not rendered["docs/figures/network.svg"]
    assert sorted(calls) == sorted(f"docs/figures/{n}.{f}" for n in ("timeline", "network") for f in ("svg", "png"))


def test_descriptor_digests_match_files(rendered):
    descriptor = json.loads(rendered["datapackage.json"])
    for resource in descriptor["resources"]:
        content = rendered[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert resource.get("bytes", len(content)) == len(content)


def test_descriptor_is_v2(rendered):
    d = json.loads(rendered["datapackage.json"])
    assert d["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert d["version"] == yaml.safe_load((ROOT / "metadata" / "package.yaml").read_text())["version"]
    assert d["licenses"][0]["name"] == "CC-BY-SA-4.0"
    assert [s["path"] for s in d["sources"]] == [
        "https://en.wikipedia.org/wiki/Al-Ansar_(Iraq)",
        "https://en.wikipedia.org/wiki/Pasht_Ashan_massacre"]
    assert [r.get("type") for r in d["resources"]].count("table") == len(d["resources"]) - 2
    assert [r["path"] for r in d["resources"] if "type" not in r] == ["data/graph.trig", "schemas/shapes.ttl"]
    names = [r["name"] for r in d["resources"]]
    assert {"sources", "sources_json", "infobox_values", "infobox_values_json"} <= set(names)
    schema = json.loads(rendered["schemas/infobox_values.tableschema.json"])
    assert schema["primaryKey"] == ["source", "field_ordinal", "ordinal"]
    assert {"fields": ["source", "field_ordinal"],
            "reference": {"resource": "infobox_fields", "fields": ["source", "ordinal"]}} in schema["foreignKeys"]


def test_wrong_source_hash_is_refused(repo_copy):
    path = repo_copy / "sources" / "pasht-ashan-massacre.txt"
    path.write_bytes(path.read_bytes().replace(b"Over 150", b"Over 160"))
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(InputError) as info:
        load_inputs(repo_copy)
    message = str(info.value)
    assert str(path) in message
    assert "f0c5f383eccdb6197d81a0e9bf4c5f79e824aa706555765288aa18c6ae820f67" in message
    assert actual in message


# apart=True: rendered and staged by a forked child, as a build of 16 MiB of sources is
@pytest.mark.parametrize("apart", [False, True])
def test_unknown_datatype_is_refused(repo_copy, apart):
    keys = repo_copy / "metadata" / "infobox_keys.yaml"
    keys.write_text(keys.read_text().replace("Size: {key: size, datatype: count", "Size: {key: size, datatype: weight"))
    with pytest.raises(InputError, match="'weight' is not one of text, date, count"):
        build(repo_copy, apart=apart)


@pytest.mark.parametrize("apart", [False, True])
def test_build_that_fails_validation_writes_nothing(repo_copy, monkeypatch, apart):
    before = snapshot(repo_copy)
    corrupt_render(monkeypatch)
    with pytest.raises(BuildFailed, match="span-mismatch"):
        build(repo_copy, apart=apart)
    assert snapshot(repo_copy) == before
    assert not list(repo_copy.glob(".build-*"))


@pytest.mark.parametrize("apart", [False, True])
def test_rebuild_of_a_copy_is_byte_identical(repo_copy, apart):
    before = snapshot(repo_copy)
    built = build(repo_copy, apart=apart)
    assert snapshot(repo_copy) == before
    assert "data/entities.csv" in built.files and "site/index.html" in built.files and built.report.valid


def test_the_network_shows_every_relation_as_its_own_labelled_edge_with_no_label_over_another(inputs, tables):
    """#26 item 4: relations between one pair (Al-Ansar and the KDP, the PUK and the KDP)
    are separate arcs, each with its label; no label covers another label or a node."""
    from ansar_data.publish import figures

    fig, labels = figures.draw_network(tables["entities"], tables["relations"], figures.relation_kinds(inputs.spec))
    ax = fig.axes[0]
    edges = figures.relation_edges(tables["relations"])
    arrows = [a for a in ax.texts if a.get_text() == "" and getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == len(edges)  # one drawn edge per relation
    shapes = {a.arrow_patch.get_connectionstyle().rad for a in arrows}
    assert len(shapes) > 1  # parallel ones are curved apart
    texts = [t.get_text() for t in labels]
    drawn = sum(1 for r in edges if r["predicate"] != "part_of") + sum(
        1 for r in edges if r["predicate"] == "part_of" and sum(
            {r["subject"], r["object"]} == {o["subject"], o["object"]} for o in edges) > 1)
    assert len(labels) - len({r["subject"] for r in edges} | {r["object"] for r in edges}) == drawn
    assert texts.count("allied with") == sum(r["predicate"] == "allied_with" for r in edges)
    renderer = fig.canvas.get_renderer()
    nodes = [tuple(ax.transData.transform(c.get_offsets()[0])) for c in ax.collections]
    assert figures.overlaps([figures.label_box(t, renderer) for t in labels], nodes) == []
    # #39: labels keep GAP_PX apart, edge labels are legible, and no arc passes over a node
    assert figures.GAP_PX >= 3 and figures.EDGE_LABEL_PT >= 7
    assert {t.get_fontsize() for t in labels[:drawn]} == {figures.EDGE_LABEL_PT}
    names = sorted({r["subject"] for r in edges} | {r["object"] for r in edges})  # drawn in this order
    pixels = dict(zip(names, nodes))
    assert figures.arcs_over_nodes(pixels, edges, figures.NODE_RADIUS_PX) == []
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_the_checks_of_the_network_can_fail():
    """A test that cannot fail is a defect: close labels and an arc through a node are found."""
    from matplotlib.transforms import Bbox

    from ansar_data.publish import figures

    assert figures.overlaps([Bbox([[0, 0], [10, 10]]), Bbox([[11, 0], [20, 10]])]) == [(0, 1)]  # 1 px apart
    assert figures.overlaps([Bbox([[0, 0], [10, 10]]), Bbox([[20, 0], [30, 10]])]) == []
    edges = [{"subject": "a", "object": "b", "predicate": "allied_with"}]
    assert figures.arcs_over_nodes({"a": (0, 0), "b": (100, 0), "c": (50, 2)}, edges, 6) == [("a", "b", "c")]
    assert figures.arcs_over_nodes({"a": (0, 0), "b": (100, 0), "c": (50, 40)}, edges, 6) == []


def test_the_network_caption_counts_the_relations_it_does_not_draw(tables):
    from ansar_data.publish import figures

    values = [r for r in tables["relations"] if not r["object"]]
    caption = figures.describe(tables)["network"][1]
    assert values and f"Not drawn: the {len(values)} relations to a plain value" in caption
    assert "data/relations.csv with a literal" in caption and "ideology" in caption


def test_the_network_svg_has_no_label_over_another_or_a_node():
    """#39, read from the file a reader opens: every label's white box (its patch in the
    SVG) keeps clear of every other label box and of every node marker."""
    import re
    import xml.etree.ElementTree as ET

    svg = ET.parse(ROOT / "docs" / "figures" / "network.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    boxes, names = [], []
    for group in svg.iter(f"{ns}g"):
        if not re.fullmatch(r"text_\d+", group.get("id", "")):
            continue
        path, text = group.find(f"{ns}g/{ns}path"), group.find(f"{ns}text")
        if path is None or text is None:
            continue  # the title: no box
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
        xs, ys = numbers[0::2], numbers[1::2]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
        names.append(text.text)
    nodes = [(float(u.get("x")), float(u.get("y"))) for g in svg.iter(f"{ns}g")
             if g.get("id", "").startswith("PathCollection_") for u in g.iter(f"{ns}use")]
    assert len(nodes) >= 30 and len(boxes) > len(nodes)  # every node's name and the edges' labels
    gap, radius = 1.0, 4.0  # points: the white boxes apart, and clear of the markers' middles
    close = [(names[i], names[j]) for i, a in enumerate(boxes) for j, b in enumerate(boxes) if i < j
             and a[0] - gap < b[2] and b[0] - gap < a[2] and a[1] - gap < b[3] and b[1] - gap < a[3]]
    covered = [(names[i], (x, y)) for i, a in enumerate(boxes) for x, y in nodes
               if a[0] - radius < x < a[2] + radius and a[1] - radius < y < a[3] + radius]
    assert close == [] and covered == []

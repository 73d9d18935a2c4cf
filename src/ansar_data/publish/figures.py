"""Figures generated from the tables: a timeline of the events and a network of
entities and relations, each as SVG and PNG (deterministic: no dates, fixed hash salt).

Each file records the sha256 of what it was drawn from (the rows it shows, this
module's code and the matplotlib version) in its metadata; `render` reuses a previous
file whose record matches instead of drawing it again, which is most of a build's time.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import math
import textwrap
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ansar_data.core.errors import SpecError
from ansar_data.core.schema import Spec

# A colour per kind of relation (the relation_kind vocabulary of tables.yaml, which gives
# every predicate its kind), Okabe-Ito, safe for colour-blind readers; no node uses one:
# nodes are white and told apart by shape.
KIND_COLOURS = {"alliance": "#009E73", "hostility": "#D55E00", "leadership": "#CC79A7",
                "membership": "#0072B2", "place": "#E69F00", "ownership": "#56B4E9", "attribute": "#555555"}


class FigureError(SpecError):
    """A figure cannot show what tables.yaml declares (a kind of relation with no colour)."""


def relation_kinds(spec: Spec) -> dict[str, str]:
    """Predicate -> its kind, from the predicate vocabulary's attributes; every kind must
    have a colour, so that no relation is dropped from the figure."""
    kinds = {p: a["relation_kind"] for p, a in spec.vocabularies["predicate"].attributes.items()}
    if missing := sorted(set(spec.vocabularies["relation_kind"].terms) - set(KIND_COLOURS)):
        raise FigureError(f"no colour for the relation kind(s) {', '.join(missing)} (figures.KIND_COLOURS)")
    return kinds


def relation_edges(relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The relations the network draws: every one between two entities."""
    return [r for r in relations if r["object"]]


# One marker per entity type, in the order of the sorted types; no two alike (an octagon
# beside a circle, or two hexagons, could not be told apart).
NODE_SHAPES = ("o", "s", "D", "^", "v", "p", "<", "h", ">", "X", "*", "P", "d", "$\\#$", "8", "H")
PRECISION_COLOUR = {"day": "#08519c", "month": "#3182bd", "year": "#9ecae1"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.hashsalt": "al-ansar", "font.family": "DejaVu Sans",
                                "font.size": 8, "svg.fonttype": "none"})
    import matplotlib.pyplot as plt
    return plt


def _save(fig, stamp: str) -> dict[str, bytes]:
    out = {}
    for fmt, meta in (("svg", {"Date": None, "Creator": None, "Description": stamp}),
                      ("png", {"Software": None, "Description": stamp})):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=meta, dpi=110, bbox_inches="tight")
        out[fmt] = buffer.getvalue()
    return out


def stamp_of(*inputs: Any) -> str:
    """What a figure is drawn from, as a digest: its rows, this code, the versions of
    the libraries that draw and lay it out."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("matplotlib", "networkx", "numpy"):
        digest.update(metadata.version(package).encode())
    digest.update(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode())
    return "inputs-sha256:" + digest.hexdigest()


def _day(value: str) -> float:
    return datetime.date.fromisoformat(value).toordinal()


def _bars(ax, dated: list[dict[str, Any]], lo: float, lead: float, min_width: float) -> None:
    """Each event a bar from its earliest to its latest possible day, labelled on its left."""
    for y, e in enumerate(dated):
        end = _day(e["date_end"]) + 1
        if e["date_start"]:
            start = _day(e["date_start"])
            ax.barh(y, max(end - start, min_width), left=start, height=0.6,
                    color=PRECISION_COLOUR[e["date_precision"]], edgecolor="#08306b", linewidth=0.4)
        else:  # "by January 1979": only the latest day is known
            start = end - lead
            ax.plot([start, end], [y, y], linestyle=(0, (2, 2)), color="#3182bd", linewidth=1.5)
        ax.text(max(start, lo) - lead / 10, y, e["title"], ha="right", va="center", fontsize=7)
    ax.set_yticks([])
    ax.set_ylim(len(dated) - 0.4, -0.6)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def busiest_year(dated: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]] | None:
    """The year with the most events dated to a month or a day within it (at least three),
    which the timeline repeats in a panel of its own so they are not slivers."""
    within: dict[int, list[dict[str, Any]]] = {}
    for e in dated:
        if e["date_start"] and e["date_precision"] in ("day", "month") and e["date_start"][:4] == e["date_end"][:4]:
            within.setdefault(int(e["date_start"][:4]), []).append(e)
    year = max(sorted(within), key=lambda y: len(within[y]), default=None)
    return (year, within[year]) if year is not None and len(within[year]) >= 3 else None


def timeline(events: list[dict[str, Any]], title: str, stamp: str) -> dict[str, bytes]:
    """Dated events as bars from their earliest to their latest possible day, so precision
    shows (a year-precise event spans a year); an open start is a dashed lead-in. The
    busiest year is repeated month by month below, and the undated events are listed."""
    plt = _pyplot()
    dated = sorted((e for e in events if e["date_end"]),
                   key=lambda e: (e["date_start"] or e["date_end"], e["date_end"], e["id"]))
    # an undated event keeps the bounds the stated order gives it (events.date_earliest/latest)
    undated = sorted(e["title"] + _order_bounds(e) for e in events if not e["date_end"])
    zoom = busiest_year(dated)
    heights = [0.3 * len(dated) + 1.0] + ([0.3 * len(zoom[1]) + 0.9] if zoom else []) + \
              ([0.2 * len(undated) + 0.5] if undated else [])
    fig, axes = plt.subplots(len(heights), 1, figsize=(10, sum(heights) + 0.6),
                             gridspec_kw={"height_ratios": heights, "hspace": 0.45}, squeeze=False)
    ax = axes[0][0]
    days = [d for e in dated for d in (e["date_start"], e["date_end"]) if d]
    first, last = (int(min(days)[:4]), int(max(days)[:4])) if days else (2000, 2000)
    lo, hi = _day(f"{first}-01-01"), _day(f"{last + 2}-01-01")
    _bars(ax, dated, lo, 700, 20)
    ax.set_xlim(lo - 3700, hi)
    years = range(first, last + 1, max(1, (last - first) // 9 + 1))
    ax.set_xticks([_day(f"{y}-01-01") for y in years], [str(y) for y in years])
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in PRECISION_COLOUR.values()]
    handles.append(plt.Line2D([0], [0], color="#3182bd", linestyle=(0, (2, 2))))
    ax.legend(handles, [f"{p}-precise" for p in PRECISION_COLOUR] + ["start not given ('by ...')"],
              loc="upper right", fontsize=7, frameon=False)
    ax.set_title(f"Events: {title}, {first}–{last} "
                 "(bars span the earliest to latest possible day)", fontsize=9)
    row = 1
    if zoom:
        year, chosen = zoom
        zx = axes[row][0]
        row += 1
        start = _day(f"{year}-01-01")
        _bars(zx, chosen, start, 30, 2)
        zx.set_xlim(start - 190, _day(f"{year + 1}-01-01"))
        zx.set_xticks([_day(f"{year}-{m:02d}-01") for m in range(1, 13)],
                      [datetime.date(year, m, 1).strftime("%b") for m in range(1, 13)])
        zx.set_title(f"{year} month by month: the {len(chosen)} events dated to a month or day within it",
                     fontsize=9)
    if undated:
        ux = axes[row][0]
        ux.axis("off")
        ux.set_title(f"Not dated in the sources ({len(undated)} events)", fontsize=9, loc="left")
        columns = 2 if len(undated) > 6 else 1
        per = math.ceil(len(undated) / columns)
        for i, name in enumerate(undated):
            ux.text(0.02 + 0.5 * (i // per), 1 - (i % per + 0.5) / per, "• " + name, fontsize=8,
                    va="center", transform=ux.transAxes)
    out = _save(fig, stamp)
    plt.close(fig)
    return out


def _order_bounds(event: dict[str, Any]) -> str:
    """ " (after D, by D, derived)" for an undated event that other records bound (inferences)."""
    parts = [f"after {event['date_earliest']}" if event.get("date_earliest") else "",
             f"by {event['date_latest']}" if event.get("date_latest") else ""]
    said = ", ".join(p for p in parts if p)
    return f" ({said}, derived)" if said else ""


def network(entities: list[dict[str, Any]], relations: list[dict[str, Any]], kinds: dict[str, str],
            stamp: str) -> dict[str, bytes]:
    """The network figure's files (see draw_network)."""
    plt = _pyplot()
    fig, _ = draw_network(entities, relations, kinds)
    out = _save(fig, stamp)
    plt.close(fig)
    return out


def _arc(rank: int, count: int) -> float:
    """The curvature of the rank-th of `count` relations between one pair of entities:
    one is straight, several fan out so each has its own line and label."""
    return 0.0 if count == 1 else (rank - (count - 1) / 2) * 0.35


def draw_network(entities: list[dict[str, Any]], relations: list[dict[str, Any]],
                 kinds: dict[str, str]) -> tuple[Any, list[Any]]:
    """Every entity that takes part in a relation to another entity, laid out by force
    (a fixed seed), with horizontal labels. Arrows point from subject to object, labelled
    with the predicate; relations between the same two entities are drawn as separate
    arcs, each with its label; "part of" is a plain line (the whole is the hub). Labels
    are moved apart until none covers another label or a node. Returns the figure and
    its labels (edge labels first), for the test that no two overlap."""
    import networkx as nx

    plt = _pyplot()
    edges = relation_edges(relations)
    by_id = {e["id"]: e for e in entities}
    graph = nx.Graph()
    graph.add_nodes_from(sorted({r["subject"] for r in edges} | {r["object"] for r in edges}))
    graph.add_edges_from((r["subject"], r["object"]) for r in edges)
    pos = _layout(graph, edges)
    fig = plt.figure(figsize=(15, 11))
    ax = fig.add_axes((0.0, 0.0, 0.72, 0.95))
    ax.margins(0.06)
    ax.axis("off")
    types = sorted({by_id[n]["type"] for n in graph})
    if len(types) > len(NODE_SHAPES):  # two kinds of entity would look alike
        raise FigureError(f"{len(types)} entity types to draw, but only {len(NODE_SHAPES)} marker shapes "
                          "(figures.NODE_SHAPES)")
    for n in graph:
        x, y = pos[n]
        ax.scatter([x], [y], s=70, marker=NODE_SHAPES[types.index(by_id[n]["type"])],
                   facecolor="white", edgecolor="#222222", linewidth=1.0, zorder=3)
    fig.canvas.draw()  # fixes the data-to-pixel transform that arcs and labels are placed by
    to_px, to_data = ax.transData.transform, ax.transData.inverted().transform
    edge_labels = []
    for r, rad, shared in arcs(edges):
        colour = KIND_COLOURS[kinds[r["predicate"]]]
        plain = r["predicate"] == "part_of"
        ax.annotate("", xy=pos[r["object"]], xytext=pos[r["subject"]], zorder=1,
                    arrowprops={"arrowstyle": "-" if plain else "-|>", "color": colour, "lw": 1.0,
                                "shrinkA": 7, "shrinkB": 9, "alpha": 0.85,
                                "connectionstyle": f"arc3,rad={rad}"})
        if plain and not shared:
            continue
        # the arc's middle, as matplotlib's arc3 draws it in pixels
        (x1, y1), (x2, y2) = to_px(pos[r["subject"]]), to_px(pos[r["object"]])
        middle = ((x1 + x2) / 2 + rad * (y2 - y1) / 2, (y1 + y2) / 2 - rad * (x2 - x1) / 2)
        x, y = to_data(middle)
        edge_labels.append(ax.text(x, y, r["predicate"].replace("_", " "), fontsize=EDGE_LABEL_PT,
                                   color=colour, ha="center", va="center", zorder=2,
                                   bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                                         "edgecolor": "none", "alpha": 0.85}))
    node_labels = [ax.text(pos[n][0], pos[n][1] - 0.035, by_id[n]["name"], fontsize=7, ha="center", va="top",
                           zorder=4, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                           "alpha": 0.75})
                   for n in graph]
    _spread(fig, ax, edge_labels + node_labels, [tuple(to_px(pos[n])) for n in graph])
    drawn = sorted({r["predicate"] for r in edges})
    shown = [(kind, [p for p in drawn if kinds[p] == kind]) for kind in KIND_COLOURS]
    shown = [(kind, preds) for kind, preds in shown if preds]
    kind_handles = [plt.Line2D([0], [0], color=KIND_COLOURS[kind], lw=2) for kind, _ in shown]
    kind_labels = [f"{kind}: " + ", ".join(p.replace("_", " ") for p in preds)
                   + (" (part of: a plain line)" if "part_of" in preds else "") for kind, preds in shown]
    node_handles = [plt.Line2D([0], [0], marker=NODE_SHAPES[i], color="w", markerfacecolor="white",
                               markeredgecolor="#222222", markersize=8) for i in range(len(types))]
    # Beside the drawing, wrapped to a legend column; figure legends are kept by the tight bounding box.
    wrapped = ["\n    ".join(textwrap.wrap(label, 48)) for label in kind_labels]
    fig.legend(kind_handles, wrapped, title="relation (arrow: subject to object)", loc="upper left",
               bbox_to_anchor=(0.73, 0.93), fontsize=8, title_fontsize=9, frameon=False, alignment="left")
    fig.legend(node_handles, [t.replace("_", " ") for t in types], title="entity type", loc="upper left",
               bbox_to_anchor=(0.73, 0.55), fontsize=8, title_fontsize=9, frameon=False, alignment="left")
    ax.set_title(f"Entities and their relations ({len(graph)} entities, {len(edges)} relations)", fontsize=10)
    return fig, edge_labels + node_labels


NODE_RADIUS_PX = 6  # half a marker of size 70 at 110 dpi, about
EDGE_LABEL_PT = 7.5  # legible beside the node names (7 pt); 5.5 pt was too small to read
GAP_PX = 8  # the least room between two labels on the canvas: the SVG renderer sizes boxes a little differently


def overlaps(boxes: list[Any], points: list[tuple[float, float]] = (),
             gap: float = GAP_PX) -> list[tuple[int, int | str]]:
    """Pairs of label boxes closer than `gap`, and (label, "node") where a box covers a node."""
    out: list[tuple[int, int | str]] = []
    for i, a in enumerate(boxes):
        out += [(i, j) for j in range(i + 1, len(boxes))
                if a.x0 - gap < boxes[j].x1 and boxes[j].x0 - gap < a.x1
                and a.y0 - gap < boxes[j].y1 and boxes[j].y0 - gap < a.y1]
        pad = NODE_RADIUS_PX
        out += [(i, "node") for (x, y) in points if a.x0 - pad < x < a.x1 + pad and a.y0 - pad < y < a.y1 + pad]
    return out


def arc_points(start: tuple[float, float], end: tuple[float, float], rad: float,
               steps: int = 24) -> list[tuple[float, float]]:
    """Points along an arc as matplotlib's arc3 draws it (a quadratic Bézier whose control
    point lies rad times the chord's length off its middle), ends left out."""
    (x1, y1), (x2, y2) = start, end
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    out = []
    for k in range(1, steps):
        s = k / steps
        out.append(((1 - s) ** 2 * x1 + 2 * (1 - s) * s * cx + s * s * x2,
                    (1 - s) ** 2 * y1 + 2 * (1 - s) * s * cy + s * s * y2))
    return out


def arcs_over_nodes(pos: dict[str, Any], edges: list[dict[str, Any]], radius: float,
                    scale: tuple[float, float] = (1.0, 1.0)) -> list[tuple[str, str, str]]:
    """(subject, object, node) for each arc that passes within `radius` of a node that is
    not one of its ends; positions are multiplied by `scale` first (data to pixels)."""
    px = {n: (p[0] * scale[0], p[1] * scale[1]) for n, p in pos.items()}
    out = []
    for r, rad, _ in arcs(edges):
        a, b = r["subject"], r["object"]
        points = arc_points(px[a], px[b], rad)
        out += [(a, b, n) for n, (x, y) in px.items() if n not in (a, b)
                and any((x - u) ** 2 + (y - v) ** 2 < radius ** 2 for u, v in points)]
    return out


def arcs(edges: list[dict[str, Any]]) -> list[tuple[dict[str, Any], float, bool]]:
    """Each relation with the curvature its arc is drawn with, and whether it shares its
    pair of entities with another: relations between one pair fan out, one orientation per
    pair so that they curve apart. The one home of the arcs' shape, for the drawing and
    the test of what it crosses."""
    pairs: dict[frozenset[str], list[dict[str, Any]]] = {}
    for r in edges:
        pairs.setdefault(frozenset((r["subject"], r["object"])), []).append(r)
    out = []
    for group in pairs.values():
        for rank, r in enumerate(group):
            a, _ = sorted((r["subject"], r["object"]))
            out.append((r, _arc(rank, len(group)) * (1 if r["subject"] == a else -1), len(group) > 1))
    return out


# The drawing's size in pixels over the layout's unit square, about (15 x 11 inches at
# 100 dpi, the axes 72% of the width): enough to tell an arc from a node's marker.
LAYOUT_PX = (1080 / 2.4, 1045 / 2.4)
LAYOUT_SEEDS = range(40)


def _layout(graph: Any, edges: list[dict[str, Any]]) -> dict[str, Any]:
    """A force layout (fixed seeds, so the same every build) in which the fewest arcs pass
    over a node: the first seed with none, else the one with the fewest."""
    import networkx as nx

    best, fewest = None, None
    for seed in LAYOUT_SEEDS:
        pos = nx.spring_layout(graph, seed=seed, k=2.2 / math.sqrt(max(len(graph), 1)), iterations=500)
        crossed = len(arcs_over_nodes(pos, edges, NODE_RADIUS_PX + 4, LAYOUT_PX))
        if fewest is None or crossed < fewest:
            best, fewest = pos, crossed
        if crossed == 0:
            break
    return best


def label_box(label: Any, renderer: Any) -> Any:
    """What a label covers: its white box where it has one (wider than its letters), as
    the saved files draw it."""
    patch = label.get_bbox_patch()
    if patch is None:
        return label.get_window_extent(renderer)
    label.update_bbox_position_size(renderer)
    return patch.get_window_extent(renderer)


def _spread(fig: Any, ax: Any, labels: list[Any], nodes: list[Any], rounds: int = 600) -> None:
    """Move labels apart, a few pixels at a time, until none overlaps another or a node
    (deterministic: the same figure every build)."""
    renderer = fig.canvas.get_renderer()
    to_px, to_data = ax.transData.transform, ax.transData.inverted().transform
    for _ in range(rounds):
        boxes = [label_box(label, renderer) for label in labels]
        moved = False
        for i, j in overlaps(boxes, nodes):
            a = boxes[i]
            if j == "node":
                node = min(nodes, key=lambda p: (p[0] - (a.x0 + a.x1) / 2) ** 2 + (p[1] - (a.y0 + a.y1) / 2) ** 2)
                away = ((a.x0 + a.x1) / 2 - node[0], (a.y0 + a.y1) / 2 - node[1])
                targets = [(i, away)]
            else:
                b = boxes[j]
                away = ((a.x0 + a.x1 - b.x0 - b.x1) / 2, (a.y0 + a.y1 - b.y0 - b.y1) / 2)
                targets = [(i, away), (j, (-away[0], -away[1]))]
            for k, (dx, dy) in targets:
                norm = math.hypot(dx, dy) or 1.0
                x, y = to_px(labels[k].get_position())
                labels[k].set_position(to_data((x + 3 * dx / norm, y + 3 * dy / norm + (0 if dx or dy else 3))))
                moved = True
        if not moved:
            return


def render(tables: dict[str, list[dict[str, Any]]], title: str, kinds: dict[str, str],
           previous: Callable[[str], bytes | None] = lambda path: None) -> dict[str, bytes]:
    """Figure files by path relative to the package root. `previous` gives the bytes a
    path had before (or None); files whose recorded inputs are unchanged are reused."""
    drawers = {"timeline": ((tables["events"], title), timeline),
               "network": ((tables["entities"], tables["relations"], kinds), network)}
    out = {}
    for name, (args, draw) in drawers.items():
        stamp = stamp_of(name, *args)
        paths = {fmt: f"docs/figures/{name}.{fmt}" for fmt in ("svg", "png")}
        old = {fmt: previous(path) for fmt, path in paths.items()}
        if all(content is not None and stamp.encode() in content for content in old.values()):
            figure: dict[str, bytes] = old  # type: ignore[assignment]
        else:
            figure = draw(*args, stamp)
        out.update({paths[fmt]: content for fmt, content in figure.items()})
    return out


def describe(tables: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[str, str]]:
    """Alt text and caption of each figure, by name, from the rows it shows."""
    events = tables["events"]
    dated = [e for e in events if e["date_end"]]
    zoom = busiest_year(sorted(dated, key=lambda e: (e["date_start"] or e["date_end"], e["id"])))
    edges = relation_edges(tables["relations"])
    values = [r for r in tables["relations"] if not r["object"]]
    nodes = {r["subject"] for r in edges} | {r["object"] for r in edges}
    years = sorted(d[:4] for e in dated for d in (e["date_start"], e["date_end"]) if d)
    span = f"{years[0]} to {years[-1]}" if years else "no dates"
    return {
        "timeline": (
            f"Timeline of {len(dated)} dated events from {span}, each a bar from its earliest to its "
            f"latest possible day"
            + (f"; {zoom[0]} repeated month by month ({len(zoom[1])} events)" if zoom else "")
            + f"; {len(events) - len(dated)} undated events listed below it.",
            "Events over time. A bar spans what the sources allow: a year-precise event spans its year. "
            + (f"The panel below repeats {zoom[0]}, when {len(zoom[1])} events fall within months. " if zoom else "")
            + "Events the sources do not date are listed at the bottom."),
        "network": (
            f"Network of {len(nodes)} entities joined by {len(edges)} relations, coloured by kind of "
            "relation, with arrows from subject to object.",
            "Entities and their relations. Colours are kinds of relation, shapes are kinds of entity; "
            "each arrow is labelled with its relation, and part-of links are plain lines to the whole. "
            + (f"Not drawn: the {len(values)} relations to a plain value rather than an entity "
               f"({', '.join(sorted({r['predicate'].replace('_', ' ') for r in values}))}); they are the rows of "
               "data/relations.csv with a literal." if values else "")),
    }

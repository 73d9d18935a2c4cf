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
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

EDGE_STYLE = {  # predicate -> (colour, label)
    "allied_with": ("#1b9e77", "allied with"),
    "agreement_with": ("#66c2a5", "agreement with"),
    "opposed_to": ("#d95f02", "opposed to"),
    "rival_of": ("#e7298a", "rival of"),
    "part_of": ("#7570b3", "part of"),
    "splinter_of": ("#a6761d", "splinter of"),
    "led_by": ("#666666", "led by"),
}
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
    """What a figure is drawn from, as a digest: its rows, this code, matplotlib's version."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(metadata.version("matplotlib").encode())
    digest.update(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode())
    return "inputs-sha256:" + digest.hexdigest()


def _day(value: str) -> float:
    return datetime.date.fromisoformat(value).toordinal()


def timeline(events: list[dict[str, Any]], title: str, stamp: str) -> dict[str, bytes]:
    """Each dated event drawn as a bar from its earliest to its latest possible day, so
    precision shows (a year-precise event spans a year); an open start is a dashed lead-in."""
    plt = _pyplot()
    dated = sorted((e for e in events if e["date_end"]),
                   key=lambda e: (e["date_start"] or e["date_end"], e["date_end"], e["id"]))
    undated = sorted(e["title"] for e in events if not e["date_end"])
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(dated) + 1.6))
    days = [d for e in dated for d in (e["date_start"], e["date_end"]) if d]
    first, last = (int(min(days)[:4]), int(max(days)[:4])) if days else (2000, 2000)
    lo, hi = _day(f"{first}-01-01"), _day(f"{last + 2}-01-01")
    for y, e in enumerate(dated):
        end = _day(e["date_end"]) + 1
        if e["date_start"]:
            start = _day(e["date_start"])
            ax.barh(y, max(end - start, 20), left=start, height=0.6,
                    color=PRECISION_COLOUR[e["date_precision"]], edgecolor="#08306b", linewidth=0.4)
        else:  # "by January 1979": only the latest day is known
            ax.plot([end - 700, end], [y, y], linestyle=(0, (2, 2)), color="#3182bd", linewidth=1.5)
            start = end - 700
        ax.text(max(start, lo) - 60, y, e["title"], ha="right", va="center", fontsize=7)
    ax.set_yticks([])
    ax.set_ylim(len(dated) - 0.4, -0.6)
    ax.set_xlim(lo - 3700, hi)
    years = range(first, last + 1, max(1, (last - first) // 9 + 1))
    ax.set_xticks([_day(f"{y}-01-01") for y in years], [str(y) for y in years])
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in PRECISION_COLOUR.values()]
    handles.append(plt.Line2D([0], [0], color="#3182bd", linestyle=(0, (2, 2))))
    ax.legend(handles, [f"{p}-precise" for p in PRECISION_COLOUR] + ["start not given ('by ...')"],
              loc="upper right", fontsize=7, frameon=False)
    ax.set_title(f"Events: {title}, {first}–{last} "
                 "(bars span the earliest to latest possible day)", fontsize=9)
    if undated:
        fig.text(0.01, 0.005, "Not dated in the sources: " + "; ".join(undated), fontsize=6, wrap=True)
    out = _save(fig, stamp)
    plt.close(fig)
    return out


def network(entities: list[dict[str, Any]], relations: list[dict[str, Any]], stamp: str) -> dict[str, bytes]:
    """Entities joined by the relations of EDGE_STYLE, on a circle ordered by type."""
    plt = _pyplot()
    edges = [r for r in relations if r["predicate"] in EDGE_STYLE and r["object"]]
    used = sorted({r["subject"] for r in edges} | {r["object"] for r in edges})
    by_id = {e["id"]: e for e in entities}
    nodes = sorted(used, key=lambda i: (by_id[i]["type"], by_id[i]["name"]))
    pos = {n: (math.cos(2 * math.pi * k / len(nodes)), math.sin(2 * math.pi * k / len(nodes)))
           for k, n in enumerate(nodes)}
    fig, ax = plt.subplots(figsize=(10, 10))
    for r in edges:
        (x1, y1), (x2, y2) = pos[r["subject"]], pos[r["object"]]
        colour, _ = EDGE_STYLE[r["predicate"]]
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.1, "shrinkA": 6,
                                "shrinkB": 6, "connectionstyle": "arc3,rad=0.08"})
    types = sorted({by_id[n]["type"] for n in nodes})
    cmap = plt.get_cmap("tab10")
    for n in nodes:
        x, y = pos[n]
        colour = cmap(types.index(by_id[n]["type"]) % 10)
        ax.scatter([x], [y], s=60, color=colour, zorder=3, edgecolor="black", linewidth=0.4)
        angle = math.degrees(math.atan2(y, x))
        ax.text(1.08 * x, 1.08 * y, by_id[n]["name"], fontsize=7, rotation=angle if -90 <= angle <= 90 else angle - 180,
                rotation_mode="anchor", ha="left" if -90 <= angle <= 90 else "right", va="center")
    edge_handles = [plt.Line2D([0], [0], color=c, lw=2) for c, _ in EDGE_STYLE.values()]
    node_handles = [plt.Line2D([0], [0], marker="o", color="w", markerfacecolor=cmap(i % 10), markersize=8)
                    for i in range(len(types))]
    ax.legend(edge_handles + node_handles, [label for _, label in EDGE_STYLE.values()] + types,
              loc="upper left", bbox_to_anchor=(1.25, 1.0), fontsize=7, frameon=False)
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.9, 1.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Entities and their relations (arrows point from subject to object)", fontsize=10)
    out = _save(fig, stamp)
    plt.close(fig)
    return out


def render(tables: dict[str, list[dict[str, Any]]], title: str,
           previous: Callable[[str], bytes | None] = lambda path: None) -> dict[str, bytes]:
    """Figure files by path relative to the package root. `previous` gives the bytes a
    path had before (or None); files whose recorded inputs are unchanged are reused."""
    drawers = {"timeline": ((tables["events"], title), timeline),
               "network": ((tables["entities"], tables["relations"]), network)}
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

"""site/index.html: a static landing page generated from the package. Works offline from
the unzipped release archive: inline CSS, no script but the JSON-LD record, and every
link relative (to the archive's files, or to the zip and its checksum beside it)."""

from __future__ import annotations

import html
import json
from typing import Any

from . import citation, codebook, figures
from .citation import Download
from .schema import Spec
from .tables_io import cell

PREVIEW_ROWS = 5
CSS = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem} .version{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25rem .45rem;vertical-align:top;text-align:left}
th{background:#f3f3f3} code{background:#f6f6f6;padding:0 .2rem} pre{background:#f6f6f6;padding:.8rem;overflow-x:auto}
figure{margin:1rem 0} figure img{max-width:100%;height:auto} figcaption{color:#444;font-size:.9rem}
nav a{margin-right:1rem}
""".strip()


def _escaped(meta: dict[str, Any]) -> dict[str, Any]:
    """meta with its text values HTML-escaped, for text composed into HTML."""
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in meta.items()} | {
        "contributors": [{**c, "title": html.escape(c["title"])} for c in meta["contributors"]]}


def _preview(name: str, rows: list[dict[str, Any]], fields: list[str]) -> str:
    head = "".join(f"<th>{html.escape(f)}</th>" for f in fields)
    body = ""
    for row in rows[:PREVIEW_ROWS]:
        cells = []
        for f in fields:
            text = cell(row[f])
            cells.append(f'<td dir="auto">{html.escape(text if len(text) <= 60 else text[:57] + "...")}</td>')
        body += "<tr>" + "".join(cells) + "</tr>"
    return f'<table class="preview" id="preview-{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _link(d: Download, text: str) -> str:
    return f'<a href="../{html.escape(d.path)}" type="{html.escape(d.media)}">{html.escape(text)}</a>'


def _downloads(spec: Spec, tables: dict[str, list[dict[str, Any]]], downloads: list[Download]) -> str:
    """A row per table with its files in every format, then the files of the whole package."""
    per_table = "".join(
        f'<tr><td><code>{t.name}</code></td><td>{len(tables[t.name])}</td><td>'
        + " · ".join(_link(d, fmt) for fmt, d in citation.table_files(t.name, downloads))
        + f"</td><td>{html.escape(t.row)}</td></tr>" for t in spec.tables)
    listed = {d for t in spec.tables for _, d in citation.table_files(t.name, downloads)}
    def where(d: Download) -> str:
        return " (beside the unzipped folder)" if d.path.startswith("../") else ""
    whole = "".join(f"<li>{_link(d, d.path.removeprefix('../'))}{where(d)}: {html.escape(d.label)}</li>"
                    for d in downloads if d not in listed)
    return (f"<ul>{whole}</ul>\n<table><thead><tr><th>table</th><th>rows</th><th>files</th>"
            f"<th>one row is</th></tr></thead>\n<tbody>{per_table}</tbody></table>")


def render(meta: dict[str, Any], spec: Spec, tables: dict[str, list[dict[str, Any]]],
           json_ld: dict[str, Any], downloads: list[Download]) -> str:
    version = meta["version"]
    released = f", released {meta['released']}" if meta.get("released") else ""
    archive = f"{citation.archive_name(meta)}.zip"
    previews = "".join(
        f'<h3 id="table-{t.name}">{html.escape(t.name)} <small>({len(tables[t.name])} rows)</small></h3>'
        f"<p>{html.escape(t.row)}</p>" + _preview(t.name, tables[t.name], t.field_names)
        for t in spec.tables)
    shown = "".join(
        f'<figure id="figure-{name}"><a href="../docs/figures/{name}.svg">'
        f'<img src="../docs/figures/{name}.svg" alt="{html.escape(alt)}"></a>'
        f"<figcaption>{html.escape(caption)} (<a href=\"../docs/figures/{name}.png\">PNG</a>)</figcaption></figure>\n"
        for name, (alt, caption) in figures.describe(tables).items())
    ld = json.dumps(json_ld, ensure_ascii=False, indent=2).replace("</", "<\\/")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(meta['title'])} {version}</title>
<style>{CSS}</style>
<script type="application/ld+json">
{ld}
</script>
</head>
<body>
<h1>{html.escape(meta['title'])}</h1>
<p class="version">Version {version}{released} · data licensed
<a href="{html.escape(citation.license_url(meta))}">{html.escape(citation.license_label(meta))}</a></p>
<nav><a href="#cite">Cite</a><a href="#downloads">Downloads</a><a href="#figures">Figures</a>
<a href="#tables">Tables</a><a href="#codebook">Codebook</a></nav>
<p>{html.escape(' '.join(meta['description'].split()))}</p>
<p><small>{html.escape(' '.join(meta['attribution'].split()))}</small></p>

<h2 id="cite">How to cite</h2>
<p>Cite the exact version you used.</p>
<pre>{html.escape(citation.bibtex(meta))}</pre>
<p>{citation.apa(_escaped(meta), lambda title: f"<em>{title}</em>")}</p>

<h2 id="downloads">Downloads</h2>
<p>This page is part of the release archive <code>{archive}</code>; the links work in the
unzipped archive, with the zip and its <code>SHA256SUMS</code> beside the unzipped folder.
Check the files with <code>sha256sum -c SHA256SUMS</code> in the unzipped folder.</p>
{_downloads(spec, tables, downloads)}

<h2 id="figures">Figures</h2>
{shown}
<h2 id="tables">Tables</h2>
{previews}

<h2 id="codebook">Codebook</h2>
{codebook.render_html(spec, tables)}
</body>
</html>
"""
    return page

"""site/index.html: a static landing page generated from the package. Works offline from
the unzipped release archive: inline CSS, one small inline script (it highlights a
record's quotes; without it the links still lead to them), the JSON-LD record, and every
link relative (to the archive's files, or to the zip and its checksum beside it)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from typing import Any
from urllib.parse import urlsplit

from ansar_data.core.schema import Spec
from ansar_data.core.tables_io import cell
from ansar_data.publish import citation, codebook, figures
from ansar_data.publish.citation import Download

PREVIEW_ROWS = 5
CSS = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem} .version{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25rem .45rem;vertical-align:top;text-align:left}
th{background:#f3f3f3} code{background:#f6f6f6;padding:0 .2rem} pre{background:#f6f6f6;padding:.8rem;overflow-x:auto}
figure{margin:1rem 0} figure img{max-width:100%;height:auto} figcaption{color:#444;font-size:.9rem}
nav a{margin-right:1rem}
.article{white-space:pre-wrap;background:#fcfcfc;border:1px solid #ddd;padding:.8rem;font-size:.9rem}
.q{background:transparent} .all .q{background:#e8f1fb} .hl,.all .hl{background:#ffd54f}
a.ev{display:none;text-decoration:none;color:#888;font-size:.7rem} .all a.ev{display:inline}
.records li{margin:.15rem 0} .records a.rec{margin-left:.5rem;font-size:.85rem}
.records a.rec .src{color:#666;font-size:.75rem} label.toggle{font-size:.9rem}
""".strip()
# Highlights every span of the quotes of the record whose link was clicked; the link's
# own target (the first quote) scrolls into view as any link does.
SCRIPT = """
document.addEventListener("click", function (event) {
  var link = event.target.closest("a.rec");
  if (!link) return;
  event.preventDefault();
  document.querySelectorAll(".hl").forEach(function (e) { e.classList.remove("hl"); });
  link.dataset.ev.split(" ").forEach(function (id) {
    document.querySelectorAll('.q[data-ev~="' + id + '"]').forEach(function (e) { e.classList.add("hl"); });
  });
  var first = document.querySelector('.q[data-ev~="' + link.dataset.ev.split(" ")[0] + '"]');
  if (first) first.scrollIntoView({block: "center"});
  history.replaceState(null, "", link.getAttribute("href"));
});
document.addEventListener("change", function (event) {
  if (event.target.id === "all-quotes") document.body.classList.toggle("all", event.target.checked);
});
""".strip()


# Schemes a link of the page may have; anything else (javascript:, data:, vbscript:, file:)
# is shown as text, never linked. A relative link has no scheme.
SAFE_SCHEMES = ("https", "http", "mailto")


def safe_url(url: str) -> str | None:
    """url if a reader's click on it can only navigate (an allowed scheme, or relative), else None."""
    if not url or re.search(r"[\x00-\x20\x7f]", url):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in SAFE_SCHEMES or (scheme == "" and not url.startswith("//")) else None


def link(url: str, text: str) -> str:
    """An <a> to url with text, both escaped; only the text where the url is not safe."""
    safe = safe_url(url)
    return f'<a href="{html.escape(safe)}">{html.escape(text)}</a>' if safe else html.escape(text)


def json_in_script(data: Any) -> str:
    """JSON for a <script> block: no <, > or & in it, so neither </script> nor <!-- can end
    or change the block, and the JSON parses to the same value."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


# The page runs its one script and its one style sheet, found by their hashes, and loads
# images from its own folder tree; no inline handler, no other script, no form, no base.
CSP = (f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(CSS)}; img-src 'self'; "
       "base-uri 'none'; form-action 'none'")


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
    shown = min(len(rows), PREVIEW_ROWS)
    caption = f"the first {shown} of {len(rows)} rows" if shown < len(rows) else f"all {len(rows)} rows"
    return (f'<table class="preview" id="preview-{name}"><caption>{caption}</caption><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table>")


def marked_article(text: str, quotes: list[tuple[str, int, int, str, str]]) -> str:
    """The article's text with every quoted span marked: a span of text covered by
    quotes lists them in data-ev; each quote begins with a small link back to its
    record. `quotes` are (evidence id, start, end, record anchor, record label)."""
    cuts = sorted({0, len(text), *(q[1] for q in quotes), *(q[2] for q in quotes)})
    starts: dict[int, list[tuple[str, int, int, str, str]]] = {}
    for q in quotes:
        starts.setdefault(q[1], []).append(q)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        out += [f'<a class="ev" id="{q[0]}" href="#{q[3]}" title="{html.escape(q[4])}">›</a>'
                for q in starts.get(a, [])]
        covering = " ".join(q[0] for q in quotes if q[1] <= a and b <= q[2])
        piece = html.escape(text[a:b])
        out.append(f'<span class="q" data-ev="{covering}">{piece}</span>' if covering else piece)
    return "".join(out)


def opening_words(quote: str, words: int = 6) -> str:
    """A quote's first words, as a link's label ("was the paramilitary wing of the…")."""
    parts = quote.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def evidence_section(sources: dict[str, str], tables: dict[str, list[dict[str, Any]]], spec: Spec) -> str:
    """Each article with its quotes marked, and every curated record with links to its
    quotes there (and back)."""
    records: dict[tuple[str, str], list[str]] = {}
    labels: dict[str, tuple[str, str]] = {}  # evidence id -> (its quote's first words, its source)
    quotes: dict[str, list[tuple[str, int, int, str, str]]] = {sid: [] for sid in sources}
    anchors = {(t.name, r["id"]): f"rec-{t.name}-{n}" for t in spec.curated
               for n, r in enumerate(tables.get(t.name, []), start=1)}
    for n, ev in enumerate(tables["evidence"], start=1):
        key = (ev["record_table"], ev["record_id"])
        records.setdefault(key, []).append(f"ev-{n}")
        quotes[ev["source"]].append((f"ev-{n}", ev["char_start"], ev["char_end"], anchors[key],
                                     f"{key[0]} {key[1]}: {ev['fields']}"))
        labels[f"ev-{n}"] = (opening_words(ev["quote"]), ev["source"])
    parts = []
    for sid, text in sources.items():
        parts.append(f'<h3 id="article-{sid}">{html.escape(sid)}</h3>'
                     f'<div class="article" dir="auto">{marked_article(text, quotes[sid])}</div>')
    for t in spec.curated:
        items = "".join(
            f'<li id="{anchors[(t.name, r["id"])]}"><code>{html.escape(r["id"])}</code>'
            + "".join(f'<a class="rec" href="#{ev}" data-ev="{ev}">“{html.escape(labels[ev][0])}” '
                      f'<span class="src">({html.escape(labels[ev][1])})</span></a>'
                      for ev in records.get((t.name, r["id"]), [])) + "</li>"
            for r in tables.get(t.name, []))
        parts.append(f'<details class="records" id="records-{t.name}"><summary>{html.escape(t.name)} '
                     f'({len(tables.get(t.name, []))} records)</summary><ul>{items}</ul></details>')
    return "\n".join(parts)


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


# The landing page's SPARQL example: relative IRIs resolve against the graph's base IRI.
LINKED_DATA_EXAMPLE = """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?quote WHERE {
  ?annotation oa:hasBody <graph/relations/iraqi-communist-party%2Fagreement_with%2Fpuk> ;
    oa:hasTarget/oa:hasSelector/oa:exact ?quote }"""


def render(meta: dict[str, Any], spec: Spec, tables: dict[str, list[dict[str, Any]]],
           json_ld: dict[str, Any], downloads: list[Download], sources: dict[str, str] | None = None) -> str:
    version = meta["version"]
    released = citation.release_status(meta)
    swh = f" · tables <code>{html.escape(meta['swhid'])}</code>" if meta.get("swhid") else ""
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
    ld = json_in_script(json_ld)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP)}">
<title>{html.escape(meta['title'])} {version}</title>
<style>{CSS}</style>
<script type="application/ld+json">
{ld}
</script>
</head>
<body>
<h1>{html.escape(meta['title'])}</h1>
<p class="version">Version {version}{released}{swh} · data licensed
{link(citation.license_url(meta), citation.license_label(meta))}</p>
<nav><a href="#cite">Cite</a><a href="#downloads">Downloads</a><a href="#linked-data">Linked data</a>
<a href="#figures">Figures</a>
<a href="#tables">Tables</a><a href="#evidence">Evidence</a><a href="#codebook">Codebook</a></nav>
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

<h2 id="linked-data">Linked data</h2>
<p><code>data/graph.trig</code> holds the whole package as RDF (TriG): every row of every table,
entities typed with schema.org, events and time-spans in CIDOC CRM, relations with their Wikidata
property where one fits, and each curated record's statements in a named graph of their own, linked
to the Web Annotations of the quotes that state them. <code>schemas/shapes.ttl</code> holds its SHACL
shapes. Load it in rdflib, Oxigraph or Apache Jena; for example, the words behind the party's deal
with the PUK:</p>
<pre>{html.escape(LINKED_DATA_EXAMPLE)}</pre>

<h2 id="figures">Figures</h2>
{shown}
<h2 id="tables">Tables</h2>
{previews}

<h2 id="evidence">The evidence in the articles</h2>
<p>Open a table's records and click a quote: its words are highlighted in the article.
<label class="toggle"><input type="checkbox" id="all-quotes"> show every quote in the articles (›: the
record it supports)</label></p>
{evidence_section(sources or {}, tables, spec) if sources else ""}

<h2 id="codebook">Codebook</h2>
{codebook.render_html(spec, tables)}
<script>{SCRIPT}</script>
</body>
</html>
"""
    return page

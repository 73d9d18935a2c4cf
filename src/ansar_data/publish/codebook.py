"""The codebook, generated from metadata/tables.yaml and the built tables: one model,
rendered as Markdown (docs/codebook.md) and as HTML (the landing page)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ansar_data.core.registry import RULES
from ansar_data.core.schema import CONSTRAINT_KEYS, Spec
from ansar_data.core.tables_io import cell

INTRO = ("Generated from `metadata/tables.yaml`. "
         "Empty CSV cells and JSON `null` mean the value is not given.")


@dataclass(frozen=True)
class TableDoc:
    name: str
    title: str
    row: str
    count: int
    keys: list[str]          # Markdown inline text
    fields: list[list[str]]  # name, type, constraints, description, example (Markdown inline)


def anchor(heading: str) -> str:
    """A heading's anchor as GitHub and python-markdown's toc both make it: lower case,
    punctuation but hyphens and underscores dropped, spaces as hyphens
    ("vocabulary: time_mode" -> "vocabulary-time_mode")."""
    return re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", heading).strip().lower())


def _constraints(f: dict[str, Any]) -> str:
    parts = [("required" if k == "required" else "unique" if k == "unique" else f"{k}: `{f[k]}`")
             for k in CONSTRAINT_KEYS if k in f and f[k] is not False]
    if f.get("vocabulary"):
        parts.append(f"one of [{f['vocabulary']}](#{anchor('vocabulary: ' + f['vocabulary'])})")
    if f.get("format"):
        parts.append(f"format: {f['format']}")
    return "; ".join(parts)


def code_span(text: str) -> str:
    """text as one Markdown code span, whatever backticks it holds (CommonMark: a fence
    longer than any run of backticks inside, padded when the text starts or ends with one)."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _example(rows: list[dict[str, Any]], f: dict[str, Any]) -> str:
    name = f["name"]
    value = f.get("example", next((r[name] for r in rows if r.get(name) not in (None, "")), None))
    if value is None:
        return ""
    text = cell(value)
    return code_span(text if len(text) <= 40 else text[:37] + "...")


def model(spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> list[TableDoc]:
    docs = []
    for t in spec.tables:
        rows = tables.get(t.name, [])
        keys = [f"Files: `data/{t.name}.csv`, `data/{t.name}.json`; {len(rows)} rows",
                f"Primary key: {', '.join(f'`{k}`' for k in t.primary_key)}"]
        keys += [f"Unique: {', '.join(f'`{k}`' for k in key)}" for key in t.unique_keys]
        keys += [f"Foreign key: {', '.join(fk['fields'])} -> `{fk['reference']['resource']}`."
                 f"{', '.join(fk['reference']['fields'])}" for fk in t.foreign_keys]
        keys += [f"Quote check: `{s['text']}` equals the source text at `{s['start']}`..`{s['end']}`"
                 for s in t.spans]
        fields = [[f"`{f['name']}`", f["type"], _constraints(f), _description(f), _example(rows, f)]
                  for f in t.fields]
        docs.append(TableDoc(t.name, t.title, t.row, len(rows), keys, fields))
    return docs


def _description(f: dict[str, Any]) -> str:
    text = f["description"]
    if "when_empty" in f:
        text += f" Empty: {f['when_empty']}"
    if "evidence" in f:
        text += f" Evidence rule: `{f['evidence']}`."
    if "derived" not in f:
        return text
    return f"{text} Derived by the build: {f['derived']}" + (
        " (or written in the curation file)." if f.get("input") == "optional" else ".")


def blanks_list(spec: Spec) -> str:
    """Every column whose empty cell means the sources do not say, from tables.yaml's
    `when_empty`, as a Markdown list."""
    return "\n".join(f"- `{t.name}.{f['name']}`: {f['when_empty']}" for t in spec.tables for f in t.fields
                     if "when_empty" in f)


def time_basis_counts(spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> str:
    """How many relations have each time_basis, as a Markdown table in the vocabulary's order."""
    terms = spec.vocabularies["time_basis"].terms if "time_basis" in spec.vocabularies else {}
    counts = {term: sum(r.get("time_basis") == term for r in tables.get("relations", [])) for term in terms}
    lines = ["| time_basis | relations | meaning |", "| --- | ---: | --- |"]
    return "\n".join(lines + [f"| `{term}` | {counts[term]} | {meaning} |" for term, meaning in terms.items()])


def tables_summary(spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["| table | rows | one row is |", "| --- | ---: | --- |"]
    lines += [f"| [{t.name}](#{anchor(t.name)}) | {len(tables.get(t.name, []))} | {t.row} |"
              for t in spec.tables]
    return "\n".join(lines)


def _row_sentence(row: str) -> str:
    return row[0].lower() + row[1:]


def links_diagram(spec: Spec) -> str:
    """A Mermaid ER diagram of the foreign keys, and of the polymorphic links: a field
    whose vocabulary is curated_table names the table its record ids point into."""
    lines = ["```mermaid", "erDiagram"]
    for t in spec.tables:
        for fk in t.foreign_keys:
            target = fk["reference"]["resource"] or t.name
            lines.append(f'    {target} ||--o{{ {t.name} : "{", ".join(fk["fields"])}"')
    curated = list(spec.vocabularies["curated_table"].terms) if "curated_table" in spec.vocabularies else []
    for t in spec.tables:
        if any(f.get("vocabulary") == "curated_table" for f in t.fields):
            ids = [f["name"] for f in t.fields if f["name"] in ("record_id", "record_a", "record_b")]
            lines.append(f'    CURATED_RECORD ||..o{{ {t.name} : "table, {", ".join(ids)}"')
    lines.append(f"    %% CURATED_RECORD: a record of {', '.join(curated)}")
    lines.append("```")
    return "\n".join(lines)


def render(spec: Spec, tables: dict[str, list[dict[str, Any]]], guide: str = "", base: str | None = None) -> str:
    """docs/codebook.md; `guide` (metadata/codebook_guide.md) comes after the table list,
    its {links} replaced by the diagram of the links between tables."""
    docs = model(spec, tables)
    lines = ["# Codebook", "", INTRO, "", tables_summary(spec, tables), ""]
    if guide:
        filled = (guide.replace("{links}", links_diagram(spec)).replace("{blanks}", blanks_list(spec))
                  .replace("{time_basis_counts}", time_basis_counts(spec, tables))
                  .replace("{base_iri}", f"`{base}`" if base else "set in `base_iri`"))
        lines += [filled.strip(),
                  "", "# Tables", ""]
    for d in docs:
        lines += [f"## {d.name}", "", f"**{d.title}.** Each row: {_row_sentence(d.row)}", ""]
        lines += [f"- {k}" for k in d.keys]
        lines += ["", "| field | type | constraints | description | example |",
                  "| --- | --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in f) + " |" for f in d.fields]
        lines.append("")
    lines += ["# Vocabularies", ""]
    for vocab in spec.vocabularies.values():
        lines += [f"## vocabulary: {vocab.name}", "", vocab.description, ""]
        if vocab.attributes:
            lines += ["| term | meaning | applied as |", "| --- | --- | --- |"]
            lines += [f"| `{term}` | {meaning} | {_attributes(vocab.attributes[term])} |"
                      for term, meaning in vocab.terms.items()]
        else:
            lines += ["| term | meaning |", "| --- | --- |"]
            lines += [f"| `{term}` | {meaning} |" for term, meaning in vocab.terms.items()]
        lines.append("")
    return "\n".join(lines + checks_section())


def _attributes(attributes: dict[str, Any]) -> str:
    return "; ".join(f"{k}: `{v}`" for k, v in attributes.items())


SIDE_WORDS = {"both": "build and validate.py", "validator": "validate.py"}


def checks_section() -> list[str]:
    """The error codes of validate.py with their meanings, from registry.py."""
    lines = ["# Checks", "",
             "Every problem `validate.py` reports has one of these codes. \"build and validate.py\": the "
             "build refuses the same rows, naming the curation file, record and field; every other check "
             "runs on the package the build makes before it is put in place.", "",
             "| code | applies to | checked by | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{r.code}` | {r.applies} | {SIDE_WORDS[r.side]} | {r.meaning} |" for r in RULES.values()]
    return lines + [""]


CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
# The only links the codebook writes: to an anchor of the same page.
ANCHOR_LINK = re.compile(r"\[([^\]]+)\]\((#[\w-]+)\)")


def inline_html(text: str) -> str:
    """The little Markdown the codebook uses (`code`, [label](#anchor)) as HTML. Code
    spans are escaped and nothing else; outside them every character is escaped for text
    and attributes alike, and only a link to a plain #anchor becomes a link, so a value
    from the data can never become markup, an attribute or a script."""
    out, at = [], 0
    for match in CODE_SPAN.finditer(text):
        out.append(_prose_html(text[at:match.start()]))
        code = match[2][1:-1] if match[2].startswith(" ") and match[2].endswith(" ") and match[2].strip() else match[2]
        out.append(f"<code>{html.escape(code)}</code>")
        at = match.end()
    out.append(_prose_html(text[at:]))
    return "".join(out)


def _prose_html(text: str) -> str:
    return ANCHOR_LINK.sub(r'<a href="\2">\1</a>', html.escape(text))


def render_html(spec: Spec, tables: dict[str, list[dict[str, Any]]]) -> str:
    """The codebook as an HTML fragment."""
    parts = [f"<p>{inline_html(INTRO)}</p>"]
    for d in model(spec, tables):
        parts.append(f'<h3 id="codebook-{d.name}">{html.escape(d.name)}</h3>')
        parts.append(f"<p><strong>{html.escape(d.title)}.</strong> Each row: "
                     f"{html.escape(_row_sentence(d.row))}</p>")
        parts.append("<ul>" + "".join(f"<li>{inline_html(k)}</li>" for k in d.keys) + "</ul>")
        head = "".join(f"<th>{h}</th>" for h in ("field", "type", "constraints", "description", "example"))
        body = "".join("<tr>" + "".join(f'<td dir="auto">{inline_html(c)}</td>' for c in f) + "</tr>"
                       for f in d.fields)
        parts.append(f'<table class="codebook"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    parts.append("<h3>Vocabularies</h3>")
    for vocab in spec.vocabularies.values():
        vocab_id = anchor("vocabulary: " + vocab.name)
        rows = "".join(f"<tr><td><code>{html.escape(t)}</code></td><td>{html.escape(m)}</td></tr>"
                       for t, m in vocab.terms.items())
        parts.append(f'<h4 id="{vocab_id}">vocabulary: {html.escape(vocab.name)}</h4>'
                     f"<p>{html.escape(vocab.description)}</p>"
                     f'<table class="codebook"><thead><tr><th>term</th><th>meaning</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table>")
    return "\n".join(parts)

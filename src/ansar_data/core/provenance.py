"""Field-level provenance: whether a quote supports a value by its field's evidence
rule, and which values an inference rule allows. One place for both, so the build
(which lists the fields each quote supports) and validate.py (which re-derives them)
apply the same rules. What each rule means, its error code and how an inference rule
is applied are declared in metadata/tables.yaml (the vocabularies' attributes); here
is only what a program must do to apply them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansar_data.core.values import dates_in

# evidence_rule term -> test of (value, quote). A `stated` field is the curator's
# reading: no program can check it against the words. tables.yaml is refused when its
# evidence_rule terms differ from these (schema.parse_spec).
SUPPORTS: dict[str, Callable[[Any, str], bool]] = {
    "equals-quote": lambda value, quote: quote == value,
    "in-quote": lambda value, quote: isinstance(value, str) and value in quote,
    "date-in-quote": lambda value, quote: value in dates_in(quote),
    "stated": lambda value, quote: True,
}


def supports(rule: str, value: Any, quote: str) -> bool:
    """Whether the quote supports the (non-empty) value by the evidence rule."""
    return SUPPORTS[rule](value, quote)


def why_not(rule: str, value: Any, quote: str) -> str:
    """A reader's explanation of a failed `supports`."""
    if rule == "date-in-quote":
        found = dates_in(quote)
        return (f"the quote's dates read {', '.join(map(repr, found))}, not {value!r}" if found
                else f"the quote has no date expression for {value!r}")
    if rule == "equals-quote":
        return f"the quote {quote!r} is not exactly {value!r}"
    return f"the quote does not contain {value!r}"


def inferred_values(applied: dict[str, Any], other: dict[str, Any]) -> set[Any]:
    """The values an inference rule gives from the other record (an event), as its
    attributes in tables.yaml say: the field it `copies`, in each of its `forms` (X
    standing for the copied value)."""
    value = other.get(applied["copies"])
    if value is None:
        return set()
    return {found for form in applied["forms"] if (found := apply_form(form, str(value))) is not None}


def apply_form(form: str, value: str) -> str | None:
    """A form of an inference rule (X, X/.., ../X) applied to a value. When the value is
    itself an interval, "from then on" starts at its start and "until then" ends at its
    end (1987-06/1987-07 from then on is 1987-06/..): never an interval of three parts.
    None when the form cannot be made (from the start of a value whose start is open)."""
    start, interval, end = value.partition("/")
    if form == "X/..":
        return f"{start}/.." if start not in ("", "..") else None
    if form == "../X":
        last = end if interval else value
        return f"../{last}" if last not in ("", "..") else None
    return form.replace("X", value)

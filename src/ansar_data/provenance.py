"""Field-level provenance: whether a quote supports a value by its field's evidence
rule, and which values an inference rule allows. One place for both, so the build
(which lists the fields each quote supports) and validate.py (which re-derives them)
apply the same rules."""

from __future__ import annotations

from typing import Any

from .values import dates_in


def supports(rule: str, value: Any, quote: str) -> bool:
    """Whether the quote supports the (non-empty) value by the evidence rule. A `stated`
    field is the curator's reading: no program can check it against the words."""
    if rule == "equals-quote":
        return quote == value
    if rule == "in-quote":
        return isinstance(value, str) and value in quote
    if rule == "date-in-quote":
        return value in dates_in(quote)
    return rule == "stated"


def why_not(rule: str, value: Any, quote: str) -> str:
    """A reader's explanation of a failed `supports`."""
    if rule == "date-in-quote":
        found = dates_in(quote)
        return (f"the quote's dates read {', '.join(map(repr, found))}, not {value!r}" if found
                else f"the quote has no date expression for {value!r}")
    if rule == "equals-quote":
        return f"the quote {quote!r} is not exactly {value!r}"
    return f"the quote does not contain {value!r}"


# inference rule -> (field of the other record it copies, the field it may fill)
INFERENCE_FIELDS = {"parent_date": ("edtf", "edtf"), "parent_place": ("place", "place"),
                    "referent_date": ("edtf", None)}


def inferred_values(rule: str, other: dict[str, Any]) -> set[Any]:
    """The values an inference rule gives from the other record (an event)."""
    source_field, _ = INFERENCE_FIELDS[rule]
    value = other.get(source_field)
    if value is None:
        return set()
    if rule == "referent_date":
        return {value, f"../{value}", f"{value}/.."}
    return {value}

"""Shared declarations: tables.yaml as tables, error codes, value grammars, rules, safe reading, CSV/JSON, the swap.
May import: nothing of ansar_data."""

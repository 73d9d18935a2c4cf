"""Curating: the YAML in curation/ to the rows of the curated tables, every quote found and every rule applied.
May import: core, read, extract."""

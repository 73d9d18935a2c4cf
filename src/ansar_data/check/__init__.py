"""Checking: a package as the validator reads it, every check with its code, and the report of validate.py.
May import: core, read, extract, curate."""

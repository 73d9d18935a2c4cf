"""Extracting: parsed articles to the rows of the extracted tables (sections, infobox fields and values, see-also).
May import: core, read."""

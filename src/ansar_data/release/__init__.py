"""Releasing and keeping up: the archive, cutting and verifying a release, a new revision of an article.
May import: core, read, extract, curate, check, publish."""

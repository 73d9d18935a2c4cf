"""Publishing: the build that writes data/ and every file made from it, docs, figures, page and exports.
May import: core, read, extract, curate, check."""

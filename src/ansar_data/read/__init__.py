"""Reading the sources: where each article lives (sources.yaml, sha256) and an article's text as spans.
May import: core."""

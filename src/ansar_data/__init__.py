"""Build and validate the Al-Ansar (Iraq) / Pasht Ashan massacre data package.

The code is a pipeline whose folders are its stages, in this order; a module imports
only from its own stage or from stages before it (tests/test_layers.py checks it, and
docs/maintaining.md lists them from here).
"""

# The one home of the stage order.
STAGES = ("core", "read", "extract", "curate", "check", "publish", "release")

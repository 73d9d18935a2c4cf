#!/usr/bin/env python3
"""Validate the data package: `python validate.py [PACKAGE_DIR] [--json]`.

Exit codes: 0 valid, 1 invalid, 2 could not run. See README.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from ansar_data.check.validate import main  # noqa: E402 (after the path is set)

if __name__ == "__main__":
    sys.exit(main())

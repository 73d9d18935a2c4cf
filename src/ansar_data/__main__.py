"""`python -m ansar_data COMMAND`: the command line of cli.py."""

import sys

from ansar_data.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m ansar_data"))

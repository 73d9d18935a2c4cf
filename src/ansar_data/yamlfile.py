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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), "whole file", None, f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"byte {exc.start}", None, "not valid UTF-8") from exc
    return parse_yaml(text, str(path))


def parse_yaml(text: str, origin: str) -> Any:
    """YAML text as plain data; origin names it in errors."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "whole file"
        raise InputError(origin, where, None,
                         f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc

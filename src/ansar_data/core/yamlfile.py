"""YAML input, read only with PyYAML's safe loader, with errors that name the file and line."""

from __future__ import annotations

import copy
import difflib
import json
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from ansar_data.core.errors import InputError
from ansar_data.core.files import MAX_YAML_BYTES, FileRefused, read_regular

# The safe loader, in C when PyYAML has libyaml: the same SafeConstructor as
# yaml.safe_load (no Python objects), three times faster on a 10,000-source list.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Plain scalars read as YAML 1.2's core schema reads them, not as YAML 1.1 (PyYAML's
# default): only a plain decimal is a number and only true/false a boolean, so what a
# curator typed in a text field stays as typed ("0777" is not 511, "1:30" not 90, "0x1F",
# "1_000", "+12", "yes" and "off" stay text), and an integer field refuses such text.
_CORE = [
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    ("tag:yaml.org,2002:int", re.compile(r"^-?(?:0|[1-9][0-9]*)$"), "-0123456789"),
    ("tag:yaml.org,2002:float", re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)$"),
     "-0123456789"),
]
_REPLACED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
             "tag:yaml.org,2002:float"}


def _resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    out = {first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
           for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()}
    for tag, regexp, firsts in _CORE:
        for first in firsts:
            out.setdefault(first, []).insert(0, (tag, regexp))
    return out


class SAFE_LOADER(_BASE_LOADER):  # noqa: N801 - used as PyYAML's Loader classes are
    """The safe loader with YAML 1.2 core scalars (above); an unquoted date stays the
    text it is: the build reads dates itself ("1983-02-30" is an error naming its field,
    not a crash in YAML)."""

    yaml_implicit_resolvers = _resolvers()


def read_yaml(path: Path, shape: str | None = None) -> Any:
    """A YAML input as plain data; with `shape`, checked against that definition of
    input_schemas.json, so a value of the wrong type or shape is an InputError naming
    the file, the record and the field."""
    data = _read(path)
    if shape is not None:
        check_shape(data, shape, str(path))
    return data


@cache
def _schema(shape: str) -> dict[str, Any]:
    schemas = json.loads(resources.files("ansar_data.core").joinpath("input_schemas.json").read_text(encoding="utf-8"))
    return {**schemas, "$ref": f"#/$defs/{shape}"}


@cache
def _validator(shape: str) -> Any:
    # imported only to explain an invalid input: it is a quarter of a command's start-up
    import jsonschema

    return jsonschema.Draft202012Validator(_schema(shape),
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@cache
def _fast_validator(shape: str) -> Any:
    return jsonschema_rs.Draft202012Validator(_schema(shape), validate_formats=True)


def check_shape(data: Any, shape: str, origin: str) -> None:
    # jsonschema-rs says whether (10,000 sources: 0.1 s), jsonschema's best_match says
    # where, with the message users read (4 s there).
    if _fast_validator(shape).is_valid(data):
        return
    import jsonschema

    errors = list(_validator(shape).iter_errors(data))
    if (misspelt := _misspelt_key(errors, origin)) is not None:
        raise misspelt
    error = jsonschema.exceptions.best_match(errors)
    if error is None:
        return
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        path.append(next(str(k) for k in error.validator_value if k not in error.instance))
    where = "record " + ".".join(path[:-1]) if len(path) > 1 else "top level"
    message = error.message if len(error.message) < 200 else error.message[:200] + "..."
    raise InputError(origin, where, path[-1] if path else None, message)


def _misspelt_key(errors: list[Any], origin: str) -> InputError | None:
    """An unknown key that resembles a key the mapping may have, and is missing: reported
    as itself ("did you mean"), where the missing key alone would hide the misspelling."""
    for error in errors:
        if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
            continue
        allowed = sorted(set(error.schema.get("properties", {})) - set(map(str, error.instance)))
        for key in sorted(set(map(str, error.instance)) - set(error.schema.get("properties", {}))):
            if near := difflib.get_close_matches(key, allowed, n=1):
                path = [str(p) for p in error.absolute_path]
                return InputError(origin, "record " + ".".join(path) if path else "top level", key,
                                  f"unknown key; did you mean {near[0]!r}?")
    return None


def read_input(path: Path, limit: int = MAX_YAML_BYTES, inside: Path | None = None) -> bytes:
    """An input file's bytes (files.read_regular), or an InputError naming it."""
    try:
        return read_regular(path, limit, inside)
    except FileRefused as exc:
        raise InputError(str(path), "whole file", None, exc.reason) from exc


def _read(path: Path) -> Any:
    data = read_input(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"byte {exc.start}", None, "not valid UTF-8") from exc
    return parse_yaml(text, str(path))


# Far above any real input (10,000 sources are about 70,000 nodes), far below what an
# alias bomb expands to; the depth keeps the recursive constructor from crashing.
MAX_NODES = 2_000_000
MAX_DEPTH = 100


def parse_yaml(text: str, origin: str) -> Any:
    """YAML text as plain data; origin names it in errors. A key written twice in one
    mapping, a document that expands (through aliases) past MAX_NODES nodes or nests
    deeper than MAX_DEPTH, and a recursive alias are InputErrors, checked on the composed
    node graph before anything is constructed."""
    # A build reads sources.yaml three times (its sources, their index, the validation
    # of the new package): 2.3 s each at 10,000 sources. The same text parses to the
    # same data, so it is parsed once and each caller gets its own copy.
    return copy.deepcopy(_parse_once(text, origin))


@lru_cache(maxsize=8)
def _parse_once(text: str, origin: str) -> Any:
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if not _plain_tree(node):
            _check_nodes(node, origin)  # an alias, or something to refuse: measured with care
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "whole file"
        problem = str(getattr(exc, "problem", None) or exc)
        if "maximum nesting depth" in problem:  # PyYAML >= 6.0.3 has its own limit, far above ours
            raise InputError(origin, where, None, f"nested more than {MAX_DEPTH} levels deep; refused") from exc
        raise InputError(origin, where, None, f"not valid YAML: {problem}") from exc
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _plain_tree(root: yaml.Node) -> bool:
    """Whether the document is what every input of ours is: no node reached twice (no
    alias), within MAX_DEPTH and MAX_NODES, no key written twice or merged. One pass
    down the tree, a third of _check_nodes's time, which runs when this says no."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen or depth > MAX_DEPTH or len(seen) >= MAX_NODES:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            if _refused_key(node) is not None:
                return False
            stack.extend((n, depth + 1) for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((n, depth + 1) for n in node.value)
    return True


def _check_nodes(root: yaml.Node, origin: str) -> None:
    """Expanded size and depth, cycles and duplicate keys, without recursion: each node
    shared through an alias is measured once. (PyYAML >= 6.0.3 refuses to compose text
    nested over 1,000 levels, which would otherwise crash the process.)"""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise InputError(origin, f"line {node.start_mark.line + 1}", None,
                                 f"nested more than {MAX_DEPTH} levels deep; refused")
            if size[key] > MAX_NODES:
                raise InputError(origin, f"line {node.start_mark.line + 1}", None,
                                 f"the document expands to more than {MAX_NODES:,} values "
                                 f"(through aliases); refused")
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise InputError(origin, f"line {node.start_mark.line + 1}", None,
                             "an alias refers to a node that contains it; refused")
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(node, origin)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node))


def _no_duplicate_keys(node: yaml.MappingNode, origin: str) -> None:
    if (found := _refused_key(node)) is not None:
        key_node, why = found
        raise InputError(origin, f"line {key_node.start_mark.line + 1}", None, why)


def _refused_key(node: yaml.MappingNode) -> tuple[yaml.Node, str] | None:
    """The first key of a mapping that is a merge or is written twice, and why it is
    refused; None when there is none."""
    seen: set[tuple[str, str]] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            return key_node, ("a merge key (<<) copies fields from another mapping and may silently replace "
                              "one; write the fields out")
        if isinstance(key_node, yaml.ScalarNode):
            key = (key_node.tag, key_node.value)
            if key in seen:
                return key_node, (f"key {key_node.value!r} is written twice in one mapping; "
                                  f"the second would silently replace the first")
            seen.add(key)
    return None

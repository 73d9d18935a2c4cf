"""Serialize table rows to CSV (RFC 4180, LF) and JSON twins, and read them back."""

from __future__ import annotations

import csv
import io
import itertools
import json
import operator
import re
import zipfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import orjson


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def columns_of(rows: list[dict[str, Any]], fields: list[str]) -> list[list[Any]]:
    """The rows' values, a list per field (a KeyError when a row lacks one)."""
    return [list(map(operator.itemgetter(f), rows)) for f in fields]


def to_csv(rows: list[dict[str, Any]], fields: list[str], columns: list[list[Any]] | None = None) -> bytes:
    """`columns`: columns_of(rows, fields), when the caller has them already."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    # A column at a time: the csv module writes None as "" and a number as str() does,
    # as cell() would, so only a column holding booleans is converted
    columns = columns_of(rows, fields) if columns is None else list(columns)
    for i, column in enumerate(columns):
        if bool in set(map(type, column)):
            columns[i] = list(map(cell, column))
    writer.writerows(zip(*columns))
    return out.getvalue().encode("utf-8")


def record_encoder() -> Callable[[Any], str]:
    """json.JSONEncoder(ensure_ascii=False).encode, with the C encoder made once: the
    json module makes one on every call, a third of the time it takes to encode a
    record of ours (0.66 s against 0.40 s for 324,000 records)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(ensure_ascii=False).encode
    encode = make(None, json.JSONEncoder().default, json.encoder.encode_basestring, None, ": ", ", ",
                  False, False, True)
    return lambda value: "".join(encode(value, 0))


def _json_lines(rows: list[dict[str, Any]], fields: list[str]) -> Iterator[str]:
    encode = record_encoder()
    keys = tuple(fields)
    ordered = rows if all(map(keys.__eq__, map(tuple, rows))) else ({f: row[f] for f in fields} for row in rows)
    return map(encode, ordered)


def to_json(rows: list[dict[str, Any]], fields: list[str]) -> bytes:
    """An array with one record per line: readable and diffable, and written by the C
    encoder (json.dumps with indent= falls back to pure Python, 5x slower here)."""
    if not rows:
        return b"[]\n"
    return ("[\n" + ",\n".join(_json_lines(rows, fields)) + "\n]\n").encode("utf-8")


def is_json_of(rows: list[dict[str, Any]], fields: list[str], data: bytes) -> bool:
    """Whether data == to_json(rows, fields), compared a line at a time so that the
    whole text is never made (68 MB and more at 10,000 articles)."""
    if not rows:
        return data == b"[]\n"
    view, pos, lines, start = memoryview(data), 0, _json_lines(rows, fields), b"[\n"
    # 4,096 lines at a time: a comparison per line cost a third of the time at 10,000 articles
    while batch := list(itertools.islice(lines, 4096)):
        chunk = start + ",\n".join(batch).encode("utf-8")
        if view[pos:pos + len(chunk)] != chunk:
            return False
        pos, start = pos + len(chunk), b",\n"
    return view[pos:] == b"\n]\n"


MAX_JSON_DEPTH = 64  # our deepest file nests 7 levels; deeper is an attack or an accident
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # \ud800 to \udfff: half of a pair, or alone


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {key!r} (a JSON reader would keep only one of them)")
    return obj


def _flat_records(data: Any) -> bool:
    """A list of objects whose values are scalars: a JSON twin's shape."""
    if not isinstance(data, list) or set(map(type, data)) - {dict}:
        return False
    # the type of every value, in C: a loop per record took 1 s at 10,000 articles
    return not set(map(type, itertools.chain.from_iterable(map(dict.values, data)))) & {dict, list}


def _depth(data: Any) -> int:
    """How deeply objects and arrays nest (a scalar: 0), counted up to just past the limit."""
    deepest, stack = 0, [(data, 1)] if isinstance(data, (dict, list)) else []
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            stack += [(v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)
                      if isinstance(v, (dict, list))]
    return deepest


def load_json(text: str) -> Any:
    """JSON that every reader reads alike: ValueError on a key written twice in one
    object, or on nesting deeper than MAX_JSON_DEPTH (a RecursionError otherwise)."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    # Fast path for the tables (millions of objects): the number of keys written in each
    # object (the C parser counting them) against the keys it kept.
    if _flat_records(data) and json.loads(text, object_pairs_hook=len) == [len(r) for r in data]:
        _whole_characters(text, data)
        return data
    # a schema or descriptor: the same few are read by every validation in one process
    # (the mutation suite), so a small one is checked once
    (_readable_alike_once if len(text) <= 1024 * 1024 else _readable_alike)(text)
    return data


def _readable_alike(text: str) -> None:
    """No key written twice, no nesting past the limit, no lone surrogate."""
    data = json.loads(text)
    if _depth(data) > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    data = json.loads(text, object_pairs_hook=_unique_keys)  # names the key written twice
    _whole_characters(text, data)


_readable_alike_once = lru_cache(maxsize=256)(_readable_alike)


def _whole_characters(text: str, data: Any) -> None:
    """JSON may escape half a surrogate pair alone ("\\ud800"), which no UTF-8 file or
    reader can hold: a ValueError, not a crash later when the text is written out."""
    if SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"a string holds a lone surrogate U+{ord(exc.object[exc.start]):04X}, "
                             f"which is not a character") from None


def dump_json(data: Any) -> bytes:
    """Indented by two spaces, as json.dumps(indent=2, ensure_ascii=False) writes it, with
    orjson: json's indented writer is pure Python, 40 times slower on annotations.jsonld.
    What orjson would write otherwise (a float: "1e16", not "1e+16") or refuses (an
    integer past 64 bits, a key that is not a string) json writes."""
    if not _holds_float(data):
        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"
        except TypeError:  # orjson.JSONEncodeError; a lone surrogate fails in json's way below
            pass
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _holds_float(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend(value.values())
        elif kind is list or kind is tuple:
            stack.extend(value)
        elif isinstance(value, float):
            return True
    return False


def read_csv_text(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV text, every cell a string."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return (rows[0] if rows else []), rows[1:]


def read_csv_records(text: str) -> list[dict[str, str]]:
    """The records of a CSV text as dicts by header, every cell a string."""
    header, rows = read_csv_text(text)
    return [dict(zip(header, row)) for row in rows]


def deterministic_zip(entries: list[tuple[str, bytes]], date_time: tuple[int, ...]) -> bytes:
    """A zip whose bytes depend only on the entries: the given order, one fixed time,
    mode 0644, deflate level 9."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content, compresslevel=9)
    return out.getvalue()

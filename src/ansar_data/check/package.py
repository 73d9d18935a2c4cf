"""The package as the validator sees it: the descriptor, every resource's bytes and
records, the Table Schemas and JSON Schemas, the spec and the source texts, each
read from disk once. Reads only; never writes."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import itertools
import json
import operator
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from ansar_data.core.errors import InputError
from ansar_data.core.files import (
    MAX_JSON_BYTES,
    MAX_TEXT_BYTES,
    FileRefused,
    open_regular,
    read_regular,
    read_text,
    resolve,
    within,
)
from ansar_data.core.outputs import JOURNAL, interrupted
from ansar_data.core.registry import rule_of
from ansar_data.core.schema import BOOLEAN_CELLS, TYPES, Spec, Table, load_spec
from ansar_data.core.shared import beside
from ansar_data.core.tables_io import MAX_JSON_DEPTH, is_json_of, load_json
from ansar_data.core.yamlfile import read_yaml
from ansar_data.read.sources import read_index, source_path

# The largest resource validate.py reads into memory: the 10,000-article benchmark's
# largest file is 68 MiB (infobox_values.json) and its largest table about 140,000
# records. A larger file or table is reported and only its hash is checked, so memory
# stays under 1 GiB whatever a file holds (measured: README, "Validation").
MAX_RESOURCE_BYTES = 128 * 1024 * 1024
# A resource that is not a table (the RDF rendering) streams through the checks, so its
# cap is the disk's, not memory's: 8 GiB, over what a corpus of 100,000 articles renders to.
MAX_FILE_BYTES = 8 * 1024 ** 3
MAX_RESOURCE_RECORDS = 300_000
# The csv module's default field limit, four times Excel's cell limit (cell-limit).
CSV_FIELD_LIMIT = 131_072
# The most fields one CSV line may have before it is read: our widest table has 30
# columns, and a line of quoted text cells holds at most about a million commas; the csv
# module materialises a whole row, so a line of sixty million empty fields took 11 GB.
MAX_LINE_FIELDS = 2_000_000


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_INNERMOST = re.compile(r"[{\[][^{}\[\]]*[}\]]")


def _top_level_elements(text: str) -> int:
    """An upper bound on the elements of a JSON array, counted in C: strings taken out,
    then innermost objects and arrays, until only the top-level commas are left."""
    rest = _JSON_STRING.sub("", text)
    start = rest.find("[")
    if start < 0:
        return 0
    rest = rest[start + 1:rest.rfind("]")] if "]" in rest else rest[start + 1:]
    for _ in range(MAX_JSON_DEPTH + 1):
        shorter = _INNERMOST.sub("", rest)
        if shorter == rest:
            break
        rest = shorter
    return rest.count(",") + (1 if rest.strip() or "{" in text else 0)


def _more_records_than(text: str, limit: int) -> bool:
    """Whether a JSON array holds more than `limit` elements, parsed one element at a
    time and stopping there: json.loads of 127 MiB of `{}` records made 42 million
    dictionaries (4 GiB) before any limit could be checked, and of 127 MiB of `0,` as
    many numbers (1.8 GiB)."""
    if text.count("{") <= limit:
        # every element an object: there cannot be more; other elements are counted too
        return _top_level_elements(text) > limit
    decoder, i, n = json.JSONDecoder(), text.find("[") + 1, 0
    if i == 0:
        return False
    while n <= limit:
        while i < len(text) and text[i] in " \t\r\n,":
            i += 1
        if i >= len(text) or text[i] == "]":
            return False
        try:
            _, i = decoder.raw_decode(text, i)
        except ValueError:
            return False  # load_json reports it
        n += 1
    return True


def _widest_line(data: bytes) -> int:
    """The most commas on one line (an upper bound on its fields), without splitting."""
    widest, start = 0, 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        widest = max(widest, data.count(b",", start, end))
        start = end + 1
    return widest


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    resource: str | None = None
    row: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        if rule_of(self.code) is None:
            raise ValueError(f"undeclared error code {self.code!r}: declare it in registry.py")


@dataclass(frozen=True)
class Tally:
    """Problems a check counted without spelling them out: past the report's limit for
    their resource and code, where a file of millions of bad cells would otherwise make
    (and hold) millions of messages."""
    code: str
    resource: str | None
    count: int


class CannotRun(Exception):
    """The package cannot be validated at all (exit code 2)."""


@dataclass(frozen=True)
class Layout:
    """What check_files judges of a file's bytes, measured as it is read so that the
    bytes need not be kept (134 MB at 10,000 articles); each is a line number, or None."""
    bom: bool = False
    utf8_error: tuple[int, int] | None = None  # (byte offset, line) of the first invalid byte
    crlf: int | None = None
    no_final_newline: int | None = None
    not_nfc: int | None = None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def file_layout(data: bytes) -> tuple[Layout, str | None]:
    """The file's layout, and its text (None when it is not UTF-8): decoded once, since
    decoding is a tenth of loading at 10,000 articles."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Layout(data.startswith(b"\xef\xbb\xbf"), (exc.start, _line_of(data, exc.start))), None
    return Layout(
        bom=data.startswith(b"\xef\xbb\xbf"),
        crlf=_line_of(data, data.index(b"\r")) if b"\r" in data else None,
        no_final_newline=text.count("\n") + 1 if text and not text.endswith("\n") else None,
        not_nfc=None if unicodedata.is_normalized("NFC", text) else next(
            n for n, t in enumerate(text.split("\n"), start=1) if not unicodedata.is_normalized("NFC", t))), text


@dataclass(frozen=True)
class JsonFile:
    """A schema file as read: its text and what it parses to."""
    text: str
    value: Any

    @cached_property
    def canonical(self) -> str:
        """Keys sorted: what the checks compare and key their caches by."""
        return json.dumps(self.value, sort_keys=True)


@dataclass
class Loaded:
    """One resource as read from disk: raw bytes, and if readable, its typed records."""
    name: str
    descriptor: dict[str, Any]
    path: Path
    layout: Layout | None = None        # None: the file was not read
    table: Table | None = None
    schema_file: JsonFile | None = None  # the Table Schema's file, when readable
    header: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0                       # bytes on disk
    sha256: str = ""
    readable: bool = False
    read_error: str | None = None       # why the CSV could not be read at all
    too_large: str | None = None        # why it was not read: over which limit
    refused: str | None = None          # why the file was not read: not a regular file, unreadable
    not_records: str | None = None      # why a JSON twin is not an array of objects
    ragged: list[tuple[int, int]] = field(default_factory=list)  # (row, cells) of CSV rows not as wide as the header
    unverified: bool = False            # a JSON twin given its CSV's records before is_json_of said so (verify_twins)

    @property
    def is_json(self) -> bool:
        return self.descriptor.get("format") == "json"

    @property
    def schema(self) -> Any:
        """The Table Schema as parsed (None when missing or unreadable)."""
        return None if self.schema_file is None else self.schema_file.value

    @property
    def schema_text(self) -> str:
        """The Table Schema as canonical JSON text, made once per file read: the checks
        compare and key by it, a dozen times a resource."""
        return "null" if self.schema_file is None else self.schema_file.canonical


@dataclass(frozen=True)
class SourceFile:
    """A source named in sources/sources.yaml: its file, bytes and text (None when
    the file is missing or not UTF-8)."""
    id: str
    path: Path
    data: bytes | None
    text: str | None
    refused: str | None = None  # why the file was not read


@dataclass
class Package:
    """Everything the checks read, loaded once."""
    dir: Path
    inputs_dir: Path
    descriptor: dict[str, Any]
    spec: Spec
    resources: dict[str, Loaded]
    json_files: dict[str, JsonFile | None]  # descriptor path of a JSON Schema -> the file (None if unreadable)
    json_errors: dict[str, str]         # path of a JSON file (twin or schema) -> why it is unreadable
    sources: dict[str, SourceFile]
    key_map: dict[str, Any] = field(default_factory=dict)  # metadata/infobox_keys.yaml: written key -> rule
    refused: dict[str, str] = field(default_factory=dict)  # descriptor path of a schema -> why it was not read
    source_index: list[dict[str, Any]] = field(default_factory=list)  # the entries of sources.yaml
    meta: dict[str, Any] | None = None  # metadata/package.yaml beside the package, when there
    located: dict[str, Path | None] = field(default_factory=dict)  # descriptor path -> safe_path of it
    limit: int | None = None  # problems a report keeps per resource and code: a check may tally the rest

    @cached_property
    def json_schemas(self) -> dict[str, Any]:
        """Descriptor path -> the JSON Schema as parsed (None if unreadable)."""
        return {key: None if found is None else found.value for key, found in self.json_files.items()}

    def json_schema_text(self, key: str) -> str:
        """The JSON Schema at descriptor path `key` as canonical text."""
        found = self.json_files.get(key)
        return "null" if found is None else found.canonical

    def path(self, value: Any) -> Path | None:
        """safe_path of a descriptor's path in this package (see locate)."""
        return locate(self.dir, value, self.located)

    def csv_tables(self) -> list[Loaded]:
        return [r for r in self.resources.values() if not r.is_json and r.readable and r.table]

    def texts(self) -> dict[str, str]:
        return {s.id: s.text for s in self.sources.values() if s.text is not None}


def safe_path(package_dir: Path, value: Any) -> Path | None:
    """The file a descriptor path names, or None when it is not a relative path inside
    the package (absolute, '..', URL, or a link that leads out). package_dir must be
    resolved (load_package resolves it)."""
    if not isinstance(value, str) or not value or "\\" in value or ":" in value.split("/")[0]:
        return None
    if value.startswith("/") or ".." in value.split("/"):
        return None
    path = resolve(os.path.join(package_dir, value), package_dir)
    return Path(path) if within(path, package_dir) else None


def locate(package_dir: Path, value: Any, located: dict[str, Path | None]) -> Path | None:
    """safe_path, each path resolved once in one validation (in `located`): the loader
    and check_paths ask for the same hundred paths, and resolving them again was over 5%
    of validating the package."""
    if not isinstance(value, str):
        return safe_path(package_dir, value)
    if value not in located:
        located[value] = safe_path(package_dir, value)
    return located[value]


def typed_cell(value: str, ftype: str) -> Any:
    """A CSV cell as its field's type; None when empty; the text itself when it does not
    read as the type (the schema checks report it)."""
    if value == "":
        return None
    try:
        return TYPES.get(ftype, TYPES["string"]).from_cell(value)
    except (ValueError, KeyError):
        return value


_INTEGERS = re.compile(r"(?:-?(?:0|[1-9][0-9]{0,17}))?(?:\n(?:-?(?:0|[1-9][0-9]{0,17}))?)*")


_BOOLEANS = {**BOOLEAN_CELLS, "": None}


def _is_text(ftype: str) -> bool:
    """Whether a field type's cells are read as the text they hold (string, date)."""
    return TYPES.get(ftype, TYPES["string"]).from_cell is TYPES["string"].from_cell


_LEADING_ZERO = re.compile(r"\n0[0-9]")


def _plain_integers(values: tuple[str, ...]) -> bool:
    """Whether every cell is empty or ASCII digits of at most 18 (so within 64 bits), as
    _cell_integer would read them: one regular expression over the column, after a test
    in C that passes the common column (no sign, no leading zero) at a tenth of its time."""
    text = "\n".join(values)
    if text.count("\n") != len(values) - 1:  # a cell holds "\n"
        return False
    digits = text.replace("\n", "")
    if digits.isascii() and digits.isdigit() and max(map(len, values)) <= 18 \
            and not _LEADING_ZERO.search("\n" + text):
        return True
    return _INTEGERS.fullmatch(text) is not None


def typed_records(header: list[str], rows: list[list[str]], types: dict[str, str]) -> list[dict[str, Any]]:
    """Rows as records of typed values (typed_cell), converted a column at a time: the
    same values as a loop per cell, in a third of the time. A short row lacks its last
    keys and a long row's extra cells are dropped, as zip does (row-width reports both)."""
    width = len(header)
    if any(len(row) != width for row in rows):
        return [{h: typed_cell(v, types.get(h, "string")) for h, v in zip(header, row)} for row in rows]
    columns = []
    for h, values in zip(header, zip(*rows)):
        ftype = types.get(h, "string")
        if _is_text(ftype):  # text as it is
            # one string object per distinct value (ids, terms, keys repeat: a third of
            # the memory at 10,000 articles), "" read as None
            first = dict(zip(values, values))
            first[""] = None
            columns.append(list(map(first.__getitem__, values)))
        elif ftype == "boolean":  # "true", "false", "" as _cell_boolean reads them; other text stays text
            columns.append(list(map(_BOOLEANS.get, values, values)))
        elif ftype == "integer" and _plain_integers(values):
            columns.append([int(v) if v else None for v in values] if "" in values else list(map(int, values)))
        else:
            columns.append([typed_cell(v, ftype) for v in values])
    return [dict(zip(header, values)) for values in zip(*columns)] if columns else [{} for _ in rows]


def _read_json(path: Path | None, errors: dict[str, str], rel: Any, refused: dict[str, str],
               package_dir: Path, earlier: JsonFile | None = None) -> JsonFile | None:
    """The file and what it parses to, or None when it is missing or unreadable (why,
    in errors[rel], or in refused[rel] when it is not a regular file inside the
    package). `earlier`, the file as an earlier load read it: taken when the text is
    the same."""
    if path is None or (not path.exists() and not path.is_symlink()):
        return None
    try:
        text = read_text(path, MAX_JSON_BYTES, inside=package_dir)
        return earlier if earlier is not None and earlier.text == text else JsonFile(text, load_json(text))
    except FileRefused as exc:
        refused[str(rel)] = exc.reason
    except (ValueError, UnicodeDecodeError) as exc:
        errors[str(rel)] = str(exc)
    return None


def _file_digest(path: Path) -> tuple[int, str]:
    with open(path, "rb") as f:
        return path.stat().st_size, hashlib.file_digest(f, "sha256").hexdigest()


# What of a resource's descriptor entry its loading reads.
_LOAD_KEYS = ("name", "path", "schema", "format")
# What loading a resource's bytes makes of them: the same for the same inputs.
_PARSED = ("layout", "header", "records", "ragged", "readable", "read_error", "too_large", "not_records")


def _same_inputs(res: Loaded, twin: Loaded | None, earlier: Loaded | None, earlier_twin: Loaded | None) -> bool:
    """Whether loading res would give what loading `earlier` gave: the same bytes, the
    same entry, Table Schema and table in tables.yaml, and (a JSON twin) its CSV taken
    from the same earlier load."""
    if (earlier is None or earlier.layout is None or earlier.unverified or earlier.sha256 != res.sha256
            or earlier.table != res.table):
        return False
    if any(type(earlier.descriptor.get(k)) is not type(res.descriptor.get(k))
           or earlier.descriptor.get(k) != res.descriptor.get(k) for k in _LOAD_KEYS):
        return False
    if earlier.schema_text != res.schema_text:
        return False
    if twin is None or earlier_twin is None:
        return twin is earlier_twin
    return twin.records is earlier_twin.records and twin.readable == earlier_twin.readable


def _load(package_dir: Path, resource: dict[str, Any], spec: Spec, errors: dict[str, str],
          refused: dict[str, str], located: dict[str, Path | None], twin: Loaded | None = None,
          earlier: tuple[Loaded | None, Loaded | None] = (None, None), defer: bool = False) -> Loaded | None:
    """One resource; `twin`, for a JSON twin, is its CSV as loaded; `earlier`, the same
    resource and twin in an earlier load, whose parse is taken when the inputs are the same;
    `defer`, a twin that may be its CSV's rendering is taken as one, unverified."""
    path = locate(package_dir, resource.get("path"), located)
    if path is None or not path.exists():
        return None
    res = Loaded(str(resource.get("name", "?")), resource, path)
    if "schema" not in resource and "type" not in resource:
        # a file that is not a table (the RDF): hashed as it streams by, never held whole;
        # its own check compares it with what the tables render to, a piece at a time
        try:
            with open_regular(path, MAX_FILE_BYTES, inside=package_dir) as f:
                res.sha256 = hashlib.file_digest(f, "sha256").hexdigest()
                res.size = f.tell()
        except FileRefused as exc:
            res.refused = exc.reason
        return res
    if "schema" in resource:
        res.schema_file = _read_json(locate(package_dir, resource.get("schema"), located), errors,
                                     resource.get("schema"), refused, package_dir,
                                     earlier[0].schema_file if earlier[0] is not None else None)
    try:
        data = read_regular(path, MAX_RESOURCE_BYTES, inside=package_dir)
        res.size, res.sha256 = len(data), hashlib.sha256(data).hexdigest()
    except FileRefused as exc:
        if path.is_symlink() or not path.is_file() or path.stat().st_size <= MAX_RESOURCE_BYTES:
            res.refused = exc.reason
            return res
        # too large to read: hashed as it streams by, nothing else checked
        res.size, res.sha256 = _file_digest(path)
        res.too_large = f"{res.size:,} bytes, over the {MAX_RESOURCE_BYTES:,} a resource may have"
        return res
    try:
        res.table = spec.table(res.name.removesuffix("_json"))
    except KeyError:
        pass
    if _same_inputs(res, twin, *earlier):
        for name in _PARSED:
            setattr(res, name, getattr(earlier[0], name))
        return res
    res.layout, text = file_layout(data)
    if text is None:
        return res
    if res.table is None:
        return res
    types = {f["name"]: f["type"] for f in res.table.fields}
    # a twin shorter than its CSV cannot render it (a JSON record repeats every key): read
    # as it is now, not after the shared checks have run on the CSV's records for nothing
    if res.is_json and defer and _may_render(twin, res.table) and (len(data) >= twin.size or not twin.records):
        res.records, res.header, res.readable, res.unverified = twin.records, res.table.field_names, True, True
        return res
    if res.is_json and _renders(twin, res.table, data):
        # byte for byte what its CSV's records give: the same records, without parsing
        # 68 MB of JSON and comparing it record by record (a second at 10,000 articles)
        res.records, res.header, res.readable = twin.records, res.table.field_names, True
        return res
    if res.is_json:
        if _more_records_than(text, MAX_RESOURCE_RECORDS):
            res.too_large = f"over {MAX_RESOURCE_RECORDS:,} records, the most a resource may have"
            return res
        try:
            records = load_json(text)
        except ValueError as exc:
            errors[str(resource.get("path"))] = str(exc)
            return res
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            found = (f"the top level is {type(records).__name__}" if not isinstance(records, list) else next(
                f"item {i + 1} is {type(r).__name__}" for i, r in enumerate(records) if not isinstance(r, dict)))
            res.not_records = f"not an array of records (objects): {found}"
            return res
        if len(records) > MAX_RESOURCE_RECORDS:
            res.too_large = f"{len(records):,} records, over the {MAX_RESOURCE_RECORDS:,} a resource may have"
            return res
        res.records = records
        res.header = list(records[0]) if records else res.table.field_names
    else:
        # The csv module's field limit is one setting for the whole process, and
        # frictionless raises it when it runs: fix it while we read, so a verdict does
        # not depend on what ran before in the same process.
        if (widest := _widest_line(data)) >= MAX_LINE_FIELDS:
            res.read_error = f"a line has {widest + 1:,} fields or more, over the {MAX_LINE_FIELDS:,} read"
            return res
        del data  # the text is read from here on: the bytes need not be held beside it
        limit = csv.field_size_limit(CSV_FIELD_LIMIT)
        try:
            reader = csv.reader(_csv_lines(text.lstrip("\ufeff")))
            res.header = next(reader, [])
            rows = list(itertools.islice(reader, MAX_RESOURCE_RECORDS + 1))
        except csv.Error as exc:  # e.g. a cell over the field limit
            res.read_error = str(exc)
            return res
        finally:
            csv.field_size_limit(limit)
        if len(rows) > MAX_RESOURCE_RECORDS:
            res.too_large = f"over {MAX_RESOURCE_RECORDS:,} records, the most a resource may have"
            return res
        res.ragged = [(i + 2, len(row)) for i, row in enumerate(rows) if len(row) != len(res.header)]
        res.records = typed_records(res.header, rows, types)
    res.readable = True
    return res


def _csv_lines(text: str) -> Iterator[str]:
    """A CSV text's lines, each with its line end, made one at a time: io.StringIO holds
    a text as four bytes a character while the csv module reads it (336 MB for an 84 MB
    file). A text with a carriage return goes through StringIO, whose line ends are the
    csv module's own."""
    if "\r" in text:
        yield from io.StringIO(text, newline="")
        return
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def _may_render(twin: Loaded | None, table: Table) -> bool:
    """Whether a CSV, as loaded, has records a JSON twin can be the rendering of."""
    return (twin is not None and twin.readable and not twin.is_json and not twin.ragged
            and twin.header == table.field_names)


def _renders(twin: Loaded | None, table: Table, data: bytes) -> bool:
    """Whether data is the JSON twin the build writes (tables_io.to_json) from the records
    of this CSV: then reading it gives those records, key order and types included."""
    return _may_render(twin, table) and is_json_of(twin.records, table.field_names, data)


def verify_twins(pkg: Package) -> bool:
    """Whether every twin load_package(defer_twins=True) took as its CSV's rendering is
    one: the same bytes as were loaded, and what tables_io.to_json writes from them."""
    for res in pkg.resources.values():
        if res.unverified:
            try:
                data = read_regular(res.path, MAX_RESOURCE_BYTES, inside=pkg.dir)
            except (OSError, FileRefused):
                return False
            if hashlib.sha256(data).hexdigest() != res.sha256 or not is_json_of(
                    res.records, res.table.field_names, data):  # type: ignore[union-attr]
                return False
    return True


def _identical(csv_table: Loaded, twin: Loaded) -> bool:
    """Whether a JSON twin's records are its CSV's to the type and key order, so that
    every check reads the same answer from either and one copy can be kept (the twins
    are half of the memory at 10,000 articles). Equality alone is not enough: 1 == 1.0
    == True."""
    names = csv_table.table.field_names if csv_table.table else None
    if (not csv_table.readable or not twin.readable or csv_table.header != names
            or csv_table.records != twin.records or not all(list(r) == names for r in twin.records)):
        return False
    for f in csv_table.table.fields:
        if not _is_text(f["type"]):
            get = operator.itemgetter(f["name"])
            # equal values of one type in each column are of that type in both
            found = set(map(type, map(get, csv_table.records)))
            if found != set(map(type, map(get, twin.records))) or len(found - {type(None)}) > 1:
                return False
    return True


def _sources(folder: Path, entries: list[dict[str, Any]]) -> dict[str, SourceFile]:
    out = {}
    for entry in entries:
        path = source_path(folder, entry)
        data, refused = None, None
        if path.exists() or path.is_symlink():
            try:
                data = read_regular(path, MAX_TEXT_BYTES, inside=folder)
            except FileRefused as exc:
                refused = exc.reason
        try:
            text = data.decode("utf-8") if data is not None else None
        except UnicodeDecodeError:
            text = None
        out[entry["id"]] = SourceFile(entry["id"], path, data, text, refused)
    return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while millions of records are made and read:
    none of them is cyclic, yet each full collection walks them all (4 of the 10 s
    loading 10,000 articles took)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_sources(folder: Path) -> tuple[list[dict[str, Any]], dict[str, SourceFile]]:
    """sources.yaml's entries and the files they name; CannotRun when the index is unusable."""
    try:
        index = read_index(folder)
    except InputError as exc:
        raise CannotRun(str(exc)) from exc
    return index, _sources(folder, index)


def _read_resources(package_dir: Path, descriptor: dict[str, Any], spec: Spec, earlier: Package | None,
                    defer_twins: bool) -> tuple[dict[str, Loaded], dict[str, JsonFile | None], dict[str, str],
                                                dict[str, str], dict[str, Path | None]]:
    """Every resource the descriptor lists and every JSON Schema they name: the loaded
    resources, the schema files, why a file was unreadable, why one was refused, and
    where each descriptor path led."""
    resources: dict[str, Loaded] = {}
    json_files: dict[str, JsonFile | None] = {}
    errors: dict[str, str] = {}
    refused: dict[str, str] = {}
    located: dict[str, Path | None] = {}
    listed = descriptor.get("resources")
    for resource in listed if isinstance(listed, list) else []:
        if not isinstance(resource, dict):
            continue
        name = str(resource.get("name", "?"))
        twin = resources.get(name.removesuffix("_json")) if name.endswith("_json") else None
        before = (None, None) if earlier is None else (
            earlier.resources.get(name), earlier.resources.get(name.removesuffix("_json")) if twin else None)
        if name not in resources and (loaded := _load(package_dir, resource, spec, errors, refused, located, twin,
                                                      before, defer_twins)):
            resources[name] = loaded  # a second resource of one name is resource-duplicate
            csv_table = resources.get(name.removesuffix("_json"))
            if (loaded.is_json and csv_table is not None and loaded.records is not csv_table.records
                    and _identical(csv_table, loaded)):
                loaded.records = csv_table.records
        key = resource.get("jsonSchema")
        if isinstance(key, str) and key not in json_files:
            json_files[key] = _read_json(locate(package_dir, key, located), errors, key, refused, package_dir,
                                         earlier.json_files.get(key) if earlier is not None else None)
    return resources, json_files, errors, refused, located


def load_package(package_dir: Path, inputs_dir: Path | None = None, meta: dict[str, Any] | None = None,
                 earlier: Package | None = None, defer_twins: bool = False, sources_apart: bool = False) -> Package:
    """Read the package in package_dir; sources/ and metadata/ come from inputs_dir
    (default: the package itself). CannotRun when there is nothing to check against:
    no datapackage.json, or one that is not a JSON object (malformed, a key written
    twice, absurdly nested), or unusable metadata. `earlier`, a load of the same or
    another package: a resource whose inputs are the same as there (_same_inputs) takes
    its records from it instead of parsing its bytes again. `defer_twins`: a JSON twin
    that may be its CSV's rendering is taken as one (Loaded.unverified) and left to
    verify_twins, which can run beside the checks. `sources_apart`: sources.yaml and the
    files it names are read by a forked child while this process reads the tables."""
    package_dir = package_dir.resolve()
    inputs_dir = (inputs_dir or package_dir).resolve()
    descriptor_path = package_dir / "datapackage.json"
    if not descriptor_path.exists() and not descriptor_path.is_symlink():
        raise CannotRun(f"no datapackage.json in {package_dir}")
    if interrupted(package_dir):
        raise CannotRun(f"{package_dir / JOURNAL}: a build was interrupted while swapping its outputs in; "
                        "run the build command, which rolls it back first")
    for part in ("sources", "metadata"):  # what the checks are held to: no other folder's
        if (inputs_dir / part).is_symlink():
            raise CannotRun(f"{inputs_dir / part} is a link, to {os.readlink(inputs_dir / part)}: what the "
                            "package is checked against must be a folder inside it")
    try:
        spec = load_spec(inputs_dir / "metadata" / "tables.yaml", earlier.spec if earlier is not None else None)
    except (OSError, ValueError) as exc:
        raise CannotRun(str(exc)) from exc
    read_sources = partial(_read_sources, inputs_dir / "sources")
    if not sources_apart:
        index, sources = read_sources()
    keys_path = inputs_dir / "metadata" / "infobox_keys.yaml"
    try:
        key_map = read_yaml(keys_path, shape="infobox_keys") if keys_path.is_file() else {}
    except InputError as exc:
        raise CannotRun(str(exc)) from exc
    try:
        descriptor = load_json(read_text(descriptor_path, MAX_JSON_BYTES, inside=package_dir))
    except FileRefused as exc:
        raise CannotRun(str(exc)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CannotRun(f"{descriptor_path}: not a readable JSON descriptor: {exc}") from exc
    if not isinstance(descriptor, dict):
        raise CannotRun(f"{descriptor_path}: the top level is not a JSON object")
    meta_path = inputs_dir / "metadata" / "package.yaml"
    try:
        if meta is None and (meta_path.exists() or meta_path.is_symlink()):
            meta = read_yaml(meta_path, shape="package")
    except InputError as exc:
        raise CannotRun(str(exc)) from exc
    read_resources = partial(_read_resources, package_dir, descriptor, spec, earlier, defer_twins)
    if sources_apart:  # the sources are read in a child while this process reads the tables
        (resources, json_files, errors, refused, located), (index, sources) = beside(read_resources, read_sources)
    else:
        resources, json_files, errors, refused, located = read_resources()
    return Package(package_dir, inputs_dir, descriptor, spec, resources, json_files, errors, sources, key_map,
                   refused, index, meta, located)

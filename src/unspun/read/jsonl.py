"""JSONL: one article per line, read incrementally so that a file of any size streams.

A record is ``{"id"?, "text" | "html", "title"?, "url"?, "date"?, "outlet"?, "byline"?}``.
A record's ``text`` is the article as given (line endings normalised; its first line is body,
not a title); ``html`` goes through the HTML reader and the record's fields then win over
what extraction found. Blank lines are skipped; a bad line becomes ``BadInput("PATH:LINE")``
and reading goes on.

A ``url`` that is not a string, or not a URL (``read.url_problem``), makes the record bad.
A string field unspun reads that holds an unpaired surrogate (a JSON ``"\\udfff"`` escape
without its partner, which no UTF-8 text can hold) makes the record bad; escaped pairs
(``"\\ud83d\\ude00"``) are the character they encode.
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO, Iterator

from unspun.article import normalise_newlines
from unspun.errors import InputError
from unspun.read import BadInput, Document, url_problem
from unspun.read.files import GZIP_ERRORS, gzip_reason, os_reason, size_text

_SKIP_CHUNK = 1 << 20
_META_FIELDS = ("title", "url", "date", "outlet")
_READ_FIELDS = ("id", "text", "html") + _META_FIELDS
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_jsonl(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[Document | BadInput]:
    """Yield a ``Document`` or ``BadInput`` per non-blank line of ``stream`` (named ``path``).

    Each line is read with ``readline(max_bytes + 1)``, so one giant line (or a gzip bomb
    without newlines) is skipped in chunks instead of being loaded.
    """
    line_no = 0
    while True:
        try:
            line = stream.readline(max_bytes + 1)
        except GZIP_ERRORS as exc:
            yield BadInput(f"{path}:{line_no + 1}", f"{gzip_reason(exc)}; stopped reading")
            return
        except OSError as exc:
            yield BadInput(f"{path}:{line_no + 1}", f"{os_reason(exc)}; stopped reading")
            return
        if not line:
            return
        line_no += 1
        where = f"{path}:{line_no}"
        if len(line.rstrip(b"\r\n")) > max_bytes:
            if not line.endswith(b"\n"):
                yield from _skip_rest_of_line(stream, where)
            yield BadInput(where, f"record is over the {size_text(max_bytes)} limit for one article; "
                                  "split it or raise --max-bytes")
            continue
        if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            yield _record(line, where, {"path": path, "url": None, "format": "jsonl", "record": line_no})
        except InputError as exc:
            yield BadInput(exc.where, exc.reason)


def _skip_rest_of_line(stream: BinaryIO, where: str) -> Iterator[BadInput]:
    """Consume the rest of an over-long line in bounded chunks."""
    try:
        while True:
            chunk = stream.readline(_SKIP_CHUNK)
            if not chunk or chunk.endswith(b"\n"):
                return
    except GZIP_ERRORS as exc:
        yield BadInput(where, gzip_reason(exc))


def _record(line: bytes, where: str, source: dict) -> Document:
    try:
        text_line = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, f"not valid UTF-8 at byte {exc.start} of the line (JSONL must be UTF-8)") from None
    try:
        record = json.loads(text_line)
    except json.JSONDecodeError as exc:
        raise InputError(where, f"invalid JSON ({_json_error(exc)})") from None
    except RecursionError:
        raise InputError(where, "invalid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise InputError(where, f"not a JSON object (a {type(record).__name__})")
    _refuse_surrogates(record, where)
    url = record.get("url")
    if url is not None and not isinstance(url, str):
        raise InputError(where, f'"url" is not a string (a {_json_type(url)})')
    problem = url_problem(url.strip()) if url else None
    if problem:
        raise InputError(where, f'"url" is {problem}')

    meta = {k: record[k].strip() for k in _META_FIELDS if isinstance(record.get(k), str) and record[k].strip()}
    byline = _byline(record.get("byline"))
    if byline:
        meta["byline"] = byline
    source["url"] = meta.get("url")
    record_id = record["id"] if isinstance(record.get("id"), str) and record["id"] else None

    text, html = record.get("text"), record.get("html")
    if text is not None:
        if not isinstance(text, str):
            raise InputError(where, f'"text" is not a string (a {_json_type(text)})')
        if not text.strip():
            raise InputError(where, 'empty "text"')
        return Document(text=normalise_newlines(text), source=source, meta=meta, id=record_id, title_line=False)
    if html is not None:
        if not isinstance(html, str):
            raise InputError(where, f'"html" is not a string (a {_json_type(html)})')
        return Document(text="", source=source, meta=meta, id=record_id, html=html)
    raise InputError(where, 'the record has neither "text" nor "html"')


def _refuse_surrogates(record: dict, where: str) -> None:
    """``InputError`` when a field unspun reads holds an unpaired surrogate."""
    fields = [(k, record.get(k)) for k in _READ_FIELDS]
    byline = record.get("byline")
    fields += [("byline", v) for v in (byline if isinstance(byline, list) else [byline])]
    for name, value in fields:
        if isinstance(value, str):
            m = _SURROGATE.search(value)
            if m:
                raise InputError(where, f'unpaired surrogate U+{ord(m.group()):04X} in "{name}" '
                                        "(a \\u escape without its pair; not a character)")


def _byline(value) -> list[str]:
    if isinstance(value, str):
        return [n.strip() for n in value.split(";") if n.strip()]
    if isinstance(value, list):
        return [n.strip() for n in value if isinstance(n, str) and n.strip()]
    return []


def _json_error(exc: json.JSONDecodeError) -> str:
    """``Expecting value at column 4``; ``Unterminated string starting at column 9`` (the
    message of some errors already ends in "at")."""
    msg = exc.msg[:1].lower() + exc.msg[1:]
    return f"{msg} column {exc.colno}" if msg.endswith(" at") else f"{msg} at column {exc.colno}"


def _json_type(value) -> str:
    return {bool: "boolean", int: "number", float: "number", list: "list", dict: "object"}.get(type(value), "value")

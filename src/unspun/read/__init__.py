"""Readers: turn files, folders, stdin, JSONL records and WARC records into ``Document``s.

Every reader yields ``Document`` (something to analyse) or ``BadInput`` (a record that cannot be
read, with a one-line reason) and goes on: one bad record never stops a batch.

``read_inputs`` is the entry point: a path is a file (format by extension, else by content), a
folder (its supported files, recursively, sorted) or ``-`` for stdin; gzip is decompressed on
the fly wherever it appears. One article (a text or HTML file, a JSONL line, a WARC record) may
be at most ``max_bytes``; JSONL and WARC files stream and have no total limit.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

from unspun.errors import InputError
from unspun.read.files import (GZIP_ERRORS, gunzipped, gzip_reason, head, is_gzip, open_input, os_reason,
                               over_limit, read_capped, regular_file_size)


@dataclass
class Document:
    """What a reader found, before analysis.

    ``text`` is the decoded input with line endings normalised to ``\\n`` (for HTML: the title
    line, a blank line, then the body paragraphs separated by blank lines). ``meta`` holds what
    the input states for certain (``title``, ``date``, ``byline``, ``outlet`` from a JSONL
    record; ``sitename`` and ``url`` from HTML or WARC headers); these win over what the clean
    stage finds in the text. ``title_line`` says the reader put the title on the first line.

    An HTML page is read as ``html`` with ``text`` empty: extraction (``read.html.extract``) is
    the costly part of reading, so it runs where the analysis runs, in the batch's workers.
    """

    text: str
    source: dict
    meta: dict = field(default_factory=dict)
    id: str | None = None
    title_line: bool = False
    warnings: list[str] = field(default_factory=list)
    html: str | None = None


@dataclass
class BadInput:
    """An input or record that cannot be analysed: ``where`` is ``PATH``, ``PATH:LINE`` or ``PATH@OFFSET``."""

    where: str
    reason: str

    def __post_init__(self) -> None:
        self.where = printable(str(self.where))
        self.reason = printable(str(self.reason))

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def where(source: dict) -> str:
    """How messages name an input: ``PATH``, ``PATH:LINE`` (JSONL) or ``PATH@OFFSET`` (WARC).

    Control characters in the path are escaped (``printable``), so the message stays one line.
    """
    path = source.get("path")
    if path is None:  # given to unspun.analyze() as a string
        path = source.get("url") or "<input>"
    record = source.get("record")
    if record is None:
        return printable(str(path))
    return printable(f"{path}@{record}" if source.get("format") == "warc" else f"{path}:{record}")


# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and surrogates (a file
# name's undecodable bytes, as ``os`` gives them, or a lone surrogate from JSON).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with control characters escaped as Python writes them (``\\n``, ``\\x1b``,
    ``\\u2028``), so that a file name or reason prints as one line and sends nothing to the
    terminal. A byte of a file name that is not UTF-8 shows as ``\\xNN``. Other characters,
    the backslash included, are kept: escaping twice changes nothing.

    >>> printable("new\\nline\\x1b[31m.txt")
    'new\\\\nline\\\\x1b[31m.txt'
    """
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def _escape(m: re.Match) -> str:
    ch = m.group()
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def url_problem(url: object) -> str | None:
    """Why ``url`` cannot be an article's URL (a one-line reason), or None when it can.

    A URL is a string without whitespace or control characters that ``urllib`` can split,
    whose port (if any) is a number up to 65535 and whose scheme (if it names one before
    ``://``) is a valid scheme name.

    >>> url_problem("https://a.example/x"), url_problem("http://[")
    (None, 'not a valid URL (invalid IPv6 URL)')
    """
    if not isinstance(url, str):
        return None if url is None else "not a string"
    if _URL_SPACE.search(url):
        return "not a valid URL (contains whitespace or a control character)"
    scheme, sep, _ = url.partition("://")
    if sep and not _SCHEME.fullmatch(scheme):
        return f"not a valid URL (bad scheme {scheme[:40]!r})"
    try:
        _ = urlsplit(url).port
    except ValueError as exc:
        detail = str(exc)
        return f"not a valid URL ({detail[:1].lower() + detail[1:]})"
    return None


DEFAULT_MAX_BYTES = 10_000_000
# Extensions read by name (each may end in .gz); folders hold only these.
EXTENSIONS = {".txt": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".warc": "warc"}


def read_inputs(paths: list[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | BadInput]:
    """Yield a ``Document`` or ``BadInput`` for every article in ``paths``, in order.

    ``source.path`` is the path as given, joined with the relative path inside a folder.
    """
    for item in input_files(paths):
        if isinstance(item, BadInput):
            yield item
        else:
            yield from _read_path(item, max_bytes)


def input_files(paths: list[str]) -> Iterator[str | BadInput]:
    """The files ``read_inputs`` reads, in its order: each path as given (``-`` for stdin), a
    folder's supported files sorted by path; a ``BadInput`` for a path that cannot be used,
    and for a FIFO, socket or device (given or in a folder), which is not read.
    Engines that read files elsewhere (Spark executors) list them with this."""
    for path in paths:
        if path == "-":
            yield "-"
        elif os.path.isdir(path):
            files = _folder_files(path)
            if not files:
                kinds = ", ".join(EXTENSIONS)
                yield BadInput(path, f"no supported files in this folder ({kinds}, optionally .gz)")
            for rel in files:
                file = os.path.join(path, rel)
                special = _special_file(file)
                yield BadInput(file, special) if special else file
        elif os.path.lexists(path):
            special = _special_file(path)
            yield BadInput(path, special) if special else path
        else:
            yield BadInput(path, "no such file or directory")


def _special_file(path: str) -> str | None:
    """The reason a path that is not a regular file (a FIFO, socket or device) is skipped:
    reading one can block forever or never end. None for files and what cannot be stat'ed
    (opening it reports that)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "not a regular file")
    return f"{kind}, not a regular file; skipped (pipe its content to `-` to read it)"


def read_file(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | BadInput]:
    """The articles of one file (or ``-``) from ``input_files``, as ``read_inputs`` gives them."""
    return _read_path(path, max_bytes)


def read_bytes(data: bytes, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | BadInput]:
    """The articles of one file whose content ``data`` was read elsewhere (Spark's binaryFile
    source on a Hadoop filesystem), as ``read_file`` gives them for a file at ``path``: the
    name gives the format (else the content), messages and ``source.path`` name ``path``."""
    import io

    stream = io.BufferedReader(io.BytesIO(data))

    def read() -> Iterator[Document | BadInput]:
        if not is_gzip(stream) and len(data) > max_bytes:
            fmt = format_of(path) or _sniff(head(stream))
            if fmt not in ("warc", "jsonl"):  # one article: over the limit as a file on disk is
                yield BadInput(path, over_limit(len(data), max_bytes))
                return
        yield from _read_stream(stream, path, max_bytes)

    yield from _guarded(read(), path)


def _guarded(items: Iterator[Document | BadInput], path: str) -> Iterator[Document | BadInput]:
    """``items``, with a read error that ends them turned into a last ``BadInput``."""
    try:
        yield from items
    except InputError as exc:
        yield BadInput(exc.where, exc.reason)
    except GZIP_ERRORS as exc:
        yield BadInput(path, gzip_reason(exc))
    except OSError as exc:
        yield BadInput(path, os_reason(exc))


def format_of(name: str) -> str | None:
    """``text``, ``html``, ``jsonl`` or ``warc`` from a file name (``.gz`` allowed), else None.

    >>> format_of("crawl/2024-05.warc.gz"), format_of("notes.md")
    ('warc', None)
    """
    stem, ext = os.path.splitext(name.lower())
    if ext == ".gz":
        ext = os.path.splitext(stem)[1]
    return EXTENSIONS.get(ext)


def _folder_files(folder: str) -> list[str]:
    """Supported files under ``folder`` (hidden ones skipped), relative, sorted by path parts."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and format_of(name):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found, key=lambda rel: rel.split(os.sep))


def _read_path(path: str, max_bytes: int) -> Iterator[Document | BadInput]:
    """Open one path (or stdin) and read it; whatever goes wrong becomes a ``BadInput``."""
    try:
        stream = open_input(path)
    except OSError as exc:
        yield BadInput(path, os_reason(exc))
        return
    except InputError as exc:
        yield BadInput(exc.where, exc.reason)
        return
    try:
        yield from _guarded(_read_stream(stream, path, max_bytes), path)
    finally:
        if path != "-":
            stream.close()


def _read_stream(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[Document | BadInput]:
    """One input: WARC and JSONL stream; a text or HTML article is read up to ``max_bytes``."""
    fmt = None if path == "-" else format_of(path)
    compressed = is_gzip(stream)
    if fmt is None:
        fmt = _sniff(head(stream))
    if fmt == "warc":
        from unspun.read.warc import read_warc

        # warcio reads per-record gzip itself, so offsets are those of the file; a pipe cannot
        # be re-read if the gzip turns out to be one stream, so it is decompressed here.
        yield from read_warc(stream if not compressed or stream.seekable() else gunzipped(stream), path, max_bytes)
        return
    content = gunzipped(stream)
    if fmt == "jsonl":
        from unspun.read.jsonl import read_jsonl

        yield from read_jsonl(content, path, max_bytes)
        return
    size = None if compressed else regular_file_size(stream)
    if size is not None and size > max_bytes:
        yield BadInput(path, over_limit(size, max_bytes))
        return
    data = read_capped(content, max_bytes, path, compressed=compressed)
    source = {"path": path, "url": None, "format": fmt, "record": None}
    if fmt == "html":
        from unspun.read.html import decode_html

        yield Document(text="", source=source, html=decode_html(data, path))
    else:
        from unspun.read.text import document_from_text

        yield document_from_text(data, source)


def _sniff(start: bytes) -> str:
    """The format of content with no telling extension: ``<`` html, ``{`` jsonl, ``WARC/`` warc."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if start.startswith(bom):
            start = start[len(bom):].decode(encoding, errors="ignore").encode("utf-8", errors="ignore")
            break
    start = start.replace(b"\x00", b"").lstrip()
    if start.startswith(b"WARC/"):
        return "warc"
    if start.startswith(b"<"):
        return "html"
    if start.startswith(b"{"):
        return "jsonl"
    return "text"

"""WARC: every HTML response record through the HTML reader, streamed record by record.

Offsets are those of the file as given (for a per-record ``.warc.gz``, the offset of the
record's gzip member, as in CDX indexes), so a record can be found again with
``warcio extract FILE OFFSET``; a gzipped WARC read from a pipe, or one gzipped as a single
stream, has offsets into the uncompressed data. Non-HTML and non-2xx records are skipped.

A truncated or corrupt record becomes ``BadInput("PATH@OFFSET")`` naming the bytes skipped, and
reading goes on at the next record: the next ``WARC/1.0`` (or ``1.1``) line, or in a per-record
``.warc.gz`` the next gzip member that decompresses to one. A record whose Content-Length
does not end at the blank lines that close it counts as corrupt. Input that cannot seek (a
pipe) stops at the first corrupt record.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import zlib
from typing import BinaryIO, Iterator

from unspun.errors import InputError
from unspun.read import BadInput, Document, printable
from unspun.read.files import size_text

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_DRAIN = 1 << 16


def read_warc(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[Document | BadInput]:
    """Yield a ``Document`` per HTML response record of ``stream`` (named ``path``), and a
    ``BadInput`` for a record that cannot be read (over ``max_bytes``, truncated, corrupt)."""
    return _read(stream, path, max_bytes, skip=0)


def _read(stream: BinaryIO, path: str, max_bytes: int, skip: int) -> Iterator[Document | BadInput]:
    """``read_warc``, passing over the first ``skip`` records (already read before a restart).

    A corrupt record ends one pass of warcio's iterator; on a file that can seek, reading
    starts again at the next record found after it (``_next_record``)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    can_resync = _seekable(stream)
    gz = can_resync and _gzip_at(stream)
    seen = 0
    while True:
        iterator = ArchiveIterator(stream)
        _cap_lines(iterator.reader)
        records = iter(iterator)
        failure = None  # (offset of the bad record, reason)
        while True:
            offset = max(iterator.offset, 0)
            try:
                with _quiet():
                    record = next(records)
            except StopIteration:
                break
            except ArchiveLoadFailed as exc:
                if "non-chunked gzip" in str(exc) and seen and can_resync:
                    # One gzip stream around the whole file: read it again decompressed,
                    # offsets now count uncompressed bytes.
                    stream.seek(0)
                    yield from _read(gzip.GzipFile(fileobj=stream, mode="rb"), path, max_bytes, skip=seen)
                    return
                if "non-chunked gzip" in str(exc):
                    yield BadInput(f"{path}@{offset}", "gzip-compressed as one stream, not record by record "
                                                       "(decompress it or run `warcio recompress`); stopped reading")
                    return
                failure = (offset, f"corrupt WARC record ({_one_line(exc)})")
                break
            except Exception as exc:  # noqa: BLE001 - corrupt input inside a third-party parser
                failure = (offset, f"corrupt WARC record ({_one_line(exc)})")
                break
            seen += 1
            warnings = iterator.err_count
            try:
                with _quiet():
                    item = _item(record, path, offset, max_bytes) if seen > skip else None
                    _drain(record.raw_stream)
                    iterator.get_record_offset()  # reads the blank lines that end the record
            except Exception as exc:  # noqa: BLE001
                failure = (offset, f"corrupt WARC record ({_one_line(exc)})")
                break
            if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended inside its Content-Length
                failure = (offset, f"truncated WARC record ({size_text(record.raw_stream.limit)} missing)")
                break
            if record.rec_headers.get_header("Content-Length") is None:
                failure = (offset, "corrupt WARC record (no Content-Length header)")
                break
            if iterator.err_count > warnings:
                failure = (offset, "corrupt WARC record (not followed by the blank lines that end a record: "
                                   "its Content-Length is wrong)")
                break
            if item is not None:
                yield item
        if failure is None:
            left = _unread(iterator)
            if left:
                yield BadInput(f"{path}@{iterator.offset}",
                               f"truncated or corrupt WARC record ({size_text(left)} after the last whole record)")
            return
        offset, reason = failure
        if not can_resync:
            yield BadInput(f"{path}@{offset}", f"{reason}; stopped reading (input that cannot seek, "
                                               "such as a pipe, is not searched for the next record)")
            return
        found, end = _next_record(stream, offset + 1, gz)
        if found is None:
            yield BadInput(f"{path}@{offset}", f"{reason}; skipped {size_text(end - offset)} "
                                               f"(bytes {offset}-{end - 1}) to the end: no record after it")
            return
        yield BadInput(f"{path}@{offset}", f"{reason}; skipped {size_text(found - offset)} "
                                           f"(bytes {offset}-{found - 1}), reading goes on at @{found}")
        stream.seek(found)


# A record starts with a ``WARC/1.0`` (or ``1.1``) line; after a record cut short, not at the
# start of a line.
_HEADER = re.compile(rb"WARC/1\.[01]\r?\n")
_MEMBER = b"\x1f\x8b\x08"  # a gzip member: magic and the deflate method


def _next_record(stream: BinaryIO, pos: int, gz: bool) -> tuple[int | None, int]:
    """The offset of the first record that starts at or after ``pos`` (None if there is none),
    and the offset where the search stopped. Reads forward in ``_DRAIN``-sized blocks: a
    per-record ``.warc.gz`` is searched for a gzip member that decompresses to a WARC header,
    anything else for a ``WARC/1.x`` line."""
    stream.seek(pos)
    base, data = pos, b""
    while True:
        block = stream.read(_DRAIN)
        data += block
        if gz:
            at = data.find(_MEMBER)
            # a candidate is probed once ``_PROBE`` bytes of it are at hand (or the file ends)
            while at >= 0 and (len(data) - at >= _PROBE or not block):
                if _is_record_member(data[at:at + _PROBE]):
                    return base + at, base + at
                at = data.find(_MEMBER, at + 1)
            cut = at if at >= 0 else max(0, len(data) - len(_MEMBER) + 1)
        else:
            m = _HEADER.search(data)
            if m:
                return base + m.start(), base + m.start()
            cut = max(0, len(data) - 9)  # a header cut by the block's end is found next time
        if not block:
            return None, base + len(data)
        base, data = base + cut, data[cut:]


_PROBE = 1024  # compressed bytes enough for a gzip header, a deflate block's tables and "WARC/1."


def _is_record_member(head: bytes) -> bool:
    """Whether compressed bytes start a gzip member that decompresses to a WARC header line."""
    try:
        text = zlib.decompressobj(wbits=31).decompress(head, 16)
    except zlib.error:
        return False
    return text.startswith(b"WARC/1.")


def _gzip_at(stream: BinaryIO) -> bool:
    """Whether the stream's bytes (from where it stands) are gzip; nothing is consumed."""
    here = stream.tell()
    magic = stream.read(2)
    stream.seek(here)
    return magic == b"\x1f\x8b"


_MAX_LINE = 1 << 20  # a header line longer than this is garbage, not a header


def _cap_lines(reader) -> None:
    """Make warcio read header lines at most ``_MAX_LINE`` bytes at a time: its ``readline``
    would otherwise hold a whole newline-free stretch of garbage (and copy it over and over),
    where a longer line only means a corrupt record."""
    readline = reader.readline

    def capped(length=None):
        return readline(_MAX_LINE if length is None or length > _MAX_LINE else length)

    reader.readline = capped


def _item(record, path: str, offset: int, max_bytes: int) -> Document | BadInput | None:
    """The ``Document`` for an HTML record, ``BadInput`` if it cannot be read, None to skip."""
    if record.rec_type == "response":
        headers = record.http_headers
        if headers is None:
            return None
        status = headers.get_statuscode() or ""
        if not status.startswith("2"):
            return None
        content_type = headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        content_type = record.rec_headers.get_header("Content-Type") or ""
    else:
        return None
    if content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
        return None

    where = f"{path}@{offset}"
    url = record.rec_headers.get_header("WARC-Target-URI")
    data = record.content_stream().read(max_bytes + 1)
    if len(data) > max_bytes:
        return BadInput(where, f"page is over the {size_text(max_bytes)} limit for one article; raise --max-bytes")
    if not data.strip():
        return BadInput(where, "empty response body")
    from unspun.read.html import decode_html

    try:
        html = decode_html(data, where, content_type)
        return Document(text="", source={"path": path, "url": url, "format": "warc", "record": offset},
                        meta={"url": url} if url else {}, html=html)
    except InputError as exc:
        return BadInput(exc.where, exc.reason)


def _drain(raw) -> None:
    while raw.read(_DRAIN):
        pass


def _unread(iterator) -> int:
    """Bytes left after the last whole record (a record cut short or garbage at the end)."""
    fh = iterator.fh
    try:
        while fh.read(_DRAIN):
            pass
        return max(0, fh.tell() - iterator.offset)
    except (OSError, ValueError):
        return 0


def _seekable(stream: BinaryIO) -> bool:
    if isinstance(stream, gzip.GzipFile):  # seeks back by rewinding the file under it
        return _seekable(stream.fileobj)
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def _quiet():
    """warcio prints warnings about malformed records to stderr; they are reported as BadInput."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line, control characters escaped, at most 160 characters."""
    text = printable(" ".join(str(exc)[:1000].split())) or type(exc).__name__
    return text if len(text) <= 160 else text[:159] + "\u2026"

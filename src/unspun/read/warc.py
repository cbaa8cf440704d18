"""WARC: every HTML response record through the HTML reader, streamed record by record.

Offsets are those of the file as given (for a per-record ``.warc.gz``, the offset of the
record's gzip member, as in CDX indexes), so a record can be found again with
``warcio extract FILE OFFSET``; a gzipped WARC read from a pipe, or one gzipped as a single
stream, has offsets into the uncompressed data. Non-HTML and non-2xx records are skipped. A truncated or
corrupt record becomes ``BadInput("PATH@OFFSET")``; reading stops there, since a WARC file
has no way to find the next record after a broken one.
"""

from __future__ import annotations

import contextlib
import gzip
import io
from typing import BinaryIO, Iterator

from unspun.errors import InputError
from unspun.read import BadInput, Document
from unspun.read.files import size_text

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_DRAIN = 1 << 16


def read_warc(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[Document | BadInput]:
    """Yield a ``Document`` per HTML response record of ``stream`` (named ``path``), and a
    ``BadInput`` for a record that cannot be read (over ``max_bytes``, truncated, corrupt)."""
    return _read(stream, path, max_bytes, skip=0)


def _read(stream: BinaryIO, path: str, max_bytes: int, skip: int) -> Iterator[Document | BadInput]:
    """``read_warc``, passing over the first ``skip`` records (already read before a restart)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    iterator = ArchiveIterator(stream)
    records = iter(iterator)
    seen = 0
    while True:
        offset = max(iterator.offset, 0)
        try:
            with _quiet():
                record = next(records)
        except StopIteration:
            break
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" in str(exc) and seen and _seekable(stream):
                # One gzip stream around the whole file: read it again decompressed,
                # offsets now count uncompressed bytes.
                stream.seek(0)
                yield from _read(gzip.GzipFile(fileobj=stream, mode="rb"), path, max_bytes, skip=seen)
                return
            reason = f"corrupt WARC record ({_one_line(exc)})"
            if "non-chunked gzip" in str(exc):
                reason = "gzip-compressed as one stream, not record by record (decompress it or run `warcio recompress`)"
            yield BadInput(f"{path}@{offset}", f"{reason}; stopped reading")
            return
        except Exception as exc:  # noqa: BLE001 - corrupt input inside a third-party parser
            yield BadInput(f"{path}@{offset}", f"corrupt WARC record ({_one_line(exc)}); stopped reading")
            return
        seen += 1
        try:
            with _quiet():
                item = _item(record, path, offset, max_bytes) if seen > skip else None
                _drain(record.raw_stream)
                iterator.get_record_offset()  # reads the blank lines that end the record
        except Exception as exc:  # noqa: BLE001
            yield BadInput(f"{path}@{offset}", f"corrupt WARC record ({_one_line(exc)}); stopped reading")
            return
        if getattr(record.raw_stream, "limit", 0) > 0:
            missing = record.raw_stream.limit
            yield BadInput(f"{path}@{offset}", f"truncated WARC record ({size_text(missing)} missing); "
                                               "stopped reading")
            return
        if record.rec_headers.get_header("Content-Length") is None:
            yield BadInput(f"{path}@{offset}", "corrupt WARC record (no Content-Length header); stopped reading")
            return
        if item is not None:
            yield item
    left = _unread(iterator)
    if left:
        yield BadInput(f"{path}@{iterator.offset}",
                       f"truncated or corrupt WARC record ({size_text(left)} after the last whole record)")


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
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]

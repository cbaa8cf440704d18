"""Byte streams for the readers: files and stdin, gzip decompressed on the fly, reads capped.

Nothing here loads a whole input: an article is read up to ``max_bytes + 1`` bytes and
record formats are read incrementally, so a 200 MB file or a gzip bomb costs no memory.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import stat
import sys
import zlib
from typing import BinaryIO

from unspun.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
# What a broken or truncated gzip stream raises while being read.
GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


def open_input(path: str) -> BinaryIO:
    """A buffered binary stream (with ``peek``) for a file path or ``-`` (stdin)."""
    if path == "-":
        stdin = sys.stdin
        if stdin is None:
            raise InputError("-", "no standard input")
        raw = getattr(stdin, "buffer", stdin)
        return raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def is_gzip(stream: BinaryIO) -> bool:
    """Whether the stream starts with the gzip magic number (nothing is consumed)."""
    return stream.peek(2)[:2] == GZIP_MAGIC


def gunzipped(stream: BinaryIO) -> BinaryIO:
    """The stream, decompressed on the fly when it is gzip (multi-member gzip included)."""
    return gzip.GzipFile(fileobj=stream, mode="rb") if is_gzip(stream) else stream


def head(stream: BinaryIO, size: int = 4096) -> bytes:
    """The first bytes of the (decompressed) content, without consuming the stream."""
    data = stream.peek(size)
    if data[:2] != GZIP_MAGIC:
        return data[:size]
    return zlib.decompressobj(wbits=31).decompress(data, size)  # zlib.error when corrupt


def read_capped(stream: BinaryIO, max_bytes: int, where: str, compressed: bool = False) -> bytes:
    """Read at most ``max_bytes``; an input longer than that raises ``InputError``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        after = " after decompression" if compressed else ""
        raise InputError(where, f"over the {size_text(max_bytes)} limit for one article{after}; "
                                "split it or raise --max-bytes")
    return data


def over_limit(size: int, max_bytes: int) -> str:
    """The reason given for an input of known ``size`` over ``max_bytes``."""
    return (f"{size_text(size)} is over the {size_text(max_bytes)} limit for one article; "
            "split it or raise --max-bytes")


def size_text(n: int) -> str:
    """``200.0 MB``, ``12.3 KB`` or ``512 bytes`` (decimal units)."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} KB"
    return f"{n} bytes"


def os_reason(exc: OSError) -> str:
    """A one-line reason for an OS error (``no such file or directory``, ``permission denied``)."""
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return reason[:1].lower() + reason[1:]


def gzip_reason(exc: BaseException) -> str:
    """A one-line reason for a broken gzip stream."""
    text = str(exc) or type(exc).__name__
    return f"corrupt gzip data ({text[:1].lower() + text[1:]})"


def regular_file_size(stream: BinaryIO) -> int | None:
    """The size of a regular file behind ``stream`` (None for pipes, stdin, devices)."""
    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None

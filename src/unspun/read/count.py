"""How many records the inputs hold, for a progress bar's total, without holding any record.

Files are read in fixed-size blocks (gzip decompressed block by block), so counting a JSONL
file whose one line is 1.5 GB costs one block of memory, not the line.
"""

from __future__ import annotations

import gzip
import re
import zlib
from typing import BinaryIO, Iterator

BLOCK = 1 << 20
_WARC_TYPE = re.compile(rb"\nWARC-Type: *(?:response|resource)\r?\n")
_WARC_TYPE_KEEP = 40  # a header line cut by a block's end is found with the next block
# A newline followed by a blank line (only spaces, tabs, CR, ...) and its newline.
_BLANK_AFTER = re.compile(rb"\n(?=[ \t\r\f\v]*\n)")


def estimate_records(paths: list[str]) -> int | None:
    """About how many records ``paths`` hold: one per text or HTML file, the non-blank lines
    of JSONL files, the response and resource records of WARC files; None when stdin is
    among them. A path ``read_inputs`` does not read (missing, a FIFO or device) counts one,
    as the one bad input it gives; it is not opened."""
    from unspun.read import BadInput, format_of, input_files

    total = 0
    for file in input_files(paths):
        if file == "-":
            return None
        if isinstance(file, BadInput):  # reported as one bad input
            total += 1
            continue
        total += records_in(file, format_of(file))
    return total


def records_in(path: str, fmt: str | None) -> int:
    """Records in one regular file (1 for a text or HTML file, or one whose count fails)."""
    try:
        if fmt == "jsonl":
            with open(path, "rb") as raw:
                stream = gzip.GzipFile(fileobj=raw, mode="rb") if raw.peek(2)[:2] == b"\x1f\x8b" else raw
                return count_nonblank_lines(stream)
        if fmt == "warc":
            return _warc_records(path)
    except Exception:  # noqa: BLE001 - only an estimate; the reader reports the real problem
        return 1
    return 1


def _warc_records(path: str) -> int:
    """The ``WARC-Type: response`` and ``resource`` header lines of a WARC (gzip decompressed
    member by member), up to the end or the first corrupt gzip data (plus one for it).
    A byte search, not warcio: it holds a block or two, and prints nothing (warcio writes
    warnings to stderr, which this thread cannot silence without silencing the process)."""
    count, data = 0, b""
    with open(path, "rb") as raw:
        try:
            for block in _blocks(raw):
                data += block
                end = 0
                for m in _WARC_TYPE.finditer(data):
                    count += 1
                    end = m.end()
                data = data[max(end, len(data) - _WARC_TYPE_KEEP):]
        except (zlib.error, EOFError):
            count += 1
    return max(count, 1)


def _blocks(raw: BinaryIO) -> Iterator[bytes]:
    """The content of ``raw`` in blocks of at most ``BLOCK`` bytes, gzip members decompressed;
    ``zlib.error`` (or ``EOFError`` for a cut member) after the last good block."""
    if raw.peek(2)[:2] != b"\x1f\x8b":
        while block := raw.read(BLOCK):
            yield block
        return
    decompressor, started = zlib.decompressobj(wbits=31), False
    while True:
        buf = raw.read(BLOCK)
        if not buf:
            while not decompressor.eof and (out := decompressor.decompress(b"", BLOCK)):
                yield out
            if started and not decompressor.eof:
                raise EOFError("gzip member cut short")
            return
        while buf:
            started = True
            out = decompressor.decompress(buf, BLOCK)
            if out:
                yield out
            buf = decompressor.unconsumed_tail
            if decompressor.eof:  # the member ended: the next one starts in what is left
                buf = decompressor.unused_data  # (which the tail repeats)
                decompressor, started = zlib.decompressobj(wbits=31), False


def count_nonblank_lines(stream: BinaryIO, block: int = BLOCK) -> int:
    """Lines of ``stream`` holding something other than whitespace, read ``block`` bytes at a
    time (a last line without a newline counts).

    >>> import io
    >>> count_nonblank_lines(io.BytesIO(b'{"a": 1}\\n\\n  \\r\\n{"b": 2}\\n{"c"'), block=3)
    3
    """
    count = 0
    blank_so_far = True  # the bytes since the last newline are all whitespace
    while True:
        data = stream.read(block)
        if not data:
            break
        first = data.find(b"\n")
        if first < 0:
            blank_so_far = blank_so_far and not data.strip()
            continue
        if not (blank_so_far and not data[:first].strip()):
            count += 1
        last = data.rfind(b"\n")
        inner = data.count(b"\n", first + 1)  # lines that start and end inside this block
        count += inner - len(_BLANK_AFTER.findall(data, first, last + 1))
        blank_so_far = not data[last + 1:].strip()
    return count + (0 if blank_so_far else 1)

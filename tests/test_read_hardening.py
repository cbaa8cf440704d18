"""The readers under hostile input: lone surrogates, bad URLs, control characters in file names,
FIFOs, WARC files with a corrupt record in the middle, and counting lines of huge JSONL files.

Every input is a real file written to tmp_path with short articles written for these tests.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from unspun.read import BadInput, Document, read_inputs


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(paths, **kwargs) -> list:
    return list(read_inputs([str(p) for p in paths], **kwargs))


GOOD = "The council voted on Monday to keep the library open. \u201cIt stays,\u201d the mayor said."


# -- JSONL: unpaired surrogates -----------------------------------------------------------

@pytest.mark.parametrize("field,value,shown", [
    ("title", '"\\udfff"', "U+DFFF"),
    ("text", '"Storm \\ud83d hits the coast."', "U+D83D"),
    ("outlet", '"Daily \\udc80"', "U+DC80"),
    ("url", '"https://a.example/\\ud800"', "U+D800"),
    ("id", '"x\\udfffy"', "U+DFFF"),
    ("byline", '["Ann Lee", "Bob \\udfff"]', "U+DFFF"),
    ("html", '"<p>Body \\udfff</p>"', "U+DFFF"),
])
def test_unpaired_surrogate_makes_a_bad_record_and_reading_goes_on(tmp_path, field, value, shown):
    bad_line = '{"text": "A body.", "%s": %s}' % (field, value) if field != "text" else '{"text": %s}' % value
    data = "\n".join([json.dumps({"id": "a", "text": GOOD}), bad_line,
                      json.dumps({"id": "c", "text": GOOD + " Again."})]) + "\n"
    path = write(tmp_path / "s.jsonl", data.encode("ascii"))
    got = read([path])
    assert [type(g).__name__ for g in got] == ["Document", "BadInput", "Document"]
    assert got[1].where == f"{path}:2"
    assert got[1].reason.startswith(f'unpaired surrogate {shown} in "{field}"') and "\n" not in got[1].reason
    assert [g.id for g in (got[0], got[2])] == ["a", "c"]


def test_escaped_surrogate_pair_is_the_character_and_other_fields_are_not_checked(tmp_path):
    line = '{"text": "Smile \\ud83d\\ude00 please.", "title": "Pair \\ud83d\\ude00", "extra": "\\udfff"}\n'
    got = read([write(tmp_path / "p.jsonl", line.encode("ascii"))])
    assert len(got) == 1 and isinstance(got[0], Document)
    assert got[0].text == "Smile \U0001F600 please." and got[0].meta["title"] == "Pair \U0001F600"
    got[0].text.encode("utf-8")  # every string a reader gives can be written as UTF-8


# -- JSONL: error wording -----------------------------------------------------------------

def test_json_error_messages_read_naturally(tmp_path):
    path = write(tmp_path / "j.jsonl", b'[1,]\n{"text" 1}\n{"text": "cut short')  # the last line has no newline
    reasons = [g.reason for g in read([path])]
    assert reasons == ["invalid JSON (expecting value at column 4)",
                       "invalid JSON (expecting ':' delimiter at column 9)",
                       "invalid JSON (unterminated string starting at column 10)"]
    assert not any("at at" in r for r in reasons)


# -- JSONL: bad URLs ----------------------------------------------------------------------

@pytest.mark.parametrize("url,reason", [
    (12, '"url" is not a string (a number)'),
    (["https://a.example/"], '"url" is not a string (a list)'),
    ("ht!tp://[", "\"url\" is not a valid URL (bad scheme 'ht!tp')"),
    ("http://[", '"url" is not a valid URL (invalid IPv6 URL)'),
    ("https://a.example:99999/x", '"url" is not a valid URL (port out of range 0-65535)'),
    ("https://a.example/x\ny", '"url" is not a valid URL (contains whitespace or a control character)'),
])
def test_bad_url_is_a_bad_record(tmp_path, url, reason):
    lines = [{"text": GOOD}, {"text": GOOD, "url": url}, {"text": GOOD, "url": " https://b.example/ok "}]
    path = write(tmp_path / "u.jsonl", "".join(json.dumps(r) + "\n" for r in lines).encode())
    got = read([path])
    assert [type(g).__name__ for g in got] == ["Document", "BadInput", "Document"]
    assert (got[1].where, got[1].reason) == (f"{path}:2", reason)
    assert got[2].meta["url"] == "https://b.example/ok"


# -- FIFOs, sockets and devices -----------------------------------------------------------

def read_with_deadline(paths) -> list:
    """``read`` in a thread: a reader that blocks on a FIFO would hang the test run forever."""
    import threading

    box: list = []
    thread = threading.Thread(target=lambda: box.append(read(paths)), daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "reading blocked (a FIFO was opened)"
    return box[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_given_or_in_a_folder_is_skipped_with_one_line(tmp_path):
    folder = tmp_path / "in"
    write(folder / "a.txt", GOOD.encode())
    os.mkfifo(folder / "b.jsonl")
    write(folder / "c.txt", GOOD.encode())
    given = tmp_path / "given.txt"
    os.mkfifo(given)
    got = read_with_deadline([folder, given, "/dev/null"])
    assert [type(g).__name__ for g in got] == ["Document", "BadInput", "Document", "BadInput", "BadInput"]
    assert got[1].where == str(folder / "b.jsonl") and got[3].where == str(given)
    assert got[1].reason.startswith("a named pipe (FIFO), not a regular file; skipped")
    assert got[4].where == "/dev/null" and got[4].reason.startswith("a character device, not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_symlink_to_a_file_is_read_and_to_a_fifo_is_skipped(tmp_path):
    real = write(tmp_path / "real.txt", GOOD.encode())
    os.mkfifo(tmp_path / "pipe")
    os.symlink(real, tmp_path / "link.txt")
    os.symlink(tmp_path / "pipe", tmp_path / "pipe.txt")
    got = read_with_deadline([tmp_path / "link.txt", tmp_path / "pipe.txt"])
    assert isinstance(got[0], Document) and got[0].text == GOOD
    assert isinstance(got[1], BadInput) and "named pipe" in got[1].reason


# -- Control characters in file names -----------------------------------------------------

def test_control_characters_in_file_names_are_escaped_in_messages(tmp_path):
    weird = tmp_path / "new\nline\x1b[31m\t.jsonl"
    write(weird, json.dumps({"text": GOOD}).encode() + b"\n{oops\n")
    empty = write(tmp_path / "empty\r\x85\u2028.txt", b"")
    got = read([weird, empty, tmp_path / "gone\n.txt"])
    assert isinstance(got[0], Document) and got[0].source["path"] == str(weird)  # the data keeps the name
    shown = str(tmp_path) + "/new\\nline\\x1b[31m\\t.jsonl"
    assert got[1].where == shown + ":2"
    assert got[2].where == str(tmp_path) + "/empty\\r\\x85\\u2028.txt"
    assert got[3].where == str(tmp_path) + "/gone\\n.txt" and got[3].reason == "no such file or directory"
    for g in got[1:]:
        line = str(g)
        assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
        line.encode("utf-8")


@pytest.mark.skipif(os.name != "posix", reason="file names of arbitrary bytes are POSIX")
def test_file_name_bytes_that_are_not_utf8_print_as_hex(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    try:
        with open(name, "wb"):
            pass
    except OSError:
        pytest.skip("this file system refuses non-UTF-8 names")
    (got,) = read([tmp_path])
    assert isinstance(got, BadInput) and got.where == str(tmp_path) + "/caf\\xe9.txt"
    str(got).encode("utf-8")  # printable: no lone surrogate left


def test_where_escapes_the_source_path():
    from unspun.read import printable, where

    source = {"path": "a\nb.jsonl", "url": None, "format": "jsonl", "record": 3}
    assert where(source) == "a\\nb.jsonl:3"
    assert printable(printable("x\x00y\x7fz\ud800")) == "x\\x00y\\x7fz\\ud800"
    assert printable("C:\\news\\a “b”.txt") == "C:\\news\\a “b”.txt"


# -- Counting records for the progress bar ------------------------------------------------

def test_estimate_counts_records_and_skips_what_is_not_read(tmp_path):
    import gzip
    import tracemalloc

    from unspun.read.count import estimate_records

    folder = tmp_path / "in"
    lines = b'{"text": "one"}\n\n   \r\n{"text": "two"}\r\n\t\n{"text": "three"}'  # no final newline
    write(folder / "a.jsonl", lines)
    write(folder / "b.jsonl.gz", gzip.compress(lines + b"\n" + lines))
    write(folder / "c.txt", GOOD.encode())
    write(folder / "notes.md", b"not read")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "d.jsonl")  # counting must not open it
    fifo = 1 if hasattr(os, "mkfifo") else 0
    assert estimate_records([str(folder), str(tmp_path / "missing.jsonl")]) == 3 + 6 + 1 + fifo + 1
    data, offsets = build_warc(gz=False)
    write(tmp_path / "w" / "whole.warc", data)
    with open(tmp_path / "w" / "holes.warc", "wb") as f:  # two records, then 30 MB of NULs
        f.write(data[:offsets[2]])
        f.truncate(offsets[2] + 30_000_000)
    tracemalloc.start()
    try:
        assert estimate_records([str(tmp_path / "w")]) == 2 + 6  # the records found
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000
    assert estimate_records([str(folder), "-"]) is None


@pytest.mark.parametrize("gz", [False, True])
def test_estimate_of_a_giant_line_holds_one_block(tmp_path, gz):
    import gzip
    import tracemalloc

    from unspun.read.count import BLOCK, estimate_records

    path = tmp_path / ("giant.jsonl.gz" if gz else "giant.jsonl")
    if gz:
        with gzip.open(path, "wb", compresslevel=1) as f:
            f.write(b'{"text": "')
            for _ in range(40):
                f.write(b"word " * 200_000)  # 40 MB in one line
            f.write(b'"}\n\n{"text": "short"}\n')
    else:
        with open(path, "wb") as f:
            f.write(b'{"text": "')
            f.truncate(40_000_000)  # a sparse 40 MB line of NULs
            f.seek(0, os.SEEK_END)
            f.write(b'"}\n{"text": "short"}\n')
    tracemalloc.start()
    try:
        assert estimate_records([str(path)]) == 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * BLOCK + 1_000_000  # a few blocks, not the 40 MB line


# -- WARC: a corrupt record in the middle ---------------------------------------------------

TOPICS = ["Harbour reopens", "Ferry resumes", "Bridge closes", "Council votes", "School expands", "Market moves"]


def page(topic: str) -> bytes:
    return (f"<html><head><title>{topic}</title></head><body><article><h1>{topic}</h1>"
            f"<p>{topic} on Monday, officials said, after a week of talks in Portmere that ran late "
            f"into the night and ended with a vote.</p><p>Residents of Portmere welcomed the news of "
            f"{topic.lower()} and said they had waited for it all spring.</p></article></body></html>").encode()


def build_warc(gz: bool) -> tuple[bytes, list[int]]:
    """A WARC of six HTML responses (per-record gzip when ``gz``) and each record's offset."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    offsets = []
    for i, topic in enumerate(TOPICS):
        offsets.append(buf.tell())
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://ledger.example/{i}", "response",
                                                      payload=io.BytesIO(page(topic)), http_headers=headers))
    return buf.getvalue(), offsets + [len(buf.getvalue())]


def titles(got) -> list:
    from unspun.read.html import extract

    return [extract(g).meta["title"] if isinstance(g, Document) else "BAD" for g in got]


def corrupt(data: bytes, offsets: list[int], kind: str) -> tuple[bytes, int]:
    """``data`` with record 2 damaged; and how many bytes earlier the records after it now start."""
    a, b = offsets[2], offsets[3]
    if kind == "garbage-between":
        return data[:b] + b"\x00\xffnot a record\r\n" * 3 + data[b:], -len(b"\x00\xffnot a record\r\n" * 3)
    if kind == "bad-header-line":
        return data[:a] + b"WARX/9.9" + data[a + 8:], 0
    if kind == "content-length-too-long":
        record = data[a:b].replace(b"Content-Length: ", b"Content-Length: 9", 1)
        return data[:a] + record + data[b:], -1
    if kind == "content-length-too-short":
        head, sep, rest = data[a:b].partition(b"Content-Length: ")
        length, nl, tail = rest.partition(b"\r\n")
        record = head + sep + str(int(length) - 40).encode() + nl + tail
        return data[:a] + record + data[b:], len(length) - len(str(int(length) - 40))
    if kind == "cut-in-the-middle":  # half of record 2 is missing; record 3 follows what is left
        cut = (b - a) // 2
        return data[:a + cut] + data[b:], b - a - cut
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["garbage-between", "bad-header-line", "content-length-too-long",
                                  "content-length-too-short", "cut-in-the-middle"])
def test_warc_reading_resumes_at_the_next_record(tmp_path, kind):
    data, offsets = build_warc(gz=False)
    broken, shift = corrupt(data, offsets, kind)
    path = write(tmp_path / "c.warc", broken)
    got = read([path])
    expect_bad_at = offsets[3] if kind == "garbage-between" else offsets[2]
    kept = TOPICS[:3] if kind == "garbage-between" else TOPICS[:2]
    assert titles(got) == kept + ["BAD"] + TOPICS[3:], [str(g) for g in got if isinstance(g, BadInput)]
    bad = got[len(kept)]
    resumed = offsets[3] - shift
    assert bad.where == f"{path}@{expect_bad_at}"
    too_long = kind == "content-length-too-long"  # the file ends inside the stated length
    assert bad.reason.startswith("truncated WARC record (" if too_long else "corrupt WARC record (")
    assert bad.reason.endswith(f"(bytes {expect_bad_at}-{resumed - 1}), reading goes on at @{resumed}")
    after = [g.source["record"] for g in got[len(kept) + 1:]]
    assert after == [o - shift for o in offsets[3:6]]


@pytest.mark.parametrize("kind", ["flipped-bytes", "cut-in-the-middle", "garbage-between"])
def test_warc_gz_resumes_at_the_next_gzip_member(tmp_path, kind):
    data, offsets = build_warc(gz=True)
    a, b = offsets[2], offsets[3]
    if kind == "flipped-bytes":
        middle = (a + b) // 2
        broken, bad_at, resumed = data[:middle] + bytes(x ^ 0x5A for x in data[middle:middle + 20]) + data[middle + 20:], a, b
    elif kind == "cut-in-the-middle":
        broken, bad_at, resumed = data[:(a + b) // 2] + data[b:], a, (a + b) // 2
    else:
        junk = b"\x1f\x8b\x08 looks like gzip but is not" * 3
        broken, bad_at, resumed = data[:b] + junk + data[b:], b, b + len(junk)
    path = write(tmp_path / "c.warc.gz", broken)
    got = read([path])
    n_before = 3 if kind == "garbage-between" else 2
    assert titles(got) == TOPICS[:n_before] + ["BAD"] + TOPICS[3:], [str(g) for g in got if isinstance(g, BadInput)]
    bad = got[n_before]
    assert bad.where == f"{path}@{bad_at}"
    assert bad.reason.endswith(f"(bytes {bad_at}-{resumed - 1}), reading goes on at @{resumed}")
    assert got[n_before + 1].source["record"] == resumed


def test_warc_garbage_without_newlines_is_skipped_in_bounded_memory(tmp_path):
    import tracemalloc

    data, offsets = build_warc(gz=False)
    path = tmp_path / "holes.warc"
    with open(path, "wb") as f:
        f.write(data[:offsets[3]])
        f.truncate(offsets[3] + 30_000_000)  # 30 MB of NULs (sparse): one "line" with no newline
        f.seek(0, os.SEEK_END)
        f.write(data[offsets[3]:])
    tracemalloc.start()
    try:
        got = read([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert titles(got) == TOPICS[:3] + ["BAD"] + TOPICS[3:]
    assert got[3].reason.endswith(f"reading goes on at @{offsets[3] + 30_000_000}") and len(got[3].reason) < 400
    assert peak < 8_000_000  # header lines are read 1 MiB at most; the search holds one block


def test_warc_corrupt_last_record_names_the_range_to_the_end(tmp_path):
    data, offsets = build_warc(gz=False)
    broken = data[:offsets[5]] + b"WARX" + data[offsets[5] + 4:]
    path = write(tmp_path / "end.warc", broken)
    got = read([path])
    assert titles(got) == TOPICS[:5] + ["BAD"]
    assert got[-1].reason.endswith(f"(bytes {offsets[5]}-{len(broken) - 1}) to the end: no record after it")


def test_warc_from_a_pipe_stops_at_a_corrupt_record(tmp_path):
    import io

    from unspun.read.warc import read_warc

    class Pipe(io.RawIOBase):  # a stream that cannot seek, as stdin from a pipe
        def __init__(self, data: bytes):
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:
            chunk = self.data.read(len(buf))
            buf[:len(chunk)] = chunk
            return len(chunk)

    data, offsets = build_warc(gz=False)
    broken, _ = corrupt(data, offsets, "bad-header-line")
    got = list(read_warc(io.BufferedReader(Pipe(broken)), "-", 1_000_000))
    assert titles(got) == TOPICS[:2] + ["BAD"]
    assert got[-1].where == f"-@{offsets[2]}" and got[-1].reason.endswith("is not searched for the next record)")


# -- The command line: every bad input one line, exit 2, every good record written ----------

def test_cli_reports_each_bad_input_on_one_line_and_keeps_the_good(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "in"
    lines = [json.dumps({"id": "j1", "text": GOOD}), '{"id": "j2", "text": "Body.", "title": "\\udfff"}',
             json.dumps({"id": "j3", "text": GOOD, "url": "http://["}), json.dumps({"id": "j4", "text": GOOD + " More."})]
    write(folder / "a\nb\x1b[2J.jsonl", ("\n".join(lines) + "\n").encode())
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "b.txt")
    data, offsets = build_warc(gz=True)
    write(folder / "c.warc.gz", data[:(offsets[2] + offsets[3]) // 2] + data[offsets[3]:])
    proc = subprocess.run([sys.executable, "-m", "unspun", "analyze", str(folder), "--no-models",
                           "--format", "jsonl"], capture_output=True, timeout=600)
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stderr and "\x1b" not in stderr
    shown = str(folder / "a\\nb\\x1b[2J.jsonl")
    expected = [f"{shown}:2: unpaired surrogate U+DFFF in \"title\"", f"{shown}:3: \"url\" is not a valid URL",
                f"{folder / 'c.warc.gz'}@{offsets[2]}: "]
    if hasattr(os, "mkfifo"):
        expected.insert(2, f"{folder / 'b.txt'}: a named pipe (FIFO)")
    assert len(stderr.splitlines()) == len(expected), stderr
    for line, start in zip(stderr.splitlines(), expected):
        assert line.startswith(start), (line, start)
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [a["id"] for a in out[:2]] == ["j1", "j4"]
    assert [a["meta"]["title"] for a in out[2:]] == TOPICS[:2] + TOPICS[3:]


# -- Declared charsets that are not web encodings --------------------------------------------

@pytest.mark.parametrize("charset", ["unicode_escape", "raw_unicode_escape", "utf-7", "hex", "rot13", "zlib",
                                     "undefined", "punycode", "idna"])
def test_declared_charset_that_no_page_uses_falls_back_to_windows_1252(tmp_path, charset):
    from unspun.read.html import decode_html, extract

    body = f"<p>Caf\xe9 owners said \\udfff and +2D8- were typed by hand, officials said on Monday.</p>"
    data = f'<html><head><meta charset="{charset}"><title>Caf\xe9 news</title></head><body>{body}</body></html>'
    raw = data.encode("latin-1")
    html = decode_html(raw, "x.html")
    assert "Café owners said \\udfff and +2D8-" in html  # as a browser shows it: nothing unescaped
    (doc,) = read([write(tmp_path / "p.html", raw)])
    assert extract(doc).meta["title"] == "Café news"
    html2 = decode_html(b"<p>caf\xe9 \\udfff</p>", "w@0", f"text/html; charset={charset}")  # a WARC header
    assert html2 == "<p>café \\udfff</p>"


def test_declared_real_charsets_are_still_used():
    from unspun.read.html import decode_html

    assert decode_html('<meta charset="koi8-r"><p>Привет, мир</p>'.encode("koi8-r"), "x")[-15:] == "Привет, мир</p>"


# -- Mutations: nothing a reader is given escapes as an exception ------------------------------

FUZZ_TOKENS = [b"\\udfff", b"\\ud83d", b"\x00", b"\xff\xfe", b"\x1f\x8b\x08", b"WARC/1.0\r\n", b"\r\n\r\n", b"\n",
               b"{", b"}", b'"', b"\\", b"Content-Length: 99999999\r\n", b"http://[", b'<meta charset="hex">',
               b"\x1b[2J", b"\xef\xbb\xbf"]


def test_mutated_inputs_give_documents_or_one_line_bad_inputs(tmp_path):
    import gzip
    import random

    from unspun.errors import InputError
    from unspun.read.html import extract

    rng = random.Random(29)
    warc, _ = build_warc(gz=False)
    warc_gz, _ = build_warc(gz=True)
    jsonl = ("\n".join(json.dumps(r) for r in [
        {"id": "a", "text": "The council met.\r\nIt voted.", "title": "T", "url": "https://a.example/x"},
        {"html": page("Ferry resumes").decode(), "outlet": "O"}, {"text": GOOD}]) + "\n").encode()
    seeds = {"a.warc": warc, "a.warc.gz": warc_gz, "a.jsonl": jsonl, "a.jsonl.gz": gzip.compress(jsonl),
             "a.html": page("Harbour reopens"), "a.txt": GOOD.encode("utf-8"), "a.bin": jsonl}

    def mutate(data: bytes) -> bytes:
        data = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            op, i = rng.random(), rng.randrange(len(data) + 1)
            if op < 0.3 and data:
                data[min(i, len(data) - 1)] = rng.randrange(256)
            elif op < 0.5:
                data[i:i] = rng.choice(FUZZ_TOKENS)
            elif op < 0.7:
                del data[i:i + rng.randint(1, 200)]
            elif op < 0.85:
                data = data[:i]
            else:
                j = rng.randrange(len(data) + 1)
                data[i:i] = data[j:j + rng.randint(1, 300)]
        return bytes(data)

    counts = {"doc": 0, "bad": 0}
    for n in range(300):
        name = rng.choice(sorted(seeds))
        path = write(tmp_path / f"{n}-{name}", mutate(seeds[name]))
        for item in read([path], max_bytes=100_000):
            if isinstance(item, Document) and item.html is not None:
                try:
                    item = extract(item)
                except InputError as exc:
                    item = BadInput(exc.where, exc.reason)
            if isinstance(item, Document):
                for value in [item.text, *[v for v in item.meta.values() if isinstance(v, str)]]:
                    value.encode("utf-8")  # writable: no lone surrogates
                counts["doc"] += 1
            else:
                line = str(item)
                assert "\n" not in line and "\r" not in line, line
                line.encode("utf-8")
                counts["bad"] += 1
    assert counts["doc"] > 100 and counts["bad"] > 100, counts  # both kinds of outcome were exercised


@pytest.mark.parametrize("block", [5, 100, 333, 1 << 20])
def test_estimate_of_warc_gz_member_by_member(tmp_path, monkeypatch, block):
    import gzip
    import io

    import unspun.read.count as count

    monkeypatch.setattr(count, "BLOCK", block)
    data, offsets = build_warc(gz=True)
    assert b"".join(count._blocks(io.BufferedReader(io.BytesIO(data)))) == gzip.decompress(data)
    assert count.estimate_records([str(write(tmp_path / "a.warc.gz", data))]) == 6
    one_stream = gzip.compress(build_warc(gz=False)[0])
    assert count.estimate_records([str(write(tmp_path / "b.warc.gz", one_stream))]) == 6
    cut = data[:(offsets[2] + offsets[3]) // 2] + data[offsets[3]:]  # record 2's member is broken
    # records 0 and 1, record 2 if its header decompressed before the break, one for the break
    assert count.estimate_records([str(write(tmp_path / "c.warc.gz", cut))]) in (2 + 1, 3 + 1)

"""The readers: text, HTML, JSONL and WARC files, gzip, folders, stdin, encodings and bad input.

Every input is a real file written to tmp_path with short articles written for these tests.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sys
import tracemalloc
from pathlib import Path

import pytest

from unspun.errors import InputError
from unspun.read import DEFAULT_MAX_BYTES, BadInput, Document, format_of, read_inputs
from unspun.read.decode import decode
from unspun.read.html import EMPTY_BODY, decode_html, document_from_html, extract

ARTICLE = ("Harbour reopens after storm\n\nMay 6, 2024\n\n"
           "The harbour at Portmere reopened on Monday, three days after a storm tore boats from "
           "their moorings. \u201cWe were lucky,\u201d the harbour master said. Crews worked through "
           "the night to clear the channel.\n")

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour reopens after storm | The Portmere Ledger</title>
<meta property="og:title" content="Harbour reopens after storm">
<meta property="og:site_name" content="The Portmere Ledger">
<meta property="og:url" content="https://ledger.example/2024/05/harbour-reopens">
<link rel="canonical" href="https://ledger.example/2024/05/harbour-reopens">
<meta name="author" content="Ann Lee; Bob Roe">
<meta property="article:published_time" content="2024-05-06T08:30:00Z">
</head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article>
<h1>Harbour reopens after storm</h1>
<p>The harbour at Portmere reopened on Monday, three days after a storm tore boats from their moorings and left the main channel blocked.</p>
<p>\u201cWe were lucky,\u201d the harbour master said. \u201cNobody was hurt, and most of the boats can be repaired.\u201d</p>
<p>Crews worked through the night to clear the channel, and the first ferry left at seven in the morning with a full load of passengers.</p>
</article>
<div id="comments"><h3>Comments</h3><div class="comment"><p>Great news for the town, finally!</p></div></div>
<footer>\u00a9 2024 The Portmere Ledger</footer>
</body></html>
"""


def items(paths, **kwargs) -> list:
    """What the readers yield, with HTML extracted as the batch workers do it."""
    out = []
    for item in read_inputs([str(p) for p in paths], **kwargs):
        if isinstance(item, Document) and item.html is not None:
            try:
                item = extract(item)
            except InputError as exc:
                item = BadInput(exc.where, exc.reason)
        out.append(item)
    return out


def one(path, **kwargs):
    got = items([path], **kwargs)
    assert len(got) == 1, got
    return got[0]


def bad(path, **kwargs) -> BadInput:
    got = one(path, **kwargs)
    assert isinstance(got, BadInput), got
    return got


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- decode -------------------------------------------------------------------------------

def test_utf8_bom_is_stripped_and_crlf_normalised_nothing_else():
    body = "Title\t \r\n\r\n\u00a0Caf\u00e9 \u201cquoted\u201d \u2014 zero\u200bwidth  \r\rlast\r\n"
    assert decode(b"\xef\xbb\xbf" + body.encode("utf-8"), "a.txt") == body.replace("\r\n", "\n").replace("\r", "\n")
    assert decode(body.encode("utf-8"), "a.txt") == "Title\t \n\n\u00a0Caf\u00e9 \u201cquoted\u201d \u2014 zero\u200bwidth  \n\nlast\n"


@pytest.mark.parametrize("encoding,bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b""),
])
def test_utf16_with_and_without_bom(encoding, bom):
    text = "Storm hits coast\r\n\r\n\u201cIt was loud,\u201d the mayor said on Tuesday."
    assert decode(bom + text.encode(encoding), "a.txt") == text.replace("\r\n", "\n")


def test_cp1252_smart_quotes_and_euro():
    text = "\u201cWe will not pay \u20ac5m,\u201d the mayor said \u2013 twice. It\u2019s final.\r\n"
    assert decode(text.encode("cp1252"), "a.txt") == text.replace("\r\n", "\n")


def test_latin1_accents():
    text = "Le ministre a d\u00e9clar\u00e9 \u00e0 Z\u00fcrich que l\u2019\u00e9t\u00e9 serait chaud. Stra\u00dfe, ni\u00f1o, \u00e7a."
    text = text.replace("\u2019", "'")  # latin-1 has no curly apostrophe
    assert decode(text.encode("latin-1"), "a.txt") == text


def test_other_scripts_go_to_charset_normalizer():
    text = ("\u041c\u0438\u043d\u0438\u0441\u0442\u0440 \u0437\u0430\u044f\u0432\u0438\u043b \u0432\u043e "
            "\u0432\u0442\u043e\u0440\u043d\u0438\u043a, \u0447\u0442\u043e \u0441\u0442\u0440\u0430\u043d\u0430 "
            "\u043d\u0435 \u0431\u0443\u0434\u0435\u0442 \u0441\u043e\u0442\u0440\u0443\u0434\u043d\u0438\u0447\u0430\u0442\u044c.")
    assert decode(text.encode("cp1251"), "ru.txt") == text


def test_declared_charset_is_used_when_not_utf8():
    page = "<html><head><meta charset=\"windows-1251\"><title>\u041d\u043e\u0432\u043e\u0441\u0442\u0438</title></head></html>"
    assert decode_html(page.encode("cp1251"), "p.html") == page


@pytest.mark.parametrize("data,expect", [
    (b"", "empty file"),
    (b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(400), "binary file (looks like a PNG image)"),
    (b"%PDF-1.7\n" + random.Random(2).randbytes(400), "binary file (looks like a PDF document)"),
    (gzip.compress(b"hello"), "binary file (looks like gzip data)"),
    (b"Some text\x00with a NUL byte in the middle of it.", "binary file (contains NUL bytes"),
    (bytes(range(1, 9)) * 40 + b"a few words", "binary file (not text"),
])
def test_binary_and_empty_are_refused(data, expect):
    with pytest.raises(InputError) as err:
        decode(data, "in.txt")
    assert err.value.where == "in.txt"
    assert err.value.reason.startswith(expect), err.value.reason
    assert "\n" not in str(err.value)


def test_undecodable_garbage_is_refused():
    rng = random.Random(3)
    garbage = bytes(rng.randrange(0x80, 0x100) for _ in range(600))
    with pytest.raises(InputError) as err:
        decode(garbage, "g.txt")
    assert err.value.reason.startswith("cannot decode")


def test_invalid_utf8_in_a_utf8_file_names_the_byte():
    data = "The mayor said \u201cno\u201d to the plan \u2014 and left.".encode("utf-8")
    data = data[:10] + b"\xff" + data[10:]
    with pytest.raises(InputError) as err:
        decode(data, "u.txt")
    assert err.value.reason.startswith("invalid UTF-8 at byte 10")
    # web pages get what browsers do: a replacement character
    assert decode(data, "u.html", errors="replace") == "The mayor \ufffdsaid \u201cno\u201d to the plan \u2014 and left."


def test_truncated_utf16_is_an_error_not_a_traceback():
    with pytest.raises(InputError) as err:
        decode(b"\xff\xfe" + "Hello there".encode("utf-16-le") + b"\x41", "t.txt")
    assert "UTF-16" in err.value.reason


# -- text files, gzip, size limits ----------------------------------------------------------

def test_text_file_is_byte_identical_but_for_line_endings(tmp_path):
    path = write(tmp_path / "a.txt", ARTICLE.replace("\n", "\r\n").encode("utf-8"))
    doc = one(path)
    assert isinstance(doc, Document)
    assert doc.text == ARTICLE
    assert doc.source == {"path": str(path), "url": None, "format": "text", "record": None}
    assert doc.title_line is False and doc.meta == {} and doc.id is None


@pytest.mark.parametrize("name", ["a.txt.gz", "a.txt", "a.dat"])
def test_gzip_text_by_extension_or_magic(tmp_path, name):
    path = write(tmp_path / name, gzip.compress(ARTICLE.encode("cp1252")))
    doc = one(path)
    assert doc.text == ARTICLE and doc.source["format"] == "text"


def test_corrupt_gzip_is_bad_input(tmp_path):
    path = write(tmp_path / "cut.txt.gz", gzip.compress(ARTICLE.encode() * 20)[:-30])
    got = bad(path)
    assert got.where == str(path) and got.reason.startswith("corrupt gzip data")
    path = write(tmp_path / "junk.html.gz", b"\x1f\x8b" + b"not really gzip at all" * 5)
    assert bad(path).reason.startswith("corrupt gzip data")


def test_empty_and_whitespace_files(tmp_path):
    assert bad(write(tmp_path / "e.txt", b"")).reason == "empty file"
    assert bad(write(tmp_path / "w.txt", b" \r\n\t\n")).reason.startswith("empty file")


def test_binary_file_is_refused(tmp_path):
    path = write(tmp_path / "photo.txt", b"\x89PNG\r\n\x1a\n" + random.Random(5).randbytes(2000))
    assert str(bad(path)) == f"{path}: binary file (looks like a PNG image)"


def test_file_over_the_limit(tmp_path):
    size = len(ARTICLE.encode()) * 10
    path = write(tmp_path / "long.txt", ARTICLE.encode() * 10)
    got = bad(path, max_bytes=1000)
    assert got.reason == f"{size / 1000:.1f} KB is over the 1.0 KB limit for one article; split it or raise --max-bytes"
    assert isinstance(one(path, max_bytes=size), Document)  # exactly at the limit


def test_sparse_200mb_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(200_000_000)
    tracemalloc.start()
    try:
        got = bad(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert DEFAULT_MAX_BYTES == 10_000_000
    assert str(got) == f"{path}: 200.0 MB is over the 10.0 MB limit for one article; split it or raise --max-bytes"
    assert peak < 2_000_000  # the 10 MB cap was never read, let alone the 200 MB


def test_gzip_bomb_is_capped(tmp_path):
    path = tmp_path / "bomb.txt.gz"
    with gzip.open(path, "wb", compresslevel=9) as f:
        chunk = b"spam " * 200_000
        for _ in range(50):  # 50 MB of text in about 50 KB
            f.write(chunk)
    tracemalloc.start()
    try:
        got = bad(path, max_bytes=100_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got.reason == "over the 100.0 KB limit for one article after decompression; split it or raise --max-bytes"
    assert peak < 5_000_000


def test_missing_path_and_unreadable_inputs(tmp_path):
    assert str(bad(tmp_path / "nope.txt")) == f"{tmp_path / 'nope.txt'}: no such file or directory"


# -- folders and stdin ---------------------------------------------------------------------

def test_folder_is_read_recursively_sorted_with_other_files_ignored(tmp_path):
    root = tmp_path / "in"
    write(root / "b.txt", b"Second story\n\nBody b.")
    write(root / "a" / "z.txt", b"Nested story\n\nBody z.")
    write(root / "a-b.html", PAGE.encode())
    write(root / "c.txt.gz", gzip.compress(b"Gzipped story\n\nBody c."))
    write(root / "notes.md", b"not an input")
    write(root / "image.png", b"\x89PNG\r\n\x1a\n")
    write(root / ".hidden.txt", b"hidden")
    write(root / ".git" / "x.txt", b"git internals")
    got = items([root])
    assert [g.source["path"] for g in got] == [
        os.path.join(str(root), rel) for rel in ("a/z.txt", "a-b.html", "b.txt", "c.txt.gz")]
    assert [g.source["format"] for g in got] == ["text", "html", "text", "text"]
    assert all(isinstance(g, Document) for g in got)


def test_folder_path_is_joined_as_the_user_gave_it(tmp_path, monkeypatch):
    write(tmp_path / "news" / "one.txt", b"One\n\nBody.")
    monkeypatch.chdir(tmp_path)
    assert [d.source["path"] for d in read_inputs(["news/"])] == ["news/one.txt"]
    assert [d.source["path"] for d in read_inputs(["news"])] == [os.path.join("news", "one.txt")]


def test_empty_folder_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "no supported files" in bad(tmp_path / "empty").reason


def stdin_of(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize("data,fmt", [
    (ARTICLE.encode("utf-8"), "text"),
    (gzip.compress(ARTICLE.encode("utf-8")), "text"),
    (PAGE.encode("utf-8"), "html"),
    (json.dumps({"text": ARTICLE}).encode() + b"\n", "jsonl"),
])
def test_stdin_is_sniffed(monkeypatch, data, fmt):
    stdin_of(monkeypatch, data)
    doc = one("-")
    assert isinstance(doc, Document), doc
    assert doc.source["path"] == "-" and doc.source["format"] == fmt
    assert "The harbour at Portmere reopened on Monday" in doc.text


def test_html_is_extracted_where_it_is_analysed(tmp_path):
    """Readers hand pages on unextracted, so that trafilatura runs in the batch's workers."""
    path = write(tmp_path / "page.html", PAGE.encode("utf-8"))
    (raw,) = read_inputs([str(path)])
    assert raw.text == "" and raw.html is not None
    assert "The harbour at Portmere reopened on Monday" in extract(raw).text


def test_stdin_over_the_limit(monkeypatch):
    stdin_of(monkeypatch, ARTICLE.encode() * 10)
    got = bad("-", max_bytes=500)
    assert got.where == "-" and got.reason.startswith("over the 500 bytes limit for one article")


@pytest.mark.parametrize("content,fmt", [
    (PAGE.encode(), "html"), (b'{"text": "A record."}\n', "jsonl"), (ARTICLE.encode(), "text"),
    ("<html><body><p>Page saved as UTF-16 with a BOM.</p></body></html>".encode("utf-16"), "html"),
])
def test_unknown_extension_is_sniffed(tmp_path, content, fmt):
    assert one(write(tmp_path / "saved.page", content)).source["format"] == fmt


def test_format_of_names():
    assert [format_of(n) for n in ("a.TXT", "b.htm.gz", "c.jsonl.gz", "d.warc.gz", "e.gz", "f.json")] == [
        "text", "html", "jsonl", "warc", None, None]


# -- HTML --------------------------------------------------------------------------------

def test_html_page_title_line_paragraphs_and_meta(tmp_path):
    doc = one(write(tmp_path / "page.html", PAGE.encode("utf-8")))
    assert doc.source == {"path": str(tmp_path / "page.html"), "url": None, "format": "html", "record": None}
    assert doc.title_line is True and doc.warnings == []
    title, _, body = doc.text.partition("\n\n")
    assert title == "Harbour reopens after storm"
    paragraphs = body.split("\n\n")
    assert paragraphs[0].startswith("The harbour at Portmere reopened on Monday")
    assert "\u201cWe were lucky,\u201d the harbour master said." in paragraphs[1]
    assert any(p.startswith("Crews worked through the night") for p in paragraphs)
    assert "Harbour reopens after storm" not in body  # the <h1> is not repeated in the body
    assert "Great news for the town" not in doc.text  # comments excluded
    assert doc.meta["title"] == "Harbour reopens after storm"
    assert doc.meta["date"] == "2024-05-06"  # the page shows none: its metadata's publication date
    assert doc.meta["byline"] == ["Ann Lee", "Bob Roe"]
    assert doc.meta["sitename"] == "The Portmere Ledger"
    assert doc.meta["url"] == "https://ledger.example/2024/05/harbour-reopens"


@pytest.mark.parametrize("name", ["page.html.gz", "page.htm.gz", "page.htm"])
def test_html_variants(tmp_path, name):
    data = PAGE.encode("cp1252", errors="strict").replace(b'charset="utf-8"', b'charset="windows-1252"')
    if name.endswith(".gz"):
        data = gzip.compress(data)
    doc = one(write(tmp_path / name, data))
    assert doc.source["format"] == "html" and "\u201cWe were lucky,\u201d" in doc.text


def test_known_url_wins_over_canonical():
    doc = document_from_html(PAGE, {"path": None, "url": "https://mirror.example/x", "format": "html", "record": None})
    assert doc.meta["url"] == "https://mirror.example/x"


def test_truncated_html_keeps_what_is_there(tmp_path):
    cut = PAGE[:PAGE.index("and the first ferry") + 5]
    doc = one(write(tmp_path / "cut.html", cut.encode()))
    assert isinstance(doc, Document)
    assert doc.text.startswith("Harbour reopens after storm\n\n")
    assert doc.text.endswith("Crews worked through the night to clear the channel, and t")


def test_page_without_body_gives_a_warning(tmp_path):
    page = "<html><head><title>Subscribe to read</title></head><body><script>var x = 1;</script></body></html>"
    doc = one(write(tmp_path / "wall.html", page.encode()))
    assert isinstance(doc, Document)
    assert doc.text == "Subscribe to read" and doc.title_line is True
    assert doc.warnings == [EMPTY_BODY]


@pytest.mark.parametrize("page,reason", [
    ("   \n", "empty page"),
    ("Just some words, no markup at all.", "not an HTML page (no tags found)"),
    ("<html><body><script>var x = 1;</script></body></html>", "no text found in the page"),
])
def test_pages_with_nothing_are_input_errors(page, reason):
    with pytest.raises(InputError) as err:
        document_from_html(page, {"path": "p.html", "url": None, "format": "html", "record": None})
    assert err.value.where == "p.html" and err.value.reason.startswith(reason)


# -- JSONL -------------------------------------------------------------------------------

RECORDS = [
    {"id": "r1", "text": "Bridge to reopen\r\nThe minister said the bridge would reopen in May.",
     "title": "Bridge to reopen", "url": "https://a.example/bridge", "date": "2024-05-06",
     "outlet": "Daily A", "byline": ["Ann Lee"]},
    "{not json",
    {"id": 7, "text": "Workers finished the roof on Monday, the company said."},
    "",
    "[1, 2]",
    {"text": 42},
    {"text": "   "},
    {"title": "No body"},
    {"html": PAGE, "title": "Record title wins", "outlet": "Ledger Wire", "url": "https://b.example/h"},
]


def jsonl_bytes(records) -> bytes:
    return ("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n").encode()


@pytest.mark.parametrize("name", ["r.jsonl", "r.jsonl.gz"])
def test_jsonl_good_records_and_bad_lines(tmp_path, name):
    data = jsonl_bytes(RECORDS)
    path = write(tmp_path / name, gzip.compress(data) if name.endswith(".gz") else data)
    got = items([path])
    summary = [(type(g).__name__, g.source["record"] if isinstance(g, Document) else g.where) for g in got]
    assert summary == [
        ("Document", 1), ("BadInput", f"{path}:2"), ("Document", 3), ("BadInput", f"{path}:5"),
        ("BadInput", f"{path}:6"), ("BadInput", f"{path}:7"), ("BadInput", f"{path}:8"), ("Document", 9)]
    first, second, page = got[0], got[2], got[7]
    assert first.text == "Bridge to reopen\nThe minister said the bridge would reopen in May."
    assert first.id == "r1" and first.title_line is False
    assert first.meta == {"title": "Bridge to reopen", "url": "https://a.example/bridge", "date": "2024-05-06",
                          "outlet": "Daily A", "byline": ["Ann Lee"]}
    assert first.source == {"path": str(path), "url": "https://a.example/bridge", "format": "jsonl", "record": 1}
    assert second.id is None and second.meta == {}
    reasons = [g.reason for g in got if isinstance(g, BadInput)]
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1] == "not a JSON object (a list)"
    assert reasons[2] == '"text" is not a string (a number)'
    assert reasons[3] == 'empty "text"'
    assert reasons[4] == 'the record has neither "text" nor "html"'
    assert page.source["format"] == "jsonl" and page.title_line is True
    assert page.text.startswith("Harbour reopens after storm\n\nThe harbour at Portmere")
    assert page.meta["title"] == "Record title wins" and page.meta["outlet"] == "Ledger Wire"
    assert page.meta["url"] == "https://b.example/h" and page.meta["date"] == "2024-05-06"  # the metadata's


def test_jsonl_long_line_is_skipped_and_reading_goes_on(tmp_path):
    records = [{"text": "Short one."}, {"text": "x" * 5000}, {"text": "Short two."}]
    path = write(tmp_path / "r.jsonl", jsonl_bytes(records))
    got = items([path], max_bytes=1000)
    assert [type(g).__name__ for g in got] == ["Document", "BadInput", "Document"]
    assert got[1].where == f"{path}:2" and "over the 1.0 KB limit" in got[1].reason
    assert got[2].text == "Short two." and got[2].source["record"] == 3


def test_jsonl_has_no_total_limit(tmp_path):
    records = [{"text": f"Story number {i} is here."} for i in range(300)]
    path = write(tmp_path / "many.jsonl", jsonl_bytes(records))
    assert os.path.getsize(path) > 5000
    got = items([path], max_bytes=100)
    assert len(got) == 300 and all(isinstance(g, Document) for g in got)


def test_jsonl_bom_and_invalid_utf8(tmp_path):
    data = b"\xef\xbb\xbf" + json.dumps({"text": "First."}).encode() + b'\n{"text": "caf\xe9"}\n'
    got = items([write(tmp_path / "r.jsonl", data)])
    assert got[0].text == "First."
    assert isinstance(got[1], BadInput) and "not valid UTF-8" in got[1].reason


def test_truncated_jsonl_gz_keeps_the_good_records(tmp_path):
    records = [{"text": f"Story {i}: the council met and voted on the budget again."} for i in range(200)]
    data = gzip.compress(jsonl_bytes(records))
    path = write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2])
    got = items([path])
    assert all(isinstance(g, Document) for g in got[:-1]) and len(got) > 5
    assert isinstance(got[-1], BadInput) and "corrupt gzip data" in got[-1].reason


# -- WARC --------------------------------------------------------------------------------

def build_warc(gz: bool, truncate: bool = True) -> tuple[bytes, list[int]]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    offsets = []

    def response(url, body, content_type, status="200 OK"):
        offsets.append(buf.tell())
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))

    response("https://ledger.example/harbour", PAGE.encode("utf-8"), "text/html; charset=utf-8")
    response("https://ledger.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png")
    response("https://ledger.example/gone", b"<html><body><p>Not found</p></body></html>", "text/html", "404 Not Found")
    response("https://ledger.example/other", PAGE.replace("Harbour reopens", "Ferry resumes").encode(), "text/html")
    response("https://ledger.example/cut", PAGE.encode("utf-8") * 3, "text/html")
    data = buf.getvalue()
    if truncate:
        data = data[: offsets[-1] + (len(data) - offsets[-1]) // 2]
    return data, offsets


@pytest.mark.parametrize("name,gz", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_warc_html_responses_and_a_truncated_record(tmp_path, name, gz):
    data, offsets = build_warc(gz)
    path = write(tmp_path / name, data)
    got = items([path])
    assert [type(g).__name__ for g in got] == ["Document", "Document", "BadInput"], got
    page, other, broken = got
    assert page.source == {"path": str(path), "url": "https://ledger.example/harbour", "format": "warc",
                           "record": offsets[0]}
    assert page.meta["url"] == "https://ledger.example/harbour" and page.meta["title"] == "Harbour reopens after storm"
    assert page.text.startswith("Harbour reopens after storm\n\nThe harbour at Portmere")
    assert other.source["record"] == offsets[3] and other.text.startswith("Ferry resumes after storm")
    assert broken.where == f"{path}@{offsets[4]}" and "truncated" in broken.reason


def test_warc_gzipped_as_one_stream(tmp_path):
    data, offsets = build_warc(gz=False, truncate=False)
    path = write(tmp_path / "whole.warc.gz", gzip.compress(data))
    got = items([path])
    assert [g.source["url"] for g in got] == ["https://ledger.example/harbour", "https://ledger.example/other",
                                              "https://ledger.example/cut"]
    assert [g.source["record"] for g in got] == [offsets[0], offsets[3], offsets[4]]  # uncompressed offsets


def test_warc_record_over_the_limit_and_corrupt_middle(tmp_path):
    data, offsets = build_warc(gz=False, truncate=False)
    got = items([write(tmp_path / "a.warc", data)], max_bytes=len(PAGE.encode()) + 10)
    assert [type(g).__name__ for g in got] == ["Document", "Document", "BadInput"]
    assert got[2].where.endswith(f"@{offsets[4]}") and "over the" in got[2].reason
    broken = data[: offsets[3]] + b"GARBAGE LINE\r\n" * 5 + data[offsets[3]:]
    got = items([write(tmp_path / "b.warc", broken)])
    assert [type(g).__name__ for g in got] == ["Document", "BadInput", "Document", "Document"]
    assert got[1].where == f"{tmp_path / 'b.warc'}@{offsets[3]}" and "\n" not in got[1].reason
    assert got[1].reason.endswith(f"skipped 70 bytes (bytes {offsets[3]}-{offsets[3] + 69}), "
                                  f"reading goes on at @{offsets[3] + 70}")
    assert [g.source["record"] for g in got[2:]] == [offsets[3] + 70, offsets[4] + 70]


def test_warc_sniffed_without_extension(tmp_path):
    data, _ = build_warc(gz=True, truncate=False)
    got = items([write(tmp_path / "crawl.bin", data)])
    assert [g.source["format"] for g in got] == ["warc", "warc", "warc"]

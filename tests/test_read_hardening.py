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

"""The data model: standoff spans, JSON round-trip, ids and ordering (DATA-MODEL.md)."""

import json

import pytest

from unspun.article import Article, Span, text_id


def make() -> Article:
    a = Article.from_text("Title line\r\n\r\nBody “quoted” text.\rEnd")
    a.add("title", 0, 10)
    a.add("quote", 15, 21, "direct", speaker=None, cue=[[0, 1]], source=[])
    a.add("sentence", 12, 33, "own", subjectivity=0.123456789)
    a.add("source", 12, 16, relation=2, speaker="X")
    a.add("source", 12, 16, relation=1, speaker="X")
    return a


def test_text_kept_exactly_but_line_endings():
    a = make()
    assert a.text == "Title line\n\nBody “quoted” text.\nEnd"


def test_id_is_sha256_prefix_of_text():
    a = make()
    assert a.id == text_id(a.text)
    assert len(a.id) == 16 and int(a.id, 16) >= 0
    assert Article.from_text("other").id != a.id


def test_json_round_trip_and_key_order():
    a = make()
    b = Article.from_json(a.to_json())
    assert b == a
    d = json.loads(a.to_json())
    assert list(d) == ["unspun", "id", "producer", "source", "text", "meta", "spans"]
    assert d["unspun"] == "1"
    assert list(d["meta"]) == ["title", "date", "byline", "outlet", "wire", "language"]


def test_spans_sorted_and_scores_rounded():
    d = json.loads(make().to_json())
    keys = [(s["start"], -s["end"], s["layer"], s["label"], s["attrs"].get("relation", -1)) for s in d["spans"]]
    assert keys == sorted(keys)
    sent = next(s for s in d["spans"] if s["layer"] == "sentence")
    assert sent["attrs"]["subjectivity"] == 0.1235
    rels = [s["attrs"]["relation"] for s in d["spans"] if s["layer"] == "source"]
    assert rels == [1, 2]


def test_span_outside_text_rejected():
    a = Article.from_text("short")
    with pytest.raises(ValueError):
        a.add("title", 0, 99)


def test_furniture_merges_ranges():
    a = Article.from_text("0123456789abcdef")
    a.add("title", 0, 4)
    a.add("boilerplate", 3, 6, "share")
    a.add("wire", 10, 12, "AFP")
    a.add("sentence", 0, 16, "own")
    assert a.furniture() == [(0, 6), (10, 12)]


def test_wrong_schema_version_is_refused():
    d = json.loads(make().to_json())
    d["unspun"] = "99"
    with pytest.raises(ValueError, match="schema version"):
        Article.from_dict(d)


def test_span_text():
    a = make()
    assert a.span_text(Span(0, 5, "title")) == "Title"


def test_inline_wire_attribution_is_not_furniture():
    a = Article.from_text("Talks failed, Tasnim News Agency reported, and both sides left.")
    a.add("wire", 14, 35, "Tasnim", inline=True)
    assert a.furniture() == []


def test_to_json_is_json_dumps_of_to_dict_span_by_span():
    import json

    a = Article(text="Storm \u201chits\u201d caf\u00e9 \U0001F600 coast.\nMore.")
    a.add("title", 0, 5)
    a.add("quote", 6, 12, "direct", speaker="Ann \u00e9", cue=[[1, 2]], score=0.123456789)
    a.add("technique", 0, 5, "Loaded_Language", score=1 / 3)
    a.add("sentence", 0, 26, "own", subjectivity=0.5, bias=None)
    assert a.to_json() == json.dumps(a.to_dict(), ensure_ascii=False)
    assert a.to_json(indent=2) == json.dumps(a.to_dict(), ensure_ascii=False, indent=2)
    assert Article.from_json(a.to_json()) == a
    empty = Article(text="")
    assert empty.to_json() == json.dumps(empty.to_dict(), ensure_ascii=False)


def test_json_chunks_and_write_json_give_to_json_whatever_the_chunk_size():
    import io
    import json

    a = Article(text="One \u201ctwo\u201d three. Four five six seven.")
    for i in range(7):
        a.add("technique", i, i + 3, "Loaded_Language", score=i / 7)
    a.add("sentence", 0, 20, "own", subjectivity=0.25, bias=None)
    for indent in (None, 2):
        whole = json.dumps(a.to_dict(), ensure_ascii=False, indent=indent)
        for size in (1, 2, 3, 8, 100):
            chunks = list(a.json_chunks(indent, spans_per_chunk=size))
            assert "".join(chunks) == whole
            assert len(chunks) == 2 + -(-8 // size)  # before the spans, the span chunks, after
        out = io.StringIO()
        a.write_json(out, indent)
        assert out.getvalue() == whole

"""The SQLite store: JSON round trip, occurrences, spans, search, migrations, quarantine, bad files."""

import json
import sqlite3

import pytest

from unspun.article import Article
from unspun.store import LATEST, Store, StoreError, producer_key
from unspun.store.migrations import migrate
from unspun.store.tables import TABLES, outlet_stats, outlet_timeline, table


def make_article(body_extra: str = "", *, outlet: str = "The Harbour Gazette", path: str = "levy.txt",
                 date: str = "2025-03-04", url: str | None = None) -> Article:
    """A small article with every layer, offsets found in its own text."""
    title = "Council approves harbour levy"
    own = "Critics call the plan a shameless cash grab."
    quote = "\u201cThis is fair,\u201d said Mayor Ann Lee."
    attributed = "The council approved a levy on Tuesday, officials said."
    text = (f"{title}\n\nMarch 4, 2025\n\n{attributed} {quote} {own}{body_extra}\n\nShare this article\n")
    a = Article(text=text, source={"path": path, "url": url, "format": "text", "record": None})
    a.meta.update(title=title, date=date, outlet=outlet, language="en")
    a.add("title", 0, len(title))
    d = text.index("March 4, 2025")
    a.add("dateline", d, d + len("March 4, 2025"), date=date)
    s1 = text.index(attributed)
    a.add("sentence", s1, s1 + len(attributed), "attributed", subjectivity=0.1)
    q = text.index(quote)
    a.add("sentence", q, q + len(quote), "quote", subjectivity=0.4)
    content = text.index("This is fair,")
    cue = text.index("said Mayor")
    speaker = text.index("Mayor Ann Lee")
    a.add("quote", content, content + len("This is fair,"), "direct", speaker="Ann Lee",
          cue=[[cue, cue + 4]], source=[[speaker, speaker + len("Mayor Ann Lee")]])
    o = text.index(own)
    a.add("sentence", o, o + len(own) + len(body_extra), "own", subjectivity=0.91234567)
    t = text.index("shameless cash grab")
    a.add("technique", t, t + len("shameless cash grab"), "Loaded_Language", score=0.83)
    b = text.index("Share this article")
    a.add("boilerplate", b, b + len("Share this article"), "share")
    a.sort_spans()
    return a


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "news.db") as s:
        yield s


def test_round_trip_json_is_the_article_json(store):
    a = make_article()
    with store.transaction():
        assert store.add(a) is True
    assert store.article_json(a.id) == a.to_json()
    assert store.article(a.id) == a
    assert json.loads(store.article_json(a.id))["spans"][0] == {"start": 0, "end": 29, "layer": "title",
                                                                "label": "", "attrs": {}}
    assert store.schema_version == LATEST
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_long_article_json_written_in_pieces_reads_back_as_the_same_text(store, monkeypatch):
    # from LARGE_SPANS spans the JSON goes into the row through blob I/O, then becomes TEXT
    import unspun.store as store_module
    monkeypatch.setattr(store_module, "LARGE_SPANS", 1)
    a = make_article(" \u201cHarbour\u201d caf\u00e9 \u2014 noted.")
    with store.transaction():
        assert store.add(a) is True
    assert store.article_json(a.id) == a.to_json()
    assert store.article(a.id) == a
    row = store.conn.execute("SELECT typeof(json), json_extract(json, '$.text') FROM articles").fetchone()
    assert row == ("text", a.text)
    b = make_article(" \u201cHarbour\u201d caf\u00e9 \u2014 noted.")
    b.add("technique", 0, 7, "Loaded_Language", score=0.5)
    b.sort_spans()
    with store.transaction():
        store.replace(b)
    assert store.article_json(b.id) == b.to_json() != a.to_json()
    assert store.conn.execute("SELECT typeof(json), count(*) FROM articles").fetchone() == ("text", 1)


def test_texts_give_each_stored_source_and_text(store):
    # read from the search index and the head of the JSON, not by parsing the whole JSON
    a = make_article(path="levy.txt")
    b = make_article(" Second version.", path="d/" + "\u00e9" * 6000 + ".txt", url="https://gazette.example/x")
    with store.transaction():
        store.add(a)
        store.add(b)
    got = list(store.texts())
    want = [(x.id, json.loads(store.article_json(x.id))["source"], x.text) for x in (a, b)]
    assert got == want and got[1][1]["path"].startswith("d/\u00e9")
    assert store.text_of(b.id) == b.text and store.text_of("nope") is None


def test_identical_text_at_two_outlets_is_one_article_two_occurrences(store):
    a = make_article(outlet="The Harbour Gazette", path="gazette/levy.txt", url="https://gazette.example/levy")
    b = make_article(outlet="Portmere Daily", path="daily/levy.txt", url="https://daily.example/a/1")
    assert a.id == b.id
    with store.transaction():
        assert store.add(a) is True
        assert store.add(b) is False
        assert store.add(b) is False  # the same occurrence again adds nothing
    assert store.count("articles") == 1
    occ = store.occurrences(a.id)
    assert sorted(o["outlet"] for o in occ) == ["Portmere Daily", "The Harbour Gazette"]
    assert sorted(o["url"] for o in occ) == ["https://daily.example/a/1", "https://gazette.example/levy"]
    assert store.has_occurrence(a.id, b.source)
    assert not store.has_occurrence(a.id, {"path": "elsewhere.txt", "record": None})
    # per-outlet figures count the article once for each outlet that ran it
    stats = {row["outlet"]: row for row in outlet_stats(store)}
    assert set(stats) == {"Portmere Daily", "The Harbour Gazette"}
    assert stats["Portmere Daily"]["articles"] == 1


def test_spans_are_queryable_and_stats_follow_them(store):
    a = make_article()
    b = make_article(" It is a scandal and a disgrace.", path="other.txt", outlet="Portmere Daily")
    with store.transaction():
        store.add(a)
        store.add(b)
    rows = store.conn.execute("SELECT a.id, s.label FROM spans s JOIN articles a ON a.rowid = s.article_rowid "
                              "WHERE s.layer = 'technique'").fetchall()
    assert sorted(rows) == sorted([(a.id, "Loaded_Language"), (b.id, "Loaded_Language")])
    stats = {row["outlet"]: row for row in outlet_stats(store)}
    gazette = stats["The Harbour Gazette"]
    assert gazette["sentences"] == 3 and gazette["own_share"] == round(1 / 3, 4)
    assert gazette["subjectivity"] == round((0.1 + 0.4 + 0.9123) / 3, 4)
    assert gazette["by_technique"] == {"Loaded_Language": 1}
    # words outside furniture: the three body sentences only
    body_words = len(a.text[a.text.index("The council"):a.text.index("Share this")].split())
    assert gazette["words"] == body_words
    assert gazette["techniques_per_1k_words"] == round(1000 / body_words, 4)
    months = {(r["outlet"], r["month"]) for r in outlet_timeline(store)}
    assert months == {("The Harbour Gazette", "2025-03"), ("Portmere Daily", "2025-03")}


def test_full_text_search(store):
    a = make_article()
    b = make_article(" Fishermen protested at the quay.", path="b.txt")
    with store.transaction():
        store.add(a)
        store.add(b)
    total, rows = store.search("fishermen quay")
    assert total == 1 and rows[0]["id"] == b.id
    assert "\x02Fishermen\x03" in rows[0]["snippet"]
    assert store.search("levy")[0] == 2
    assert store.search("fisher*")[1][0]["id"] == b.id
    assert store.search("nonexistentword")[0] == 0
    # FTS5 syntax in user input is plain text, never an error
    for query in ['"', 'levy AND (', "NEAR(", "-levy", "levy:", "*"]:
        store.search(query)


def test_replace_refreshes_analysis_and_search(store):
    a = make_article()
    with store.transaction():
        store.add(a)
    newer = Article.from_json(a.to_json())
    newer.producer = {"version": "9.9.9", "models": {"techniques": "m@1"}}
    newer.spans = [s for s in newer.spans if s.layer != "technique"]
    with store.transaction():
        store.replace(newer)
    assert store.article(a.id) == newer
    assert store.count("articles") == 1 and len(store.occurrences(a.id)) == 1
    assert store.conn.execute("SELECT count(*) FROM spans WHERE layer = 'technique'").fetchone()[0] == 0
    assert store.search("levy")[0] == 1
    assert list(store.outdated(newer.producer)) == []
    assert list(store.outdated({"version": "10", "models": {}})) == [a.id]
    assert producer_key(newer.producer) == store.conn.execute("SELECT producer FROM articles").fetchone()[0]


def test_migration_from_schema_1_backfills_search(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    a = make_article()
    conn.execute("INSERT INTO articles (id, json, title, producer, analysed_at) VALUES (?, ?, ?, ?, ?)",
                 (a.id, a.to_json(), a.meta["title"], producer_key(a.producer), "2025-01-01T00:00:00Z"))
    conn.close()
    with Store(path) as store:
        assert store.schema_version == LATEST > 1
        total, rows = store.search("harbour levy")
        assert total == 1 and rows[0]["id"] == a.id
        with store.transaction():
            store.put_story({"id": a.id, "kind": "copy", "members": [{"id": a.id, "source": a.source}]})
        assert store.story(a.id)["story"]["kind"] == "copy"


def test_generation_changes_with_every_write(store):
    a = make_article()
    first = store.generation
    with store.transaction():
        store.add(a)
    second = store.generation
    assert second > first
    assert store.generation == second  # reading changes nothing
    with store.transaction():
        store.add(make_article(path="elsewhere.txt", outlet="Portmere Daily"))  # a new occurrence only
    assert store.generation > second


def test_quarantine_keeps_bad_records_once(store):
    with store.transaction():
        store.quarantine("crawl.jsonl:7", "not valid JSON (Expecting value: line 1 column 1)")
        store.quarantine("crawl.jsonl:7", "not valid JSON (Expecting value: line 1 column 1)")
        store.quarantine("crawl.warc@1234", "truncated WARC record")
    rows = store.quarantined()
    assert sorted(r["location"] for r in rows) == ["crawl.jsonl:7", "crawl.warc@1234"]
    assert store.count("quarantine") == 2


def test_transaction_rolls_back_on_error(store):
    a = make_article()
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add(a)
            raise RuntimeError("boom")
    assert store.count("articles") == 0


def test_stories_are_stored_with_members_and_comparison(store):
    a = make_article()
    b = make_article(" The harbour master resigned.", path="b.txt", outlet="Portmere Daily")
    with store.transaction():
        store.add(a)
        store.add(b)
        story = {"id": min(a.id, b.id), "kind": "copy", "members": [{"id": a.id, "source": a.source},
                                                                    {"id": b.id, "source": b.source}]}
        comparison = {"versions": [{"index": 0, "id": a.id, "source": a.source, "segments": [], "omitted": []},
                                   {"index": 1, "id": b.id, "source": b.source, "segments": [], "omitted": []}]}
        store.put_story(story, comparison)
        store.put_story({"id": "e:" + story["id"], "kind": "event", "stories": [story["id"]],
                         "members": story["members"]})
    listed = {s["id"]: s for s in store.stories()}
    assert listed[story["id"]]["compared"] is True and listed[story["id"]]["outlets"] == 2
    assert store.story(story["id"])["comparison"] == comparison
    assert {s["kind"] for s in store.stories_of(b.id)} == {"copy", "event"}


def test_export_tables_have_their_columns(store):
    a = make_article()
    with store.transaction():
        store.add(a)
    for name in TABLES:
        tbl = table(store, name)
        rows = list(tbl.rows)
        assert rows, name
        assert all(len(r) == len(tbl.columns) for r in rows), name
    spans = list(table(store, "spans").rows)
    assert ("Loaded_Language", "shameless cash grab") in {(r[4], r[5]) for r in spans}
    quotes = list(table(store, "quotes").rows)
    assert quotes == [(a.id, 1, "direct", "Ann Lee", "said", "This is fair,", quotes[0][6], quotes[0][7])]


def test_foreign_corrupt_newer_and_unwritable_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an unspun store"):
        Store(foreign)
    assert sqlite3.connect(foreign).execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 1  # untouched

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 600)
    with pytest.raises(StoreError, match="not a SQLite database, or a corrupt one"):
        Store(junk)

    newer = tmp_path / "newer.db"
    Store(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer unspun"):
        Store(newer)

    with pytest.raises(StoreError, match="cannot open or create"):
        Store("/proc/unspun-test.db")
    with pytest.raises(StoreError, match="no such store"):
        Store(tmp_path / "missing.db", readonly=True)


def test_readonly_store_serves_reads(tmp_path):
    path = tmp_path / "news.db"
    a = make_article()
    with Store(path) as s, s.transaction():
        s.add(a)
    with Store(path, readonly=True) as ro:
        assert ro.article(a.id) == a
        with pytest.raises(sqlite3.OperationalError):
            ro.conn.execute("DELETE FROM articles")


def test_put_says_whether_the_occurrence_is_new_and_keeps_the_raw_hash(store):
    a = make_article(path="crawl.warc")
    with store.transaction():
        assert store.put(a, raw="5eed") == (True, True)
        assert store.put(a, raw="5eed") == (False, False)  # the same record again: nothing new
        assert store.put(make_article(path="elsewhere.txt")) == (False, True)
    assert store.has_raw({"path": "crawl.warc", "record": None}, "5eed")
    assert not store.has_raw({"path": "crawl.warc", "record": None}, "0ther")
    assert not store.has_raw({"path": "elsewhere.txt", "record": None}, "")
    with store.transaction():  # stored before raw hashes were kept: the rerun notes it, adds nothing
        store.conn.execute("UPDATE occurrences SET raw = '' WHERE path = 'crawl.warc'")
        assert store.put(a, raw="5eed") == (False, False)
    assert store.has_raw({"path": "crawl.warc", "record": None}, "5eed")


def test_stories_are_out_of_date_from_an_added_article_until_saved(store):
    assert not store.stories_dirty
    with store.transaction():
        store.add(make_article())
    assert store.stories_dirty
    with store.transaction():
        store.clear_stories()
    assert not store.stories_dirty
    with store.transaction():
        store.add(make_article(path="elsewhere.txt"))  # an occurrence only: stories unchanged
    assert not store.stories_dirty
    with store.transaction():
        store.replace(make_article(" It rained."))
    assert store.stories_dirty


def test_migration_from_schema_3_keeps_occurrences(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=3) == 3
    a = make_article()
    conn.execute("INSERT INTO articles (id, json, title, producer, analysed_at) VALUES (?, ?, ?, ?, ?)",
                 (a.id, a.to_json(), a.meta["title"], producer_key(a.producer), "2025-01-01T00:00:00Z"))
    conn.execute("INSERT INTO occurrences (article_id, path, seen_at) VALUES (?, 'levy.txt', '2025-01-01')", (a.id,))
    conn.close()
    with Store(path) as store:
        assert store.schema_version == LATEST == 6
        assert store.conn.execute("SELECT path, raw FROM occurrences").fetchall() == [("levy.txt", "")]
        assert not store.stories_dirty
        with store.transaction():
            assert store.put(a) == (False, False)


def test_a_path_that_is_not_utf8_is_stored_escaped(store):
    a = make_article(path="caf" + chr(0xDCE9) + ".txt")  # os.fsdecode(b"caf\xe9.txt")
    with store.transaction():
        store.add(a)
        store.quarantine("bad" + chr(0xDCFF) + ".jsonl:3", "not valid JSON")
    assert store.has_occurrence(a.id, a.source)
    assert store.occurrences(a.id)[0]["path"] == "caf\\xe9.txt"
    assert store.quarantined()[0]["location"] == "bad\\xff.jsonl:3"

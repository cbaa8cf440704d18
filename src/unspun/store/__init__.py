"""The corpus store: one SQLite file (WAL) that keeps every analysed article as its JSON model.

Articles are keyed by their ``id`` (the content hash, or a JSONL record's own id); every place an
article was seen (source path and record, url, outlet) is an *occurrence*, so two outlets that
ran identical text are both kept. Spans are kept in their own table for queries (technique
rates, voice shares per outlet), each article's spin summary in ``spin`` and ``spin_techniques``
(``unspun.store.spin``), the text and title in an FTS5 index for search, records that could not
be read in ``quarantine``, and stories with their members and version comparison.

>>> import tempfile, os
>>> from unspun.article import Article
>>> with tempfile.TemporaryDirectory() as d, Store(os.path.join(d, "news.db")) as store:
...     a = Article.from_text("Storm hits coast\\n\\nThe storm hit the coast.")
...     with store.transaction():
...         new = store.add(a)
...     new, store.article(a.id) == a
(True, True)
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

from unspun.article import FURNITURE_LAYERS, Article, escape_surrogates, find_surrogate, merge_ranges
from unspun.store import spin as _spin
from unspun.store.migrations import APPLICATION_ID, LATEST, migrate, version

__all__ = ["Store", "StoreError", "producer_key", "LATEST"]


class StoreError(Exception):
    """A store that cannot be used (corrupt, foreign, newer, read-only), with a one-line reason
    that names the file."""


def producer_key(producer: dict) -> str:
    """The producer (unspun version and models) as a canonical string, for comparisons."""
    return json.dumps(producer or {}, sort_keys=True, ensure_ascii=False)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(value: Any) -> str:
    """Occurrence key parts are never NULL (NULLs would defeat the primary key); a path that is
    not UTF-8 is kept with its odd bytes as ``\\xHH`` (``article.escape_surrogates``)."""
    return "" if value is None else escape_surrogates(str(value))


class Store:
    """An open store. ``readonly`` opens the file without writing (it must exist and be current).

    A ``Store`` holds one connection; use one per thread (``shared=True`` lets a single
    consumer move between threads, as a streamed download does). Writes happen inside
    ``with store.transaction():``.
    """

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, create: bool = True,
                 shared: bool = False):
        self.path = os.fspath(path)
        self.readonly = readonly
        self._in_tx = False
        exists = os.path.exists(self.path)
        if not exists and (readonly or not create):
            raise StoreError(f"{self.path}: no such store (create it with `unspun index PATH... --db {self.path}`)")
        if os.path.isdir(self.path):
            raise StoreError(f"{self.path}: is a folder, not a store file")
        if not readonly:
            where = os.path.dirname(os.path.abspath(self.path))
            if (exists and not os.access(self.path, os.W_OK)) or (not exists and not os.access(where, os.W_OK)):
                raise StoreError(f"{self.path}: cannot write here (read-only file or folder); "
                                 "choose a writable --db path")
        try:
            if readonly:
                uri = "file:" + _quote_path(os.path.abspath(self.path)) + "?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=not shared)
            else:
                self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                            check_same_thread=not shared)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open or create a store here ({exc})") from None
        try:
            self._check_and_migrate()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            message = str(exc)
            if "not a database" in message or "malformed" in message:
                raise StoreError(f"{self.path}: not a SQLite database, or a corrupt one ({message})") from None
            if "readonly" in message or "read-only" in message:
                raise StoreError(f"{self.path}: cannot write ({message}); choose a writable --db path") from None
            if "unable to open" in message:
                raise StoreError(f"{self.path}: cannot open or create a store here ({message})") from None
            raise StoreError(f"{self.path}: cannot use this store ({message})") from None
        except StoreError:
            self.conn.close()
            raise

    def _check_and_migrate(self) -> None:
        conn = self.conn
        conn.execute("PRAGMA foreign_keys = ON")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        current = version(conn)
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and (tables or current):
            raise StoreError(f"{self.path}: a SQLite file that is not an unspun store; "
                             "give a new file name or an existing unspun store")
        if current > LATEST:
            raise StoreError(f"{self.path}: made by a newer unspun (schema {current}, this reads up to {LATEST}); "
                             "upgrade unspun")
        if self.readonly:
            if current < LATEST:
                raise StoreError(f"{self.path}: store schema {current} is older than {LATEST}; "
                                 "open it once with write access (e.g. `unspun index --db`) to upgrade it")
            conn.execute("PRAGMA query_only = ON")
            return
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        # WAL with synchronous=NORMAL: a killed process loses nothing committed; a power cut may
        # lose the last transactions but never leaves the file inconsistent.
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """One write transaction: everything in it is stored, or (on error or kill) nothing."""
        if self._in_tx:
            yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._in_tx = False

    @property
    def schema_version(self) -> int:
        return version(self.conn)

    @property
    def generation(self) -> int:
        """A number that changes whenever articles, occurrences or stories change (cache key)."""
        return self.conn.execute("SELECT value FROM store_info WHERE key = 'generation'").fetchone()[0]

    # -- writing --------------------------------------------------------------------------
    def has_occurrence(self, article_id: str, source: dict, url: str | None = None) -> bool:
        """Whether this article was already stored from this source (path, record, url)."""
        row = self.conn.execute(
            "SELECT 1 FROM occurrences WHERE article_id = ? AND path = ? AND record = ? AND url = ?",
            (article_id, _key(source.get("path")), _key(source.get("record")),
             _key(url if url is not None else source.get("url")))).fetchone()
        return row is not None

    def has_raw(self, source: dict, raw: str) -> bool:
        """Whether a record read as HTML with this ``raw`` hash was already stored from this
        source (path and record): its text is known only after extraction, so this is how a
        rerun skips it unread."""
        if not raw:
            return False
        row = self.conn.execute(
            "SELECT 1 FROM occurrences WHERE path = ? AND record = ? AND raw = ? LIMIT 1",
            (_key(source.get("path")), _key(source.get("record")), raw)).fetchone()
        return row is not None

    def add(self, article: Article) -> bool:
        """Store an article and this occurrence of it; return True when the article is new.

        An article already stored (same id) keeps its stored JSON; only the occurrence (source,
        outlet, url) is added, and nothing is added twice.
        """
        return self.put(article)[0]

    def put(self, article: Article, raw: str = "") -> tuple[bool, bool]:
        """``add`` that also says whether the occurrence is new: ``(new article, new occurrence)``.
        ``raw`` is the hash of the record as read, for records read as HTML (see ``has_raw``)."""
        cur = self.conn.execute("SELECT rowid FROM articles WHERE id = ?", (article.id,)).fetchone()
        new = cur is None
        if new:
            self._insert(article)
        return new, self._add_occurrence(article, raw)

    @property
    def stories_dirty(self) -> bool:
        """Whether articles were added or re-analysed since the stories were last saved."""
        row = self.conn.execute("SELECT value FROM store_info WHERE key = 'stories_dirty'").fetchone()
        return bool(row and row[0])

    def replace(self, article: Article) -> None:
        """Replace a stored article's analysis (JSON, spans, search text); occurrences stay."""
        row = self.conn.execute("SELECT rowid FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row is None:
            self.add(article)
            return
        rowid = row[0]
        self.conn.execute("UPDATE store_info SET value = 1 WHERE key = 'stories_reanalysed' AND value = 0")
        self.conn.execute("DELETE FROM spans WHERE article_rowid = ?", (rowid,))
        self.conn.execute("DELETE FROM articles_fts WHERE rowid = ?", (rowid,))
        self._insert(article, rowid=rowid)

    def _insert(self, article: Article, rowid: int | None = None) -> None:
        stats = article_stats(article)
        hints = json.dumps(article.hints, ensure_ascii=False, default=str, sort_keys=True)
        raw: str | bytearray | None = None
        size = 0
        try:  # the JSON as UTF-8, built piece by piece: a long article's JSON never exists as a str
            if len(article.spans) < LARGE_SPANS:
                raw = _utf8_json(article)
            else:  # written into the row in pieces below: only its size is needed here
                size = sum(len(chunk.encode("utf-8")) for chunk in article.json_chunks())
        except UnicodeEncodeError:  # an unpaired surrogate, built outside the readers: see _escaped
            raw, hints = _escaped(article, hints)
        values = (article.id, raw, hints, article.meta.get("title"), article.meta.get("date"),
                  article.meta.get("outlet"), article.meta.get("language"), *stats,
                  producer_key(article.producer), _now())
        values = tuple(escape_surrogates(v) if isinstance(v, str) else v for v in values)
        columns = ("id, json, hints, title, date, outlet, language, words, sentences, own, attributed, quoted, "
                   "quotes, techniques, subjectivity_sum, subjectivity_n, producer, analysed_at")
        # ``json`` is bound as UTF-8 bytes and stored as TEXT (CAST reads the bytes in the
        # database's encoding, UTF-8), so readers get the same str as before
        # A long article's JSON (LARGE_SPANS spans or more) is not bound at all: the row gets a
        # zero-filled BLOB of its size, the pieces are written into it through SQLite's blob I/O,
        # and one UPDATE turns it into TEXT (binding 86 MB of JSON cost three copies of it at once)
        json_mark = "CAST(? AS TEXT)" if raw is not None else "zeroblob(?)"
        if raw is None:
            values = (values[0], size, *values[2:])
        marks = [json_mark if c.strip() == "json" else "?" for c in columns.split(",")]
        if rowid is None:
            cur = self.conn.execute(f"INSERT INTO articles ({columns}) VALUES ({', '.join(marks)})", values)
            rowid = cur.lastrowid
        else:
            sets = ", ".join(f"{c.strip()} = {m}" for c, m in zip(columns.split(","), marks))
            self.conn.execute(f"UPDATE articles SET {sets} WHERE rowid = ?", (*values, rowid))
        if raw is None:
            with self.conn.blobopen("articles", "json", rowid) as blob:
                for chunk in article.json_chunks():
                    blob.write(chunk.encode("utf-8"))
            self.conn.execute("UPDATE articles SET json = CAST(json AS TEXT) WHERE rowid = ?", (rowid,))
        self.conn.executemany(
            'INSERT INTO spans (article_rowid, start, "end", layer, label, attrs) VALUES (?, ?, ?, ?, ?, ?)',
            ((rowid, d["start"], d["end"], d["layer"], d["label"], json.dumps(d["attrs"], ensure_ascii=False))
             for d in (s.to_dict() for s in article.spans)))  # a generator: no list of every row
        self.conn.execute("INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                          (rowid, escape_surrogates(article.meta.get("title") or ""), article.text))
        _spin.write(self.conn, rowid, article)
        self.conn.execute("UPDATE store_info SET value = 1 WHERE key = 'stories_dirty' AND value = 0")

    def _add_occurrence(self, article: Article, raw: str = "") -> bool:
        """Add this occurrence unless stored (then only note a new ``raw``); True when added."""
        source = article.source or {}
        url = source.get("url") or article.hints.get("url")
        key = (article.id, _key(source.get("path")), _key(source.get("record")), _key(url))
        row = self.conn.execute("SELECT raw FROM occurrences WHERE article_id = ? AND path = ? AND record = ? "
                                "AND url = ?", key).fetchone()
        if row is not None:
            if raw and row[0] != raw:
                self.conn.execute("UPDATE occurrences SET raw = ? WHERE article_id = ? AND path = ? AND record = ? "
                                  "AND url = ?", (raw, *key))
            return False
        self.conn.execute(
            "INSERT INTO occurrences (article_id, path, record, url, format, outlet, date, seen_at, raw) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, source.get("format"), article.meta.get("outlet"), article.meta.get("date"), _now(), raw))
        return True

    def quarantine(self, location: str, reason: str, kind: str = "bad") -> None:
        """Record an input that could not be analysed (``kind``: ``bad`` input or internal ``error``)."""
        self.conn.execute("INSERT OR REPLACE INTO quarantine (location, reason, kind, seen_at) VALUES (?, ?, ?, ?)",
                          (escape_surrogates(location), escape_surrogates(reason), kind, _now()))

    # -- reading --------------------------------------------------------------------------
    def article_json(self, article_id: str) -> str | None:
        """The stored JSON model of an article, exactly as stored."""
        row = self.conn.execute("SELECT json FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def article(self, article_id: str) -> Article | None:
        raw = self.article_json(article_id)
        return Article.from_json(raw) if raw is not None else None

    def hints(self, article_id: str) -> dict:
        """What the reader knew about the article (used to re-analyse it from the store)."""
        row = self.conn.execute("SELECT hints FROM articles WHERE id = ?", (article_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def occurrences(self, article_id: str) -> list[dict]:
        rows = self.conn.execute(
            "SELECT path, record, url, format, outlet, date, seen_at FROM occurrences WHERE article_id = ? "
            "ORDER BY seen_at, path, record, url", (article_id,)).fetchall()
        return [{"path": p or None, "record": _record(r), "url": u or None, "format": f, "outlet": o,
                 "date": d, "seen_at": s} for p, r, u, f, o, d, s in rows]

    def count(self, table: str) -> int:
        if table not in ("articles", "occurrences", "spans", "quarantine", "stories"):
            raise ValueError(f"unknown table {table!r}")
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def quarantined(self, limit: int = 100, offset: int = 0) -> list[dict]:
        rows = self.conn.execute("SELECT location, reason, kind, seen_at FROM quarantine "
                                 "ORDER BY seen_at DESC, location LIMIT ? OFFSET ?", (limit, offset))
        return [{"location": l, "reason": r, "kind": k, "seen_at": s} for l, r, k, s in rows]

    def articles(self, limit: int = 50, offset: int = 0, outlet: str | None = None) -> list[dict]:
        """Article summaries, newest date first."""
        where, params = ("", ()) if outlet is None else ("WHERE id IN (SELECT article_id FROM occurrences "
                                                         "WHERE outlet = ?)", (outlet,))
        rows = self.conn.execute(
            f"SELECT id, title, date, outlet, language, words, sentences, own, quotes, techniques FROM articles "
            f"{where} ORDER BY date IS NULL, date DESC, rowid LIMIT ? OFFSET ?", (*params, limit, offset))
        return [_summary_row(r) for r in rows]

    def articles_by_ids(self, ids: list[str]) -> list[dict]:
        """Summaries of the given articles that are stored, in the order given."""
        if not ids:
            return []
        rows = self.conn.execute(
            "SELECT id, title, date, outlet, language, words, sentences, own, quotes, techniques FROM articles "
            f"WHERE id IN ({', '.join('?' * len(ids))})", list(ids)).fetchall()
        found = {r[0]: _summary_row(r) for r in rows}
        return [found[i] for i in ids if i in found]

    def search(self, query: str, limit: int = 20, offset: int = 0) -> tuple[int, list[dict]]:
        """Full-text search over titles and texts: ``(total, rows)`` best match first.

        Every word of ``query`` must occur (a word may end with ``*`` for a prefix); the words
        are quoted, so FTS5 operators in user input are plain text. Each row has a
        ``snippet`` whose matches are between ``\\x02`` and ``\\x03`` (escape, then mark up).
        """
        match = fts_query(query)
        if not match:
            return 0, []
        total = self.conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                  (match,)).fetchone()[0]
        rows = self.conn.execute(
            "SELECT a.id, a.title, a.date, a.outlet, a.language, a.words, a.sentences, a.own, a.quotes, "
            "a.techniques, snippet(articles_fts, 1, char(2), char(3), '\u2026', 16) "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?", (match, limit, offset)).fetchall()
        out = []
        for r in rows:
            item = _summary_row(r[:10])
            item["snippet"] = r[10]
            out.append(item)
        return total, out

    def outdated(self, producer: dict) -> Iterator[str]:
        """Ids of stored articles analysed by a producer other than ``producer``."""
        key = producer_key(producer)
        for (article_id,) in self.conn.execute("SELECT id FROM articles WHERE producer != ? ORDER BY rowid",
                                               (key,)).fetchall():
            yield article_id

    def ids(self) -> Iterator[str]:
        """Every stored article id, in the order stored."""
        last = 0
        while True:
            rows = self.conn.execute("SELECT rowid, id FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 500",
                                     (last,)).fetchall()
            if not rows:
                return
            for rowid, article_id in rows:
                yield article_id
            last = rows[-1][0]

    def texts(self, after: int = 0, until: int | None = None) -> Iterator[tuple[str, dict, str]]:
        """``(id, source, text)`` of every stored article, in the order stored, a page at a time;
        only those stored after the article of rowid ``after`` and up to ``until``, when given."""
        last = after
        top = self.last_rowid() if until is None else until
        while True:
            # the text from the search index and the source from the JSON's first bytes: parsing
            # a long article's whole JSON (json_extract) cost 400 MB for a 10 MB article
            rows = self.conn.execute(
                "SELECT a.rowid, a.id, f.text FROM articles a JOIN articles_fts f ON f.rowid = a.rowid "
                "WHERE a.rowid > ? AND a.rowid <= ? ORDER BY a.rowid LIMIT 500", (last, top)).fetchall()
            if not rows:
                return
            for rowid, article_id, text in rows:
                yield article_id, self._source(rowid), text
            last = rows[-1][0]

    def _source(self, rowid: int) -> dict:
        """The stored article's ``source``, read from the start of its JSON (where the writer puts
        it, before the text) without loading the rest; ``json_extract`` where it is not there."""
        with self.conn.blobopen("articles", "json", rowid, readonly=True) as blob:
            size, n = len(blob), 4096
            while True:
                head = blob.read(n) if n < size else blob.read()
                blob.seek(0)
                found = _leading_key(head.decode("utf-8", errors="ignore"), "source")
                if found is not _MISSING or n >= size:
                    break
                n *= 8
        if found is _MISSING:
            row = self.conn.execute("SELECT json_extract(json, '$.source') FROM articles WHERE rowid = ?",
                                    (rowid,)).fetchone()
            found = json.loads(row[0]) if row and row[0] else None
        return found or {}

    def last_rowid(self) -> int:
        """The rowid of the article stored last (0 for an empty store): articles are numbered in
        the order stored."""
        return self.conn.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0]

    def count_until(self, rowid: int) -> int:
        """How many stored articles have a rowid up to ``rowid``."""
        return self.conn.execute("SELECT count(*) FROM articles WHERE rowid <= ?", (rowid,)).fetchone()[0]

    def id_at(self, rowid: int) -> str | None:
        """The id of the article stored under ``rowid``."""
        row = self.conn.execute("SELECT id FROM articles WHERE rowid = ?", (rowid,)).fetchone()
        return row[0] if row else None

    def text_of(self, article_id: str) -> str | None:
        """The text of a stored article."""
        row = self.conn.execute("SELECT f.text FROM articles a JOIN articles_fts f ON f.rowid = a.rowid "
                                "WHERE a.id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def iter_articles(self) -> Iterator[Article]:
        """Every stored article, in the order stored, a page at a time (memory stays flat)."""
        last = 0
        while True:
            rows = self.conn.execute("SELECT rowid, json FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 200",
                                     (last,)).fetchall()
            if not rows:
                return
            for _, raw in rows:
                yield Article.from_json(raw)
            last = rows[-1][0]

    # -- stories --------------------------------------------------------------------------
    def put_story(self, story: dict, comparison: dict | None = None) -> None:
        """Store one story as ``unspun stories`` gives it (``{"id", "kind", "members": [{"id", "source"}],
        ...}``) and, for a copy story of several versions, its ``unspun compare`` JSON."""
        members = story.get("members") or []
        self.conn.execute("DELETE FROM stories WHERE id = ?", (story["id"],))
        self.conn.execute("INSERT INTO stories (id, kind, size, json, comparison) VALUES (?, ?, ?, ?, ?)",
                          (story["id"], story["kind"], len(members), json.dumps(story, ensure_ascii=False),
                           json.dumps(comparison, ensure_ascii=False) if comparison is not None else None))
        self.conn.executemany("INSERT OR IGNORE INTO story_members (story_id, article_id, position) VALUES (?, ?, ?)",
                              [(story["id"], m["id"], i) for i, m in enumerate(members)])

    def clear_stories(self) -> None:
        """Remove every story (in the transaction that stores the new ones: the stories are then
        no longer out of date)."""
        self.conn.execute("DELETE FROM story_members")
        self.conn.execute("DELETE FROM stories")
        self.conn.execute("UPDATE store_info SET value = 0 WHERE key = 'stories_dirty' AND value = 1")
        self.conn.execute("UPDATE store_info SET value = 0 WHERE key = 'stories_reanalysed' AND value = 1")
        self.conn.execute("DELETE FROM story_state WHERE key = 'saved'")  # saved by someone else now

    def stories_saved(self, last_rowid: int) -> None:
        """Mark the stories as up to date with the articles up to ``last_rowid`` (unless articles
        were stored after it meanwhile) and with every re-analysis so far."""
        self.conn.execute("UPDATE store_info SET value = 0 WHERE key = 'stories_dirty' AND value = 1 "
                          "AND (SELECT coalesce(max(rowid), 0) FROM articles) <= ?", (last_rowid,))
        self.conn.execute("UPDATE store_info SET value = 0 WHERE key = 'stories_reanalysed' AND value = 1")

    @property
    def stories_reanalysed(self) -> bool:
        """Whether a stored article was re-analysed since the stories were last saved."""
        row = self.conn.execute("SELECT value FROM store_info WHERE key = 'stories_reanalysed'").fetchone()
        return bool(row and row[0])

    def stored_stories(self) -> dict[str, str]:
        """Every stored story's JSON by its id, as stored."""
        return dict(self.conn.execute("SELECT id, json FROM stories"))

    def delete_stories(self, ids) -> None:
        """Remove these stories (and their members)."""
        self.conn.executemany("DELETE FROM story_members WHERE story_id = ?", [(i,) for i in ids])
        self.conn.executemany("DELETE FROM stories WHERE id = ?", [(i,) for i in ids])

    # -- the state of incremental grouping (``unspun.stories.incremental``) ----------------
    def story_state(self, key: str) -> bytes | None:
        row = self.conn.execute("SELECT value FROM story_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put_story_state(self, key: str, value: bytes | str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO story_state (key, value) VALUES (?, ?)", (key, value))

    def story_parts(self) -> Iterator[tuple[int, int, int, bytes]]:
        """``(first document, documents, last rowid, data)`` of every stored part, in order."""
        last = -1
        while True:
            row = self.conn.execute("SELECT first, docs, last_rowid, data FROM story_parts WHERE first > ? "
                                    "ORDER BY first LIMIT 1", (last,)).fetchone()
            if row is None:
                return
            yield row
            last = row[0]

    def add_story_part(self, first: int, docs: int, last_rowid: int, data: bytes) -> None:
        self.conn.execute("INSERT INTO story_parts (first, docs, last_rowid, data) VALUES (?, ?, ?, ?)",
                          (first, docs, last_rowid, data))

    def clear_story_state(self) -> None:
        self.conn.execute("DELETE FROM story_parts")
        self.conn.execute("DELETE FROM story_state")

    def stories(self, limit: int = 50, offset: int = 0, min_size: int = 2) -> list[dict]:
        """Stories with at least ``min_size`` members, largest first."""
        rows = self.conn.execute(
            "SELECT s.id, s.kind, s.size, s.comparison IS NOT NULL, "
            "(SELECT a.title FROM story_members m JOIN articles a ON a.id = m.article_id "
            " WHERE m.story_id = s.id ORDER BY m.position LIMIT 1), "
            "(SELECT count(DISTINCT o.outlet) FROM story_members m JOIN occurrences o ON o.article_id = m.article_id "
            " WHERE m.story_id = s.id) "
            "FROM stories s WHERE s.size >= ? ORDER BY s.size DESC, s.id LIMIT ? OFFSET ?", (min_size, limit, offset))
        return [{"id": i, "kind": k, "size": n, "compared": bool(c), "title": t, "outlets": o}
                for i, k, n, c, t, o in rows]

    def story(self, story_id: str) -> dict | None:
        """``{"story": ..., "comparison": ... or None}`` as stored, or None."""
        row = self.conn.execute("SELECT json, comparison FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            return None
        return {"story": json.loads(row[0]), "comparison": json.loads(row[1]) if row[1] else None}

    def stories_of(self, article_id: str) -> list[dict]:
        rows = self.conn.execute("SELECT s.id, s.kind, s.size FROM story_members m JOIN stories s ON s.id = m.story_id "
                                 "WHERE m.article_id = ? ORDER BY s.kind, s.id", (article_id,))
        return [{"id": i, "kind": k, "size": n} for i, k, n in rows]


_MISSING = object()
_DECODER = json.JSONDecoder()


def _leading_key(head: str, key: str) -> Any:
    """The value of ``key`` in the JSON object that ``head`` begins, read key by key from the start
    (``_MISSING`` when ``head`` ends before it, or it is not a member).

    >>> _leading_key('{"id": "a1", "source": {"path": "x.txt"}, "text": "Port reop', "source")
    {'path': 'x.txt'}
    >>> _leading_key('{"id": "a1", "text": "Port reop', "source") is _MISSING
    True
    """
    ws = " \t\n\r"
    try:
        i = head.index("{") + 1
        while True:
            while head[i] in ws:
                i += 1
            if head[i] == "}":
                return _MISSING
            name, i = _DECODER.raw_decode(head, i)
            while head[i] in ws:
                i += 1
            i += 1  # the colon
            while head[i] in ws:
                i += 1
            value, i = _DECODER.raw_decode(head, i)
            if name == key:
                return value
            while head[i] in ws:
                i += 1
            if head[i] == "}":
                return _MISSING
            i += 1  # the comma
    except (ValueError, IndexError):
        return _MISSING


# From this many spans (a JSON of about 3 MB) an article's JSON is written into its row in pieces.
LARGE_SPANS = 20_000


def _utf8_json(article: Article) -> bytearray:
    """``article.to_json().encode("utf-8")``, encoded piece by piece into one buffer (raises
    UnicodeEncodeError on an unpaired surrogate)."""
    out = bytearray()
    for chunk in article.json_chunks():
        out += chunk.encode("utf-8")
    return out


def _escaped(article: Article, hints: str) -> tuple[str, str]:
    """The JSON and hints of an article whose source, meta or span attributes hold unpaired
    surrogates (a non-UTF-8 file name given through the Python API), with them written out
    (``article.escape_surrogates``). Its text cannot hold one: offsets index it as it is."""
    if find_surrogate(article.text) >= 0:
        raise ValueError(f"article {article.id}: its text holds an unpaired surrogate at character "
                         f"{find_surrogate(article.text)}; such text cannot be stored")

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return escape_surrogates(value)
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    d = article.to_dict()
    text = d.pop("text")
    d = walk(d)
    out = {"unspun": d["unspun"], "id": d["id"], "producer": d["producer"], "source": d["source"], "text": text,
           "meta": d["meta"], "spans": d["spans"]}
    return json.dumps(out, ensure_ascii=False), json.dumps(walk(json.loads(hints)), ensure_ascii=False,
                                                           sort_keys=True)


def article_stats(article: Article) -> tuple:
    """Flat numbers kept beside the JSON for per-outlet queries: body words, sentences by
    voice, quotes, techniques, and the sum and count of sentence subjectivity scores."""
    voices = {"own": 0, "attributed": 0, "quote": 0}
    subj_sum, subj_n, quotes, techniques = 0.0, 0, 0, 0
    for span in article.spans:
        if span.layer == "sentence":
            if span.label in voices:
                voices[span.label] += 1
            value = span.attrs.get("subjectivity")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                subj_sum += float(value)
                subj_n += 1
        elif span.layer == "quote":
            quotes += 1
        elif span.layer == "technique":
            techniques += 1
    furniture = merge_ranges((s.start, s.end) for s in article.spans if s.layer in FURNITURE_LAYERS)
    words, pos = 0, 0
    for start, end in [*furniture, (len(article.text), len(article.text))]:
        words += len(article.text[pos:start].split())
        pos = max(pos, end)
    n_sentences = sum(voices.values())
    return (words, n_sentences, voices["own"], voices["attributed"], voices["quote"], quotes, techniques,
            round(subj_sum, 6), subj_n)


def fts_query(query: str) -> str:
    """User words as an FTS5 query: each word quoted (a trailing ``*`` kept as a prefix search)."""
    parts = []
    for word in query.split():
        prefix = word.endswith("*") and len(word) > 1
        word = word.rstrip("*") if prefix else word
        word = word.replace('"', '""')
        if word.strip('"'):
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(parts)


def _summary_row(r: tuple) -> dict:
    keys = ("id", "title", "date", "outlet", "language", "words", "sentences", "own", "quotes", "techniques")
    row = dict(zip(keys, r))
    row["own_share"] = round(row["own"] / row["sentences"], 4) if row["sentences"] else None
    return row


def _record(value: str) -> int | None:
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return value  # type: ignore[return-value]


def _quote_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path)


"""The store's schema, as numbered migrations.

``PRAGMA user_version`` holds the schema version of a store file and ``PRAGMA application_id``
marks it as an unspun store, so a foreign SQLite file is refused instead of written into.
``MIGRATIONS[n]`` takes a store from version ``n`` to ``n + 1``; each runs in one transaction
with the version bump, so a store is never left half-migrated.

- 1: articles (the JSON model plus flat columns for queries), occurrences (every source,
  outlet and url an article was seen at), spans, quarantine (records that could not be read).
- 2: full-text search over title and text (FTS5, back-filled from the stored JSON) and the
  story tables (stories, their members, and each story's version comparison).
- 3: a ``generation`` counter that triggers bump on every change to articles, occurrences or
  stories, so readers can cache what they computed from the store (per-outlet figures) until
  the store changes.
- 4: ``occurrences.raw``, the hash of the record as read when it was HTML (a page or WARC
  response, whose text is known only after extraction), so a rerun skips an unchanged page
  before extracting it; and a ``stories_dirty`` flag in ``store_info``, set with every article
  added or re-analysed and cleared when the stories are saved, so that grouping interrupted
  by a kill is redone on the next run.
- 5: what ``unspun stories --db`` needs to group added articles against the stored ones
  instead of regrouping everything (``unspun.stories.incremental``): ``story_parts`` (per
  batch of grouped articles, their ids, sources and text features: MinHash signatures,
  content words with sentence ids, sentence hashes) and ``story_state`` (the settings they
  were made with, the word document-frequency sketch, the candidate pairs with their
  verdicts, the decisions on grey pairs); and a ``stories_reanalysed`` flag in
  ``store_info``, set when a stored article is re-analysed (the next grouping is then a full
  one).
- 6: the spin summary of every article (``unspun.store.spin``): ``spin``, one row per article
  with sentences (words and technique marks in all, and by voice, an aside's counting as
  ``own``; the densest paragraph), and ``spin_techniques`` (marks per technique and voice),
  filled from the stored JSON of the articles already there.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

# "unsp" as a big-endian 32-bit integer: the SQLite application id of an unspun store.
APPLICATION_ID = 0x756E7370

_V1 = """
CREATE TABLE articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL,
    hints TEXT NOT NULL DEFAULT '{}',
    title TEXT, date TEXT, outlet TEXT, language TEXT,
    words INTEGER NOT NULL DEFAULT 0,
    sentences INTEGER NOT NULL DEFAULT 0,
    own INTEGER NOT NULL DEFAULT 0,
    attributed INTEGER NOT NULL DEFAULT 0,
    quoted INTEGER NOT NULL DEFAULT 0,
    quotes INTEGER NOT NULL DEFAULT 0,
    techniques INTEGER NOT NULL DEFAULT 0,
    subjectivity_sum REAL NOT NULL DEFAULT 0,
    subjectivity_n INTEGER NOT NULL DEFAULT 0,
    producer TEXT NOT NULL,
    analysed_at TEXT NOT NULL
);
CREATE INDEX articles_outlet ON articles(outlet);
CREATE INDEX articles_date ON articles(date);
CREATE INDEX articles_producer ON articles(producer);

CREATE TABLE occurrences (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    path TEXT NOT NULL DEFAULT '',
    record TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    format TEXT,
    outlet TEXT,
    date TEXT,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (article_id, path, record, url)
) WITHOUT ROWID;
CREATE INDEX occurrences_outlet ON occurrences(outlet);
CREATE INDEX occurrences_where ON occurrences(path, record);

CREATE TABLE spans (
    article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    layer TEXT NOT NULL,
    label TEXT NOT NULL,
    attrs TEXT NOT NULL
);
CREATE INDEX spans_article ON spans(article_rowid);
CREATE INDEX spans_layer ON spans(layer, label);

CREATE TABLE quarantine (
    location TEXT NOT NULL,
    reason TEXT NOT NULL,
    kind TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (location, reason)
) WITHOUT ROWID;
"""

_V2 = """
CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO articles_fts(rowid, title, text)
    SELECT rowid, coalesce(title, ''), json_extract(json, '$.text') FROM articles;

CREATE TABLE stories (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    json TEXT NOT NULL,
    comparison TEXT
);
CREATE TABLE story_members (
    story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (story_id, article_id)
) WITHOUT ROWID;
CREATE INDEX story_members_article ON story_members(article_id);
"""

_V3 = """
CREATE TABLE store_info (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO store_info (key, value) VALUES ('generation', 1);
""" + "".join(
    f"CREATE TRIGGER {table}_{op.lower()} AFTER {op} ON {table} BEGIN "
    "UPDATE store_info SET value = value + 1 WHERE key = 'generation'; END;\n"
    for table in ("articles", "occurrences", "stories") for op in ("INSERT", "UPDATE", "DELETE"))

_V4 = """
ALTER TABLE occurrences ADD COLUMN raw TEXT NOT NULL DEFAULT '';
INSERT INTO store_info (key, value) VALUES ('stories_dirty', 0);
"""

_V5 = """
CREATE TABLE story_parts (
    first INTEGER PRIMARY KEY,
    docs INTEGER NOT NULL,
    last_rowid INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE story_state (key TEXT PRIMARY KEY, value BLOB);
INSERT INTO store_info (key, value) VALUES ('stories_reanalysed', 0);
"""

_V6_TABLES = """
CREATE TABLE spin (
    article_rowid INTEGER PRIMARY KEY REFERENCES articles(rowid) ON DELETE CASCADE,
    words INTEGER NOT NULL,
    marks INTEGER NOT NULL,
    quote_words INTEGER NOT NULL, quote_marks INTEGER NOT NULL,
    attributed_words INTEGER NOT NULL, attributed_marks INTEGER NOT NULL,
    own_words INTEGER NOT NULL, own_marks INTEGER NOT NULL,
    densest_number INTEGER, densest_start INTEGER, densest_end INTEGER, densest_marks INTEGER, densest_words INTEGER
);
CREATE TABLE spin_techniques (
    article_rowid INTEGER NOT NULL REFERENCES articles(rowid) ON DELETE CASCADE,
    technique TEXT NOT NULL,
    voice TEXT NOT NULL,
    marks INTEGER NOT NULL,
    PRIMARY KEY (article_rowid, technique, voice)
) WITHOUT ROWID;
"""


def _v6(conn: sqlite3.Connection) -> None:
    """The spin tables, filled from the stored articles (figures computed in Python: words are
    counted as the reports count them, which SQL cannot)."""
    from unspun.store.spin import fill

    for statement in _statements(_V6_TABLES):
        conn.execute(statement)
    if fill(conn):
        conn.execute("UPDATE store_info SET value = value + 1 WHERE key = 'generation'")


# a step is SQL, or a function of the connection for one that needs Python
MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [_V1, _V2, _V3, _V4, _V5, _v6]
LATEST = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    """The schema version of an open store (0 for a new, empty file)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Apply the migrations from the store's version up to ``target``; return the new version.

    ``conn`` must be in autocommit mode (``isolation_level=None``); each step is one
    transaction together with its version bump.
    """
    current = version(conn)
    while current < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if current == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            step = MIGRATIONS[current]
            if callable(step):
                step(conn)
            else:
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current += 1
    return current


def _statements(script: str) -> list[str]:
    """Split a migration into whole statements (a trigger body holds several ``;``)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete statement in a migration: {current.strip()[:60]}")
    return out

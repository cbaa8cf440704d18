"""Per-article spin figures in the store: technique marks and words by voice (``spin``), marks by
technique and voice (``spin_techniques``), and the densest paragraph, from ``unspun.render.spin``.

They are derived from an article's text and spans, so they are written with the article (and
rewritten when it is re-analysed) and filled from the stored JSON when an older store migrates;
per-outlet rates sum marks and words over articles (``unspun.store.tables.outlet_stats``).
"""

from __future__ import annotations

import sqlite3

from unspun.article import VOICES, Article
from unspun.render import spin

COLUMNS = ("article_rowid", "words", "marks", *(f"{v}_{k}" for v in VOICES for k in ("words", "marks")),
           "densest_number", "densest_start", "densest_end", "densest_marks", "densest_words")


def write(conn: sqlite3.Connection, rowid: int, article: Article) -> None:
    """Store the figures of the article stored at ``rowid`` (nothing when it has no sentence),
    replacing any stored before."""
    conn.execute("DELETE FROM spin WHERE article_rowid = ?", (rowid,))
    conn.execute("DELETE FROM spin_techniques WHERE article_rowid = ?", (rowid,))
    figures = spin(article)
    if figures is None:
        return
    d = figures.densest or {}
    values = (rowid, figures.words, figures.marks,
              *(n for v in VOICES for n in (figures.words_by_voice[v], figures.marks_by_voice[v])),
              d.get("number"), d.get("start"), d.get("end"), d.get("marks"), d.get("words"))
    conn.execute(f"INSERT INTO spin ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", values)
    conn.executemany("INSERT INTO spin_techniques (article_rowid, technique, voice, marks) VALUES (?, ?, ?, ?)",
                     [(rowid, technique, voice, n) for (technique, voice), n in sorted(figures.technique_marks.items())])


def fill(conn: sqlite3.Connection, page: int = 200) -> int:
    """Compute and store the figures of every stored article from its JSON (a page of articles
    at a time); return how many articles were read."""
    last, done = 0, 0
    while True:
        rows = conn.execute("SELECT rowid, json FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?",
                            (last, page)).fetchall()
        if not rows:
            return done
        for rowid, raw in rows:
            write(conn, rowid, Article.from_json(raw))
        done += len(rows)
        last = rows[-1][0]

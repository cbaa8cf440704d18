"""The store's tables for papers: flat rows for ``unspun export`` and the web's CSV downloads.

``TABLES`` names each table; ``table(store, name)`` gives its columns (name and type: ``str``,
``int`` or ``float``) and a row iterator that reads the store a page at a time. Per-outlet
figures count an article once for every outlet that ran it (its occurrences).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterator

from unspun.render import quote_rows
from unspun.store import Store

Column = tuple[str, str]


@dataclass
class Table:
    """A table's ``columns`` (``(name, type)``) and its ``rows`` (tuples in column order)."""

    name: str
    columns: list[Column]
    rows: Iterator[tuple]


def _per_1k(count: float, words: float) -> float | None:
    return round(1000.0 * count / words, 4) if words else None


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


# -- articles -------------------------------------------------------------------------------

_ARTICLE_COLUMNS: list[Column] = [
    ("id", "str"), ("title", "str"), ("date", "str"), ("outlet", "str"), ("language", "str"), ("url", "str"),
    ("path", "str"), ("occurrences", "int"), ("words", "int"), ("sentences", "int"), ("own", "int"),
    ("attributed", "int"), ("quoted", "int"), ("own_share", "float"), ("quotes", "int"), ("techniques", "int"),
    ("techniques_per_1k_words", "float"), ("subjectivity", "float"), ("producer", "str"),
]


def _article_rows(store: Store) -> Iterator[tuple]:
    last = 0
    while True:
        rows = store.conn.execute(
            "SELECT a.rowid, a.id, a.title, a.date, a.outlet, a.language, "
            " (SELECT nullif(url, '') FROM occurrences o WHERE o.article_id = a.id ORDER BY seen_at LIMIT 1), "
            " (SELECT nullif(path, '') FROM occurrences o WHERE o.article_id = a.id ORDER BY seen_at LIMIT 1), "
            " (SELECT count(*) FROM occurrences o WHERE o.article_id = a.id), "
            " a.words, a.sentences, a.own, a.attributed, a.quoted, a.quotes, a.techniques, "
            " a.subjectivity_sum, a.subjectivity_n, a.producer "
            "FROM articles a WHERE a.rowid > ? ORDER BY a.rowid LIMIT 500", (last,)).fetchall()
        if not rows:
            return
        for (rowid, id_, title, date, outlet, lang, url, path, occ, words, sents, own, attr, quoted, quotes, techs,
             subj_sum, subj_n, producer) in rows:
            yield (id_, title, date, outlet, lang, url, path, occ, words, sents, own, attr, quoted,
                   _share(own, sents), quotes, techs, _per_1k(techs, words),
                   round(subj_sum / subj_n, 4) if subj_n else None, producer)
        last = rows[-1][0]


# -- occurrences, spans, quotes -------------------------------------------------------------

_OCCURRENCE_COLUMNS: list[Column] = [
    ("article_id", "str"), ("path", "str"), ("record", "str"), ("url", "str"), ("format", "str"),
    ("outlet", "str"), ("date", "str"), ("seen_at", "str"),
]


def _occurrence_rows(store: Store) -> Iterator[tuple]:
    for row in store.conn.execute(
            "SELECT article_id, nullif(path, ''), nullif(record, ''), nullif(url, ''), format, outlet, date, seen_at "
            "FROM occurrences ORDER BY article_id, seen_at"):
        yield tuple(row)


_SPAN_COLUMNS: list[Column] = [
    ("article_id", "str"), ("start", "int"), ("end", "int"), ("layer", "str"), ("label", "str"),
    ("text", "str"), ("attrs", "str"),
]


def _span_rows(store: Store) -> Iterator[tuple]:
    last = 0
    while True:
        rows = store.conn.execute(
            "SELECT a.rowid, a.id, f.text FROM articles a JOIN articles_fts f ON f.rowid = a.rowid "
            "WHERE a.rowid > ? ORDER BY a.rowid LIMIT 200",
            (last,)).fetchall()
        if not rows:
            return
        for rowid, article_id, text in rows:
            for start, end, layer, label, attrs in store.conn.execute(
                    'SELECT start, "end", layer, label, attrs FROM spans WHERE article_rowid = ? '
                    'ORDER BY start, "end" DESC, layer, label', (rowid,)):
                yield (article_id, start, end, layer, label, text[start:end], attrs)
        last = rows[-1][0]


QUOTE_COLUMNS: list[Column] = [
    ("article_id", "str"), ("number", "int"), ("kind", "str"), ("speaker", "str"), ("cue", "str"),
    ("text", "str"), ("start", "int"), ("end", "int"),
]


def _quote_rows(store: Store) -> Iterator[tuple]:
    for article in store.iter_articles():
        yield from article_quote_rows(article)


def article_quote_rows(article) -> Iterator[tuple]:
    """The quotes table of one article, numbered as on its page."""
    for q in quote_rows(article):
        yield (article.id, q.number, q.kind, q.speaker, q.cue, q.text, q.start, q.end)


# -- spin -----------------------------------------------------------------------------------

SPIN_VOICES = ("own", "attributed", "quote")

_SPIN_COLUMNS: list[Column] = [
    ("article_id", "str"), ("outlet", "str"), ("words", "int"), ("marks", "int"), ("per_1k_words", "float"),
    *[c for v in SPIN_VOICES for c in ((f"{v}_words", "int"), (f"{v}_marks", "int"), (f"{v}_per_1k_words", "float"))],
    ("densest_paragraph", "int"), ("densest_start", "int"), ("densest_end", "int"), ("densest_marks", "int"),
    ("densest_words", "int"),
]


def _spin_rows(store: Store) -> Iterator[tuple]:
    voices = ", ".join(f"s.{v}_words, s.{v}_marks" for v in SPIN_VOICES)
    last = 0
    while True:
        rows = store.conn.execute(
            f"SELECT a.rowid, a.id, a.outlet, s.words, s.marks, {voices}, s.densest_number, s.densest_start, "
            "s.densest_end, s.densest_marks, s.densest_words FROM spin s JOIN articles a ON a.rowid = s.article_rowid "
            "WHERE a.rowid > ? ORDER BY a.rowid LIMIT 500", (last,)).fetchall()
        if not rows:
            return
        for rowid, article_id, outlet, words, marks, *rest in rows:
            counts, densest = rest[:2 * len(SPIN_VOICES)], rest[2 * len(SPIN_VOICES):]
            by_voice = []
            for i in range(len(SPIN_VOICES)):
                w, m = counts[2 * i], counts[2 * i + 1]
                by_voice += [w, m, _per_1k(m, w)]
            yield (article_id, outlet, words, marks, _per_1k(marks, words), *by_voice, *densest)
        last = rows[-1][0]


# -- outlets --------------------------------------------------------------------------------

_OUTLET_JOIN = ("FROM (SELECT DISTINCT article_id, outlet FROM occurrences) o "
                "JOIN articles a ON a.id = o.article_id")


def outlet_stats(store: Store) -> list[dict]:
    """Per outlet: articles, words, sentences, own-voice share (of sentences), mean sentence
    subjectivity (where scored), quotes, techniques per 1,000 body words and per technique; and
    the spin summary's figures: technique marks per 1,000 words of sentences, in all and by the
    voice of the sentence a mark starts in (marks and words summed over the outlet's articles)."""
    out = {}
    for outlet, articles, words, sents, own, attributed, quoted, quotes, techs, subj_sum, subj_n in store.conn.execute(
            "SELECT o.outlet, count(*), sum(a.words), sum(a.sentences), sum(a.own), sum(a.attributed), "
            f"sum(a.quoted), sum(a.quotes), sum(a.techniques), sum(a.subjectivity_sum), sum(a.subjectivity_n) "
            f"{_OUTLET_JOIN} GROUP BY o.outlet ORDER BY count(*) DESC, o.outlet"):
        out[outlet] = {
            "outlet": outlet, "articles": articles, "words": words, "sentences": sents,
            "own_share": _share(own, sents), "attributed_share": _share(attributed, sents),
            "quote_share": _share(quoted, sents),
            "subjectivity": round(subj_sum / subj_n, 4) if subj_n else None,
            "quotes": quotes, "techniques": techs, "techniques_per_1k_words": _per_1k(techs, words),
            "spin_words": 0, "spin_marks": 0, "spin_per_1k_words": None,
            **{f"spin_{v}_per_1k_words": None for v in SPIN_VOICES},
            "by_technique": {},
        }
    for outlet, words, marks, *by_voice in store.conn.execute(
            "SELECT o.outlet, sum(s.words), sum(s.marks), "
            + ", ".join(f"sum(s.{v}_words), sum(s.{v}_marks)" for v in SPIN_VOICES)
            + f" {_OUTLET_JOIN} JOIN spin s ON s.article_rowid = a.rowid GROUP BY o.outlet"):
        if outlet in out:
            row = out[outlet]
            row.update(spin_words=words, spin_marks=marks, spin_per_1k_words=_per_1k(marks, words))
            for i, v in enumerate(SPIN_VOICES):
                row[f"spin_{v}_per_1k_words"] = _per_1k(by_voice[2 * i + 1], by_voice[2 * i])
    for outlet, label, count in store.conn.execute(
            f"SELECT o.outlet, s.label, count(*) {_OUTLET_JOIN} "
            "JOIN spans s ON s.article_rowid = a.rowid AND s.layer = 'technique' GROUP BY o.outlet, s.label"):
        if outlet in out:
            out[outlet]["by_technique"][label] = count
    return list(out.values())


def outlet_timeline(store: Store) -> list[dict]:
    """Per outlet and month (``YYYY-MM`` of the article date): articles, own-voice share,
    mean subjectivity, techniques per 1,000 words. Undated articles are left out."""
    rows = store.conn.execute(
        "SELECT o.outlet, substr(a.date, 1, 7) AS month, count(*), sum(a.words), sum(a.sentences), sum(a.own), "
        f"sum(a.techniques), sum(a.subjectivity_sum), sum(a.subjectivity_n) {_OUTLET_JOIN} "
        "WHERE a.date IS NOT NULL AND length(a.date) >= 7 GROUP BY o.outlet, month ORDER BY o.outlet, month")
    return [{"outlet": outlet, "month": month, "articles": n, "own_share": _share(own, sents),
             "subjectivity": round(ss / sn, 4) if sn else None, "techniques_per_1k_words": _per_1k(techs, words)}
            for outlet, month, n, words, sents, own, techs, ss, sn in rows]


def _outlet_table(store: Store) -> Table:
    stats = outlet_stats(store)
    techniques = sorted({t for row in stats for t in row["by_technique"]})
    fixed: list[Column] = [
        ("outlet", "str"), ("articles", "int"), ("words", "int"), ("sentences", "int"), ("own_share", "float"),
        ("attributed_share", "float"), ("quote_share", "float"), ("subjectivity", "float"), ("quotes", "int"),
        ("techniques", "int"), ("techniques_per_1k_words", "float"),
        ("spin_words", "int"), ("spin_marks", "int"), ("spin_per_1k_words", "float"),
        *[(f"spin_{v}_per_1k_words", "float") for v in SPIN_VOICES],
    ]
    columns = [*fixed, *[(f"technique:{t}", "int") for t in techniques]]
    rows = (tuple(row[c] for c, _ in fixed) + tuple(row["by_technique"].get(t, 0) for t in techniques)
            for row in stats)
    return Table("outlets", columns, rows)


_SIMPLE: dict[str, tuple[list[Column], Callable[[Store], Iterator[tuple]]]] = {
    "articles": (_ARTICLE_COLUMNS, _article_rows),
    "occurrences": (_OCCURRENCE_COLUMNS, _occurrence_rows),
    "spans": (_SPAN_COLUMNS, _span_rows),
    "quotes": (QUOTE_COLUMNS, _quote_rows),
    "spin": (_SPIN_COLUMNS, _spin_rows),
}
TABLES = ("articles", "occurrences", "spans", "quotes", "spin", "outlets")


def table(store: Store, name: str) -> Table:
    """The table ``name`` (one of ``TABLES``) of ``store``."""
    if name == "outlets":
        return _outlet_table(store)
    if name not in _SIMPLE:
        raise ValueError(f"unknown table {name!r}; choose one of {', '.join(TABLES)}")
    columns, rows = _SIMPLE[name]
    return Table(name, list(columns), rows(store))


def timeline_by_outlet(store: Store) -> dict[str, list[dict]]:
    """``outlet_timeline`` grouped by outlet."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in outlet_timeline(store):
        grouped[row["outlet"]].append(row)
    return dict(grouped)


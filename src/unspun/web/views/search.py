"""Full-text search (SQLite FTS5) over titles and texts.

A query is checked before it reaches FTS5, because a few crafted words can cost seconds of CPU
(FTS5 merges the whole posting list of every prefix word): at most ``MAX_QUERY`` characters,
``MAX_WORDS`` distinct words, ``MAX_PREFIX_WORDS`` prefix words (``word*``) each with at least
``MIN_PREFIX`` letters, and no control characters (400 otherwise; repeated words count once).
A query that still runs longer than ``SEARCH_BUDGET`` seconds is stopped (400).
"""

from __future__ import annotations

import re
import sqlite3
import time

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun.web.helpers import PAGE_SIZE, page_of, render, settings_of

MAX_QUERY = 300  # characters
MAX_WORDS = 16  # distinct words (tokens, as FTS5 splits them)
MAX_PREFIX_WORDS = 4  # words ending in *
MIN_PREFIX = 2  # letters before the * of a prefix word
SEARCH_BUDGET = 2.0  # seconds one search may run before it is stopped

_TOKEN = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def checked_query(raw: str) -> str:
    """``raw`` with repeated words dropped, or ``HTTPException(400)`` naming the limit it breaks."""
    if len(raw) > MAX_QUERY:
        raise HTTPException(400, f"search is {len(raw):,} characters long; the limit is {MAX_QUERY}")
    if _CONTROL.search(raw):
        raise HTTPException(400, "search contains a control character")
    words = list(dict.fromkeys(raw.split()))
    tokens = {t.lower() for w in words for t in _TOKEN.findall(w)}
    if len(tokens) > MAX_WORDS:
        raise HTTPException(400, f"search has {len(tokens)} different words; the limit is {MAX_WORDS}")
    prefixes = [w for w in words if w.endswith("*") and len(w) > 1]
    if len(prefixes) > MAX_PREFIX_WORDS:
        raise HTTPException(400, f"search has {len(prefixes)} prefix words (word*); the limit is {MAX_PREFIX_WORDS}")
    for word in prefixes:
        last = _TOKEN.findall(word.rstrip("*"))
        if last and len(last[-1]) < MIN_PREFIX:
            raise HTTPException(400, f"prefix {word[:40]!r} is too short: give at least {MIN_PREFIX} letters before *")
    return " ".join(words)


def _results(request: Request) -> dict:
    shown = request.query_params.get("q", "")
    query = checked_query(shown)
    page = page_of(request)
    store = settings_of(request).store()
    deadline = time.monotonic() + SEARCH_BUDGET
    store.conn.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
    try:
        total, rows = store.search(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except sqlite3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
        raise HTTPException(400, f"search took longer than {SEARCH_BUDGET:g} s: use fewer or longer "
                                 "prefix words") from None
    finally:
        store.conn.set_progress_handler(None, 0)
    return {"q": shown, "page": page, "total": total, "results": rows, "more": page * PAGE_SIZE < total}


def snippet_html(snippet: str) -> Markup:
    """A search snippet escaped, its matches (between ``\\x02`` and ``\\x03``) in ``<mark>``."""
    return Markup(str(escape(snippet)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


def search_page(request: Request) -> Response:
    context = _results(request)
    for row in context["results"]:
        row["snippet_html"] = snippet_html(row["snippet"] or "")
    return render(request, "search.html", context)


def search_api(request: Request) -> Response:
    context = _results(request)
    for row in context["results"]:
        row["snippet"] = (row["snippet"] or "").replace("\x02", "").replace("\x03", "")
    return JSONResponse(context)

"""Full-text search (SQLite FTS5) over titles and texts."""

from __future__ import annotations

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun.web.app import PAGE_SIZE, page_of, render, settings_of

MAX_QUERY = 500


def _results(request: Request) -> dict:
    query = request.query_params.get("q", "")[:MAX_QUERY]
    page = page_of(request)
    total, rows = settings_of(request).store().search(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return {"q": query, "page": page, "total": total, "results": rows, "more": page * PAGE_SIZE < total}


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

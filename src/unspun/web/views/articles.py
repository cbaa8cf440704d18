"""The home page, the article list, and the article page with its layers; their JSON and CSV.

The article page shows the report of ``unspun analyze --format html`` (``render.html.article_html``:
layers highlighted with a toggle per group, legend, hover notes, quotes table, metadata), plus
where the article was seen and the stories it belongs to. ``/api/articles/{id}`` returns the
stored DATA-MODEL.md JSON byte for byte.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun.article import Article
from unspun.render.html import article_html
from unspun.store.tables import QUOTE_COLUMNS, TABLES, Table, article_quote_rows, table
from unspun.web.helpers import PAGE_SIZE, page_of, render, settings_of
from unspun.web.downloads import csv_download


def _home(request: Request) -> dict:
    store = settings_of(request).store()
    counts = {name: store.count(name) for name in ("articles", "occurrences", "stories", "quarantine")}
    return {"counts": counts, "schema": store.schema_version, "tables": list(TABLES), "recent": store.articles(limit=10),
            "quarantined": store.quarantined(limit=20)}


def home(request: Request) -> Response:
    return render(request, "home.html", _home(request))


def home_api(request: Request) -> Response:
    """What the home page shows: counts, the schema version, recent articles, quarantined records."""
    return JSONResponse(_home(request))


def _listing(request: Request) -> dict:
    store = settings_of(request).store()
    page = page_of(request)
    outlet = request.query_params.get("outlet")
    rows = store.articles(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, outlet=outlet)
    return {"articles": rows, "page": page, "outlet": outlet, "total": store.count("articles"),
            "more": len(rows) == PAGE_SIZE}


def article_list(request: Request) -> Response:
    return render(request, "articles.html", _listing(request))


def article_list_api(request: Request) -> Response:
    return JSONResponse(_listing(request))


def articles_csv(request: Request) -> Response:
    return csv_download(settings_of(request).db, lambda s: table(s, "articles"), "articles.csv")


def table_csv(request: Request) -> Response:
    """Any table of ``unspun export`` (``/tables/spans.csv`` ...), streamed as CSV."""
    name = request.path_params["name"]
    if name not in TABLES:
        raise HTTPException(404, f"no table {name[:40]!r}; tables: {', '.join(TABLES)}")
    return csv_download(settings_of(request).db, lambda s: table(s, name), f"{name}.csv")


def _article_json(request: Request) -> str:
    raw = settings_of(request).store().article_json(request.path_params["id"])
    if raw is None:
        raise HTTPException(404, f"no article {request.path_params['id'][:80]!r} in this store")
    return raw


def article_api(request: Request) -> Response:
    """The DATA-MODEL.md JSON of one article, exactly as stored."""
    return Response(_article_json(request), media_type="application/json")


def occurrences_api(request: Request) -> Response:
    _article_json(request)
    return JSONResponse({"id": request.path_params["id"],
                         "occurrences": settings_of(request).store().occurrences(request.path_params["id"])})


def article_page(request: Request) -> Response:
    article, report = _report(_article_json(request))
    store = settings_of(request).store()
    return render(request, "article.html", article_context(article, stored=True, report=report,
                                                           occurrences=store.occurrences(article.id),
                                                           stories=store.stories_of(article.id)))


@lru_cache(maxsize=128)
def _report(raw: str) -> tuple[Article, Markup]:
    """The article and its rendered report, cached by the stored JSON itself (so a re-analysed
    article, whose JSON changes, is rendered afresh)."""
    article = Article.from_json(raw)
    return article, report_html(article)


def report_html(article: Article) -> Markup:
    # article_html escapes every piece of article text, metadata and attribute itself.
    return Markup(article_html(article, "a"))


def article_context(article: Article, *, stored: bool, report: Markup | None = None,
                    occurrences: list | None = None, stories: list | None = None) -> dict:
    """What ``article.html`` needs; also used by the paste page for an article analysed on the fly."""
    return {
        "article": article,
        "title": article.meta.get("title") or f"article {article.id}",
        "report": report if report is not None else report_html(article),
        "stored": stored,
        "occurrences": occurrences or [],
        "stories": stories or [],
    }


def quotes_csv(request: Request) -> Response:
    article = Article.from_json(_article_json(request))
    rows = list(article_quote_rows(article))
    return csv_download(settings_of(request).db, lambda s: Table("quotes", QUOTE_COLUMNS, iter(rows)),
                        f"quotes-{article.id}.csv")

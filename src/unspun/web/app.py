"""The web reader: an ASGI app (Starlette) that is only a view of one store file.

``create_app(db)`` builds it; ``unspun serve`` runs it with uvicorn. One module per page kind
lives in ``unspun.web.views`` (what they share, in ``unspun.web.helpers``); every page has a
JSON twin under ``/api`` and tables offer CSV. Templates are Jinja2 with autoescaping on, so
article text and metadata are always escaped; the only markup built in Python is the article
report (``unspun.render.html``, which escapes everything itself) and search snippets (escaped,
then marked). Every response carries a Content-Security-Policy that allows no scripts and
nothing from other origins, and requests for another host name or POSTs from another site are
refused (``unspun.web.security``).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import AsyncIterator, Iterable
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from unspun import __version__
from unspun.store import Store, StoreError
from unspun.web import DEFAULT_MAX_BODY, DEFAULT_PASTE_QUEUE, DEFAULT_PASTE_WORKERS, DEFAULT_TIMEOUT
from unspun.web.helpers import ServeSettings, render
from unspun.web.security import HostPolicy, SecurityHeaders, header_dict

WEB_DIR = os.path.dirname(os.path.abspath(__file__))


def prepare(db: str) -> None:
    """Check the store before serving: upgrade its schema when the file is writable, then make
    sure it opens read-only. Raises ``StoreError`` with a one-line reason."""
    if os.access(db, os.W_OK) and os.access(os.path.dirname(os.path.abspath(db)), os.W_OK):
        Store(db, create=False).close()
    Store(db, readonly=True).close()


def create_app(db: str, *, paste: bool = True, max_body: int = DEFAULT_MAX_BODY,
               timeout: float = DEFAULT_TIMEOUT, hosts: Iterable[str] = (),
               paste_workers: int = DEFAULT_PASTE_WORKERS, paste_queue: int = DEFAULT_PASTE_QUEUE) -> Starlette:
    """The web reader for the store ``db`` (which must exist: ``StoreError`` otherwise).

    ``hosts``: Host names served besides localhost, 127.0.0.1 and ::1 (``unspun serve`` passes
    the address it binds and every ``--allow-host``; ``"*"`` serves any)."""
    from unspun.web.views import articles, docs, outlets, paste as paste_view, search, stories

    prepare(db)
    settings = ServeSettings(db=db, paste=paste, max_body=max_body, timeout=timeout,
                             paste_workers=paste_workers, paste_queue=paste_queue)
    routes = [
        Route("/", articles.home),
        Route("/articles", articles.article_list),
        Route("/articles.csv", articles.articles_csv),
        Route("/tables/{name}.csv", articles.table_csv),
        Route("/articles/{id:path}/quotes.csv", articles.quotes_csv),
        Route("/articles/{id:path}", articles.article_page),
        Route("/api/store", articles.home_api),
        Route("/api/articles", articles.article_list_api),
        Route("/api/articles/{id:path}/occurrences", articles.occurrences_api),
        Route("/api/articles/{id:path}", articles.article_api),
        Route("/stories", stories.story_list),
        Route("/stories/{id:path}", stories.story_page),
        Route("/api/stories", stories.story_list_api),
        Route("/api/stories/{id:path}", stories.story_api),
        Route("/outlets", outlets.outlets_page),
        Route("/outlets.csv", outlets.outlets_csv),
        Route("/api/outlets", outlets.outlets_api),
        Route("/search", search.search_page),
        Route("/api/search", search.search_api),
        Route("/openapi.json", docs.openapi_json),
        Route("/docs", docs.docs_page),
        Route("/static/report.css", docs.report_css),
        Mount("/static", StaticFiles(directory=os.path.join(WEB_DIR, "static")), name="static"),
    ]
    if paste:
        routes += [Route("/paste", paste_view.paste_page, methods=["GET", "POST"]),
                   Route("/api/analyze", paste_view.analyze_api, methods=["POST"])]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        paste_view.shutdown(app)

    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error, Exception: _internal_error},
                    lifespan=lifespan)
    app.state.settings = settings
    app.state.templates = _templates(settings)
    app.add_middleware(SecurityHeaders, max_body=max_body, hosts=HostPolicy(hosts))
    return app


def _templates(settings: ServeSettings) -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(os.path.join(WEB_DIR, "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True), auto_reload=False)
    env.globals.update(version=__version__, paste_enabled=settings.paste)
    env.filters["segment"] = segment
    return Jinja2Templates(env=env)


def segment(value: object) -> str:
    """One path segment of a link: every reserved character quoted, ``/`` included, so an id
    such as ``a/../../x`` stays inside ``/articles/``."""
    return quote(str(value), safe="")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


async def _http_error(request: Request, exc: HTTPException) -> Response:
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    if _wants_json(request):
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)
    response = render(request, "error.html", {"status": exc.status_code, "detail": detail}, status_code=exc.status_code)
    response.headers.update(exc.headers or {})
    return response


async def _internal_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StoreError):
        detail = str(exc)
    else:
        detail = "internal error"
    # Starlette sends this response outside the middleware, so it gets the security headers here.
    if _wants_json(request):
        return JSONResponse({"error": detail}, status_code=500, headers=header_dict())
    return HTMLResponse(f"<!DOCTYPE html><title>500</title><p>{_escape(detail)}</p>", status_code=500,
                        headers=header_dict())


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)

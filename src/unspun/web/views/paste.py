"""The paste page: analyse an article's text or HTML on the fly (nothing is stored).

The body is limited (``--max-body``, 413 beyond it) and each analysis runs in a child process
killed after ``--timeout`` seconds (504). Pastes have their own workers (``--paste-workers``)
and queue (``--paste-queue``); when both are full a paste gets 503 with Retry-After, and pages
never wait for them. ``unspun serve --no-paste`` removes both routes.
``POST /api/analyze`` takes the same fields as JSON (``{"text"|"html", "url"?, "outlet"?}``)
or a plain-text body, and returns the DATA-MODEL.md JSON.
"""

from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from unspun.article import Article
from unspun.web.analyser import AnalysisError, AnalysisTimeout, PasteBusy, PastePool
from unspun.web.helpers import render, settings_of
from unspun.web.views.articles import article_context


def pool_of(request: Request) -> PastePool:
    state = request.app.state
    if getattr(state, "paste_pool", None) is None:
        settings = settings_of(request)
        state.paste_pool = PastePool(settings.timeout, settings.paste_workers, settings.paste_queue)
    return state.paste_pool


def shutdown(app) -> None:
    pool = getattr(app.state, "paste_pool", None)
    if pool is not None:
        pool.close()


def _busy(exc: PasteBusy) -> HTTPException:
    return HTTPException(503, str(exc), headers={"retry-after": str(exc.retry_after)})


def _refuse_when_full(request: Request) -> None:
    """Refuse before reading the body when no paste can be taken now."""
    refusal = pool_of(request).busy()
    if refusal is not None:
        raise _busy(refusal)


async def _run(request: Request, fields: dict, finish: Callable[[Article], Any]) -> Any:
    """Analyse the pasted article on a paste worker; ``finish(article)`` runs there too."""
    content = fields.get("content") or ""
    if not content.strip():
        raise HTTPException(400, "nothing to analyse: paste an article's text or HTML")
    kind = fields.get("kind") if fields.get("kind") in ("text", "html") else "text"
    job = {"text": content if kind == "text" else None, "html": content if kind == "html" else None,
           "url": (fields.get("url") or "").strip() or None, "outlet": (fields.get("outlet") or "").strip() or None}

    def done(raw: str, warnings: list[str]) -> Any:
        article = Article.from_json(raw)
        article.warnings.extend(warnings)
        return finish(article)

    try:
        return await pool_of(request).analyse(job, done)
    except PasteBusy as exc:
        raise _busy(exc) from None
    except AnalysisTimeout as exc:
        raise HTTPException(504, str(exc)) from None
    except AnalysisError as exc:
        raise HTTPException(422, str(exc)) from None


async def paste_page(request: Request) -> Response:
    settings = settings_of(request)
    if request.method == "GET":
        return render(request, "paste.html", {"max_body": settings.max_body, "timeout": settings.timeout,
                                              "fields": {}})
    _refuse_when_full(request)
    body = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    return await _run(request, form,
                      lambda article: render(request, "article.html", article_context(article, stored=False)))


async def analyze_api(request: Request) -> Response:
    _refuse_when_full(request)
    body = await request.body()
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise HTTPException(400, "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise HTTPException(400, 'send an object: {"text": ...} or {"html": ...}')
        kind = "html" if data.get("html") is not None else "text"
        fields = {"kind": kind, "content": data.get(kind) or "", "url": data.get("url"), "outlet": data.get("outlet")}
        if not all(isinstance(v, (str, type(None))) for v in fields.values()):
            raise HTTPException(400, "text, html, url and outlet must be strings")
    else:
        fields = {"kind": "html" if "html" in ctype else "text", "content": body.decode("utf-8", errors="replace")}
    return await _run(request, fields, lambda article: Response(article.to_json(), media_type="application/json"))

"""The paste page: analyse an article's text or HTML on the fly (nothing is stored).

The body is limited (``--max-body``, 413 beyond it) and each analysis runs in a child process
killed after ``--timeout`` seconds (504). ``unspun serve --no-paste`` removes both routes.
``POST /api/analyze`` takes the same fields as JSON (``{"text"|"html", "url"?, "outlet"?}``)
or a plain-text body, and returns the DATA-MODEL.md JSON.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from unspun.article import Article
from unspun.web.analyser import AnalysisError, AnalysisTimeout, Analyser
from unspun.web.app import render, settings_of
from unspun.web.views.articles import article_context


def _analyser(request: Request) -> Analyser:
    state = request.app.state
    if getattr(state, "analyser", None) is None:
        state.analyser = Analyser(settings_of(request).timeout)
    return state.analyser


def shutdown(app) -> None:
    analyser = getattr(app.state, "analyser", None)
    if analyser is not None:
        analyser.close()


async def _run(request: Request, fields: dict) -> Article:
    content = fields.get("content") or ""
    if not content.strip():
        raise HTTPException(400, "nothing to analyse: paste an article's text or HTML")
    kind = fields.get("kind") if fields.get("kind") in ("text", "html") else "text"
    try:
        raw, warnings = await run_in_threadpool(
            _analyser(request).analyse, text=content if kind == "text" else None,
            html=content if kind == "html" else None, url=(fields.get("url") or "").strip() or None,
            outlet=(fields.get("outlet") or "").strip() or None)
    except AnalysisTimeout as exc:
        raise HTTPException(504, str(exc)) from None
    except AnalysisError as exc:
        raise HTTPException(422, str(exc)) from None
    article = Article.from_json(raw)
    article.warnings.extend(warnings)
    return article


async def paste_page(request: Request) -> Response:
    settings = settings_of(request)
    if request.method == "GET":
        return render(request, "paste.html", {"max_body": settings.max_body, "timeout": settings.timeout,
                                              "fields": {}})
    body = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    article = await _run(request, form)
    return render(request, "article.html", article_context(article, stored=False))


async def analyze_api(request: Request) -> Response:
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
    article = await _run(request, fields)
    return Response(article.to_json(), media_type="application/json")

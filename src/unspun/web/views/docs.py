"""The API's OpenAPI description (``/openapi.json``) and a page that lists it (``/docs``).

The description is written out here rather than generated, so it says what each route
returns in the project's own words; ``tests/test_web.py`` checks that every API route of the
app is described and every described route exists.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun import __version__
from unspun.web.helpers import render, report_css_text, settings_of
from unspun.web.views import search

_PAGE = {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
         "description": "1-based page of 50 rows"}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_ERROR = {"description": "not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_spec(paste: bool) -> dict:
    """The OpenAPI 3.1 description of the JSON API (without the paste route when it is off)."""
    obj = {"type": "object"}
    paths = {
        "/api/store": {"get": {
            "summary": "The store: counts, schema version, recent articles, quarantined records (the home page)",
            "responses": {"200": _json("the store's summary", obj)}}},
        "/api/articles": {"get": {
            "summary": "Stored articles, newest date first", "parameters": [_PAGE, {
                "name": "outlet", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "only articles this outlet ran"}],
            "responses": {"200": _json("a page of article summaries", obj)}}},
        "/api/articles/{id}": {"get": {
            "summary": "One article: the DATA-MODEL.md JSON, exactly as stored", "parameters": [_ID],
            "responses": {"200": _json("the article", {"$ref": "#/components/schemas/Article"}), "404": _ERROR}}},
        "/api/articles/{id}/occurrences": {"get": {
            "summary": "Every place the article was seen (source, record, url, outlet)", "parameters": [_ID],
            "responses": {"200": _json("the occurrences", obj), "404": _ERROR}}},
        "/api/stories": {"get": {
            "summary": "Stories with more than one member, largest first", "parameters": [_PAGE],
            "responses": {"200": _json("a page of stories", obj)}}},
        "/api/stories/{id}": {"get": {
            "summary": "One story (the `unspun stories` entry) and its `unspun compare` JSON", "parameters": [_ID],
            "responses": {"200": _json("the story", obj), "404": _ERROR}}},
        "/api/outlets": {"get": {
            "summary": "Per-outlet rates (techniques per 1,000 words, own-voice share, subjectivity) and by month",
            "responses": {"200": _json("outlets and their timeline", obj)}}},
        "/api/search": {"get": {
            "summary": "Full-text search over titles and texts (every word must occur; word* for a prefix)",
            "parameters": [{"name": "q", "in": "query", "required": True,
                            "schema": {"type": "string", "maxLength": search.MAX_QUERY},
                            "description": f"at most {search.MAX_WORDS} different words and {search.MAX_PREFIX_WORDS} "
                                           f"prefix words (word*, {search.MIN_PREFIX} letters or more before the *); "
                                           f"no control characters; {search.SEARCH_BUDGET:g} s at most"}, _PAGE],
            "responses": {"200": _json("matches, best first, with snippets", obj),
                          "400": {**_ERROR, "description": "the query breaks a limit or takes too long"}}}},
    }
    if paste:
        paths["/api/analyze"] = {"post": {
            "summary": "Analyse an article on the fly (not stored)",
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "text": {"type": "string"}, "html": {"type": "string"}, "url": {"type": "string"},
                    "outlet": {"type": "string"}}}},
                "text/plain": {"schema": {"type": "string"}}}},
            "responses": {"200": _json("the article", {"$ref": "#/components/schemas/Article"}),
                          "403": {"description": "sent by a page of another site"},
                          "413": {"description": "body too large"},
                          "503": {"description": "every paste worker busy and the queue full (see Retry-After)"},
                          "504": {"description": "analysis timed out"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "unspun", "version": __version__,
                 "description": "The JSON API of `unspun serve`: a read-only view of one store."},
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
            "Article": {"type": "object", "required": ["unspun", "id", "producer", "source", "text", "meta", "spans"],
                        "properties": {
                            "unspun": {"type": "string"}, "id": {"type": "string"}, "producer": obj, "source": obj,
                            "text": {"type": "string"}, "meta": obj,
                            "spans": {"type": "array", "items": {"type": "object", "properties": {
                                "start": {"type": "integer"}, "end": {"type": "integer"},
                                "layer": {"type": "string"}, "label": {"type": "string"}, "attrs": obj}}}}},
        }},
    }


def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_spec(settings_of(request).paste))


def docs_page(request: Request) -> Response:
    spec = openapi_spec(settings_of(request).paste)
    operations = [{"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                   "parameters": op.get("parameters", []), "responses": op.get("responses", {})}
                  for path, methods in spec["paths"].items() for method, op in methods.items()]
    return render(request, "docs.html", {"operations": operations})


def report_css(request: Request) -> Response:
    return Response(report_css_text(), media_type="text/css; charset=utf-8",
                    headers={"cache-control": "max-age=3600"})

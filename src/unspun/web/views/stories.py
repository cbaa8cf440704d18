"""Stories: the list, and a story's versions side by side with additions, cuts and rewordings.

A copy story stored with its ``unspun compare`` JSON shows each version's text cut into its
segments (``shared``, ``reworded``, ``added``; furniture dimmed) and, under it, the core
stretches it omits. An event story lists the copy stories it joins.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun.article import Article
from unspun.web.app import PAGE_SIZE, page_of, render, settings_of

SEGMENT_LABELS = ("shared", "reworded", "added")


def _listing(request: Request) -> dict:
    store = settings_of(request).store()
    page = page_of(request)
    rows = store.stories(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return {"stories": rows, "page": page, "more": len(rows) == PAGE_SIZE}


def story_list(request: Request) -> Response:
    return render(request, "stories.html", _listing(request))


def story_list_api(request: Request) -> Response:
    return JSONResponse(_listing(request))


def _story(request: Request) -> dict:
    record = settings_of(request).store().story(request.path_params["id"])
    if record is None:
        raise HTTPException(404, f"no story {request.path_params['id'][:80]!r} in this store")
    return record


def story_api(request: Request) -> Response:
    """``{"story": <unspun stories entry>, "comparison": <unspun compare JSON> | null}``."""
    return JSONResponse(_story(request))


def story_page(request: Request) -> Response:
    store = settings_of(request).store()
    record = _story(request)
    story, comparison = record["story"], record["comparison"]
    members = []
    for member in story.get("members") or []:
        occurrences = store.occurrences(member["id"])
        outlets = sorted({o["outlet"] for o in occurrences if o["outlet"]})
        row = store.articles_by_ids([member["id"]])
        members.append({"id": member["id"], "title": row[0]["title"] if row else None,
                        "date": row[0]["date"] if row else None, "outlets": outlets, "stored": bool(row)})
    versions = []
    if comparison:
        titles = {}
        for version in comparison.get("versions", []):
            article = store.article(version["id"])
            if article is None:
                continue
            titles[version.get("index")] = article.meta.get("title") or article.id
            versions.append({
                "index": version.get("index"), "id": article.id, "title": article.meta.get("title"),
                "outlet": article.meta.get("outlet"), "pieces": version_pieces(article, version.get("segments") or []),
                "omitted": version.get("omitted") or [],
                "counts": {label: sum(1 for s in version.get("segments") or [] if s.get("label") == label)
                           for label in SEGMENT_LABELS},
            })
        for version in versions:
            for item in version["omitted"]:
                item["from_title"] = titles.get(item.get("from"))
    return render(request, "story.html", {"story": story, "members": members, "versions": versions,
                                          "compared": comparison is not None})


def version_pieces(article: Article, segments: list[dict]) -> list[dict]:
    """The text of one version as pieces ``{"text", "kind", "note"}`` in order: a segment's
    ``kind`` is its label (``shared``, ``reworded``, ``added``); text outside segments is
    ``furniture`` (title, dateline, byline, wire, boilerplate) or ``plain``."""
    text, n = article.text, len(article.text)
    furniture = article.furniture()
    pieces: list[dict] = []
    pos = 0
    for seg in sorted(segments, key=lambda s: (int(s.get("start", 0)), -int(s.get("end", 0)))):
        start = min(max(int(seg.get("start", 0)), pos), n)
        end = min(max(int(seg.get("end", 0)), start), n)
        if end <= start:
            continue
        pieces += _gap(text, pos, start, furniture)
        label = seg.get("label") if seg.get("label") in SEGMENT_LABELS else "other"
        note = [label]
        if seg.get("voice"):
            note.append(f"voice: {seg['voice']}")
        if seg.get("techniques"):
            note.append("techniques: " + ", ".join(str(t).replace("_", " ") for t in seg["techniques"]))
        pieces.append({"text": text[start:end], "kind": label, "note": " \u00b7 ".join(note) + f" [{start}\u2013{end})"})
        pos = end
    pieces += _gap(text, pos, n, furniture)
    return pieces


def _gap(text: str, start: int, end: int, furniture: list[tuple[int, int]]) -> list[dict]:
    out = []
    pos = start
    for f_start, f_end in furniture:
        if f_end <= pos or f_start >= end:
            continue
        if f_start > pos:
            out.append({"text": text[pos:f_start], "kind": "plain", "note": ""})
        stop = min(f_end, end)
        out.append({"text": text[max(f_start, pos):stop], "kind": "furniture", "note": "furniture (not compared)"})
        pos = stop
    if pos < end:
        out.append({"text": text[pos:end], "kind": "plain", "note": ""})
    return out

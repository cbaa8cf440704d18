"""Stories: the list, and a story's versions side by side with additions, cuts and rewordings.

A copy story stored with its ``unspun compare`` JSON shows each version's text cut into its
segments (``shared``, ``kept``, ``reworded``, ``added``; furniture dimmed; a rewording links
to the other wording) and, under it, its rewordings and the core stretches it omits. An event
story lists the copy stories it joins. A story is titled by its first version's headline.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from unspun.article import Article
from unspun.render.compare_view import (LABELS, anchors, by_index, counterpart_of, headline, other_words, outlet_of,
                                        pieces, rewordings)
from unspun.store import Store
from unspun.web.helpers import PAGE_SIZE, page_of, render, settings_of

SEGMENT_LABELS = LABELS


def _listing(request: Request) -> dict:
    """A page of stories, each with ``headline`` and, beside ``outlets`` (distinct outlets
    known), ``no_outlet``: how many of its versions have no known outlet."""
    store = settings_of(request).store()
    page = page_of(request)
    rows = store.stories(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    for row in rows:
        record = store.story(row["id"]) or {"story": {}, "comparison": None}
        members = [m["id"] for m in record["story"].get("members") or []]
        known = [{o["outlet"] for o in store.occurrences(m) if o["outlet"]} for m in members]
        row["outlets"] = len(set().union(*known)) if known else row["outlets"]
        row["no_outlet"] = sum(1 for outlets in known if not outlets)
        row["headline"] = _story_headline(store, record, members, row.get("title"))
    return {"stories": rows, "page": page, "more": len(rows) == PAGE_SIZE}


def _story_headline(store: Store, record: dict, members: list[str], title: str | None) -> str | None:
    """The first version's title (the compare JSON's, else the stored one, else the text of its
    title span), or None when none is known."""
    versions = (record.get("comparison") or {}).get("versions") or []
    if versions and versions[0].get("title"):
        return str(versions[0]["title"])
    if title:
        return title
    first = versions[0]["id"] if versions else (members[0] if members else None)
    article = store.article(first) if first else None
    return headline(article) if article is not None else None


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
    versions = _versions(store, comparison) if comparison else []
    title = _story_headline(store, record, [m["id"] for m in members],
                            members[0]["title"] if members else None)
    return render(request, "story.html", {"story": story, "members": members, "versions": versions,
                                          "compared": comparison is not None, "headline": title})


def _versions(store: Store, comparison: dict) -> list[dict]:
    """Each stored version of a comparison, ready for the template."""
    found = [(v, store.article(v["id"])) for v in comparison.get("versions", [])]
    found = [(v, a) for v, a in found if a is not None]
    known = by_index([v for v, _ in found], [a for _, a in found])
    targets = anchors([v for v, _ in found])
    reference = comparison.get("reference")
    titles = {int(v["index"]): headline(a, v) or a.id for v, a in found}
    versions = []
    for version, article in found:
        index = int(version["index"])
        segments = version.get("segments") or []
        versions.append({
            "index": index, "id": article.id, "title": headline(article, version),
            "outlet": outlet_of(article, version), "reference": reference is not None and int(reference) == index,
            "pieces": version_pieces(article, version, targets.get(index, set()), known),
            "rewordings": _rewordings(version, article, known),
            "omitted": [dict(o, from_title=titles.get(int(o["from"]))) for o in version.get("omitted") or []],
            "counts": {label: sum(1 for s in segments if s.get("label") == label) for label in SEGMENT_LABELS},
        })
    return versions


def version_pieces(article: Article, version: dict, targets: set[tuple[int, int]] | None = None,
                   articles: dict[int, Article] | None = None) -> list[dict]:
    """The text of one version as pieces ``{"text", "kind", "note", "id", "href"}`` in order: a
    segment's ``kind`` is its label; text outside segments is ``furniture`` (title, dateline,
    byline, wire, boilerplate) or ``plain``. ``id`` is set on a piece other versions link to
    (``targets``), ``href`` on a rewording whose other wording is known."""
    targets = targets or set()
    starts = {s for s, _ in targets}
    out = []
    for p in pieces(article, version, starts | {e for _, e in targets}, articles):
        cp = p.counterpart if p.kind == "reworded" else None
        out.append({"text": article.text[p.start:p.end], "kind": p.kind or "plain",
                    "note": "furniture (not compared)" if p.kind == "furniture" else p.note,
                    "id": f"v{version['index']}-{p.start}" if p.start in starts else None,
                    "href": f"#v{cp[0]}-{cp[1]}" if cp is not None else None})
    return out


def _rewordings(version: dict, article: Article, known: dict[int, Article]) -> list[dict]:
    out = []
    for seg in rewordings(version):
        cp = counterpart_of(seg)
        out.append({"text": article.text[int(seg["start"]):int(seg["end"])],
                    "other": other_words(cp, known) if cp is not None else "",
                    "version": cp[0] if cp is not None else None,
                    "href": f"#v{cp[0]}-{cp[1]}" if cp is not None else None})
    return out

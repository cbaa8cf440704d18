"""Saving grouped stories into the SQLite store (``unspun stories --db``).

Stories of one member are not stored (a story of one is just its article). A copy story of
several members is stored with its ``unspun compare`` result over its first ``max_versions``
members (those the store still holds).
"""

from __future__ import annotations

import json

from unspun.stories.diff import compare

MAX_VERSIONS = 20


def save_stories(store, result: dict, max_versions: int = MAX_VERSIONS) -> int:
    """Replace the store's stories with ``result`` (the ``unspun stories`` JSON); return how
    many stories of several members were stored."""
    several = 0
    with store.transaction():
        store.clear_stories()
        for story in result.get("stories", []):
            members = story.get("members") or []
            if len(members) < 2:
                continue
            store.put_story(story, _comparison(store, story, max_versions))
            several += 1
    return several


def sync_stories(store, result: dict, max_versions: int = MAX_VERSIONS, counts: dict | None = None) -> int:
    """Make the store's stories those of ``result``, as ``save_stories`` would, touching only
    what changed: a stored story whose JSON is unchanged keeps its row and its version
    comparison (the stored comparisons must have been made with the same ``max_versions``
    from articles not re-analysed since), a changed or new one is stored with a new
    comparison, and stories that are gone are removed. Return how many stories of several
    members are stored; ``counts``, when given, receives how many were stored anew
    (``rewritten``) and removed (``removed``)."""
    several = rewritten = 0
    with store.transaction():
        stored = store.stored_stories()
        wanted = set()
        for story in result.get("stories", []):
            members = story.get("members") or []
            if len(members) < 2:
                continue
            several += 1
            wanted.add(story["id"])
            if stored.get(story["id"]) == json.dumps(story, ensure_ascii=False):
                continue
            store.put_story(story, _comparison(store, story, max_versions))
            rewritten += 1
        gone = [i for i in stored if i not in wanted]
        store.delete_stories(gone)
    if counts is not None:
        counts.update(rewritten=rewritten, removed=len(gone))
    return several


def _comparison(store, story: dict, max_versions: int) -> dict | None:
    """The version comparison of a copy story's first ``max_versions`` stored members (None for
    an event story, or when fewer than two of them are stored)."""
    if story.get("kind") != "copy":
        return None
    members = story.get("members") or []
    articles = [a for a in (store.article(m["id"]) for m in members[:max_versions]) if a is not None]
    return compare(articles) if len(articles) > 1 else None

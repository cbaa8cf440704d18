"""What both compare renderers show, computed once: each version's text cut into pieces
(``shared``, ``kept``, ``reworded``, ``added``, ``furniture`` or plain), its header line and
one-line summary, and the lists of its additions, rewordings and omissions.

Labels come only from the ``unspun compare`` result (``unspun.stories.diff.compare``);
furniture ranges from the article. Text is returned raw: each renderer escapes it.

>>> from unspun.article import Article
>>> a = Article(text="Hi there.")
>>> v = {"index": 0, "segments": [{"start": 0, "end": 9, "label": "added", "voice": None,
...      "techniques": []}], "omitted": []}
>>> [(p.start, p.end, p.kind) for p in pieces(a, v)]
[(0, 9, 'added')]
>>> [(p.start, p.end, p.kind) for p in pieces(a, v, cuts={3})]
[(0, 3, 'added'), (3, 9, 'added')]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from unspun.article import Article, uncovered
from unspun.render import truncate

LABELS = ("shared", "kept", "reworded", "added")
LEGEND = (*LABELS, "furniture")
NAMES = {"shared": "shared with every other version", "kept": "kept (some versions cut it)",
         "reworded": "reworded (another version says it in other words)",
         "added": "added (in no other version)", "furniture": "page furniture (not compared)"}
RICH = {"shared": "dim", "kept": "blue", "reworded": "italic yellow", "added": "bold green", "furniture": "dim cyan"}
MARKERS = {"kept": ("{=", "=}"), "reworded": ("{~", "~}"), "added": ("{+", "+}")}
HOVER_CHARS = 160  # the other wording in a rewording's hover title is cut to this many characters


@dataclass(frozen=True, slots=True)
class Piece:
    """``[start, end)`` of a version's text; ``kind`` is a label, ``furniture`` or ``""``;
    ``note`` says the label, voice and techniques for a hover or a list; ``counterpart`` is a
    rewording's other wording as ``(version, start, end)``."""

    start: int
    end: int
    kind: str
    note: str = ""
    counterpart: tuple[int, int, int] | None = None


def counterpart_of(seg: dict) -> tuple[int, int, int] | None:
    """A segment's ``counterpart`` as ``(version, start, end)``, or None."""
    cp = seg.get("counterpart")
    if not isinstance(cp, dict):
        return None
    try:
        return int(cp["version"]), int(cp["start"]), int(cp["end"])
    except (KeyError, TypeError, ValueError):
        return None


def anchors(versions: list[dict]) -> dict[int, set[tuple[int, int]]]:
    """Per version index, the stretches ``(start, end)`` other versions link to (rewordings'
    counterparts and omitted stretches): renderers cut pieces at both ends and give the piece
    at each start an id."""
    out: dict[int, set[tuple[int, int]]] = {}
    for version in versions:
        for seg in version.get("segments") or []:
            cp = counterpart_of(seg)
            if cp is not None:
                out.setdefault(cp[0], set()).add((cp[1], cp[2]))
        for om in version.get("omitted") or []:
            out.setdefault(int(om["from"]), set()).add((int(om["start"]), int(om["end"])))
    return out


def pieces(article: Article, version: dict, cuts: Iterable[int] = (),
           articles: dict[int, Article] | None = None) -> list[Piece]:
    """The whole text of one version, cut at segment and furniture boundaries and at ``cuts``.
    With ``articles`` (by version index), a rewording's note quotes its counterpart's words."""
    n = len(article.text)
    found: list[tuple[int, int, str, str, tuple[int, int, int] | None]] = []
    for seg in version.get("segments", []):
        s, e = max(0, int(seg["start"])), min(n, int(seg["end"]))
        if e > s and seg.get("label") in LABELS:
            found.append((s, e, seg["label"], segment_note(seg, articles), counterpart_of(seg)))
    taken = sorted(found)
    for s, e in article.furniture():
        found += [(a, b, "furniture", "page furniture", None)
                  for a, b in uncovered(max(0, s), min(n, e), [(a, b) for a, b, *_ in taken])]
    found.sort(key=lambda c: (c[0], c[1]))
    out: list[Piece] = []
    pos = 0
    for s, e, kind, note, cp in found:
        s = max(s, pos)
        if e <= s:
            continue
        if s > pos:
            out.append(Piece(pos, s, ""))
        out.append(Piece(s, e, kind, note, cp))
        pos = e
    if pos < n:
        out.append(Piece(pos, n, ""))
    return _cut(out, sorted(c for c in set(cuts) if 0 < c < n))


def _cut(out: list[Piece], cuts: list[int]) -> list[Piece]:
    if not cuts:
        return out
    result: list[Piece] = []
    i = 0
    for p in out:
        start = p.start
        while i < len(cuts) and cuts[i] <= start:
            i += 1
        while i < len(cuts) and cuts[i] < p.end:
            result.append(Piece(start, cuts[i], p.kind, p.note, p.counterpart))
            start = cuts[i]
            i += 1
        result.append(Piece(start, p.end, p.kind, p.note, p.counterpart))
    return result


def segment_note(seg: dict, articles: dict[int, Article] | None = None) -> str:
    """``added · own voice · Loaded Language [120–180)``; a rewording with a known counterpart
    reads ``reworded · #2: “the other words” · ... [s–e)``."""
    parts = [seg.get("label", "")]
    cp = counterpart_of(seg)
    if cp is not None and seg.get("label") == "reworded":
        parts = [f"reworded \u00b7 #{cp[0]}: \u201c{truncate(other_words(cp, articles), HOVER_CHARS)}\u201d"
                 if articles and cp[0] in articles else f"reworded \u00b7 #{cp[0]}"]
    if seg.get("voice"):
        parts.append(f"{seg['voice']} voice" if seg["voice"] == "own" else str(seg["voice"]))
    parts += [str(t).replace("_", " ") for t in seg.get("techniques") or []]
    return " \u00b7 ".join(parts) + f" [{seg['start']}\u2013{seg['end']})"


def other_words(cp: tuple[int, int, int], articles: dict[int, Article] | None) -> str:
    """The text of a counterpart ``(version, start, end)``; empty when that version is unknown."""
    article = (articles or {}).get(cp[0])
    return article.text[max(0, cp[1]):max(0, cp[2])] if article is not None else ""


def by_index(versions: list[dict], articles: list[Article]) -> dict[int, Article]:
    """The articles keyed by their version's ``index``."""
    return {int(v["index"]): a for v, a in zip(versions, articles)}


def headline(article: Article, version: dict | None = None) -> str | None:
    """The version's title: the compare JSON's ``title``, else the article's metadata title,
    else the text of its first ``title`` span."""
    title = (version or {}).get("title") or article.meta.get("title")
    if title:
        return str(title)
    spans = article.layer("title")
    if not spans:
        return None
    return " ".join(article.span_text(spans[0]).split()) or None


def outlet_of(article: Article, version: dict | None = None) -> str | None:
    outlet = (version or {}).get("outlet") or article.meta.get("outlet")
    return str(outlet) if outlet else None


def where(article: Article) -> str:
    """Where the version was read: URL, or path (``:record`` for a record of a file), or its id."""
    source = article.source or {}
    place = source.get("url") or source.get("path") or article.id
    record = source.get("record")
    if record is not None and not source.get("url"):
        place = f"{place}:{record}"
    return str(place)


def display_title(article: Article, version: dict) -> str:
    """The version's headline, else its file name (else URL, else id)."""
    title = headline(article, version)
    if title:
        return title
    source = article.source or {}
    return os.path.basename(str(source.get("path") or "")) or str(source.get("url") or article.id)


def version_title(article: Article, version: dict, reference: int | None = None) -> str:
    """``#1 · Outlet · Title`` for a header (the file name when there is no title), with
    ``· reference`` on the reference version."""
    parts = [f"#{version['index']}", outlet_of(article, version), display_title(article, version)]
    if reference is not None and int(version["index"]) == int(reference):
        parts.append("reference")
    return " \u00b7 ".join(str(x) for x in parts if x)


def additions(version: dict) -> list[dict]:
    """The version's ``added`` segments, consecutive ones (across sentences) kept apart."""
    return [s for s in version.get("segments", []) if s.get("label") == "added"]


def rewordings(version: dict) -> list[dict]:
    """The version's ``reworded`` segments."""
    return [s for s in version.get("segments", []) if s.get("label") == "reworded"]


def label_chars(version: dict) -> dict[str, int]:
    """Characters per label in the version's segments."""
    out = {k: 0 for k in LABELS}
    for seg in version.get("segments", []):
        if seg.get("label") in out:
            out[seg["label"]] += max(0, int(seg["end"]) - int(seg["start"]))
    return out


def summary_line(version: dict) -> str:
    """Shares of the labelled characters, then how many additions, rewordings and omissions.

    >>> summary_line({"segments": [{"start": 0, "end": 3, "label": "added"}], "omitted": []})
    'shared 0%, kept 0%, reworded 0%, added 100% · 1 added, 0 reworded, 0 omitted'
    """
    chars = label_chars(version)
    total = sum(chars.values()) or 1
    shares = [f"{k} {chars[k] / total:.0%}" for k in chars]
    counts = (f"{len(additions(version))} added, {len(rewordings(version))} reworded, "
              f"{len(version.get('omitted') or [])} omitted")
    return ", ".join(shares) + " \u00b7 " + counts

"""What both compare renderers show, computed once: each version's text cut into pieces
(``shared``, ``reworded``, ``added``, ``furniture`` or plain), its header line, and the lists
of its additions and omissions.

Labels come only from the ``unspun compare`` result (``unspun.stories.diff.compare``);
furniture ranges from the article. Text is returned raw: each renderer escapes it.

>>> from unspun.article import Article
>>> a = Article(text="Hi there.")
>>> v = {"index": 0, "segments": [{"start": 0, "end": 9, "label": "added", "voice": None,
...      "techniques": []}], "omitted": []}
>>> [(p.start, p.end, p.kind) for p in pieces(a, v)]
[(0, 9, 'added')]
"""

from __future__ import annotations

from dataclasses import dataclass

from unspun.article import Article, uncovered

LABELS = ("shared", "reworded", "added")
NAMES = {"shared": "shared with another version", "reworded": "reworded (another version says it in other words)",
         "added": "added (in no other version)", "furniture": "page furniture (not compared)"}
RICH = {"shared": "dim", "reworded": "italic yellow", "added": "bold green", "furniture": "dim cyan"}
MARKERS = {"reworded": ("{~", "~}"), "added": ("{+", "+}")}


@dataclass(frozen=True, slots=True)
class Piece:
    """``[start, end)`` of a version's text; ``kind`` is a label, ``furniture`` or ``""``;
    ``note`` says the label, voice and techniques for a hover or a list."""

    start: int
    end: int
    kind: str
    note: str = ""


def pieces(article: Article, version: dict) -> list[Piece]:
    """The whole text of one version, cut at segment and furniture boundaries."""
    n = len(article.text)
    cuts: list[tuple[int, int, str, str]] = []
    for seg in version.get("segments", []):
        s, e = max(0, int(seg["start"])), min(n, int(seg["end"]))
        if e > s and seg.get("label") in LABELS:
            cuts.append((s, e, seg["label"], segment_note(seg)))
    taken = sorted(cuts)
    for s, e in article.furniture():
        cuts += [(a, b, "furniture", "page furniture") for a, b in uncovered(max(0, s), min(n, e), [(a, b) for a, b, _, _ in taken])]
    cuts.sort()
    out, pos = [], 0
    for s, e, kind, note in cuts:
        if s < pos:
            s = pos
        if e <= s:
            continue
        if s > pos:
            out.append(Piece(pos, s, ""))
        out.append(Piece(s, e, kind, note))
        pos = e
    if pos < n:
        out.append(Piece(pos, n, ""))
    return out


def segment_note(seg: dict) -> str:
    """``added · own voice · Loaded Language [120–180)``."""
    parts = [seg.get("label", "")]
    if seg.get("voice"):
        parts.append(f"{seg['voice']} voice" if seg["voice"] == "own" else str(seg["voice"]))
    parts += [str(t).replace("_", " ") for t in seg.get("techniques") or []]
    return " \u00b7 ".join(parts) + f" [{seg['start']}\u2013{seg['end']})"


def version_title(article: Article, version: dict) -> str:
    """``#1 · Outlet · path`` for a column header."""
    source = article.source or {}
    where = source.get("url") or source.get("path") or article.id
    record = source.get("record")
    if record is not None and not source.get("url"):
        where = f"{where}:{record}"
    outlet = article.meta.get("outlet")
    return " \u00b7 ".join(str(x) for x in (f"#{version['index']}", outlet, where) if x)


def additions(version: dict) -> list[dict]:
    """The version's ``added`` segments, consecutive ones (across sentences) kept apart."""
    return [s for s in version.get("segments", []) if s.get("label") == "added"]


def label_chars(version: dict) -> dict[str, int]:
    """Characters per label in the version's segments."""
    out = {k: 0 for k in LABELS}
    for seg in version.get("segments", []):
        if seg.get("label") in out:
            out[seg["label"]] += max(0, int(seg["end"]) - int(seg["start"]))
    return out

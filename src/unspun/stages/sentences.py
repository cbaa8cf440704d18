"""Adds a ``sentence`` span for every body sentence (voice ``own`` until attribution re-labels it).

The body is the text outside ``article.furniture()``. It is cut into paragraphs at line
breaks (a hard-wrapped line that ends mid-sentence and continues in lower case is joined to
the next), and paragraphs into sentences at ``. ! ? …`` — but never inside a quotation that
closes in the same paragraph, after a title or month abbreviation ("Gen.", "Sen.", "Mr.",
"Jan."), an initial ("J. R. R. Tolkien"), "No. 5", or a dotted abbreviation ("U.S.",
"a.m.") unless a typical sentence opener follows it. Pure Python: no model.

Spans start and end on non-space characters.

>>> from unspun.article import Article
>>> a = Article.from_text("Sen. J. R. Smith spoke in the U.S. Senate. “We won. Really,” he said.")
>>> [a.span_text(s) for s in sentences(a).layer("sentence")]
['Sen. J. R. Smith spoke in the U.S. Senate.', '“We won. Really,” he said.']
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from unspun.article import Article, strip_range
from unspun.text.quotes import find_quotes

# Abbreviations after which a period never ends a sentence.
_NEVER_END = frozenset("""
mr mrs ms messrs mmes dr prof gen sen rep reps gov lt col capt cpt sgt maj adm cmdr cdr brig
st mt ft rev fr hon pres supt insp atty sec amb gens sens
jan feb mar apr jun jul aug sep sept oct nov dec
vs v e.g i.e cf approx
""".split())
# Abbreviations that end a sentence only when a typical sentence opener follows.
_MAYBE_END = frozenset("jr sr inc co corp ltd llc plc bros etc al".split())
# ... and these only before a number ("No. 5", "Vol. 2", "p. 14").
_BEFORE_NUMBER = frozenset("no nos vol vols art p pp fig figs ch".split())
_OPENERS = frozenset("""
The A An He She It They We I You But And Or So Yet Still In On At By For From With Without
This That These Those There Then His Her Its Their Our My Your Some Many Most Several Few
If When While Although Though As After Before Since Until However Meanwhile Moreover
According Asked Earlier Later Last Next Now Today Yesterday Tomorrow What Who Why How Where
Mr Mrs Ms Dr No Not Nor Both All Each Every One Two Three Such Other Another Even Also Only
""".split())

# A short clause after a quotation that ends in ? or !: "Tom Reed asked.", "said Ana Ruiz."
_QUESTION_QUOTE = re.compile(r"[?!][”\"’']+$")
_TAIL = re.compile(r"\s+([^.!?\n“”\"]{1,60}?)\.(?=\s|$)")
_SUBJECT_PRONOUNS = frozenset("he she they we i it".split())
_END = re.compile(r"[.!?…]+[”\"’')\]]*(?=\s)")
_NEXT_WORD = re.compile(r"\s*([“\"‘'(\[]*)(\w+)")
_HAS_WORD = re.compile(r"\w")
_LINE_END = re.compile(r"[.!?…:;\"”’')\]]\s*$")


def _lines(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Paragraph ranges in ``[lo, hi)``: lines, with hard-wrapped continuations joined."""
    out: list[list[int]] = []
    pos = lo
    for piece in text[lo:hi].split("\n"):
        start, end = pos, pos + len(piece)
        pos = end + 1
        s, e = strip_range(text, start, end)
        if s >= e:
            out.append([])  # blank line: always a paragraph break
            continue
        if out and out[-1] and not _LINE_END.search(text, out[-1][0], out[-1][1]) and text[s].islower():
            out[-1][1] = e
        else:
            out.append([s, e])
    return [(p[0], p[1]) for p in out if p and _HAS_WORD.search(text, p[0], p[1])]


def _attribution_tail(text: str, at: int, hi: int) -> bool:
    """Whether a short "Name verb." / "verb Name." / "he verb." clause starts at ``at``."""
    m = _TAIL.match(text, at, hi)
    if m is None:
        return False
    words = m.group(1).split()
    lower = [w for w in words if w[0].islower()]
    if lower and lower[0] in _SUBJECT_PRONOUNS:
        lower = lower[1:]
    return 2 <= len(words) <= 4 and len(lower) == 1 and (words[0][0].isupper() or words[0] == lower[0])


def _ends_sentence(text: str, lo: int, stop: int, after: int, hi: int) -> bool:
    """Whether the terminal punctuation ending at ``stop`` (next text from ``after``) ends a sentence."""
    m = _NEXT_WORD.match(text, after, hi)
    if m is None:
        return after < hi and not text[after:hi].strip()[:1].islower()
    first = m.group(2)
    if first[0].islower():
        return False
    if _QUESTION_QUOTE.search(text, max(lo, stop - 4), stop) and _attribution_tail(text, after, hi):
        return False  # “Why now?” Tom Reed asked.
    # the word before the final period, read backwards from ``stop`` (never the whole sentence so
    # far: a paragraph of "Mr. Mr. Mr. ..." would cost quadratic time)
    end = stop
    while end > lo and text[end - 1] in "”\"’')]":
        end -= 1
    if end <= lo or text[end - 1] != "." or (end - 2 >= lo and text[end - 2] == "."):
        return True
    last = end - 1  # the word ends here (or before a line break there, as a regex's ``$`` reads)
    if last - 1 >= lo and text[last - 1] == "\n":
        last -= 1
    begin = last
    while begin > lo and not text[begin - 1].isspace():
        begin -= 1
    if begin == last:
        return True
    word = text[begin:last].lstrip("(“\"‘'[").lower()
    if word in _NEVER_END:
        return False
    if word in _BEFORE_NUMBER:
        return not first[0].isdigit()
    if word in _MAYBE_END or "." in word:  # Inc., U.S., a.m.
        return first in _OPENERS
    if len(word) == 1 and word.isalpha():  # an initial: J. R. R. Tolkien
        return False
    return True


def _split(text: str, lo: int, hi: int, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence ranges of the paragraph ``[lo, hi)``; no break inside ``protected`` ranges."""
    out: list[tuple[int, int]] = []
    start = lo
    protected = sorted(protected)
    k, reach = 0, -1  # reach: the furthest end of the protected ranges that start before ``stop``
    for m in _END.finditer(text, lo, hi):
        stop = m.end()
        while k < len(protected) and protected[k][0] < stop:
            reach = max(reach, protected[k][1])
            k += 1
        if reach > stop:
            continue
        if not _ends_sentence(text, start, stop, stop, hi):
            continue
        s, e = strip_range(text, start, stop)
        if s < e:
            out.append((s, e))
        start = stop
    s, e = strip_range(text, start, hi)
    if s < e:
        out.append((s, e))
    return out


def _body(article: Article) -> list[tuple[int, int]]:
    ranges, pos = [], 0
    for start, end in article.furniture():
        if start > pos:
            ranges.append((pos, start))
        pos = max(pos, end)
    if pos < len(article.text):
        ranges.append((pos, len(article.text)))
    return ranges


def sentences(article: Article) -> Article:
    """Add one ``sentence`` span (label ``own``) per body sentence; replaces earlier ones."""
    text = article.text
    article.spans = [s for s in article.spans if s.layer != "sentence"]
    paragraphs = [p for lo, hi in _body(article) for p in _lines(text, lo, hi)]
    closed = sorted((piece.outer_start, piece.outer_end) for q in find_quotes(text, paragraphs)
                    for piece in q.pieces if piece.closed)
    starts = [a for a, _ in closed]
    for lo, hi in paragraphs:
        inside = closed[bisect_right(starts, lo - 1):bisect_left(starts, hi)]
        for s, e in _split(text, lo, hi, inside):
            if _HAS_WORD.search(text, s, e):
                article.add("sentence", s, e, "own")
    return article

"""Adds who-said-what: ``quote``, ``source``, ``cue`` and ``content`` spans, and the voice of
every body sentence.

Rule-based (issue 4 adds a learned tagger; these rules stay as its fallback):

1. Quotations come from the quote marks (``text/quotes.py``), over the paragraphs that
   the ``sentence`` spans make up.
2. Cues come from one spaCy parse of the body paragraphs (``stages/cues.py``): reporting
   verbs with their subject, and "according to X". A cue inside a quotation is the
   speaker's own words and is ignored.
3. A quotation is linked to a cue when they touch ("“...,” Khamenei said", "he said:
   “...”", "“A,” he said, “B.”", "“...?” she asked" even when that is its own sentence), or
   when the cue's sentence ends with a colon just before it. A quotation that opens a
   sentence later in the same paragraph continues the relation of the quotation before it
   (“A,” he said. “B.”); one that opens the next paragraph keeps that speaker in a new
   relation. Any other quotation of five words or more is a direct quote with an unknown
   speaker; shorter ones are scare quotes and are left alone.
4. A cue without a linked quotation reports indirect speech: its content is the verb's
   clause or, for "according to", the clause it qualifies. A cue with no content is dropped.
5. Speakers are resolved to canonical names (``stages/speakers.py``): people by their full
   name without titles, organisations and places by their own name, anyone else None.

Output, per attribution (``relation`` numbered from 1 in text order):

- ``quote`` spans: ``direct`` over the quoted words, marks excluded (one span per
  contiguous piece), or ``indirect`` over the reported content; attrs ``speaker``, ``cue``,
  ``source`` (lists of ``[start, end]``) and ``relation``. A quotation inside indirect
  content ("he said the deal was “a disaster”") is a ``direct`` quote of the same relation.
- ``source``, ``cue``, ``content`` spans (label ``""``) with ``relation`` and ``speaker``,
  PolNeAR-style: direct content includes its quote marks; a quote split around its cue is
  several ``content`` spans of one relation.
- every ``sentence`` span re-labelled: ``quote`` when more than half of its non-space
  characters are quoted words, ``attributed`` when it holds a cue or source, else ``own``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from unspun.article import Article, Span, merge_ranges
from unspun.stages.cues import Cue, find_cues
from unspun.stages.parsing import parse
from unspun.stages.speakers import Speakers
from unspun.text.quotes import Quote, find_quotes

_MIN_UNLINKED_WORDS = 5
_TOUCH_BEFORE = re.compile(r"[\s,;:—–-]*")  # between a quote's closing mark and its cue
_TOUCH_AFTER = re.compile(r"(?:[\s,;:—–-]*|[^“”\"]*[,:][\s—–-]*)")  # between a cue and its quote
_WORD = re.compile(r"\w+")


@dataclass
class _Relation:
    cue: Cue | None = None
    quotes: list[Quote] = field(default_factory=list)  # direct content
    indirect: list[tuple[int, int]] = field(default_factory=list)
    inner_quotes: list[Quote] = field(default_factory=list)  # quoted words inside indirect content
    follows: "_Relation | None" = None  # a cue-less quotation takes the speaker of this one
    speaker: str | None = None

    def first(self) -> int:
        starts = [q.pieces[0].outer_start for q in self.quotes] + [s for s, _ in self.indirect]
        if self.cue is not None:
            starts.append(self.cue.clause[0])
        return min(starts)


def _paragraphs(text: str, sentences: list[Span]) -> list[tuple[int, int]]:
    """Paragraph ranges: runs of sentences with no line break between them."""
    out: list[list[int]] = []
    for s in sentences:
        if out and "\n" not in text[out[-1][1]:s.start]:
            out[-1][1] = s.end
        else:
            out.append([s.start, s.end])
    return [(a, b) for a, b in out]


def _index(ranges: list[tuple[int, int]], pos: int) -> int | None:
    """Index of the range in sorted, disjoint ``ranges`` that holds ``pos``."""
    lo, hi = 0, len(ranges)
    while lo < hi:
        mid = (lo + hi) // 2
        if ranges[mid][1] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo < len(ranges) and ranges[lo][0] <= pos else None


class _Pieces:
    """Quote pieces in text order, for quick look-ups by position."""

    def __init__(self, quotes: list[Quote]):
        self.items = sorted(((p.outer_start, p.outer_end, p, q) for q in quotes for p in q.pieces),
                            key=lambda item: item[0])
        self.starts = [item[0] for item in self.items]
        self.firsts = [q.pieces[0].outer_start for q in quotes]  # quotes are sorted by this
        self.quotes = quotes

    def between(self, lo: int, hi: int):
        """(piece, quote) for pieces opening in ``[lo, hi)``."""
        for _, _, p, q in self.items[bisect_left(self.starts, lo):bisect_left(self.starts, hi)]:
            yield p, q

    def holding(self, a: int, b: int, inner: bool = False):
        """Quotes with a piece that holds ``[a, b)`` (with its marks, or its words only when ``inner``)."""
        k = bisect_right(self.starts, a) - 1  # pieces never overlap: only this one can
        if k >= 0:
            start, end, p, q = self.items[k]
            if (p.start <= a and b <= p.end) if inner else (start <= a and b <= end):
                yield q

    def next_quote(self, pos: int) -> Quote | None:
        """The first quote opening at or after ``pos``."""
        k = bisect_left(self.firsts, pos)
        return self.quotes[k] if k < len(self.quotes) else None


def _close_marks(text: str, rng: tuple[int, int], pieces: _Pieces) -> tuple[int, int]:
    """Extend content over the end of a quotation it opens: ... was “a disaster.”"""
    a, b = rng
    for p, _ in pieces.between(a, b):
        if b < p.outer_end and not text[b:p.outer_end].strip(".,;:!?”\"’' "):
            return a, p.outer_end
    return a, b


def _link_cues(text: str, pieces: _Pieces, cues: list[Cue], sents: list[tuple[int, int]],
               owner: dict[int, _Relation]) -> list[_Relation]:
    """One relation per cue that has a touching quotation or indirect content."""
    relations = []
    anchors = [c.anchor for c in cues]  # in text order
    for cue in cues:
        cs, ce = cue.clause
        si = _index(sents, cue.anchor)
        if si is None:
            continue
        rel = _Relation(cue=cue)
        own_content = any(not any(pieces.holding(a, b)) for a, b in cue.content)
        # “...,” he said  /  “...?” he asked, when that is a sentence of its own
        for p, q in pieces.between(sents[max(si - 1, 0)][0], cs):
            if (id(q) not in owner and q not in rel.quotes and p.outer_end <= cs
                    and _TOUCH_BEFORE.fullmatch(text, p.outer_end, cs)
                    and (_index(sents, p.start) == si
                         or (si > 0 and sents[si - 1][1] == p.outer_end and not own_content))):
                rel.quotes.append(q)
        after = pieces.next_quote(ce)
        if after is not None and id(after) not in owner:  # he said: “...”
            opens = after.pieces[0].outer_start
            at = _index(sents, opens)
            colon = text[sents[si][1] - 1] == ":"
            if ((at == si or (colon and at == si + 1)) and _TOUCH_AFTER.fullmatch(text, ce, opens)
                    and bisect_left(anchors, ce) == bisect_left(anchors, opens)):  # no cue nearer to it
                rel.quotes.append(after)
        if rel.quotes:
            for q in rel.quotes:
                owner[id(q)] = rel
        elif cue.content and not cue.direct_only and not any(
                id(q) in owner for a, b in cue.content for q in pieces.holding(a, b)):
            rel.indirect = [_close_marks(text, r, pieces) for r in cue.content]
        else:
            continue
        relations.append(rel)
    for rel in relations:  # quoted words inside indirect content: “a disaster”
        for a, b in rel.indirect:
            rel.inner_quotes += [q for p, q in pieces.between(a, b)
                                 if id(q) not in owner and q.end <= b + 1 and q not in rel.inner_quotes]
    return relations


def _link_rest(text: str, quotes: list[Quote], sents: list[tuple[int, int]], paras: list[tuple[int, int]],
               owner: dict[int, _Relation], inner: set[int]) -> list[_Relation]:
    """Relations for quotations that no cue touches."""
    relations = []
    last: _Relation | None = None  # the relation of the latest direct quotation
    for q in quotes:
        if id(q) in inner:
            continue
        if id(q) in owner:
            last = owner[id(q)]
            continue
        first = q.pieces[0]
        pi = _index(paras, first.outer_start)
        last_pi = _index(paras, last.quotes[-1].pieces[-1].outer_start) if last is not None else None
        si = _index(sents, first.outer_start)
        starts_sentence = si is not None and sents[si][0] == first.outer_start
        if last is not None and last_pi == pi and starts_sentence:  # “A,” he said. “B.”
            last.quotes.append(q)
        elif last is not None and pi is not None and last_pi == pi - 1 and first.outer_start == paras[pi][0]:
            last = _Relation(quotes=[q], follows=last)  # the next paragraph goes on quoting
            relations.append(last)
        elif len(_WORD.findall(text, first.start, q.end)) >= _MIN_UNLINKED_WORDS:
            last = _Relation(quotes=[q])
            relations.append(last)
        else:
            continue  # scare quotes
        owner[id(q)] = last
    return relations


def _resolve(relations: list[_Relation], speakers: Speakers, paras: list[tuple[int, int]]) -> None:
    for rel in relations:  # in text order, so a cue-less quotation finds its predecessor resolved
        if rel.cue is not None:
            d = _index(paras, rel.cue.anchor)
            rel.speaker = speakers.resolve(rel.cue.source_head, d, paras[d][0])
            if rel.speaker:
                speakers.note(rel.cue.source[0], rel.speaker)
        elif rel.follows is not None:
            rel.speaker = rel.follows.speaker


def _emit(article: Article, relations: list[_Relation]) -> None:
    for k, rel in enumerate(relations, start=1):
        cue = rel.cue
        cues = [list(r) for r in cue.cue] if cue else []
        sources = [list(cue.source)] if cue else []
        parts = dict(relation=k, speaker=rel.speaker)
        quote_attrs = dict(speaker=rel.speaker, cue=cues, source=sources, relation=k)
        if cue is not None:
            article.add("source", *cue.source, **parts)
            for s, e in cue.cue:
                article.add("cue", s, e, **parts)
        for q in rel.quotes:
            for p in q.pieces:
                article.add("content", p.outer_start, p.outer_end, **parts)
        for s, e in rel.indirect:
            article.add("content", s, e, **parts)
            article.add("quote", s, e, "indirect", **quote_attrs)
        for q in rel.quotes + rel.inner_quotes:
            for p in q.pieces:
                if p.start < p.end:
                    article.add("quote", p.start, p.end, "direct", **quote_attrs)


def _voice(article: Article, credited: list[tuple[int, int]] | None = None) -> None:
    """Re-label every sentence span by how much of it is quoted and whether it has a cue.

    ``credited``: the cue/source ranges that make a sentence ``attributed`` (default: all)."""
    text = article.text
    solid = [0]  # solid[i]: non-space characters in text[:i]
    for ch in text:
        solid.append(solid[-1] + (not ch.isspace()))
    quoted = merge_ranges((s.start, s.end) for s in article.spans if s.layer == "quote" and s.label == "direct")
    if credited is None:
        credited = [(s.start, s.end) for s in article.spans if s.layer in ("cue", "source")]
    # sweeps over sorted ranges, so that a long article costs no time quadratic in its length
    q_ends = [b for _, b in quoted]  # merged: disjoint and sorted, ends sorted too
    credited = sorted(credited)
    c_starts = [a for a, _ in credited]
    reach = []  # reach[i]: the furthest end among credited[:i + 1]
    for _, b in credited:
        reach.append(max(b, reach[-1]) if reach else b)
    relabelled = []
    for sent in article.spans:
        if sent.layer != "sentence":
            continue
        chars = solid[sent.end] - solid[sent.start]
        inside = 0
        i = bisect_right(q_ends, sent.start)
        while i < len(quoted) and quoted[i][0] < sent.end:
            a, b = quoted[i]
            inside += solid[min(b, sent.end)] - solid[max(a, sent.start)]
            i += 1
        j = bisect_left(c_starts, sent.end)  # credited[:j] start before the sentence ends
        if chars and inside * 2 > chars:
            label = "quote"
        elif j and reach[j - 1] > sent.start:
            label = "attributed"
        else:
            label = "own"
        relabelled.append(Span(sent.start, sent.end, "sentence", label, dict(sent.attrs)))
    article.spans = [s for s in article.spans if s.layer != "sentence"] + relabelled


def attribution(article: Article) -> Article:
    """Add quote/source/cue/content spans and re-label the voice of every sentence span."""
    text = article.text
    for layer in ("quote", "source", "cue", "content"):
        article.spans = [s for s in article.spans if s.layer != layer]
    sentence_spans = article.layer("sentence")
    if not sentence_spans:
        return article
    sents = [(s.start, s.end) for s in sentence_spans]
    paras = _paragraphs(text, sentence_spans)
    quotes = sorted(find_quotes(text, paras), key=lambda q: q.pieces[0].outer_start)
    docs = parse([text[a:b] for a, b in paras])
    cues = [c for doc, (a, _) in zip(docs, paras) for c in find_cues(doc, a)]
    pieces = _Pieces(quotes)
    cues = [c for c in cues if not any(pieces.holding(c.anchor, c.anchor + 1, inner=True))]
    owner: dict[int, _Relation] = {}
    relations = _link_cues(text, pieces, cues, sents, owner)
    inner = {id(q) for r in relations for q in r.inner_quotes}
    relations += _link_rest(text, quotes, sents, paras, owner, inner)
    relations.sort(key=_Relation.first)
    _resolve(relations, Speakers(docs, [a for a, _ in paras]), paras)
    _emit(article, relations)
    _voice(article)
    return article

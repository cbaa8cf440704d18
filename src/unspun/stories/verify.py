"""Verify a candidate pair by aligning sentences: are the two documents versions of one text?

Each sentence of one document finds the sentence of the other sharing most content words;
it is aligned when they share at least 60% of its content words (and ``min_words``). Two
documents are copies when at least two sentences align and the aligned sentences make up at
least half the content words of one of them (``COPY_COVER``), or when four or more align and
cover 30% — a version that kept a third of a wire story plus its own additions still
qualifies; two independent reports of one event, sharing names but not sentences, do not.

Pairs the lexical evidence cannot settle — some aligned sentence, covering 20% or more of one
text, but not enough for the rule above — are ``grey``: these would go to sentence
embeddings (``settle``, the MiniLM hook) and, without them, count as not copies. Pairs that
share only a date line or an outlet's furniture line cover less and are simply not copies.

>>> import numpy as np
>>> a_w = np.array([1, 2, 3, 4, 5, 6, 7, 8], dtype=np.uint32); a_s = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=np.uint16)
>>> b_w = np.array([1, 2, 3, 9, 5, 6, 7, 8, 10], dtype=np.uint32); b_s = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1], dtype=np.uint16)
>>> v = compare_sentences(a_w, a_s, b_w, b_s)
>>> v.aligned, v.copy
(2, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALIGN = 0.6       # share of a sentence's content words found in its partner
COPY_COVER = 0.5  # share of a document's content words in aligned sentences
MANY, MANY_COVER = 4, 0.3  # or: this many aligned sentences covering this share
GREY_COVER = 0.2


@dataclass(frozen=True, slots=True)
class Verdict:
    """``aligned`` sentences (the fewer of the two directions), the share of each document's
    content words that lies in aligned sentences, and the decision."""

    aligned: int
    cover_a: float
    cover_b: float
    copy: bool
    grey: bool


NO = Verdict(0, 0.0, 0.0, False, False)


def compare_sentences(wa: np.ndarray, sa: np.ndarray, wb: np.ndarray, sb: np.ndarray,
                      min_words: int = 3) -> Verdict:
    """Align the sentences of document A (``wa`` word hashes, ``sa`` sentence ids) and B."""
    if not len(wa) or not len(wb):
        return NO
    sa = sa.astype(np.int64)
    sb = sb.astype(np.int64)
    la, lb = np.bincount(sa), np.bincount(sb)
    ob = np.argsort(wb, kind="stable")
    wbs, sbs = wb[ob], sb[ob]
    lo = np.searchsorted(wbs, wa, "left")
    cnt = np.searchsorted(wbs, wa, "right") - lo
    hit = cnt > 0
    if not hit.any():
        return NO
    c = cnt[hit]
    ia = np.repeat(np.flatnonzero(hit), c)
    ib = np.repeat(lo[hit], c) + (np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c))
    na, nb = len(la), len(lb)
    m = np.bincount(sa[ia] * nb + sbs[ib], minlength=na * nb).reshape(na, nb)
    m = np.minimum(m, np.minimum(la[:, None], lb[None, :]))
    best_a, best_b = m.max(axis=1), m.max(axis=0)
    ok_a = (la >= min_words) & (best_a >= np.maximum(min_words, np.ceil(ALIGN * la)))
    ok_b = (lb >= min_words) & (best_b >= np.maximum(min_words, np.ceil(ALIGN * lb)))
    aligned = int(min(ok_a.sum(), ok_b.sum()))
    cover_a = float(la[ok_a].sum() / la.sum())
    cover_b = float(lb[ok_b].sum() / lb.sum())
    cover = max(cover_a, cover_b)
    copy = (aligned >= 2 and cover >= COPY_COVER) or (aligned >= MANY and cover >= MANY_COVER)
    grey = not copy and aligned >= 1 and cover >= GREY_COVER
    return Verdict(aligned, round(cover_a, 4), round(cover_b, 4), copy, grey)

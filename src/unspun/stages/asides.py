"""Asides: the outlet's own clause inside a reported sentence.

A partisan republication often appends its own words to a wire sentence that reports someone:
"Khamenei also leveled a veiled swipe at those who favored a deal – despite the fact that he
himself gave the deal his blessing." The sentence is ``attributed``; its last clause is the
outlet speaking. ``asides(article)`` adds an ``aside`` span (label ``own``) over such a clause in
every ``quote`` or ``attributed`` sentence, outside quotation marks:

- a dash clause opened by a concessive or contrastive word: "– though ...", "— despite the
  fact that ...", "– even as ...", "– while ...", "– in reality ...";
- a comma clause opened by "though", "although", "even though", "even as", "despite the fact
  that" or "in reality".

The span runs from the opening word to the next dash or the sentence's final punctuation.
Relative clauses (", who has long ...,") are left alone: whether one is the outlet's
judgement or a fact needs more than their form.
"""

from __future__ import annotations

import re

from unspun.article import Article
from unspun.stages.relations import Ranges

_OPENERS = (r"though|although|even\s+though|even\s+as|even\s+if|despite(?:\s+the\s+fact\s+that)?|"
            r"in\s+reality|in\s+fact|notwithstanding|whereas")
_DASH = re.compile(r"\s[–—]\s*(?=(?:" + _OPENERS + r"|while)\b)", re.IGNORECASE)
_COMMA = re.compile(r",\s+(?=(?:though|although|even\s+though|even\s+as|despite\s+the\s+fact\s+that|in\s+reality)\b)",
                    re.IGNORECASE)
_CLAUSE_END = re.compile(r"\s[–—]\s|[.!?;][\"”’)]*\s*$")


def asides(article: Article) -> Article:
    """Add ``aside`` spans (label ``own``) in reported sentences; replaces earlier ones."""
    article.spans = [s for s in article.spans if s.layer != "aside"]
    text = article.text
    quoted = Ranges((s.start, s.end) for s in article.spans if s.layer == "quote" and s.label == "direct")
    for sent in article.layer("sentence"):
        if sent.label not in ("quote", "attributed"):
            continue
        found: list[tuple[int, int]] = []  # this sentence's asides (a clause is found once)
        for pattern in (_DASH, _COMMA):
            for m in pattern.finditer(text, sent.start, sent.end):
                start = m.end()
                end_m = _CLAUSE_END.search(text, start, sent.end)
                end = end_m.start() if end_m else sent.end
                while end > start and text[end - 1] in " ,":
                    end -= 1
                if (len(text[start:end].split()) < 3 or quoted.overlaps(start, end)
                        or any(a < end and start < b for a, b in found)):
                    continue
                found.append((start, end))
                article.add("aside", start, end, "own")
    return article

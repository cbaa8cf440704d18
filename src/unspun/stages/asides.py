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

- a relative clause set off by a comma that describes the source of the sentence: "Israel,
  which rarely acknowledges such strikes, said ...", "..., said Le Pen, who has also garnered
  attention for ...", "according to X, a group that has been monitoring the protests". A
  speaker does not describe themselves in the third person: these are the outlet's words,
  whether background or judgement. The clause runs to the next comma, dash or the sentence's
  end. A relative clause inside what the source is reported to say ("Varga said the firm,
  which opened in 1998, would ...") is left alone: whose words it is cannot be told from
  its form.
"""

from __future__ import annotations

import bisect
import re

from unspun.article import Article
from unspun.stages.relations import Ranges
from unspun.text.lexicon import SPEECH_FORMS

_OPENERS = (r"though|although|even\s+though|even\s+as|even\s+if|despite(?:\s+the\s+fact\s+that)?|"
            r"in\s+reality|in\s+fact|notwithstanding|whereas")
_DASH = re.compile(r"\s[–—]\s*(?=(?:" + _OPENERS + r"|while)\b)", re.IGNORECASE)
_COMMA = re.compile(r",\s+(?=(?:though|although|even\s+though|even\s+as|despite\s+the\s+fact\s+that|in\s+reality)\b(?!,))",
                    re.IGNORECASE)  # ", though," is an adverb ("The field is split, though, with ..."), no clause
_CLAUSE_END = re.compile(r"\s[–—]\s|[.!?;][\"”’)]*\s*$")
_RELATIVE = re.compile(r",\s+(?=(?:who|whom|whose|which)\b|(?:an?|the)\s+\w+(?:\s+\w+)?\s+(?:that|which|who)\b)",
                       re.IGNORECASE)
# sources that do not make a clause a report: possessives (the "source" of a noun cue)
_POSSESSIVES = frozenset({"his", "her", "its", "their", "our", "my", "your"})
_RELATIVE_END = re.compile(r",|\s[–—]\s|[.!?;][\"”’)]*\s*$")


def asides(article: Article) -> Article:
    """Add ``aside`` spans (label ``own``) in reported sentences; replaces earlier ones."""
    article.spans = [s for s in article.spans if s.layer != "aside"]
    text = article.text
    quoted = Ranges((s.start, s.end) for s in article.spans if s.layer == "quote" and s.label == "direct")
    # A clause that reports someone inside it ("which he said were ...", "though 32 percent said
    # ...", "who said in an interview that ...") is not the outlet's own words: a speech cue in
    # the clause whose source stands there too (a possessive is no source: "attention for her
    # remarks").
    speech_cues = sorted((s.start, s.end, s.attrs.get("relation")) for s in article.spans
                         if s.layer == "cue" and s.attrs.get("kind") == "speech" and s.attrs.get("relation") is not None)
    cue_starts = [c[0] for c in speech_cues]
    sources_of: dict = {}
    for s in article.layer("source"):
        if text[s.start:s.end].strip(" ,").lower() not in _POSSESSIVES:
            sources_of.setdefault(s.attrs.get("relation"), []).append((s.start, s.end))

    def reports(start: int, end: int) -> bool:
        for c_start, c_end, rel in speech_cues[bisect.bisect_left(cue_starts, start):bisect.bisect_left(cue_starts, end)]:
            if c_end <= end and any(start <= a and b <= end for a, b in sources_of.get(rel, ())):
                return True
        return False

    sources: dict[int, list] = {}  # sentence start -> the source spans inside it
    sentences = sorted((s.start, s.end) for s in article.layer("sentence"))
    starts = [a for a, _ in sentences]
    for src in article.layer("source"):
        i = bisect.bisect_right(starts, src.start) - 1
        if i >= 0 and src.start < sentences[i][1]:
            sources.setdefault(sentences[i][0], []).append(src)
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
                if (len(text[start:end].split()) < 3 or quoted.overlaps(start, end) or reports(start, end)
                        or any(a < end and start < b for a, b in found)):
                    continue
                found.append((start, end))
                article.add("aside", start, end, "own")
        for m in _RELATIVE.finditer(text, sent.start, sent.end):
            start = m.end()
            end_m = _RELATIVE_END.search(text, start, sent.end)
            end = end_m.start() if end_m else sent.end
            if text.count("“", start, end) > text.count("”", start, end):  # 'the show “Last Week Tonight,”'
                close = text.find("”", end, min(end + 2, sent.end))
                end = close + 1 if close >= 0 else end
            if (len(text[start:end].split()) < 3 or quoted.overlaps(start, end) or reports(start, end)
                    or any(w.lower().strip(",") in SPEECH_FORMS for w in text[start:end].split()[1:2])  # "who said ..."
                    or any(a < end and start < b for a, b in found)
                    or not any(src.start <= m.start() <= src.end or (src.start < end and start < src.end)
                               for src in sources.get(sent.start, ()))):
                continue
            found.append((start, end))
            article.add("aside", start, end, "own")
    return article

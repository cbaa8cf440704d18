"""Relation kinds and the quote table, after either attribution path (rules or learned).

Every attribution relation (its ``source``, ``cue`` and ``content`` spans share ``relation``)
gets a ``kind`` attr:

- ``speech``: said, told, added, according to, wrote, announced, ... or a quotation;
- ``stance``: supports, rejects, demands, complains, believes, fears, wants, favours, ...;
- ``other``: anything else the tagger linked ("leveled a swipe at", "have been").

The ``source``/``cue``/``content`` layers keep every relation (PolNeAR scoring reads them);
the ``quote`` layer keeps speech only, with ``kind`` in its attrs, and not a reported
"content" that is only a pronoun or a word or two. Two repairs that both paths need:

- a speech cue with no source of its own shares the speaker of an earlier cue of the same
  sentence ("Khamenei repeated demands ... and said Washington ...");
- a speech cue whose reported clause stands before it ("Iran will never ..., Khamenei said
  in remarks published Sunday") gets that clause as its content when the path gave none.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from unspun.article import Article, Span, merge_ranges
from unspun.text.lexicon import SPEECH, inflections

SPEECH_KIND, STANCE_KIND, OTHER_KIND = "speech", "stance", "other"
_STANCE_VERBS = frozenset("""
support back oppose reject demand complain believe think feel fear hope expect worry doubt reckon
suspect want wish favor favour prefer welcome agree disagree accept refuse endorse applaud condemn
criticize criticise denounce blame accuse praise defend
""".split())
STANCE_FORMS = inflections(_STANCE_VERBS) | frozenset(
    "fearful afraid worried concerned hopeful confident convinced sure skeptical sceptical opposed "
    "supportive critical wary support demands backing opposition thought felt".split())
SPEECH_ONLY_FORMS = inflections(SPEECH - _STANCE_VERBS - {"question", "wonder", "charge"}) | frozenset(
    "according said says saying told telling wrote written writing spoke spoken".split())
_WORD = re.compile(r"[A-Za-z]+")
_STUB = frozenset("""
it its it's this that these those he him his she her hers they them their theirs we us our i me my
you your one ones so such which who what
""".split())
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s")


def relation_kind(cue_words: list[str], has_quotation: bool) -> str:
    """``speech``, ``stance`` or ``other`` for a relation with these cue words.

    >>> relation_kind(["said", "in", "remarks", "published"], False), relation_kind(["repeated", "demands"], False)
    ('speech', 'stance')
    >>> relation_kind(["still", "fearful", "of"], False), relation_kind(["also", "leveled"], False)
    ('stance', 'other')
    """
    words = [w.lower() for w in cue_words]
    if has_quotation:
        return SPEECH_KIND
    if words and words[-1] in STANCE_FORMS:
        return STANCE_KIND  # the head: "repeated demands", "voiced support"
    if any(w in SPEECH_ONLY_FORMS for w in words):
        return SPEECH_KIND
    if any(w in STANCE_FORMS for w in words):
        return STANCE_KIND
    return OTHER_KIND


def classify_relations(article: Article) -> Article:
    """Set ``kind`` on every relation's spans, keep speech alone in the ``quote`` layer, and
    make the two repairs of the module docstring."""
    text = article.text
    groups: dict[int, list[Span]] = {}
    for span in article.spans:
        rel = span.attrs.get("relation")
        if span.layer in ("source", "cue", "content", "quote") and rel is not None:
            groups.setdefault(rel, []).append(span)
    if not groups:
        return article
    sentences = Ranges(((s.start, s.end) for s in article.spans if s.layer == "sentence"), merge=False)
    info = {}
    for rel, spans in groups.items():
        cues = sorted((s for s in spans if s.layer == "cue"), key=lambda s: s.start)
        words = [w for c in cues for w in _WORD.findall(text[c.start:c.end])]
        direct = any(s.layer == "quote" and s.label == "direct" for s in spans) or (
            not cues and any(s.layer == "content" for s in spans))
        info[rel] = {"kind": relation_kind(words, direct), "cues": cues,
                     "sources": [s for s in spans if s.layer == "source"],
                     "speaker": next((s.attrs.get("speaker") for s in spans if s.attrs.get("speaker")), None)}
    _share_coordinated_speakers(info, sentences, text)
    added = _content_before_cue(article, info, groups, sentences)
    # from here on only each relation's kind and speaker are read; the spans are rebuilt one by
    # one and each old span is let go as its copy is made (a long article holds hundreds of
    # thousands: two full sets at once were the analysis's peak)
    info = {rel: {"kind": m["kind"], "speaker": m["speaker"]} for rel, m in info.items()}
    del groups
    spans, article.spans = article.spans, []
    spans.extend(added)
    del added
    out = []
    for i in range(len(spans)):
        span, spans[i] = spans[i], None
        rel = span.attrs.get("relation")
        if rel is None or rel not in info or span.layer not in ("source", "cue", "content", "quote"):
            out.append(span)
            continue
        meta = info[rel]
        if span.layer == "quote" and (meta["kind"] != SPEECH_KIND or (span.label == "indirect" and _stub(text, span))):
            continue
        attrs = dict(span.attrs)
        attrs["kind"] = meta["kind"]
        if meta["speaker"] and not attrs.get("speaker"):
            attrs["speaker"] = meta["speaker"]
        out.append(Span(span.start, span.end, span.layer, span.label, attrs))
    article.spans = out
    return article


class Ranges:
    """Sorted, disjoint ``[start, end)`` ranges, looked up by bisection (an article may hold
    thousands of sentences and relations: no scan per relation)."""

    def __init__(self, ranges, merge: bool = True):
        self.ranges = merge_ranges(ranges) if merge else sorted(ranges)  # sentences are disjoint already
        self.starts = [a for a, _ in self.ranges]

    def at(self, pos: int) -> tuple[int, int] | None:
        """The range holding ``pos``, or None."""
        i = bisect_right(self.starts, pos) - 1
        return self.ranges[i] if i >= 0 and pos < self.ranges[i][1] else None

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start) - 1
        return any(a < end and start < b for a, b in self.ranges[max(i, 0):i + 2])


def _share_coordinated_speakers(info: dict, sentences: Ranges, text: str) -> None:
    """A speech cue without a source takes the speaker of the nearest earlier cue of its sentence."""
    ordered = sorted((m["cues"][0].start, rel) for rel, m in info.items() if m["cues"])
    for i, (start, rel) in enumerate(ordered):
        meta = info[rel]
        if meta["kind"] != SPEECH_KIND or meta["speaker"] or meta["sources"]:
            continue
        sent = sentences.at(start)
        j = i - 1
        while sent is not None and j >= 0 and ordered[j][0] >= sent[0]:
            pm = info[ordered[j][1]]
            if pm["speaker"] and not _SENTENCE_END.search(text, pm["cues"][-1].end, start):
                meta["speaker"] = pm["speaker"]
                break
            j -= 1


def _content_before_cue(article: Article, info: dict, groups: dict, sentences: Ranges) -> list[Span]:
    """Content and an indirect quote for "<clause>, <source> said ..." when the path gave none."""
    text, added = article.text, []
    taken = Ranges((s.start, s.end) for s in article.spans if s.layer == "content")
    for rel, meta in info.items():
        spans = groups[rel]
        if meta["kind"] != SPEECH_KIND or not meta["sources"] or any(s.layer == "content" for s in spans):
            continue
        first = min(meta["sources"][0].start, meta["cues"][0].start if meta["cues"] else len(text))
        sent = sentences.at(first)
        if sent is None:
            continue
        head = text[sent[0]:first].rstrip()
        if not head.endswith(","):
            continue
        start, end = sent[0], sent[0] + len(head) - 1
        while start < end and text[start].isspace():
            start += 1
        if len(_WORD.findall(text[start:end])) < 4 or taken.overlaps(start, end):
            continue
        attrs = {"relation": rel, "speaker": meta["speaker"]}
        added.append(Span(start, end, "content", "", dict(attrs)))
        cues = [[c.start, c.end] for c in meta["cues"]]
        sources = [[s.start, s.end] for s in meta["sources"]]
        added.append(Span(start, end, "quote", "indirect", dict(attrs, cue=cues, source=sources)))
    return added


def _stub(text: str, span: Span) -> bool:
    """Reported "content" that is no statement: a pronoun, or a word or two."""
    words = [w.lower() for w in _WORD.findall(text[span.start:span.end])]
    return len(words) <= 2 or all(w in _STUB for w in words)

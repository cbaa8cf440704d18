"""The learned path (issue 4): one encoder pass per window, read by every head.

- ``encode``: runs the shared encoder once over the article and keeps the stitched states in
  ``article.hints["encoding"]``; the spin stage reuses them for the technique heads.
- ``learned_attribution``: the attribution tagger (``unspun.models.heads``) marks Source, Cue
  and Content; they are linked into relations (a cue takes the nearest source and contents of
  its sentence; a content with no cue in its sentence continues the quotation before it
  — “A,” he said. “B.” — or takes the cue of the neighbouring sentence in its paragraph, else
  stands alone), contents over quotation marks give ``direct`` quotes and the rest ``indirect``
  ones, speakers are resolved to names as in the rule stage, and sentences get their voice.
  PolNeAR also annotates stances and feelings ("Iran and Russia support ...", "banks fearful
  of ..."); those parts are kept, but a sentence is ``attributed`` (the data model's "reported
  speech or a claim credited to a named source") only through a relation whose cue is a
  reporting verb or "according to", or whose speaker is a person named in the article
  ("Khamenei also leveled a veiled swipe at ..." is attributed; "Tehran rejects any
  coordination ..." stays the outlet's own report).
- ``judge``: ``subjectivity`` and ``bias`` probabilities on every body sentence, from the
  sentence model (a MiniLM fine-tuned on the sentence tasks, run over each sentence's text)
  where the model folder has one, else from the heads over the shared encoder pass.

``models`` runs them all (``encode``, ``learned_attribution``, ``judge``, then ``spin``); an article
longer than ``SEGMENT_CHARS`` runs them (``by_segments``; the rule stage too) segment by segment (cut where a sentence starts, at a line
break where one is near), so that memory and time stay bounded whatever its length: relations,
speakers and the technique model's context then stay within a segment.

Output layers and attributes are those of the rule stage (``stages/attribution.py``), which
stays the ``--no-models`` fallback. Speaker names come from ``stages/speakers.py`` over spaCy's
named entities of the paragraphs (``Speakers.resolve_span``): this path runs no parser.
"""

from __future__ import annotations

import pickle
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from unspun.article import Article, Span, strip_range
from unspun.models.heads import RoleSpan, load_heads
from unspun.models.runtime import DEFAULT_DIR, load_encoder
from unspun.stages.attribution import _index, _paragraphs, _voice
from unspun.stages.parsing import entities
from unspun.stages.speakers import Speakers
from unspun.text.lexicon import SPEECH_FORMS
from unspun.text.quotes import find_quotes

_LAYERS = ("quote", "source", "cue", "content")
_WORD = re.compile(r"\w+")
# Longer articles run the models segment by segment (each about a long feature's length)
SEGMENT_CHARS = 30_000
_MODEL_LAYERS = frozenset(_LAYERS) | {"sentence", "technique"}


def models(article: Article, fast: bool = False, min_score: float | None = None, model_dir=None) -> Article:
    """The learned path over ``article``'s body sentences: attribution, sentence judgements and
    techniques (``spin``); segment by segment when the text is longer than ``SEGMENT_CHARS``."""
    from unspun.stages.spin import spin

    def run(a: Article) -> None:
        encode(a, model_dir)  # one encoder pass: attribution, sentence and technique heads read it
        learned_attribution(a, model_dir, fast=fast)
        judge(a, model_dir)
        spin(a, min_score=min_score, model_dir=model_dir, fast=fast)
        a.hints.pop("encoding", None)

    return by_segments(article, run)


def by_segments(article: Article, run) -> Article:
    """``run(article)`` (a stage that adds attribution, sentence-voice, judgement or technique
    spans), over the whole article or, when its text is longer than ``SEGMENT_CHARS``, over each
    segment (``segments``) as an article of its own, the results shifted back into ``article``."""
    if len(article.text) <= SEGMENT_CHARS:
        run(article)
        return article
    text = article.text
    spans = sorted(article.spans, key=lambda sp: (sp.start, sp.end))
    article.spans = []
    out: list[Span] = [sp for sp in spans if sp.layer not in _MODEL_LAYERS]
    inputs: list[Span | None] = [sp for sp in spans if sp.layer not in _MODEL_LAYERS or sp.layer == "sentence"]
    del spans
    active: list[Span] = []  # spans that began in an earlier segment and reach into this one
    # each finished segment's spans, pickled (about 70 bytes a span instead of 470 as objects)
    # while the later segments run the models; unpickled in order at the end
    done: list[bytes | None] = []
    k, relations = 0, 0
    for a, b in segments(text, [(sp.start, sp.end) for sp in inputs if sp.layer == "sentence"]):
        here = [sp for sp in active if sp.end > a]
        while k < len(inputs) and inputs[k].start < b:
            here.append(inputs[k])
            inputs[k] = None  # an input sentence is replaced by its output once its segments are done
            k += 1
        active = [sp for sp in here if sp.end > b]
        sub = Article(text=text[a:b], id=article.id, source=article.source)
        whole: dict[tuple[int, int], Span] = {}  # a sentence's piece in this segment -> the sentence
        for sp in here:
            piece = Span(max(sp.start, a) - a, min(sp.end, b) - a, sp.layer, sp.label, dict(sp.attrs))
            sub.spans.append(piece)
            if sp.layer == "sentence":
                whole[(piece.start, piece.end)] = sp
        run(sub)
        top = relations
        seg: list[Span] = []
        for sp in sub.spans:
            if sp.layer not in _MODEL_LAYERS:
                continue
            if sp.layer == "sentence":
                # a sentence longer than a segment is judged on its first piece and kept whole
                orig = whole.get((sp.start, sp.end))
                if orig is not None and orig.start >= a:
                    seg.append(Span(orig.start, orig.end, "sentence", sp.label, dict(sp.attrs)))
                continue
            attrs = dict(sp.attrs)
            if attrs.get("relation") is not None:
                attrs["relation"] += relations
                top = max(top, attrs["relation"])
            if sp.layer == "quote":
                for key in ("cue", "source"):
                    if isinstance(attrs.get(key), list):
                        attrs[key] = [[s + a, e + a] for s, e in attrs[key]]
            seg.append(Span(sp.start + a, sp.end + a, sp.layer, sp.label, attrs))
        done.append(pickle.dumps(seg, protocol=pickle.HIGHEST_PROTOCOL))
        relations = top
        for key, value in sub.producer.items():
            if key == "models":
                article.producer.setdefault("models", {}).update(value)
            elif key != "version":
                article.producer[key] = value
        del seg, sub, whole, here
    for i in range(len(done)):
        out.extend(pickle.loads(done[i]))
        done[i] = None
    article.spans = out
    return article


def segments(text: str, sentences: list[tuple[int, int]], limit: int | None = None) -> list[tuple[int, int]]:
    r"""``[a, b)`` ranges covering ``text``, each at most ``limit`` characters (``SEGMENT_CHARS``) where
    the sentences allow: cut where a sentence starts, at a line start when one lies in the second
    half of the range, else where any sentence starts, else (one sentence longer than ``limit``)
    after a space.

    >>> segments("One. Two.\nThree. Four.", [(0, 4), (5, 9), (10, 16), (17, 22)], 12)
    [(0, 10), (10, 22)]
    """
    limit = limit or SEGMENT_CHARS
    starts = sorted({s for s, _ in sentences})
    lines = [s for s in starts if s and text[s - 1] == "\n"]
    out, pos = [], 0
    while len(text) - pos > limit:
        hi = pos + limit
        cut = None
        k = bisect_right(lines, hi) - 1
        if k >= 0 and lines[k] > pos + limit // 2:
            cut = lines[k]
        if cut is None:
            k = bisect_right(starts, hi) - 1
            if k >= 0 and starts[k] > pos:
                cut = starts[k]
        if cut is None:
            space = text.rfind(" ", pos + 1, hi)
            cut = space + 1 if space > pos else hi
        out.append((pos, cut))
        pos = cut
    out.append((pos, len(text)))
    return out


def encode(article: Article, model_dir=None) -> Article:
    """Run the shared encoder once; the attribution, sentence and technique heads read it."""
    encoder = load_encoder(str(model_dir or DEFAULT_DIR))
    article.hints["encoding"] = encoder.encode(article.text)
    return article


@dataclass
class _Rel:
    cues: list[RoleSpan] = field(default_factory=list)
    sources: list[RoleSpan] = field(default_factory=list)
    contents: list[RoleSpan] = field(default_factory=list)
    follows: "_Rel | None" = None
    speaker: str | None = None
    person: bool = False  # the speaker is a person named in the article

    def first(self) -> int:
        return min(s.start for s in self.cues + self.sources + self.contents)


def _gap(a: RoleSpan, b: RoleSpan) -> int:
    return max(0, b.start - a.end, a.start - b.end)


def _merge_cues(text: str, cues: list[RoleSpan], sents: list[tuple[int, int]]) -> list[list[RoleSpan]]:
    """Cue pieces of one sentence that only a few letters part ("did not" ... "say") stay together."""
    groups: list[list[RoleSpan]] = []
    for c in cues:
        if groups:
            last = groups[-1][-1]
            between = text[last.end:c.start]
            if (_index(sents, last.start) == _index(sents, c.start) and len(between) <= 12
                    and not any(ch in between for ch in ",;:.“”\"")):
                groups[-1].append(c)
                continue
        groups.append([c])
    return groups


def link(text: str, spans: list[RoleSpan], sents: list[tuple[int, int]],
         paras: list[tuple[int, int]]) -> list[_Rel]:
    """Relations from tagged role spans (see the module docstring)."""
    cues = [s for s in spans if s.role == "Cue"]
    rels = [_Rel(cues=g) for g in _merge_cues(text, cues, sents)]
    sent_of = lambda s: _index(sents, s.start)  # noqa: E731
    para_of = lambda s: _index(paras, s.start)  # noqa: E731

    def nearest(span: RoleSpan, same) -> _Rel | None:
        best, best_gap = None, None
        for r in rels:
            if not r.cues or not same(r.cues[0]):
                continue
            g = min(_gap(span, c) for c in r.cues)
            if best_gap is None or g < best_gap:
                best, best_gap = r, g
        return best

    for s in (s for s in spans if s.role == "Source"):
        si, pi = sent_of(s), para_of(s)
        rel = nearest(s, lambda c: sent_of(c) == si) or nearest(s, lambda c: para_of(c) == pi)
        if rel is None:
            rel = _Rel()
            rels.append(rel)
        rel.sources.append(s)
    previous: _Rel | None = None  # the relation of the last content seen
    for s in (s for s in spans if s.role == "Content"):
        si, pi = sent_of(s), para_of(s)
        rel = nearest(s, lambda c: sent_of(c) == si)
        if rel is None and previous is not None and previous.contents:
            last = previous.contents[-1]
            starts_sentence = si is not None and strip_range(text, *sents[si])[0] >= s.start - 1
            if starts_sentence and para_of(last) == pi and text[s.start:s.start + 1] in "“\"":
                rel = previous  # “A,” he said. “B.”
        if rel is None and si is not None:
            rel = nearest(s, lambda c: sent_of(c) in (si - 1, si + 1) and para_of(c) == pi)
        if rel is None:
            rel = _Rel(follows=previous if previous is not None and previous.contents
                       and para_of(previous.contents[-1]) == (pi or 0) - 1 else None)
            rels.append(rel)
        rel.contents.append(s)
        previous = rel
    rels = [r for r in rels if r.contents or r.sources]
    for r in rels:
        r.sources.sort(key=lambda s: s.start)
        r.contents.sort(key=lambda s: s.start)
    rels.sort(key=_Rel.first)
    return rels


def _resolve(rels: list[_Rel], text: str, paras: list[tuple[int, int]], sents: list[tuple[int, int]]) -> None:
    sourced = [r for r in rels if r.sources]
    if not sourced:
        for r in rels:
            r.speaker = r.follows.speaker if r.follows is not None else None
        return
    docs = entities([text[a:b] for a, b in paras])
    speakers = Speakers(docs, [a for a, _ in paras], sents)
    for r in rels:
        if r.sources:
            src = r.sources[0]
            r.speaker = speakers.resolve_span(src.start, src.end)
            if r.speaker:
                speakers.note(src.start, r.speaker)
        elif r.follows is not None:
            r.speaker = r.follows.speaker
        r.person = r.speaker in speakers.people


def _emit(article: Article, rels: list[_Rel], quotes) -> None:
    text = article.text
    pieces = sorted((p for q in quotes for p in q.pieces), key=lambda p: p.outer_start)
    for k, rel in enumerate(rels, start=1):
        parts = dict(relation=k, speaker=rel.speaker)
        cues = [[c.start, c.end] for c in rel.cues]
        sources = [[s.start, s.end] for s in rel.sources]
        qattrs = dict(speaker=rel.speaker, cue=cues, source=sources, relation=k)
        for s in rel.sources:
            article.add("source", s.start, s.end, **parts, score=s.score)
        for c in rel.cues:
            article.add("cue", c.start, c.end, **parts, score=c.score)
        for c in rel.contents:
            article.add("content", c.start, c.end, **parts, score=c.score)
            inside = [(max(p.start, c.start), min(p.end, c.end)) for p in pieces
                      if p.start < c.end and c.start < p.end]
            inside = [(a, b) for a, b in inside if a < b]
            quoted = sum(len(text[a:b].strip()) for a, b in inside)
            if inside and quoted * 2 >= len(text[c.start:c.end].strip()):
                for a, b in inside:
                    article.add("quote", a, b, "direct", **qattrs)
            else:
                a, b = strip_range(text, c.start, c.end)
                if a < b:
                    article.add("quote", a, b, "indirect", **qattrs)
                for a2, b2 in inside:
                    article.add("quote", a2, b2, "direct", **qattrs)


def _credits(text: str, rel: _Rel) -> bool:
    """Whether a relation credits its words to someone: a named speaker or a reporting cue."""
    if rel.person:
        return True
    words = {w.lower() for c in rel.cues for w in _WORD.findall(text, c.start, c.end)}
    return bool(words & SPEECH_FORMS) or "according" in words


def learned_attribution(article: Article, model_dir=None, fast: bool = False) -> Article:
    """Add quote/source/cue/content spans from the tagger and re-label sentence voices. When the
    model folder has an attribution model (``unspun train attribution``), its role probabilities are
    mixed in; else, when the technique model's span model was trained with the attribution roles,
    its are (its encoder pass then serves span identification too). ``fast`` (``--fast``) keeps the
    tagger on the shared pass alone."""
    text = article.text
    article.spans = [s for s in article.spans if s.layer not in _LAYERS]
    sentence_spans = article.layer("sentence")
    if not sentence_spans:
        return article
    enc = article.hints.get("encoding")
    if enc is None:
        encode(article, model_dir)
        enc = article.hints["encoding"]
    heads = load_heads(str(model_dir or DEFAULT_DIR))
    sents = [(s.start, s.end) for s in sentence_spans]
    body = [(s.start, s.end) for s in sentence_spans]
    other, mixing = None, {}
    if not fast and heads.attribution_model is not None:
        other, mixing = heads.attribution_model.role_probs(text, enc.offsets), heads.attribution_model.config
    elif not fast:
        from unspun.models.techniques import load_model

        model = load_model(model_dir or DEFAULT_DIR, False)
        other = model.span_model_roles(text, enc)
        if other is not None:
            mixing = model.config["si_model"]["roles"]
    spans = [s for s in heads.roles(text, enc, other, float(mixing.get("mix", 0.0)), mixing.get("thresholds"))
             if _index(body, s.start) is not None]
    paras = _paragraphs(text, sentence_spans)
    rels = link(text, spans, sents, paras)
    _resolve(rels, text, paras, sents)
    _emit(article, rels, find_quotes(text, paras))
    _voice(article, [(s.start, s.end) for r in rels if _credits(text, r) for s in r.cues + r.sources])
    article.producer["attribution"] = "model"
    article.producer.setdefault("models", {})["attribution"] = heads.attribution_ident(
        not fast and heads.attribution_model is not None)
    return article


def judge(article: Article, model_dir=None) -> Article:
    """``subjectivity`` and ``bias`` (probabilities, 4 decimals) on every sentence span."""
    enc = article.hints.get("encoding")
    sentence_spans = [s for s in article.spans if s.layer == "sentence"]
    if enc is None or not sentence_spans:
        return article
    heads = load_heads(str(model_dir or DEFAULT_DIR))
    scores = heads.sentence_scores(enc, [(s.start, s.end) for s in sentence_spans], article.text)
    article.producer.setdefault("models", {})["sentences"] = heads.sentence_ident
    for k, span in enumerate(sentence_spans):
        for name, values in scores.items():
            span.attrs[name] = round(float(values[k]), 4)
    return article

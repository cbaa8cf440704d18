"""Spin: ``technique`` spans (SemEval-2020 Task 11 persuasion techniques) over the body sentences.

Runs the shipped technique model (``unspun.models.techniques``) on the article's text, in
overlapping windows, and keeps the spans inside body sentences (never in the title, dateline,
byline, wire credit or page furniture). Each span's ``score`` is the span probability times
the technique probability; ``min_score`` drops weaker ones. When an earlier stage has put the
encoder output in ``article.hints["encoding"]`` (one pass shared by several heads), it is reused.
"""

from __future__ import annotations

from unspun.article import Article, merge_ranges


def spin(article: Article, min_score: float | None = None, model_dir: str | None = None,
         fast: bool = False) -> Article:
    """Add ``technique`` spans (label: technique name, attrs: ``score``) to ``article``; ``fast``
    reads SI and TC from the shared encoder pass alone (``--fast``).

    The last line loads the technique model and the doctests load no model, so they skip it
    (tests/test_techniques.py runs ``spin``).

    >>> from unspun.article import Article
    >>> a = Article.from_text("The corrupt traitors lied again, as always!")
    >>> a.add("sentence", 0, len(a.text), "own")  # doctest: +ELLIPSIS
    Span(...)
    >>> spin(a).layer("technique")[0].layer  # doctest: +SKIP
    'technique'
    """
    from unspun.models.runtime import DEFAULT_DIR
    from unspun.models.techniques import load_model

    model = load_model(model_dir or DEFAULT_DIR, fast)
    article.producer.setdefault("models", {})["techniques"] = model.ident
    body = _body_ranges(article)
    if not body:
        return article
    enc = article.hints.get("encoding")
    if enc is None:
        enc = model.encoder.encode(article.text)
    for t in model.predict(article.text, enc, min_score=min_score, within=body):
        article.add("technique", t.start, t.end, t.label, score=t.score)
    return article


def _body_ranges(article: Article) -> list[tuple[int, int]]:
    """Body sentences (joined where only whitespace separates them) minus furniture."""
    text = article.text
    sents = [(s.start, s.end) for s in article.spans if s.layer == "sentence"]
    if not sents:
        sents = [(0, len(text))]
    joined: list[list[int]] = []
    for s, e in merge_ranges(sents):
        if joined and not text[joined[-1][1]:s].strip():
            joined[-1][1] = max(joined[-1][1], e)
        else:
            joined.append([s, e])
    out: list[tuple[int, int]] = []
    furniture = article.furniture()
    for s, e in joined:
        pieces = [(s, e)]
        for fs, fe in furniture:
            nxt = []
            for a, b in pieces:
                if fe <= a or fs >= b:
                    nxt.append((a, b))
                    continue
                if a < fs:
                    nxt.append((a, fs))
                if fe < b:
                    nxt.append((fe, b))
            pieces = nxt
        out.extend(pieces)
    return sorted(out)

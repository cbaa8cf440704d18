"""The lexical features grouping works from: content words per sentence, hashed.

No parser, no analysis stage and no Python loop over characters or words: a whole chunk of
documents is joined, encoded to UTF-8 and lowercased (ASCII); numpy finds sentence ends
(``. ! ?`` before a space, after an optional closing quote; line breaks) and blanks
punctuation over the byte array; ``bytes.split`` gives the tokens and ``zlib.crc32`` (mapped
in C) hashes each to 32 bits, so the same word gets the same number on any machine and in
any batch; stopwords are dropped by their hashes. A dot inside "U.S." also ends a
"sentence" here; that is harmless because every version is cut the same way.

>>> f = features("Rebels took the town. The army said it would retake the town soon.")
>>> f.sentences, [len(x) for x in f.sentence_words()]
(2, [3, 4])
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from unspun.stories.units import STOPWORDS

_DOC = "\x02"  # joins documents in a batch; a token of its own
_LUT = np.array([32 if (chr(i) in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" or i < 32) and i != 2 else i
                 for i in range(256)], dtype=np.uint8)
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True
_STOP_MARKS = np.zeros(256, dtype=bool)
_STOP_MARKS[[ord("."), ord("!"), ord("?")]] = True
_CLOSERS = np.zeros(256, dtype=bool)
_CLOSERS[[ord('"'), ord("'"), ord(")")]] = True
# UTF-8 punctuation blanked before splitting: \u2018 \u2019 \u201c \u201d \u2013 \u2014 \u2026 (E2 80 xx)
# and \u00ab \u00bb \u00a0 (C2 xx)
_E2_80 = np.zeros(256, dtype=bool)
_E2_80[[0x98, 0x99, 0x9C, 0x9D, 0x93, 0x94, 0xA6]] = True
_C2 = np.zeros(256, dtype=bool)
_C2[[0xAB, 0xBB, 0xA0]] = True
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _crc(tokens: list[bytes]) -> np.ndarray:
    h = np.fromiter(map(zlib.crc32, tokens), dtype=np.uint32, count=len(tokens))
    return np.where(h < 3, h + np.uint32(3), h)  # 0-2 reserved


_STOPS = np.unique(_crc([w.encode("utf-8") for w in STOPWORDS | {w.split("'")[0] for w in STOPWORDS if "'" in w}]))
_DOC_HASH = _crc([_DOC.encode()])[0]


def _scan(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and sentence numbers of lowercased UTF-8 ``data``, all vectorised.

    A sentence ends at ``. ! ?`` followed by a space (optionally after a closing quote or
    bracket, straight or curly), at a line break and at a document marker."""
    b = np.frombuffer(data, dtype=np.uint8).copy()
    n = len(b)
    space = _SPACE[b]
    ends = b == 10
    mark = _STOP_MARKS[b]
    ends[:-1] |= mark[:-1] & space[1:]
    if n > 2:
        ends[:-2] |= mark[:-2] & _CLOSERS[b[1:-1]] & space[2:]
    if n > 4:
        ends[:-4] |= mark[:-4] & (b[1:-3] == 0xE2) & (b[2:-2] == 0x80) & (b[3:-1] == 0x9D) & space[4:]
    if n > 2:
        wide = (b[:-2] == 0xE2) & (b[1:-1] == 0x80) & _E2_80[b[2:]]
        at = np.flatnonzero(wide)
        b[at] = b[at + 1] = b[at + 2] = 32
        narrow = (b[:-1] == 0xC2) & _C2[b[1:]]
        at = np.flatnonzero(narrow)
        b[at] = b[at + 1] = 32
    b = _LUT[b]
    tok = b != 32
    edges = np.diff(np.concatenate(([False], tok, [False])).view(np.int8))
    starts = np.flatnonzero(edges == 1)
    ids = _crc(b.tobytes().split())
    boundaries = np.flatnonzero(ends)
    is_doc = ids == _DOC_HASH
    sentence = np.searchsorted(boundaries, starts) + np.cumsum(is_doc)  # a document marker ends one too
    return ids, sentence


@dataclass
class Features:
    """``words`` (uint32 hashes of content words, in text order) and ``sids`` (the sentence of
    each, uint16, dense from 0); ``sentence_hashes`` (uint64, one per sentence, of its set of
    words and their count) lets grouping ignore sentences that many documents carry (share
    prompts, copyright lines)."""

    words: np.ndarray
    sids: np.ndarray
    sentence_hashes: np.ndarray

    @property
    def sentences(self) -> int:
        return len(self.sentence_hashes)

    def sentence_words(self) -> list[np.ndarray]:
        return [self.words[self.sids == i] for i in range(self.sentences)]


@dataclass
class Batch:
    """The features of several documents, concatenated: ``words`` with their document-local
    ``sids`` and batch-wide ``gsids`` (sentence index in the batch), ``offsets`` (per document,
    into ``words``), ``sentence_hashes`` with ``sentence_offsets`` (per document)."""

    words: np.ndarray
    sids: np.ndarray
    gsids: np.ndarray
    offsets: np.ndarray
    sentence_hashes: np.ndarray
    sentence_offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def doc(self, i: int) -> Features:
        a, b = self.offsets[i], self.offsets[i + 1]
        c, d = self.sentence_offsets[i], self.sentence_offsets[i + 1]
        return Features(self.words[a:b], self.sids[a:b], self.sentence_hashes[c:d])

    def doc_of_words(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))


def features(text: str) -> Features:
    """Content-word hashes of ``text`` by sentence (sentences with no content word are dropped)."""
    return batch_features([text]).doc(0)


def batch_features(texts: list[str]) -> Batch:
    """``features`` of many texts in one vectorised pass (the texts are joined with a
    document marker, which also ends a sentence)."""
    joined = f" {_DOC} ".join(t.replace(_DOC, " ") if _DOC in t else t for t in texts)
    ids, marks = _scan(joined.encode("utf-8").lower())
    is_doc = ids == _DOC_HASH
    doc_of = np.cumsum(is_doc)
    at = np.minimum(np.searchsorted(_STOPS, ids), len(_STOPS) - 1)
    keep = ~is_doc & (_STOPS[at] != ids)
    words = ids[keep]
    docs = doc_of[keep]
    n_docs = len(texts)
    offsets = np.searchsorted(docs, np.arange(n_docs + 1))
    if not len(words):
        zeros = np.zeros(n_docs + 1, dtype=np.int64)
        return Batch(words, np.zeros(0, np.uint16), np.zeros(0, np.int64), zeros, np.zeros(0, np.uint64), zeros)
    raw = marks[keep]
    change = np.empty(len(raw), dtype=bool)
    change[0] = True
    np.not_equal(raw[1:], raw[:-1], out=change[1:])
    starts = np.flatnonzero(change)                 # first word of each sentence
    sizes = np.diff(np.append(starts, len(raw)))
    gsids = np.repeat(np.arange(len(starts)), sizes)
    sentence_doc = docs[starts]
    sentence_offsets = np.searchsorted(sentence_doc, np.arange(n_docs + 1))
    sids = gsids - sentence_offsets[docs]
    hashes = np.add.reduceat(words.astype(np.uint64) * _MIX, starts) ^ (sizes.astype(np.uint64) << np.uint64(48))
    return Batch(words, np.minimum(sids, 65535).astype(np.uint16), gsids, offsets, hashes, sentence_offsets)

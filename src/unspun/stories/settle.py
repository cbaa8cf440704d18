"""Sentence embeddings for the candidate pairs the words cannot settle (``verify``'s grey pairs).

Rewritten copies share few exact words: synonyms, reordered sentences and voice changes break
the lexical alignment of ``verify`` while the meaning stays. For a grey pair, the head of each
version — its first ``max_sentences`` sentences of ``min_words`` words or more (title
included), read from the first ``head_chars`` characters, each cut to ``max_tokens`` tokens,
so the cost per document is capped whatever its length — is embedded with the MiniLM encoder (``unspun.models.embed``, int8
ONNX). A sentence is *matched* when some sentence of the other version has cosine >=
``sim`` with it. The pair is a copy when at least ``min_matches`` sentences are matched and
they are at least ``share`` of the sentences of one of the two heads (a version that kept a
third of the wire story plus additions has most of *its* sentences matched; two
independent reports of one event match a sentence or two by topic, not most of either).

Each document is embedded once however many grey pairs it is in, and a sentence that several
versions carry word for word once; the model is loaded on the first call (never when there are
no grey pairs).

The thresholds were chosen on a generated corpus (``benchmarks/storygen.py --seed 7``) that
is not used for any reported figure (``benchmarks/settle_tune.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from unspun.stories.units import split_sentences


@dataclass
class EmbeddingSettle:
    """``settle`` for ``unspun.stories.group.group``: ``decide(pairs, texts)`` takes an
    ``(n, 2)`` array of document indices and a function giving the heads of documents
    (``texts(indices) -> list[str]``, at least ``head_chars`` characters of each) and
    returns one bool per pair."""

    sim: float = 0.85      # chosen on the seed-7 tuning corpus (benchmarks/settle_tune.py)
    share: float = 0.3
    min_matches: int = 2
    max_sentences: int = 6
    min_words: int = 4
    head_chars: int = 1200
    max_tokens: int = 64
    model_dir: str | None = None
    sentences: int = field(default=0, init=False)  # embedded by the last ``decide``
    documents: int = field(default=0, init=False)
    seconds: float = field(default=0.0, init=False)

    def heads(self, text: str) -> list[str]:
        """The sentences of ``text`` that are embedded: the first ``max_sentences`` of
        ``min_words`` words or more within ``head_chars`` characters (a sentence cut by that
        limit is dropped)."""
        cut = len(text) > self.head_chars
        text = text[:self.head_chars]
        spans = split_sentences(text)
        if cut and spans:
            spans = spans[:-1]
        out = []
        for s, e in spans:
            piece = " ".join(text[s:e].split())
            if len(piece.split()) >= self.min_words:
                out.append(piece)
                if len(out) >= self.max_sentences:
                    break
        return out

    def scores(self, a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
        """Matched sentences of A, of B, and the larger matched share, from unit vectors."""
        if not len(a) or not len(b):
            return 0, 0, 0.0
        s = a @ b.T
        ma = int((s.max(axis=1) >= self.sim).sum())
        mb = int((s.max(axis=0) >= self.sim).sum())
        return ma, mb, max(ma / len(a), mb / len(b))

    def decide(self, pairs: np.ndarray, texts: Callable[[Sequence[int]], list[str]]) -> np.ndarray:
        t = time.perf_counter()
        out = np.zeros(len(pairs), dtype=bool)
        if not len(pairs):
            return out
        from unspun.models.embed import DEFAULT_DIR, load_embedder

        docs = np.unique(pairs)
        sentences: list[str] = []
        bounds = np.zeros(len(docs) + 1, dtype=np.int64)
        for k, text in enumerate(texts(docs)):
            sentences += self.heads(text)
            bounds[k + 1] = len(sentences)
        unique: dict[str, int] = {}  # a sentence several versions carry word for word is embedded once
        slot = np.fromiter((unique.setdefault(x, len(unique)) for x in sentences), dtype=np.int64, count=len(sentences))
        vectors = load_embedder(self.model_dir or DEFAULT_DIR).embed(list(unique), max_tokens=self.max_tokens)[slot]
        where = {int(d): k for k, d in enumerate(docs.tolist())}
        for n, (i, j) in enumerate(pairs.tolist()):
            ki, kj = where[i], where[j]
            ma, mb, share = self.scores(vectors[bounds[ki]:bounds[ki + 1]], vectors[bounds[kj]:bounds[kj + 1]])
            out[n] = max(ma, mb) >= self.min_matches and share >= self.share
        self.sentences, self.documents = len(unique), len(docs)
        self.seconds = time.perf_counter() - t
        return out

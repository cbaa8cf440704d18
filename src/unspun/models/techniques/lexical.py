"""The lexical technique classifier (TC): a linear model over the words and letters of a span.

Loaded language and name calling are largely matters of wording, and a linear model over the
span's own words reads them differently from the encoders: its probabilities, mixed with theirs,
are what the technique layer ships (``unspun train tc`` fits it with scikit-learn and chooses the
mixing weights on held-out articles). At run time it needs numpy alone.

Features of a span (each block L2-normalised TF-IDF with sublinear term frequency, as
scikit-learn's ``TfidfVectorizer`` computes it, so that training and run time agree exactly):

- ``word``: the span's words and word pairs (lower-cased, tokens of two or more word characters);
- ``char``: letter n-grams (2-5) inside the span's words, each word padded with a space;
- ``ctx``: the four words before and the four after the span within its line, scaled by
  ``ctx_weight``;
- the span features of the other classifiers (``span_features``).

Probabilities: softmax of ``coef @ x + intercept`` (a multinomial logistic regression).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from unspun.models.techniques.marked import line_bounds

WORD_RE = re.compile(r"(?u)\b\w\w+\b")
CTX_RE = re.compile(r"\w+")
_SPACES = re.compile(r"\s\s+")
CTX_WORDS = 4
BLOCKS = ("word", "char", "ctx")


def span_parts(text: str, s: int, e: int) -> tuple[str, str]:
    """The span's text and its context: the ``CTX_WORDS`` words before and after it within its line."""
    ls, le = line_bounds(text, s, e)
    left = CTX_RE.findall(text[ls:s])[-CTX_WORDS:]
    right = CTX_RE.findall(text[e:le])[:CTX_WORDS]
    return text[s:e], " ".join(left) + " || " + " ".join(right)


def word_terms(doc: str, ngrams: tuple[int, int]) -> list[str]:
    """scikit-learn's word analyzer: lower-cased tokens of 2+ word characters and their n-grams."""
    tokens = WORD_RE.findall(doc.lower())
    lo, hi = ngrams
    out = []
    for n in range(lo, hi + 1):
        out += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return out


def char_terms(doc: str, ngrams: tuple[int, int]) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer: n-grams inside each space-padded, lower-cased word."""
    out = []
    lo, hi = ngrams
    for w in _SPACES.sub(" ", doc.lower()).split():
        w = f" {w} "
        for n in range(lo, hi + 1):
            offset = 0
            out.append(w[offset:offset + n])
            while offset + n < len(w):
                offset += 1
                out.append(w[offset:offset + n])
            if offset == 0:
                break
    return out


class Lexical:
    """The lexical classifier of a model folder's ``tc-lex.npz``."""

    def __init__(self, path: str | Path) -> None:
        with np.load(path, allow_pickle=False) as z:
            self.coef = z["coef"].astype(np.float32)            # (labels, features)
            self.intercept = z["intercept"].astype(np.float32)  # (labels,)
            self.ngrams = {b: tuple(int(x) for x in z[f"{b}_ngrams"]) for b in BLOCKS}
            self.weights = {b: float(z[f"{b}_weight"]) for b in BLOCKS}
            self.vocab, self.idf, self.start = {}, {}, {}
            at = 0
            for b in BLOCKS:
                terms = [str(t) for t in z[f"{b}_vocab"]]
                self.vocab[b] = {t: k for k, t in enumerate(terms)}
                self.idf[b] = z[f"{b}_idf"].astype(np.float64)
                self.start[b] = at
                at += len(terms)
        self.n_terms = at

    def _block(self, b: str, doc: str) -> tuple[list[int], list[float]]:
        if self.weights[b] == 0.0:
            return [], []
        terms = word_terms(doc, self.ngrams[b]) if b != "char" else char_terms(doc, self.ngrams[b])
        vocab, idf = self.vocab[b], self.idf[b]
        counts = Counter(vocab[t] for t in terms if t in vocab)
        if not counts:
            return [], []
        idx = list(counts)
        vals = [(1.0 + math.log(counts[k])) * idf[k] for k in idx]
        norm = math.sqrt(sum(v * v for v in vals)) / self.weights[b]
        return [self.start[b] + k for k in idx], [v / norm for v in vals]

    def probs(self, text: str, spans: list[tuple[int, int]], feats: np.ndarray) -> np.ndarray:
        """(len(spans), labels) probabilities; ``feats``: the spans' ``span_features`` rows."""
        logits = np.tile(self.intercept, (len(spans), 1))
        logits += feats.astype(np.float32) @ self.coef[:, self.n_terms:].T
        for k, (s, e) in enumerate(spans):
            span, ctx = span_parts(text, s, e)
            for b, doc in (("word", span), ("char", span), ("ctx", ctx)):
                idx, vals = self._block(b, doc)
                if idx:
                    logits[k] += self.coef[:, idx] @ np.asarray(vals, dtype=np.float32)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

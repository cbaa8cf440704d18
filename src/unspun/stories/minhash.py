"""MinHash signatures of shingle sets, vectorised with numpy over a batch of documents.

A shingle is ``k`` consecutive content words (``features.Features.words``), hashed to 64 bits.
Each of ``num_perm`` hash functions is a multiply-shift hash ``(a * x + b) >> 32`` (``a``
odd, 64-bit arithmetic wrapping), and a document's signature holds, per function, the
minimum over its shingles: a batch is one matrix product-like pass and one
``np.minimum.reduceat``. ``Pr[sig_a[i] == sig_b[i]]`` is the Jaccard similarity of the two
shingle sets.

>>> mh = MinHash(num_perm=128, seed=1)
>>> x = np.random.default_rng(0).integers(0, 2**63, size=300, dtype=np.uint64)
>>> sig = mh.signatures([x[:200], x[100:300], x[:100], np.zeros(0, dtype=np.uint64)])
>>> J = float((sig[0] == sig[1]).mean())   # true Jaccard 100/300
>>> abs(J - 1 / 3) < 0.1, float((sig[1] == sig[2]).mean()), bool((sig[3] == EMPTY).all())
(True, 0.0, True)
"""

from __future__ import annotations

import numpy as np

EMPTY = np.uint32(0xFFFFFFFF)  # the signature value of a document without shingles
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2's hash-based unique is several times slower on
    large integer arrays)."""
    if not len(x):
        return x
    x = np.sort(x)
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def shingles(words: np.ndarray, sids: np.ndarray, k: int) -> np.ndarray:
    """Unique hashes (32-bit values) of the ``k``-word shingles of one document that lie inside
    one sentence; a sentence shorter than ``k`` gives one shingle of all its words."""
    keys = shingle_keys(words, sids.astype(np.int64), np.zeros(len(words), dtype=np.int64), k)
    return keys & np.uint64(0xFFFFFFFF)


def shingle_keys(words: np.ndarray, gsids: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    """Shingles of a batch as sorted unique ``document << 32 | shingle hash`` keys.

    ``gsids`` numbers the sentences of the whole batch (non-decreasing, dense) and ``docs``
    gives each word's document; no shingle crosses a sentence end."""
    n = len(words)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    w = words.astype(np.uint64)
    hs, ds = [], []
    if k == 1:
        hs.append(w * _M1)
        ds.append(docs)
    else:
        if n >= k:
            h = w[: n - k + 1] * _M1
            for j in range(1, k):
                h = (h ^ (h >> np.uint64(29))) * _M2 + w[j: n - k + 1 + j]
            same = gsids[: n - k + 1] == gsids[k - 1:]
            hs.append(h[same])
            ds.append(docs[: n - k + 1][same])
        starts = np.flatnonzero(np.concatenate(([True], gsids[1:] != gsids[:-1])))
        sizes = np.diff(np.append(starts, n))
        short = sizes < k
        if short.any():  # short sentences give one shingle of all their words
            sums = np.add.reduceat((w * _M1) >> np.uint64(7), starts)
            hs.append(sums[short])
            ds.append(docs[starts[short]])
    h = np.concatenate(hs)
    folded = (h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return unique_sorted((np.concatenate(ds).astype(np.uint64) << np.uint64(32)) | folded)


class MinHash:
    """``num_perm`` hash functions drawn from ``seed``: ``h(x) = a * x + b`` modulo 2**32 with
    ``a`` odd, over the shingle hash folded to 32 bits — a bijection of the 32-bit values,
    so the minimum under it is a min-wise sample of the shingles."""

    def __init__(self, num_perm: int = 128, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.a = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
        self.b = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)

    def signatures(self, shingle_sets: list[np.ndarray]) -> np.ndarray:
        """A ``(len(shingle_sets), num_perm)`` uint32 matrix; a document without shingles gets
        ``EMPTY`` throughout."""
        sets = [unique_sorted((s ^ (s >> np.uint64(32))) & np.uint64(0xFFFFFFFF)) for s in shingle_sets]
        docs = np.repeat(np.arange(len(sets), dtype=np.uint64), [len(s) for s in sets])
        values = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint64)
        return self.signatures_of_keys((docs << np.uint64(32)) | values, len(sets))

    def signatures_of_keys(self, keys: np.ndarray, n_docs: int) -> np.ndarray:
        """Signatures from sorted ``document << 32 | shingle`` keys (``shingle_keys``). One pass
        per hash function over all shingles of the batch (32-bit, in place), then
        ``np.minimum.reduceat`` per document."""
        out = np.full((n_docs, self.num_perm), EMPTY, dtype=np.uint32)
        if not len(keys):
            return out
        doc = (keys >> np.uint64(32)).astype(np.int64)
        x = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        offsets = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1])))
        buf = np.empty_like(x)
        cols = np.empty((len(offsets), self.num_perm), dtype=np.uint32)
        for k in range(self.num_perm):
            np.multiply(x, self.a[k], out=buf)
            np.add(buf, self.b[k], out=buf)
            cols[:, k] = np.minimum.reduceat(buf, offsets)
        out[doc[offsets]] = cols
        return out

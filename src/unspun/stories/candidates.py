"""Candidate pairs from MinHash signatures by locality-sensitive hashing (banding).

The signature is cut into ``bands`` bands of ``rows`` values; two documents whose values agree
on a whole band share a bucket and become a candidate pair, so a pair with Jaccard similarity
``J`` is found with probability ``1 - (1 - J**rows)**bands`` (``threshold`` gives the ``J``
where that probability is 1/2). Buckets holding more than ``max_bucket`` documents are
skipped: they come from shingles that half an outlet's pages carry (a copyright line, a
navigation bar), not from one story; such stories are still found through their other bands.

Everything is numpy: per band one sort of the band keys, then pairs from the runs of equal
keys, generated for all runs at once per distance inside a run.

>>> import numpy as np
>>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4], [5, 6, 8, 0]], dtype=np.uint32)
>>> candidate_pairs(sig, bands=2, rows=2).tolist()
[[0, 1], [0, 2]]
"""

from __future__ import annotations

import numpy as np

from unspun.stories.minhash import EMPTY, unique_sorted

_MIX = np.uint64(0x9E3779B97F4A7C15)


def threshold(bands: int, rows: int) -> float:
    """The Jaccard similarity found with probability 1/2."""
    return float((1 - 0.5 ** (1 / bands)) ** (1 / rows))


def band_keys(sig: np.ndarray, band: int, rows: int) -> np.ndarray:
    """One 64-bit bucket key per signature row for ``band`` (its ``rows`` values mixed)."""
    cols = sig[:, band * rows:(band + 1) * rows].astype(np.uint64)
    key = cols[:, 0]
    for c in range(1, rows):
        key = (key * _MIX) ^ cols[:, c]
    return key


def bucket_kept(sizes, max_bucket: int):
    """Which buckets give pairs: at least two documents and at most ``max_bucket``."""
    return (sizes >= 2) & (sizes <= max_bucket)


def estimate_pairs(signatures: np.ndarray, bands: int, rows: int, max_bucket: int = 50) -> int:
    """How many pairs ``candidate_pairs`` would yield, counting repeats across bands (an upper
    bound), from the bucket sizes alone — cheap, so a caller can pick ``rows`` to fit a budget."""
    live = signatures[signatures[:, 0] != EMPTY]
    total = 0
    for band in range(bands):
        key = np.sort(band_keys(live, band, rows))
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        sizes = np.diff(np.append(starts, len(key)))
        sizes = sizes[bucket_kept(sizes, max_bucket)]
        total += int((sizes * (sizes - 1) // 2).sum())
    return total


def run_pairs(order: np.ndarray, run_starts: np.ndarray, run_lengths: np.ndarray):
    """Every pair of members of each run (bucket) of ``order``, as ``(lo, hi)`` arrays of the
    members' numbers (``lo < hi``), one pair of arrays per distance inside the run."""
    # every position inside a run, with the end of its run
    pos = np.repeat(run_starts, run_lengths) + (np.arange(run_lengths.sum())
                                                - np.repeat(np.cumsum(run_lengths) - run_lengths, run_lengths))
    ends = np.repeat(run_starts + run_lengths, run_lengths)
    for d in range(1, int(run_lengths.max()) if len(run_lengths) else 0):
        m = pos + d < ends
        if not m.any():
            break
        a, b = order[pos[m]], order[pos[m] + d]
        yield np.minimum(a, b), np.maximum(a, b)


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int, max_bucket: int = 50) -> np.ndarray:
    """Sorted unique ``(i, j)`` pairs, ``i < j``, that share a bucket in some band."""
    n, width = signatures.shape
    if bands * rows > width:
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} hash values; the signatures have {width}")
    live = np.flatnonzero(signatures[:, 0] != EMPTY)
    if len(live) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sig = signatures[live]
    found: list[np.ndarray] = []
    for band in range(bands):
        key = band_keys(sig, band, rows)
        order = np.argsort(key, kind="stable")
        ks = key[order]
        change = np.flatnonzero(ks[1:] != ks[:-1]) + 1
        starts = np.r_[0, change]
        lengths = np.diff(np.r_[starts, len(ks)])
        ok = bucket_kept(lengths, max_bucket)
        if not ok.any():
            continue
        for lo, hi in run_pairs(order, starts[ok], lengths[ok]):
            found.append(lo.astype(np.int64) * len(live) + hi)
        if sum(len(f) for f in found) > 20_000_000:  # keep memory bounded on huge inputs
            found = [unique_sorted(np.concatenate(found))]
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    keys = unique_sorted(np.concatenate(found))
    return np.stack([live[keys // len(live)], live[keys % len(live)]], axis=1)

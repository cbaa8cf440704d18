"""Join copy stories that report the same event in independent texts.

Each copy story is represented by its longest member. Everything is vectorised over all
stories (chunked), so a million stories take seconds, not a Python loop per pair. Its keywords are the ``event_keywords``
content words with the highest TF-IDF (document frequencies from the corpus sketch built in
the first pass): names, places, the rare nouns of the event. Candidate pairs come from
MinHash-LSH over those keyword sets — one value per band (any shared minimum keyword) on
small inputs, more rows per band when the estimated number of pairs would pass
``PAIR_BUDGET`` (large corpora, where common keywords abound); a pair is joined when the TF-IDF cosine of the two
representatives' vectors (their ``VECTOR`` strongest words) reaches ``event_cosine`` and each is among the other's two
nearest candidates (``mutual_top``) — an event is usually covered by a few outlets, and a
mutual-neighbour rule does not chain a whole news cycle together.

Lexical evidence is what is available without the encoder; independent reports of an event
share names and key terms, not sentences, so this is the step where sentence embeddings
(MiniLM, once shipped) would add most.
"""

from __future__ import annotations

import numpy as np

from unspun.stories.candidates import candidate_pairs, estimate_pairs
from unspun.stories.minhash import MinHash, unique_sorted

EVENT_PERM, EVENT_BANDS = 64, 32
PAIR_BUDGET = 100, 3_000_000  # candidate pairs per story, and in all, at most: rows per band grow
                               # until the estimate fits
NEIGHBOURS = 2  # a story links to another only if each is among the other's two nearest
VECTOR = 50     # words kept per story vector (the highest TF-IDF)
CHUNK = 2_000  # stories per step of story_vectors (transient memory ~ CHUNK x 400 words x 100 bytes)


def _group_starts(keys: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def story_vectors(corpus, reps: np.ndarray, width: int = VECTOR) -> tuple[np.ndarray, np.ndarray]:
    """Per representative document: its ``width`` highest TF-IDF words (``words``, sorted by
    word id, padded with 0 in front) and their weights, L2-normalised (``weights``), computed
    a chunk at a time."""
    n = len(corpus)
    mask = np.uint64(len(corpus.df) - 1)
    words_out = np.zeros((len(reps), width), dtype=np.uint32)
    weights_out = np.zeros((len(reps), width), dtype=np.float32)
    for c0 in range(0, len(reps), CHUNK):
        chunk = reps[c0:c0 + CHUNK]
        lo, hi = corpus.offsets[chunk], corpus.offsets[chunk + 1]
        sizes = hi - lo
        if not sizes.sum():
            continue
        idx = np.repeat(lo - np.cumsum(np.concatenate(([0], sizes[:-1]))), sizes) + np.arange(sizes.sum())
        doc = np.repeat(np.arange(len(chunk), dtype=np.uint64), sizes)
        keys = np.sort((doc << np.uint64(32)) | corpus.words[idx].astype(np.uint64))
        starts = _group_starts(keys)
        counts = np.diff(np.append(starts, len(keys)))
        uk = keys[starts]
        d = (uk >> np.uint64(32)).astype(np.int64)
        w = (uk & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        df = corpus.df[(w.astype(np.uint64) & mask).astype(np.int64)].astype(np.float64)
        weight = (1 + np.log(counts)) * np.maximum(np.log((n + 1) / (df + 1)), 0)
        # strongest words first within each document: one sort of (document, inverted weight)
        inverted = np.uint64(0xFFFFFFFF) - np.minimum(weight * 1e6, 0xFFFFFFFE).astype(np.uint64)
        order = np.argsort((d.astype(np.uint64) << np.uint64(32)) | inverted, kind="stable")
        d, w, weight = d[order], w[order], weight[order]
        first = _group_starts(d)
        rank = np.arange(len(d)) - np.repeat(first, np.diff(np.append(first, len(d))))
        top = rank < width
        d, w, weight = d[top], w[top], weight[top]
        # then each document's kept words by word id, so pairs intersect by binary search
        order = np.argsort((d.astype(np.uint64) << np.uint64(32)) | w.astype(np.uint64), kind="stable")
        d, w, weight = d[order], w[order], weight[order]
        first = _group_starts(d)
        counts = np.diff(np.append(first, len(d)))
        slot = np.arange(len(d)) - np.repeat(first, counts) + np.repeat(width - counts, counts)  # right-aligned
        norm = np.sqrt(np.bincount(d, weights=weight * weight, minlength=len(chunk)))
        words_out[c0 + d, slot] = w
        weights_out[c0 + d, slot] = weight / np.maximum(norm[d], 1e-12)
    return words_out, weights_out


def pair_cosines(words: np.ndarray, weights: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Cosine of the truncated vectors of each pair, vectorised: rows are sorted by word, so
    with the pair number in the high bits both sides are globally sorted and one
    ``searchsorted`` finds every shared word."""
    out = np.zeros(len(pairs), dtype=np.float64)
    width = words.shape[1]
    step = max(1, 1_000_000 // width)
    for p0 in range(0, len(pairs), step):
        part = pairs[p0:p0 + step]
        m = len(part)
        pid = np.repeat(np.arange(m, dtype=np.uint64), width) << np.uint64(32)
        ka = pid | words[part[:, 0]].ravel()
        kb = pid | words[part[:, 1]].ravel()
        at = np.minimum(np.searchsorted(kb, ka), len(kb) - 1)
        hit = (kb[at] == ka) & (words[part[:, 0]].ravel() != 0)
        prod = weights[part[:, 0]].ravel()[hit].astype(np.float64) * weights[part[:, 1]].ravel()[at[hit]]
        out[p0:p0 + m] = np.bincount((ka[hit] >> np.uint64(32)).astype(np.int64), weights=prod, minlength=m)
    return out


def event_links(corpus, labels: np.ndarray, settings, stats) -> list[tuple[int, int]]:
    """Pairs of copy-story roots (document indices) judged to report the same event."""
    n = len(corpus)
    if n < 2:
        return []
    reps = representatives(np.diff(corpus.offsets), labels)
    return links_between(corpus, reps, labels[reps], settings, stats)


def representatives(lengths: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """One document per copy story, ordered by story label: its longest member (most content
    words), the first in input order among equals."""
    n = len(labels)
    order = np.lexsort((np.arange(n), -lengths, labels))
    return order[_group_starts(labels[order])]


def links_between(corpus, reps: np.ndarray, roots: np.ndarray, settings, stats) -> list[tuple[int, int]]:
    """The event decision over the representatives ``reps`` (indices into ``corpus``, sorted by
    ``roots``, their story labels). ``corpus`` needs only ``offsets``, ``words``, ``df`` and a
    length (the number of documents the document frequencies count)."""
    if len(roots) < 2:
        return []
    words, weights = story_vectors(corpus, reps)
    return links_from_vectors(words, weights, roots, settings, stats)


def links_from_vectors(words: np.ndarray, weights: np.ndarray, roots: np.ndarray, settings,
                       stats) -> list[tuple[int, int]]:
    """The event decision from the representatives' ``story_vectors`` (rows sorted by
    ``roots``, their story labels): keyword MinHash-LSH candidates, cosine, mutual neighbours."""
    if len(roots) < 2:
        return []
    k = min(settings.event_keywords, words.shape[1])
    strongest = np.argsort(-weights, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(words, strongest, axis=1).astype(np.uint64)
    doc = np.repeat(np.arange(len(roots), dtype=np.uint64), k)
    flat = top.ravel()
    live = flat != 0
    keys = unique_sorted((doc[live] << np.uint64(32)) | (flat[live] * np.uint64(0x9E3779B1) & np.uint64(0xFFFFFFFF)))
    sigs = MinHash(EVENT_PERM, settings.seed + 1).signatures_of_keys(keys, len(roots))
    budget = min(PAIR_BUDGET[0] * len(roots), PAIR_BUDGET[1])
    for rows in (1, 2, 3, 4):  # the lowest threshold the budget allows
        bands = min(EVENT_BANDS, EVENT_PERM // rows)
        if estimate_pairs(sigs, bands, rows, settings.max_bucket) <= budget:
            break
    stats.event_rows = rows
    pairs = candidate_pairs(sigs, bands, rows, settings.max_bucket)
    stats.event_candidates = len(pairs)
    if not len(pairs):
        return []
    cos = pair_cosines(words, weights, pairs)
    keep = cos >= settings.event_cosine
    linked = mutual_top(pairs[keep], cos[keep], NEIGHBOURS)
    return [(int(roots[a]), int(roots[b])) for a, b in linked.tolist()]


def mutual_top(pairs: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The pairs in which each is among the other's ``k`` best-scoring partners (ties by index).

    Linking only mutual near neighbours keeps one busy topic (every story mentioning the
    same president) from chaining hundreds of stories into one event.

    >>> p = np.array([[0, 1], [0, 2], [1, 2], [2, 3], [0, 3]])
    >>> mutual_top(p, np.array([0.9, 0.8, 0.7, 0.3, 0.2]), 2).tolist()
    [[0, 1], [0, 2], [1, 2]]
    """
    if not len(pairs):
        return pairs.reshape(0, 2)
    node = np.concatenate((pairs[:, 0], pairs[:, 1]))
    other = np.concatenate((pairs[:, 1], pairs[:, 0]))
    score = np.concatenate((scores, scores))
    order = np.lexsort((other, -score, node))
    node, other = node[order], other[order]
    first = _group_starts(node)
    rank = np.arange(len(node)) - np.repeat(first, np.diff(np.append(first, len(node))))
    chosen = {(int(a), int(b)) for a, b in zip(node[rank < k].tolist(), other[rank < k].tolist())}
    keep = np.array([(a, b) in chosen and (b, a) in chosen for a, b in pairs.tolist()], dtype=bool)
    out = pairs[keep]
    return out[np.lexsort((out[:, 1], out[:, 0]))]

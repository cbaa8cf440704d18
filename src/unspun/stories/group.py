"""``unspun stories``: group documents into ``copy`` stories (versions of one text) and
``event`` stories (independent texts about one event).

The path works from text alone — no parser, no analysis stage — so a million documents fit
in minutes on two cores:

1. ``features``: content-word hashes per sentence; word-bigram shingles inside sentences;
   MinHash signatures (``minhash``). Run in ``jobs`` processes, chunk by chunk, in order.
2. ``candidates``: LSH banding at a low Jaccard threshold (rewritten copies share few
   shingles), skipping buckets that an outlet's furniture fills; pairs whose signatures
   barely agree (estimated Jaccard < ``min_agreement``) are dropped.
3. ``verify``: each remaining pair is aligned sentence by sentence (in ``jobs`` processes); sentences that more than
   ``common_df`` documents carry (share prompts, copyright lines) are ignored. Pairs the
   words cannot settle (grey) go to ``settle`` — ``unspun.stories.settle.EmbeddingSettle``,
   sentence embeddings, in the command — or count as not copies; their number is reported.
   A settler that needs the texts says how much of each (``head_chars``): pass 1 then keeps
   that head of every document, zlib-compressed per chunk, in an anonymous temporary file,
   and reads back only the documents of grey pairs.
4. Copy stories are the connected components of verified pairs.
5. ``events``: copy stories whose keywords (TF-IDF over the corpus) agree are joined into
   event stories.

Output (DATA-MODEL.md): every input in exactly one copy story; a story's id is its smallest
member id (``e:`` + that for events); sorted by size (largest first), then id. Equal inputs
give byte-identical output whatever ``jobs`` is.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import numpy as np

from unspun.stories.candidates import candidate_pairs
from unspun.stories.features import batch_features
from unspun.stories.minhash import MinHash, shingle_keys, unique_sorted
from unspun.stories.verify import compare_sentences

DF_BITS = 22  # the document-frequency sketch of words has 2**DF_BITS counters
# Grouping reads the first this many characters of each text (a news article is far shorter;
# a longer text would cost memory in proportion to its length for no better grouping).
GROUP_CHARS = 200_000


@dataclass
class Settings:
    """Grouping parameters. ``bands * rows`` <= ``num_perm``; the LSH threshold (Jaccard found
    with probability 1/2) is ``(1 - 0.5 ** (1 / bands)) ** (1 / rows)``: 0.087 by default."""

    shingle: int = 2
    num_perm: int = 128
    bands: int = 64
    rows: int = 2
    max_bucket: int = 50
    common_df: int = 100
    chunk: int = 1000
    event_cosine: float = 0.2
    event_keywords: int = 25
    min_agreement: float = 0.04
    seed: int = 1


@dataclass
class Corpus:
    """What the first pass keeps per document: signature, content words by sentence
    (concatenated, with offsets), sentence hashes, and a word document-frequency sketch."""

    ids: list[str]
    sources: list
    signatures: np.ndarray
    words: np.ndarray
    sids: np.ndarray
    offsets: np.ndarray
    sentence_hashes: np.ndarray
    sentence_offsets: np.ndarray
    df: np.ndarray
    heads: "DocumentHeads | None" = None

    def texts(self, indices) -> list[str]:
        """The kept heads of documents ``indices`` (``DocumentHeads``; empty strings without them)."""
        if self.heads is None:
            return ["" for _ in indices]
        return self.heads.get(indices)

    def doc(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.words[a:b], self.sids[a:b]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Stats:
    """Counts and timings of one run, for the command's summary and the benchmarks."""

    docs: int = 0
    candidates: int = 0
    aligned: int = 0
    verified: int = 0
    grey: int = 0
    settled: int = 0
    grey_asked: int = 0  # grey pairs between different stories, the ones ``settle`` decides
    settle_docs: int = 0
    settle_sentences: int = 0
    copy_stories: int = 0
    event_stories: int = 0
    event_candidates: int = 0
    event_rows: int = 0
    seconds: dict = field(default_factory=dict)


# -- pass 1: features and signatures, in worker processes -------------------------------------


class DocumentHeads:
    """The first ``chars`` characters of every document, zlib-compressed chunk by chunk in an
    anonymous temporary file (deleted when closed or collected): what a settler reads back
    for the few documents in grey pairs, without holding a million texts in memory."""

    def __init__(self, chars: int) -> None:
        self.chars = chars
        self.file = tempfile.TemporaryFile(prefix="unspun-heads-")
        self.starts = [0]          # first document of each chunk (and the total at the end)
        self.places: list[tuple[int, int]] = []  # (file offset, length) of each chunk's blob

    @staticmethod
    def pack(texts: list[str], chars: int) -> bytes:
        return zlib.compress("\x00".join(t[:chars].replace("\x00", " ") for t in texts).encode("utf-8"), 1)

    def add(self, blob: bytes, n_docs: int) -> None:
        self.file.seek(0, os.SEEK_END)
        self.places.append((self.file.tell(), len(blob)))
        self.file.write(blob)
        self.starts.append(self.starts[-1] + n_docs)

    def get(self, indices) -> list[str]:
        out: dict[int, str] = {}
        wanted = sorted(set(int(i) for i in indices))
        starts = np.asarray(self.starts)
        chunk_of = np.searchsorted(starts, wanted, side="right") - 1
        for c in sorted(set(chunk_of.tolist())):
            offset, length = self.places[c]
            self.file.seek(offset)
            texts = zlib.decompress(self.file.read(length)).decode("utf-8").split("\x00")
            for i, ci in zip(wanted, chunk_of.tolist()):
                if ci == c:
                    out[i] = texts[i - self.starts[c]]
        return [out[int(i)] for i in indices]

    def close(self) -> None:
        self.file.close()


@lru_cache(maxsize=4)
def _hasher(num_perm: int, seed: int) -> MinHash:
    return MinHash(num_perm, seed)


def chunk_features(texts: list[str], settings: Settings, head_chars: int = 0) -> tuple:
    """Pass 1 over one chunk of texts: MinHash signatures, content words with their sentence
    ids, words per document, sentence hashes, sentences per document, the (masked) word ids
    seen per document for the document-frequency sketch, the packed heads (``DocumentHeads.pack``,
    with ``head_chars``) and the number of texts. Each document's values depend on its text
    alone, not on the chunk it is in (the Spark engine cuts chunks differently). A text is
    read up to ``GROUP_CHARS`` characters."""
    batch = batch_features([t[:GROUP_CHARS] for t in texts])
    docs = batch.doc_of_words()
    keys = shingle_keys(batch.words, batch.gsids, docs, settings.shingle)
    sigs = _hasher(settings.num_perm, settings.seed).signatures_of_keys(keys, len(texts))
    seen = seen_words(batch.words, docs)
    heads = DocumentHeads.pack(texts, head_chars) if head_chars else None
    return (sigs, batch.words, batch.sids, np.diff(batch.offsets), batch.sentence_hashes,
            np.diff(batch.sentence_offsets), seen, heads, len(texts))


def seen_words(words: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Each distinct word of each document once, as its slot in the document-frequency sketch
    (``words`` with their document numbers ``docs``); a ``np.bincount`` of these counts
    documents per word."""
    pairs = unique_sorted((docs.astype(np.uint64) << np.uint64(32)) | words.astype(np.uint64))
    return (pairs & np.uint64((1 << DF_BITS) - 1)).astype(np.uint32)


def _chunk_features(args: tuple[list[str], Settings, int]) -> tuple:
    return chunk_features(*args)


def _chunks(docs: Iterable[tuple[str, object, str]], size: int, meta: list) -> Iterator[list[str]]:
    batch: list[str] = []
    for doc_id, source, text in docs:
        meta.append((doc_id, source))
        batch.append(text)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def featurize(docs: Iterable[tuple[str, object, str]], settings: Settings, jobs: int = 1,
              head_chars: int = 0) -> Corpus:
    """Pass 1 over ``(id, source, text)`` triples, in ``jobs`` processes (order kept); with
    ``head_chars``, the first that many characters of each text are kept (``Corpus.heads``)."""
    meta: list = []
    heads = DocumentHeads(head_chars) if head_chars else None
    parts: list = []
    df = np.zeros(1 << DF_BITS, dtype=np.uint32)
    seen: list[np.ndarray] = []

    def take(part: tuple) -> None:
        """Keep a chunk's arrays; fold its words into the document-frequency sketch."""
        parts.append(part[:6])
        seen.append(part[6])
        if heads is not None:
            heads.add(part[7], part[8])
        if len(parts) % 50 == 0:
            release_memory()
        if sum(len(x) for x in seen) > 2_000_000:
            df[:] += np.bincount(np.concatenate(seen), minlength=1 << DF_BITS).astype(np.uint32)
            seen.clear()

    work = ((texts, settings, head_chars) for texts in _chunks(docs, settings.chunk, meta))
    if jobs > 1:
        # the input is read here, in this thread (a store's connection is bound to it), and at
        # most 2 * jobs chunks are in flight
        ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
        with ctx.Pool(jobs) as pool:
            pending: deque = deque()
            for item in work:
                pending.append(pool.apply_async(_chunk_features, (item,)))
                while len(pending) > 2 * jobs:
                    take(pending.popleft().get())
            for p in pending:
                take(p.get())
    else:
        for w in work:
            take(_chunk_features(w))
    if seen:
        df += np.bincount(np.concatenate(seen), minlength=1 << DF_BITS).astype(np.uint32)
    if not parts:
        return Corpus([], [], np.zeros((0, settings.num_perm), np.uint32), np.zeros(0, np.uint32),
                      np.zeros(0, np.uint16), np.zeros(1, np.int64), np.zeros(0, np.uint64), np.zeros(1, np.int64), df,
                      heads)
    corpus = _assemble(meta, parts, settings, df)
    corpus.heads = heads
    return corpus


def _assemble(meta: list, parts: list, settings: Settings, df: np.ndarray) -> Corpus:
    """Join the chunks' arrays one field at a time into a preallocated array, dropping each
    chunk's piece as soon as it is copied, so the peak is the corpus plus one chunk (not the
    corpus plus its largest field, 1.5 GB of words at a million documents); freed heap is
    handed back to the system as it goes."""
    fields = []
    for k in range(6):
        first = parts[0][k]
        out = np.empty((sum(len(p[k]) for p in parts),) + first.shape[1:], dtype=first.dtype)
        at = 0
        for c, p in enumerate(parts):
            out[at:at + len(p[k])] = p[k]
            at += len(p[k])
            parts[c] = p[:k] + (None,) + p[k + 1:]
            if c % 100 == 99:
                release_memory()
        fields.append(out)
        release_memory()
    parts.clear()
    sigs, words, sids, lens, hashes, slens = fields
    release_memory()
    return Corpus(ids=[m[0] for m in meta], sources=[m[1] for m in meta], signatures=sigs, words=words, sids=sids,
                  offsets=np.concatenate(([0], np.cumsum(lens))), sentence_hashes=hashes,
                  sentence_offsets=np.concatenate(([0], np.cumsum(slens))), df=df)


def release_memory() -> None:
    """Return freed heap to the operating system (glibc ``malloc_trim``; a no-op elsewhere).
    Many mid-sized numpy arrays freed in a row otherwise stay in the process's heap."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


# -- pass 2: candidates, verification, components -----------------------------------------------


def components(n: int, edges: Iterable[tuple[int, int]]) -> np.ndarray:
    """A component label per node: the smallest node index in its component (union-find on
    Python lists, touching only the nodes that have edges)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    labels = np.arange(n)
    for x in list(parent):
        labels[x] = find(x)
    return labels


def too_common(counts: np.ndarray, max_df: int) -> np.ndarray:
    """Which sentence hashes to ignore in verification, from their number of occurrences in
    the corpus: those seen more than ``max_df`` times (share prompts, copyright lines)."""
    return counts > max_df


def common_sentences(corpus: Corpus, max_df: int) -> np.ndarray:
    """A mask over all sentences: those that occur more than ``max_df`` times in the corpus."""
    h = corpus.sentence_hashes
    if not len(h):
        return np.zeros(0, dtype=bool)
    order = np.sort(h)
    starts = np.flatnonzero(np.concatenate(([True], order[1:] != order[:-1])))
    counts = np.diff(np.append(starts, len(order)))
    common = order[starts[too_common(counts, max_df)]]
    return np.isin(h, common)


def agreeing(sig_a: np.ndarray, sig_b: np.ndarray, min_agreement: float) -> np.ndarray:
    """Per row pair, whether two signature matrices agree on at least ``min_agreement`` of
    their values (an estimated Jaccard similarity of at least that)."""
    return (sig_a == sig_b).mean(axis=1) >= min_agreement


def verify_pair(words_a: np.ndarray, sids_a: np.ndarray, common_a: np.ndarray,
                words_b: np.ndarray, sids_b: np.ndarray, common_b: np.ndarray):
    """The alignment verdict (``verify.Verdict``) on two documents, each given as its content
    words, their sentence ids and a mask of its sentences that are too common to count."""
    return compare_sentences(*drop_sentences(words_a, sids_a, common_a), *drop_sentences(words_b, sids_b, common_b))


def drop_sentences(words: np.ndarray, sids: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A document's words and sentence ids without the sentences ``bad`` marks."""
    if bad.any():
        keep = ~bad[sids]
        return words[keep], sids[keep]
    return words, sids


# ``settle(i, j) -> bool`` per pair, or an object with ``decide(pairs, texts) -> bools`` for all
# grey pairs at once (and ``head_chars``: how much of each text it reads), like
# ``unspun.stories.settle.EmbeddingSettle``.
Settle = Callable[[int, int], bool]


def aligned_candidates(signatures: np.ndarray, settings: Settings, stats: Stats) -> np.ndarray:
    """The candidate pairs of the LSH bands whose signatures agree on at least
    ``settings.min_agreement`` of their values (counted and timed in ``stats``)."""
    t = time.perf_counter()
    pairs = candidate_pairs(signatures, settings.bands, settings.rows, settings.max_bucket)
    stats.candidates = len(pairs)
    pairs = agreeing_pairs(signatures, pairs, settings.min_agreement)
    stats.aligned = len(pairs)
    stats.seconds["candidates"] = time.perf_counter() - t
    return pairs


def copy_pairs(corpus: Corpus, settings: Settings, stats: Stats, settle: Settle | None = None,
               jobs: int = 1) -> list[tuple[int, int]]:
    """Candidate pairs that sentence alignment (or ``settle`` for grey pairs) accepts.

    Candidates whose signatures agree on fewer than ``settings.min_agreement`` of their values
    (an estimated Jaccard similarity below it) are dropped before alignment: bucket
    collisions on one or two common shingles, never a version of the same text in the
    generated benchmarks. Alignment runs in ``jobs`` forked processes that share the corpus."""
    pairs = aligned_candidates(corpus.signatures, settings, stats)
    t = time.perf_counter()
    copy, grey = verify_pairs(corpus, common_sentences(corpus, settings.common_df), pairs, jobs)
    kept = [tuple(p) for p in pairs[copy].tolist()]
    grey_pairs = pairs[grey]
    stats.grey = len(grey_pairs)
    stats.seconds["verify"] = time.perf_counter() - t
    kept += settle_grey(len(corpus), kept, grey_pairs, settle, corpus.texts, stats)
    stats.verified = len(kept)
    return kept


def agreeing_pairs(signatures: np.ndarray, pairs: np.ndarray, min_agreement: float) -> np.ndarray:
    """The ``pairs`` whose signatures agree on at least ``min_agreement`` of their values."""
    keep = np.ones(len(pairs), dtype=bool)
    for i in range(0, len(pairs), 500_000):
        part = pairs[i:i + 500_000]
        keep[i:i + 500_000] = agreeing(signatures[part[:, 0]], signatures[part[:, 1]], min_agreement)
    return pairs[keep]


def verify_pairs(corpus: Corpus, common: np.ndarray, pairs: np.ndarray, jobs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, whether alignment finds a copy and whether it is grey (``verify_pair``), with
    ``common`` the mask of sentences too common to count; in ``jobs`` forked processes that
    share the corpus when there are many pairs."""
    global _SHARED
    _SHARED = (corpus, common)
    try:
        step = 5_000
        chunks = [pairs[i:i + step] for i in range(0, len(pairs), step)]
        if jobs > 1 and len(pairs) > step:
            ctx = mp.get_context("fork")
            with ctx.Pool(jobs) as pool:
                verdicts = pool.map(_verify_chunk, chunks, chunksize=1)
        else:
            verdicts = [_verify_chunk(c) for c in chunks]
    finally:
        _SHARED = None
    if not verdicts:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    return np.concatenate([v[0] for v in verdicts]), np.concatenate([v[1] for v in verdicts])


def settle_grey(n: int, kept: list[tuple[int, int]], grey_pairs: np.ndarray, settle: Settle | None,
                texts: Callable, stats: Stats, known: dict | None = None) -> list[tuple[int, int]]:
    """The grey pairs that ``settle`` joins, among those between different stories of the
    verified pairs ``kept`` (a grey pair inside one story cannot change the stories).
    ``known`` maps pairs already decided by this settler to their decision (they are not
    asked again) and receives the new decisions."""
    if settle is None or not len(grey_pairs):
        return []
    t = time.perf_counter()
    labels = components(n, kept)
    grey_pairs = grey_pairs[labels[grey_pairs[:, 0]] != labels[grey_pairs[:, 1]]]
    del labels
    stats.grey_asked = len(grey_pairs)
    ok = ask_settler(grey_pairs, settle, texts, stats, known)
    stats.seconds["settle"] = time.perf_counter() - t
    return [tuple(p) for p in grey_pairs[ok].tolist()]


def ask_settler(pairs: np.ndarray, settle: Settle, texts: Callable, stats: Stats,
                known: dict | None = None) -> np.ndarray:
    """Which of the grey ``pairs`` ``settle`` joins (a mask). ``known`` maps pairs this settler
    decided before to its decision (they are not asked again) and receives the new decisions."""
    ok = np.zeros(len(pairs), dtype=bool)
    ask = np.ones(len(pairs), dtype=bool)
    if known:
        for k, pair in enumerate(map(tuple, pairs.tolist())):
            if pair in known:
                ok[k], ask[k] = known[pair], False
    asked = pairs[ask]
    if hasattr(settle, "decide"):
        decided = np.asarray(settle.decide(asked, texts), dtype=bool) if len(asked) else np.zeros(0, dtype=bool)
        stats.settle_docs = getattr(settle, "documents", 0) if len(asked) else 0
        stats.settle_sentences = getattr(settle, "sentences", 0) if len(asked) else 0
    else:
        decided = np.array([bool(settle(a, b)) for a, b in asked.tolist()], dtype=bool)
    ok[ask] = decided
    if known is not None:
        known.update(zip(map(tuple, asked.tolist()), decided.tolist()))
    stats.settled = int(ok.sum())
    return ok


_SHARED: tuple | None = None  # (corpus, common-sentence mask) for forked verification workers


def _verify_chunk(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    corpus, common = _SHARED
    copy = np.zeros(len(pairs), dtype=bool)
    grey = np.zeros(len(pairs), dtype=bool)
    for k, (a, b) in enumerate(pairs.tolist()):
        verdict = verify_pair(*corpus.doc(a), _common_of(corpus, a, common), *corpus.doc(b), _common_of(corpus, b, common))
        copy[k], grey[k] = verdict.copy, verdict.grey
    return copy, grey


def _common_of(corpus: Corpus, i: int, common: np.ndarray) -> np.ndarray:
    return common[corpus.sentence_offsets[i]:corpus.sentence_offsets[i + 1]]


# -- the whole thing ----------------------------------------------------------------------------


def group(docs: Iterable[tuple[str, object, str]], settings: Settings | None = None, *, jobs: int = 1,
          settle: Settle | None = None, events: bool = True, stats: Stats | None = None) -> dict:
    """The ``unspun stories`` JSON for ``(id, source, text)`` triples.

    ``source`` is what each member's ``"source"`` shows (the input's path, ``PATH:LINE``...).
    ``settle(i, j)`` decides pairs the words cannot (indices in input order); ``stats``, when
    given, is filled in.
    """
    from unspun.stories.events import event_links

    settings = settings or Settings()
    stats = stats if stats is not None else Stats()
    t = time.perf_counter()
    corpus = featurize(docs, settings, jobs, head_chars=int(getattr(settle, "head_chars", 0) or 0))
    stats.docs = len(corpus)
    stats.seconds["features"] = time.perf_counter() - t
    try:
        edges = copy_pairs(corpus, settings, stats, settle, jobs=jobs)
    finally:
        if corpus.heads is not None:
            corpus.heads.close()
            corpus.heads = None
    # what only candidates and verification read (~1.5 GB at a million documents) goes
    # before the stories and events are built
    corpus.signatures = corpus.signatures[:0].copy()  # a copy: a view would keep the whole array
    corpus.sids = corpus.sids[:0].copy()
    corpus.sentence_hashes = corpus.sentence_hashes[:0].copy()
    release_memory()
    t = time.perf_counter()
    labels = components(len(corpus), edges)
    del edges
    release_memory()
    links = event_links(corpus, labels, settings, stats) if events else None
    out = assemble(corpus.ids, corpus.sources, labels, links, stats)
    stats.seconds["group"] = time.perf_counter() - t
    return {"stories": out}


def assemble(ids: list[str], sources: list, labels, links: list[tuple[int, int]] | None,
             stats: Stats | None = None) -> list[dict]:
    """The stories list of the ``unspun stories`` JSON from the grouping's decisions.

    ``labels[i]`` names document ``i``'s copy story (any number shared by exactly its members,
    such as its smallest index); ``links`` are pairs of labels judged to report one event
    (None: no event step). Story ids, member order and story order follow DATA-MODEL.md, so
    the same decisions give the same JSON whoever made them (this process or Spark)."""
    labels = [int(x) for x in labels]
    copies = _stories(ids, sources, labels)
    out = [{"id": c["id"], "kind": "copy", "members": c["members"]} for c in copies]
    event_list = []
    if links is not None:
        roots = sorted(set(labels))
        index = {r: k for k, r in enumerate(roots)}
        ev = components(len(roots), ((index[a], index[b]) for a, b in links))
        groups: dict[int, list[int]] = {}
        for k, r in enumerate(roots):
            groups.setdefault(int(ev[k]), []).append(r)
        by_root = {c["root"]: c for c in copies}
        for members in groups.values():
            if len(members) < 2:
                continue
            stories = sorted(by_root[r]["id"] for r in members)
            people = sorted((m for r in members for m in by_root[r]["members"]), key=lambda m: m["id"])
            event_list.append({"id": "e:" + people[0]["id"], "kind": "event", "stories": stories, "members": people})
        event_list.sort(key=lambda s: (-len(s["members"]), s["id"]))
        out += event_list
    if stats is not None:
        stats.copy_stories = len(copies)
        stats.event_stories = len(event_list)
    return out


def _stories(ids: list[str], sources: list, labels: list[int]) -> list[dict]:
    groups: dict[int, list[int]] = {}
    for i, root in enumerate(labels):
        groups.setdefault(root, []).append(i)
    out = []
    for root, members in groups.items():
        people = sorted(({"id": ids[i], "source": sources[i]} for i in members), key=lambda m: m["id"])
        out.append({"id": people[0]["id"], "root": root, "members": people})
    out.sort(key=lambda s: (-len(s["members"]), s["id"]))
    return out

"""Stories of a store, kept up to date as articles are added (``unspun stories --db``).

A full grouping (``group.group``) reads and featurizes every article, finds candidate pairs
over all of them and verifies every pair. A store fed daily would pay for the whole corpus
each day, so the store keeps what the grouping knew (``story_parts`` and ``story_state``,
schema 5): every grouped article's features (MinHash signature, content words with sentence
ids, sentence hashes — what pass 1 makes from its text alone), the word document-frequency
sketch, every candidate pair that passed the signature-agreement filter with its verdict
(copy, grey or no), and the settler's decisions on grey pairs. Adding N articles to M then:

1. featurizes only the N (the features of the M are read back, not recomputed);
2. finds by LSH banding, over all M + N signatures, the candidate pairs with a new article
   in them; a pair of two stored articles can only *lose* its candidacy (a bucket that grows
   past ``max_bucket`` stops giving pairs), so each stored pair is kept only if some band
   still puts both in one bucket of at most ``max_bucket`` (exactly the full rule);
3. verifies the new pairs, and re-verifies the stored pairs of any stored article holding a
   sentence whose count crossed ``common_df`` with the new articles (that sentence is now
   ignored in alignment, which may change the verdict); other stored verdicts stand, since a
   verdict depends only on the two texts and that mask;
4. asks the settler only about grey pairs between different stories that it has not decided
   before (its decision on a pair depends on the two texts alone);
5. builds copy stories (connected components) and event stories over the whole corpus again:
   events use TF-IDF with the corpus's document frequencies and a mutual-nearest-neighbour
   rule, which every added article can change anywhere, so they are not incremental (from
   the stored features they cost seconds per 100,000 articles).

The result equals a full regroup of the same store (``tests/test_stories_incremental.py``
checks it on a generated corpus with thresholds that are crossed), as long as articles are
only added. A full regroup is made — and reported — instead when there is no state (a store
grouped by an older unspun, or never), the settings changed, a stored article was
re-analysed, or articles were removed; ``rebuild=True`` (``--rebuild``) asks for one. Saving
rewrites only the stories whose JSON changed (each copy story's version comparison is the
costly part), so the stored stories equal those of a full save; when someone else saved the
stories since (``Store.clear_stories``: ``unspun import``, a full save elsewhere), all are saved
again.
"""

from __future__ import annotations

import io
import json
import time
import zlib
from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Callable

import numpy as np

from unspun.stories.candidates import band_keys, bucket_kept, run_pairs
from unspun.stories.group import (Corpus, Settings, Stats, agreeing_pairs, aligned_candidates, assemble,
                                  common_sentences, components, featurize, settle_grey, verify_pairs)
from unspun.stories.minhash import EMPTY, unique_sorted
from unspun.stories.save import MAX_VERSIONS, save_stories, sync_stories

STATE_VERSION = 1
PART = 20_000  # documents per stored part in a full grouping
NO, COPY, GREY = 0, 1, 2  # stored verdicts


@dataclass
class Update:
    """What ``update_stories`` did: the ``unspun stories`` JSON (``result``), the number of
    stories of several members now stored, whether it grouped the ``added`` articles against
    the ``grouped`` ones (``mode`` ``incremental``) or regrouped everything (``full``, with
    ``reason``), and for an incremental run how many stored pairs lost their candidacy
    (``dropped``) or were verified again because a sentence became too common (``reverified``),
    and how many stories were stored anew with their comparison (``rewritten``; the others
    were unchanged and kept)."""

    result: dict
    stored: int
    mode: str
    reason: str
    added: int
    grouped: int
    dropped: int = 0
    reverified: int = 0
    rewritten: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        if self.mode == "incremental":
            return (f"{self.added:,} added articles grouped against {self.grouped:,} already grouped "
                    f"({self.dropped:,} stored pairs dropped, {self.reverified:,} verified again; "
                    f"{self.rewritten:,} stories stored anew)")
        return f"all {self.added:,} articles grouped from scratch ({self.reason})"


def settings_key(settings: Settings) -> str:
    """The settings a stored state was made with (``chunk`` changes nothing in the output)."""
    d = asdict(settings)
    d.pop("chunk", None)
    d["state"] = STATE_VERSION
    return json.dumps(d, sort_keys=True)


def settle_key(settle) -> str:
    """Which settler made the stored decisions on grey pairs: its class or function and, for a
    dataclass, its parameters ("" for none)."""
    if settle is None:
        return ""
    kind = settle if callable(settle) and not hasattr(settle, "decide") and not is_dataclass(settle) else type(settle)
    name = f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', repr(kind))}"
    if is_dataclass(settle) and not isinstance(settle, type):
        params = {f.name: getattr(settle, f.name) for f in fields(settle) if f.init}
        return name + json.dumps(params, sort_keys=True, default=str)
    return name


# -- stored arrays ------------------------------------------------------------------------------


def _pack(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _unpack(data: bytes) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _part_blob(corpus: Corpus, a: int, b: int) -> bytes:
    """Documents ``a:b`` of ``corpus`` as one stored part."""
    w0, w1 = corpus.offsets[a], corpus.offsets[b]
    s0, s1 = corpus.sentence_offsets[a], corpus.sentence_offsets[b]
    meta = zlib.compress(json.dumps([corpus.ids[a:b], corpus.sources[a:b]], ensure_ascii=False).encode("utf-8"))
    return _pack(signatures=corpus.signatures[a:b], words=corpus.words[w0:w1], sids=corpus.sids[w0:w1],
                 lens=np.diff(corpus.offsets[a:b + 1]), hashes=corpus.sentence_hashes[s0:s1],
                 slens=np.diff(corpus.sentence_offsets[a:b + 1]), meta=np.frombuffer(meta, dtype=np.uint8))


def _join(parts: list[dict], num_perm: int, df: np.ndarray) -> Corpus:
    """One corpus from stored parts (and the new documents' arrays, in the same form)."""
    ids: list[str] = []
    sources: list = []
    for p in parts:
        if "meta" in p:
            i, s = json.loads(zlib.decompress(p.pop("meta").tobytes()).decode("utf-8"))
            p["ids"], p["sources"] = i, s
        ids += p["ids"]
        sources += p["sources"]

    def cat(key: str, empty: np.ndarray) -> np.ndarray:
        xs = [p[key] for p in parts]
        return np.concatenate(xs) if xs else empty

    lens = cat("lens", np.zeros(0, np.int64))
    slens = cat("slens", np.zeros(0, np.int64))
    return Corpus(ids=ids, sources=sources,
                  signatures=cat("signatures", np.zeros((0, num_perm), np.uint32)),
                  words=cat("words", np.zeros(0, np.uint32)), sids=cat("sids", np.zeros(0, np.uint16)),
                  offsets=np.concatenate(([0], np.cumsum(lens))).astype(np.int64),
                  sentence_hashes=cat("hashes", np.zeros(0, np.uint64)),
                  sentence_offsets=np.concatenate(([0], np.cumsum(slens))).astype(np.int64), df=df)


def _as_part(corpus: Corpus) -> dict:
    return {"ids": corpus.ids, "sources": corpus.sources, "signatures": corpus.signatures, "words": corpus.words,
            "sids": corpus.sids, "lens": np.diff(corpus.offsets), "hashes": corpus.sentence_hashes,
            "slens": np.diff(corpus.sentence_offsets)}


@dataclass
class State:
    docs: int
    last_rowid: int
    df: np.ndarray
    pairs: np.ndarray
    verdicts: np.ndarray
    settle_key: str
    decisions: dict
    max_versions: int


def load_state(store, settings: Settings) -> tuple[State | None, str]:
    """The stored state, or None and why it cannot be used."""
    raw = store.story_state("state")
    if raw is None:
        return None, "no grouping state stored yet"
    if store.story_state("settings") != settings_key(settings):
        return None, "the grouping settings changed"
    if store.stories_reanalysed:
        return None, "stored articles were re-analysed"
    head = json.loads(store.story_state("head"))
    if store.count_until(head["last_rowid"]) != head["docs"] or \
            (head["docs"] and store.id_at(head["last_rowid"]) != head.get("last_id")):
        return None, "articles were removed from the store"
    z = _unpack(raw)
    df = np.frombuffer(zlib.decompress(z["df"].tobytes()), dtype=np.uint32).copy()
    decisions = dict(zip(map(tuple, z["decided"].tolist()), z["decisions"].astype(bool).tolist()))
    return State(head["docs"], head["last_rowid"], df, z["pairs"], z["verdicts"], head["settle"], decisions,
                 head["max_versions"]), ""


def _save_state(store, settings: Settings, docs: int, last_rowid: int, last_id: str | None, df: np.ndarray,
                pairs: np.ndarray, verdicts: np.ndarray, settle: str, decisions: dict, max_versions: int) -> None:
    decided = np.array(sorted(decisions), dtype=np.int64).reshape(-1, 2)
    ok = np.array([decisions[tuple(p)] for p in decided.tolist()], dtype=np.uint8)
    df_blob = np.frombuffer(zlib.compress(df.astype(np.uint32).tobytes(), 1), dtype=np.uint8)
    store.put_story_state("settings", settings_key(settings))
    store.put_story_state("head", json.dumps({"docs": docs, "last_rowid": last_rowid, "last_id": last_id,
                                              "settle": settle, "max_versions": max_versions}))
    store.put_story_state("state", _pack(df=df_blob, pairs=pairs.astype(np.int64).reshape(-1, 2),
                                         verdicts=verdicts.astype(np.uint8), decided=decided, decisions=ok))


# -- the incremental steps ----------------------------------------------------------------------


def incremental_candidates(signatures: np.ndarray, first_new: int, old_pairs: np.ndarray, bands: int, rows: int,
                           max_bucket: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """LSH banding over all signatures, split by what is new: the sorted unique candidate
    pairs ``(i, j)``, ``i < j``, with ``j >= first_new`` (the pairs ``candidate_pairs`` gives
    that involve a new document), and a mask over ``old_pairs`` (pairs of documents before
    ``first_new``) of those that some band still puts in one bucket of at most ``max_bucket``
    documents. Together they are ``candidate_pairs`` of all documents, restricted to the new
    pairs and the old ones given."""
    supported = np.zeros(len(old_pairs), dtype=bool)
    live = np.flatnonzero(signatures[:, 0] != EMPTY)
    if len(live) < 2:
        return np.zeros((0, 2), dtype=np.int64), supported
    sig = signatures[live]
    n = len(live)
    new_from = int(np.searchsorted(live, first_new))
    pa = np.searchsorted(live, old_pairs[:, 0]) if len(old_pairs) else None
    pb = np.searchsorted(live, old_pairs[:, 1]) if len(old_pairs) else None
    found: list[np.ndarray] = []
    for band in range(bands):
        key = band_keys(sig, band, rows)
        order = np.argsort(key, kind="stable")
        ks = key[order]
        starts = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
        lengths = np.diff(np.r_[starts, n])
        ok = bucket_kept(lengths, max_bucket)
        if pa is not None:
            kept_doc = np.empty(n, dtype=bool)
            kept_doc[order] = np.repeat(ok, lengths)
            supported |= (key[pa] == key[pb]) & kept_doc[pa]
        sel = ok & (np.maximum.reduceat(order, starts) >= new_from)  # kept buckets holding a new document
        if not sel.any():
            continue
        for lo, hi in run_pairs(order, starts[sel], lengths[sel]):
            new = hi >= new_from
            found.append(lo[new].astype(np.int64) * n + hi[new])
        if sum(len(f) for f in found) > 20_000_000:
            found = [unique_sorted(np.concatenate(found))]
    if not found:
        return np.zeros((0, 2), dtype=np.int64), supported
    keys = unique_sorted(np.concatenate(found))
    return np.stack([live[keys // n], live[keys % n]], axis=1), supported


def _sentence_counts(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(h):
        return h, np.zeros(0, dtype=np.int64)
    order = np.sort(h)
    starts = np.flatnonzero(np.concatenate(([True], order[1:] != order[:-1])))
    return order[starts], np.diff(np.append(starts, len(order)))


def crossed_documents(corpus: Corpus, first_new: int, max_df: int) -> np.ndarray:
    """A mask over the documents before ``first_new``: those holding a sentence that occurs
    more than ``max_df`` times in the whole corpus but not in those documents alone (a
    sentence that the added documents made too common to count in alignment)."""
    mask = np.zeros(first_new, dtype=bool)
    cut = int(corpus.sentence_offsets[first_new])
    u_all, c_all = _sentence_counts(corpus.sentence_hashes)
    u_old, c_old = _sentence_counts(corpus.sentence_hashes[:cut])
    crossed = np.setdiff1d(u_all[c_all > max_df], u_old[c_old > max_df], assume_unique=True)
    if not len(crossed):
        return mask
    hit = np.isin(corpus.sentence_hashes[:cut], crossed)
    doc_of = np.repeat(np.arange(first_new), np.diff(corpus.sentence_offsets[:first_new + 1]))
    mask[doc_of[hit]] = True
    return mask


def _verdicts(copy: np.ndarray, grey: np.ndarray) -> np.ndarray:
    return np.where(copy, COPY, np.where(grey, GREY, NO)).astype(np.uint8)


# -- the whole thing ----------------------------------------------------------------------------


def update_stories(store, settings: Settings | None = None, *, jobs: int = 1, settle=None, events: bool = True,
                   stats: Stats | None = None, rebuild: bool = False, source: Callable | None = None,
                   max_versions: int = MAX_VERSIONS) -> Update:
    """Group the store's articles into stories and save them (stories of several members, each
    copy story with its version comparison over ``max_versions`` members), adding the
    articles stored since the last grouping to it when the stored state allows (see the
    module), else — or with ``rebuild`` — regrouping all of them. ``source`` maps each
    article's stored ``source`` object to what its members show (default: the object)."""
    from unspun.stories.events import event_links

    settings = settings or Settings()
    stats = stats if stats is not None else Stats()
    t0 = time.perf_counter()
    until = store.last_rowid()
    state, reason = (None, "--rebuild") if rebuild else load_state(store, settings)
    head_chars = int(getattr(settle, "head_chars", 0) or 0)
    t = time.perf_counter()
    dropped = reverified = 0
    if state is None:
        corpus = featurize(store.texts(until=until), settings, jobs)
        grouped = 0
        stats.seconds["features"] = time.perf_counter() - t
        pairs = aligned_candidates(corpus.signatures, settings, stats)
        t = time.perf_counter()
        verdicts = _verdicts(*verify_pairs(corpus, common_sentences(corpus, settings.common_df), pairs, jobs))
        decisions: dict = {}
    else:
        new = featurize(store.texts(after=state.last_rowid, until=until), settings, jobs)
        parts = [_unpack(row[3]) for row in store.story_parts()]
        corpus = _join(parts + [_as_part(new)], settings.num_perm, state.df + new.df)
        del parts
        grouped = state.docs
        stats.seconds["features"] = time.perf_counter() - t
        t = time.perf_counter()
        fresh, supported = incremental_candidates(corpus.signatures, grouped, state.pairs, settings.bands,
                                                  settings.rows, settings.max_bucket)
        stats.candidates = len(fresh)
        fresh = agreeing_pairs(corpus.signatures, fresh, settings.min_agreement)
        old, old_verdicts = state.pairs[supported], state.verdicts[supported]
        dropped = int((~supported).sum())
        stats.seconds["candidates"] = time.perf_counter() - t
        t = time.perf_counter()
        crossed = crossed_documents(corpus, grouped, settings.common_df)
        redo = crossed[old[:, 0]] | crossed[old[:, 1]]
        reverified = int(redo.sum())
        todo = np.concatenate((old[redo], fresh)).astype(np.int64).reshape(-1, 2)
        stats.aligned = len(todo)
        redone = _verdicts(*verify_pairs(corpus, common_sentences(corpus, settings.common_df), todo, jobs))
        old_verdicts = old_verdicts.copy()
        old_verdicts[redo] = redone[:reverified]
        pairs = np.concatenate((old, fresh)).astype(np.int64).reshape(-1, 2)
        verdicts = np.concatenate((old_verdicts, redone[reverified:])).astype(np.uint8)
        decisions = state.decisions if state.settle_key == settle_key(settle) else {}
    stats.docs = len(corpus)
    stats.grey = int((verdicts == GREY).sum())
    stats.seconds["verify"] = time.perf_counter() - t
    kept = [tuple(p) for p in pairs[verdicts == COPY].tolist()]

    def texts(indices) -> list[str]:
        return [(store.text_of(corpus.ids[int(i)]) or "")[:head_chars].replace("\x00", " ") for i in indices]

    grey_pairs = pairs[verdicts == GREY]
    kept += settle_grey(len(corpus), kept, grey_pairs, settle, texts, stats, decisions)
    stats.verified = len(kept)
    if decisions:  # keep the decisions on pairs that are still grey
        still = set(map(tuple, grey_pairs.tolist()))
        decisions = {p: v for p, v in decisions.items() if p in still}
    t = time.perf_counter()
    labels = components(len(corpus), kept)
    del kept
    links = event_links(corpus, labels, settings, stats) if events else None
    shown = [source(s) for s in corpus.sources] if source is not None else corpus.sources
    result = {"stories": assemble(corpus.ids, shown, labels, links, stats)}
    stats.seconds["group"] = time.perf_counter() - t
    t = time.perf_counter()
    counts = {"rewritten": 0}
    with store.transaction():
        if state is None:
            store.clear_story_state()
            for a in range(0, len(corpus), PART):
                b = min(a + PART, len(corpus))
                store.add_story_part(a, b - a, until, _part_blob(corpus, a, b))
            stored = counts["rewritten"] = save_stories(store, result, max_versions=max_versions)
        else:
            if len(corpus) > grouped:
                store.add_story_part(grouped, len(corpus) - grouped, until, _part_blob(corpus, grouped, len(corpus)))
            if state.max_versions != max_versions or store.story_state("saved") is None:
                # the stored stories were saved otherwise (another max_versions, `unspun index`,
                # `unspun import`): all are saved again, as a full save does
                stored = counts["rewritten"] = save_stories(store, result, max_versions=max_versions)
            else:
                stored = sync_stories(store, result, max_versions=max_versions, counts=counts)
        _save_state(store, settings, len(corpus), until, corpus.ids[-1] if len(corpus) else None, corpus.df, pairs,
                    verdicts, settle_key(settle), decisions, max_versions)
        store.put_story_state("saved", 1)
        store.stories_saved(until)
    stats.seconds["save"] = time.perf_counter() - t
    return Update(result, stored, "incremental" if state is not None else "full", reason, len(corpus) - grouped,
                  grouped, dropped, reverified, counts["rewritten"], time.perf_counter() - t0)

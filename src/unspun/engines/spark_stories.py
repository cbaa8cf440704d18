"""Story grouping as Spark stages: the same decisions as ``unspun stories``, made by the same code.

Every decision is a call into ``unspun.stories`` (one implementation); Spark only moves the
data between them:

1. **features** (executors, Arrow batches): ``group.chunk_features`` over chunks of texts —
   MinHash signature, content words by sentence, sentence hashes.
2. **common sentences**: sentence hashes counted over the corpus (a shuffle);
   ``group.too_common`` picks those verification ignores; they are broadcast.
3. **LSH bands**: ``candidates.band_keys`` per document and band, grouped by (band, key);
   ``candidates.bucket_kept`` decides which buckets give pairs; distinct pairs.
4. **verification**: each pair joined with both documents' features; ``group.agreeing``
   drops pairs whose signatures barely agree, ``group.verify_pair`` aligns the rest.
5. **connected components** of the verified pairs: min-label propagation (a few rounds: a
   copy story is a few hops wide), each round checkpointed. With a ``settle`` (the sentence
   embeddings of ``unspun stories``), the grey pairs between different components go to
   ``settle.decide`` on the driver (a few hundred per 100k documents, with the heads of their
   texts), and the components are recomputed with the pairs it joins.
6. **events** (unless disabled): ``events.representatives``' rule (longest member, first in
   input order) as a grouping; ``events.story_vectors`` on the executors with the broadcast
   word-frequency sketch; then ``events.links_from_vectors`` on the driver over one
   50-word vector per copy story.
7. **assembly** on the driver: ``group.assemble`` from each document's (id, source, label).

Documents are identified by ``seq``, any increasing number in input order (it need not be
dense): every tie the single-machine code breaks by input index is broken by ``seq`` here, so
the output is byte-identical to ``group()`` on the same documents in the same order.

The driver holds one (id, source, label) per document and one 50-word vector per copy story:
about 200 bytes per document, a few hundred MB at a million documents.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np

from unspun.stories.candidates import band_keys, bucket_kept
from unspun.stories.events import links_from_vectors, story_vectors
from unspun.stories.group import (DF_BITS, Settings, Stats, agreeing, ask_settler, assemble, chunk_features,
                                  seen_words, too_common, verify_pair)
from unspun.stories.minhash import EMPTY


def _arrow():
    import pyarrow as pa

    return pa


def _features(settings: Settings):
    """Arrow batches of (seq, id, source, text | json) -> one row of features per document."""
    def run(batches):
        pa = _arrow()
        for batch in batches:
            cols = batch.to_pydict()
            texts = cols["text"] if "text" in cols else [json.loads(j)["text"] for j in cols["json"]]
            for c0 in range(0, len(texts), settings.chunk):
                part = texts[c0:c0 + settings.chunk]
                sigs, words, sids, lens, hashes, slens = chunk_features(part, settings)[:6]
                wo = np.concatenate(([0], np.cumsum(lens)))
                so = np.concatenate(([0], np.cumsum(slens)))
                rows = range(len(part))
                yield pa.RecordBatch.from_pydict({
                    "seq": cols["seq"][c0:c0 + len(part)], "id": cols["id"][c0:c0 + len(part)],
                    "source": cols["source"][c0:c0 + len(part)],
                    "n_words": lens.astype(np.int64),
                    "sig": [sigs[i].tobytes() for i in rows],
                    "words": [words[wo[i]:wo[i + 1]].tobytes() for i in rows],
                    "sids": [sids[wo[i]:wo[i + 1]].tobytes() for i in rows],
                    "shashes": [hashes[so[i]:so[i + 1]].tobytes() for i in rows]})
    return run


FEATURES = ("seq long, id string, source string, n_words long, sig binary, words binary, sids binary, "
            "shashes binary")


def _u32(blobs: list) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype=np.uint32)


def _sentence_hashes(batches):
    pa = _arrow()
    for batch in batches:
        h = np.frombuffer(b"".join(batch.column("shashes").to_pylist()), dtype=np.uint64)
        yield pa.RecordBatch.from_pydict({"h": h.view(np.int64)})


def _common(max_df: int):
    def run(batches):
        pa = _arrow()
        for batch in batches:
            counts = np.asarray(batch.column("n").to_numpy(zero_copy_only=False))
            keep = too_common(counts, max_df)
            yield pa.RecordBatch.from_pydict({"h": np.asarray(batch.column("h").to_numpy(zero_copy_only=False))[keep]})
    return run


def _band_rows(settings: Settings):
    def run(batches):
        pa = _arrow()
        for batch in batches:
            seq = np.asarray(batch.column("seq").to_numpy(zero_copy_only=False), dtype=np.int64)
            sig = _u32(batch.column("sig").to_pylist()).reshape(len(seq), settings.num_perm)
            live = sig[:, 0] != EMPTY
            seq, sig = seq[live], sig[live]
            for band in range(settings.bands):
                key = band_keys(sig, band, settings.rows).view(np.int64)
                yield pa.RecordBatch.from_pydict({"band": np.full(len(seq), band, dtype=np.int32), "key": key,
                                                  "seq": seq})
    return run


def _bucket_pairs(max_bucket: int):
    def run(batches):
        pa = _arrow()
        for batch in batches:
            members = batch.column("members").to_pylist()
            ok = bucket_kept(np.array([len(m) for m in members]), max_bucket)
            a, b = [], []
            for m, keep in zip(members, ok.tolist()):
                if keep:
                    m = sorted(m)
                    for i in range(len(m)):
                        a += m[i:i + 1] * (len(m) - i - 1)
                        b += m[i + 1:]
            yield pa.RecordBatch.from_pydict({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())})
    return run


def _verify(settings: Settings, common_bc):
    def run(batches):
        pa = _arrow()
        common = common_bc.value
        for batch in batches:
            d = batch.to_pydict()
            n = len(d["a"])
            agree = agreeing(_u32(d["sig_a"]).reshape(n, -1), _u32(d["sig_b"]).reshape(n, -1), settings.min_agreement)
            copy = np.zeros(n, dtype=bool)
            grey = np.zeros(n, dtype=bool)
            for k in np.flatnonzero(agree).tolist():
                parts = []
                for side in "ab":
                    hashes = np.frombuffer(d["shashes_" + side][k], dtype=np.uint64)
                    parts += [np.frombuffer(d["words_" + side][k], dtype=np.uint32),
                              np.frombuffer(d["sids_" + side][k], dtype=np.uint16), np.isin(hashes, common)]
                verdict = verify_pair(*parts)
                copy[k], grey[k] = verdict.copy, verdict.grey
            yield pa.RecordBatch.from_pydict({"a": d["a"], "b": d["b"], "agree": agree, "copy": copy, "grey": grey})
    return run


def _df_slots(batches):
    """Per batch of documents: (sketch slot, number of documents with a word there)."""
    pa = _arrow()
    for batch in batches:
        blobs = batch.column("words").to_pylist()
        lens = np.array([len(x) // 4 for x in blobs], dtype=np.int64)
        words = _u32(blobs)
        slots = seen_words(words, np.repeat(np.arange(len(blobs)), lens))
        counts = np.bincount(slots, minlength=1 << DF_BITS)
        nz = np.flatnonzero(counts)
        yield pa.RecordBatch.from_pydict({"slot": nz.astype(np.int64), "n": counts[nz].astype(np.int64)})


class _Words:
    """What ``events.story_vectors`` reads of a corpus, for a batch of representatives: their
    words (``offsets``, ``words``), the corpus's document-frequency sketch ``df`` and its size."""

    def __init__(self, blobs: list, df: np.ndarray, n: int):
        self.words = _u32(blobs)
        self.offsets = np.concatenate(([0], np.cumsum([len(x) // 4 for x in blobs]))).astype(np.int64)
        self.df = df
        self.n = n

    def __len__(self) -> int:
        return self.n


def _vectors(df_bc, n: int):
    def run(batches):
        pa = _arrow()
        for batch in batches:
            blobs = batch.column("words").to_pylist()
            words, weights = story_vectors(_Words(blobs, df_bc.value, n), np.arange(len(blobs)))
            yield pa.RecordBatch.from_pydict({"label": batch.column("label"),
                                              "vwords": [w.tobytes() for w in words],
                                              "vweights": [w.tobytes() for w in weights]})
    return run


def components(edges):
    """``(node, label)`` for every node of ``edges`` (columns ``a``, ``b``): the smallest node
    of its connected component, by min-label propagation (one hop per round)."""
    from pyspark.sql import functions as F

    labels = (edges.select(F.col("a").alias("node")).union(edges.select(F.col("b").alias("node")))
              .distinct().withColumn("label", F.col("node")))
    labels = labels.localCheckpoint()
    rounds = 0
    while True:
        rounds += 1
        spread = (edges.join(labels.withColumnRenamed("node", "a"), "a").select(F.col("b").alias("node"), "label")
                  .union(edges.join(labels.withColumnRenamed("node", "b"), "b").select(F.col("a").alias("node"), "label")))
        new = labels.union(spread).groupBy("node").agg(F.min("label").alias("label")).localCheckpoint()
        changed = new.join(labels.withColumnRenamed("label", "old"), "node").where("label != old").count()
        labels = new
        if not changed:
            return labels, rounds


def _settle(spark, docs, verdicts, labels, settle, stats: Stats, known: dict | None = None) -> np.ndarray:
    """The grey pairs ``settle`` joins (``settle.decide``, on the driver), asked about exactly
    the pairs ``group.copy_pairs`` asks about: grey pairs whose documents the verified pairs
    leave in different stories, in pair order, with the same heads of their texts. ``known``
    maps pairs this settler decided before to its decision (they are not asked again) and
    receives the new decisions, as ``group.settle_grey`` does."""
    from pyspark.sql import functions as F

    la = labels.select(F.col("node").alias("a"), F.col("label").alias("la"))
    lb = labels.select(F.col("node").alias("b"), F.col("label").alias("lb"))
    rows = (verdicts.where("grey").select("a", "b").join(la, "a", "left").join(lb, "b", "left")
            .where(F.coalesce("la", "a") != F.coalesce("lb", "b")).select("a", "b").orderBy("a", "b").collect())
    pairs = np.array([(r.a, r.b) for r in rows], dtype=np.int64).reshape(-1, 2)
    stats.grey_asked = len(pairs)
    if not len(pairs):
        return pairs
    column = "text" if "text" in docs.columns else "json"
    chars = int(getattr(settle, "head_chars", 0) or 0)

    def texts(indices) -> list[str]:
        wanted = [int(i) for i in indices]
        found = dict(docs.where(F.col("seq").isin(wanted)).select("seq", column).collect())
        out = [found[i] if column == "text" else json.loads(found[i])["text"] for i in wanted]
        return [t[:chars].replace("\x00", " ") for t in out] if chars else out  # as group.DocumentHeads keeps them

    return pairs[ask_settler(pairs, settle, texts, stats, known)]


VERDICTS = "a long, b long, agree boolean, copy boolean, grey boolean"
DECISIONS = "a long, b long, ok boolean"


def featurize(docs, settings: Settings | None = None):
    """The stories features (``FEATURES``) of a DataFrame ``docs`` with columns ``seq``, ``id``,
    ``source`` and ``text`` (or ``json``): lazy, one row per document."""
    settings = settings or Settings()
    cols = ["seq", "id", "source", "text" if "text" in docs.columns else "json"]
    return docs.select(*cols).mapInArrow(_features(settings), FEATURES)


@dataclass
class Prior:
    """What an earlier grouping of some of the documents knew, to group the rest against:
    ``features`` of the documents it grouped (``FEATURES``), ``verdicts`` on every candidate
    pair among them (``VERDICTS``) and the settler's ``decisions`` on grey pairs
    (``{(a, b): joined}``, for the settler named by ``incremental.settle_key``)."""

    features: object
    verdicts: object
    decisions: dict


@dataclass
class Grown:
    """What ``group_features`` leaves for the next grouping besides the stories: the
    ``verdicts`` on every candidate pair (persisted: unpersist when written), the settler's
    ``decisions`` on pairs still grey, and, when it grew a ``Prior``, the stored pairs that
    lost their candidacy (``dropped``) and those verified again because a sentence became too
    common (``reverified``)."""

    verdicts: object
    decisions: dict
    dropped: int = 0
    reverified: int = 0


def group_spark(spark, docs, settings: Settings | None = None, *, events: bool = True, settle=None,
                stats: Stats | None = None) -> dict:
    """The ``unspun stories`` JSON for a DataFrame ``docs`` with columns ``seq`` (long, input
    order), ``id``, ``source`` (the member's source as a JSON string) and ``text`` (or ``json``,
    an article's JSON model, whose text is used). Equals ``group.group`` on the same
    ``(id, source, text)`` in ``seq`` order with the same ``settle`` (an object with
    ``decide(pairs, texts)``, such as ``settle.EmbeddingSettle``; it runs on the driver over
    the few grey pairs)."""
    settings = settings or Settings()
    stats = stats if stats is not None else Stats()
    t = time.perf_counter()
    features = featurize(docs, settings).persist()
    stats.docs = features.count()
    stats.seconds["features"] = time.perf_counter() - t
    try:
        result, grown = group_features(spark, features, docs, settings, events=events, settle=settle, stats=stats)
        grown.verdicts.unpersist()
        return result
    finally:
        features.unpersist()


def _crossed(spark, common_bc, prior: Prior, max_df: int) -> list[int]:
    """The ``seq`` of the prior's documents holding a sentence of ``common_bc`` (broadcast: the
    sentences occurring more than ``max_df`` times among all documents) not too common among the prior's
    alone: a sentence the added documents made too common to count
    (``incremental.crossed_documents``)."""
    from pyspark.sql import functions as F

    common = common_bc.value
    if not len(common):
        return []

    def among(batches):  # the documents' sentence hashes that are in ``common``
        pa = _arrow()
        for batch in batches:
            h = np.frombuffer(b"".join(batch.column("shashes").to_pylist()), dtype=np.uint64)
            yield pa.RecordBatch.from_pydict({"h": h[np.isin(h, common_bc.value)].view(np.int64)})

    old = (prior.features.select("shashes").mapInArrow(among, "h long")
           .groupBy("h").agg(F.count("*").alias("n")).mapInArrow(_common(max_df), "h long").collect())
    crossed = np.setdiff1d(common, np.array([r.h for r in old], dtype=np.int64).view(np.uint64))
    if not len(crossed):
        return []
    crossed_bc = spark.sparkContext.broadcast(crossed)

    def holding(batches):  # the documents holding a crossed sentence
        pa = _arrow()
        for batch in batches:
            hit = [s for s, h in zip(batch.column("seq").to_pylist(), batch.column("shashes").to_pylist())
                   if np.isin(np.frombuffer(h, dtype=np.uint64), crossed_bc.value).any()]
            yield pa.RecordBatch.from_pydict({"seq": pa.array(hit, pa.int64())})

    found = [r.seq for r in prior.features.select("seq", "shashes").mapInArrow(holding, "seq long").collect()]
    crossed_bc.unpersist()
    return sorted(found)


def group_features(spark, features, docs, settings: Settings | None = None, *, events: bool = True, settle=None,
                   stats: Stats | None = None, prior: Prior | None = None) -> tuple[dict, Grown]:
    """``group_spark`` from the documents' ``features`` (persisted; ``docs``, the documents
    themselves, give the settler its texts). With a ``prior`` (an earlier grouping of some of
    the documents: ``features`` includes its), only the candidate pairs it did not verify,
    and its pairs holding a sentence the added documents made too common, are verified; its
    other verdicts and its settler's decisions stand, as in ``incremental.update_stories``: the
    stories are those of a grouping from scratch."""
    from pyspark.sql import functions as F

    settings = settings or Settings()
    stats = stats if stats is not None else Stats()
    sc = spark.sparkContext
    if not stats.docs:
        stats.docs = features.count()
    t = time.perf_counter()
    counted = features.mapInArrow(_sentence_hashes, "h long").groupBy("h").agg(F.count("*").alias("n"))
    common = np.sort(np.array([r.h for r in counted.mapInArrow(_common(settings.common_df), "h long").collect()],
                              dtype=np.int64).view(np.uint64))
    common_bc = sc.broadcast(common)
    keys = features.select("seq", "sig").mapInArrow(_band_rows(settings), "band int, key long, seq long")
    buckets = keys.groupBy("band", "key").agg(F.collect_list("seq").alias("members")).where(F.size("members") >= 2)
    pairs = buckets.select("members").mapInArrow(_bucket_pairs(settings.max_bucket), "a long, b long").distinct()

    def side(s: str):
        return features.select(F.col("seq").alias(s), *(F.col(c).alias(f"{c}_{s}") for c in ("sig", "words", "sids", "shashes")))

    def verify(todo):
        return todo.join(side("a"), "a").join(side("b"), "b").mapInArrow(_verify(settings, common_bc), VERDICTS)

    dropped = reverified = 0
    if prior is None:
        verdicts = verify(pairs).persist()
        decisions: dict = {}
    else:
        pairs = pairs.persist()
        stored = prior.verdicts.join(pairs, ["a", "b"], "left_semi").persist()  # still candidates
        dropped = prior.verdicts.count() - stored.count()
        kept = stored
        crossed = _crossed(spark, common_bc, prior, settings.common_df)
        if crossed:
            gone = spark.createDataFrame([(s,) for s in crossed], "seq long")
            kept = (stored.join(F.broadcast(gone.withColumnRenamed("seq", "a")), "a", "left_anti")
                    .join(F.broadcast(gone.withColumnRenamed("seq", "b")), "b", "left_anti"))
        kept = kept.select("a", "b", "agree", "copy", "grey").persist()
        reverified = stored.count() - kept.count()
        todo = pairs.join(kept.select("a", "b"), ["a", "b"], "left_anti")
        verdicts = kept.unionByName(verify(todo)).persist()
        verdicts.count()
        for frame in (pairs, stored, kept):
            frame.unpersist()
        decisions = dict(prior.decisions)
    counts = verdicts.agg(F.count("*"), F.sum(F.col("agree").cast("long")), F.sum(F.col("copy").cast("long")),
                          F.sum(F.col("grey").cast("long"))).collect()[0]
    stats.candidates, stats.aligned, stats.verified, stats.grey = (int(x or 0) for x in counts)
    stats.seconds["candidates+verify"] = time.perf_counter() - t

    t = time.perf_counter()
    edges = verdicts.where("copy").select("a", "b")
    labels, rounds = components(edges)
    if settle is not None and stats.grey:
        t_settle = time.perf_counter()
        settled = _settle(spark, docs, verdicts, labels, settle, stats, decisions)
        if len(settled):
            edges = edges.union(spark.createDataFrame([tuple(p) for p in settled.tolist()], "a long, b long"))
            labels, more = components(edges)
            rounds += more
        stats.verified += stats.settled
        stats.seconds["settle"] = time.perf_counter() - t_settle
    if decisions:  # keep the decisions on pairs that are still grey
        still = {(r.a, r.b) for r in verdicts.where("grey").select("a", "b").collect()}
        decisions = {p: v for p, v in decisions.items() if p in still}
    stats.seconds["components_rounds"] = rounds
    doc_labels = (features.select("seq", "id", "source", "n_words")
                  .join(labels.withColumnRenamed("node", "seq"), "seq", "left")
                  .withColumn("label", F.coalesce("label", "seq")).persist())
    rows = doc_labels.select("seq", "id", "source", "label").orderBy("seq").collect()
    stats.seconds["components"] = time.perf_counter() - t

    t = time.perf_counter()
    links = None
    if events:
        links = []
        if stats.docs >= 2:
            df = np.zeros(1 << DF_BITS, dtype=np.uint32)
            for r in features.select("words").mapInArrow(_df_slots, "slot long, n long").groupBy("slot") \
                    .agg(F.sum("n").alias("n")).collect():
                df[r.slot] = r.n
            df_bc = sc.broadcast(df)
            reps = (doc_labels.groupBy("label")
                    .agg(F.min(F.struct((-F.col("n_words")).alias("neg"), F.col("seq").alias("seq"))).alias("r"))
                    .select("label", F.col("r.seq").alias("seq")))
            vecs = (reps.join(features.select("seq", "words"), "seq").select("label", "words")
                    .mapInArrow(_vectors(df_bc, stats.docs), "label long, vwords binary, vweights binary")
                    .collect())
            vecs.sort(key=lambda r: r.label)
            if len(vecs) >= 2:
                roots = np.array([r.label for r in vecs], dtype=np.int64)
                words = _u32([r.vwords for r in vecs]).reshape(len(vecs), -1)
                weights = np.frombuffer(b"".join(r.vweights for r in vecs), dtype=np.float32).reshape(len(vecs), -1)
                links = links_from_vectors(words, weights, roots, settings, stats)
            df_bc.unpersist()
    stats.seconds["events"] = time.perf_counter() - t
    out = assemble([r.id for r in rows], [json.loads(r.source) for r in rows], [r.label for r in rows], links, stats)
    doc_labels.unpersist()
    common_bc.unpersist()
    return {"stories": out}, Grown(verdicts, decisions, dropped, reverified)


STORIES = "rank int, id string, kind string, size int, json string"


def story_rows(result: dict) -> list[tuple]:
    """Rows of the stories output (``rank`` keeps DATA-MODEL order; ``json`` is one story)."""
    return [(k, s["id"], s["kind"], len(s["members"]), json.dumps(s, ensure_ascii=False))
            for k, s in enumerate(result["stories"])]

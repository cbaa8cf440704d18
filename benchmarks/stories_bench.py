"""Grouping benchmark for ``unspun stories``: quality on a generated corpus, speed and memory,
the MinHash-LSH stage side by side with datasketch, and the NeuS event check.

    python benchmarks/storygen.py --docs 10000 --seed 1 -o benchmarks/out/stories-10k.jsonl.gz
    python benchmarks/stories_bench.py benchmarks/out/stories-10k.jsonl.gz --jobs 2 --datasketch
    python benchmarks/stories_bench.py --neus            # NeuS left/centre/right triplets as events

Speed is the whole ``unspun stories`` path (reading the JSONL with ``unspun.read.read_inputs``,
features, signatures, candidates, verification, sentence embeddings for the grey pairs unless
``--no-embeddings``, copy and event stories) in this process and ``--jobs`` workers. Memory is
sampled while grouping runs (psutil, a thread): the peak resident set of this process and the
peak total proportional set size (PSS: shared copy-on-write pages counted once) of this
process and its workers, with the stage where each peak happened; ``ru_maxrss`` (this process
over its whole life, scoring included, and its largest worker) is printed too. Quality: pairwise precision/recall/F1 of copy stories against
the generator's stories (every version keeps 30-100% of its base), the adjusted Rand index
over all documents, and how many candidate pairs the words could not settle.

With ``--incremental``: a store (SQLite, a temporary file) is filled with the first ``--base``
documents of the corpus and grouped (``unspun stories --db``, a full grouping), then
``--batches`` batches of ``--batch`` documents are added one after the other, each grouped
against the stored state (``unspun.stories.incremental``); the time of each batch's grouping
(saving included; inserting the articles is not counted) is reported, then one full regroup of
the final store (``--rebuild``) is timed as the peer, and its stories (JSON and the stored
rows with their comparisons) are compared with the incremental ones::

    python benchmarks/stories_bench.py --incremental benchmarks/out/stories-200k.jsonl.gz \
        --base 100000 --batch 10000 --batches 10 --jobs 2 --no-embeddings

With ``--datasketch``: datasketch's MinHash (``update_batch``) and MinHashLSH with the same
shingles, the same number of permutations and the same bands x rows, timed against this
package's signatures + banding on the same documents, and the recall of true pairs among each
one's candidates.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import resource
import sys
import time
from collections import defaultdict
from math import comb
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspun.stories.candidates import candidate_pairs, threshold  # noqa: E402
from unspun.stories.features import features  # noqa: E402
from unspun.stories.group import Settings, Stats, group  # noqa: E402
from unspun.stories.minhash import MinHash, shingles  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def peak_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def truth_of(path: Path) -> dict:
    """Story label per id (singletons: their own id)."""
    labels = {}
    for line in gzip.open(path, "rt", encoding="utf-8"):
        r = json.loads(line)
        labels[r["id"]] = r["story"] or r["id"]
    return labels


def pair_set(labels: dict) -> set:
    groups = defaultdict(list)
    for k, v in labels.items():
        groups[v].append(k)
    return {p for members in groups.values() for p in itertools.combinations(sorted(members), 2)}


def ari(a: dict, b: dict) -> float:
    """Adjusted Rand index of two labellings of the same keys."""
    keys = sorted(a)
    cont = defaultdict(int)
    ra, rb = defaultdict(int), defaultdict(int)
    for k in keys:
        cont[(a[k], b[k])] += 1
        ra[a[k]] += 1
        rb[b[k]] += 1
    n = len(keys)
    s_ij = sum(comb(v, 2) for v in cont.values())
    s_a = sum(comb(v, 2) for v in ra.values())
    s_b = sum(comb(v, 2) for v in rb.values())
    expected = s_a * s_b / comb(n, 2)
    top = (s_a + s_b) / 2
    return (s_ij - expected) / (top - expected) if top != expected else 1.0


class MemorySampler:
    """Peak RSS of this process (every 0.2 s) and peak PSS of this process + children (every
    ``pss_every`` s), each with the grouping stage then running (the last stage that finished
    is in ``stats.seconds``)."""

    def __init__(self, stats: Stats, pss_every: float = 2.0) -> None:
        import threading

        import psutil

        self.proc = psutil.Process()
        self.stats = stats
        self.pss_every = pss_every
        self.rss = (0, "")
        self.pss = (0, "")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def stage(self) -> str:
        done = list(self.stats.seconds)
        order = ["features", "candidates", "verify", "settle", "group"]
        for name in order:
            if name not in done:
                return name if name != "settle" or self.stats.grey else "group"
        return "end"

    def _run(self) -> None:
        import time as _t

        last = 0.0
        while not self.stop.is_set():
            try:
                rss = self.proc.memory_info().rss
                if rss > self.rss[0]:
                    self.rss = (rss, self.stage())
                now = _t.monotonic()
                if now - last >= self.pss_every:
                    last = now
                    total = self.proc.memory_full_info().pss
                    for c in self.proc.children(recursive=True):
                        try:
                            total += c.memory_full_info().pss
                        except Exception:
                            pass
                    if total > self.pss[0]:
                        self.pss = (total, self.stage())
            except Exception:
                pass
            self.stop.wait(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def run_group(path: Path, jobs: int, embeddings: bool = True, settle_args: dict | None = None
              ) -> tuple[dict, Stats, float, MemorySampler]:
    from unspun.read import BadInput, read_inputs
    from unspun.stories.settle import EmbeddingSettle

    def docs():
        for item in read_inputs([str(path)]):
            if not isinstance(item, BadInput):
                yield item.id, item.source.get("record"), item.text

    stats = Stats()
    t = time.perf_counter()
    with MemorySampler(stats) as mem:
        result = group(docs(), Settings(), jobs=jobs, stats=stats, settle=EmbeddingSettle(**(settle_args or {})) if embeddings else None)
    return result, stats, time.perf_counter() - t, mem


def quality(result: dict, truth: dict) -> dict:
    pred = {}
    for s in result["stories"]:
        if s["kind"] == "copy":
            for m in s["members"]:
                pred[m["id"]] = s["id"]
    P, T = pair_set(pred), pair_set(truth)
    tp = len(P & T)
    p = tp / len(P) if P else 1.0
    r = tp / len(T) if T else 1.0
    return {"pairs_pred": len(P), "pairs_true": len(T), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0, "ari": ari(truth, pred)}


def datasketch_vs_ours(path: Path, truth: dict, settings: Settings, limit: int | None) -> dict:
    """The LSH stage only, on the same shingles: datasketch vs this package."""
    from datasketch import MinHash as DSMinHash, MinHashLSH

    ids, sets = [], []
    for line in gzip.open(path, "rt", encoding="utf-8"):
        r = json.loads(line)
        f = features(r["text"])
        ids.append(r["id"])
        sets.append(shingles(f.words, f.sids, settings.shingle))
        if limit and len(ids) >= limit:
            break
    true_pairs = {(a, b) for a, b in pair_set({i: truth[i] for i in ids})}

    t = time.perf_counter()
    sig = MinHash(settings.num_perm, settings.seed).signatures(sets)
    ours = candidate_pairs(sig, settings.bands, settings.rows, settings.max_bucket)
    ours_s = time.perf_counter() - t
    ours_pairs = {tuple(sorted((ids[a], ids[b]))) for a, b in ours.tolist()}

    t = time.perf_counter()
    lsh = MinHashLSH(num_perm=settings.num_perm, params=(settings.bands, settings.rows))
    mhs = []
    for i, s in enumerate(sets):
        m = DSMinHash(num_perm=settings.num_perm, seed=settings.seed)
        if len(s):
            m.update_batch([v.tobytes() for v in s])
        mhs.append(m)
        lsh.insert(str(i), m)
    ds_pairs = set()
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            j = int(j)
            if j != i:
                ds_pairs.add(tuple(sorted((ids[i], ids[j]))))
    ds_s = time.perf_counter() - t

    def recall(c: set) -> float:
        return len(c & true_pairs) / len(true_pairs) if true_pairs else 1.0

    return {"docs": len(ids), "threshold": threshold(settings.bands, settings.rows),
            "ours_s": ours_s, "datasketch_s": ds_s, "speedup": ds_s / ours_s if ours_s else float("inf"),
            "ours_candidates": len(ours_pairs), "ds_candidates": len(ds_pairs),
            "ours_recall": recall(ours_pairs), "ds_recall": recall(ds_pairs)}


def neus_check(jobs: int) -> dict:
    """NeuS raw crawl: each event's left, centre and right articles should land in one event
    story (or one copy story); events must not merge."""
    path = next((SHARED / "neus" / "data" / "raw_crawled").glob("*.jsonl"), None)
    if path is None:
        raise SystemExit(f"NeuS raw crawl not found under {SHARED}")
    docs, event_of = [], {}
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        for side, item in sorted((r.get("news") or {}).items()):
            body = item.get("newBody")
            if isinstance(body, str):
                body = [body]
            text = f"{item.get('newsTitle') or ''}\n\n" + "\n\n".join(str(p) for p in (body or []))
            if len(text.split()) < 30:
                continue
            doc_id = f"{r['id']}-{side}"
            docs.append((doc_id, doc_id, text))
            event_of[doc_id] = str(r["id"])
    stats = Stats()
    result = group(iter(docs), Settings(), jobs=jobs, stats=stats)
    pred = {}
    for s in result["stories"]:
        if s["kind"] == "copy":
            for m in s["members"]:
                pred.setdefault(m["id"], s["id"])
    for s in result["stories"]:
        if s["kind"] == "event":
            for m in s["members"]:
                pred[m["id"]] = s["id"]
    P, T = pair_set(pred), pair_set(event_of)
    tp = len(P & T)
    by_event = defaultdict(set)
    for d, e in event_of.items():
        by_event[e].add(pred[d])
    full = sum(1 for e, labels in by_event.items() if len(labels) == 1 and
               sum(1 for d in event_of if event_of[d] == e) >= 2)
    return {"docs": len(docs), "events": len(by_event), "pairs_true": len(T), "pairs_pred": len(P),
            "precision": tp / len(P) if P else 1.0, "recall": tp / len(T) if T else 1.0,
            "events_whole": full, "copy_stories_multi": sum(1 for s in result["stories"]
                                                             if s["kind"] == "copy" and len(s["members"]) > 1),
            "event_stories": stats.event_stories}


def incremental(path: Path, base: int, batch: int, batches: int, jobs: int, embeddings: bool) -> None:
    """Grow a store batch by batch, grouping each batch incrementally; then one full regroup."""
    import tempfile

    from unspun.article import Article
    from unspun.store import Store
    from unspun.stories.incremental import update_stories
    from unspun.stories.settle import EmbeddingSettle

    def records():
        for line in gzip.open(path, "rt", encoding="utf-8"):
            r = json.loads(line)
            yield r["id"], r["text"]

    def add(store, items) -> float:
        t = time.perf_counter()
        with store.transaction():
            for doc_id, text in items:
                store.add(Article.from_text(text, source={"path": doc_id, "format": "text"}))
        return time.perf_counter() - t

    def stored(store) -> list:
        return store.conn.execute("SELECT id, kind, size, json, comparison FROM stories ORDER BY id").fetchall()

    settle = EmbeddingSettle() if embeddings else None
    source = records()
    rows = []
    with tempfile.TemporaryDirectory(prefix="unspun-incremental-") as d, Store(Path(d) / "news.db") as store:
        inserted = add(store, itertools.islice(source, base))
        stats = Stats()
        t = time.perf_counter()
        up = update_stories(store, Settings(), jobs=jobs, settle=settle, stats=stats)
        first = time.perf_counter() - t
        print(f"store of {store.count('articles'):,} articles (inserted in {inserted:.1f} s); first grouping "
              f"({up.mode}): {first:.1f} s, stages {_stages(stats)}", flush=True)
        for k in range(batches):
            inserted = add(store, itertools.islice(source, batch))
            stats = Stats()
            t = time.perf_counter()
            up = update_stories(store, Settings(), jobs=jobs, settle=settle, stats=stats)
            seconds = time.perf_counter() - t
            rows.append((k + 1, up, seconds, stats))
            print(f"batch {k + 1}: {up.line()} [{up.mode}] in {seconds:.1f} s (insert {inserted:.1f} s); "
                  f"stages {_stages(stats)}", flush=True)
        result, before = up.result, stored(store)
        stats = Stats()
        t = time.perf_counter()
        full = update_stories(store, Settings(), jobs=jobs, settle=settle, stats=stats, rebuild=True)
        full_s = time.perf_counter() - t
        full_save = stats.seconds.get("save", 0.0)
        print(f"full regroup of {stats.docs:,} articles: {full_s:.1f} s, stages {_stages(stats)}", flush=True)
        same_json, same_rows = full.result == result, stored(store) == before
        size = (Path(d) / "news.db").stat().st_size
        state = store.conn.execute("SELECT coalesce(sum(length(data)), 0) FROM story_parts").fetchone()[0] + \
            store.conn.execute("SELECT coalesce(sum(length(value)), 0) FROM story_state").fetchone()[0]
    total = sum(r[2] for r in rows)
    grouping = total - sum(r[3].seconds.get("save", 0.0) for r in rows)
    print()
    print("| batch | articles before | added | seconds | of it grouping | of it saving | stories stored anew "
          "| stored pairs dropped | pairs verified again | copy stories | event stories |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for k, up, seconds, st in rows:
        save = st.seconds.get("save", 0.0)
        print(f"| {k} | {up.grouped:,} | {up.added:,} | {seconds:.1f} | {seconds - save:.1f} | {save:.1f} "
              f"| {up.rewritten:,} | {up.dropped:,} | {up.reverified:,} | {st.copy_stories:,} | {st.event_stories:,} |")
    print()
    print(f"incremental total {total:.1f} s for {batches} batches; one full regroup of the final store "
          f"{full_s:.1f} s ({total / full_s:.2f}x the time of one full regroup; a batch takes "
          f"{total / batches / full_s:.2f}x of it on average); without saving the stories: incremental "
          f"{grouping:.1f} s in all against {full_s - full_save:.1f} s for one full grouping")
    print(f"identical stories at the end: JSON {same_json}, stored rows with comparisons {same_rows} "
          f"({len(result['stories']):,} stories); store {size / 2**20:,.0f} MB, of it grouping state "
          f"{state / 2**20:,.0f} MB")


def _stages(stats: Stats) -> dict:
    return {k: round(v, 1) for k, v in stats.seconds.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", nargs="?", type=Path)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--datasketch", action="store_true", help="also time datasketch's MinHashLSH on the same shingles")
    p.add_argument("--datasketch-limit", type=int, default=None, help="documents for the datasketch comparison")
    p.add_argument("--neus", action="store_true", help="run the NeuS event check")
    p.add_argument("--no-embeddings", action="store_true", help="leave the grey pairs apart (no sentence embeddings)")
    p.add_argument("--settle", type=Path, metavar="JSON", help="EmbeddingSettle settings (default: the package's)")
    p.add_argument("--incremental", action="store_true",
                   help="grow a store batch by batch, grouping incrementally, against one full regroup")
    p.add_argument("--base", type=int, default=100_000, help="--incremental: documents in the store at the start")
    p.add_argument("--batch", type=int, default=10_000, help="--incremental: documents per added batch")
    p.add_argument("--batches", type=int, default=10, help="--incremental: number of batches")
    args = p.parse_args()
    if args.incremental:
        if not args.corpus:
            p.error("--incremental needs a corpus")
        incremental(args.corpus, args.base, args.batch, args.batches, args.jobs, not args.no_embeddings)
        return
    if args.corpus:
        truth = truth_of(args.corpus)
        result, stats, seconds, mem = run_group(args.corpus, args.jobs, embeddings=not args.no_embeddings,
                                                settle_args=json.loads(args.settle.read_text()) if args.settle else None)
        me, kids = peak_mb()
        q = quality(result, truth)
        print(f"| docs | embeddings | seconds | docs/s | peak RSS MB (main) | peak PSS MB (main + workers) "
              f"| LSH candidates | aligned | copies | grey | grey between stories (to embeddings) | joined by embeddings | copy P | copy R | copy F1 | ARI "
              f"| event stories |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {stats.docs:,} | {'no' if args.no_embeddings else 'yes'} | {seconds:.1f} | {stats.docs / seconds:,.0f} "
              f"| {mem.rss[0] / 2**20:,.0f} ({mem.rss[1]}) | {mem.pss[0] / 2**20:,.0f} ({mem.pss[1]}) | "
              f"{stats.candidates:,} | {stats.aligned:,} | {stats.verified:,} | {stats.grey:,} | {stats.grey_asked:,} | {stats.settled:,} "
              f"| {q['precision']:.4f} | {q['recall']:.4f} | {q['f1']:.4f} | {q['ari']:.4f} | {stats.event_stories:,} |")
        print("stage seconds:", {k: round(v, 1) for k, v in stats.seconds.items()},
              f"| event candidates {stats.event_candidates:,} (rows per band {stats.event_rows})"
              f" | embedded {stats.settle_sentences:,} sentences of {stats.settle_docs:,} documents"
              f" | ru_maxrss MB main {me:,.0f}, largest worker {kids:,.0f}")
        if args.datasketch:
            d = datasketch_vs_ours(args.corpus, truth, Settings(), args.datasketch_limit)
            print()
            print("| docs | LSH threshold | unspun s | datasketch s | ratio | unspun candidates | datasketch candidates "
                  "| unspun true-pair recall | datasketch true-pair recall |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            print(f"| {d['docs']:,} | {d['threshold']:.3f} | {d['ours_s']:.1f} | {d['datasketch_s']:.1f} | "
                  f"{d['speedup']:.1f}x | {d['ours_candidates']:,} | {d['ds_candidates']:,} | {d['ours_recall']:.4f} | "
                  f"{d['ds_recall']:.4f} |")
    if args.neus:
        n = neus_check(args.jobs)
        print()
        print("| NeuS docs | events | same-event pair P | same-event pair R | events kept whole | multi-member copy "
              "stories | event stories |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {n['docs']:,} | {n['events']:,} | {n['precision']:.4f} | {n['recall']:.4f} | {n['events_whole']:,} | "
              f"{n['copy_stories_multi']:,} | {n['event_stories']:,} |")


if __name__ == "__main__":
    main()

"""The Spark engine against plain ``unspun`` on this machine, same inputs, same run.

    python benchmarks/spark_bench.py analyze benchmarks/out/stories-10k.jsonl.gz -n 200
    python benchmarks/spark_bench.py stories benchmarks/out/stories-100k.jsonl.gz

``analyze``: the first ``-n`` records of a JSONL corpus (written to a temporary file) through
plain ``unspun index --db`` with ``-j 1`` and ``-j 2`` (subprocesses, as a user runs them) and
through ``unspun index --engine spark`` on ``local[1]`` and ``local[2]`` (``--no-stories``);
articles/s, and Spark's extra time per record against plain ``index`` at the same
parallelism. Spark's session start is timed apart. Also the peak RSS of Spark's Python workers
(what an executor needs per task slot).

``stories``: grouping only (no analysis) from the corpus's text: ``group()`` with 2 processes
against the Spark stages on ``local[2]``, and whether their JSON is identical.

Corpora come from ``benchmarks/storygen.py`` (needs ../shared/data; never committed). Run
under the CPU lock on a shared machine; prints Markdown tables.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def head(corpus: Path, n: int, out: Path) -> int:
    """The first ``n`` records of ``corpus`` (id, text, outlet) as a plain JSONL file."""
    count = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as f, out.open("w", encoding="utf-8") as w:
        for line in f:
            if count >= n:
                break
            rec = json.loads(line)
            w.write(json.dumps({"id": rec["id"], "text": rec["text"], "outlet": rec.get("outlet")}, ensure_ascii=False) + "\n")
            count += 1
    return count


def plain(path: Path, jobs: int, work: Path) -> float:
    db = work / f"plain-{jobs}.db"
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "unspun", "index", str(path), "--db", str(db), "--no-stories",
                           "-j", str(jobs)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 2):
        raise SystemExit(f"plain index failed: {proc.stderr[-2000:]}")
    return seconds


def worker_rss(spark) -> list[float]:
    """Peak RSS (MB) of each Python worker process that ran tasks."""
    def probe(_):
        yield os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    slots = spark.sparkContext.defaultParallelism
    got = dict(spark.sparkContext.parallelize(range(slots * 4), slots * 4).mapPartitions(probe).collect())
    return sorted(got.values())


def spark_run(path: Path, master: str, work: Path) -> dict:
    from unspun.engines.spark import run_index, session

    t = time.perf_counter()
    spark, _ = session(master, partitions=8)
    spark.sparkContext.parallelize([0], 1).count()  # the first job starts a Python worker
    started = time.perf_counter() - t
    out = work / f"spark-{master.strip('local[]')}"
    t = time.perf_counter()
    counts = run_index(spark, [str(path)], str(out), max_bytes=10_000_000, partitions=8, stories=False,
                       report=lambda line: None)
    seconds = time.perf_counter() - t
    rss = worker_rss(spark)
    spark.stop()
    return {"start": started, "seconds": seconds, "articles": counts["articles"], "rss": rss}


def analyze(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="spark-bench-"))
    try:
        path = work / "input.jsonl"
        n = head(args.corpus, args.n, path)
        rows = {}
        rows["plain -j 1"] = plain(path, 1, work)
        rows["plain -j 2"] = plain(path, 2, work)
        s1 = spark_run(path, "local[1]", work)
        s2 = spark_run(path, "local[2]", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{n} articles (first {n} records of {args.corpus.name}), {time.strftime('%Y-%m-%d')}\n")
    print("| run | seconds | articles/s | Spark extra per record vs plain, same parallelism |")
    print("|---|---:|---:|---:|")
    print(f"| plain `unspun index -j 1` | {rows['plain -j 1']:.1f} | {n / rows['plain -j 1']:.2f} | |")
    print(f"| plain `unspun index -j 2` | {rows['plain -j 2']:.1f} | {n / rows['plain -j 2']:.2f} | |")
    for name, s, peer in (("local[1]", s1, rows["plain -j 1"]), ("local[2]", s2, rows["plain -j 2"])):
        extra = (s["seconds"] - peer) / n * 1000
        print(f"| Spark {name} (session start {s['start']:.1f} s not included) | {s['seconds']:.1f} | "
              f"{n / s['seconds']:.2f} | {extra:+.0f} ms ({s['seconds'] / peer:.2f}x) |")
    print(f"\nlocal[2] / local[1] speed-up: {s1['seconds'] / s2['seconds']:.2f}x; "
          f"Spark articles written: {s1['articles']} / {s2['articles']}")
    print(f"peak RSS of Spark's Python workers (MB): local[1] {s1['rss']}, local[2] {s2['rss']}")


def stories(args: argparse.Namespace) -> None:
    from unspun.article import text_id
    from unspun.engines.spark import documents, session
    from unspun.engines.spark_stories import group_spark
    from unspun.read import Document, read_inputs
    from unspun.stories.group import Stats, group

    t = time.perf_counter()
    docs = [(d.id or text_id(d.text), d.source, d.text) for d in read_inputs([str(args.corpus)])
            if isinstance(d, Document)]
    read_s = time.perf_counter() - t
    stats = Stats()
    t = time.perf_counter()
    ref = group(docs, jobs=2, stats=stats)
    local_s = time.perf_counter() - t
    n = len(docs)
    del docs
    spark, _ = session("local[2]", partitions=16)
    rows = documents(spark, [str(args.corpus)], 10_000_000).filter(lambda r: isinstance(r[1], Document)) \
        .map(lambda r: (r[0], r[1].id or text_id(r[1].text), json.dumps(r[1].source, ensure_ascii=False), r[1].text))
    frame = spark.createDataFrame(rows, "seq long, id string, source string, text string").repartition(16).persist()
    frame.count()  # reading and decoding the JSONL, not timed (the peer's reading is not timed either)
    sstats = Stats()
    t = time.perf_counter()
    got = group_spark(spark, frame, stats=sstats)
    spark_s = time.perf_counter() - t
    spark.stop()
    same = json.dumps(got, sort_keys=True) == json.dumps(ref, sort_keys=True)
    print(f"\n{n:,} documents ({args.corpus.name}), stories only (no analysis), {time.strftime('%Y-%m-%d')}; "
          f"reading the JSONL took {read_s:.1f} s and is not counted\n")
    print("| grouping | seconds | docs/s | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| `group()`, 2 processes | {local_s:.1f} | {n / local_s:,.0f} | 1.00x |")
    print(f"| Spark stages, local[2] | {spark_s:.1f} | {n / spark_s:,.0f} | {spark_s / local_s:.2f}x the time |")
    print(f"\nidentical JSON: {same}; stories {len(ref['stories']):,}; candidates {sstats.candidates:,} / "
          f"{stats.candidates:,}, verified {sstats.verified:,} / {stats.verified:,}; "
          f"Spark stage seconds {json.dumps({k: round(v, 1) for k, v in sstats.seconds.items()})}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    a = sub.add_parser("analyze")
    a.add_argument("corpus", type=Path)
    a.add_argument("-n", type=int, default=200)
    s = sub.add_parser("stories")
    s.add_argument("corpus", type=Path)
    args = p.parse_args()
    analyze(args) if args.what == "analyze" else stories(args)


if __name__ == "__main__":
    main()

"""The Spark engine against plain ``unspun`` on this machine, same inputs, same run.

    python benchmarks/spark_bench.py analyze benchmarks/out/stories-10k.jsonl.gz -n 200
    python benchmarks/spark_bench.py stories benchmarks/out/stories-100k.jsonl.gz
    python benchmarks/spark_bench.py resume benchmarks/out/stories-20k.jsonl.gz -n 120 --files 12
    python benchmarks/spark_bench.py listing
    python benchmarks/spark_bench.py grow benchmarks/out/stories-200k.jsonl.gz --base 20000 --batch 2000 --batches 5

``analyze``: the first ``-n`` records of a JSONL corpus (written to a temporary file) through
plain ``unspun index --db`` with ``-j 1`` and ``-j 2`` (subprocesses, as a user runs them) and
through ``unspun index --engine spark`` on ``local[1]`` and ``local[2]`` (``--no-stories``);
articles/s, and Spark's extra time per record against plain ``index`` at the same
parallelism. Spark's session start is timed apart. Also the peak RSS of Spark's Python workers
(what an executor needs per task slot).

``stories``: grouping only (no analysis) from the corpus's text: ``group()`` with 2 processes
against the Spark stages on ``local[2]``, and whether their JSON is identical.

``resume``: the first ``-n`` records split into ``--files`` JSONL files, through ``unspun index
--engine spark`` (subprocesses on ``local[2]``, ``--no-stories``): once committed in one run,
once committed every ``--per-run`` files, and once killed with SIGKILL (the whole process
group, JVM included) half-way through a run after half the runs committed, then ``--resume``.
Reports the work lost (from the last commit to the kill, as a fraction of the uninterrupted
time), the files read again, the total time against the uninterrupted run, and whether the
resumed output holds the same articles.

``listing``: 100,000 small files (``--n-files``) in 100 folders under /tmp (deleted after):
``spark_io.list_inputs`` on a ``file://`` glob and on the folder (Spark's file index), against
Python's ``os.scandir`` walk, ``glob.glob`` and ``read.input_files`` (the plain-path listing).

``grow``: stories of a Spark output grown run by run (no analysis: each run's articles are
written as Parquet with only their text in ``json``, so reading an article costs less than a
real one's). ``--base`` records are grouped from scratch, then each of ``--batches`` runs of
``--batch`` records is added and the stories regrouped as ``unspun index --engine spark
--resume`` does (``spark._regroup``: against the stored state). The peer, in the same session:
the final output grouped from scratch (its state and stories deleted). Reports each
grouping's seconds and whether the grown stories equal the peer's.

Corpora come from ``benchmarks/storygen.py`` (needs ../shared/data; never committed). Run
under the CPU lock on a shared machine; prints Markdown tables.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import glob as globbing
import resource
import shutil
import signal
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


def _spark_cli(inp: Path, out: Path, *extra: str, per_run_bytes: int | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if per_run_bytes:
        env["UNSPUN_SPARK_COMMIT_BYTES"] = str(per_run_bytes)
    return subprocess.Popen([sys.executable, "-m", "unspun", "index", "--engine", "spark", str(inp), "--output",
                             str(out), "--master", "local[2]", "--partitions", "4", "--no-stories", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def _finish(proc: subprocess.Popen) -> str:
    _, err = proc.communicate()
    if proc.returncode not in (0, 2):
        raise SystemExit(f"spark index failed ({proc.returncode}): {err[-2000:]}")
    return err


def _committed(out: Path) -> int:
    folder = out / "articles"
    if not folder.is_dir():
        return 0
    return sum((folder / name / "_SUCCESS").exists() for name in os.listdir(folder))


def _articles(out: Path) -> list[str]:
    import pyarrow.parquet as pq

    from unspun.engines.spark_io import committed_runs

    return sorted(r["json"] for path in committed_runs(str(out), "articles")
                  for r in pq.read_table(path, columns=["json"]).to_pylist())


def resume(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="spark-resume-"))
    try:
        inp = work / "in"
        inp.mkdir()
        whole = work / "all.jsonl"
        n = head(args.corpus, args.n, whole)
        lines = whole.read_text(encoding="utf-8").splitlines(keepends=True)
        per = -(-len(lines) // args.files)
        sizes = []
        for k in range(args.files):
            part = lines[k * per:(k + 1) * per]
            (inp / f"part-{k:03d}.jsonl").write_text("".join(part), encoding="utf-8")
            sizes.append(sum(len(x.encode()) for x in part))
        per_run = max(sizes) * args.per_run  # bytes per run: --per-run files
        runs = -(-args.files // args.per_run)
        t = time.perf_counter()
        _finish(_spark_cli(inp, work / "one"))
        one_s = time.perf_counter() - t
        t = time.perf_counter()
        _finish(_spark_cli(inp, work / "runs", per_run_bytes=per_run))
        runs_s = time.perf_counter() - t
        # killed half-way through a run, after half the runs committed
        out = work / "killed"
        t = time.perf_counter()
        proc = _spark_cli(inp, out, per_run_bytes=per_run)
        commits = []  # seconds at which each run committed
        while len(commits) < runs // 2:
            if proc.poll() is not None:
                raise SystemExit("the job ended before it could be killed; give more records")
            got = _committed(out)
            while len(commits) < got:
                commits.append(time.perf_counter() - t)
            time.sleep(0.1)
        per_run_s = (commits[-1] - commits[0]) / max(1, len(commits) - 1) if len(commits) > 1 else commits[0]
        time.sleep(per_run_s / 2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = time.perf_counter() - t
        before = _committed(out)
        last_commit = commits[before - 1] if before <= len(commits) else killed_at
        t = time.perf_counter()
        err = _finish(_spark_cli(inp, out, "--resume", per_run_bytes=per_run))
        resume_s = time.perf_counter() - t
        skipped = next((int(x.split()[0].replace(",", "")) for x in err.split("; ") if "already done" in x), 0)
        same = _articles(out) == _articles(work / "runs") == _articles(work / "one")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lost = killed_at - last_commit
    print(f"\n{n} articles in {args.files} JSONL files (first {n} records of {args.corpus.name}), local[2], "
          f"--no-stories, {time.strftime('%Y-%m-%d')}; each run a new process (JVM start included)\n")
    print("| run | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| uninterrupted, one commit | {one_s:.1f} | 1.00x |")
    print(f"| uninterrupted, a commit every {args.per_run} files ({runs} runs) | {runs_s:.1f} | {runs_s / one_s:.2f}x |")
    print(f"| killed at {killed_at:.1f} s ({before} runs committed) + `--resume` {resume_s:.1f} s | "
          f"{killed_at + resume_s:.1f} | {(killed_at + resume_s) / runs_s:.2f}x the committed-in-runs time |")
    print(f"\nwork lost: {lost:.1f} s from the last commit to the kill = {lost / runs_s:.1%} of the "
          f"uninterrupted time; files read again by --resume: {args.files - skipped} of {args.files} "
          f"({skipped} skipped, {(args.files - skipped) / args.files:.0%}), of which those of the run in flight "
          f"were already analysed once: at most {args.per_run} files = {args.per_run / args.files:.0%} of the "
          f"work redone; same articles as the uninterrupted runs: {same}")


def listing(args: argparse.Namespace) -> None:
    from unspun.engines.spark import session
    from unspun.engines.spark_io import list_inputs
    from unspun.read import format_of, input_files

    root = Path(tempfile.mkdtemp(prefix="spark-listing-"))
    try:
        for d in range(100):
            sub = root / f"d{d:02d}"
            sub.mkdir()
            for k in range(args.n_files // 100):
                (sub / f"a{k:05d}.txt").write_text(f"Short text number {k} in folder {d}.\n", encoding="ascii")
        n = args.n_files // 100 * 100

        def scandir_walk() -> int:
            found, stack = [], [str(root)]
            while stack:
                with os.scandir(stack.pop()) as it:
                    for e in it:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        elif format_of(e.name):
                            found.append((e.path, e.stat().st_size, e.stat().st_mtime_ns))
            return len(found)

        timings = {}
        for name, fn in (("Python `os.scandir` walk (+ size, mtime)", scandir_walk),
                         ("Python `glob.glob('*/*.txt')`", lambda: len(globbing.glob(f"{root}/*/*.txt"))),
                         ("`read.input_files` (plain path)", lambda: len(list(input_files([str(root)]))))):
            t = time.perf_counter()
            got = fn()
            timings[name] = (time.perf_counter() - t, got)
        t = time.perf_counter()
        spark, _ = session("local[2]", partitions=8)
        spark.sparkContext.parallelize([0], 1).count()
        start_s = time.perf_counter() - t
        for name, uri in (("Spark `list_inputs` on `file://…/*/*.txt` (glob)", f"file://{root}/*/*.txt"),
                          ("Spark `list_inputs` on `file://…/` (folder)", f"file://{root}")):
            for attempt in ("first", "second"):
                t = time.perf_counter()
                got = len(list_inputs(spark, [uri]))
                timings[f"{name}, {attempt}"] = (time.perf_counter() - t, got)
        spark.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    peer = timings["Python `os.scandir` walk (+ size, mtime)"][0]
    print(f"\nListing {n:,} small files in 100 folders under /tmp, {time.strftime('%Y-%m-%d')}; Spark session "
          f"start {start_s:.1f} s not included\n")
    print("| listing | seconds | files | ratio to `os.scandir` |")
    print("|---|---:|---:|---:|")
    for name, (sec, got) in timings.items():
        print(f"| {name} | {sec:.2f} | {got:,} | {sec / peer:.1f}x |")


def grow(args: argparse.Namespace) -> None:
    from unspun.engines.spark import _regroup, session
    from unspun.engines.spark_io import FILES, Output, committed_runs

    import pyarrow.parquet as pq

    total = args.base + args.batch * args.batches
    records = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        for line in f:
            if len(records) >= total:
                break
            r = json.loads(line)
            records.append((r["id"], r["text"]))
    work = Path(tempfile.mkdtemp(prefix="unspun-grow-", dir="/tmp"))
    spark, _ = session("local[2]", partitions=args.partitions)
    commit = {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "true"}

    def add_run(out_dir: Path, run: int, part: list) -> None:
        rows = [((run << 32) | (k + 1), rid, json.dumps({"path": f"batch{run}.jsonl", "url": None, "format": "jsonl",
                                                         "record": k + 1}), json.dumps({"text": text}))
                for k, (rid, text) in enumerate(part)]
        (spark.createDataFrame(rows, "seq long, id string, source string, json string").repartition(args.partitions)
         .write.options(**commit).parquet(str(out_dir / "articles" / f"run={run}")))
        (spark.createDataFrame([(run, f"batch{run}.jsonl", f"file:///batch{run}.jsonl", len(part), 0)], FILES)
         .coalesce(1).write.options(**commit).parquet(str(out_dir / "files" / f"run={run}")))

    def stories_of(out_dir: Path) -> list:
        return sorted((r for p in committed_runs(str(out_dir), "stories") for r in pq.read_table(p).to_pylist()),
                      key=lambda r: r["rank"])

    out_dir = work / "out"
    timings = []
    try:
        bounds = [(0, args.base)] + [(args.base + k * args.batch, args.base + (k + 1) * args.batch)
                                     for k in range(args.batches)]
        for run, (lo, hi) in enumerate(bounds):
            add_run(out_dir, run, records[lo:hi])
            lines: list[str] = []
            t = time.perf_counter()
            _regroup(spark, Output(spark, str(out_dir)), list(range(run + 1)), args.embeddings, lines.append)
            timings.append((run, lo, hi - lo, time.perf_counter() - t, lines[-1] if lines else "from scratch"))
            print(f"run {run}: {timings[-1][3]:.1f} s; {timings[-1][4]}", flush=True)
        scratch = work / "scratch"
        shutil.copytree(out_dir, scratch, ignore=shutil.ignore_patterns("stories", "storystate"))
        lines = []
        t = time.perf_counter()
        _regroup(spark, Output(spark, str(scratch)), list(range(len(bounds))), args.embeddings, lines.append)
        full_s = time.perf_counter() - t
        print(f"from scratch: {full_s:.1f} s", flush=True)
        grown, peer = stories_of(out_dir), stories_of(scratch)
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{total:,} documents of {args.corpus.name}, local[2], {args.partitions} partitions, "
          f"{'with' if args.embeddings else 'without'} sentence embeddings, {time.strftime('%Y-%m-%d')}\n")
    print("| run | articles before | added | seconds | ratio to one grouping from scratch of all |")
    print("|---:|---:|---:|---:|---:|")
    for run, lo, n, sec, _ in timings:
        print(f"| {run} {'(from scratch)' if run == 0 else ''} | {lo:,} | {n:,} | {sec:.1f} | {sec / full_s:.2f}x |")
    print(f"| all {total:,}, from scratch | 0 | {total:,} | {full_s:.1f} | 1.00x |")
    print(f"\ngrown stories identical to the peer's: {grown == peer} ({len(peer):,} stories, "
          f"{sum(r['size'] > 1 for r in peer):,} of several members)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    a = sub.add_parser("analyze")
    a.add_argument("corpus", type=Path)
    a.add_argument("-n", type=int, default=200)
    s = sub.add_parser("stories")
    s.add_argument("corpus", type=Path)
    r = sub.add_parser("resume")
    r.add_argument("corpus", type=Path)
    r.add_argument("-n", type=int, default=120)
    r.add_argument("--files", type=int, default=12)
    r.add_argument("--per-run", type=int, default=2, help="files per committed run")
    li = sub.add_parser("listing")
    li.add_argument("--n-files", type=int, default=100_000)
    g = sub.add_parser("grow")
    g.add_argument("corpus", type=Path)
    g.add_argument("--base", type=int, default=20_000)
    g.add_argument("--batch", type=int, default=2_000)
    g.add_argument("--batches", type=int, default=5)
    g.add_argument("--partitions", type=int, default=8)
    g.add_argument("--embeddings", action="store_true", help="settle grey pairs with sentence embeddings")
    args = p.parse_args()
    {"analyze": analyze, "stories": stories, "resume": resume, "listing": listing, "grow": grow}[args.what](args)


if __name__ == "__main__":
    main()

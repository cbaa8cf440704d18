"""``unspun index --engine spark``: the same per-article pipeline and story grouping on Apache Spark.

The driver lists the input files: plain paths with ``read.input_files`` (the order ``unspun
analyze`` uses), URIs (``file://``, ``hdfs://``, ``s3a://``, ``gs://``, globs) through Spark's
file index (``spark_io``). Executors read them (plain paths with ``read.read_file``; URIs
through Spark's binaryFile source, parsed by ``read.read_bytes``: text, HTML, JSONL, WARC,
.gz), the records are spread over ``partitions`` tasks and each task runs
``batch.analyze_one`` — the single-machine ``analyze_document`` with its error handling —
record by record (``mapPartitions``). The spaCy parser and the ONNX technique model are
process-level caches, and Spark reuses its Python workers, so each worker process loads them
once, not once per record or per task.

Output folder ``DIR`` (one Parquet dataset per part, written in runs ``run=N``: see
``spark_io`` for how runs commit and how readers pick them):

- ``DIR/articles/run=N/`` Parquet, one row per analysed record: ``json`` (the DATA-MODEL.md
  article JSON, byte-identical to ``unspun analyze --format jsonl``), ``seq`` (input order),
  ``id``, ``outlet``, ``date``, ``title``, ``language``, ``path``, ``url``, ``format``,
  ``record``, ``source`` and ``hints`` (JSON, for ``unspun import``), ``warnings`` and
  ``n_<layer>``, the number of spans of each layer. ``_SUCCESS`` commits the run.
- ``DIR/errors/run=N/`` Parquet: ``seq``, ``where`` (``PATH``, ``PATH:LINE``, ``PATH@OFFSET``),
  ``reason`` (one line), ``kind`` (``bad`` input or internal ``error``).
- ``DIR/files/run=N/`` Parquet: ``file`` (number), ``path``, ``key`` (qualified URI),
  ``size``, ``mtime`` (ms): the files run ``N`` read, which ``--resume`` skips.
- ``DIR/stories/run=N/`` Parquet: ``rank``, ``id``, ``kind``, ``size``, ``json`` (one story of
  the ``unspun stories`` JSON; ``rank`` is its place there), grouped by ``spark_stories`` over
  every committed article up to run ``N``.

``seq`` is ``file number << 32 | record number``: increasing in input order, not dense; file
numbers go on across runs.
PySpark is imported inside the functions, so ``unspun`` imports without it.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import Callable, Iterator

from unspun.article import LAYERS, Article
from unspun.read import BadInput

MISSING = "--engine spark needs PySpark, pyarrow and pandas: pip install 'unspun[spark]'"
LAYER_COLUMNS = [f"n_{layer}" for layer in LAYERS]
ARTICLES = ("seq long, id string, outlet string, date string, title string, language string, path string, "
            "url string, format string, record long, source string, hints string, warnings array<string>, "
            "json string, " + ", ".join(f"{c} int" for c in LAYER_COLUMNS))
ERRORS = "seq long, where string, reason string, kind string"
MAX_LINES = 200  # error and warning lines printed by the driver (all are in DIR/errors)


class EngineError(Exception):
    """Spark cannot run this (missing PySpark or Java, unusable input or output): one line."""


def require() -> None:
    try:
        import pandas  # noqa: F401  (Spark's Arrow-based Python stages need it)
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineError(MISSING) from None


def session(master: str | None = None, *, partitions: int | None = None, app: str = "unspun"):
    """``(spark, created)``: the active SparkSession (under ``spark-submit`` or in a notebook),
    else a new one on ``master`` (default ``local[2]``). A local session gets the web UI off,
    2 GB of driver memory (``UNSPUN_SPARK_MEMORY``) and this Python for its workers; every
    session gets one ONNX thread per task (Spark's task slots are the parallelism)."""
    require()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active, False
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started this driver
    master = master or (None if submitted else "local[2]")
    builder = SparkSession.builder.appName(app)
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (builder.config("spark.ui.enabled", "false")
                   .config("spark.driver.memory", os.environ.get("UNSPUN_SPARK_MEMORY", "2g")))
    builder = (builder.config("spark.executorEnv.UNSPUN_THREADS", os.environ.get("UNSPUN_THREADS", "1"))
               .config("spark.python.worker.reuse", "true")
               .config("spark.sql.shuffle.partitions", str(partitions or 8)))
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing, bad master URL, ...
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise EngineError(f"cannot start Spark on {master or 'the spark-submit master'} ({first}); "
                          "Spark needs Java 17 or later (JAVA_HOME)") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


# -- executors --------------------------------------------------------------------------------

def _read(entry: tuple, max_bytes: int) -> Iterator[tuple]:
    """One input file (or a ``BadInput`` naming a path) -> ``(seq, Document | BadInput)``."""
    from unspun.read import BadInput, read_file

    file_no, item = entry
    if isinstance(item, BadInput):
        yield file_no << 32, item
        return
    for k, doc in enumerate(read_file(item, max_bytes)):
        yield (file_no << 32) | k, doc


def article_row(seq: int, article: Article) -> tuple:
    """One row of ``DIR/articles`` (the ``ARTICLES`` schema)."""
    src = article.source or {}
    layers = Counter(s.layer for s in article.spans)
    record = src.get("record")
    return (seq, article.id, article.meta.get("outlet"), article.meta.get("date"), article.meta.get("title"),
            article.meta.get("language"), src.get("path"), src.get("url"), src.get("format"),
            int(record) if isinstance(record, int) else None, json.dumps(src, ensure_ascii=False),
            json.dumps(article.hints, ensure_ascii=False, default=str, sort_keys=True), list(article.warnings),
            article.to_json(), *(layers.get(layer, 0) for layer in LAYERS))


def _analyze(outlet: str | None, min_score: float | None, models: bool | str) -> Callable:
    def run(items: Iterator[tuple]) -> Iterator[tuple]:
        from unspun.batch import Failed, analyze_one
        from unspun.models.runtime import tune_allocator
        from unspun.options import CLI_OUTLET
        from unspun.read import BadInput, Document

        tune_allocator()  # as the command line's workers do (idempotent)
        for seq, item in items:
            if outlet and isinstance(item, Document):
                item.meta.setdefault(CLI_OUTLET, outlet)  # as `unspun index` keeps it, for re-analysis
            result = analyze_one(item, outlet, min_score, models)
            if isinstance(result, BadInput):
                yield "error", (seq, result.where, result.reason, "bad")
            elif isinstance(result, Failed):
                yield "error", (seq, result.where, f"internal error: {result.reason}", "error")
            else:
                yield "article", article_row(seq, result)
    return run


# -- driver -----------------------------------------------------------------------------------

COMMIT_BYTES = 1 << 30  # input bytes per committed run (UNSPUN_SPARK_COMMIT_BYTES): what a kill can lose


def documents(spark, paths: list[str], max_bytes: int):
    """An RDD of ``(seq, Document | BadInput)`` for ``paths``: plain paths read on the
    executors (which must see them: local mode, or a filesystem shared by the cluster), URIs
    through Spark's binaryFile source (``spark_io``)."""
    from unspun.engines.spark_io import list_inputs

    entries = list_inputs(spark, paths)
    _check(entries)
    for n, item in enumerate(entries):
        if not isinstance(item, BadInput):
            item.file = n
    return _chunk_rdd(spark, list(enumerate(entries)), max_bytes)


def _check(entries: list) -> None:
    if any(item == "-" for item in entries):
        raise EngineError("-: Spark executors cannot read standard input; give files or folders")
    if not entries:
        raise EngineError("give PATH... to index")


def _chunk_rdd(spark, numbered: list[tuple], max_bytes: int):
    """``(seq, Document | BadInput)`` for ``numbered`` ``(file number, InputFile | BadInput)``."""
    sc = spark.sparkContext
    local = [(n, item if isinstance(item, BadInput) else item.path) for n, item in numbered
             if isinstance(item, BadInput) or not item.hadoop]
    remote = [item for _, item in numbered if not isinstance(item, BadInput) and item.hadoop]
    rdds = []
    if local:
        rdds.append(sc.parallelize(local, len(local)).flatMap(lambda e: _read(e, max_bytes)))
    if remote:
        from unspun.engines.spark_io import read_hadoop

        rdds.append(read_hadoop(spark, remote, max_bytes))
    return rdds[0] if len(rdds) == 1 else sc.union(rdds)


def _chunks(entries: list, limit: int) -> list[list]:
    """Consecutive slices of ``entries`` of about ``limit`` input bytes (at least one file)."""
    out: list[list] = []
    size = 0
    for entry in entries:
        n = max(getattr(entry[1], "size", 0), 0)
        if not out or (out[-1] and size + n > limit):
            out.append([])
            size = 0
        out[-1].append(entry)
        size += n
    return out


def run_index(spark, paths: list[str], output: str, *, outlet: str | None = None, min_score: float | None = None,
              max_bytes: int, partitions: int | None = None, stories: bool = True, models: bool | str = True,
              embeddings: bool = True, mode: str = "new", commit_bytes: int | None = None,
              report: Callable[[str], None] = print) -> dict:
    """Analyse ``paths`` into ``output`` (see the module docstring); return the counts
    (articles, bad, failed, warned, skipped = files already done, runs = runs committed now,
    stories = stories of several members). ``models=False`` is ``--no-models`` (rule-based
    attribution only); ``embeddings=False`` is ``--no-embeddings`` (grey pairs stay apart
    instead of going to ``settle.EmbeddingSettle``). ``mode``: ``new`` (an output already there
    is refused), ``overwrite`` (replaced) or ``resume`` (files whose rows a committed run holds,
    by key, size and mtime, are skipped). Input is committed in runs of about
    ``commit_bytes`` (a kill loses the run in progress, no more)."""
    from unspun.engines.spark_io import Output, ledger, list_inputs

    out = Output(spark, output)
    if out.exists("articles"):
        if mode == "new":
            raise EngineError(f"{output}: already holds unspun output; give --resume to continue it, "
                              "--overwrite to replace it, or choose another --output")
        if mode == "overwrite":
            out.clear()
        elif out.flat():
            raise EngineError(f"{output}: written without run folders (an older unspun); it cannot be resumed: "
                              "--overwrite replaces it")
    try:
        limit = commit_bytes or int(os.environ.get("UNSPUN_SPARK_COMMIT_BYTES", COMMIT_BYTES))
    except ValueError:
        raise EngineError("UNSPUN_SPARK_COMMIT_BYTES must be a number of bytes") from None
    counts = {"articles": 0, "bad": 0, "failed": 0, "warned": 0, "skipped": 0, "runs": 0, "stories": 0,
              "shown": 0}
    next_run = max([-1, *out.runs("articles"), *out.runs("errors"), *out.runs("files")]) + 1  # never reused
    if mode == "resume":
        out.drop_uncommitted()
    committed = out.committed()
    done = ledger(spark, out, committed)
    seen = {(key, size, mtime) for _, key, size, mtime, _ in done}
    next_file = max((f for f, *_ in done), default=-1) + 1
    entries = list_inputs(spark, paths)
    _check(entries)
    pending = []
    for item in entries:
        if not isinstance(item, BadInput) and item != "-" and (item.key, item.size, item.mtime) in seen:
            counts["skipped"] += 1
            continue
        pending.append(item)
    numbered = [(next_file + k, item) for k, item in enumerate(pending)]
    for n, item in numbered:
        if not isinstance(item, BadInput):
            item.file = n
    for chunk in (_chunks(numbered, limit) if numbered else []):
        _run(spark, out, next_run, chunk, counts, outlet=outlet, min_score=min_score, max_bytes=max_bytes,
             partitions=partitions, models=models, report=report)
        committed.append(next_run)
        next_run += 1
        counts["runs"] += 1
    if counts["shown"] >= MAX_LINES:
        report(f"... the rest are in {out.join('errors')} (bad records) and the warnings column")
    del counts["shown"]
    grouped = out.stories_run()
    if stories and committed and (grouped is None or grouped < max(committed)):
        rows = _regroup(spark, out, committed, embeddings, report)
        counts["stories"] = sum(1 for r in rows if r[3] > 1)
        for n in list(out.runs("stories")):
            if n < max(committed):
                out.delete("stories", f"run={n}")
    elif stories and grouped is not None:  # nothing new: the stories written are current
        counts["stories"] = spark.read.parquet(out.join("stories", f"run={grouped}")).where("size > 1").count()
    return counts


def _run(spark, out, run: int, chunk: list[tuple], counts: dict, *, outlet, min_score, max_bytes, partitions,
         models, report) -> None:
    """Analyse one chunk of files into run ``run``: errors and the file list, then the
    articles, whose ``_SUCCESS`` commits the run."""
    from pyspark import StorageLevel

    from unspun.engines.spark_io import FILES
    from unspun.read import where

    sc = spark.sparkContext
    parts = partitions or sc.defaultParallelism * 4
    results = (_chunk_rdd(spark, chunk, max_bytes).repartition(parts)
               .mapPartitions(_analyze(outlet, min_score, models)).persist(StorageLevel.MEMORY_AND_DISK))
    files = [(item.file, item.path, item.key, item.size, item.mtime) for _, item in chunk
             if not isinstance(item, BadInput)]
    name = f"run={run}"
    commit = {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "true"}
    try:
        articles = spark.createDataFrame(results.filter(lambda r: r[0] == "article").map(lambda r: r[1]), ARTICLES)
        errors = spark.createDataFrame(results.filter(lambda r: r[0] == "error").map(lambda r: r[1]), ERRORS)
        errors.coalesce(1).write.options(**commit).parquet(out.join("errors", name))
        spark.createDataFrame(files, FILES).coalesce(1).write.options(**commit).parquet(out.join("files", name))
        articles.write.options(**commit).parquet(out.join("articles", name))  # the commit
        written = spark.read.parquet(out.join("articles", name))
        errors = spark.read.parquet(out.join("errors", name))
        counts["articles"] += written.count()
        for kind, n in errors.groupBy("kind").count().collect():
            counts["failed" if kind == "error" else "bad"] += n
        for row in errors.orderBy("seq").limit(MAX_LINES).collect():
            if counts["shown"] < MAX_LINES:
                report(f"{row.where}: {row.reason}")
            counts["shown"] += 1
        warned = written.where("size(warnings) > 0").select("seq", "source", "warnings")
        counts["warned"] += warned.count()
        for row in warned.orderBy("seq").limit(MAX_LINES).collect():
            for warning in row.warnings:
                if counts["shown"] < MAX_LINES:
                    report(f"{where(json.loads(row.source))}: {warning}")
                counts["shown"] += 1
    finally:
        results.unpersist()


def committed_articles(spark, out, runs: list[int]):
    """The articles of the committed ``runs`` (of a file read in several runs, the latest)."""
    from pyspark.sql import functions as F

    from unspun.engines.spark_io import ledger, live

    frame = (spark.read.option("basePath", out.join("articles"))
             .parquet(*(out.join("articles", f"run={n}") for n in runs)))
    keep = live(ledger(spark, out, runs))
    if keep is not None:
        files = spark.createDataFrame([(f,) for f in sorted(keep)], "file long")
        frame = frame.join(F.broadcast(files), F.shiftright("seq", 32) == files.file, "left_semi")
    return frame


FIRST = "no stories grouped yet"  # the reason a first grouping is from scratch (not reported)
HEAD = "settings string, settle string, features array<int>, articles array<int>, docs long"


def _prior(spark, out, runs: list[int], settings, settle) -> tuple[object, object, str]:
    """The state the last grouping left (``storystate``: a ``spark_stories.Prior``) and its
    head row (``HEAD``), or None, None and why the stories must be grouped from scratch."""
    from unspun.engines.spark_io import STATE, ledger, live
    from unspun.engines.spark_stories import Prior
    from unspun.stories.incremental import settings_key, settle_key

    grouped = out.stories_run()
    if grouped is None:
        return None, None, FIRST
    if not out.exists(STATE, "head", f"run={grouped}", "_SUCCESS"):
        return None, None, "no grouping state stored with the stories"
    head = spark.read.parquet(out.join(STATE, "head", f"run={grouped}")).collect()[0]
    if head.settings != settings_key(settings):
        return None, None, "the grouping settings changed"
    old = list(head.articles)
    if not set(old) <= set(runs) or not all(out.exists(STATE, "features", f"run={n}", "_SUCCESS")
                                            for n in head.features):
        return None, None, "the grouping state is incomplete"
    entries = ledger(spark, out, runs)
    keep = live(entries)
    if keep is not None and any(run in old and file not in keep for file, _, _, _, run in entries):
        return None, None, "a file grouped before was read again after it changed"
    features = _features(spark, out, head.features)
    verdicts = spark.read.parquet(out.join(STATE, "pairs", f"run={grouped}"))
    decisions = {}
    if head.settle == settle_key(settle):
        decisions = {(r.a, r.b): r.ok for r in spark.read.parquet(out.join(STATE, "decisions", f"run={grouped}"))
                     .collect()}
    return Prior(features, verdicts, decisions), head, ""


def _features(spark, out, runs: list[int]):
    """The stored stories features of the documents first grouped at ``runs``."""
    from unspun.engines.spark_io import STATE
    from unspun.engines.spark_stories import FEATURES

    frame = spark.read.schema(FEATURES).parquet(*(out.join(STATE, "features", f"run={n}") for n in runs))
    return frame.select(*(c.split()[0] for c in FEATURES.split(", ")))


def _regroup(spark, out, runs: list[int], embeddings: bool, report: Callable[[str], None] = print) -> list[tuple]:
    """Group every committed article into stories; write them as ``stories/run=<last run>``,
    with the state the next grouping grows from (``storystate``): the articles of runs the last
    grouping saw are grouped against (``spark_stories.group_features`` with a ``Prior``), not
    again; from scratch when there is no usable state."""
    from unspun.engines.spark_io import STATE, STATE_PARTS
    from unspun.engines.spark_stories import DECISIONS, STORIES, featurize, group_features, story_rows
    from unspun.stories.group import Settings, Stats
    from unspun.stories.incremental import settings_key, settle_key
    from unspun.stories.settle import EmbeddingSettle

    settings = Settings()
    settle = EmbeddingSettle() if embeddings else None
    run = max(runs)
    commit = {"mapreduce.fileoutputcommitter.marksuccessfuljobs": "true"}
    prior, head, reason = _prior(spark, out, runs, settings, settle)
    articles = committed_articles(spark, out, runs).select("seq", "id", "source", "json", "run")
    fresh = articles.where(~articles.run.isin(list(head.articles))) if prior is not None else articles
    for part in STATE_PARTS:
        out.delete(STATE, part, f"run={run}")  # a grouping at this run that never committed
    featurize(fresh.drop("run"), settings).write.options(**commit).parquet(out.join(STATE, "features", f"run={run}"))
    features = _features(spark, out, [run])
    if prior is not None:
        features = prior.features.unionByName(features)
    features = features.persist()
    stats = Stats()
    stats.docs = features.count()
    if stats.docs == 0:
        features.unpersist()
        return []
    added = stats.docs - (head.docs if prior is not None else 0)
    try:
        result, grown = group_features(spark, features, articles.drop("run"), settings, settle=settle, stats=stats,
                                       prior=prior)
    finally:
        features.unpersist()
    try:
        grown.verdicts.write.options(**commit).parquet(out.join(STATE, "pairs", f"run={run}"))
    finally:
        grown.verdicts.unpersist()
    (spark.createDataFrame([(a, b, ok) for (a, b), ok in sorted(grown.decisions.items())], DECISIONS)
     .coalesce(1).write.options(**commit).parquet(out.join(STATE, "decisions", f"run={run}")))
    feature_runs = [*(head.features if prior is not None else []), run]
    (spark.createDataFrame([(settings_key(settings), settle_key(settle), feature_runs, sorted(runs), stats.docs)], HEAD)
     .coalesce(1).write.options(**commit).parquet(out.join(STATE, "head", f"run={run}")))
    rows = story_rows(result)
    (spark.createDataFrame(rows, STORIES).coalesce(1).write.options(**commit)
     .parquet(out.join("stories", f"run={run}")))  # the commit
    for part in ("pairs", "decisions", "head"):
        for n in list(out.runs(STATE + "/" + part)):
            if n != run:
                out.delete(STATE, part, f"run={n}")
    for n in list(out.runs(STATE + "/features")):
        if n not in feature_runs:
            out.delete(STATE, "features", f"run={n}")
    if prior is not None:
        report(f"stories: {added:,} added articles grouped against {stats.docs - added:,} already grouped "
               f"({grown.dropped:,} stored pairs dropped, {grown.reverified:,} verified again)")
    elif reason != FIRST:  # a first grouping says nothing
        report(f"stories: all {stats.docs:,} articles grouped from scratch ({reason})")
    return rows

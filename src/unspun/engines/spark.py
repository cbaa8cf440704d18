"""``unspun index --engine spark``: the same per-article pipeline and story grouping on Apache Spark.

The driver lists the input files (``read.input_files``, the order ``unspun analyze`` uses);
executors read them (``read.read_file``: text, HTML, JSONL, WARC, .gz), the records are spread
over ``partitions`` tasks and each task runs ``batch.analyze_one`` — the single-machine
``analyze_document`` with its error handling — record by record (``mapPartitions``). The
spaCy parser and the ONNX technique model are process-level caches, and Spark reuses its
Python workers, so each worker process loads them once, not once per record or per task.

Output folder ``DIR``:

- ``DIR/articles/`` Parquet, one row per analysed record: ``json`` (the DATA-MODEL.md article
  JSON, byte-identical to ``unspun analyze --format jsonl``), ``seq`` (input order), ``id``,
  ``outlet``, ``date``, ``title``, ``language``, ``path``, ``url``, ``format``, ``record``,
  ``source`` and ``hints`` (JSON, for ``unspun import``), ``warnings`` and ``n_<layer>``, the
  number of spans of each layer.
- ``DIR/errors/`` Parquet: ``seq``, ``where`` (``PATH``, ``PATH:LINE``, ``PATH@OFFSET``),
  ``reason`` (one line), ``kind`` (``bad`` input or internal ``error``).
- ``DIR/stories/`` Parquet: ``rank``, ``id``, ``kind``, ``size``, ``json`` (one story of the
  ``unspun stories`` JSON; ``rank`` is its place there), grouped by ``spark_stories``.

``seq`` is ``file number << 32 | record number``: increasing in input order, not dense.
PySpark is imported inside the functions, so ``unspun`` imports without it.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import Callable, Iterator

from unspun.article import LAYERS, Article

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
        from unspun.cli.index import CLI_OUTLET
        from unspun.read import BadInput, Document

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

def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def documents(spark, paths: list[str], max_bytes: int):
    """An RDD of ``(seq, Document | BadInput)`` for ``paths``, read on the executors (which must
    see the paths: local mode, or a filesystem shared by the cluster)."""
    from unspun.read import input_files

    files = list(enumerate(input_files(paths)))
    if any(item == "-" for _, item in files):
        raise EngineError("-: Spark executors cannot read standard input; give files or folders")
    if not files:
        raise EngineError("give PATH... to index")
    return spark.sparkContext.parallelize(files, len(files)).flatMap(lambda e: _read(e, max_bytes))


def run_index(spark, paths: list[str], output: str, *, outlet: str | None = None, min_score: float | None = None,
              max_bytes: int, partitions: int | None = None, stories: bool = True, models: bool | str = True,
              embeddings: bool = True, report: Callable[[str], None] = print) -> dict:
    """Analyse ``paths`` into ``output`` (see the module docstring); return the counts
    (articles, bad, failed, warned, stories = stories of several members). ``models=False`` is
    ``--no-models`` (rule-based attribution only); ``embeddings=False`` is ``--no-embeddings``
    (grey pairs stay apart instead of going to ``settle.EmbeddingSettle``)."""
    from pyspark import StorageLevel

    from unspun.engines.spark_stories import STORIES, group_spark, story_rows
    from unspun.read import where

    if _is_local(output) and os.path.exists(os.path.join(output.removeprefix("file://"), "articles")):
        raise EngineError(f"{output}: already holds unspun output; remove it or choose another --output")
    sc = spark.sparkContext
    parts = partitions or sc.defaultParallelism * 4
    results = (documents(spark, paths, max_bytes).repartition(parts)
               .mapPartitions(_analyze(outlet, min_score, models)).persist(StorageLevel.MEMORY_AND_DISK))
    try:
        articles = spark.createDataFrame(results.filter(lambda r: r[0] == "article").map(lambda r: r[1]), ARTICLES)
        errors = spark.createDataFrame(results.filter(lambda r: r[0] == "error").map(lambda r: r[1]), ERRORS)
        articles.write.parquet(_join(output, "articles"))
        errors.coalesce(1).write.parquet(_join(output, "errors"))
        counts = {"articles": articles.count(), "bad": 0, "failed": 0, "warned": 0, "stories": 0}
        bad = errors.orderBy("seq").limit(MAX_LINES).collect()
        for kind, n in errors.groupBy("kind").count().collect():
            counts["failed" if kind == "error" else "bad"] = n
        for row in bad:
            report(f"{row.where}: {row.reason}")
        warned = articles.where("size(warnings) > 0").select("seq", "source", "warnings")
        counts["warned"] = warned.count()
        for row in warned.orderBy("seq").limit(MAX_LINES).collect():
            for warning in row.warnings:
                report(f"{where(json.loads(row.source))}: {warning}")
        if counts["bad"] + counts["failed"] + counts["warned"] > MAX_LINES:
            report(f"... the rest are in {_join(output, 'errors')} (bad records) and the warnings column")
    finally:
        results.unpersist()
    if stories and counts["articles"]:
        from unspun.stories.settle import EmbeddingSettle

        articles = spark.read.parquet(_join(output, "articles")).select("seq", "id", "source", "json")
        result = group_spark(spark, articles, settle=EmbeddingSettle() if embeddings else None)
        rows = story_rows(result)
        spark.createDataFrame(rows, STORIES).coalesce(1).write.parquet(_join(output, "stories"))
        counts["stories"] = sum(1 for r in rows if r[3] > 1)
    return counts


def _join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name

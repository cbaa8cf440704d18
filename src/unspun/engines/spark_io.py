"""Inputs on any Hadoop filesystem, and the run folders of a Spark output, for ``unspun.engines.spark``.

**Inputs.** A path with a scheme (``file://``, ``hdfs://``, ``s3a://``, ``gs://``, ...; globs
allowed) is listed by Spark's file index (the ``binaryFile`` source: Hadoop's ``globStatus``
and a recursive listing, parallel for many paths) and read by the executors through the same
source, one file's bytes at a time, which ``read.read_bytes`` parses (WARC, JSONL, text,
HTML; ``.gz`` too). Names starting with ``_`` or ``.`` are skipped in folders, as Hadoop
does. A plain path is listed by ``read.input_files`` on the driver and read by
``read.read_file`` on the executors (which must see it: local mode or a shared mount).

**Output.** ``DIR/articles/run=N/``, ``DIR/errors/run=N/`` and ``DIR/files/run=N/`` (the
files run ``N`` read: ``file``, ``path``, ``key``, ``size``, ``mtime``) are written per
chunk of input files; a run is committed when ``DIR/articles/run=N/_SUCCESS`` exists (its
articles are written last). ``DIR/stories/run=N/`` is the grouping of every committed
article up to run ``N``. Readers take committed runs only, and of a file read again after
it changed (same ``key``, other size or mtime) only the latest run's rows (``live_files``).
File numbers go on across runs, so ``seq`` (``file << 32 | record``) is unique in ``DIR``.

This module imports PySpark only inside the functions that take a SparkSession; the readers
for ``unspun import`` (``committed_runs``, ``live_files``) need pyarrow alone.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote

SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
GLOB = re.compile(r"[*?\[\]{}\\]")
RUN = re.compile(r"run=(\d+)")
MAX_BINARY = 2**31 - 1  # the largest file Spark's binaryFile source reads (one Java byte array)
FILES = "file long, path string, key string, size long, mtime long"
STATE = "storystate"  # DIR/storystate/<part>/run=S: what the grouping at run S knew
STATE_PARTS = ("features", "pairs", "decisions", "head")
PARTS = ("articles", "errors", "files", "stories", STATE)


def is_uri(path: str) -> bool:
    return bool(SCHEME.match(path))


def shown(uri: str) -> str:
    """How a Hadoop path is shown in ``source.path``: ``file:/x`` as ``file:///x``."""
    if uri.startswith("file:/") and not uri.startswith("file://"):
        return "file://" + uri[len("file:"):]
    return uri


def literal(uri: str) -> str:
    """``uri`` with Hadoop's glob characters escaped, so it names that one file."""
    return GLOB.sub(lambda m: "\\" + m.group(), uri)


@dataclass
class InputFile:
    """One input file: ``path`` as shown, ``key`` (qualified URI), ``size`` and ``mtime`` (ms)
    for ``--resume``; ``hadoop`` when read through Spark's binaryFile source."""

    path: str
    key: str
    size: int
    mtime: int
    hadoop: bool
    file: int = -1  # the file number, given when the run is planned


def list_inputs(spark, paths: list[str]) -> list:
    """``InputFile`` or ``read.BadInput`` for each file of ``paths``, in input order."""
    from unspun.read import BadInput, input_files

    found: list = []
    for path in paths:
        if is_uri(path):
            found += _hadoop_files(spark, path)
            continue
        for item in input_files([path]):
            if isinstance(item, BadInput) or item == "-":
                found.append(item)
                continue
            try:
                st = os.stat(item)
            except OSError:  # read_file on the executor says why
                found.append(InputFile(item, _file_key(item), -1, -1, False))
                continue
            found.append(InputFile(item, _file_key(item), st.st_size,
                                   int(st.st_mtime_ns // 1_000_000), False))
    return found


def _file_key(path: str) -> str:
    """The ``key`` of a plain local path: as Spark names the file (``file:///abs/path``)."""
    return shown("file:" + os.path.abspath(path))


def _hadoop_files(spark, path: str) -> list:
    """The files of one URI (a file, a folder, listed recursively, or a glob) through Spark."""
    from pyspark.sql import functions as F

    from unspun.engines.spark import EngineError
    from unspun.read import EXTENSIONS, BadInput, format_of

    _listing_tasks(spark)
    try:
        frame = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(path)
        with _conf(spark, {"spark.sql.files.openCostInBytes": "1"}):  # many small files: few tasks
            rows = frame.select("path", "length", F.unix_millis("modificationTime").alias("mtime")).collect()
    except Exception as exc:  # noqa: BLE001 - AnalysisException, Py4JJavaError: a missing connector, ...
        text = str(exc)
        if "PATH_NOT_FOUND" in text or "Path does not exist" in text:
            return [BadInput(path, "no such file or directory" if not GLOB.search(path) else "no file matches")]
        first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
        hint = ("; add the filesystem's connector (see README, Running on Spark)"
                if "No FileSystem for scheme" in text or "ClassNotFound" in text else "")
        raise EngineError(f"{path}: cannot list ({first[:300]}){hint}") from None
    found = [(shown(row.path), row.length, row.mtime) for row in rows]
    if len(frame._jdf.inputFiles()) > len(rows):  # Spark's scans skip empty files: find them in its index
        listed = {name for name, _, _ in found}
        found += [(name, 0, _mtime(spark, name)) for name in (shown(unquote(uri)) for uri in frame.inputFiles())
                  if name not in listed]
    explicit = len(found) == 1 and not GLOB.search(path) and _is_file(spark, path)
    files = []
    for name, size, mtime in found:
        if not explicit and not format_of(name.rsplit("/", 1)[-1]):
            continue
        files.append(InputFile(name, name, size, mtime, True))
    if not files:
        kinds = ", ".join(EXTENSIONS)
        return [BadInput(path, f"no supported files here ({kinds}, optionally .gz)")]
    files.sort(key=lambda f: f.key.split("/"))
    out: list = []
    for f in files:
        if f.size > MAX_BINARY:
            out.append(BadInput(f.path, "over 2 GB, the most Spark's binaryFile source reads; split it"))
        else:
            out.append(f)
    return out


DISCOVERY = "spark.sql.sources.parallelPartitionDiscovery.parallelism"


@contextmanager
def _conf(spark, values: dict):
    """The session's SQL settings ``values`` for the block, restored after."""
    old = {key: spark.conf.get(key, None) for key in values}
    for key, value in values.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in old.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def _listing_tasks(spark) -> None:
    """Spark lists many paths (a glob's matches, the files of a run) with one task per path
    (up to 10,000): a task per task slot instead, unless the session set its own figure."""
    if spark.conf.get(DISCOVERY, "10000") == "10000":
        spark.conf.set(DISCOVERY, str(max(2, spark.sparkContext.defaultParallelism)))


def _mtime(spark, uri: str) -> int:
    p = spark._jvm.org.apache.hadoop.fs.Path(uri)
    try:
        return int(p.getFileSystem(spark._jsc.hadoopConfiguration()).getFileStatus(p).getModificationTime())
    except Exception:  # noqa: BLE001 - gone since listed: the read reports it
        return -1


def _is_file(spark, path: str) -> bool:
    """Whether ``path`` (no glob) names a file, not a folder (Hadoop's ``getFileStatus``)."""
    p = spark._jvm.org.apache.hadoop.fs.Path(path)
    try:
        return bool(p.getFileSystem(spark._jsc.hadoopConfiguration()).getFileStatus(p).isFile())
    except Exception:  # noqa: BLE001 - listed a moment ago; gone now: treat as a folder
        return False


def read_hadoop(spark, files: list[InputFile], max_bytes: int):
    """An RDD of ``(seq, Document | BadInput)``: ``files`` read by the executors through Spark's
    binaryFile source, each parsed by ``read.read_bytes``."""
    from unspun.read import read_bytes

    sc = spark.sparkContext
    empty = [(f.file, f.path) for f in files if f.size == 0]  # Spark's file sources skip empty files
    files = [f for f in files if f.size != 0]
    names_bc = sc.broadcast({f.key: (f.file, f.path) for f in files})
    rdds = []
    if empty:
        rdds.append(sc.parallelize(empty, len(empty)).flatMap(
            lambda e: (((e[0] << 32) | k, doc) for k, doc in enumerate(read_bytes(b"", e[1], max_bytes)))))
    if not files:
        return rdds[0]
    _listing_tasks(spark)
    frame = spark.read.format("binaryFile").load([literal(f.key) if GLOB.search(f.key) else f.key for f in files])

    def parse(row):
        from unspun.read import BadInput, read_bytes

        got = names_bc.value.get(shown(row.path))
        if got is None:  # Spark named the file otherwise than when listing: still read, and said
            yield 0, BadInput(shown(row.path), "read back under a name not listed; skipped")
            return
        file_no, path = got
        for k, doc in enumerate(read_bytes(bytes(row.content), path, max_bytes)):
            yield (file_no << 32) | k, doc

    rdds.append(frame.select("path", "content").rdd.flatMap(parse))
    return rdds[0] if len(rdds) == 1 else sc.union(rdds)


# -- the output folder --------------------------------------------------------------------------

class Output:
    """``DIR`` on its Hadoop filesystem (through the JVM: any scheme the cluster can write)."""

    def __init__(self, spark, uri: str):
        jvm = spark._jvm
        self._path = jvm.org.apache.hadoop.fs.Path
        self.uri = uri.rstrip("/") or uri
        self.root = self._path(self.uri)
        self.fs = self.root.getFileSystem(spark._jsc.hadoopConfiguration())

    def path(self, *parts: str):
        return self._path("/".join([self.uri, *parts]))

    def join(self, *parts: str) -> str:
        return "/".join([self.uri, *parts])

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.exists(self.path(*parts)))

    def delete(self, *parts: str) -> None:
        if self.exists(*parts):
            self.fs.delete(self.path(*parts), True)

    def runs(self, part: str) -> dict[int, bool]:
        """``{N: committed}`` for the ``run=N`` folders of ``part``."""
        if not self.exists(part):
            return {}
        found = {}
        for status in self.fs.listStatus(self.path(part)):
            m = RUN.fullmatch(status.getPath().getName())
            if m and status.isDirectory():
                found[int(m.group(1))] = bool(self.fs.exists(self.path(part, m.group(), "_SUCCESS")))
        return found

    def flat(self) -> bool:
        """Written without run folders (by an unspun before ``--resume``)."""
        return self.exists("articles") and not self.runs("articles")

    def committed(self) -> list[int]:
        return sorted(n for n, ok in self.runs("articles").items() if ok)

    def drop_uncommitted(self) -> list[int]:
        """Delete what runs that never committed left behind; return their numbers."""
        articles = self.runs("articles")
        runs = {n for part in ("errors", "files") for n in self.runs(part)} | set(articles)
        gone = sorted(runs - {n for n, ok in articles.items() if ok})
        for n in gone:
            for part in ("articles", "errors", "files"):
                self.delete(part, f"run={n}")
        stories = self.runs("stories")
        for n, ok in stories.items():
            if not ok:
                self.delete("stories", f"run={n}")
        grouped = self.stories_run()
        for part in STATE_PARTS:  # what a grouping that never committed its stories wrote
            for n in self.runs(f"{STATE}/{part}"):
                if grouped is None or n > grouped:
                    self.delete(STATE, part, f"run={n}")
        return gone

    def clear(self) -> None:
        for part in PARTS:
            self.delete(part)

    def stories_run(self) -> int | None:
        done = [n for n, ok in self.runs("stories").items() if ok]
        return max(done) if done else None


def ledger(spark, out: Output, runs: list[int]) -> list[tuple]:
    """``(file, key, size, mtime, run)`` of every file the committed ``runs`` read."""
    from pyspark.sql import functions as F

    if not runs:
        return []
    frame = (spark.read.option("basePath", out.join("files"))
             .parquet(*(out.join("files", f"run={n}") for n in runs)))
    return [tuple(r) for r in frame.select("file", "key", "size", "mtime", F.col("run").cast("long")).collect()]


def live(entries: list[tuple]) -> set[int] | None:
    """The file numbers whose rows readers keep: for a key read in several runs (the file
    changed in between), those of its latest run. None when every file is live."""
    latest: dict[str, int] = {}
    for _, key, _, _, run in entries:
        latest[key] = max(run, latest.get(key, run))
    if all(latest[key] == run for _, key, _, _, run in entries):
        return None
    return {file for file, key, _, _, run in entries if latest[key] == run}


# -- readers without Spark (unspun import): a local folder, pyarrow ------------------------------

def committed_runs(folder: str, part: str) -> list[str]:
    """The Parquet folders of ``part`` that readers take: each committed run's (for
    ``stories``, the latest committed), or the folder itself in the layout without runs."""
    base = os.path.join(folder, part)
    if not os.path.isdir(base):
        return []
    runs = {int(m.group(1)): os.path.join(base, name) for name in os.listdir(base)
            if (m := RUN.fullmatch(name)) and os.path.isdir(os.path.join(base, name))}
    if not runs:
        return [base]
    ok = [n for n in sorted(runs) if os.path.exists(os.path.join(runs[n], "_SUCCESS"))]
    if part == "stories":  # the latest grouping, unless articles were committed after it (--no-stories)
        last = [int(RUN.fullmatch(os.path.basename(p)).group(1)) for p in committed_runs(folder, "articles")
                if RUN.fullmatch(os.path.basename(p))]
        return [runs[max(ok)]] if ok and (not last or max(ok) >= max(last)) else []
    if part != "articles":  # errors and files: those of runs whose articles committed
        done = {int(RUN.fullmatch(os.path.basename(p)).group(1)) for p in committed_runs(folder, "articles")}
        ok = [n for n in sorted(runs) if n in done]
    return [runs[n] for n in ok]


def live_files(folder: str) -> set[int] | None:
    """``live`` for a local output folder (pyarrow), None when every file is live."""
    import pyarrow.dataset as ds

    entries = []
    for path in committed_runs(folder, "files"):
        run = int(RUN.fullmatch(os.path.basename(path)).group(1))
        for batch in ds.dataset(path, format="parquet").to_batches(columns=["file", "key", "size", "mtime"]):
            entries += [(*row, run) for row in zip(*(batch.column(c).to_pylist()
                                                     for c in ("file", "key", "size", "mtime")))]
    return live(entries)

"""``unspun index PATH... --db FILE``: analyse a corpus into the SQLite store, resumably.

Inputs are read (``unspun.read.read_inputs``) and analysed in parallel, in order, with bounded
memory (``unspun.batch.analyze_stream``). What is already stored from the same source (article
id, path, record, url; for a record read as HTML, the hash of the record as read) is skipped
before analysis, so rerunning adds nothing twice and an interrupted run picks up where it
stopped. Results are written in batches, each one short transaction taken only to write (the
analysis runs outside it, so a second ``index`` on the same store can write between them): a
killed run loses at most the batch not yet written. A record that cannot be read, or that runs
over ``--timeout-per-article``, goes to the ``quarantine`` table with its reason, one line on
stderr, and the run goes on (exit 2 at the end); one whose worker process dies is quarantined
as ``worker died`` (exit 1 at the end). Stories are regrouped whenever the store holds
articles added since they were last saved, so grouping cut short by a kill is redone. ``--reanalyze`` re-runs the stages on stored articles that an older unspun or older
models produced, from their stored text.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from typing import Iterable, Iterator

from unspun.article import Article, text_id
from unspun.batch import DEFAULT_TIMEOUT
from unspun.cli.output import Reporter
from unspun.options import CLI_OUTLET
from unspun.read import DEFAULT_MAX_BYTES, BadInput, Document

REANALYZE = "_unspun_reanalyze"  # hint key marking a stored article sent for re-analysis


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "index", help="analyse a corpus into a SQLite store (resumable)",
        description="Analyse articles (folders, text, HTML, JSONL, WARC; .gz too) into a SQLite store (or, with "
                    "--engine spark, into Parquet on Apache Spark). "
                    "Rerunning adds nothing twice; an interrupted run resumes. Records that cannot be read "
                    "are kept in the store's quarantine table and reported (exit 2).")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; - for stdin")
    p.add_argument("--db", metavar="FILE", help="the store (created when missing); required unless --engine spark")
    p.add_argument("--engine", choices=("local", "spark"), default="local",
                   help="local: this machine, into --db (default); spark: Apache Spark, into --output DIR as "
                        "Parquet (articles, errors, stories; load it into a store with `unspun import`)")
    p.add_argument("--output", metavar="DIR", help="with --engine spark: the output folder (a path or a Hadoop URI)")
    rerun = p.add_mutually_exclusive_group()
    rerun.add_argument("--resume", action="store_true",
                       help="with --engine spark: continue the output in DIR, skipping files it already holds")
    rerun.add_argument("--overwrite", action="store_true", help="with --engine spark: replace the output in DIR")
    p.add_argument("--master", metavar="URL",
                   help="with --engine spark: the Spark master (default local[2], or spark-submit's)")
    p.add_argument("--partitions", type=int, metavar="N",
                   help="with --engine spark: analysis tasks (default 4 per core) and shuffle partitions")
    p.add_argument("--outlet", metavar="NAME", help="the outlet, when the input does not name it")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="processes (default: the cores, up to 8)")
    p.add_argument("--timeout-per-article", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"quarantine an article whose analysis takes longer (default {DEFAULT_TIMEOUT:g}; 0: no limit)")
    p.add_argument("--batch", type=int, default=200, metavar="N",
                   help="articles per transaction (default 200); a crash loses at most one open batch")
    p.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal")
    p.add_argument("--reanalyze", action="store_true",
                   help="also re-analyse stored articles made by another unspun version or other models")
    p.add_argument("--no-stories", action="store_true", help="do not update the stories after indexing")
    models = p.add_mutually_exclusive_group()
    models.add_argument("--no-models", action="store_true",
                        help="rule-based attribution only: no encoder, technique, subjectivity or bias judgements")
    models.add_argument("--fast", action="store_true",
                        help="technique spans from the shared encoder pass alone (no span model, no span-marked "
                             "classifier): about twice as fast, lower quality")
    p.add_argument("--no-embeddings", action="store_true",
                   help="group stories from words alone (no sentence embeddings for the pairs words cannot settle)")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=f"largest single article or record read (default {DEFAULT_MAX_BYTES:,} bytes)")


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from unspun.batch import BatchError
    from unspun.store import Store, StoreError

    if args.engine == "spark":
        return _run_spark(args)
    if args.output or args.master or args.partitions or args.resume or args.overwrite:
        print("unspun index: error: --output, --master, --partitions, --resume and --overwrite go with "
              "--engine spark", file=sys.stderr)
        return 2
    if not args.db:
        print("unspun index: error: give --db FILE (or --engine spark --output DIR)", file=sys.stderr)
        return 2
    if not args.paths and not args.reanalyze:
        print("unspun index: error: give PATH... to index, or --reanalyze", file=sys.stderr)
        return 2
    if args.batch < 1:
        print("unspun index: error: --batch must be at least 1", file=sys.stderr)
        return 2
    if not args.timeout_per_article >= 0:
        print("unspun index: error: --timeout-per-article must be 0 (no limit) or more seconds", file=sys.stderr)
        return 2
    try:
        store = Store(args.db)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    with store:
        show = args.progress or sys.stderr.isatty()
        with Reporter(show, args.paths, label="indexing") as report:
            try:
                counts = index(store, args, report)
            except _WriteError as exc:
                report.line(f"{args.db}: cannot write: {exc}")
                return 2
            except BatchError as exc:
                report.line(f"unspun index: error: {exc}")
                return 1
        report.line(_summary(counts, store))
        if not args.no_stories and store.stories_dirty:
            report.line("grouping the stored articles into stories ...")
            try:
                multi = update_stories(store, args.jobs, embeddings=not args.no_embeddings)
            except sqlite3.DatabaseError as exc:  # the articles are stored; the next run regroups
                report.line(f"{args.db}: cannot write the stories: {exc}; the next run groups them again")
                return 2
            report.line(f"stories: {multi} with more than one member")
    if counts["failed"]:
        return 1
    return 2 if counts["bad"] or counts["warned"] else 0


def _run_spark(args: argparse.Namespace) -> int:
    """``--engine spark``: analyse into ``--output DIR`` (``unspun.engines.spark``)."""
    from unspun.engines.spark import EngineError, run_index, session

    problem = None
    if args.db or args.reanalyze:
        problem = "--engine spark writes Parquet to --output DIR (not --db; no --reanalyze); " \
                  "load it into a store with `unspun import DIR --db FILE`"
    elif not args.output:
        problem = "--engine spark needs --output DIR"
    elif not args.paths:
        problem = "give PATH... to index"
    elif args.partitions is not None and args.partitions < 1:
        problem = "--partitions must be at least 1"
    if problem:
        print(f"unspun index: error: {problem}", file=sys.stderr)
        return 2
    try:
        spark, created = session(args.master, partitions=args.partitions)
    except EngineError as exc:
        print(f"unspun index: error: {exc}", file=sys.stderr)
        return 2
    try:
        counts = run_index(spark, args.paths, args.output, outlet=args.outlet, max_bytes=args.max_bytes,
                           partitions=args.partitions, stories=not args.no_stories, models=_models(args),
                           embeddings=not args.no_embeddings,
                           mode="resume" if args.resume else "overwrite" if args.overwrite else "new",
                           report=lambda line: print(line, file=sys.stderr))
    except EngineError as exc:
        print(f"unspun index: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if created:
            spark.stop()
    skipped = f"; {counts['skipped']:,} files already done, skipped" if args.resume else ""
    print(f"{args.output}: {counts['articles']:,} articles, {counts['bad'] + counts['failed']:,} bad records "
          f"(in {args.output.rstrip('/')}/errors), {counts['stories']:,} stories with more than one member"
          f"{skipped}", file=sys.stderr)
    if counts["failed"]:
        return 1
    return 2 if counts["bad"] or counts["warned"] else 0


class _WriteError(Exception):
    """The store stopped accepting writes (disk full, file made read-only, ...)."""


_WRITE_BYTES = 32_000_000  # text held for the next write, at most (besides --batch articles)


def index(store, args: argparse.Namespace, report: Reporter) -> dict:
    """Index ``args.paths`` (and, with ``args.reanalyze``, outdated stored articles) into ``store``;
    return the counts: added, occurrences, skipped, refreshed, bad, failed, warned."""
    import collections
    import sqlite3

    from unspun.batch import Failed, analyze_stream, where
    from unspun.read import read_inputs

    counts = dict.fromkeys(("added", "occurrences", "skipped", "refreshed", "bad", "failed", "warned"), 0)
    raws: collections.deque[str] = collections.deque()  # per item sent to analysis, in order

    def pending(items: Iterable[Document | BadInput]) -> Iterator[Document | BadInput]:
        for item in items:
            raw = ""
            if isinstance(item, Document):
                if item.html is not None:  # text known only after extraction: key on the record as read
                    raw = text_id(item.html)
                    stored = store.has_raw(item.source, raw)
                else:
                    url = item.source.get("url") or item.meta.get("url")
                    stored = store.has_occurrence(item.id or text_id(item.text), item.source, url)
                if stored:
                    counts["skipped"] += 1
                    report.advance()
                    continue
                if args.outlet:
                    item.meta.setdefault(CLI_OUTLET, args.outlet)
            raws.append(raw)
            yield item

    def outdated() -> Iterator[Document]:
        for item in _outdated(store, report, models=_models(args)):
            raws.append("")
            yield item

    items: Iterable[Document | BadInput] = pending(read_inputs(args.paths, max_bytes=args.max_bytes)) \
        if args.paths else iter(())
    if args.reanalyze:
        items = itertools.chain(items, outdated())
    buffer: list[tuple[Article | BadInput | Failed, str]] = []
    held, started = 0, time.monotonic()

    def write() -> None:
        """Write the buffered results in one transaction, taken only now."""
        nonlocal held, started
        try:
            if buffer:
                with store.transaction():
                    for result, raw in buffer:
                        if isinstance(result, Failed):
                            store.quarantine(result.where, result.message, "error")
                        elif isinstance(result, BadInput):
                            store.quarantine(result.where, result.reason, "bad")
                        else:
                            _store(store, result, counts, raw)
        finally:
            buffer.clear()
            held, started = 0, time.monotonic()

    try:
        try:
            for result in analyze_stream(items, outlet=args.outlet, jobs=args.jobs, models=_models(args),
                                         timeout=args.timeout_per_article or None):
                raw = raws.popleft()
                report.advance()
                if isinstance(result, (BadInput, Failed)):
                    counts["failed" if isinstance(result, Failed) else "bad"] += 1
                    report.line(str(result))
                else:
                    for warning in result.warnings:
                        counts["warned"] += 1
                        report.line(f"{where(result.source)}: {warning}")
                    held += len(result.text)
                buffer.append((result, raw))
                if len(buffer) >= args.batch or held >= _WRITE_BYTES or time.monotonic() - started > 5:
                    write()
        finally:
            write()  # what was analysed is whole: keep it, also on Ctrl-C
    except sqlite3.DatabaseError as exc:
        raise _WriteError(str(exc)) from None
    return counts


def _store(store, article: Article, counts: dict, raw: str = "") -> None:
    hints = article.hints
    if hints.pop(REANALYZE, False):
        store.replace(article)
        counts["refreshed"] += 1
        return
    new, seen_here = store.put(article, raw)
    if new:
        counts["added"] += 1
    elif seen_here:
        counts["occurrences"] += 1


def _outdated(store, report: Reporter, models: bool | str = True) -> Iterator[Document]:
    """Stored articles analysed by another producer, as Documents rebuilt from the store."""
    producer = current_producer(models)
    ids = list(store.outdated(producer))
    report.add_total(len(ids))
    for article_id in ids:
        article = store.article(article_id)
        hints = store.hints(article_id)
        meta = {k: v for k, v in hints.items() if k not in ("title_line", CLI_OUTLET)}
        if hints.get(CLI_OUTLET) and not meta.get("outlet"):
            meta["outlet"] = hints[CLI_OUTLET]
        meta[REANALYZE] = True
        yield Document(text=article.text, source=dict(article.source), meta=meta, id=article.id,
                       title_line=bool(hints.get("title_line")))


_PROBE = ("Port reopens after strike\n\nMarch 3, 2025\n\nThe port reopened on Monday, officials said. "
          "\u201cWe are back to work,\u201d the harbour master said. The deal is a disgrace.\n")


def _models(args: argparse.Namespace) -> bool | str:
    return "fast" if args.fast else not args.no_models


def current_producer(models: bool | str = True) -> dict:
    """The producer (unspun version and models) this installation records, found by analysing
    a short probe article through the same pipeline."""
    from unspun.pipeline import analyze_document

    doc = Document(text=_PROBE, source={"path": None, "url": None, "format": "text", "record": None})
    return analyze_document(doc, models=models).producer


MAX_VERSIONS = 8  # versions of a copy story compared side by side (the members with the smallest ids)


def update_stories(store, jobs: int | None = None, embeddings: bool = True) -> int:
    """Group the stored articles into stories (from the text alone) and store them, each copy
    story of several members with its version comparison (``unspun.stories.diff.compare`` over
    at most ``MAX_VERSIONS`` members): the articles added since the last grouping are grouped
    against the stored state (``unspun.stories.incremental``), which gives the stories a full
    regroup would; it regroups everything when it cannot. Return the number of stories with
    several members."""
    from unspun.batch import where
    from unspun.stories.incremental import update_stories as grow
    from unspun.stories.settle import EmbeddingSettle

    settle = EmbeddingSettle() if embeddings else None
    return grow(store, jobs=max(1, jobs or 1), settle=settle, source=where, max_versions=MAX_VERSIONS).stored


def _summary(counts: dict, store) -> str:
    parts = [f"{counts['added']:,} new articles", f"{counts['occurrences']:,} new occurrences of stored articles",
             f"{counts['skipped']:,} already stored"]
    if counts["refreshed"]:
        parts.append(f"{counts['refreshed']:,} re-analysed")
    if counts["bad"] or counts["failed"]:
        parts.append(f"{counts['bad'] + counts['failed']:,} quarantined")
    return f"{store.path}: " + ", ".join(parts) + f"; {store.count('articles'):,} articles in the store"

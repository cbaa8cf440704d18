"""``unspun import DIR --db FILE``: load the Parquet output of ``unspun index --engine spark``
into a SQLite store, so ``unspun serve --db FILE`` can browse it.

Articles go in through ``Store.add`` (with the reader's hints, so ``--reanalyze`` works later),
bad records through ``Store.quarantine``, stories through ``stories.save.save_stories`` (which
also computes each copy story's version comparison), as ``unspun index`` stores them.
Rerunning adds nothing twice. Reading Parquet needs pyarrow (``pip install 'unspun[spark]'``);
Spark itself is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

BATCH = 500  # articles per transaction


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="load `unspun index --engine spark` output (Parquet) into a store",
        description="Load the Parquet folder written by `unspun index --engine spark --output DIR` (articles, bad "
                    "records, stories) into a SQLite store for `unspun serve`. Rerunning adds nothing twice.")
    p.add_argument("folder", metavar="DIR", help="the --output folder of `unspun index --engine spark`")
    p.add_argument("--db", required=True, metavar="FILE", help="the store (created when missing)")


def run(args: argparse.Namespace) -> int:
    from unspun.store import Store, StoreError

    try:
        import pyarrow.dataset  # noqa: F401
    except ImportError:
        print("unspun import: error: reading Parquet needs pyarrow: pip install 'unspun[spark]'", file=sys.stderr)
        return 2
    folder = args.folder
    if not os.path.isdir(os.path.join(folder, "articles")):
        print(f"{folder}: not the output of `unspun index --engine spark` (no articles/ folder in it)", file=sys.stderr)
        return 2
    try:
        store = Store(args.db)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    with store:
        try:
            counts = load(store, folder, report=lambda line: print(line, file=sys.stderr))
        except OSError as exc:  # pyarrow's errors for unreadable Parquet are OSError (ArrowInvalid too)
            print(f"{folder}: cannot read: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
    print(f"{args.db}: {counts['added']:,} new articles, {counts['occurrences']:,} new occurrences, "
          f"{counts['skipped']:,} already stored, "
          f"{counts['quarantined']:,} bad records, {counts['stories']:,} stories with more than one member; "
          f"{counts['total']:,} articles in the store", file=sys.stderr)
    return 2 if counts["unreadable"] else 0


def _batches(folder: str, part: str, columns: list[str]):
    """Record batches of ``part`` from its committed runs only (``engines.spark_io``)."""
    import pyarrow.dataset as ds

    from unspun.engines.spark_io import committed_runs

    for path in committed_runs(folder, part):
        yield from ds.dataset(path, format="parquet").to_batches(columns=columns)


def load(store, folder: str, report=print) -> dict:
    """Load ``folder`` (articles, then errors, then stories) into ``store``; return the counts."""
    from unspun.article import Article
    from unspun.cli.index import MAX_VERSIONS
    from unspun.engines.spark_io import live_files
    from unspun.stories.save import save_stories

    counts = dict.fromkeys(("added", "occurrences", "skipped", "quarantined", "stories", "unreadable"), 0)
    live = live_files(folder)  # of a file read again after it changed, only the latest run's rows
    for batch in _batches(folder, "articles", ["seq", "json", "hints"]):
        rows = sorted(row for row in zip(*(batch.column(c).to_pylist() for c in ("seq", "json", "hints")))
                      if live is None or row[0] >> 32 in live)
        for start in range(0, len(rows), BATCH):
            with store.transaction():
                for seq, raw, hints in rows[start:start + BATCH]:
                    try:
                        article = Article.from_json(raw)
                        article.hints.update(json.loads(hints) if hints else {})
                    except (ValueError, KeyError, TypeError) as exc:
                        counts["unreadable"] += 1
                        report(f"{folder}/articles: row seq={seq}: not an article: {exc}")
                        continue
                    if store.has_occurrence(article.id, article.source,
                                            article.source.get("url") or article.hints.get("url")):
                        counts["skipped"] += 1
                        continue
                    counts["added" if store.add(article) else "occurrences"] += 1
    if os.path.isdir(os.path.join(folder, "errors")):
        with store.transaction():
            for batch in _batches(folder, "errors", ["where", "reason", "kind"]):
                for where, reason, kind in zip(*(batch.column(c).to_pylist() for c in ("where", "reason", "kind"))):
                    store.quarantine(where, reason, kind)
                    counts["quarantined"] += 1
    if os.path.isdir(os.path.join(folder, "stories")):
        rows = sorted((rank, raw) for batch in _batches(folder, "stories", ["rank", "json"])
                      for rank, raw in zip(batch.column("rank").to_pylist(), batch.column("json").to_pylist()))
        counts["stories"] = save_stories(store, {"stories": [json.loads(raw) for _, raw in rows]},
                                         max_versions=MAX_VERSIONS)
    counts["total"] = store.count("articles")
    return counts

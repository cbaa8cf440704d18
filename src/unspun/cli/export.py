"""``unspun export --db FILE --format csv|jsonl|parquet [--table T] [-o OUT]``: tables for papers.

Tables (``unspun.store.tables``): ``articles`` (one row per article with its counts; in
``jsonl`` the full DATA-MODEL.md JSON of each article), ``occurrences``, ``spans``, ``quotes``,
``spin`` (technique marks per 1,000 words per article, overall and by voice) and ``outlets``
(per-outlet rates). Rows are streamed, so memory stays flat on any corpus.
Parquet needs pyarrow: ``pip install 'unspun[parquet]'``.

In CSV, a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
a leading ``'`` (OWASP's rule against formula injection: a spreadsheet would otherwise run
article text as a formula); numbers are written as they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from typing import IO, Iterator

from unspun.cli.output import open_output

FORMATS = ("csv", "jsonl", "parquet")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from unspun.store.tables import TABLES

    p = sub.add_parser("export", help="write a store's tables as CSV, JSONL or Parquet",
                       description="Write a table of a store made by `unspun index` as CSV, JSONL or Parquet.")
    p.add_argument("--db", required=True, metavar="FILE", help="the store")
    p.add_argument("--format", choices=FORMATS, default="csv", help="csv (default), jsonl or parquet")
    p.add_argument("--table", choices=TABLES, default="articles",
                   help="articles (default), occurrences, spans, quotes or outlets")
    p.add_argument("-o", "--output", metavar="OUT", help="write here (default standard output; parquet needs a file)")


def run(args: argparse.Namespace) -> int:
    from unspun.store import Store, StoreError
    from unspun.store.tables import table

    if args.format == "parquet":
        if not args.output or args.output == "-":
            print("unspun export: error: --format parquet needs -o FILE", file=sys.stderr)
            return 2
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            print("unspun export: Parquet needs pyarrow: pip install 'unspun[parquet]'", file=sys.stderr)
            return 2
    try:
        # read-only, after bringing an older store's schema up to date when the file is writable
        if os.path.exists(args.db) and os.access(args.db, os.W_OK):
            Store(args.db, create=False).close()
        store = Store(args.db, readonly=True)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    with store:
        try:
            if args.format == "parquet":
                write_parquet(table(store, args.table), args.output)
                return 0
            with open_output(args.output, newline="") as out:
                if args.format == "jsonl" and args.table == "articles":
                    for raw in _article_json(store):
                        out.write(raw + "\n")
                elif args.format == "jsonl":
                    write_jsonl(table(store, args.table), out)
                else:
                    write_csv(table(store, args.table), out)
        except OSError as exc:
            print(f"{args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0


def _article_json(store) -> Iterator[str]:
    last = 0
    while True:
        rows = store.conn.execute("SELECT rowid, json FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 500",
                                  (last,)).fetchall()
        if not rows:
            return
        for _, raw in rows:
            yield raw
        last = rows[-1][0]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell: ``""`` for None; text that a spreadsheet would read as a formula
    (it begins with one of ``FORMULA_START``) behind a ``'``; anything else unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """``writerow`` writes ``csv_cell`` of every value, lines ending in ``\\n``. Python's writer
    quotes only cells that hold the line terminator, so a row with a carriage return anywhere
    is written with every cell quoted (a bare CR would otherwise end the row for readers)."""

    def __init__(self, out: IO[str]):
        self._plain = csv.writer(out, lineterminator="\n")
        self._quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row) -> None:
        cells = [csv_cell(v) for v in row]
        if any(isinstance(c, str) and "\r" in c for c in cells):
            self._quoted.writerow(cells)
        else:
            self._plain.writerow(cells)


def write_csv(tbl, out: IO[str]) -> None:
    """A header row, then the rows (empty cells for missing values, formulas neutralised)."""
    writer = CsvWriter(out)
    writer.writerow(name for name, _ in tbl.columns)
    for row in tbl.rows:
        writer.writerow(row)


def write_jsonl(tbl, out: IO[str]) -> None:
    names = [name for name, _ in tbl.columns]
    for row in tbl.rows:
        out.write(json.dumps(dict(zip(names, row)), ensure_ascii=False) + "\n")


def write_parquet(tbl, path: str, rows_per_group: int = 5000) -> None:
    """Typed columns, written a row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64()}
    schema = pa.schema([(name, types[kind]) for name, kind in tbl.columns])
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[tuple] = []
        for row in tbl.rows:
            chunk.append(row)
            if len(chunk) >= rows_per_group:
                writer.write_table(_arrow_table(chunk, schema))
                chunk = []
        if chunk:
            writer.write_table(_arrow_table(chunk, schema))


def _arrow_table(rows: list[tuple], schema):
    import pyarrow as pa

    columns = list(zip(*rows)) if rows else [() for _ in schema.names]
    return pa.table({name: pa.array(list(col), type=schema.field(name).type)
                     for name, col in zip(schema.names, columns)}, schema=schema)

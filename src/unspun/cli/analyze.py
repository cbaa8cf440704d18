"""``unspun analyze PATH...``: read, clean and attribute articles; print a report or JSON."""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from typing import IO, Iterator

from unspun.article import Article
from unspun.batch import DEFAULT_TIMEOUT, BatchError, Failed, analyze_stream
from unspun.cli.output import Reporter, open_output, output_name
from unspun.read import DEFAULT_MAX_BYTES, BadInput, Document, read_inputs, where
from unspun.read.url import fetch, is_url

FORMATS = ("text", "json", "jsonl", "html", "spin")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="analyse articles (text, HTML, JSONL, WARC; .gz too)",
        description="Analyse articles: title, date, wire credits, page furniture, quotes and speakers, "
                    "and the voice of every sentence. PATH is a file, a folder, an http(s) URL (the page is "
                    "fetched) or - for stdin; with no PATH and a pipe on stdin, stdin is read.")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--offline", action="store_true",
                   help="never touch the network: a URL given as PATH is refused (exit 2)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text: terminal report (default); json: one object, or an array for several; "
                        "jsonl: one object per line; html: one standalone page; spin: one JSON line per article "
                        "with its spin summary (technique marks per 1,000 words by technique and voice, densest "
                        "paragraph), keyed by id")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    p.add_argument("--outlet", metavar="NAME", help="the outlet, when the input does not name it")
    p.add_argument("--min-score", type=float, default=None, metavar="S",
                   help="keep only technique spans scoring at least S (0..1; default: all the model marks)")
    models = p.add_mutually_exclusive_group()
    models.add_argument("--no-models", action="store_true",
                        help="rule-based attribution only (spaCy parse + rules): no encoder, so no technique, "
                             "subjectivity or bias judgements; faster")
    models.add_argument("--fast", action="store_true",
                        help="technique spans and attribution roles from the shared encoder pass alone (no span "
                             "model, no span-marked classifier, no attribution model): about twice as fast, lower "
                             "quality (see BENCHMARKS.md)")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="processes for a batch (default: the cores, up to 8)")
    p.add_argument("--progress", action="store_true",
                   help="show the progress bar even when stderr is not a terminal (it shows by itself on a "
                        "terminal when there is more than one input)")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=f"largest single article or record read (default {DEFAULT_MAX_BYTES:,} bytes)")
    p.add_argument("--timeout-per-article", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"skip an article whose analysis takes longer, as a bad input (default {DEFAULT_TIMEOUT:g}; "
                        "0: no limit)")


def run(args: argparse.Namespace) -> int:
    status = {"bad": 0, "failed": 0}
    if not args.timeout_per_article >= 0:
        print("unspun analyze: error: --timeout-per-article must be 0 (no limit) or more seconds", file=sys.stderr)
        return 2
    if not args.paths:
        if sys.stdin is None or sys.stdin.isatty():
            print("unspun analyze: error: give PATH... (a file, a folder, a URL or - for stdin), "
                  "or pipe an article in", file=sys.stderr)
            return 2
        args.paths = ["-"]

    show = args.progress or (sys.stderr.isatty() and _several(args.paths))
    local = [p for p in args.paths if not is_url(p)]

    def good(report: Reporter) -> Iterator[Article]:
        for result in analyze_stream(_inputs(args.paths, args.max_bytes, args.offline),
                                     outlet=args.outlet, min_score=args.min_score, jobs=args.jobs,
                                     models="fast" if args.fast else not args.no_models,
                                     timeout=args.timeout_per_article or None):
            report.advance()
            if isinstance(result, Failed):
                status["failed"] += 1
                report.line(str(result))
            elif isinstance(result, BadInput):
                status["bad"] += 1
                report.line(str(result))
            else:
                for warning in result.warnings:
                    status["bad"] += 1
                    report.line(f"{where(result.source)}: {warning}")
                yield result

    try:
        with open_output(args.output) as out, Reporter(show, local, label="analysing") as report:
            if show and len(local) < len(args.paths):
                report.add_total(len(args.paths) - len(local))
            WRITERS[args.format](good(report), out)
    except OSError as exc:
        print(f"{output_name(args.output)}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except BatchError as exc:
        print(f"unspun analyze: error: {exc}", file=sys.stderr)
        return 1
    if status["failed"]:
        return 1
    return 2 if status["bad"] else 0


def _several(paths: list[str]) -> bool:
    """Whether ``paths`` may hold more than one article (a progress bar is then worth showing)."""
    from unspun.read import format_of

    if len(paths) > 1:
        return True
    path = paths[0]
    return path != "-" and not is_url(path) and (os.path.isdir(path) or format_of(path) in ("jsonl", "warc"))


def _inputs(paths: list[str], max_bytes: int, offline: bool) -> Iterator[Document | BadInput]:
    """``read_inputs`` over the paths, with web pages fetched where a path is an http(s) URL."""
    for path in paths:
        if not is_url(path):
            yield from read_inputs([path], max_bytes=max_bytes)
        elif offline:
            yield BadInput(path, "a URL, and --offline forbids fetching it")
        else:
            yield fetch(path, max_bytes)


def _write_jsonl(articles: Iterator[Article], out: IO[str]) -> None:
    for a in articles:
        a.write_json(out)
        out.write("\n")


def _write_json(articles: Iterator[Article], out: IO[str]) -> None:
    """One object for one article, else an array — streamed, so memory stays flat."""
    first = next(articles, None)
    if first is None:
        out.write("[]\n")
        return
    second = next(articles, None)
    if second is None:
        first.write_json(out, indent=2)
        out.write("\n")
        return
    out.write("[\n")
    first.write_json(out)
    for item in itertools.chain([second], articles):
        out.write(",\n")
        item.write_json(out)
    out.write("\n]\n")


def _write_spin(articles: Iterator[Article], out: IO[str]) -> None:
    """One line per article: its id, source, outlet, title and spin summary (``null`` when it has
    no sentence): figures derived from the article's text and spans, so not part of its model."""
    import json

    from unspun.render import spin

    for a in articles:
        figures = spin(a)
        out.write(json.dumps({"id": a.id, "source": a.source, "outlet": a.meta.get("outlet"),
                              "title": a.meta.get("title"), "spin": figures.to_dict() if figures else None},
                             ensure_ascii=False))
        out.write("\n")


def _write_text(articles: Iterator[Article], out: IO[str]) -> None:
    from rich.console import Console

    from unspun.render.terminal import render_terminal

    console = Console(file=out, highlight=False, soft_wrap=False)
    for i, a in enumerate(articles):
        if i:
            console.rule()
        render_terminal(a, console)


def _write_html(articles: Iterator[Article], out: IO[str]) -> None:
    from unspun.render.html import render_html, render_html_many

    items = list(articles)
    if items:
        out.write(render_html(items[0]) if len(items) == 1 else render_html_many(items))


WRITERS = {"text": _write_text, "json": _write_json, "jsonl": _write_jsonl, "html": _write_html,
           "spin": _write_spin}

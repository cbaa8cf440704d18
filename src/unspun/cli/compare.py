"""``unspun compare A B [C ...]``: versions of one story side by side — what each shares,
rewords, adds and omits."""

from __future__ import annotations

import argparse
import json
import os
import sys

from unspun.cli.output import open_output, output_name
from unspun.article import Article
from unspun.batch import Failed, analyze_stream, where
from unspun.read import DEFAULT_MAX_BYTES, BadInput, read_inputs

FORMATS = ("text", "json", "html")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="compare versions of one story (what each outlet added, cut, reworded)",
        description="Compare versions of one story. Every stretch of each version is marked shared "
                    "(another version has the same words), reworded (another version has it in other "
                    "words) or added (no other version has it); each version lists the core stretches "
                    "(those in at least two versions) it omits. Page furniture is never compared; "
                    "headlines are compared only with headlines. PATH is a file, a folder, a JSONL file "
                    "(one version per record) or - for stdin; input order gives each version its index.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text: versions side by side (default); json: the comparison; html: one standalone page")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    p.add_argument("--reference", metavar="FILE|N",
                   help="show additions and omissions relative to this version: N is a version's index, "
                        "FILE one of the PATHs or another file (the wire original), read first as version 0")
    p.add_argument("--width", type=int, metavar="N",
                   help="text format: columns to lay out in (default: the terminal's); below 120 the versions "
                        "are shown one after another instead of side by side")
    p.add_argument("--paraphrases", action="store_true",
                   help="also pair sentences that share few words by meaning (MiniLM sentence embeddings), "
                        "for rewrites that keep little of the wire's wording")
    p.add_argument("--outlet", metavar="NAME", help="the outlet, when the inputs do not name it")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=f"largest single article or record read (default {DEFAULT_MAX_BYTES:,} bytes)")


def run(args: argparse.Namespace) -> int:
    from unspun.stories.diff import compare

    status = 0
    paths, reference = list(args.paths), None
    if args.reference is not None:
        paths, reference, error = _reference(paths, args.reference)
        if error:
            print(f"unspun compare: {error}", file=sys.stderr)
            return 2
    if args.width is not None and args.width < 20:
        print(f"unspun compare: --width {args.width}: must be at least 20", file=sys.stderr)
        return 2
    articles: list[Article] = []
    for result in analyze_stream(read_inputs(paths, max_bytes=args.max_bytes), outlet=args.outlet, jobs=1):
        if isinstance(result, Failed):
            print(result, file=sys.stderr)
            return 1
        if isinstance(result, BadInput):
            print(result, file=sys.stderr)
            status = 2
            continue
        for warning in result.warnings:
            print(f"{where(result.source)}: {warning}", file=sys.stderr)
            status = 2
        articles.append(result)
    if len(articles) < 2:
        got = "none" if not articles else f"only {where(articles[0].source)}"
        print(f"unspun compare: needs at least two readable versions of a story (got {got})", file=sys.stderr)
        return 2
    for note in notes(articles):
        print(f"unspun compare: {note}", file=sys.stderr)
    languages = sorted({a.meta.get("language") or "?" for a in articles})
    if len(languages) > 1:
        status = 2
    if reference is not None:
        if isinstance(reference, str):  # a path: the version read from it
            found = [i for i, a in enumerate(articles) if _same_path((a.source or {}).get("path"), reference)]
            reference = found[0] if found else None
            if reference is None:
                print(f"unspun compare: --reference {args.reference}: no readable version was read from it",
                      file=sys.stderr)
                return 2
        elif reference >= len(articles):
            print(f"unspun compare: --reference {reference}: there are only {len(articles)} versions "
                  f"(indexes 0-{len(articles) - 1})", file=sys.stderr)
            return 2
    result = compare(articles, reference=reference, embed=args.paraphrases)
    try:
        _write(args, result, articles)
    except OSError as exc:
        print(f"{output_name(args.output)}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return status


def _reference(paths: list[str], value: str) -> tuple[list[str], int | str | None, str | None]:
    """``--reference``: an index (checked once the versions are read) or a path; a path that is
    not among ``paths`` is read first, as version 0. Returns (paths, reference, error)."""
    if value.isdigit():
        return paths, int(value), None
    if value == "-":
        return paths, None, "--reference -: the reference must be a file or an index"
    if not os.path.isfile(value):
        return paths, None, f"--reference {value}: no such file (give a file or a version's index)"
    if not any(_same_path(p, value) for p in paths):
        paths = [value] + paths
    return paths, value, None


def _same_path(a: str | None, b: str) -> bool:
    if not a:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def notes(articles: list[Article]) -> list[str]:
    """What a user should know about the set of versions: identical texts, mixed languages,
    versions with no body."""
    out = []
    first: dict[str, int] = {}
    for i, a in enumerate(articles):
        if a.id in first:
            out.append(f"versions {first[a.id]} and {i} are identical ({where(articles[first[a.id]].source)}, "
                       f"{where(a.source)}): everything in them is shared")
        else:
            first[a.id] = i
    languages = sorted({a.meta.get("language") or "?" for a in articles})
    if len(languages) > 1:
        out.append("the versions are in different languages (" + ", ".join(languages)
                   + "): words cannot align across languages, so those versions show as added")
    return out


def _write(args: argparse.Namespace, result: dict, articles: list[Article]) -> None:
    with open_output(args.output) as out:
        if args.format == "json":
            out.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        elif args.format == "html":
            from unspun.render.compare_html import render_compare_html

            out.write(render_compare_html(result, articles))
        else:
            from rich.console import Console

            from unspun.render.compare_terminal import render_compare_terminal

            console = Console(file=out, highlight=False, soft_wrap=False, width=args.width)
            render_compare_terminal(result, articles, console)

"""``unspun stories PATH...``: group articles into copy stories (versions of one text) and
event stories (independent reports of one event)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Iterator

from unspun.cli.output import open_output, output_name
from unspun.batch import default_jobs, where
from unspun.errors import InputError
from unspun.read import DEFAULT_MAX_BYTES, BadInput, read_inputs
from unspun.read.html import extract

FORMATS = ("text", "json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stories", help="group articles into stories (copies of one text; reports of one event)",
        description="Group articles: every input lands in exactly one copy story (versions of one text, "
                    "even rewritten: MinHash-LSH candidates over word shingles, verified by aligning "
                    "sentences); copy stories that report the same event in independent texts are joined "
                    "into event stories. Works from the text alone (no parser), so large corpora group in "
                    "minutes. PATH is a file, a folder, a JSONL file (one article per record) or - for stdin.")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--db", metavar="FILE",
                   help="group the articles of this store (from `unspun index`) instead of PATHs, and save the "
                        "stories of several members in it, each copy story with its `unspun compare` result; "
                        "articles added since the last grouping are grouped against the stored ones (the result "
                        "equals a full regroup)")
    p.add_argument("--rebuild", action="store_true",
                   help="with --db: regroup every stored article from scratch instead of only the added ones")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text: one line per story with more than one member (default); json: every story")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of standard output")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="processes for reading features (default: the cores, up to 8)")
    p.add_argument("--no-events", action="store_true", help="copy stories only")
    p.add_argument("--no-embeddings", action="store_true",
                   help="decide candidate pairs from their words alone: pairs the words cannot settle stay apart "
                        "(default: their sentences are compared with the MiniLM sentence encoder)")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=f"largest single article or record read (default {DEFAULT_MAX_BYTES:,} bytes)")


def run(args: argparse.Namespace) -> int:
    """Members carry their input's ``source`` object (path, url, format, record), as articles do."""
    from unspun.article import escape_surrogates, text_id
    from unspun.stories.group import Settings, Stats, group

    if bool(args.paths) == bool(args.db):
        print("unspun stories: give PATHs or --db FILE (one of them)", file=sys.stderr)
        return 2
    if args.rebuild and not args.db:
        print("unspun stories: --rebuild needs --db FILE", file=sys.stderr)
        return 2
    if args.db:
        return _run_db(args)
    bad = 0

    def docs() -> Iterator[tuple[str, dict, str]]:
        nonlocal bad
        for item in read_inputs(args.paths, max_bytes=args.max_bytes):
            if isinstance(item, BadInput):
                bad += 1
                print(item, file=sys.stderr)
                continue
            if item.html is not None:  # an HTML page or WARC response: group its extracted article
                try:
                    item = extract(item)
                except InputError as exc:
                    bad += 1
                    print(exc, file=sys.stderr)
                    continue
            for warning in item.warnings:
                print(f"{where(item.source)}: {warning}", file=sys.stderr)
            source = {k: escape_surrogates(v) if isinstance(v, str) else v for k, v in item.source.items()}
            yield (item.id or text_id(item.text), source, item.text)

    stats = Stats()
    jobs = default_jobs() if args.jobs is None else max(1, args.jobs)
    result = group(docs(), Settings(), jobs=jobs, settle=settler(args), events=not args.no_events, stats=stats)
    if not _write(args, result, stats):
        return 2
    if not stats.docs and not bad:
        print("unspun stories: no articles in the input", file=sys.stderr)
        return 2
    return 2 if bad else 0


def _run_db(args: argparse.Namespace) -> int:
    from unspun.store import Store, StoreError
    from unspun.stories.group import Settings, Stats
    from unspun.stories.incremental import update_stories

    try:
        store = Store(args.db, create=False)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    with store:
        stats = Stats()
        jobs = default_jobs() if args.jobs is None else max(1, args.jobs)
        update = update_stories(store, Settings(), jobs=jobs, settle=settler(args), events=not args.no_events,
                                stats=stats, rebuild=args.rebuild)
        result = update.result
    if not _write(args, result, stats):
        return 2
    if stats.docs:
        print(f"{args.db}: {update.line()}", file=sys.stderr)
    if not stats.docs:
        print(f"{args.db}: no articles in this store", file=sys.stderr)
        return 2
    return 0


def _write(args: argparse.Namespace, result, stats) -> bool:
    """Write the grouping as ``--format`` asks; False (with one line on stderr) when it cannot."""
    try:
        with open_output(args.output) as out:
            if args.format == "json":
                out.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
            else:
                _write_text(result, stats, out)
    except OSError as exc:
        print(f"{output_name(args.output)}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def settler(args: argparse.Namespace):
    """The sentence-embedding step for grey pairs, unless ``--no-embeddings``."""
    if getattr(args, "no_embeddings", False):
        return None
    from unspun.stories.settle import EmbeddingSettle

    return EmbeddingSettle()


def _write_text(result: dict, stats, out) -> None:
    stories = result["stories"]
    copies = [s for s in stories if s["kind"] == "copy"]
    events = [s for s in stories if s["kind"] == "event"]
    multi = [s for s in copies if len(s["members"]) > 1]
    out.write(f"{stats.docs} articles: {len(copies)} copy stories ({len(multi)} with more than one version, "
              f"{len(copies) - len(multi)} single), {len(events)} event stories\n")
    if stats.grey and "settle" in stats.seconds:
        out.write(f"{stats.grey} candidate pairs the words could not settle; {stats.grey_asked} of them link "
                  f"different stories and went to sentence embeddings, which joined {stats.settled}\n")
    elif stats.grey:
        out.write(f"{stats.grey} candidate pairs the words could not settle (left apart: --no-embeddings)\n")
    for s in multi:
        out.write(f"\ncopy {s['id']} ({len(s['members'])} versions)\n")
        for m in s["members"]:
            out.write(f"  {m['id']}  {where(m['source'])}\n")
    for s in events:
        out.write(f"\nevent {s['id']} ({len(s['stories'])} stories, {len(s['members'])} articles)\n")
        for m in s["members"]:
            out.write(f"  {m['id']}  {where(m['source'])}\n")

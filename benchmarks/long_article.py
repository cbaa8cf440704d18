"""Long articles: time and peak RSS of ``unspun.analyze`` (learned path) as the article grows, and a
cProfile of one size to see which stage grows faster than the text.

    flock /tmp/unspun-cpu.lock python benchmarks/long_article.py --sizes 100000 1000000
    flock /tmp/unspun-cpu.lock python benchmarks/long_article.py --profile 250000
    flock /tmp/unspun-cpu.lock python benchmarks/long_article.py --sizes 1000000 --command index-workers --no-torch

The article is ``benchmarks/adversarial.py``'s news-like paragraphs repeated to the size. Each size
runs in a fresh process; ``peak RSS`` is its ``ru_maxrss`` (the analysis only: the JSON is
serialised after it is read, for its hash); ``ratio`` is seconds per character relative to the
first size of the run (1.0 is linear). Compare the hashes of two code versions to check that the
output did not change.

``--command`` measures a whole command instead, in a fresh process: ``analyze-json``
(``unspun analyze FILE --format json -o OUT``, in process), ``index`` (``unspun index FILE --db
DB``, in process: no time budget) or ``index-workers`` (the same with a time budget, so the
article is analysed in a worker process that sends it back to the one writing the store).
``peak RSS`` is then the larger of the command's own ``ru_maxrss`` and its workers'; both are
printed, with the hash of what it wrote (the JSON file, or the stored JSON).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial import article  # noqa: E402


def one(size: int, no_torch: bool = False, default_malloc: bool = False) -> dict:
    """Analyse an article of about ``size`` characters in this process: chars, spans, seconds, peak MB."""
    if no_torch:  # as `pip install unspun` without the train extra: spaCy's thinc then imports no torch
        sys.modules["torch"] = None
    import unspun
    from unspun.models.runtime import tune_allocator

    if not default_malloc:
        tune_allocator()  # as the command line and its workers do

    unspun.analyze(text="Warm up. The models load once.")
    text = article(size)
    t0 = time.perf_counter()
    a = unspun.analyze(text=text)
    seconds = time.perf_counter() - t0
    return {"chars": len(text), "spans": len(a.spans), "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "json_sha": hashlib.sha256(a.to_json().encode("utf-8")).hexdigest()[:12]}


COMMANDS = {
    "analyze-json": lambda f, out: ["analyze", f, "--format", "json", "-o", out, "--timeout-per-article", "0"],
    "index": lambda f, out: ["index", f, "--db", out, "--timeout-per-article", "0", "--jobs", "1"],
    "index-workers": lambda f, out: ["index", f, "--db", out, "--timeout-per-article", "100000", "--jobs", "1"],
}


def one_command(size: int, command: str, no_torch: bool = False) -> dict:
    """Run ``command`` on an article of about ``size`` characters in this process, as the
    ``unspun`` command line does: chars, seconds, peak RSS of this process and of its workers."""
    import os
    import sqlite3
    import tempfile

    if no_torch:
        sys.modules["torch"] = None
    from unspun.cli import main as cli

    text = article(size)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out = os.path.join(tmp, "out.db" if command.startswith("index") else "out.json")
        t0 = time.perf_counter()
        argv = COMMANDS[command](path, out)
        size_bytes = len(text.encode("utf-8"))
        if size_bytes > 10_000_000:  # "10 MB" of characters: a little over the default --max-bytes in UTF-8
            argv += ["--max-bytes", str(size_bytes)]
        code = cli(argv)
        seconds = time.perf_counter() - t0
        if command.startswith("index"):
            conn = sqlite3.connect(out)
            (stored,) = conn.execute("SELECT json FROM articles").fetchone()
            conn.close()
        else:
            with open(out, encoding="utf-8") as f:
                stored = f.read().rstrip("\n")
        stored = stored.replace(json.dumps(path)[1:-1], "long.txt")  # the same hash from any temporary folder
        sha = hashlib.sha256(stored.encode("utf-8")).hexdigest()[:12]
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return {"chars": len(text), "spans": stored.count('"layer": '), "seconds": seconds, "exit": code,
            "peak_mb": max(self_mb, workers_mb), "self_mb": self_mb, "workers_mb": workers_mb, "json_sha": sha}


def table(sizes: list[int], flags: list[str]) -> list[str]:
    rows = ["| article | chars | spans | seconds | peak RSS MB | s/char ratio to first | JSON sha256 |",
            "|---|---:|---:|---:|---:|---:|---|"]
    first = None
    for size in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), *flags], capture_output=True, text=True)
        if out.returncode == 0 and "--command" in flags:
            got = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(f"| {size // 1000} KB | {got['chars']} | {got['spans']} | {got['seconds']:.1f} "
                        f"| {got['peak_mb']} (command {got['self_mb']}, workers {got['workers_mb']}; exit "
                        f"{got['exit']}) | | {got['json_sha']} |")
            print(rows[-1], flush=True)
            continue
        if out.returncode:
            rows.append(f"| {size} | failed: {out.stderr.strip().splitlines()[-1:]} | | | | | |")
        else:
            got = json.loads(out.stdout)
            per = got["seconds"] / got["chars"]
            first = first or per
            rows.append(f"| {size // 1000} KB | {got['chars']} | {got['spans']} | {got['seconds']:.1f} "
                        f"| {got['peak_mb']} | {per / first:.2f} | {got['json_sha']} |")
        print(rows[-1], flush=True)
    return rows


def profile(size: int, top: int) -> str:
    import unspun

    unspun.analyze(text="Warm up. The models load once.")
    text = article(size)
    prof = cProfile.Profile()
    prof.enable()
    unspun.analyze(text=text)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", help="article sizes (characters), one process each")
    ap.add_argument("--profile", type=int, help="cProfile one analysis of this size")
    ap.add_argument("--top", type=int, default=60, help="with --profile: rows to print")
    ap.add_argument("--no-torch", action="store_true",
                    help="run as installed without the train extra (spaCy's thinc imports no torch)")
    ap.add_argument("--default-malloc", action="store_true",
                    help="leave glibc's allocator as it is (the command line calls runtime.tune_allocator)")
    ap.add_argument("--command", choices=sorted(COMMANDS),
                    help="measure this command on the article instead of unspun.analyze")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    flags = [f for f, on in (("--no-torch", args.no_torch), ("--default-malloc", args.default_malloc)) if on]
    if args.command:
        flags += ["--command", args.command]
    if args.one and args.command:
        print(json.dumps(one_command(args.one, args.command, args.no_torch)))
    elif args.one:
        print(json.dumps(one(args.one, args.no_torch, args.default_malloc)))
    elif args.profile:
        print(profile(args.profile, args.top))
    else:
        print("\n".join(table(args.sizes or [100_000, 1_000_000], flags)))


if __name__ == "__main__":
    main()

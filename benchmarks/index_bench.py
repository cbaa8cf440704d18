"""Indexing throughput: ``unspun index`` (analysis + store) against ``unspun analyze`` (analysis
alone, the peer) on the same generated articles, same machine, same run, same workers.

    flock /work/notes/cpu.lock python benchmarks/index_bench.py --articles 1000 --jobs 2

Articles are generated (about 600 words each: a title, a dateline, reported speech, quotes and
the outlet's own sentences; deterministic for a seed) and written as one JSONL file. Prints a
table: seconds, articles/s, and the store's overhead over analysis alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

OUTLETS = ["The Portmere Ledger", "Harbour Daily", "Northern Courier", "Coastal Times", "The Evening Star"]
NAMES = ["Ruth Okafor", "Daniel Price", "Amira Haddad", "Tomas Lind", "Grace Mwangi", "Owen Ellis"]
ROLES = ["the harbour master", "the finance minister", "a union spokesman", "the mayor", "a local trader"]
TOPICS = ["the port levy", "the new ferry route", "the strike", "the flood defences", "the budget", "the bridge"]
OWN = [
    "The decision marks a sharp turn for a town that has long depended on {t}.",
    "Few residents believe {t} will be settled before the summer.",
    "It is a shameful episode that exposes the council's contempt for ordinary people.",
    "Critics have called {t} a reckless gamble with public money.",
    "The row over {t} has dragged on for months without a clear outcome.",
    "Local businesses say they have already lost trade because of {t}.",
]
REPORTED = [
    "{n} said the council would publish its plans for {t} next week.",
    "According to {n}, the cost of {t} has doubled since January.",
    "{r} told reporters that talks on {t} would resume on Monday.",
    "{n} warned that {t} could take years to complete.",
    "Officials said {t} was on schedule despite the delays.",
]
QUOTES = [
    "\u201cWe will not be rushed into a bad deal on {t},\u201d {n} said.",
    "\u201cThis is about jobs and nothing else,\u201d said {n}.",
    "\u201cNobody asked us,\u201d {r} said. \u201cWe found out from the newspapers.\u201d",
]
MONTHS = ["January", "February", "March", "April", "May", "June"]


def make_article(i: int, rng: random.Random, words: int = 600) -> dict:
    """One generated article as a JSONL record (``text``, ``title``, ``outlet``, ``url``)."""
    topic = rng.choice(TOPICS)
    title = f"Row over {topic} deepens as talks stall ({i})"
    date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, 2025"
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            template = rng.choice(rng.choice([OWN, REPORTED, QUOTES]))
            sentence = template.format(t=topic, n=rng.choice(NAMES), r=rng.choice(ROLES))
            sentence = sentence[0].upper() + sentence[1:]
            sentences.append(sentence)
            count += len(sentence.split())
        paragraphs.append(" ".join(sentences))
    outlet = OUTLETS[i % len(OUTLETS)]
    text = f"{title}\n\n{date}\n\n" + "\n\n".join(paragraphs) + "\n\nShare this article\n"
    return {"text": text, "outlet": outlet, "url": f"https://example.org/{i}"}


def write_corpus(path: str, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(make_article(i, rng), ensure_ascii=False) + "\n")


def _timed(cmd: list[str], stdout=subprocess.DEVNULL) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    unspun = [sys.executable, "-m", "unspun"]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.jsonl")
        write_corpus(corpus, args.articles)
        db = os.path.join(tmp, "bench.db")
        _timed(unspun + ["--version"])  # warm the file cache for the imports
        analyze_s = _timed(unspun + ["analyze", corpus, "--format", "jsonl", "-j", str(args.jobs)])
        index_s = _timed(unspun + ["index", corpus, "--db", db, "-j", str(args.jobs), "--no-stories"])
        rerun_s = _timed(unspun + ["index", corpus, "--db", db, "-j", str(args.jobs), "--no-stories"])
        size_mb = os.path.getsize(db) / 1e6
    n = args.articles
    print(f"{n} generated articles (~600 words), {args.jobs} workers, {os.cpu_count()} cores; "
          "each run is a whole command, model loading included")
    print(f"{'run':<44} {'seconds':>8} {'articles/s':>11}")
    print(f"{'unspun analyze --format jsonl (peer)':<44} {analyze_s:8.1f} {n / analyze_s:11.1f}")
    print(f"{'unspun index (analyse + store)':<44} {index_s:8.1f} {n / index_s:11.1f}")
    print(f"{'unspun index again (all already stored)':<44} {rerun_s:8.1f} {n / rerun_s:11.1f}")
    print(f"store overhead over analysis alone: {index_s / analyze_s:.2f}x; store size {size_mb:.1f} MB "
          f"({size_mb * 1e3 / n:.1f} kB per article)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

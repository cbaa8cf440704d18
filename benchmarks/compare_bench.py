"""Accuracy of ``unspun compare`` on generated stories: character-level precision and recall of
``added`` stretches and of ``omitted`` ones, against the generator's ground truth.

    python benchmarks/storygen.py --docs 10000 --seed 1 -o benchmarks/out/stories-10k.jsonl.gz
    python benchmarks/compare_bench.py benchmarks/out/stories-10k.jsonl.gz --stories 200

Each story's versions are analysed with ``unspun.analyze`` (so furniture comes from the clean
stage, as for a user) and compared in file order. Truth follows the contract's definitions:

- ``added``: the inserted asides, sentences and honorifics, plus base sentences that only
  this version kept (they match nothing in any other version). Headlines are left out on both
  sides (they are compared only with headlines and never counted as omitted); furniture is
  not truth, so furniture the clean stage misses and ``compare`` marks added counts against
  precision.
- ``omitted`` for a version: the base sentences that at least two other versions kept and it
  did not. A reported omission is measured in the characters of the version it is quoted
  from; a truth omission is covered by the version ``compare`` quotes it from.

Characters are counted without whitespace.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import unspun  # noqa: E402
from unspun.stories.diff import compare  # noqa: E402


def load_stories(path: Path, limit: int) -> list[list[dict]]:
    stories: dict[str, list[dict]] = defaultdict(list)
    order: list[str] = []
    for line in gzip.open(path, "rt", encoding="utf-8"):
        r = json.loads(line)
        if r["story"]:
            if r["story"] not in stories:
                order.append(r["story"])
            stories[r["story"]].append(r)
    chosen = sorted(order)[:limit]
    return [stories[s] for s in chosen]


def chars(text: str, ranges) -> set[int]:
    return {i for s, e in ranges for i in range(s, e) if not text[i].isspace()}


def evaluate(versions: list[dict], result: dict, totals: dict) -> None:
    kept_by = defaultdict(set)
    for v, rec in enumerate(versions):
        for base_index, _, _ in rec["truth"]["sentences"]:
            kept_by[base_index].add(v)
    for v, (rec, out) in enumerate(zip(versions, result["versions"])):
        text, truth = rec["text"], rec["truth"]
        title = chars(text, [truth["title"]])
        inserted = chars(text, truth["added"])
        alone = chars(text, [(s, e) for b, s, e in truth["sentences"] if kept_by[b] == {v}])
        gold = (inserted | alone) - title
        pred = chars(text, [(s["start"], s["end"]) for s in out["segments"] if s["label"] == "added"]) - title
        totals["added_tp"] += len(gold & pred)
        totals["added_pred"] += len(pred)
        totals["added_gold"] += len(gold)
        # omissions: base sentences kept by at least two others, missing here
        missing = {b for b, holders in kept_by.items() if v not in holders and len(holders) >= 2}
        spans_in = {}  # (w, base) -> chars of that sentence in version w, its asides removed
        for w, other in enumerate(versions):
            if w == v:
                continue
            ins = chars(other["text"], other["truth"]["added"])
            for b, s, e in other["truth"]["sentences"]:
                if b in missing:
                    spans_in[(w, b)] = chars(other["text"], [(s, e)]) - ins
        reported = defaultdict(set)
        for om in out["omitted"]:
            reported[om["from"]] |= chars(versions[om["from"]]["text"], [(om["start"], om["end"])])
        good = set()
        for (w, b), span in spans_in.items():
            good |= {(w, i) for i in span}
        pred_pairs = {(w, i) for w, cs in reported.items() for i in cs}
        totals["omit_tp_p"] += len(pred_pairs & good)
        totals["omit_pred"] += len(pred_pairs)
        for b in missing:
            options = [(w, span) for (w, bb), span in spans_in.items() if bb == b and span]
            if not options:
                continue
            size = max(len(span) for _, span in options)
            covered = max(len(span & reported.get(w, set())) / len(span) for w, span in options)
            totals["omit_gold"] += size
            totals["omit_tp_r"] += covered * size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", type=Path)
    p.add_argument("--stories", type=int, default=200, help="stories to compare (the first by story id)")
    args = p.parse_args()
    stories = load_stories(args.corpus, args.stories)
    totals: dict = defaultdict(float)
    analyse_s = compare_s = 0.0
    n_versions = 0
    for versions in stories:
        t = time.perf_counter()
        articles = [unspun.analyze(r["text"], outlet=r["outlet"]) for r in versions]
        analyse_s += time.perf_counter() - t
        t = time.perf_counter()
        result = compare(articles)
        compare_s += time.perf_counter() - t
        n_versions += len(versions)
        evaluate(versions, result, totals)

    def ratio(a: str, b: str) -> float:
        return totals[a] / totals[b] if totals[b] else 1.0

    ap, ar = ratio("added_tp", "added_pred"), ratio("added_tp", "added_gold")
    op, orr = ratio("omit_tp_p", "omit_pred"), ratio("omit_tp_r", "omit_gold")
    print("| stories | versions | added P | added R | added F1 | omitted P | omitted R | omitted F1 | analyse s/version "
          "| compare s/story |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    f = lambda p_, r_: 2 * p_ * r_ / (p_ + r_) if p_ + r_ else 0.0  # noqa: E731
    print(f"| {len(stories)} | {n_versions} | {ap:.4f} | {ar:.4f} | {f(ap, ar):.4f} | {op:.4f} | {orr:.4f} | "
          f"{f(op, orr):.4f} | {analyse_s / max(1, n_versions):.3f} | {compare_s / max(1, len(stories)):.3f} |")
    print(f"(added: {int(totals['added_gold']):,} gold chars, {int(totals['added_pred']):,} predicted; "
          f"omitted: {int(totals['omit_gold']):,} gold chars, {int(totals['omit_pred']):,} predicted)")


if __name__ == "__main__":
    main()

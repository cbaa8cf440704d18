"""Speaker names without a parse: the learned path's resolver against the parse-based one.

The learned path (``stages/learned.py``) resolves each relation's source to a speaker name from
spaCy's named entities alone (``Speakers.resolve_span``); the rule stage resolves the phrase a
dependency parse heads (``Speakers.resolve``). For every article of a PolNeAR split, this runs
the learned path as ``unspun analyze`` does, then resolves the same sources (each relation's
first source span, in the same order, with the same notes) through a full spaCy parse and the
head of the source phrase, and counts how often the two give the same name. It also times the
two spaCy passes over the article's paragraphs (named entities only vs the full pipeline).

    python benchmarks/speakers_agreement.py [--split dev] [--limit N] [--show 30]

Prints a markdown table and the disagreements; exits 0 with a message when the data is missing.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear" / "data"


def _head(doc, base: int, s: int, e: int):
    """The spaCy token heading the phrase at characters ``[s, e)`` of the text."""
    toks = [t for t in doc if s <= base + t.idx < e]
    for t in toks:
        if t.head.i == t.i or not (s <= base + t.head.idx < e):
            return t
    return toks[-1] if toks else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--show", type=int, default=30, help="disagreements to print")
    args = ap.parse_args()
    if not (DATA / args.split).is_dir():
        print(f"{DATA / args.split}: not found (PolNeAR is in ../shared/data); nothing to measure")
        return 0
    from unspun.article import Article
    from unspun.eval.polnear import polnear_articles
    from unspun.stages.attribution import _index, _paragraphs
    from unspun.stages.learned import encode, learned_attribution
    from unspun.stages.parsing import entities, parse
    from unspun.stages.sentences import sentences
    from unspun.stages.speakers import Speakers

    arts = polnear_articles(DATA / args.split)
    arts = arts[:args.limit] if args.limit else arts
    parse(["warm up."]), entities(["warm up."])
    counts, diffs = Counter(), []
    t_ner = t_parse = 0.0
    for name, text, _ in arts:
        article = Article(text=text)
        sentences(article)
        encode(article)
        learned_attribution(article)
        sents = article.layer("sentence")
        paras = _paragraphs(text, sents)
        bases = [a for a, _ in paras]
        t0 = time.perf_counter()
        entities([text[a:b] for a, b in paras])
        t1 = time.perf_counter()
        docs = parse([text[a:b] for a, b in paras])
        t_ner += t1 - t0
        t_parse += time.perf_counter() - t1
        first: dict[int, object] = {}
        for s in sorted(article.layer("source"), key=lambda s: s.start):
            first.setdefault(s.attrs["relation"], s)
        if not first:
            continue
        speakers = Speakers(docs, bases)
        for rel in sorted(first):
            src = first[rel]
            d = _index(paras, src.start)
            head = _head(docs[d], bases[d], src.start, src.end) if d is not None else None
            old = speakers.resolve(head, d, bases[d]) if head is not None else None
            if old:
                speakers.note(src.start, old)
            new = src.attrs["speaker"]
            kind = "same name" if old == new else ("both none" if old is None and new is None else "differ")
            if old == new and old is None:
                kind = "both none"
            counts[kind] += 1
            if old != new:
                diffs.append((name, text[src.start:src.end], old, new))
    n = sum(counts.values())
    agree = counts["same name"] + counts["both none"]
    print(f"PolNeAR {args.split}: {len(arts)} articles, {n} relations with a source (learned path's tagger)\n")
    print("| | relations | share |")
    print("|---|---:|---:|")
    print(f"| same name from both | {counts['same name']} | {counts['same name'] / max(n, 1):.3f} |")
    print(f"| no name from either | {counts['both none']} | {counts['both none'] / max(n, 1):.3f} |")
    print(f"| **agree** | {agree} | **{agree / max(n, 1):.3f}** |")
    print(f"| differ | {n - agree} | {(n - agree) / max(n, 1):.3f} |")
    print(f"\nspaCy over the paragraphs: named entities only {t_ner / len(arts) * 1000:.0f} ms per article, "
          f"full pipeline {t_parse / len(arts) * 1000:.0f} ms ({t_parse / max(t_ner, 1e-9):.2f}x)\n")
    for name, src, old, new in diffs[:args.show]:
        print(f"- {name}: {src!r}: parse {old!r}, entities {new!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How far annotators agree on PolNeAR's roles, and how far unspun agrees with them.

Some PolNeAR articles were annotated by several people (16 train articles with five or six
annotation files, 2 dev articles with six). On those articles this scores, per role and per word
token (as ``benchmarks/attribution_polnear.py`` does):

- annotator against annotator: every pair of annotation files of an article (pooled counts;
  token F1 is symmetric, so the order does not matter), and the spread over annotator pairs;
- unspun against each annotator: the default path (``--no-models``: the rules too), each article's
  prediction scored against every annotation file of it.

The tagger was trained on the first annotation file of PolNeAR train articles, so on the train
articles it fitted it has seen one of the annotations: the table keeps those apart from the
articles it never read (dev, and the train articles held out for selection).

    python benchmarks/polnear_agreement.py

Prints a markdown table; exits 0 with a message when the data is missing.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from unspun.eval.polnear import ROLES, f1, polnear_gold, role_counts
from unspun.eval.sentences import bucket

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribution_polnear import DATA, unspun_predict  # noqa: E402


def multi_annotated(split: str) -> list[tuple[str, str, list[str], list[dict]]]:
    """(name, text, annotator ids, [gold of each annotation file]) of the articles with several
    annotation files (by file name)."""
    folder = DATA / split
    out = []
    for txt in sorted((folder / "text").glob("*.txt")):
        anns = sorted((folder / "attributions").glob(f"{txt.stem}_*.ann"))
        if len(anns) > 1:
            out.append((txt.stem, txt.read_text(encoding="utf-8"), [a.stem.rsplit("_", 1)[1] for a in anns],
                        [polnear_gold(a) for a in anns]))
    return out


def group(split: str, name: str) -> str:
    if split == "dev":
        return "dev"
    return "train, held out" if bucket(name, 10) == 0 else "train, fitted"


def main() -> int:
    if not DATA.is_dir():
        print(f"{DATA}: PolNeAR not found; nothing to measure")
        return 0
    humans: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    # group -> annotator pair -> counts, pooled over the group's articles
    pairs: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: [0, 0, 0])))
    systems = {"unspun model": lambda t: unspun_predict(t, models=True),
               "unspun rules": lambda t: unspun_predict(t, models=False)}
    scores: dict = {k: defaultdict(lambda: defaultdict(lambda: [0, 0, 0])) for k in systems}
    n_articles: dict = defaultdict(int)
    for split in ("train", "dev"):
        for name, text, who, golds in multi_annotated(split):
            g = group(split, name)
            n_articles[g] += 1
            for a, b in combinations(range(len(golds)), 2):
                role_counts(text, golds[a], golds[b], humans[g])
                role_counts(text, golds[a], golds[b], pairs[g][(who[a], who[b])])
            for system, predict in systems.items():
                pred = predict(text)
                for gold in golds:
                    role_counts(text, gold, pred, scores[system][g])
    print("| articles | n | who | " + " | ".join(f"{r} token F1" for r in ROLES) + " |")
    print("|---|---:|---|" + "---:|" * len(ROLES))
    for g in ("train, fitted", "train, held out", "dev"):
        if not n_articles[g]:
            continue
        cells = []
        for r in ROLES:
            per_pair = [f1(*c[("token", r)]) for c in pairs[g].values() if sum(c[("token", r)][1:])]
            spread = f" ({min(per_pair):.3f}-{max(per_pair):.3f})" if per_pair else ""
            cells.append(f"{f1(*humans[g][('token', r)]):.3f}{spread}")
        print(f"| {g} | {n_articles[g]} | annotator vs annotator | " + " | ".join(cells) + " |")
        for system in systems:
            cells = [f"{f1(*scores[system][g][('token', r)]):.3f}" for r in ROLES]
            print(f"| {g} | {n_articles[g]} | {system} vs each annotator | " + " | ".join(cells) + " |")
    every = [g for g in n_articles]
    for who, counts in [("annotator vs annotator", humans)] + [(f"{s} vs each annotator", scores[s]) for s in systems]:
        for label, groups in (("all", every), ("never fitted (held out + dev)", ["train, held out", "dev"])):
            pooled = {r: [sum(counts[g][("token", r)][i] for g in groups if g in counts) for i in range(3)]
                      for r in ROLES}
            print(f"| {label} | {sum(n_articles[g] for g in groups)} | {who} | "
                  + " | ".join(f"{f1(*pooled[r]):.3f}" for r in ROLES) + " |")
    print("\n(in brackets: the lowest and highest token F1 of one pair of annotators over the group's articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

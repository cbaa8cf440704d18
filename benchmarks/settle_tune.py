"""Choose the thresholds of the embedding step (``unspun.stories.settle.EmbeddingSettle``) on a
tuning corpus that no reported figure uses.

    python benchmarks/storygen.py --docs 50000 --seed 7 -o benchmarks/out/stories-tune-50k.jsonl.gz
    python benchmarks/settle_tune.py benchmarks/out/stories-tune-50k.jsonl.gz

Runs pass 1, candidates and lexical verification once, embeds the heads of every document in
a grey pair once, then scores each setting of (``sim``, ``share``, ``min_matches``) by the
copy pairwise F1 of the whole corpus (lexical edges + the grey pairs the setting accepts),
and prints the grid's best rows and the grey-pair precision/recall of each.
"""

from __future__ import annotations

import argparse
import json
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from stories_bench import pair_set, truth_of  # noqa: E402
from unspun.stories.group import Settings, Stats, components, copy_pairs, featurize  # noqa: E402
from unspun.stories.settle import EmbeddingSettle  # noqa: E402


class Recorder(EmbeddingSettle):
    """Embeds like ``EmbeddingSettle`` and keeps each grey pair's similarity matrix; accepts none."""

    def decide(self, pairs, texts):
        from unspun.models.embed import load_embedder, DEFAULT_DIR

        docs = np.unique(pairs)
        sents, bounds = [], [0]
        for text in texts(docs):
            sents += self.heads(text)
            bounds.append(len(sents))
        unique: dict = {}
        slot = [unique.setdefault(x, len(unique)) for x in sents]
        vec = load_embedder(DEFAULT_DIR).embed(list(unique), max_tokens=self.max_tokens)[slot]
        where = {int(d): k for k, d in enumerate(docs.tolist())}
        self.pairs = pairs
        self.mats = []
        for i, j in pairs.tolist():
            a = vec[bounds[where[i]]:bounds[where[i] + 1]]
            b = vec[bounds[where[j]]:bounds[where[j] + 1]]
            self.mats.append(a @ b.T if len(a) and len(b) else np.zeros((0, 0)))
        self.sentences, self.documents = len(unique), len(docs)
        return np.zeros(len(pairs), dtype=bool)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", type=Path)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--write", type=Path, help="write the best setting here as JSON (for stories_bench.py --settle)")
    args = p.parse_args()
    truth = truth_of(args.corpus)
    from unspun.read import BadInput, read_inputs

    docs = ((it.id, None, it.text) for it in read_inputs([str(args.corpus)]) if not isinstance(it, BadInput))
    settings, stats = Settings(), Stats()
    rec = Recorder()
    corpus = featurize(docs, settings, args.jobs, head_chars=rec.head_chars)
    edges = copy_pairs(corpus, settings, stats, rec, jobs=args.jobs)
    ids = corpus.ids
    T = pair_set(truth)
    grey_true = np.array([truth[ids[a]] == truth[ids[b]] for a, b in rec.pairs.tolist()])
    print(f"{len(corpus):,} docs; grey pairs {len(rec.pairs):,} ({int(grey_true.sum())} true copies); "
          f"{rec.documents:,} documents, {rec.sentences:,} sentences embedded")

    def f1_with(accept: np.ndarray) -> tuple[float, float, float]:
        labels = components(len(corpus), edges + [tuple(x) for x in rec.pairs[accept].tolist()])
        pred = {ids[i]: int(labels[i]) for i in range(len(ids))}
        P = pair_set(pred)
        tp = len(P & T)
        prec, rec_ = tp / len(P), tp / len(T)
        return prec, rec_, 2 * prec * rec_ / (prec + rec_)

    base = f1_with(np.zeros(len(rec.pairs), dtype=bool))
    print(f"lexical only: P {base[0]:.4f} R {base[1]:.4f} F1 {base[2]:.4f}")
    rows = []
    for sim, share, mm in itertools.product((0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95), (0.3, 0.4, 0.5, 0.6, 0.7),
                                            (1, 2, 3)):
        acc = np.zeros(len(rec.pairs), dtype=bool)
        for k, m in enumerate(rec.mats):
            if m.size:
                ma, mb = int((m.max(axis=1) >= sim).sum()), int((m.max(axis=0) >= sim).sum())
                acc[k] = max(ma, mb) >= mm and max(ma / m.shape[0], mb / m.shape[1]) >= share
        tp = int((acc & grey_true).sum())
        gp = tp / acc.sum() if acc.sum() else 1.0
        gr = tp / grey_true.sum() if grey_true.sum() else 1.0
        rows.append((sim, share, mm, int(acc.sum()), gp, gr, *f1_with(acc)))
    # best copy F1; ties go to the strictest setting (higher similarity, share, matches)
    rows.sort(key=lambda r: (-round(r[-1], 5), -r[0], -r[1], -r[2]))
    print("| sim | share | min matches | accepted | grey P | grey R | copy P | copy R | copy F1 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows[:15]:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.3f} | {r[5]:.3f} | {r[6]:.4f} | {r[7]:.4f} | {r[8]:.4f} |")
    best = {"sim": rows[0][0], "share": rows[0][1], "min_matches": rows[0][2]}
    print("best:", json.dumps(best))
    if args.write:
        args.write.write_text(json.dumps(best) + "\n")


if __name__ == "__main__":
    main()

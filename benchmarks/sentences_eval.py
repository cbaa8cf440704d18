"""Subjectivity (NewsSD-ENG val) and bias (BABE reporting part) of the shipped sentence judgements.

The shipped model folder gives them from its sentence model (``sentence-model.onnx``, a MiniLM
fine-tuned on the sentence tasks, over each sentence's text) where its config names one, and
from the frozen-state heads (the mean of a sentence's [hidden; mid] states of the shared
encoder -> MLP) otherwise; both are measured, as ``unspun analyze`` computes them. NewsSD-ENG
val and the BABE reporting part (20% by hash, ``unspun.eval.sentences``) were never used for
training or selection. A probability of 0.5 or more counts as subjective / biased.

``--runs DIR ...`` also measures the sentence models of ``unspun train sentences --out DIR``
runs (one per seed, say: mean and sd over them). With ``--seeds N`` (needs the ``train`` extra)
the frozen-state heads are also retrained from the same sentence vectors with seeds 0..N-1.

    python benchmarks/sentences_eval.py [--runs DIR ...] [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from unspun.eval.sentences import OPINION, babe_is_held, babe_is_test, macro_f1, newssd_held, read_babe, read_newssd
from unspun.models.heads import SentenceModel, load_heads
from unspun.models.runtime import DEFAULT_DIR, load_encoder

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def vectors(sentences: list[str]) -> np.ndarray:
    enc = load_encoder(str(DEFAULT_DIR))
    rows = []
    for s in sentences:
        e = enc.encode(s)
        rows.append(np.concatenate([e.hidden.mean(0), e.mid.mean(0)]))
    return np.stack(rows).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=0, help="also retrain the heads with this many seeds")
    ap.add_argument("--runs", nargs="*", default=[], metavar="DIR",
                    help="also measure the sentence models of these `unspun train sentences` outputs")
    args = ap.parse_args(argv)
    if not (DATA / "newssd-eng" / "val.csv").exists():
        print(f"NewsSD-ENG / BABE not found under {DATA}: nothing to measure")
        return 0
    heads = load_heads(str(DEFAULT_DIR))
    from unspun.models.heads import mlp_probability

    val_s, val_y = read_newssd(DATA / "newssd-eng" / "val.csv")
    babe = read_babe(DATA / "babe" / "final_labels_SG2.csv")
    test = [r for r in babe if babe_is_test(r["text"])]
    tx = vectors([r["text"].strip() for r in test])
    ty = np.array([r["label_bias"] == "Biased" for r in test])
    vx = vectors(val_s)
    models = {"frozen-state heads" + ("" if heads.sentence_model else " (shipped)"): (
        lambda texts, x: {k: mlp_probability(heads.sentence, k, x) for k in ("subjectivity", "bias")})}
    if heads.sentence_model:
        models["sentence model (shipped)"] = lambda texts, x: heads.sentence_model.scores(texts)
    for run in args.runs:
        m = SentenceModel(Path(run) / "sentence-model.onnx", Path(run) / "sentence-tokenizer.json")
        models[f"run {run}"] = lambda texts, x, m=m: m.scores(texts)
    test_texts = [r["text"].strip() for r in test]
    print("| model | subjectivity, NewsSD-ENG val (99) | bias, BABE reporting part (763) |\n|---|---:|---:|")
    runs = []
    for name, fn in models.items():
        f = (macro_f1(val_y, fn(val_s, vx)["subjectivity"] >= 0.5), macro_f1(ty, fn(test_texts, tx)["bias"] >= 0.5))
        runs += [f] if name.startswith("run ") else []
        print(f"| {name} | {f[0]:.3f} | {f[1]:.3f} |")
    if len(runs) > 1:
        m, sd = np.mean(runs, axis=0), np.std(runs, axis=0)
        print(f"| the {len(runs)} runs: mean +- sd | {m[0]:.3f} +- {sd[0]:.3f} | {m[1]:.3f} +- {sd[1]:.3f} |")
    if args.seeds:
        from unspun.train.heads import train_mlp

        tr_s, tr_y = read_newssd(DATA / "newssd-eng" / "train.csv")
        trx = vectors(tr_s)
        hold = newssd_held(len(tr_y))
        rest = [r for r in babe if not babe_is_test(r["text"])]
        rx = vectors([r["text"].strip() for r in rest])
        ry = np.array([r["label_bias"] == "Biased" for r in rest])
        rh = np.array([babe_is_held(r["text"]) for r in rest])
        op = np.array([r["label_opinion"] for r in rest])
        keep = np.isin(op, list(OPINION))
        variants = {
            "subjectivity, NewsSD-ENG only": (trx[~hold], tr_y[~hold]),
            "subjectivity, + BABE opinion labels": (np.concatenate([trx[~hold], rx[keep]]),
                                                   np.concatenate([tr_y[~hold], [OPINION[o] for o in op[keep]]])),
        }
        print("\n| retrained head | seeds | macro-F1 mean | sd | per seed |\n|---|---|---|---|---|")
        for name, (x, y) in variants.items():
            fs = []
            for seed in range(args.seeds):
                w, _ = train_mlp(x, y, trx[hold], tr_y[hold], seed=seed)
                fs.append(macro_f1(val_y, mlp_probability({f"h_{k}": v for k, v in w.items()}, "h", vx) >= 0.5))
            print(f"| {name} (NewsSD-ENG val) | {args.seeds} | {np.mean(fs):.3f} | {np.std(fs):.3f} | "
                  f"{', '.join(f'{f:.3f}' for f in fs)} |")
        fs = []
        for seed in range(args.seeds):
            w, _ = train_mlp(rx[~rh], ry[~rh], rx[rh], ry[rh], seed=seed)
            fs.append(macro_f1(ty, mlp_probability({f"h_{k}": v for k, v in w.items()}, "h", tx) >= 0.5))
        print(f"| bias (BABE reporting part) | {args.seeds} | {np.mean(fs):.3f} | {np.std(fs):.3f} | "
              f"{', '.join(f'{f:.3f}' for f in fs)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

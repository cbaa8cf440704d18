"""PTC dev SI figures of a span-model training run (``unspun train si``): each seed's int8 graph
alone and mixed with the SI of the shared encoder pass, the shipped mixture, and the shared pass's
span head alone, on the same articles.

    python benchmarks/techniques_si_seeds.py OUT [--heads SPANS] [--dev ../shared/data/ptc]

OUT is an ``unspun train si --seeds ...`` output folder (si-model.onnx, si-models/seed*.onnx,
si-report.json); its span head (``si.onnx``) averages several seeds. With ``--heads`` (the
``unspun train spans`` output that made it, with span-heads/seed*.onnx) each span model is also
mixed with the span head of the same seed alone, the weight and decoding chosen here on the
held-out training articles of the run: one seed per row end to end (but the shared encoder).
Every decoding and weight comes from the held-out articles; dev is read only to score. Prints a
markdown table (SI as in the official scorer, with partial overlaps) and means over seeds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--heads", type=Path, default=None, help="an `unspun train spans` output (span-heads/seed*.onnx)")
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "ptc")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    from unspun.eval.ptc import read_articles, read_si, si_scores
    from unspun.models.attribution_features import token_features
    from unspun.models.runtime import _session
    from unspun.models.techniques import TechniqueModel
    from unspun.models.techniques.spanmodel import article_probs

    model = TechniqueModel(args.out)
    report = json.loads((args.out / "si-report.json").read_text(encoding="utf-8"))
    tok, cls_id, sep_id = model.encoder.tokenizer, model.encoder.cls_id, model.encoder.sep_id

    def load(split: str) -> list[dict]:
        if split == "dev":
            texts = read_articles(args.dev / "dev-articles")
            gold = read_si(args.dev / "dev-task-si.labels")
        else:  # the run's held-out training articles
            held = set(report["held_out"])
            texts = {a: t for a, t in read_articles(args.dev / "train-articles").items() if a in held}
            gold = [g for g in read_si(args.dev / "train-task-si.labels") if g[0] in held]
        out = []
        for aid, text in texts.items():
            enc = model.encoder.encode(text)
            out.append({"id": aid, "text": text, "enc": enc, "feats": token_features(text, enc.offsets),
                        "ids": np.asarray(tok.encode(text, add_special_tokens=False).ids, dtype=np.int64),
                        "gold": [g for g in gold if g[0] == aid]})
        return out

    def model_probs(path: Path, docs: list[dict]) -> list[np.ndarray]:
        session = _session(str(path))

        def fn(i, m, f):
            return session.run(["probs"], {"input_ids": i, "attention_mask": m, "feats": f})[0]
        return [article_probs(fn, d["ids"], d["feats"], cls_id, sep_id) for d in docs]

    def head_probs(path: Path, docs: list[dict]) -> list[np.ndarray]:
        session = _session(str(path))
        return [session.run(None, {"states": np.concatenate([d["enc"].hidden, d["enc"].mid, d["feats"]], 1)
                                   .astype(np.float32)[None]})[0][0] for d in docs]

    def score(docs, probs, decoding) -> tuple[float, float, float]:
        pred = []
        for d, p in zip(docs, probs):
            pred += [(d["id"], s, e) for s, e, _ in model.si(d["text"], d["enc"], decoding["threshold"],
                                                              decoding["gap"], decoding["min_tokens"], probs=p)]
        return si_scores(pred, [g for d in docs for g in d["gold"]])

    def mix(a, b, w):
        return [(1 - w) * x + w * y for x, y in zip(a, b)]

    dev = load("dev")
    shared = head_probs(args.out / model.config["si_head"]["file"], dev)
    rows, alone, mixed, pairs = [], [], [], []
    held = load("held") if args.heads else None
    for run in report["runs"]:
        seed = run["seed"]
        mp = model_probs(args.out / "si-models" / f"seed{seed}.onnx", dev)
        f = score(dev, mp, run["decoding_alone"])
        alone.append(f[0])
        rows.append((f"span model alone, seed {seed} (epoch {run['epoch']})", run["held_out_si_f1_int8"], f))
        f = score(dev, mix(mp, shared, run["mix"]), run["decoding"])
        mixed.append(f[0])
        rows.append((f"seed {seed} mixed with the shipped span head (weight {run['mix']})",
                     run["held_out_si_f1_mixed"], f))
        if args.heads:
            from unspun.train.simodel import MIXES
            from unspun.train.spans import GRID, best_decoding

            head_file = args.heads / "span-heads" / f"seed{seed}.onnx"
            hm, hh = model_probs(args.out / "si-models" / f"seed{seed}.onnx", held), head_probs(head_file, held)
            best = None
            for w in MIXES:
                for t, g, m in GRID:
                    dec = {"threshold": t, "gap": g, "min_tokens": m}
                    fh = score(held, mix(hm, hh, w), dec)[0]
                    if best is None or round(fh, 6) > round(best[0], 6):
                        best = (fh, w, dec)
            f = score(dev, mix(mp, head_probs(head_file, dev), best[1]), best[2])
            pairs.append(f[0])
            rows.append((f"seed {seed} mixed with span head seed {seed} alone (weight {best[1]})", round(best[0], 4), f))
    shipped = model_probs(args.out / "si-model.onnx", dev)
    rows.append((f"shipped: si-model.onnx (seed {report['shipped_seed']}), mix {report['mix']}", report["held_out_si_f1"],
                 score(dev, mix(shipped, shared, report["mix"]), report["decoding"])))
    rows.append(("span head on the shared encoder pass alone (si.onnx)", report["held_out_shared_si_f1"],
                 score(dev, shared, model.config["si_head"])))
    print(f"PTC dev, {len(dev)} articles, {sum(len(d['gold']) for d in dev)} gold SI spans\n")
    print("| SI | held-out SI F1 | dev SI F1 | dev P | dev R |")
    print("|---|---:|---:|---:|---:|")
    for name, h, (f, p, r) in rows:
        print(f"| {name} | {h} | {f:.4f} | {p:.4f} | {r:.4f} |")
    for name, vals in (("span model alone", alone), ("mixed with the shipped span head", mixed),
                       ("mixed with the span head of the same seed", pairs)):
        if len(vals) > 1:
            print(f"\n{name}: dev SI F1 mean {statistics.mean(vals):.4f} +- {statistics.stdev(vals):.4f} "
                  f"(sd over {len(vals)} seeds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

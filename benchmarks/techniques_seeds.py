"""PTC dev SI figures of a span-head training run: each seed's head alone, their average (the
shipped graph) and the linear head of the encoder training, on the same encoder pass.

    python benchmarks/techniques_seeds.py OUT [--dev ../shared/data/ptc]

OUT is an ``unspun train spans --seeds ...`` output folder (si.onnx, span-heads/seed*.onnx).
Decoding: the one chosen on held-out training articles for each graph (each seed's own held-out
choice is in OUT/spans-report.json; the averaged graph's in config.json). Dev is read only here.
Prints a markdown table; SI as in the official scorer (partial overlaps), TC micro-F1 on the gold
spans (the TC head is the same for every row).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def held_decoding(model, session, held_docs) -> dict:
    from unspun.train.spans import best_decoding, decode_scores

    model.span_head = session
    probs = [model.span_head.run(None, {"states": d["x"].astype("float32")[None]})[0][0] for d in held_docs]
    (t, gap, m), _ = best_decoding(decode_scores(model, held_docs, probs))
    return {"threshold": t, "gap": gap, "min_tokens": m}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "ptc")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import json

    from unspun.eval.ptc import read_articles, read_si, read_tc, si_scores, tc_scores
    from unspun.models.runtime import _session
    from unspun.models.techniques import TechniqueModel, tc_rows

    model = TechniqueModel(args.out)
    report = json.loads((args.out / "spans-report.json").read_text(encoding="utf-8"))
    articles = read_articles(args.dev / "dev-articles")
    gold_si = read_si(args.dev / "dev-task-si.labels")
    gold_tc = read_tc(args.dev / "dev-task-flc-tc.labels")
    wanted: dict[str, list[tuple[int, int]]] = {}
    for aid, _, s, e in gold_tc:
        wanted.setdefault(aid, []).append((s, e))
    encs = {aid: model.encoder.encode(text) for aid, text in articles.items()}
    pred_tc = [r for aid, text in articles.items() if aid in wanted
               for r in tc_rows(model, aid, text, encs[aid], wanted[aid])]
    tc = tc_scores(pred_tc, gold_tc)[0]

    def si(session, decoding) -> tuple[float, float, float]:
        model.span_head = session
        pred = []
        for aid, text in articles.items():
            probs = model.token_probs(encs[aid], text)
            pred += [(aid, s, e) for s, e, _ in model.si(text, encs[aid], decoding["threshold"], decoding["gap"],
                                                          decoding["min_tokens"], probs=probs)]
        return si_scores(pred, gold_si)

    shipped = dict(model.decoding)
    rows = []
    held_docs = None
    for run in report["runs"]:
        session = _session(str(args.out / "span-heads" / f"seed{run['seed']}.onnx"))
        if "decoding" not in run:  # older reports: choose this head's decoding on the held-out articles again
            if held_docs is None:
                from unspun.models.runtime import load_tokenizer
                from unspun.train.spans import encode_docs
                from unspun.train.techniques import load_split

                docs = load_split(args.dev, "train", model.labels, load_tokenizer(str(args.out / "tokenizer.json")))
                held_docs = encode_docs(model.encoder, [d for d in docs if d.id in set(report["held_out"])],
                                        model.labels)
            run["decoding"] = held_decoding(model, session, held_docs)
        rows.append((f"span head, seed {run['seed']}", si(session, run["decoding"]), run["held_out_si_f1"]))
    singles = [r[1][0] for r in rows]
    rows.append(("span heads averaged (shipped si.onnx)", si(_session(str(args.out / "si.onnx")), shipped),
                 report["held_out_si"]["f1"]))
    cfg = json.loads((args.out / "config.json").read_text(encoding="utf-8"))
    linear = {"threshold": cfg.get("threshold", 0.5), "gap": cfg.get("gap", 0), "min_tokens": cfg.get("min_tokens", 1)}
    rows.append(("linear head of the encoder training", si(None, linear), report["held_out_linear_si_f1"]))
    print(f"PTC dev, {len(articles)} articles; TC micro-F1 (gold spans, same TC head): {tc:.4f}\n")
    print("| SI head | held-out SI F1 | dev SI F1 | dev P | dev R |")
    print("|---|---:|---:|---:|---:|")
    for name, (f, p, r), held in rows:
        print(f"| {name} | {held} | {f:.4f} | {p:.4f} | {r:.4f} |")
    if len(singles) > 1:
        print(f"\nsingle heads: dev SI F1 mean {statistics.mean(singles):.4f} +- {statistics.stdev(singles):.4f} "
              f"(sd over {len(singles)} seeds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

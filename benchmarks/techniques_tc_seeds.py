"""PTC dev TC figures of a span-marked classifier run (``unspun train tc``): each seed's int8
graph, the shipped one, and the span classifier of the shared encoder pass, on the gold dev spans.

    python benchmarks/techniques_tc_seeds.py OUT [--dev ../shared/data/ptc]

OUT is an ``unspun train tc --seeds ...`` output folder (tc.onnx, tc-models/seed*.onnx,
tc-report.json). Seeds and epochs were chosen on held-out training articles; dev is read only
here. Prints a markdown table (TC micro-F1 as in the official scorer: a span given k times gets
its k most likely techniques), the mean and spread over seeds, and per-technique F1 of the
shipped graph next to the shared-encoder classifier.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "ptc")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    from unspun.eval.ptc import read_articles, read_tc, tc_scores
    from unspun.models.runtime import _session
    from unspun.models.techniques import TechniqueModel, tc_rows

    model = TechniqueModel(args.out)
    report = json.loads((args.out / "tc-report.json").read_text(encoding="utf-8"))
    articles = read_articles(args.dev / "dev-articles")
    gold = read_tc(args.dev / "dev-task-flc-tc.labels")
    wanted: dict[str, list[tuple[int, int]]] = {}
    for aid, _, s, e in gold:
        wanted.setdefault(aid, []).append((s, e))

    def score(encs=None) -> tuple[float, dict[str, float]]:
        pred = [r for aid, text in articles.items() if aid in wanted
                for r in tc_rows(model, aid, text, encs[aid] if encs else None, wanted[aid])]
        return tc_scores(pred, gold)

    encs = {aid: model.encoder.encode(text) for aid, text in articles.items() if aid in wanted}
    cfg = model.config["tc_marked"]
    shipped_mix = cfg.get("mix", 0.0)
    rows, singles, alone = [], [], []
    for run in report["runs"]:
        model.tc_marked = _session(str(args.out / "tc-models" / f"seed{run['seed']}.onnx"))
        cfg["mix"] = 0.0
        f, _ = score(encs)
        alone.append(f)
        rows.append((f"span-marked classifier alone, seed {run['seed']} (epoch {run['epoch']})",
                     run["held_out_tc_f1_int8"], f))
        cfg["mix"] = run.get("mix", 0.0)
        f, _ = score(encs)
        singles.append(f)
        rows.append((f"seed {run['seed']} mixed with the shared-pass classifier (weight {cfg['mix']})",
                     run.get("held_out_tc_f1_mixed", ""), f))
    model.tc_marked = _session(str(args.out / "tc.onnx"))
    cfg["mix"] = shipped_mix
    shipped, per_shipped = score(encs)
    rows.append((f"shipped: tc.onnx (seed {report['shipped_seed']}), mix {shipped_mix}", report["held_out_tc_f1"],
                 shipped))
    model.tc_marked = None
    shared, per_shared = score(encs)
    rows.append(("span classifier on the shared encoder pass", report.get("held_out_shared_tc_f1", ""), shared))
    print(f"PTC dev, {len(wanted)} articles, {len(gold)} gold technique rows\n")
    print("| TC classifier | held-out TC micro-F1 | dev TC micro-F1 |")
    print("|---|---:|---:|")
    for name, held, f in rows:
        print(f"| {name} | {held} | {f:.4f} |")
    if len(singles) > 1:
        for name, vals in (("span-marked alone", alone), ("mixed (as shipped)", singles)):
            print(f"\n{name}: dev TC micro-F1 mean {statistics.mean(vals):.4f} +- {statistics.stdev(vals):.4f} "
                  f"(sd over {len(vals)} seeds)")
    print("\n| technique | shipped | shared-encoder classifier |")
    print("|---|---:|---:|")
    for tech in model.labels:
        print(f"| {tech} | {per_shipped.get(tech, 0.0):.3f} | {per_shared.get(tech, 0.0):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""PTC dev TC figures of a span-marked classifier run (``unspun train tc``): each seed's int8
graph (alone, mixed with the shared-pass classifier, and mixed with it and the lexical classifier
when the run has one), the shipped one, the span classifier of the shared encoder pass, the lexical
classifier alone and, for a distilled run (``--teachers``), its teachers averaged, on the gold dev
spans.

    python benchmarks/techniques_tc_seeds.py OUT [--dev ../shared/data/ptc]

OUT is an ``unspun train tc --seeds ...`` output folder (tc.onnx, tc-models/seed*.onnx,
tc-report.json). Seeds, epochs and mixing weights were chosen on held-out training articles (for a
``--refit`` run, by the earlier run whose weights it was given; its held-out column is empty);
dev is read only here. Prints a markdown table (TC micro-F1 as in the official scorer: a span given k times gets
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
    from unspun.models.runtime import _session, load_tokenizer
    from unspun.models.techniques import Averaged, TechniqueModel, tc_rows
    from unspun.models.techniques.marked import row_settings

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
    lex = model.config.get("tc_lex") if model.tc_lex is not None else None
    lex_model = model.tc_lex
    shipped_mix = cfg.get("mix", 0.0), (lex or {}).get("mix", 0.0)

    def weights(shared: float, lexical: float = 0.0) -> None:
        cfg["mix"] = shared
        if lex is not None:
            lex["mix"] = lexical

    rows, singles, alone, two_way = [], [], [], []
    for run in report["runs"]:
        model.tc_marked = _session(str(args.out / "tc-models" / f"seed{run['seed']}.onnx"))
        weights(0.0)
        f, _ = score(encs)
        alone.append(f)
        fp32 = run.get("precision") == "fp32"  # its int8 graph lost quality: the seed kept fp32
        rows.append((f"span-marked classifier alone, seed {run['seed']} (epoch {run['epoch']}"
                     + (", fp32)" if fp32 else ")"),
                     run.get("held_out_tc_f1_fp32_onnx" if fp32 else "held_out_tc_f1_int8", ""), f))
        if lex is not None and "mix_without_lexical" in run:
            weights(run["mix_without_lexical"])
            f, _ = score(encs)
            two_way.append(f)
            rows.append((f"seed {run['seed']} mixed with the shared-pass classifier (weight {cfg['mix']})",
                         run["held_out_tc_f1_mixed_without_lexical"], f))
        weights(run.get("mix", 0.0), run.get("lex_mix", 0.0))
        f, _ = score(encs)
        singles.append(f)
        rows.append((f"seed {run['seed']} mixed with the shared-pass classifier (weight {cfg['mix']})"
                     + (f" and the lexical one (weight {lex['mix']})" if lex is not None else ""),
                     run.get("held_out_tc_f1_mixed", ""), f))
    groups = []
    for g in report.get("ensembles", []):  # --ensemble N: each group of seeds averaged, then mixed
        model.tc_marked = Averaged([_session(str(args.out / "tc-models" / f"seed{x}.onnx")) for x in g["seeds"]])
        weights(g["mix"], g.get("lex_mix", 0.0))
        f, _ = score(encs)
        groups.append(f)
        rows.append((f"ensemble of seeds {g['seeds']} mixed (weights {g['mix']} / {g.get('lex_mix', 0.0)})",
                     g.get("held_out_tc_f1_mixed", ""), f))
    if lex is not None:  # the lexical classifier alone: all of the mixture's weight on it
        weights(0.0, 1.0)
        f, _ = score(encs)
        rows.append(("lexical classifier alone (tc-lex.npz)", report.get("held_out_lex_tc_f1", ""), f))
    model = TechniqueModel(args.out)  # as shipped (tc.onnx and its ensemble members)
    cfg = model.config["tc_marked"]
    shipped, per_shipped = score(encs)
    what = (f"ensemble of seeds {report['shipped_ensemble']}" if "shipped_ensemble" in report
            else f"tc.onnx (seed {report['shipped_seed']})")
    rows.append((f"shipped: {what}, weights {shipped_mix[0]} / {shipped_mix[1]}", report.get("held_out_tc_f1", ""),
                 shipped))
    if report.get("teachers"):  # a distilled run: its teachers' classifiers averaged, alone
        # read with the teachers' own vocabulary and inputs (another encoder, e.g. all-mpnet-base-v2, has its own)
        teacher_dir = Path(report["teachers"][0]).parent.parent
        teacher_cfg = json.loads((teacher_dir / "config.json").read_text(encoding="utf-8")).get("tc_marked", {})
        tokens, marks = model.tc_tokenizer, model._marks
        model.tc_tokenizer = load_tokenizer(str(teacher_dir / teacher_cfg.get("tokenizer", "tokenizer.json")))
        model._marks = row_settings(model.tc_tokenizer, teacher_cfg)
        model.tc_marked = Averaged([_session(f) for f in report["teachers"]])
        cfg["mix"] = 0.0
        model.tc_lex = None
        f, _ = score(encs)
        rows.append((f"teachers: {len(report['teachers'])} classifiers averaged, alone",
                     report.get("teachers_held_out_tc_f1", ""), f))
        model.tc_tokenizer, model._marks = tokens, marks
    model.tc_marked = None
    model.tc_lex = lex_model
    if lex_model is not None and lex.get("fast_mix"):  # --fast: the shared pass with the lexical classifier
        f, _ = score(encs)
        rows.append((f"`--fast`: shared-pass classifier mixed with the lexical one (weight {lex['fast_mix']})",
                     report.get("held_out_fast_tc_f1", ""), f))
    model.tc_lex = None
    shared, per_shared = score(encs)
    rows.append(("span classifier on the shared encoder pass", report.get("held_out_shared_tc_f1", ""), shared))
    print(f"PTC dev, {len(wanted)} articles, {len(gold)} gold technique rows\n")
    print("| TC classifier | held-out TC micro-F1 | dev TC micro-F1 |")
    print("|---|---:|---:|")
    for name, held, f in rows:
        print(f"| {name} | {held} | {f:.4f} |")
    if len(singles) > 1:
        for name, vals in (("span-marked alone", alone),
                           *((("mixed with the shared-pass classifier", two_way),) if two_way else ()),
                           ("mixed (as shipped)", singles),
                           *((("ensembles, mixed", groups),) if len(groups) > 1 else ())):
            print(f"\n{name}: dev TC micro-F1 mean {statistics.mean(vals):.4f} +- {statistics.stdev(vals):.4f} "
                  f"(sd over {len(vals)} {'ensembles' if vals is groups else 'seeds'})")
    print("\n| technique | shipped | shared-encoder classifier |")
    print("|---|---:|---:|")
    for tech in model.labels:
        print(f"| {tech} | {per_shipped.get(tech, 0.0):.3f} | {per_shared.get(tech, 0.0):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

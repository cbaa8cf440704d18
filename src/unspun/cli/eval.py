"""``unspun eval techniques``: PTC-format predictions for a folder of ``article*.txt``, scored when gold is given."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from unspun.eval.ptc import read_articles, read_si, read_tc, si_scores, tc_scores, write_si, write_tc


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="predict and score techniques on PTC-format articles",
        description="Write SI and TC predictions in the SemEval-2020 Task 11 formats for every article*.txt "
                    "in DIR, and score them (SI P/R/F1 with partial overlaps; TC micro-F1 and per-technique "
                    "F1) when gold files are given.")
    p.add_argument("model", choices=("techniques",))
    p.add_argument("--articles", required=True, metavar="DIR", help="folder of article<ID>.txt files")
    p.add_argument("--gold-si", metavar="F", help="gold SI labels (ID, start, end)")
    p.add_argument("--gold-tc", metavar="F", help="gold TC labels (ID, technique, start, end)")
    p.add_argument("--predict-si", metavar="OUT", help="write SI predictions here")
    p.add_argument("--predict-tc", metavar="OUT", help="write TC predictions here (needs --tc-template or --gold-tc)")
    p.add_argument("--tc-template", metavar="F", help="the spans to label (ID, ?, start, end)")
    p.add_argument("--model-dir", metavar="DIR", help="a model folder (default: the shipped model)")
    p.add_argument("--threshold", type=float, default=None, help="SI threshold (default: the model's)")
    p.add_argument("--fast", action="store_true",
                   help="the model as `analyze --fast` runs it: SI and TC from the shared encoder pass alone")


def run(args: argparse.Namespace) -> int:
    from unspun.models.runtime import DEFAULT_DIR
    from unspun.models.techniques import load_model, tc_rows

    folder = Path(args.articles)
    if not folder.is_dir():
        print(f"{folder}: not a folder", file=sys.stderr)
        return 2
    if args.predict_tc and not (args.tc_template or args.gold_tc):
        print("--predict-tc: needs --tc-template F (the spans to label)", file=sys.stderr)
        return 2
    try:
        articles = read_articles(folder)
        template = read_tc(args.tc_template or args.gold_tc) if (args.tc_template or args.gold_tc) else []
        gold_si = read_si(args.gold_si) if args.gold_si else None
        gold_tc = read_tc(args.gold_tc) if args.gold_tc else None
        model = load_model(args.model_dir or DEFAULT_DIR, args.fast)
    except (OSError, ValueError) as exc:
        print(f"unspun eval: {exc}", file=sys.stderr)
        return 2
    if not articles:
        print(f"{folder}: no article*.txt files", file=sys.stderr)
        return 2
    wanted: dict[str, list[tuple[int, int]]] = {}
    for aid, _, s, e in template:
        wanted.setdefault(aid, []).append((s, e))
    missing = sorted(set(wanted) - set(articles))
    if missing:
        print(f"{args.tc_template or args.gold_tc}: article {missing[0]} not in {folder}", file=sys.stderr)
        return 2
    pred_si, pred_tc = [], []
    for aid, text in articles.items():
        enc = model.encoder.encode(text)
        pred_si += [(aid, s, e) for s, e, _ in model.si(text, enc, args.threshold)]
        if aid in wanted:
            pred_tc += tc_rows(model, aid, text, enc, wanted[aid])
    if args.predict_si:
        write_si(pred_si, args.predict_si)
    if args.predict_tc:
        write_tc(pred_tc, args.predict_tc)
    print(f"model\t{model.ident}\tarticles\t{len(articles)}")
    if gold_si is not None:
        f, p, r = si_scores(pred_si, gold_si)
        print(f"SI\tF1 {f:.6f}\tP {p:.6f}\tR {r:.6f}")
    if gold_tc is not None:
        try:
            micro, per = tc_scores(pred_tc, gold_tc)
        except ValueError as exc:
            print(f"{args.gold_tc}: {exc}", file=sys.stderr)
            return 2
        print(f"TC\tmicro-F1 {micro:.6f}")
        for tech, v in per.items():
            print(f"TC-F1\t{tech}\t{v:.3f}")
    return 0

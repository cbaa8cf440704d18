"""``unspun train techniques``: fine-tune, select on held-out train articles, export ONNX (needs the ``train`` extra)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

MODELS = ("techniques",)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train a model (needs torch: pip install 'unspun[train]')",
        description="Train the technique model on the PTC corpus. Writes OUT/checkpoints, OUT/fp32 and "
                    "OUT/int8 (model folders with model.onnx, heads, tokenizer, config and MODEL_CARD.md).")
    p.add_argument("model", choices=MODELS)
    p.add_argument("--data", required=True, metavar="DIR", help="the PTC folder (train-articles/, *.labels)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/last.pt")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="stop after N optimiser steps")
    p.add_argument("--articles", type=int, default=None, metavar="N", help="use only the first N train articles")
    p.add_argument("--window", type=int, default=256, help="tokens per window, [CLS]/[SEP] included")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=8e-5, help="encoder learning rate (heads: 1e-3)")
    p.add_argument("--frozen", type=int, default=3, metavar="N",
                   help="lowest encoder layers kept frozen (their output is computed once and cached)")
    p.add_argument("--cache", metavar="DIR", help="where to keep the frozen-layer cache (default: OUT)")


def run(args: argparse.Namespace) -> int:
    data = Path(args.data)
    for need in ("techniques.txt", "train-articles", "train-task-si.labels", "train-task-flc-tc.labels"):
        if not (data / need).exists():
            print(f"{data}: not a PTC folder ({need} missing)", file=sys.stderr)
            return 2
    try:
        from unspun.train.techniques import train
    except ImportError as exc:
        print(f"unspun train: needs the train extra (pip install 'unspun[train]'): {exc}", file=sys.stderr)
        return 2
    command = "unspun " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["train"] else \
        f"unspun train techniques --data {args.data} --out {args.out} --seed {args.seed} --epochs {args.epochs}"
    result = train(data, Path(args.out), seed=args.seed, epochs=args.epochs, resume=args.resume,
                   max_steps=args.max_steps, articles=args.articles, window=args.window,
                   batch_size=args.batch_size, lr=args.lr, command=command,
                   frozen=args.frozen, cache=Path(args.cache) if args.cache else None)
    print(f"{args.out}: best epoch {result['best_epoch']}; held-out int8 SI F1 {result['int8']['held_out_si_f1']}, "
          f"TC micro-F1 {result['int8']['held_out_tc_f1']}; {result['train_seconds']} s")
    return 0

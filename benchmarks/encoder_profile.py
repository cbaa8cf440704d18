"""Raw encoder throughput (tokens/s) of an ONNX encoder under onnxruntime: threads x window length.

    python benchmarks/encoder_profile.py [MODEL.onnx ...] [--repeat 5]

Default: the shipped int8 encoder. Random token ids, full attention masks, batches of
1,024 tokens (4 x 256, 8 x 128, 2 x 512), one warm-up run, then the mean of ``--repeat`` runs.
This is the ceiling every head sits under: a 600-word article is ~780 tokens, cut into
4 windows of 256 (1,024 tokens) at run time. Also prints the CPU's vector extensions, since
int8 matrix products only gain much with VNNI/AMX.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "src" / "unspun" / "models" / "techniques" / "model.onnx"


def throughput(path: str, threads: int, length: int, batch: int, repeat: int) -> float:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    ids = np.random.RandomState(0).randint(1000, 20000, (batch, length)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(ids)
    session.run(None, feed)
    t0 = time.perf_counter()
    for _ in range(repeat):
        session.run(None, feed)
    return batch * length * repeat / (time.perf_counter() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", default=[str(SHIPPED)])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    flags = set(re.findall(r"\w+", Path("/proc/cpuinfo").read_text().split("flags", 1)[1].split("\n", 1)[0])) \
        if Path("/proc/cpuinfo").exists() else set()
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"]
    print("CPU vector extensions:", ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in wanted), "\n")
    print("| model | threads | window x batch | tokens/s | 600-word articles/s (1,024 window tokens) |")
    print("|---|---:|---|---:|---:|")
    for path in args.models:
        for threads in (1, 2):
            for length, batch in ((256, 4), (128, 8), (512, 2)):
                tps = throughput(path, threads, length, batch, args.repeat)
                name = "/".join(Path(path).parts[-2:])
                print(f"| {name} | {threads} | {length} x {batch} | {tps:,.0f} | {tps / 1024:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

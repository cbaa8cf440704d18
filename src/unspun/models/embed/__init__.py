"""Sentence embeddings at run time: all-MiniLM-L6-v2 as int8 ONNX, onnxruntime + tokenizers only.

Each sentence is tokenised (truncated to the folder's ``max_tokens``), sentences of similar
length are batched together, and the token states are mean-pooled over the attention mask and
L2-normalised, as sentence-transformers does for this model — so a dot product is a cosine.
The model is loaded once per process, on first use (``load_embedder``). Files beside this
module: ``model.onnx``, ``tokenizer.json``, ``config.json``, ``MODEL_CARD.md`` (exported by
``python -m unspun.train.embed``).

>>> e = load_embedder()
>>> v = e.embed(["The strike went on for a third day.", "Workers kept up their walkout for a third day."])
>>> v.shape, bool(abs(float((v[0] * v[0]).sum()) - 1) < 1e-4)
((2, 384), True)
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_DIR = Path(__file__).resolve().parent


class SentenceEmbedder:
    """Tokeniser + ONNX encoder + mean pooling for one model folder."""

    def __init__(self, model_dir: str | os.PathLike = DEFAULT_DIR) -> None:
        from tokenizers import Tokenizer

        self.dir = Path(model_dir)
        self.config = json.loads((self.dir / "config.json").read_text(encoding="utf-8"))
        self.max_tokens = int(self.config.get("max_tokens", 128))
        self.dim = int(self.config.get("dim", 384))
        self.tokenizer = Tokenizer.from_file(str(self.dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        self.session = _session(str(self.dir / "model.onnx"))
        self.inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, sentences: list[str], batch_tokens: int = 4096, max_tokens: int | None = None) -> np.ndarray:
        """A ``(len(sentences), dim)`` float32 array of unit vectors. Sentences are sorted by
        length and run in batches of about ``batch_tokens`` tokens (padding stays small);
        ``max_tokens`` (at most the folder's) cuts long sentences shorter, [SEP] kept."""
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        if not sentences:
            return out
        limit = min(max_tokens or self.max_tokens, self.max_tokens)
        encs = [e.ids if len(e.ids) <= limit else e.ids[:limit - 1] + e.ids[-1:]
                for e in self.tokenizer.encode_batch(list(sentences))]
        lengths = np.array([len(e) for e in encs])
        order = np.argsort(lengths, kind="stable")
        k = 0
        while k < len(order):
            width = int(lengths[order[k]])
            n = max(1, batch_tokens // max(width, 1))
            take = order[k:k + n]
            width = int(lengths[take].max())
            ids = np.zeros((len(take), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, j in enumerate(take.tolist()):
                e = encs[j]
                ids[row, :len(e)] = e
                mask[row, :len(e)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            states = self.session.run(None, feed)[0]
            out[take] = pool(states, mask)
            k += len(take)
        return out


def pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token states over the mask, L2-normalised."""
    m = mask[..., None].astype(np.float32)
    v = (states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _session(path: str):
    """An onnxruntime session with its worker threads sleeping rather than spinning between
    batches: on a machine shared with other work, spinning threads cost more than they save."""
    import onnxruntime as ort

    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: model file missing (reinstall unspun or pass a model folder)")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(os.environ.get("UNSPUN_THREADS", "0")) or min(os.cpu_count() or 1, 4)
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=None)
def load_embedder(model_dir: str | os.PathLike = DEFAULT_DIR) -> SentenceEmbedder:
    """The sentence embedder of ``model_dir``, loaded once per process."""
    return SentenceEmbedder(model_dir)

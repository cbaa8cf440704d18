"""Sentence embeddings at run time: all-MiniLM-L6-v2 as int8 ONNX, onnxruntime + tokenizers only.

Each sentence is tokenised (truncated to the folder's ``max_tokens``), sentences of similar
length are batched together, and the token states are mean-pooled over the attention mask and
L2-normalised, as sentence-transformers does for this model — so a dot product is a cosine.
The model is loaded once per process, on first use (``load_embedder``). Files beside this
module: ``model.onnx``, ``tokenizer.json``, ``config.json``, ``MODEL_CARD.md`` (exported by
``python -m unspun.train.embed``).

The example loads the model and the doctests load no model, so they skip it
(tests/test_embed.py checks the same shape and unit length):

>>> e = load_embedder()  # doctest: +SKIP
>>> v = e.embed(["The strike went on for a third day.",  # doctest: +SKIP
...              "Workers kept up their walkout for a third day."])
>>> v.shape, bool(abs(float((v[0] * v[0]).sum()) - 1) < 1e-4)  # doctest: +SKIP
((2, 384), True)
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from unspun.models.runtime import _session

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
        encs = truncated_ids(self.tokenizer, sentences, limit)
        for take, ids, mask in length_batches(encs, batch_tokens):
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            out[take] = pool(self.session.run(None, feed)[0], mask)
        return out


def truncated_ids(tokenizer, texts: list[str], limit: int) -> list[list[int]]:
    """Token ids of each text, cut to ``limit`` tokens with the final [SEP] kept."""
    return [e.ids if len(e.ids) <= limit else e.ids[:limit - 1] + e.ids[-1:] for e in tokenizer.encode_batch(list(texts))]


def length_batches(encs: list[list[int]], batch_tokens: int = 4096):
    """``(rows, input_ids, attention_mask)`` batches of sequences of similar length (each at most
    1.3 times the batch's shortest + 8 tokens) and at most about ``batch_tokens`` padded tokens,
    so that padding stays small; ``rows`` index ``encs``. (One batch padded to the longest
    sentence of an article costs about three times as much.)"""
    lengths = np.array([len(e) for e in encs])
    order = np.argsort(lengths, kind="stable")
    k = 0
    while k < len(order):
        limit = 1.3 * int(lengths[order[k]]) + 8
        j = k + 1
        while j < len(order) and lengths[order[j]] <= limit and (j - k + 1) * lengths[order[j]] <= batch_tokens:
            j += 1
        take = order[k:j]
        ids = np.zeros((len(take), int(lengths[take].max())), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, i in enumerate(take.tolist()):
            ids[row, :len(encs[i])] = encs[i]
            mask[row, :len(encs[i])] = 1
        yield take, ids, mask
        k = j


def pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token states over the mask, L2-normalised."""
    m = mask[..., None].astype(np.float32)
    v = (states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)




@lru_cache(maxsize=None)
def load_embedder(model_dir: str | os.PathLike = DEFAULT_DIR) -> SentenceEmbedder:
    """The sentence embedder of ``model_dir``, loaded once per process."""
    return SentenceEmbedder(model_dir)

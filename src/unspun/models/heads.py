"""The attribution and sentence heads that read the shared encoder pass (issue 4).

One ONNX encoder pass per window (``unspun.models.runtime``) gives every token two states:
``hidden`` (the top of the technique encoder) and ``mid`` (after its lower, general-purpose
layers). Heads trained on those frozen states:

- **attribution tagger** (``attribution.onnx``): [hidden; mid; surface features] -> a
  projection, a bidirectional LSTM over the whole article and, per role (Source, Cue,
  Content), O/B/I. Roles are tagged independently, so a source inside another quotation's
  content (nested reported speech) keeps both.
- **sentence heads** (``sentence.npz``): the mean of a sentence's [hidden; mid] states ->
  one MLP per judgement: ``subjectivity`` (NewsSD-ENG) and ``bias`` (BABE), each a
  probability. Read only where they are used: not where a sentence model replaces them.
- **sentence model** (``sentence-model.onnx``, when the folder's config names it under
  ``heads.sentence_model``): a MiniLM fine-tuned whole on the same two tasks
  (``unspun train sentences``), run over each sentence's own text; where it is present it
  gives ``subjectivity`` and ``bias`` instead of the frozen-state heads.
- **attribution model** (``attribution-model.onnx``, when the config names it under
  ``heads.attribution_model``): a MiniLM fine-tuned whole on PolNeAR windows with its own
  BiLSTM tagger (``unspun train attribution``); its role probabilities are mixed with the
  tagger's by the weight, and decoded with the thresholds, chosen when it was trained.

Both live in the technique model folder beside ``model.onnx``; loaded once per process.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from unspun.models.attribution_features import token_features
from unspun.models.runtime import DEFAULT_DIR, Encoding, _session

ROLES = ("Source", "Cue", "Content")
TASKS = ("subjectivity", "bias")  # the sentence model's outputs, in order


@dataclass(frozen=True)
class RoleSpan:
    role: str  # Source, Cue or Content
    start: int
    end: int
    score: float


class Heads:
    """The attribution tagger and the sentence heads of one model folder."""

    def __init__(self, model_dir: str | os.PathLike = DEFAULT_DIR) -> None:
        self.dir = Path(model_dir)
        cfg = json.loads((self.dir / "config.json").read_text(encoding="utf-8")).get("heads", {})
        self.config = cfg
        self.tagger = _session(str(self.dir / cfg.get("attribution", "attribution.onnx")))
        sm = cfg.get("sentence_model")
        self.sentence_model = SentenceModel(self.dir / sm["file"], self.dir / sm.get("tokenizer", "tokenizer.json"),
                                            sm.get("tasks", TASKS), sm.get("max_tokens", 128)) if sm else None
        am = cfg.get("attribution_model")
        self.attribution_model = AttributionModel(self.dir, am) if am else None

    @cached_property
    def sentence(self) -> dict[str, np.ndarray]:
        """The frozen-state sentence heads' weights (``sentence.npz``), read when first needed: a
        folder with a sentence model reads them only for ``sentence_scores`` without the text."""
        with np.load(self.dir / self.config.get("sentence", "sentence.npz")) as z:
            return {k: z[k] for k in z.files}

    @property
    def judgements(self) -> list[str]:
        """The frozen-state heads' judgements (``subjectivity``, ``bias``)."""
        return [k[:-3] for k in self.sentence if k.endswith("_w1")]

    # -- attribution ----------------------------------------------------------------------
    def _inputs(self, text: str, enc: Encoding) -> np.ndarray:
        if enc.mid is None:
            raise ValueError("the encoder does not export the mid states the heads need")
        feats = token_features(text, enc.offsets)
        return np.concatenate([enc.hidden, enc.mid, feats], axis=1).astype(np.float32)[None]

    def role_probs(self, text: str, enc: Encoding) -> np.ndarray:
        """(N, 3 roles, 3) probabilities of O/B/I per token."""
        if len(enc.offsets) == 0:
            return np.zeros((0, 3, 3), dtype=np.float32)
        logits = self.tagger.run(None, {"states": self._inputs(text, enc)})[0][0]
        logits = logits - logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=-1, keepdims=True)

    def roles(self, text: str, enc: Encoding, other: np.ndarray | None = None, mix: float = 0.0,
              thresholds: list[float] | None = None) -> list[RoleSpan]:
        """Source, Cue and Content spans (widened to whole words), in text order. ``other``: another
        model's (N, 3, 3) role probabilities (the span model's), mixed as ``(1 - mix) other + mix
        tagger`` and decoded with ``thresholds`` (both chosen when that model was trained)."""
        probs = self.role_probs(text, enc)
        if other is not None:
            probs = (1.0 - mix) * other + mix * probs if mix < 1.0 else probs
            return decode_roles(text, enc.offsets, probs, thresholds)
        return decode_roles(text, enc.offsets, probs, self.config.get("thresholds"))

    def attribution_ident(self, model: bool = True) -> str:
        """``name@hash8`` of what gives the attribution roles: the attribution model (mixed with the
        tagger) where there is one and ``model``, else the tagger."""
        from unspun.models.techniques import _file_hash

        if model and self.attribution_model is not None:
            return f"attribution-model@{_file_hash(str(self.attribution_model.path))}"
        return f"attribution-tagger@{_file_hash(str(self.dir / self.config.get('attribution', 'attribution.onnx')))}"

    # -- sentences ------------------------------------------------------------------------
    @property
    def sentence_ident(self) -> str:
        """``name@hash8`` of what gives the sentence judgements: the sentence model, else the heads."""
        from unspun.models.techniques import _file_hash

        if self.sentence_model is not None:
            return f"sentence-model@{_file_hash(str(self.sentence_model.path))}"
        return f"sentence-heads@{_file_hash(str(self.dir / self.config.get('sentence', 'sentence.npz')))}"

    def sentence_scores(self, enc: Encoding, ranges: list[tuple[int, int]], text: str | None = None) -> dict[str, np.ndarray]:
        """Probability of each judgement (``subjectivity``, ``bias``) for character ranges of
        ``text``: from the sentence model where the folder has one (it reads the text), else
        from the heads over the encoder's states."""
        if self.sentence_model is not None and text is not None:
            return self.sentence_model.scores([text[s:e] for s, e in ranges])
        if not ranges:
            return {k: np.zeros(0, dtype=np.float32) for k in self.judgements}
        rows = []
        for s, e in ranges:
            i, j = enc.tokens_in(s, e)
            if j <= i:
                rows.append(np.zeros(enc.hidden.shape[1] * 2, dtype=np.float32))
                continue
            rows.append(np.concatenate([enc.hidden[i:j].mean(axis=0), enc.mid[i:j].mean(axis=0)]))
        x = np.stack(rows).astype(np.float32)
        return {k: mlp_probability(self.sentence, k, x) for k in self.judgements}


class AttributionModel:
    """An encoder fine-tuned on the attribution roles (``unspun train attribution``): ONNX graph
    ``input_ids, attention_mask, feats -> roles [B, T, 3, 3]`` over overlapping windows, stitched as
    the span model's are. ``config``: ``file``, ``tokenizer``, ``window``, ``overlap``, ``mix`` (the
    tagger's weight) and ``thresholds``."""

    def __init__(self, folder: Path, config: dict) -> None:
        from unspun.models.runtime import load_tokenizer

        self.path = folder / config["file"]
        self.config = config
        self.session = _session(str(self.path))
        self.tokenizer = load_tokenizer(str(folder / config.get("tokenizer", "tokenizer.json")))
        self.cls_id, self.sep_id = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")

    def role_probs(self, text: str, offsets: np.ndarray) -> np.ndarray:
        """(N, 3 roles, 3) O/B/I probabilities for the N tokens at ``offsets`` (the shared encoder's):
        the model reads its own tokens; each of those tokens gives its probabilities to the token at
        ``offsets`` that starts in it (the same tokens when the tokenizers are the same)."""
        from unspun.models.techniques.spanmodel import article_probs

        tok = self.tokenizer.encode(text, add_special_tokens=False)
        own = np.asarray(tok.offsets, dtype=np.int64).reshape(-1, 2)
        if len(own) == 0 or len(offsets) == 0:
            return np.zeros((len(offsets), 3, 3), dtype=np.float32)

        def fn(ids: np.ndarray, mask: np.ndarray, feats: np.ndarray) -> np.ndarray:
            return self.session.run(["roles"], {"input_ids": ids, "attention_mask": mask, "feats": feats})[0]

        probs = article_probs(fn, np.asarray(tok.ids, dtype=np.int64), token_features(text, own), self.cls_id,
                              self.sep_id, int(self.config.get("window", 256)), int(self.config.get("overlap", 64)))
        return carry_probs(probs, own, offsets)


def carry_probs(probs: np.ndarray, own: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per-token ``probs`` of the tokens at ``own`` offsets, given to the tokens at ``offsets`` (of
    another tokenizer): each takes those of the token it starts in (``probs`` itself when the
    offsets are the same)."""
    if len(own) == len(offsets) and np.array_equal(own, offsets):
        return probs
    at = np.clip(np.searchsorted(own[:, 0], offsets[:, 0], side="right") - 1, 0, len(own) - 1)
    return probs[at]


class SentenceModel:
    """An encoder fine-tuned on the sentence tasks (``unspun train sentences``): ONNX graph
    ``input_ids, attention_mask -> probs [B, tasks]`` and its tokenizer; each sentence is
    cut to ``max_tokens`` and sentences of similar length run together."""

    def __init__(self, model: Path, tokenizer: Path, tasks=TASKS, max_tokens: int = 128) -> None:
        from tokenizers import Tokenizer

        self.path = Path(model)
        self.session = _session(str(model))
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.tasks = list(tasks)
        self.max_tokens = int(max_tokens)

    def scores(self, sentences: list[str]) -> dict[str, np.ndarray]:
        """Each task's probability for each sentence."""
        from unspun.models.embed import length_batches, truncated_ids

        out = np.zeros((len(sentences), len(self.tasks)), dtype=np.float32)
        for take, ids, mask in length_batches(truncated_ids(self.tokenizer, sentences, self.max_tokens)):
            out[take] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return {k: out[:, t] for t, k in enumerate(self.tasks)}


def mlp_probability(weights: dict[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    """P(positive) from a standardise -> linear -> GELU -> linear(2) head stored under ``name``."""
    z = (x - weights[f"{name}_mu"]) / weights[f"{name}_sd"]
    h = z @ weights[f"{name}_w1"].T + weights[f"{name}_b1"]
    h = 0.5 * h * (1.0 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))
    logits = h @ weights[f"{name}_w2"].T + weights[f"{name}_b2"]
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return (p[:, 1] / p.sum(axis=1)).astype(np.float32)


def role_labels(probs: np.ndarray, thresholds=None) -> np.ndarray:
    """(N, 3) tags 0 O / 1 B / 2 I: a token is inside a role's span when ``P(B) + P(I)`` reaches
    that role's threshold (chosen on held-out training articles; default 0.5), and opens a new
    span when ``P(B) >= P(I)``."""
    if len(probs) == 0:
        return np.zeros((0, 3), dtype=np.int64)
    t = np.asarray(thresholds if thresholds is not None else [0.5, 0.5, 0.5], dtype=np.float32)
    inside = (1.0 - probs[..., 0]) >= t
    return np.where(inside, np.where(probs[..., 1] >= probs[..., 2], 1, 2), 0)


def decode_roles(text: str, offsets: np.ndarray, probs: np.ndarray, thresholds=None) -> list[RoleSpan]:
    """BIO decoding per role: a span starts at B (or an I after O) and runs over the I's.

    Each span is widened to whole words; its score is the mean probability of its tags.

    >>> text = "Smith said no."
    >>> offsets = np.array([[0, 5], [6, 10], [11, 13], [13, 14]])
    >>> p = np.zeros((4, 3, 3)); p[:, :, 0] = 1
    >>> p[0, 0] = [0, 1, 0]; p[1, 1] = [0, 1, 0]; p[2, 2] = [0, 1, 0]; p[3, 2] = [0, 0, 1]
    >>> [(s.role, text[s.start:s.end]) for s in decode_roles(text, offsets, p)]
    [('Source', 'Smith'), ('Cue', 'said'), ('Content', 'no.')]
    """
    out: list[RoleSpan] = []
    labels = role_labels(probs, thresholds)
    for r, role in enumerate(ROLES):
        cur: list[float] | None = None  # [start, end, score sum, count]
        for i in range(len(offsets)):
            lab = labels[i, r]
            if lab == 0 or (lab == 1 and cur is not None):
                if cur is not None:
                    out.append(_span(text, role, cur))
                cur = None
            if lab == 0:
                continue
            if cur is None:
                cur = [int(offsets[i, 0]), int(offsets[i, 1]), 0.0, 0]
            cur[1] = int(offsets[i, 1])
            cur[2] += float(1.0 - probs[i, r, 0])
            cur[3] += 1
        if cur is not None:
            out.append(_span(text, role, cur))
    out.sort(key=lambda s: (s.start, s.end, s.role))
    return out


def _span(text: str, role: str, cur: list) -> RoleSpan:
    s, e = int(cur[0]), int(cur[1])
    while s > 0 and text[s - 1].isalnum():
        s -= 1
    while e < len(text) and text[e].isalnum():
        e += 1
    return RoleSpan(role, s, e, round(cur[2] / max(cur[3], 1), 4))


@lru_cache(maxsize=None)
def load_heads(model_dir: str | os.PathLike = DEFAULT_DIR) -> Heads:
    """The heads of ``model_dir``, loaded once per process."""
    return Heads(model_dir)

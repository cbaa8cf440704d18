"""The persuasion-technique model: span identification (SI) and technique classification (TC).

Small heads read the stitched encoder states of ``unspun.models.runtime``:

- SI: O/B/I per token, from the span model ``si-model.onnx`` when the folder has one (a second
  encoder fine-tuned whole with a BiLSTM tagger, ``unspun train si``; ``spanmodel.py``), else from
  the span head ``si.onnx`` (a BiLSTM over the shared pass's [hidden; mid; surface features],
  several seeds averaged; ``unspun train spans``), else the linear tagger of ``heads.npz``. A token is inside a span when ``P(B) + P(I)`` reaches the
  threshold chosen on held-out training articles; a new span starts where ``B`` beats ``I``.
- TC: a span classifier over [CLS of the span's window, mean of the span's token states,
  span features] -> 14 techniques (one MLP layer; ``tc.npz``, when present, replaces it with
  averaged MLPs over other span parts). Span features: length, how often the span recurs in the
  article, ``!``/``?``, capitals, title line, inside quotation marks. When the folder has
  ``tc.onnx`` (``unspun train tc``), TC runs that second, fine-tuned encoder over each span marked
  in its line instead (``marked.py``; with ``tc_marked.members``, several such classifiers
  averaged), mixed with the shared-pass classifier and, when the folder has ``tc-lex.npz``, a
  linear classifier over the span's words and letters (``lexical.py``) by the weights chosen on
  held-out training articles (config ``tc_marked.mix``, ``tc_lex.mix``). Without the span-marked
  classifier (``--fast``) the lexical one is mixed with the shared-pass classifier alone
  (``tc_lex.fast_mix``, also chosen on held-out articles).

Files: model.onnx (int8 encoder), tokenizer.json, heads.npz, si.onnx, si-model.onnx, tc.onnx, tc-lex.npz, config.json (with the label
names and each head's settings), MODEL_CARD.md.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from unspun.models.attribution_features import token_features
from unspun.models.runtime import DEFAULT_DIR, Encoder, Encoding, Forward, _session, load_tokenizer
from unspun.models.techniques.lexical import Lexical
from unspun.models.techniques.marked import line_bounds, marked_batch, marked_row, row_settings
from unspun.models.techniques.spanmodel import article_probs

N_FEATURES = 9
_QUOTES_OPEN = "\"“«„"
_QUOTES_CLOSE = "\"”»“"


@dataclass(frozen=True)
class TechniqueSpan:
    start: int
    end: int
    label: str
    score: float


def span_features(text: str, start: int, end: int, norm_counts: dict[str, int] | None = None) -> np.ndarray:
    """The hand-made features of span ``[start, end)`` of ``text`` (shared by training and run time)."""
    piece = text[start:end]
    key = _norm(piece)
    if norm_counts is not None and key in norm_counts:
        count = norm_counts[key]
    else:
        count = _norm(text).count(key) if key else 1
    letters = [c for c in piece if c.isalpha()]
    upper = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
    line_start, line_end = line_bounds(text, start, end)
    before, after = text[line_start:start], text[end:line_end]
    quoted = float(sum(before.count(q) for q in _QUOTES_OPEN) % 2 == 1
                   or (piece[:1] in _QUOTES_OPEN and piece[-1:] in _QUOTES_CLOSE)
                   or (before.rstrip()[-1:] in _QUOTES_OPEN and after.lstrip()[:1] in _QUOTES_CLOSE))
    words = len(piece.split())
    return np.array([
        math.log1p(len(piece)) / 5.0,
        math.log1p(words) / 3.0,
        math.log1p(max(count - 1, 0)),
        float(count > 1),
        float("!" in piece or after.lstrip()[:1] == "!"),
        float("?" in piece or after.lstrip()[:1] == "?"),
        upper,
        float(line_start == 0),
        quoted,
    ], dtype=np.float32)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip()


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


class TechniqueModel:
    """SI + TC heads over one encoder. ``forward`` replaces the ONNX encoder (e.g. torch at training)."""

    def __init__(self, model_dir: str | os.PathLike = DEFAULT_DIR, forward: Forward | None = None,
                 onnx_file: str = "model.onnx", heads: dict | None = None) -> None:
        self.dir = Path(model_dir)
        self.encoder = Encoder(self.dir, forward=forward, onnx_file=onnx_file)
        self.config = self.encoder.config
        self.labels: list[str] = list(self.config["labels"])
        if heads is None:
            with np.load(self.dir / "heads.npz") as z:
                heads = {k: z[k].astype(np.float32) for k in z.files}
        self.heads = heads
        self.name = self.config.get("name", "techniques")
        # the span head (``si.onnx``: a BiLSTM over [hidden; mid; surface features]) when the folder
        # has one and the encoder exports ``mid``; else the linear O/B/I head of ``heads.npz``
        span = self.config.get("si_head")
        self.span_head = None
        if span and "mid" in self.config.get("outputs", []) and (self.dir / span["file"]).exists():
            self.span_head = _session(str(self.dir / span["file"]))
            self.decoding = {k: span[k] for k in ("threshold", "gap", "min_tokens")}
        else:
            self.decoding = {"threshold": float(self.config.get("threshold", 0.5)),
                             "gap": int(self.config.get("gap", 0)), "min_tokens": int(self.config.get("min_tokens", 1))}
        # the span model (``si-model.onnx``: a second encoder with its own tagger, ``unspun train si``)
        # when the folder has one; it takes precedence over both SI heads above
        si_model = self.config.get("si_model")
        self.si_model = None
        if si_model and (self.dir / si_model["file"]).exists():
            self.si_model = _session(str(self.dir / si_model["file"]))
            self.decoding = {k: si_model[k] for k in ("threshold", "gap", "min_tokens")}
        self.threshold = float(self.decoding["threshold"])
        # the span classifier (``tc.npz``: averaged MLPs over the parts named in ``inputs``) when the
        # folder has one; else the MLP of ``heads.npz`` over [window CLS; span mean; span features]
        tc = self.config.get("tc_head")
        self.tc_head = None
        if tc and "mid" in self.config.get("outputs", []) and (self.dir / tc["file"]).exists():
            with np.load(self.dir / tc["file"]) as z:
                self.tc_head = {k: z[k].astype(np.float32) for k in z.files}
            self.tc_inputs = list(tc["inputs"])
        # the span-marked classifier (``tc.onnx``: a second encoder over each span marked in its line,
        # ``unspun train tc``) when the folder has one; it takes precedence over both heads above
        marked = self.config.get("tc_marked")
        self.tc_marked = None
        if marked and (self.dir / marked["file"]).exists():
            self.tc_marked = Averaged([_session(str(self.dir / f)) for f in _marked_files(marked)])
            # the classifier's own vocabulary when its encoder is not the shared one
            self.tc_tokenizer = (load_tokenizer(str(self.dir / marked["tokenizer"])) if marked.get("tokenizer")
                                 else self.encoder.tokenizer)
            self._marks = row_settings(self.tc_tokenizer, marked)
        # the lexical classifier (``tc-lex.npz``, ``unspun.models.techniques.lexical``), mixed with the
        # span-marked one by the weight chosen at training (``tc_lex.mix``), and with the shared-pass
        # classifier alone when the span-marked one is not run (``--fast``: ``tc_lex.fast_mix``)
        lex = self.config.get("tc_lex")
        self.tc_lex = None
        if self.tc_marked is not None and lex and (self.dir / lex["file"]).exists():
            self.tc_lex = Lexical(self.dir / lex["file"])

    @property
    def ident(self) -> str:
        """``name@hash8``: the model's name and the first 8 hex digits of its weights' SHA-256."""
        files = [str(self.dir / 'model.onnx'), str(self.dir / 'heads.npz')]
        if self.span_head is not None:
            files.append(str(self.dir / self.config["si_head"]["file"]))
        if self.si_model is not None:
            files.append(str(self.dir / self.config["si_model"]["file"]))
        if self.tc_head is not None:
            files.append(str(self.dir / self.config["tc_head"]["file"]))
        if self.tc_marked is not None:
            files += [str(self.dir / f) for f in _marked_files(self.config["tc_marked"])]
        if self.tc_lex is not None:
            files.append(str(self.dir / self.config["tc_lex"]["file"]))
        return f"{self.name}@{_file_hash(*files)}"

    def shared_pass(self) -> "TechniqueModel":
        """This model with SI and TC read from the shared encoder pass alone: no span model, no
        span-marked classifier (``--fast``: about twice as fast, lower quality)."""
        m = copy.copy(self)
        m.si_model = m.tc_marked = None
        if not float(self.config.get("tc_lex", {}).get("fast_mix", 0.0)):
            m.tc_lex = None
        head = self.config["si_head"] if self.span_head is not None else self.config
        m.decoding = {"threshold": float(head.get("threshold", 0.5)), "gap": int(head.get("gap", 0)),
                      "min_tokens": int(head.get("min_tokens", 1))}
        m.threshold = m.decoding["threshold"]
        return m

    # -- SI ----------------------------------------------------------------------------
    def token_probs(self, enc: Encoding, text: str | None = None) -> np.ndarray:
        """(N, 3) probabilities of O, B, I per token (the span model and head need ``text``). The span
        model's are mixed with the shared pass's by the weight chosen at training (``si_model.mix``)."""
        if self.si_model is not None and text is not None:
            probs = self._span_model_probs(text, enc)
            mix = float(self.config["si_model"].get("mix", 0.0))
            if mix > 0.0:
                probs = (1.0 - mix) * probs + mix * self._shared_token_probs(enc, text)
            return probs
        return self._shared_token_probs(enc, text)

    def _shared_token_probs(self, enc: Encoding, text: str | None) -> np.ndarray:
        """O/B/I of the shared encoder pass: the span head when the folder has one, else the linear head."""
        if self.span_head is not None and text is not None and enc.mid is not None:
            if len(enc.offsets) == 0:
                return np.zeros((0, 3), dtype=np.float32)
            x = np.concatenate([enc.hidden, enc.mid, token_features(text, enc.offsets)], axis=1)
            return self.span_head.run(None, {"states": x.astype(np.float32)[None]})[0][0]
        return _softmax(enc.hidden @ self.heads["si_w"].T + self.heads["si_b"])

    def _span_model_probs(self, text: str, enc: Encoding) -> np.ndarray:
        return self._span_model_outputs(text, enc)[0]

    def span_model_roles(self, text: str, enc: Encoding) -> np.ndarray | None:
        """(N, 3 roles, 3) O/B/I probabilities of Source, Cue and Content from the span model, when it
        was trained with them (``unspun train si --attribution``; config ``si_model.roles``); else None."""
        if self.si_model is None or "roles" not in self.config["si_model"]:
            return None
        return self._span_model_outputs(text, enc)[1]

    def _span_model_outputs(self, text: str, enc: Encoding) -> tuple[np.ndarray, np.ndarray | None]:
        """The span model's SI (and attribution) probabilities, computed once per encoding."""
        key = ("span_model", self.config["si_model"]["file"])
        if key in enc.cache:
            return enc.cache[key]
        tok = self.encoder.tokenizer.encode(text, add_special_tokens=False)
        ids = np.asarray(tok.ids, dtype=np.int64)
        cfg = self.config["si_model"]
        names = ["probs", "roles"] if "roles" in cfg else ["probs"]

        def fn(b_ids: np.ndarray, b_mask: np.ndarray, b_feats: np.ndarray):
            return tuple(self.si_model.run(names, {"input_ids": b_ids, "attention_mask": b_mask, "feats": b_feats}))

        got = article_probs(fn, ids, token_features(text, enc.offsets), self.encoder.cls_id,
                            self.encoder.sep_id, int(cfg.get("window", 256)), int(cfg.get("overlap", 64)))
        out = (got[0], got[1] if len(names) == 2 else None)
        enc.cache[key] = out
        return out

    def si(self, text: str, enc: Encoding, threshold: float | None = None, gap: int | None = None,
           min_tokens: int | None = None, probs: np.ndarray | None = None) -> list[tuple[int, int, float]]:
        """Propaganda spans ``(start, end, score)``: runs of in-span tokens (gaps of up to ``gap``
        tokens between two runs filled, runs shorter than ``min_tokens`` dropped), widened to whole
        words; a span never crosses a line break. The defaults come from the model's config
        (chosen on held-out training articles)."""
        t = self.threshold if threshold is None else threshold
        gap = int(self.decoding["gap"]) if gap is None else gap
        min_tokens = int(self.decoding["min_tokens"]) if min_tokens is None else min_tokens
        probs = self.token_probs(enc, text) if probs is None else probs
        inside = probs[:, 1] + probs[:, 2]
        mask = inside >= t
        starts, ends = enc.offsets[:, 0], enc.offsets[:, 1]
        newline = np.zeros(len(inside), dtype=bool)  # a line break between token i-1 and token i
        for i in np.nonzero(starts[1:] > ends[:-1])[0] + 1:
            newline[i] = "\n" in text[ends[i - 1]:starts[i]]
        if gap:
            on = np.nonzero(mask)[0]
            for a, b in zip(on, on[1:]):
                if 1 < b - a <= gap + 1 and not newline[a + 1:b + 1].any():
                    mask[a + 1:b] = True
        spans: list[tuple[int, int, float]] = []
        run: list[int] = []

        def close() -> None:
            if len(run) >= min_tokens:
                s, e = int(enc.offsets[run[0], 0]), int(enc.offsets[run[-1], 1])
                s, e = _widen(text, s, e)
                spans.append((s, e, float(inside[run].mean())))
            run.clear()

        for i in range(len(inside)):
            if newline[i]:
                close()
            if mask[i]:
                starts_word = i == 0 or enc.offsets[i, 0] > enc.offsets[i - 1, 1]
                if run and probs[i, 1] > probs[i, 2] and starts_word and inside[i] >= t:
                    close()
                run.append(i)
            else:
                close()
        close()
        return _merge_overlaps(spans)

    # -- TC ----------------------------------------------------------------------------
    def classify(self, text: str, enc: Encoding, spans: list[tuple[int, int]]) -> np.ndarray:
        """(len(spans), 14) technique probabilities for character spans of ``text``."""
        if not spans:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        counts: dict[str, int] = {}
        ntext = _norm(text)
        for s, e in spans:
            key = _norm(text[s:e])
            if key not in counts:
                counts[key] = ntext.count(key) if key else 1
        if self.tc_marked is not None:
            feats = np.stack([span_features(text, s, e, counts) for s, e in spans])
            probs = self._classify_marked(text, spans, feats)
            mix = float(self.config["tc_marked"].get("mix", 0.0))
            lex_mix = float(self.config["tc_lex"].get("mix", 0.0)) if self.tc_lex is not None else 0.0
            if mix <= 0.0 and lex_mix <= 0.0:
                return probs
            probs = (1.0 - mix - lex_mix) * probs
            if mix > 0.0:
                enc = enc if enc is not None else self.encoder.encode(text)
                probs += mix * self._classify_shared(text, enc, spans, counts)
            if lex_mix > 0.0:
                probs += lex_mix * self.tc_lex.probs(text, spans, feats)
            return probs
        probs = self._classify_shared(text, enc, spans, counts)
        fast_mix = float(self.config["tc_lex"].get("fast_mix", 0.0)) if self.tc_lex is not None else 0.0
        if fast_mix > 0.0:  # the shared pass alone (--fast): the lexical classifier beside it
            feats = np.stack([span_features(text, s, e, counts) for s, e in spans])
            probs = (1.0 - fast_mix) * probs + fast_mix * self.tc_lex.probs(text, spans, feats)
        return probs

    def _classify_shared(self, text: str, enc: Encoding, spans: list[tuple[int, int]],
                         counts: dict[str, int]) -> np.ndarray:
        """The span classifier on the shared encoder pass (``tc.npz`` or the MLP of ``heads.npz``)."""
        if self.tc_head is not None:
            x = np.stack([span_vector(text, enc, s, e, counts, self.tc_inputs) for s, e in spans])
            return tc_probabilities(self.tc_head, x)
        x = np.stack([span_vector(text, enc, s, e, counts, ("cls", "mean", "feats")) for s, e in spans])
        h = _gelu(x @ self.heads["tc_w1"].T + self.heads["tc_b1"])
        return _softmax(h @ self.heads["tc_w2"].T + self.heads["tc_b2"])

    def _classify_marked(self, text: str, spans: list[tuple[int, int]], feats: np.ndarray,
                         batch: int = 32) -> np.ndarray:
        tok = self.tc_tokenizer.encode(text, add_special_tokens=False)
        ids = np.asarray(tok.ids, dtype=np.int64)
        offsets = np.asarray(tok.offsets, dtype=np.int64).reshape(-1, 2)
        if len(ids) == 0:
            return np.full((len(spans), len(self.labels)), 1.0 / len(self.labels), dtype=np.float32)
        rows = [marked_row(text, ids, offsets, s, e, **self._marks) for s, e in spans]
        order = sorted(range(len(rows)), key=lambda k: len(rows[k][0]))  # similar lengths share a batch
        out = np.zeros((len(spans), len(self.labels)), dtype=np.float32)
        for k in range(0, len(order), batch):
            part = order[k:k + batch]
            b_ids, b_att, b_span = marked_batch([rows[i] for i in part])
            out[part] = self.tc_marked.run(["probs"], {"input_ids": b_ids, "attention_mask": b_att,
                                                       "span_mask": b_span, "feats": feats[part]})[0]
        return out

    def predict(self, text: str, enc: Encoding | None = None, min_score: float | None = None,
                threshold: float | None = None,
                within: list[tuple[int, int]] | None = None) -> list[TechniqueSpan]:
        """SI then TC: labelled spans, cut to the ``within`` ranges when given. A second technique
        is kept on a span when its probability is at least half the first's.
        ``score`` = SI score x technique probability."""
        enc = enc if enc is not None else self.encoder.encode(text)
        found = self.si(text, enc, threshold)
        if within is not None:
            found = _clip(text, found, within)
        probs = self.classify(text, enc, [(s, e) for s, e, _ in found])
        out: list[TechniqueSpan] = []
        for (s, e, si_score), p in zip(found, probs):
            order = np.argsort(-p)
            for rank, k in enumerate(order[:2]):
                if rank and p[k] < 0.5 * p[order[0]]:
                    break
                score = round(si_score * float(p[k]), 4)
                if min_score is None or score >= min_score:
                    out.append(TechniqueSpan(s, e, self.labels[k], score))
        return out


SPAN_PARTS = ("cls", "mean", "midmean", "first", "last", "feats")


class Averaged:
    """Several ONNX sessions with the same inputs and outputs run as one: their first outputs
    averaged (the members of a classifier ensemble)."""

    def __init__(self, sessions: list) -> None:
        self.sessions = list(sessions)

    def run(self, names, feeds) -> list[np.ndarray]:
        outs = [x.run(names, feeds)[0] for x in self.sessions]
        return [outs[0] if len(outs) == 1 else np.mean(outs, axis=0)]


def _marked_files(cfg: dict) -> list[str]:
    """The span-marked classifier's files: ``file`` and the ensemble's other ``members``."""
    return [cfg["file"], *cfg.get("members", [])]


def span_vector(text: str, enc: Encoding, s: int, e: int, counts: dict[str, int] | None,
                parts=("cls", "mean", "feats")) -> np.ndarray:
    """The TC input of span ``[s, e)``: the named parts, concatenated. ``cls``: [CLS] of the window
    the span's middle token comes from; ``mean``/``midmean``: mean of its tokens' ``hidden``/``mid``
    states; ``first``/``last``: ``hidden`` of its first/last token; ``feats``: ``span_features``."""
    i, j = enc.tokens_in(s, e)
    if j <= i:  # no token inside (whitespace): take the nearest token
        i = min(i, len(enc.offsets) - 1)
        j = i + 1
    out = []
    for part in parts:
        if part == "cls":
            out.append(enc.cls[enc.owner[(i + j - 1) // 2]])
        elif part == "mean":
            out.append(enc.hidden[i:j].mean(axis=0))
        elif part == "midmean":
            out.append(enc.mid[i:j].mean(axis=0))
        elif part == "first":
            out.append(enc.hidden[i])
        elif part == "last":
            out.append(enc.hidden[j - 1])
        elif part == "feats":
            out.append(span_features(text, s, e, counts))
        else:
            raise ValueError(f"unknown span part {part!r} (known: {', '.join(SPAN_PARTS)})")
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, dtype=np.float32)


def tc_probabilities(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Mean technique probabilities of the MLPs in ``weights`` (``mu``, ``sd``; ``w1``, ``b1``, ``w2``,
    ``b2`` stacked over members) for span vectors ``x``."""
    z = (x - weights["mu"]) / weights["sd"]
    probs = [_softmax(_gelu(z @ w1.T + b1) @ w2.T + b2)
             for w1, b1, w2, b2 in zip(weights["w1"], weights["b1"], weights["w2"], weights["b2"])]
    return np.mean(probs, axis=0).astype(np.float32)


def _clip(text: str, spans: list[tuple[int, int, float]],
          within: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """Cut spans to the allowed ranges (sorted, disjoint); drop pieces with no letter or digit."""
    out = []
    for s, e, sc in spans:
        for a, b in within:
            if b <= s:
                continue
            if a >= e:
                break
            cs, ce = max(s, a), min(e, b)
            while cs < ce and text[cs].isspace():
                cs += 1
            while ce > cs and text[ce - 1].isspace():
                ce -= 1
            if any(c.isalnum() for c in text[cs:ce]):
                out.append((cs, ce, sc))
    return out


def tc_rows(model: TechniqueModel, aid: str, text: str, enc: Encoding,
            spans: list[tuple[int, int]]) -> list[tuple[str, str, int, int]]:
    """PTC TC rows for given span rows: a span given k times gets its k most likely techniques."""
    from collections import Counter

    need = Counter(spans)
    uniq = sorted(need)
    probs = model.classify(text, enc, uniq)
    rows = []
    for (s, e), p in zip(uniq, probs):
        order = [int(k) for k in np.argsort(-p)]
        for r in range(need[(s, e)]):
            rows.append((aid, model.labels[order[r % len(order)]], s, e))
    return rows


def _widen(text: str, s: int, e: int) -> tuple[int, int]:
    """Widen ``[s, e)`` to whole words (a span never cuts a word in two)."""
    while s > 0 and text[s - 1].isalnum() and text[s].isalnum():
        s -= 1
    while e < len(text) and text[e].isalnum() and text[e - 1].isalnum():
        e += 1
    return s, e


def _merge_overlaps(spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    out: list[list] = []
    for s, e, sc in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
            out[-1][2] = max(out[-1][2], sc)
        else:
            out.append([s, e, sc])
    return [(s, e, sc) for s, e, sc in out]


@lru_cache(maxsize=None)
def _file_hash(*paths: str) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:8]


@lru_cache(maxsize=None)
def load_model(model_dir: str | os.PathLike = DEFAULT_DIR, fast: bool = False) -> TechniqueModel:
    """The technique model in ``model_dir`` (default: the shipped one), loaded once per process;
    ``fast``: its shared-pass variant (``TechniqueModel.shared_pass``)."""
    path = Path(model_dir)
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"{path}: no technique model here (config.json missing)")
    return load_model(path).shared_pass() if fast else TechniqueModel(path)


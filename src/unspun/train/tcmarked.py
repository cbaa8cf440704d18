"""Train the span-marked technique classifier (TC) of the technique model on PTC (issue 3).

The shared encoder's span classifier reads states that were fitted on the very spans it learns
from; this one is a second MiniLM, fine-tuned whole, that sees each span marked in its own line
(``unspun.models.techniques.marked``) and classifies it from [CLS; mean of the span's states;
span features] -> 256 -> 14 techniques (soft targets where a span carries several).

- Data: PTC train; the same 10% of the articles as the other technique trainings (lowest SHA-256
  of the article id) are held out to choose the epoch and the seed to ship. PTC dev is never read.
- ``seeds``: one model per seed (to measure the spread); the seed with the best held-out
  TC micro-F1 (of its int8 graph) is shipped as ``tc.onnx``; every seed's int8 graph stays in
  ``tc-models/seed{N}.onnx`` (its fp32 graph instead when int8 loses more than ``INT8_LOSS`` on
  held-out, as all-mpnet-base-v2's does). With ``ensemble`` N, consecutive groups of N seeds are averaged
  and the best group on held-out is shipped (``tc.onnx``, ``tc-2.onnx``, ...; config
  ``tc_marked.members``).
- Checkpoints per seed in ``checkpoints/tc-seed{N}/`` (``last.pt`` after every epoch, ``--resume``
  continues a seed's run from it; ``best.pt``).
- Another encoder (``encoder``, e.g. all-mpnet-base-v2, too slow to ship but a stronger teacher): its
  ``tokenizer.json`` gives the classifier's vocabulary, shipped beside it as ``tc-tokenizer.json``
  (config ``tc_marked.tokenizer``).
- Distillation (``teachers``, ``unlabelled``): the classifiers of an earlier run (``TEACHERS/tc-models/
  seed*.onnx``, trained on the same fit articles, read with that run's vocabulary) label spans found in
  unlabelled news articles
  (``*.txt`` under ``unlabelled``; candidate spans from the base folder's span identification on
  the shared encoder pass at in-span probability >= ``PSEUDO_THRESHOLD``) with their averaged
  probabilities; those spans join the gold ones as soft targets. With ``warm``, seed N starts from
  the teacher run's ``checkpoints/tc-seed{N}/best.pt`` instead of the base encoder (and its head
  then learns at the encoder's rate). ``teacher_weight`` w: the gold spans' targets become (1 - w) gold +
  w the teachers' probabilities.

Output folder OUT: a copy of the base model folder with ``tc.onnx`` (int8; inputs ``input_ids``,
``attention_mask``, ``span_mask``, ``feats``; output ``probs``), config.json ``tc_marked``,
``tc-report.json`` and a section in MODEL_CARD.md. Needs torch, transformers and onnx (the
``train`` extra).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import random
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.eval.ptc import tc_scores
from unspun.models.runtime import DEFAULT_DIR, load_tokenizer
from unspun.models.techniques import N_FEATURES, _file_hash, _norm, span_features
from unspun.models.techniques.lexical import Lexical, span_parts
from unspun.models.techniques.marked import CLOSE_MARK, CONTEXTS, OPEN_MARK, mark_ids, marked_batch, marked_row
from unspun.train.techniques import (BASE_PACKAGE, SeedCheckpoints, base_model_dir, card_section, copy_model_folder,
                                     data_hash, held_out_split, load_split, train_logger)

MAX_LEN, MAX_SPAN = 96, 24
INT8_LOSS = 0.02  # a seed's int8 graph losing more held-out TC micro-F1 than this is replaced by its fp32 one
TC_TOKENIZER = "tc-tokenizer.json"  # the classifier's vocabulary when its encoder is not the shared one
PSEUDO_THRESHOLD = 0.2


class MarkedTC(nn.Module):
    """MiniLM over the marked line -> [CLS; span mean; features] -> 256 -> technique logits."""

    def __init__(self, base: Path, n_labels: int, hidden: int = 256) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base))
        for name, p in self.encoder.named_parameters():
            if name.startswith("pooler."):
                p.requires_grad_(False)
        # BERT-style encoders take segment ids; MPNet's has none
        self.segments = "token_type_ids" in inspect.signature(self.encoder.forward).parameters
        h = self.encoder.config.hidden_size
        self.fc1 = nn.Linear(2 * h + N_FEATURES, hidden)
        self.fc2 = nn.Linear(hidden, n_labels)
        self.drop = nn.Dropout(0.1)

    def forward(self, input_ids, attention_mask, span_mask, feats):
        segments = {"token_type_ids": torch.zeros_like(input_ids)} if self.segments else {}
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask, **segments).last_hidden_state
        w = span_mask.unsqueeze(-1)
        mean = (states * w).sum(1) / w.sum(1).clamp(min=1.0)
        x = torch.cat([states[:, 0], mean, feats], dim=-1)
        return self.fc2(nn.functional.gelu(self.fc1(self.drop(x)), approximate="tanh"))


class _MarkedTCProbs(nn.Module):
    def __init__(self, net: MarkedTC) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids, attention_mask, span_mask, feats):
        return torch.softmax(self.net(input_ids, attention_mask, span_mask, feats), dim=-1)


def span_rows(docs, labels: list[str], tokenizer, context: str = "line") -> list[dict]:
    """One row per distinct gold span: marked ids, span mask, features, soft target, gold count."""
    marks = mark_ids(tokenizer)
    rows = []
    for d in docs:
        spans: dict[tuple[int, int], Counter] = {}
        for _, lab, s, e in d.tc_rows:
            spans.setdefault((s, e), Counter())[lab] += 1
        counts: dict[str, int] = {}
        ntext = _norm(d.text)
        for (s, e), c in sorted(spans.items()):
            key = _norm(d.text[s:e])
            if key not in counts:
                counts[key] = ntext.count(key) if key else 1
            ids, mask = marked_row(d.text, d.ids, d.offsets, s, e, max_len=MAX_LEN, max_span=MAX_SPAN,
                                   context=context, **marks)
            target = np.zeros(len(labels), dtype=np.float32)
            for lab, k in c.items():
                target[labels.index(lab)] += k
            rows.append({"id": d.id, "span": (s, e), "ids": ids, "mask": mask, "target": target / target.sum(),
                         "gold": [lab for lab in c.elements()], "feats": span_features(d.text, s, e, counts)})
    return rows


def _vocabulary(path: Path) -> list:
    """What turns text into ids in a ``tokenizer.json`` (not its truncation or padding settings)."""
    tok = json.loads(path.read_text(encoding="utf-8"))
    return [tok.get(k) for k in ("normalizer", "pre_tokenizer", "model")]


class Teachers:
    """The classifiers of an earlier ``train tc`` run (``TEACHERS/tc-models/seed*.onnx``), read
    with that run's vocabulary (``tc-tokenizer.json`` when it fine-tuned another encoder, such as
    all-mpnet-base-v2, else ``tokenizer.json``)."""

    def __init__(self, folder: Path) -> None:
        files = sorted((folder / "tc-models").glob("seed*.onnx"))
        self.files = [f for f in files if not f.stem.endswith("-fp32")]
        if not self.files:
            raise FileNotFoundError(f"{folder}: no teacher classifiers (tc-models/seed*.onnx)")
        self.own_vocabulary = (folder / TC_TOKENIZER).exists()
        self.tokenizer = load_tokenizer(str(folder / (TC_TOKENIZER if self.own_vocabulary else "tokenizer.json")))
        config = folder / "config.json"  # the input the teachers were trained on: their line or the article
        self.context = (json.loads(config.read_text(encoding="utf-8")).get("tc_marked", {}).get("context", "line")
                        if config.exists() else "line")
        self._fns = None  # the ONNX sessions, loaded once on first use (a base-size teacher is ~440 MB)

    @property
    def key(self) -> list[str]:
        return [f"{f.name}:{_file_hash(str(f))}" for f in self.files]

    def probs(self, texts: dict[str, str], spans: list[tuple[str, int, int]], n_labels: int) -> np.ndarray:
        """The teachers' averaged probabilities for ``(article, start, end)`` spans (grouped by article)."""
        if not spans:
            return np.zeros((0, n_labels), dtype=np.float32)
        rows = _unlabelled_rows(texts, spans, self.tokenizer, n_labels, self.context)
        self._fns = self._fns or [onnx_fn(f) for f in self.files]
        return np.mean([predict(fn, rows) for fn in self._fns], axis=0)


def pseudo_rows(unlabelled: Path, model_dir: Path, teachers: Teachers, n: int, tokenizer, labels: list[str],
                cache: Path, log, context: str = "line") -> list[dict]:
    """Up to ``n`` spans of the unlabelled articles, soft-labelled by the teachers (cached in ``cache``)."""
    from unspun.models.techniques import TechniqueModel

    files = sorted(f for f in unlabelled.rglob("*.txt") if f.is_file())
    if not files:
        raise FileNotFoundError(f"{unlabelled}: no .txt articles to label")
    key = {"unlabelled": str(unlabelled.resolve()), "files": len(files), "n": n, "threshold": PSEUDO_THRESHOLD,
           "teachers": teachers.key}
    texts = {str(f.relative_to(unlabelled)): f.read_text(encoding="utf-8", errors="replace") for f in files}
    cached = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else None
    if cached is None or cached.get("key") != key:
        t0 = time.time()
        model = TechniqueModel(model_dir).shared_pass()
        found = []
        for name, text in texts.items():
            if text.strip():
                found += [(name, s, e) for s, e, _ in model.si(text, model.encoder.encode(text), PSEUDO_THRESHOLD)]
        found.sort(key=lambda r: hashlib.sha256(f"{r[0]}:{r[1]}:{r[2]}".encode()).hexdigest())
        found = sorted(found[:n])
        probs = teachers.probs(texts, found, len(labels))
        cached = {"key": key, "spans": [[name, s, e, [round(float(x), 5) for x in p]]
                                        for (name, s, e), p in zip(found, probs)]}
        cache.write_text(json.dumps(cached) + "\n", encoding="utf-8")
        log(f"{len(found)} unlabelled spans in {len(files)} articles labelled by {len(teachers.files)} teachers "
            f"({time.time() - t0:.0f} s)")
    spans = cached["spans"]
    rows = _unlabelled_rows(texts, [(name, s, e) for name, s, e, _ in spans], tokenizer, len(labels), context)
    for r, (*_, p) in zip(rows, spans):
        r["target"] = np.asarray(p, dtype=np.float32) / max(float(sum(p)), 1e-6)
    return rows


def _unlabelled_rows(texts: dict[str, str], spans: list[tuple[str, int, int]], tokenizer,
                     n_labels: int, context: str = "line") -> list[dict]:
    marks = mark_ids(tokenizer)
    rows, toks, counts = [], {}, {}
    for name, s, e in spans:  # grouped by article
        text = texts[name]
        if name not in toks:
            enc = tokenizer.encode(text, add_special_tokens=False)
            toks[name] = (np.asarray(enc.ids, dtype=np.int64), np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2),
                          _norm(text))
            counts = {}
        ids, offsets, ntext = toks[name]
        key = _norm(text[s:e])
        if key not in counts:
            counts[key] = ntext.count(key) if key else 1
        row, mask = marked_row(text, ids, offsets, s, e, max_len=MAX_LEN, max_span=MAX_SPAN, context=context, **marks)
        rows.append({"id": name, "span": (s, e), "ids": row, "mask": mask, "gold": [],
                     "target": np.zeros(n_labels, dtype=np.float32),
                     "feats": span_features(text, s, e, counts)})
    return rows


def _tensors(rows: list[dict]):
    ids, att, span = marked_batch([(r["ids"], r["mask"]) for r in rows])
    feats = np.stack([r["feats"] for r in rows])
    return torch.from_numpy(ids), torch.from_numpy(att), torch.from_numpy(span), torch.from_numpy(feats)


def batches(rows: list[dict], size: int, rng: random.Random | None) -> list[list[int]]:
    """Length-bucketed batches (shuffled within and across buckets when ``rng`` is given)."""
    order = list(range(len(rows)))
    if rng is not None:
        rng.shuffle(order)
        chunks = [order[k:k + size * 20] for k in range(0, len(order), size * 20)]
        order = [i for ch in chunks for i in sorted(ch, key=lambda i: len(rows[i]["ids"]))]
    else:
        order.sort(key=lambda i: len(rows[i]["ids"]))
    out = [order[k:k + size] for k in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(out)
    return out


def predict(fn, rows: list[dict], size: int = 64) -> np.ndarray:
    """Technique probabilities of every row; ``fn(ids, att, span, feats) -> probs`` (numpy)."""
    probs = np.zeros((len(rows), len(rows[0]["target"])), dtype=np.float32) if rows else np.zeros((0, 0))
    for b in batches(rows, size, None):
        ids, att, span, feats = (t.numpy() for t in _tensors([rows[i] for i in b]))
        probs[b] = fn(ids, att, span, feats)
    return probs


def tc_f1(rows: list[dict], probs: np.ndarray, labels: list[str]) -> float:
    """TC micro-F1 of PTC rows: a span given k times gets its k most likely techniques."""
    gold, pred = [], []
    for r, p in zip(rows, probs):
        order = [int(k) for k in np.argsort(-p)]
        s, e = r["span"]
        gold += [(r["id"], lab, s, e) for lab in r["gold"]]
        pred += [(r["id"], labels[order[k % len(order)]], s, e) for k in range(len(r["gold"]))]
    return tc_scores(pred, gold)[0] if gold else 0.0


def _torch_fn(net: nn.Module):
    def fn(ids, att, span, feats):
        with torch.inference_mode():
            logits = net(torch.from_numpy(ids), torch.from_numpy(att), torch.from_numpy(span), torch.from_numpy(feats))
            return torch.softmax(logits, dim=-1).numpy()
    return fn


def onnx_fn(path: Path):
    from unspun.models.runtime import _session

    session = _session(str(path))

    def fn(ids, att, span, feats):
        return session.run(["probs"], {"input_ids": ids, "attention_mask": att, "span_mask": span,
                                       "feats": feats})[0]
    return fn


def export(net: MarkedTC, fp32: Path, int8: Path) -> None:
    """ONNX export of the classifier (softmax included), then its int8 dynamic quantisation."""
    wrapper = _MarkedTCProbs(net).eval()
    ids = torch.full((2, 12), 1000, dtype=torch.long)
    att = torch.ones_like(ids)
    att[1, 8:] = 0
    span = torch.zeros((2, 12), dtype=torch.float32)
    span[:, 3:5] = 1.0
    feats = torch.zeros((2, N_FEATURES), dtype=torch.float32)
    dyn = {0: "batch", 1: "seq"}
    with torch.inference_mode():
        torch.onnx.export(wrapper, (ids, att, span, feats), str(fp32), opset_version=17, dynamo=False,
                          input_names=["input_ids", "attention_mask", "span_mask", "feats"], output_names=["probs"],
                          dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "span_mask": dyn,
                                        "feats": {0: "batch"}, "probs": {0: "batch"}})
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)


MIXES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
# with the lexical classifier: weights of the shared-pass classifier and of the lexical one
LEX_SHARED = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
LEX_MIXES = (0.0, 0.1, 0.2, 0.3, 0.4)
FAST_MIXES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)  # the lexical classifier beside the shared pass alone (--fast)
LEX_C, LEX_CHARS = 16.0, 50000
LEX_NGRAMS = {"word": (1, 2), "char": (2, 5), "ctx": (1, 1)}
LEX_WEIGHTS = {"word": 1.0, "char": 1.0, "ctx": 0.5}


def shared_probs(folder: Path, cfg: dict, docs, rows: list[dict]) -> np.ndarray:
    """Technique probabilities of the base folder's classifier on the shared encoder pass, per row."""
    from unspun.models.techniques import TechniqueModel

    model = TechniqueModel(folder)
    model.tc_marked = model.tc_lex = None  # the shared-pass classifier alone
    by_doc = {d.id: d for d in docs}
    out = np.zeros((len(rows), len(cfg["labels"])), dtype=np.float32)
    for aid in dict.fromkeys(r["id"] for r in rows):
        idx = [k for k, r in enumerate(rows) if r["id"] == aid]
        text = by_doc[aid].text
        out[idx] = model.classify(text, model.encoder.encode(text), [rows[k]["span"] for k in idx])
    return out


def best_mix(rows: list[dict], marked: np.ndarray, shared: np.ndarray, labels: list[str],
             lex: np.ndarray | None = None) -> tuple[float, float, float]:
    """The weights of the shared-pass classifier and of the lexical one (``lex``; 0 without it) in
    the mixture with ``marked`` that scores best on ``rows``, and that score. Ties go to less mixing."""
    grid = [(w, 0.0) for w in MIXES] if lex is None else [(w, v) for w in LEX_SHARED for v in LEX_MIXES]
    scores = {}
    for w, v in grid:
        probs = (1 - w - v) * marked + w * shared + (v * lex if v else 0.0)
        scores[(w, v)] = tc_f1(rows, probs, labels)
    w, v = max(grid, key=lambda g: (round(scores[g], 6), -g[1], -g[0]))
    return w, v, round(scores[(w, v)], 4)


def best_fast_mix(rows: list[dict], shared: np.ndarray, lex: np.ndarray, labels: list[str]) -> tuple[float, float]:
    """The weight of the lexical classifier beside the shared-pass classifier alone (``--fast``, where
    the span-marked classifier is not run) that scores best on ``rows``, and that score. Ties go to
    less mixing."""
    scores = {v: tc_f1(rows, (1 - v) * shared + v * lex, labels) for v in FAST_MIXES}
    v = max(FAST_MIXES, key=lambda w: (round(scores[w], 6), -w))
    return v, round(scores[v], 4)


def _fit_sklearn(rows: list[dict], texts: dict[str, str], labels: list[str]):
    """The lexical classifier in scikit-learn: (gold rows, their feature matrix, the fitted logistic
    regression, the arrays of ``tc-lex.npz`` but the weights), or None with fewer than two techniques."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in rows if r["gold"]]
    idx, y = [], []
    for k, r in enumerate(rows):
        for lab in sorted(set(r["gold"])):
            idx.append(k)
            y.append(labels.index(lab))
    if len(set(y)) < 2:
        return None
    parts = [span_parts(texts[r["id"]], *r["span"]) for r in rows]
    docs = {"word": [p[0] for p in parts], "char": [p[0] for p in parts], "ctx": [p[1] for p in parts]}
    vecs = {"word": TfidfVectorizer(ngram_range=LEX_NGRAMS["word"], sublinear_tf=True),
            "char": TfidfVectorizer(analyzer="char_wb", ngram_range=LEX_NGRAMS["char"], sublinear_tf=True,
                                    min_df=2 if len(rows) > 50 else 1, max_features=LEX_CHARS),
            "ctx": TfidfVectorizer(ngram_range=LEX_NGRAMS["ctx"], sublinear_tf=True)}
    arrays, mats = {}, []
    for b, vec in vecs.items():
        try:
            mats.append(vec.fit_transform(docs[b]) * LEX_WEIGHTS[b])
            terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
            arrays[f"{b}_idf"] = vec.idf_.astype(np.float32)
        except ValueError:  # no term at all (tiny data)
            mats.append(csr_matrix((len(rows), 0)))
            terms = []
            arrays[f"{b}_idf"] = np.zeros(0, dtype=np.float32)
        arrays[f"{b}_vocab"] = np.array(terms, dtype=str) if terms else np.zeros(0, dtype="<U1")
        arrays[f"{b}_ngrams"] = np.array(LEX_NGRAMS[b], dtype=np.int64)
        arrays[f"{b}_weight"] = np.array(LEX_WEIGHTS[b], dtype=np.float32)
    x = hstack(mats + [csr_matrix(np.stack([r["feats"] for r in rows]))]).tocsr()
    lr = LogisticRegression(C=LEX_C, max_iter=3000).fit(x[idx], y)
    return rows, x, lr, arrays


def fit_lexical(rows: list[dict], texts: dict[str, str], labels: list[str], path: Path) -> Lexical | None:
    """Fit the lexical classifier (``unspun.models.techniques.lexical``) on gold span rows; save it
    to ``path`` (None when the rows hold fewer than two techniques)."""
    fitted = _fit_sklearn(rows, texts, labels)
    if fitted is None:
        return None
    _, x, lr, arrays = fitted
    coef = np.zeros((len(labels), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(labels), -1e4, dtype=np.float32)  # techniques never seen: probability 0
    if len(lr.classes_) == 2:  # binary: sigmoid(z) == softmax(-z/2, z/2)
        coef[lr.classes_] = np.stack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
        intercept[lr.classes_] = [-lr.intercept_[0] / 2, lr.intercept_[0] / 2]
    else:
        coef[lr.classes_], intercept[lr.classes_] = lr.coef_, lr.intercept_
    np.savez_compressed(path, coef=coef.astype(np.float16), intercept=intercept, **arrays)
    return Lexical(path)


def lexical_probs(lex: Lexical, rows: list[dict], texts: dict[str, str]) -> np.ndarray:
    """The lexical classifier's probabilities, per row."""
    out = np.zeros((len(rows), lex.coef.shape[0]), dtype=np.float32)
    for aid in dict.fromkeys(r["id"] for r in rows):
        idx = [k for k, r in enumerate(rows) if r["id"] == aid]
        out[idx] = lex.probs(texts[aid], [rows[k]["span"] for k in idx], np.stack([rows[k]["feats"] for k in idx]))
    return out


def train_seed(fit: list[dict], held: list[dict], labels: list[str], *, seed: int, epochs: int, lr: float,
               head_lr: float, batch_size: int, base: Path, ck: Path, resume: bool, log,
               max_steps: int | None = None, warm: Path | None = None) -> tuple[MarkedTC, dict]:
    """Fine-tune one classifier; keep the epoch with the best held-out TC micro-F1. ``warm``: a
    checkpoint (state dict) of the same architecture to start from."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    rng = random.Random(seed)
    net = MarkedTC(base, len(labels))
    if warm is not None:
        net.load_state_dict(torch.load(warm, weights_only=True))
    per_epoch = len(batches(fit, batch_size, None))
    total = per_epoch * epochs if max_steps is None else min(max_steps, per_epoch * epochs)
    run = SeedCheckpoints(net, ck, lr=lr, head_lr=head_lr, total=total, rng=rng)
    state = run.start(resume, log, seed)
    t0 = time.time() - state["elapsed"]
    while state["epoch"] < epochs and (max_steps is None or state["step"] < max_steps):
        net.train()
        losses = []
        for b in batches(fit, batch_size, rng):
            ids, att, span, feats = _tensors([fit[i] for i in b])
            target = torch.from_numpy(np.stack([fit[i]["target"] for i in b]))
            logits = net(ids, att, span, feats)
            loss = -(target * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
            run.step(loss)
            losses.append(float(loss.detach()))
            state["step"] += 1
            if max_steps is not None and state["step"] >= max_steps:
                break
        state["epoch"] += 1
        net.eval()
        entry = {"epoch": state["epoch"], "loss": round(float(np.mean(losses)), 4)}
        if held:
            f1 = entry["held_out_tc_f1"] = round(tc_f1(held, predict(_torch_fn(net), held), labels), 4)
        state["history"].append(entry)
        log(f"seed {seed} epoch {state['epoch']}: loss {np.mean(losses):.4f}"
            + (f", held-out TC micro-F1 {f1:.4f}" if held else "") + f" ({time.time() - t0:.0f} s)")
        if held:
            run.end_epoch(state, f1, "held_out_tc_f1", time.time() - t0)
        else:  # nothing held out (--refit): the last epoch is kept
            run.end_epoch(state, float(state["epoch"]), "last", time.time() - t0)
    return run.best(), {"seed": seed, "epoch": state["best"]["epoch"], "history": state["history"],
                        **({"held_out_tc_f1": state["best"]["held_out_tc_f1"]} if held else {}),
                        "seconds": round(time.time() - t0)}


def train(data: Path, out: Path, *, seeds: tuple[int, ...] = (0,), epochs: int = 5, lr: float = 8e-5,
          head_lr: float = 1e-3, batch_size: int = 32, base: Path | None = None, encoder: Path | None = None,
          resume: bool = False, command: str = "", limit: int | None = None, max_steps: int | None = None,
          teachers: Path | None = None, unlabelled: Path | None = None, pseudo: int = 5000,
          warm: bool = False, ensemble: int = 1, lexical: bool = True,
          refit: tuple[float, float] | None = None, teacher_weight: float = 0.0, context: str = "article") -> dict:
    """Train one classifier per seed, ship the best on held-out articles as ``out/tc.onnx``
    (distilled from ``teachers`` on spans of ``unlabelled`` articles when both are given; with
    ``teacher_weight`` w the gold spans' targets are also (1 - w) gold + w the teachers' probabilities).
    ``ensemble`` > 1: the seeds, in the order given, form ensembles of that many classifiers
    (probabilities averaged); the best ensemble on held-out articles is shipped (``tc.onnx``,
    ``tc-2.onnx``, ...). ``lexical``: also fit the lexical classifier (``tc-lex.npz``) and choose its
    mixing weight on held-out articles. ``refit`` (shared-pass and lexical weights, chosen on held-out
    articles by an earlier run): fit on every train article, keep each seed's last epoch, mix with
    these weights and ship the first ensemble of seeds; no held-out figures. ``context``: what each
    marked span sees around it, its line or the article's text across lines (``marked.CONTEXTS``;
    kept in config ``tc_marked.context``; teachers read their spans as they were trained to)."""
    if context not in CONTEXTS:
        raise ValueError(f"--context {context}: one of {', '.join(CONTEXTS)}")
    if ensemble < 1 or len(seeds) % ensemble:
        raise ValueError(f"--ensemble {ensemble}: the {len(seeds)} seeds do not split into ensembles of that size")
    if (unlabelled is not None or warm) and teachers is None:
        raise ValueError("--unlabelled and --warm need --teachers")
    if teachers is not None and unlabelled is None and not teacher_weight:
        raise ValueError("--teachers: give --unlabelled articles for them to label, or --teacher-weight for the gold spans")
    if refit is not None and (teachers is not None or not all(0.0 <= w for w in refit) or sum(refit) >= 1.0):
        raise ValueError(f"--refit {refit}: two weights >= 0 summing to less than 1, and no distillation")
    teacher = Teachers(teachers) if teachers is not None else None
    if warm and teacher.own_vocabulary:
        raise ValueError(f"--warm: the teachers in {teachers} fine-tuned another encoder; students start from the base")
    if not 0.0 <= teacher_weight <= 1.0 or (teacher_weight and teacher is None):
        raise ValueError(f"--teacher-weight {teacher_weight}: a share between 0 and 1, with --teachers")
    t_start = time.time()
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    base = Path(base or DEFAULT_DIR)
    encoder = Path(encoder or base_model_dir())
    if not (encoder / "config.json").is_file():
        raise FileNotFoundError(f"{encoder}: not a Hugging Face model folder (no config.json)")
    copy_model_folder(base, out)
    log = train_logger(out)
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    labels = cfg["labels"]
    tok_file = out / "tokenizer.json"
    (out / TC_TOKENIZER).unlink(missing_ok=True)
    if (encoder / "tokenizer.json").exists() and _vocabulary(encoder / "tokenizer.json") != _vocabulary(tok_file):
        tok_file = out / TC_TOKENIZER  # another encoder (e.g. a teacher): its own vocabulary, shipped beside it
        shutil.copyfile(encoder / "tokenizer.json", tok_file)
    tokenizer = load_tokenizer(str(tok_file))
    for mark in (OPEN_MARK, CLOSE_MARK):
        if tokenizer.token_to_id(mark) is None:
            raise ValueError(f"{tok_file}: no {mark} token for the span markers")
    docs = load_split(data, "train", labels, tokenizer, limit=limit)
    fit_docs, held_docs = (docs, []) if refit is not None else held_out_split(docs)
    fit, held = span_rows(fit_docs, labels, tokenizer, context), span_rows(held_docs, labels, tokenizer, context)
    held = held or ([] if refit is not None else fit[-2:])
    log(f"{len(fit)} spans in {len(fit_docs)} articles to fit, {len(held)} in {len(held_docs)} held out")
    shared = shared_probs(out, cfg, held_docs or fit_docs, held) if held else None
    texts = {d.id: d.text for d in docs}
    (out / "tc-lex.npz").unlink(missing_ok=True)  # a copied base folder's: refitted below or dropped
    lex = fit_lexical(fit, texts, labels, out / "tc-lex.npz") if lexical else None
    lex_held = lexical_probs(lex, held, texts) if lex is not None and held else None
    if lex_held is not None:
        log(f"lexical classifier: {lex.n_terms} terms, held-out TC micro-F1 {tc_f1(held, lex_held, labels):.4f}")
    distil = {}
    if teacher is not None:
        extra = (pseudo_rows(unlabelled, out, teacher, pseudo, tokenizer, labels, out / "pseudo-spans.json", log,
                             context)
                 if unlabelled is not None else [])
        teachers_probs = teacher.probs(texts, [(r["id"], *r["span"]) for r in held], len(labels))
        distil = {"teachers": [str(f) for f in teacher.files], "unlabelled": str(unlabelled) if unlabelled else None,
                  "unlabelled_spans": len(extra), "warm": warm, "teacher_weight": teacher_weight,
                  "teachers_held_out_tc_f1": round(tc_f1(held, teachers_probs, labels), 4)}
        log(f"distilling {len(teacher.files)} teachers (held-out TC micro-F1 of their average "
            f"{distil['teachers_held_out_tc_f1']}) on {len(extra)} unlabelled spans")
        if teacher_weight:  # the gold spans' targets: (1 - w) gold + w the teachers' probabilities
            soft = teacher.probs(texts, [(r["id"], *r["span"]) for r in fit], len(labels))
            for r, p in zip(fit, soft):
                r["target"] = (1.0 - teacher_weight) * r["target"] + teacher_weight * p / max(float(p.sum()), 1e-6)
        fit = fit + extra
    (out / "tc-models").mkdir(exist_ok=True)
    runs, held_probs = [], {}
    for seed in seeds:
        start = None
        if warm:
            start = teachers / "checkpoints" / f"tc-seed{seed}" / "best.pt"
            if not start.exists():
                raise FileNotFoundError(f"{start}: no teacher checkpoint to start seed {seed} from")
        net, run = train_seed(fit, held, labels, seed=seed, epochs=epochs, lr=lr, head_lr=lr if warm else head_lr,
                              batch_size=batch_size, base=encoder, ck=out / "checkpoints" / f"tc-seed{seed}",
                              resume=resume, log=log, max_steps=max_steps, warm=start)
        fp32 = out / "tc-models" / f"seed{seed}-fp32.onnx"
        int8 = out / "tc-models" / f"seed{seed}.onnx"
        export(net, fp32, int8)
        if not held:
            fp32.unlink()
            run["mix"], run["lex_mix"] = refit[0], refit[1] if lex is not None else 0.0
            log(f"seed {seed}: epoch {run['epoch']} exported")
            runs.append(run)
            continue
        fp32_probs = predict(onnx_fn(fp32), held)
        run["held_out_tc_f1_fp32_onnx"] = round(tc_f1(held, fp32_probs, labels), 4)
        marked = predict(onnx_fn(int8), held)
        run["held_out_tc_f1_int8"] = round(tc_f1(held, marked, labels), 4)
        if run["held_out_tc_f1_int8"] < run["held_out_tc_f1_fp32_onnx"] - INT8_LOSS:
            # int8 does not hold quality (all-mpnet-base-v2's graph, for one): the seed keeps fp32
            log(f"seed {seed}: int8 held-out TC micro-F1 {run['held_out_tc_f1_int8']} against fp32 "
                f"{run['held_out_tc_f1_fp32_onnx']}: the fp32 graph is kept")
            fp32.replace(int8)
            marked, run["precision"] = fp32_probs, "fp32"
        fp32.unlink(missing_ok=True)
        held_probs[seed] = marked
        run["mix"], run["lex_mix"], run["held_out_tc_f1_mixed"] = best_mix(held, marked, shared, labels, lex_held)
        if lex_held is not None:  # for comparison: the mixture without the lexical classifier
            run["mix_without_lexical"], _, run["held_out_tc_f1_mixed_without_lexical"] = best_mix(
                held, marked, shared, labels)
        log(f"seed {seed}: epoch {run['epoch']}; held-out TC micro-F1 torch {run['held_out_tc_f1']}, "
            f"fp32 ONNX {run['held_out_tc_f1_fp32_onnx']}, int8 {run['held_out_tc_f1_int8']}; mixed with the "
            f"shared-pass classifier (weight {run['mix']}) and the lexical one (weight {run['lex_mix']}) "
            f"{run['held_out_tc_f1_mixed']}")
        runs.append(run)
    groups = [{"seeds": [r["seed"] for r in runs[k:k + ensemble]]} for k in range(0, len(runs), ensemble)]
    for g in groups if held else ():
        probs = np.mean([held_probs[x] for x in g["seeds"]], axis=0)
        g["held_out_tc_f1_int8"] = round(tc_f1(held, probs, labels), 4)
        g["mix"], g["lex_mix"], g["held_out_tc_f1_mixed"] = best_mix(held, probs, shared, labels, lex_held)
        if ensemble > 1:
            log(f"ensemble of seeds {g['seeds']}: held-out TC micro-F1 {g['held_out_tc_f1_int8']}, mixed (weights "
                f"{g['mix']}, {g['lex_mix']}) {g['held_out_tc_f1_mixed']}")
    if not held:
        for g in groups:
            g["mix"], g["lex_mix"] = refit[0], refit[1] if lex is not None else 0.0
    best = max(groups, key=lambda g: (g["held_out_tc_f1_mixed"], [-x for x in g["seeds"]])) if held else groups[0]
    for old_member in out.glob("tc-[0-9]*.onnx"):
        old_member.unlink()
    files = ["tc.onnx"] + [f"tc-{k}.onnx" for k in range(2, len(best["seeds"]) + 1)]
    for name, seed in zip(files, best["seeds"]):
        shutil.copyfile(out / "tc-models" / f"seed{seed}.onnx", out / name)
    cfg["tc_marked"] = {"file": "tc.onnx", "max_len": MAX_LEN, "max_span": MAX_SPAN, "seed": best["seeds"][0],
                        "seeds": list(seeds), "mix": best["mix"]}
    if context != "line":
        cfg["tc_marked"]["context"] = context
    if tok_file.name == TC_TOKENIZER:
        cfg["tc_marked"]["tokenizer"] = TC_TOKENIZER
    if ensemble > 1:
        cfg["tc_marked"].update({"members": files[1:], "ensemble": best["seeds"]})
    cfg.pop("tc_head", None)
    cfg.pop("tc_lex", None)
    fast = best_fast_mix(held, shared, lex_held, labels) if lex_held is not None else None
    if lex is not None:  # without held-out articles (--refit) the --fast path keeps the shared pass alone
        cfg["tc_lex"] = {"file": "tc-lex.npz", "mix": best["lex_mix"], "fast_mix": fast[0] if fast else 0.0}
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    result = {"command": command, "data_hash": data_hash(data),
              "base": BASE_PACKAGE if encoder == base_model_dir() else encoder.name, "seeds": list(seeds),
              "epochs": epochs, "lr": lr, "batch_size": batch_size, "context": context, "runs": runs,
              "shipped_seed": best["seeds"][0],
              "mix": best["mix"], "lex_mix": best["lex_mix"], "lexical": lex is not None,
              **({"held_out_tc_f1": best["held_out_tc_f1_mixed"],
                  "held_out_shared_tc_f1": round(tc_f1(held, shared, labels), 4)} if held else {"refit": list(refit)}),
              **({"held_out_lex_tc_f1": round(tc_f1(held, lex_held, labels), 4), "fast_lex_mix": fast[0],
                  "held_out_fast_tc_f1": fast[1]} if lex_held is not None else {}),
              **({"ensembles": groups, "shipped_ensemble": best["seeds"]} if ensemble > 1 else {}),
              "fit_articles": len(fit_docs),
              "fit_spans": len(fit) - distil.get("unlabelled_spans", 0), **distil,
              "held_out": [d.id for d in held_docs], "seconds": round(time.time() - t_start)}
    (out / "tc-report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_card(out / "MODEL_CARD.md", result)
    log(f"done in {result['seconds']} s: shipped seed(s) {best['seeds']}"
        + (f", held-out TC micro-F1 {result['held_out_tc_f1']}" if held else ""))
    return result


CARD_HEADING = "## Span classifier (TC)"


def write_card(path: Path, result: dict) -> None:
    """Add (or replace) the span-classifier section of the model card."""
    lexical = result.get("lexical", "held_out_lex_tc_f1" in result)
    lex_text = ("the lexical classifier (`tc-lex.npz`: logistic regression over TF-IDF of the span's words, word "
                "pairs and letter 2-5-grams, four words of context each side and the span features")
    lines = [
        "Technique classification runs a second encoder (`tc.onnx`, int8): MiniLM fine-tuned whole on each",
        ("gold span marked in its line" if result.get("context", "line") == "line" else
         "gold span marked in the article's text around it, across lines")
        + f" ([CLS] left [unused1] span [unused2] right [SEP], at most {MAX_LEN} tokens),",
        "classifying [CLS; mean of the span's states; 9 span features] -> 256 -> 14 techniques.",
        "",
        f"- command: `{result['command']}`; {result['seconds']} s on this machine; data hash {result['data_hash']}",
        f"- base: {result['base']}; {result['epochs']} epochs, lr {result['lr']}, batch {result['batch_size']}",
    ]
    if "refit" in result:
        lines += [
            f"- refit: {result['fit_spans']} spans of all {result['fit_articles']} train articles fitted, nothing "
            "held out; each seed keeps its last epoch; the epochs and the mixing weights were chosen on the "
            "held-out articles by an earlier run; PTC dev never read.",
            "- mixed with the span classifier on the shared encoder pass"
            + (f" and {lex_text})" if lexical else "")
            + f": probabilities weighted {1 - result['mix'] - result['lex_mix']:.1f} / {result['mix']:.1f}"
            + (f" / {result['lex_mix']:.1f}" if lexical else "") + ".",
            "- shipped: " + (f"the ensemble of seeds {result['shipped_ensemble']}" if result.get("ensembles")
                             else f"seed {result['shipped_seed']}") + ".",
        ]
        card_section(path, CARD_HEADING, lines)
        return
    runs = "; ".join(f"seed {r['seed']}: epoch {r['epoch']}, torch {r['held_out_tc_f1']}, int8 "
                     f"{r['held_out_tc_f1_int8']}" for r in result["runs"])
    lines += [
        f"- {result['fit_spans']} spans of {result['fit_articles']} articles to fit; the {len(result['held_out'])} "
        "held-out articles choose the epoch and the shipped seed; PTC dev never read.",
        f"- per seed (best epoch, held-out TC micro-F1): {runs}",
        f"- mixed with the span classifier on the shared encoder pass (held-out alone: "
        f"{result.get('held_out_shared_tc_f1', '?')})"
        + (f" and {lex_text}; held-out alone: {result['held_out_lex_tc_f1']})" if lexical else "")
        + f": probabilities weighted {1 - result.get('mix', 0.0) - result.get('lex_mix', 0.0):.1f} / "
        f"{result.get('mix', 0.0):.1f}" + (f" / {result['lex_mix']:.1f}" if lexical else "")
        + ", the weights chosen per seed on the held-out articles",
        "  (" + "; ".join(f"seed {r['seed']}: {r.get('mix')}"
                          + (f" / {r['lex_mix']}" if lexical else "")
                          + f", {r.get('held_out_tc_f1_mixed')}" for r in result["runs"]) + ").",
        f"- shipped: seed {result['shipped_seed']} (held-out TC micro-F1 {result['held_out_tc_f1']}, int8, mixed).",
    ]
    if result.get("ensembles"):
        lines[-1:] = [
            "- ensembles (seeds in the order given, probabilities averaged, then mixed as above): " + "; ".join(
                f"seeds {g['seeds']}: {g['held_out_tc_f1_int8']}, mixed (weights {g['mix']} / {g.get('lex_mix', 0.0)}) "
                f"{g['held_out_tc_f1_mixed']}"
                for g in result["ensembles"]) + ".",
            f"- shipped: the ensemble of seeds {result['shipped_ensemble']} (`tc.onnx`, "
            + ", ".join(f"`tc-{k}.onnx`" for k in range(2, len(result["shipped_ensemble"]) + 1))
            + f"; held-out TC micro-F1 {result['held_out_tc_f1']}, int8, mixed).",
        ]
    if "fast_lex_mix" in result:
        lines.append(f"- `--fast` (no span-marked classifier): the shared-pass classifier mixed with the lexical one, "
                     f"weighted {1 - result['fast_lex_mix']:.1f} / {result['fast_lex_mix']:.1f} (chosen on the held-out "
                     f"articles: TC micro-F1 {result['held_out_fast_tc_f1']}).")
    if result.get("teachers"):
        on = []
        if result.get("unlabelled"):
            on.append(f"{result['unlabelled_spans']} spans of the unlabelled articles in "
                      f"`{Path(result['unlabelled']).name}` (candidates: span identification on the shared pass at "
                      f"in-span probability >= {PSEUDO_THRESHOLD}), soft targets beside the gold spans")
        if result.get("teacher_weight"):
            on.append(f"the gold spans, whose targets are {1 - result['teacher_weight']:g} gold + "
                      f"{result['teacher_weight']:g} the teachers'")
        lines[6:6] = [
            f"- distilled: {len(result['teachers'])} classifiers of an earlier run (held-out TC micro-F1 of their "
            f"average {result['teachers_held_out_tc_f1']}) labelled " + "; and ".join(on)
            + ("; each seed starts from its teacher's checkpoint." if result["warm"] else "."),
        ]
    card_section(path, CARD_HEADING, lines)

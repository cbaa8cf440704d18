"""Train the span head of the technique model (SI) on the shared, frozen encoder (issue 3).

The shipped encoder (``model.onnx``, int8, run through onnxruntime exactly as at run time) gives
every token of a PTC article ``[hidden; mid]``; with the six surface features of the attribution
tagger (inside quotation marks, quote mark, reporting verb, "according", paragraph start,
capital) that is the input of a bidirectional LSTM over the whole article. Outputs per token:
O/B/I over the merged gold spans (the SI target) and, as an auxiliary task, one sigmoid per
technique (the token lies inside a span of that technique), weighted by ``aux``.

- Data: PTC train; the same 10% of the articles as ``unspun train techniques`` (lowest SHA-256
  of the article id) are held out to choose the epoch and the decoding. PTC dev is never read.
- ``seeds``: one head per seed; more than one are averaged (their O/B/I probabilities) in one
  exported graph, ``si.onnx`` (input ``states`` [1, N, 774], output ``probs`` [1, N, 3]).
- Decoding (threshold on P(B)+P(I), gap filling, shortest run) chosen on the held-out
  articles for the exported graph; written to config.json ``si_head``.

Output folder OUT: a copy of the base model folder with ``si.onnx``, the updated config.json,
``spans-report.json`` and a section in MODEL_CARD.md; ``span-heads/seed{N}.onnx`` holds each head
alone (to measure the spread over seeds; not needed at run time). Needs torch and onnx (the ``train`` extra).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.eval.ptc import si_scores
from unspun.models.attribution_features import token_features
from unspun.models.runtime import DEFAULT_DIR, Encoder, Encoding, load_tokenizer
from unspun.models.techniques import TechniqueModel
from unspun.train.heads import article_chunks
from unspun.train.techniques import (card_section, copy_model_folder, data_hash, held_out_split, load_split,
                                     train_logger)

GRID = [(t, g, m) for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5) for g in (0, 2, 5) for m in (1, 2)]


class SpanTagger(nn.Module):
    def __init__(self, width: int, n_labels: int, proj: int = 256, hidden: int = 128, drop: float = 0.2) -> None:
        super().__init__()
        self.drop = nn.Dropout(drop)
        self.proj = nn.Linear(width, proj)
        self.rnn = nn.LSTM(proj, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 3 + n_labels)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn(torch.relu(self.proj(self.drop(states))))
        return self.out(self.drop(y))


class AveragedTaggers(nn.Module):
    """What goes into ONNX: the mean O/B/I probabilities of several taggers."""

    def __init__(self, nets: list[SpanTagger]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return torch.stack([torch.softmax(n(states)[..., :3], -1) for n in self.nets]).mean(0)


def encode_docs(encoder: Encoder, docs, labels: list[str]) -> list[dict]:
    out = []
    for d in docs:
        e = encoder.encode(d.text)
        if e.mid is None:
            raise ValueError(f"{encoder.dir}: the encoder does not export the mid states (run `unspun train heads` first)")
        aux = np.zeros((len(e.offsets), len(labels)), np.float32)
        for _, lab, s, t in d.tc_rows:
            i, j = e.tokens_in(s, t)
            aux[i:j, labels.index(lab)] = 1.0
        x = np.concatenate([e.hidden, e.mid, token_features(d.text, e.offsets)], axis=1).astype(np.float16)
        out.append({"id": d.id, "text": d.text, "offsets": e.offsets, "x": x, "bio": d.bio, "aux": aux,
                    "gold": [(d.id, s, t) for s, t in d.si_gold], "tc_rows": d.tc_rows, "enc": e})
    return out


# -- the span classifier (TC) ---------------------------------------------------------------------
def tc_dataset(docs: list[dict], labels: list[str], parts) -> tuple[np.ndarray, np.ndarray, list]:
    """One row per gold span: its vector, the target distribution over techniques, (id, s, e, k)."""
    from collections import Counter

    from unspun.models.techniques import _norm, span_vector

    xs, ys, keys = [], [], []
    for d in docs:
        spans: dict = {}
        for _, lab, s, e in d["tc_rows"]:
            spans.setdefault((s, e), Counter())[lab] += 1
        ntext, counts = _norm(d["text"]), {}
        for (s, e), c in sorted(spans.items()):
            key = _norm(d["text"][s:e])
            counts.setdefault(key, ntext.count(key) if key else 1)
            xs.append(span_vector(d["text"], d["enc"], s, e, counts, parts))
            t = np.zeros(len(labels), np.float32)
            for lab, k in c.items():
                t[labels.index(lab)] += k
            ys.append(t / t.sum())
            keys.append((d["id"], s, e, c))
    return np.stack(xs).astype(np.float32), np.stack(ys), keys


def tc_f1(probs: np.ndarray, keys: list, labels: list[str]) -> float:
    """TC micro-F1 when a span given k times takes its k most likely techniques."""
    from unspun.eval.ptc import tc_scores

    pred, gold = [], []
    for p, (aid, s, e, c) in zip(probs, keys):
        order = np.argsort(-p)
        pred += [(aid, labels[order[r % len(order)]], s, e) for r in range(sum(c.values()))]
        gold += [(aid, lab, s, e) for lab in c.elements()]
    return tc_scores(pred, gold)[0] if gold else 0.0


def train_tc(fit: list[dict], held: list[dict], labels: list[str], *, seeds, parts, log, epochs: int = 40,
             hidden: int = 256, drop: float = 0.3, lr: float = 1e-3) -> tuple[dict, dict]:
    """Span-classifier MLPs (one per seed), each at its best held-out epoch; weights for ``tc.npz``."""
    from unspun.models.techniques import tc_probabilities

    x, y, _ = tc_dataset(fit, labels, parts)
    xh, _, kh = tc_dataset(held, labels, parts)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xt, yt, xv = torch.from_numpy((x - mu) / sd), torch.from_numpy(y), torch.from_numpy((xh - mu) / sd)
    members, runs = [], []
    for seed in seeds:
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Dropout(drop), nn.Linear(x.shape[1], hidden), nn.GELU(approximate="tanh"),
                            nn.Dropout(drop), nn.Linear(hidden, len(labels)))
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
        g = torch.Generator().manual_seed(seed)
        best: dict = {"f1": -1.0}
        for epoch in range(1, epochs + 1):
            net.train()
            perm = torch.randperm(len(xt), generator=g)
            for b in range(0, len(perm), 32):
                i = perm[b:b + 32]
                loss = -(yt[i] * torch.log_softmax(net(xt[i]), -1)).sum(-1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            net.eval()
            with torch.no_grad():
                f = tc_f1(torch.softmax(net(xv), -1).numpy(), kh, labels)
            if f > best["f1"]:
                best = {"f1": f, "epoch": epoch, "state": {k: v.clone() for k, v in net.state_dict().items()}}
        net.load_state_dict(best["state"])
        g_ = lambda t: t.detach().numpy().astype(np.float32)  # noqa: E731
        members.append((g_(net[1].weight), g_(net[1].bias), g_(net[4].weight), g_(net[4].bias)))
        runs.append({"seed": seed, "epoch": best["epoch"], "held_out_tc_f1": round(best["f1"], 4)})
        log(f"span classifier seed {seed}: epoch {best['epoch']}, held-out TC micro-F1 {best['f1']:.4f}")
    weights = {"mu": mu.astype(np.float32), "sd": sd.astype(np.float32),
               **{k: np.stack([m[n] for m in members]) for n, k in enumerate(("w1", "b1", "w2", "b2"))}}
    f = tc_f1(tc_probabilities(weights, xh), kh, labels)
    return weights, {"runs": runs, "held_out_tc_f1": round(f, 4), "inputs": list(parts)}


def probs_of(net: nn.Module, docs: list[dict], averaged: bool = False) -> list[np.ndarray]:
    net.eval()
    out = []
    with torch.no_grad():
        for d in docs:
            y = net(torch.from_numpy(d["x"].astype(np.float32))[None])[0]
            out.append((y if averaged else torch.softmax(y[:, :3], -1)).numpy())
    net.train()
    return out


def decode_scores(model: TechniqueModel, docs: list[dict], probs: list[np.ndarray], grid=GRID) -> dict:
    """SI (F1, P, R) on ``docs`` for every decoding in ``grid``."""
    gold = [g for d in docs for g in d["gold"]]
    res = {}
    for t, gap, m in grid:
        pred = []
        for d, p in zip(docs, probs):
            enc = Encoding(offsets=d["offsets"], hidden=None, windows=[], cls=None, owner=None)
            pred += [(d["id"], s, e) for s, e, _ in model.si(d["text"], enc, t, gap, m, probs=p)]
        res[(t, gap, m)] = si_scores(pred, gold)
    return res


def best_decoding(scores: dict) -> tuple[tuple, tuple]:
    key = max(scores, key=lambda k: (round(scores[k][0], 6), -k[1], -k[2], -abs(k[0] - 0.5)))
    return key, scores[key]


def train_one(fit: list[dict], held: list[dict], model: TechniqueModel, *, seed: int, epochs: int, aux: float,
              log, chunk: int = 512, batch_size: int = 8, lr: float = 2e-3) -> tuple[SpanTagger, dict]:
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    width, n_labels = fit[0]["x"].shape[1], fit[0]["aux"].shape[1]
    net = SpanTagger(width, n_labels)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    xs = [torch.from_numpy(d["x"].astype(np.float32)) for d in fit]
    ys = [torch.from_numpy(d["bio"].astype(np.int64)) for d in fit]
    zs = [torch.from_numpy(d["aux"]) for d in fit]
    best: dict = {"f1": -1.0}
    for epoch in range(1, epochs + 1):
        t0, total, steps = time.time(), 0.0, 0
        items = article_chunks([len(x) for x in xs], chunk, rng)
        for b in range(0, len(items), batch_size):
            group = items[b:b + batch_size]
            longest = max(e - s for _, s, e in group)
            xb = torch.zeros(len(group), longest, width)
            yb = torch.full((len(group), longest), -100, dtype=torch.long)
            zb = torch.zeros(len(group), longest, n_labels)
            mb = torch.zeros(len(group), longest)
            for i, (k, s, e) in enumerate(group):
                xb[i, :e - s], yb[i, :e - s], zb[i, :e - s], mb[i, :e - s] = xs[k][s:e], ys[k][s:e], zs[k][s:e], 1
            o = net(xb)
            loss = nn.functional.cross_entropy(o[..., :3].reshape(-1, 3), yb.reshape(-1), ignore_index=-100)
            if aux:
                per = nn.functional.binary_cross_entropy_with_logits(o[..., 3:], zb, reduction="none").mean(-1)
                loss = loss + aux * (per * mb).sum() / mb.sum()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += loss.item()
            steps += 1
        key, (f, p, r) = best_decoding(decode_scores(model, held, probs_of(net, held)))
        log(f"seed {seed} epoch {epoch}: loss {total / max(steps, 1):.4f}, {time.time() - t0:.0f} s, "
            f"held-out SI F1 {f:.4f} (P {p:.3f} R {r:.3f}) at {key}")
        if f > best["f1"]:
            best = {"f1": f, "epoch": epoch, "key": key,
                    "state": {k: v.clone() for k, v in net.state_dict().items()}}
    net.load_state_dict(best["state"])
    net.eval()
    t, gap, m = best["key"]
    return net, {"seed": seed, "epoch": best["epoch"], "held_out_si_f1": round(best["f1"], 4),
                 "decoding": {"threshold": t, "gap": gap, "min_tokens": m}}


def export(net: nn.Module, width: int, path: Path) -> None:
    torch.onnx.export(net, (torch.zeros(1, 7, width),), str(path), input_names=["states"], output_names=["probs"],
                      dynamic_axes={"states": {1: "tokens"}, "probs": {1: "tokens"}}, opset_version=17, dynamo=False)


def train(data: Path, out: Path, *, seeds: tuple[int, ...] = (0,), epochs: int = 12, aux: float = 1.0,
          base: Path | None = None, command: str = "", limit: int | None = None,
          tc_parts: tuple[str, ...] | None = None, si: bool = True) -> dict:
    """Train the span head(s) (and, with ``tc_parts``, the span classifier); write the model folder
    to ``out``; return the figures."""
    from unspun.models.techniques import SPAN_PARTS

    unknown = [p for p in tc_parts or () if p not in SPAN_PARTS]
    if unknown:
        raise ValueError(f"unknown span part {unknown[0]!r} (known: {', '.join(SPAN_PARTS)})")
    random.seed(seeds[0])
    np.random.seed(seeds[0])
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    base = Path(base or DEFAULT_DIR)
    if not si and (not (base / "spans-report.json").exists() or not tc_parts
                   or "si_head" not in json.loads((base / "config.json").read_text(encoding="utf-8"))):
        raise ValueError(f"{base}: no span head to keep (not a `train spans` output), or no --tc-inputs")
    copy_model_folder(base, out)
    log = train_logger(out)

    t_start = time.time()
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    previous = None
    if not si:  # keep the span head of the base folder; train the span classifier only
        previous = json.loads((out / "spans-report.json").read_text(encoding="utf-8"))
    else:
        cfg.pop("si_head", None)  # score the base decoding without a previous span head
    if tc_parts:
        cfg.pop("tc_head", None)
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    labels = cfg["labels"]
    model = TechniqueModel(out)
    docs = load_split(data, "train", labels, load_tokenizer(str(out / "tokenizer.json")), limit=limit)
    fit_docs, held_docs = held_out_split(docs)
    log(f"encoding {len(docs)} PTC train articles ({len(held_docs)} held out)")
    fit = encode_docs(model.encoder, fit_docs, labels)
    held = encode_docs(model.encoder, held_docs, labels) or fit[-1:]
    if si:
        result = train_span_heads(model, cfg, fit, held, seeds=seeds, epochs=epochs, aux=aux, out=out, log=log)
        result.update(command=command, data_hash=data_hash(data), held_out=[d.id for d in held_docs],
                      fit_articles=len(fit_docs))
    else:
        result = previous
        result["tc_command"] = command
    if tc_parts:
        _, _, keys = tc_dataset(held, labels, ())
        old_probs = []  # the span classifier of heads.npz on the same spans, for comparison
        for d in held:
            spans = [(s, e) for aid, s, e, _ in keys if aid == d["id"]]
            if spans:
                old_probs.append(model.classify(d["text"], d["enc"], spans))
        weights, tc_result = train_tc(fit, held, labels, seeds=seeds, parts=tc_parts, log=log)
        tc_result["held_out_old_tc_f1"] = round(tc_f1(np.concatenate(old_probs), keys, labels), 4)
        np.savez(out / "tc.npz", **weights)
        cfg["tc_head"] = {"file": "tc.npz", "inputs": list(tc_parts), "seeds": list(seeds)}
        result["tc"] = tc_result
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    result["seconds" if si else "tc_seconds"] = round(time.time() - t_start)
    (out / "spans-report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_card(out / "MODEL_CARD.md", result)
    log(f"done in {round(time.time() - t_start)} s: held-out SI F1 {result['held_out_si']['f1']} (linear head "
        f"{result['held_out_linear_si_f1']})" + (f"; TC {result['tc']['held_out_tc_f1']}" if result.get("tc") else ""))
    return result


def train_span_heads(model: TechniqueModel, cfg: dict, fit: list[dict], held: list[dict], *, seeds, epochs: int,
                     aux: float, out: Path, log) -> dict:
    """Train one span head per seed, export their average (``si.onnx``) and each alone; set ``cfg``."""
    nets, runs = [], []
    for seed in seeds:
        net, run = train_one(fit, held, model, seed=seed, epochs=epochs, aux=aux, log=log)
        nets.append(net)
        runs.append(run)
    averaged = AveragedTaggers(nets).eval()
    key, (f, p, r) = best_decoding(decode_scores(model, held, probs_of(averaged, held, averaged=True)))
    linear_key = (model.threshold, int(cfg.get("gap", 0)), int(cfg.get("min_tokens", 1)))
    linear = decode_scores(model, held, [model.token_probs(_enc(model, d)) for d in held], [linear_key])[linear_key]
    width = fit[0]["x"].shape[1]
    export(averaged, width, out / "si.onnx")
    (out / "span-heads").mkdir(exist_ok=True)
    for seed, net in zip(seeds, nets):  # each head alone, for the spread over seeds (not shipped)
        export(AveragedTaggers([net]).eval(), width, out / "span-heads" / f"seed{seed}.onnx")
    cfg["si_head"] = {"file": "si.onnx", "threshold": key[0], "gap": key[1], "min_tokens": key[2],
                      "seeds": list(seeds)}
    return {"seeds": list(seeds), "epochs": epochs, "aux": aux, "runs": runs, "tc": None,
            "held_out_si": {"f1": round(f, 4), "precision": round(p, 4), "recall": round(r, 4)},
            "held_out_linear_si_f1": round(linear[0], 4), "decoding": cfg["si_head"]}


def _enc(model: TechniqueModel, d: dict) -> Encoding:
    hidden = d["x"][:, :model.encoder.width].astype(np.float32)
    return Encoding(offsets=d["offsets"], hidden=hidden, windows=[], cls=None, owner=None)


CARD_HEADING = "## Span head (SI)"


def write_card(path: Path, result: dict) -> None:
    """Add (or replace) the span-head section of the model card."""
    d = result["decoding"]
    runs = ", ".join(f"seed {r['seed']}: epoch {r['epoch']}, {r['held_out_si_f1']}" for r in result["runs"])
    lines = [
        "Span identification reads the same encoder pass as every other head: [hidden; mid; 6 surface",
        "features] -> 256 -> BiLSTM 2x128 -> O/B/I (+ one sigmoid per technique as an auxiliary task,",
        f"weight {result['aux']}), trained on PTC train with the encoder frozen (`si.onnx`; "
        f"{len(result['seeds'])} head(s), averaged).",
        "",
        f"- command: `{result['command']}`; {result['seconds']} s on this machine; data hash {result['data_hash']}",
        f"- {result['fit_articles']} articles to fit, {len(result['held_out'])} held out (the same as the encoder's",
        "  training) to choose the epoch and the decoding; PTC dev never read.",
        f"- per head, best epoch and held-out SI F1: {runs}",
        f"- exported graph: held-out SI F1 {result['held_out_si']['f1']} (P {result['held_out_si']['precision']},"
        f" R {result['held_out_si']['recall']}) with threshold {d['threshold']}, gaps of up to {d['gap']} tokens"
        f" filled, runs of at least {d['min_tokens']} tokens; the linear head on the same articles:"
        f" {result['held_out_linear_si_f1']}.",
    ]
    tc = result.get("tc")
    if tc:
        runs = ", ".join(f"seed {r['seed']}: epoch {r['epoch']}, {r['held_out_tc_f1']}" for r in tc["runs"])
        lines += [
            f"- span classifier (`tc.npz`): MLPs over [{'; '.join(tc['inputs'])}] of each span, one per seed,",
            f"  averaged; trained on the gold spans of the same articles, epoch chosen on the held-out ones ({runs}).",
            f"  Held-out TC micro-F1 {tc['held_out_tc_f1']} (the span classifier of `heads.npz`: "
            f"{tc['held_out_old_tc_f1']}).",
        ]
    else:
        lines.append("- TC uses the span classifier of `heads.npz` (above).")
    card_section(path, CARD_HEADING, lines)

"""Train the span-identification model (SI) of the technique layer on PTC (issue 3).

The span head of ``unspun train spans`` reads the shared encoder, whose lower layers never saw
technique spans; this one is a second MiniLM fine-tuned whole for SI: each 256-token window
goes through the encoder, its states with the six surface features of the attribution tagger
(inside quotation marks, quote mark, reporting verb, "according", paragraph start, capital)
through a BiLSTM (2x128), and out come O/B/I per token plus, as an auxiliary task, one sigmoid
per technique (the token lies inside a span of that technique).

- Data: PTC train; the same 10% of the articles as the other technique trainings (lowest SHA-256
  of the article id) are held out to choose the epoch, the decoding and the seed to ship. PTC
  dev is never read.
- ``seeds``: one model per seed (to measure the spread); the seed whose int8 graph scores best on
  the held-out articles is shipped as ``si-model.onnx``; each seed's int8 graph stays in
  ``si-models/seed{N}.onnx``.
- Checkpoints per seed in ``checkpoints/si-seed{N}/`` (``last.pt`` after every epoch;
  ``--resume`` continues a seed's run from it; ``best.pt``).

Output folder OUT: a copy of the base model folder with ``si-model.onnx`` (int8; inputs
``input_ids``, ``attention_mask``, ``feats``; output ``probs`` [B, T, 3]), config.json
``si_model`` (file, decoding, seeds), ``si-report.json`` and a section in MODEL_CARD.md. Needs
torch, transformers and onnx (the ``train`` extra).
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.models.attribution_features import N_FEATURES as N_TOKEN_FEATURES
from unspun.models.attribution_features import token_features
from unspun.models.runtime import DEFAULT_DIR, load_tokenizer
from unspun.models.techniques.spanmodel import article_probs, window_batch
from unspun.models.techniques import TechniqueModel
from unspun.train.spans import best_decoding, decode_scores
from unspun.train.techniques import (BASE_PACKAGE, SeedCheckpoints, base_model_dir, card_section, copy_model_folder,
                                     data_hash, held_out_split, load_split, train_logger)

WINDOW, OVERLAP = 256, 64


class SIModel(nn.Module):
    """MiniLM -> [states; token features] -> 256 -> BiLSTM 2x128 -> O/B/I + one logit per technique;
    with ``roles``, a second tagger of the same shape on the same states -> O/B/I for each attribution
    role (Source, Cue, Content), trained on PolNeAR windows."""

    def __init__(self, base: Path, n_labels: int, proj: int = 256, hidden: int = 128, drop: float = 0.2,
                 roles: bool = False) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base))
        for name, p in self.encoder.named_parameters():
            if name.startswith("pooler."):
                p.requires_grad_(False)
        h = self.encoder.config.hidden_size
        self.drop = nn.Dropout(drop)
        self.proj = nn.Linear(h + N_TOKEN_FEATURES, proj)
        self.rnn = nn.LSTM(proj, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 3 + n_labels)
        self.roles = None
        if roles:
            self.roles = nn.ModuleDict({"proj": nn.Linear(h + N_TOKEN_FEATURES, proj),
                                        "rnn": nn.LSTM(proj, hidden, batch_first=True, bidirectional=True),
                                        "out": nn.Linear(2 * hidden, 9)})

    def both(self, input_ids, attention_mask, feats):
        """(SI logits [B, T, 3 + labels], role logits [B, T, 3, 3] or None) from one encoder pass."""
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        x = self.drop(torch.cat([states, feats], dim=-1))
        y, _ = self.rnn(torch.relu(self.proj(x)))
        si = self.out(self.drop(y))
        if self.roles is None:
            return si, None
        r, _ = self.roles["rnn"](torch.relu(self.roles["proj"](x)))
        return si, self.roles["out"](self.drop(r)).view(*r.shape[:2], 3, 3)

    def forward(self, input_ids, attention_mask, feats):
        return self.both(input_ids, attention_mask, feats)[0]


class _SIProbs(nn.Module):
    def __init__(self, net: SIModel) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids, attention_mask, feats):
        si, roles = self.net.both(input_ids, attention_mask, feats)
        probs = torch.softmax(si[..., :3], dim=-1)
        return probs if roles is None else (probs, torch.softmax(roles, dim=-1))


def _doc_rows(docs, labels: list[str]) -> list[dict]:
    rows = []
    for d in docs:
        aux = np.zeros((len(d.ids), len(labels)), np.float32)
        for _, lab, s, e in d.tc_rows:
            i, j = d._tokens(s, e)
            aux[i:j, labels.index(lab)] = 1.0
        rows.append({"id": d.id, "text": d.text, "ids": d.ids, "offsets": d.offsets, "bio": d.bio, "aux": aux,
                     "feats": token_features(d.text, d.offsets), "gold": [(d.id, s, e) for s, e in d.si_gold]})
    return rows


def train_windows(rows: list[dict], size: int, rng: np.random.RandomState) -> list[tuple[int, int, int]]:
    """(row, start, end) windows covering every article, cut at a fresh random offset each epoch."""
    out = []
    for k, r in enumerate(rows):
        n = len(r["ids"])
        if n <= size:
            out.append((k, 0, n))
            continue
        shift = int(rng.randint(0, size))
        starts = sorted({max(0, s) for s in range(shift - size if shift else 0, n, size)})
        out += [(k, s, min(n, s + size)) for s in starts]
    return out


def _torch_fn(net: SIModel, roles: bool = False):
    """The window function of the torch model: SI probabilities, or (with ``roles``) the role ones."""
    def fn(ids, mask, feats):
        with torch.inference_mode():
            si, role_logits = net.both(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(feats))
            return torch.softmax(role_logits if roles else si[..., :3], dim=-1).numpy()
    return fn


def onnx_fn(path: Path, output: str = "probs"):
    """The window function of an exported span model: its ``probs`` (SI) or ``roles`` output."""
    from unspun.models.runtime import _session

    session = _session(str(path))

    def fn(ids, mask, feats):
        return session.run([output], {"input_ids": ids, "attention_mask": mask, "feats": feats})[0]
    return fn


def held_probs(fn, held: list[dict], cls_id: int, sep_id: int) -> list[np.ndarray]:
    """O/B/I probabilities of every held-out article by the window function ``fn``."""
    return [article_probs(fn, r["ids"], r["feats"], cls_id, sep_id) for r in held]


def polnear_rows(folder: Path, tokenizer, limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """PolNeAR articles of ``folder`` (first annotator file) tokenised with their role tags, split
    as the attribution tagger splits them: (fit, held out by the hash of the name)."""
    from unspun.eval.polnear import polnear_articles
    from unspun.eval.sentences import bucket
    from unspun.train.heads import role_tags

    rows = []
    for name, text, gold in polnear_articles(folder)[:limit]:
        tok = tokenizer.encode(text, add_special_tokens=False)
        offsets = np.asarray(tok.offsets, dtype=np.int64).reshape(-1, 2)
        rows.append({"name": name, "text": text, "gold": gold, "ids": np.asarray(tok.ids, dtype=np.int64),
                     "offsets": offsets, "feats": token_features(text, offsets),
                     "roles": role_tags(offsets, gold).astype(np.int64)})
    held = [r for r in rows if bucket(r["name"], 10) == 0] or rows[-1:]
    names = {r["name"] for r in held}
    return [r for r in rows if r["name"] not in names] or rows, held


def role_f1(held: list[dict], probs: list[np.ndarray]) -> tuple[float, dict]:
    """Mean token F1 of the three roles at the best per-role thresholds, and the scores."""
    from unspun.train.heads import role_thresholds

    thresholds, scores = role_thresholds(held, probs)
    return float(np.mean([scores[f"token {r}"] for r in ("Source", "Cue", "Content")])), {**scores,
                                                                                          "thresholds": thresholds}


MIXES = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
ROLE_MIXES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0)


def best_role_mix(held: list[dict], alone: list[np.ndarray], tagger: list[np.ndarray]) -> dict:
    """The weight of the frozen-encoder tagger's role probabilities (and per-role thresholds) with the
    best mean held-out role token F1."""
    best = None
    for w in ROLE_MIXES:
        f, scores = role_f1(held, [(1 - w) * a + w * t for a, t in zip(alone, tagger)])
        if best is None or round(f, 6) > round(best[0], 6):
            best = (f, w, scores)
    f, w, scores = best
    return {"mix": w, "thresholds": scores.pop("thresholds"), "held_out": scores, "held_out_role_f1": round(f, 4)}


def _selection(run: dict) -> float:
    """What ships a seed: held-out SI F1 (mixed), averaged with the role token F1 when it has roles."""
    if "roles" in run:
        return (run["held_out_si_f1_mixed"] + run["roles"]["held_out_role_f1"]) / 2
    return run["held_out_si_f1_mixed"]


def best_mix(model: TechniqueModel, held: list[dict], alone: list[np.ndarray], shared: list[np.ndarray]):
    """The weight of the shared pass's SI probabilities (and the decoding) that score best on ``held``:
    (weight, (threshold, gap, min_tokens), (F1, P, R))."""
    best = None
    for w in MIXES:
        key, score = best_decoding(decode_scores(model, held, [(1 - w) * a + w * s for a, s in zip(alone, shared)]))
        if best is None or round(score[0], 6) > round(best[2][0], 6):
            best = (w, key, score)
    return best


def train_seed(fit: list[dict], held: list[dict], model: TechniqueModel, labels: list[str], *, seed: int,
               epochs: int, lr: float, head_lr: float, batch_size: int, aux: float, base: Path, ck: Path,
               resume: bool, log, cls_id: int, sep_id: int, max_steps: int | None = None,
               roles: tuple[list[dict], list[dict], int, float] | None = None) -> tuple[SIModel, dict]:
    """Fine-tune one SI model; keep the epoch with the best held-out SI F1 (best decoding).

    ``roles`` = (PolNeAR fit rows, held-out rows, articles per epoch, loss weight): the model also
    learns the attribution roles on windows of that many PolNeAR articles a epoch (a fresh draw each
    epoch), and the epoch is chosen by the mean of the held-out SI F1 and the held-out role token F1."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    net = SIModel(base, len(labels), roles=roles is not None)
    size = WINDOW - 2
    pol_fit, pol_held, per_epoch, role_weight = roles or ([], [], 0, 0.0)
    per_epoch = min(per_epoch, len(pol_fit))
    n_wins = len(train_windows(fit, size, np.random.RandomState(0)))
    if per_epoch:
        n_wins += len(train_windows(pol_fit, size, np.random.RandomState(0))) * per_epoch // len(pol_fit)
    steps_per_epoch = -(-n_wins // batch_size)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    run = SeedCheckpoints(net, ck, lr=lr, head_lr=head_lr, total=total, rng=rng)
    state = run.start(resume, log, seed)
    t0 = time.time() - state["elapsed"]
    ce = nn.CrossEntropyLoss(ignore_index=-100)
    key_name = "held_out_si_f1" if roles is None else "held_out_score"
    while state["epoch"] < epochs and (max_steps is None or state["step"] < max_steps):
        net.train()
        wins = [(0, k, s, e) for k, s, e in train_windows(fit, size, rng)]
        if per_epoch:
            drawn = sorted(rng.choice(len(pol_fit), per_epoch, replace=False).tolist())
            wins += [(1, drawn[k], s, e) for k, s, e in train_windows([pol_fit[i] for i in drawn], size, rng)]
        order = rng.permutation(len(wins)).tolist()
        losses, t_ep = [], time.time()
        for b in range(0, len(order), batch_size):
            chosen = [wins[i] for i in order[b:b + batch_size]]
            longest = max(e - s for _, _, s, e in chosen) + 2
            ids = np.zeros((len(chosen), longest), np.int64)
            mask = np.zeros_like(ids)
            feats = np.zeros((len(chosen), longest, N_TOKEN_FEATURES), np.float32)
            bio = np.full((len(chosen), longest), -100, np.int64)
            auxt = np.zeros((len(chosen), longest, len(labels)), np.float32)
            role_t = np.full((len(chosen), longest, 3), -100, np.int64)
            for r, (task, k, s, e) in enumerate(chosen):
                row = pol_fit[k] if task else fit[k]
                i, _, f = window_batch(row["ids"], row["feats"], [(s, e)], cls_id, sep_id)
                ids[r, :i.shape[1]], mask[r, :i.shape[1]], feats[r, :i.shape[1]] = i[0], 1, f[0]
                if task:
                    role_t[r, 1:e - s + 1] = row["roles"][s:e]
                else:
                    bio[r, 1:e - s + 1] = row["bio"][s:e]
                    auxt[r, 1:e - s + 1] = row["aux"][s:e]
            o, ro = net.both(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(feats))
            target = torch.from_numpy(bio)
            inside = (target >= 0).float()
            loss = o.sum() * 0.0
            if inside.sum() > 0:  # a batch of PolNeAR windows alone has no SI targets
                loss = loss + ce(o[..., :3].reshape(-1, 3), target.reshape(-1))
                if aux:
                    per = nn.functional.binary_cross_entropy_with_logits(o[..., 3:], torch.from_numpy(auxt),
                                                                         reduction="none").mean(-1)
                    loss = loss + aux * (per * inside).sum() / inside.sum()
            if ro is not None and (role_t >= 0).any():
                loss = loss + role_weight * ce(ro.reshape(-1, 3), torch.from_numpy(role_t).reshape(-1))
            run.step(loss)
            losses.append(float(loss.detach()))
            state["step"] += 1
            if len(losses) % 50 == 0:
                log(f"seed {seed} epoch {state['epoch'] + 1}: step {len(losses)}, loss {np.mean(losses[-50:]):.4f}"
                    f" ({(time.time() - t_ep) / len(losses):.2f} s/step)")
            if max_steps is not None and state["step"] >= max_steps:
                break
        state["epoch"] += 1
        net.eval()
        key, (f, p, r) = best_decoding(decode_scores(model, held, held_probs(_torch_fn(net), held, cls_id, sep_id)))
        entry = {"epoch": state["epoch"], "loss": round(float(np.mean(losses)), 4), "held_out_si_f1": round(f, 4),
                 "decoding": list(key)}
        score, more = f, ""
        if roles is not None:
            rf, rscores = role_f1(pol_held, held_probs(_torch_fn(net, roles=True), pol_held, cls_id, sep_id))
            score = (f + rf) / 2
            entry.update(held_out_role_f1=round(rf, 4), held_out_roles=rscores, held_out_score=round(score, 4))
            more = (f"; held-out role token F1 Source {rscores['token Source']} Cue {rscores['token Cue']} "
                    f"Content {rscores['token Content']}")
        state["history"].append(entry)
        log(f"seed {seed} epoch {state['epoch']}: loss {np.mean(losses):.4f}, held-out SI F1 {f:.4f} "
            f"(P {p:.3f} R {r:.3f}) at {key}{more} ({time.time() - t0:.0f} s)")
        run.end_epoch(state, score, key_name, time.time() - t0)
    best = state["best"]
    chosen = next(h for h in state["history"] if h["epoch"] == best["epoch"])
    return run.best(), {"seed": seed, "epoch": best["epoch"], "held_out_si_f1": chosen["held_out_si_f1"],
                        **({"held_out_role_f1": chosen["held_out_role_f1"]} if roles is not None else {}),
                        "history": state["history"], "seconds": round(time.time() - t0)}


def export(net: SIModel, fp32: Path, int8: Path) -> None:
    """ONNX export (O/B/I softmax included; ``roles`` [B, T, 3, 3] too when the model has the attribution
    tagger), then dynamic int8 quantisation (``export_window_model``)."""
    export_window_model(_SIProbs(net).eval(), ["probs"] if net.roles is None else ["probs", "roles"], fp32, int8)


def export_window_model(wrapper: nn.Module, outputs: list[str], fp32: Path, int8: Path) -> None:
    """ONNX export of a window model ``wrapper(input_ids, attention_mask, feats)`` with ``outputs``,
    then dynamic int8 quantisation of the embeddings and the matrix products (LSTMs stay fp32)."""
    ids = torch.full((2, 12), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    feats = torch.zeros((2, 12, N_TOKEN_FEATURES), dtype=torch.float32)
    dyn = {0: "batch", 1: "seq"}
    with torch.inference_mode():
        torch.onnx.export(wrapper, (ids, mask, feats), str(fp32), opset_version=17, dynamo=False,
                          input_names=["input_ids", "attention_mask", "feats"], output_names=outputs,
                          dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "feats": dyn,
                                        **{o: dyn for o in outputs}})
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Gemm", "Gather"])


def train(data: Path, out: Path, *, seeds: tuple[int, ...] = (0,), epochs: int = 3, lr: float = 5e-5,
          head_lr: float = 1e-3, batch_size: int = 8, aux: float = 1.0, base: Path | None = None,
          encoder: Path | None = None, resume: bool = False, command: str = "", limit: int | None = None,
          max_steps: int | None = None, attribution: Path | None = None, attribution_articles: int = 250,
          attribution_weight: float = 1.0) -> dict:
    """Train one SI model per seed, ship the best on held-out articles as ``out/si-model.onnx``.

    ``attribution``: a PolNeAR split folder (``text/``, ``attributions/``; e.g. ``polnear/data/train``):
    the span model also learns the attribution roles (multi-task, ``attribution_articles`` PolNeAR
    articles drawn each epoch, loss weight ``attribution_weight``); its role probabilities are mixed
    with the folder's frozen-encoder tagger (``attribution.onnx``) by a weight and thresholds chosen
    on the tagger's held-out PolNeAR train articles (config ``si_model.roles``)."""
    t_start = time.time()
    if attribution is not None and not all((Path(attribution) / d).is_dir() for d in ("text", "attributions")):
        raise FileNotFoundError(f"--attribution {attribution}: not a PolNeAR split folder (text/ and "
                                "attributions/ needed)")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    random.seed(seeds[0])
    base = Path(base or DEFAULT_DIR)
    encoder = Path(encoder or base_model_dir())
    copy_model_folder(base, out)
    log = train_logger(out)
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    labels = cfg["labels"]
    tokenizer = load_tokenizer(str(out / "tokenizer.json"))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    docs = load_split(data, "train", labels, tokenizer, limit=limit)
    fit_docs, held_docs = held_out_split(docs)
    fit, held = _doc_rows(fit_docs, labels), _doc_rows(held_docs, labels)
    held = held or fit[-1:]
    log(f"{len(fit)} articles to fit ({sum(len(r['ids']) for r in fit)} tokens), {len(held)} held out")
    roles = None
    if attribution is not None:
        pol_fit, pol_held = polnear_rows(Path(attribution), tokenizer, limit=limit)
        roles = (pol_fit, pol_held, attribution_articles, attribution_weight)
        log(f"attribution: {len(pol_fit)} PolNeAR articles to fit ({min(attribution_articles, len(pol_fit))} "
            f"drawn each epoch), {len(pol_held)} held out")
    cfg.pop("si_model", None)  # a span model of the base folder is replaced, not mixed in
    if attribution is not None:  # its roles are mixed with the tagger alone, in place of an attribution model
        cfg.get("heads", {}).pop("attribution_model", None)
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    model = TechniqueModel(out)
    shared = [model.token_probs(model.encoder.encode(r["text"]), r["text"]) for r in held]
    shared_key, shared_f = best_decoding(decode_scores(model, held, shared))
    log(f"SI of the shared encoder pass ({'span head' if model.span_head is not None else 'linear head'}) on the "
        f"held-out articles: {shared_f[0]:.4f} at {shared_key}")
    tagger = None
    if roles is not None:
        from unspun.models.heads import Heads

        heads = Heads(out)
        tagger = [heads.role_probs(r["text"], model.encoder.encode(r["text"])) for r in roles[1]]
        tagger_f, tagger_scores = role_f1(roles[1], tagger)
        log(f"attribution of the frozen-encoder tagger on the held-out PolNeAR articles: {tagger_f:.4f} "
            f"{tagger_scores}")
    (out / "si-models").mkdir(exist_ok=True)
    runs = []
    for seed in seeds:
        net, run = train_seed(fit, held, model, labels, seed=seed, epochs=epochs, lr=lr, head_lr=head_lr,
                              batch_size=batch_size, aux=aux, base=encoder, ck=out / "checkpoints" / f"si-seed{seed}",
                              resume=resume, log=log, cls_id=cls_id, sep_id=sep_id, max_steps=max_steps,
                              roles=roles)
        fp32 = out / "si-models" / f"seed{seed}-fp32.onnx"
        int8 = out / "si-models" / f"seed{seed}.onnx"
        export(net, fp32, int8)
        key32, s32 = best_decoding(decode_scores(model, held, held_probs(onnx_fn(fp32), held, cls_id, sep_id)))
        fp32.unlink()
        alone = held_probs(onnx_fn(int8), held, cls_id, sep_id)
        key, (f, p, r) = best_decoding(decode_scores(model, held, alone))
        run.update(held_out_si_f1_fp32_onnx=round(s32[0], 4), held_out_si_f1_int8=round(f, 4),
                   held_out_int8_p=round(p, 4), held_out_int8_r=round(r, 4),
                   decoding_alone={"threshold": key[0], "gap": key[1], "min_tokens": key[2]})
        run["mix"], mkey, (mf, mp, mr) = best_mix(model, held, alone, shared)
        run.update(held_out_si_f1_mixed=round(mf, 4), held_out_mixed_p=round(mp, 4), held_out_mixed_r=round(mr, 4),
                   decoding={"threshold": mkey[0], "gap": mkey[1], "min_tokens": mkey[2]})
        log(f"seed {seed}: epoch {run['epoch']}; held-out SI F1 torch {run['held_out_si_f1']}, fp32 ONNX "
            f"{run['held_out_si_f1_fp32_onnx']}, int8 {f:.4f} (P {p:.3f} R {r:.3f}) at {key}; mixed with the "
            f"shared pass's SI (weight {run['mix']}) {mf:.4f} (P {mp:.3f} R {mr:.3f}) at {mkey}")
        if roles is not None:
            run["roles"] = best_role_mix(roles[1], held_probs(onnx_fn(int8, "roles"), roles[1], cls_id, sep_id),
                                         tagger)
            log(f"seed {seed}: attribution (int8) mixed with the frozen-encoder tagger (weight "
                f"{run['roles']['mix']}): held-out {run['roles']['held_out']}")
        runs.append(run)
    best = max(runs, key=lambda r: (_selection(r), -r["seed"]))
    shutil.copyfile(out / "si-models" / f"seed{best['seed']}.onnx", out / "si-model.onnx")
    cfg["si_model"] = {"file": "si-model.onnx", "window": WINDOW, "overlap": OVERLAP, **best["decoding"],
                       "mix": best["mix"], "seed": best["seed"], "seeds": list(seeds)}
    if roles is not None:
        cfg["si_model"]["roles"] = {"mix": best["roles"]["mix"], "thresholds": best["roles"]["thresholds"]}
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    result = {"command": command, "data_hash": data_hash(data), "base": BASE_PACKAGE, "seeds": list(seeds),
              "epochs": epochs, "lr": lr, "batch_size": batch_size, "aux": aux, "runs": runs,
              "shipped_seed": best["seed"], "held_out_si_f1": best["held_out_si_f1_mixed"], "mix": best["mix"],
              "decoding": best["decoding"], "held_out_shared_si_f1": round(shared_f[0], 4), "fit_articles": len(fit_docs), "held_out": [d.id for d in held_docs],
              "seconds": round(time.time() - t_start)}
    if roles is not None:
        result["attribution"] = {"data": str(attribution), "articles_per_epoch": attribution_articles,
                                 "weight": attribution_weight, "fit_articles": len(roles[0]),
                                 "held_out_articles": len(roles[1]), "held_out_tagger": tagger_scores,
                                 "held_out": best["roles"]["held_out"], "mix": best["roles"]["mix"]}
    (out / "si-report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_card(out / "MODEL_CARD.md", result)
    log(f"done in {result['seconds']} s: shipped seed {best['seed']}, held-out SI F1 {result['held_out_si_f1']}")
    return result


CARD_HEADING = "## Span model (SI)"


def write_card(path: Path, result: dict) -> None:
    """Add (or replace) the span-model section of the model card."""
    runs = "; ".join(f"seed {r['seed']}: epoch {r['epoch']}, torch {r['held_out_si_f1']}, int8 "
                     f"{r['held_out_si_f1_int8']}" for r in result["runs"])
    d = result["decoding"]
    lines = [
        "Span identification runs a second encoder (`si-model.onnx`, int8): MiniLM fine-tuned whole on",
        f"{WINDOW}-token windows of PTC train, [states; 6 token features] -> 256 -> BiLSTM 2x128 -> O/B/I",
        f"(+ one sigmoid per technique as an auxiliary task, weight {result['aux']}).",
        "",
        f"- command: `{result['command']}`; {result['seconds']} s on this machine; data hash {result['data_hash']}",
        f"- base: {result['base']}; {result['epochs']} epochs, lr {result['lr']}, batch {result['batch_size']}",
        f"- {result['fit_articles']} articles to fit; the {len(result['held_out'])} held-out articles choose the",
        "  epoch, the decoding and the shipped seed; PTC dev never read.",
        f"- per seed (best epoch, held-out SI F1): {runs}",
        f"- mixed with the SI of the shared encoder pass (held-out alone: {result['held_out_shared_si_f1']}): "
        "O/B/I probabilities weighted by the weight chosen per seed on the held-out articles (" +
        "; ".join(f"seed {r['seed']}: {r['mix']}, {r['held_out_si_f1_mixed']}" for r in result["runs"]) + ").",
        f"- shipped: seed {result['shipped_seed']} (held-out SI F1 {result['held_out_si_f1']}, int8, mixed "
        f"{1 - result['mix']:.1f} / {result['mix']:.1f}) with threshold "
        f"{d['threshold']}, gaps of up to {d['gap']} tokens filled, runs of at least {d['min_tokens']} tokens.",
    ]
    attr = result.get("attribution")
    if attr:
        held = attr["held_out"]
        lines += [
            "- attribution (multi-task): a second tagger of the same shape on the same encoder states gives",
            f"  O/B/I for Source, Cue and Content (output `roles`), trained on PolNeAR windows ({attr['data']};",
            f"  {attr['articles_per_epoch']} of its {attr['fit_articles']} fit articles drawn each epoch, loss "
            f"weight {attr['weight']}); the {attr['held_out_articles']} articles the",
            "  frozen-encoder tagger holds out (hash of the name) choose the epoch (with SI), the mixing weight of",
            f"  that tagger ({attr['mix']}) and the per-role thresholds. Held-out token F1: Source "
            f"{held['token Source']}, Cue {held['token Cue']},",
            f"  Content {held['token Content']} (the tagger alone: {attr['held_out_tagger']['token Source']} / "
            f"{attr['held_out_tagger']['token Cue']} / {attr['held_out_tagger']['token Content']}).",
        ]
    card_section(path, CARD_HEADING, lines)

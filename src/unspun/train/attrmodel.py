"""``unspun train attribution``: an encoder fine-tuned whole on PolNeAR's attribution roles.

The shipped attribution tagger reads the frozen states of the technique encoder; this trains an
attribution model instead: MiniLM (``--encoder`` another Hugging Face folder) fine-tuned whole on
256-token windows of PolNeAR train articles, its states with the six surface features of the
tagger (``unspun.models.attribution_features``) -> 256 -> BiLSTM 2x128 -> O/B/I for each of
Source, Cue and Content (roles tagged independently, as the tagger does).

- Data: PolNeAR train, first annotator file by name; the tagger's held-out articles (SHA-256
  bucket 0 of 10 of the name, 89 articles) choose the epoch, the mixing weight of the frozen
  tagger's probabilities and the per-role thresholds. PolNeAR dev is never read here
  (``benchmarks/attribution_polnear.py`` reports on it).
- The model is exported to ONNX (``attribution-model.onnx``, int8; inputs ``input_ids``,
  ``attention_mask``, ``feats``; output ``roles`` [B, T, 3, 3]) and the held-out figures are
  measured again on it; the mixing weight and thresholds are chosen on the int8 graph.

``OUT`` is a complete model folder: the files of ``--base`` (default: the shipped one) with the
attribution model beside them and the config's ``heads.attribution_model`` naming it, so
``unspun analyze`` with ``UNSPUN_MODEL_DIR=OUT`` uses it. Needs the ``train`` extra.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.models.attribution_features import N_FEATURES
from unspun.models.runtime import DEFAULT_DIR, load_tokenizer
from unspun.models.techniques.spanmodel import window_batch
from unspun.train.simodel import (best_role_mix, export_window_model, held_probs, onnx_fn, polnear_rows, role_f1,
                                  train_windows)
from unspun.train.techniques import (BASE_PACKAGE, SeedCheckpoints, base_model_dir, card_section, copy_model_folder,
                                     train_logger)

WINDOW, OVERLAP = 256, 64


class AttributionNet(nn.Module):
    """Encoder -> [states; token features] -> 256 -> BiLSTM 2x128 -> O/B/I per role."""

    def __init__(self, base: Path, proj: int = 256, hidden: int = 128, drop: float = 0.2) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base))
        for name, p in self.encoder.named_parameters():
            if name.startswith("pooler."):
                p.requires_grad_(False)
        self.drop = nn.Dropout(drop)
        self.proj = nn.Linear(self.encoder.config.hidden_size + N_FEATURES, proj)
        self.rnn = nn.LSTM(proj, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 9)

    def forward(self, input_ids, attention_mask, feats):
        """Role logits [B, T, 3 roles, 3]."""
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
        x = self.drop(torch.cat([states, feats], dim=-1))
        y, _ = self.rnn(torch.relu(self.proj(x)))
        return self.out(self.drop(y)).view(*y.shape[:2], 3, 3)


class _AttributionProbs(nn.Module):
    def __init__(self, net: AttributionNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids, attention_mask, feats):
        return torch.softmax(self.net(input_ids, attention_mask, feats), dim=-1)


def torch_fn(net: AttributionNet):
    def fn(ids, mask, feats):
        with torch.inference_mode():
            return torch.softmax(net(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(feats)), -1).numpy()
    return fn


def batch_inputs(rows: list[dict], chosen: list[tuple[int, int, int]], cls_id: int, sep_id: int):
    """ids, mask, feats and role targets (-100 outside the window's tokens) of training windows."""
    longest = max(e - s for _, s, e in chosen) + 2
    ids = np.zeros((len(chosen), longest), np.int64)
    mask = np.zeros_like(ids)
    feats = np.zeros((len(chosen), longest, N_FEATURES), np.float32)
    target = np.full((len(chosen), longest, 3), -100, np.int64)
    for r, (k, s, e) in enumerate(chosen):
        row = rows[k]
        i, _, f = window_batch(row["ids"], row["feats"], [(s, e)], cls_id, sep_id)
        ids[r, :i.shape[1]], mask[r, :i.shape[1]], feats[r, :i.shape[1]] = i[0], 1, f[0]
        target[r, 1:e - s + 1] = row["roles"][s:e]
    return ids, mask, feats, target


def export(net: AttributionNet, fp32: Path, int8: Path) -> None:
    """ONNX export (softmax included), then dynamic int8 quantisation (the LSTM stays fp32)."""
    export_window_model(_AttributionProbs(net).eval(), ["roles"], fp32, int8)


def train(data: Path, out: Path, *, base: Path | None = None, encoder: Path | None = None, seed: int = 0,
          epochs: int = 4, lr: float = 5e-5, head_lr: float = 1e-3, batch_size: int = 8, limit: int | None = None,
          resume: bool = False, command: str = "") -> dict:
    """Train the attribution model on ``data`` (the folder holding ``polnear/``) and write the model
    folder ``base`` (default: the shipped one) with it into ``out``; return the figures."""
    from unspun.models.heads import Heads, carry_probs
    from unspun.models.techniques import TechniqueModel

    t_start = time.time()
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    copy_model_folder(Path(base or DEFAULT_DIR), out)
    log = train_logger(out)
    enc_arg, encoder = encoder, Path(encoder or base_model_dir())
    tokenizer = load_tokenizer(str(encoder / "tokenizer.json"))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    fit, held = polnear_rows(Path(data) / "polnear" / "data" / "train", tokenizer, limit=limit)
    log(f"{len(fit)} PolNeAR articles to fit ({sum(len(r['ids']) for r in fit)} tokens), {len(held)} held out; "
        f"encoder {encoder}")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg.get("heads", {}).pop("attribution_model", None)  # the tagger alone is what this run is mixed with
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    shared = TechniqueModel(out)
    heads = Heads(out)
    encs = [shared.encoder.encode(r["text"]) for r in held]  # the tagger's probabilities on this model's tokens
    tagger = [carry_probs(heads.role_probs(r["text"], e), e.offsets, r["offsets"]) for r, e in zip(held, encs)]
    tagger_f, tagger_scores = role_f1(held, tagger)
    log(f"the frozen-encoder tagger on the held-out articles: {tagger_f:.4f} {tagger_scores}")

    rng = np.random.RandomState(seed)
    net = AttributionNet(encoder)
    size = WINDOW - 2
    steps_per_epoch = -(-len(train_windows(fit, size, np.random.RandomState(0))) // batch_size)
    run = SeedCheckpoints(net, out / "checkpoints" / f"attribution-seed{seed}", lr=lr, head_lr=head_lr,
                          total=steps_per_epoch * epochs, rng=rng)
    state = run.start(resume, log, seed)
    t0 = time.time() - state["elapsed"]
    ce = nn.CrossEntropyLoss(ignore_index=-100)
    while state["epoch"] < epochs:
        net.train()
        wins = train_windows(fit, size, rng)
        order = rng.permutation(len(wins)).tolist()
        losses, t_ep = [], time.time()
        for b in range(0, len(order), batch_size):
            ids, mask, feats, target = batch_inputs(fit, [wins[i] for i in order[b:b + batch_size]], cls_id, sep_id)
            logits = net(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(feats))
            loss = ce(logits.reshape(-1, 3), torch.from_numpy(target).reshape(-1))
            run.step(loss)
            losses.append(float(loss.detach()))
            if len(losses) % 50 == 0:
                log(f"epoch {state['epoch'] + 1}: step {len(losses)}, loss {np.mean(losses[-50:]):.4f} "
                    f"({(time.time() - t_ep) / len(losses):.2f} s/step)")
        state["epoch"] += 1
        state["step"] += len(losses)
        net.eval()
        f, scores = role_f1(held, held_probs(torch_fn(net), held, cls_id, sep_id))
        state["history"].append({"epoch": state["epoch"], "loss": round(float(np.mean(losses)), 4),
                                 "held_out_role_f1": round(f, 4), "held_out": scores})
        log(f"epoch {state['epoch']}: loss {np.mean(losses):.4f}, held-out role token F1 {f:.4f} {scores} "
            f"({time.time() - t0:.0f} s)")
        run.end_epoch(state, f, "held_out_role_f1", time.time() - t0)
    net = run.best()
    export(net, out / "attribution-model-fp32.onnx", out / "attribution-model.onnx")
    (out / "attribution-model-fp32.onnx").unlink()
    alone = held_probs(onnx_fn(out / "attribution-model.onnx", "roles"), held, cls_id, sep_id)
    alone_f, alone_scores = role_f1(held, alone)
    mixed = best_role_mix(held, alone, tagger)
    log(f"int8 ONNX alone: {alone_f:.4f} {alone_scores}; mixed with the tagger (weight {mixed['mix']}): "
        f"{mixed['held_out_role_f1']} {mixed['held_out']}")
    if enc_arg is not None:
        import shutil

        shutil.copyfile(encoder / "tokenizer.json", out / "attribution-tokenizer.json")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg.setdefault("heads", {})["attribution_model"] = {
        "file": "attribution-model.onnx", "tokenizer": "attribution-tokenizer.json" if enc_arg else "tokenizer.json",
        "window": WINDOW, "overlap": OVERLAP, "mix": mixed["mix"], "thresholds": mixed["thresholds"]}
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    best = state["best"]
    result = {"command": command, "encoder": str(enc_arg or BASE_PACKAGE), "seed": seed, "epochs": epochs, "lr": lr,
              "head_lr": head_lr, "batch_size": batch_size, "fit_articles": len(fit), "held_out_articles": len(held),
              "chosen_epoch": best["epoch"], "history": state["history"],
              "held_out_tagger": {**tagger_scores, "role_f1": round(tagger_f, 4)},
              "held_out_int8": {**alone_scores, "role_f1": round(alone_f, 4)},
              "held_out_mixed": {**mixed["held_out"], "role_f1": mixed["held_out_role_f1"]}, "mix": mixed["mix"],
              "thresholds": mixed["thresholds"], "seconds": round(time.time() - t_start)}
    (out / "attribution-report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    card_section(out / "MODEL_CARD.md", CARD_HEADING, card_lines(result))
    log(f"done in {result['seconds']} s")
    return result


CARD_HEADING = "## Attribution model"


def card_lines(result: dict) -> list[str]:
    def roles(s: dict) -> str:
        return f"{s['token Source']} / {s['token Cue']} / {s['token Content']}"

    epochs = "; ".join(f"epoch {h['epoch']}: {roles(h['held_out'])}" for h in result["history"])
    return ["Source, Cue and Content come from an attribution model (`attribution-model.onnx`, int8; config "
            "`heads.attribution_model`): the encoder fine-tuned whole on 256-token windows of PolNeAR train, "
            "[states; 6 token features] -> 256 -> BiLSTM 2x128 -> O/B/I per role, its probabilities mixed with the "
            f"frozen-encoder tagger's ({1 - result['mix']:.1f} / {result['mix']:.1f}).",
            "",
            f"- command: `{result['command']}`; {result['seconds']} s on this machine",
            f"- encoder: {result['encoder']}; seed {result['seed']}, {result['epochs']} epochs, lr {result['lr']} "
            f"(head {result['head_lr']}), batch {result['batch_size']} windows",
            f"- data: {result['fit_articles']} PolNeAR train articles (first annotator file by name); the "
            f"{result['held_out_articles']} held-out train articles (hash of the name) choose the epoch, the mixing "
            "weight and the per-role thresholds; PolNeAR dev never read.",
            f"- held-out token F1 Source / Cue / Content per epoch (torch): {epochs}; chosen epoch "
            f"{result['chosen_epoch']}; int8 ONNX alone {roles(result['held_out_int8'])}; the tagger alone "
            f"{roles(result['held_out_tagger'])}; mixed {roles(result['held_out_mixed'])} (thresholds "
            f"{result['thresholds']}).",
            "- licence of the data: PolNeAR, none stated; research use (Newell et al., LREC 2018)."]

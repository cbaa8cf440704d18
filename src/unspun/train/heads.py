"""Train the attribution tagger and the sentence heads on the shared, frozen encoder (issue 4).

The encoder is the shipped technique encoder (``unspun/models/techniques/model.onnx``, int8),
run through onnxruntime exactly as at run time; its graph gets a second output, ``mid`` (the
states after layer 3 of 6: the layers the technique training kept frozen, so general-purpose
MiniLM features). Every head reads ``[hidden; mid]``:

- attribution: PolNeAR train (first annotator file by name; Source, Cue, Content as three
  independent O/B/I tag sets; Discuss/Discard and workflow tags dropped). 10% of the train
  articles (fixed by hashing the name) are held out to choose the epoch; dev is never read.
  Head: [hidden; mid; 6 surface features] -> linear 256 -> BiLSTM 2x128 -> 9 logits, exported
  to ``attribution.onnx``.
- subjectivity: NewsSD-ENG train (every 7th sentence held out to choose the epoch; val never
  read), plus BABE's sentences labelled "Entirely factual" (objective) or "Expresses writer's
  opinion" (subjective) when ``--babe-opinion`` is given.
- bias: BABE (SG2) minus a fixed 20% test part (by hashing the sentence) used for reporting
  only; of the rest, 1 in 9 held out to choose the epoch.

Sentence heads: the mean of the sentence's [hidden; mid] states -> standardise -> 256 (GELU)
-> 2, stored as numpy arrays in ``sentence.npz``. Output folder OUT receives the complete
model folder: a copy of the technique model with ``model.onnx`` re-exported with the ``mid``
output, ``attribution.onnx``, ``sentence.npz``, config.json (``hidden_size``, ``heads``), and
``heads-report.json`` with the held-out figures. Needs torch and onnx (the ``train`` extra).
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.eval.polnear import f1, polnear_articles, role_counts
from unspun.eval.sentences import OPINION, babe_is_held, babe_is_test, bucket, macro_f1, newssd_held, read_babe, read_newssd
from unspun.models.attribution_features import N_FEATURES, token_features
from unspun.models.heads import ROLES, decode_roles
from unspun.models.runtime import DEFAULT_DIR, Encoder
from unspun.train.techniques import card_section, copy_model_folder, train_logger

MID_TENSOR = "/encoder/encoder/layer.2/output/LayerNorm/LayerNormalization_output_0"


# -- the encoder with its mid output ------------------------------------------------------------
def add_mid_output(src: Path, dst: Path) -> None:
    """Copy ``src`` (an ONNX encoder) to ``dst`` with the layer-3 states as a second output ``mid``."""
    import onnx

    model = onnx.load(str(src))
    if any(o.name == "mid" for o in model.graph.output):
        shutil.copyfile(src, dst)
        return
    model.graph.node.append(onnx.helper.make_node("Identity", [MID_TENSOR], ["mid"], name="mid_output"))
    model.graph.output.append(onnx.helper.make_tensor_value_info("mid", onnx.TensorProto.FLOAT, None))
    onnx.save(model, str(dst))


def prepare_folder(base: Path, out: Path) -> Encoder:
    """OUT: the technique model folder with the two-output encoder; its run-time ``Encoder``."""
    copy_model_folder(base, out, skip=("model.onnx",))
    add_mid_output(base / "model.onnx", out / "model.onnx")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg["hidden_size"] = 384
    cfg["outputs"] = ["hidden", "mid"]
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    return Encoder(out)


# -- data ---------------------------------------------------------------------------------------
def role_tags(offsets: np.ndarray, gold: dict) -> np.ndarray:
    """(N, 3) int8 tags per token and role (Source, Cue, Content): 0 O, 1 B, 2 I."""
    labels = np.zeros((len(offsets), 3), np.int8)
    for r, role in enumerate(ROLES):
        for s, t in sorted(gold.get(role, [])):
            i = int(np.searchsorted(offsets[:, 1], s, side="right"))
            j = max(i, int(np.searchsorted(offsets[:, 0], t, side="left")))
            if j > i:
                if labels[i, r] == 0:
                    labels[i, r] = 1
                labels[i + 1:j, r] = np.where(labels[i + 1:j, r] == 1, 1, 2)
    return labels


def encode_article(encoder: Encoder, name: str, text: str, gold: dict) -> dict:
    e = encoder.encode(text)
    x = np.concatenate([e.hidden, e.mid, token_features(text, e.offsets)], axis=1).astype(np.float16)
    return {"name": name, "text": text, "offsets": e.offsets, "x": x, "labels": role_tags(e.offsets, gold),
            "gold": gold}


def sentence_vectors(encoder: Encoder, sentences: list[str]) -> np.ndarray:
    rows = []
    for s in sentences:
        e = encoder.encode(s)
        rows.append(np.concatenate([e.hidden.mean(0), e.mid.mean(0)]) if len(e.offsets)
                    else np.zeros(2 * encoder.width, np.float32))
    return np.stack(rows).astype(np.float32)


# -- attribution tagger ----------------------------------------------------------------------------
class Tagger(nn.Module):
    def __init__(self, width: int, proj: int = 256, hidden: int = 128, drop: float = 0.2) -> None:
        super().__init__()
        self.drop = nn.Dropout(drop)
        self.proj = nn.Linear(width, proj)
        self.rnn = nn.LSTM(proj, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 9)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.proj(self.drop(states)))
        y, _ = self.rnn(x)
        return self.out(self.drop(y)).view(states.shape[0], states.shape[1], 3, 3)


def tagger_probs(net: Tagger, docs: list[dict]) -> list[np.ndarray]:
    net.eval()
    with torch.no_grad():
        out = [torch.softmax(net(torch.from_numpy(d["x"].astype(np.float32))[None])[0], -1).numpy() for d in docs]
    net.train()
    return out


def tagger_scores(net: Tagger | None, docs: list[dict], thresholds=None, probs=None) -> dict[str, float]:
    counts: dict = defaultdict(lambda: [0, 0, 0])
    for d, p in zip(docs, probs if probs is not None else tagger_probs(net, docs)):
        pred: dict = defaultdict(list)
        for s in decode_roles(d["text"], d["offsets"], p, thresholds):
            pred[s.role].append((s.start, s.end))
        role_counts(d["text"], d["gold"], pred, counts)
    return {f"{kind} {role}": round(f1(*counts[(kind, role)]), 4) for kind in ("token", "exact") for role in ROLES}


THRESHOLDS = [round(0.2 + 0.05 * k, 2) for k in range(11)]  # 0.20 .. 0.70


def choose_thresholds(net: Tagger, held: list[dict]) -> tuple[list[float], dict]:
    """Per role, the P(B)+P(I) threshold with the best held-out token F1 (roles are independent)."""
    return role_thresholds(held, tagger_probs(net, held))


def role_thresholds(held: list[dict], probs: list[np.ndarray]) -> tuple[list[float], dict]:
    """As ``choose_thresholds``, for any tagger's (N, 3, 3) probabilities of the ``held`` articles
    (dicts with ``text``, ``offsets`` and ``gold``)."""
    best = [0.5, 0.5, 0.5]
    for r, role in enumerate(ROLES):
        scored = []
        for t in THRESHOLDS:
            trial = list(best)
            trial[r] = t
            scored.append((tagger_scores(None, held, trial, probs)[f"token {role}"], -abs(t - 0.5), t))
        best[r] = max(scored)[2]
    return best, tagger_scores(None, held, best, probs)


def article_chunks(lengths: list[int], chunk: int, rng: np.random.RandomState) -> list[tuple[int, int, int]]:
    """Shuffled ``(article, start, end)`` token pieces of at most ``chunk`` tokens; a long article is
    cut at a fresh random offset every call (every epoch)."""
    items = []
    for k, n in enumerate(lengths):
        off = int(rng.randint(0, chunk)) if n > chunk else 0
        starts = [0] if n <= chunk else sorted({0, *range(off, n, chunk)})
        items += [(k, s, min(n, (starts + [n])[i + 1])) for i, s in enumerate(starts)]
    rng.shuffle(items)
    return items


def train_tagger(docs: list[dict], held: list[dict], *, seed: int, epochs: int, log, chunk: int = 512,
                 batch_size: int = 8, lr: float = 2e-3) -> tuple[Tagger, dict]:
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    width = docs[0]["x"].shape[1]
    net = Tagger(width)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    xs = [torch.from_numpy(d["x"].astype(np.float32)) for d in docs]
    ys = [torch.from_numpy(d["labels"].astype(np.int64)) for d in docs]
    best: dict = {"score": -1.0}
    for epoch in range(1, epochs + 1):
        t0, total, steps = time.time(), 0.0, 0
        items = article_chunks([len(x) for x in xs], chunk, rng)
        for b in range(0, len(items), batch_size):
            group = items[b:b + batch_size]
            longest = max(e - s for _, s, e in group)
            xb = torch.zeros(len(group), longest, width)
            yb = torch.full((len(group), longest, 3), -100, dtype=torch.long)
            for i, (k, s, e) in enumerate(group):
                xb[i, :e - s] = xs[k][s:e]
                yb[i, :e - s] = ys[k][s:e]
            loss = nn.functional.cross_entropy(net(xb).reshape(-1, 3), yb.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += loss.item()
            steps += 1
        scores = tagger_scores(net, held)
        mean = float(np.mean([scores[f"token {r}"] for r in ROLES]))
        log(f"tagger epoch {epoch}: loss {total / max(steps, 1):.4f}, {time.time() - t0:.0f} s, held-out {scores}")
        if mean > best["score"]:
            best = {"score": mean, "epoch": epoch, "scores": scores,
                    "state": {k: v.clone() for k, v in net.state_dict().items()}}
    net.load_state_dict(best["state"])
    net.eval()
    return net, {"epoch": best["epoch"], "held_out": best["scores"]}


def export_tagger(net: Tagger, width: int, path: Path) -> None:
    dummy = torch.zeros(1, 7, width)
    torch.onnx.export(net, (dummy,), str(path), input_names=["states"], output_names=["logits"],
                      dynamic_axes={"states": {1: "tokens"}, "logits": {1: "tokens"}}, opset_version=17,
                      dynamo=False)


# -- sentence heads ---------------------------------------------------------------------------
def train_mlp(x: np.ndarray, y: np.ndarray, xh: np.ndarray, yh: np.ndarray, *, seed: int,
              epochs: int = 60, hidden: int = 256, lr: float = 1e-3, drop: float = 0.3) -> tuple[dict, dict]:
    """A standardise -> GELU MLP -> 2 head; the epoch with the best held-out macro-F1."""
    torch.manual_seed(seed)
    if len(yh) == 0:  # a tiny run: select on the training sentences themselves
        xh, yh = x, y
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = lambda a: torch.from_numpy(((a - mu) / sd).astype(np.float32))  # noqa: E731
    xt, yt, xv = z(x), torch.from_numpy(y.astype(np.int64)), z(xh)
    net = nn.Sequential(nn.Dropout(drop), nn.Linear(x.shape[1], hidden), nn.GELU(approximate="tanh"),
                        nn.Dropout(drop), nn.Linear(hidden, 2))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    best: dict = {"f1": -1.0}
    g = torch.Generator().manual_seed(seed)
    for epoch in range(1, epochs + 1):
        net.train()
        perm = torch.randperm(len(xt), generator=g)
        for b in range(0, len(perm), 32):
            i = perm[b:b + 32]
            loss = nn.functional.cross_entropy(net(xt[i]), yt[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            score = macro_f1(yh.astype(int), net(xv).argmax(-1).numpy())
        if score > best["f1"]:
            best = {"f1": score, "epoch": epoch, "state": {k: v.clone() for k, v in net.state_dict().items()}}
    net.load_state_dict(best["state"])
    weights = {"mu": mu.astype(np.float32), "sd": sd.astype(np.float32),
               "w1": net[1].weight.detach().numpy(), "b1": net[1].bias.detach().numpy(),
               "w2": net[4].weight.detach().numpy(), "b2": net[4].bias.detach().numpy()}
    return weights, {"epoch": best["epoch"], "held_out_macro_f1": round(best["f1"], 4)}


# -- the command --------------------------------------------------------------------------------
def train(data: Path, out: Path, *, seed: int = 0, epochs: int = 12, babe_opinion: bool = True,
          base: Path | None = None, command: str = "", limit: int | None = None) -> dict:
    """Train both heads; write the model folder to ``out``; return the figures."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    out.mkdir(parents=True, exist_ok=True)
    log = train_logger(out)

    t_start = time.time()
    encoder = prepare_folder(Path(base or DEFAULT_DIR), out)
    polnear = data / "polnear" / "data" / "train"
    articles = polnear_articles(polnear)[:limit]
    log(f"encoding {len(articles)} PolNeAR train articles")
    docs = [encode_article(encoder, *a) for a in articles]
    held = [d for d in docs if bucket(d["name"], 10) == 0] or docs[-1:]
    fit = [d for d in docs if d not in held] or docs
    tagger, tag_result = train_tagger(fit, held, seed=seed, epochs=epochs, log=log)
    thresholds, tag_result["held_out_thresholded"] = choose_thresholds(tagger, held)
    tag_result["thresholds"] = thresholds
    log(f"tagger thresholds {thresholds}: held-out {tag_result['held_out_thresholded']}")
    export_tagger(tagger, docs[0]["x"].shape[1], out / "attribution.onnx")

    sents, y = read_newssd(data / "newssd-eng" / "train.csv")
    cap = limit * 10 if limit else None  # a quick run (--articles N) takes 10N sentences of each set
    sents, y = sents[:cap], y[:cap]
    x = sentence_vectors(encoder, sents)
    hold = newssd_held(len(y))
    babe = read_babe(data / "babe" / "final_labels_SG2.csv")[:cap]
    bx = sentence_vectors(encoder, [r["text"].strip() for r in babe])
    by = np.array([r["label_bias"] == "Biased" for r in babe])
    btest = np.array([babe_is_test(r["text"]) for r in babe])
    sx, sy = x[~hold], y[~hold]
    if babe_opinion:
        op = np.array([r["label_opinion"] for r in babe])
        keep = np.isin(op, list(OPINION)) & ~btest
        sx = np.concatenate([sx, bx[keep]])
        sy = np.concatenate([sy, [OPINION[o] for o in op[keep]]])
    subj, subj_result = train_mlp(sx, sy, x[hold], y[hold], seed=seed)
    rest = np.nonzero(~btest)[0]
    bhold = np.zeros(len(by), bool)
    bhold[rest[np.array([babe_is_held(babe[i]["text"]) for i in rest], bool)]] = True
    bfit = ~btest & ~bhold
    bias, bias_result = train_mlp(bx[bfit], by[bfit], bx[bhold], by[bhold], seed=seed)
    arrays = {f"subjectivity_{k}": v for k, v in subj.items()} | {f"bias_{k}": v for k, v in bias.items()}
    np.savez(out / "sentence.npz", **arrays)

    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg["heads"] = {"attribution": "attribution.onnx", "sentence": "sentence.npz",
                    "features": N_FEATURES, "thresholds": thresholds}
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    result = {"command": command, "seed": seed, "epochs": epochs, "babe_opinion": babe_opinion,
              "seconds": round(time.time() - t_start),
              "attribution": tag_result, "subjectivity": subj_result, "bias": bias_result,
              "data": {"polnear_train_articles": len(docs), "held_out_articles": len(held),
                       "newssd_train": int((~hold).sum()), "newssd_held": int(hold.sum()),
                       "babe_fit": int(bfit.sum()), "babe_held": int(bhold.sum()), "babe_test": int(btest.sum())}}
    (out / "heads-report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_card(out / "MODEL_CARD.md", result)
    log(f"done in {result['seconds']} s: {json.dumps({k: result[k] for k in ('attribution', 'subjectivity', 'bias')})}")
    return result


CARD_HEADING = "## Attribution and sentence heads"


def write_card(path: Path, result: dict) -> None:
    """Append (or replace) the heads section of the model card."""
    tag, d = result["attribution"], result["data"]
    held = tag.get("held_out_thresholded", tag["held_out"])
    lines = [
        "Heads trained on the frozen encoder above (int8, run through onnxruntime as at run time); the",
        "encoder graph exports a second output, `mid` (the states after layer 3 of 6, which the technique",
        "training kept frozen). One encoder pass per window serves these heads and the technique heads.",
        "",
        f"- command: `{result['command']}`; seed {result['seed']}; {result['seconds']} s on this machine",
        "- attribution tagger (`attribution.onnx`): [hidden; mid; 6 surface features] -> 256 -> BiLSTM",
        "  2x128 -> O/B/I for Source, Cue and Content. Data: PolNeAR train (first annotator file by name),",
        f"  {d['polnear_train_articles'] - d['held_out_articles']} articles to fit, {d['held_out_articles']} held out "
        f"(hash of the name) to choose the epoch ({tag['epoch']}) and the",
        f"  per-role thresholds {tag.get('thresholds')}. Held-out token F1: Source {held['token Source']},",
        f"  Cue {held['token Cue']}, Content {held['token Content']}. PolNeAR dev is for reporting only",
        "  (BENCHMARKS.md). Licence of the data: none stated, research use (Newell et al., LREC 2018).",
        "- subjectivity (`sentence.npz`): mean of the sentence's [hidden; mid] states -> MLP. Data: NewsSD-ENG",
        f"  train ({d['newssd_train']} sentences; every 7th, {d['newssd_held']}, held out to choose the epoch)"
        + (" plus BABE sentences labelled 'Entirely factual' / 'Expresses writer's opinion' outside BABE's"
           " reporting part" if result["babe_opinion"] else "") + ".",
        f"  Held-out macro-F1 {result['subjectivity']['held_out_macro_f1']}. NewsSD-ENG val is for reporting"
        " only. Licence: CC-BY-4.0 (NewsSD-ENG).",
        f"- bias (`sentence.npz`): the same input -> MLP. Data: BABE SG2, {d['babe_fit']} sentences to fit,",
        f"  {d['babe_held']} held out to choose the epoch, {d['babe_test']} (hash bucket 0 of 5) never used: the",
        f"  reporting part. Held-out macro-F1 {result['bias']['held_out_macro_f1']}. BABE: data terms unstated,",
        "  research use (Spinde et al., Findings of EMNLP 2021).",
        "- Limits: trained on US/UK political news of 2016-2022; the tagger marks attribution parts, the",
        "  linking into relations and the speaker names are rules (`stages/learned.py`, `stages/speakers.py`).",
    ]
    card_section(path, CARD_HEADING, lines)

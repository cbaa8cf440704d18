"""``unspun train sentences``: an encoder fine-tuned whole on the sentence tasks.

The shipped subjectivity and bias heads read the frozen states of the technique encoder; this
trains a sentence model instead: an encoder (all-MiniLM-L6-v2 by default; ``--encoder`` another,
such as all-mpnet-base-v2 for a teacher), mean-pooled over the tokens, with one logit per task.
Both tasks train together, each row carrying the labels it has:

- subjectivity: NewsSD-ENG train (every 7th sentence held out for selection, as the heads do),
  plus BABE's opinion labels ("Entirely factual" vs "Expresses writer's opinion") of BABE's
  training part;
- bias: BABE's training part (SHA-256 bucket 0 of 5 is the reporting part, never read here;
  1 in 9 of the rest held out for selection).

With ``--biased-words W`` a token head learns BABE's biased words beside the two sentence logits
(each BABE training row's ``biased_words``, found in its text, mark its tokens; rows labelled
biased with no words listed carry no token labels), its loss weighted ``W``: a word-level signal
from the same sentences. The exported model keeps the sentence probabilities alone.

With ``--teachers DIR`` (a run of this command, typically on the larger encoder), the teacher's
probabilities become the targets — mixed with the gold label where a row has one
(``--teacher-weight``), alone for the other task and for unlabelled news sentences
(``--unlabelled-sentences N`` sentences of PolNeAR and PTC train articles): distillation.

The epoch is chosen on the held-out parts (mean of the two macro-F1s); the model is exported
to ONNX (``sentence-model.onnx``, int8; input ``input_ids``, ``attention_mask``; output
``probs`` [B, 2]: subjectivity, bias) and the held-out figures are measured again on it.
``OUT`` is a complete model folder: the files of ``--base`` (default: the shipped one), the
sentence model and its tokenizer (``sentence-tokenizer.json``) beside them, and the config's
``heads.sentence_model`` naming them, so ``unspun analyze`` with ``UNSPUN_MODEL_DIR=OUT`` uses it.
NewsSD-ENG val and BABE's reporting part are read by ``benchmarks/sentences_eval.py`` only.
"""

from __future__ import annotations

import ast
import json
import random
import re
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspun.eval.sentences import OPINION, babe_is_held, babe_is_test, macro_f1, newssd_held, read_babe, read_newssd
from unspun.models.embed import length_batches, truncated_ids
from unspun.models.heads import TASKS
from unspun.models.runtime import DEFAULT_DIR
from unspun.train.techniques import BASE_PACKAGE, base_model_dir, card_section, copy_model_folder, train_logger

MAX_TOKENS = 128


def sentence_rows(data: Path, limit: int | None = None) -> tuple[list[dict], list[dict]]:
    """(fit, held) rows ``{"text", "y": [subjectivity, bias]}`` (NaN where a row has no label)."""
    sents, y = read_newssd(data / "newssd-eng" / "train.csv")
    sents, y = sents[:limit], y[:limit]
    fit, held = [], []
    for s, v, h in zip(sents, y, newssd_held(len(y))):
        (held if h else fit).append({"text": s, "y": [float(v), np.nan]})
    babe = read_babe(data / "babe" / "final_labels_SG2.csv")[:limit]
    for r in babe:
        text = r["text"].strip()
        if babe_is_test(text):
            continue
        row = {"text": text, "y": [float(OPINION.get(r["label_opinion"], np.nan)), float(r["label_bias"] == "Biased")],
               "words": biased_words(r)}
        if babe_is_held(r["text"]):
            row["y"][0] = np.nan  # subjectivity is selected on NewsSD-ENG alone, as the heads are
            held.append(row)
        else:
            fit.append(row)
    return fit, held


def biased_words(row: dict) -> list[str] | None:
    """BABE's ``biased_words`` of a row; None where a biased row lists none (unknown, not none)."""
    try:
        words = [w for w in ast.literal_eval(row.get("biased_words") or "[]") if isinstance(w, str) and w.strip()]
    except (ValueError, SyntaxError):
        return None
    return None if not words and row["label_bias"] == "Biased" else words


def word_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Character spans of ``words`` in ``text`` (case-insensitive, whole words, every occurrence)."""
    spans = []
    for w in words:
        for m in re.finditer(r"(?<!\w)" + re.escape(w.strip()) + r"(?!\w)", text, flags=re.IGNORECASE):
            spans.append(m.span())
    return spans


def token_labels(tokenizer, rows: list[dict]) -> list[list[float] | None]:
    """Per token of each row (as ``tokenize`` cuts it): 1.0 inside a biased word, 0.0 outside, -1.0 for
    the special tokens; None for rows without word labels."""
    out = []
    for r, e in zip(rows, tokenizer.encode_batch([r["text"] for r in rows])):
        if r.get("words") is None:
            out.append(None)
            continue
        spans = word_spans(r["text"], r["words"])
        lab = [-1.0 if e.special_tokens_mask[k] else float(any(a < t1 and t0 < b for a, b in spans))
               for k, (t0, t1) in enumerate(e.offsets)]
        out.append(lab if len(lab) <= MAX_TOKENS else lab[:MAX_TOKENS - 1] + [-1.0])
    return out


def unlabelled_sentences(data: Path, n: int, seed: int) -> list[str]:
    """``n`` sentences (6-60 words) of PolNeAR and PTC train articles, drawn with ``seed``."""
    files = sorted((data / "polnear" / "data" / "train").glob("*.txt")) + sorted((data / "ptc" / "train-articles").glob("*.txt"))
    out = []
    for f in files:
        for para in f.read_text(encoding="utf-8", errors="replace").split("\n"):
            for s in re.split(r"(?<=[.!?\"”’'])\s+(?=[\"“A-Z])", para.strip()):
                if 6 <= len(s.split()) <= 60:
                    out.append(s)
    random.Random(seed).shuffle(out)
    return out[:n]


class SentenceNet(nn.Module):
    """Encoder -> mean over the attention mask -> dropout -> one logit per task."""

    def __init__(self, base: Path, words: bool = False) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(base))
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(self.encoder.config.hidden_size, len(TASKS))
        # BABE's biased words (--biased-words; training only): absent otherwise, so runs without it
        # draw the same initial weights and dropout masks as before it existed
        self.words = nn.Linear(self.encoder.config.hidden_size, 1) if words else None

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.both(ids, mask)[0]

    def both(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(sentence logits [B, tasks], biased-word logits [B, T] or None without the word head)."""
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        sent = self.out(self.drop((h * m).sum(1) / m.sum(1).clamp(min=1.0)))
        return sent, (self.words(self.drop(h)).squeeze(-1) if self.words is not None else None)


class _SentenceProbs(nn.Module):
    def __init__(self, net: SentenceNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(input_ids, attention_mask))


def tokenize(tokenizer, texts: list[str]) -> list[list[int]]:
    return truncated_ids(tokenizer, texts, MAX_TOKENS)


def _pad(encs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(e) for e in encs)
    ids = torch.zeros((len(encs), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        ids[i, :len(e)] = torch.tensor(e)
        mask[i, :len(e)] = 1
    return ids, mask


def training_batches(encs: list[list[int]], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of ``size`` rows, shuffled, of similar length within chunks of 50 batches."""
    order = list(range(len(encs)))
    rng.shuffle(order)
    chunk = size * 50
    order = [j for k in range(0, len(order), chunk) for j in sorted(order[k:k + chunk], key=lambda j: len(encs[j]))]
    out = [order[k:k + size] for k in range(0, len(order), size)]
    rng.shuffle(out)
    return out


def predict(fn, encs: list[list[int]]) -> np.ndarray:
    """Probabilities [len(encs), tasks] from ``fn(ids, mask) -> probs``."""
    out = np.zeros((len(encs), len(TASKS)), dtype=np.float32)
    for take, ids, mask in length_batches(encs, 2048):
        out[take] = fn(ids, mask)
    return out


def torch_fn(net: SentenceNet):
    def fn(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        net.eval()
        with torch.no_grad():
            return torch.sigmoid(net(torch.from_numpy(ids), torch.from_numpy(mask))).numpy()
    return fn


def onnx_fn(path: Path):
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return lambda ids, mask: sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]


def held_scores(rows: list[dict], probs: np.ndarray) -> dict[str, float]:
    """Macro-F1 per task over the rows that carry its label (probability >= 0.5 is positive)."""
    y = np.array([r["y"] for r in rows], dtype=np.float32)
    out = {}
    for t, name in enumerate(TASKS):
        has = ~np.isnan(y[:, t])
        out[name] = round(macro_f1(y[has, t] > 0.5, probs[has, t] >= 0.5), 4) if has.any() else 0.0
    return out


def export(net: SentenceNet, fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    net.eval()
    ids = torch.ones((2, 12), dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0  # a padded row, so the traced graph keeps the attention-mask path
    with torch.inference_mode():
        torch.onnx.export(_SentenceProbs(net), (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["probs"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}, "probs": {0: "b"}})
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)


def train(data: Path, out: Path, *, base: Path | None = None, folder: Path | None = None, seed: int = 0, epochs: int = 3, lr: float = 5e-5,
          batch: int = 16, teacher: Path | None = None, teacher_weight: float = 0.5, unlabelled: int = 0,
          word_weight: float = 0.0, limit: int | None = None, command: str = "") -> dict:
    """Train the sentence model (encoder ``base``, a Hugging Face folder) and write the model folder
    ``folder`` (default: the shipped one) with it into ``out``; return the figures."""
    from tokenizers import Tokenizer
    from transformers import get_linear_schedule_with_warmup

    if unlabelled and teacher is None:
        raise ValueError("--unlabelled-sentences needs --teachers (unlabelled rows take the teacher's probabilities)")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    copy_model_folder(Path(folder or DEFAULT_DIR), out)
    log = train_logger(out)
    t0 = time.time()
    base_arg, base = base, Path(base or base_model_dir())
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    fit, held = sentence_rows(data, limit)
    extra = unlabelled_sentences(data, unlabelled, seed) if unlabelled else []
    fit += [{"text": s, "y": [np.nan, np.nan]} for s in extra]
    log(f"{len(fit)} training rows ({len(extra)} unlabelled), {len(held)} held out; base {base}")
    y = torch.tensor([r["y"] for r in fit], dtype=torch.float32)
    if teacher is not None:
        tdir = Path(teacher)
        ttok = Tokenizer.from_file(str(tdir / "sentence-tokenizer.json"))
        ttok.no_padding()
        ttok.no_truncation()
        t1 = time.time()
        model = tdir / "sentence-model-fp32.onnx"  # the teacher's fp32 export where it is kept
        model = model if model.exists() else tdir / "sentence-model.onnx"
        soft = torch.from_numpy(predict(onnx_fn(model), tokenize(ttok, [r["text"] for r in fit])))
        log(f"teacher {tdir} labelled {len(fit)} rows in {time.time() - t1:.0f} s")
        gold = ~torch.isnan(y)
        y = torch.where(gold, (1 - teacher_weight) * torch.nan_to_num(y) + teacher_weight * soft, soft)
    encs = tokenize(tokenizer, [r["text"] for r in fit])
    hencs = tokenize(tokenizer, [r["text"] for r in held])
    wlabels = token_labels(tokenizer, fit) if word_weight else [None] * len(fit)
    if word_weight:
        log(f"biased-word token labels on {sum(w is not None for w in wlabels)} rows, loss weight {word_weight}")
    net = SentenceNet(base, words=bool(word_weight))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((len(encs) + batch - 1) // batch)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * steps), steps)
    rng = random.Random(seed)
    best, history = None, []
    for epoch in range(1, epochs + 1):
        net.train()
        te, total = time.time(), 0.0
        for b in training_batches(encs, batch, rng):
            ids, mask = _pad([encs[j] for j in b])
            target = y[b]
            has = ~torch.isnan(target)
            logits, wlogits = net.both(ids, mask)
            loss = nn.functional.binary_cross_entropy_with_logits(logits[has], target[has])
            if word_weight:
                wt = torch.full(wlogits.shape, -1.0)
                for i, j in enumerate(b):
                    if wlabels[j] is not None:
                        wt[i, :len(wlabels[j])] = torch.tensor(wlabels[j])
                if (wt >= 0).any():
                    loss = loss + word_weight * nn.functional.binary_cross_entropy_with_logits(wlogits[wt >= 0], wt[wt >= 0])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            total += loss.item()
        scores = held_scores(held, predict(torch_fn(net), hencs))
        score = float(np.mean(list(scores.values())))
        history.append({"epoch": epoch, **scores, "seconds": round(time.time() - te)})
        log(f"epoch {epoch}: loss {total:.1f}, held-out {scores} ({time.time() - te:.0f} s)")
        if best is None or score > best["score"]:
            best = {"epoch": epoch, "score": score, **scores}
            torch.save(net.state_dict(), out / "sentence-best.pt")
    net.load_state_dict(torch.load(out / "sentence-best.pt"))
    export(net, out / "sentence-model-fp32.onnx", out / "sentence-model.onnx")
    shutil.copyfile(base / "tokenizer.json", out / "sentence-tokenizer.json")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    cfg.setdefault("heads", {})["sentence_model"] = {"file": "sentence-model.onnx", "tokenizer": "sentence-tokenizer.json",
                                                     "tasks": list(TASKS), "max_tokens": MAX_TOKENS}
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    int8 = held_scores(held, predict(onnx_fn(out / "sentence-model.onnx"), hencs))
    log(f"int8 ONNX held-out {int8}")
    result = {"command": command, "base": str(base_arg or BASE_PACKAGE), "seed": seed, "epochs": epochs, "lr": lr, "batch": batch,
              "teacher": str(teacher) if teacher else None, "teacher_weight": teacher_weight if teacher else None,
              "unlabelled": len(extra), "word_weight": word_weight, "rows": {"fit": len(fit), "held": len(held)}, "chosen": best,
              "history": history, "held_out_int8": int8, "seconds": round(time.time() - t0)}
    (out / "sentence-report.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    card_section(out / "MODEL_CARD.md", CARD_HEADING, card_lines(result))
    return result


CARD_HEADING = "## Sentence model (subjectivity, bias)"


def card_lines(result: dict) -> list[str]:
    teacher = (f"; distilled from the run in `{result['teacher']}` (its probabilities are the targets of the tasks a "
               f"row has no label for and of {result['unlabelled']} unlabelled sentences of PolNeAR and PTC train "
               f"articles; gold labels mixed {1 - result['teacher_weight']:.2f} gold / {result['teacher_weight']:.2f} "
               f"teacher)" if result["teacher"] else "")
    words = (f"; BABE's biased words as a token-level auxiliary task (loss weight {result['word_weight']}, "
             "training only)" if result.get("word_weight") else "")
    epochs = ", ".join(f"epoch {h['epoch']}: {h['subjectivity']} / {h['bias']}" for h in result["history"])
    return ["`subjectivity` and `bias` of every sentence come from a sentence model (`sentence-model.onnx`, int8, with "
            "`sentence-tokenizer.json`; config `heads.sentence_model`) run over each sentence's own text (at most "
            f"{MAX_TOKENS} tokens): the encoder fine-tuned whole, mean-pooled, one sigmoid per task. It replaces the "
            "frozen-state heads of `sentence.npz` (kept for model folders without it).",
            "",
            f"- command: `{result['command']}`; {result['seconds']} s on this machine",
            f"- base: {result['base']}; seed {result['seed']}, {result['epochs']} epochs, lr {result['lr']}, batch "
            f"{result['batch']}{teacher}{words}",
            f"- data: {result['rows']['fit']} training rows: NewsSD-ENG train (subjectivity; every 7th sentence held out), "
            "BABE SG2 outside its reporting part (bias; its opinion labels 'Entirely factual' / 'Expresses writer's "
            "opinion' as subjectivity; 1 in 9 held out by hash); the reporting parts (NewsSD-ENG val, BABE hash bucket "
            f"0 of 5) never read. {result['rows']['held']} held-out rows choose the epoch.",
            f"- held-out macro-F1 subjectivity / bias per epoch: {epochs}; chosen epoch {result['chosen']['epoch']}; "
            f"int8 ONNX {result['held_out_int8']['subjectivity']} / {result['held_out_int8']['bias']}.",
            "- licences of the data: NewsSD-ENG CC-BY-4.0; BABE data terms unstated, research use (Spinde et al., "
            "Findings of EMNLP 2021); PolNeAR and PTC texts (unlabelled rows) research use."]

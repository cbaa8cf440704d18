"""The learned path (issue 4): one encoder pass, attribution tagger, sentence heads, --no-models."""

import json
import subprocess
import sys

import numpy as np
import pytest

import unspun
from unspun.models.heads import RoleSpan, load_heads
from unspun.models.runtime import DEFAULT_DIR, load_encoder
from unspun.stages.learned import link

from conftest import SHARED

ARTICLE = (
    "Port strike ends after all-night talks\n\n"
    "Union leader Maria Lopez said the agreement protects every job at the harbour.\n\n"
    "“We held the line and we won,” Lopez told reporters on Monday. “Nobody gave up.”\n\n"
    "The port authority said in a statement that ships would dock again on Tuesday.\n\n"
    "These greedy, lying bosses are a disgrace to this proud city and should be ashamed.\n"
)


def test_one_encoder_pass_gives_both_state_sets():
    enc = load_encoder(str(DEFAULT_DIR)).encode(ARTICLE)
    assert enc.mid is not None
    assert enc.hidden.shape == enc.mid.shape == (len(enc.offsets), 384)
    assert not np.allclose(enc.hidden, enc.mid)


def test_tagger_finds_source_cue_content():
    enc = load_encoder(str(DEFAULT_DIR)).encode(ARTICLE)
    spans = load_heads(str(DEFAULT_DIR)).roles(ARTICLE, enc)
    got = {(s.role, ARTICLE[s.start:s.end]) for s in spans}
    assert any(r == "Source" and "Maria Lopez" in t for r, t in got), got
    assert ("Cue", "said") in got, got
    assert any(r == "Content" and "protects every job" in t for r, t in got), got
    for s in spans:
        assert 0 <= s.start < s.end <= len(ARTICLE) and 0.0 <= s.score <= 1.0


def test_pipeline_uses_the_models_and_resolves_speakers():
    a = unspun.analyze(ARTICLE)
    assert a.producer["attribution"] == "model"
    quotes = a.layer("quote")
    direct = [q for q in quotes if q.label == "direct"]
    assert any(a.span_text(q).startswith("We held the line") for q in direct), [a.span_text(q) for q in quotes]
    assert all(q.attrs["speaker"] == "Maria Lopez" for q in direct), [q.attrs for q in direct]
    rel = {q.attrs["relation"] for q in direct}
    assert len(rel) == 1  # “A,” she told reporters. “B.”: one relation
    voices = {a.span_text(s)[:20]: s.label for s in a.layer("sentence")}
    assert voices["These greedy, lying "] == "own"
    assert voices["“We held the line an"] == "attributed"  # under half of it is quoted
    assert voices["“Nobody gave up.”"] == "quote"
    for s in a.layer("sentence"):
        assert 0.0 <= s.attrs["subjectivity"] <= 1.0 and 0.0 <= s.attrs["bias"] <= 1.0
    sub = {a.span_text(s)[:20]: s.attrs["subjectivity"] for s in a.layer("sentence")}
    assert sub["These greedy, lying "] > sub["The port authority s"]
    bias = {a.span_text(s)[:20]: s.attrs["bias"] for s in a.layer("sentence")}
    assert bias["These greedy, lying "] > 0.5 > bias["The port authority s"]
    assert a.layer("technique")  # the technique heads read the same pass


def test_no_models_is_the_rule_path(tmp_path):
    a = unspun.analyze(ARTICLE, models=False)
    assert a.producer["attribution"] == "rules"
    assert not a.layer("technique")
    assert all("subjectivity" not in s.attrs for s in a.layer("sentence"))
    assert any(q.attrs["speaker"] == "Maria Lopez" for q in a.layer("quote"))
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "unspun", "analyze", str(path), "--no-models", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["producer"]["attribution"] == "rules"


def _span(text, role, words, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    return RoleSpan(role, start, start + len(words), 0.9)


def test_link_split_quote_and_continuation():
    text = "“We won,” Smith said, “and we will win again.” “Nobody gave up.”\nOfficials said prices rose."
    sents = [(0, 46), (47, 64), (65, len(text))]
    paras = [(0, 64), (65, len(text))]
    spans = [_span(text, "Content", "“We won,”"), _span(text, "Source", "Smith"), _span(text, "Cue", "said"),
             _span(text, "Content", "“and we will win again.”"), _span(text, "Content", "“Nobody gave up.”"),
             _span(text, "Source", "Officials"), _span(text, "Cue", "said", nth=1),
             _span(text, "Content", "prices rose.")]
    rels = link(text, sorted(spans, key=lambda s: s.start), sents, paras)
    assert len(rels) == 2
    first, second = rels
    assert [text[c.start:c.end] for c in first.contents] == ["“We won,”", "“and we will win again.”", "“Nobody gave up.”"]
    assert [text[s.start:s.end] for s in first.sources] == ["Smith"]
    assert [text[s.start:s.end] for s in second.sources] == ["Officials"]
    assert [text[c.start:c.end] for c in second.contents] == ["prices rose."]


def test_role_tags_mark_each_role_independently():
    pytest.importorskip("torch")
    from unspun.train.heads import role_tags

    text = "Smith said the plan, which Jones called bold, would fail."
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\w+|[^\w\s]", text)]
    offsets = np.array(words)
    at = lambda phrase: (text.index(phrase), text.index(phrase) + len(phrase))  # noqa: E731
    gold = {"Source": [at("Smith"), at("Jones")], "Cue": [at("said"), at("called")],
            "Content": [at("the plan, which Jones called bold, would fail")]}
    tags = role_tags(offsets, gold)
    tokens = [text[s:e] for s, e in words]
    assert tags.shape == (len(words), 3) and tags.dtype == np.int8
    assert [tokens[i] for i in np.nonzero(tags[:, 0])[0]] == ["Smith", "Jones"]
    assert tags[tokens.index("Jones"), 0] == 1 and tags[tokens.index("called"), 1] == 1
    content = tags[:, 2].tolist()
    assert content[tokens.index("the")] == 1 and content[tokens.index("Jones")] == 2  # nested: both roles
    assert content[tokens.index("Smith")] == 0 and content[-1] == 0  # the final full stop is outside


@pytest.mark.skipif(not (SHARED / "data" / "polnear").is_dir(), reason="needs ../shared/data (PolNeAR, NewsSD-ENG, BABE)")
def test_train_heads_tiny(tmp_path):
    """The training path end to end on a few articles and sentences; the folder it writes runs."""
    pytest.importorskip("torch")
    out = tmp_path / "heads"
    subprocess.run([sys.executable, "-m", "unspun", "train", "heads", "--data", str(SHARED / "data"),
                    "--out", str(out), "--articles", "4", "--epochs", "1"], check=True, capture_output=True)
    report = json.loads((out / "heads-report.json").read_text())
    assert report["data"]["polnear_train_articles"] == 4
    for f in ("model.onnx", "attribution.onnx", "sentence.npz", "tokenizer.json", "config.json"):
        assert (out / f).exists()
    env_run = subprocess.run([sys.executable, "-m", "unspun", "analyze", "-", "--format", "json"],
                             input=ARTICLE, capture_output=True, text=True, check=True,
                             env={**__import__("os").environ, "UNSPUN_MODEL_DIR": str(out)})
    article = json.loads(env_run.stdout)
    assert article["producer"]["attribution"] == "model"
    assert all("subjectivity" in s["attrs"] for s in article["spans"] if s["layer"] == "sentence")


def test_seed_article_learned(seed_path):
    """Issue 4's report items on the seed article, on the default (learned) path."""
    text = seed_path.read_text(encoding="utf-8")
    a = unspun.analyze(text)
    direct = [s for s in a.layer("quote") if s.label == "direct"]
    assert len(direct) == 3 and {s.attrs["speaker"] for s in direct} == {"Ali Khamenei"}
    he_said = next(s for s in direct if a.span_text(s).startswith("Americans are still engaged"))
    assert [text[s:e] for s, e in he_said.attrs["source"]] == ["he"]
    voice = {a.span_text(s)[:29]: s.label for s in a.layer("sentence")}
    assert voice["In reality, however, European"] == "own"
    assert voice["Khamenei repeated demands for"] == "attributed"

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


def test_learned_path_runs_no_parser(monkeypatch):
    from unspun.stages import parsing

    real = parsing._nlp

    def names_only(names_only=False):
        assert names_only, "the learned path asked for the spaCy parser"
        return real(True)

    monkeypatch.setattr(parsing, "_nlp", names_only)
    a = unspun.analyze(ARTICLE)
    assert a.producer["attribution"] == "model"
    assert {q.attrs["speaker"] for q in a.layer("quote") if q.label == "direct"} == {"Maria Lopez"}
    with pytest.raises(AssertionError, match="parser"):
        unspun.analyze(ARTICLE, models=False)  # the rule stage does parse: the guard is live


SPEAKER_TEXTS = [  # the speaker cases of test_attribution.py, and more
    "Supreme leader Ayatollah Ali Khamenei spoke on Sunday.\n\n“We will not bow,” Khamenei said.\n\n"
    "“Never,” said Gen. Mark Olsen. “Not once,” Sen. Olsen added.",
    "Prime Minister David Okafor visited the port on Tuesday. The crowd was large.\n\n"
    "“This port is our future,” he said.\n\nMrs. Maria Lopez met Tom Hill on Monday. Hill spoke first. "
    "“It went well,” she said. “It was a failure,” he said.",
    "Mrs. Ana Ruiz spoke first. Then Mr. Tom Reed and Mr. Paul Dorn left the room. “It is over,” she said.",
    "Supreme leader Ayatollah Ali Khamenei met students in Tehran. Later, President Hassan Rouhani spoke to "
    "reporters, and Foreign Minister Javad Zarif flew to Vienna.\n\n“We will not bow to pressure,” the supreme "
    "leader said. His eminence added that the talks were over. The president said the economy was growing. "
    "The minister said the flight was delayed.",
    "Josh Earnest, the White House spokesman, spoke first. Later the spokesman said the talks had ended.",
    "Portmere mayor Helena Varga said on Friday that the city would not negotiate.\n\n“We will not be held "
    "hostage,” Varga told reporters outside City Hall.\n\nThe mayor also warned that the city would hire "
    "replacement crews.",
    "The mayor warned that crews would be hired, a move union leader Tomas Okafor called “an act of war "
    "against working people.” Okafor called for calm.",
    "“We have no comment,” the White House said. Officials said the road would reopen.",
    "“It is over,” she said.",
    "“One,” said Ana Ruiz. Tom Reed said that two followed. Three came last, according to Lena Dahl.",
    ARTICLE,
]


@pytest.mark.parametrize("text", SPEAKER_TEXTS)
def test_names_without_a_parse_match_the_parse(text):
    """The learned path's resolver (named entities only) gives the rule stage's names for the rule
    stage's own sources, one relation after another."""
    from unspun.article import Article
    from unspun.stages.attribution import _paragraphs, attribution
    from unspun.stages.parsing import entities
    from unspun.stages.sentences import sentences
    from unspun.stages.speakers import Speakers

    a = Article.from_text(text)
    sentences(a)
    attribution(a)
    paras = _paragraphs(text, a.layer("sentence"))
    speakers = Speakers(entities([text[x:y] for x, y in paras]), [x for x, _ in paras],
                        [(s.start, s.end) for s in a.layer("sentence")])
    first = {}
    for s in sorted(a.layer("source"), key=lambda s: s.start):
        first.setdefault(s.attrs["relation"], s)
    assert first
    got, want = [], []
    for rel in sorted(first):
        name = speakers.resolve_span(first[rel].start, first[rel].end)
        if name:
            speakers.note(first[rel].start, name)
        got.append(name)
        want.append(first[rel].attrs["speaker"])
    assert got == want


def test_names_without_a_parse_handle_what_a_parse_would():
    from unspun.article import Article
    from unspun.stages.attribution import _paragraphs
    from unspun.stages.parsing import entities
    from unspun.stages.sentences import sentences
    from unspun.stages.speakers import Speakers

    text = ("City Attorney Brad Holm met Mayor Ana Ruiz. Vladimir Putin, the Russian president, said no.\n\n"
            "Mr. Holm and Ms. Ruiz said nothing. The network President Vladimir Putin built has grown. "
            "Officials said it was fine. The senators said nothing. I said so. The president said yes. "
            "A spokesman for Ms. Ruiz said no. Holm, speaking of Ruiz, said yes.")
    a = Article.from_text(text)
    sentences(a)
    paras = _paragraphs(text, a.layer("sentence"))
    sp = Speakers(entities([text[x:y] for x, y in paras]), [x for x, _ in paras],
                  [(s.start, s.end) for s in a.layer("sentence")])

    def who(phrase, nth=0):
        at = -1
        for _ in range(nth + 1):
            at = text.index(phrase, at + 1)
        return sp.resolve_span(at, at + len(phrase))

    assert who("Mr. Holm and Ms. Ruiz") == "Brad Holm"  # the first of a coordination
    assert who("The network") == "network"  # an institution by its description, not Putin (no role of his)
    assert who("Officials") == "Officials" and who("The senators") == "senators"  # groups keep their description
    assert who("I") is None
    assert who("The president") == "Vladimir Putin"  # from the appositive
    assert who("A spokesman for Ms. Ruiz") == "Ana Ruiz"  # as the parse path: a person named in it
    assert who("Holm, speaking of Ruiz") == "Brad Holm"  # the head phrase, not a name after it


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


@pytest.mark.skipif(not (SHARED / "data" / "babe").is_dir(), reason="needs ../shared/data (NewsSD-ENG, BABE)")
def test_train_sentences_tiny(tmp_path):
    """`unspun train sentences` end to end on a few sentences; `unspun analyze` with the folder it
    writes takes subjectivity and bias from its sentence model, over each sentence's text."""
    pytest.importorskip("torch")
    out = tmp_path / "sentences"
    subprocess.run([sys.executable, "-m", "unspun", "train", "sentences", "--data", str(SHARED / "data"),
                    "--out", str(out), "--articles", "40", "--epochs", "1", "--biased-words", "1.0"],
                   check=True, capture_output=True)
    report = json.loads((out / "sentence-report.json").read_text())
    assert report["rows"]["fit"] + report["rows"]["held"] <= 80 and report["chosen"]["epoch"] == 1
    assert report["word_weight"] == 1.0 and "biased words" in (out / "MODEL_CARD.md").read_text()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["heads"]["sentence_model"]["file"] == "sentence-model.onnx"
    for f in ("model.onnx", "attribution.onnx", "sentence-model.onnx", "sentence-tokenizer.json"):
        assert (out / f).exists()
    run = subprocess.run([sys.executable, "-m", "unspun", "analyze", "-", "--format", "json"],
                         input=ARTICLE, capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "UNSPUN_MODEL_DIR": str(out)})
    spans = [s for s in json.loads(run.stdout)["spans"] if s["layer"] == "sentence"]
    from unspun.models.heads import SentenceModel

    model = SentenceModel(out / "sentence-model.onnx", out / "sentence-tokenizer.json")
    expect = model.scores([ARTICLE[s["start"]:s["end"]] for s in spans])
    assert spans and [s["attrs"]["bias"] for s in spans] == [round(float(v), 4) for v in expect["bias"]]
    assert [s["attrs"]["subjectivity"] for s in spans] == [round(float(v), 4) for v in expect["subjectivity"]]


def test_biased_word_token_labels():
    """BABE's biased words mark the tokens they cover (every occurrence, whole words, any case);
    a biased row listing none carries no token labels; special tokens are left out (-1)."""
    pytest.importorskip("torch")
    from tokenizers import Tokenizer

    from unspun.train.sentmodel import biased_words, token_labels, word_spans

    assert word_spans("Radical plans, radically radical.", ["radical"]) == [(0, 7), (25, 32)]
    assert biased_words({"biased_words": "[]", "label_bias": "Biased"}) is None
    assert biased_words({"biased_words": "[]", "label_bias": "Non-biased"}) == []
    assert biased_words({"biased_words": "['bizarre', 'fringe']", "label_bias": "Biased"}) == ["bizarre", "fringe"]
    tok = Tokenizer.from_file(str(DEFAULT_DIR / "sentence-tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    rows = [{"text": "His bizarre plan failed.", "words": ["bizarre"]}, {"text": "No words here.", "words": None},
            {"text": "A plain report.", "words": []}]
    labels = token_labels(tok, rows)
    tokens = tok.encode(rows[0]["text"]).tokens
    assert [t for t, v in zip(tokens, labels[0]) if v == 1.0] == ["bizarre"]
    assert labels[0][0] == labels[0][-1] == -1.0 and labels[1] is None and set(labels[2][1:-1]) == {0.0}


@pytest.mark.skipif(not (SHARED / "data" / "polnear").is_dir(), reason="needs ../shared/data/polnear")
def test_train_attribution_tiny(tmp_path):
    """`unspun train attribution` end to end on a few articles; `unspun analyze` with the folder it
    writes mixes its role probabilities with the tagger's (and --fast keeps the tagger alone)."""
    pytest.importorskip("torch")
    out = tmp_path / "attribution"
    subprocess.run([sys.executable, "-m", "unspun", "train", "attribution", "--data", str(SHARED / "data"),
                    "--out", str(out), "--articles", "12", "--epochs", "1"], check=True, capture_output=True)
    report = json.loads((out / "attribution-report.json").read_text())
    assert report["fit_articles"] + report["held_out_articles"] == 12 and report["chosen_epoch"] == 1
    am = json.loads((out / "config.json").read_text())["heads"]["attribution_model"]
    assert am["file"] == "attribution-model.onnx" and len(am["thresholds"]) == 3 and 0.0 <= am["mix"] <= 1.0
    from unspun.models.heads import Heads, decode_roles

    heads = Heads(out)
    enc = load_encoder(str(out)).encode(ARTICLE)
    own = heads.attribution_model.role_probs(ARTICLE, enc.offsets)
    assert own.shape == (len(enc.offsets), 3, 3) and np.allclose(own.sum(-1), 1.0, atol=1e-4)
    mixed = (1 - am["mix"]) * own + am["mix"] * heads.role_probs(ARTICLE, enc)
    expect = {(s.role, s.start, s.end) for s in decode_roles(ARTICLE, enc.offsets, mixed, am["thresholds"])}
    env = {**__import__("os").environ, "UNSPUN_MODEL_DIR": str(out)}
    for fast in (False, True):
        run = subprocess.run([sys.executable, "-m", "unspun", "analyze", "-", "--format", "json"] + ["--fast"] * fast,
                             input=ARTICLE, capture_output=True, text=True, check=True, env=env)
        got = json.loads(run.stdout)
        assert got["producer"]["models"]["attribution"].startswith("attribution-tagger@" if fast else "attribution-model@")
        if not fast:  # every predicted cue is a cue of the mixed decoding (linking may drop a few)
            cues = {(s["start"], s["end"]) for s in got["spans"] if s["layer"] == "cue"}
            assert cues <= {(s, e) for r, s, e in expect if r == "Cue"}, (cues, expect)


def test_carry_probs_between_tokenizers():
    """Another tokenizer's per-token probabilities reach each token from the token it starts in."""
    from unspun.models.heads import carry_probs

    probs = np.array([[0.1], [0.7], [0.3]])
    own = np.array([[0, 5], [5, 10], [11, 14]])
    assert carry_probs(probs, own, own) is probs
    got = carry_probs(probs, own, np.array([[0, 2], [2, 5], [6, 10], [11, 12], [12, 14]]))
    assert got[:, 0].tolist() == [0.1, 0.1, 0.7, 0.3, 0.3]


def test_shipped_sentence_model_tells_opinion_from_report():
    """The shipped sentence model over an article of our own: opinion in the outlet's voice scores
    subjective and biased, plain report neither."""
    text = ("Council passes budget\n\n"
            "The council approved the budget on Tuesday by a vote of seven to two.\n\n"
            "The mayor's reckless, shameful scheme is a disgrace that will ruin this city for a generation.\n\n"
            "Police said three people were arrested after the protest on Main Street.\n\n"
            "It is hard to imagine a more cynical betrayal of the voters who trusted him.\n")
    a = unspun.analyze(text)
    assert a.producer["models"]["sentences"].startswith("sentence-model@")
    scores = {a.span_text(s)[:12]: s.attrs for s in a.layer("sentence")}
    for opinion in ("The mayor's ", "It is hard t"):
        assert scores[opinion]["subjectivity"] > 0.5 and scores[opinion]["bias"] > 0.5, scores
    for report in ("The council ", "Police said "):
        assert scores[report]["subjectivity"] < 0.5 and scores[report]["bias"] < 0.5, scores


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


def test_names_without_a_parse_survive_any_source_range():
    from unspun.stages.parsing import entities
    from unspun.stages.speakers import Speakers

    text = "Mr. Tom Reed, the minister, said he would go.\n\n“No,” she said. Sen. Olsen and who of the — I"
    sp = Speakers(entities([text[:45], text[47:]]), [0, 47], [(0, 45), (47, 63), (64, len(text))])
    seen = set()
    for s in range(len(text)):
        for e in range(s + 1, len(text) + 1, 3):
            seen.add(sp.resolve_span(s, e))
    assert "Tom Reed" in seen and None in seen
    assert sp.resolve_span(0, 12) == "Tom Reed" and sp.resolve_span(text.index("he would"), text.index("he would") + 2) == "Tom Reed"

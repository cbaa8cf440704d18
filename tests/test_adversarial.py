"""Hostile and oversized input on the analysis path: bounded window batches, near-linear text
stages on crafted text, control characters kept off the terminal."""

from __future__ import annotations

import numpy as np
import pytest

from unspun.models.runtime import DEFAULT_DIR, Encoder, _onnx_forward, load_encoder, plan_windows
from unspun.models.techniques.spanmodel import article_probs

NEWS = ("The council voted 31 to 12 on Tuesday to build a tram line linking the northern estates "
        "with the river quarter. \u201cThis is the most important decision in a decade,\u201d said "
        "councillor Amira Haddad. Opponents called the plan a reckless gamble with public money.\n\n")


def _long_text(windows: int) -> str:
    """The paragraph repeated until the shipped encoder cuts it into ``windows`` windows."""
    enc = load_encoder(str(DEFAULT_DIR))
    per = len(enc.tokenizer.encode(NEWS, add_special_tokens=False).ids)
    text = NEWS * max(1, round(windows * (enc.window - 2 - enc.overlap) / per))
    assert len(plan_windows(len(enc.tokenizer.encode(text, add_special_tokens=False).ids),
                            enc.window - 2, enc.overlap)) in range(windows - 1, windows + 2)
    return text


def _float_model(path, width: int = 8, vocab: int = 40000) -> None:
    """A small float ONNX encoder (embedding lookup, masked, cumulative sum along the window): every
    row's output depends on its own window alone, so batching must not change it."""
    import onnx
    from onnx import TensorProto, helper

    rng = np.random.default_rng(0)
    emb = helper.make_tensor("emb", TensorProto.FLOAT, [vocab, width],
                             rng.standard_normal((vocab, width)).astype(np.float32).ravel().tolist())
    axis = helper.make_tensor("axis", TensorProto.INT64, [], [1])
    last = helper.make_tensor("last", TensorProto.INT64, [1], [-1])
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["e"]),
        helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["m", "last"], ["m3"]),
        helper.make_node("Mul", ["e", "m3"], ["em"]),
        helper.make_node("CumSum", ["em", "axis"], ["out"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["B", "T"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["B", "T"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["B", "T", width])],
        initializer=[emb, axis, last])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))


def test_window_batches_give_the_one_batch_states(tmp_path):
    """A long article (several batches of windows) through a real onnxruntime session: states,
    [CLS] states and owners equal those of one batch of every window."""
    _float_model(tmp_path / "tiny.onnx")
    encoder = Encoder(DEFAULT_DIR, forward=_onnx_forward(str(tmp_path / "tiny.onnx")))
    encoder.width = None
    text = _long_text(40)
    one = encoder.encode(text, batch=10 ** 6)
    assert len(one.windows) >= 39
    for batch in (16, 3, 1):
        got = encoder.encode(text, batch=batch)
        assert got.windows == one.windows
        np.testing.assert_array_equal(got.owner, one.owner)
        np.testing.assert_array_equal(got.hidden, one.hidden)
        np.testing.assert_array_equal(got.cls, one.cls)
    assert np.abs(one.hidden).sum() > 0


def test_span_model_windows_in_batches_give_the_one_batch_probabilities():
    """``article_probs`` (span model, attribution model) stitches batched windows as one batch,
    for a model with one output and one with two."""
    rng = np.random.default_rng(1)
    n = 5000
    ids = rng.integers(5, 30000, n).astype(np.int64)
    feats = rng.random((n, 6)).astype(np.float32)
    table = rng.random((30000, 3)).astype(np.float32)
    calls = []

    def fn(b_ids, b_mask, b_feats):
        calls.append(len(b_ids))
        probs = np.cumsum(table[b_ids] * b_mask[..., None] + b_feats[..., :3], axis=1)
        return probs, probs[..., None, :] * 2.0

    one = article_probs(fn, ids, feats, 1, 2, batch=10 ** 6)
    calls.clear()
    got = article_probs(fn, ids, feats, 1, 2, batch=4)
    assert max(calls) == 4 and len(calls) > 4
    for a, b in zip(one, got):
        np.testing.assert_array_equal(a, b)
    single = article_probs(lambda *a: fn(*a)[0], ids, feats, 1, 2, batch=4)
    np.testing.assert_array_equal(single, one[0])
    empty = article_probs(lambda *a: fn(*a)[0], ids[:0], feats[:0], 1, 2)
    assert empty.shape == (0, 3)


def test_shipped_encoder_unchanged_for_an_article_of_a_few_windows():
    """Articles of up to one batch of windows (most articles) keep exactly the states they had."""
    enc = load_encoder(str(DEFAULT_DIR))
    text = _long_text(5)
    one = enc.encode(text, batch=10 ** 6)
    got = enc.encode(text)
    assert 5 <= len(one.windows) <= 16
    np.testing.assert_array_equal(got.hidden, one.hidden)
    np.testing.assert_array_equal(got.mid, one.mid)
    np.testing.assert_array_equal(got.cls, one.cls)


def test_empty_text_encodes():
    got = load_encoder(str(DEFAULT_DIR)).encode("")
    assert got.hidden.shape[0] == 0 and len(got.windows) == 1


# -- control characters never reach the terminal raw -----------------------------------------

HOSTILE = ("Storm hits coast\n\n"
           + "The storm closed roads across the region on Monday, officials said. " * 3
           + "\n\nThe mayor said \x1b]0;pwned\x07 it was \x1b[31mred\x1b[0m and \u009b2J here \x01\x7f "
           "with\ttabs.\n\nRoads reopened on Tuesday, the \x1b[2Jcouncil said.\n")


def _terminal(render, *args) -> str:
    import io

    from rich.console import Console

    out = io.StringIO()
    render(*args, Console(file=out, width=100, force_terminal=True, color_system="truecolor"))
    return out.getvalue()


def _no_raw_controls(shown: str) -> None:
    for raw in ("\x1b]0;", "\x1b[31mred", "\x1b[2Jcouncil", "\x9b", "\x01", "\x7f", "\x07"):
        assert raw not in shown, repr(raw)
    assert "\u241b]0;pwned" in shown and "\u241b[31mred" in shown and "\\x9b2J" in shown
    assert "\u2401\u2421" in shown


def test_terminal_report_shows_controls_as_visible_escapes():
    from unspun import analyze
    from unspun.render.terminal import render_terminal

    article = analyze(text=HOSTILE, title="Bad \x1b[5mtitle", models=False)
    shown = _terminal(render_terminal, article)
    _no_raw_controls(shown)
    assert "\u241b[5mtitle" in shown and "\x1b[5mtitle" not in shown
    assert "\x1b[31mred" in article.to_json() or "\\u001b[31mred" in article.to_json()
    assert article.text.count("\x1b") == 4  # the JSON and the spans keep the text as given


def test_compare_terminal_shows_controls_as_visible_escapes():
    from unspun import analyze
    from unspun.render.compare_terminal import render_compare_terminal
    from unspun.stories.diff import compare

    first = analyze(text=HOSTILE.replace("Roads reopened", "Traffic resumed"), models=False)
    second = analyze(text=HOSTILE + "\nA new \x1b[41madded\x1b[0m paragraph \x9b1m here.\n", models=False)
    result = compare([first, second])
    shown = _terminal(lambda c: render_compare_terminal(result, [first, second], c))
    _no_raw_controls(shown)
    assert "\u241b[41madded" in shown and "\x1b[41madded" not in shown


# -- crafted text: the text stages stay linear (speed itself is measured in benchmarks/adversarial.py)

def _sentences(text: str) -> list[str]:
    from unspun.article import Article
    from unspun.stages.sentences import sentences

    a = sentences(Article(text=text))
    return [a.span_text(s) for s in a.layer("sentence")]


def test_sentences_after_abbreviations_and_quotes_in_long_runs():
    """The word before a period is read backwards and protected quotations are swept once; the
    splits are those the rules give (a title or an initial never ends a sentence, a quotation
    closed in its paragraph is never cut)."""
    assert _sentences("Mr. " * 5000) == [("Mr. " * 5000).strip()]
    quoted = "\u201cA.\u201d " * 3000
    assert _sentences(quoted) == [quoted.strip()]
    assert _sentences("He met Mr. Smith. " * 3 + "Sen. J. R. Jones spoke in the U.S. Senate. The end.") == \
        ["He met Mr. Smith."] * 3 + ["Sen. J. R. Jones spoke in the U.S. Senate.", "The end."]
    assert _sentences("\u201cWe won. Really,\u201d he said. " * 400)[:2] == \
        ["\u201cWe won. Really,\u201d he said."] * 2
    assert _sentences("It rained.\u201d Then \u201cit. Stopped.\u201d Fine. " * 200).count("Fine.") == 200


def test_punctuation_runs_are_tamed_for_spacy_with_offsets_kept():
    from unspun.stages.parsing import PUNCT_RUN, entities, tame

    text = "Wow" + "!" * 5000 + " said Amira Haddad in Paris" + "(" * 3000 + "."
    shown = tame(text)
    assert len(shown) == len(text)
    assert max(len(run) for run in shown.replace("W", " ").split(" ") if run and run[0] in "!(") == PUNCT_RUN
    doc = entities([text])[0]
    assert len(doc.text) == len(text)
    assert all(text[e.start_char:e.end_char] == e.text for e in doc.ents)
    assert "Amira Haddad" in {e.text for e in doc.ents}
    assert tame("No long runs here!!! (really).") == "No long runs here!!! (really)."


def test_paragraph_longer_than_spacy_max_length_is_processed_in_pieces(monkeypatch):
    """spaCy refuses a text over its max_length: a longer paragraph goes through in pieces that
    join back into one Doc over the whole text."""
    from unspun.stages import parsing

    para = ("Councillor Amira Haddad said the tram line would open in 2029 in Portmere. " * 120).strip()
    nlp = parsing._nlp(True)
    monkeypatch.setattr(nlp, "max_length", 4000)
    with pytest.raises(ValueError):
        nlp(para)
    doc = parsing.entities([para])[0]
    assert doc.text == para
    assert sum("Amira Haddad" in e.text for e in doc.ents) == 120
    parts = parsing.pieces(para)
    assert "".join(parts) == para and all(len(p) <= parsing.PIECE_CHARS for p in parts)
    assert all(p.endswith(". ") for p in parts[:-1])


def test_cue_chains_are_found_within_pieces():
    """A run-on "He said: He said: ..." parses in pieces, so no sentence (and no cue's content)
    spans more than one piece; every cue is found with offsets inside the text."""
    from unspun.stages.cues import find_cues
    from unspun.stages.parsing import PIECE_CHARS, parse

    text = "He said: " * 1500
    doc = parse([text])[0]
    assert doc.text == text
    assert max(len(s.text_with_ws) for s in doc.sents) <= PIECE_CHARS
    cues = find_cues(doc, 0)
    assert len(cues) > 1000
    for cue in cues:
        for s, e in [cue.source, *cue.cue, *cue.content]:
            assert 0 <= s < e <= len(text)
            assert e - s <= PIECE_CHARS


# -- long articles run the models segment by segment --------------------------------------------

PARAGRAPHS = [
    "The city council voted 31 to 12 on Tuesday to build a tram line linking the northern estates "
    "with the river quarter, ending a dispute that had split the governing coalition since spring.",
    "\u201cThis is the most important decision this chamber has taken in a decade,\u201d said councillor "
    "Amira Haddad, who chairs the transport committee.",
    "Opponents called the plan a reckless gamble with public money. Deputy leader Jonas Berg said the "
    "estimated cost had been drawn up by people who would never have to pay it.",
    "Shop owners fear months of roadworks. \u201cWe barely survived the last closure,\u201d said baker "
    "Lina Moreau.",
]


def _body(paragraphs: int, shift: int = 0) -> str:
    return "\n\n".join(PARAGRAPHS[(k + shift) % len(PARAGRAPHS)] for k in range(paragraphs))


def _with_sentences(text: str):
    from unspun.article import Article
    from unspun.stages.sentences import sentences

    return sentences(Article(text=text))


def test_segments_cover_the_text_and_cut_where_sentences_start():
    from unspun.stages.learned import segments

    a = _with_sentences(_body(40))
    sents = [(s.start, s.end) for s in a.layer("sentence")]
    got = segments(a.text, sents, 2000)
    assert got[0][0] == 0 and got[-1][1] == len(a.text)
    assert all(x[1] == y[0] for x, y in zip(got, got[1:]))
    assert all(b - a_ <= 2000 for a_, b in got)
    starts = {s for s, _ in sents}
    assert all(b in starts and a.text[b - 1] == "\n" for _, b in got[:-1])
    one = "word " * 1000  # one sentence longer than a segment: cut after a space
    cut = segments(one, [(0, len(one) - 1)], 1200)
    assert all(one[b - 1] == " " and b - a_ <= 1200 for a_, b in cut[:-1])


def test_a_long_article_gets_per_segment_results(monkeypatch):
    """With the segment length at 2,000 characters, the second segment's spans are exactly those
    of that segment analysed alone (shifted, its relations numbered after the first's), and
    every sentence, cue and source a quote names exists in the article."""
    from unspun.stages import learned

    first, second = _body(8), _body(9, shift=2)
    text = first + "\n\n" + second
    monkeypatch.setattr(learned, "SEGMENT_CHARS", 2000)
    whole = learned.models(_with_sentences(text))
    assert len(learned.segments(text, [(s.start, s.end) for s in whole.layer("sentence")])) >= 2
    monkeypatch.setattr(learned, "SEGMENT_CHARS", 10 ** 6)
    cut = learned.segments(text, [(s.start, s.end) for s in _with_sentences(text).layer("sentence")], 2000)
    a, b = cut[-1]
    alone = learned.models(_with_sentences(text[a:b]))
    before = max((s.attrs.get("relation") or 0 for s in whole.spans if s.start < a), default=0)

    def key(s, shift=0, rel=0):
        attrs = dict(s.attrs)
        if attrs.get("relation") is not None:
            attrs["relation"] += rel
        for k in ("cue", "source"):
            if s.layer == "quote" and k in attrs:
                attrs[k] = [[x + shift, y + shift] for x, y in attrs[k]]
        return (s.start + shift, s.end + shift, s.layer, s.label, sorted(attrs.items(), key=str))

    got = sorted(key(s) for s in whole.spans if s.start >= a)
    want = sorted(key(s, a, before) for s in alone.spans)
    assert got == want and len(got) > 10
    n = len(text)
    assert all(0 <= s.start <= s.end <= n for s in whole.spans)
    assert [(s.start, s.end) for s in whole.layer("sentence")] == \
        [(s.start, s.end) for s in _with_sentences(text).layer("sentence")]
    marked = {(s.start, s.end, s.attrs.get("relation")) for s in whole.spans if s.layer in ("cue", "source")}
    for q in whole.layer("quote"):
        for x, y in q.attrs["cue"] + q.attrs["source"]:
            assert (x, y, q.attrs["relation"]) in marked
    assert whole.producer["attribution"] == "model" and set(whole.producer["models"]) >= {"attribution", "techniques"}


def test_a_sentence_longer_than_a_segment_stays_whole(monkeypatch):
    from unspun.stages import learned

    text = PARAGRAPHS[0] + "\n\n" + ("the council said that " * 200).strip() + ".\n\n" + PARAGRAPHS[1]
    monkeypatch.setattr(learned, "SEGMENT_CHARS", 1500)
    before = [(s.start, s.end) for s in _with_sentences(text).layer("sentence")]
    got = learned.models(_with_sentences(text))
    assert [(s.start, s.end) for s in got.layer("sentence")] == before
    assert all("subjectivity" in s.attrs for s in got.layer("sentence"))
    assert all(0 <= s.start <= s.end <= len(text) for s in got.spans)


def test_rules_run_segment_by_segment_too(monkeypatch):
    """--no-models: the rule stage runs per segment as the models do (the second segment's spans
    are those of that segment alone, relations numbered on)."""
    from unspun.stages import learned
    from unspun.stages.attribution import attribution

    text = _body(8) + "\n\n" + _body(9, shift=2)
    monkeypatch.setattr(learned, "SEGMENT_CHARS", 2000)
    whole = learned.by_segments(_with_sentences(text), attribution)
    a, b = learned.segments(text, [(s.start, s.end) for s in _with_sentences(text).layer("sentence")])[-1]
    monkeypatch.setattr(learned, "SEGMENT_CHARS", 10 ** 6)
    alone = attribution(_with_sentences(text[a:b]))
    before = max((s.attrs.get("relation") or 0 for s in whole.spans if s.start < a), default=0)
    got = sorted((s.start - a, s.end - a, s.layer, s.label, (s.attrs.get("relation") or before) - before)
                 for s in whole.spans if s.start >= a)
    want = sorted((s.start, s.end, s.layer, s.label, s.attrs.get("relation") or 0) for s in alone.spans)
    assert got == want and any(layer == "quote" for _, _, layer, _, _ in got)
    assert before > 0

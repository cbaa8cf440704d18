"""The shipped sentence encoder (int8 ONNX MiniLM) and the embedding step of ``unspun stories``.

Every text here is written for these tests."""

from __future__ import annotations

import json

import numpy as np
import pytest

from unspun.models.embed import DEFAULT_DIR, load_embedder
from unspun.stories.group import Settings, Stats, group
from unspun.stories.settle import EmbeddingSettle

WIRE = """Harbour strike enters third day as talks stall

Dock workers in Port Halden stayed off the job for a third day on Wednesday, leaving dozens of cargo ships waiting outside the harbour.
The union says its members have not had a pay rise in four years and wants wages raised by 12 percent.
The port authority has offered 5 percent spread over two years, an offer the union called an insult.
Fruit importers warned that shipments of bananas and citrus would start to rot within days if the ships were not unloaded.
The transport minister urged both sides to return to talks and said the government would not intervene for now.
Police reported no violence at the picket lines, where several hundred workers gathered with banners and drums.
Shipping companies have started diverting vessels to the neighbouring port of Saltmere, about 80 kilometres to the north.
Talks between the union and the port authority are scheduled to resume on Friday morning."""

# The same story rewritten sentence by sentence (synonyms, reordering, voice), two sentences
# and the headline kept word for word: too little shared wording for the lexical check alone.
REWRITE = """Harbour strike enters third day as talks stall

For a third straight day on Wednesday, Port Halden's dockers refused to work, and scores of freighters sat idle offshore.
Union leaders say members have gone four years without a raise and are demanding a 12 percent increase.
The port authority has offered 5 percent spread over two years, an offer the union called an insult.
Fruit importers cautioned that cargoes of bananas and citrus could spoil within days unless the freighters are emptied.
The transport minister called on both camps to get back to the negotiating table, adding that for now the state would stay out of the dispute.
Police reported no violence at the picket lines, where several hundred workers gathered with banners and drums.
Ship operators have begun rerouting vessels to nearby Saltmere, a port roughly 80 kilometres further north.
Negotiators for the two camps are due to meet again early on Friday."""


def _copies(result: dict) -> list[list[str]]:
    return sorted(sorted(m["id"] for m in s["members"]) for s in result["stories"] if s["kind"] == "copy")


def test_shipped_model_files_and_card():
    names = {p.name for p in DEFAULT_DIR.iterdir()}
    assert {"model.onnx", "tokenizer.json", "config.json", "MODEL_CARD.md"} <= names
    assert (DEFAULT_DIR / "model.onnx").stat().st_size <= 30 * 10**6
    config = json.loads((DEFAULT_DIR / "config.json").read_text())
    assert config["dim"] == 384 and config["pooling"] == "mean"
    assert "Apache-2.0" in (DEFAULT_DIR / "MODEL_CARD.md").read_text()


def test_paraphrases_are_close_and_unrelated_sentences_far():
    e = load_embedder()
    v = e.embed([
        "The city council voted on Monday to close the old coal power station by 2030.",
        "On Monday, councillors decided that the ageing coal plant will shut down by 2030.",
        "A rare white tiger cub was born at the zoo over the weekend.",
        "Over the weekend the zoo welcomed the birth of a rare white tiger cub.",
    ])
    assert v.shape == (4, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    s = v @ v.T
    unrelated = max(s[0, 2], s[0, 3], s[1, 2], s[1, 3])
    assert min(s[0, 1], s[2, 3]) > 0.55 and unrelated < 0.2
    assert min(s[0, 1], s[2, 3]) - unrelated > 0.4
    assert load_embedder() is e  # loaded once per process
    assert np.allclose(e.embed(["The zoo welcomed a cub."] * 3), e.embed(["The zoo welcomed a cub."])[0], atol=1e-5)


def test_rewritten_version_is_grey_and_joined_only_with_embeddings():
    docs = [("a", "a", WIRE), ("b", "b", REWRITE)]
    plain = Stats()
    assert _copies(group(iter(docs), stats=plain)) == [["a"], ["b"]]
    assert plain.grey == 1 and plain.settled == 0
    with_emb = Stats()
    settle = EmbeddingSettle()
    assert _copies(group(iter(docs), stats=with_emb, settle=settle)) == [["a", "b"]]
    assert with_emb.grey == 1 and with_emb.grey_asked == 1 and with_emb.settled == 1
    # six sentences of each head; the headline and one sentence are the same words in both
    assert with_emb.settle_docs == 2 and with_emb.settle_sentences == 2 * settle.max_sentences - 2


def test_independent_report_of_the_same_event_is_not_a_copy():
    """Another outlet's own report of the same strike, in its own words and with its own angle."""
    own = """Port Halden dockers dig in as walkout drags on

Port bosses insist their offer of 5 percent over two years is final, while the union wants more.
Local cafe owners near the docks said their takings had halved since the walkout began.
A retired crane operator recalled a similar dispute in 1998 that lasted almost six weeks.
The mayor posted a video urging residents to support local businesses during the stoppage.
Economists at the national bank estimate that each day of the strike costs the region millions.
Several schools organised trips to the harbour so pupils could learn about the history of the port."""
    texts = [WIRE, REWRITE, own]
    settle = EmbeddingSettle()
    verdict = settle.decide(np.array([[0, 1], [0, 2], [1, 2]]), lambda idx: [texts[i] for i in idx])
    assert verdict.tolist() == [True, False, False]
    assert settle.documents == 3


def test_heads_cap_sentences_and_drop_the_cut_one():
    s = EmbeddingSettle(max_sentences=3, head_chars=120, min_words=4)
    text = ("Short one. The first real sentence has enough words. The second real sentence too, "
            "clearly. The third sentence is cut by the limit here and should be dropped entirely.")
    heads = s.heads(text)
    assert heads == ["The first real sentence has enough words.", "The second real sentence too, clearly."]
    assert len(EmbeddingSettle(max_sentences=2).heads(WIRE)) == 2


def test_settler_reads_the_right_texts_across_chunks():
    """The heads are kept per chunk in a temporary file and read back by index."""
    seen = {}

    class Spy:
        head_chars = 40

        def decide(self, pairs, texts):
            idx = sorted(set(np.asarray(pairs).ravel().tolist()))
            seen.update(zip(idx, texts(idx)))
            return np.zeros(len(pairs), dtype=bool)

    filler = [(f"f{k}", None, text) for k, text in enumerate([
        "Tomatoes need sun, water and patience in a cold spring.",
        "The library extends its opening hours during the exam season.",
        "A new cycling lane opens along the river next month.",
        "The choir rehearses every Thursday evening in the old chapel.",
        "Volunteers cleaned the beach after the weekend storm."])]
    docs = filler[:3] + [("a", None, WIRE)] + filler[3:] + [("b", None, REWRITE)]
    stats = Stats()
    group(iter(docs), Settings(chunk=2), settle=Spy(), stats=stats)
    assert stats.grey == 1 and seen == {3: WIRE[:40], 6: REWRITE[:40]}


def test_model_is_not_loaded_without_grey_pairs():
    load_embedder.cache_clear()
    stats = Stats()
    group(iter([("a", None, WIRE), ("x", None, "A note about tomatoes, gardening and the summer weather.")]),
          stats=stats, settle=EmbeddingSettle())
    assert stats.grey == 0 and load_embedder.cache_info().currsize == 0


@pytest.mark.parametrize("flag", [[], ["--no-embeddings"]])
def test_cli_embeddings_switch(tmp_path, capsys, flag):
    from unspun.cli import main

    (tmp_path / "wire.txt").write_text(WIRE, encoding="utf-8")
    (tmp_path / "rewrite.txt").write_text(REWRITE, encoding="utf-8")
    assert main(["stories", str(tmp_path), "--format", "json", "-j", "1", *flag]) == 0
    stories = json.loads(capsys.readouterr().out)["stories"]
    sizes = sorted(len(s["members"]) for s in stories if s["kind"] == "copy")
    assert sizes == ([1, 1] if flag else [2])


def test_length_batches_cover_every_row_with_little_padding():
    from unspun.models.embed import length_batches

    lengths = [5, 3, 40, 41, 100, 7, 8, 9, 12, 60, 2, 41, 39]
    encs = [list(range(1, n + 1)) for n in lengths]
    seen = []
    for rows, ids, mask in length_batches(encs, batch_tokens=128):
        seen += rows.tolist()
        assert mask.sum(axis=1).tolist() == [lengths[i] for i in rows]
        assert all(ids[r, :lengths[i]].tolist() == encs[i] for r, i in enumerate(rows.tolist()))
        assert ids.shape[1] <= 1.3 * min(lengths[i] for i in rows) + 8  # no short row padded to a long one
        assert ids.size <= 128 or len(rows) == 1
    assert sorted(seen) == list(range(len(encs)))

"""Relation kinds: the quote table holds speech only, on both attribution paths (text written
for these tests)."""

import pytest

import unspun
from unspun.article import Article, Span
from unspun.stages.relations import classify_relations, relation_kind

ARTICLE = """Harbour levy splits the region

March 3, 2026

Portmere will never accept a levy on its fishing fleet, harbour master Jonas Reyes said in a statement on Sunday.

Portmere and Eastvale support the regional government's plan to widen the harbour channel.

The dock workers' union rejects any deal that cuts night-shift pay.

Mayor Helena Varga repeated demands for the union to return to work and said the city was losing money every day.

“We cannot wait another month,” Varga told reporters.

Local shop owners remain fearful of another long strike.
"""


@pytest.fixture(scope="module", params=[False, True], ids=["rules", "model"])
def analysed(request):
    return unspun.analyze(ARTICLE, models=request.param)


def _quotes(a):
    return [(q.label, a.text[q.start:q.end], q.attrs.get("speaker"), q.attrs.get("kind")) for q in a.layer("quote")]


def test_quote_table_holds_speech_only(analysed):
    quotes = _quotes(analysed)
    texts = " | ".join(t for _, t, _, _ in quotes)
    for stance in ("widen the harbour channel", "cuts night-shift pay", "another long strike"):
        assert stance not in texts, quotes
    assert all(kind == "speech" for *_, kind in quotes)
    direct = [q for q in quotes if q[0] == "direct"]
    assert [q[1] for q in direct] == ["We cannot wait another month,"]
    assert direct[0][2] in ("Helena Varga", "Varga")  # the rules path names her as the cue's sentence does


def test_coordinated_cue_shares_its_subject(analysed):
    quotes = _quotes(analysed)
    said = [q for q in quotes if q[1].startswith("the city was losing money")]
    assert said and said[0][2] == "Helena Varga", quotes


def test_clause_before_the_cue_is_the_content(analysed):
    quotes = _quotes(analysed)
    reported = [q for q in quotes if q[1].startswith("Portmere will never accept a levy")]
    assert reported and reported[0][0] == "indirect" and reported[0][2] == "Jonas Reyes", quotes


def test_every_relation_part_has_a_kind(analysed):
    parts = [s for s in analysed.spans if s.layer in ("source", "cue", "content")]
    assert parts and all(s.attrs.get("kind") in ("speech", "stance", "other") for s in parts)
    stance_cues = {analysed.text[s.start:s.end] for s in analysed.layer("cue") if s.attrs["kind"] == "stance"}
    if analysed.producer.get("attribution") == "rules":
        return  # the rules' cues are reporting verbs: they find no stance here
    assert any("rejects" in c for c in stance_cues) or any("support" in c for c in stance_cues), stance_cues


def test_stub_content_is_no_quote():
    text = "Officials said it. The minister said the harbour would reopen on Monday."
    a = Article(text=text)
    a.spans = [Span(0, 18, "sentence", "attributed"), Span(19, len(text), "sentence", "attributed")]
    for rel, (cue, content) in enumerate((((10, 14), (15, 17)), ((32, 36), (37, len(text) - 1))), start=1):
        a.add("cue", *cue, relation=rel, speaker=None)
        a.add("content", *content, relation=rel, speaker=None)
        a.add("quote", *content, "indirect", relation=rel, speaker=None, cue=[list(cue)], source=[])
    classify_relations(a)
    assert [a.text[q.start:q.end] for q in a.layer("quote")] == ["the harbour would reopen on Monday"]


@pytest.mark.parametrize("words, quoted, kind", [
    (["said"], False, "speech"), (["according", "to"], False, "speech"), (["told"], False, "speech"),
    (["supports"], False, "stance"), (["believes"], False, "stance"), (["repeated", "demands"], False, "stance"),
    (["called"], True, "speech"), (["also", "leveled"], False, "other"), ([], True, "speech"),
])
def test_relation_kind(words, quoted, kind):
    assert relation_kind(words, quoted) == kind


ASIDES = """Mayor defends port deal

March 4, 2026

Mayor Helena Varga said the port deal would bring 400 jobs to Portmere – though the same firm has broken every promise it made to the city.

Union leader Tomas Okafor told reporters the workers would accept the offer, despite the fact that he himself called it theft a week ago.

“The deal is done,” Varga said – even as her own council refuses to sign it.

Varga said the firm, which opened its first office in 1998, would start hiring in May.

The mayor said the council would meet while the union was on strike.
"""


@pytest.mark.parametrize("models", [False, True], ids=["rules", "model"])
def test_asides_are_the_outlets_clauses_in_reported_sentences(models):
    a = unspun.analyze(ASIDES, models=models)
    found = [a.text[s.start:s.end] for s in a.layer("aside")]
    assert all(s.label == "own" for s in a.layer("aside"))
    assert "though the same firm has broken every promise it made to the city" in found, found
    assert "despite the fact that he himself called it theft a week ago" in found, found
    assert "even as her own council refuses to sign it" in found, found
    # a factual relative clause and a "while" without a dash are no asides
    assert not any("1998" in f or "on strike" in f for f in found), found
    quotes = " ".join(a.text[q.start:q.end] for q in a.layer("quote"))
    assert "The deal is done" in quotes


RELATIVE_ASIDES = """Harbour talks stall again

The port authority, which has opposed the levy for three years, said it would appeal the ruling.

“We will not sign this,” said Ann Roe, who chairs the dockworkers’ union in Veloria.

Even Tom Reyes, who hosts the weekly show “Harbour Talk,” said the deal was fair.

Roe said the district saw 30 applicants for the board, which she said were evenly split.

The board is divided, though, with most members absent from the vote, officials said.
"""


@pytest.mark.parametrize("models", [False, True], ids=["rules", "model"])
def test_a_relative_clause_describing_the_source_is_the_outlets(models):
    a = unspun.analyze(RELATIVE_ASIDES, models=models)
    found = [a.text[s.start:s.end] for s in a.layer("aside")]
    assert "which has opposed the levy for three years" in found, found
    assert "who chairs the dockworkers’ union in Veloria" in found, found
    assert "who hosts the weekly show “Harbour Talk,”" in found, found  # its quotation marks whole
    # a clause that reports someone is theirs, not the outlet's; ", though," opens no clause
    assert not any("evenly split" in f or "most members" in f for f in found), found

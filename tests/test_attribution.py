"""The attribution stage: quotes, their speakers, PolNeAR-style parts and sentence voice."""

import pytest

import unspun
from unspun.article import Article
from unspun.stages.attribution import attribution
from unspun.stages.sentences import sentences


def attribute(text: str) -> Article:
    article = Article.from_text(text)
    sentences(article)
    attribution(article)
    return article


def quotes(article: Article, label: str = "direct") -> list[tuple[str, str | None]]:
    return [(article.span_text(s), s.attrs["speaker"]) for s in article.layer("quote") if s.label == label]


def voices(article: Article) -> dict[str, str]:
    return {article.span_text(s): s.label for s in article.layer("sentence")}


def parts(article: Article, relation: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for layer in ("source", "cue", "content"):
        out[layer] = [article.span_text(s) for s in article.layer(layer) if s.attrs["relation"] == relation]
    return out


# -- the worked example -------------------------------------------------------------------

def test_seed_article(seed_path):
    text = seed_path.read_text(encoding="utf-8")
    a = unspun.analyze(text, models=False)  # the rule stage
    direct = [s for s in a.layer("quote") if s.label == "direct"]
    assert len(direct) == 3
    assert {s.attrs["speaker"] for s in direct} == {"Ali Khamenei"}
    first = direct[0]
    assert (first.start, first.end) == (244, 343)
    assert first.attrs["source"] == [[345, 353]] and first.attrs["cue"] == [[354, 358]]
    he_said = next(s for s in direct if a.span_text(s).startswith("Americans are still engaged"))
    assert [a.text[s:e] for s, e in he_said.attrs["source"]] == ["he"]

    voice = {(s.start, s.end): s.label for s in a.layer("sentence")}
    assert voice[(1315, 1563)] == "own"
    tehran = next(s for s in a.layer("sentence") if a.span_text(s).startswith("Tehran rejects"))
    assert tehran.label == "own"
    opening = next(s for s in a.layer("sentence") if a.span_text(s).startswith("Iran will never coordinate"))
    assert opening.label == "attributed"
    assert ("Iran will never coordinate with the United States in Syria and other regional conflicts",
            "Ali Khamenei") in quotes(a, "indirect")
    # every body sentence has exactly one sentence span, none in the furniture
    furniture = a.furniture()
    spans = a.layer("sentence")
    assert len({(s.start, s.end) for s in spans}) == len(spans) == 10
    assert not any(s.start < e and b < s.end for s in spans for b, e in furniture)


# -- direct quotes --------------------------------------------------------------------------

def test_quote_before_and_after_its_cue():
    a = attribute("“The plan is dead,” lawyer Tom Reed said. Reed later told reporters: “We will appeal.”\n\n"
                  "Said Mayor Ana Ruiz, “Nothing is decided.”")
    assert quotes(a) == [("The plan is dead,", "Tom Reed"), ("We will appeal.", "Tom Reed"),
                         ("Nothing is decided.", "Ana Ruiz")]
    assert parts(a, 1) == {"source": ["lawyer Tom Reed"], "cue": ["said"], "content": ["“The plan is dead,”"]}
    assert set(voices(a).values()) <= {"quote", "attributed"}


def test_split_quote_is_one_relation_with_two_content_spans():
    a = attribute("Ana Ruiz runs the port. “We will not leave,” Ruiz said, “until the job is done.”")
    assert quotes(a) == [("We will not leave,", "Ana Ruiz"), ("until the job is done.", "Ana Ruiz")]
    assert parts(a, 1) == {"source": ["Ruiz"], "cue": ["said"],
                           "content": ["“We will not leave,”", "“until the job is done.”"]}
    direct = [s for s in a.layer("quote") if s.label == "direct"]
    assert {s.attrs["relation"] for s in direct} == {1}
    assert all(s.attrs["cue"] == direct[0].attrs["cue"] for s in direct)


def test_follow_up_quote_in_the_same_paragraph_joins_the_relation():
    a = attribute("“It went well,” said Ana Ruiz. “We start again on Monday.”")
    assert quotes(a) == [("It went well,", "Ana Ruiz"), ("We start again on Monday.", "Ana Ruiz")]
    assert len(parts(a, 1)["content"]) == 2
    assert voices(a) == {"“It went well,” said Ana Ruiz.": "attributed", "“We start again on Monday.”": "quote"}


def test_quote_spanning_sentences():
    a = attribute("“We are ready. We are able. We will win,” said coach Lena Dahl.")
    assert quotes(a) == [("We are ready. We are able. We will win,", "Lena Dahl")]
    assert list(voices(a).values()) == ["quote"]


def test_quote_continuing_over_paragraphs():
    text = ("The mayor, Jane Porter, spoke for an hour.\n\n"
            "“The bridge will be rebuilt by spring,” Porter said. “We have the money and the workers.\n\n"
            "“Nobody in this city will wait another winter.”\n\n"
            "Critics were unconvinced.")
    a = attribute(text)
    assert quotes(a) == [("The bridge will be rebuilt by spring,", "Jane Porter"),
                         ("We have the money and the workers.", "Jane Porter"),
                         ("Nobody in this city will wait another winter.", "Jane Porter")]
    assert parts(a, 1)["content"] == ["“The bridge will be rebuilt by spring,”", "“We have the money and the workers.",
                                      "“Nobody in this city will wait another winter.”"]
    assert voices(a)["Critics were unconvinced."] == "own"
    assert voices(a)["“Nobody in this city will wait another winter.”"] == "quote"


def test_quote_paragraph_after_a_quote_keeps_the_speaker():
    a = attribute("“We lost,” said Tom Reed.\n\n“But we will be back next year, stronger than before.”")
    assert quotes(a)[-1] == ("But we will be back next year, stronger than before.", "Tom Reed")
    follow = next(s for s in a.layer("quote") if a.span_text(s).startswith("But"))
    assert follow.attrs["relation"] == 2 and follow.attrs["cue"] == [] and follow.attrs["source"] == []


def test_unbalanced_marks_do_not_stop_the_rest_of_the_article():
    text = ("He called the vote “a farce and left the room.\n\n"
            "A stray mark” appears here. Nobody minded.\n\n"
            "“We will appeal,” said lawyer Tom Reed.\n\n"
            "The court sits on Monday, according to Tom Reed's office.")
    a = attribute(text)
    assert ("We will appeal,", "Tom Reed") in quotes(a)
    assert voices(a)["Nobody minded."] == "own"
    assert voices(a)["The court sits on Monday, according to Tom Reed's office."] == "attributed"


def test_straight_and_single_marks_and_apostrophes():
    a = attribute('"It won\'t work," said Ana Ruiz. Iran’s students’ union disagreed. '
                  '‘We are ready,’ Mr. Omar Said told the BBC. The ’90s were different.')
    assert quotes(a) == [("It won't work,", "Ana Ruiz"), ("We are ready,", "Omar Said")]


def test_nyt_double_apostrophe_marks():
    a = attribute("''It was tough,'' Mr. Hutto said.")
    assert quotes(a) == [("It was tough,", "Hutto")]


def test_scare_quotes_are_not_quotes():
    a = attribute("The so-called “reform” passed. Officials called it a “historic” day.")
    assert quotes(a) == []
    assert voices(a)["The so-called “reform” passed."] == "own"


def test_long_quote_without_a_cue_has_no_speaker():
    a = attribute("The banner read “No more cuts to our schools and hospitals” in red letters.")
    assert quotes(a) == [("No more cuts to our schools and hospitals", None)]


def test_cue_inside_a_quote_is_the_speakers_own_words():
    a = attribute("“I told him the plan was dead,” Tom Reed said.")
    assert [a.span_text(s) for s in a.layer("cue")] == ["said"]
    assert quotes(a) == [("I told him the plan was dead,", "Tom Reed")]


# -- indirect speech and cues -----------------------------------------------------------------

def test_indirect_speech_forms():
    a = attribute("Minister Carla Moss said that the port would reopen. The strike is over, she said. "
                  "The talks will resume on Monday, according to Foreign Minister Anna Berg.")
    assert quotes(a, "indirect") == [("that the port would reopen", "Carla Moss"),
                                     ("The strike is over", "Carla Moss"),
                                     ("The talks will resume on Monday", "Anna Berg")]
    assert parts(a, 3) == {"source": ["Foreign Minister Anna Berg"], "cue": ["according to"],
                           "content": ["The talks will resume on Monday"]}
    assert set(voices(a).values()) == {"attributed"}


def test_according_to_in_the_middle_splits_the_content():
    a = attribute("The bridge, according to engineers, will need new cables.")
    content = parts(a, 1)["content"]
    assert content == ["The bridge", "will need new cables"]
    assert quotes(a, "indirect") == [("The bridge", "engineers"), ("will need new cables", "engineers")]


@pytest.mark.parametrize("verb", ["added", "told reporters", "stressed", "alleged", "warned", "maintained",
                                  "insisted", "claimed", "argued", "noted", "explained", "declared",
                                  "announced", "wrote", "tweeted", "says", "has said", "said in a statement"])
def test_cue_verbs_with_that_clauses(verb):
    a = attribute(f"Tom Reed {verb} that the plan had failed.")
    assert quotes(a, "indirect") == [("that the plan had failed", "Tom Reed")], verb
    assert a.span_text(a.layer("cue")[0]) == verb.replace(" reporters", "")
    assert list(voices(a).values()) == ["attributed"]


@pytest.mark.parametrize("verb", ["asked", "replied", "urged", "shouted", "added", "continued", "wrote"])
def test_cue_verbs_with_direct_quotes(verb):
    a = attribute(f"“Why not build it now?” Tom Reed {verb}.")
    assert quotes(a) == [("Why not build it now?", "Tom Reed")]
    assert [a.span_text(s) for s in a.layer("cue")] == [verb]


def test_urged_to_reports_the_infinitive():
    a = attribute("Tom Reed urged lawmakers to reject the plan.")
    assert quotes(a, "indirect") == [("to reject the plan", "Tom Reed")]


def test_verbs_that_are_not_speech_leave_the_sentence_own():
    a = attribute("Tehran rejects any coordination with the coalition. The minister declined to comment. "
                  "Prices rose by 3 percent.")
    assert a.layer("quote") == [] and a.layer("cue") == []
    assert set(voices(a).values()) == {"own"}


def test_quoted_words_inside_indirect_speech():
    a = attribute("Tom Reed said the ruling was “a disgrace to the court.”")
    assert quotes(a, "indirect") == [("the ruling was “a disgrace to the court.”", "Tom Reed")]
    assert quotes(a) == [("a disgrace to the court.", "Tom Reed")]
    assert {s.attrs["relation"] for s in a.layer("quote")} == {1}


# -- speakers ------------------------------------------------------------------------------

def test_titles_are_stripped_and_surnames_resolved():
    a = attribute("Supreme leader Ayatollah Ali Khamenei spoke on Sunday.\n\n"
                  "“We will not bow,” Khamenei said.\n\n“Never,” said Gen. Mark Olsen. “Not once,” Sen. Olsen added.")
    assert [s for _, s in quotes(a)] == ["Ali Khamenei", "Mark Olsen", "Mark Olsen"]


def test_pronouns_resolve_across_sentences_and_by_gender():
    a = attribute("Prime Minister David Okafor visited the port on Tuesday. The crowd was large.\n\n"
                  "“This port is our future,” he said.\n\n"
                  "Mrs. Maria Lopez met Tom Hill on Monday. Hill spoke first. “It went well,” she said. "
                  "“It was a failure,” he said.")
    assert [s for _, s in quotes(a)] == ["David Okafor", "Maria Lopez", "Tom Hill"]
    a = attribute("Mrs. Ana Ruiz spoke first. Then Mr. Tom Reed and Mr. Paul Dorn left the room. "
                  "“It is over,” she said.")
    assert quotes(a) == [("It is over,", "Ana Ruiz")]


def test_descriptions_resolve_to_the_fitting_person():
    a = attribute("Supreme leader Ayatollah Ali Khamenei met students in Tehran. Later, President Hassan Rouhani "
                  "spoke to reporters, and Foreign Minister Javad Zarif flew to Vienna.\n\n"
                  "“We will not bow to pressure,” the supreme leader said. His eminence added that the talks were over. "
                  "The president said the economy was growing. The minister said the flight was delayed.")
    speakers = [s.attrs["speaker"] for s in a.layer("source")]
    assert speakers == ["Ali Khamenei", "Ali Khamenei", "Hassan Rouhani", "Javad Zarif"]


def test_appositive_roles_are_remembered():
    a = attribute("Josh Earnest, the White House spokesman, spoke first. Later the spokesman said the talks had ended.")
    assert quotes(a, "indirect") == [("the talks had ended", "Josh Earnest")]


def test_a_name_the_tagger_misses_is_still_a_person():
    # the small spaCy model tags "Helena Varga" and "Varga" as organisations here
    a = attribute("Portmere mayor Helena Varga said on Friday that the city would not negotiate.\n\n"
                  "“We will not be held hostage,” Varga told reporters outside City Hall.\n\n"
                  "The mayor also warned that the city would hire replacement crews.")
    assert [s.attrs["speaker"] for s in a.layer("source")] == ["Helena Varga"] * 3


def test_naming_verbs_introduce_only_direct_quotes():
    a = attribute("The mayor warned that crews would be hired, a move union leader Tomas Okafor called "
                  "“an act of war against working people.” Okafor called for calm.")
    assert quotes(a) == [("an act of war against working people.", "Tomas Okafor")]
    assert [a.span_text(s) for s in a.layer("cue")] == ["warned", "called"]


def test_organisations_keep_their_name_and_groups_their_description():
    a = attribute("“We have no comment,” the White House said. Officials said the road would reopen. "
                  "A security source said the road was mined.")
    assert [s.attrs["speaker"] for s in a.layer("source")] == ["White House", "Officials", None]


def test_unresolvable_pronoun_gets_none():
    a = attribute("“It is over,” she said.")
    assert quotes(a) == [("It is over,", None)]


# -- the stage as a whole ----------------------------------------------------------------------

def test_relations_are_numbered_in_text_order_and_parts_agree():
    a = attribute("“One,” said Ana Ruiz. Tom Reed said that two followed. Three came last, according to Lena Dahl.")
    rels = [s.attrs["relation"] for s in a.layer("source")]
    assert rels == [1, 2, 3]
    for span in a.layer("cue") + a.layer("content"):
        source = next(s for s in a.layer("source") if s.attrs["relation"] == span.attrs["relation"])
        assert span.attrs["speaker"] == source.attrs["speaker"]


def test_every_sentence_keeps_exactly_one_span_and_rerun_is_stable():
    text = "“One,” said Ana Ruiz. Tom Reed said that two followed.\n\nPrices rose."
    a = attribute(text)
    first = a.to_json()
    attribution(a)
    assert a.to_json() == first
    assert len(a.layer("sentence")) == 3
    assert Article.from_json(first) == a


def test_messy_text_keeps_the_invariants():
    import random

    rng = random.Random(7)
    bits = ["“", "”", '"', "'", "‘", "’", "''", " said ", " he ", " according to ", "Mr.", "U.S.", " ",
            "\n", "\n\n", ". ", "? ", "Tom Reed", " the minister ", ",", "that ", "We will go", "—"]
    for _ in range(30):
        text = "".join(rng.choice(bits) for _ in range(rng.randint(0, 50)))
        a = attribute(text)
        sents = a.layer("sentence")
        assert all(0 <= s.start < s.end <= len(text) for s in a.spans)
        assert all(x.end <= y.start for x, y in zip(sents, sents[1:]))
        assert all(s.label in ("quote", "attributed", "own") for s in sents)
        relations = {s.attrs["relation"] for s in a.spans if s.layer in ("source", "cue", "content")}
        assert relations == set(range(1, len(relations) + 1))


def test_no_sentences_means_nothing_to_do():
    a = Article.from_text("")
    sentences(a)
    attribution(a)
    assert a.spans == []

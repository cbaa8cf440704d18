"""The sentences stage: one ``sentence`` span per body sentence, furniture excluded."""

import time

import pytest

from unspun.article import Article
from unspun.stages.sentences import sentences


def split(text: str, furniture: tuple = ()) -> list[str]:
    article = Article.from_text(text)
    for layer, start, end in furniture:
        article.add(layer, start, end)
    sentences(article)
    return [article.span_text(s) for s in article.layer("sentence")]


def test_paragraphs_and_sentences():
    text = "Rain fell all day. Rivers rose!\n\nWill the dam hold? Nobody knows.\nA new line is a new paragraph"
    assert split(text) == ["Rain fell all day.", "Rivers rose!", "Will the dam hold?", "Nobody knows.",
                           "A new line is a new paragraph"]


@pytest.mark.parametrize("sentence", [
    "Gen. Ruth Amos and Sen. Paul Dorn met Mr. Ito and Dr. Vale on St. Clair Avenue.",
    "The U.S. Senate and the U.N. Security Council met on Jan. 5 at 10 a.m. Eastern time.",
    "J. R. R. Tolkien's No. 1 fan paid $3.50 for it, i.e. almost nothing.",
    "Acme Inc. Chief Executive Dana Holt resigned.",
    "He said it at 5 p.m. on Friday, Sept. 12, in Washington, D.C. near the river.",
])
def test_no_break_after_abbreviations(sentence):
    assert split(sentence + " Then it rained.") == [sentence, "Then it rained."]


def test_dotted_abbreviation_ends_a_sentence_before_an_opener():
    assert split("He moved to the U.S. The rest is history.") == ["He moved to the U.S.", "The rest is history."]
    assert split("It ended at 5 p.m. He went home.") == ["It ended at 5 p.m.", "He went home."]


def test_no_break_inside_a_quotation():
    assert split("“We won. We really did,” she said. Then she left.") == [
        "“We won. We really did,” she said.", "Then she left."]
    assert split('"Go. Now." He went.') == ['"Go. Now."', "He went."]
    assert split("“Wait. Don’t go,” she said, “there is more. Much more.” Silence.") == [
        "“Wait. Don’t go,” she said, “there is more. Much more.”", "Silence."]


def test_a_question_quote_keeps_its_attribution():
    assert split("“Why build it now?” Tom Reed asked. “Go!” shouted Ana Ruiz. “Why?” He left the room early.") == [
        "“Why build it now?” Tom Reed asked.", "“Go!” shouted Ana Ruiz.", "“Why?”", "He left the room early."]


def test_an_unclosed_quotation_does_not_swallow_the_paragraph():
    assert split("He called it “a farce. Nobody believed him. The vote went ahead.") == [
        "He called it “a farce.", "Nobody believed him.", "The vote went ahead."]


def test_lower_case_after_a_period_is_not_a_new_sentence():
    assert split("The vote was 5 to 4. but nobody cared.") == ["The vote was 5 to 4. but nobody cared."]


def test_hard_wrapped_lines_are_joined():
    assert split("The council voted on a plan that\nwould close the port. It failed.") == [
        "The council voted on a plan that\nwould close the port.", "It failed."]


def test_furniture_is_not_body():
    text = "Port closes\n\nMay 2, 2024\n\nThe port closed. Workers left.\n\nShare this article"
    share = text.index("Share")
    got = split(text, [("title", 0, 11), ("dateline", 13, 24), ("boilerplate", share, len(text))])
    assert got == ["The port closed.", "Workers left."]


def test_furniture_inside_a_line_cuts_it():
    text = "LONDON (Reuters) - Markets fell. Traders sold."
    assert split(text, [("wire", 0, 18)]) == ["Markets fell.", "Traders sold."]


def test_spans_are_stripped_labelled_own_and_replaced_on_rerun():
    article = Article.from_text("  First one.   Second\u00a0one.  \n\n   Third.  ")
    sentences(article)
    sentences(article)
    spans = article.layer("sentence")
    assert [article.span_text(s) for s in spans] == ["First one.", "Second\u00a0one.", "Third."]
    assert all(s.label == "own" for s in spans)
    for s in spans:
        assert not article.text[s.start].isspace() and not article.text[s.end - 1].isspace()


def test_empty_and_punctuation_only_bodies():
    assert split("") == []
    assert split("\n\n  \n") == []
    assert split("* * *\n\nText.") == ["Text."]


def test_a_600_word_article_is_fast():
    para = ("Gen. Amos told the U.S. Senate on Jan. 5 that the plan, which costs $3.5 billion, "
            "would fail. “We won’t stop. We can’t,” she said. Critics disagreed! ")
    text = "\n\n".join([para * 2] * 15)  # about 600 words
    article = Article.from_text(text)
    start = time.perf_counter()
    sentences(article)
    assert time.perf_counter() - start < 0.1
    assert len(article.layer("sentence")) == 15 * 2 * 3

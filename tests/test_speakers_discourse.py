"""Speaker resolution that reads the discourse: pronouns across paragraphs, descriptions, groups
and organisations, appositives and possessors (articles written for these tests)."""

import re

import pytest

import unspun
from unspun.stages.parsing import entities
from unspun.stages.speakers import Speakers

TWO_LEADERS = """Border talks stall again

April 9, 2026

Governor Tomas Reyna said on Monday that the crossing would stay open. Reyna has led the talks since January.

Reyna later met Mexican President Andres Villalobos, who has alleged that the state broke an earlier promise.

“They gave us their word and then they walked away,” he told a television interviewer.
"""

OBLIQUE = """Retired admiral speaks out

Former admiral Norbert Calloway said he had doubts about the navy under President Delia Fairbanks at the time.

“It was hard to serve,” he said.
"""

QUOTED = """Council vote

Councillor Ruth Amberley asked for a recount. Councillor Piet Oyelaran backed her.

“Release the Amberley report to every voter,” he wrote.
"""

DESCRIPTIONS = """Budget passes

Chancellor Eva-Marie Kessler presented the budget on Tuesday.

“This is a careful plan,” the chancellor added.
"""

GROUPS = """Strike on the coast

The Britain-based monitoring group the Coastal Observatory for Human Rights said six people died.

Rights groups said the detainees were mistreated. A security source said the toll would rise.

Pictures showed smoke over the harbour. The Norwegian military said it would not comment.

Eastvale's Harbour news agency reported the arrests.

Human Rights Activists in Eastvale said 40 people were detained.
"""

LAWYERS = """Hearing delayed

A lawyer for Bram Pettigrew, Oskar Lindqvist, said his client would testify in private.

Pettigrew's lawyer said the hearing was unfair.
"""


def _speakers(text: str) -> Speakers:
    """The learned path's resolver: paragraphs with named entities, sentence ranges."""
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    sents = [(a + m.start(), a + m.end()) for a, b in paras
             for m in re.finditer(r"[^.!?]+[.!?]+[”\"]?", text[a:b])]
    return Speakers(entities([text[a:b] for a, b in paras]), [a for a, _ in paras], sents)


def _resolve(text: str, phrase: str, after: str = "") -> str | None:
    start = text.index(phrase, text.index(after) if after else 0)
    return _speakers(text).resolve_span(start, start + len(phrase))


def test_pronoun_takes_the_person_just_introduced_over_the_main_figure():
    assert _resolve(TWO_LEADERS, "he", "walked away") == "Andres Villalobos"


def test_pronoun_prefers_the_subject_over_a_name_after_a_preposition():
    assert _resolve(OBLIQUE, "he", "hard to serve") == "Norbert Calloway"


def test_pronoun_skips_names_inside_the_quotation():
    assert _resolve(QUOTED, "he", "every voter") == "Piet Oyelaran"


def test_description_resolves_to_the_named_holder_with_hyphenated_first_name():
    assert _resolve(DESCRIPTIONS, "the chancellor") == "Eva-Marie Kessler"


@pytest.mark.parametrize("phrase,speaker", [
    ("The Britain-based monitoring group the Coastal Observatory for Human Rights", "Coastal Observatory for Human Rights"),
    ("Rights groups", "Rights groups"),
    ("A security source", None),
    ("Pictures", None),
    ("The Norwegian military", "Norwegian military"),
    ("Eastvale's Harbour news agency", "Harbour news agency"),
    ("Human Rights Activists in Eastvale", "Human Rights Activists in Eastvale"),  # a body's name goes on
])
def test_groups_and_organisations_keep_the_name_the_text_gives(phrase, speaker):
    assert _resolve(GROUPS, phrase) == speaker


def test_appositive_name_beats_the_client_and_a_possessor_is_not_the_speaker():
    assert _resolve(LAWYERS, "A lawyer for Bram Pettigrew, Oskar Lindqvist,") == "Oskar Lindqvist"
    assert _resolve(LAWYERS, "Pettigrew's lawyer") != "Bram Pettigrew"


AGENCY = """Fisherman hanged

Eastvale's Harbour news agency said the fisherman was hanged at dawn.

The Harbour report identified the two dead men as volunteers. The report accused him of trying to flee.
"""


def test_an_agency_named_alone_and_its_report_are_the_agency():
    """"Harbour" after "Harbour news agency" is the agency; "the report" after "the Harbour
    report" is the agency's."""
    assert _resolve(AGENCY, "The Harbour report") == "Harbour news agency"
    assert _resolve(AGENCY, "The report", "volunteers") == "Harbour news agency"
    chain = "Records unsealed\n\nThe Calder newspaper chain asked the court to unseal the records.\n"
    assert _speakers(chain)._fuller("Calder") == "Calder"  # a newspaper chain is not a newspaper


@pytest.mark.parametrize("models", [False, True], ids=["rules", "model"])
def test_quote_after_a_new_person_goes_to_that_person(models):
    a = unspun.analyze(TWO_LEADERS, models=models)
    quote = next(q for q in a.layer("quote") if "walked away" in a.text[q.start:q.end])
    assert quote.attrs.get("speaker") == "Andres Villalobos"

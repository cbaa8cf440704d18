"""The clean stage: title, dateline and ISO date, byline, wire credits and attributions,
boilerplate with its kind, outlet from the text, and the empty-body warning."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import unspun
from unspun.article import FURNITURE_LAYERS, Article
from unspun.stages.clean import NO_BODY, clean

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "examples" / "seed-article.txt"


def run(text: str, fmt: str = "text", **hints) -> Article:
    article = Article(text=text, source={"path": None, "url": None, "format": fmt, "record": None})
    article.hints.update(hints)
    clean(article)
    assert article.text == text, "clean must never change the text"
    assert_no_overlap(article)
    return article


def assert_no_overlap(article: Article) -> None:
    ranges = sorted({(s.start, s.end) for s in article.spans if s.layer in FURNITURE_LAYERS})
    for (s1, e1), (s2, e2) in zip(ranges, ranges[1:]):
        assert e1 <= s2, f"furniture spans overlap: {article.text[s1:e1]!r} and {article.text[s2:e2]!r}"
    for span in article.spans:
        covered = article.text[span.start:span.end]
        assert covered == covered.strip() and "\n" not in covered, f"span not trimmed to one line: {covered!r}"


def spans(article: Article, layer: str) -> list[tuple[str, str]]:
    """(label, covered text) of every span in ``layer``."""
    return [(s.label, article.text[s.start:s.end]) for s in article.layer(layer)]


def body_text(article: Article) -> str:
    parts, pos = [], 0
    for start, end in article.furniture():
        parts.append(article.text[pos:start])
        pos = end
    parts.append(article.text[pos:])
    return "".join(parts)


# -- the seed article ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"{SEED} is absent (../shared is not laid beside the repo)")
    return SEED.read_text(encoding="utf-8")


def test_seed_title_date_wire_outlet(seed_text):
    a = run(seed_text)
    assert a.meta["title"] == "Khamenei: Iran won’t coordinate with US on Syria"
    assert [(s.start, s.end) for s in a.layer("title")] == [(0, 48)]
    assert a.meta["date"] == "2016-07-03"
    [dateline] = a.layer("dateline")
    assert (dateline.start, dateline.end, dateline.attrs) == (50, 62, {"date": "2016-07-03"})
    assert a.meta["wire"] == ["AFP"]
    assert [(s.start, s.end, s.label) for s in a.layer("wire")] == [(1889, 1920, "AFP")]
    assert a.meta["outlet"] == "Solve Israel's Problems"
    assert a.meta["byline"] == []
    assert a.warnings == []


def test_seed_trailing_lines_are_boilerplate_with_kinds(seed_text):
    a = run(seed_text)
    trailing = ["Protect and Support Israel by Sharing our Articles", "Similar posts", "Leave a Reply",
                "© 2007-2023 Solve Israel's Problems. All Rights Reserved"]
    expected = []
    for line, kind in zip(trailing, ["share", "related", "comments", "copyright"]):
        start = seed_text.index(line)
        expected.append((start, start + len(line), kind))
    assert [(s.start, s.end, s.label) for s in a.layer("boilerplate")] == expected
    assert (1974, 1987, "related") in expected


def test_seed_body_paragraphs_are_not_furniture(seed_text):
    a = run(seed_text)
    body_start = seed_text.index("Iran will never coordinate")
    body_end = seed_text.index("AFP contributed") - 2
    for start, end in a.furniture():
        assert end <= body_start or start >= body_end, f"furniture inside the body: {seed_text[start:end]!r}"
    assert "In reality, however" in body_text(a)


def test_seed_through_analyze(seed_text):
    a = unspun.analyze(seed_text)
    assert a.meta["title"] == "Khamenei: Iran won’t coordinate with US on Syria"
    assert a.meta["date"] == "2016-07-03"
    assert a.meta["wire"] == ["AFP"]
    assert a.meta["outlet"] == "Solve Israel's Problems"
    assert ("related", "Similar posts") in spans(a, "boilerplate")


# -- title -----------------------------------------------------------------------------------

def test_navigation_and_site_lines_before_the_title():
    text = ("Skip to content\nMenu\nHome | World | Politics\nSearch\nSubscribe\nwww.coastnews.example\n\n"
            "Storm hits coast as winds top 100 mph\n\nThe storm reached the coast on Sunday night, officials said.\n")
    a = run(text)
    assert a.meta["title"] == "Storm hits coast as winds top 100 mph"
    assert spans(a, "title") == [("", "Storm hits coast as winds top 100 mph")]
    assert spans(a, "boilerplate") == [
        ("navigation", "Skip to content"), ("navigation", "Menu"), ("navigation", "Home | World | Politics"),
        ("navigation", "Search"), ("navigation", "Subscribe"), ("site-name", "www.coastnews.example"),
    ]
    assert a.meta["outlet"] == "coastnews.example"


def test_site_name_line_known_from_the_copyright_line():
    text = ("Coast News Daily\n\nStorm hits coast\n\nThe storm reached the coast on Sunday, officials said.\n\n"
            "© 2024 Coast News Daily. All rights reserved.")
    a = run(text)
    assert spans(a, "boilerplate") == [("site-name", "Coast News Daily"), ("copyright", "© 2024 Coast News Daily. All rights reserved.")]
    assert a.meta["title"] == "Storm hits coast"
    assert a.meta["outlet"] == "Coast News Daily"


def test_a_body_sentence_is_not_a_title():
    a = run("“We will never coordinate with them,” Khamenei said.\n\nIran and Russia support Assad.")
    assert a.layer("title") == [] and a.meta["title"] is None
    a = run("“We will never coordinate with them,” he said\n\nIran and Russia support Assad.")
    assert a.layer("title") == []


@pytest.mark.parametrize("first, is_title", [
    ("Green Party candidate removed from debate site by police.", True),
    ("Flynn says Trump was right about the generals.", True),
    ("Can Iran and the US ever talk again?", True),
    ("The talks collapsed on Sunday. Both sides blamed each other.", False),
    ("The talks collapsed on Sunday, officials said.", False),
    ("Iran will never coordinate with the US, Khamenei says.", False),
    ("TEHRAN (AFP) - Iran will never coordinate with the US.", False),
    ("officials said the talks had collapsed", False),
])
def test_what_looks_like_a_headline(first, is_title):
    a = run(f"{first}\n\nThe talks between the two sides collapsed on Sunday night.")
    assert spans(a, "title") == ([("", first)] if is_title else [])


def test_known_title_wins_and_its_line_still_gets_the_span():
    text = "Menu\n\nIran  rejects US   coordination\n\nIran will never coordinate with the US, officials said."
    a = run(text, title="Iran rejects US coordination")
    assert spans(a, "title") == [("", "Iran  rejects US   coordination")]
    assert a.meta["title"] == "Iran rejects US coordination"
    assert spans(a, "boilerplate") == [("navigation", "Menu")]


def test_jsonl_record_first_line_is_body_unless_it_repeats_the_title():
    body = "Iran will never coordinate with the US\n\nOfficials said so on Sunday."
    a = run(body, fmt="jsonl", title="Iran snubs US")
    assert a.layer("title") == [] and a.meta["title"] == "Iran snubs US"
    a = run(body, fmt="jsonl")
    assert a.layer("title") == [] and a.meta["title"] is None
    a = run("Iran snubs  US\n\n" + body, fmt="jsonl", title="Iran snubs US")
    assert spans(a, "title") == [("", "Iran snubs  US")]


def test_title_line_from_the_reader_is_the_title():
    text = "Iran will never coordinate with the U.S., Khamenei says.\n\nThe supreme leader spoke on Sunday."
    a = run(text, fmt="html", title_line=True)
    assert spans(a, "title") == [("", "Iran will never coordinate with the U.S., Khamenei says.")]
    a = run(text, fmt="text")
    assert a.layer("title") == []


# -- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("line, iso", [
    ("July 3, 2016", "2016-07-03"),
    ("03 July, 2016", "2016-07-03"),
    ("3 July 2016 17:49", "2016-07-03"),
    ("Jul. 3, 2016", "2016-07-03"),
    ("Sept. 14, 2021", "2021-09-14"),
    ("Sunday, July 3, 2016", "2016-07-03"),
    ("Sunday 3 July 2016 17.49 BST", "2016-07-03"),
    ("July 3rd, 2016 at 5:30 pm ET", "2016-07-03"),
    ("Tehran, July 3, 2016 -", "2016-07-03"),
    ("2016-07-03", "2016-07-03"),
    ("2016-07-03T17:49:00Z", "2016-07-03"),
    ("07/03/2016", "2016-07-03"),
    ("13/07/2016", "2016-07-13"),
    ("3.7.2016", "2016-07-03"),
    ("Published: July 3, 2016", "2016-07-03"),
    ("Updated July 4, 2016", "2016-07-04"),
    ("Updated: July 4, 2016 | Published: July 3, 2016", "2016-07-03"),
    ("Feb 29, 2024", "2024-02-29"),
])
def test_date_line_formats(line, iso):
    text = f"Storm hits coast\n\n{line}\n\nThe storm reached the coast on Sunday night, officials said."
    a = run(text)
    [dateline] = a.layer("dateline")
    assert text[dateline.start:dateline.end] == line
    assert dateline.attrs == {"date": iso}
    assert a.meta["date"] == iso
    assert a.meta["title"] == "Storm hits coast"


@pytest.mark.parametrize("line", ["02/30/2016", "July 32, 2016", "Feb 29, 2023"])
def test_impossible_dates_are_not_dates(line):
    a = run(f"Storm hits coast\n\n{line}\n\nThe storm reached the coast on Sunday night, officials said.")
    assert a.meta["date"] is None
    assert all(s.attrs.get("date") is None for s in a.layer("dateline"))


def test_date_line_before_the_title():
    a = run("Sunday, July 3, 2016\n\nStorm hits coast\n\nThe storm reached the coast, officials said.")
    assert spans(a, "dateline") == [("", "Sunday, July 3, 2016")]
    assert a.meta["title"] == "Storm hits coast" and a.meta["date"] == "2016-07-03"


def test_dateline_opening_the_first_sentence():
    text = "Iran snubs US\n\nTEHRAN, July 3 (Reuters) - Iran will never coordinate with the United States.\n\nMore."
    a = run(text)
    assert spans(a, "dateline") == [("", "TEHRAN, July 3")]
    assert spans(a, "wire") == [("Reuters", "(Reuters)")]
    assert a.layer("dateline")[0].attrs == {}  # no year given
    assert "Iran will never coordinate with the United States." in body_text(a)


def test_dateline_with_place_and_year_opening_the_first_sentence():
    a = run("Iran snubs US\n\nTehran, July 3, 2016 - Iran will never coordinate with the United States.")
    assert [(s.attrs, a.text[s.start:s.end]) for s in a.layer("dateline")] == [({"date": "2016-07-03"}, "Tehran, July 3, 2016")]
    assert a.meta["date"] == "2016-07-03"
    assert a.warnings == []


@pytest.mark.parametrize("opening, dateline, wire", [
    ("TEHRAN (AFP) - ", "TEHRAN", [("AFP", "(AFP)")]),
    ("TEHRAN, Iran (AP) — ", "TEHRAN, Iran", [("AP", "(AP)")]),
    ("WASHINGTON — ", "WASHINGTON", []),
    ("WASHINGTON (CNN) — ", "WASHINGTON (CNN)", []),
])
def test_place_datelines(opening, dateline, wire):
    a = run(f"Iran snubs US\n\n{opening}Iran will never coordinate with the United States.")
    assert spans(a, "dateline") == [("", dateline)]
    assert spans(a, "wire") == wire


def test_date_from_the_first_sentence_when_no_dateline():
    a = run("Senate passes bill\n\nOn July 3, 2016, the Senate voted to pass the bill. It goes to the House on May 5, 2017.")
    assert a.meta["date"] == "2016-07-03"
    assert a.layer("dateline") == []  # the phrase is body text


def test_known_date_wins_and_is_normalised():
    text = "Storm hits coast\n\nJuly 3, 2016\n\nThe storm reached the coast, officials said."
    assert run(text, date="Sun, 04 Jul 2016 17:49:00 GMT").meta["date"] == "2016-07-04"
    assert run(text, date="2016-07-05T08:00:00+02:00").meta["date"] == "2016-07-05"
    assert run(text, date="summer 2016").meta["date"] == "summer 2016"


# -- bylines ---------------------------------------------------------------------------------

@pytest.mark.parametrize("line, names, wire", [
    ("By John Smith", ["John Smith"], []),
    ("By John Smith and Jane Doe", ["John Smith", "Jane Doe"], []),
    ("By JOHN SMITH", ["John Smith"], []),
    ("By Ali al-Hashem in Tehran", ["Ali al-Hashem"], []),
    ("Author: Jane Doe", ["Jane Doe"], []),
    ("John Smith, Reuters", ["John Smith"], ["Reuters"]),
    ("John Smith, Staff Writer", ["John Smith"], []),
    ("Staff writer", [], []),
    ("By AFP", [], ["AFP"]),
])
def test_bylines(line, names, wire):
    text = f"Storm hits coast\n\n{line}\n\nThe storm reached the coast on Sunday night, officials said."
    a = run(text)
    [byline] = a.layer("byline")
    assert text[byline.start:byline.end] == line
    assert byline.attrs["names"] == names
    assert a.meta["byline"] == names
    assert a.meta["wire"] == wire


def test_byline_with_date_on_one_line():
    a = run("Storm hits coast\n\nBy John Smith | July 3, 2016\n\nThe storm reached the coast, officials said.")
    assert spans(a, "byline") == [("", "By John Smith")]
    assert spans(a, "dateline") == [("", "July 3, 2016")]
    assert a.meta["date"] == "2016-07-03"


def test_a_sentence_starting_with_by_is_not_a_byline():
    a = run("Storm hits coast\n\nBy the time the troops arrived, the city had fallen.\n\nMore.")
    assert a.layer("byline") == [] and a.meta["byline"] == []


def test_known_byline_wins():
    text = "Storm hits coast\n\nBy John Smith\n\nThe storm reached the coast, officials said."
    assert run(text, byline="Ann Lee; Bo Chan").meta["byline"] == ["Ann Lee", "Bo Chan"]
    assert run(text, byline=["Ann Lee"]).meta["byline"] == ["Ann Lee"]


# -- wire ------------------------------------------------------------------------------------

# Credit lines and dashed markers are furniture; attributions inside a sentence carry
# ``inline`` so that they stay part of the sentence.
@pytest.mark.parametrize("paragraph, expected, inline", [
    ("AFP contributed to this report.", [("AFP", "AFP contributed to this report.")], False),
    ("Reuters contributed reporting", [("Reuters", "Reuters contributed reporting")], False),
    ("AFP and Reuters contributed to this report.",
     [("AFP", "AFP and Reuters contributed to this report."), ("Reuters", "AFP and Reuters contributed to this report.")], False),
    ("With AFP", [("AFP", "With AFP")], False),
    ("Source: Reuters", [("Reuters", "Source: Reuters")], False),
    ("— AP", [("AP", "— AP")], False),
    ("The talks collapsed on Sunday, officials said. — AP", [("AP", "— AP")], False),
    ("The talks collapsed (AFP) as officials walked out.", [("AFP", "(AFP)")], True),
    ("Iran will never coordinate, Tasnim News Agency reported.", [("Tasnim", "Tasnim News Agency")], True),
    ("The talks failed, according to Reuters.", [("Reuters", "Reuters")], True),
    ("The talks failed, Reuters reported on Monday.", [("Reuters", "Reuters")], True),
    ("An official told the Associated Press the talks failed.", [("AP", "Associated Press")], True),
    ("The talks failed, Xinhua said.", [("Xinhua", "Xinhua")], True),
    ("Officials told dpa the talks failed.", [("dpa", "dpa")], True),
    ("The talks failed, the state-run IRNA said.", [("IRNA", "IRNA")], True),
    ("The talks failed, the semi-official Fars News Agency said.", [("Fars", "Fars News Agency")], True),
    ("An official told Anadolu Agency the talks failed.", [("Anadolu", "Anadolu Agency")], True),
    ("Kyodo News and Yonhap said the talks failed.", [("Kyodo", "Kyodo News"), ("Yonhap", "Yonhap")], True),
])
def test_wire_forms(paragraph, expected, inline):
    text = f"Talks collapse\n\nThe talks between the two sides collapsed on Sunday night.\n\n{paragraph}"
    a = run(text)
    assert spans(a, "wire") == expected
    assert [s.attrs.get("inline", False) for s in a.layer("wire")] == [inline] * len(expected)
    assert a.meta["wire"] == list(dict.fromkeys(label for label, _ in expected))


@pytest.mark.parametrize("paragraph", [
    "Reuters journalists were detained in the city last year.",
    "Dpa Smith, a local farmer, said the harvest failed.",
    "The CAPTAIN said the ship was safe and the MAP was wrong.",
    "The harvest failed, according to Fars province officials.",
    "The Palestinian Authority (PA) said the talks failed.",
    "The talks failed, the Associated Press-NORC poll found.",
    "Tasnim Rahman, a student, said the talks failed.",
])
def test_no_wire_false_positives(paragraph):
    a = run(f"Talks collapse\n\nThe talks between the two sides collapsed on Sunday night.\n\n{paragraph}")
    assert a.layer("wire") == [] and a.meta["wire"] == []


@pytest.mark.parametrize("credit, wire, kind", [
    ("Associated Press writers Ann Lee and Bo Chan contributed to this report.", ["AP"], None),
    ("Jane Doe contributed reporting from Paris.", [], "other"),
    ("SOURCE: News agencies", [], "other"),
    ("Copyright 2016 The Associated Press. All rights reserved.", ["AP"], "copyright"),
])
def test_credit_and_copyright_lines(credit, wire, kind):
    a = run(f"Talks collapse\n\nThe talks between the two sides collapsed on Sunday night.\n\n{credit}")
    assert a.meta["wire"] == wire
    assert spans(a, "boilerplate") == ([(kind, credit)] if kind else [])
    assert a.meta["outlet"] is None  # an agency is not the outlet


def test_wire_names_in_order_of_first_appearance_and_unique():
    text = ("Talks collapse\n\nTEHRAN (AFP) - The talks collapsed, Xinhua said.\n\n"
            "An official told AFP the talks were over.\n\nReuters contributed to this report.")
    a = run(text)
    assert a.meta["wire"] == ["AFP", "Xinhua", "Reuters"]
    assert [label for label, _ in spans(a, "wire")] == ["AFP", "Xinhua", "AFP", "Reuters"]


def test_photo_credits_are_captions_not_wire():
    text = ("Talks collapse\n\nIranian officials leave the talks (Photo: AFP)\n\n"
            "The talks between the two sides collapsed on Sunday night.\n\nImage: Reuters\n\nREUTERS/Raheb Homavandi\n\n"
            "Both sides blamed each other.")
    a = run(text)
    assert spans(a, "boilerplate") == [("caption", "Iranian officials leave the talks (Photo: AFP)"),
                                       ("caption", "Image: Reuters"), ("caption", "REUTERS/Raheb Homavandi")]
    assert a.meta["wire"] == []


# -- boilerplate -----------------------------------------------------------------------------

def test_trailing_furniture_of_every_kind():
    text = ("Storm hits coast\n\nThe storm reached the coast on Sunday night, officials said.\n\n"
            "Share this:\nShare on Facebook\nTweet\nEmail\n\nRelated articles\nStorm damage mounts\nMayor urges calm\n\n"
            "Read more\n\nLeave a Reply\nComments\n\nClick here to subscribe to our daily briefing\n\nScroll Up\n\n"
            "Advertisement\n728 x 90\n\nCopyright 2016 Coast News")
    a = run(text)
    assert spans(a, "boilerplate") == [
        ("share", "Share this:"), ("share", "Share on Facebook"), ("share", "Tweet"), ("share", "Email"),
        ("related", "Related articles"), ("related", "Storm damage mounts"), ("related", "Mayor urges calm"),
        ("related", "Read more"), ("comments", "Leave a Reply"), ("comments", "Comments"),
        ("other", "Click here to subscribe to our daily briefing"), ("navigation", "Scroll Up"),
        ("ad", "Advertisement"), ("ad", "728 x 90"), ("copyright", "Copyright 2016 Coast News"),
    ]
    assert body_text(a).split() == "The storm reached the coast on Sunday night, officials said.".split()
    assert a.meta["outlet"] == "Coast News"


def test_furniture_phrases_in_the_middle():
    text = ("Storm hits coast\n\nThe storm reached the coast on Sunday night.\n\nAdvertisement\n\n300x250\n\n"
            "Read more: Storm damage mounts\n\nThe mayor told residents to stay at home.\n\n(Photo: Coast Guard)\n\n"
            "Schools will stay closed on Monday.")
    a = run(text)
    assert spans(a, "boilerplate") == [("ad", "Advertisement"), ("ad", "300x250"),
                                       ("related", "Read more: Storm damage mounts"), ("caption", "(Photo: Coast Guard)")]


def test_body_paragraphs_that_mention_share_or_comments_stay_body():
    paragraphs = ["Shareholders will share their comments on the merger at the meeting on Friday.",
                  "Comments from readers are welcome, the editor said.",
                  "Copyright law in the EU was reformed in 2019.",
                  "Share prices fell 3% on Monday."]
    text = "Merger vote set\n\n" + "\n\n".join(paragraphs) + "\n\nShare this:\n\nComments"
    a = run(text)
    assert spans(a, "boilerplate") == [("share", "Share this:"), ("comments", "Comments")]
    for p in paragraphs:
        assert p in body_text(a)


def test_last_short_line_without_furniture_stays_body():
    a = run("Storm hits coast\n\nThe storm reached the coast on Sunday night.\n\nThe investigation continues")
    assert a.layer("boilerplate") == []
    assert "The investigation continues" in body_text(a)


def test_short_body_line_between_furniture_lines_is_kept_unless_under_a_heading():
    text = ("Storm hits coast\n\nThe storm reached the coast.\n\nRead more: Storm damage mounts\n\n"
            "The mayor urged calm\n\nShare this:")
    a = run(text)
    assert spans(a, "boilerplate") == [("related", "Read more: Storm damage mounts"), ("share", "Share this:")]


def test_all_furniture_gives_a_warning():
    a = run("Home | News\n\nShare this:\n\nLeave a Reply\n\n© 2020 Coast News")
    assert a.warnings == [NO_BODY]
    assert a.meta["title"] is None
    a = run("Storm hits coast\n\nJuly 3, 2016\n\nAdvertisement")
    assert a.warnings == [NO_BODY]
    assert run("").warnings == [NO_BODY]


def test_clean_twice_gives_the_same_result():
    a = run("Storm hits coast\n\nJuly 3, 2016\n\nAdvertisement")
    first = (list(a.spans), dict(a.meta), list(a.warnings))
    clean(a)
    assert (list(a.spans), dict(a.meta), list(a.warnings)) == first


# -- the public API and speed -----------------------------------------------------------------

def test_through_analyze_with_known_metadata():
    text = ("Home | World\n\nStorm hits coast\n\nBy Ann Lee\n\nJuly 3, 2016\n\n"
            "WASHINGTON (AP) — The storm reached the coast on Sunday night, officials said.\n\n"
            "Similar posts\n\n© 2024 Coast News. All rights reserved.")
    a = unspun.analyze(text)
    assert (a.meta["title"], a.meta["date"], a.meta["byline"], a.meta["wire"], a.meta["outlet"]) == (
        "Storm hits coast", "2016-07-03", ["Ann Lee"], ["AP"], "Coast News")
    a = unspun.analyze(text, title="Storm batters coast", date="2016-07-04", outlet="Wave Weekly")
    assert (a.meta["title"], a.meta["date"], a.meta["outlet"]) == ("Storm batters coast", "2016-07-04", "Wave Weekly")
    assert spans(a, "title") == [("", "Storm hits coast")]


def test_a_600_word_article_is_cleaned_quickly():
    paragraph = ("The storm reached the coast on Sunday night and officials said the damage was severe, "
                 "according to Reuters, while residents waited for help in shelters across the region. ")
    text = "Storm hits coast\n\nJuly 3, 2016\n\n" + "\n\n".join([paragraph * 2] * 15) + "\n\nShare this:\n\nLeave a Reply"
    assert len(text.split()) > 600
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        run(text)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[2] < 0.1

"""The renderers: the terminal report (rich) and the standalone HTML page.

Articles are built by hand with every layer, so these tests do not depend on the stages.
"""

from __future__ import annotations

import io
import random
from html.parser import HTMLParser

import pytest
from rich.cells import cell_len
from rich.console import Console

from unspun.article import Article
from unspun.render import Mark, STYLES, article_marks, quote_rows, segments, summary
from unspun.render.html import render_html, render_html_many
from unspun.render.terminal import REPORT_WIDTH, render_terminal, styled_text

TEXT = (
    "Mayor: flood barriers will hold [bold]\n"
    "\n"
    "By Jane Roe and Sam Poe\n"
    "Riverton, March 4, 2024 -\n"
    "\n"
    "Mayor Ann Lee said the barriers would hold through the spring. "
    "\u201cWe built them to last, and they will,\u201d Lee told reporters on Monday. "
    "The council\u2019s reckless plan has wasted millions, critics argue.\n"
    "According to the engineers, the river peaked overnight.\n"
    "\n"
    "Reuters contributed to this report.\n"
    "\n"
    "Share this article"
)


def at(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """Offsets of ``needle`` in ``text`` (it must be there)."""
    i = text.index(needle, start)
    return i, i + len(needle)


def full_article(text: str = TEXT, speaker: str = "Ann Lee", outlet: str = "Riverton Daily") -> Article:
    """An article with one or more spans of every layer, overlapping where real ones do."""
    a = Article(text=text, source={"path": "flood.txt", "url": None, "format": "text", "record": None})
    title_end = text.index("\n")
    a.meta.update(title=text[:title_end], date="2024-03-04", byline=["Jane Roe", "Sam Poe"],
                  outlet=outlet, wire=["Reuters"], language="en")
    a.add("title", 0, title_end)
    a.add("byline", *at(text, "By Jane Roe and Sam Poe"), names=["Jane Roe", "Sam Poe"])
    a.add("dateline", *at(text, "March 4, 2024"), date="2024-03-04")
    a.add("wire", *at(text, "Reuters contributed to this report."), "Reuters")
    a.add("boilerplate", *at(text, "Share this article"), "share")

    s1 = at(text, "Mayor Ann Lee said the barriers would hold through the spring.")
    s2_start = text.index("\u201cWe built")
    s2 = (s2_start, text.index("on Monday.") + len("on Monday."))
    s3 = at(text, "The council\u2019s reckless plan has wasted millions, critics argue.")
    s4 = at(text, "According to the engineers, the river peaked overnight.")
    a.add("sentence", *s1, "attributed")
    a.add("sentence", *s2, "quote")
    a.add("sentence", *s3, "own", subjectivity=0.82)
    a.add("sentence", *s4, "attributed")

    # direct quote: content inside the marks, source "Lee", cue "told"
    content = at(text, "We built them to last, and they will,")
    source = at(text, "Lee", content[1])
    cue = at(text, "told", content[1])
    a.add("quote", *content, "direct", speaker=speaker, cue=[list(cue)], source=[list(source)])
    a.add("source", *source, relation=1, speaker=speaker)
    a.add("cue", *cue, relation=1, speaker=speaker)
    a.add("content", *content, relation=1, speaker=speaker)
    # indirect quote
    icontent = at(text, "the barriers would hold through the spring")
    isource = at(text, "Mayor Ann Lee")
    icue = at(text, "said", isource[1])
    a.add("quote", *icontent, "indirect", speaker=speaker, cue=[list(icue)], source=[list(isource)])
    a.add("source", *isource, relation=2, speaker=speaker)
    a.add("cue", *icue, relation=2, speaker=speaker)
    a.add("content", *icontent, relation=2, speaker=speaker)
    # an aside: the outlet's own clause inside an attributed sentence
    a.add("aside", *at(text, "through the spring"), "own")
    # techniques: one nested in another, one crossing a sentence boundary
    a.add("technique", *at(text, "reckless"), "Loaded_Language", score=0.91)
    a.add("technique", *at(text, "reckless plan has wasted millions"), "Exaggeration,Minimisation", score=0.55)
    a.add("technique", text.index("millions"), text.index("the engineers"), "Doubt", score=0.31)
    a.sort_spans()
    return a


def terminal_output(article: Article, width: int = 100, **console_kwargs) -> str:
    out = io.StringIO()
    render_terminal(article, Console(file=out, width=width, **console_kwargs))
    return out.getvalue()


class Page(HTMLParser):
    """Parses a page: elements with attributes, tag balance, and the data inside each ``.text`` div."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.texts: list[list[str]] = []
        self._text_depth: int | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag == "div" and "text" in (attrs.get("class") or "").split():
            self._text_depth = len(self.stack)
            self.texts.append([])

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        if self._text_depth is not None and len(self.stack) == self._text_depth:
            self._text_depth = None
        self.stack.pop()

    def handle_data(self, data):
        if self._text_depth is not None:
            self.texts[-1].append(data)

    def with_class(self, cls: str) -> list[dict]:
        return [attrs for _, attrs in self.elements if cls in (attrs.get("class") or "").split()]


# -- shared logic ---------------------------------------------------------------------------


def test_segments_cover_the_text_and_carry_exactly_the_covering_marks():
    rng = random.Random(7)
    length = 300
    keys = list(STYLES)
    marks = []
    for _ in range(60):
        s = rng.randrange(length)
        marks.append(Mark(s, min(length, s + rng.randrange(1, 80)), rng.choice(keys)))
    segs = list(segments(length, marks))
    assert segs[0].start == 0 and segs[-1].end == length
    assert all(a.end == b.start for a, b in zip(segs, segs[1:]))
    for seg in segs:
        covering = {m for m in marks if m.start <= seg.start and seg.end <= m.end}
        assert set(seg.marks) == covering
        order = [list(STYLES).index(m.style) for m in seg.marks]
        assert order == sorted(order)
        # no mark boundary falls strictly inside a segment
        assert not any(seg.start < p < seg.end for m in marks for p in (m.start, m.end))


def test_quote_rows_are_numbered_in_text_order_with_speaker_cue_and_offsets():
    a = full_article()
    rows = quote_rows(a)
    assert [r.kind for r in rows] == ["indirect", "direct"]
    assert [r.number for r in rows] == [1, 2]
    direct = rows[1]
    assert direct.speaker == "Ann Lee" and direct.cue == "told"
    assert a.text[direct.start:direct.end] == direct.text == "We built them to last, and they will,"


def test_quote_without_canonical_speaker_shows_its_source_words():
    text = "\u201cPrices will rise,\u201d a company spokesman said."
    a = Article(text=text)
    a.add("quote", *at(text, "Prices will rise,"), "direct", speaker=None,
          source=[list(at(text, "a company spokesman"))], cue=[list(at(text, "said"))])
    (row,) = quote_rows(a)
    assert row.speaker == "(a company spokesman)"
    assert row.cue == "said"


def test_summary_counts_voices_quotes_and_techniques():
    a = full_article()
    s = summary(a)
    assert s.voices == {"quote": 1, "attributed": 2, "own": 1}
    assert s.own_share == pytest.approx(1 / 4)
    own = a.layer("sentence")[2]
    total_chars = sum(x.end - x.start for x in a.layer("sentence"))
    assert s.own_text_share == pytest.approx((own.end - own.start) / total_chars)
    assert s.quotes == {"direct": 1, "indirect": 1}
    assert s.speakers == [("Ann Lee", 2)]
    assert dict(s.techniques) == {"Loaded_Language": 1, "Exaggeration,Minimisation": 1, "Doubt": 1}


def test_marks_clamp_bad_offsets_from_json():
    a = full_article()
    d = a.to_dict()
    d["spans"].append({"start": len(a.text) - 3, "end": len(a.text) + 50, "layer": "technique",
                       "label": "Doubt", "attrs": {"score": "high"}})
    d["spans"].append({"start": 5, "end": 2, "layer": "sentence", "label": "own", "attrs": {}})
    bad = Article.from_dict(d)
    marks = article_marks(bad)
    assert all(0 <= m.start < m.end <= len(bad.text) for m in marks)
    assert "Share this arti\u27e6cle\u27e7[Doubt]" in terminal_output(bad)
    assert Page(render_html(bad)).errors == []


# -- terminal -------------------------------------------------------------------------------


def test_terminal_no_colour_shows_metadata_text_quotes_and_summary():
    a = full_article()
    out = terminal_output(a, no_color=True)
    assert "\x1b[" not in out
    header = out[: out.index(a.text[:20], out.index("Id"))]
    for value in ("Mayor: flood barriers will hold [bold]", "2024-03-04", "Riverton Daily",
                  "Jane Roe, Sam Poe", "Reuters", "flood.txt", a.id):
        assert value in header
    # the article text, markup-looking words printed as written
    assert "[bold]" in out
    # without colour, plain markers carry the voice, the furniture and the techniques
    assert "[own] The council\u2019s" in out
    assert "[attributed] Mayor Ann Lee" in out
    assert "[boilerplate: share] Share this article" in out
    assert "\u27e6\u27e6reckless\u27e7[Loaded_Language] plan" in out
    # the quotes table: each quote row names its speaker and cue
    table = out[out.index("Quotes"):]
    direct_row = next(line for line in table.splitlines() if " direct " in line)
    assert "Ann Lee" in direct_row and "told" in direct_row
    assert f"{quote_rows(a)[1].start}\u2013{quote_rows(a)[1].end}" in direct_row
    # summary
    assert "own 1" in out and "25% of sentences" in out
    assert "Loaded_Language (1)" in out


def test_terminal_colour_styles_each_layer():
    a = full_article()
    marks = article_marks(a)
    text = styled_text(a.text, marks)
    console = Console(width=100, color_system="truecolor", force_terminal=True)

    def style_at(needle: str):
        return text.get_style_at_offset(console, text.plain.index(needle))

    assert style_at("Mayor: flood").bold  # title
    assert style_at("Share this").strike  # boilerplate
    assert str(style_at("the river").color.name) == STYLES["attributed"].rich  # voice
    assert str(style_at("The council").color.name) == STYLES["own"].rich
    assert str(style_at("through the spring").color.name) == STYLES["aside"].rich  # the outlet's aside
    assert style_at("We built").italic  # direct quote
    assert style_at("told").bold  # cue
    assert style_at("Mayor Ann Lee").underline  # source
    reckless = style_at("reckless")
    assert reckless.underline and reckless.color.name == "red"  # technique wins over voice
    assert "[Loaded_Language]" in text.plain and "[Doubt]" in text.plain
    out = terminal_output(a, force_terminal=True, color_system="truecolor")
    assert "\x1b[" in out and "[bold]" in out


@pytest.mark.parametrize("width", [80, 120])
def test_terminal_wraps_within_the_width(width):
    out = terminal_output(full_article(), width=width, no_color=True)
    widest = max(cell_len(line.rstrip()) for line in out.splitlines())
    assert widest <= min(width, REPORT_WIDTH)


def test_terminal_never_interprets_article_text_as_markup():
    text = "[red]Not red[/red] and [link=https://evil.example]click[/link] [bold]\n\nBody [/] here said Al."
    a = Article(text=text)
    a.meta.update(title="[blink]T[/blink]", outlet="[bold red]Outlet[/]")
    a.add("title", 0, text.index("\n"))
    a.add("quote", *at(text, "Body [/] here"), "indirect", speaker="[i]Al[/i]", cue=[list(at(text, "said"))])
    a.add("technique", *at(text, "[bold]"), "Loaded_Language", score=0.5)
    a.warnings.append("[b]warned[/b]")
    out = terminal_output(a, width=120, no_color=True)
    for literal in ("[red]Not red[/red]", "[link=https://evil.example]click[/link]", "[/]",
                    "[blink]T[/blink]", "[bold red]Outlet[/]", "[i]Al[/i]", "[b]warned[/b]", "[bold]"):
        assert literal in out


def test_terminal_renders_an_article_without_spans():
    out = terminal_output(Article(text="Just some words, nothing marked."), no_color=True)
    assert "Just some words, nothing marked." in out
    assert "No quotes found." in out
    assert "no layers marked" in out


# -- HTML -----------------------------------------------------------------------------------


def test_html_shows_every_layer_and_keeps_the_text_exact():
    a = full_article()
    html = render_html(a)
    page = Page(html)
    assert page.errors == [] and page.stack == []
    assert html.startswith("<!DOCTYPE html>")
    # the text inside the highlights is the article text, character for character
    assert ["".join(t) for t in page.texts] == [a.text]
    for key in STYLES:
        assert page.with_class(f"m-{key}"), key
    titles = "\n".join(attrs.get("title", "") for _, attrs in page.elements)
    assert "speaker: Ann Lee" in titles and "cue: told" in titles
    assert "Loaded_Language \u00b7 score 0.91" in titles and "subjectivity 0.82" in titles
    assert {t["data-tag"] for t in page.with_class("tag")} >= {"Loaded_Language", "Doubt", "Exaggeration,Minimisation"}
    # the quotes table links each row to its quote in the text
    ids = {attrs["id"] for _, attrs in page.elements if "id" in attrs}
    links = [attrs["href"][1:] for tag, attrs in page.elements if tag == "a" and attrs.get("href", "").startswith("#")]
    assert len(links) == 2 and set(links) <= ids
    assert "Ann Lee" in html and "Riverton Daily" in html and "2024-03-04" in html


def test_html_layer_switches_are_css_only():
    page = Page(render_html(full_article()))
    toggles = [attrs for tag, attrs in page.elements if tag == "input"]
    labels = [attrs["for"] for tag, attrs in page.elements if tag == "label"]
    assert sorted(t["id"] for t in toggles) == sorted(labels)
    assert {t["class"].split()[1] for t in toggles} == {
        "tg-furniture", "tg-voice", "tg-quote", "tg-attribution", "tg-technique"}
    assert all("checked" in t for t in toggles)
    assert not [tag for tag, _ in page.elements if tag in ("script", "link", "iframe")]


HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"onmouseover=\"alert(1)", "]]>"]


def test_html_escapes_article_text_metadata_and_attributes():
    evil = " ".join(HOSTILE)
    text = f"{evil}\n\nThe {evil} plan, said {evil}.\n\n{evil}"
    a = Article(text=text, source={"path": evil, "url": f"javascript:{evil}", "format": "text", "record": None})
    a.meta.update(title=evil, outlet=evil, byline=[evil], wire=[evil], date=evil, language=f'en" onload="{evil}')
    a.warnings.append(evil)
    a.add("title", 0, len(evil))
    body = text.index("The ")
    a.add("sentence", body, text.index(".", body + len(evil) * 2) + 1, "attributed", subjectivity=0.5)
    a.add("quote", *at(text, f"The {evil} plan"), "indirect", speaker=evil,
          cue=[list(at(text, "said"))], source=[list(at(text, evil, text.index("said")))])
    a.add("technique", *at(text, evil, body), evil, score=0.7)
    a.add("boilerplate", *at(text, evil, text.rindex("\n")), evil)
    a.add("wire", *at(text, evil, text.rindex("\n")), evil)
    html = render_html_many([a, full_article(speaker=evil, outlet=evil)])
    page = Page(html)
    tags = {tag for tag, _ in page.elements}
    assert "script" not in tags and "img" not in tags
    attributes = [name for _, attrs in page.elements for name in attrs]
    assert not [name for name in attributes if name.startswith("on")]
    assert "]]>" not in html and "<script" not in html and "<img" not in html
    assert page.errors == [] and page.stack == []
    # escaped, not dropped: the text reads back exactly
    assert ["".join(t) for t in page.texts][0] == text
    assert "lang" not in page.with_class("text")[0]


def test_html_overlapping_spans_are_well_nested():
    text = "alpha beta gamma delta epsilon zeta"
    a = Article(text=text)
    a.add("sentence", *at(text, "alpha beta gamma"), "own")
    a.add("sentence", *at(text, "delta epsilon zeta"), "attributed")
    a.add("technique", *at(text, "beta gamma delta"), "Doubt", score=0.4)  # crosses two sentences
    a.add("technique", *at(text, "gamma delta epsilon"), "Loaded_Language", score=0.6)  # crosses the first
    a.add("quote", *at(text, "gamma"), "direct", speaker="X")
    a.add("cue", *at(text, "alpha beta gamma delta epsilon zeta"))
    page = Page(render_html(a))
    assert page.errors == [] and page.stack == []
    assert ["".join(t) for t in page.texts] == [text]
    (gamma,) = [attrs for attrs in page.with_class("m-direct") if "title" in attrs]
    assert set(gamma["class"].split()) == {"m-own", "m-direct", "m-cue", "m-technique"}
    assert "Doubt" in gamma["title"] and "Loaded_Language" in gamma["title"]


def test_html_renders_an_article_without_spans():
    page = Page(render_html(Article(text="Nothing <marked> here.")))
    assert page.errors == []
    assert ["".join(t) for t in page.texts] == ["Nothing <marked> here."]
    assert not page.with_class("toggle")


def test_html_many_articles_make_one_valid_page_with_unique_ids():
    a, b = full_article(), Article(text="Second story\n\nIt rained.")
    b.meta["title"] = "Second story"
    html = render_html_many([a, b])
    page = Page(html)
    assert html.count("<!DOCTYPE html>") == 1 and html.count("<html") == 1
    assert page.errors == [] and page.stack == []
    ids = [attrs["id"] for _, attrs in page.elements if "id" in attrs]
    assert len(ids) == len(set(ids))
    assert ["".join(t) for t in page.texts] == [a.text, b.text]
    nav = [attrs["href"] for tag, attrs in page.elements if tag == "a" and attrs.get("href") in ("#a1", "#a2")]
    assert nav == ["#a1", "#a2"]
    assert Page(render_html_many([])).errors == []


# -- scale ----------------------------------------------------------------------------------


def big_article(size: int = 200_000) -> Article:
    para = ("\u201cWe will not yield,\u201d the minister said on Tuesday. "
            "Critics called the shameful plan a disaster. Officials said talks would continue.\n\n")
    text = "A long day\n\n" + para * (size // len(para) + 1)
    a = Article(text=text)
    a.add("title", 0, 10)
    pos = 12
    while pos < len(text):
        end = text.index("\n\n", pos)
        critics, officials = text.index("Critics", pos), text.index("Officials", pos)
        close = text.index("\u201d", pos)
        a.add("sentence", pos, critics - 1, "quote")
        a.add("sentence", critics, officials - 1, "own")
        a.add("sentence", officials, end, "attributed")
        a.add("quote", pos + 1, close - 1, "direct", speaker="The Minister", cue=[list(at(text, "said", close))])
        shameful = text.index("shameful", pos)
        a.add("technique", shameful, shameful + 8, "Loaded_Language", score=0.9)
        a.add("technique", shameful, officials - 1, "Name_Calling,Labeling", score=0.5)
        pos = end + 2
    return a


def test_big_article_renders_in_both_formats():
    a = big_article()
    assert len(a.text) >= 200_000
    html = render_html(a)
    assert ["".join(t) for t in Page(html).texts] == [a.text]
    out = terminal_output(a, no_color=True)
    assert out.count("[own] Critics") == len(a.layer("sentence")) // 3


def test_technique_marks_carry_their_definition_and_the_score_note():
    from unspun.render import TECHNIQUE_NOTE
    from unspun.render.techniques import DEFINITIONS, definition

    a = full_article()
    out = terminal_output(a, no_color=True)
    legend_part = out[out.index("Legend"):out.index("Quotes")]
    for name in ("Loaded_Language", "Doubt", "Exaggeration,Minimisation"):
        assert f"[{name}]" in legend_part
        assert definition(name).split()[0] in legend_part
    assert "--min-score S" in legend_part
    html = render_html(a)
    page = Page(html)
    assert page.errors == [] and page.stack == []
    titles = "\n".join(attrs.get("title", "") for _, attrs in page.elements)
    assert f"Loaded_Language \u00b7 score 0.91 \u00b7 {definition('Loaded_Language')}" in titles
    assert "<details class=\"techniques\">" in html and TECHNIQUE_NOTE.split(";")[0] in html
    # every technique the models can name has a line; an article without techniques gets no block
    import json
    from unspun.models.runtime import SHIPPED_DIR
    labels = json.loads((SHIPPED_DIR / "config.json").read_text(encoding="utf-8"))["labels"]
    assert set(DEFINITIONS) == set(labels)
    plain = Article(text="Plain words.")
    assert "<details class=\"techniques\">" not in render_html(plain)
    assert "--min-score" not in terminal_output(plain, no_color=True)


def test_spin_summary_rates_by_voice_and_names_the_densest_paragraph():
    from unspun.render import spin

    text = ("Storm thugs wreck the town\n\n"
            "The corrupt council left the sea wall to rot for years, and the town paid for it on Monday night "
            "when the water came in.\n\n"
            "\u201cWe did what the budget allowed,\u201d said the mayor, Ann Lee, who called the criticism "
            "a disgraceful smear campaign by her rivals on the council.\n\n"
            "Repairs will start next week, the council said in a statement on Tuesday afternoon.")
    a = Article(text=text)
    p2 = text.index("The corrupt")
    s2 = (p2, text.index("\n\n", p2))
    q = text.index("\u201cWe did")
    s3 = (q, text.index("\n\n", q))
    p4 = text.index("Repairs")
    a.add("title", 0, text.index("\n"))
    a.add("sentence", *s2, "own")
    a.add("sentence", *s3, "attributed")
    a.add("sentence", p4, len(text), "attributed")
    a.add("technique", *at(text, "thugs"), "Name_Calling,Labeling", score=0.9)  # in the headline: not counted
    a.add("technique", *at(text, "corrupt"), "Loaded_Language", score=0.8)
    a.add("technique", *at(text, "rot"), "Loaded_Language", score=0.6)
    a.add("technique", *at(text, "disgraceful smear campaign"), "Loaded_Language", score=0.7)
    sp = spin(a)
    assert sp.marks == 3 and sp.words == 25 + 25 + 14
    assert sp.by_voice["own"] == pytest.approx(2000 / 25) and sp.by_voice["quote"] is None
    assert sp.by_voice["attributed"] == pytest.approx(1000 / 39)
    assert sp.by_technique == [("Loaded_Language", pytest.approx(3000 / 64))]
    assert sp.densest["number"] == 2 and sp.densest["marks"] == 2 and sp.densest["start"] == p2
    out = terminal_output(a, no_color=True)
    assert "Spin" in out and "46.9 technique marks per 1,000 words (own 80.0" in out
    assert "Densest" in out and "paragraph 2, 2 marks in 25 words" in out
    assert "46.9 technique marks per 1,000 words" in render_html(a)
    # no sentences, or no marks: no spin line
    assert spin(Article(text="Plain words.")) is None
    assert "Spin" not in terminal_output(Article(text="Plain words."), no_color=True)


def test_spin_counts_a_mark_inside_the_outlets_aside_as_own_voice():
    from unspun.render import spin

    text = "Police said the protest, a violent riot by any measure, ended at noon."
    a = Article(text=text)
    a.add("sentence", 0, len(text), "attributed")
    a.add("aside", *at(text, "a violent riot by any measure"))
    a.add("technique", *at(text, "violent riot"), "Loaded_Language", score=0.8)
    a.add("technique", *at(text, "noon"), "Loaded_Language", score=0.8)  # after the aside: attributed
    sp = spin(a)
    assert sp.marks == 2 and sp.words == 13
    assert sp.by_voice["own"] == pytest.approx(1000 / 6)  # the aside's six words are the outlet's
    assert sp.by_voice["attributed"] == pytest.approx(1000 / 7)

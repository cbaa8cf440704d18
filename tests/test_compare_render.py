"""The `unspun compare` renderers (terminal, HTML) and the web story pages, on compare results
written here in the JSON of docs/data-model.md (kept, counterpart, reference, outlet, title)."""

import io
import re

import pytest
from rich.console import Console
from starlette.testclient import TestClient

from unspun.article import Article
from unspun.render.compare_html import render_compare_html
from unspun.render.compare_terminal import render_compare_terminal
from unspun.store import Store
from unspun.web.app import create_app

from test_web import BASE, levy_article

TITLE = "Storm hits coast"
WIRE = f"{TITLE}\n\nThe storm hit the coast on Monday. Crews were sent to the town. The mayor said all is well.\n"
DAILY = f"{TITLE}\n\nThe storm struck the shore on Monday. Crews were sent to the town. Officials blamed the service.\n"
POST = f"{TITLE}\n\nThe storm hit the coast on Monday. The mayor said all is well.\n"
EVIL_TITLE = 'Storm <script>alert(1)</script> "hits" \x1b[31mcoast'
EVIL_OUTLET = "<b onmouseover=alert(2)>Evil</b>"


def _article(text: str, path: str, headline: bool = True) -> Article:
    a = Article.from_text(text, source={"path": path, "url": None, "format": "text", "record": None})
    if headline:
        a.add("title", 0, len(TITLE))
    return a


def _seg(text: str, words: str, label: str, counterpart: dict | None = None, after: int = 0) -> dict:
    start = text.index(words, after)
    return {"start": start, "end": start + len(words), "label": label, "voice": "own", "techniques": [],
            "counterpart": counterpart}


def story(reference: int | None = None, *, titles=("Wire: storm", "Daily: storm", None),
          outlets=("Wire Service", "The Daily", None)) -> tuple[dict, list[Article]]:
    """Three versions: #1 rewords "hit the coast" and adds a sentence; #2 (no headline span)
    cuts "Crews ...", so that stretch is kept in #0 and #1."""
    arts = [_article(WIRE, "in/wire.txt"), _article(DAILY, "in/daily.txt"),
            _article(POST, "in/post.txt", headline=False)]
    hit = WIRE.index("hit the coast")
    versions = [
        {"segments": [_seg(WIRE, "The storm", "shared"), _seg(WIRE, "hit the coast", "reworded"),
                      _seg(WIRE, "Crews were sent to the town.", "kept"),
                      _seg(WIRE, "The mayor said all is well.", "kept")], "omitted": []},
        {"segments": [_seg(DAILY, "The storm", "shared"),
                      _seg(DAILY, "struck the shore", "reworded",
                           {"version": 0, "start": hit, "end": hit + len("hit the coast")}),
                      _seg(DAILY, "Crews were sent to the town.", "kept"),
                      _seg(DAILY, "Officials blamed the service.", "added")],
         "omitted": [{"from": 0, "start": WIRE.index("The mayor"), "end": WIRE.index("well.") + 5,
                      "text": "The mayor said all is well."}]},
        {"segments": [_seg(POST, "The storm hit the coast on Monday.", "shared"),
                      _seg(POST, "The mayor said all is well.", "kept")],
         "omitted": [{"from": 0, "start": WIRE.index("Crews"), "end": WIRE.index("town.") + 5,
                      "text": "Crews were sent to the town."}]},
    ]
    for i, (v, a) in enumerate(zip(versions, arts)):
        v.update(index=i, id=a.id, source=a.source, outlet=outlets[i], title=titles[i])
    return {"reference": reference, "versions": versions}, arts


def terminal(result: dict, arts: list[Article], width: int, **console) -> str:
    out = io.StringIO()
    render_compare_terminal(result, arts, Console(file=out, width=width, **console))
    return out.getvalue()


# -- terminal -------------------------------------------------------------------------------


def test_narrow_terminal_prints_one_version_after_another():
    result, arts = story()
    shown = terminal(result, arts, 80)
    lines = shown.splitlines()
    heads = ["#0 \u00b7 Wire Service \u00b7 Wire: storm", "#1 \u00b7 The Daily \u00b7 Daily: storm",
             "#2 \u00b7 post.txt"]
    at = [lines.index(h) for h in heads]  # each header is a line of its own, in order
    assert at == sorted(at)
    assert max(len(line) for line in lines) <= 80
    assert "in/" not in shown  # file names only when a version has no title, never the path
    # each version's text and its summary come under its own header
    between = lines[at[1]:at[2]]
    assert any("Officials blamed the service." in line for line in between)
    summary = lines[at[1] + 1]
    assert summary.startswith("shared ") and summary.endswith("1 added, 1 reworded, 1 omitted")
    assert not any("#0 \u00b7" in line and "#1 \u00b7" in line for line in lines)  # no columns


def test_wide_terminal_puts_versions_side_by_side_with_outlet_and_title_headers():
    result, arts = story(reference=0)
    shown = terminal(result, arts, 160)
    lines = shown.splitlines()
    top = next(line for line in lines if "#0" in line)
    assert "#0 \u00b7 Wire Service \u00b7 Wire: storm \u00b7 reference" in top
    assert "#1 \u00b7 The Daily \u00b7 Daily: storm" in top and "#2 \u00b7 post.txt" in top
    assert top.index("#0") < top.index("#1") < top.index("#2")
    assert "in/" not in shown
    # the texts share lines: both wordings stand on one line
    assert any("{~hit the coast~}" in line and "{~struck the shore~}" in line for line in lines)
    assert max(len(line) for line in lines) <= 160


def test_kept_has_its_own_marker_without_colour_and_its_own_style_with_colour():
    result, arts = story()
    plain = terminal(result, arts, 80)
    assert "\x1b[" not in plain
    assert "{=Crews were sent to the town.=}" in plain and "{~struck the shore~}" in plain
    assert "{+Officials blamed the service.+}" in plain
    assert "{=kept (some versions cut it)=}" in " ".join(plain.split())  # the legend
    coloured = terminal(result, arts, 80, force_terminal=True, color_system="truecolor")
    assert "{=" not in coloured and "{+" not in coloured
    kept = re.search(r"\x1b\[([0-9;]*)mCrews were sent to the town\.", coloured)
    added = re.search(r"\x1b\[([0-9;]*)mOfficials blamed the service\.", coloured)
    shared = re.search(r"\x1b\[([0-9;]*)mThe storm", coloured)
    assert kept and added and shared
    assert len({kept.group(1), added.group(1), shared.group(1)}) == 3


def test_terminal_lists_rewordings_with_the_other_wording():
    result, arts = story()
    shown = " ".join(terminal(result, arts, 100).split())
    assert "~ [" in shown and "struck the shore \u2192 #0: hit the coast" in shown
    assert "\u2212 from #0" in shown and "The mayor said all is well." in shown


def test_terminal_shows_hostile_title_and_outlet_as_text():
    result, arts = story(titles=(EVIL_TITLE, None, None), outlets=("[bold]Wire[/bold]", None, None))
    for width in (80, 160):
        shown = terminal(result, arts, width, force_terminal=True, color_system="truecolor")
        assert "\x1b[31mcoast" not in shown and "\u241b[31mcoast" in shown
        assert "[bold]Wire[/bold]" in shown  # not read as rich markup


# -- HTML -----------------------------------------------------------------------------------


def test_html_rewording_links_to_an_anchor_on_the_counterpart_and_quotes_it_escaped():
    result, arts = story()
    hit = WIRE.index("hit the coast")
    page = render_compare_html(result, arts)
    link = re.search(r'<a class="c-reworded" href="#v0-(\d+)" title="([^"]*)">struck the shore</a>', page)
    assert link and int(link.group(1)) == hit
    assert link.group(2).startswith("reworded \u00b7 #0: \u201chit the coast\u201d")
    target = re.search(rf'<span class="c-reworded" id="v0-{hit}" title="[^"]*">([^<]*)</span>', page)
    assert target and target.group(1) == "hit the coast"
    # the omitted stretches link to their place in version 0 too
    for words in ("The mayor said", "Crews were sent"):
        assert f'id="v0-{WIRE.index(words)}"' in page and f'href="#v0-{WIRE.index(words)}"' in page
    assert "<h3>Reworded</h3>" in page and "struck the shore \u2192 <a href=\"#v0-" in page


def test_html_hover_escapes_the_counterpart_words():
    result, arts = story()
    evil = '<img src=x onerror="alert(3)"> & co'
    arts[0] = _article(WIRE.replace("hit the coast", evil), "in/wire.txt")
    start = arts[0].text.index(evil)
    result["versions"][1]["segments"][1]["counterpart"] = {"version": 0, "start": start, "end": start + len(evil)}
    page = render_compare_html(result, arts)
    assert "<img" not in page and 'onerror="' not in page
    assert "#0: \u201c&lt;img src=x onerror=&quot;alert(3)&quot;&gt; &amp; co\u201d" in page


def test_html_headers_show_outlet_and_title_with_the_path_below_and_scroll_sideways():
    result, arts = story(reference=1)
    page = render_compare_html(result, arts)
    heads = re.findall(r"<h2>(.*?)</h2>\n<p class=\"where\">(.*?)</p>", page)
    assert heads == [("#0 \u00b7 <span class=\"outlet\">Wire Service</span> \u00b7 Wire: storm", "in/wire.txt"),
                     ("#1 \u00b7 <span class=\"outlet\">The Daily</span> \u00b7 Daily: storm"
                      " \u00b7 <span class=\"ref\">reference</span>", "in/daily.txt"),
                     ("#2 \u00b7 post.txt", "in/post.txt")]  # no title known: the file name
    assert 'class="c-kept"' in page and re.search(r"\.c-kept \{", page)
    legend = page[page.index('<div class="legend">'):page.index('<div class="versions">')]
    assert "kept (some versions cut it)" in legend
    css = page[page.index("<style>"):page.index("</style>")]
    assert re.search(r"\.versions \{[^}]*grid-auto-flow: column;[^}]*overflow-x: auto", css)
    assert "auto-fit" not in css  # a fourth version never wraps under the first


def test_html_escapes_hostile_title_and_outlet():
    result, arts = story(titles=(EVIL_TITLE, None, None), outlets=(EVIL_OUTLET, None, None))
    page = render_compare_html(result, arts)
    assert "<script>" not in page and "<b onmouseover" not in page
    assert "Storm &lt;script&gt;alert(1)&lt;/script&gt; &quot;hits&quot;" in page
    assert "&lt;b onmouseover=alert(2)&gt;Evil&lt;/b&gt;" in page


# -- web story pages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """A store with a four-version story (one outlet known), a story whose first member has
    only a headline span, and a compared story with kept, reworded and a hostile title."""
    db = tmp_path_factory.mktemp("stories") / "s.db"
    four = [levy_article(f" {word}", outlet=outlet, path=f"v/{word}.txt")
            for word in ("alpha", "beta", "gamma", "delta") for outlet in [("Gazette" if word == "alpha" else None)]]
    untitled = Article.from_text("Harbour gate reopens\n\nThe gate reopened on Friday, officials said.\n",
                                 source={"path": "u/1.txt", "url": None, "format": "text", "record": None})
    untitled.add("title", 0, len("Harbour gate reopens"))
    bare = Article.from_text("The gate reopened on Friday, officials said. It had been shut.\n",
                             source={"path": "u/2.txt", "url": None, "format": "text", "record": None})
    result, arts = story(titles=(EVIL_TITLE, "Daily: storm", None), outlets=(EVIL_OUTLET, "The Daily", None))
    stories = {
        "four": {"id": min(a.id for a in four), "kind": "copy",
                 "members": [{"id": a.id, "source": a.source} for a in four]},
        "untitled": {"id": min(untitled.id, bare.id), "kind": "copy",
                     "members": [{"id": untitled.id, "source": untitled.source},
                                 {"id": bare.id, "source": bare.source}]},
        "storm": {"id": min(a.id for a in arts), "kind": "copy",
                  "members": [{"id": a.id, "source": a.source} for a in arts]},
    }
    with Store(db) as store, store.transaction():
        for article in [*four, untitled, bare, *arts]:
            store.add(article)
        store.put_story(stories["four"])
        store.put_story(stories["untitled"])
        store.put_story(stories["storm"], result)
    with TestClient(create_app(str(db), paste=False), base_url=BASE) as client:
        yield client, stories


def _row(page: str, story_id: str) -> str:
    return next(row for row in page.split("<tr>") if f'href="/stories/{story_id}"' in row)


def test_stories_list_titles_stories_by_headline_and_counts_known_outlets(web):
    client, stories = web
    page = client.get("/stories").text
    four = _row(page, stories["four"]["id"])
    assert ">Council approves harbour levy</a>" in four
    assert "4 versions \u00b7 1 outlet known \u00b7 3 without one" in four
    assert ">Harbour gate reopens</a>" in _row(page, stories["untitled"]["id"])  # from the title span
    assert "2 versions \u00b7 0 outlets known \u00b7 2 without one" in _row(page, stories["untitled"]["id"])
    storm = _row(page, stories["storm"]["id"])
    assert "Storm &lt;script&gt;alert(1)&lt;/script&gt;" in storm and "<script>" not in page
    listed = {s["id"]: s for s in client.get("/api/stories").json()["stories"]}
    assert (listed[stories["four"]["id"]]["outlets"], listed[stories["four"]["id"]]["no_outlet"]) == (1, 3)


def test_story_page_has_headline_kept_toggle_counterpart_links_and_a_scrolling_row(web):
    client, stories = web
    page = client.get(f"/stories/{stories['storm']['id']}").text
    assert "<h1>Storm &lt;script&gt;alert(1)&lt;/script&gt; &#34;hits&#34;" in page
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert 'class="toggle tg-kept"' in page and '<span class="s-kept"' in page
    hit = WIRE.index("hit the coast")
    assert re.search(rf'<a class="s-reworded" href="#v0-{hit}" title="reworded \u00b7 #0: \u201chit the coast'
                     rf'\u201d[^"]*">struck the shore</a>', page)
    assert f'<span class="s-reworded" id="v0-{hit}"' in page
    assert "<h3>Reworded</h3>" in page
    assert page.count('<article class="version"') == 3
    assert "The Daily" in page and "&lt;b onmouseover=alert(2)&gt;Evil&lt;/b&gt;" in page
    css = client.get("/static/style.css").text
    rule = re.search(r"\.versions \{[^}]*\}", css).group(0)
    assert "grid-auto-flow: column" in rule and "overflow-x: auto" in rule
    untitled = client.get(f"/stories/{stories['untitled']['id']}").text
    assert "<h1>Harbour gate reopens</h1>" in untitled

"""Page metadata of HTML pages: the date the page shows and the name it gives itself.

Every page is a short one written for these tests; each test is one rule of
``unspun.read.shown`` (and of the HTML reader that uses it). A page that shows no date takes
the publication date of its metadata.
"""

from __future__ import annotations

import pytest

from unspun.read.html import document_from_html
from unspun.read.shown import host_label, metadata_day, visible_lines
from unspun.stages.dates import iso_date

BODY = ("<p>The harbour at Portmere reopened on Monday, three days after a storm tore boats from their "
        "moorings and left the main channel blocked for most of the week.</p>"
        "<p>Crews worked through the night to clear the channel, and the first ferry left at seven in the "
        "morning with a full load of passengers and two lorries.</p>")


def page(head: str = "", top: str = "", under: str = "", foot: str = "", headline: str = "Harbour reopens after the storm",
         title: str | None = None) -> str:
    return (f"<html><head><title>{title or headline}</title>{head}</head><body>{top}<article>"
            f"<h1>{headline}</h1>{under}{BODY}</article>{foot}</body></html>")


def meta(html: str, url: str | None = None) -> dict:
    return document_from_html(html, {"path": None, "url": url, "format": "html", "record": None}).meta


PUBLISHED = '<meta property="article:published_time" content="2019-11-19T02:24:00Z">'


# -- dates ---------------------------------------------------------------------------------

def test_the_stamp_under_the_headline_wins_over_the_metadata_utc_day():
    html = page(PUBLISHED, under="<div class='meta'><time datetime='2019-11-19T02:24:00Z'>Nov 18, 2019 at 9:24 pm ET</time></div>")
    assert meta(html)["date"] == "2019-11-18"


def test_an_update_the_page_shows_wins_over_the_first_published_date_in_metadata():
    head = ('<meta property="article:published_time" content="2019-11-08T15:30:00-05:00">'
            '<meta property="article:modified_time" content="2019-11-13T10:28:18-05:00">')
    html = page(head, under="<p class='byline'>By Ann Lee</p><p>Updated Nov 13, 2019, 10:28am EST</p>")
    assert meta(html)["date"] == "2019-11-13"


def test_a_dated_byline_under_the_headline_gives_the_date():
    html = page('<meta property="article:published_time" content="2018-09-15T22:00:00Z">',
                under="<div>By Ann Lee - 2018-09-16</div>")
    assert meta(html)["date"] == "2018-09-16"


def test_a_caption_with_a_date_under_the_headline_is_not_a_stamp():
    under = ("<figure><figcaption>Boats wait outside the harbour at Portmere, where the channel was blocked, "
             "on May 18, 2018.</figcaption></figure>")
    html = page(PUBLISHED, under=under)
    assert meta(html)["date"] == "2019-11-19"  # 2018 is not the article's: the metadata's publication date


def test_a_date_line_just_above_the_headline_counts_and_a_claim_line_does_not():
    above = page(PUBLISHED, top="<div>November 18, 2019 / 9:21 PM / Updated 14 hours ago</div>")
    assert meta(above)["date"] == "2019-11-18"
    claim = page(PUBLISHED, top="<div>— A mayor on Sunday, October 13th, 2019 in a local newspaper</div>",
                 under="<p>By Ann Lee on Monday, November 18th, 2019 at 11:08 a.m.</p>")
    assert meta(claim)["date"] == "2019-11-18"


def test_a_page_that_shows_no_date_takes_its_metadata_publication_date_and_without_one_has_none():
    """A page that shows no date ("1 day ago" and a weekday are not dates) takes the day its
    metadata gives as the article's publication (as written: the UTC day here); a date only the
    address holds is not taken."""
    for under in ("", "<time datetime='2019-11-19T11:45:59Z'>1 day ago</time>", "<time>Monday 6:30PM</time>"):
        assert meta(page(PUBLISHED, under=under), url="https://news.example/2019/11/18/harbour")["date"] == "2019-11-19"
        assert "date" not in meta(page(under=under), url="https://news.example/2019/11/18/harbour")


def test_no_date_from_the_body_either_on_a_page_without_one():
    import unspun

    assert unspun.analyze(html=page(PUBLISHED), models=False).meta["date"] == "2019-11-19"
    a = unspun.analyze(html=page(under="<p>Ann Lee</p>"), models=False)  # "on Monday" in the body: not a date
    assert a.meta["date"] is None


def test_the_metadata_date_is_the_publication_not_a_modification():
    modified = '<meta property="article:modified_time" content="2019-11-21T10:00:00Z">'
    assert "date" not in meta(page(modified + '<meta property="og:updated_time" content="2019-11-21T10:00:00Z">'))
    assert meta(page(modified + PUBLISHED))["date"] == "2019-11-19"
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
          '"dateModified": "2019-11-19T12:45:41-05:00", "datePublished": "2019-11-18T17:30:00-05:00"}</script>')
    assert meta(page(ld))["date"] == "2019-11-18"  # the day as the page's own offset writes it
    nyt = '<meta itemprop="datePublished dateCreated" content="2019-11-18T17:56:27.000Z">'
    assert meta(page(nyt + '<meta itemprop="dateModified" content="2019-11-19T00:37:03.000Z">'))["date"] == "2019-11-18"


def test_json_ld_dates_of_comments_and_the_publisher_are_not_the_articles():
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
          '{"@type": "Organization", "name": "Portmere Ledger", "foundingDate": "1851-09-18", '
          '"datePublished": "2001-01-01"}, {"@type": "Comment", "datePublished": "2019-11-25T08:00:00Z"}, '
          '{"@type": "BlogPosting", "datePublished": "2019-11-20T09:00:00+00:00"}]}</script>')
    assert meta(page(ld))["date"] == "2019-11-20"
    only_comments = ('<script type="application/ld+json">[{"@type": "Comment", "datePublished": "2019-11-25"}]'
                     '</script><script type="application/ld+json">{not json</script>')
    assert "date" not in meta(page(only_comments))
    dc = '<meta name="dc.date" content="2019-11-18"><meta name="dcterms.modified" content="2019-11-22">'
    assert meta(page(dc))["date"] == "2019-11-18"


def test_metadata_day_reads_the_forms_pages_write_and_rejects_placeholders_and_future_days():
    from datetime import date

    today = date(2026, 12, 5)
    assert metadata_day("2019-11-18T17:30:00-05:00", today) == "2019-11-18"
    assert metadata_day("20191119", today) == "2019-11-19"
    assert metadata_day("Tue Nov 19 2019 03:05:46 GMT+0000", today) == "2019-11-19"
    assert metadata_day("1970-01-01T00:00:00Z", today) is None  # an epoch placeholder
    assert metadata_day("2027-01-01", today) is None  # not come yet: not a publication
    assert metadata_day("2019-13-45", today) is None and metadata_day("November 2019", today) is None


def test_the_metadata_day_shown_elsewhere_on_the_page_gives_the_shown_day():
    html = page(PUBLISHED, foot="<footer><p>Posted November 18, 2019</p><p>Read more stories</p></footer>",
                under="<p>Ann Lee</p><p>Weather desk</p>" + "<p>Share</p>" * 12)
    assert meta(html)["date"] == "2019-11-18"


def test_a_time_element_under_the_article_headline_wins_over_the_date_strip_under_a_sticky_copy():
    top = ("<header><div>Harbour reopens after the storm</div><div>Subscribe</div><div>Nov. 20, 2019</div></header>")
    html = page(PUBLISHED, top=top, under="<p>By Ann Lee</p><time datetime='2019-11-19T06:30'>November 19, 2019 6:30 AM</time>")
    assert meta(html)["date"] == "2019-11-19"


def test_inline_pieces_are_read_apart_and_screen_reader_hidden_text_is_seen():
    html = page(PUBLISHED, under="<div>Published <span>Wed, Nov 20</span><span>2019</span><span>4:29 AM EST</span></div>")
    assert meta(html)["date"] == "2019-11-20"
    glued = page(PUBLISHED, under="<p><span class='short'>Nov.</span><span class='long'>November 18, 2019 12:02 PM</span></p>")
    assert meta(glued)["date"] == "2019-11-18"
    shown = page(PUBLISHED, under="<p aria-hidden='true'><time>Mon 18 Nov 2019 18.54 GMT</time></p>")
    assert meta(shown)["date"] == "2019-11-18"
    unseen = page(PUBLISHED, under="<p style='display: none'>Mon 18 Nov 2019</p><p hidden>Nov 17, 2019</p>")
    assert meta(unseen)["date"] == "2019-11-19"  # not the unseen days: the metadata's publication date


def test_a_dotted_date_whose_second_number_cannot_be_a_month_is_month_day():
    assert iso_date("11.14.2019 09:00 AM") == "2019-11-14"
    assert iso_date("03.07.2016") == "2016-07-03"  # day.month otherwise, as before
    html = page(PUBLISHED, under="<time>11.14.2019 09:00 AM</time>")
    assert meta(html)["date"] == "2019-11-14"


def test_visible_lines_keep_page_order_and_mark_time_elements():
    tree_html = "<html><body><div>One <b>two</b> three</div><script>x()</script><time>May 2, 2024</time>tail</body></html>"
    import trafilatura

    lines = visible_lines(trafilatura.load_html(tree_html))
    assert list(lines) == ["One two three", "May 2, 2024", "tail"]
    assert lines.timed == {1}


# -- site names ------------------------------------------------------------------------------

def og(name: str) -> str:
    return f'<meta property="og:site_name" content="{name}">'


def test_a_tagline_after_the_site_name_is_dropped():
    html = page(og("Harbour Wire | The coast's popular news platform"))
    assert meta(html, "https://harbourwire.example/a")["sitename"] == "Harbour Wire"


def test_og_site_name_wins_over_a_json_ld_publisher_that_is_the_wire():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "publisher": '
          '{"@type": "Organization", "name": "Associated Press"}}</script>')
    html = page(og("Portmere Ledger") + ld)
    assert meta(html, "https://www.portmereledger.example/news/a")["sitename"] == "Portmere Ledger"


def test_a_site_name_written_as_the_host_becomes_the_pages_own_spelling():
    html = page(og("coastscience.example"), title="Harbour reopens after the storm | Coast Science")
    assert meta(html, "https://www.coastscience.example/harbour")["sitename"] == "Coast Science"
    logo = page(og("HarbourRumors.example"), top='<a href="/"><img alt="HarbourRumors" src="/img/harbourrumors-logo.png"></a>')
    assert meta(logo, "https://harbourrumors.example/a")["sitename"] == "HarbourRumors"


def test_a_known_outlet_name_that_spells_the_host_is_used():
    html = page(og("CBSSports.com"))
    assert meta(html, "https://www.cbssports.com/nfl/news/a")["sitename"] == "CBS Sports"


def test_a_lower_case_label_site_name_takes_the_twitter_handle_spelling():
    head = og("portmeretoday") + '<meta name="twitter:site" content="@Portmere_Today">'
    assert meta(page(head), "https://www.portmeretoday.example/story/a")["sitename"] == "Portmere Today"


def test_a_site_name_with_words_past_the_host_keeps_the_words_that_spell_it():
    assert meta(page(og("The Harbour Deal New York")), "https://theharbourdeal.example/a")["sitename"] == "The Harbour Deal"
    # "The" is not in the host: the name is the site's own and stays whole
    assert meta(page(og("The Ferry Blog")), "https://blog.ferry.example/a")["sitename"] == "The Ferry Blog"


def test_an_address_as_site_name_is_not_a_name():
    html = page(og("https://www.portmerenews.example"), title="Harbour reopens after the storm - Portmere News")
    assert meta(html, "https://www.portmerenews.example/a")["sitename"] == "Portmere News"


def test_a_host_written_site_name_without_a_spelling_in_the_page_takes_the_extractors_name():
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
          '"headline": "Harbour reopens after the storm", '
          '"publisher": {"@type": "Organization", "name": "The Portmere Review"}}</script>')
    assert meta(page(og("Portmere.example") + ld), "https://www.portmere.example/a")["sitename"] == "The Portmere Review"
    # an address and nothing else: no site name, the outlet falls back on the host
    assert "sitename" not in meta(page(og("https://www.ferrytimes.example")), "https://www.ferrytimes.example/a")


def test_a_page_without_address_or_site_name_takes_the_name_it_repeats_else_its_copyright_holder():
    agreed = page(title="The Ferry Review: Harbour reopens after the storm",
                  top='<img class="logo" alt="The Ferry Review" src="l.png">')
    assert meta(agreed)["sitename"] == "The Ferry Review"
    company = page(foot="<footer><p>\u00a92019 Portmere Marine</p></footer>")
    assert meta(company)["sitename"] == "Portmere Marine"


def test_the_pages_own_address_names_a_known_outlet_over_a_section_site_name():
    import unspun

    head = og("U.S.") + '<meta property="og:url" content="https://www.reuters.com/article/harbour-reopens">'
    a = unspun.analyze(html=page(head), models=False)
    assert a.meta["outlet"] == "Reuters"


@pytest.mark.parametrize("host,label", [("www.cbssports.com", "cbssports"), ("bbc.co.uk", "bbc"),
                                        ("news.example.com.au", "example"), ("localhost", None)])
def test_host_label(host, label):
    assert host_label(host) == label


# -- credits ---------------------------------------------------------------------------------

@pytest.mark.parametrize("author, byline, wire", [
    ("Tom Krisher; Ap Auto Writer", ["Tom Krisher"], ["AP"]),  # the wire's credit line, title-cased
    ("DANICA KIRKA; JILL LAWLESS Associated Press", ["Danica Kirka", "Jill Lawless"], ["AP"]),
    ("Paul Takahashi; Staff writer", ["Paul Takahashi"], []),
    ("Analysis by Chris Cillizza; CNN Editor-at-large", ["Chris Cillizza"], []),
    ("Tom Gillespie News reporter", ["Tom Gillespie"], []),
    ("The Associated Press", [], ["AP"]),
    ("Ana Lopez", ["Ana Lopez"], []),  # a first name that is also an agency's initials in capitals
])
def test_the_pages_author_entries_are_people_and_wire_credits(author, byline, wire):
    import unspun

    html = page(f'<meta name="author" content="{author}">')
    found = meta(html)
    assert found.get("byline", []) == byline and found.get("wire", []) == wire
    article = unspun.analyze(html=html, models=False)
    assert article.meta["byline"] == byline and article.meta["wire"] == wire

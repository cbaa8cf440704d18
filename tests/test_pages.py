"""Web pages as users give them: saved or fetched by URL (a local HTTP server), bytes from an HTTP
client, piped text, pages of known hosts, and short texts whose language is hard to tell."""

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import unspun

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "examples" / "harbour-strike.html"
TEXT = ROOT / "examples" / "harbour-strike.txt"
TITLE = "Mayor vows to break harbour strike as ships queue off Portmere"


def unspun_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *args], input=stdin, capture_output=True, timeout=300)


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        status, headers, body = route
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def site():
    page = PAGE.read_bytes()
    _Handler.routes = {
        "/story.html": (200, {"Content-Type": "text/html; charset=utf-8"}, page),
        "/moved": (301, {"Location": "/story.html"}, b""),
        "/story.txt": (200, {"Content-Type": "text/plain; charset=utf-8"}, TEXT.read_bytes()),
        "/report.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 not a page"),
        "/huge.html": (200, {"Content-Type": "text/html"}, b"<html><body><p>" + b"word " * 40_000 + b"</p></body></html>"),
        "/to-ftp": (302, {"Location": "ftp://127.0.0.1/x"}, b""),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_analyze_url_fetches_the_page_and_keeps_the_url(site):
    proc = unspun_cli("analyze", f"{site}/moved", "--no-models", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    a = json.loads(proc.stdout)
    assert a["source"]["url"] == f"{site}/moved" and a["source"]["format"] == "html"
    assert a["meta"]["title"] == TITLE
    assert a["meta"]["outlet"] == "The Portmere Ledger"
    assert a["meta"]["date"] == "2025-03-14"
    assert any(s["layer"] == "quote" for s in a["spans"])


def test_analyze_url_plain_text_page(site):
    proc = unspun_cli("analyze", f"{site}/story.txt", "--no-models", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    a = json.loads(proc.stdout)
    assert a["source"]["format"] == "text" and a["text"] == TEXT.read_text(encoding="utf-8")
    # An IP address names a machine, not an outlet: the copyright line does.
    assert a["meta"]["outlet"] == "The Portmere Ledger"


@pytest.mark.parametrize("path, reason", [
    ("/missing.html", "HTTP 404"),
    ("/report.pdf", "not a web page (content type application/pdf)"),
    ("/huge.html", "limit for one article"),
    ("/to-ftp", "non-web address"),
])
def test_analyze_url_errors_are_one_line(site, path, reason):
    good = str(TEXT)
    proc = unspun_cli("analyze", f"{site}{path}", good, "--no-models", "--format", "jsonl", "--max-bytes", "100000")
    assert proc.returncode == 2
    err = proc.stderr.decode().strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{site}{path}: ") and reason in err[0], err
    assert len(proc.stdout.decode().splitlines()) == 1  # the good input is still analysed


def test_analyze_unreachable_url_and_offline(site):
    proc = unspun_cli("analyze", "http://127.0.0.1:9/x.html", "--no-models")
    assert proc.returncode == 2 and "cannot fetch" in proc.stderr.decode()
    proc = unspun_cli("analyze", f"{site}/story.html", "--offline", "--no-models")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == f"{site}/story.html: a URL, and --offline forbids fetching it"


def test_analyze_reads_a_pipe_without_dash():
    proc = unspun_cli("analyze", "--no-models", "--format", "json", stdin=TEXT.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    a = json.loads(proc.stdout)
    assert a["meta"]["title"] == TITLE and a["source"]["path"] == "-"


def test_analyze_progress_bar_only_when_asked_or_on_a_terminal(tmp_path):
    folder = ROOT / "examples" / "story"
    quiet = unspun_cli("analyze", str(folder), "--no-models", "--format", "jsonl")
    assert quiet.returncode == 0 and quiet.stderr == b""
    shown = unspun_cli("analyze", str(folder), "--no-models", "--format", "jsonl", "--progress")
    assert shown.returncode == 0
    assert "analysing" in shown.stderr.decode() and "3/3" in shown.stderr.decode()
    assert shown.stdout == quiet.stdout


def test_api_takes_page_bytes_with_their_charset():
    page = PAGE.read_bytes()
    a = unspun.analyze(html=page, models=False)
    assert a.meta["title"] == TITLE
    # A cp1252 page that says so in <meta>: decoded by its charset, not as UTF-8.
    legacy = ("<html><head><meta charset=\"windows-1252\"><title>Caf\u00e9 owners protest new tax</title></head>"
              "<body><h1>Caf\u00e9 owners protest new tax</h1><p>Owners of caf\u00e9s in the old town said on "
              "Monday that the tax would close many of them before the summer season began.</p></body></html>")
    b = unspun.analyze(html=legacy.encode("cp1252"), models=False)
    assert "Caf\u00e9 owners" in b.text and "\ufffd" not in b.text
    with pytest.raises(TypeError):
        unspun.analyze(text=page)
    # half a UTF-16 pair is not text: a clear ValueError naming the argument, not a tokenizer's TypeError
    with pytest.raises(ValueError, match=r'unpaired surrogate U\+DFFF in "text" at character 6'):
        unspun.analyze(text="Storm \udfff hits the coast")
    with pytest.raises(ValueError, match=r'unpaired surrogate U\+D800 in "title"'):
        unspun.analyze(text="Storm hits the coast.", title="Storm \ud800")


@pytest.mark.parametrize("url, outlet", [
    ("https://hosted.ap.org/someeagle/article/0a1b/mayor-vows", "AP"),
    ("https://www.nytimes.com/2025/03/14/world/mayor.html", "The New York Times"),
    ("https://news.example-ledger.org/2025/03/14/mayor", "The Portmere Ledger"),  # site name wins over an unknown host
])
def test_outlet_from_known_hosts(url, outlet):
    a = unspun.analyze(html=PAGE.read_bytes(), url=url, models=False)
    assert a.meta["outlet"] == outlet


def test_outlet_unknown_host_without_site_name():
    page = PAGE.read_text(encoding="utf-8").replace('<meta property="og:site_name" content="The Portmere Ledger">', "")
    page = page.replace("© 2025 The Portmere Ledger. All Rights Reserved", "")
    a = unspun.analyze(html=page, url="https://www.portmere-ledger.example/news/1", models=False)
    assert a.meta["outlet"] == "portmere-ledger.example"
    # A machine's address is no outlet's name (the extractor offers the host as a site name).
    local = unspun.analyze(html=page, url="http://localhost:8000/news/1", models=False)
    assert local.meta["outlet"] is None


def test_short_english_text_with_a_loanword_stays_english():
    a = unspun.analyze("Title\n\nCaf\u00e9 au lait text.", models=False)
    assert a.meta["language"] == "en" and not a.warnings
    proc = unspun_cli("analyze", "-", "--no-models", "--format", "json", stdin="Title\n\nCaf\u00e9 au lait text.".encode())
    assert proc.returncode == 0, proc.stderr.decode()
    french = unspun.analyze("Le ministre a dit que les discussions se poursuivraient pendant toute la semaine "
                            "avec les syndicats et les patrons.", models=False)
    assert french.meta["language"] == "fr" and french.warnings


# -- Pastes with the page's header, captions, slugs and footer (text written for these tests) --

PASTE = """Tehran Monitor
Thursday 4 December 2026 - 13 Azar 1405 | 2 December 2026 (14) | 1 December 2026 (9) | Facebook Twitter Telegram
Minister defends fuel price rise before parliament
December 2, 2026 - 10:45
TEHRAN – The oil minister told lawmakers on Tuesday that the fuel price rise was needed to keep refineries running.
“We had no other choice if we want to keep the lights on,” the minister said.
Lawmakers are due to vote on the measure next week.
Back to top
Print
"""


def _spans(a, layer):
    return [(s.label, a.text[s.start:s.end]) for s in a.spans if s.layer == layer]


def test_paste_with_site_header_and_ticker():
    a = unspun.analyze(PASTE, models=False)
    assert a.meta["title"] == "Minister defends fuel price rise before parliament"
    assert a.meta["date"] == "2026-12-02"  # the article's stamp, not the ticker's day
    assert a.meta["outlet"] == "Tehran Monitor"
    boiler = _spans(a, "boilerplate")
    assert ("site-name", "Tehran Monitor") in boiler
    assert any(label == "ticker" and text.startswith("Thursday 4 December") for label, text in boiler)
    assert ("navigation", "Back to top") in boiler and ("share", "Print") in boiler
    sentences = [text for _, text in _spans(a, "sentence")]
    assert not any("Azar" in s or "10:45" in s or s in ("Back to top", "Print") for s in sentences), sentences
    for layer in ("source", "cue", "content"):
        assert not any(text in ("45", "10:45", "TEHRAN") for _, text in _spans(a, layer))


@pytest.mark.parametrize("line, kind", [
    ("Back to Top «", "navigation"), ("Share All sharing options", "share"), ("Share this with", "share"),
    ("Close share panel", "share"),
])
def test_share_and_top_links_between_paragraphs_are_furniture(line, kind):
    text = PASTE.replace("Lawmakers are due", f"{line}\nLawmakers are due")
    a = unspun.analyze(text, models=False)
    assert (kind, line) in _spans(a, "boilerplate")
    assert not any(line in s for _, s in _spans(a, "sentence"))


CAPTIONS = """Storm floods coastal villages as rivers burst their banks

Residents wade through a flooded street in Portmere on Monday. Picture: Alamy

By Jane Okoro

Floods cut off three coastal villages on Monday after two days of heavy rain, officials said.

Rescue boats carry residents to higher ground in Portmere (Marta Silva/AP)

“The water rose faster than anyone expected,” said Peter Lund, the village mayor.

A man clears mud from his shop [Getty]

Forecasters expect more rain later in the week.
"""


def test_captions_and_byline_under_a_lead_photo_are_furniture():
    a = unspun.analyze(CAPTIONS, models=False)
    captions = [text for label, text in _spans(a, "boilerplate") if label == "caption"]
    assert len(captions) == 3, captions
    assert a.meta["byline"] == ["Jane Okoro"]
    sentences = [text for _, text in _spans(a, "sentence")]
    assert not any("Picture: Alamy" in s or "(Marta Silva/AP)" in s or "[Getty]" in s for s in sentences)
    quotes = [s for s in a.spans if s.layer == "quote"]
    assert quotes and all("Rescue boats" not in a.text[q.start:q.end] for q in quotes)
    # A sentence that merely mentions a credit is no caption.
    b = unspun.analyze("Bank rules\n\nThe minister said the credit: was due on Friday.\n\nTalks resumed in Geneva (AP).",
                       models=False)
    assert not [label for label, _ in _spans(b, "boilerplate") if label == "caption"]


def test_wire_slug_and_correspondent_line():
    text = ("AP-US--Portmere-Strike, 4th Ld-Writethru\n\nMayor rejects union offer\n\n"
            "Tomas Berg, Ledger labour correspondent\n\n"
            "The mayor of Portmere rejected the union's latest offer on Tuesday, prolonging a strike now in its third week.\n\n"
            "Talks are expected to resume next month.\n")
    a = unspun.analyze(text, models=False)
    assert ("slug", "AP-US--Portmere-Strike, 4th Ld-Writethru") in _spans(a, "boilerplate")
    assert a.meta["title"] == "Mayor rejects union offer"
    assert a.meta["byline"] == ["Tomas Berg"]
    assert not any("Writethru" in t or "correspondent" in t for _, t in _spans(a, "sentence"))


def test_framed_date_strip_is_a_ticker_not_the_date():
    text = ("Villagers return after the floods\n\n| 24 February 2027, Saturday |\n\n"
            "Villagers began returning to their homes on Monday after the floods receded, officials said.\n")
    a = unspun.analyze(text, models=False)
    assert ("ticker", "| 24 February 2027, Saturday |") in _spans(a, "boilerplate")
    assert a.meta["date"] is None


def test_html_title_is_the_visible_headline_not_the_title_tag():
    page = PAGE.read_text(encoding="utf-8").replace(
        "<title>Mayor vows to break harbour strike as ships queue off Portmere | The Portmere Ledger</title>",
        "<title>Opinion | Harbour strike: mayor vows to break it | The Portmere Ledger</title>").replace(
        '<meta property="og:title" content="Mayor vows to break harbour strike as ships queue off Portmere">', "")
    a = unspun.analyze(html=page, models=False)
    assert a.meta["title"] == TITLE  # the <h1>
    assert a.text.startswith(TITLE + "\n\n") and a.text.count(TITLE) == 1


@pytest.mark.parametrize("h1, expected", [
    ("<h1>The Portmere Ledger</h1>", "Harbour strike: mayor vows to break it"),  # a masthead h1 is no headline
    ("", "Harbour strike: mayor vows to break it"),  # no h1: the <title> without the site's name
])
def test_html_title_without_a_headline_h1(h1, expected):
    page = ("<html><head><title>Harbour strike: mayor vows to break it | The Portmere Ledger</title>"
            '<meta property="og:site_name" content="The Portmere Ledger"></head><body>' + h1 +
            "<article><p>Portmere mayor Helena Varga said on Friday that the city would not negotiate with "
            "striking dock workers until they returned to work.</p><p>The strike is in its second week, "
            "and more than forty ships wait offshore for a berth.</p></article></body></html>")
    a = unspun.analyze(html=page, models=False)
    assert a.meta["title"] == expected


PAGE_PASTE = """Portmere Ledger homepage
Sign in
News
Sport
Business
Weather
Most read
Harbour cranes idle for a third day
Council tax rise approved
Ferry timetable changes
Storm damage closes coastal road as repairs begin
The road along the cliffs will stay shut for at least a month, engineers say
By Ann Lee
Published 9:40 am GMT, Tue 2 March 2027
Share this with Facebook
Twitter
Email

The coastal road between Portmere and Edby was closed on Monday after the weekend storm washed away part of the cliff below it, the county council said.

Engineers who inspected the road said the damage was worse than first feared and that repairs would take at least a month.

Workers clear rocks from the road on Monday.
Tomas Berg/Portmere Ledger/Getty Images

Buses will run on a longer route through the hills until the road reopens, the operator said on Tuesday.

Related
Ferry timetable changes
3 March 2027
© 2027 Portmere Ledger. All rights reserved.
"""


def test_pasted_page_headline_date_and_outlet():
    a = unspun.analyze(PAGE_PASTE, models=False)
    assert a.meta["title"] == "Storm damage closes coastal road as repairs begin"  # not the menu or the teasers
    assert a.meta["date"] == "2027-03-02"  # the stamp under the headline, not a related item's date
    assert a.meta["outlet"] == "Portmere Ledger"
    assert a.meta["byline"] == ["Ann Lee"]
    sentences = [text for _, text in _spans(a, "sentence")]
    for furniture in ("Most read", "Harbour cranes idle", "Getty Images", "Twitter", "Email", "Published 9:40"):
        assert not any(furniture in s for s in sentences), (furniture, sentences)
    assert any(s.startswith("The coastal road between Portmere") for s in sentences)


def test_pasted_page_outlet_from_a_known_masthead_and_an_agency_copyright():
    menu = "\n".join(["The Guardian - Back to home", "World", "Europe", "Sport", "Culture", "Opinion", "Search"])
    text = (menu + "\nFishing quotas split ministers in late-night talks\nBy Jo Park\nTue 2 Mar 2027 18.10 GMT\n\n"
            "Ministers ended a second night of talks on fishing quotas without any agreement in sight, "
            "officials from both delegations said on Tuesday.\n\n"
            "The talks will resume next week in Brussels, where both sides are expected to bring new proposals.\n")
    a = unspun.analyze(text, models=False)
    assert a.meta["title"] == "Fishing quotas split ministers in late-night talks"
    assert a.meta["outlet"] == "The Guardian"
    assert a.meta["date"] == "2027-03-02"
    wire = menu.replace("The Guardian - Back to home", "Markets") + ("\nPort strike ends after pay deal\nMarch 2, 2027 10:05 AM\n\n"
                   "Dock workers in Portmere ended a three-week strike on Tuesday after accepting a new "
                   "pay offer from the harbour authority.\n\n"
                   "The union said its members voted by a large majority to return to work on Wednesday.\n\n"
                   "© 2027 Reuters. All rights reserved.\n")
    b = unspun.analyze(wire, models=False)
    assert b.meta["outlet"] == "Reuters" and b.meta["title"] == "Port strike ends after pay deal"
    assert b.meta["date"] == "2027-03-02"


def test_pasted_page_caption_with_credit_over_the_headline_is_not_the_title():
    menu = "\n \n".join(["Latest", "Sections", "Science", "Health", "Space", "Follow Us", "Facebook", "RSS Feed",
                         "About Us", "Contact Us", "© Skyward Review Pty Ltd. All rights reserved."])
    text = (menu + "\nAn artist's drawing of the comet's tail. (Harbour Observatory/Mia Lund)\nSPACE\n"
            "Astronomers Find Water Ice In The Tail Of A Passing Comet\nNORA VAIL, SKYWARD REVIEW\n3 MAR 2027\n\n"
            "A team of astronomers at the Harbour Observatory has found traces of water ice in the tail of a comet "
            "that passed close to the Sun last month.\n\n"
            "The find makes the comet one of the most closely watched targets of the year, the observatory said.\n")
    a = unspun.analyze(text, models=False)
    assert a.meta["title"] == "Astronomers Find Water Ice In The Tail Of A Passing Comet"
    assert a.meta["date"] == "2027-03-03"
    assert a.meta["outlet"] == "Skyward Review"  # the copyright holder without "Pty Ltd"
    from unspun.stages.pasted import _names, headline_like

    assert not headline_like("An artist's drawing of the comet's tail. (Harbour Observatory/Mia Lund)")
    assert not headline_like("Crews clear the road on Monday. [Getty]")
    assert headline_like("Comet tail holds water ice (and maybe more)")
    assert _names("NORA VAIL, SKYWARD REVIEW")

"""`unspun serve`: every page and API route through Starlette's TestClient, on a store built here."""

import csv
import io

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from unspun.article import Article
from unspun.store import Store
from unspun.web.app import create_app

XSS_TITLE = "Harbour <script>window.__xss = 1</script> news"
XSS_BODY = 'The mayor posted <img src=x onerror="window.__xss = 2"> and <script>window.__xss = 3</script> online.'
XSS_OUTLET = "<b onmouseover=alert(1)>Evil Outlet</b>"
BASE = "http://127.0.0.1"  # an allowed Host (the app refuses others, such as TestClient's "testserver")


def levy_article(extra: str = "", *, outlet="The Harbour Gazette", path="gazette/levy.txt",
                 date="2025-03-04") -> Article:
    """An article with every layer; ``extra`` is appended to its own-voice sentence."""
    title = "Council approves harbour levy"
    own = "Critics call the plan a shameless cash grab" + extra + "."
    quote = "\u201cThis is fair,\u201d said Mayor Ann Lee."
    attributed = "The council approved a levy on Tuesday, officials said."
    text = f"{title}\n\nMarch 4, 2025\n\n{attributed} {quote} {own}\n\nShare this article\n"
    a = Article(text=text, source={"path": path, "url": None, "format": "text", "record": None})
    a.meta.update(title=title, date=date, outlet=outlet, language="en")
    a.add("title", 0, len(title))
    d = text.index("March 4, 2025")
    a.add("dateline", d, d + 13, date=date)
    s = text.index(attributed)
    a.add("sentence", s, s + len(attributed), "attributed", subjectivity=0.2)
    q = text.index(quote)
    a.add("sentence", q, q + len(quote), "quote", subjectivity=0.3)
    c = text.index("This is fair,")
    cue, src = text.index("said Mayor"), text.index("Mayor Ann Lee")
    a.add("quote", c, c + 13, "direct", speaker="Ann Lee", cue=[[cue, cue + 4]], source=[[src, src + 13]])
    o = text.index(own)
    a.add("sentence", o, o + len(own), "own", subjectivity=0.9)
    t = text.index("shameless cash grab")
    a.add("technique", t, t + 19, "Loaded_Language", score=0.83)
    b = text.index("Share this article")
    a.add("boilerplate", b, b + 18, "share")
    a.sort_spans()
    return a


def xss_article() -> Article:
    text = f"{XSS_TITLE}\n\n{XSS_BODY}\n"
    a = Article(text=text, source={"path": "evil.html", "url": "https://evil.example/x", "format": "html",
                                   "record": None})
    a.meta.update(title=XSS_TITLE, outlet=XSS_OUTLET, date="2025-02-01", language="en")
    a.add("title", 0, len(XSS_TITLE))
    s = text.index(XSS_BODY)
    a.add("sentence", s, s + len(XSS_BODY), "own", subjectivity=0.5)
    i = text.index("onerror")
    a.add("technique", i, i + 7, "Name_Calling,Labeling", score=0.5)
    return a


def build_store(path) -> dict:
    """A store with three articles (one run by two outlets, one hostile) and a compared copy story."""
    a = levy_article()
    b = levy_article(" that will sink the fishing fleet", outlet="Portmere Daily", path="daily/levy.txt",
                     date="2025-04-10")
    a2 = levy_article(outlet="Portmere Daily", path="daily/levy-copy.txt")  # identical text to a
    x = xss_article()
    added = "that will sink the fishing fleet"
    start = b.text.index(added)
    own_b = b.text.index("Critics call")
    comparison = {"versions": [
        {"index": 0, "id": a.id, "source": a.source,
         "segments": [{"start": a.text.index("The council"), "end": a.text.index("Share this") - 2,
                       "label": "shared", "voice": "own", "techniques": []}], "omitted": []},
        {"index": 1, "id": b.id, "source": b.source,
         "segments": [{"start": b.text.index("The council"), "end": start - 1, "label": "shared", "voice": "own",
                       "techniques": ["Loaded_Language"]},
                      {"start": start, "end": start + len(added), "label": "added", "voice": "own",
                       "techniques": []}],
         "omitted": [{"from": 0, "start": own_b, "end": own_b + 12, "text": "Critics call"}]},
    ]}
    story = {"id": min(a.id, b.id), "kind": "copy",
             "members": [{"id": a.id, "source": a.source}, {"id": b.id, "source": b.source}]}
    with Store(path) as store, store.transaction():
        for article in (a, b, a2, x):
            store.add(article)
        store.put_story(story, comparison)
        store.put_story({"id": "e:" + min(a.id, x.id), "kind": "event", "stories": [story["id"], x.id],
                         "members": [*story["members"], {"id": x.id, "source": x.source}]})
        store.quarantine("feed.jsonl:2", "not valid JSON <script>")
    return {"a": a, "b": b, "x": x, "story": story, "added": added}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("web") / "news.db"
    data = build_store(db)
    with TestClient(create_app(str(db), paste=False), base_url=BASE) as client:
        yield client, data


def test_article_api_returns_the_data_model_json_exactly(site):
    client, data = site
    r = client.get(f"/api/articles/{data['a'].id}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.text == data["a"].to_json()
    assert Article.from_json(r.text) == data["a"]
    missing = client.get("/api/articles/0000000000000000")
    assert missing.status_code == 404 and "error" in missing.json()
    occ = client.get(f"/api/articles/{data['a'].id}/occurrences").json()["occurrences"]
    assert sorted(o["outlet"] for o in occ) == ["Portmere Daily", "The Harbour Gazette"]


def test_article_page_has_layers_toggles_legend_quotes_and_metadata(site):
    client, data = site
    r = client.get(f"/articles/{data['a'].id}")
    assert r.status_code == 200
    html = r.text
    for cls in ("m-own", "m-attributed", "m-quote", "m-direct", "m-technique", "m-title", "m-boilerplate"):
        assert f'class="{cls}' in html or f" {cls}" in html, cls
    assert 'type="checkbox" class="toggle tg-voice"' in html and 'class="toggle tg-technique"' in html
    assert "technique: Loaded_Language \u00b7 score 0.83" in html  # hover note
    assert "<td>Ann Lee</td>" in html  # quotes table
    assert "Portmere Daily" in html and "The Harbour Gazette" in html  # seen at
    assert f'/stories/{data["story"]["id"]}' in html
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert "script-src" not in r.headers["content-security-policy"]  # no script allowed at all


def test_hostile_article_text_and_metadata_are_escaped_everywhere(site):
    client, data = site
    pages = [f"/articles/{data['x'].id}", "/articles", "/", "/outlets", "/search?q=mayor+posted",
             "/articles?outlet=" + XSS_OUTLET]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "<script>window.__xss" not in r.text, path
        assert "<img src=x" not in r.text and "<b onmouseover" not in r.text, path
    page = client.get(f"/articles/{data['x'].id}").text
    assert "&lt;script&gt;window.__xss = 3&lt;/script&gt;" in page
    assert "&lt;img src=x " in page  # (onerror is a technique span of its own)
    assert "&lt;b onmouseover=alert(1)&gt;Evil Outlet&lt;/b&gt;" in page
    assert "not valid JSON &lt;script&gt;" in client.get("/").text


def test_article_lists_and_csv(site):
    client, data = site
    listing = client.get("/api/articles").json()
    assert listing["total"] == 3 and {a["id"] for a in listing["articles"]} == {data[k].id for k in "abx"}
    assert listing["articles"][0]["date"] == "2025-04-10"  # newest first
    by_outlet = client.get("/api/articles", params={"outlet": "Portmere Daily"}).json()["articles"]
    assert {a["id"] for a in by_outlet} == {data["a"].id, data["b"].id}
    assert client.get("/api/articles?page=0").status_code == 400
    assert client.get("/articles?page=x").status_code == 400
    r = client.get("/articles.csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["id"] for row in rows} == {data[k].id for k in "abx"}
    levy = next(row for row in rows if row["id"] == data["a"].id)
    assert levy["occurrences"] == "2" and levy["own_share"] == "0.3333"
    spans = list(csv.DictReader(io.StringIO(client.get("/tables/spans.csv").text)))
    assert {"Loaded_Language", "Name_Calling,Labeling"} <= {row["label"] for row in spans}
    assert client.get("/tables/secrets.csv").status_code == 404
    assert 'href="/tables/outlets.csv"' in client.get("/").text
    quotes = list(csv.reader(io.StringIO(client.get(f"/articles/{data['a'].id}/quotes.csv").text)))
    assert quotes[0][:4] == ["article_id", "number", "kind", "speaker"] and quotes[1][3] == "Ann Lee"


def test_search_page_and_api(site):
    client, data = site
    api = client.get("/api/search", params={"q": "fishing fleet"}).json()
    assert api["total"] == 1 and api["results"][0]["id"] == data["b"].id
    assert "fishing" in api["results"][0]["snippet"] and "\x02" not in api["results"][0]["snippet"]
    page = client.get("/search", params={"q": "fishing"}).text
    assert "<mark>fishing</mark>" in page
    assert client.get("/api/search", params={"q": 'levy AND ("'}).status_code == 200
    assert client.get("/api/search", params={"q": ""}).json()["total"] == 0


def test_outlets_page_charts_and_api(site):
    client, data = site
    api = client.get("/api/outlets").json()
    stats = {row["outlet"]: row for row in api["outlets"]}
    assert stats["Portmere Daily"]["articles"] == 2
    assert stats["The Harbour Gazette"]["own_share"] == round(1 / 3, 4)
    assert stats["The Harbour Gazette"]["by_technique"] == {"Loaded_Language": 1}
    assert {(row["outlet"], row["month"]) for row in api["timeline"]} >= {("Portmere Daily", "2025-04"),
                                                                          ("Portmere Daily", "2025-03")}
    html = client.get("/outlets").text
    for chart in ("chart-own", "chart-techniques", "chart-subjectivity", "time-own"):
        assert f'id="{chart}"' in html, chart
    assert html.count("<svg") >= 4 and "<polyline" in html
    rows = list(csv.DictReader(io.StringIO(client.get("/outlets.csv").text)))
    assert {r["outlet"] for r in rows} == {"Portmere Daily", "The Harbour Gazette", XSS_OUTLET}
    assert "technique:Loaded_Language" in rows[0]


def test_story_page_and_api(site):
    client, data = site
    story_id = data["story"]["id"]
    api = client.get(f"/api/stories/{story_id}").json()
    assert api["story"] == data["story"] and len(api["comparison"]["versions"]) == 2
    listed = {s["id"]: s for s in client.get("/api/stories").json()["stories"]}
    event_id = "e:" + min(data["a"].id, data["x"].id)
    assert set(listed) == {story_id, event_id}
    assert listed[story_id]["outlets"] == 2 and listed[event_id]["size"] == 3
    event = client.get(f"/stories/{event_id}").text
    assert f'href="/stories/{story_id}"' in event and "An event story" in event
    assert "&lt;script&gt;" in event and "<script>window" not in event  # the hostile member's title
    html = client.get(f"/stories/{story_id}").text
    assert f'<span class="s-added" title="added' in html
    assert f">{data['added']}</span>" in html
    assert "<del>Critics call</del>" in html  # the cut
    assert 'class="toggle tg-added"' in html
    assert client.get("/stories").status_code == 200
    assert client.get("/stories/nope").status_code == 404
    assert client.get("/api/stories/nope").json()["error"].startswith("no story")


def test_docs_and_openapi_describe_every_api_route(site):
    client, _ = site
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    api_routes = {r.path.replace(":path", "") for r in client.app.routes
                  if isinstance(r, Route) and r.path.startswith("/api/")}
    assert set(spec["paths"]) == api_routes
    docs = client.get("/docs").text
    for path in spec["paths"]:
        assert path in docs


def test_static_files_and_security_headers(site):
    client, _ = site
    for path in ("/static/style.css", "/static/report.css"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/nowhere").status_code == 404
    assert "content-security-policy" in client.get("/nowhere").headers


def test_paste_switched_off(site):
    client, _ = site
    assert client.get("/paste").status_code == 404
    assert client.post("/api/analyze", json={"text": "x"}).status_code in (404, 405)
    assert "/paste" not in client.get("/").text
    assert "/api/analyze" not in client.get("/openapi.json").json()["paths"]


def test_paste_page_analyses_limits_body_and_times_out(tmp_path):
    db = tmp_path / "p.db"
    build_store(db)
    text = "Storm hits the coast\n\nMay 2, 2024\n\n\u201cIt was loud,\u201d the mayor said. <script>x()</script>\n"
    with TestClient(create_app(str(db), max_body=200_000, timeout=60), base_url=BASE) as client:
        assert 'action="/paste"' in client.get("/paste").text
        page = client.post("/paste", data={"kind": "text", "content": text})
        assert page.status_code == 200, page.text
        assert "not stored" in page.text and "&lt;script&gt;x()&lt;/script&gt;" in page.text
        api = client.post("/api/analyze", json={"text": text})
        assert api.status_code == 200 and api.json()["text"] == text
        assert client.post("/api/analyze", json={"text": "  "}).status_code == 400
        assert client.post("/api/analyze", content=b"x" * 200_001).status_code == 413
        chunked = client.post("/api/analyze", content=iter([b"y" * 150_000, b"y" * 150_000]))
        assert chunked.status_code == 413
        client.app.state.paste_pool.timeout = 0.001
        long_text = ("The minister said the port would reopen. " * 3000)[:190_000]
        slow = client.post("/api/analyze", content=long_text.encode())
        assert slow.status_code == 504 and "longer than" in slow.json()["error"]
        client.app.state.paste_pool.timeout = 60
        again = client.post("/api/analyze", json={"text": text})  # a fresh child process takes over
        assert again.status_code == 200


def test_store_api_mirrors_the_home_page(site):
    client, data = site
    api = client.get("/api/store").json()
    assert api["counts"] == {"articles": 3, "occurrences": 4, "stories": 2, "quarantine": 1}
    assert api["quarantined"][0]["location"] == "feed.jsonl:2"
    assert {a["id"] for a in api["recent"]} == {data[k].id for k in "abx"}


def test_unspun_serve_binds_loopback_and_serves_the_api(tmp_path):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    db = tmp_path / "s.db"
    data = build_store(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "unspun", "serve", "--db", str(db), "--port", str(port)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/articles/{data['a'].id}", timeout=5) as r:
                    body = r.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert body == data["a"].to_json()
        if sys.platform == "linux":  # the listening sockets: 127.0.0.1 only, nothing on 0.0.0.0 or ::
            tables = [open(f"/proc/net/{t}").read().splitlines()[1:] for t in ("tcp", "tcp6")]
            listening = [line.split()[1] for table in tables for line in table
                         if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
            assert listening == [f"0100007F:{port:04X}"]
    finally:
        proc.terminate()
        proc.wait(10)
    assert f"http://127.0.0.1:{port}/" in proc.stderr.read()


def test_outlet_figures_follow_the_store_while_serving(tmp_path):
    db = tmp_path / "live.db"
    build_store(db)
    with TestClient(create_app(str(db), paste=False), base_url=BASE) as client:
        before = {row["outlet"] for row in client.get("/api/outlets").json()["outlets"]}
        assert "Northern Courier" not in before
        with Store(db) as store, store.transaction():  # `unspun index` writing while the server runs
            store.add(levy_article(" said nobody", outlet="Northern Courier", path="courier/levy.txt"))
        after = {row["outlet"] for row in client.get("/api/outlets").json()["outlets"]}
        assert after == before | {"Northern Courier"}
        assert "Northern Courier" in client.get("/outlets").text

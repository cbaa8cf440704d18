"""`unspun serve` under attack: costly searches, paste floods, CSV formulas, foreign Host headers,
cross-site POSTs and ids that would lead links out of their path. Everything runs on the real
app (Starlette, SQLite FTS5, the paste child process, uvicorn for the concurrent cases)."""

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from test_web import BASE, build_store, levy_article
from unspun.article import Article
from unspun.store import Store
from unspun.web.app import create_app
from unspun.web.security import HEADERS
from unspun.web.views import search

SECURITY = [name.decode() for name, _ in HEADERS]
WORDS = ("harbour council levy fleet mayor minister storm coast port budget tax ferry union strike "
         "hospital school bridge road rail airport election vote party court judge police").split()


def _filler(i: int) -> Article:
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(120)]
    text = f"Report {i}\n\n" + " ".join(words).capitalize() + ".\n"
    a = Article(text=text, source={"path": f"gen/{i}.txt", "url": None, "format": "text", "record": None})
    a.meta.update(title=f"Report {i}", outlet="Generated Times", language="en", date="2025-01-01")
    return a


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("hard") / "news.db"
    data = build_store(path)
    with Store(path) as store, store.transaction():
        for i in range(300):
            store.add(_filler(i))
    return str(path), data


@pytest.fixture(scope="module")
def site(db):
    with TestClient(create_app(db[0], paste=False), base_url=BASE, raise_server_exceptions=False) as client:
        yield client, db[1]


def _has_security_headers(response) -> bool:
    return all(name in response.headers for name in SECURITY)


# -- search --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, reason", [
    ("a* " * 250, "characters long"),
    ("a* " * 90, "too short"),
    ("ha* co* le* fl* ma*", "prefix words"),
    (" ".join(WORDS[:17]), "different words"),
    ("harbour\x00levy", "control character"),
    ("\x00", "control character"),
    ("levy\x1b[31m", "control character"),
])
def test_costly_or_malformed_searches_get_400_with_a_reason(site, query, reason):
    client, _ = site
    for path in ("/api/search", "/search"):
        r = client.get(path, params={"q": query})
        assert r.status_code == 400, (path, query[:20], r.status_code)
        assert reason in r.text and _has_security_headers(r)
    assert reason in client.get("/api/search", params={"q": query}).json()["error"]


def test_searches_within_the_limits_still_work(site):
    client, data = site
    one = client.get("/api/search", params={"q": "ha*"}).json()
    assert one["total"] >= 300
    assert client.get("/api/search", params={"q": "ha* " * 60}).json()["total"] == one["total"]  # repeats count once
    four = client.get("/api/search", params={"q": "ha* co* le* fl*"})
    assert four.status_code == 200
    assert client.get("/api/search", params={"q": "fishing\tfleet"}).json()["results"][0]["id"] == data["b"].id
    assert client.get("/api/search", params={"q": " ".join(WORDS[:16])}).status_code == 200


def test_a_search_over_its_time_budget_is_stopped(site, monkeypatch):
    client, _ = site
    monkeypatch.setattr(search, "SEARCH_BUDGET", 0.0)
    r = client.get("/api/search", params={"q": "ha* co* le*"})
    assert r.status_code == 400 and "took longer" in r.json()["error"]
    monkeypatch.undo()
    assert client.get("/api/search", params={"q": "ha* co* le*"}).status_code == 200  # the handler is cleared


def test_every_error_response_carries_the_security_headers(db):
    app = create_app(db[0], paste=False)

    def boom(request):
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/boom", boom))
    app.router.routes.append(Route("/api/boom", boom))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        for path, status in (("/boom", 500), ("/api/boom", 500), ("/nowhere", 404), ("/articles?page=0", 400),
                             ("/api/search?q=%00", 400)):
            r = client.get(path)
            assert r.status_code == status and _has_security_headers(r), path
        assert client.get("/api/boom").json() == {"error": "internal error"}
        r = client.get("/", headers={"host": "attacker.example"})
        assert r.status_code == 400 and _has_security_headers(r)
        r = client.post("/api/analyze", content=b"x", headers={"origin": "https://evil.example"})
        assert r.status_code == 403 and _has_security_headers(r)


# -- CSV formulas --------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("https://evil.example","click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd"]


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "f.db"
    with Store(path) as store, store.transaction():
        for i, formula in enumerate(FORMULAS):
            a = levy_article(f" {i}", outlet=formula, path=f"f/{i}.txt")
            a.meta["title"] = formula
            store.add(a)
        plain = levy_article(" plain", outlet="Plain Post", path="plain.txt")
        store.add(plain)
    return str(path), plain


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _check_neutralised(rows: list[list[str]]) -> None:
    cells = [cell for row in rows[1:] for cell in row]
    for formula in FORMULAS:
        assert formula not in cells, formula
    risky = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert risky == []


def test_csv_downloads_neutralise_formulas(formula_db):
    path, plain = formula_db
    with TestClient(create_app(path, paste=False), base_url=BASE) as client:
        articles = _cells(client.get("/articles.csv").text)
        _check_neutralised(articles)
        titles = {row[articles[0].index("title")] for row in articles[1:]}
        assert {"'" + f for f in FORMULAS} <= titles and "Council approves harbour levy" in titles
        outlets = _cells(client.get("/outlets.csv").text)
        _check_neutralised(outlets)
        assert "'+1+2" in {row[0] for row in outlets[1:]} and "Plain Post" in {row[0] for row in outlets[1:]}
        for table in ("occurrences", "spans", "quotes"):
            _check_neutralised(_cells(client.get(f"/tables/{table}.csv").text))
        quotes = _cells(client.get(f"/articles/{plain.id}/quotes.csv").text)
        assert quotes[1][3] == "Ann Lee"
        numbers = [row[articles[0].index("words")] for row in articles[1:]]
        assert all(n.isdigit() for n in numbers)  # numbers are not touched


def test_unspun_export_csv_neutralises_formulas(formula_db, tmp_path):
    path, _ = formula_db
    out = tmp_path / "articles.csv"
    proc = subprocess.run([sys.executable, "-m", "unspun", "export", "--db", path, "--format", "csv", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = _cells(out.read_text(encoding="utf-8"))
    _check_neutralised(rows)
    assert "'@SUM(A1:A2)" in {row[rows[0].index("title")] for row in rows[1:]}
    jsonl = subprocess.run([sys.executable, "-m", "unspun", "export", "--db", path, "--format", "jsonl",
                            "--table", "outlets"], capture_output=True, text=True, timeout=120)
    assert '"outlet": "@SUM(A1:A2)"' in jsonl.stdout  # JSON keeps the text as it is


# -- Host and Origin -----------------------------------------------------------------------

def test_foreign_host_headers_are_refused(db):
    with TestClient(create_app(db[0], paste=False), base_url=BASE) as client:
        for host in ("attacker.example", "attacker.example:8000", "127.0.0.1.attacker.example", "10.0.0.5"):
            r = client.get("/api/store", headers={"host": host})
            assert r.status_code == 400 and "not served here" in r.json()["error"], host
        for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST", "localhost."):
            assert client.get("/api/store", headers={"host": host}).status_code == 200, host
    with TestClient(create_app(db[0], paste=False, hosts=["0.0.0.0", "news.example"]), base_url=BASE) as client:
        for host in ("10.0.0.5:8000", "[fe80::1]", "news.example:8000"):
            assert client.get("/api/store", headers={"host": host}).status_code == 200, host
        assert client.get("/api/store", headers={"host": "attacker.example"}).status_code == 400


def test_cross_site_posts_are_refused(db):
    with TestClient(create_app(db[0], paste=True), base_url=BASE) as client:
        refused = [{"origin": "https://evil.example"}, {"origin": "null"}, {"origin": "http://127.0.0.1:9999"},
                   {"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"},
                   {"sec-fetch-site": "cross-site", "origin": "http://127.0.0.1"}]
        for headers in refused:
            for path in ("/paste", "/api/analyze"):
                r = client.post(path, data={"kind": "text", "content": "x"}, headers=headers)
                assert r.status_code == 403, (path, headers)
        # same origin, or no browser headers at all (curl): on to the page, which finds nothing to analyse
        for headers in ({"origin": BASE}, {"sec-fetch-site": "same-origin", "origin": BASE},
                        {"sec-fetch-site": "same-origin", "origin": "null"}, {}):
            r = client.post("/paste", data={"kind": "text", "content": " "}, headers=headers)
            assert r.status_code == 400 and "nothing to analyse" in r.text, headers
        assert client.get("/paste", headers={"sec-fetch-site": "cross-site"}).status_code == 200  # reading is fine
        assert getattr(client.app.state, "paste_pool", None) is None or client.app.state.paste_pool.pending == 0


def test_unspun_serve_allow_host(db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "unspun", "serve", "--db", db[0], "--port", str(port), "--no-paste",
                             "--allow-host", "news.example", "--allow-host", "other.example"],
                            stderr=subprocess.PIPE, text=True)

    def status(host: str) -> int:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/store", headers={"Host": host})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                first = status(f"127.0.0.1:{port}")
                break
            except OSError:
                assert time.monotonic() < deadline, "unspun serve did not start"
                time.sleep(0.2)
        assert first == 200
        assert status(f"news.example:{port}") == 200 and status("other.example") == 200
        assert status("attacker.example") == 400
    finally:
        proc.terminate()
        proc.wait(10)


# -- links ---------------------------------------------------------------------------------

def test_links_quote_every_path_segment(tmp_path):
    path = tmp_path / "ids.db"
    odd = levy_article(" odd", path="odd.txt")
    odd = Article.from_json(odd.to_json().replace(f'"id": "{odd.id}"', '"id": "a/../../tables/x?y#z"', 1))
    assert odd.id == "a/../../tables/x?y#z"
    with Store(path) as store, store.transaction():
        store.add(odd)
        store.put_story({"id": "s/../../docs", "kind": "copy",
                         "members": [{"id": odd.id, "source": odd.source}, {"id": "b/..", "source": {}}]})
    quoted = "a%2F..%2F..%2Ftables%2Fx%3Fy%23z"
    with TestClient(create_app(str(path), paste=False), base_url=BASE) as client:
        listing = client.get("/articles").text
        assert f'href="/articles/{quoted}"' in listing and 'href="/articles/a/' not in listing
        page = client.get(f"/articles/{quoted}")
        assert page.status_code == 200 and "odd" in page.text
        assert f'href="/api/articles/{quoted}"' in page.text and f'href="/articles/{quoted}/quotes.csv"' in page.text
        assert client.get(f"/api/articles/{quoted}").json()["id"] == odd.id
        stories = client.get("/stories").text
        assert 'href="/stories/s%2F..%2F..%2Fdocs"' in stories
        story = client.get("/stories/s%2F..%2F..%2Fdocs")
        assert story.status_code == 200 and f'href="/articles/{quoted}"' in story.text
        quotes = client.get(f"/articles/{quoted}/quotes.csv")
        assert quotes.status_code == 200
        assert quotes.headers["content-disposition"] == 'attachment; filename="quotes-a_.._.._tables_x_y_z.csv"'


# -- paste flood ---------------------------------------------------------------------------

@pytest.fixture
def live(db):
    """``unspun serve``'s app under uvicorn with one paste worker and a queue of 45 (a factory)."""
    import uvicorn

    servers = []

    def start(**options):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(db[0], **options)
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not srv.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.started
        servers.append((srv, thread))
        return app, f"http://127.0.0.1:{port}"

    yield start
    for srv, thread in servers:
        srv.should_exit = True
        thread.join(30)


def _post(url: str, body: bytes, timeout: float = 120) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=body, headers={"content-type": "text/plain"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _wait(predicate, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


PASTE = "Storm hits the coast\n\nMay 2, 2024\n\n\u201cIt was loud,\u201d the mayor said. The port closed.\n"


def test_a_paste_flood_is_queued_then_refused_and_reading_never_waits(live):
    app, base = live(paste=True, timeout=120, paste_workers=1, paste_queue=44)
    assert _post(base + "/api/analyze", PASTE.encode())[0] == 200  # starts the worker's child process
    pool = app.state.paste_pool
    child = pool._analysers[0]._proc
    os.kill(child.pid, signal.SIGSTOP)  # a runaway analysis: the one worker is stuck
    results: list = []
    try:
        threads = [threading.Thread(target=lambda: results.append(_post(base + "/api/analyze", PASTE.encode())))
                   for _ in range(45)]
        for t in threads:
            t.start()
        _wait(lambda: pool.pending == 45)
        status, headers, body = _post(base + "/api/analyze", PASTE.encode(), timeout=10)
        assert status == 503 and int(headers["retry-after"]) >= 1 and b"busy" in body
        status, headers, body = _post(base + "/paste", b"kind=text&content=x", timeout=10)
        assert status == 503 and "retry-after" in {k.lower() for k in headers}
        for path in ("/api/store", "/articles", "/api/search?q=levy", "/outlets", "/paste"):
            with urllib.request.urlopen(base + path, timeout=10) as r:  # answered while 45 pastes wait
                assert r.status == 200, path
        assert pool.pending == 45
    finally:
        os.kill(child.pid, signal.SIGCONT)
    for t in threads:
        t.join(300)
    assert [r[0] for r in results] == [200] * 45
    assert pool.pending == 0


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the paste process through /proc")
def test_unspun_serve_stops_while_a_paste_is_stuck(db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "unspun", "serve", "--db", db[0], "--port", str(port),
                             "--timeout", "300"], stderr=subprocess.DEVNULL)
    stuck = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = _post(base + "/api/analyze", PASTE.encode())[0]
                break
            except OSError:
                assert time.monotonic() < deadline, "unspun serve did not start"
                time.sleep(0.2)
        assert status == 200
        for child in _children(proc.pid):
            with open(f"/proc/{child}/cmdline", "rb") as f:
                if b"multiprocessing" in f.read():
                    os.kill(child, signal.SIGSTOP)
                    stuck.append(child)
        assert stuck, "no paste process found"
        threading.Thread(target=_post, args=(base + "/api/analyze", PASTE.encode()), daemon=True).start()
        threading.Thread(target=_post, args=(base + "/api/analyze", PASTE.encode()), daemon=True).start()
        time.sleep(1)
        proc.terminate()
        proc.wait(60)  # raises when the server hangs on the stuck paste
    finally:
        for child in stuck:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()

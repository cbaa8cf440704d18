"""The web reader in headless Chromium (Selenium): highlights render and toggle, a story page shows
an added clause, an XSS payload in an article stays inert text, and the paste form posts from its
own page but not from another site's.

Skips when Chromium or its driver is missing (Debian: ``apt-get install chromium chromium-driver``).
"""

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time

import pytest

from test_web import XSS_BODY, XSS_TITLE, build_store

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(f"headless browser tests need {CHROMIUM} and {CHROMEDRIVER} "
                "(apt-get install chromium chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install 'unspun[test]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(app, port: int):
    """``app`` served by uvicorn on 127.0.0.1:``port`` in a thread, until the block ends."""
    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield
    finally:
        srv.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from unspun.web.app import create_app

    db = tmp_path_factory.mktemp("browser") / "news.db"
    data = build_store(db)
    port = _free_port()
    with _serving(create_app(str(db), paste=False), port):
        yield f"http://127.0.0.1:{port}", data


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="unspun-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _background(driver, element) -> str:
    return driver.execute_script("return getComputedStyle(arguments[0]).backgroundColor", element)


TRANSPARENT = ("rgba(0, 0, 0, 0)", "transparent")


def test_highlights_render_and_toggle(server, browser):
    from selenium.webdriver.common.by import By

    base, data = server
    browser.get(f"{base}/articles/{data['a'].id}")
    own = browser.find_element(By.CSS_SELECTOR, ".text .m-own")
    assert "shameless" in browser.find_element(By.CSS_SELECTOR, ".text .m-technique").text
    assert _background(browser, own) not in TRANSPARENT
    assert "subjectivity 0.90" in own.get_attribute("title")  # the hover note
    legend = browser.find_element(By.CSS_SELECTOR, ".legend")
    assert "Voice" in legend.text and "Techniques" in legend.text
    voice = browser.find_element(By.CSS_SELECTOR, "label[for$='-tg-voice']")
    voice.click()
    assert _background(browser, own) in TRANSPARENT  # voice highlights off
    assert not browser.find_element(By.CSS_SELECTOR, "input.tg-voice").is_selected()
    voice.click()
    assert _background(browser, own) not in TRANSPARENT  # and on again
    rows = browser.find_elements(By.CSS_SELECTOR, "table.quotes tbody tr")
    assert len(rows) == 1 and "Ann Lee" in rows[0].text


def test_story_page_shows_the_added_clause(server, browser):
    from selenium.webdriver.common.by import By

    base, data = server
    browser.get(f"{base}/stories/{data['story']['id']}")
    added = browser.find_elements(By.CSS_SELECTOR, ".version .s-added")
    assert [el.text for el in added] == [data["added"]]
    assert added[0].is_displayed() and _background(browser, added[0]) not in TRANSPARENT
    versions = browser.find_elements(By.CSS_SELECTOR, ".versions .version")
    assert len(versions) == 2
    # side by side: the two versions start at the same height
    assert versions[0].location["y"] == versions[1].location["y"]
    browser.find_element(By.CSS_SELECTOR, "label[for='tg-added']").click()
    assert _background(browser, added[0]) in TRANSPARENT


def test_xss_payload_in_an_article_is_inert(server, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    base, data = server
    for path in (f"/articles/{data['x'].id}", "/articles", "/outlets", "/search?q=mayor"):
        browser.get(base + path)
        time.sleep(0.2)  # give a broken image's onerror the chance to fire
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text
        assert browser.execute_script("return window.__xss === undefined"), path
        assert browser.find_elements(By.CSS_SELECTOR, "main img") == [], path
    browser.get(f"{base}/articles/{data['x'].id}")
    text = browser.find_element(By.CSS_SELECTOR, ".text").text
    assert XSS_BODY in text and XSS_TITLE in text  # shown literally
    assert not browser.find_elements(By.CSS_SELECTOR, "main script, main b[onmouseover]")


@pytest.fixture(scope="module")
def paste_servers(tmp_path_factory):
    """The app with its paste page, and a hostile page of another origin whose form posts to it."""
    import http.server

    from unspun.web.app import create_app

    tmp = tmp_path_factory.mktemp("paste")
    build_store(tmp / "news.db")
    port, evil_port = _free_port(), _free_port()
    (tmp / "evil.html").write_text(
        f'<!DOCTYPE html><body onload="document.forms[0].submit()"><form method="post" '
        f'action="http://127.0.0.1:{port}/paste"><input name="kind" value="text">'
        f'<textarea name="content">Owned\n\nThe attacker said so.</textarea></form>', encoding="utf-8")
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp), **kw)  # noqa: E731
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", evil_port), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    with _serving(create_app(str(tmp / "news.db"), paste=True, timeout=120), port):
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{evil_port}/evil.html"
    evil.shutdown()


def test_the_paste_form_posts_from_its_own_page_but_not_from_another_site(paste_servers, browser):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, evil = paste_servers
    browser.get(f"{base}/paste")
    browser.find_element(By.ID, "content").send_keys("Storm hits the coast\n\nThe port closed, officials said.")
    browser.find_element(By.CSS_SELECTOR, "form.paste button[type=submit]").click()

    def result(d):  # the page is replaced while this polls: a stale or missing element means not yet
        if "not stored" not in d.page_source and 'class="error"' not in d.page_source:
            return False
        return d.find_element(By.TAG_NAME, "main").text

    moving = (StaleElementReferenceException, NoSuchElementException)
    main = WebDriverWait(browser, 120, ignored_exceptions=moving).until(result)
    assert "not stored" in main and "The port closed, officials said." in main, main[:300]
    browser.get(evil)  # submits its form to the paste page at once
    WebDriverWait(browser, 30, ignored_exceptions=moving).until(lambda d: "refused" in d.page_source)
    assert "Owned" not in browser.find_element(By.TAG_NAME, "body").text

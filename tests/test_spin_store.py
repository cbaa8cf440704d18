"""The spin summary beyond the reports: `analyze --format spin`, the store's `spin` tables (filled
on insert and replace, and by the migration of an older store), the outlets API, CSV and page."""

import csv
import io
import json
import sqlite3
import subprocess
import sys

import pytest
from starlette.testclient import TestClient

from unspun.article import Article
from unspun.render import spin
from unspun.store import LATEST, Store, producer_key
from unspun.store.migrations import migrate
from unspun.store.tables import outlet_stats

BASE = "http://127.0.0.1"
EVIL = "<b onmouseover=alert(1)>Spin & Co</b>"

OWN = "Reckless officials wasted millions on a useless bridge."
ATTRIBUTED = "The council said the bridge, though it was a disaster, cost less than planned."
QUOTE = "\u201cIt is a triumph,\u201d said Mayor Jo Park."
LATER = "Residents of the northern district will pay the new levy from March and the fees will rise each year after that."


def marked_article(outlet: str = "Harbour Post", *, keep_doubt: bool = True, tail: str = "") -> Article:
    """Counted by hand (words as the report counts them, curly quotes and commas are no words):
    own 8 + aside 5 + 21 = 34 words, marks Name_Calling + Loaded_Language x2 + Doubt = 4;
    attributed 14 - 5 (the aside) = 9 words, 1 mark; quote 8 words, 1 mark; 51 words, 6 marks.
    The headline's mark is outside every sentence and does not count."""
    title = "Harbour row"
    text = f"{title}\n\n{OWN} {ATTRIBUTED} {QUOTE}\n\n{LATER}\n{tail}"
    a = Article(text=text, source={"path": "post/row.txt", "url": None, "format": "text", "record": None})
    a.meta.update(title=title, outlet=outlet, date="2025-05-02", language="en")

    def at(words: str) -> tuple[int, int]:
        i = text.index(words)
        return i, i + len(words)

    a.add("title", *at(title))
    a.add("technique", *at("row"), "Loaded_Language", score=0.6)
    a.add("sentence", *at(OWN), "own")
    a.add("sentence", *at(ATTRIBUTED), "attributed")
    a.add("aside", *at("though it was a disaster"), "own")
    a.add("sentence", *at(QUOTE), "quote")
    a.add("sentence", *at(LATER), "own")
    a.add("technique", *at("Reckless officials"), "Name_Calling,Labeling", score=0.9)
    a.add("technique", *at("useless"), "Loaded_Language", score=0.8)
    a.add("technique", *at("disaster"), "Loaded_Language", score=0.7)
    a.add("technique", *at("cost less"), "Exaggeration,Minimisation", score=0.6)
    a.add("technique", *at("triumph"), "Loaded_Language", score=0.9)
    if keep_doubt:
        a.add("technique", *at("will rise"), "Doubt", score=0.5)
    a.sort_spans()
    return a


def test_figures_of_a_small_article_counted_by_hand():
    a = marked_article()
    d = spin(a).to_dict()
    assert (d["words"], d["marks"], d["per_1000"]) == (51, 6, round(6000 / 51, 4))
    assert d["by_voice"] == {"own": {"words": 34, "marks": 4, "per_1000": round(4000 / 34, 4)},
                             "attributed": {"words": 9, "marks": 1, "per_1000": 111.1111},
                             "quote": {"words": 8, "marks": 1, "per_1000": 125.0}}
    assert d["by_technique"] == {
        "Loaded_Language": {"marks": 3, "per_1000": 58.8235, "by_voice": {"quote": 1, "own": 2}},
        "Name_Calling,Labeling": {"marks": 1, "per_1000": 19.6078, "by_voice": {"own": 1}},
        "Exaggeration,Minimisation": {"marks": 1, "per_1000": 19.6078, "by_voice": {"attributed": 1}},
        "Doubt": {"marks": 1, "per_1000": 19.6078, "by_voice": {"own": 1}},
    }
    body = a.text.index(OWN)
    # paragraph 2 (5 marks in 30 words) beats paragraph 3 (1 in 21); the headline is too short
    assert {k: v for k, v in d["densest"].items() if k != "excerpt"} == {
        "start": body, "end": a.text.index(QUOTE) + len(QUOTE), "number": 2, "marks": 5, "words": 30}
    assert spin(Article(text="No sentences here.")) is None


def _rows(store: Store) -> tuple[list, list]:
    return (store.conn.execute("SELECT words, marks, own_words, own_marks, attributed_words, attributed_marks, "
                               "quote_words, quote_marks, densest_number, densest_marks, densest_words "
                               "FROM spin").fetchall(),
            store.conn.execute("SELECT technique, voice, marks FROM spin_techniques "
                               "ORDER BY technique, voice").fetchall())


EXPECTED_SPIN = [(51, 6, 34, 4, 9, 1, 8, 1, 2, 5, 30)]
EXPECTED_TECHNIQUES = [("Doubt", "own", 1), ("Exaggeration,Minimisation", "attributed", 1),
                       ("Loaded_Language", "own", 2), ("Loaded_Language", "quote", 1),
                       ("Name_Calling,Labeling", "own", 1)]


def test_store_fills_the_figures_on_insert_and_replace(tmp_path):
    a = marked_article()
    with Store(tmp_path / "news.db") as store:
        with store.transaction():
            store.add(a)
            store.add(Article(text="Just a headline"))  # no sentence: no spin row
        assert _rows(store) == (EXPECTED_SPIN, EXPECTED_TECHNIQUES)
        assert store.article_json(a.id) == a.to_json()  # the model is not touched
        with store.transaction():
            store.replace(marked_article(keep_doubt=False))
        spin_rows, techniques = _rows(store)
        assert spin_rows == [(51, 5, 34, 3, 9, 1, 8, 1, 2, 5, 30)]
        assert ("Doubt", "own", 1) not in techniques and len(techniques) == 4


def test_an_old_store_migrates_and_gets_the_figures(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=5) == 5
    a, bare = marked_article(), Article(text="Only words, no spans.")
    for article in (a, bare):
        conn.execute("INSERT INTO articles (id, json, title, outlet, words, producer, analysed_at) "
                     "VALUES (?, ?, ?, ?, 51, ?, ?)", (article.id, article.to_json(), article.meta.get("title"),
                                                       article.meta.get("outlet"), producer_key(article.producer),
                                                       "2025-01-01T00:00:00Z"))
        conn.execute("INSERT INTO occurrences (article_id, path, outlet, seen_at) VALUES (?, 'x', ?, '2025-01-01')",
                     (article.id, article.meta.get("outlet")))
    generation = conn.execute("SELECT value FROM store_info WHERE key = 'generation'").fetchone()[0]
    conn.close()
    with Store(path) as store:
        assert store.schema_version == LATEST == 6
        assert _rows(store) == (EXPECTED_SPIN, EXPECTED_TECHNIQUES)
        assert store.generation > generation  # cached per-outlet figures are recomputed
        stats = {r["outlet"]: r for r in outlet_stats(store)}
        assert stats["Harbour Post"]["spin_own_per_1k_words"] == round(4000 / 34, 4)
        assert stats[None]["spin_words"] == 0 and stats[None]["spin_per_1k_words"] is None


def _site_store(path) -> None:
    with Store(path) as store, store.transaction():
        store.add(marked_article(EVIL))
        store.add(marked_article("Harbour Post", keep_doubt=False, tail="\n"))  # another id, one mark less


def test_outlets_api_csv_export_and_page_carry_the_figures(tmp_path):
    from unspun.web.app import create_app

    db = tmp_path / "news.db"
    _site_store(db)
    with TestClient(create_app(str(db), paste=False), base_url=BASE) as client:
        stats = {r["outlet"]: r for r in client.get("/api/outlets").json()["outlets"]}
        assert (stats[EVIL]["spin_words"], stats[EVIL]["spin_marks"]) == (51, 6)
        assert stats[EVIL]["spin_per_1k_words"] == 117.6471 and stats[EVIL]["spin_quote_per_1k_words"] == 125.0
        assert stats["Harbour Post"]["spin_own_per_1k_words"] == round(3000 / 34, 4)
        assert stats["Harbour Post"]["spin_attributed_per_1k_words"] == 111.1111
        rows = {r["outlet"]: r for r in csv.DictReader(io.StringIO(client.get("/outlets.csv").text))}
        assert rows["Harbour Post"]["spin_per_1k_words"] == str(round(5000 / 51, 4))
        assert rows["Harbour Post"]["spin_own_per_1k_words"] == "88.2353"
        html = client.get("/outlets").text
    for chart in ("chart-spin", "chart-spin-own", "chart-spin-attributed", "chart-spin-quote"):
        assert f'id="{chart}"' in html, chart
    assert "<b onmouseover" not in html and "&lt;b onmouseover=alert(1)&gt;Spin &amp; Co&lt;/b&gt;" in html
    assert ">117.65</text>" in html and ">88.24</text>" in html  # bar values, overall and own voice
    assert "<td class=\"num\">111.11</td>" in html

    proc = subprocess.run([sys.executable, "-m", "unspun", "export", "--db", str(db), "--table", "spin",
                           "--format", "jsonl"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    exported = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["outlet"], r["marks"], r["own_marks"], r["quote_per_1k_words"], r["densest_paragraph"])
            for r in exported] == [(EVIL, 6, 4, 125.0, 2), ("Harbour Post", 5, 3, 125.0, 2)]


@pytest.fixture
def article_file(tmp_path):
    path = tmp_path / "council.txt"
    path.write_text("Council approves levy\n\nThe council approved a levy on Tuesday, officials said. "
                    "\u201cThis is fair,\u201d said Mayor Ann Lee. Critics call the plan a cash grab.\n",
                    encoding="utf-8")
    return path


def test_analyze_format_spin_is_derived_from_the_jsonl_model(article_file):
    def run(fmt: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "unspun", "analyze", str(article_file), "--no-models",
                               "--format", fmt], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    model_line, = run("jsonl").splitlines()
    spin_line, = run("spin").splitlines()
    article, summary = Article.from_json(model_line), json.loads(spin_line)
    assert "spin" not in json.loads(model_line)  # the model stays as it was
    assert summary == {"id": article.id, "source": article.source, "outlet": article.meta.get("outlet"),
                       "title": "Council approves levy", "spin": spin(article).to_dict()}
    assert summary["spin"]["words"] == 23 and summary["spin"]["marks"] == 0  # no models, no marks

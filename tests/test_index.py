"""`unspun index` and `unspun export`: the command-line entry point, in-process (so the spaCy model
loads once per test session) and, for the SIGKILL test and bad database files, in a subprocess."""

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from unspun.article import text_id

ARTICLE = ("{title}\n\nMarch {day}, 2025\n\nThe harbour board met on Tuesday to discuss item {n}, officials said. "
           "\u201cWe will decide soon,\u201d said board chair Ruth Okafor. The delay is a disgrace.\n")


def unspun(*args, timeout=600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture
def cli(capsys):
    """Run ``unspun ARGS...`` in this process; return ``(exit code, stdout, stderr)``."""
    from unspun.cli import main

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def article_text(n: int) -> str:
    return ARTICLE.format(title=f"Harbour board report number {n}", day=1 + n % 27, n=n)


def db_rows(db, sql, params=()):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def corpus(tmp_path):
    """Three text files (two with identical text), and a JSONL file with one broken line."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(article_text(1), encoding="utf-8")
    (folder / "b.txt").write_text(article_text(2), encoding="utf-8")
    (folder / "copy-of-a.txt").write_text(article_text(1), encoding="utf-8")
    lines = [json.dumps({"text": article_text(3), "title": "Record three", "outlet": "Portmere Daily",
                         "url": "https://daily.example/3"}),
             "{this is not json",
             json.dumps({"text": article_text(1), "outlet": "Portmere Daily", "url": "https://daily.example/1"})]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_index_stores_good_records_quarantines_bad_and_rerun_adds_nothing(corpus, tmp_path, cli):
    db = tmp_path / "news.db"
    code, _, err = cli("index", corpus, "--db", db, "-j", "1")
    assert code == 2, err
    bad = [line for line in err.splitlines() if "feed.jsonl:2" in line]
    assert len(bad) == 1, err
    ids = {row[0] for row in db_rows(db, "SELECT id FROM articles")}
    assert ids == {text_id(article_text(1)), text_id(article_text(2)), text_id(article_text(3))}
    # the text of a.txt was seen three times: a.txt, copy-of-a.txt and the JSONL record
    occ = db_rows(db, "SELECT path, record, url, outlet FROM occurrences WHERE article_id = ?",
                  (text_id(article_text(1)),))
    assert len(occ) == 3
    assert ("Portmere Daily", "https://daily.example/1") in {(o[3], o[2]) for o in occ}
    quarantine = db_rows(db, "SELECT location, reason FROM quarantine")
    assert [q[0] for q in quarantine] == [str(corpus / "feed.jsonl") + ":2"]

    before = db_rows(db, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM occurrences), "
                         "(SELECT count(*) FROM spans), (SELECT count(*) FROM articles_fts)")
    code, _, err = cli("index", corpus, "--db", db, "-j", "1")
    assert code == 2  # the broken line is still broken, and still reported
    assert "0 new articles, 0 new occurrences" in err and "5 already stored" in err
    after = db_rows(db, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM occurrences), "
                        "(SELECT count(*) FROM spans), (SELECT count(*) FROM articles_fts)")
    assert after == before


def test_stored_json_is_what_analyze_prints(tmp_path, cli):
    path = tmp_path / "one.txt"
    path.write_text(article_text(7), encoding="utf-8")
    db = tmp_path / "one.db"
    assert cli("index", path, "--db", db)[0] == 0
    code, printed, _ = cli("analyze", path, "--format", "jsonl")
    assert code == 0
    assert db_rows(db, "SELECT json FROM articles")[0][0] == printed.strip()


def test_sigkill_part_way_then_rerun_stores_every_article_exactly_once(tmp_path, cli):
    n = 400
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"text": article_text(i), "outlet": f"Outlet {i % 5}"}) + "\n"
                            for i in range(n)), encoding="utf-8")
    db = tmp_path / "crash.db"
    proc = subprocess.Popen([sys.executable, "-m", "unspun", "index", str(feed), "--db", str(db),
                             "--batch", "10", "-j", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    stored = db_rows(db, "SELECT count(*) FROM articles")[0][0]
                except sqlite3.OperationalError:
                    stored = 0
            if stored >= 30:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    killed_at = db_rows(db, "SELECT count(*) FROM articles")[0][0]
    assert 0 < killed_at < n, f"the kill should land part-way (stored {killed_at} of {n})"

    code, _, err = cli("index", feed, "--db", db, "-j", "2")
    assert code == 0, err
    assert f"{n - killed_at:,} new articles" in err and f"{killed_at:,} already stored" in err
    assert db_rows(db, "PRAGMA integrity_check") == [("ok",)]
    ids = [row[0] for row in db_rows(db, "SELECT id FROM articles")]
    assert sorted(ids) == sorted(text_id(article_text(i)) for i in range(n))
    assert db_rows(db, "SELECT count(*), count(DISTINCT article_id) FROM occurrences") == [(n, n)]
    assert db_rows(db, "SELECT count(*) FROM articles_fts")[0][0] == n


def _warc(path, pages: list[tuple[str, str]]) -> list[int]:
    """Write HTML response records; return each record's start offset."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    offsets = []
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=False)
        for url, html in pages:
            offsets.append(f.tell())
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode("utf-8")),
                                               http_headers=headers)
            writer.write_record(record)
    return offsets


def _page(n: int) -> str:
    paragraphs = "".join(f"<p>{s}</p>" for s in article_text(n).split("\n\n")[2:])
    return (f"<html><head><title>Harbour report {n}</title></head><body><article><h1>Harbour report {n}</h1>"
            f"{paragraphs}<p>The board will meet again next month to vote on the proposal in full.</p>"
            f"</article></body></html>")


def test_warc_with_truncated_record_keeps_the_good_ones(tmp_path, cli):
    warc = tmp_path / "crawl.warc"
    offsets = _warc(warc, [(f"https://gazette.example/{i}", _page(i)) for i in range(3)])
    data = warc.read_bytes()
    cut = offsets[2] + (len(data) - offsets[2]) // 2
    warc.write_bytes(data[:cut])
    db = tmp_path / "warc.db"
    code, _, err = cli("index", warc, "--db", db, "-j", "1")
    assert code == 2, err
    bad = [line for line in err.splitlines() if line.startswith(str(warc))]
    assert len(bad) == 1, err
    urls = sorted(row[0] for row in db_rows(db, "SELECT url FROM occurrences"))
    assert urls == ["https://gazette.example/0", "https://gazette.example/1"]
    assert db_rows(db, "SELECT count(*) FROM quarantine")[0][0] == 1


@pytest.mark.parametrize("kind", ["corrupt", "foreign", "unwritable"])
def test_bad_database_paths_give_one_line_and_exit_2(tmp_path, kind):
    src = tmp_path / "a.txt"
    src.write_text(article_text(1), encoding="utf-8")
    if kind == "corrupt":
        db = tmp_path / "corrupt.db"
        db.write_bytes(os.urandom(8192))
    elif kind == "foreign":
        db = tmp_path / "foreign.db"
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    else:
        db = "/proc/unspun-index-test.db"
    for command in (["index", src, "--db", db], ["export", "--db", db], ["serve", "--db", db, "--port", "1"]):
        proc = unspun(*command)
        assert proc.returncode == 2, (command, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(str(db)), (command, proc.stderr)


def test_progress_bar_shows_rate_and_eta(tmp_path, cli):
    folder = tmp_path / "c"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(article_text(i), encoding="utf-8")
    code, _, err = cli("index", folder, "--db", tmp_path / "p.db", "--progress")
    assert code == 0, err
    assert "indexing" in err and "3/3" in err and "ETA" in err
    code, _, err = cli("index", folder, "--db", tmp_path / "q.db")
    assert "ETA" not in err  # not a terminal, no --progress: no bar


def test_reanalyze_refreshes_articles_from_an_older_producer(tmp_path, cli):
    folder = tmp_path / "c"
    folder.mkdir()
    for i in range(2):
        (folder / f"{i}.txt").write_text(article_text(i), encoding="utf-8")
    db = tmp_path / "r.db"
    assert cli("index", folder, "--db", db)[0] == 0
    current = db_rows(db, "SELECT json FROM articles ORDER BY rowid")
    conn = sqlite3.connect(db)
    old = json.loads(current[0][0])
    old["producer"] = {"version": "0.0.1", "models": {}}
    conn.execute("UPDATE articles SET json = ?, producer = ? WHERE rowid = 1",
                 (json.dumps(old, ensure_ascii=False), json.dumps(old["producer"], sort_keys=True)))
    conn.commit()
    conn.close()
    code, _, err = cli("index", "--reanalyze", "--db", db)
    assert code == 0, err
    assert "1 re-analysed" in err
    assert db_rows(db, "SELECT json FROM articles ORDER BY rowid") == current
    assert db_rows(db, "SELECT count(*) FROM occurrences")[0][0] == 2
    assert "re-analysed" not in cli("index", "--reanalyze", "--db", db)[2]  # nothing left to refresh


def test_reanalyze_keeps_the_outlet_given_on_the_command_line(tmp_path, cli):
    path = tmp_path / "a.txt"
    path.write_text(article_text(5), encoding="utf-8")
    db = tmp_path / "o.db"
    assert cli("index", path, "--db", db, "--outlet", "Harbour Weekly")[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE articles SET producer = '{}'")
    conn.commit()
    conn.close()
    code, _, err = cli("index", "--reanalyze", "--db", db)
    assert code == 0 and "1 re-analysed" in err, err
    stored = json.loads(db_rows(db, "SELECT json FROM articles")[0][0])
    assert stored["meta"]["outlet"] == "Harbour Weekly"


def test_export_formats(tmp_path, corpus, cli):
    db = tmp_path / "e.db"
    cli("index", corpus, "--db", db, "-j", "1")
    code, out, err = cli("export", "--db", db, "--format", "jsonl")
    assert code == 0, err
    stored = [row[0] for row in db_rows(db, "SELECT json FROM articles ORDER BY rowid")]
    assert out.splitlines() == stored
    code, out, err = cli("export", "--db", db, "--table", "spans", "-o", tmp_path / "spans.csv")
    assert code == 0, err
    header = (tmp_path / "spans.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "article_id,start,end,layer,label,text,attrs"
    code, out, err = cli("export", "--db", db, "--table", "outlets", "--format", "jsonl")
    assert "Portmere Daily" in {json.loads(line)["outlet"] for line in out.splitlines()}
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow not installed (pip install 'unspun[parquet]')")
    out = tmp_path / "articles.parquet"
    code, _, err = cli("export", "--db", db, "--format", "parquet", "-o", out)
    assert code == 0, err
    tbl = pq.read_table(out)
    assert sorted(tbl.column("id").to_pylist()) == sorted(json.loads(s)["id"] for s in stored)
    assert str(tbl.schema.field("words").type) == "int64"


STRIKE = ("Port workers end strike after pay deal\n\nMarch 5, 2025\n\n"
          "Dock workers in Portmere ended a nine-day strike on Wednesday after the harbour authority agreed to a "
          "pay rise of six percent. The union said its members would return to work on Thursday morning. "
          "Ships that had queued off the coast for more than a week began moving into the harbour late on "
          "Wednesday. The harbour authority said the deal would cost about four million pounds a year. "
          "\u201cThis is a fair settlement for everyone,\u201d union leader Mary Colm told reporters outside the "
          "port office. Exporters had warned that the strike was costing the regional economy millions every day.\n")
CLIMBDOWN = ", in a humiliating climbdown for the authority,"


def test_index_groups_stories_and_stores_the_comparison(tmp_path, cli):
    pytest.importorskip("unspun.stories.group", reason="the stories stage is not in this unspun")
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "plain.txt").write_text(STRIKE, encoding="utf-8")
    spun = STRIKE.replace(" on Wednesday after", " on Wednesday" + CLIMBDOWN + " after", 1)
    (folder / "spun.txt").write_text(spun, encoding="utf-8")
    (folder / "other.txt").write_text(article_text(4), encoding="utf-8")
    db = tmp_path / "s.db"
    code, _, err = cli("index", folder, "--db", db)
    assert code == 0, err
    assert "stories: 1 with more than one member" in err
    stories = db_rows(db, "SELECT id, kind, size, comparison FROM stories")
    assert [(s[1], s[2]) for s in stories] == [("copy", 2)]
    assert stories[0][0] == min(text_id(STRIKE), text_id(spun))
    comparison = json.loads(stories[0][3])
    added = [spun[s["start"]:s["end"]] for v in comparison["versions"] for s in v["segments"] if s["label"] == "added"]
    assert added and all(part.strip(" ,") in CLIMBDOWN for part in added)
    assert "humiliating climbdown" in " ".join(added)

"""Batches that a record cannot crash, hang or stall: unpaired surrogates, killed workers, the
per-article time budget, reruns of HTML/WARC crawls, stories regrouped after an interrupted
run, a full stdout, and two ``index`` runs on one store at once.

Workers are killed for real (SIGKILL by pid, found in /proc); slow records are real analyses
of long texts, stopped by the real budget."""

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from unspun.batch import Failed, analyze_stream
from unspun.read import BadInput, Document

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and fork")

SMALL = "The harbour board met on Tuesday to discuss the levy, officials said. \u201cWe will decide soon,\u201d said Ruth Okafor."


def body(n: int, words: int = 1) -> str:
    """An article of about ``words`` sentences (40 KB: about a second of analysis without models)."""
    return " ".join(f"Officials said harbour {n} reopened on day {k} after talks with the unions." for k in range(words))


def doc(text: str, n: int) -> Document:
    return Document(text=text, source={"path": f"doc{n}.txt", "url": None, "format": "text", "record": None})


def unspun(*args, timeout=300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kw)


def rows(db, sql):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.update(int(x) for x in f.read().split())
        except FileNotFoundError:
            pass
    return out


@pytest.fixture
def watchdog():
    """Fail (instead of hanging the suite) when a batch does not finish in ``seconds``."""
    def expire(*_):
        raise TimeoutError("the batch hung")

    old = signal.signal(signal.SIGALRM, expire)
    yield lambda seconds: signal.alarm(seconds)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# -- 1. unpaired surrogates ------------------------------------------------------------------------

def write_surrogate_corpus(tmp_path):
    lines = [json.dumps({"id": "good-1", "title": "Levy", "text": SMALL}),
             json.dumps({"id": "bad-title", "title": "Storm \udfff hits", "text": body(2, 3)}),
             json.dumps({"id": "bad-text", "text": "The storm \ud800 hit the coast, officials said."}),
             json.dumps({"id": "bad-outlet", "outlet": "\udc00Gazette", "text": body(4, 3)}),
             json.dumps({"id": "good-5", "text": body(5, 3)})]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "\\udfff" in path.read_text(encoding="utf-8")  # written as JSON escapes, as a crawler would
    return path


def test_unpaired_surrogates_are_quarantined_and_good_records_kept(tmp_path):
    path = write_surrogate_corpus(tmp_path)
    db = tmp_path / "news.db"
    for _ in range(2):  # the rerun behaves the same: nothing crashes, nothing is added twice
        r = unspun("index", path, "--db", db, "--no-models", "-j", "1")
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr
        assert sorted(i for (i,) in rows(db, "SELECT id FROM articles")) == ["good-1", "good-5"]
        bad = dict(rows(db, "SELECT location, reason FROM quarantine"))
        assert sorted(bad) == [f"{path}:2", f"{path}:3", f"{path}:4"]
        assert "U+DFFF" in bad[f"{path}:2"] and '"title"' in bad[f"{path}:2"]
        for line in r.stderr.splitlines():
            if "unpaired surrogate" in line:
                assert line.startswith(str(path) + ":")

    r = unspun("analyze", path, "--no-models", "--format", "jsonl", "-j", "1")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert [json.loads(line)["id"] for line in r.stdout.splitlines()] == ["good-1", "good-5"]
    assert r.stderr.count("unpaired surrogate") == 3

    r = unspun("stories", path, "--no-embeddings", "--format", "json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    members = [m["id"] for s in json.loads(r.stdout)["stories"] for m in s["members"]]
    assert sorted(members) == ["good-1", "good-5"]


def test_a_document_with_a_surrogate_is_bad_input_through_the_api():
    items = [doc(SMALL, 1), Document(text="Storm \udfff hits the coast.", source={"path": "x.txt"}, meta={}),
             Document(text=SMALL, source={"path": "y.txt"}, meta={"title": "T\ud800"})]
    results = list(analyze_stream(items, jobs=1, models=False))
    assert results[0].id and isinstance(results[1], BadInput) and isinstance(results[2], BadInput)
    assert '"text"' in results[1].reason and '"title"' in results[2].reason


def test_a_file_name_that_is_not_utf8_is_indexed_with_its_bytes_escaped(tmp_path):
    folder = tmp_path / "crawl"
    folder.mkdir()
    try:
        with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "w", encoding="utf-8") as f:
            f.write("Levy approved\n\n" + SMALL + "\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    db = tmp_path / "news.db"
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1")
    assert r.returncode == 0, r.stderr
    assert rows(db, "SELECT path FROM occurrences") == [(f"{folder}/caf\\xe9.txt",)]
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1")
    assert r.returncode == 0 and "1 already stored" in r.stderr, r.stderr


# -- 3. a worker killed ----------------------------------------------------------------------------

def test_killed_workers_quarantine_the_records_they_held_and_the_batch_goes_on(watchdog):
    """Both workers are SIGKILLed while they hold a record: those records come back as
    ``worker died``, fresh workers analyse the rest, every result in input order."""
    items = [doc(SMALL, 0)] + [doc(body(n, 500), n) for n in range(1, 7)]
    watchdog(300)
    before = children(os.getpid())
    stream = analyze_stream(items, jobs=2, models=False, timeout=600)
    first = next(stream)  # record 0 is done; the workers now hold records 1 and 2 (a second each)
    workers = children(os.getpid()) - before
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    results = [first, *stream]
    assert [r.source["path"] if not isinstance(r, (Failed, BadInput)) else r.where for r in results] == \
        [f"doc{n}.txt" for n in range(7)]
    died = [r for r in results if isinstance(r, Failed)]
    assert 1 <= len(died) <= 2
    assert all(r.label == "worker died" and "SIGKILL" in r.reason for r in died)
    assert {r.where for r in died} <= {"doc1.txt", "doc2.txt", "doc3.txt"}
    assert sum(1 for r in results if not isinstance(r, (Failed, BadInput))) == 7 - len(died)
    assert not (children(os.getpid()) - before)  # the fresh workers are gone too


def test_index_goes_on_when_its_workers_are_killed(tmp_path):
    path = tmp_path / "records.jsonl"
    texts = [SMALL] + [body(n, 300) for n in range(1, 17)]  # a chunk's worth: analysed in workers
    path.write_text("".join(json.dumps({"id": f"r{n}", "text": t}) + "\n" for n, t in enumerate(texts)))
    db = tmp_path / "news.db"
    proc = subprocess.Popen([sys.executable, "-m", "unspun", "index", path, "--db", db, "--no-models", "-j", "2",
                             "--no-stories", "--timeout-per-article", "0"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # each holds a record from the start (no budget: no warm-up)
    for pid in children(proc.pid):
        os.kill(pid, signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("index hung after its workers were killed")
    assert proc.returncode == 1, err
    died = rows(db, "SELECT location, reason, kind FROM quarantine")
    assert 1 <= len(died) <= 2
    assert all(kind == "error" and reason.startswith("worker died: killed by SIGKILL") for _, reason, kind in died)
    assert all(f"{location}: worker died" in err for location, _, _ in died)
    assert len(rows(db, "SELECT id FROM articles")) == 17 - len(died)
    r = unspun("index", path, "--db", db, "--no-models", "-j", "1", "--no-stories")  # a rerun completes it
    assert r.returncode == 0, r.stderr
    assert len(rows(db, "SELECT id FROM articles")) == 17


# -- 4. the time budget per article ----------------------------------------------------------------

def test_an_article_over_its_time_budget_is_skipped_and_the_batch_goes_on(watchdog):
    slow = body(1, 4000)  # about ten seconds of analysis
    watchdog(120)
    started = time.monotonic()
    results = list(analyze_stream([doc(SMALL, 0), doc(slow, 1), doc(SMALL + " More.", 2)],
                                  jobs=1, models=False, timeout=1.5))
    assert isinstance(results[1], BadInput) and results[1].where == "doc1.txt"
    assert "over 1.5 s" in results[1].reason and "--timeout-per-article" in results[1].reason
    assert [r.source["path"] for r in (results[0], results[2])] == ["doc0.txt", "doc2.txt"]
    assert time.monotonic() - started < 60  # not waiting for the slow analysis to end


def test_index_and_analyze_take_the_budget(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n"
                            for i, t in (("a", SMALL), ("slow", body(1, 4000)), ("c", SMALL + " Later."))))
    db = tmp_path / "news.db"
    r = unspun("index", path, "--db", db, "--no-models", "-j", "1", "--timeout-per-article", "1.5", "--no-stories")
    assert r.returncode == 2, r.stderr
    assert f"{path}:2: analysis took over 1.5 s" in r.stderr
    assert rows(db, "SELECT location, kind FROM quarantine") == [(f"{path}:2", "bad")]
    assert sorted(i for (i,) in rows(db, "SELECT id FROM articles")) == ["a", "c"]
    r = unspun("analyze", path, "--no-models", "--format", "jsonl", "--timeout-per-article", "1.5")
    assert r.returncode == 2 and [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["a", "c"]
    for command in ("index", "analyze"):
        r = unspun(command, path, *(("--db", db) if command == "index" else ()), "--timeout-per-article", "-1")
        assert r.returncode == 2 and "--timeout-per-article must be" in r.stderr


# -- 9. HTML and WARC reruns -----------------------------------------------------------------------

PAGE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        "<p>The harbour reopened on Monday after a two-week strike, officials said.</p>"
        "<p>\u201cWe are back to work,\u201d the harbour master said on {day} morning.</p>"
        "<p>Dock workers voted to accept a new pay offer late on Sunday night.</p></article></body></html>")


def test_a_rerun_of_an_unchanged_crawl_analyses_nothing(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "page.html").write_text(PAGE.format(title="Harbour reopens", day="Monday"), encoding="utf-8")
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    for n, (title, day) in enumerate((("Ferry resumes", "Tuesday"), ("Rail strike ends", "Friday"))):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        payload = io.BytesIO(PAGE.format(title=title, day=day).encode("utf-8"))
        writer.write_record(writer.create_warc_record(f"https://ledger.example/{n}", "response", payload=payload,
                                                      http_headers=headers))
    (folder / "crawl.warc").write_bytes(buf.getvalue())
    db = tmp_path / "news.db"
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1", "--no-stories")
    assert r.returncode == 0 and "3 new articles" in r.stderr, r.stderr
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1", "--no-stories")
    assert r.returncode == 0, r.stderr
    assert "0 new articles, 0 new occurrences of stored articles, 3 already stored" in r.stderr
    assert len(rows(db, "SELECT * FROM occurrences")) == 3
    (folder / "page.html").write_text(PAGE.format(title="Harbour reopens", day="Wednesday"), encoding="utf-8")
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1", "--no-stories")
    assert "1 new articles, 0 new occurrences of stored articles, 2 already stored" in r.stderr, r.stderr


# -- 14. stories, full stdout, two index runs at once ----------------------------------------------

def test_stories_left_out_of_date_are_regrouped_on_the_next_run(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = "Levy approved\n\n" + body(1, 12) + "\n"
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(text.replace("day 3 ", "day three "), encoding="utf-8")
    db = tmp_path / "news.db"
    # Articles stored, stories not: the state a kill during grouping leaves.
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1", "--no-stories")
    assert r.returncode == 0 and rows(db, "SELECT count(*) FROM stories") == [(0,)]
    assert rows(db, "SELECT value FROM store_info WHERE key = 'stories_dirty'") == [(1,)]
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1", "--no-embeddings")
    assert r.returncode == 0 and "2 already stored" in r.stderr and "grouping" in r.stderr, r.stderr
    assert rows(db, "SELECT count(*) FROM stories") == [(1,)]
    assert rows(db, "SELECT value FROM store_info WHERE key = 'stories_dirty'") == [(0,)]
    r = unspun("index", folder, "--db", db, "--no-models", "-j", "1", "--no-embeddings")
    assert r.returncode == 0 and "grouping" not in r.stderr  # up to date: nothing to redo


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["analyze", "stories", "stories-db", "compare"])
def test_a_full_stdout_is_named(tmp_path, command):
    (tmp_path / "a.txt").write_text("Levy approved\n\n" + SMALL + "\n", encoding="utf-8")
    if command == "stories-db":
        db = tmp_path / "news.db"
        assert unspun("index", tmp_path / "a.txt", "--db", db, "--no-models", "--no-stories").returncode == 0
        args = ["stories", "--db", db, "--no-embeddings"]
    elif command == "compare":
        (tmp_path / "b.txt").write_text("Levy passed\n\n" + SMALL + "\n", encoding="utf-8")
        args = ["compare", tmp_path / "a.txt", tmp_path / "b.txt"]
    else:
        args = [command, tmp_path / "a.txt", *(["--no-models"] if command == "analyze" else ["--no-embeddings"])]
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "unspun", *map(str, args)], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=300)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == "<stdout>: cannot write: No space left on device"


def test_a_second_index_writes_while_the_first_is_analysing(tmp_path):
    """The first run analyses one long record (a minute or more, no budget); a second run on the
    same store must finish meanwhile: the first holds no write transaction while it analyses."""
    db = tmp_path / "news.db"
    long = tmp_path / "long.jsonl"
    long.write_text(json.dumps({"id": "long", "text": body(1, 8000)}) + "\n")  # 600 KB
    (tmp_path / "short.txt").write_text("Levy approved\n\n" + SMALL + "\n", encoding="utf-8")
    first = subprocess.Popen([sys.executable, "-m", "unspun", "index", str(long), "--db", str(db),
                              "--no-models", "-j", "1", "--timeout-per-article", "0", "--no-stories"],
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not db.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(3)  # reading, then analysing in this process (-j 1, no budget)
        second = unspun("index", tmp_path / "short.txt", "--db", db, "--no-models", "-j", "1", "--no-stories",
                        timeout=200)
        running = first.poll() is None
        assert second.returncode == 0, second.stderr
        assert "1 new articles" in second.stderr
        assert running, "the long record finished first: the test proves nothing"
    finally:
        first.kill()
        first.communicate()


def test_an_article_of_many_spans_comes_back_from_a_worker_whole(monkeypatch, watchdog):
    """A worker sends a long article's spans in parts (no pickle of every span at once): the
    parent gets exactly the article this process makes, and the records after it in order."""
    import unspun.batch as batch

    monkeypatch.setattr(batch, "SPANS_PER_MESSAGE", 7)  # the forked workers inherit it
    items = [doc(body(1, 40), 1), doc(SMALL, 2), doc(body(3, 3), 3)]
    here = [batch.analyze_one(item, None, None, False) for item in items]
    assert len(here[0].spans) > 3 * 7 and len(here[0].spans) % 7  # several parts, the last one short
    watchdog(300)
    there = list(analyze_stream(items, jobs=2, models=False, timeout=600))
    assert [a.to_json() for a in there] == [a.to_json() for a in here]


def test_a_part_that_cannot_be_sent_fails_its_record_only():
    """``_send``/``_receive`` over a real pipe: a part whose pickling fails becomes the record's
    reason, the rest of its parts are still read, and the next message is the next record's."""
    import multiprocessing as mp

    import unspun.batch as batch
    from unspun.article import Article

    a = Article.from_text("One. Two. Three. Four.")
    for i in range(12):
        a.add("sentence", i, i + 1, "own")
    a.spans[5].attrs["bad"] = lambda: None  # cannot be pickled
    parent, child = mp.Pipe()
    old, batch.SPANS_PER_MESSAGE = batch.SPANS_PER_MESSAGE, 4
    try:
        batch._send(child, 0, a)
        batch._send(child, 1, Failed("x", "y"))
        seq, result = batch._receive(parent, doc("x", 0))
        assert seq == 0 and isinstance(result, Failed) and "result not sent" in result.reason
        assert batch._receive(parent, doc("x", 1)) == (1, Failed("x", "y"))
    finally:
        batch.SPANS_PER_MESSAGE = old
        parent.close()
        child.close()

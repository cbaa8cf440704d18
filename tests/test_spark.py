"""`unspun index --engine spark` and `unspun import`: real PySpark in local mode, real Parquet, a real store.

Parity is the point: on a few hundred generated articles the Spark job writes the same article
JSON, the same bad records and the same stories as the single-machine code. One SparkSession
(local[2], no UI, 4 shuffle partitions) serves the whole test session.
"""

import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys

import pytest

for _module in ("pyspark", "pyarrow", "pandas"):
    pytest.importorskip(_module, reason=f"{_module} is not installed (pip install 'unspun[spark]')")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Java is not installed (PySpark needs Java 17+)", allow_module_level=True)

import pyarrow.parquet as pq  # noqa: E402

from unspun.article import text_id  # noqa: E402
from unspun.batch import analyze_stream  # noqa: E402
from unspun.read import BadInput, read_inputs  # noqa: E402
from unspun.stories.group import Settings, Stats, group  # noqa: E402
from unspun.stories.settle import EmbeddingSettle  # noqa: E402

# -- a generated corpus: stories in several versions, independent reports of the same events,
#    singletons; written here, deterministic by seed --------------------------------------------

FIRST = ["Helena", "Tomas", "Amira", "Jonas", "Ruth", "Pavel", "Ines", "Kofi", "Marta", "Yusuf", "Lena", "Dmitri",
         "Sofia", "Emeka", "Clara", "Rafael", "Noor", "Anders", "Leila", "Viktor"]
LAST = ["Varga", "Okafor", "Haddad", "Lindqvist", "Moreau", "Novak", "Castell", "Mensah", "Brandt", "Kaya",
        "Oduya", "Ferreira", "Ivanova", "Takeda", "Quintero", "Halloran", "Rasmussen", "Abara", "Petrov", "Duval"]
PLACES = ["Portmere", "Eastwick", "Calder Bay", "Northholm", "Ravensford", "Lowmarsh", "Kestrel Point", "Dunmore",
          "Ashcombe", "Brightwater", "Fenwick", "Marlow Cross", "Stonebridge", "Westerly", "Glenharrow"]
TOPICS = [("strike", "dockworkers", "wages"), ("flood", "river", "embankment"), ("election", "ballots", "turnout"),
          ("budget", "hospitals", "taxes"), ("fire", "warehouse", "firefighters"), ("bridge", "engineers", "cracks"),
          ("protest", "students", "tuition"), ("drought", "farmers", "reservoirs"), ("merger", "shareholders", "bank"),
          ("outbreak", "clinics", "vaccines"), ("trial", "jurors", "verdict"), ("storm", "coastline", "shelters")]
FILLER = ("council regional weekend morning evening plan report figures months years district market schools roads "
          "transport families business owners committee minister agency funding emergency support inquiry contract "
          "workers union talks deal proposal review measures concerns safety costs prices record level number share "
          "decision statement court appeal vote members board harbour railway airport centre village county capital "
          "province coast island valley border region bakery ferry tunnel library museum stadium factory mill quarry "
          "orchard vineyard pasture meadow glacier canyon lagoon estuary marsh forest prairie desert plateau summit "
          "lantern compass ledger anchor beacon cargo freight tanker barge trawler convoy shuttle tram lorry bicycle "
          "pension salary mortgage tariff subsidy levy rebate dividend invoice audit budget deficit surplus loan bond "
          "senate cabinet tribunal ombudsman mayor governor sheriff coroner auditor envoy consul delegate registrar "
          "cathedral chapel mosque temple synagogue monastery abbey shrine parish diocese clinic hospital pharmacy "
          "ambulance vaccine surgeon nurse midwife therapist dentist paramedic volunteer charity foundation trust "
          "fishermen farmers miners builders teachers drivers pilots sailors bakers tailors printers weavers potters "
          "copper timber cotton wheat barley maize coffee cocoa rubber steel cement gravel granite marble limestone "
          "flooding landslide blizzard heatwave wildfire earthquake tremor cyclone drizzle thunder hail frost fog "
          "archive manuscript census survey ballot petition referendum manifesto charter treaty accord covenant "
          "festival carnival parade concert exhibition auction tournament regatta marathon derby fair pageant "
          "software network satellite antenna circuit battery turbine reactor pipeline refinery warehouse depot "
          "hearing verdict sentence parole bail warrant subpoena testimony affidavit lawsuit settlement injunction").split()


def _w(rng, n):
    return " ".join(rng.choice(FILLER) for _ in range(n))


SYNONYMS = {"said": "stated", "warned": "cautioned", "promised": "pledged", "residents": "locals",
            "officials": "authorities", "began": "started", "meeting": "session"}
ASIDES = ["a disgrace years in the making", "proof of the government's neglect", "as critics had long predicted",
          "another blow to a weary town"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]


def _event(rng):
    return {"who": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "other": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "place": rng.choice(PLACES), "topic": rng.choice(TOPICS), "day": rng.randint(1, 28),
            "month": rng.choice(MONTHS)}


def _sentences(ev, rng, n):
    """``n`` sentences about event ``ev``, their wording drawn from ``rng``."""
    t, who, other, place = ev["topic"], ev["who"], ev["other"], ev["place"]
    w = lambda n: _w(rng, n)  # noqa: E731
    shapes = [
        f"The {t[0]} in {place} {w(5)} as {t[1]} {w(3)}.",
        f"\u201c{w(6).capitalize()} {t[2]},\u201d said {who}.",
        f"{other} warned that the {w(6)} could {w(2)} {t[0]}.",
        f"Officials said the {w(5)} {t[2]} {w(3)}.",
        f"According to the {w(2)} agency, {t[1]} in {place} {w(5)} on {ev['month']} {ev['day']}.",
        f"{who.split()[1]} promised {w(6)} for {t[1]}.",
        f"The {w(4)} is a reckless stunt that hurts {w(3)}.",
        f"Residents of {place} told reporters that {w(6)}.",
    ]
    rng.shuffle(shapes)
    return [shapes[i % len(shapes)] for i in range(n)]


def _article(ev, sentences, outlet, title=None):
    title = title or f"{ev['topic'][0].capitalize()} in {ev['place']}: {ev['who']} {ev['topic'][2]} row"
    paras = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
    return (f"{title}\n\n{ev['month']} {ev['day']}, 2025\n\n" + "\n\n".join(paras)
            + f"\n\n\u00a9 2025 {outlet}. All rights reserved.\n")


def _version(sentences, rng):
    kept = [s for s in sentences if rng.random() > 0.2] or sentences[:2]
    out = []
    for s in kept:
        for old, new in SYNONYMS.items():
            if rng.random() < 0.5:
                s = s.replace(f" {old} ", f" {new} ")
        out.append(s)
    if rng.random() < 0.5:
        k = rng.randrange(len(out))
        out[k] = out[k].rstrip(".") + f" \u2013 {rng.choice(ASIDES)}."
    return out


def corpus(n_docs: int, seed: int, sentences: int = 6) -> list[dict]:
    """Records ``{"text", "outlet"}``: about a third versions of stories (2-5 each), some
    independent reports of a story's event, the rest singletons; shuffled."""
    rng = random.Random(seed)
    outlets = [f"The {p} {k}" for p in PLACES[:8] for k in ("Ledger", "Herald", "Courier")]
    out: list[dict] = []
    while len(out) < n_docs:
        ev = _event(rng)
        base = _sentences(ev, rng, sentences)
        if rng.random() < 0.35:
            for _ in range(rng.randint(2, 5)):
                outlet = rng.choice(outlets)
                out.append({"text": _article(ev, _version(base, rng), outlet), "outlet": outlet})
            if rng.random() < 0.5:  # an independent report of the same event
                outlet = rng.choice(outlets)
                out.append({"text": _article(ev, _sentences(ev, random.Random(rng.random()), sentences), outlet,
                                             title=f"{ev['place']} {ev['topic'][1]} and the {ev['topic'][0]}"),
                            "outlet": outlet})
        else:
            outlet = rng.choice(outlets)
            out.append({"text": _article(ev, base, outlet), "outlet": outlet})
    rng.shuffle(out)
    return out[:n_docs]


PAGE = ("<html><head><title>{title}</title><meta property='og:site_name' content='The Calder Courier'></head>"
        "<body><nav>Home | News</nav><article><h1>{title}</h1><p>{p1}</p><p>{p2}</p></article>"
        "<footer>Share this article</footer></body></html>")


def _warc(path, records):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for url, html in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                      http_headers=headers))
    path.write_bytes(buf.getvalue())


def write_inputs(folder, n_text=40, n_jsonl=80, seed=7):
    """A folder of text files, a JSONL file with two broken lines, a gzipped WARC, an empty file."""
    folder.mkdir()
    docs = corpus(n_text + n_jsonl, seed, sentences=4)
    texts = folder / "texts"
    texts.mkdir()
    for i, d in enumerate(docs[:n_text]):
        (texts / f"a{i:03d}.txt").write_text(d["text"], encoding="utf-8")
    (texts / "empty.txt").write_text("", encoding="utf-8")
    lines = [json.dumps({"text": d["text"], "outlet": d["outlet"], "title": d["text"].split("\n")[0]})
             for d in docs[n_text:]]
    lines.insert(5, "{not json")
    lines.insert(30, json.dumps({"title": "no text or html"}))
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rng = random.Random(seed)
    records = []
    for k in range(3):
        ev = _event(rng)
        s = _sentences(ev, rng, 4)
        records.append((f"https://calder.example/news/{k}",
                        PAGE.format(title=f"{ev['place']} {ev['topic'][0]} update", p1=" ".join(s[:2]), p2=" ".join(s[2:]))))
    _warc(folder / "crawl.warc.gz", records)
    return [str(texts), str(folder / "feed.jsonl"), str(folder / "crawl.warc.gz")]


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark():
    from unspun.engines.spark import session

    spark, created = session("local[2]", partitions=4, app="unspun-tests")
    yield spark
    if created:
        spark.stop()


@pytest.fixture(scope="module")
def indexed(spark, tmp_path_factory):
    """The inputs, the single-machine results on them, and the Spark job's output folder."""
    from unspun.engines.spark import run_index

    root = tmp_path_factory.mktemp("spark")
    paths = write_inputs(root / "in")
    single = list(analyze_stream(read_inputs(paths), jobs=1))
    out = str(root / "out")
    lines: list[str] = []
    counts = run_index(spark, paths, out, max_bytes=10_000_000, partitions=6, report=lines.append)
    return {"paths": paths, "single": single, "out": out, "counts": counts, "lines": lines, "root": root}


def _table(folder):
    """The rows of one part of a Spark output (``DIR/articles``...): its committed runs only."""
    from unspun.engines.spark_io import committed_runs

    folder = str(folder)
    return [row for path in committed_runs(os.path.dirname(folder), os.path.basename(folder))
            for row in pq.read_table(path).to_pylist()]


# -- parity -----------------------------------------------------------------------------------


def test_articles_are_byte_identical_to_single_machine(indexed):
    articles = [r for r in indexed["single"] if not isinstance(r, BadInput)]
    rows = sorted(_table(os.path.join(indexed["out"], "articles")), key=lambda r: r["seq"])
    assert len(rows) == len(articles) >= 120
    assert [r["json"] for r in rows] == [a.to_json() for a in articles]
    assert {a.source["format"] for a in articles} == {"text", "jsonl", "warc"}
    for row, a in zip(rows, articles):
        assert (row["id"], row["outlet"], row["title"], row["date"], row["path"], row["record"]) == (
            a.id, a.meta["outlet"], a.meta["title"], a.meta["date"], a.source["path"], a.source["record"])
        assert row["n_quote"] == len(a.layer("quote")) and row["n_sentence"] == len(a.layer("sentence"))
        assert json.loads(row["source"]) == a.source
    assert sum(r["n_quote"] for r in rows) > 50 and sum(r["n_technique"] for r in rows) > 0


def test_bad_records_go_to_the_side_output(indexed):
    bad = [r for r in indexed["single"] if isinstance(r, BadInput)]
    rows = sorted(_table(os.path.join(indexed["out"], "errors")), key=lambda r: r["seq"])
    assert [(r["where"], r["reason"], r["kind"]) for r in rows] == [(b.where, b.reason, "bad") for b in bad]
    wheres = [r["where"] for r in rows]
    assert any(w.endswith("feed.jsonl:6") for w in wheres) and any(w.endswith("empty.txt") for w in wheres)
    assert len(rows) == 3 and indexed["counts"]["bad"] == 3
    assert all("\n" not in r["reason"] for r in rows)
    assert [line for line in indexed["lines"] if not line.startswith("...")] == [f"{b.where}: {b.reason}" for b in bad]


def test_stories_match_single_machine_grouping(indexed):
    articles = [r for r in indexed["single"] if not isinstance(r, BadInput)]
    expected = group([(a.id, a.source, a.text) for a in articles], settle=EmbeddingSettle())  # as `unspun stories`
    rows = sorted(_table(os.path.join(indexed["out"], "stories")), key=lambda r: r["rank"])
    assert {"stories": [json.loads(r["json"]) for r in rows]} == expected
    assert [(r["id"], r["kind"], r["size"]) for r in rows] == [(s["id"], s["kind"], len(s["members"]))
                                                               for s in expected["stories"]]
    several = [s for s in expected["stories"] if s["kind"] == "copy" and len(s["members"]) > 1]
    assert len(several) >= 5
    assert indexed["counts"]["stories"] == sum(len(s["members"]) > 1 for s in expected["stories"])


def test_story_stages_match_group_on_a_larger_corpus(spark):
    """Stories only (no analysis) over 400 generated texts, cut into uneven partitions."""
    from unspun.engines.spark_stories import group_spark

    docs = [(text_id(d["text"]), {"path": "gen.jsonl", "record": i + 1}, d["text"])
            for i, d in enumerate(corpus(400, seed=11))]
    local = Stats()
    expected = group(docs, settle=EmbeddingSettle(), stats=local)
    rows = [(i * 7 + 3, d[0], json.dumps(d[1]), d[2]) for i, d in enumerate(docs)]
    frame = spark.createDataFrame(rows, "seq long, id string, source string, text string").repartition(5)
    stats = Stats()
    got = group_spark(spark, frame, settle=EmbeddingSettle(), stats=stats)
    assert got == expected
    assert stats.grey_asked == local.grey_asked > 0 and stats.settled == local.settled  # the embedding step ran
    kinds = [s["kind"] for s in got["stories"]]
    assert kinds.count("event") >= 1 and sum(len(s["members"]) > 1 for s in got["stories"] if s["kind"] == "copy") >= 20
    assert stats.docs == 400 and stats.verified == local.verified > 0 and stats.candidates >= stats.aligned
    # copies only, and other settings, still agree
    settings = Settings(bands=32, rows=4, min_agreement=0.1)
    assert group_spark(spark, frame, settings, events=False) == group(docs, settings, events=False)


def test_stories_grown_batch_by_batch_equal_a_grouping_from_scratch(spark):
    """400 texts grouped in three batches, each against what the earlier grouping stored, with
    thresholds the batches cross (buckets outgrow ``max_bucket``, sentences become too common):
    after each batch the stories are those of ``group`` over every text so far."""
    from unspun.engines.spark_stories import Prior, featurize, group_features

    settings = Settings(max_bucket=6, common_df=4)
    docs = [(text_id(d["text"]), {"path": "gen.jsonl", "record": i + 1}, d["text"])
            for i, d in enumerate(corpus(400, seed=11))]
    rows = [(i * 7 + 3, d[0], json.dumps(d[1]), d[2]) for i, d in enumerate(docs)]
    frame = spark.createDataFrame(rows, "seq long, id string, source string, text string").repartition(5)
    prior, dropped, reverified, held = None, 0, 0, []
    for lo, hi in ((0, 200), (200, 330), (330, 400)):
        batch = frame.where(f"seq >= {lo * 7 + 3} and seq < {hi * 7 + 3}")
        features = featurize(batch, settings).persist()
        if prior is not None:
            features = prior.features.unionByName(features).persist()
        held.append(features)
        stats = Stats()
        got, grown = group_features(spark, features, frame.where(f"seq < {hi * 7 + 3}"), settings,
                                    settle=EmbeddingSettle(), stats=stats, prior=prior)
        local = Stats()
        assert got == group(docs[:hi], settings, settle=EmbeddingSettle(), stats=local)
        assert stats.verified == local.verified and stats.grey_asked == local.grey_asked
        dropped, reverified = dropped + grown.dropped, reverified + grown.reverified
        prior = Prior(features, grown.verdicts, grown.decisions)
    assert dropped > 0 and reverified > 0  # both thresholds were crossed
    assert any(s["kind"] == "event" for s in got["stories"])
    prior.verdicts.unpersist()
    for features in held:
        features.unpersist()


def test_resume_groups_added_articles_against_the_stored_stories(spark, indexed, tmp_path):
    """A resumed job groups only its new articles against the state the first job stored, and
    its stories equal a grouping of the whole output from scratch (and ``unspun stories`` on
    the same articles in the same order); a file read again after it changed regroups all."""
    from unspun.engines.spark import run_index

    shutil.copytree(indexed["root"] / "in", tmp_path / "in")  # one file changes below
    texts, feed, warc = (str(tmp_path / "in" / os.path.basename(p)) for p in indexed["paths"])
    out = tmp_path / "out"
    lines: list[str] = []
    run_index(spark, [texts, warc], str(out), max_bytes=10_000_000, partitions=4, report=lines.append)
    assert not [line for line in lines if line.startswith("stories:")]  # a first grouping says nothing
    lines.clear()
    again = run_index(spark, [texts, feed, warc], str(out), max_bytes=10_000_000, partitions=4, mode="resume",
                      report=lines.append)
    assert again["skipped"] == 42  # the text files (the empty one is a bad record) and the WARC
    assert [line.split(" (")[0] for line in lines if line.startswith("stories:")] == [
        f"stories: {again['articles']} added articles grouped against 43 already grouped"]
    stories = sorted(_table(out / "stories"), key=lambda r: r["rank"])
    scratch = tmp_path / "scratch"
    shutil.copytree(out, scratch)
    shutil.rmtree(scratch / "stories")
    shutil.rmtree(scratch / "storystate")
    lines.clear()
    run_index(spark, [texts, feed, warc], str(scratch), max_bytes=10_000_000, partitions=4, mode="resume",
              report=lines.append)
    assert not [line for line in lines if line.startswith("stories:")]
    assert sorted(_table(scratch / "stories"), key=lambda r: r["rank"]) == stories
    articles = sorted(_table(out / "articles"), key=lambda r: r["seq"])
    expected = group([(a["id"], json.loads(a["source"]), json.loads(a["json"])["text"]) for a in articles],
                     settle=EmbeddingSettle())
    assert {"stories": [json.loads(r["json"]) for r in stories]} == expected
    assert sum(len(s["members"]) > 1 for s in expected["stories"]) == again["stories"] >= 5
    assert len(os.listdir(out / "storystate" / "pairs")) == 1  # the state of the last grouping only
    assert sorted(os.listdir(out / "storystate" / "features")) == ["run=0", "run=1"]
    # a text file that changed is read again, its old article dropped: the stories are regrouped
    changed = os.path.join(texts, "a000.txt")
    with open(changed, "a", encoding="utf-8") as f:
        f.write("\nA line added later.\n")
    lines.clear()
    run_index(spark, [texts, feed, warc], str(out), max_bytes=10_000_000, partitions=4, mode="resume",
              report=lines.append)
    assert any("grouped from scratch (a file grouped before was read again after it changed)" in line
               for line in lines)
    assert sorted(os.listdir(out / "storystate" / "features")) == ["run=2"]


def test_models_load_once_per_python_worker(spark):
    """Eight partitions on two task slots: each worker process loads spaCy and the ONNX model once."""
    from unspun.read import Document

    texts = [d["text"] for d in corpus(16, seed=3, sentences=3)]

    def analyse(part):
        from unspun.batch import analyze_one
        from unspun.models.techniques import load_model
        from unspun.stages.parsing import _nlp

        n = 0
        for text in part:
            doc = Document(text=text, source={"path": None, "url": None, "format": "text", "record": None})
            n += len(analyze_one(doc, None).spans)
        yield os.getpid(), _nlp.cache_info().misses, load_model.cache_info().misses, n

    got = spark.sparkContext.parallelize(texts, 8).mapPartitions(analyse).collect()
    assert len(got) == 8 and all(n > 0 for *_, n in got)
    pids = {pid for pid, *_ in got}
    assert len(pids) < len(got)  # partitions shared worker processes
    assert all(nlp == 1 and model == 1 for _, nlp, model, _ in got)


# -- inputs as Hadoop URIs ------------------------------------------------------------------------


def _unscheme(text, root):
    return text.replace(f"file://{root}", str(root))


def test_file_uris_and_globs_give_the_plain_path_output(spark, indexed, tmp_path):
    """The same inputs as ``file://`` URIs (a folder, a glob, a file), listed by Spark's file
    index and read through its binaryFile source: the same articles, bad records and stories
    as the plain paths, with ``source.path`` naming the URI."""
    from unspun.engines.spark import run_index
    from unspun.engines.spark_io import list_inputs
    from unspun.read import input_files

    root = indexed["root"] / "in"
    uris = [f"file://{root}/texts", f"file://{root}/fe?d.json*", f"file://{root}/crawl.warc.gz"]
    listed = list_inputs(spark, uris)
    assert all(f.hadoop and f.path.startswith("file:///") for f in listed)
    assert [f.path for f in listed] == [f"file://{p}" for p in input_files(indexed["paths"])]
    out = tmp_path / "out"
    lines: list[str] = []
    counts = run_index(spark, uris, f"file://{out}", max_bytes=10_000_000, partitions=5, report=lines.append)
    assert counts == indexed["counts"]
    for part in ("articles", "errors", "stories"):
        key = "rank" if part == "stories" else "seq"
        want = sorted(_table(os.path.join(indexed["out"], part)), key=lambda r: r[key])
        got = sorted(_table(out / part), key=lambda r: r[key])
        assert len(got) == len(want) > 0
        for g, w in zip(got, want):
            assert {k: _unscheme(v, root) if isinstance(v, str) else v for k, v in g.items()} == w
    assert [_unscheme(line, root) for line in lines] == indexed["lines"]
    assert any(json.loads(r["source"])["path"].startswith("file:///") for r in _table(out / "articles"))


def test_uri_inputs_that_cannot_be_read(spark, tmp_path):
    from unspun.engines.spark import EngineError, run_index

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(corpus(1, seed=4, sentences=3)[0]["text"], encoding="utf-8")
    (folder / "big.txt").write_text("word " * 400, encoding="utf-8")
    (folder / "_hidden.txt").write_text("not read", encoding="utf-8")
    (folder / "notes.md").write_text("not read", encoding="utf-8")
    lines: list[str] = []
    counts = run_index(spark, [f"file://{folder}", f"file://{tmp_path}/missing", f"file://{tmp_path}/none*.txt"],
                       str(tmp_path / "out"), max_bytes=1000, stories=False, report=lines.append)
    assert counts["articles"] == 1 and counts["bad"] == 3
    assert lines == [f"file://{folder}/big.txt: 2.0 KB is over the 1.0 KB limit for one article; split it or "
                     "raise --max-bytes", f"file://{tmp_path}/missing: no such file or directory",
                     f"file://{tmp_path}/none*.txt: no file matches"]
    with pytest.raises(EngineError, match="^nosuch://x/y: cannot list .*connector"):
        run_index(spark, ["nosuch://x/y"], str(tmp_path / "out2"), max_bytes=1000, report=lines.append)


# -- resume ---------------------------------------------------------------------------------------


def test_resume_after_a_partial_run_redoes_only_the_missing_files(spark, indexed, tmp_path):
    """Committed in runs of ~20 KB of input; the last two runs lose their ``_SUCCESS`` and the
    stories are gone (a kill while writing). ``--resume`` redoes those runs' files only, and
    the output is the one full run's: the same articles (same ``seq``), bad records and stories."""
    from unspun.engines.spark import run_index

    out = tmp_path / "out"
    first = run_index(spark, indexed["paths"], str(out), max_bytes=10_000_000, partitions=4, commit_bytes=6_000,
                      stories=False, report=lambda line: None)
    runs = sorted(os.listdir(out / "articles"), key=lambda name: int(name.split("=")[1]))
    assert first["runs"] == len(runs) >= 4 and not (out / "stories").exists()
    for name in runs[-2:]:
        os.remove(out / "articles" / name / "_SUCCESS")
    kept = {name: sorted(os.listdir(out / "articles" / name)) for name in runs[:-2]}
    lost = [r for name in runs[-2:] for r in pq.read_table(out / "files" / name).to_pylist()]
    done = [r for name in runs[:-2] for r in pq.read_table(out / "files" / name).to_pylist()]
    lines: list[str] = []
    again = run_index(spark, indexed["paths"], str(out), max_bytes=10_000_000, partitions=4, mode="resume",
                      report=lines.append)
    assert again["skipped"] == len(done) and again["runs"] == 1
    redone = pq.read_table(out / "files" / f"run={len(runs)}").to_pylist()
    assert [(r["file"], r["path"]) for r in redone] == [(r["file"], r["path"]) for r in lost]
    assert sorted(os.listdir(out / "articles")) == sorted([*runs[:-2], f"run={len(runs)}"])
    assert {name: sorted(os.listdir(out / "articles" / name)) for name in runs[:-2]} == kept
    for part, key in (("articles", "seq"), ("errors", "seq"), ("stories", "rank")):
        assert sorted(_table(out / part), key=lambda r: r[key]) == sorted(
            _table(os.path.join(indexed["out"], part)), key=lambda r: r[key])
    assert again["articles"] + sum(1 for r in _table(out / "articles") if r["seq"] >> 32 in
                                   {d["file"] for d in done}) == indexed["counts"]["articles"]
    # a resume with nothing left to do writes nothing and keeps the stories
    before = sorted(os.listdir(out / "stories"))
    third = run_index(spark, indexed["paths"], str(out), max_bytes=10_000_000, mode="resume", report=lines.append)
    assert third["runs"] == 0 and third["articles"] == 0 and third["stories"] == indexed["counts"]["stories"]
    assert sorted(os.listdir(out / "stories")) == before


def test_import_of_a_resumed_output_equals_the_full_run_and_is_idempotent(indexed, tmp_path, capsys):
    """``unspun import`` reads committed runs only: an uncommitted run left in the folder adds nothing."""
    from unspun.cli import main

    out = tmp_path / "out"
    shutil.copytree(indexed["out"], out)
    stray = out / "articles" / "run=7"
    shutil.copytree(out / "articles" / "run=0", stray)
    os.remove(stray / "_SUCCESS")  # an uncommitted run: its rows are not read
    full, resumed = tmp_path / "full.db", tmp_path / "resumed.db"
    assert main(["import", indexed["out"], "--db", str(full)]) == 0
    assert main(["import", str(out), "--db", str(resumed)]) == 0
    assert main(["import", str(out), "--db", str(resumed)]) == 0
    assert store_counts(resumed) == store_counts(full)
    capsys.readouterr()


# -- import -----------------------------------------------------------------------------------


def test_import_loads_articles_errors_and_stories_into_the_store(indexed, tmp_path, capsys):
    from unspun.cli import main
    from unspun.store import Store

    db = tmp_path / "news.db"
    assert main(["import", indexed["out"], "--db", str(db)]) == 0
    rows = _table(os.path.join(indexed["out"], "articles"))
    stories = [json.loads(r["json"]) for r in _table(os.path.join(indexed["out"], "stories"))]
    with Store(db, readonly=True) as store:
        assert store.count("articles") == len({r["id"] for r in rows})
        assert store.count("occurrences") == len(rows)
        for r in rows:
            assert store.article_json(r["id"]) == r["json"]
        assert sorted(q["location"] for q in store.quarantined()) == sorted(
            r["where"] for r in _table(os.path.join(indexed["out"], "errors")))
        several = [s for s in stories if len(s["members"]) > 1]
        assert store.count("stories") == len(several) > 0
        copy = next(s for s in several if s["kind"] == "copy")
        kept = store.story(copy["id"])
        assert kept["story"] == copy and kept["comparison"] is not None
        jsonl = next(r for r in rows if r["format"] == "jsonl")
        assert store.hints(jsonl["id"]).get("outlet") == jsonl["outlet"]
    counts = store_counts(db)
    capsys.readouterr()
    assert main(["import", indexed["out"], "--db", str(db)]) == 0  # rerun adds nothing twice
    assert store_counts(db) == counts
    assert f"0 new articles, 0 new occurrences, {len(rows)} already stored" in capsys.readouterr().err


def store_counts(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "occurrences", "spans", "quarantine", "stories", "story_members")]
    finally:
        conn.close()


def test_import_refuses_a_folder_that_is_not_spark_output(tmp_path, capsys):
    from unspun.cli import main

    assert main(["import", str(tmp_path), "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{tmp_path}: not the output of `unspun index --engine spark` (no articles/ folder in it)"
    assert not (tmp_path / "x.db").exists()


# -- the command line -------------------------------------------------------------------------


def test_cli_index_engine_spark(spark, tmp_path, capsys):
    """In-process (the session fixture's SparkSession is the active one and stays open)."""
    from unspun.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    docs = corpus(6, seed=5, sentences=3)
    for i, d in enumerate(docs):
        (folder / f"n{i}.txt").write_text(d["text"], encoding="utf-8")
    (folder / "bad.jsonl").write_text('{"text": "fine text here."}\n[1, 2]\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["index", "--engine", "spark", str(folder), "--output", str(out), "--partitions", "3"])
    err = capsys.readouterr().err
    assert code == 2  # one bad record; every good one written
    assert f"{folder / 'bad.jsonl'}:2: " in err
    assert f"{out}: 7 articles, 1 bad records" in err
    assert len(_table(out / "articles")) == 7 and len(_table(out / "errors")) == 1
    assert spark.sparkContext.parallelize([1, 2]).sum() == 3  # the shared session is still usable
    # the same output folder again: refused in one line, nothing overwritten
    code = main(["index", "--engine", "spark", str(folder), "--output", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == (f"unspun index: error: {out}: already holds unspun output; give --resume to "
                                 "continue it, --overwrite to replace it, or choose another --output")
    # --resume with nothing new: every file skipped, nothing written
    code = main(["index", "--engine", "spark", str(folder), "--output", str(out), "--resume"])
    err = capsys.readouterr().err
    assert code == 0 and f"{out}: 0 articles, 0 bad records" in err and "7 files already done, skipped" in err
    assert sorted(os.listdir(out / "articles")) == ["run=0"]
    # a file that changed is read again; readers keep only its new rows
    old_id = text_id((folder / "n0.txt").read_text(encoding="utf-8"))
    (folder / "n0.txt").write_text(corpus(1, seed=99, sentences=3)[0]["text"], encoding="utf-8")
    code = main(["index", "--engine", "spark", str(folder), "--output", str(out), "--resume"])
    err = capsys.readouterr().err
    assert code == 0 and f"{out}: 1 articles, 0 bad records" in err and "6 files already done, skipped" in err
    db = tmp_path / "n.db"
    assert main(["import", str(out), "--db", str(db)]) == 0
    from unspun.store import Store

    with Store(db, readonly=True) as store:
        assert store.count("articles") == 7 and store.article_json(old_id) is None
    # --overwrite replaces it
    code = main(["index", "--engine", "spark", str(folder), "--output", str(out), "--overwrite", "--no-stories"])
    err = capsys.readouterr().err
    assert code == 2 and f"{out}: 7 articles, 1 bad records" in err
    assert sorted(os.listdir(out)) == ["articles", "errors", "files"]
    assert sorted(os.listdir(out / "articles")) == ["run=0"]


@pytest.mark.parametrize("args,message", [
    (["--engine", "spark", "x.txt"], "--engine spark needs --output DIR"),
    (["--engine", "spark", "-", "--output", "OUT"], "-: Spark executors cannot read standard input; give files or folders"),
    (["--engine", "spark", "x.txt", "--output", "OUT", "--db", "x.db"], "--engine spark writes Parquet to --output DIR"),
    (["x.txt", "--output", "OUT"], "--output, --master, --partitions, --resume and --overwrite go with --engine spark"),
    (["x.txt", "--db", "x.db", "--resume"], "--output, --master, --partitions, --resume and --overwrite go with"),
    (["x.txt"], "give --db FILE (or --engine spark --output DIR)"),
])
def test_cli_usage_errors(spark, tmp_path, capsys, monkeypatch, args, message):
    from unspun.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["index", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "OUT").exists()


def test_without_pyspark_a_one_line_error_and_local_index_works(tmp_path):
    """A Python where pyspark cannot be imported: `--engine spark` says what to install; the
    default engine and `import unspun` never import pyspark."""
    src = tmp_path / "a.txt"
    src.write_text(corpus(1, seed=2, sentences=2)[0]["text"], encoding="utf-8")
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "from unspun.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    spark_run = subprocess.run([sys.executable, "-c", code, "index", "--engine", "spark", str(src), "--output",
                                str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert spark_run.returncode == 2
    assert spark_run.stderr.strip() == ("unspun index: error: --engine spark needs PySpark, pyarrow and pandas: "
                                        "pip install 'unspun[spark]'")
    local = subprocess.run([sys.executable, "-c", code, "index", str(src), "--db", str(tmp_path / "n.db")],
                           capture_output=True, text=True, env=env, timeout=300)
    assert local.returncode == 0, local.stderr
    assert store_counts(tmp_path / "n.db")[0] == 1


def test_read_bytes_gives_what_read_file_gives(tmp_path):
    """What executors parse from bytes (``read.read_bytes``) equals reading the file from disk,
    bad input included: a truncated gzip, an article over the limit, an empty file, a WARC."""
    import gzip

    from unspun.read import read_bytes, read_file

    paths = write_inputs(tmp_path / "in")
    files = [str(p) for p in sorted((tmp_path / "in" / "texts").iterdir())[:3]] + paths[1:]
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"text": "A line of text."}\n' * 50)[:60])
    (tmp_path / "big.txt").write_text("word " * 400, encoding="utf-8")
    (tmp_path / "sniffed").write_text('{"text": "Sniffed as JSONL, not text."}\n', encoding="utf-8")
    files += [str(tmp_path / n) for n in ("cut.jsonl.gz", "big.txt", "sniffed")] + [str(tmp_path / "in/texts/empty.txt")]
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        got, want = list(read_bytes(data, path, 1000)), list(read_file(path, 1000))
        assert [repr(x) for x in got] == [repr(x) for x in want], path
    assert any(isinstance(x, BadInput) for x in read_bytes(b"\x1f\x8b\x08\x00garbage", "x.txt.gz"))


def test_readers_take_committed_runs_only(tmp_path):
    """Without Spark: which run folders `unspun import` reads. A run commits with its articles'
    `_SUCCESS`; its errors count only then; stories only when no article run came after them."""
    from unspun.engines.spark_io import committed_runs

    def run(part, n, ok=True):
        (tmp_path / part / f"run={n}").mkdir(parents=True)
        if ok:
            (tmp_path / part / f"run={n}" / "_SUCCESS").write_text("")

    for part, n, ok in [("articles", 0, True), ("articles", 1, True), ("articles", 2, False), ("stories", 0, True),
                        ("errors", 0, True), ("errors", 2, True), ("files", 1, True)]:
        run(part, n, ok)
    names = lambda part: [os.path.relpath(p, tmp_path) for p in committed_runs(str(tmp_path), part)]  # noqa: E731
    assert names("articles") == ["articles/run=0", "articles/run=1"]
    assert names("errors") == ["errors/run=0"] and names("files") == ["files/run=1"]
    assert names("stories") == []  # grouped before run 1's articles: stale, not read
    run("stories", 1)
    assert names("stories") == ["stories/run=1"]
    flat = tmp_path / "old"
    (flat / "articles").mkdir(parents=True)
    assert committed_runs(str(flat), "articles") == [str(flat / "articles")] and committed_runs(str(flat), "errors") == []

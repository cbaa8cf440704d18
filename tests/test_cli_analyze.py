"""`unspun analyze` as a user runs it: the real console entry point in a subprocess."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest


def unspun(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *args], input=stdin, capture_output=True,
                          cwd=cwd, timeout=300)


def as_json(proc: subprocess.CompletedProcess):
    return json.loads(proc.stdout.decode("utf-8"))


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()


def test_bundled_example_json(example_path):
    proc = unspun("analyze", str(example_path), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    a = as_json(proc)
    text = a["text"]
    assert text == example_path.read_text(encoding="utf-8")
    meta = a["meta"]
    assert meta["title"] == "Mayor vows to break harbour strike as ships queue off Portmere"
    assert meta["date"] == "2025-03-14"
    assert meta["wire"] == ["Reuters"]
    assert meta["outlet"] == "The Portmere Ledger"
    assert meta["language"] == "en"
    spans = a["spans"]

    def layer(name):
        return [s for s in spans if s["layer"] == name]

    nav = [s for s in layer("boilerplate") if text[s["start"]:s["end"]] == "Home | News | Region"]
    assert nav and nav[0]["label"] == "navigation"
    tail = {text[s["start"]:s["end"]]: s["label"] for s in layer("boilerplate")}
    assert tail.get("Share this article") == "share"
    assert tail.get("Related articles") == "related"
    assert tail.get("Leave a Reply") == "comments"
    assert tail.get("© 2025 The Portmere Ledger. All Rights Reserved") == "copyright"
    assert [text[s["start"]:s["end"]] for s in layer("wire")] == ["Reuters contributed to this report."]

    direct = {text[s["start"]:s["end"]]: s["attrs"]["speaker"] for s in layer("quote") if s["label"] == "direct"}
    assert direct["We will not be held hostage by a handful of union bosses who care nothing for this city,"] == "Helena Varga"
    assert direct["Nobody wants to strike,"] == "Tomas Okafor"
    assert direct["But our members cannot feed their families on promises."] == "Tomas Okafor"

    voices = {text[s["start"]:s["end"]][:40]: s["label"] for s in layer("sentence")}
    assert voices["The strike, now in its second week, has "] == "own"
    assert voices["Union leader Tomas Okafor said the worke"] == "attributed"
    assert voices["According to the port authority, losses "] == "attributed"
    # every body sentence gets exactly one voice, and no sentence lies in furniture
    furniture = [(s["start"], s["end"]) for s in spans if s["layer"] in ("title", "dateline", "byline", "wire", "boilerplate")]
    sentences = layer("sentence")
    assert all(not (fs < s["end"] and s["start"] < fe) for s in sentences for fs, fe in furniture)
    starts = [s["start"] for s in sentences]
    assert len(starts) == len(set(starts))


def test_text_report_default(example_path):
    proc = unspun("analyze", str(example_path))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert "Mayor vows to break harbour strike" in out
    assert "Helena Varga" in out and "Tomas Okafor" in out
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_html_report_is_one_escaped_page(example_path, tmp_path):
    evil = tmp_path / "evil.txt"
    evil.write_text("Headline <script>alert(1)</script>\n\nMay 2, 2024\n\n"
                    "The council met on Tuesday. <img src=x onerror=alert(1)> was posted.\n", encoding="utf-8")
    out = tmp_path / "report.html"
    proc = unspun("analyze", str(example_path), str(evil), "--format", "html", "-o", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert page.lower().count("<html") == 1
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_stdin_and_jsonl_output(example_path):
    proc = unspun("analyze", "-", "--format", "jsonl", stdin=example_path.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1
    a = json.loads(lines[0])
    assert a["source"] == {"path": "-", "url": None, "format": "text", "record": None}


def test_same_json_alone_and_in_a_parallel_batch(example_path, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    body = example_path.read_text(encoding="utf-8")
    for i in range(20):
        (folder / f"a{i:02d}.txt").write_text(body.replace("40 cargo ships", f"{i + 2} cargo ships"), encoding="utf-8")
    alone = unspun("analyze", str(folder / "a07.txt"), "--format", "json")
    batch = unspun("analyze", str(folder), "--format", "jsonl", "--jobs", "2")
    assert alone.returncode == 0 and batch.returncode == 0, batch.stderr.decode()
    results = [json.loads(line) for line in batch.stdout.decode().splitlines()]
    assert [Path(r["source"]["path"]).name for r in results] == [f"a{i:02d}.txt" for i in range(20)]
    one = as_json(alone)
    seven = results[7]
    one["source"] = seven["source"] = None
    assert json.dumps(one, sort_keys=True) == json.dumps(seven, sort_keys=True)


def test_batch_reports_bad_records_and_keeps_good_ones(example_path, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "1-good.txt").write_bytes(example_path.read_bytes())
    (folder / "2-empty.txt").write_bytes(b"")
    records = [
        {"id": "r1", "text": "The minister said the bridge would reopen in May.", "title": "Bridge to reopen", "outlet": "Daily A"},
        "{not json",
        {"text": "Workers finished the roof on Monday, the company said.", "date": "2024-05-06"},
    ]
    (folder / "3-records.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with gzip.open(folder / "4-more.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(json.dumps({"text": "Police closed the road after the crash, officials said."}) + "\n")
    proc = unspun("analyze", str(folder), "--format", "json")
    no_traceback(proc)
    assert proc.returncode == 2
    errors = proc.stderr.decode().strip().splitlines()
    assert any(e.startswith(str(folder / "2-empty.txt") + ":") for e in errors), errors
    assert any(e.startswith(str(folder / "3-records.jsonl") + ":2:") for e in errors), errors
    got = as_json(proc)
    assert [(Path(a["source"]["path"]).name, a["source"]["record"]) for a in got] == [
        ("1-good.txt", None), ("3-records.jsonl", 1), ("3-records.jsonl", 3), ("4-more.jsonl.gz", 1)]
    assert got[1]["id"] == "r1" and got[1]["meta"]["outlet"] == "Daily A" and got[1]["meta"]["title"] == "Bridge to reopen"
    assert got[2]["meta"]["date"] == "2024-05-06"


@pytest.mark.parametrize("name,content,expect", [
    ("empty.txt", b"", "empty"),
    ("binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary"),
    ("garbage.txt", bytes([0x81, 0x8d, 0x8f, 0x90, 0x9d]) * 50 + b"\x00\x01\x02" * 30, "binary"),
])
def test_bad_single_inputs(tmp_path, name, content, expect):
    path = tmp_path / name
    path.write_bytes(content)
    proc = unspun("analyze", str(path), "--format", "json")
    no_traceback(proc)
    assert proc.returncode == 2
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: ") and expect in lines[0].lower(), lines


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(200 * 1024 * 1024)
    proc = unspun("analyze", str(path))
    no_traceback(proc)
    assert proc.returncode == 2
    line = proc.stderr.decode().strip()
    assert line.startswith(f"{path}: ") and "limit" in line and "\n" not in line


def test_cp1252_is_decoded(tmp_path):
    path = tmp_path / "cp1252.txt"
    path.write_bytes("Council backs plan\n\nThe mayor said the plan was \u201cfair\u201d and would cost \u20ac5m.\n".encode("cp1252"))
    proc = unspun("analyze", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "\u201cfair\u201d" in as_json(proc)["text"]


def test_truncated_html(tmp_path):
    path = tmp_path / "cut.html"
    path.write_text("<html><head><title>Flood warning issued</title></head><body><article><p>Heavy rain "
                    "is expected across the valley on Thursday, forecasters said, and residents were told"
                    " to move cars away from the river. The warning covers six towns.</p><p>Emergency cr", encoding="utf-8")
    proc = unspun("analyze", str(path), "--format", "json")
    no_traceback(proc)
    assert proc.returncode in (0, 2)
    a = as_json(proc)
    assert a["source"]["format"] == "html"
    assert "Heavy rain" in a["text"]


def test_non_english_gets_clean_layers_and_a_warning(tmp_path):
    path = tmp_path / "fr.txt"
    path.write_text("Le maire promet de briser la grève\n\n3 juillet 2016\n\nLe maire a déclaré vendredi que la "
                    "ville ne négocierait pas avec les dockers tant qu'ils ne seraient pas retournés au travail. "
                    "Les navires attendent au large depuis une semaine et les magasins sont vides.\n", encoding="utf-8")
    proc = unspun("analyze", str(path), "--format", "json")
    no_traceback(proc)
    assert proc.returncode == 2
    line = proc.stderr.decode().strip()
    assert line.startswith(f"{path}: ") and "English" in line
    a = as_json(proc)
    assert a["meta"]["language"] == "fr"
    assert not [s for s in a["spans"] if s["layer"] in ("quote", "sentence")]


def test_missing_path_and_usage_errors(tmp_path):
    proc = unspun("analyze", str(tmp_path / "nope.txt"))
    no_traceback(proc)
    assert proc.returncode == 2 and str(tmp_path / "nope.txt") in proc.stderr.decode()
    proc = unspun("analyze", "--format", "yaml", "x")
    assert proc.returncode == 2

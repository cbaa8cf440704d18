"""``unspun eval techniques`` as a user runs it: PTC-format predictions and scores."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

ARTICLES = {
    "2001": "Harbour deal collapses\n\nThe shameful deal was pushed through by a gang of crooks, critics said.\n"
            "The port will close for two days next week.\n",
    "2002": "Rail line reopens\n\nThe line reopened on Monday after repairs, the operator said.\n"
            "Only a fool would believe the minister's pathetic excuses now.\n",
}
GOLD = [("2001", "Loaded_Language", "shameful"), ("2001", "Name_Calling,Labeling", "a gang of crooks"),
        ("2002", "Name_Calling,Labeling", "a fool"), ("2002", "Loaded_Language", "pathetic excuses")]


def unspun(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unspun", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for aid, text in ARTICLES.items():
        (tmp_path / f"article{aid}.txt").write_text(text, encoding="utf-8")
    si, tc, tmpl = [], [], []
    for aid, tech, phrase in GOLD:
        s = ARTICLES[aid].index(phrase)
        si.append(f"{aid}\t{s}\t{s + len(phrase)}\n")
        tc.append(f"{aid}\t{tech}\t{s}\t{s + len(phrase)}\n")
        tmpl.append(f"{aid}\t?\t{s}\t{s + len(phrase)}\n")
    (tmp_path / "gold.si").write_text("".join(si), encoding="utf-8")
    (tmp_path / "gold.tc").write_text("".join(tc), encoding="utf-8")
    (tmp_path / "template.tc").write_text("".join(tmpl), encoding="utf-8")
    return tmp_path


def test_predicts_and_scores_in_the_official_formats(folder):
    proc = unspun("eval", "techniques", "--articles", str(folder), "--gold-si", str(folder / "gold.si"),
                  "--gold-tc", str(folder / "gold.tc"), "--predict-si", str(folder / "pred.si"),
                  "--predict-tc", str(folder / "pred.tc"), "--tc-template", str(folder / "template.tc"))
    assert proc.returncode == 0, proc.stderr
    for line in (folder / "pred.si").read_text(encoding="utf-8").splitlines():
        aid, s, e = line.split("\t")
        assert aid in ARTICLES and 0 <= int(s) < int(e) <= len(ARTICLES[aid])
    rows = [line.split("\t") for line in (folder / "pred.tc").read_text(encoding="utf-8").splitlines()]
    assert sorted((r[0], r[2], r[3]) for r in rows) == sorted(
        (line.split("\t")[0], line.split("\t")[2], line.split("\t")[3].strip())
        for line in (folder / "template.tc").read_text(encoding="utf-8").splitlines())
    labels = set(json.loads(Path(__file__).resolve().parents[1].joinpath(
        "src/unspun/models/techniques/config.json").read_text(encoding="utf-8"))["labels"])
    assert all(r[1] in labels for r in rows)
    lines = dict(line.split("\t", 1) for line in proc.stdout.splitlines())
    assert lines["SI"].startswith("F1 ") and lines["TC"].startswith("micro-F1 ")
    scorer = SHARED / "tools" / "ptc_score.py"
    if scorer.exists():  # the project's figures equal the reference scorer's on the same files
        ref_si = subprocess.run([sys.executable, str(scorer), "si", str(folder / "pred.si"), str(folder / "gold.si")],
                                capture_output=True, text=True, check=True).stdout.split("\t")
        assert lines["SI"].split("\t")[0] == f"F1 {ref_si[0]}"
        ref_tc = subprocess.run([sys.executable, str(scorer), "tc", str(folder / "pred.tc"), str(folder / "gold.tc")],
                                capture_output=True, text=True, check=True).stdout.split("\t")
        assert lines["TC"] == f"micro-F1 {ref_tc[0]}"


def test_bad_usage_is_one_line_and_exit_2(folder, tmp_path):
    proc = unspun("eval", "techniques", "--articles", str(tmp_path / "missing"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "missing" in proc.stderr
    proc = unspun("eval", "techniques", "--articles", str(folder), "--predict-tc", str(folder / "x.tc"))
    assert proc.returncode == 2 and "--tc-template" in proc.stderr


def test_fast_evaluates_the_shared_pass_variant(folder):
    args = ["eval", "techniques", "--articles", str(folder), "--gold-tc", str(folder / "gold.tc")]
    full, fast = unspun(*args), unspun(*args, "--fast")
    assert full.returncode == 0 and fast.returncode == 0, fast.stderr
    ident = [dict(line.split("\t", 1) for line in p.stdout.splitlines())["model"].split("\t")[0] for p in (full, fast)]
    assert ident[0] != ident[1]  # another model: the shared pass (with the lexical classifier), no second encoders
    assert dict(line.split("\t", 1) for line in fast.stdout.splitlines())["TC"].startswith("micro-F1 ")

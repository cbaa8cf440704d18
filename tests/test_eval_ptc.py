"""The PTC metrics of ``unspun.eval.ptc`` on hand-made cases and the task's worked example."""

import subprocess
import sys
from pathlib import Path

import pytest

from unspun.eval.ptc import merge_spans, read_si, read_tc, si_scores, tc_scores

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
EXAMPLE = SHARED / "data" / "ptc" / "scorer-example"


def test_si_partial_overlap():
    f, p, r = si_scores([("a", 0, 10)], [("a", 5, 15)])
    assert (p, r, f) == (0.5, 0.5, 0.5)
    f, p, r = si_scores([("a", 0, 10)], [("a", 0, 40)])
    assert p == 1.0 and r == 0.25 and f == pytest.approx(0.4)


def test_si_merges_overlaps_but_not_touching_spans():
    assert merge_spans([(5, 15), (0, 10), (20, 25)]) == [(0, 15), (20, 25)]
    assert merge_spans([(0, 5), (5, 10)]) == [(0, 5), (5, 10)]
    assert si_scores([("a", 0, 10), ("a", 5, 15)], [("a", 0, 15)])[0] == 1.0
    f, p, r = si_scores([("a", 0, 5), ("a", 5, 10)], [("a", 0, 10)])
    assert p == 1.0 and r == 1.0


def test_si_predictions_for_articles_without_gold_are_false_positives():
    f, p, r = si_scores([("a", 0, 10), ("b", 0, 10)], [("a", 0, 10)])
    assert p == 0.5 and r == 1.0
    assert si_scores([], [("a", 0, 10)]) == (0.0, 0.0, 0.0)


def test_tc_pairs_several_gold_labels_on_one_span():
    gold = [("a", "Doubt", 0, 5), ("a", "Slogans", 0, 5), ("a", "Repetition", 9, 12)]
    pred = [("a", "Slogans", 0, 5), ("a", "Flag-Waving", 0, 5), ("a", "Repetition", 9, 12)]
    micro, per = tc_scores(pred, gold)
    assert micro == pytest.approx(2 / 3)
    assert per["Slogans"] == 1.0 and per["Repetition"] == 1.0
    assert per["Doubt"] == 0.0 and per["Flag-Waving"] == 0.0
    with pytest.raises(ValueError, match="one to one"):
        tc_scores(pred[:2], gold)


@pytest.fixture
def example() -> Path:
    if not EXAMPLE.is_dir():
        pytest.skip(f"PTC scorer example not present: {EXAMPLE} (../shared is only on developer machines)")
    return EXAMPLE


def test_scorer_example(example):
    f, p, r = si_scores(read_si(example / "submission-task-SI.tsv"), read_si(example / "article736757214.task-SI.labels"))
    assert round(f, 6) == 0.647181
    micro, _ = tc_scores(read_tc(example / "submission-task-TC.tsv"), read_tc(example / "article736757214.labels-task-TC"))
    ref = subprocess.run([sys.executable, str(SHARED / "tools" / "ptc_score.py"), "tc",
                          str(example / "submission-task-TC.tsv"), str(example / "article736757214.labels-task-TC")],
                         capture_output=True, text=True, check=True)
    assert f"{micro:.6f}" == ref.stdout.split("\t")[0]

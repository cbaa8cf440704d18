"""Sentence-level data and metric for the subjectivity and bias heads (no torch needed).

- NewsSD-ENG (CSV ``Sentence``, ``Label`` OBJ/SUBJ): train for training (every 7th sentence
  held out for selection), val for reporting only.
- BABE SG2 (semicolon CSV with a BOM): a sentence belongs to the reporting part when the
  SHA-256 of its stripped text falls in bucket 0 of 5 (about 20%, fixed for every run);
  the rest trains (1 in 9 held out for selection, by the same hash in 9 buckets).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

BABE_TEST_BUCKETS = 5


def bucket(key: str, n: int) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % n


def read_newssd(path: Path) -> tuple[list[str], np.ndarray]:
    rows = list(csv.DictReader(Path(path).open(encoding="utf-8")))
    return [r["Sentence"].strip() for r in rows], np.array([r["Label"] == "SUBJ" for r in rows])


def read_babe(path: Path) -> list[dict]:
    """BABE rows with an agreed bias label (``Biased`` / ``Non-biased``)."""
    rows = list(csv.DictReader(Path(path).open(encoding="utf-8-sig"), delimiter=";"))
    return [r for r in rows if r["label_bias"] in ("Biased", "Non-biased")]


def babe_is_test(text: str) -> bool:
    return bucket(text.strip(), BABE_TEST_BUCKETS) == 0


def babe_is_held(text: str) -> bool:
    """A BABE training-part sentence held out to choose the epoch (1 in 9 by hash)."""
    return bucket(text, 9) == 0


def newssd_held(n: int) -> np.ndarray:
    """Which of ``n`` NewsSD-ENG train sentences are held out to choose the epoch: every 7th."""
    return np.arange(n) % 7 == 0


# BABE's opinion labels read as subjectivity (the two middle grades are left out)
OPINION = {"Entirely factual": False, "Expresses writer’s opinion": True}


def macro_f1(y: np.ndarray, p: np.ndarray) -> float:
    """Macro-F1 over the two classes of boolean/0-1 arrays.

    >>> macro_f1(np.array([1, 1, 0, 0]), np.array([1, 0, 0, 0]))
    0.7333333333333334
    """
    y, p = np.asarray(y).astype(int), np.asarray(p).astype(int)
    out = []
    for c in (0, 1):
        tp = int(((p == c) & (y == c)).sum())
        fp = int(((p == c) & (y != c)).sum())
        fn = int(((p != c) & (y == c)).sum())
        out.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(out))

"""PolNeAR attribution data and scores (no torch needed; shared by training and benchmarks).

Gold: the BRAT standoff of the first annotator file by name; Source, Cue and Content
fragments (``"s e;s e"`` for discontinuous spans); Attribution anchors, Discuss/Discard and
workflow tags dropped. Scores (``role_counts``):

- exact: a predicted fragment (surrounding whitespace stripped) counts when a gold fragment
  of the same role has the same offsets;
- token: per word token (``\\w+``), a word is a true positive for a role when gold and
  prediction both give it that role.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

ROLES = ("Source", "Cue", "Content")
_WORD = re.compile(r"\w+")


def polnear_gold(ann: Path) -> dict[str, list[tuple[int, int]]]:
    gold: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for line in ann.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].startswith("T"):
            continue
        role, _, ranges = parts[1].partition(" ")
        if role in ROLES:
            for r in ranges.split(";"):
                s, e = r.split()
                gold[role].append((int(s), int(e)))
    return dict(gold)


def polnear_articles(folder: Path) -> list[tuple[str, str, dict]]:
    """(name, text, gold) for each article of a PolNeAR split folder (first annotator file)."""
    out = []
    for txt in sorted((folder / "text").glob("*.txt")):
        anns = sorted((folder / "attributions").glob(f"{txt.stem}_*.ann"))
        if anns:
            out.append((txt.stem, txt.read_text(encoding="utf-8"), polnear_gold(anns[0])))
    return out


def role_counts(text: str, gold: dict, pred: dict, counts: dict) -> None:
    """Per-word-token and exact-span tallies (true positives, predicted, gold) by role."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]

    def strip(s: int, e: int) -> tuple[int, int]:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        return s, e

    for role in ROLES:
        g = {strip(s, e) for s, e in gold.get(role, [])} - {(0, 0)}
        p = {strip(s, e) for s, e in pred.get(role, [])}
        c = counts[("exact", role)]
        c[0] += len(g & p)
        c[1] += len(p)
        c[2] += len(g)
        gw = {i for i, (ws, we) in enumerate(words) if any(s < we and ws < e for s, e in g)}
        pw = {i for i, (ws, we) in enumerate(words) if any(s < we and ws < e for s, e in p)}
        c = counts[("token", role)]
        c[0] += len(gw & pw)
        c[1] += len(pw)
        c[2] += len(gw)


def f1(tp: int, npred: int, ngold: int) -> float:
    return 2 * tp / (npred + ngold) if npred + ngold else 0.0

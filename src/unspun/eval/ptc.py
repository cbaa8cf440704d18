"""SemEval-2020 Task 11 (PTC) files and metrics, implemented from the task's published definitions.

SI: spans are sets of character positions; overlapping spans are merged (in predictions and
gold alike). With S the predicted and T the gold spans of an article,
P = sum over pairs |s & t| / |s| / |S|, R = sum over pairs |s & t| / |t| / |T|, F1 = 2PR / (P + R);
predictions for articles without gold count in |S|.
TC: each gold row (article, technique, start, end) is paired with a prediction on the same span
(pairing maximises agreement where a span has several gold rows); micro-F1 over gold rows is
the share of rows whose label agrees; per-technique F1 from the pairs.

>>> si_scores([("1", 0, 10)], [("1", 5, 15)])
(0.5, 0.5, 0.5)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

SIRow = tuple[str, int, int]            # article id, start, end
TCRow = tuple[str, str, int, int]       # article id, technique, start, end


def read_articles(folder: str | Path) -> dict[str, str]:
    """``{article id: text}`` for every ``article<ID>.txt`` in ``folder`` (text read exactly)."""
    out = {}
    for path in sorted(Path(folder).glob("article*.txt")):
        with open(path, encoding="utf-8", newline="") as f:
            out[path.stem[len("article"):]] = f.read()
    return out


def read_si(path: str | Path) -> list[SIRow]:
    rows = []
    for n, parts in _rows(path):
        if len(parts) < 3:
            raise ValueError(f"{path}:{n}: expected ID<TAB>start<TAB>end")
        rows.append((parts[0], int(parts[1]), int(parts[2])))
    return rows


def read_tc(path: str | Path) -> list[TCRow]:
    rows = []
    for n, parts in _rows(path):
        if len(parts) < 4:
            raise ValueError(f"{path}:{n}: expected ID<TAB>technique<TAB>start<TAB>end")
        rows.append((parts[0], parts[1], int(parts[2]), int(parts[3])))
    return rows


def _rows(path: str | Path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield n, line.rstrip("\n").split("\t")


def write_si(rows: Iterable[SIRow], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for aid, s, e in rows:
            f.write(f"{aid}\t{s}\t{e}\n")


def write_tc(rows: Iterable[TCRow], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for aid, tech, s, e in rows:
            f.write(f"{aid}\t{tech}\t{s}\t{e}\n")


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge spans that share a character (touching spans stay apart, as in the official scorer)."""
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def si_scores(pred: Iterable[SIRow], gold: Iterable[SIRow]) -> tuple[float, float, float]:
    """SI ``(F1, precision, recall)`` with partial overlaps."""
    P, G = defaultdict(list), defaultdict(list)
    for aid, s, e in pred:
        P[aid].append((s, e))
    for aid, s, e in gold:
        G[aid].append((s, e))
    num_p = num_r = 0.0
    n_s = n_t = 0
    for aid in set(P) | set(G):
        S, T = merge_spans(P.get(aid, [])), merge_spans(G.get(aid, []))
        n_s += len(S)
        n_t += len(T)
        for s0, s1 in S:
            for t0, t1 in T:
                inter = min(s1, t1) - max(s0, t0)
                if inter > 0:
                    num_p += inter / (s1 - s0)
                    num_r += inter / (t1 - t0)
    p = num_p / n_s if n_s else 0.0
    r = num_r / n_t if n_t else 0.0
    f = 2 * p * r / (p + r) if p > 0 and r > 0 else 0.0
    return f, p, r


def tc_scores(pred: Iterable[TCRow], gold: Iterable[TCRow]) -> tuple[float, dict[str, float]]:
    """TC ``(micro-F1, {technique: F1})``; predictions must cover the gold spans one to one."""
    P: dict[tuple, Counter] = defaultdict(Counter)
    G: dict[tuple, list[str]] = defaultdict(list)
    for aid, tech, s, e in pred:
        P[(aid, s, e)][tech] += 1
    for aid, tech, s, e in gold:
        G[(aid, s, e)].append(tech)
    n_pred = sum(sum(c.values()) for c in P.values())
    n_gold = sum(len(v) for v in G.values())
    if n_pred != n_gold or set(P) != set(G):
        raise ValueError(f"prediction rows ({n_pred}) do not match the gold spans ({n_gold}) one to one")
    agree = 0
    tp, fp, fn = Counter(), Counter(), Counter()
    for key, labels in G.items():
        avail = Counter(P[key])
        missed = []
        for lab in labels:
            if avail[lab] > 0:
                avail[lab] -= 1
                agree += 1
                tp[lab] += 1
            else:
                missed.append(lab)
        for g, p in zip(missed, avail.elements()):
            fn[g] += 1
            fp[p] += 1
    micro = agree / n_gold if n_gold else 0.0
    per = {t: 2 * tp[t] / (2 * tp[t] + fp[t] + fn[t]) for t in sorted(set(tp) | set(fp) | set(fn))}
    return micro, per

"""Speakers, quote-table precision and asides on hand-labelled real articles.

    python benchmarks/speakers_eval.py [--models rules|model|both] [--split dev|test|all] [--src DIR] [--shared DIR]
                                       [--errors N]

Labels (benchmarks/labels/, offsets only; the article text stays in ../shared):
- speakers.jsonl: one attribution relation a line, ``{"id", "path", "cue": [start, end],
  "cue_text", "kind": "direct"|"indirect"|"stance", "speaker"}``; ``speaker`` is the most
  complete name the article gives the speaker, or "none" when the text names nobody.
- asides.jsonl: ``{"id", "path", "span": [start, end], "aside": true|false, "text_sha1"}``; an
  aside is the outlet's own clause inside a reported sentence; ``aside: false`` rows are whole
  reported sentences holding none.

``--split``: dev holds the articles whose path's sha1 starts with an even hex digit, test the rest
(rules are designed on dev; test is reported as held out).

``path`` is relative to the shared folder (``../shared``). Offsets are Python ``str`` offsets
into the file decoded as UTF-8 (a BOM kept as a character) with ``\\r\\n`` and ``\\r`` turned into
``\\n``; the article is given to ``unspun.analyze(text, models=...)`` read the same way, so the
offsets of its spans and of the labels are over the same text.

Figures:
- recall of speech relations: labelled direct/indirect relations whose cue overlaps a cue span
  of unspun's (the ``cue`` layer or a ``quote`` row's ``cue``), over all labelled;
- speaker accuracy on the found ones (and end to end, over all labelled): the speaker unspun
  gives the relation (its ``quote`` row's, else its ``cue`` span's) against the label; strict is
  equality after normalisation (case-folded, a leading "the" dropped, quotes and spacing
  unified); lenient also counts one name being the last word(s) of the other ("Trump" for
  "Donald Trump"); "none" is right when unspun gives no speaker ("unknown" or null);
- quote-table precision: of the ``quote`` rows whose cue overlaps a labelled relation, the share
  that are speech with the right speaker (a row on a stance-labelled cue is wrong);
- asides: precision and recall of an ``aside`` layer against the aside labels (a predicted aside
  counts in precision when it overlaps a labelled span of either kind). Without such a layer
  recall is 0 and the report says so.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = os.path.join(HERE, "labels")


def read_article(shared: str, rel: str) -> str:
    with open(os.path.join(shared, rel), encoding="utf-8", newline="") as fh:
        return fh.read().replace("\r\n", "\n").replace("\r", "\n")


def load(name: str) -> list[dict]:
    with open(os.path.join(LABELS, name), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def norm(name) -> str:
    if name is None:
        return "none"
    s = " ".join(str(name).translate(_QUOTES).casefold().split()).strip(" .,;:\"'()")
    s = re.sub(r"^the ", "", s)
    return "none" if s in ("", "unknown", "none", "null") else s


def match(label: str, got) -> tuple[bool, bool]:
    """(strict, lenient) agreement of a labelled speaker and unspun's."""
    a, b = norm(label), norm(got)
    if a == b:
        return True, True
    if "none" in (a, b):
        return False, False
    ta, tb = a.split(), b.split()
    k = min(len(ta), len(tb))
    return False, ta[-k:] == tb[-k:]


def in_split(path: str, split: str) -> bool:
    """Whether an article (its label ``path``) belongs to ``split``: dev when the first hex digit of
    the path's sha1 is even, test when odd; all holds both."""
    if split == "all":
        return True
    even = int(hashlib.sha1(path.encode("utf-8")).hexdigest()[0], 16) % 2 == 0
    return even == (split == "dev")


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def spans_of(article):
    """Cue spans with their speaker: quote rows first (their speaker is what the table shows)."""
    quotes, cues, asides = [], [], []
    for s in article.spans:
        if s.layer == "quote":
            for rng in s.attrs.get("cue") or []:
                quotes.append(((rng[0], rng[1]), s.attrs.get("speaker"), s))
        elif s.layer == "cue":
            cues.append(((s.start, s.end), s.attrs.get("speaker"), s))
        elif s.layer == "aside":
            asides.append((s.start, s.end))
    return quotes, cues, asides


def evaluate(mode: str, shared: str, speakers: list[dict], asides: list[dict], errors: int) -> dict:
    import unspun

    models = mode == "model"
    paths = sorted({r["path"] for r in speakers} | {r["path"] for r in asides})
    by_path_sp: dict[str, list] = {}
    for r in speakers:
        by_path_sp.setdefault(r["path"], []).append(r)
    by_path_as: dict[str, list] = {}
    for r in asides:
        by_path_as.setdefault(r["path"], []).append(r)
    speech_total = found = strict = lenient = 0
    none_labels = 0
    q_rows = q_strict = q_lenient = q_on_stance = 0
    a_pred = a_pred_hit = a_pred_judged = a_found = 0
    has_aside_layer = False
    wrong, missed, stance_rows = [], [], []
    t0 = time.perf_counter()
    for path in paths:
        text = read_article(shared, path)
        art = unspun.analyze(text, models=models)
        if art.text != text:
            raise SystemExit(f"{path}: unspun changed the text; offsets would not line up")
        quotes, cues, pred_asides = spans_of(art)
        labs = by_path_sp.get(path, [])
        for r in labs:
            if text[r["cue"][0]:r["cue"][1]] != r["cue_text"]:
                raise SystemExit(f"{r['id']}: cue text differs from {path} at {r['cue']}; labels and file disagree")
        for r in labs:
            if r["kind"] == "stance":
                continue
            speech_total += 1
            none_labels += norm(r["speaker"]) == "none"
            hit = [c for c in quotes if overlaps(c[0], r["cue"])] or [c for c in cues if overlaps(c[0], r["cue"])]
            if not hit:
                missed.append(r)
                continue
            found += 1
            s, l = match(r["speaker"], hit[0][1])
            strict += s
            lenient += l
            if not l:
                wrong.append((r, hit[0][1]))
        rows: dict[int, tuple] = {}
        for rng, spk, qs in quotes:  # one judgement per row, on its first cue range that is labelled
            lab = [r for r in labs if overlaps(rng, r["cue"])]
            if lab and id(qs) not in rows:
                rows[id(qs)] = (spk, lab)
        for spk, lab in rows.values():
            q_rows += 1
            r = lab[0]
            if r["kind"] == "stance":
                q_on_stance += 1
                stance_rows.append((r, spk))
                continue
            s, l = match(r["speaker"], spk)
            q_strict += s
            q_lenient += l
        gold = by_path_as.get(path, [])
        for r in gold:
            if hashlib.sha1(text[r["span"][0]:r["span"][1]].encode()).hexdigest() != r["text_sha1"]:
                raise SystemExit(f"{r['id']}: span text differs from {path} at {r['span']}")
        if pred_asides:
            has_aside_layer = True
        for p in pred_asides:
            a_pred += 1
            judged = [r for r in gold if overlaps(p, r["span"])]
            if judged:
                a_pred_judged += 1
                a_pred_hit += any(r["aside"] for r in judged)
        for r in gold:
            if r["aside"] and any(overlaps(p, r["span"]) for p in pred_asides):
                a_found += 1
    seconds = time.perf_counter() - t0
    n_asides = sum(r["aside"] for r in asides)

    def ratio(a, b):
        return round(a / b, 3) if b else None

    out = {
        "mode": mode, "articles": len(paths), "seconds": round(seconds, 1),
        "speech_labelled": speech_total, "speech_found": found,
        "recall": ratio(found, speech_total),
        "speaker_accuracy_found": {"strict": ratio(strict, found), "lenient": ratio(lenient, found)},
        "speaker_accuracy_all": {"strict": ratio(strict, speech_total), "lenient": ratio(lenient, speech_total)},
        "quote_rows_on_labels": q_rows, "quote_rows_on_stances": q_on_stance,
        "quote_precision": {"strict": ratio(q_strict, q_rows), "lenient": ratio(q_lenient, q_rows)},
        "aside_layer": has_aside_layer, "asides_labelled": n_asides,
        "aside_recall": ratio(a_found, n_asides),
        "aside_precision": ratio(a_pred_hit, a_pred_judged),
        "aside_predicted": a_pred,
    }
    if errors:
        out["wrong_speaker"] = [f"{r['id']} {r['path'].rsplit('/', 1)[-1]} {r['cue_text']!r}: "
                                f"label {r['speaker']!r}, unspun {g!r}" for r, g in wrong[:errors]]
        out["missed"] = [f"{r['id']} {r['path'].rsplit('/', 1)[-1]} {r['cue_text']!r} ({r['kind']}, {r['speaker']})"
                         for r in missed[:errors]]
        out["stance_rows"] = [f"{r['id']} {r['path'].rsplit('/', 1)[-1]} {r['cue_text']!r}: unspun speaker {g!r}"
                              for r, g in stance_rows[:errors]]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", choices=["rules", "model", "both"], default="both",
                    help="rules: --no-models path; model: the learned path; both (default)")
    ap.add_argument("--src", help="measure another checkout: put DIR/src first on sys.path")
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"),
                    help="the shared folder holding data/ and examples/ (default ../shared)")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all",
                    help="articles measured: dev (sha1 of the path starts with an even hex digit), test, all")
    ap.add_argument("--errors", type=int, default=0, help="list up to N errors of each kind")
    args = ap.parse_args(argv)
    if args.src:
        sys.path.insert(0, os.path.join(os.path.abspath(args.src), "src"))
    shared = os.path.abspath(args.shared)
    if not os.path.isdir(os.path.join(shared, "data")):
        print(f"skipped: {shared}/data is absent (the labelled articles live there)")
        return 0
    speakers = [r for r in load("speakers.jsonl") if in_split(r["path"], args.split)]
    asides = [r for r in load("asides.jsonl") if in_split(r["path"], args.split)]
    import unspun
    print(f"unspun from {os.path.dirname(unspun.__file__)}; labels: "
          f"{sum(r['kind'] != 'stance' for r in speakers)} speech relations in "
          f"{len({r['path'] for r in speakers if r['kind'] != 'stance'})} articles, "
          f"{sum(r['kind'] == 'stance' for r in speakers)} stances, "
          f"{sum(r['aside'] for r in asides)} asides, {sum(not r['aside'] for r in asides)} sentences without one",
          file=sys.stderr)
    modes = ["rules", "model"] if args.models == "both" else [args.models]
    for mode in modes:
        res = evaluate(mode, shared, speakers, asides, args.errors)
        res["split"] = args.split
        print(json.dumps(res, indent=1, ensure_ascii=False))
        if not res["aside_layer"]:
            print(f"[{mode}] no `aside` layer in unspun's output: aside recall 0 of {res['asides_labelled']}",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

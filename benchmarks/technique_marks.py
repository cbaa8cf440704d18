"""Technique marks on real copy: how often neutral wire text is marked, and how many hand-labelled
loaded phrases in partisan copy are marked (issue 28's measurement).

    python benchmarks/technique_marks.py [--shared DIR] [--cache DIR] [--refresh] [--direct]
                                         [--json OUT] [--limit N] [--show PATH[#RECORD]]...

Labels (benchmarks/labels/, paths and offsets only; the article text stays in ../shared/data):
- neutral-wire.jsonl: ``{"path", "record"?, "outlet", "why"}``: plainly neutral wire articles;
- loaded-phrases.jsonl: ``{"path", "record"?, "start", "end", "phrase", "technique", "outlet"}``:
  phrases an outlet chose to sway the reader, in its own voice (not inside quotation marks, not
  attributed speech); ``technique`` is the PTC name that fits, or null.

``path`` is relative to the shared data folder (``../shared/data``). The text an article is
analysed as (``article_text``), which every offset refers to:
- a ``.txt`` file: as ``unspun analyze FILE`` reads it (``unspun.read.read_file``: UTF-8, line
  endings turned into ``\\n``);
- a BASIL article (``basil/articles/<year>/<uuid>_<k>.json``): its ``title``, a blank line, then
  the ``body-paragraphs``: the sentences of a paragraph joined by one space, paragraphs separated
  by a blank line;
- ``article-extraction-benchmark/ground-truth.json`` with ``record`` = the page's hash: that
  record's ``articleBody`` (line endings turned into ``\\n``).

Every article runs through the pipeline as ``unspun.analyze(text=...)`` runs it (a ``Document``
given to ``unspun.pipeline.analyze_document``; the learned path), once with the default and once
with ``min_score=0`` (``--min-score 0``). The thresholds 0.3, 0.5 and 0.7 are the ``min_score=0``
marks whose score is at least the threshold: ``min_score`` only drops spans scoring below it
(``TechniqueModel.predict``); ``--direct`` runs each threshold through the pipeline instead.

Figures, at each setting:
- neutral copy: technique marks (technique spans; a span carrying two techniques counts twice)
  per 1,000 words (words: ``\\w+`` runs of the whole analysed text), the same for marks in own-voice
  sentences per 1,000 own-voice words, and the share of articles with at least one mark;
- loaded phrases: recall, a label being found when one technique span overlaps at least half of
  its characters (2 x overlap >= label length); of those found, the share where such a span
  names the label's technique;
- precision-like (informative only: the labels are not exhaustive): of the technique marks that
  lie in own-voice sentences (a mark counts for the voice of the sentence holding its start) of
  the labelled articles, the share overlapping a label by at least one character.

``--cache DIR`` (default benchmarks/out/technique-marks) keeps each analysis keyed by the text,
the setting and a fingerprint of the code (``src/unspun/**/*.py``) and the technique model files,
so a rerun on unchanged code is fast and a code change is analysed afresh. ``--show`` prints an
article's marks with their sentence's voice and text (for reading, never committed).
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
ROOT = os.path.dirname(HERE)
LABELS = os.path.join(HERE, "labels")
SETTINGS = ("default", 0.0, 0.3, 0.5, 0.7)
_WORD = re.compile(r"\w+")


def load(name: str) -> list[dict]:
    with open(os.path.join(LABELS, name), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip() and not line.startswith("#")]


def article_text(data: str, path: str, record: str | None = None) -> str:
    """The text of ``path`` (relative to ``data``) as it is analysed; label offsets refer to it."""
    full = os.path.join(data, path)
    if path.endswith(".txt"):
        from unspun.read import BadInput, read_file

        docs = list(read_file(full))
        if len(docs) != 1 or isinstance(docs[0], BadInput):
            raise ValueError(f"{path}: not one readable article")
        return docs[0].text
    if path.startswith("basil/articles/"):
        with open(full, encoding="utf-8") as fh:
            art = json.load(fh)
        paras = [" ".join(s.strip() for s in p if s.strip()) for p in art["body-paragraphs"]]
        return art["title"].strip() + "\n\n" + "\n\n".join(p for p in paras if p)
    if path == "article-extraction-benchmark/ground-truth.json":
        if not record:
            raise ValueError(f"{path}: give the page's hash as record")
        with open(full, encoding="utf-8") as fh:
            body = json.load(fh)[record]["articleBody"]
        return body.replace("\r\n", "\n").replace("\r", "\n")
    raise ValueError(f"{path}: no reader for this kind of file")


def fingerprint() -> str:
    """A hash of the package's Python sources and the technique model files (name, size, mtime)."""
    from unspun.models.runtime import DEFAULT_DIR

    h = hashlib.sha1()
    src = os.path.join(ROOT, "src", "unspun")
    for base, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                p = os.path.join(base, name)
                h.update(os.path.relpath(p, src).encode())
                with open(p, "rb") as fh:
                    h.update(fh.read())
    for base, dirs, files in os.walk(str(DEFAULT_DIR)):
        dirs.sort()
        for name in sorted(files):
            st = os.stat(os.path.join(base, name))
            h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def analyse(text: str, setting, cache: str, code: str, refresh: bool) -> dict:
    """Technique spans and sentence voices of ``text`` at ``setting`` ("default" or a min_score)."""
    key = hashlib.sha1(f"{code}|{setting}|".encode() + text.encode("utf-8")).hexdigest()
    where = os.path.join(cache, key[:2], key + ".json")
    if not refresh and os.path.exists(where):
        with open(where, encoding="utf-8") as fh:
            return json.load(fh)
    from unspun.article import normalise_newlines
    from unspun.pipeline import analyze_document
    from unspun.read import Document

    doc = Document(text=normalise_newlines(text), meta={},
                   source={"path": None, "url": None, "format": "text", "record": None})
    t0 = time.perf_counter()
    art = analyze_document(doc, min_score=None if setting == "default" else float(setting))
    out = {"setting": setting, "seconds": round(time.perf_counter() - t0, 2),
           "model": art.producer.get("models", {}).get("techniques"),
           "techniques": [[s.start, s.end, s.label, s.attrs.get("score")] for s in art.layer("technique")],
           "sentences": [[s.start, s.end, s.label] for s in art.layer("sentence")]}
    os.makedirs(os.path.dirname(where), exist_ok=True)
    tmp = where + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
    os.replace(tmp, where)
    return out


def marks_at(runs: dict, setting, direct: bool) -> list[list]:
    """The technique marks at ``setting`` from an article's runs."""
    if setting == "default" or direct:
        return runs[setting]["techniques"]
    return [t for t in runs[0.0]["techniques"] if t[3] is not None and t[3] >= setting]


def voice_at(sentences: list[list], pos: int) -> str | None:
    for s, e, voice in sentences:
        if s <= pos < e:
            return voice
    return None


def overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def key_of(row: dict) -> tuple[str, str | None]:
    return row["path"], row.get("record")


def name(setting) -> str:
    return "default" if setting == "default" else f"min_score {setting:g}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"),
                    help="the shared folder (its data/ holds the articles; default ../shared)")
    ap.add_argument("--cache", default=os.path.join(HERE, "out", "technique-marks"), metavar="DIR",
                    help="where analyses are kept (default benchmarks/out/technique-marks)")
    ap.add_argument("--refresh", action="store_true", help="analyse again even where the cache has it")
    ap.add_argument("--direct", action="store_true",
                    help="run every min_score through the pipeline instead of filtering the min_score=0 run")
    ap.add_argument("--json", metavar="OUT", help="also write the figures and per-label results here")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles of each set (a quick check)")
    ap.add_argument("--show", action="append", default=[], metavar="PATH[#RECORD]",
                    help="print this article's default marks with voice and sentence, then stop "
                         "(PATH relative to the data folder, or a file path)")
    args = ap.parse_args(argv)
    data = os.path.join(args.shared, "data")
    if not os.path.isdir(data):
        print(f"technique_marks: {data}: no shared data folder (skipped)", file=sys.stderr)
        return 2
    code = fingerprint()
    settings = list(SETTINGS) if args.direct else ["default", 0.0]

    if args.show:
        for item in args.show:
            path, _, record = item.partition("#")
            if os.path.isfile(path) and path.endswith(".txt"):
                from unspun.read import read_file

                text = next(iter(read_file(path))).text
            else:
                text = article_text(data, path, record or None)
            run = analyse(text, "default", args.cache, code, args.refresh)
            print(f"== {item}: {len(run['techniques'])} marks, {len(_WORD.findall(text))} words")
            for s, e, label, score in run["techniques"]:
                sent = next(((a, b, v) for a, b, v in run["sentences"] if a <= s < b), None)
                context = text[sent[0]:sent[1]].replace("\n", " ") if sent else ""
                print(f"  {label} {score}  [{s}:{e}] {text[s:e]!r}  ({sent[2] if sent else '-'}) {context[:200]}")
        return 0

    neutral = load("neutral-wire.jsonl")
    loaded = load("loaded-phrases.jsonl")
    articles: dict[tuple, dict] = {}
    for row in neutral:
        articles.setdefault(key_of(row), {"set": "neutral"})
    for row in loaded:
        articles.setdefault(key_of(row), {"set": "loaded"})
    if args.limit:
        keep, seen = set(), {"neutral": 0, "loaded": 0}
        for k, v in articles.items():
            if seen[v["set"]] < args.limit:
                keep.add(k)
                seen[v["set"]] += 1
        articles = {k: v for k, v in articles.items() if k in keep}
        loaded = [r for r in loaded if key_of(r) in keep]

    t0 = time.perf_counter()
    for n, (k, info) in enumerate(articles.items(), 1):
        text = article_text(data, *k)
        info["text"] = text
        info["words"] = len(_WORD.findall(text))
        info["runs"] = {s: analyse(text, s, args.cache, code, args.refresh) for s in settings}
        print(f"\r{n}/{len(articles)} analysed", end="", file=sys.stderr, flush=True)
    print(f"\r{len(articles)} articles in {time.perf_counter() - t0:.0f} s (code {code})", file=sys.stderr)

    for row in loaded:  # the offsets must give the phrase
        got = articles[key_of(row)]["text"][row["start"]:row["end"]]
        if got != row["phrase"]:
            print(f"technique_marks: {row['path']} {row['start']}-{row['end']}: label {row['phrase']!r} "
                  f"but the text has {got!r}", file=sys.stderr)
            return 1

    report: dict = {"date": time.strftime("%Y-%m-%d"), "code": code,
                    "model": next(iter(articles.values()))["runs"]["default"]["model"],
                    "neutral": {}, "loaded": {}, "labels": []}
    n_art = {s: sum(1 for v in articles.values() if v["set"] == s) for s in ("neutral", "loaded")}
    words = sum(v["words"] for v in articles.values() if v["set"] == "neutral")
    print(f"\nneutral wire: {n_art['neutral']} articles, {words:,} words; "
          f"loaded phrases: {len(loaded)} labels in {n_art['loaded']} articles")
    print("\n| setting | neutral marks | per 1,000 words | own-voice marks per 1,000 own-voice words "
          "| neutral articles with a mark | loaded-phrase recall | technique agrees (of found) "
          "| own-voice marks on a label |")
    print("|---|---|---|---|---|---|---|---|")
    for setting in SETTINGS:
        marks = own_marks = own_words = marked = 0
        by_tech: dict[str, int] = {}
        for v in articles.values():
            if v["set"] != "neutral":
                continue
            ms = marks_at(v["runs"], setting, args.direct)
            sents = v["runs"]["default"]["sentences"]
            marks += len(ms)
            marked += bool(ms)
            own_words += sum(len(_WORD.findall(v["text"][s:e])) for s, e, vo in sents if vo == "own")
            for t in ms:
                by_tech[t[2]] = by_tech.get(t[2], 0) + 1
                own_marks += voice_at(sents, t[0]) == "own"
        found = agree = 0
        for row in loaded:
            ms = marks_at(articles[key_of(row)]["runs"], setting, args.direct)
            hits = [t for t in ms if 2 * overlap(row["start"], row["end"], t[0], t[1]) >= row["end"] - row["start"]]
            found += bool(hits)
            agree += bool(hits) and any(t[2] == row.get("technique") for t in hits)
            if setting == "default":
                report["labels"].append({"path": row["path"], "record": row.get("record"), "start": row["start"],
                                         "end": row["end"], "phrase": row["phrase"],
                                         "found": bool(hits), "marks": [t[2:] for t in hits]})
        own_total = own_on_label = 0
        for k, v in articles.items():
            if v["set"] != "loaded":
                continue
            spans = [(r["start"], r["end"]) for r in loaded if key_of(r) == k]
            for t in marks_at(v["runs"], setting, args.direct):
                if voice_at(v["runs"]["default"]["sentences"], t[0]) != "own":
                    continue
                own_total += 1
                own_on_label += any(overlap(t[0], t[1], s, e) for s, e in spans)
        fig_n = {"marks": marks, "per_1000_words": round(1000 * marks / max(words, 1), 2),
                 "own_voice_marks": own_marks, "own_voice_words": own_words,
                 "own_per_1000_own_words": round(1000 * own_marks / max(own_words, 1), 2),
                 "articles_marked": marked, "by_technique": dict(sorted(by_tech.items(), key=lambda x: -x[1]))}
        fig_l = {"found": found, "recall": round(found / max(len(loaded), 1), 3),
                 "technique_agrees": agree, "own_voice_marks": own_total, "own_voice_marks_on_label": own_on_label,
                 "precision_like": round(own_on_label / own_total, 3) if own_total else None}
        report["neutral"][name(setting)] = fig_n
        report["loaded"][name(setting)] = fig_l
        print(f"| {name(setting)} | {marks} | {fig_n['per_1000_words']:.2f} | {fig_n['own_per_1000_own_words']:.2f} "
              f"| {marked}/{n_art['neutral']} | {found}/{len(loaded)} = {fig_l['recall']:.3f} "
              f"| {agree}/{found} | {own_on_label}/{own_total}"
              + (f" = {fig_l['precision_like']:.3f}" if own_total else "") + " |")
    print("\nneutral marks by technique at the default: "
          + ", ".join(f"{t} {c}" for t, c in report["neutral"]["default"]["by_technique"].items()))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

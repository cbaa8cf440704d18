"""Accuracy of ``unspun compare`` on generated stories, overall and per edit type: character-level
precision and recall of ``added``, precision of ``reworded`` (with and without its counterpart),
shared/kept sanity and ``omitted``, against the generator's ground truth.

    python benchmarks/compare_bench.py --split tuning --docs 2000 --stories 60
    python benchmarks/compare_bench.py --split report --docs 2000 --stories 60
    python benchmarks/compare_bench.py benchmarks/out/stories-10k.jsonl.gz --stories 200

``--cache`` keeps the analyses (benchmarks/out/CORPUS.analysed.jsonl.gz), so that reruns while
tuning ``compare`` take seconds; "analyse s/version" then counts reading the cache.

Two corpora: ``--split tuning`` (``storygen.py --seed 1``) is the one to choose thresholds on;
``--split report`` (``--seed 2``) is never tuned on and gives the figures to publish. Without a
corpus path the split's corpus is generated into benchmarks/out/ when missing; with one, the
split is reported as unknown. Results also go to benchmarks/out/compare-bench-SPLIT.json.

Each story's versions are analysed with ``unspun.analyze`` (so furniture comes from the clean
stage, as for a user) and compared in file order, without a reference. Truth follows the
contract's definitions (docs/data-model.md, ``unspun compare``):

- ``added``: the inserted clauses, sentences, replaced sentences and honorifics, plus base
  sentences (and write-through sentences) that only this version carries. Headlines are left
  out on both sides; furniture (slug lines included) is never added, so furniture the clean
  stage misses and ``compare`` marks added counts against precision.
- ``reworded``: a base sentence that other versions carry, none of them in this version's
  words (a paraphrase or synonym rewording here, or this version's verbatim copy when every
  other holder reworded it). A character labelled ``reworded`` is right when truth says
  reworded and its segment's ``counterpart`` overlaps the same base sentence in the
  counterpart's version (a missing counterpart counts as wrong); "rew P any" drops the
  counterpart condition. "rew found" is the share of truth-reworded sentences with at least
  one rightly reworded character.
- shared/kept: base sentences that another version carries in the same words; those of them
  labelled ``added`` are errors.
- ``omitted`` for a version: the base sentences that at least two other versions kept and it
  did not. A reported omission is measured in the characters of the version it is quoted
  from; a truth omission is covered by the version ``compare`` quotes it from.

Per edit type, a character counts under the edit covering it (an added edit over the sentence
it sits in), else ``wire`` (a base sentence others carry), ``alone`` (one only this version
kept), ``furniture`` or ``other``. Characters are counted without whitespace; the punctuation
joining a clause to its sentence (" – ", ", ") is not scored.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import unspun  # noqa: E402
from unspun.stories.diff import compare  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
SPLITS = {"tuning": 1, "report": 2}
ADDED_EDITS = ("clause", "honorific", "inserted", "replaced")
SENTENCE_EDITS = ("synonym", "paraphrase", "update")
TYPES = ("wire", "alone", "synonym", "paraphrase", "clause", "honorific", "inserted", "replaced", "update",
         "slug", "furniture", "other")


def load_stories(path: Path, limit: int) -> list[list[dict]]:
    stories: dict[str, list[dict]] = defaultdict(list)
    order: list[str] = []
    for line in gzip.open(path, "rt", encoding="utf-8"):
        r = json.loads(line)
        if r["story"]:
            if r["story"] not in stories:
                order.append(r["story"])
            stories[r["story"]].append(r)
    chosen = sorted(order)[:limit]
    return [stories[s] for s in chosen]


def chars(text: str, ranges) -> set[int]:
    return {i for s, e in ranges for i in range(s, e) if not text[i].isspace()}


def variants(rec: dict) -> dict[int, int]:
    """Base index -> wording variant of that sentence in this version (0: the wire's words)."""
    edits = rec["truth"].get("edits", [])
    return {e["base"]: e.get("variant", 1) for e in edits if e["type"] in ("synonym", "paraphrase")}


def char_types(rec: dict, alone: set[int]) -> dict[int, str]:
    """Each non-space character of the version (headline left out) -> its edit type."""
    text, truth = rec["text"], rec["truth"]
    out = {i: "other" for i in range(len(text)) if not text[i].isspace()}
    layers = [("furniture", truth["furniture"])]
    layers += [("alone" if b in alone else "wire", [(s, e)]) for b, s, e in truth["sentences"]]
    edits = truth.get("edits", [])
    for kinds in (SENTENCE_EDITS, ADDED_EDITS, ("slug",)):
        layers += [(e["type"], [(e["start"], e["end"])]) for e in edits if e["type"] in kinds]
    for kind, ranges in layers:
        for i in chars(text, ranges):
            out[i] = kind
    for i in chars(text, [truth["title"]]) | joiners(rec):
        out.pop(i, None)
    return out


def joiners(rec: dict) -> set[int]:
    """The punctuation that joins a clause to its sentence (" – ", ", "): whether it goes with the
    clause or the sentence is a matter of taste, so it is not scored."""
    text, out = rec["text"], set()
    for e in rec["truth"].get("edits", []):
        if e["type"] == "clause":
            i = e["start"]
            while i < e["end"] and not text[i].isalnum():
                out.add(i)
                i += 1
    return out


def evaluate(versions: list[dict], result: dict, totals: dict, per_type: dict) -> None:
    kept_by = defaultdict(set)
    for v, rec in enumerate(versions):
        for base_index, _, _ in rec["truth"]["sentences"]:
            kept_by[base_index].add(v)
    forms = [variants(rec) for rec in versions]
    where = [defaultdict(list) for _ in versions]  # version -> base index -> [(start, end)]
    for v, rec in enumerate(versions):
        for b, s, e in rec["truth"]["sentences"]:
            where[v][b].append((s, e))
    for v, (rec, out) in enumerate(zip(versions, result["versions"])):
        text, truth = rec["text"], rec["truth"]
        title = chars(text, [truth["title"]])
        inserted = chars(text, truth["added"])
        alone_bases = {b for b in kept_by if kept_by[b] == {v}}
        alone = chars(text, [(s, e) for b, s, e in truth["sentences"] if b in alone_bases])
        neutral = title | joiners(rec)
        gold = (inserted | alone) - neutral
        types = char_types(rec, alone_bases)
        labels: dict[int, tuple[str, dict]] = {}
        for seg in out["segments"]:
            for i in chars(text, [(seg["start"], seg["end"])]):
                labels[i] = (seg["label"], seg)
        pred = {i for i, (label, _) in labels.items() if label == "added"} - neutral
        totals["added_tp"] += len(gold & pred)
        totals["added_pred"] += len(pred)
        totals["added_gold"] += len(gold)
        for i in pred:
            per_type[types.get(i, "other")]["added_pred"] += 1
            per_type[types.get(i, "other")]["added_tp"] += i in gold
        for i in gold:
            per_type[types.get(i, "other")]["added_gold"] += 1
            if i not in pred:
                per_type[types.get(i, "other")][f"missed_as_{labels.get(i, ('none',))[0]}"] += 1
        _score_rewordings(v, versions, forms, kept_by, where, labels, inserted, types, totals, per_type)
        _score_omissions(v, versions, out, kept_by, totals)


def _score_rewordings(v: int, versions: list[dict], forms: list[dict], kept_by: dict, where: list, labels: dict,
                      inserted: set[int], types: dict, totals: dict, per_type: dict) -> None:
    """Reworded precision (with and without counterpart), rewordings found, shared/kept sanity."""
    text, truth = versions[v]["text"], versions[v]["truth"]
    rew_base: dict[int, int] = {}  # char -> base index, for truth-reworded sentences
    n_versions = len(versions)
    for b, s, e in truth["sentences"]:
        others = kept_by[b] - {v}
        if not others:
            continue
        span = chars(text, [(s, e)]) - inserted
        same = any(forms[w].get(b, 0) == forms[v].get(b, 0) for w in others)
        kind = types.get(min(span), "wire") if span else "wire"
        if same:
            truth_label = "shared" if len(others) == n_versions - 1 else "kept"
            totals[f"{truth_label}_chars"] += len(span)
            for i in span:
                label = labels.get(i, (None, None))[0]
                totals[f"{truth_label}_as_{label}"] += 1
            continue
        found = False
        for i in span:
            rew_base[i] = b
            label, seg = labels.get(i, (None, None))
            if label == "reworded" and _counterpart_right(seg, b, where):
                found = True
        totals["rew_sentences"] += 1
        totals["rew_found"] += found
        per_type[kind]["rew_sentences"] += 1
        per_type[kind]["rew_found"] += found
    for i, (label, seg) in labels.items():
        if label != "reworded" or i not in types:
            continue
        kind = types[i]
        ok_any = i in rew_base
        ok = ok_any and _counterpart_right(seg, rew_base[i], where)
        for bucket in (totals, per_type[kind]):
            bucket["rew_pred"] += 1
            bucket["rew_ok_any"] += ok_any
            bucket["rew_ok"] += ok


def _counterpart_right(seg: dict, base_index: int, where: list) -> bool:
    cp = seg.get("counterpart")
    if not cp or not isinstance(cp.get("version"), int) or not 0 <= cp["version"] < len(where):
        return False
    return any(s < cp["end"] and cp["start"] < e for s, e in where[cp["version"]].get(base_index, []))


def _score_omissions(v: int, versions: list[dict], out: dict, kept_by: dict, totals: dict) -> None:
    """Base sentences kept by at least two others and missing here, against ``omitted``."""
    missing = {b for b, holders in kept_by.items() if v not in holders and len(holders) >= 2}
    spans_in = {}  # (w, base) -> chars of that sentence in version w, its asides removed
    for w, other in enumerate(versions):
        if w == v:
            continue
        ins = chars(other["text"], other["truth"]["added"])
        for b, s, e in other["truth"]["sentences"]:
            if b in missing:
                spans_in[(w, b)] = chars(other["text"], [(s, e)]) - ins
    reported = defaultdict(set)
    for om in out["omitted"]:
        reported[om["from"]] |= chars(versions[om["from"]]["text"], [(om["start"], om["end"])])
    good = set()
    for (w, b), span in spans_in.items():
        good |= {(w, i) for i in span}
    pred_pairs = {(w, i) for w, cs in reported.items() for i in cs}
    totals["omit_tp_p"] += len(pred_pairs & good)
    totals["omit_pred"] += len(pred_pairs)
    for b in missing:
        options = [(w, span) for (w, bb), span in spans_in.items() if bb == b and span]
        if not options:
            continue
        size = max(len(span) for _, span in options)
        covered = max(len(span & reported.get(w, set())) / len(span) for w, span in options)
        totals["omit_gold"] += size
        totals["omit_tp_r"] += covered * size


class Analyses:
    """``unspun.analyze`` per record, read from and written to a cache file when one is given
    (a rerun that changes only ``compare`` then skips analysis; drop the file after changing
    anything the analysis does)."""

    def __init__(self, path: Path | None):
        self.path, self.known = path, {}
        if path and path.exists():
            for line in gzip.open(path, "rt", encoding="utf-8"):
                d = json.loads(line)
                self.known[(d["id"], d["sha"])] = d["article"]
        self.new: list[dict] = []

    def get(self, rec: dict) -> unspun.Article:
        key = (rec["id"], hashlib.sha256(rec["text"].encode("utf-8")).hexdigest())
        if key in self.known:
            return unspun.Article.from_dict(self.known[key])
        article = unspun.analyze(rec["text"], outlet=rec["outlet"])
        if self.path:
            self.new.append({"id": key[0], "sha": key[1], "article": article.to_dict()})
        return article

    def save(self) -> None:
        if self.path and self.new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(self.path, "at", encoding="utf-8") as f:
                for d in self.new:
                    f.write(json.dumps(d, ensure_ascii=False) + "\n")
            self.new.clear()


def missed_as(d: dict) -> str:
    """How the added characters that were not labelled ``added`` were labelled (none: in no segment)."""
    missed = sorted(((int(c), k.removeprefix("missed_as_")) for k, c in d.items() if k.startswith("missed_as_")),
                    reverse=True)
    return ", ".join(f"{label} {count:,}" for count, label in missed) or "-"


def ratio(d: dict, a: str, b: str) -> str:
    return f"{d[a] / d[b]:.4f}" if d[b] else "-"


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def corpus_for(args: argparse.Namespace) -> tuple[Path, str]:
    """The corpus path and a line saying which split it is (generated when missing)."""
    if args.corpus:
        return args.corpus, f"corpus {args.corpus}: split unknown (a given file; say which seed made it)"
    seed = SPLITS[args.split]
    path = OUT / f"compare-{args.split}-seed{seed}-{args.docs}.jsonl.gz"
    if not path.exists():
        from storygen import write
        write(args.docs, seed, path, story_share=0.3, distractor_rate=0.15)
    role = "thresholds may be chosen on it" if args.split == "tuning" else "never used to choose thresholds"
    return path, (f"corpus {path.relative_to(ROOT)}: {args.split} split "
                  f"(storygen --seed {seed} --docs {args.docs}; {role})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", type=Path, nargs="?", help="a storygen corpus (default: the --split corpus)")
    p.add_argument("--split", choices=sorted(SPLITS), default="report",
                   help="tuning: seed 1, to choose thresholds on; report: seed 2, never tuned on (default)")
    p.add_argument("--docs", type=int, default=2000, help="documents in a generated split corpus")
    p.add_argument("--stories", type=int, default=60, help="stories to compare (the first by story id)")
    p.add_argument("--cache", action="store_true", help="keep analyses in benchmarks/out/CORPUS.analysed.jsonl.gz "
                   "and reuse them (for reruns that change only compare; delete it after changing the analysis)")
    args = p.parse_args()
    path, which = corpus_for(args)
    print(which)
    analyses = Analyses(OUT / (path.name.removesuffix(".jsonl.gz") + ".analysed.jsonl.gz") if args.cache else None)
    if args.cache:
        print(f"analyses cached in {analyses.path} ({len(analyses.known):,} reused)")
    stories = load_stories(path, args.stories)
    totals: dict = defaultdict(float)
    per_type: dict = defaultdict(lambda: defaultdict(float))
    analyse_s = compare_s = 0.0
    n_versions = 0
    for k, versions in enumerate(stories):
        t = time.perf_counter()
        articles = [analyses.get(r) for r in versions]
        analyse_s += time.perf_counter() - t
        t = time.perf_counter()
        result = compare(articles)
        compare_s += time.perf_counter() - t
        n_versions += len(versions)
        evaluate(versions, result, totals, per_type)
        if (k + 1) % 10 == 0:
            analyses.save()
            print(f"  {k + 1}/{len(stories)} stories", file=sys.stderr)
    analyses.save()

    ap, ar = (totals["added_tp"] / totals[b] if totals[b] else 1.0 for b in ("added_pred", "added_gold"))
    op, orr = (totals[a] / totals[b] if totals[b] else 1.0 for a, b in (("omit_tp_p", "omit_pred"),
                                                                         ("omit_tp_r", "omit_gold")))
    print("| stories | versions | added P | added R | added F1 | omitted P | omitted R | omitted F1 | analyse s/version "
          "| compare s/story |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(stories)} | {n_versions} | {ap:.4f} | {ar:.4f} | {f1(ap, ar):.4f} | {op:.4f} | {orr:.4f} | "
          f"{f1(op, orr):.4f} | {analyse_s / max(1, n_versions):.3f} | {compare_s / max(1, len(stories)):.3f} |")
    print(f"(added: {int(totals['added_gold']):,} gold chars, {int(totals['added_pred']):,} predicted; "
          f"omitted: {int(totals['omit_gold']):,} gold chars, {int(totals['omit_pred']):,} predicted)")
    print()
    print("| edit type | added gold | added pred | added P | added R | rew pred | rew P | rew P any "
          "| rew sentences | rew found | added missed as |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for kind, d in list(per_type.items()):
        for k, c in d.items():
            if k.startswith("missed_as_"):
                totals[k] += c
    rows = [(kind, per_type[kind]) for kind in TYPES if kind in per_type] + [("all", totals)]
    for kind, d in rows:
        print(f"| {kind} | {int(d['added_gold']):,} | {int(d['added_pred']):,} | {ratio(d, 'added_tp', 'added_pred')} "
              f"| {ratio(d, 'added_tp', 'added_gold')} | {int(d['rew_pred']):,} | {ratio(d, 'rew_ok', 'rew_pred')} "
              f"| {ratio(d, 'rew_ok_any', 'rew_pred')} | {int(d['rew_sentences']):,} "
              f"| {ratio(d, 'rew_found', 'rew_sentences')} | {missed_as(d)} |")
    print()
    for label in ("shared", "kept"):
        n = totals[f"{label}_chars"]
        got = {k.split("_as_")[1]: int(c) for k, c in totals.items() if k.startswith(f"{label}_as_")}
        print(f"truth {label} (same words in another version): {int(n):,} chars; labelled {got}; "
              f"as added (errors): {got.get('added', 0):,}")
    OUT.mkdir(parents=True, exist_ok=True)
    name = args.split if not args.corpus else "given"
    (OUT / f"compare-bench-{name}.json").write_text(json.dumps(
        {"corpus": which, "stories": len(stories), "versions": n_versions, "totals": totals,
         "per_type": {k: dict(v) for k, v in per_type.items()}}, indent=1))


if __name__ == "__main__":
    main()

"""``unspun compare`` and ``unspun stories`` on real republications (../shared/data/real-stories).

    python benchmarks/compare_real.py [--verbose] [--paraphrases]

Each cluster holds one wire story as several outlets ran it, hard negatives (other coverage of
the same event) and ``expected.json``. For every cluster the versions are analysed with
``unspun.analyze`` and compared in the order ``expected.json`` lists them, and the script
reports (characters counted without whitespace):

- insertion recall: characters of the listed ``insertions`` (what one outlet added) that
  ``compare`` labels ``added`` (target >= 0.95);
- shared violations: characters of the ``shared`` strings (every version carries them) that
  ``compare`` labels ``added`` in any version (target: none);
- reworded: characters of the listed ``reworded`` strings labelled ``reworded``, and labelled
  ``added`` (the second is an error: another version has them in other words);
- other added: characters labelled ``added`` outside the listed insertions (mostly the tails
  of longer versions, as the stored pages are cut at about 2,000 bytes, and headline slugs);
- grouping: ``unspun stories`` over versions and negatives: are the versions one copy story
  and every negative outside it.

This is a development check, never a tuning set: thresholds are chosen on generated corpora.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import unspun  # noqa: E402
from unspun.stories.diff import compare  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "real-stories"


def char_labels(text: str, version: dict) -> list[str | None]:
    out: list[str | None] = [None] * len(text)
    for s in version["segments"]:
        for i in range(s["start"], s["end"]):
            out[i] = s["label"]
    return out


def places(text: str, piece: str) -> list[int]:
    at = text.find(piece)
    if at < 0:
        return []
    return [i for i in range(at, at + len(piece)) if not text[i].isspace()]


def evaluate(folder: Path, verbose: bool, embed: bool = False) -> dict:
    exp = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    names = exp["versions"]
    texts = [(folder / n).read_text(encoding="utf-8") for n in names]
    articles = [unspun.analyze(t) for t in texts]
    result = compare(articles, embed=embed)
    labels = [char_labels(t, v) for t, v in zip(texts, result["versions"])]
    tot = {"ins": 0, "ins_added": 0, "shared": 0, "shared_added": 0, "rew": 0, "rew_reworded": 0,
           "rew_added": 0, "other_added": 0, "missing_strings": 0}
    listed: list[set[int]] = [set() for _ in names]
    for v, name in enumerate(names):
        for piece in exp["insertions"].get(name, []):
            where = places(texts[v], piece)
            if not where:
                tot["missing_strings"] += 1
                continue
            listed[v] |= set(where)
            got = sum(1 for i in where if labels[v][i] == "added")
            tot["ins"] += len(where)
            tot["ins_added"] += got
            if verbose and got < len(where):
                miss = "".join(texts[v][i] if labels[v][i] != "added" else "_" for i in range(min(where), max(where) + 1))
                print(f"  [{folder.name}/{name}] insertion not all added: {miss!r}")
        for piece in exp.get("reworded", {}).get(name, []):
            where = places(texts[v], piece)
            if not where:
                tot["missing_strings"] += 1
                continue
            tot["rew"] += len(where)
            tot["rew_reworded"] += sum(1 for i in where if labels[v][i] == "reworded")
            added = sum(1 for i in where if labels[v][i] == "added")
            tot["rew_added"] += added
            if verbose and added:
                print(f"  [{folder.name}/{name}] reworded string partly added: {piece!r}")
        for piece in exp.get("shared", []):
            where = places(texts[v], piece)
            if not where:
                tot["missing_strings"] += 1
                continue
            tot["shared"] += len(where)
            bad = sum(1 for i in where if labels[v][i] == "added")
            tot["shared_added"] += bad
            if verbose and bad:
                print(f"  [{folder.name}/{name}] shared string added: {piece!r}")
        other = [i for i, x in enumerate(labels[v]) if x == "added" and i not in listed[v] and not texts[v][i].isspace()]
        tot["other_added"] += len(other)
        if verbose:
            for s in result["versions"][v]["segments"]:
                if s["label"] == "added" and not any(s["start"] <= i < s["end"] for i in listed[v]):
                    print(f"  [{folder.name}/{name}] other added: {texts[v][s['start']:s['end']][:120]!r}")
    # grouping with the real command
    paths = [str(folder / n) for n in names + exp["negatives"]]
    proc = subprocess.run([sys.executable, "-m", "unspun", "stories", *paths, "--format", "json"],
                          capture_output=True, text=True, timeout=600)
    stories = json.loads(proc.stdout)["stories"] if proc.stdout.strip() else []
    groups = []
    for st in stories:
        if st["kind"] != "copy":
            continue
        groups.append({Path(m["source"]["path"]).name for m in st["members"] if (m.get("source") or {}).get("path")})
    biggest = max(groups, key=lambda g: len(g & set(names)), default=set())
    tot["versions_together"] = len(biggest & set(names))
    tot["versions"] = len(names)
    tot["negatives_in"] = len(biggest & set(exp["negatives"]))
    tot["negatives"] = len(exp["negatives"])
    return tot


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--verbose", action="store_true", help="print every miss and every other addition")
    p.add_argument("--paraphrases", action="store_true", help="compare as `unspun compare --paraphrases` does")
    args = p.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA}: not present (../shared is only on developer machines)")
    rows = []
    for folder in sorted(d for d in DATA.iterdir() if (d / "expected.json").exists()):
        rows.append((folder.name, evaluate(folder, args.verbose, args.paraphrases)))
    print("| cluster | insertion recall | shared added | reworded as reworded | reworded as added | other added chars "
          "| versions grouped | negatives in group |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    total: dict = {}
    for name, t in rows:
        for k, x in t.items():
            total[k] = total.get(k, 0) + x
        print(_row(name, t))
    print(_row("all", total))


def _row(name: str, t: dict) -> str:
    r = lambda a, b: f"{t[a] / t[b]:.3f}" if t[b] else "-"  # noqa: E731
    return (f"| {name} | {r('ins_added', 'ins')} ({t['ins']}) | {t['shared_added']} / {t['shared']} | "
            f"{r('rew_reworded', 'rew')} | {r('rew_added', 'rew')} | {t['other_added']} | "
            f"{t['versions_together']}/{t['versions']} | {t['negatives_in']}/{t['negatives']} |")


if __name__ == "__main__":
    main()

"""Crafted and oversized input on the analysis path: time per character as the input grows, and
peak RSS of one worker as the article grows.

    flock /tmp/unspun-cpu.lock python benchmarks/adversarial.py                 # crafted patterns, 1x/4x/16x
    flock /tmp/unspun-cpu.lock python benchmarks/adversarial.py --rss 10000 100000 1000000
    flock /tmp/unspun-cpu.lock python benchmarks/adversarial.py --fuzz 1000     # mutations via unspun.analyze

Crafted patterns (issue 29): each is timed at 1x, 4x and 16x its base repetition count through
the stage that was quadratic (sentence splitting, spaCy's tokenizer, the rule cue finder) and,
at 1x and 4x, through the whole analysis (``unspun.analyze``). ``growth`` is the time ratio of
16x to 1x divided by 16: about 1 is linear, 4 would be quadratic at 4x per step.

Long articles: a news-like article of this file's own paragraphs repeated to the size; each
size runs in a fresh process (``unspun.analyze``, learned path) and reports its peak RSS
(``ru_maxrss``) and time.

Fuzz: short articles of this file's own, mutated (characters inserted, deleted, repeated,
punctuation runs, quotation marks, control characters, long words), analysed with and without
the models; counts exceptions by type, checks span invariants (``0 <= start <= end <=
len(text)``) and that a rerun gives byte-identical JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time

PARAS = [
    "Council approves new tram line after months of debate",
    "The city council voted 31 to 12 on Tuesday to build a tram line linking the northern estates "
    "with the river quarter, ending a dispute that had split the governing coalition since spring.",
    "\u201cThis is the most important decision this chamber has taken in a decade,\u201d said councillor "
    "Amira Haddad, who chairs the transport committee.",
    "Opponents called the plan a reckless gamble with public money. Deputy leader Jonas Berg said the "
    "estimated cost of 480 million had been drawn up by people who would never have to pay it.",
    "According to the finance office, the first section would open in 2029 and carry about 40,000 "
    "passengers a day.",
    "Shop owners on Market Street fear months of roadworks. \u201cWe barely survived the last closure,\u201d "
    "said baker Lina Moreau. \u201cAnother year of this and we are finished.\u201d",
    "The mayor told reporters the city had secured a grant from the national infrastructure fund, "
    "though officials declined to say how large it was.",
    "Critics say the vote was rushed through before the summer recess to avoid a public inquiry.",
]

# name -> (piece, base repetitions, stage)
PATTERNS = {
    "Mr. x N": ("Mr. ", 4000, "sentences"),
    "\u201cA.\u201d x N": ("\u201cA.\u201d ", 4000, "sentences"),
    "! x N": ("!", 2500, "tokenizer"),
    "(( x N": ("(", 2500, "tokenizer"),
    "He said: x N": ("He said: ", 250, "cues"),
}


def article(size: int) -> str:
    """About ``size`` characters of news-like text: the headline, then the paragraphs repeated."""
    out, n, k = [], 0, 0
    while n < size:
        p = PARAS[k % len(PARAS)] if k < len(PARAS) else PARAS[1 + (k - 1) % (len(PARAS) - 1)]
        out.append(p)
        n += len(p) + 2
        k += 1
    return "\n\n".join(out)


def _stage(stage: str, text: str) -> None:
    from unspun.article import Article

    if stage == "sentences":
        from unspun.stages.sentences import sentences

        sentences(Article(text=text))
    elif stage == "tokenizer":
        from unspun.stages.parsing import entities

        entities([text])
    elif stage == "cues":
        from unspun.stages.cues import find_cues
        from unspun.stages.parsing import parse

        for doc in parse([text]):
            find_cues(doc, 0)
    elif stage == "analyze":
        import unspun

        unspun.analyze(text=text)
    elif stage == "analyze-rules":
        import unspun

        unspun.analyze(text=text, models=False)


def _timed(stage: str, text: str) -> float:
    t0 = time.perf_counter()
    _stage(stage, text)
    return time.perf_counter() - t0


def patterns(scales=(1, 4, 16), whole=(1, 4)) -> list[str]:
    _stage("analyze", "Warm up. The models load once.")
    _stage("analyze-rules", "Warm up. The parser loads once.")
    rows = ["| pattern | stage | chars at 1x | " + " | ".join(f"{s}x s" for s in scales)
            + " | us/char 1x | us/char 16x | growth (16x/1x/16) |",
            "|---|---|---:|" + "---:|" * len(scales) + "---:|---:|---:|"]
    for name, (piece, base, stage) in PATTERNS.items():
        for st, sc in ((stage, scales), ("analyze", whole), ("analyze-rules", whole)):
            times = {s: _timed(st, piece * (base * s)) for s in sc}
            n1, nl = len(piece) * base, len(piece) * base * sc[-1]
            per1, perl = times[sc[0]] / n1 * 1e6, times[sc[-1]] / nl * 1e6
            cells = [f"{times[s]:.2f}" if s in times else "" for s in scales]
            rows.append(f"| `{name}` | {st} | {n1} | " + " | ".join(cells)
                        + f" | {per1:.1f} | {perl:.1f} | {perl / per1:.2f} ({sc[-1]}x) |")
            print(rows[-1], flush=True)
    return rows


def rss(sizes: list[int], no_torch: bool = False) -> list[str]:
    rows = ["| article | chars | spans | seconds | peak RSS MB |", "|---|---:|---:|---:|---:|"]
    for size in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)] + (["--no-torch"] if no_torch else []),
                             capture_output=True, text=True)
        if out.returncode:
            rows.append(f"| {size} | failed: {out.stderr.strip().splitlines()[-1:]} | | | |")
        else:
            got = json.loads(out.stdout)
            rows.append(f"| {size // 1000} KB | {got['chars']} | {got['spans']} | {got['seconds']:.1f} | {got['peak_mb']} |")
        print(rows[-1], flush=True)
    return rows


def one(size: int, no_torch: bool = False) -> None:
    if no_torch:  # as installed without the train extra: spaCy's thinc then imports no torch (~260 MB)
        sys.modules["torch"] = None
    import unspun

    text = article(size)
    t0 = time.perf_counter()
    a = unspun.analyze(text=text)
    print(json.dumps({"chars": len(text), "spans": len(a.spans), "seconds": time.perf_counter() - t0,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


_INSERTS = ["\u201c", "\u201d", "\"", "'", ".", "!", "?", "...", "\u2026", ":", ";", "(", ")", "\n", "\n\n", " ",
            "\t", "\x1b[31m", "\x00", "\x07", "\u200b", "\u202e", "Mr.", "U.S.", "said", "\u00e9", "\U0001F600",
            "\ufeff", "https://example.com/a?b=c", "-" * 40, "!" * 300, "A" * 500, "\u201cA.\u201d " * 20]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        i = rng.randint(0, len(text))
        if op < 0.45:
            text = text[:i] + rng.choice(_INSERTS) + text[i:]
        elif op < 0.65 and text:
            j = min(len(text), i + rng.randint(1, 40))
            text = text[:i] + text[j:]
        elif op < 0.8 and text:
            j = min(len(text), i + rng.randint(1, 30))
            text = text[:i] + text[i:j] * rng.randint(2, 20) + text[j:]
        elif op < 0.9:
            text = text[:i] + chr(rng.randint(1, 0x2FFF)) + text[i:]
        else:
            j = min(len(text), i + rng.randint(1, 60))
            text = text[:i] + text[i:j].upper() + text[j:]
    return text


def fuzz(n: int, seed: int = 0) -> dict:
    import unspun

    rng = random.Random(seed)
    bases = ["\n\n".join(PARAS[:k]) for k in range(1, len(PARAS) + 1)] + [PARAS[2], PARAS[5]]
    errors: dict[str, int] = {}
    bad_spans = unstable = done = 0
    t0 = time.perf_counter()
    for k in range(n):
        text = mutate(rng.choice(bases), rng)
        models = k % 2 == 0
        try:
            first = unspun.analyze(text=text, models=models)
            again = unspun.analyze(text=text, models=models)
        except Exception as exc:  # noqa: BLE001 - counted by type
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            continue
        done += 1
        n_text = len(first.text)
        if any(not (0 <= s.start <= s.end <= n_text) for s in first.spans):
            bad_spans += 1
        if first.to_json() != again.to_json():
            unstable += 1
    return {"mutations": n, "analysed": done, "exceptions": errors, "span_invariant_failures": bad_spans,
            "rerun_differences": unstable, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rss", type=int, nargs="*", help="article sizes (characters) for peak RSS")
    ap.add_argument("--fuzz", type=int, help="number of mutations through unspun.analyze")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-torch", action="store_true",
                    help="with --rss: hide torch, as a plain `pip install unspun` (no train extra) has none")
    ap.add_argument("--scales", type=int, nargs="*", default=[1, 4, 16])
    args = ap.parse_args()
    if args.one:
        one(args.one, args.no_torch)
    elif args.rss:
        print("\n".join(rss(args.rss, args.no_torch)))
    elif args.fuzz:
        print(json.dumps(fuzz(args.fuzz), indent=1))
    else:
        print("\n".join(patterns(tuple(args.scales))))


if __name__ == "__main__":
    main()

"""Fuzz the command line: mutated articles of this repository's own examples, as one JSONL batch
through ``unspun analyze`` (a real subprocess), run twice.

Each record is a mutation of ``examples/*.txt`` or ``examples/story/*.txt``: cut, doubled,
shuffled lines, inserted control characters, quote marks, dashes, long runs of punctuation,
unpaired surrogate escapes, odd field types, or a broken JSON line. Checked:

- the exit code is 0, 1 or 2 and nothing prints a traceback or an "internal error";
- every stderr line names its input (``PATH:LINE: reason``), one line each;
- no record is lost: each comes out (possibly with a warning line) or is reported bad;
- every span lies inside its text (0 <= start <= end <= len(text));
- a second run prints byte-identical output.

    python benchmarks/fuzz_cli.py [--n 1000] [--seed 0] [--models] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "examples").glob("*.txt")) + sorted((ROOT / "examples" / "story").glob("*.txt"))
NOISE = ["\x1b[2J", "\x00", "\u200b", "\ufeff", "“", "”", "\"", "'", "–", "—", "!" * 40, "Mr. " * 30,
         "He said: " * 20, "\n\n", "\r\n", "\t", "\x85", "\u2028", "(AP) — ", "© 2025 ", "Share this article"]


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        if op == 0 and len(text) > 10:  # cut a stretch
            a = rng.randrange(len(text))
            text = text[:a] + text[a + rng.randint(1, 400):]
        elif op == 1:  # insert noise
            a = rng.randrange(len(text) + 1)
            text = text[:a] + rng.choice(NOISE) + text[a:]
        elif op == 2:  # shuffle lines
            lines = text.split("\n")
            rng.shuffle(lines)
            text = "\n".join(lines)
        elif op == 3 and len(text) < 20000:  # double a stretch
            a = rng.randrange(len(text) + 1)
            text = text[:a] + text[a:a + rng.randint(1, 2000)] * 2 + text[a:]
        elif op == 4:  # random code points
            a = rng.randrange(len(text) + 1)
            text = text[:a] + "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randint(1, 30))) + text[a:]
        else:  # drop to a fragment
            text = text[: rng.randint(0, len(text))]
    return text


def record(rng: random.Random, i: int) -> str:
    text = mutate(rng, rng.choice(SOURCES).read_text(encoding="utf-8"))
    rec: dict = {"id": f"f{i}", "text": text}
    roll = rng.random()
    if roll < 0.05:
        rec["title"] = rng.choice([None, 7, ["x"], "Title \x1b[31m", ""])
    elif roll < 0.10:
        rec["url"] = rng.choice(["http://[", "ftp://x", 12, "https://hosted.ap.org/a/b", "  "])
    elif roll < 0.13:
        rec["text"] = rng.choice([None, 5, {"a": 1}])
    line = json.dumps(rec, ensure_ascii=rng.random() < 0.5)
    if roll > 0.97:
        return line[: rng.randrange(len(line))]  # a broken line
    if 0.94 < roll <= 0.97:
        return line.replace("\\n", "\\udfff", 1) if "\\n" in line else line + "{"
    return line


def run(path: Path, models: bool, jobs: int) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "unspun", "analyze", str(path), "--format", "jsonl", "-j", str(jobs)]
    if not models:
        args.append("--no-models")
    return subprocess.run(args, capture_output=True, timeout=7200)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", action="store_true", help="the default model path (slower); default --no-models")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    lines = [record(rng, i) for i in range(args.n)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        t0 = time.perf_counter()
        first = run(path, args.models, args.jobs)
        seconds = time.perf_counter() - t0
        second = run(path, args.models, args.jobs)
    err = [line for line in first.stderr.decode("utf-8", "replace").split("\n") if line]
    out = [line for line in first.stdout.decode("utf-8").split("\n") if line]
    problems = []
    if first.returncode not in (0, 1, 2):
        problems.append(f"exit code {first.returncode}")
    if any("Traceback" in line or "internal error" in line for line in err):
        problems.append("a traceback or internal error on stderr")
    bad_lines = [line for line in err if line.startswith(str(path) + ":")]
    stray = [line for line in err if not line.startswith(str(path) + ":")]
    if stray:
        problems.append(f"{len(stray)} stderr lines not naming the input, e.g. {stray[0][:120]!r}")
    bad_records = {line.split(":", 2)[1] for line in bad_lines}
    spans_bad, analysed = 0, set()
    for line in out:
        a = json.loads(line)
        analysed.add(str(a["source"]["record"]))
        n = len(a["text"])
        spans_bad += sum(not (0 <= s["start"] <= s["end"] <= n) for s in a["spans"])
    if spans_bad:
        problems.append(f"{spans_bad} spans outside their text")
    # a record is analysed (possibly with a warning line) or reported bad: none is lost
    if len(analysed | bad_records) != args.n or len(analysed) != len(out):
        problems.append(f"{len(analysed | bad_records)} of {args.n} records accounted for")
    if first.stdout != second.stdout:
        problems.append("the second run printed different output")
    print(f"{args.n} mutated records ({'models' if args.models else '--no-models'}, -j {args.jobs}, seed "
          f"{args.seed}): exit {first.returncode}, {len(out)} analysed, {len(bad_records - analysed)} bad records reported, "
          f"{len(bad_records & analysed)} analysed with a warning, {seconds:.0f} s; problems: {len(problems)}")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

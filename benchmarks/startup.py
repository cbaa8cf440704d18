"""Start-up time: ``import unspun`` alone, and import + the first ``unspun.analyze`` of the bundled
example (models loaded), each in a fresh process, for one or more source trees in the same run.

    python benchmarks/startup.py [--runs 3] [--src DIR ...]

``--src`` names a ``src`` folder to import ``unspun`` from (default: this checkout's); give two
(say a ``git archive`` of an earlier commit, then this one) to compare them. Rounds alternate
between the trees so that load on a shared machine falls on both alike. Prints a markdown table:
the median of the runs, and each tree's ratio to the first.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "harbour-strike.txt"
_FIRST = """
import time
t = time.perf_counter()
import unspun
i = time.perf_counter()
unspun.analyze(open({path!r}, encoding="utf-8").read())
e = time.perf_counter()
print(i - t, e - t)
"""


def import_time(src: str) -> float:
    """``-X importtime``'s cumulative microseconds for ``unspun``, in seconds."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", "import unspun"], capture_output=True,
                         text=True, check=True, env=_env(src))
    for line in run.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| unspun$", line)
        if m:
            return int(m.group(1)) / 1e6
    raise RuntimeError(f"no 'unspun' line in -X importtime output for {src}")


def first_analysis(src: str) -> tuple[float, float]:
    """(import, import + first analyze) seconds in a fresh process."""
    run = subprocess.run([sys.executable, "-c", _FIRST.format(path=str(EXAMPLE))], capture_output=True,
                         text=True, check=True, env=_env(src))
    a, b = run.stdout.split()
    return float(a), float(b)


def _env(src: str) -> dict:
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--src", action="append", default=None, metavar="DIR")
    args = ap.parse_args(argv)
    srcs = [str(Path(s).resolve()) for s in (args.src or [str(ROOT / "src")])]
    got: dict[str, dict[str, list[float]]] = {s: {"importtime": [], "import": [], "first": []} for s in srcs}
    for _ in range(args.runs):
        for src in srcs:
            got[src]["importtime"].append(import_time(src))
            imp, first = first_analysis(src)
            got[src]["import"].append(imp)
            got[src]["first"].append(first)
    med = {s: {k: statistics.median(v) for k, v in d.items()} for s, d in got.items()}
    base = med[srcs[0]]
    print("| tree | `-X importtime` unspun (s) | import, timer (s) | import + first analyze (s) | ratio to first tree |")
    print("|---|---:|---:|---:|---:|")
    for src in srcs:
        m = med[src]
        runs = ", ".join(f"{v:.2f}" for v in got[src]["first"])
        print(f"| {src} | {m['importtime']:.3f} | {m['import']:.3f} | {m['first']:.2f} ({runs}) | "
              f"{m['first'] / base['first']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

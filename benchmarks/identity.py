"""Identity guard: sha256 of each article's ``Article.to_json()`` over a fixed set of inputs.

A change that restructures code without meaning to change results is checked by recording
the hashes before it and comparing after it:

    python benchmarks/identity.py --record benchmarks/labels/identity.json
    python benchmarks/identity.py --check benchmarks/labels/identity.json
    python benchmarks/identity.py --check FILE --sets examples --limit 50   # a quick subset

Inputs (``--sets``, default all three):

- ``examples``: the bundled examples (``examples/``, every file the readers accept);
- ``ptc``: the PTC dev articles (``../shared/data/ptc/dev-articles``, 75);
- ``polnear``: the first ``--polnear N`` PolNeAR articles by name (default 200), dev split
  first, then train (``../shared/data/polnear/data/<split>/text``).

Each input is read as ``unspun analyze`` reads a file, under a path relative to the
repository (``examples/…``) or to ``../shared/data`` (``ptc/dev-articles/…``,
``polnear/data/<split>/text/…``), so ``source.path`` does not depend on where the checkout
lies, and analysed by ``analyze_document`` on the default (learned) path, or ``--no-models``.
A set whose data is absent is skipped with the reason printed.

``--limit N`` keeps the first N inputs of each set (the same N everywhere, so a subset of
a recorded manifest). ``--check`` compares the inputs both sides have, lists each differing
input (with ``--dump DIR``, writing its new JSON there to diff) and exits 1 when any differs
or when an input analysed now was not recorded; 0 otherwise. Hashes are not article text:
the manifest may be committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SETS = ("examples", "ptc", "polnear")


def inputs(name: str, polnear: int = 200) -> tuple[list[tuple[str, Path]], str | None]:
    """``([(label, path)], reason)`` for one set: the reason says why the list is empty."""
    if name == "examples":
        from unspun.read import format_of

        folder = ROOT / "examples"
        found = sorted(p for p in folder.rglob("*") if p.is_file() and format_of(p.name))
        return [(p.relative_to(ROOT).as_posix(), p) for p in found], None if found else f"no examples in {folder}"
    if name == "ptc":
        folder = SHARED / "ptc" / "dev-articles"
        if not folder.is_dir():
            return [], f"PTC dev articles not found at {folder}"
        return [(p.relative_to(SHARED).as_posix(), p) for p in sorted(folder.glob("*.txt"))], None
    if name == "polnear":
        base = SHARED / "polnear" / "data"
        if not (base / "dev" / "text").is_dir():
            return [], f"PolNeAR data not found at {base}"
        found = [(p.relative_to(SHARED).as_posix(), p) for split in ("dev", "train")
                 for p in sorted((base / split / "text").glob("*.txt"))]
        return found[:polnear], None
    raise ValueError(f"unknown set {name!r} (one of {', '.join(SETS)})")


def article_jsons(label: str, path: Path, models: bool):
    """``(key, json)`` for each article read from one input (a key per record when a file holds several)."""
    from unspun.pipeline import analyze_document
    from unspun.read import BadInput, read_file

    base = path.parents[len(Path(label).parts) - 1]
    here = os.getcwd()
    os.chdir(base)  # read under the relative label, so that source.path is the label
    try:
        docs = list(read_file(label))
    finally:
        os.chdir(here)
    for i, doc in enumerate(docs):
        key = label if len(docs) == 1 else f"{label}#{i}"
        if isinstance(doc, BadInput):
            yield key, f"bad input: {doc.reason}"
        else:
            yield key, analyze_document(doc, models=models).to_json()


def run(sets: list[str], models: bool, polnear: int, limit: int | None,
        dump: Path | None = None, progress: bool = True) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for name in sets:
        found, reason = inputs(name, polnear)
        if reason:
            print(f"skipped {name}: {reason}", file=sys.stderr)
            continue
        found = found[:limit] if limit else found
        start = time.perf_counter()
        for label, path in found:
            for key, text in article_jsons(label, path, models):
                hashes[key] = hashlib.sha256(text.encode("utf-8")).hexdigest()
                if dump is not None:
                    out = dump / (key.replace("/", "__").replace("#", "_") + ".json")
                    out.write_text(text, encoding="utf-8")
        if progress:
            print(f"{name}: {len(found)} inputs in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return hashes


def compare(recorded: dict[str, str], now: dict[str, str]) -> tuple[list[str], list[str]]:
    """``(differing, unrecorded)``: inputs whose hash changed, inputs analysed now but not recorded."""
    differing = [k for k in now if k in recorded and recorded[k] != now[k]]
    unrecorded = [k for k in now if k not in recorded]
    return differing, unrecorded


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--record", metavar="FILE", help="write the hashes to FILE")
    what.add_argument("--check", metavar="FILE", help="compare with the hashes in FILE")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)} (default all)")
    ap.add_argument("--polnear", type=int, default=200, metavar="N", help="PolNeAR articles (default 200)")
    ap.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N inputs of each set")
    ap.add_argument("--no-models", action="store_true", help="the rule path (unspun analyze --no-models)")
    ap.add_argument("--dump", metavar="DIR", help="write each article's JSON into DIR (to diff a difference)")
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    bad = [s for s in sets if s not in SETS]
    if bad:
        print(f"identity.py: unknown set {bad[0]!r} (one of {', '.join(SETS)})", file=sys.stderr)
        return 2
    models = not args.no_models
    recorded: dict[str, str] = {}
    if args.check:
        try:
            manifest = json.loads(Path(args.check).read_text(encoding="utf-8"))
            recorded = manifest["hashes"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"{args.check}: not an identity manifest ({exc})", file=sys.stderr)
            return 2
        if manifest.get("models") != models:
            print(f"{args.check}: recorded with models={manifest.get('models')}, checking with models={models}",
                  file=sys.stderr)
            return 2
    dump = Path(args.dump) if args.dump else None
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
    now = run(sets, models, args.polnear, args.limit, dump)
    if args.record:
        manifest = {"models": models, "sets": sets, "polnear": args.polnear, "limit": args.limit,
                    "hashes": dict(sorted(now.items()))}
        Path(args.record).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        print(f"recorded {len(now)} hashes in {args.record}")
        return 0
    differing, unrecorded = compare(recorded, now)
    for key in differing:
        print(f"differs: {key}")
    for key in unrecorded:
        print(f"not recorded: {key}")
    same = len(now) - len(differing) - len(unrecorded)
    print(f"{same} of {len(now)} identical; {len(differing)} differ; {len(unrecorded)} not recorded")
    return 1 if differing or unrecorded else 0


if __name__ == "__main__":
    sys.exit(main())

"""Page metadata and furniture on real pages: title, date and outlet accuracy against hand labels.

Labels (made by reading the pages, independently of unspun):
  benchmarks/labels/metadata-pages.jsonl   {"path", "title", "date", "outlet", "note"?}
      pages of ../shared/data/article-extraction-benchmark, read as ``unspun analyze
      page.html`` would: ``unspun.analyze(html=bytes, models=False)``, no URL.
  benchmarks/labels/metadata-pastes.jsonl  {"path", "title", "date", "outlet",
      "furniture": [{"line", "sha1", "kind"}]}
      "select all, copy" pastes of some of those pages (benchmarks/make_pastes.py writes them
      to benchmarks/out/pastes/<hash>.txt), read with ``unspun.analyze(text=paste, models=False)``.
      ``line`` is the 0-based index in ``paste.splitlines()``, ``sha1`` the SHA-1 of that line
      stripped (a label whose line no longer matches is reported and not counted); ``kind`` is
      ticker, caption, slug or share.

Reported: title accuracy (case-folded, whitespace collapsed, quotes straightened, then exact),
date accuracy (YYYY-MM-DD; a page that shows no date is right when none is found), outlet
accuracy (normalised the same way) and a lenient outlet figure that also counts one normalised
name containing the other; for pages and pastes separately; and the number of labelled
furniture lines that end up inside a ``sentence`` span (target 0).

The date labels say what the saved page shows without scripts; a page that shows none is
labelled null. unspun gives such a page the publication date of its metadata, which a
fact-checker wants (the page shows it in a browser once scripts run). So the date is also
reported on the pages that show a date alone, and the no-date pages for which unspun gives a
day that the page's metadata states as the article's publication (read here independently of
unspun: a ``<meta>`` whose name, property or itemprop speaks of publishing, creation, issue or
``date``, not of a modification or update, or a JSON-LD ``datePublished``/``dateCreated``) are
counted, and listed with ``--verbose``; those are not errors in product terms.

    python benchmarks/metadata_eval.py [--verbose] [--src DIR] [--split all|dev|test]

``--src DIR`` imports unspun from DIR/src (e.g. a ``git worktree`` of an older commit), so the
same labels measure another version of the code. Skips when ../shared is absent.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
PAGE_LABELS = ROOT / "benchmarks" / "labels" / "metadata-pages.jsonl"
PASTE_LABELS = ROOT / "benchmarks" / "labels" / "metadata-pastes.jsonl"
PASTES = ROOT / "benchmarks" / "out" / "pastes"

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "`": "'"})


def norm(s: str | None) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s).translate(_QUOTES)
    return re.sub(r"\s+", " ", s).strip().casefold()


_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(name|property|itemprop|content)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_PUBLISH_KEY = re.compile(r"publish|pdate|pubdate|created|issued|date_original|^(?:dc\.)?date$", re.IGNORECASE)
_NOT_PUBLISH = re.compile(r"modif|updat|founding|expir", re.IGNORECASE)
_LD_DATE = re.compile(r'"(?:datePublished|dateCreated)"\s*:\s*"([^"]{6,60})"')


def _day(value: str) -> str | None:
    value = value.strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value) or re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", value)
    if m:
        return "-".join(m.groups())
    m = re.search(r"([A-Z][a-z]{2,8})\.? (\d{1,2}),? (\d{4})", value)
    if m:
        for fmt in ("%b %d %Y", "%B %d %Y"):
            try:
                return datetime.strptime(f"{m.group(1)} {m.group(2)} {m.group(3)}", fmt).date().isoformat()
            except ValueError:
                pass
    return None


def metadata_days(raw: bytes) -> set[str]:
    """The days a page's metadata states as its article's publication (see the module doc)."""
    html = raw.decode("utf-8", "replace")
    days = set()
    for tag in _META_TAG.findall(html):
        attrs = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}
        keys = " ".join(attrs.get(k, "") for k in ("name", "property", "itemprop"))
        if _PUBLISH_KEY.search(keys) and not _NOT_PUBLISH.search(keys) and attrs.get("content"):
            day = _day(attrs["content"])
            if day:
                days.add(day)
    for value in _LD_DATE.findall(html):
        day = _day(value)
        if day:
            days.add(day)
    return days


def load(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def digest(rec: dict) -> str:
    return Path(rec["path"]).name.split(".")[0]


def analyze_page(unspun, raw: bytes):
    try:
        return unspun.analyze(html=raw, models=False)
    except TypeError:
        # Versions whose API takes only str: decode as their own reader does for a file.
        from unspun.read.html import decode_html
        return unspun.analyze(html=decode_html(raw, "page"), models=False)


class Score:
    def __init__(self, name: str):
        self.name = name
        self.n = 0
        self.title = self.date = self.outlet = self.outlet_lenient = 0
        self.shown = self.shown_right = 0  # labels with a date (the page shows one)
        self.unshown = 0  # labels without one (the page shows none)
        self.metadata_dated: list[tuple] = []  # of those, given a publication day of the page's metadata
        self.errors = 0
        self.misses: list[tuple] = []

    def add(self, rec: dict, meta: dict | None, meta_days: set[str] | None = None) -> None:
        self.n += 1
        if rec.get("date"):
            self.shown += 1
        else:
            self.unshown += 1
        if meta is None:
            self.errors += 1
            self.misses.append((rec["path"], "error", "", "analysis failed"))
            return
        got_title, got_date, got_outlet = meta.get("title"), meta.get("date"), meta.get("outlet")
        if norm(got_title) == norm(rec["title"]):
            self.title += 1
        else:
            self.misses.append((rec["path"], "title", rec["title"], got_title))
        want_date = rec.get("date")
        if (got_date or None) and want_date:
            ok = str(got_date)[:10] == want_date
        else:
            ok = not got_date and not want_date
        if ok:
            self.date += 1
            self.shown_right += bool(want_date)
        elif not want_date and meta_days is not None and str(got_date)[:10] in meta_days:
            self.metadata_dated.append((rec["path"], got_date, rec.get("note", "")))
        else:
            self.misses.append((rec["path"], "date", want_date, got_date))
        a, b = norm(got_outlet), norm(rec["outlet"])
        if a == b:
            self.outlet += 1
            self.outlet_lenient += 1
        else:
            if a and b and (a in b or b in a):
                self.outlet_lenient += 1
            self.misses.append((rec["path"], "outlet", rec["outlet"], got_outlet))

    def report(self) -> list[str]:
        if not self.n:
            return [f"{self.name}: no labels"]
        f = lambda k: f"{k / self.n:.3f} ({k}/{self.n})"  # noqa: E731
        lines = [f"{self.name}: {self.n} labelled",
                 f"  title accuracy           {f(self.title)}",
                 f"  date accuracy            {f(self.date)}",
                 f"  date accuracy, pages that show a date "
                 f"{self.shown_right / max(self.shown, 1):.3f} ({self.shown_right}/{self.shown})",
                 f"  outlet accuracy          {f(self.outlet)}",
                 f"  outlet accuracy, lenient {f(self.outlet_lenient)}"]
        if self.unshown:
            k = len(self.metadata_dated)
            lines.append(f"  pages that show no date: {self.unshown}; given their metadata's publication day: {k}"
                         f" (not errors in product terms; date accuracy counting them right "
                         f"{(self.date + k) / self.n:.3f})")
        if self.errors:
            lines.append(f"  analysis errors          {self.errors}")
        return lines


def line_range(text: str, paste: str, index: int, stripped: str, cursor: int) -> tuple[int, int] | None:
    """Character range of paste line ``index`` in the article's text (which may be normalised)."""
    if text == paste:
        lines = paste.splitlines(keepends=True)
        start = sum(len(x) for x in lines[:index])
        lead = len(lines[index]) - len(lines[index].lstrip())
        return start + lead, start + lead + len(stripped)
    pos = text.find(stripped, cursor)
    if pos < 0:
        pos = text.find(stripped)
    if pos < 0:
        return None
    return pos, pos + len(stripped)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", "-v", action="store_true", help="list every miss (path, field, expected, got)")
    ap.add_argument("--src", metavar="DIR", help="import unspun from DIR/src (another checkout)")
    ap.add_argument("--split", choices=("all", "dev", "test"), default="all",
                    help="dev: the labels whose path's SHA-1 starts with an even hex digit (for tuning), "
                         "test: the others (for reporting); default all")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (the labelled pages live in ../shared/data)")
        return 0
    if args.src:
        sys.path.insert(0, str(Path(args.src).resolve() / "src"))
    import unspun
    print(f"unspun from {Path(unspun.__file__).resolve().parent}")

    def chosen(records: list[dict]) -> list[dict]:
        if args.split == "all":
            return records
        even = lambda r: int(hashlib.sha1(r["path"].encode()).hexdigest()[0], 16) % 2 == 0  # noqa: E731
        return [r for r in records if even(r) == (args.split == "dev")]

    pages = Score("pages")
    for rec in chosen(load(PAGE_LABELS)):
        raw = gzip.decompress((SHARED / rec["path"]).read_bytes())
        try:
            meta = analyze_page(unspun, raw).meta
        except Exception as exc:  # counted as a miss on every field
            print(f"  {rec['path']}: {type(exc).__name__}: {exc}", file=sys.stderr)
            meta = None
        pages.add(rec, meta, metadata_days(raw))

    pastes = Score("pastes")
    furniture = in_sentence = stale = 0
    furniture_misses: list[tuple] = []
    by_kind: dict[str, list[int]] = {}
    paste_labels = chosen(load(PASTE_LABELS))
    missing = [r for r in paste_labels if not (PASTES / f"{digest(r)}.txt").is_file()]
    if missing:
        print(f"{len(missing)} labelled pastes are not in {PASTES}: run python benchmarks/make_pastes.py")
    for rec in paste_labels:
        path = PASTES / f"{digest(rec)}.txt"
        if not path.is_file():
            continue
        paste = path.read_text(encoding="utf-8")
        try:
            art = unspun.analyze(text=paste, models=False)
        except Exception as exc:
            print(f"  paste {digest(rec)[:12]}: {type(exc).__name__}: {exc}", file=sys.stderr)
            pastes.add(rec, None)
            continue
        pastes.add(rec, art.meta)
        sentences = [(s.start, s.end) for s in art.spans if s.layer == "sentence"]
        lines = paste.splitlines()
        cursor = 0
        for item in sorted(rec.get("furniture", []), key=lambda x: x["line"]):
            i = item["line"]
            stripped = lines[i].strip() if i < len(lines) else ""
            if hashlib.sha1(stripped.encode("utf-8")).hexdigest() != item["sha1"]:
                stale += 1
                continue
            furniture += 1
            counts = by_kind.setdefault(item["kind"], [0, 0])
            counts[0] += 1
            rng = line_range(art.text, paste, i, stripped, cursor)
            if rng is None:
                continue  # the line is not in the analysed text at all
            cursor = rng[1]
            if any(s < rng[1] and e > rng[0] for s, e in sentences):
                in_sentence += 1
                counts[1] += 1
                furniture_misses.append((f"paste {digest(rec)[:12]}", f"furniture:{item['kind']}",
                                         f"line {i}", stripped[:100]))

    print("\n".join(pages.report()))
    print("\n".join(pastes.report()))
    print(f"furniture lines labelled in pastes: {furniture}; inside a sentence span: {in_sentence} (target 0)")
    for kind, (n, bad) in sorted(by_kind.items()):
        print(f"  {kind:8} {bad}/{n} in sentences")
    if stale:
        print(f"  {stale} furniture labels skipped: the paste line no longer matches its sha1")
    if args.verbose:
        if pages.metadata_dated:
            print("pages that show no date, given their metadata's publication day (path, date, note):")
            for m in pages.metadata_dated:
                print("  " + " | ".join(str(x) for x in m))
        print("misses (path, field, expected, got):")
        for m in pages.misses + [("paste " + p, *rest) for p, *rest in pastes.misses] + furniture_misses:
            print("  " + " | ".join(str(x) for x in m))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make "select all, copy" pastes of labelled benchmark pages with real headless Chromium.

For each chosen page of benchmarks/labels/metadata-pages.jsonl, the page's HTML from
../shared/data is decompressed to a temporary file, opened in headless Chromium
(JavaScript off, no network features) and ``document.body.innerText`` is written to
benchmarks/out/pastes/<hash>.txt -- the plain text a reader gets by selecting the whole
page and copying it, header, ticker, captions and footer included. The pastes stay
under benchmarks/out/ (git-ignored): only their hand-made labels are committed, in
benchmarks/labels/metadata-pastes.jsonl.

    python benchmarks/make_pastes.py            # the pages listed in PASTE_PAGES
    python benchmarks/make_pastes.py --all      # every labelled page

Needs /usr/bin/chromium, /usr/bin/chromedriver and selenium (pip install 'unspun[test]').
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
LABELS = ROOT / "benchmarks" / "labels" / "metadata-pages.jsonl"
OUT = ROOT / "benchmarks" / "out" / "pastes"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Hash prefixes of the pages pasted: news wires, newspapers, TV sites, magazines and
# blogs, chosen for the variety of their headers, date strips, captions and footers.
PASTE_PAGES = """
042bb7b5feda 05844573ca7e 06e5123e4ef7 08f793762792 098bb3e96c0a 0d46122928b6
14cc2a0ca59c 156770d676ce 16c30add7e96 1ee91d1fce65 1f765c487806 232a43fb15ab
264dc3ae3124 2c46804d9db4 30b771a40a4e 35b158918c67 360c732d1fdb 374ac9a59a85
39d5c43beb60 3f65af7b6b98 42aad16bde92 432362af0be4 4a44ab3e4c41 51d066b0602c
57d46c9d751e 5a822960e9a2 5caf91b8a442 5fa3154ec031 624fcd903d56 65ce3a4577a0
6ebac05f637e 70cb2d5bca75 776a1c046798 7916ecca969f 7ab16ade3238 82b6d780c792
833caf3bdba5 87bf60570e6e 88c328b68b03 8b1945303082 921019755f4a 961bd85ca85a
9ebb3af65694 c13b9c0e04fb c7e39ac49fa1 d605bdef2cde e372e42c0a3d e7994d550087
""".split()


def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="unspun-paste-profile-")
    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,2000"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {
        "profile.managed_default_content_settings.javascript": 2,
        "profile.managed_default_content_settings.images": 2,
    })
    opts.page_load_strategy = "eager"
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    d.set_page_load_timeout(30)
    return d, profile


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="paste every labelled page")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is absent (the benchmark pages live in ../shared/data)")
        return 0
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not os.access(exe, os.X_OK):
            print(f"skipped: {exe} is missing (apt-get install chromium chromium-driver)")
            return 0
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not args.all:
        labels = [r for r in labels if any(Path(r["path"]).name.startswith(p) for p in PASTE_PAGES)]
    OUT.mkdir(parents=True, exist_ok=True)
    d, profile = driver()
    tmp = Path(tempfile.mkdtemp(prefix="unspun-paste-html-"))
    done = 0
    try:
        for rec in labels:
            digest = Path(rec["path"]).name.split(".")[0]
            page = tmp / f"{digest}.html"
            page.write_bytes(gzip.decompress((SHARED / rec["path"]).read_bytes()))
            try:
                d.get(page.as_uri())
            except Exception as exc:  # a page that never finishes loading: take what rendered
                print(f"{digest[:12]}: load did not finish ({type(exc).__name__}); using what rendered",
                      file=sys.stderr)
            text = d.execute_script("return document.body ? document.body.innerText : ''") or ""
            (OUT / f"{digest}.txt").write_text(text, encoding="utf-8")
            done += 1
            print(f"{digest[:12]} {len(text.splitlines())} lines")
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{done} pastes in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

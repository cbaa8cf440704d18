"""Compare versions of one story: what each shares, rewords, adds and omits.

``compare(articles)`` returns the ``unspun compare`` JSON of DATA-MODEL.md::

    {"versions": [{"index", "id", "source",
                   "segments": [{"start", "end", "label", "voice", "techniques"}],
                   "omitted": [{"from", "start", "end", "text"}]}]}

Every version is aligned to every other (``align.align``). A token of a version is ``shared``
when some other version has it in the same words, ``reworded`` when some other version has
it only in other words, ``added`` when no other version has it. Segments are the runs of one
label inside a sentence (the space between two runs goes to the less notable side, so an
``added`` stretch starts and ends on its own words); the space between sentences and every
piece of furniture (dateline, byline, wire credit, boilerplate) is in no segment. The
headline is a unit of its own, compared only with the other headlines: a changed headline is
``reworded``, not ``added``, and a headline never counts as omitted.

The core is what appears in at least two versions. A version's ``omitted`` lists the core
stretches it lacks, each once, from the first version (lowest ``index``) that has it, in
that version's offsets; a stretch is cut at sentence ends and must hold a content word.

``voice`` is the label of the ``sentence`` span where the segment starts (``null`` when the
article has no sentence spans); ``techniques`` are the labels of ``technique`` spans that
overlap the segment.
"""

from __future__ import annotations

from bisect import bisect_right

from unspun.article import Article
from unspun.stories.align import REWORDED, SHARED, align
from unspun.stories.units import Units, article_units

LABELS = {SHARED: "shared", REWORDED: "reworded", None: "added"}
_RANK = {"shared": 0, "reworded": 1, "added": 2}


def compare(articles: list[Article], units: list[Units] | None = None) -> dict:
    """The comparison of ``articles`` (two or more versions, in input order).

    ``units`` may be given when the caller has them already (one per article).
    """
    units = units or [article_units(a) for a in articles]
    n = len(articles)
    # pair[v][w]: per token of v, its counterpart label in w
    pair = [[align(units[v], units[w]) if v != w else None for w in range(n)] for v in range(n)]
    versions = []
    for v, article in enumerate(articles):
        best = _best_labels(pair[v], len(units[v].tokens))
        versions.append({
            "index": v,
            "id": article.id,
            "source": article.source,
            "segments": _segments(article, units[v], best),
            "omitted": _omitted(v, units, pair),
        })
    return {"versions": versions}


def _best_labels(rows: list, count: int) -> list[str]:
    out = []
    for i in range(count):
        best = None
        for row in rows:
            if row is not None and row[i] is not None and (best is None or row[i] > best):
                best = row[i]
        out.append(LABELS[best])
    return out


def _segments(article: Article, units: Units, labels: list[str]) -> list[dict]:
    sentences = [(s.start, s.end, s.label) for s in article.layer("sentence")]
    starts = [s for s, _, _ in sentences]
    techniques = article.layer("technique")
    out = []
    for unit in units.sentences:
        runs: list[list] = []  # [start, end, label]
        for i in range(unit.first, unit.last):
            tok, label = units.tokens[i], labels[i]
            if runs and runs[-1][2] == label:
                runs[-1][1] = tok.end
                continue
            if runs:  # the gap goes to the less notable side
                if _RANK[label] < _RANK[runs[-1][2]]:
                    start = runs[-1][1]
                else:
                    start = tok.start
                    runs[-1][1] = tok.start
            else:
                start = tok.start
            runs.append([start, tok.end, label])
        for start, end, label in runs:
            out.append({
                "start": start, "end": end, "label": label,
                "voice": _voice(sentences, starts, start),
                "techniques": sorted({t.label for t in techniques if t.start < end and t.end > start}),
            })
    return out


def _voice(sentences: list[tuple[int, int, str]], starts: list[int], pos: int) -> str | None:
    k = bisect_right(starts, pos) - 1
    while k >= 0:
        s, e, label = sentences[k]
        if s <= pos < e:
            return label or None
        if e <= pos and k < len(sentences) - 1:
            break
        k -= 1
    return None


def _omitted(v: int, units: list[Units], pair: list) -> list[dict]:
    out = []
    for w, uw in enumerate(units):
        if w == v:
            continue
        rows = pair[w]
        run: list[int] = []

        def flush() -> None:
            if run and any(uw.tokens[i].content for i in run):
                start, end = uw.tokens[run[0]].start, uw.tokens[run[-1]].end
                out.append({"from": w, "start": start, "end": end, "text": uw.text[start:end]})
            run.clear()

        for i, tok in enumerate(uw.tokens):
            missing = rows[v][i] is None and uw.sentences[uw.sentence_of[i]].kind != "title"
            holders = [u for u in range(len(units)) if u not in (v, w) and rows[u][i] is not None]
            if missing and holders and min(holders) > w:
                if run and uw.sentence_of[run[-1]] != uw.sentence_of[i]:
                    flush()
                run.append(i)
            else:
                flush()
        flush()
    return out

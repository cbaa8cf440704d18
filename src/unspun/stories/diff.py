"""Compare versions of one story: what each shares, keeps, rewords, adds and omits.

``compare(articles, reference=None)`` returns the ``unspun compare`` JSON of the data model::

    {"reference": index | None,
     "versions": [{"index", "id", "source", "outlet", "title",
                   "segments": [{"start", "end", "label", "voice", "techniques", "counterpart"}],
                   "omitted": [{"from", "start", "end", "text"}]}]}

Every version is aligned to every other (``align.align_pair``). Version ``w`` *carries* a
token of ``v`` when the alignment of ``v`` to ``w`` gives it a counterpart, or when a token of
``w`` is aligned onto it (the two directions are read together, so a version never omits what
its own column shows as carried). A token is then:

- ``added`` when no other version carries it (with a reference: the reference does not);
- ``reworded`` when every version that carries it does so in other words; its counterpart is
  in the reference, else in the lowest-index version carrying it;
- ``kept`` when some version dropped it (in the reference: some version dropped it);
- ``shared`` otherwise (with a reference: the reference has the same words).

A ``shared`` or ``kept`` run of words with fewer than two content words between stretches of
other labels takes their label, so an inserted clause is one addition, not crumbs around
"and" or "group". Segments are the runs of one label (and one counterpart version) inside a
sentence; the space between two runs goes to the less notable side. Furniture is in no
segment. The headline is a unit of its own, compared only with the other headlines: a
changed headline is ``reworded``, a headline is never ``kept`` or omitted.

A version's ``omitted`` lists the stretches it does not carry that at least two versions
carry (with a reference: the reference's stretches it does not carry), each once, from the
lowest-index version that has them (the reference when given), cut at sentence ends, each
holding two content words or a whole sentence.

``voice`` is the label of the ``sentence`` span where the segment starts (``null`` when the
article has no sentence spans); ``techniques`` are the labels of ``technique`` spans that
overlap the segment.
"""

from __future__ import annotations

from bisect import bisect_right

from unspun.article import Article
from unspun.stories.align import REWORDED, SHARED, align_pair
from unspun.stories.units import Units, article_units

_RANK = {"shared": 0, "kept": 1, "reworded": 2, "added": 3}
ISLAND = 2  # a carried run needs this many content words to stand between other labels
PARAPHRASE_SIM, PARAPHRASE_WORDS = 0.7, 2  # cosine and shared content words of a paraphrase (``embed``)


def compare(articles: list[Article], units: list[Units] | None = None, reference: int | None = None,
            embed: bool = False) -> dict:
    """The comparison of ``articles`` (two or more versions, in input order), relative to
    version ``reference`` when given. ``units`` may be given when the caller has them already.
    ``embed`` lets sentences the words cannot align be paired by meaning (``_paraphrases``):
    off by default, as on the generated tuning corpus it found no rewording the words missed
    and paired sentences only one version kept with unrelated ones."""
    units = units or [article_units(a) for a in articles]
    n = len(articles)
    if reference is not None and not 0 <= reference < n:
        raise ValueError(f"reference {reference} is not a version (0-{n - 1})")
    # pair[v][w] = (labels, counterparts) of v's tokens in w
    pair = [[align_pair(units[v], units[w]) if v != w else None for w in range(n)] for v in range(n)]
    if embed:
        _paraphrases(units, pair)
    carried = [[_carried(v, w, units, pair) if v != w else None for w in range(n)] for v in range(n)]
    labelled = []
    for v in range(n):
        labels, partners = _labels(v, units[v], carried[v], reference)
        _islands(units[v], labels)
        labelled.append((labels, partners))
    versions = []
    for v, article in enumerate(articles):
        labels, partners = labelled[v]
        versions.append({
            "index": v,
            "id": article.id,
            "source": article.source,
            "outlet": article.meta.get("outlet"),
            "title": article.meta.get("title"),
            "segments": _segments(article, units[v], labels, partners, carried[v], units, reference),
            "omitted": _omitted(v, units, carried, [x[0] for x in labelled], reference),
        })
    return {"reference": reference, "versions": versions}


def _paraphrases(units: list[Units], pair: list) -> None:
    """Pair, by meaning, body sentences that no word alignment reached in either direction.

    For two versions ``v`` and ``w``, a sentence of ``v`` none of whose words ``w`` carries and a
    sentence of ``w`` none of whose words ``v`` carries are a paraphrase ("The port authority
    rejects any talks" / "Port managers have refused to negotiate") when their MiniLM
    embeddings have cosine >= ``PARAPHRASE_SIM`` and they share ``PARAPHRASE_WORDS`` content
    words; pairs are taken best first, each sentence once. A paraphrase's words are
    ``reworded`` (words found in both stay ``shared``) and face the whole other sentence.
    """
    lonely: dict[tuple[int, int], list[int]] = {}  # (v, w) -> sentences of v that w does not carry
    n = len(units)
    for v in range(n):
        for w in range(n):
            if v == w:
                continue
            labels = pair[v][w][0]
            lonely[(v, w)] = [k for k, u in enumerate(units[v].sentences)
                              if u.kind == "body" and all(labels[i] is None for i in range(u.first, u.last)
                                                          if units[v].tokens[i].norm[0].isalnum())]
    wanted = {(v, k) for (v, w), ks in lonely.items() if lonely[(w, v)] for k in ks}
    if not wanted:
        return
    from unspun.models.embed import load_embedder

    order = sorted(wanted)
    vectors = load_embedder().embed([units[v].sentences[k].text for v, k in order])
    at = {key: i for i, key in enumerate(order)}
    for v in range(n):
        for w in range(v + 1, n):
            mine, theirs = lonely[(v, w)], lonely[(w, v)]
            if not mine or not theirs:
                continue
            sims = vectors[[at[(v, k)] for k in mine]] @ vectors[[at[(w, k)] for k in theirs]].T
            candidates = sorted(((float(sims[x, y]), x, y) for x in range(len(mine)) for y in range(len(theirs))
                                 if sims[x, y] >= PARAPHRASE_SIM), reverse=True)
            used_a, used_b = set(), set()
            for _, x, y in candidates:
                if x in used_a or y in used_b:
                    continue
                ua, ub = units[v].sentences[mine[x]], units[w].sentences[theirs[y]]
                if _common(units[v], ua, units[w], ub) < PARAPHRASE_WORDS:
                    continue
                used_a.add(x)
                used_b.add(y)
                _mark(units[v], ua, units[w], ub, pair[v][w])
                _mark(units[w], ub, units[v], ua, pair[w][v])


def _common(a: Units, ua, b: Units, ub) -> int:
    mine = {t.norm for t in a.tokens[ua.first:ua.last] if t.content}
    return sum(1 for w in {t.norm for t in b.tokens[ub.first:ub.last] if t.content} if w in mine)


def _mark(a: Units, ua, b: Units, ub, aligned: tuple) -> None:
    labels, counter = aligned
    theirs = {t.norm for t in b.tokens[ub.first:ub.last]}
    for i in range(ua.first, ua.last):
        labels[i] = SHARED if a.tokens[i].norm in theirs and a.tokens[i].content else REWORDED
        counter[i] = (ub.first, ub.last)


def _carried(v: int, w: int, units: list[Units], pair: list) -> list[tuple[int, tuple[int, int]] | None]:
    """Per token of ``v``: ``(label, counterpart token range in w)`` when ``w`` carries it."""
    labels, counter = pair[v][w]
    out: list = [(labels[i], counter[i] or (0, 0)) if labels[i] is not None else None for i in range(len(labels))]
    back_labels, back_counter = pair[w][v]
    seen: dict[int, list] = {}  # token of v -> [label, first, end] of the tokens of w facing it
    for j, (label, rng) in enumerate(zip(back_labels, back_counter)):
        if label is None or rng is None:
            continue
        if rng[0] >= len(out):
            continue
        clause = units[v].clauses[units[v].clause_of[rng[0]]]
        # a rewording faces words of one clause of v: a replaced last word must not take the
        # clause hung after it ("country." / "state – though ...") along with it
        for i in range(rng[0], min(rng[1], clause[1], len(out))):
            if out[i] is not None:
                continue
            value = SHARED if label == SHARED and rng[1] - rng[0] == 1 else REWORDED
            got = seen.setdefault(i, [value, j, j + 1])
            got[0], got[1], got[2] = min(got[0], value), min(got[1], j), max(got[2], j + 1)
    for i, (label, lo, hi) in seen.items():  # only w's alignment sees it: w's tokens lo..hi face it
        out[i] = (label, (lo, hi))
    return out


def _labels(v: int, units: Units, rows: list, reference: int | None) -> tuple[list[str], list[int | None]]:
    """Each token's label and, for a ``reworded`` one, the version holding its counterpart."""
    labels, partners = [], []
    others = [w for w in range(len(rows)) if w != v]
    for i, tok in enumerate(units.tokens):
        title = units.sentences[units.sentence_of[i]].kind == "title"
        holders = [w for w in others if rows[w][i] is not None]
        same = [w for w in holders if rows[w][i][0] == SHARED]
        partner = None
        if reference is not None and v != reference:
            got = rows[reference][i]
            if got is None:
                label = "added"
            elif got[0] == SHARED:
                label = "shared"
            else:
                label, partner = "reworded", reference
        elif not holders:
            label = "kept" if v == reference and not title else "added"
        elif not same:
            label, partner = "reworded", min(holders)
        elif len(holders) < len(others) and not title:
            label = "kept"
        else:
            label = "shared"
        labels.append(label)
        partners.append(partner)
    return labels, partners


def _islands(units: Units, labels: list[str]) -> None:
    """Inside a clause, a carried (``shared``/``kept``) run of words with fewer than ``ISLAND``
    content words between words of other labels takes their label (``reworded`` when they
    differ); one at the edge of the clause with no content word takes its one neighbour's."""
    carried = ("shared", "kept")
    for first, last, _ in units.clauses:
        words = [i for i in range(first, last) if units.tokens[i].norm[0].isalnum()]
        runs = _runs(words, lambda i: "carried" if labels[i] in carried else labels[i])
        for k, run in enumerate(runs):
            if labels[run[0]] not in carried:
                continue
            content = sum(1 for i in run if units.tokens[i].content)
            left = labels[runs[k - 1][0]] if k > 0 else None
            right = labels[runs[k + 1][0]] if k + 1 < len(runs) else None
            if left and right and content < ISLAND:
                new = left if left == right else "reworded"
            elif (left or right) and not (left and right) and content == 0 and len(run) <= 2:
                new = left or right
            else:
                continue
            for i in range(run[0], run[-1] + 1):
                labels[i] = new
        # a word or two some version cut between shared words ("most likely", "they said") is
        # not worth a mark of its own: shared
        runs = _runs(words, labels.__getitem__)
        for k, run in enumerate(runs):
            if labels[run[0]] != "kept" or sum(1 for i in run if units.tokens[i].content) >= ISLAND:
                continue
            left = labels[runs[k - 1][0]] if k > 0 else None
            right = labels[runs[k + 1][0]] if k + 1 < len(runs) else None
            if {left, right} - {None} == {"shared"}:
                for i in range(run[0], run[-1] + 1):
                    labels[i] = "shared"


def _runs(words: list[int], key) -> list[list[int]]:
    """Consecutive ``words`` with the same ``key(i)``."""
    runs: list[list[int]] = []
    for i in words:
        if runs and key(runs[-1][-1]) == key(i):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _segments(article: Article, units: Units, labels: list[str], partners: list, rows: list,
              all_units: list[Units], reference: int | None) -> list[dict]:
    sentences = [(s.start, s.end, s.label) for s in article.layer("sentence")]
    starts = [s for s, _, _ in sentences]
    techniques = article.layer("technique")
    out = []
    for unit in units.sentences:
        runs: list[list] = []  # [start, end, label, partner, first token, last token]
        for i in range(unit.first, unit.last):
            tok, label, partner = units.tokens[i], labels[i], partners[i]
            if label == "reworded" and partner is None:  # an island turned reworded
                partner = reference if reference is not None and rows[reference] is not None else \
                    next((w for w in range(len(rows)) if rows[w] is not None and rows[w][i] is not None), None)
            if runs and runs[-1][2] == label and runs[-1][3] == partner:
                runs[-1][1] = tok.end
                runs[-1][5] = i
                continue
            if runs:  # the gap goes to the less notable side
                if _RANK[label] < _RANK[runs[-1][2]]:
                    start = runs[-1][1]
                else:
                    start = tok.start
                    runs[-1][1] = tok.start
            else:
                start = tok.start
            runs.append([start, tok.end, label, partner, i, i])
        for start, end, label, partner, first, last in runs:
            out.append({
                "start": start, "end": end, "label": label,
                "voice": _voice(sentences, starts, start),
                "techniques": sorted({t.label for t in techniques if t.start < end and t.end > start}),
                "counterpart": _counterpart(rows, partner, first, last, all_units) if label == "reworded" else None,
            })
    return out


def _counterpart(rows: list, w: int | None, first: int, last: int, all_units: list[Units]) -> dict | None:
    """The character range of version ``w`` facing tokens ``first..last`` of this version."""
    if w is None:
        return None
    ranges = [rows[w][i][1] for i in range(first, last + 1) if rows[w][i] is not None]
    ranges = [r for r in ranges if r[1] > r[0]]
    if not ranges:
        return None
    toks = all_units[w].tokens
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    return {"version": w, "start": toks[lo].start, "end": toks[hi - 1].end}


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


def _omitted(v: int, units: list[Units], carried: list, labels: list[list[str]],
             reference: int | None) -> list[dict]:
    """The stretches other versions carry that ``v`` does not (see the module doc): only
    words their own version labels ``kept`` or ``reworded``."""
    out = []
    sources = [reference] if reference is not None else range(len(units))
    if reference == v:
        return out
    for w in sources:
        if w == v:
            continue
        uw, rows = units[w], carried[w]
        run: list[int] = []

        def flush() -> None:
            # a stretch holds several content words, or is a whole sentence (no crumbs of a
            # sentence the version carries in other words)
            content = sum(1 for i in run if uw.tokens[i].content)
            unit = uw.sentences[uw.sentence_of[run[0]]] if run else None
            whole = unit is not None and all(uw.tokens[i].content is False for i in range(unit.first, run[0])) \
                and all(uw.tokens[i].content is False for i in range(run[-1] + 1, unit.last))
            if run and content and (content >= ISLAND or whole):
                start, end = uw.tokens[run[0]].start, uw.tokens[run[-1]].end
                out.append({"from": w, "start": start, "end": end, "text": uw.text[start:end]})
            run.clear()

        for i in range(len(uw.tokens)):
            missing = rows[v][i] is None and labels[w][i] in ("kept", "reworded") \
                and uw.sentences[uw.sentence_of[i]].kind != "title"
            if reference is None:
                holders = [u for u in range(len(units)) if u not in (v, w) and rows[u][i] is not None]
                missing = missing and bool(holders) and min(holders) > w
            if missing:
                if run and uw.sentence_of[run[-1]] != uw.sentence_of[i]:
                    flush()
                run.append(i)
            else:
                flush()
        flush()
    return out

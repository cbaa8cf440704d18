"""Align one version of a story to another: sentence by sentence, then clause by clause
inside aligned sentences, then word by word inside aligned clauses.

``align(a, b)`` says, for every token of ``a``, whether ``b`` has it in the same words
(``SHARED``), in other words (``REWORDED``), or not at all (``None``).

- Sentences: each sentence of ``a`` finds the sentence of ``b`` sharing most content words,
  in any order, so moved sentences still align (a headline faces the other headline when
  they share a word).
- Clauses: each clause of ``a`` (cut at commas, dashes, brackets ...) is aligned to its
  sentence's partner when it finds 60% of its content words there (``COVERAGE``; a clause
  of under four content words is measured on all its words), else to the best sentence of
  ``b`` for the clause alone when that holds 60% and at least three of its content words (a
  clause moved to another sentence); a clause finding no sentence that way — an aside hung
  off a wire sentence after a dash — has no counterpart. A clause left over between aligned
  ones faces the partner's words left between them (``_facing``). Two stretches whose words,
  function words included, are mostly the same and in the same order (``SIMILAR``: "The novel
  schemes will not solve ..." / "The fresh plans will not solve ...") are one rewording of the
  other even when synonyms leave too few content words in common. A sentence that names a
  person or body (two words or more) that no other sentence of either version names, and
  shares ``NAMED`` of its content words with the sentence of the other version naming it, is
  that sentence freely reworded (a level-graded rewrite keeps names, not wording).
- Words: inside an aligned clause a diff (difflib) keeps runs of equal words ``SHARED``;
  replaced words (a synonym, "he" -> "his eminence") and words that moved or that carry no
  content ("was ... by" of a passive) are ``REWORDED``; an inserted run holding a content word
  that the partner sentence lacks ("Imam" before "Khamenei") has no counterpart.

>>> from unspun.stories.units import text_units
>>> a = text_units("Rebels took the town – a victory for freedom. Talks resume Monday.")
>>> b = text_units("Talks resume on Monday. Rebels took the town.")
>>> labels = align(a, b)
>>> [(t.norm, labels[i]) for i, t in enumerate(a.tokens) if t.norm in ("town", "victory", "monday")]
[('town', 2), ('victory', None), ('monday', 2)]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from difflib import SequenceMatcher

from unspun.stories.units import Units

SHARED = 2
REWORDED = 1
COVERAGE = 0.6  # share of a clause's content words its partner sentence must hold
SHORT = 4  # clauses with fewer content words are measured on all their words
MOVED, MOVED_MIN = 0.6, 3  # a clause found in another sentence: share and number of content words
RELATED = 0.6  # share of the smaller bag of content words that makes two stretches related
PARAPHRASE = 0.6  # the same, for a whole sentence none of whose clauses aligned
ORDERED = 0.7  # share of a landing clause's content words that stand in its order in the partner
PHRASE = 4  # or: this many content words in one unbroken run in order
SIMILAR = 0.6  # ordered word similarity (all words) that makes two stretches a rewording of each other
NAMED = 0.4  # the same, for two sentences that share a name of two words or more
ATTRIBUTION = frozenset({"according", "per", "stated"})  # "according to X", "per X", "as stated by X"


def align(a: Units, b: Units) -> list[int | None]:
    """Per token of ``a``: ``SHARED``, ``REWORDED`` or ``None`` (no counterpart in ``b``)."""
    return align_pair(a, b)[0]


def align_pair(a: Units, b: Units) -> tuple[list[int | None], list[tuple[int, int] | None]]:
    """Per token of ``a``: its label (``SHARED``, ``REWORDED`` or ``None``) and its
    counterpart, the range ``[lo, hi)`` of ``b``'s tokens it faces (``None`` without one)."""
    labels: list[int | None] = [None] * len(a.tokens)
    counter: list[tuple[int, int] | None] = [None] * len(a.tokens)
    if not a.tokens or not b.tokens:
        return labels, counter
    b_bags = [_bag(b, u.first, u.last) for u in b.sentences]
    b_words = [_bag(b, u.first, u.last, content=False) for u in b.sentences]
    index: dict[str, list[int]] = defaultdict(list)
    for j, bag in enumerate(b_bags):
        for word in bag:
            index[word].append(j)
    b_title = next((j for j, u in enumerate(b.sentences) if u.kind == "title"), None)
    sentence_partner = []
    for u in a.sentences:
        if u.kind == "title":  # headlines face each other when they share a word at all
            shares = b_title is not None and _coverage(a, u.first, u.last, b_bags[b_title], b_words[b_title], 1) > 0
            sentence_partner.append(b_title if shares else None)
        else:
            sentence_partner.append(_best(a, u.first, u.last, u.kind, index, b, b_words))
    # a partner is a real counterpart when the two sentences share enough of their words
    real = [p is not None and a.sentences[s].kind != "title"
            and (_related(_bag(a, a.sentences[s].first, a.sentences[s].last), b_bags[p])
                 or _similar(a, a.sentences[s].first, a.sentences[s].last, b, b.sentences[p].first, b.sentences[p].last))
            for s, p in enumerate(sentence_partner)]
    # where each aligned clause landed: clause index -> (partner, first, end of matched b tokens)
    landed: dict[int, tuple[int, int, int]] = {}
    for c, (first, last, s) in enumerate(a.clauses):
        partner = sentence_partner[s]
        if a.sentences[s].kind == "title":
            if partner is not None:
                unit = b.sentences[partner]
                _diff(a, first, last, b, unit.first, unit.last, labels, counter, window=False)
            continue
        short = sum(1 for t in a.tokens[first:last] if t.content) < SHORT
        if partner is not None and short and not real[s]:
            partner = None  # a few words found in an unrelated sentence ("In reality, ...") are no match
        if partner is None or _coverage(a, first, last, b_bags[partner], b_words[partner]) < COVERAGE:
            # a clause moved to another sentence: stricter, as any sentence may be chosen
            partner = _best(a, first, last, "body", index, b, b_words) if not short else None
            if partner is not None and _coverage(a, first, last, b_bags[partner], b_words[partner],
                                                 MOVED_MIN, content_only=True) < MOVED:
                partner = None
        if partner is not None:
            unit = b.sentences[partner]
            hit = _diff(a, first, last, b, unit.first, unit.last, labels, counter, window=True)
            if hit:
                landed[c] = (partner, *hit)
    # A sentence none of whose clauses landed anywhere, facing a partner that shares enough of
    # its words, is that sentence reworded (a paraphrase): words of the partner are its
    # counterpart, words the partner lacks stay additions.
    for s, u in enumerate(a.sentences):
        partner = sentence_partner[s]
        if partner is None or u.kind == "title" \
                or any(c in landed for c in range(a.clause_of[u.first], a.clause_of[u.last - 1] + 1)):
            continue
        unit = b.sentences[partner]
        named = not real[s] and _named(a, u, b, unit, b_bags[partner]) and _mutual(a, s, b, partner)
        if not (real[s] or named):
            continue
        if named or _related(_bag(a, u.first, u.last), b_bags[partner], PARAPHRASE, larger=True) \
                or _similar(a, u.first, u.last, b, unit.first, unit.last):
            _diff(a, u.first, u.last, b, unit.first, unit.last, labels, counter, window=False)
            landed.update({c: (partner, unit.first, unit.last)
                           for c in range(a.clause_of[u.first], a.clause_of[u.last - 1] + 1)})
    # A clause left over between clauses that landed in one partner sentence faces the words
    # of that sentence left between them: "he said" -> "his eminence said" is a rewording,
    # while an aside with nothing facing it stays without counterpart. Left-over clauses in one
    # gap claim its words in order, so each word of the partner faces one clause at most.
    claimed: dict[tuple[int, int], int] = {}  # (sentence, partner) -> end of the partner's words claimed
    for c, (first, last, s) in enumerate(a.clauses):
        if c in landed or a.sentences[s].kind == "title":
            continue
        before = next((landed[k] for k in range(c - 1, -1, -1) if a.clauses[k][2] == s and k in landed), None)
        after = next((landed[k] for k in range(c + 1, len(a.clauses)) if a.clauses[k][2] == s and k in landed), None)
        partners = {x[0] for x in (before, after) if x}
        if len(partners) != 1:
            continue
        partner = partners.pop()
        if partner != sentence_partner[s] or not real[s]:
            continue  # only a sentence related to its partner as a whole faces its left-over words
        unit = b.sentences[partner]
        lo = before[2] if before else unit.first
        lo = max(lo, claimed.get((s, partner), lo))
        hi = after[1] if after else unit.last
        if hi > lo and _facing(a, first, last, b, lo, hi):
            hit = _diff(a, first, last, b, lo, hi, labels, counter, window=False)
            if hit:
                claimed[(s, partner)] = hit[1]
                landed[c] = (partner, lo, hit[1])
    # A clause still without counterpart whose words its partner holds out of order, in a
    # sentence that paraphrases the partner as a whole (clauses reordered, "X said Y" turned
    # "Y, according to X"), faces the partner's words: words found there are reworded (moved),
    # words the partner lacks stay additions.
    for c, (first, last, s) in enumerate(a.clauses):
        partner = sentence_partner[s]
        if c in landed or partner is None or not real[s] or a.sentences[s].kind == "title":
            continue
        u = a.sentences[s]
        if _coverage(a, first, last, b_bags[partner], b_words[partner]) >= COVERAGE \
                and _related(_bag(a, u.first, u.last), b_bags[partner], PARAPHRASE, larger=True):
            unit = b.sentences[partner]
            _diff(a, first, last, b, unit.first, unit.last, labels, counter, window=False)
    # A clause still without counterpart that only attributes its sentence ("per Reynolds", "as
    # stated by a source", "according to a statement from X") where the partner names the same
    # source elsewhere ("Reynolds says that ...", "..., a source said", "X said") is the
    # attribution moved: reworded, facing those words.
    for c, (first, last, s) in enumerate(a.clauses):
        partner = sentence_partner[s]
        if partner is None or not real[s] or a.sentences[s].kind == "title":
            continue
        words = [i for i in range(first, last) if a.tokens[i].norm[0].isalnum()]
        if any(labels[i] is not None for i in words) or not any(a.tokens[i].norm in ATTRIBUTION for i in words):
            continue
        source = {a.tokens[i].norm for i in words if a.tokens[i].content and a.tokens[i].norm not in ATTRIBUTION}
        # a named source must be named there; its other words may differ ("a statement from")
        named = {a.tokens[i].norm for i in words if a.tokens[i].norm in source and a.text[a.tokens[i].start].isupper()}
        unit = b.sentences[partner]
        at = [j for j in range(unit.first, unit.last) if b.tokens[j].norm in source]
        if not source or not (named or source) <= {b.tokens[j].norm for j in at}:
            continue
        for i in words:
            labels[i], counter[i] = REWORDED, (min(at), max(at) + 1)
    return labels, counter


def _names(units: Units, first: int, last: int) -> set[tuple[str, ...]]:
    """The runs of two or more capitalised words in a token range ("Gary Johnson"; "the
    Universities of Oxford and Birmingham" holds none), its first word left out (a sentence's
    first word is capitalised anyway)."""
    runs: set[tuple[str, ...]] = set()
    run: list[str] = []
    for i in range(first + 1, last + 1):
        t = units.tokens[i] if i < last else None
        if t is not None and t.norm[0].isalpha() and units.text[t.start].isupper():
            run.append(t.norm)
            continue
        if len(run) >= 2:
            runs.add(tuple(run))
        run = []
    return runs


def _named(a: Units, u, b: Units, unit, bag: Counter) -> bool:
    """Is sentence ``u`` of ``a`` a free rewording of ``unit`` of ``b`` ("a quarry worker, Gary
    Johnson, noticed peculiar surface patterns ..." / "quarry worker Gary Johnson felt unusual
    bumps ...")? They name the same person or body by a name of two words or more that no
    other sentence of either version names, and ``NAMED`` of the smaller bag of content words
    is common to both."""
    shared = _names(a, u.first, u.last) & _names(b, unit.first, unit.last)
    if not shared:
        return False
    for units, this in ((a, u), (b, unit)):
        for other in units.sentences:
            if other is not this and other.kind == "body":
                shared -= _names(units, other.first, other.last)
    return bool(shared) and _related(_bag(a, u.first, u.last), bag, NAMED)


def _mutual(a: Units, s: int, b: Units, partner: int) -> bool:
    """Is sentence ``s`` of ``a`` also the best match in ``a`` of its partner in ``b`` (no other
    sentence of ``a`` shares more of its content words)?"""
    unit = b.sentences[partner]
    theirs = _bag(b, unit.first, unit.last)
    mine = _bag(a, a.sentences[s].first, a.sentences[s].last)
    hit = sum(min(n, mine.get(w, 0)) for w, n in theirs.items())
    for k, other in enumerate(a.sentences):
        if k != s and other.kind == "body":
            bag = _bag(a, other.first, other.last)
            if sum(min(n, bag.get(w, 0)) for w, n in theirs.items()) >= hit:
                return False
    return True


def _facing(a: Units, first: int, last: int, b: Units, lo: int, hi: int) -> bool:
    """Does a left-over clause face the left-over words as their rewording? Only when it is a
    few words facing a few words ("his eminence said" / "he said") or shares a content word
    with them; two different asides at the same place are two additions, not a rewording."""
    words = [t for t in a.tokens[first:last] if t.norm[0].isalnum()]
    gap = [t for t in b.tokens[lo:hi] if t.norm[0].isalnum()]
    if not gap:
        return True  # facing punctuation only: the words stay additions, the full stop matches
    if len(words) <= 3 and len(gap) <= 3:
        return True
    return _related(Counter(t.norm for t in words if t.content), Counter(t.norm for t in gap if t.content)) \
        or _similar(a, first, last, b, lo, hi)


def _similar(a: Units, first: int, last: int, b: Units, lo: int, hi: int) -> bool:
    """Are two stretches one wording of the other word for word: most of their words (function
    words too) the same and in the same order, a content word among them ("The novel schemes
    will not solve ..." / "The fresh plans will not solve ...")? Two different sentences or
    asides that share a few words do not reach ``SIMILAR``."""
    mine = [t for t in a.tokens[first:last] if t.norm[0].isalnum()]
    theirs = [t for t in b.tokens[lo:hi] if t.norm[0].isalnum()]
    if len(mine) < 3 or len(theirs) < 3:
        return False
    matcher = SequenceMatcher(None, [t.norm for t in mine], [t.norm for t in theirs], autojunk=False)
    if matcher.ratio() < SIMILAR:
        return False
    return any(mine[m.a + k].content for m in matcher.get_matching_blocks() for k in range(m.size))


def _related(mine: Counter, theirs: Counter, share: float | None = None, larger: bool = False) -> bool:
    """Do two bags of content words make one a rewording of the other? A ``share`` of the
    smaller bag (of the larger with ``larger``: a whole sentence paraphrased, not a few of
    its words found in a short one) found in the other, and two words at least (one when the
    smaller bag has one)."""
    share = RELATED if share is None else share
    sizes = (sum(mine.values()), sum(theirs.values()))
    small = max(sizes) if larger and min(sizes) else min(sizes)
    if not small:
        return False
    hit = sum(min(n, theirs.get(w, 0)) for w, n in mine.items())
    return hit >= min(2, small) and hit / small >= share


def _bag(units: Units, first: int, last: int, content: bool = True) -> Counter:
    """Content words of a token range (all words when ``content`` is false or it has none)."""
    toks = units.tokens[first:last]
    words = [t.norm for t in toks if t.content] if content else []
    return Counter(words or [t.norm for t in toks if t.norm[0].isalnum()])


def _coverage(a: Units, first: int, last: int, bag: Counter, words: Counter, minimum: int = 2,
              content_only: bool = False) -> float:
    """Share of the clause's content words found in the partner's. A clause of fewer than
    ``SHORT`` content words ("As big as it needs to be.") is measured on all its words, so one
    synonym does not sink it (unless ``content_only``). 0 when fewer than ``minimum`` words (or
    all, if fewer) are found."""
    content = sum(1 for t in a.tokens[first:last] if t.content)
    if content < SHORT and not content_only:
        mine = _bag(a, first, last, content=False)
        bag = words
        minimum = max(minimum, 3)
    else:
        mine = _bag(a, first, last)
    total = sum(mine.values())
    if not total:
        return 0.0
    hit = sum(min(n, bag.get(w, 0)) for w, n in mine.items())
    if hit < min(minimum, total):
        return 0.0
    return hit / total


def _best(a: Units, first: int, last: int, kind: str, index: dict, b: Units, b_words: list[Counter]) -> int | None:
    """The sentence of ``b`` of the same kind sharing most content words with ``a[first:last]``;
    among sentences sharing as many, the one sharing most words of any kind (then the first)."""
    votes: Counter = Counter()
    for word, n in _bag(a, first, last).items():
        for j in index.get(word, ()):
            if b.sentences[j].kind == kind:
                votes[j] += n
    if not votes:
        return None
    top = max(votes.values())
    tied = [j for j, n in votes.items() if n == top]
    if len(tied) == 1:
        return tied[0]
    mine = _bag(a, first, last, content=False)

    def shared_words(j: int) -> int:  # all words, function words too: "we ... that ... could be"
        return sum(min(n, b_words[j].get(w, 0)) for w, n in mine.items())

    return min(tied, key=lambda j: (-shared_words(j), j))


def _diff(a: Units, first: int, last: int, b: Units, lo: int, hi: int, labels: list, counter: list,
          window: bool) -> tuple[int, int] | None:
    """Word diff of clause ``a[first:last]`` against ``b[lo:hi]``; returns the range of ``b``
    tokens matched. With ``window``, ``b[lo:hi]`` is a sentence and the diff is narrowed to
    its clauses that hold the matching words (so its other clauses do not count as replaced)."""
    mine = [t.norm for t in a.tokens[first:last]]
    theirs = [t.norm for t in b.tokens[lo:hi]]
    present = set(theirs)
    whole = (lo, hi)
    if window:
        blocks = [m for m in SequenceMatcher(None, mine, theirs, autojunk=False).get_matching_blocks() if m.size]
        if blocks:
            new_lo = b.clauses[b.clause_of[lo + blocks[0].b]][0]
            hi = b.clauses[b.clause_of[lo + blocks[-1].b + blocks[-1].size - 1]][1]
            lo = new_lo
            theirs = [t.norm for t in b.tokens[lo:hi]]
    matched: list[int] = []
    opcodes = SequenceMatcher(None, mine, theirs, autojunk=False).get_opcodes()
    if window:  # a clause lands only where most of its content words stand in its order
        toks = a.tokens[first:last]
        short = sum(1 for t in toks if t.content) < SHORT  # measured on all its words, as in _coverage

        def counted(t) -> bool:
            return t.content or (short and t.norm[0].isalnum())

        content = sum(1 for t in toks if counted(t))
        blocks = [sum(1 for t in a.tokens[first + i1:first + i2] if counted(t))
                  for op, i1, i2, _, _ in opcodes if op == "equal"]
        if content and sum(blocks) < ORDERED * content and max(blocks, default=0) < PHRASE:
            return None
    for op, i1, i2, j1, j2 in opcodes:
        run = a.tokens[first + i1:first + i2]
        moved = None
        if op == "replace":
            op, moved = _replaced(run, b.tokens[lo + j1:lo + j2], b, *whole, present)
        if op == "equal":
            matched += [lo + j1, lo + j2]
        if op == "equal" or (op != "insert" and not any(t.norm[0].isalnum() for t in run)):
            value = SHARED  # equal words; punctuation alone does not make a rewording
        elif op == "moved":
            value = REWORDED
        elif op == "replace":
            value = REWORDED
            matched += [lo + j1, lo + j2]
        elif op == "delete":  # words the other lacks: new, unless they only attribute ("as stated by")
            new = any(t.content and t.norm not in present and t.norm not in ATTRIBUTION for t in run)
            value = None if new else REWORDED
        else:
            continue
        for k, i in enumerate(range(first + i1, first + i2)):
            old = labels[i]
            if value is not None and (old is None or value > old):
                labels[i] = value
                if op == "equal":
                    counter[i] = (lo + j1 + k, lo + j1 + k + 1)
                elif op == "moved":
                    counter[i] = moved
                elif op == "delete" or j2 == j1:
                    counter[i] = (lo + j1, lo + j1)
                elif j2 > j1:
                    counter[i] = (lo + j1, lo + j2)
                else:  # words dropped in the other wording ("was ... by"): where they would stand
                    counter[i] = (lo + j1, lo + j1)
    return (min(matched), max(matched)) if matched else None


def _replaced(run: list, facing: list, b: Units, lo: int, hi: int, present: set) -> tuple[str, tuple[int, int] | None]:
    """What a replaced run of words is: ``("replace", None)``, a rewording of the words it faces;
    ``("delete", None)``, words facing only punctuation or a different clause of their own (an
    aside where the other version has another), which are new where ``b`` lacks them; or
    ``("moved", range)``, words of ``b`` found elsewhere in its sentence, at ``range``."""
    if not any(t.norm[0].isalnum() for t in facing):
        return "delete", None
    mine = {t.norm for t in run if t.content}
    theirs = {t.norm for t in facing if t.content}
    if len(mine) < SHORT or len(theirs) < SHORT or mine & theirs:
        return "replace", None
    if mine <= present:
        at = [j for j in range(lo, hi) if b.tokens[j].norm in mine]
        return "moved", (min(at), max(at) + 1)
    return "delete", None

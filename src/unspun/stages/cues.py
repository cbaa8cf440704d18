"""Attribution cues found in a dependency parse: the cue words, their source and what they report.

A cue is a reporting verb with a subject ("Khamenei said", "said Khamenei", "he added",
"she told reporters that ...", "he left, saying ...") or the phrase "according to X".
The source is the subject noun phrase (or the object of "according to"); the reported
content of indirect speech is the verb's clausal complement ("... that the deal failed",
"The deal failed, he said") or, for "according to", the clause it is attached to.
Direct quotations are linked to cues later (attribution stage), from the quote marks.

Verbs of thinking ("believe", "think") count only with a clausal complement; verbs of manner
("shout", "continue") and naming ("call", "dub") only introduce direct quotations. The verb
lists live in ``unspun.text.lexicon``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from unspun.text.lexicon import DIRECT_ONLY, INFINITIVE_CONTENT, OBJECT_CONTENT, SPEECH, THOUGHT

# "said in a statement": the medium is part of the cue.
_MEDIUM = frozenset("""
statement interview email e-mail tweet post letter release speech call conference briefing
message remark op-ed column essay video memo blog appearance broadcast podcast
""".split())
_SUBJECT = ("nsubj",)
_PAIRS = {"“": "”", "‘": "’", "(": ")", "[": "]", "``": "''"}
_CLOSERS = {v: k for k, v in _PAIRS.items() if k != "``"}


@dataclass
class Cue:
    """One reporting construction. Offsets are absolute (into the article text)."""

    cue: list[tuple[int, int]]
    source: tuple[int, int]
    source_head: object  # the spaCy token heading the source phrase
    anchor: int  # start of the cue word: cues inside a direct quotation are the speaker's own
    content: list[tuple[int, int]] = field(default_factory=list)  # indirect content, if any
    direct_only: bool = False  # only introduces a direct quotation

    @property
    def clause(self) -> tuple[int, int]:
        """The stretch covering source and cue."""
        starts = [self.source[0]] + [s for s, _ in self.cue]
        ends = [self.source[1]] + [e for _, e in self.cue]
        return min(starts), max(ends)


def _range(tokens, base: int) -> tuple[int, int] | None:
    """Char range of a token run with edge punctuation and spaces trimmed (a quote mark or
    bracket stays when its partner is inside the run)."""
    toks = list(tokens)
    while toks and not _keep_edge(toks, 0):
        toks.pop(0)
    while toks and not _keep_edge(toks, -1):
        toks.pop()
    if not toks:
        return None
    return base + toks[0].idx, base + toks[-1].idx + len(toks[-1].text)


def _keep_edge(toks, k: int) -> bool:
    tok = toks[k]
    if tok.is_space:
        return False
    if not tok.is_punct:
        return True
    text = tok.text
    if text in _PAIRS:  # an opening mark at the start, its partner later
        return k == 0 and any(t.text == _PAIRS[text] for t in toks[1:])
    if text in _CLOSERS:
        return k == -1 and any(t.text == _CLOSERS[text] for t in toks[:-1])
    if text in ('"', "''", "'"):
        return sum(t.text == text for t in toks) % 2 == 0
    return False


def _runs(tokens, base: int) -> list[tuple[int, int]]:
    """Contiguous runs of (sorted) tokens as trimmed char ranges."""
    out, run = [], []
    for t in tokens:
        if run and t.i != run[-1].i + 1:
            r = _range(run, base)
            if r:
                out.append(r)
            run = []
        run.append(t)
    r = _range(run, base) if run else None
    if r:
        out.append(r)
    return out


def _subject(verb):
    """The subject of ``verb``, looking through participles and conjoined verbs."""
    node = verb
    for _ in range(3):
        for child in node.children:
            if child.dep_ in _SUBJECT:
                return child
        if any(c.dep_ in ("nsubjpass", "csubj", "expl") for c in node.children):
            return None
        if node.dep_ in ("conj", "advcl", "xcomp") and node.head.i != node.i and node.head.pos_ in ("VERB", "AUX"):
            node = node.head
            continue
        break
    if verb.dep_ == "conj":  # "X repeated demands ... and said ..." parsed with a noun head
        for tok in reversed(verb.doc[verb.sent.start:verb.i]):
            if tok.dep_ in _SUBJECT:
                return tok
    doc = verb.doc
    if verb.i > 0 and doc[verb.i - 1].is_punct and verb.i + 1 < len(doc):
        # "..., said Robin Maynard, half joking": an inverted subject the parser attached elsewhere
        tok = doc[verb.i + 1]
        while tok.dep_ in ("compound", "det", "amod") and tok.head.i > tok.i and tok.head.i - verb.i < 6:
            tok = tok.head
        if tok.pos_ in ("PROPN", "NOUN") and tok.i > verb.i:
            return tok
    return None


def _phrase(head, exclude=()) -> list:
    """Tokens of ``head``'s subtree minus the subtrees of ``exclude`` tokens, sorted."""
    skip = {t.i for x in exclude for t in x.subtree}
    return [t for t in head.subtree if t.i not in skip]


def _according_to(tok, base: int) -> Cue | None:
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if nxt is None or nxt.lower_ != "to":
        return None
    obj = next((c for c in nxt.children if c.dep_ == "pobj"), None)
    if obj is None:
        return None
    source = _range(obj.subtree, base)
    if source is None:
        return None
    head = tok.head if tok.head.i != tok.i else None
    if head is None or tok.dep_ == "ROOT":
        phrase = {x.i for x in tok.subtree}
        clause = [t for t in tok.sent if t.i not in phrase]
    else:
        while head.dep_ not in ("ROOT", "ccomp", "conj") and head.head.i != head.i and head.pos_ not in ("VERB", "AUX"):
            head = head.head
        clause = _phrase(head, exclude=[tok])
    clause = [t for t in clause if not (t.is_punct and t.i == clause[-1].i and t.text in ".!?")]
    content = _runs(clause, base)
    cue = (base + tok.idx, base + nxt.idx + len(nxt.text))
    return Cue([cue], source, obj, base + tok.idx, content)


def _verb_cue(tok, base: int) -> Cue | None:
    lemma = tok.lemma_.lower()
    if lemma not in SPEECH and lemma not in THOUGHT and lemma not in DIRECT_ONLY and lemma != "point":
        return None
    if tok.pos_ not in ("VERB", "AUX") or tok.dep_ in ("amod", "compound", "aux", "auxpass"):
        return None
    if lemma == "point" and not any(c.dep_ == "prt" and c.lower_ == "out" for c in tok.children):
        return None
    subject = _subject(tok)
    if subject is None:
        return None
    source = _range(subject.subtree, base)
    if source is None:
        return None
    content: list[tuple[int, int]] = []
    clausal = [c for c in tok.children if c.dep_ == "ccomp"]
    if clausal:
        content = _runs(_phrase(clausal[0]), base)
    elif lemma in INFINITIVE_CONTENT:
        inf = [c for c in tok.children if c.dep_ == "xcomp"]
        if inf:
            content = _runs(_phrase(inf[0]), base)
    elif lemma in OBJECT_CONTENT:
        obj = [c for c in tok.children if c.dep_ == "dobj"]
        if obj:
            content = _runs(_phrase(obj[0]), base)
    if lemma in THOUGHT and not clausal:
        return None
    if not content and tok.dep_ == "parataxis" and lemma in SPEECH:
        # "If it passes, the campaign said, it may not bother": the sentence around the aside
        aside = {t.i for t in tok.subtree}
        rest = [t for t in tok.sent if t.i not in aside]
        if rest and rest[-1].text in ".!?":
            rest.pop()
        content = _runs(rest, base)
    cues = _runs(_cue_words(tok), base)
    taken = set(range(*source)) | {i for s, e in cues for i in range(s, e)}
    content = [r for r in content if not any(i in taken for i in range(*r))]
    return Cue(cues, source, subject, base + tok.idx, content, direct_only=lemma in DIRECT_ONLY)


def _cue_words(verb) -> list:
    """The verb with what PolNeAR counts as part of the cue: "has also said", "pointed out",
    "said in a statement"."""
    words = [verb]
    i = verb.i - 1
    while i >= verb.sent.start and verb.doc[i].head.i == verb.i and verb.doc[i].dep_ in ("aux", "neg", "advmod"):
        words.insert(0, verb.doc[i])
        i -= 1
    for child in verb.rights:
        nxt = words[-1].i + 1
        if child.i != nxt:
            break
        if child.dep_ == "prt":
            words.append(child)
        elif child.dep_ == "prep" and child.lower_ in ("in", "during", "on") and any(
                g.dep_ == "pobj" and g.lemma_.lower() in _MEDIUM for g in child.children):
            words.extend(child.subtree)
        else:
            break
    return words


def find_cues(doc, base: int) -> list[Cue]:
    """Cues in one parsed paragraph ``doc`` whose text starts at ``base`` in the article."""
    out = []
    for tok in doc:
        if tok.lower_ == "according":
            cue = _according_to(tok, base)
        else:
            cue = _verb_cue(tok, base)
        if cue is not None:
            out.append(cue)
    return out

"""Speaker resolution: the canonical name behind a source phrase.

Built once per article from its parsed paragraphs:

- every PERSON entity gives a canonical name with titles and honorifics stripped
  ("supreme leader Ayatollah Ali Khamenei" -> "Ali Khamenei"); a surname or first name alone
  maps to the full name mentioned nearest before it (or first after it). A proper-noun chain
  the small model mis-tags ("Helena Varga" as an ORG) counts as a person when a role noun
  comes with it ("mayor Helena Varga") or its surname is tagged as a person elsewhere;
- the words around a name are remembered as that person's roles ("supreme", "leader",
  "ayatollah"; "spokesman" in "Josh Earnest, the White House spokesman"), so a description
  ("the Supreme Leader", "his eminence", "the minister") maps to the nearest person before it
  whose roles fit;
- "he" / "she" map to whichever of the two people mentioned last has the matching gender,
  else to the nearest person whose gender does not conflict (gender comes from "Mr."/"Mrs."
  and the like, or from the pronouns that follow a person named alone);
- organisations and places (ORG, GPE, NORP entities: "the White House", "Tehran") keep
  their own name as the speaker; other sources ("officials", "a source", "they") get None.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

# Titles and honorifics stripped from names; the value normalises abbreviations.
_TITLES = {
    "mr": "mr", "mrs": "mrs", "ms": "ms", "miss": "miss", "mx": "mx", "dr": "doctor", "doctor": "doctor",
    "prof": "professor", "professor": "professor", "sen": "senator", "senator": "senator",
    "rep": "representative", "representative": "representative", "congressman": "congressman",
    "congresswoman": "congresswoman", "gov": "governor", "governor": "governor",
    "gen": "general", "general": "general", "lt": "lieutenant", "lieutenant": "lieutenant",
    "col": "colonel", "colonel": "colonel", "capt": "captain", "captain": "captain", "maj": "major",
    "sgt": "sergeant", "sergeant": "sergeant", "adm": "admiral", "admiral": "admiral",
    "cmdr": "commander", "commander": "commander", "president": "president", "pres": "president",
    "vice": "vice", "prime": "prime", "minister": "minister", "secretary": "secretary",
    "chancellor": "chancellor", "ambassador": "ambassador", "amb": "ambassador", "mayor": "mayor",
    "judge": "judge", "justice": "justice", "chairman": "chairman", "chairwoman": "chairwoman",
    "king": "king", "queen": "queen", "prince": "prince", "princess": "princess", "sir": "sir",
    "dame": "dame", "lord": "lord", "lady": "lady", "pope": "pope", "cardinal": "cardinal",
    "bishop": "bishop", "archbishop": "archbishop", "rabbi": "rabbi", "rev": "reverend",
    "reverend": "reverend", "father": "father", "imam": "imam", "ayatollah": "ayatollah",
    "grand": "grand", "sheikh": "sheikh", "sheik": "sheikh", "emir": "emir", "sultan": "sultan",
    "supreme": "supreme", "leader": "leader", "former": "former", "deputy": "deputy",
    "hojatoleslam": "hojatoleslam", "mullah": "mullah", "crown": "crown", "st": "saint",
}
_MALE = frozenset("mr sir lord king prince father ayatollah imam sheikh emir sultan pope cardinal rabbi".split())
_FEMALE = frozenset("mrs ms miss dame lady queen princess congresswoman chairwoman".split())
_HE = frozenset("he him his himself".split())
_SHE = frozenset("she her hers herself".split())
# Descriptions that refer to a title rather than repeat it ("his eminence" for an ayatollah).
_ADDRESS = {
    "eminence": {"ayatollah", "cardinal", "imam", "sheikh", "grand", "hojatoleslam", "mullah", "pope"},
    "holiness": {"pope", "ayatollah", "imam", "dalai"},
    "excellency": {"president", "ambassador", "minister", "king", "emir", "sultan"},
    "majesty": {"king", "queen"},
    "highness": {"prince", "princess", "emir", "sultan", "crown"},
    "congressman": {"representative", "congressman"},
    "congresswoman": {"representative", "congresswoman"},
    "lawmaker": {"senator", "representative", "congressman", "congresswoman"},
}
_PRONOUN_REACH = 2  # distinct people looked back at for "he" / "she"
_VOTE_REACH = 300  # characters before a pronoun's sentence searched for its person
# Role nouns that make a proper-noun chain a person ("Portmere mayor Helena Varga").
_PERSON_ROLES = frozenset(set(_TITLES.values()) - {"former", "deputy", "vice", "grand", "crown", "supreme"}) | frozenset("""
mayor leader spokesman spokeswoman spokesperson minister official lawyer attorney director chief
candidate nominee analyst economist adviser advisor aide manager founder executive ceo coach
author writer editor reporter columnist activist envoy diplomat lawmaker strategist pollster
researcher scientist officer sheriff premier cleric priest chairman chairwoman owner farmer
teacher student resident voter worker actor actress singer player
""".split())
_NOT_NAMES = frozenset("GPE NORP LOC DATE TIME FAC EVENT LAW PRODUCT WORK_OF_ART LANGUAGE".split())
_ORG_LABELS = ("ORG", "GPE", "NORP", "FAC")
_RELATIVE = frozenset("who whom that which".split())


def _norm(word: str) -> str:
    w = word.lower().rstrip(".")
    return _TITLES.get(w, w)


@dataclass
class _Person:
    name: str
    roles: set = field(default_factory=set)
    votes: list = field(default_factory=lambda: [0, 0])  # male, female evidence
    gender: str | None = None  # from an honorific: wins over votes

    def sex(self) -> str | None:
        if self.gender:
            return self.gender
        male, female = self.votes
        if male > female:
            return "m"
        if female > male:
            return "f"
        return None


class Speakers:
    """Resolves source phrases of one article to canonical speaker names."""

    def __init__(self, docs, bases: list[int]):
        self.people: dict[str, _Person] = {}
        self._mentions: list[tuple[int, str]] = []  # (position, canonical name), sorted
        self._ents: dict[tuple[int, int], object] = {}  # (doc index, token index) -> entity
        self._named: dict[tuple[int, int], object] = {}  # (doc index, token index) -> person span
        found: list[tuple[int, list, object]] = []  # position, name tokens, span of the mention
        for d, (doc, base) in enumerate(zip(docs, bases)):
            for ent in doc.ents:
                for t in ent:
                    self._ents[(d, t.i)] = ent
                if ent.label_ == "PERSON":
                    tokens, _ = _strip_titles(list(ent))
                    if tokens:
                        found.append((base + ent.start_char, tokens, ent))
        surnames = {tokens[-1].text for _, tokens, _ in found}
        # "Helena Varga" tagged ORG (or nothing) while "Varga" alone is a PERSON: a person too
        for d, (doc, base) in enumerate(zip(docs, bases)):
            for span in _name_chains(doc):
                tokens, _ = _strip_titles(list(span))
                if len(tokens) > 1 and (tokens[-1].text in surnames or _modifiers(span) & _PERSON_ROLES):
                    found.append((base + span.start_char, tokens, span))
        full: dict[str, list[tuple[int, str]]] = {}  # a single name word -> (position, full name)
        for pos, tokens, _ in found:
            if len(tokens) > 1:
                for w in (tokens[-1].text, tokens[0].text):
                    full.setdefault(w, []).append((pos, _join(tokens)))
        for names in full.values():
            names.sort()
        self._full = full
        for pos, tokens, span in sorted(found, key=lambda f: f[0]):
            d = next(i for i, b in enumerate(bases) if b <= pos and (i + 1 == len(bases) or bases[i + 1] > pos))
            for t in span:
                self._named[(d, t.i)] = span
            name = self._canonical(tokens, pos)
            person = self.people.setdefault(name, _Person(name))
            titles = _titles(span)
            person.roles |= set(titles) | _modifiers(span)
            for r in titles:
                if r in _MALE:
                    person.gender = "m"
                elif r in _FEMALE:
                    person.gender = "f"
            self._mentions.append((pos, name))
        self._positions = [p for p, _ in self._mentions]
        self._vote_gender(docs, bases)

    # -- building ---------------------------------------------------------------------
    def _canonical(self, tokens, pos: int) -> str:
        if len(tokens) == 1 and tokens[0].text in self._full:
            choices = self._full[tokens[0].text]
            before = [c for c in choices if c[0] <= pos]
            return (before[-1] if before else choices[0])[1]
        return _join(tokens)

    def _vote_gender(self, docs, bases) -> None:
        """Gender evidence: a he/she pronoun preceded by exactly one named person in its
        sentence and the ``_VOTE_REACH`` characters before the sentence."""
        for doc, base in zip(docs, bases):
            for sent in doc.sents:
                for tok in sent:
                    low = tok.lower_
                    if low not in _HE and low not in _SHE:
                        continue
                    pos = base + tok.idx
                    lo = bisect.bisect_left(self._positions, base + sent.start_char - _VOTE_REACH)
                    hi = bisect.bisect_left(self._positions, pos)
                    names = {n for _, n in self._mentions[lo:hi]}
                    if len(names) == 1:
                        self.people[names.pop()].votes[0 if low in _HE else 1] += 1

    # -- resolving --------------------------------------------------------------------
    def _before(self, pos: int):
        """Mentions before ``pos``, nearest first."""
        i = bisect.bisect_left(self._positions, pos)
        for k in range(i - 1, -1, -1):
            yield self._mentions[k]

    def note(self, pos: int, name: str) -> None:
        """Record that ``name`` was referred to at ``pos`` (a resolved pronoun or description)."""
        if name not in self.people:
            return
        i = bisect.bisect_left(self._positions, pos)
        self._positions.insert(i, pos)
        self._mentions.insert(i, (pos, name))

    def resolve(self, head, doc_index: int, base: int) -> str | None:
        """Speaker name for the source phrase headed by spaCy token ``head``."""
        pos = base + head.idx
        low = head.lower_
        if low in _RELATIVE and head.dep_.startswith("nsubj") and head.head.dep_ == "relcl":
            antecedent = head.head.head
            return self.resolve(antecedent, doc_index, base)
        if low in _HE or low in _SHE:
            return self._pronoun("m" if low in _HE else "f", pos)
        phrase = [t for t in head.subtree]
        # a person named in the phrase: the one heading it, else the first
        people = []
        for t in phrase:
            ent = self._named.get((doc_index, t.i))
            if ent is not None:
                tokens, _ = _strip_titles(list(ent))
                if tokens:
                    people.append((head.i in (t.i, ent.root.i), self._canonical(tokens, base + ent.start_char)))
        if people:
            heads = [n for is_head, n in people if is_head]
            return heads[0] if heads else people[0][1]
        tokens = []
        if head.pos_ == "PROPN":
            tokens, _ = _strip_titles([t for t in phrase if t.pos_ == "PROPN" and head.left_edge.i <= t.i <= head.i])
            if tokens and self._canonical(tokens, pos) in self.people:  # a surname the tagger missed
                return self._canonical(tokens, pos)
        ent = self._ents.get((doc_index, head.i))
        if ent is not None and ent.label_ in _ORG_LABELS:
            words = list(ent)
            while words and words[0].lower_ == "the":
                words.pop(0)
            while words and words[-1].text in ("'s", "’s", "'", "’"):
                words.pop()
            return _join(words) or None
        if tokens:
            return _join(tokens)
        if head.pos_ == "NOUN" and head.tag_ in ("NN",):
            return self._describe(head, pos)
        return None

    def _pronoun(self, want: str, pos: int) -> str | None:
        """Of the two people named last before ``pos``, the one of the wanted gender, else the
        nearer one of unknown gender; failing both, the nearest earlier person who fits."""
        recent: list[str] = []
        for _, name in self._before(pos):
            if name not in recent:
                recent.append(name)
        sexes = [self.people[n].sex() for n in recent]
        near = list(zip(recent, sexes))[:_PRONOUN_REACH]
        for name, sex in near:
            if sex == want:
                return name
        for name, sex in near + list(zip(recent, sexes))[_PRONOUN_REACH:]:
            if sex in (None, want):
                return name
        return None

    def _describe(self, head, pos: int) -> str | None:
        """The nearest person before ``pos`` whose roles fit a description like "the minister"."""
        word = _norm(head.text)
        wanted = _ADDRESS.get(word, {word})
        mods = {_norm(t.text) for t in head.lefts if t.dep_ in ("amod", "compound") and t.is_alpha}
        mods = {m for m in mods if m.islower()}
        fallback = None
        for _, name in self._before(pos):
            roles = self.people[name].roles
            if roles & wanted:
                if mods <= roles:
                    return name
                fallback = fallback or name
        return fallback


def _strip_titles(tokens) -> tuple[list, list[str]]:
    """Name tokens without leading titles / trailing possessives, and the titles stripped."""
    titles = []
    while tokens and (tokens[0].lower_.rstrip(".") in _TITLES or tokens[0].is_punct):
        if not tokens[0].is_punct:
            titles.append(_norm(tokens[0].text))
        tokens = tokens[1:]
    while tokens and (tokens[-1].text in ("'s", "’s", "'", "’") or tokens[-1].is_punct):
        tokens = tokens[:-1]
    return tokens, titles


def _name_chains(doc) -> list:
    """Spans of two or more proper nouns joined as compounds, outside place, date and
    nationality entities ("Helena Varga", which the tagger may call an ORG)."""
    out = []
    for tok in doc:
        if tok.pos_ != "PROPN" or tok.dep_ == "compound" or tok.ent_type_ in _NOT_NAMES:
            continue
        first = tok
        for left in reversed(list(tok.lefts)):
            if left.i == first.i - 1 and left.dep_ == "compound" and left.pos_ == "PROPN" and left.ent_type_ not in _NOT_NAMES:
                first = left
        if first.i < tok.i:
            out.append(doc[first.i:tok.i + 1])
    return out


def _titles(ent) -> list[str]:
    """Titles inside a PERSON entity and right before it ("Mrs." in "Mrs. Maria Lopez")."""
    _, titles = _strip_titles(list(ent))
    i = ent.start - 1
    while i >= 0 and ent.doc[i].lower_.rstrip(".") in _TITLES:
        titles.append(_norm(ent.doc[i].text))
        i -= 1
    return titles


def _join(tokens) -> str:
    if not tokens:
        return ""
    return "".join(t.text_with_ws for t in tokens[:-1]) + tokens[-1].text


def _modifiers(ent) -> set[str]:
    """Role words around a name: "supreme leader" before it, "the White House spokesman" beside it."""
    root = ent.root
    roles = set()
    inside = {t.i for t in ent}
    for t in root.lefts:
        if t.i in inside or t.dep_ in ("det", "poss", "punct", "case", "cc", "prep"):
            continue
        for w in t.subtree:
            if w.dep_ not in ("det", "poss", "case", "punct") and w.is_alpha and w.i not in inside:
                if not any(a.dep_ == "poss" for a in w.ancestors if a.i < w.i and a.i not in inside and a.i != root.i):
                    roles.add(_norm(w.text))
    appos = [c for c in root.children if c.dep_ == "appos"]
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        appos.append(root.head)
    for a in appos:
        if a.pos_ == "NOUN":
            roles.add(_norm(a.text))
            roles |= {_norm(t.text) for t in a.lefts if t.dep_ in ("amod", "compound") and t.is_alpha}
    return {r for r in roles if r.islower() or r in _TITLES.values()}

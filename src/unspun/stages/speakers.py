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

Two ways in: ``Speakers(docs, bases)`` over parsed paragraphs resolves the phrase a parse
token heads (``resolve``; the rule stage), and ``Speakers(docs, bases, sentences)`` over
paragraphs with named entities only resolves a source given as characters (``resolve_span``;
the learned path, which has its source spans from the tagger and runs no parser). Without a
parse, the words of a source up to its first preposition, comma or relative pronoun stand in for
its head phrase ("a spokesman for the ministry" -> "spokesman"), role words are the lower-case
words right before a name and those of an appositive after it (", the White House spokesman,"),
and a capitalised run of two or more words outside place and date entities stands in for the
proper-noun chain.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from unspun.text.lexicon import SPEECH_FORMS

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
    "councillor": "councillor", "councilor": "councillor", "councilman": "councilman",
    "councilwoman": "councilwoman", "alderman": "alderman",
}
_MALE = frozenset("mr sir lord king prince father ayatollah imam sheikh emir sultan pope cardinal rabbi".split())
_FEMALE = frozenset("mrs ms miss dame lady queen princess congresswoman chairwoman councilwoman".split())
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
# Words before a mention that make it no subject: prepositions, and verbs whose object is an
# addressee ("told Melvin")
_PRONOUN_REACH = 2  # sentences naming someone searched first for a person whose gender is known to fit
_OBLIQUE = frozenset("""to with under for by from against of about at on than between told tell tells telling
asked ask asks asking thanked urged interviewed""".split())
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
# Without a parse: words that end a source's head phrase ("a spokesman for the ministry")
_PHRASE_END = frozenset("""of for in at from with on to by about near under over among between who whom
whose that which and or ,""".split()) | frozenset(";:()[]—–-")
_OTHER_PRONOUNS = frozenset("i me we us you they them it one someone somebody".split())
_DETERMINERS = frozenset("the a an this that these those".split())
_INDEFINITE = frozenset("a an one some another any someone somebody anyone each every several many few".split())
# Nouns that name no speaker: images and counts ("pictures showed", "twelve percent indicated")
_NOT_SPEAKERS = frozenset("pictures picture photos photo images image footage video videos percent".split())
# Singular person nouns that a description leaves unnamed ("a source", "the officer")
_PERSON_NOUNS = frozenset("source person man woman officer witness resident someone police".split())
_ROLE_REACH = 3  # words before a name read as its roles
_BODY_HEADS = frozenset("""activists association associations committee council department ministry institute center
centre foundation organization organisation union federation coalition network observatory university universities
bureau society league board commission alliance movement academy""".split())  # a body's name may go on: "... in Iran"
_DOCUMENTS = frozenset("report statement".split())  # "the report said": the report of a named outlet
# "Iran's Mizan news agency": the outlet noun after a name ("Gannett newspaper chain" is a company, not a paper)
_OUTLET = re.compile(r"(?<![\w'’-])((?:[A-Z][\w'’-]*\s+){0,3}[A-Z][\w'’-]*)\s+(news agency|agency|newspaper|daily|television|TV|radio|"
                     r"broadcaster|news channel|channel|website)\b"
                     r"(?!\s+(?:chains?|groups?|compan|publishers?|owners?|empire|industry|business|giant))")
_WORDS = re.compile(r"[^\W\d_]+")
_QUOTATION = re.compile(r"“[^“”]*”|\"[^\"\n]*\"")
_APPOS_REACH = 8  # words of an appositive after a name
_MAX_NAME = 4  # words in a capitalised run read as a name


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

    def __init__(self, docs, bases: list[int], sentences: list[tuple[int, int]] | None = None):
        """``docs``: spaCy docs of the paragraphs starting at characters ``bases``; parsed ones, or,
        with ``sentences`` (the article's sentence ranges), docs with named entities only."""
        self._parsed = sentences is None
        starts = [a for a, _ in sentences] if sentences is not None else [
            base + sent.start_char for doc, base in zip(docs, bases) for sent in doc.sents]
        self._sentences = sorted(set(starts))
        self._units = sorted(set(starts) | set(bases))  # sentences split at paragraph breaks
        self._oblique: set[int] = set()  # positions of mentions after a preposition ("under Obama")
        self._quoted = [(base + m.start(), base + m.end()) for doc, base in zip(docs, bases)
                        for m in _QUOTATION.finditer(doc.text)]  # sorted: paragraphs are in order
        self._docs, self._bases = docs, bases
        self._outlets: dict[str, str] | None = None  # built on first use by ``_fuller``
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
        found += self._bare_surnames(docs, bases, found)
        # "Helena Varga" tagged ORG (or nothing) while "Varga" alone is a PERSON: a person too
        for d, (doc, base) in enumerate(zip(docs, bases)):
            for span in (_name_chains(doc) if self._parsed else _title_runs(doc)):
                tokens, _ = _strip_titles(list(span))
                if len(tokens) > 1 and (tokens[-1].text in surnames or self._roles(span) & _PERSON_ROLES):
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
                had = self._named.get((d, t.i))
                if self._parsed or had is None or len(had) < len(span):
                    self._named[(d, t.i)] = span
            name = self._canonical(tokens, pos)
            person = self.people.setdefault(name, _Person(name))
            titles = _titles(span)
            person.roles |= set(titles) | self._roles(span)
            for r in titles:
                if r in _MALE:
                    person.gender = "m"
                elif r in _FEMALE:
                    person.gender = "f"
            self._mentions.append((pos, name))
            if span.start > 0 and span.doc[span.start - 1].lower_ in _OBLIQUE:
                self._oblique.add(pos)
        self._positions = [p for p, _ in self._mentions]
        self._vote_gender(docs, bases)

    # -- building ---------------------------------------------------------------------
    def _roles(self, span) -> set[str]:
        return _modifiers(span) if self._parsed else _near_roles(span)

    def _sentence_start(self, tok, base: int) -> int:
        if self._parsed:
            return base + tok.sent.start_char
        k = bisect.bisect_right(self._sentences, base + tok.idx) - 1
        return self._sentences[k] if k >= 0 else 0

    @staticmethod
    def _bare_surnames(docs, bases, found) -> list:
        """Mentions of a named person's surname alone that the tagger did not mark as a person
        ("Booker also is using ..." after "Sen. Cory Booker")."""
        surnames = {tokens[-1].text for _, tokens, _ in found if len(tokens) > 1}
        covered = {(pos, len(span.text)) for pos, _, span in found}
        spans = [(pos, pos + n) for pos, n in covered]
        out = []
        for doc, base in zip(docs, bases):
            for tok in doc:
                pos = base + tok.idx
                if tok.text not in surnames or tok.ent_type_ in _NOT_NAMES or tok.ent_type_ == "PERSON":
                    continue
                if tok.ent_type_ and tok.ent_iob_ != "B" or (tok.i + 1 < len(doc) and doc[tok.i + 1].ent_iob_ == "I"):
                    continue  # part of a longer entity ("Trump Tower")
                if any(a <= pos < b for a, b in spans):
                    continue
                out.append((pos, [tok], doc[tok.i:tok.i + 1]))
        return out

    def _canonical(self, tokens, pos: int) -> str:
        """The full name behind a name: a single word maps to the full name carrying it whose person
        was mentioned most often before ``pos`` (ties: the nearest), else the first one after it."""
        if len(tokens) == 1 and tokens[0].text in self._full:
            choices = self._full[tokens[0].text]
            before = [c for c in choices if c[0] <= pos]
            if not before:
                return choices[0][1]
            counts = {name: 0 for _, name in before}  # mentions so far, the surname alone included
            for _, name in self._mentions[:bisect.bisect_left(self._mentions, (pos, ""))]:
                if name in counts:
                    counts[name] += 1
            return max(reversed(before), key=lambda c: counts[c[1]])[1]
        return _join(tokens)

    def _vote_gender(self, docs, bases) -> None:
        """Gender evidence: a he/she pronoun preceded by exactly one named person in its
        sentence and the ``_VOTE_REACH`` characters before the sentence."""
        for doc, base in zip(docs, bases):
            for tok in doc:
                low = tok.lower_
                if low not in _HE and low not in _SHE:
                    continue
                pos = base + tok.idx
                lo = bisect.bisect_left(self._positions, self._sentence_start(tok, base) - _VOTE_REACH)
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
        if _addresses([t for t in phrase if t.i <= head.i]):  # "His Holiness", "the Supreme Leader"
            found = self._describe(head, pos)
            if found:
                return found
        tokens = []
        if head.pos_ == "PROPN":
            tokens, _ = _strip_titles([t for t in phrase if t.pos_ == "PROPN" and head.left_edge.i <= t.i <= head.i])
            if tokens and self._canonical(tokens, pos) in self.people:  # a surname the tagger missed
                return self._canonical(tokens, pos)
        ent = self._ents.get((doc_index, head.i))
        if ent is not None and ent.label_ in _ORG_LABELS:
            return _org_name(ent)
        if tokens:
            return _join(tokens)
        if head.pos_ == "NOUN" and head.tag_ in ("NN",):
            found = self._describe(head, pos)
            if found:
                return found
        return _description([t for t in phrase if t.i <= head.i])  # as resolve_span: a group's description

    def resolve_span(self, start: int, end: int) -> str | None:
        """Speaker name for the source at characters ``[start, end)`` of the article (docs with
        named entities only: see the module docstring). An outlet named by its name alone gets
        the description the article gives it ("Mizan" -> "Mizan news agency"); "the report" is
        the report the sentences before it name ("The Mizan report ... The report accused")."""
        name = self._resolve_span(start, end)
        words = name.split() if name else []
        if len(words) > 1 and words[-1].lower() in _DOCUMENTS and all(w[:1].isupper() for w in words[:-1]):
            return self._fuller(" ".join(words[:-1]))  # "the Harbour report": the Harbour's
        if name in _DOCUMENTS:
            d = bisect.bisect_right(self._bases, start) - 1
            owner = self._document_owner(name, start, d)
            return owner or name
        return self._fuller(name) if name and name[:1].isupper() else name

    def _fuller(self, name: str) -> str:
        """``name`` with the outlet noun the article puts after it ("Mizan news agency")."""
        if self._outlets is None:  # name (and each shorter end of it) -> the first outlet noun after it
            self._outlets = {}
            for doc in self._docs:
                for m in _OUTLET.finditer(doc.text):
                    words = m.group(1).split()
                    for k in range(len(words)):
                        self._outlets.setdefault(" ".join(words[k:]), m.group(2))
        noun = self._outlets.get(name)
        return f"{name} {noun}" if noun else name

    def _document_owner(self, noun: str, start: int, d: int) -> str | None:
        """Whose ``noun`` ("report") "the report" at ``start`` is: the name before the last
        "<Name> report" in its paragraph and the one before, up to ``start``."""
        pattern = re.compile(rf"\b((?:[A-Z][\w'’-]*\s+){{0,3}}?[A-Z][\w'’-]*)\s+{noun}\b")
        for k in (d, d - 1):
            if k < 0:
                break
            text = self._docs[k].text
            if k == d:
                text = text[:start - self._bases[d]]
            found = []
            for m in pattern.finditer(text):
                words = m.group(1).split()
                while words and words[0].lower() in _DETERMINERS:
                    words.pop(0)
                if words:
                    found.append(" ".join(words))
            if found:
                return self._fuller(found[-1])
        return None

    def _resolve_span(self, start: int, end: int) -> str | None:
        d = bisect.bisect_right(self._bases, start) - 1
        if d < 0:
            return None
        doc, base = self._docs[d], self._bases[d]
        toks = [t for t in doc if start <= base + t.idx < end and not t.is_space]
        while toks and toks[0].is_punct:
            toks = toks[1:]
        indefinite = bool(toks) and toks[0].lower_ in _INDEFINITE  # "a team led by ...": nobody named
        while toks and (toks[0].is_punct or toks[0].lower_ in _DETERMINERS):
            toks = toks[1:]
        if not toks:
            return None
        phrase = []  # the head phrase: the source's words up to its first preposition or comma
        for t in toks:
            if phrase and (t.lower_ in _PHRASE_END or t.text in _PHRASE_END) and not _inside_word(t):
                break
            phrase.append(t)
        named_body = _body_name(doc, phrase, toks)
        if named_body:  # "Human Rights Activists in Iran": a body's name runs past its preposition
            return named_body
        while len(phrase) > 1 and (phrase[-1].is_punct or phrase[-1].text in ("'s", "’s", "'", "’")):
            phrase.pop()
        head = phrase[-1]
        pos = base + head.idx
        low = head.lower_
        if low in _OTHER_PRONOUNS or (low in ("which", "that") and len(phrase) == 1):
            return None
        if low in _RELATIVE and len(phrase) == 1:  # "..., who said": the person named just before
            for at, name in self._before(pos):
                return name if at >= self._sentence_start(head, base) else None
            return None
        if len(phrase) == 1 and (low in _HE or low in _SHE):
            return self._pronoun("m" if low in _HE else "f", pos)
        named = []  # persons named in the source, in order
        for t in toks:
            ent = self._named.get((d, t.i))
            if ent is not None and (not named or named[-1][0] is not ent):
                names, _ = _strip_titles(list(ent))
                if names:
                    named.append((ent, self._canonical(names, base + ent.start_char)))
        for ent, name in named:  # the person ending the head phrase, else the first in it
            if ent.start <= head.i < ent.end:
                return name
        for ent, name in named:  # "An attorney for Pagliano, Mark MacDougall,": the appositive
            if ent.start > phrase[-1].i and doc[ent.start - 1].text == "," and _ends_source(doc, ent, toks):
                return name
        owners = [(ent, name) for ent, name in named if _possessor(doc, ent)]
        named = [(ent, name) for ent, name in named if (ent, name) not in owners]
        for ent, name in named:
            if ent.start < phrase[-1].i + 1 and phrase[0].i < ent.end:
                return name
        if owners and not named and head.i >= owners[-1][0].end:  # "Pagliano's lawyer": not Pagliano
            return self._describe_word(low, [], pos) if head.is_alpha else None
        if _addresses(phrase):  # "His Holiness", "the Supreme Leader": the named holder
            mods = [t.text for t in phrase[:-1] if t.is_alpha and t.lower_ not in _DETERMINERS]
            found = self._describe_word(low, mods, pos)
            if found:
                return found
        names = []  # a proper-noun run ending the head phrase ("Sen. Olsen", a name the tagger missed)
        if _capitalised(head):
            run = [head]
            while run[0].i > phrase[0].i and _capitalised(doc[run[0].i - 1]):
                run.insert(0, doc[run[0].i - 1])
            names, _ = _strip_titles(run)
            if names and self._canonical(names, pos) in self.people:
                return self._canonical(names, pos)
        if named:  # "the wife of John Smith": a person named further on
            return named[0][1]
        ent = self._ents.get((d, head.i))
        if ent is not None and ent.label_ in _ORG_LABELS:
            return _org_name(ent)
        before = doc.text[max(0, self._sentence_start(head, base) - base):phrase[0].idx]
        first_word = not any(w.lower() not in _DETERMINERS for w in _WORDS.findall(before))
        heading = all(t.is_upper and len(t) > 1 for t in names)  # "FELLOW DOCTORS"
        if names and (len(names) > 1 or not first_word) and not heading:  # not "Officials said ..."
            return _join(names)
        plural = low.endswith("s") and not low.endswith("ss")  # "the senators", "officials": a group
        if head.is_alpha and low not in _RELATIVE and not plural:
            mods = [t.text for t in phrase[:-1] if t.is_alpha and t.lower_ not in _DETERMINERS]
            found = self._describe_word(low, mods, pos)
            if found:
                return found
        return None if indefinite else _description(phrase)

    def _in_quotation(self, pos: int) -> bool:
        i = bisect.bisect_right(self._quoted, (pos, float("inf"))) - 1
        return i >= 0 and self._quoted[i][0] < pos < self._quoted[i][1]

    def _pronoun(self, want: str, pos: int) -> str | None:
        """The person "he" / "she" at ``pos`` refers to: in the two nearest sentences before it that
        name someone (its own included, paragraph breaks crossed), a person known to be of the
        wanted gender; else, nearest sentence first, one whose gender does not conflict. Within a
        sentence a subject-like mention (not after a preposition or "told": "under President X")
        goes first; in the pronoun's own sentence the nearest, in an earlier one the first."""
        groups: list[list[tuple[bool, int, str]]] = []
        last = own = bisect.bisect_right(self._units, pos) - 1
        for at, name in self._before(pos):
            if self._in_quotation(at):  # “Release the Mueller report,” he wrote: not Mueller
                continue
            k = bisect.bisect_right(self._units, at) - 1
            if k != last or not groups:
                groups.append([])
                last = k
            # the pronoun's own sentence: the nearest subject-like mention ("X said Y was right
            # when he said"); an earlier one: its first ("Ham ... under Obama. He said")
            groups[-1].append((at in self._oblique, -at if k == own else at, name))
        ranked = [[n for _, _, n in sorted(group)] for group in groups]
        for names in ranked[:_PRONOUN_REACH]:  # a known gender that fits, in the two nearest sentences
            for name in names:
                if self.people[name].sex() == want:
                    return name
        for names in ranked:
            for name in names:
                if self.people[name].sex() in (None, want):
                    return name
        return None

    def _describe(self, head, pos: int) -> str | None:
        """The nearest person before ``pos`` whose roles fit a description like "the minister"."""
        mods = [t.text for t in head.lefts if t.dep_ in ("amod", "compound") and t.is_alpha]
        return self._describe_word(head.text, mods, pos)

    def _describe_word(self, head: str, modifiers: list[str], pos: int) -> str | None:
        word = _norm(head)
        wanted = _ADDRESS.get(word, {word})
        mods = {m for m in map(_norm, modifiers) if m.islower()}
        fallback = None
        for _, name in self._before(pos):
            roles = self.people[name].roles
            if roles & wanted:
                if mods <= roles:
                    return name
                fallback = fallback or name
        return fallback


def _addresses(phrase) -> bool:
    """Whether a phrase is a title or form of address alone ("His Holiness", "the Supreme Leader")."""
    words = [t for t in phrase if t.is_alpha and t.lower_ not in _DETERMINERS and t.lower_ not in ("his", "her")]
    return bool(words) and (_norm(words[-1].text) in _ADDRESS or all(
        t.lower_.rstrip(".") in _TITLES for t in words))


def _possessor(doc, ent) -> bool:
    """Whether a name is a possessor ("Pagliano's lawyer")."""
    return ent.end < len(doc) and doc[ent.end].text in ("'s", "’s", "'", "’")


def _ends_source(doc, ent, toks) -> bool:
    """Whether a name closes the source phrase ``toks`` (an appositive: ", Mark MacDougall,")."""
    rest = [t for t in toks if t.i >= ent.end]
    return all(t.is_punct for t in rest)


def _inside_word(tok) -> bool:
    """A hyphen joining two words without spaces ("Britain-based", "Eva-Marie")."""
    return (tok.text in ("-", "‐") and tok.i > 0 and not tok.doc[tok.i - 1].whitespace_ and not tok.whitespace_
            and tok.i + 1 < len(tok.doc))


def _description(phrase) -> str | None:
    """A group or institution the source names by description ("the Israeli military", "Iran's
    Mizan news agency", "activists"): its words from after a determiner or possessor to its head.
    None for an indefinite or counted one ("a security source", "one news agency", "twelve
    percent"), a person's role ("the officer": a person the text does not name), a pronoun and
    images ("pictures showed")."""
    words = [t for t in phrase if not t.is_space]
    while words and words[-1].pos_ in ("VERB", "AUX", "ADP", "PART"):  # "team led", "paper published"
        words.pop()
    for k in range(len(words) - 1, -1, -1):  # "Iran's Mizan news agency": after the possessor
        if words[k].text in ("'s", "’s", "'", "’") and k + 1 < len(words):
            words = words[k + 1:]
            break
    if not words:
        return None
    first, head = words[0].lower_, words[-1]
    if first in _INDEFINITE or words[0].like_num or not head.is_alpha:
        return None
    while words and words[0].lower_ in _DETERMINERS:
        words = words[1:]
    low = head.lower_
    if (not words or low in _NOT_SPEAKERS or low in _HE or low in _SHE or low in _OTHER_PRONOUNS
            or low in _RELATIVE or _norm(low) in _PERSON_ROLES or low in _PERSON_NOUNS):
        return None
    return _join(words)


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


def _org_name(ent) -> str | None:
    """An organisation's or place's own name: "the White House's" -> "White House"."""
    words = list(ent)
    while words and words[0].lower_ == "the":
        words.pop(0)
    while words and words[-1].text in ("'s", "’s", "'", "’"):
        words.pop()
    return _join(words) or None


def _capitalised(tok) -> bool:
    """A capitalised word or title of a name, or the hyphen inside one ("Eva-Marie")."""
    if _inside_word(tok):
        return tok.doc[tok.i - 1].text[:1].isupper() and tok.doc[tok.i + 1].text[:1].isupper()
    return tok.text[:1].isupper() and (tok.is_alpha or tok.lower_.rstrip(".") in _TITLES)


def _title_runs(doc) -> list:
    """Without a parse: runs of two or more capitalised words outside place, date and nationality
    entities, leading stop words dropped ("And Trump") and role words too ("City Attorney Brad
    Holm"), that are not one person entity already (the stand-in for ``_name_chains``)."""
    out, run = [], []
    for tok in list(doc) + [None]:
        if (tok is not None and _capitalised(tok) and tok.ent_type_ not in _NOT_NAMES
                and tok.lower_ not in SPEECH_FORMS):
            run.append(tok)
            continue
        while run and run[0].is_stop and run[0].lower_.rstrip(".") not in _TITLES:
            run = run[1:]
        roles = [k for k, t in enumerate(run) if _norm(t.text) in _PERSON_ROLES or t.lower_.rstrip(".") in _TITLES]
        if roles:  # "City Attorney Brad Holm": the name after the last role word
            run = run[roles[-1] + 1:]
        if 1 < len(run) <= _MAX_NAME:  # longer runs are headlines ("Chris Christie Calls Hillary Clinton")
            span = doc[run[0].i:run[-1].i + 1]
            ents = {t.ent_type_ for t in span} | {t.ent_iob_ for t in span[1:]}
            if ents != {"PERSON", "I"}:
                out.append(span)
        run = []
    return out


def _near_roles(span) -> set[str]:
    """Without a parse: role words around a name — a role noun right before it and up to
    ``_ROLE_REACH`` - 1 capitalised words or titles before that ("Portmere mayor Helena Varga",
    "Iran's supreme leader Ali Khamenei"), and the words of an appositive after it whose phrase ends
    in a role noun (", the White House spokesman,")."""
    doc, roles = span.doc, set()
    i = span.start - 1
    while i >= 0 and span.start - i <= _ROLE_REACH:
        t = doc[i]
        word = _norm(t.text)
        if not t.is_alpha or t.lower_ in SPEECH_FORMS or (t.is_stop and word not in _TITLES.values()):
            break
        if i == span.start - 1 and word not in _PERSON_ROLES and word not in _TITLES.values():
            break
        if i < span.start - 1 and not t.text[:1].isupper() and word not in _TITLES.values():
            break  # "the network President Vladimir Putin formed": not a role of his
        roles.add(word)
        i -= 1
    if span.end < len(doc) and doc[span.end].text == ",":  # ", the White House spokesman,"
        words = []
        for t in doc[span.end + 1:span.end + 1 + _APPOS_REACH]:
            if t.is_punct or t.lower_ in SPEECH_FORMS or (words and t.lower_ in _PHRASE_END):
                break
            if t.is_alpha and not t.is_stop:
                words.append(_norm(t.text))
        if words and words[-1] in _PERSON_ROLES:  # its phrase ends in a role noun
            roles |= set(words)
    return roles


def _titles(ent) -> list[str]:
    """Titles inside a PERSON entity and right before it ("Mrs." in "Mrs. Maria Lopez")."""
    _, titles = _strip_titles(list(ent))
    i = ent.start - 1
    while i >= 0 and ent.doc[i].lower_.rstrip(".") in _TITLES:
        titles.append(_norm(ent.doc[i].text))
        i -= 1
    return titles


def _body_name(doc, phrase, toks) -> str | None:
    """The whole name of a body whose name goes on past a preposition: a capitalised run ending
    in a body's noun ("Human Rights Activists", "Association"), "in", "of" or "for", and a
    capitalised run inside the source ("... in Iran", "... of Flight Attendants")."""
    if not phrase or not all(_capitalised(t) for t in phrase) or phrase[-1].lower_ not in _BODY_HEADS:
        return None
    end = phrase[-1].i + 1
    if end >= len(doc) or doc[end].lower_ not in ("in", "of", "for") or doc[end] not in toks:
        return None
    run = []
    k = end + 1
    while k < len(doc) and doc[k] in toks and (_capitalised(doc[k]) or (run and doc[k].lower_ in ("and", "of", "&")
                                                                   and k + 1 < len(doc) and _capitalised(doc[k + 1]))):
        run.append(doc[k])
        k += 1
    if not run or not _capitalised(run[-1]):
        return None
    return _join([*phrase, doc[end], *run])


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

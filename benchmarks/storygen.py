"""Generate a benchmark corpus of story versions with known ground truth (gzipped JSONL).

    python benchmarks/storygen.py --docs 10000 --seed 1 -o benchmarks/out/stories-10k.jsonl.gz

Base articles are real ones from ../shared/data (PTC and PolNeAR; never committed) and, once
those run out, synthetic ones made from them: a real article's sentence shapes with every
content word redrawn from the corpus's content-word frequencies (so no two synthetic bases
share wording beyond what chance gives). A story is 2-8 outlet versions of one base; most
documents are singletons. Each version, with its own random draws:

- keeps 30-100% of the base's body sentences (deletions);
- rewords some sentences (``synonym``): synonyms from the table below, a trailing "...,
  officials said." moved to the front ("Officials said ...");
- paraphrases some (``paraphrase``, back-translation-like): "X said Y" <-> "Y, according to
  X", a subordinate clause moved to the other end, active to passive for simple sentences,
  adverbs dropped, most synonyms swapped;
- hangs partisan clauses off sentences (``clause``, after " – " or ", ": "though ...",
  "despite ...", "while ...", "which ..."), some repeating "and" and a word of their sentence
  so that word alignment is tempted to match crumbs, and inserts partisan sentences
  (``inserted``); each template at most once per story, so no two versions share an aside's
  wording;
- replaces some wire sentences by its own sentence sharing a word or two (``replaced``);
- puts an honorific ("Imam", "His Excellency", ...) before the story's main name (in at most
  one version per story: two outlets' different honorifics in one place are a rewording);
- may change the headline (``headline``); adds the outlet's furniture (navigation line, share
  prompt, related/comments lines, copyright line), maybe a wire credit and maybe a wire slug
  line above the headline (``slug``: "AP-US--Storm-Coast, 2nd Ld-Writethru", "UPDATE 2-...").

Some stories get a write-through (``update``): new paragraphs (the first sentences of another
corpus article) that one or two versions carry, after the first paragraph or at the end.

Distractors: articles on the same topic (another base with the story's proper names put in)
that are not copies. Everything is decided by ``--seed``; ``--classic`` leaves out slugs,
write-throughs, replaced sentences, paraphrases and echo clauses and gives the texts of the
corpora measured before they existed (same seed, same texts).

Each record: ``{"id", "text", "outlet", "story", "truth"}`` — ``story`` is the story's id for
versions (``null`` for singletons and distractors); ``truth`` holds the character ranges of
the headline, the furniture (slug lines included), the additions (``added``: clauses, inserted
and replaced sentences, honorifics), each kept base sentence (``sentences``: ``[base_index,
start, end]``; write-through sentences take the indices after the base's last one) and
``distractor_of``. ``edits`` lists every edit as ``{"type", "start", "end", "base"}`` (``base``:
the base index it was made on, or null), sorted by start; ``synonym`` and ``paraphrase`` edits
add ``variant``, the same number for the same wording of that sentence within the story (the
wire's own wording is 0). ``unspun stories`` reads only ``id``, ``text`` and ``outlet``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from unspun.stories.units import STOPWORDS, split_sentences  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"

# -- offline rewordings -----------------------------------------------------------------------

SYNONYMS = {
    "said": ["stated", "declared"], "says": ["states", "declares"], "told": ["informed"],
    "announced": ["unveiled", "declared"], "government": ["administration", "authorities"],
    "president": ["head of state", "leader"], "killed": ["left dead", "slain"], "people": ["individuals", "persons"],
    "attack": ["assault", "strike"], "attacks": ["assaults", "strikes"], "big": ["large", "major"],
    "large": ["big", "sizeable"], "major": ["key", "significant"], "important": ["crucial", "key"],
    "began": ["started", "commenced"], "begin": ["start", "commence"], "start": ["begin", "launch"],
    "started": ["began", "launched"], "ended": ["finished", "concluded"], "end": ["finish", "conclude"],
    "help": ["aid", "assist"], "helped": ["aided", "assisted"], "use": ["employ", "utilise"],
    "used": ["employed", "utilised"], "show": ["reveal", "indicate"], "showed": ["revealed", "indicated"],
    "shows": ["reveals", "indicates"], "think": ["believe", "reckon"], "believe": ["think", "hold"],
    "many": ["numerous", "a lot of"], "several": ["a number of", "various"], "about": ["around", "roughly"],
    "more than": ["over", "upwards of"], "because": ["since", "as"], "however": ["but", "yet"],
    "also": ["additionally", "too"], "country": ["nation", "state"], "countries": ["nations", "states"],
    "city": ["town", "municipality"], "officials": ["authorities", "representatives"],
    "official": ["representative", "functionary"], "police": ["law enforcement", "officers"],
    "soldiers": ["troops", "servicemen"], "troops": ["soldiers", "forces"], "talks": ["negotiations", "discussions"],
    "deal": ["agreement", "accord"], "agreement": ["deal", "pact"], "law": ["legislation", "statute"],
    "plan": ["proposal", "scheme"], "plans": ["proposals", "schemes"], "report": ["account", "study"],
    "reported": ["said", "revealed"], "claimed": ["asserted", "alleged"], "warned": ["cautioned", "alerted"],
    "called": ["described", "termed"], "week": ["seven days"], "often": ["frequently", "regularly"],
    "quickly": ["rapidly", "swiftly"], "recently": ["lately", "of late"], "later": ["subsequently", "afterwards"],
    "tried": ["attempted", "sought"], "try": ["attempt", "seek"], "want": ["wish", "desire"],
    "wanted": ["wished", "desired"], "need": ["require"], "needed": ["required"], "get": ["obtain", "receive"],
    "got": ["obtained", "received"], "give": ["provide", "grant"], "gave": ["provided", "granted"],
    "went": ["headed", "travelled"], "took": ["seized", "captured"], "make": ["create", "produce"],
    "made": ["created", "produced"], "new": ["fresh", "novel"], "old": ["former", "previous"],
    "former": ["ex-", "previous"], "top": ["senior", "leading"], "leader": ["chief", "head"],
    "leaders": ["chiefs", "heads"], "meeting": ["summit", "gathering"], "support": ["backing", "endorsement"],
    "supporters": ["backers", "followers"], "critics": ["detractors", "opponents"], "decision": ["ruling", "move"],
    "increase": ["rise", "growth"], "decline": ["fall", "drop"], "rose": ["climbed", "increased"],
    "fell": ["dropped", "declined"], "money": ["funds", "cash"], "spending": ["expenditure", "outlays"],
    "election": ["vote", "ballot"], "voters": ["electors", "the electorate"], "campaign": ["drive", "bid"],
    "investigation": ["inquiry", "probe"], "evidence": ["proof", "indications"], "accused": ["charged", "blamed"],
    "arrested": ["detained", "apprehended"], "protest": ["demonstration", "rally"], "protesters": ["demonstrators", "marchers"],
    "group": ["organisation", "faction"], "groups": ["organisations", "factions"], "region": ["area", "zone"],
    "area": ["region", "district"], "near": ["close to", "by"], "following": ["after", "in the wake of"],
    "despite": ["in spite of", "notwithstanding"], "according to": ["as stated by", "per"],
}
_SYN_RE = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in SYNONYMS), key=len, reverse=True)) + r")\b",
                     re.IGNORECASE)
_TRAILING_SAID = re.compile(r"^(?P<body>[A-Z][^\"“”]{20,}), (?P<who>(?:[A-Za-z]+ ){0,3}[A-Za-z]+) (?P<verb>said|says|told reporters|added)\.$")

ACTORS = ["the regime", "the ruling party", "the globalist elite", "the establishment", "the mainstream media",
          "Big Tech", "the corrupt bureaucracy", "the opposition", "the administration", "the cartel",
          "the deep state", "the Kremlin", "Beijing", "Brussels", "the unions", "Wall Street", "the lobbyists",
          "the so-called experts", "the party machine", "the old guard"]
VICES = ["engaging in tacit agreements with terror groups", "lying to the public", "rigging the system",
         "covering up abuses", "silencing its critics", "squandering public money", "betraying its own voters",
         "bowing to foreign pressure", "protecting its cronies", "ignoring ordinary families",
         "selling out the nation", "spreading fear", "dodging every question", "enriching its friends"]
ADJECTIVES = ["reckless", "cynical", "shameful", "outrageous", "desperate", "disgraceful", "brazen", "sinister",
              "pathetic", "dishonest", "craven", "arrogant"]
NOUNS = ["stunt", "betrayal", "power grab", "cover-up", "charade", "scam", "smokescreen", "surrender", "farce",
         "hoax", "witch hunt", "ploy"]
VERBS = ["betray", "silence", "deceive", "ignore", "fleece", "abandon", "bully", "mislead"]
VICTIMS = ["ordinary citizens", "working families", "taxpayers", "patriots", "small businesses", "pensioners",
           "young people", "farmers", "veterans", "believers"]
CLAUSES = [
    "though {actor} has been exposed {vice}",
    "a {adj} {noun} that fools no one",
    "which {actor} has repeatedly denied",
    "despite {actor}'s long record of {vice}",
    "yet another sign of {actor}'s {adj} {noun}",
    "as {actor} continues to {verb} {victims}",
    "in what many {victims} see as a {adj} {noun}",
    "a claim that {actor} will struggle to defend",
    "even though {actor} spent the past year {vice}",
    "proof, if any were needed, of {actor}'s {adj} {noun}",
    "something {victims} have warned about for years",
    "while {actor} looks the other way",
    "an outcome {actor} quietly welcomed",
    "just as {actor} had planned all along",
    "after years of {actor} {vice}",
    "with {actor} once again nowhere to be seen",
    "a {noun} cooked up by {actor}",
    "thanks largely to {actor}",
]
SENTENCES = [
    "{Actor} has never been held to account for {vice}.",
    "Few {victims} will be surprised by this {adj} {noun}.",
    "This is what happens when {actor} is allowed to {verb} {victims}.",
    "Readers will remember that {actor} promised the very opposite.",
    "Once again, {victims} are left to pay for {actor}'s {adj} {noun}.",
    "It is hard to imagine a more {adj} {noun} from {actor}.",
    "Nobody should forget that {actor} has spent years {vice}.",
    "The {adj} silence from {actor} speaks volumes.",
    "Ask yourself who benefits: certainly not {victims}.",
    "Expect {actor} to spin this as a victory.",
    "The truth, as usual, will be buried by {actor}.",
    "{Victims} deserve better than this {noun}.",
    "How long will {victims} tolerate it?",
    "Remember this the next time {actor} asks for your trust.",
]
# clauses that repeat "and" and a word of their sentence (``echo``), so that word alignment is
# tempted to match crumbs of them
ECHO_CLAUSES = [
    "though {actor} and its allies have been caught {vice} with the {echo}",
    "which {actor} and {victims} both know is really about the {echo}",
    "while {actor} and its friends keep {vice} behind the {echo}",
    "despite {actor} and its partners {vice} over the {echo}",
    "which says everything about {actor} and the {echo}",
]
# an outlet's own sentence in place of a wire sentence, sharing one or two of its words
REPLACEMENTS = [
    "In reality, however, {actor} has been {vice} while pretending to care about {w1}.",
    "What {actor} will not tell you about {w1} is far more {adj}.",
    "The true story behind {w1} is {actor}'s {adj} {noun}.",
    "For {victims}, {w1} is merely another {noun} dressed up by {actor}.",
    "Behind the talk of {w1} and {w2} lies {actor}'s {adj} {noun}.",
    "None of this {w1} business would matter if {actor} stopped {vice}.",
]
HONORIFICS = ["Imam", "His Excellency", "Comrade", "the disgraced", "the so-called", "Dear Leader", "the heroic",
              "His Eminence", "the embattled"]
OUTLET_ADJ = ["Daily", "Free", "Patriot", "People's", "Global", "Morning", "Evening", "Liberty", "National",
              "Independent", "Capital", "Western"]
OUTLET_NOUN = ["Herald", "Post", "Gazette", "Observer", "Chronicle", "Voice", "Sentinel", "Times", "Courier",
               "Dispatch", "Tribune", "Ledger"]
FOOTERS = ["Share this article", "Related articles", "Leave a Reply", "Similar posts", "Scroll Up",
           "Protect and Support Us by Sharing our Articles", "Join the conversation"]
WIRES = ["AFP", "Reuters", "AP"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@dataclass
class Base:
    """A base article: its headline and body paragraphs (lists of sentences)."""

    title: str
    paragraphs: list[list[str]]

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]


_WORDS = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*|[^A-Za-z]+")


def load_real(shared: Path) -> list[Base]:
    """PTC and PolNeAR articles with 5-80 body sentences, by sorted path (deterministic), minus
    those sharing three or more word 8-grams with an earlier one."""
    paths = []
    for folder in ("ptc/train-articles", "ptc/dev-articles", "polnear/data/train/text", "polnear/data/dev/text"):
        paths += sorted((shared / folder).glob("*.txt"))
    out, titles, seen = [], set(), set()
    for path in paths:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        lines = text.strip().split("\n", 1)
        if len(lines) < 2:
            continue
        title, body = lines[0].strip(), lines[1]
        if not title or title in titles:
            continue
        paragraphs = []
        for para in re.split(r"\n\s*\n|\n", body):
            sents = [para[a:b] for a, b in split_sentences(para)]
            sents = [s for s in sents if len(s.split()) >= 4]
            if sents:
                paragraphs.append(sents)
        if 5 <= sum(len(p) for p in paragraphs) <= 80:
            grams = _eight_grams(" ".join(s for p in paragraphs for s in p))
            if len(grams & seen) >= 3:  # the source corpora reuse text too (press releases, quoted
                continue                # reports): such an article would be an unmarked copy
            seen |= grams
            titles.add(title)
            out.append(Base(title, paragraphs))
    return out


def _eight_grams(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(" ".join(words[i:i + 8])) for i in range(len(words) - 7)}


class Synth:
    """Synthetic bases: a real article's shape, content words redrawn by corpus frequency.

    Each real article is cut once into parts (words and the text between them); a synthetic
    base redraws all its content words in one numpy draw, joins the parts back and permutes
    the digits (so its numbers are not the template's)."""

    def __init__(self, real: list[Base], rng: np.random.Generator):
        counts: dict[str, int] = {}
        self.templates = []
        for base in real:
            pieces = [base.title] + base.sentences
            parts, content, caps, bounds = [], [], [], [0]
            for piece in pieces:
                for w in _WORDS.findall(piece):
                    is_content = w[0].isalpha() and w.lower() not in STOPWORDS
                    if is_content:
                        counts[w.lower()] = counts.get(w.lower(), 0) + 1
                    parts.append(w)
                    content.append(is_content)
                    caps.append(w[0].isupper())
                bounds.append(len(parts))
            idx = np.flatnonzero(content)
            self.templates.append((np.array(parts, dtype=object), idx, np.array(caps)[idx], bounds,
                                   [len(p) for p in base.paragraphs]))
        words = sorted(counts)
        self.lower = np.array(words, dtype=object)
        self.upper = np.array([w.capitalize() for w in words], dtype=object)
        freq = np.array([counts[w] for w in words], dtype=np.float64)
        self.cdf = np.cumsum(freq) / freq.sum()
        self.rng = rng

    def base(self) -> Base:
        parts, idx, caps, bounds, para_sizes = self.templates[int(self.rng.integers(len(self.templates)))]
        drawn = np.searchsorted(self.cdf, self.rng.random(len(idx)))
        out = parts.copy()
        out[idx] = np.where(caps, self.upper[drawn], self.lower[drawn])
        digits = str.maketrans("0123456789", "".join(map(str, self.rng.permutation(10))))  # numbers too
        words = out.tolist()
        full = "".join(words).translate(digits)
        ends = np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)))
        cuts = [0] + [int(ends[b - 1]) if b else 0 for b in bounds[1:]]
        pieces = [full[a:b] for a, b in zip(cuts, cuts[1:])]
        title, sentences = pieces[0], iter(pieces[1:])
        return Base(title, [[next(sentences) for _ in range(n)] for n in para_sizes])


# -- one version ----------------------------------------------------------------------------


class Writer:
    """Builds a version's text piece by piece, recording ranges."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, s: str) -> tuple[int, int]:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def fill(template: str, rng: np.random.Generator, used: set | None = None, **extra: str) -> str:
    """Fill a template's slots; with ``used``, each slot value at most once per story (so two
    versions' asides share no content word). ``extra`` fills further slots (``echo``, ``w1``)."""
    used = set() if used is None else used

    def pick(xs: list[str]) -> str:
        free = [x for x in xs if x not in used] or xs
        x = free[int(rng.integers(len(free)))]
        used.add(x)
        return x

    actor = pick(ACTORS)
    victims = pick(VICTIMS)
    return template.format(actor=actor, Actor=actor[0].upper() + actor[1:], vice=pick(VICES), adj=pick(ADJECTIVES),
                           noun=pick(NOUNS), verb=pick(VERBS), victims=victims, Victims=victims.capitalize(), **extra)


def fresh(templates: list[str], used: set, rng: np.random.Generator, **extra: str) -> str | None:
    """A filled template not used before in this story (each template and slot value once per
    story, so no two versions share an aside's wording), or None when all are used."""
    free = [t for t in templates if t not in used]
    if not free:
        return None
    template = free[int(rng.integers(len(free)))]
    used.add(template)
    return fill(template, rng, used, **extra)


def reword(sentence: str, rng: np.random.Generator) -> str:
    m = _TRAILING_SAID.match(sentence)
    if m and rng.random() < 0.5:
        who = m.group("who")
        body = m.group("body")
        if not body.split()[0].isupper() and body[1:2].islower():
            body = body[0].lower() + body[1:]
        return f"{who[0].upper()}{who[1:]} {m.group('verb')} {body}."

    def swap(mm: re.Match) -> str:
        if rng.random() > 0.7:
            return mm.group(0)
        choices = SYNONYMS[mm.group(0).lower()]
        new = choices[int(rng.integers(len(choices)))]
        return new[0].upper() + new[1:] if mm.group(0)[0].isupper() else new

    return _SYN_RE.sub(swap, sentence)


_ADVERBS = re.compile(r" (?:also|still|already|just|very|really|reportedly|recently|currently|now|even|previously|"
                      r"largely|widely|strongly|quickly|clearly|openly|publicly|repeatedly|fully|nearly|roughly)"
                      r"(?= )")
_SAID_BY = re.compile(r"^(?P<who>(?:[A-Z][\w.'-]* ){0,3}[A-Za-z][\w.'-]*) (?:said|says) (?:that )?"
                      r"(?P<body>[^\"“”]{20,})\.$")
_LEAD_SUB = re.compile(r"^(?P<sub>(?:When|After|Although|Though|While|Because|As|If|Before|Since|Once) "
                       r"[^,\"“”]{8,}), (?P<main>[^,\"“”]{15,})\.$")
_TRAIL_SUB = re.compile(r"^(?P<main>[A-Z][^,\"“”]{15,}) "
                        r"(?P<conj>because|after|before|when|while|although|since|once) (?P<sub>[^,\"“”]{8,})\.$")
_PASSIVE = re.compile(r"^(?P<subj>(?:The|A|An) [a-z]+(?: [a-z]+)?|[A-Z][a-z]+(?: [A-Z][a-z]+)?) "
                      r"(?P<verb>killed|arrested|attacked|rejected|approved|signed|launched|announced|criticised|"
                      r"criticized|condemned|blocked|passed|accused|detained|released|captured|destroyed|ordered|"
                      r"banned|seized|fined|elected|appointed|defeated|raided|hit|struck|won|lost|backed|opposed) "
                      r"(?P<obj>(?:the|a|an|his|her|their|its|\d+) [^,\"“”]{4,})\.$")


def _lower_first(text: str) -> str:
    """``text`` with its first word lowercased unless it looks like a name."""
    word = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if word.lower() in STOPWORDS else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _restructure(sentence: str, rng: np.random.Generator) -> str | None:
    """One structural rewrite a back-translation makes, or None when no pattern fits:
    "X said Y" <-> "Y, according to X", a subordinate clause moved to the other end,
    active to passive for a simple subject-verb-object sentence."""
    options = []
    m = _TRAILING_SAID.match(sentence)
    if m and m.group("verb") in ("said", "says"):
        options.append(f"According to {_lower_first(m.group('who'))}, {_lower_first(m.group('body'))}.")
    m = _SAID_BY.match(sentence)
    if m:
        options.append(f"{_upper_first(m.group('body'))}, according to {_lower_first(m.group('who'))}.")
    m = _LEAD_SUB.match(sentence)
    if m:
        options.append(f"{_upper_first(m.group('main'))} {m.group('sub')[0].lower()}{m.group('sub')[1:]}.")
    m = _TRAIL_SUB.match(sentence)
    if m:
        options.append(f"{_upper_first(m.group('conj'))} {m.group('sub')}, {_lower_first(m.group('main'))}.")
    m = _PASSIVE.match(sentence)
    if m:
        obj = m.group("obj")
        head = obj.split()[1] if len(obj.split()) > 1 else obj
        be = "were" if head.endswith("s") and not head.endswith("ss") else "was"
        options.append(f"{_upper_first(obj)} {be} {m.group('verb')} by {_lower_first(m.group('subj'))}.")
    return options[int(rng.integers(len(options)))] if options else None


def paraphrase(sentence: str, rng: np.random.Generator) -> str | None:
    """A back-translation-like paraphrase (a structural rewrite, adverbs dropped, most words
    with a synonym swapped), or None when the sentence offers neither a structural rewrite nor
    two other changes."""
    out = _restructure(sentence, rng) or sentence
    changes = 2 * (out != sentence)
    dropped = _ADVERBS.sub("", out)
    changes += dropped != out

    def swap(mm: re.Match) -> str:
        nonlocal changes
        if rng.random() > 0.8:
            return mm.group(0)
        changes += 1
        choices = SYNONYMS[mm.group(0).lower()]
        new = choices[int(rng.integers(len(choices)))]
        return new[0].upper() + new[1:] if mm.group(0)[0].isupper() else new

    out = _SYN_RE.sub(swap, dropped)
    return out if changes >= 2 and out != sentence else None


def content_words(sentence: str) -> list[str]:
    """The sentence's content words (letters only, over three characters, not stopwords), in order."""
    return [w for w in re.findall(r"[A-Za-z]+", sentence) if len(w) > 3 and w.lower() not in STOPWORDS]


def slug_line(title: str, wire: str | None, rng: np.random.Generator) -> str:
    """A wire slug line for the top of a version ("AP-US--Storm-Coast, 2nd Ld-Writethru", "UPDATE 2-...")."""
    words = content_words(title)[:3] or ["Story"]
    nth = int(rng.integers(1, 4))
    if (wire or WIRES[int(rng.integers(3))]) == "Reuters":
        return f"UPDATE {nth}-{' '.join(title.split()[:8]).rstrip('.,:;')}"
    region = ["US", "EU", "Mideast", "Asia", "Africa"][int(rng.integers(5))]
    order = ["1st", "2nd", "3rd"][nth - 1]
    return f"AP-{region}--{'-'.join(w.capitalize() for w in words[:2])}, {order} Ld-Writethru"


def main_name(base: Base) -> str | None:
    """The most frequent capitalised word not at a sentence start (a name, usually)."""
    counts: dict[str, int] = {}
    for s in base.sentences:
        words = s.split()
        for w in words[1:]:
            w = w.strip(".,;:!?\"'“”‘’()")
            if len(w) > 3 and w[0].isupper() and w[1:].islower() and w.lower() not in STOPWORDS:
                counts[w] = counts.get(w, 0) + 1
    if not counts:
        return None
    name = max(sorted(counts), key=lambda k: counts[k])
    return name if counts[name] >= 2 else None


@dataclass
class Extras:
    """A version's edits beyond deletions, synonyms, asides, inserted sentences and honorifics."""

    on: bool = False  # draw replaced sentences, paraphrases and echo clauses
    slug: str | None = None  # a wire slug line above the headline
    update: list[list[str]] | None = None  # the write-through's new paragraphs
    update_at: str = "end"  # "end", or "top" (after the first paragraph)
    update_first: int = 0  # base index given to the write-through's first sentence
    forms: dict = field(default_factory=dict)  # per story: base index -> {sentence form: variant}


def _items(base: Base, kept, extras: Extras) -> list[tuple]:
    """(paragraph key, base index, sentence, editable) in text order, the write-through's
    paragraphs in their place."""
    flat = [(pi, s) for pi, p in enumerate(base.paragraphs) for s in p]
    items = [(flat[k][0], int(k), flat[k][1], True) for k in kept]
    if not extras.update:
        return items
    new, index = [], extras.update_first
    for j, para in enumerate(extras.update):
        for sentence in para:
            new.append((("update", j), index, sentence, False))
            index += 1
    at = len(items)
    if extras.update_at == "top":
        at = next((i for i, item in enumerate(items) if item[0] != items[0][0]), len(items))
    return items[:at] + new + items[at:]


def _replacement(sentence: str, used: set[str], rng: np.random.Generator) -> str | None:
    """An outlet's own sentence sharing one or two words (names first, else long words) with ``sentence``."""
    words = content_words(sentence)
    names = [x for x in words[1:] if x[0].isupper()]
    words = sorted(set(names)) or sorted({x for x in words if len(x) > 5}) or words
    if not words:
        return None
    picks = [words[int(i)] for i in rng.choice(len(words), size=min(2, len(words)), replace=False)]
    return fresh(REPLACEMENTS, used, rng, w1=picks[0], w2=picks[-1])


def _echo_clause(sentence: str, used: set[str], rng: np.random.Generator) -> str | None:
    words = content_words(sentence)
    if not words:
        return None
    echo = words[-1] if rng.random() < 0.5 else words[int(rng.integers(len(words)))]
    return fresh(ECHO_CLAUSES, used, rng, echo=echo)


def render(base: Base, rng: np.random.Generator, outlet: dict, *, keep: float | None, edit: bool,
           wire: str | None, date: str, used: set[str], extras: Extras | None = None) -> tuple[str, dict]:
    """One version's text and truth. ``keep`` is the share of body sentences kept (None: all);
    ``edit`` turns on rewording, asides, honorifics and headline changes; ``extras`` adds the
    slug line, the write-through and (with ``extras.on`` and ``edit``) replaced sentences,
    paraphrases and echo clauses."""
    extras = extras or Extras()
    w = Writer()
    truth: dict = {"title": None, "furniture": [], "added": [], "sentences": [], "edits": []}
    edits = truth["edits"]

    def note(kind: str, span: tuple[int, int], base_index: int | None, **more) -> None:
        edits.append({"type": kind, "start": span[0], "end": span[1], "base": base_index, **more})

    if outlet.get("header"):
        truth["furniture"].append(w.add(outlet["header"]))
        w.add("\n\n")
    if extras.slug:
        truth["furniture"].append(w.add(extras.slug))
        note("slug", truth["furniture"][-1], None)
        w.add("\n\n")
    title = base.title
    if edit and rng.random() < 0.4:
        title = reword(title, rng) if rng.random() < 0.6 else f"{title.rstrip('.')}: {fill('{Actor} exposed again', rng)}"
    truth["title"] = w.add(title)
    if title != base.title:
        note("headline", truth["title"], None)
    w.add("\n\n")
    truth["furniture"].append(w.add(date))
    w.add("\n\n")
    n = sum(len(p) for p in base.paragraphs)
    kept = sorted(rng.choice(n, size=max(1, int(round(keep * n))), replace=False)) if keep is not None else range(n)
    name = main_name(base) if edit and "honorific" not in used and rng.random() < 0.35 else None
    if name:
        used.add("honorific")  # one version per story: two outlets' different honorifics would be a rewording
    honorific = HONORIFICS[int(rng.integers(len(HONORIFICS)))] if name else None
    last_para = None
    for pi, k, sentence, editable in _items(base, kept, extras):
        if last_para is not None:
            w.add(" " if pi == last_para else "\n\n")
        last_para = pi
        start = w.pos
        if not editable:  # the write-through's sentences, as the wire sent them
            truth["sentences"].append([k, start, w.add(sentence)[1]])
            note("update", (start, w.pos), k)
            continue
        replacement = _replacement(sentence, used, rng) if edit and extras.on and rng.random() < 0.03 else None
        if replacement:
            truth["added"].append(w.add(replacement))
            note("replaced", truth["added"][-1], k)
            continue
        original, kind = sentence, None
        if edit and extras.on and rng.random() < 0.12:
            sentence = paraphrase(sentence, rng) or sentence
            kind = "paraphrase" if sentence != original else None
        if kind is None and edit and rng.random() < 0.25:
            sentence = reword(sentence, rng)
            kind = "synonym" if sentence != original else None
        form = sentence
        added_here = []
        aside = None
        if edit and rng.random() < 0.12 and sentence[-1:] in ".!?" and sentence[-2:-1].isalnum():
            if extras.on and rng.random() < 0.4:
                aside = _echo_clause(sentence, used, rng)
            aside = aside or fresh(CLAUSES, used, rng)
        if aside:
            sentence, end_mark = sentence[:-1], sentence[-1]
            joiner = " \u2013 " if rng.random() < 0.5 else ", "
        if honorific and name in sentence:
            pieces = sentence.split(name)
            w.add(pieces[0])
            for piece in pieces[1:]:
                if rng.random() < 0.8:
                    added_here.append(w.add(honorific))
                    note("honorific", added_here[-1], k)
                    w.add(" ")
                w.add(name + piece)
        else:
            w.add(sentence)
        if aside:
            added_here.append(w.add(joiner + aside))
            note("clause", added_here[-1], k)
            w.add(end_mark)
        truth["sentences"].append([k, start, w.pos])
        if kind:
            forms = extras.forms.setdefault(k, {original: 0})
            note(kind, (start, w.pos), k, variant=forms.setdefault(form, len(forms)))
        truth["added"] += added_here
        extra = fresh(SENTENCES, used, rng) if edit and rng.random() < 0.06 else None
        if extra:
            w.add(" ")
            truth["added"].append(w.add(extra))
            note("inserted", truth["added"][-1], None)
    if wire:
        w.add("\n\n")
        truth["furniture"].append(w.add(f"{wire} contributed to this report."))
    for line in outlet["footer"]:
        w.add("\n\n")
        truth["furniture"].append(w.add(line))
    w.add("\n")
    edits.sort(key=lambda e: (e["start"], e["end"]))
    return w.text(), truth


def inject_names(base: Base, names: list[str], rng: np.random.Generator) -> Base:
    """A distractor: ``base`` with its capitalised words replaced by the story's names, often."""
    if not names:
        return base

    def swap(m: re.Match) -> str:
        word = m.group(0)
        if word[0].isupper() and word.lower() not in STOPWORDS and rng.random() < 0.5:
            return names[int(rng.integers(len(names)))]
        return word

    pat = re.compile(r"\b[A-Z][a-z]{3,}\b")
    return Base(pat.sub(swap, base.title), [[pat.sub(swap, s) for s in p] for p in base.paragraphs])


def names_of(base: Base) -> list[str]:
    counts: dict[str, int] = {}
    for s in base.sentences:
        for w in re.findall(r"(?<=\s)[A-Z][a-z]{3,}\b", s):
            if w.lower() not in STOPWORDS:
                counts[w] = counts.get(w, 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6]]


def outlets(rng: np.random.Generator, n: int = 60) -> list[dict]:
    out = []
    for i in range(n):
        name = f"The {OUTLET_ADJ[i % len(OUTLET_ADJ)]} {OUTLET_NOUN[(i * 5 + i // len(OUTLET_ADJ)) % len(OUTLET_NOUN)]}"
        footer = [FOOTERS[j] for j in sorted(rng.choice(len(FOOTERS), size=int(rng.integers(1, 4)), replace=False))]
        footer.append(f"\u00a9 {2015 + i % 10}-2025 {name}. All Rights Reserved")
        header = f"{name} | Home | News | World" if rng.random() < 0.5 else None
        out.append({"name": name, "header": header, "footer": footer})
    return out


def generate(n_docs: int, seed: int, story_share: float = 0.3, distractor_rate: float = 0.15,
             shared: Path = SHARED, classic: bool = False):
    """Yield records (dicts), shuffled by ``seed``. ``classic``: without slugs, write-throughs,
    replaced sentences, paraphrases and echo clauses (the corpus of earlier measurements, the
    same texts for the same seed)."""
    rng = np.random.default_rng(seed)
    real = load_real(shared)
    if not real:
        raise SystemExit(f"no base articles under {shared} (PTC/PolNeAR): the generator needs ../shared/data")
    order = rng.permutation(len(real))
    real = [real[i] for i in order]
    synth = Synth(real, rng)
    reserve = int(n_docs * story_share / 3) + 1  # about the number of stories
    story_pool, single_pool = iter(real[:reserve]), iter(real[reserve:])

    def next_base() -> Base:
        """Stories take real articles first; then everything is synthetic."""
        return next(story_pool, None) or synth.base()

    def single_base() -> Base:
        return next(single_pool, None) or synth.base()

    sizes = np.arange(2, 9)
    weights = np.array([8, 6, 4, 3, 2, 1, 1], dtype=float)
    weights /= weights.sum()
    outlet_list = outlets(rng)
    story_left = int(n_docs * story_share)
    single_left = n_docs - story_left
    story_no = 0

    def date() -> str:
        return f"{MONTHS[int(rng.integers(12))]} {int(rng.integers(1, 29))}, {int(rng.integers(2015, 2026))}"

    def story() -> Iterator[dict]:
        nonlocal story_no
        size = min(int(rng.choice(sizes, p=weights)), max(2, story_left))
        base = next_base()
        story_id = f"s{story_no:07d}"
        story_no += 1
        wire = WIRES[int(rng.integers(3))] if rng.random() < 0.6 else None
        day = date()
        used: set[str] = set()
        update, holders, update_at, forms = None, set(), "end", {}
        if not classic and rng.random() < 0.35:  # a later write-through that some versions carry
            sentences = single_base().sentences[:int(rng.integers(2, 6))]
            cut = int(rng.integers(1, len(sentences) + 1))
            update = [p for p in (sentences[:cut], sentences[cut:]) if p]
            holders = {int(h) for h in rng.choice(size, size=1 if size < 3 or rng.random() < 0.6 else 2, replace=False)}
            update_at = "top" if rng.random() < 0.5 else "end"
        for j, o in enumerate(rng.choice(len(outlet_list), size=size, replace=False)):
            untouched = j == 0 and rng.random() < 0.3  # sometimes one version is the wire copy as sent
            keep = None if untouched else float(rng.uniform(0.3, 1.0))
            extras = Extras()
            if not classic:
                slug = slug_line(base.title, wire, rng) if rng.random() < (0.5 if untouched else 0.2) else None
                extras = Extras(on=True, slug=slug, update=update if j in holders else None, update_at=update_at,
                                update_first=len(base.sentences), forms=forms)
            text, truth = render(base, rng, outlet_list[o], keep=keep, edit=not untouched,
                                 wire=wire if rng.random() < 0.7 else None, date=day, used=used, extras=extras)
            truth["distractor_of"] = None
            yield {"text": text, "outlet": outlet_list[o]["name"], "story": story_id, "truth": truth}
        if rng.random() < distractor_rate:
            names = names_of(base)
            for _ in range(int(rng.integers(1, 3))):
                other = inject_names(synth.base(), names, rng)
                o = int(rng.integers(len(outlet_list)))
                text, truth = render(other, rng, outlet_list[o], keep=None, edit=False, wire=None, date=day, used=set())
                truth["distractor_of"] = story_id
                yield {"text": text, "outlet": outlet_list[o]["name"], "story": None, "truth": truth}

    def single() -> dict:
        o = int(rng.integers(len(outlet_list)))
        text, truth = render(single_base(), rng, outlet_list[o], keep=None, edit=False,
                             wire=WIRES[int(rng.integers(3))] if rng.random() < 0.3 else None, date=date(), used=set())
        truth["distractor_of"] = None
        return {"text": text, "outlet": outlet_list[o]["name"], "story": None, "truth": truth}

    while story_left > 0 or single_left > 0:
        if story_left > 0 and rng.random() < story_left / (story_left + single_left) / 3.5:
            for rec in story():
                story_left -= 1
                yield rec
        elif single_left > 0:
            single_left -= 1
            yield single()


def write(n_docs: int, seed: int, out: Path, story_share: float, distractor_rate: float,
          buffer: int = 20000, prefix: str = "d", classic: bool = False) -> int:
    """Generate and write, shuffled through a ``buffer``-record window (memory stays bounded)."""
    rng = np.random.default_rng(seed + 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    window: list[dict] = []
    number = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=3) as f:
        def emit(rec: dict) -> None:
            nonlocal number
            rec = {"id": f"{prefix}{number:07d}", **rec}
            if rec["story"]:
                rec["story"] = prefix + rec["story"]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            number += 1

        for rec in generate(n_docs, seed, story_share, distractor_rate, classic=classic):
            window.append(rec)
            if len(window) >= buffer:
                i = int(rng.integers(len(window)))
                window[i], window[-1] = window[-1], window[i]
                emit(window.pop())
        order = rng.permutation(len(window))
        for i in order:
            emit(window[i])
    return number


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--story-share", type=float, default=0.3, help="share of documents that are story versions")
    p.add_argument("--distractors", type=float, default=0.15, help="chance a story gets 1-2 same-topic distractors")
    p.add_argument("--id-prefix", default="d", help="prefix of document and story ids (to generate parts "
                   "in parallel and concatenate the .gz files)")
    p.add_argument("--classic", action="store_true", help="without slugs, write-throughs, replaced sentences, "
                   "paraphrases and echo clauses: the texts of corpora measured before these edits existed")
    p.add_argument("-o", "--output", type=Path, required=True)
    args = p.parse_args()
    n = write(args.docs, args.seed, args.output, args.story_share, args.distractors, prefix=args.id_prefix,
              classic=args.classic)
    print(f"wrote {n} documents to {args.output}")


if __name__ == "__main__":
    main()

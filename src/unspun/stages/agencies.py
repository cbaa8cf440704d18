"""News agencies: wire credits and wire attributions in text (a helper of the clean stage).

Each agency has a canonical short name (the ``wire`` span label). Names that are words or
common acronyms elsewhere ("AP", "PA", "Fars", "Tasnim", "Reuters" as a story's subject) count
only in wire forms: "(AP) —", "— AP", "according to Reuters", "Reuters reported", "told AFP",
"Tasnim News Agency reported", a credit line. Unmistakable names ("Associated Press",
"Xinhua", "IRNA", "dpa") count wherever they stand.

>>> credit_line("AFP contributed to this report.")
['AFP']
>>> credit_line("Reuters journalists were detained.") is None
True
>>> line = "TEHRAN (AFP) - Iran will never coordinate, Tasnim News Agency reported."
>>> [(label, line[s:e], inline) for s, e, label, inline in wire_mentions(line)]
[('AFP', '(AFP)', False), ('Tasnim', 'Tasnim News Agency', True)]
"""

from __future__ import annotations

import re
from bisect import bisect_left

# canonical -> (names that count anywhere, names that count only in wire forms)
_AGENCIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AFP": (("Agence France-Presse", "Agence France Presse", "Agence France-Press"), ("AFP",)),
    "Reuters": ((), ("Reuters", "REUTERS", "Thomson Reuters")),
    "AP": (("Associated Press",), ("AP",)),
    "Xinhua": (("Xinhua", "XINHUA"), ()),
    "dpa": (("dpa", "Deutsche Presse-Agentur"), ("DPA",)),
    "Tasnim": ((), ("Tasnim",)),
    "IRNA": (("IRNA", "Islamic Republic News Agency"), ()),
    "Fars": ((), ("Fars", "FNA")),
    "Mehr": ((), ("Mehr",)),
    "ISNA": ((), ("ISNA",)),
    "Anadolu": (("Anadolu Agency", "Anadolu Ajansı"), ("Anadolu", "AA")),
    "UPI": (("United Press International",), ("UPI",)),
    "PA": (("PA Media",), ("PA", "Press Association")),
    "ANSA": (("ANSA",), ()),
    "EFE": ((), ("EFE",)),
    "Kyodo": (("Kyodo", "Kyodo News"), ()),
    "Jiji": (("Jiji Press",), ("Jiji",)),
    "TASS": (("TASS", "ITAR-TASS"), ("Tass",)),
    "RIA Novosti": (("RIA Novosti",), ("RIA",)),
    "Interfax": (("Interfax",), ()),
    "Yonhap": (("Yonhap",), ()),
    "KCNA": (("KCNA", "Korean Central News Agency"), ()),
    "SANA": (("Syrian Arab News Agency",), ("SANA",)),
    "WAFA": (("WAFA",), ()),
    "Bernama": (("Bernama",), ()),
    "Antara": ((), ("Antara",)),
    "PTI": (("Press Trust of India",), ("PTI",)),
    "ANI": (("Asian News International",), ("ANI",)),
    "IANS": ((), ("IANS",)),
    "AAP": (("Australian Associated Press",), ("AAP",)),
    "CP": (("Canadian Press",), ("CP",)),
    "Europa Press": (("Europa Press",), ()),
}
# Acronyms that name other things too often (Palestinian Authority, Communist Party, ...):
# only "(PA) -", "- PA" and credit lines count.
_WEAK = {"PA", "CP", "AA"}

_CANONICAL = {name: canon for canon, (strong, weak) in _AGENCIES.items() for name in strong + weak}
_STRONG = {name for strong, _ in _AGENCIES.values() for name in strong}


def _alternation(names) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_AGENCY_SUFFIX = r"(?:\s+(?i:news\s+agency))?"
_ALL = rf"(?<![\w-])(?P<name>{_alternation(_CANONICAL)})(?![\w-])"
_ANY_NAME = re.compile(_ALL)
_NAMED = rf"(?P<phrase>{_ALL}{_AGENCY_SUFFIX})"
_NOT_A_PLACE = r"(?!\s+(?:[A-Z][a-z]|province|governor|region|city))"
_STRONG_RE = re.compile(rf"(?P<phrase>(?<![\w-])(?P<name>{_alternation(_STRONG)})(?![\w-]){_AGENCY_SUFFIX})")
_NEWS_AGENCY = re.compile(rf"(?P<phrase>{_ALL}\s+(?i:news\s+agency))")
_PAREN = re.compile(rf"\((?P<name>{_alternation(_CANONICAL)})\)(?P<dash>\s*[-–—:])?")
_SIGNOFF = re.compile(rf"(?:(?<=\s)|^)[-–—]{{1,2}}\s*{_ALL}\s*\.?\s*$", re.MULTILINE)
_CONTEXTS = (
    re.compile(rf"\baccording\s+to\s+(?:the\s+)?(?:[a-z][\w-]*\s+){{0,2}}{_NAMED}{_NOT_A_PLACE}"),
    re.compile(rf"{_NAMED}\s+(?:reported|reports|has\s+reported|quoted|cited|has\s+learned|learned|was\s+told|said\s+in\s+a\s+report)\b"),
    re.compile(rf"\b(?:told|reported\s+by|quoted\s+by|cited\s+by|speaking\s+to|spoke\s+to|in\s+an\s+interview\s+with|"
               rf"a\s+report\s+by|interviewed\s+by|seen\s+by|obtained\s+by|reviewed\s+by)\s+(?:the\s+)?{_NAMED}{_NOT_A_PLACE}"),
    re.compile(rf"\b(?:an?|the)\s+(?P<phrase>{_ALL})\s+(?:correspondent|reporter|journalist|photographer|tally|count|investigation|"
               r"analysis|review|survey|report|crew|team|stringer)\b"),
)

_GENERIC = re.compile(r"^(?:the\s+)?(?:news\s+)?(?:agencies|wires|wire\s+services|agency)$", re.IGNORECASE)
_CONTRIBUTED = re.compile(
    r"^(?P<who>[A-Z(\[][^.]{0,150}?)\s+(?:contributed|contributes|has\s+contributed|have\s+contributed)"
    r"(?P<tail>\s+(?:(?:to\s+)?(?:this|the)\s+(?:report|story|article)|(?:additional\s+)?reporting|to\s+reporting)(?![\w'’]).{0,80})?"
    r"\s*[.)\]]*$"
)
_LEAD_IN = re.compile(
    r"^[(\[]?\s*(?:[-–—]\s*)?(?:with(?:\s+(?:additional\s+)?(?:reporting|input|material|information|wires)\s+(?:from|by))?|"
    r"sources?|credit|via|(?:additional\s+)?reporting\s+by|material\s+from|information\s+from|compiled\s+(?:from|by)|"
    r"based\s+on\s+(?:reports?\s+)?(?:from|by))\s*:?\s*(?P<who>[^.()\[\]]{1,120}?)\s*[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_BARE = re.compile(r"^[(\[]?\s*(?:[-–—]\s*)?(?P<who>[^.()\[\]]{1,80}?)\s*[)\]]?\s*\.?$")
_SPLIT = re.compile(r"\s*(?:,|;|/|&|\band\b|\bwith\b)\s*")
_STAFF = re.compile(r"\s+(?i:staff|news\s+agency|news\s+agencies|agency|news)$")


def canonical(name: str) -> str | None:
    """Canonical short name for an agency name ("Associated Press" -> "AP"), else None."""
    name = name.strip()
    if name.lower().startswith("the "):
        name = name[4:]
    return _CANONICAL.get(name) or _CANONICAL.get(_STAFF.sub("", name))


def _who(who: str, need_all: bool) -> list[str] | None:
    """Agencies named in a credit's "who"; None when ``need_all`` and something else is named."""
    found, other = [], False
    for part in _SPLIT.split(who.strip()):
        if not part:
            continue
        canon = canonical(part)
        if canon:
            if canon not in found:
                found.append(canon)
        elif not _GENERIC.match(part):
            other = True
    if need_all and (other or not who.strip()):
        return None
    return found


def credit_line(line: str) -> list[str] | None:
    """Agencies credited by a whole credit line ("AFP contributed to this report.", "With AFP",
    "Source: Reuters", "— AP", "Agencies"); ``[]`` for a credit naming no agency ("Jane Doe
    contributed reporting."); None when the line is not a credit line.
    """
    s = line.strip()
    if not s or len(s) > 200:
        return None
    m = _CONTRIBUTED.match(s)
    if m:
        who = m.group("who").strip("([ ")
        found = _who(who, need_all=False)
        for named in _ANY_NAME.finditer(who):  # "Associated Press writers X and Y contributed"
            canon = _CANONICAL[named.group("name")]
            if named.group("name") not in _WEAK and canon not in found:
                found.append(canon)
        if found or m.group("tail"):
            return found
        return None
    for pattern in (_LEAD_IN, _BARE):
        m = pattern.match(s)
        if m:
            found = _who(m.group("who"), need_all=True)
            if found is not None and (found or _GENERIC.match(m.group("who").strip())):
                return found
    return None


def wire_mentions(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str, bool]]:
    """Wire markers and attributions in ``text[start:end]`` as ``(start, end, canonical, inline)``:
    "(Reuters)" in "(Reuters) -", "— AP" ending a line, the agency phrase of "according to
    Reuters" or "Tasnim News Agency reported", and unmistakable agency names. ``inline`` is True
    for an attribution that is part of a sentence (everything but a dashed marker or sign-off).
    """
    end = len(text) if end is None else end
    found: list[tuple[int, int, str, bool]] = []  # sorted, disjoint
    if not _ANY_NAME.search(text, start, end):
        return found

    def add(s: int, e: int, name: str, inline: bool) -> None:
        canon = canonical(name)
        i = bisect_left(found, (s, e))
        if not canon or (i and found[i - 1][1] > s) or (i < len(found) and found[i][0] < e):
            return
        found.insert(i, (s, e, canon, inline))

    for m in _PAREN.finditer(text, start, end):
        name = m.group("name")
        if name not in _WEAK or m.group("dash"):
            add(m.start(), m.start() + len(name) + 2, name, not m.group("dash"))
    for m in _SIGNOFF.finditer(text, start, end):
        add(m.start(), m.end("name"), m.group("name"), False)
    for pattern in (*_CONTEXTS, _NEWS_AGENCY, _STRONG_RE):
        for m in pattern.finditer(text, start, end):
            if m.group("name") not in _WEAK:
                add(*m.span("phrase"), m.group("name"), True)
    return found

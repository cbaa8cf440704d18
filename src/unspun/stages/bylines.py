"""Author lines: "By John Smith and Jane Doe", "John Smith, Reuters", "Staff writer" (a helper of
the clean stage).

>>> b = parse_byline("By JOHN SMITH and Jane Doe | July 3, 2016")
>>> b.names, b.wire, b.date
(['John Smith', 'Jane Doe'], [], (29, 41, '2016-07-03'))
>>> parse_byline("By the time the troops arrived the city had fallen") is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unspun.stages.agencies import canonical
from unspun.stages.dates import date_line, find_dates
from unspun.stages.furniture import ends_sentence


@dataclass
class Byline:
    """A byline at ``[start, end)`` of the line; ``date`` is ``(start, end, iso)`` of a date
    given on the same line, outside the byline part."""

    start: int
    end: int
    names: list[str] = field(default_factory=list)
    wire: list[str] = field(default_factory=list)
    date: tuple[int, int, str | None] | None = None


_BY = re.compile(r"^(?:(?:written|posted|reported|words|story|text|compiled|edited|interview|analysis|commentary)\s+)?by\s*:?\s+(?=\S)", re.IGNORECASE)
_LABEL = re.compile(r"^(?:authors?|writers?|reporters?|byline|correspondent)\s*:\s*(?=\S)", re.IGNORECASE)
_REPORTING = re.compile(r"^[(\[]?\s*(?:additional\s+)?(?:reporting|writing)\s+by\s+(?P<who>[^;)\]]+?)\s*(?:;[^)\]]*)?[)\]]?\.?$",
                        re.IGNORECASE)
_ROLE_ONLY = re.compile(
    r"^(?:by\s+)?(?:(?:a|an|our|the)\s+)?(?:staff(?:\s+(?:writer|reporter|report|correspondent))?|(?:special\s+|foreign\s+)?correspondent|"
    r"editorial\s+(?:staff|board|team|desk)|news\s*desk|newsroom|agencies|wire\s+services|web\s+desk|admin|editor|"
    r"staff\s+and\s+agencies)$|^by\s+(?:the\s+)?[\w.'’ -]{1,40}\s+(?:staff|desk|newsroom|correspondents?)$",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:staff|writer|correspondent|reporter|editor|contributor|columnist|bureau|desk|chief|agencies|newsroom|"
    r"journalist|analyst|producer|fellow|professor|author)s?\b|^in\s+[A-Z]|^(?:for|from|at)\s+",
    re.IGNORECASE,
)
_NAME_ROLE = re.compile(r"^(?P<who>[^,|–—]{3,60}?)\s*(?:,|\||–|—|\s-\s)\s*(?P<role>[^,|]{2,60})$")
_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b|\s[–—-]\s)\s*")
_PARTICLES = {"de", "da", "van", "von", "der", "den", "al", "el", "bin", "ibn", "le", "la", "du", "dos", "del", "di",
              "ter", "ten", "y", "bint", "abu", "st."}
_NOT_NAMES = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "the", "then", "now",
    "far", "contrast", "comparison", "law", "default", "way", "design", "nature", "definition", "night", "day",
}
_DATE_LEAD = re.compile(r"[\s|,·•:–—-]*(?:(?i:published|posted|updated|on|date|dated)\s*:?\s*)*$")
_IN_PLACE = re.compile(r"\s+(?:in|for|at)\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}$")
_ARABIC_ARTICLE = re.compile(r"(?:al|el)-\w")
_NAME_TOKEN = re.compile(r"[\w'’.\-]+")
_STAFF_SUFFIX = re.compile(r"\s+(?:staff|desk|newsroom|correspondents?)$", re.IGNORECASE)
_INITIAL_END = re.compile(r"\b[A-Z]\.$|\b(?:Jr|Sr)\.$")
_POSTED_BY = re.compile(r"\s+[Bb]y\s*:?\s+(?=\S)")


def _name(part: str) -> str | None:
    """``part`` as a person's name (ALL CAPS title-cased), or None when it does not look like one."""
    tokens = part.split()
    if not 1 <= len(tokens) <= 5:
        return None
    if len(tokens) == 1 and tokens[0].lower().strip(".") in _NOT_NAMES:
        return None
    letters = 0
    for tok in tokens:
        if tok.lower() in _PARTICLES or _ARABIC_ARTICLE.match(tok):
            continue
        if not (tok[0].isupper() and _NAME_TOKEN.fullmatch(tok)):
            return None
        if tok.lower().strip(".") in _NOT_NAMES and len(tokens) <= 2:
            return None
        letters += 1
    if not letters:
        return None
    if part.isupper() and len(part) > 3:
        part = " ".join(t.capitalize() if "-" not in t else "-".join(x.capitalize() for x in t.split("-")) for t in tokens)
    return " ".join(part.split())


def _people(who: str) -> tuple[list[str], list[str]] | None:
    """Names and agencies in ``who``; None when its first part is neither."""
    names, wire = [], []
    for i, part in enumerate(p for p in _SPLIT.split(who.strip()) if p):
        part = _IN_PLACE.sub("", part)
        agency = canonical(part)
        if agency:
            wire.append(agency)
            continue
        if _ROLE.search(part) or _ROLE_ONLY.match(part):
            continue
        name = _name(part)
        if name:
            names.append(name)
        elif i == 0:
            return None
    if not names and not wire and not _ROLE_ONLY.match(who.strip()) and not _ROLE.search(who):
        return None
    return names, wire


def _split_date(s: str, lo: int) -> tuple[int, tuple[int, int, str | None] | None]:
    """Cut a trailing date ("| July 3, 2016") off ``s[lo:]``: (end of the byline part, date)."""
    for d in find_dates(s, lo):
        head = s[lo:d.start]
        lead = _DATE_LEAD.search(head)
        cut = lo + (lead.start() if lead else len(head))
        is_date, iso = date_line(s[cut:])
        if is_date and cut > lo:
            tail = s[cut:]
            offset = cut + len(tail) - len(tail.lstrip(" |,·•:–—-"))
            return cut, (offset, len(s.rstrip()), iso)
    return len(s), None


def parse_byline(line: str) -> Byline | None:
    """The byline in a stripped ``line`` (offsets into the line), or None.

    Forms: "By X", "By X and Y", "By X, Reuters", "By X | July 3, 2016", "Posted on July 3, 2016
    by X", "Author: X", "X, Staff Writer", "John Smith, Reuters", "Staff writer",
    "(Reporting by X; Editing by Y)".
    """
    s = line.rstrip()
    if not s or len(s) > 160 or len(s.split()) > 20:
        return None
    if _ROLE_ONLY.match(s) and not ends_sentence(s):
        who = _BY.sub("", s)
        agency = canonical(_STAFF_SUFFIX.sub("", who))
        return Byline(0, len(s), [], [agency] if agency else [])
    m = _REPORTING.match(s)
    if m:
        found = _people(m.group("who"))
        return Byline(0, len(s), *found) if found else None
    date = None
    start = 0
    posted = _POSTED_BY.search(s)
    if posted and posted.start() > 0:
        is_date, iso = date_line(s[:posted.start()])
        if is_date:
            head = s[:posted.start()].rstrip(" |,·•–—-")
            date = (0, len(head), iso)
            start = posted.start() + 1
    rest = s[start:]
    lead = _BY.match(rest) or _LABEL.match(rest)
    if lead:
        lo = start + lead.end()
        end, trailing = (len(s), None) if date else _split_date(s, lo)
        who = s[lo:end].rstrip(" |,·•:–—-")
        if ends_sentence(who) and not _INITIAL_END.search(who):
            return None
        found = _people(who)
        if not found:
            return None
        end = lo + len(who)
        return Byline(start, end, found[0], found[1], date or trailing)
    m = _NAME_ROLE.match(s)
    if m and not ends_sentence(s):
        role = m.group("role").strip()
        agency = canonical(role)
        if agency or (_ROLE.search(role) and len(role.split()) <= 4):
            name = _name(m.group("who").strip())
            if name:
                return Byline(0, len(s), [name], [agency] if agency else [])
    return None

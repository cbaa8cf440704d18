"""Date phrases in news text and their ISO form (a helper of the clean stage).

English month names (full, abbreviated, with or without a dot), weekday prefixes, ordinal
days, times with zones, ISO 8601 and numeric dates. Numeric ``a/b/yyyy`` is read as US
month/day unless the first number cannot be a month; ``a.b.yyyy`` is read as day.month
unless the second number cannot be a month ("11.14.2019" is November 14).

>>> iso_date("Sunday, July 3, 2016 17:49 GMT")
'2016-07-03'
>>> iso_date("03 July, 2016"), iso_date("2016-07-03T17:49:00Z")
('2016-07-03', '2016-07-03')
>>> iso_date("07/03/2016"), iso_date("13/07/2016")
('2016-07-03', '2016-07-13')
>>> date_line("Published: Jul. 3, 2016 | Updated: July 4, 2016")
(True, '2016-07-03')
>>> date_line("Iran will never coordinate with the US.")
(False, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_WEEKDAY = (r"(?:(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
            r"\b\.?,?\s+)")
_ZONE = (r"(?:GMT|UTC|BST|CET|CEST|EET|EEST|MSK|IRST|IDT|IST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|ET|PT|AEST|AEDT|JST|KST)"
         r"(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?")
_TIME = (r"(?:\s*(?:,|\bat\b|\||-|–|—)?\s*(?<![\d.:])\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?![\d])"
         r"(?:\s*(?i:[ap]\.?m\b\.?))?(?:\s*" + _ZONE + r"\b)?)?")

_DATE = re.compile(
    r"(?<![\w/.:-])(?:"
    rf"(?P<mdy>{_WEEKDAY}?(?P<m1>{_MONTH})\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:])"
    r"(?:,?\s+(?P<y1>(?:19|20)\d{2})(?!\d))?)"
    rf"|(?P<dmy>{_WEEKDAY}?(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH}),?"
    r"(?:\s+(?P<y2>(?:19|20)\d{2})(?!\d))?)"
    r"|(?P<iso>(?P<y3>(?:19|20)\d{2})-(?P<m3>[01]?\d)-(?P<d3>[0-3]?\d)"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
    r"|(?P<ymd>(?P<y5>(?:19|20)\d{2})/(?P<m5>[01]?\d)/(?P<d5>[0-3]?\d))"
    r"|(?P<num>(?P<a4>[0-3]?\d)(?P<sep>[/.])(?P<b4>[0-3]?\d)(?P=sep)(?P<y4>(?:19|20)\d{2}|\d{2}))"
    r")(?![\w/])" + _TIME
)

# What may surround dates on a line that only gives the date: labels, separators, zones.
_LABEL = (r"(?i:first\s+published|last\s+updated|last\s+modified|published|posted|updated|modified|"
          r"created|date|dated|released|on|at|and|am|pm|a\.m\.|p\.m\.)")
_FILLER = re.compile(rf"(?:\s|[,|·•/:;()\[\]\-–—]|{_LABEL}\b|{_ZONE}\b)+")
_PLACE_PREFIX = re.compile(r"^[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,2}\s*,\s*")
_RELATIVE = re.compile(
    rf"^(?:{_LABEL}\s*:?\s*)*(?:\d+|an?|one)\s+(?i:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
    r"\s+(?i:ago)$"
)


@dataclass(frozen=True)
class DateMatch:
    """A date phrase at ``[start, end)``; ``iso`` is ``YYYY-MM-DD``, or None without a year."""

    start: int
    end: int
    iso: str | None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _match_iso(m: re.Match) -> tuple[bool, str | None]:
    """(valid, iso): ``valid`` is False when the numbers cannot be a date."""
    g = m.group
    if g("mdy"):
        month, day, year = _month(g("m1")), int(g("d1")), g("y1")
    elif g("dmy"):
        month, day, year = _month(g("m2")), int(g("d2")), g("y2")
    elif g("iso"):
        month, day, year = int(g("m3")), int(g("d3")), g("y3")
    elif g("ymd"):
        month, day, year = int(g("m5")), int(g("d5")), g("y5")
    else:
        a, b, y = int(g("a4")), int(g("b4")), g("y4")
        if len(y) == 2:
            y = str(2000 + int(y) if int(y) < 70 else 1900 + int(y))
        if (g("sep") == "." and b <= 12) or a > 12:
            day, month = a, b
        else:
            month, day = a, b
        year = y
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False, None
    if year is None:
        return _iso(2000, month, day) is not None, None  # 2000 is a leap year: Feb 29 allowed
    iso = _iso(int(year), month, day)
    return iso is not None, iso


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMatch]:
    """Every date phrase in ``text[start:end]`` (offsets into ``text``).

    >>> [(d.iso, d.start) for d in find_dates("TEHRAN, July 3 (Reuters) - on 2016-07-04")]
    [(None, 8), ('2016-07-04', 30)]
    """
    end = len(text) if end is None else end
    out = []
    for m in _DATE.finditer(text, start, end):
        valid, iso = _match_iso(m)
        if valid:
            out.append(DateMatch(m.start(), m.end(), iso))
    return out


def match_date_at(text: str, pos: int, end: int | None = None) -> DateMatch | None:
    """The date phrase starting exactly at ``pos``, if any."""
    m = _DATE.match(text, pos, len(text) if end is None else end)
    if not m:
        return None
    valid, iso = _match_iso(m)
    return DateMatch(m.start(), m.end(), iso) if valid else None


def iso_date(text: str) -> str | None:
    """ISO ``YYYY-MM-DD`` of the first complete date in ``text``, else None."""
    for d in find_dates(text):
        if d.iso:
            return d.iso
    return None


def date_line(line: str) -> tuple[bool, str | None]:
    """Whether ``line`` gives only a date (with labels, place, time and zone), and its ISO date.

    A line stating when it was published wins over one stating an update.
    """
    s = line.strip()
    if not s or len(s) > 160:
        return False, None
    if _RELATIVE.match(s):
        return True, None
    dates = find_dates(s)
    if not dates:
        return False, None
    rest, pos = [], 0
    for d in dates:
        rest.append(s[pos:d.start])
        pos = d.end
    rest.append(s[pos:])
    lead = _PLACE_PREFIX.sub("", rest[0]) if _PLACE_PREFIX.match(rest[0]) else rest[0]
    leftover = _FILLER.sub("", lead + " " + " ".join(rest[1:]))
    if leftover:
        return False, None
    best = None
    for i, d in enumerate(dates):
        if d.iso is None:
            continue
        before = rest[i].lower()
        if best is None or ("publish" in before or "posted" in before):
            best = d.iso
            if "publish" in before or "posted" in before:
                break
    return True, best

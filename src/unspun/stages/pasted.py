"""The headline of a pasted web page (a helper of the clean stage).

Text copied from a browser ("select all, copy") starts with the site's menus, section names,
tickers and teasers before the headline. ``paste_headline`` finds where the article's own
paragraphs start and picks the headline above them: a headline-like line followed within a
few lines by the article's byline, its date stamp or its first paragraphs, or repeated
further down (share texts quote the headline). Texts whose first paragraph comes within a few
lines of the top are not pastes of a page: None, and the usual top-of-text reading applies.

>>> lines = ["Home", "World", "Sport", "Weather", "Menu", "Search", "Sign in", "Most read",
...          "Ferry service resumes after storm", "By Ann Lee", "May 2, 2024 10:15 am", "",
...          "The ferry between the two islands sailed again on Thursday after three days in port, "
...          "the operator said in a statement.", "",
...          "Passengers had waited in the terminal since Monday, and some had slept on its benches."]
>>> paste_headline(lines)
8
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence

from unspun.outlets import masthead_outlet
from unspun.stages.bylines import parse_byline
from unspun.stages.dates import date_line, find_dates
from unspun.stages.furniture import ends_sentence, furniture_kind

MIN_LEAD = 4          # non-blank lines above the first paragraph before a headline is searched for
MIN_HEADER = 8        # non-blank lines above the first paragraph that make a text a page paste
_AFTER = 7            # lines under a headline searched for its byline and date
_PROSE_WORDS = 18     # words of a paragraph line
_STAMP = re.compile(r"\b(?:published|posted|updated|modified)\b|\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?|\bET\b|\bGMT\b",
                    re.IGNORECASE)
_READ_TIME = re.compile(r"\b\d+\s*min(?:ute)?s?\s+read\b", re.IGNORECASE)
_LEAD_STAMP = re.compile(r"^(?:(?:published|posted|updated|last\s+updated|modified)\b\s*:?\s*(?:on\s+)?(?=\w)|"
                         r"\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?\s*)?[\s,|·•-]*\d)", re.IGNORECASE)
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


class _HasText(Protocol):
    text: str


def _text(line) -> str:
    return line if isinstance(line, str) else line.text


def prose(s: str) -> bool:
    """A paragraph line: many words ending like a sentence, or simply long."""
    words = len(s.split())
    return (words >= _PROSE_WORDS and ends_sentence(s)) or words >= 40


def headline_like(s: str) -> bool:
    """A line that can be a headline: a few words, no closing full stop, not furniture, a date
    stamp or a byline."""
    words = _WORD.findall(s)
    if not 3 <= len(words) <= 30 or len(s) > 220:
        return False
    if not (s[0].isupper() or s[0].isdigit() or s[0] in "'‘\"“"):
        return False
    if s.endswith((":", ",", ";", "|", "…", "...")):
        return False
    if ends_sentence(s) and not s.rstrip("\"'”’»)]").endswith(("?", "!")) and len(words) > 16:
        return False
    if (s.isupper() and len(words) <= 6) or len(_SHOUT.findall(s)) >= 3:
        return False  # "SIGN UP FOR NEWSLETTERS", "Welcome to the EUROPEAN UNION EXPERIENCE"
    if _LEAD_STAMP.match(s) or furniture_kind(s, "top") or stamp(s) or parse_byline(s):
        return False
    if _CREDITED.search(s):
        return False  # "Artist's impression of the plumes. (NASA/David Ladd)": a caption and its credit
    return True


# A sentence closed by a full stop, then a parenthesised or bracketed credit: a photo caption
_CREDITED = re.compile(r"[.!?][\"'”’]?\s*[(\[][^()\[\]]{2,120}[)\]]\s*$")


def stamp(s: str) -> bool:
    """A short line giving the article's date: a date line, or a date with a time, a label or a
    reading time ("Nov 18, 2019 at 9:24 pm ET • 2 min read")."""
    if date_line(s)[0]:
        return True
    if _LEAD_STAMP.match(s) and len(s.split()) <= 30:
        return True
    if len(s.split()) > 16:
        return False
    dates = [d for d in find_dates(s) if d.iso]
    return bool(dates) and bool(_STAMP.search(s) or _READ_TIME.search(s) or dates[0].start == 0)


def _names(s: str) -> bool:
    """A line of capitalised names only ("Ann Lee", "Ann Lee and Bo Chan Daily Post", "ANN LEE, DAILY POST")."""
    tokens = s.split()
    return (2 <= len(tokens) <= 12 and not any(ch in s for ch in ":?!|") and
            all(t == "and" or (t[0].isupper() and t.isalpha()) or t.rstrip(".,").isalpha() and t[0].isupper()
                for t in tokens))


def _body_start(texts: list[str]) -> int | None:
    """Index of the first paragraph line that has another paragraph line within a few lines."""
    first = None
    for i, s in enumerate(texts):
        if not prose(s) or furniture_kind(s):
            continue
        if first is None:
            first = i
        if any(prose(t) and not furniture_kind(t) for t in texts[i + 1:i + 6]):
            return i
    return first


def _score(texts: list[str], j: int, body: int) -> tuple[int, int | None]:
    """Evidence that line ``j`` is the headline (byline, date stamp, paragraph under it, the line
    repeated elsewhere) and the index of the first byline or stamp found under it. One longer
    headline-like line (a standfirst) may stand between; the next one ends the search."""
    score, evidence, skipped = 0, None, False
    head = texts[j]
    for k in range(j + 1, min(len(texts), j + 1 + _AFTER)):
        t = texts[k]
        if k == j + 1 and _names(t):
            score, evidence = score + 2, k  # "Ann Lee and Bo Chan" under the headline
            continue
        if headline_like(t):
            if len(_WORD.findall(t)) < 6:
                continue
            standfirst = len(t.split()) >= 12 and len(t) > len(head) and len(_WORD.findall(head)) >= 4
            if evidence is not None or skipped or not standfirst:
                break  # the next teaser of a list
            skipped = True  # a standfirst
            continue
        if parse_byline(t) and not ends_sentence(t):
            score += 3 if evidence is None or texts[evidence] != t else 0
            evidence = k if evidence is None else evidence
        elif stamp(t):
            score += 3
            evidence = k if evidence is None else evidence
        elif evidence is not None and k <= evidence + 2 and furniture_kind(t, "top") == "share":
            score += 1
    if j and stamp(texts[j - 1]):
        score += 2  # "Wednesday 20 November 2019 9:22 am" over the headline
    if j + 1 < len(texts) and prose(texts[j + 1]):
        score += 1
    key = head.casefold()
    if any(key in t.casefold() for i, t in enumerate(texts) if i != j and t != head and len(t) < len(key) + 60):
        score += 2
    if j < body and body - j <= 12:
        score += 1
    return score, evidence


def paste_headline(lines: Sequence[_HasText] | Sequence[str]) -> int | None:
    """Index into ``lines`` (non-blank lines) of a pasted page's headline, or None when the text
    does not look like a page paste or no headline stands out."""
    texts = [_text(x).strip() for x in lines]
    body = _body_start(texts)
    if body is None or body < MIN_LEAD:
        return None
    reach = min(len(texts), body + 4)
    best, best_score = None, 0
    for j in range(reach):
        if not headline_like(texts[j]):
            continue
        score, _ = _score(texts, j, body)
        if score > best_score:
            best, best_score = j, score
    if best is not None and best_score >= 3:
        return best
    if body < MIN_HEADER:
        return None
    for j in range(body - 1, max(-1, body - 12), -1):
        if headline_like(texts[j]) and len(_WORD.findall(texts[j])) >= 4:
            return j
    return None


_PUBLISHED = re.compile(r"\b(?:published|posted|first\s+published)\b", re.IGNORECASE)


def paste_date(lines: Sequence[_HasText] | Sequence[str], headline: int) -> str | None:
    """ISO date of the stamp next to a pasted page's headline: the first stamp among the lines
    just above and under it, the published date where a line gives two.

    >>> paste_date(["Storm hits coast", "By Ann Lee", "Updated 9:10 am, May 3, 2024; published May 2, 2024"], 0)
    '2024-05-02'
    """
    texts = [_text(x).strip() for x in lines]
    for k in [headline - 1] + list(range(headline + 1, min(len(texts), headline + 2 + _AFTER))):
        if k < 0 or not stamp(texts[k]) and not parse_byline(texts[k]):
            continue
        dates = [d for d in find_dates(texts[k]) if d.iso]
        if not dates:
            continue
        for d in dates:
            if _PUBLISHED.search(texts[k][max(0, d.start - 20):d.start]):
                return d.iso
        return dates[0].iso
    return None


def paste_outlet(lines: Sequence[_HasText] | Sequence[str], headline: int) -> str | None:
    """The known outlet most often named by masthead or menu lines above a pasted page's headline
    and in its footer (menus also name sister sites), else None."""
    found: dict[str, int] = {}
    for x in list(lines[:headline]) + list(lines[-40:]):
        name = masthead_outlet(_text(x))
        if name:
            found[name] = found.get(name, 0) + 1
    return max(found, key=lambda n: found[n]) if found else None  # the first of the most named

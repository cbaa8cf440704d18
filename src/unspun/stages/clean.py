"""The clean stage: title, dateline, byline, wire and boilerplate spans, and the metadata they give.

``clean(article)`` adds spans and fills ``meta`` (``title``, ``date``, ``byline``, ``wire``,
``outlet``); it never changes ``text``. What the reader knows for certain (``article.hints``:
``title``, ``date``, ``byline``, ``sitename``, ``outlet``, ``url``) wins over what the text
says; ``hints["title_line"]`` says the reader put the title on the first line.

How it reads a page, line by line:

1. From the top: site-name, navigation, ad and caption lines, date lines and bylines, and the
   headline (the first other line that looks like one), until the first body line. A
   dateline that opens the first body line ("TEHRAN, July 3 (Reuters) - ...") gets a
   ``dateline`` span and a ``wire`` span and the rest of the sentence stays body.
2. From the bottom, inward while lines look like furniture: share prompts, "Similar posts",
   "Leave a Reply", copyright lines, wire credits ("AFP contributed to this report."). Short
   unpunctuated lines count only below a recognised furniture line (the titles under
   "Related articles"), so the last body paragraph is never swallowed.
3. In between, only phrases that are furniture wherever they stand ("Advertisement", "728 x 90",
   "Read more: ...", "(Photo: ...)", credit lines).
4. Wire attributions in the body ("(AP) —", "according to Reuters", "Tasnim News Agency
   reported"). One that is part of a sentence gets ``attrs["inline"] = True``: it names the
   wire but the words stay in the sentence.

Every line is one kind of furniture or body; spans never overlap and cover line text without
its newline or surrounding whitespace.

>>> from unspun.article import FURNITURE_LAYERS, Article
>>> a = clean(Article(text="Home | World\\n\\nStorm hits coast\\n\\nMay 2, 2024\\n\\nIt rained.\\n\\nShare this:"))
>>> a.meta["title"], a.meta["date"], [(s.layer, s.label) for s in a.layer("boilerplate")]
('Storm hits coast', '2024-05-02', [('boilerplate', 'navigation'), ('boilerplate', 'share')])
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from dataclasses import dataclass

from unspun.article import FURNITURE_LAYERS, Article
from unspun.outlets import host_of, known_outlet
from unspun.stages.agencies import canonical, credit_line, wire_mentions
from unspun.stages.bylines import parse_byline
from unspun.stages.dates import date_line, find_dates, iso_date, match_date_at
from unspun.stages.furniture import domain_name, ends_sentence, furniture_kind
from unspun.stages.pasted import paste_date, paste_headline, paste_outlet, stamp

NO_BODY = "no article body after removing title, dateline and page furniture"
_TOP_LIMIT = 25          # lines looked at before the body starts
_TITLE_SEARCH = 10       # lines searched for a title known from the reader
_BOTTOM_LIMIT = 80       # lines looked at from the bottom
_LOOSE_WORDS = 12        # a short furniture line under a furniture heading
_BYLINE_REACH = 4        # body lines from the top where a lone byline line is still a byline

_BLANK = " \t\r\f\v\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u202f\u205f\u3000\ufeff\u2060"
_QUOTE_CUE = re.compile(
    r"[,”\"’]\s*(?:he|she|they|it|we|I|[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})\s+"
    r"(?:said|added|told|stressed|noted|explained|continued|insisted|warned|wrote|asked|replied)\b[^”\"]{0,80}$"
)
_CUE_WORD = re.compile(r"\b(?:said|told|added|stressed|noted|explained|insisted|warned|according to)\b"
                       r"|,\s*(?:[\w'’.-]+\s+){0,4}says\W*$")
_SENTENCE_BREAK = re.compile(r"(?<![A-Z])(?<!\b[A-Z][a-z])[.!?][\"”’]?\s+[\"“‘]?[A-Z]")
_ABBREV_END = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:Inc|Jr|Sr|Co|Ltd|Corp|St|etc|vs)\.)$")
_OPENING_QUOTE = re.compile(r"^[\"“‘'«„]")
_PLACE = re.compile(r"[A-Z][\w'’.]*(?:[ -](?:[A-Z][\w'’.]*|al|el|de|of|la|du|da))*")
_REGION = re.compile(r",\s+([A-Z][\w'’.]*(?:\s+[A-Z][\w'’.]*){0,2})")
_COMMA = re.compile(r",\s+")
_PAREN = re.compile(r"\s*\(([^()]{1,40})\)")
_DASH = re.compile(r"\s*[-–—]{1,2}\s+")
_COPYRIGHT_HOLDER = re.compile(
    r"^(?:copyright\b\s*)?(?:©|\(c\)|&copy;)?\s*(?:copyright\b\s*)?"
    r"(?:(?:19|20)\d{2}(?:\s*[-–—/]\s*(?:(?:19|20)\d{2}|present))?\s*,?\s*)?(?:by\s+)?(?P<name>.*)$",
    re.IGNORECASE,
)
_HOLDER_END = re.compile(r"\.?\s*(?:all rights reserved|unless otherwise|powered by|\||this material may)", re.IGNORECASE)
_HOLDER_TAIL = re.compile(r"\s*(?:\((?:www\.)?[\w.-]+\.[a-z]{2,}\)|,?\s+(?:(?:Pty\.?\s+)?(?:Ltd|Limited)|LLC|Inc|Corp|plc|PLC|GmbH|Pty)\b\.?|,\s+an?\s+.{3,60})$")
_TRAILING_YEAR = re.compile(r"[\s,.]*(?:19|20)\d{2}\s*$")
_NAME_LIST = re.compile(r"\s*[;|]\s*")
_SOURCE_NAME = re.compile(r"[A-Z][\w .&'’-]{0,30}")  # "(CNN)", "(HawaiiNewsNow)" after a place
_SITE_SUFFIX = re.compile(r"\s*[|\-–—:]\s*\S.{0,60}$")
_HEADING_CONTENT = re.compile(r"[:|»>\-–—]\s*\S")
_HAS_ALNUM = re.compile(r"[^\W_]")
_FIRST_SENTENCE = re.compile(r"[.!?][\"”’)]?\s+(?=[A-Z“\"])")


@dataclass
class _Line:
    """A non-empty line: ``[start, end)`` without surrounding whitespace, and whether it is the
    text's first line."""

    start: int
    end: int
    text: str
    first: bool


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip(_BLANK)
        if stripped:
            lead = len(raw) - len(raw.lstrip(_BLANK))
            out.append(_Line(pos + lead, pos + lead + len(stripped), stripped, pos == 0))
        pos += len(raw) + 1
    return out


def _key(s: str) -> str:
    """Comparison key: no whitespace, case-folded, straight quotes."""
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return "".join(s.split()).casefold()


def _hint(hints: dict, name: str) -> str | None:
    value = hints.get(name)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _hint_byline(value) -> list[str] | None:
    if isinstance(value, str) and value.strip():
        return [p.strip() for p in _NAME_LIST.split(value) if p.strip()]
    if isinstance(value, (list, tuple)):
        names = [str(v).strip() for v in value if str(v).strip()]
        return names or None
    return None


def copyright_holder(line: str) -> str | None:
    """"© 2007-2023 Solve Israel's Problems. All Rights Reserved" -> "Solve Israel's Problems"."""
    m = _COPYRIGHT_HOLDER.match(line.strip())
    if not m:
        return None
    name = _HOLDER_END.split(m.group("name"), 1)[0]
    name = _TRAILING_YEAR.sub("", name).strip(" .,-–—|©")
    name = _HOLDER_TAIL.sub("", name).strip(" .,-–—|©")
    if not name or len(name) > 80 or len(name.split()) > 8 or not (name[0].isupper() or name[0].isdigit()):
        return None
    return name


def _headline(line: _Line) -> bool:
    """The line could be a headline: short-ish, not a body sentence or quotation with a cue."""
    s = line.text
    if len(s) > 250 or len(s.split()) > 40 or sum(ch.isalpha() for ch in s) < 2:
        return False
    if s[0].islower() and not (len(s) > 1 and s[1].isupper()):
        return False
    if s.endswith((":", ",")):
        return False
    if _QUOTE_CUE.search(s):
        return False
    if ends_sentence(s) and not s.rstrip("\"'”’»)]").endswith(("?", "!")) and not _ABBREV_END.search(s):
        # Some outlets end headlines with a full stop; a body sentence is longer, has several
        # sentences or credits a speaker.
        return len(s.split()) <= 20 and not _SENTENCE_BREAK.search(s) and not _CUE_WORD.search(s)
    return True


def _heading(kind: str, line: str) -> str | None:
    """The kind the short lines under a furniture line take: "Related articles" heads a list of
    related titles, a copyright notice ends the page; "Read more: X" or a caption heads nothing."""
    if kind in ("related", "comments", "share", "navigation") and not _HEADING_CONTENT.search(line):
        return kind
    if kind in ("copyright", "site-name"):
        return "other"
    return None


class _Cleaner:
    """One article's pass: lines, the spans found so far and what they say."""

    def __init__(self, article: Article):
        self.article = article
        self.text = article.text
        self.lines = _lines(article.text)
        self.claimed = [False] * len(self.lines)
        self.taken: list[tuple[int, int]] = []
        self.hints = article.hints or {}
        self.holder: str | None = None
        self.site_keys: set[str] = set()
        self.site_line: str | None = None
        self.extra_wire: list[tuple[int, str]] = []
        self.pasted_date: str | None = None
        self.pasted_outlet: str | None = None

    # -- spans -------------------------------------------------------------------------
    def add(self, layer: str, start: int, end: int, label: str = "", **attrs) -> None:
        start, end = self._trim(start, end)
        if start >= end or not self.free(start, end):
            return
        self.article.add(layer, start, end, label, **attrs)
        insort(self.taken, (start, end))

    def free(self, start: int, end: int) -> bool:
        """No span added so far overlaps ``[start, end)`` (``taken`` is sorted and disjoint)."""
        i = bisect_left(self.taken, (start, end))
        if i and self.taken[i - 1][1] > start:
            return False
        return i == len(self.taken) or self.taken[i][0] >= end

    def _trim(self, start: int, end: int) -> tuple[int, int]:
        while start < end and (self.text[start] in _BLANK or self.text[start].isspace()):
            start += 1
        while end > start and (self.text[end - 1] in _BLANK or self.text[end - 1].isspace()):
            end -= 1
        return start, end

    def boilerplate(self, i: int, kind: str) -> None:
        line = self.lines[i]
        self.add("boilerplate", line.start, line.end, kind)
        self.claimed[i] = True

    # -- line kinds ----------------------------------------------------------------------
    def site_name(self, s: str) -> bool:
        return _key(s) in self.site_keys or domain_name(s) is not None

    def meta_line(self, i: int, edge: str) -> bool:
        """Add the spans of a furniture/date/byline/credit line; False when it is none of these."""
        line = self.lines[i]
        s = line.text
        if self.site_name(s):
            self.boilerplate(i, "site-name")
            if self.site_line is None and edge == "top":
                self.site_line = domain_name(s) or s
            return True
        is_date, iso = date_line(s)
        if is_date:
            self.dateline(line.start, line.end, iso)
            self.claimed[i] = True
            return True
        byline = parse_byline(s)
        if byline:
            attrs = {"names": byline.names}
            if byline.wire:
                attrs["wire"] = byline.wire
                self.extra_wire.extend((line.start + byline.start, w) for w in byline.wire)
            self.add("byline", line.start + byline.start, line.start + byline.end, **attrs)
            if byline.date:
                ds, de, iso = byline.date
                self.dateline(line.start + ds, line.start + de, iso)
            self.claimed[i] = True
            return True
        kind = furniture_kind(s, edge)
        if kind:
            self.boilerplate(i, kind)
            return True
        credited = credit_line(s)
        if credited is not None and self.free(line.start, line.end):
            if credited:
                for agency in credited:
                    self.article.add("wire", line.start, line.end, agency)
                insort(self.taken, (line.start, line.end))
                self.claimed[i] = True
            else:
                self.boilerplate(i, "other")
            return True
        return False

    def dateline(self, start: int, end: int, iso: str | None) -> None:
        if iso:
            self.add("dateline", start, end, date=iso)
        else:
            self.add("dateline", start, end)

    # -- passes --------------------------------------------------------------------------
    def outlet_hints(self) -> None:
        """Names a site-name line may carry: copyright holder, known site name, URL host."""
        for line in reversed(self.lines[-20:]):
            if furniture_kind(line.text) == "copyright":
                holder = copyright_holder(line.text)
                if holder:
                    self.holder = holder
                    agency = canonical(holder)
                    if agency:  # "© Reuters", "Copyright 2016 The Associated Press"
                        self.extra_wire.append((line.start, agency))
                    break
        names = [self.holder, _hint(self.hints, "sitename"), _hint(self.hints, "outlet")]
        url = _hint(self.hints, "url")
        if url:
            names += [host_of(url), known_outlet(url)]
        self.site_keys = {_key(n) for n in names if n and not canonical(n)}

    def known_title(self, title: str) -> int | None:
        """Index of the line that repeats the known ``title`` near the top, if any."""
        key = _key(title)
        for i, line in enumerate(self.lines[:_TITLE_SEARCH]):
            if _key(line.text) == key:
                return i
            if line.text.startswith(title) and _SITE_SUFFIX.match(line.text, len(title)):
                return i  # "Title | Site name"
            if not self._furniture_like(line.text):
                return None
        return None

    @staticmethod
    def _furniture_like(s: str) -> bool:
        return len(s.split()) <= _LOOSE_WORDS and not ends_sentence(s)

    def top(self) -> tuple[int, int | None]:
        """Walk down from the top: returns (index of the first body line, title line index)."""
        fmt = (self.article.source or {}).get("format") or "text"
        title_line = bool(self.hints.get("title_line"))
        hint_title = _hint(self.hints, "title")
        may_guess = not (fmt == "jsonl" and not title_line)
        i, title_at = 0, None
        if title_line and self.lines and self.lines[0].first:
            title_at, i = 0, 1
        elif hint_title:
            k = self.known_title(hint_title)
            if k is not None:
                for j in range(k):
                    if not self.meta_line(j, "top"):
                        self.boilerplate(j, "navigation")
                title_at, i = k, k + 1
        elif fmt == "text" and may_guess and (h := paste_headline(self.lines)) is not None:
            self.paste_header(h)
            self.pasted_date = paste_date(self.lines, h)
            self.pasted_outlet = paste_outlet(self.lines, h) or self._agency_holder()
            title_at, i = h, h + 1
        if title_at is not None:
            line = self.lines[title_at]
            self.add("title", line.start, line.end)
            self.claimed[title_at] = True
        limit = (title_at or 0) + _TOP_LIMIT
        while i < len(self.lines) and i < limit:
            if self.meta_line(i, "top"):
                i += 1
                continue
            if title_at is None and may_guess and _headline(self.lines[i]) and not self.opening_dateline(i, dry=True):
                if self.masthead(i):
                    self.boilerplate(i, "site-name")
                    self.site_line = self.site_line or self.lines[i].text
                    i += 1
                    continue
                title_at = i
                self.add("title", self.lines[i].start, self.lines[i].end)
                self.claimed[i] = True
                i += 1
                continue
            break
        return i, title_at

    def paste_header(self, h: int) -> None:
        """Lines above a pasted page's headline ``h``: menus and tickers, except a date stamp or
        byline just above it."""
        for j in range(h):
            if j >= h - 2 and (date_line(self.lines[j].text)[0] or parse_byline(self.lines[j].text)):
                self.meta_line(j, "top")
            elif j == 0 and self.lines[0].first and self.masthead_name(self.lines[0].text):
                self.boilerplate(0, "site-name")
                self.site_line = self.site_line or self.lines[0].text
            elif not self.claimed[j]:
                kind = furniture_kind(self.lines[j].text, "top")
                self.boilerplate(j, kind if kind and kind != "other" else "navigation")

    def masthead_name(self, s: str) -> bool:
        """A pasted page's first line that can be the site's name: a few words, not a menu item."""
        return (len(s.split()) <= 4 and len(s) <= 40 and not ends_sentence(s) and not s.endswith(("?", "!"))
                and furniture_kind(s, "top") is None)

    def masthead(self, i: int) -> bool:
        """Line ``i`` is the site's name above the headline, not the headline: a name of a few
        words, then (past any ticker or menu lines) a longer headline-like line with the
        article's date or byline under it ("Tehran Monitor / <ticker> / Minister defends ... /
        December 2, 2026 - 10:45")."""
        name = self.lines[i].text
        if len(name.split()) > 4 or len(name) > 40 or ends_sentence(name) or name.endswith(("?", "!")):
            return False
        j, between = i + 1, 0
        while j < len(self.lines) and between < 4 and (furniture_kind(self.lines[j].text, "top") or
                                                          self.site_name(self.lines[j].text)):
            j, between = j + 1, between + 1
        if j + 1 >= len(self.lines):
            return False
        head, under = self.lines[j], self.lines[j + 1].text
        if not _headline(head) or len(head.text.split()) <= len(name.split()) + 1:
            return False
        if not between and ends_sentence(head.text):
            return False  # a short headline over its standfirst
        return date_line(under)[0] or (parse_byline(under) is not None and not ends_sentence(under))

    def opening_dateline(self, i: int, dry: bool = False) -> bool:
        """"TEHRAN, July 3 (Reuters) - ...", "Tehran, July 3, 2016 - ...", "WASHINGTON (AP) — ...":
        a dateline span over place and date, a wire span over a known agency in parentheses."""
        line = self.lines[i]
        text, pos, end = self.text, line.start, line.end
        place_end = date = None
        date = match_date_at(text, pos, end)
        if date:
            pos = date.end
        else:
            m = _PLACE.match(text, pos, end)
            if m and m.end() - m.start() <= 40:
                place_end = pos = m.end()
                comma = _COMMA.match(text, pos, end)
                if comma:
                    date = match_date_at(text, comma.end(), end)
                    if date:
                        pos = date.end
                    else:
                        region = _REGION.match(text, pos, end)
                        if region:
                            pos = region.end()
                            comma = _COMMA.match(text, pos, end)
                            date = match_date_at(text, comma.end(), end) if comma else None
                            if date:
                                pos = date.end
        paren = _PAREN.match(text, pos, end)
        agency = canonical(paren.group(1)) if paren else None
        after = paren.end() if paren else pos
        dash = _DASH.match(text, after, end)
        if not dash or (place_end is None and date is None and paren is None):
            return False
        if date is None and paren is None:
            place = text[line.start:place_end]
            if not (place.isupper() and sum(ch.isalpha() for ch in place) >= 3):
                return False
        if paren is not None and agency is None and not _SOURCE_NAME.fullmatch(paren.group(1)):
            return False
        if dry:
            return True
        dl_end = pos if (agency or paren is None) else paren.end()
        if dl_end > line.start:
            self.dateline(line.start, dl_end, date.iso if date else None)
        if agency:
            self.add("wire", paren.start(1) - 1, paren.end(), agency)
        return True

    def bottom(self, floor: int) -> int:
        """Walk up from the bottom to line ``floor``; returns the index of the last body line + 1."""
        run: list[tuple[int, str | None]] = []  # (line index, kind or None for a loose line)
        i = len(self.lines) - 1
        stop = max(floor, len(self.lines) - _BOTTOM_LIMIT)
        while i >= stop and not self.claimed[i]:
            s = self.lines[i].text
            if self.site_name(s):
                run.append((i, "site-name"))
            elif date_line(s)[0] or (parse_byline(s) and not ends_sentence(s)):
                run.append((i, "meta"))
            elif (kind := furniture_kind(s, "bottom")) is not None:
                run.append((i, kind))
            elif credit_line(s) is not None:
                run.append((i, "meta"))
            elif self._furniture_like(s) and not _OPENING_QUOTE.match(s) and len(s) <= 100:
                run.append((i, None))
            else:
                break
            i -= 1
        while run and run[-1][1] is None:  # loose lines above the topmost furniture are body
            run.pop()
        heading: str | None = None  # what short lines below the last furniture line are
        for i, kind in reversed(run):
            if kind == "meta":
                self.meta_line(i, "bottom")
                heading = None
            elif kind is None:
                if heading:
                    self.boilerplate(i, heading)
            else:
                self.boilerplate(i, kind)
                heading = _heading(kind, self.lines[i].text)
        return run[-1][0] if run else len(self.lines)

    def middle(self, lo: int, hi: int) -> None:
        """Furniture that may stand anywhere, and credit lines, between the two walks."""
        for i in range(lo, hi):
            if self.claimed[i]:
                continue
            s = self.lines[i].text
            kind = furniture_kind(s)
            if kind:
                self.boilerplate(i, kind)
            elif credit_line(s) is not None:
                self.meta_line(i, "middle")
            elif i < lo + _BYLINE_REACH and not ends_sentence(s) and parse_byline(s) is not None:
                self.meta_line(i, "middle")  # "By X" or "X, BBC diplomatic correspondent" under a lead photo
            elif date_line(s)[0] or (stamp(s) and not ends_sentence(s)):
                if i < lo + _BYLINE_REACH:
                    self.dateline(self.lines[i].start, self.lines[i].end, iso_date(s))  # the stamp under a standfirst
                    self.claimed[i] = True
                else:
                    self.boilerplate(i, "ticker")  # a related item's date between paragraphs
            elif furniture_kind(s, "top") == "share" and not ends_sentence(s):
                self.boilerplate(i, "share")  # "Twitter", "Email" links left between paragraphs

    def wire_in_body(self) -> None:
        for i, line in enumerate(self.lines):
            if self.claimed[i]:
                continue
            for s, e, agency, inline in wire_mentions(self.text, line.start, line.end):
                if inline:  # part of a body sentence: marked so that it is not cut out of it
                    self.add("wire", s, e, agency, inline=True)
                else:
                    self.add("wire", s, e, agency)

    def body_lines(self) -> list[_Line]:
        """Lines with a letter or digit outside every span."""
        out, k, covered = [], 0, self.taken
        for i, line in enumerate(self.lines):
            if self.claimed[i]:
                continue
            while k < len(covered) and covered[k][1] <= line.start:
                k += 1
            pos, j = line.start, k
            while j < len(covered) and covered[j][0] < line.end:
                if _HAS_ALNUM.search(self.text, pos, covered[j][0]):
                    break
                pos = max(pos, covered[j][1])
                j += 1
            else:
                if not _HAS_ALNUM.search(self.text, pos, line.end):
                    continue
            out.append(line)
        return out

    # -- meta ----------------------------------------------------------------------------
    def fill_meta(self, title_at: int | None, body: list[_Line]) -> None:
        meta, hints, article = self.article.meta, self.hints, self.article
        hint_title = _hint(hints, "title")
        if hint_title:
            meta["title"] = hint_title
        elif title_at is not None:
            meta["title"] = self.lines[title_at].text

        hint_date = _hint(hints, "date")
        if hint_date:
            meta["date"] = iso_date(hint_date) or hint_date
        else:
            meta["date"] = self._text_date(body)

        names = _hint_byline(hints.get("byline"))
        if names is None:
            names = []
            for span in article.layer("byline"):
                names.extend(n for n in span.attrs.get("names", []) if n not in names)
        meta["byline"] = names

        found = [(s.start, s.label) for s in article.spans if s.layer == "wire"] + self.extra_wire
        wire: list[str] = []
        for _, name in sorted(found):
            if name not in wire:
                wire.append(name)
        hinted = hints.get("wire")  # a page's credit line among its authors ("AP Auto Writer")
        if isinstance(hinted, list):
            wire += [name for name in hinted if isinstance(name, str) and name not in wire]
        meta["wire"] = wire

        outlet = self.holder if self.holder and not canonical(self.holder) else None
        meta["outlet"] = self.pasted_outlet or outlet or self.site_line

    def _agency_holder(self) -> str | None:
        """The wire agency a pasted page's copyright line names ("© 2019 Reuters"), as its outlet."""
        agency = canonical(self.holder) if self.holder else None
        return {"Associated Press": "AP"}.get(agency, agency) if agency else None

    def _text_date(self, body: list[_Line]) -> str | None:
        if self.pasted_date:
            return self.pasted_date
        datelines = self.article.layer("dateline")
        dated = [s.attrs["date"] for s in datelines if s.attrs.get("date")]
        if dated:
            return dated[0]
        if body:
            first = body[0]
            m = _FIRST_SENTENCE.search(self.text, first.start, first.end)
            end = m.start() + 1 if m else first.end
            for d in find_dates(self.text, first.start, min(end, first.start + 400)):
                if d.iso:
                    return d.iso
        return None

    def run(self) -> Article:
        self.outlet_hints()
        first_body, title_at = self.top()
        if first_body < len(self.lines) and not self.claimed[first_body]:
            self.opening_dateline(first_body)
        end = self.bottom(first_body)
        self.middle(first_body, end)
        self.wire_in_body()
        body = self.body_lines()
        self.fill_meta(title_at, body)
        if not body:
            self.article.warnings.append(NO_BODY)
        return self.article


def clean(article: Article) -> Article:
    """Add title, dateline, byline, wire and boilerplate spans and fill ``meta`` from them.

    Spans this stage added earlier are replaced, so running it twice gives the same result.
    """
    article.spans = [s for s in article.spans if s.layer not in FURNITURE_LAYERS]
    article.warnings[:] = [w for w in article.warnings if w != NO_BODY]
    return _Cleaner(article).run()

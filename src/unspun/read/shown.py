"""What an HTML page shows a reader: its date stamp and the name it gives itself.

A page's metadata often disagrees with what the page shows: ``article:published_time`` in UTC
where the page shows the local day, the first-published date where the page shows an update,
``og:site_name`` written as the host ("CBSSports.com") or with a tagline ("LinkNaija |
Nigeria's popular news platform"), a JSON-LD publisher that is the wire or the company
("Associated Press" on a newspaper's page). The HTML reader (``unspun.read.html``) asks this
module for the date and site name a reader of the page would give; when the page shows no
date, the date its metadata gives as the article's publication (``published_date``).
"""

from __future__ import annotations

import json
import re
from datetime import date as _date

from unspun.stages.clean import copyright_holder
from unspun.stages.dates import date_line, find_dates, iso_date

# Elements whose text a reader does not see, and elements that start a new line.
_HIDDEN = {"script", "style", "noscript", "template", "svg", "head", "iframe", "select", "option", "button",
           "title", "meta", "link"}
_BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
          "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
          "pre", "section", "table", "td", "th", "time", "tr", "ul"}
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
MAX_LINES = 5000  # a page's visible lines read for its stamp and names
MAX_CHARS = 1_000_000  # and their characters (a 10 MB page's text is not all held twice)

# How far under the headline the date stamp may be: lines, and characters of text.
STAMP_LINES = 12
STAMP_CHARS = 2000
STAMP_LINE_CHARS = 160  # a longer line is a paragraph, not a stamp or byline
STAMP_REST_CHARS = 60  # a dated byline's words besides the date ("Chris Davies - ", "By admin - ")
_BYLINE_START = re.compile(r"^(?:by|posted|published|updated|first published)\b", re.IGNORECASE)


class Lines(list):
    """A page's visible lines; ``timed`` holds the indices of lines that are a ``<time>``
    element's text."""

    timed: set


def visible_lines(tree) -> Lines:
    """The page's text as a reader sees it, one line per block (script, style, ``hidden`` and
    ``display: none`` elements left out), the texts of inline elements joined by a space,
    whitespace collapsed, empty lines dropped; at most ``MAX_LINES`` lines and about
    ``MAX_CHARS`` characters."""
    out = Lines()
    out.timed = set()
    cur: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if cur:  # pieces of inline elements apart: "Nov.<span>November 18, 2019</span>"
            s = " ".join(" ".join(cur).split())
            cur.clear()
            if s:
                out.append(s)
                size += len(s)

    stack: list = [(tree, None)]
    while stack and len(out) < MAX_LINES and size < MAX_CHARS:
        el, opened_at = stack.pop()
        if isinstance(el, str):  # a tail
            cur.append(el)
            continue
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if opened_at is not None:  # closing the element
            flush()
            if tag == "time" and len(out) == opened_at + 1:
                out.timed.add(opened_at)
            continue
        if not tag or tag in _HIDDEN or el.get("hidden") is not None or \
                _DISPLAY_NONE.search(el.get("style") or ""):
            continue  # a comment or an unseen element (its tail is pushed by the parent)
        if tag in _BLOCK:
            flush()
            stack.append((el, len(out)))
        if el.text:
            cur.append(el.text)
        for child in reversed(el):
            if child.tail:
                stack.append((child.tail, None))
            stack.append((child, None))
    flush()
    return out


def _fold(s: str) -> str:
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def headline_at(lines: list[str], headline: str, h1s: list[str]) -> list[int]:
    """The indices of the lines that show the headline (else the first ``<h1>``): a page may
    show it twice (a sticky header above the article)."""
    for key in (_fold(headline), *(_fold(h) for h in h1s[:1])):
        if key:
            found = [i for i, line in enumerate(lines) if _fold(line) == key]
            if found:
                return found
    return []


def _stamp(line: str) -> str | None:
    """The date of a stamp line ("Nov 18, 2019 at 9:24 pm ET"; of "Published ... | Updated ..."
    the published one) or of a dated byline ("By Jane Doe - 2018-09-16": few other words, or
    opened by "By"/"Posted"/"Published"/"Updated"), else None (a caption or sentence with a
    date)."""
    if len(line) > STAMP_LINE_CHARS:
        return None
    is_date, iso = date_line(line)
    if is_date:
        return iso
    dated = [d for d in find_dates(line) if d.iso]
    if not dated:
        return None
    rest = len(line) - sum(d.end - d.start for d in dated)
    if rest <= STAMP_REST_CHARS or _BYLINE_START.match(line):
        return dated[0].iso
    return None


def stamp_date(lines: list[str], at: int) -> str | None:
    """The full date (``YYYY-MM-DD``) of the first date stamp or dated byline under the headline
    at line ``at``, within ``STAMP_LINES`` lines and ``STAMP_CHARS`` characters; else of a date
    line just above it (one of the two lines before: "November 19, 2019 / 12:21 AM / Updated 14
    hours ago" over the headline)."""
    seen = 0
    for line in lines[at + 1: at + 1 + STAMP_LINES]:
        seen += len(line)
        if seen > STAMP_CHARS:
            break
        iso = _stamp(line)
        if iso:
            return iso
    for line in reversed(lines[max(0, at - 2): at]):
        is_date, iso = date_line(line)
        if is_date and iso:
            return iso
    return None


def shown_anywhere(lines: list[str], iso: str) -> str | None:
    """The date a short line of the page shows for ``iso``'s day or a day either side (the
    metadata's UTC day against the page's local day), else None."""
    try:
        day = _date.fromisoformat(iso[:10]).toordinal()
    except ValueError:
        return None
    for line in lines:
        if len(line) > STAMP_LINE_CHARS:
            continue
        for d in find_dates(line):
            if d.iso and abs(_date.fromisoformat(d.iso).toordinal() - day) <= 1:
                return d.iso
    return None


def _timed_stamp(lines: Lines, at: int) -> str | None:
    """The date of a ``<time>`` element's text under the headline at line ``at``."""
    for i in range(at + 1, min(len(lines), at + 1 + STAMP_LINES)):
        if i in getattr(lines, "timed", ()):
            iso = _stamp(lines[i])
            if iso:
                return iso
    return None


def page_date(lines: list[str], headline: str, h1s: list[str], meta_date: str | None,
              published: str | None = None) -> str | None:
    """The date of the article on the page: the date a reader of the page would give, the
    stamp under the headline (a ``<time>`` element's under any copy of the headline first,
    else the first stamp under its first copy), else the metadata's date as the page shows it
    somewhere (its own day or a day either side); else, when the page shows no date (only
    its metadata or address holds one, or it shows "1 day ago"), ``published``: the
    publication date its metadata gives the article (``published_date``), else None."""
    at = headline_at(lines, headline, h1s)
    for i in at:
        stamp = _timed_stamp(lines, i)
        if stamp:
            return stamp
    if at:
        stamp = stamp_date(lines, at[0])
        if stamp:
            return stamp
    shown = shown_anywhere(lines, meta_date) if meta_date else None
    return shown or published


# -- the publication date in the page's metadata ----------------------------------------------

# ``<meta>`` names (name, property or itemprop, lower case) that give the article's publication
# date, most trusted first; modified/updated dates, a site's founding date and the like are not
# among them.
_PUBLISHED_KEYS = (
    ("article:published_time", "og:article:published_time", "article:published", "og:published_time",
     "datepublished"),
    ("dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date.created", "dc.date", "dcterms.date",
     "parsely-pub-date", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
     "article.published", "sailthru.date", "pdate", "article_date_original", "originalpublicationdate",
     "date"),
)
# JSON-LD objects whose ``datePublished`` is not the article's: a comment or review on the page,
# the publisher, a person.
_NOT_THE_ARTICLE = {"comment", "answer", "question", "review", "rating", "organization", "newsmediaorganization",
                    "person", "website", "imageobject", "breadcrumblist"}
_ISO_START = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?![\d])")
_COMPACT = re.compile(r"^\s*((?:19|20)\d{2})(\d{2})(\d{2})\s*$")
MIN_YEAR = 1990  # earlier: a placeholder (1970-01-01), not a news page's date


def metadata_day(value: str, today: _date | None = None) -> str | None:
    """The day (``YYYY-MM-DD``) a metadata date value gives: an ISO timestamp's day as written
    (the page's own offset, "2019-11-18T17:30:00-05:00" -> 2019-11-18), ``20191119``, or a
    written date ("Tue Nov 19 2019 03:05:46 GMT+0000"); None for a value that is not a full
    date, before ``MIN_YEAR`` or after ``today`` (a date not yet come is not a publication)."""
    value = " ".join((value or "").split())[:80]
    m = _ISO_START.match(value) or _COMPACT.match(value)
    iso = "-".join(m.groups()) if m else (iso_date(value) if value else None)
    if not iso:
        return None
    try:
        day = _date.fromisoformat(iso)
    except ValueError:
        return None
    if day.year < MIN_YEAR or day > (today or _date.today()):
        return None
    return iso


def _ld_objects(data, depth: int = 0):
    """The JSON-LD objects that may be the page's article: the top-level ones, those of a
    ``@graph`` and a ``mainEntity`` (not nested comments, reviews or parts)."""
    if depth > 3:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), (dict, list)):
                yield from _ld_objects(data[key], depth + 1)


def _ld_types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].lower() for k in kinds if k}


def published_date(tree, today: _date | None = None) -> str | None:
    """The article's publication date as the page's metadata gives it: ``<meta>``
    ``article:published_time`` (and its kin), else the JSON-LD ``datePublished`` of an object
    that may be the article (not a comment, review, publisher or person), else a Dublin Core,
    parse.ly, sailthru or plain ``date``/``pubdate`` ``<meta>``; never a modified or updated
    date. The day as the value writes it (``metadata_day``), else None."""
    metas: dict[str, str] = {}
    for m in tree.iter("meta"):
        content = m.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            for key in (m.get(attr) or "").lower().split():  # itemprop="datePublished dateCreated"
                metas.setdefault(key, content)

    def from_metas(keys) -> str | None:
        for key in keys:
            if key in metas:
                day = metadata_day(metas[key], today)
                if day:
                    return day
        return None

    first, rest = _PUBLISHED_KEYS
    day = from_metas(first)
    if day:
        return day
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            value = obj.get("datePublished")
            if isinstance(value, str) and not (_ld_types(obj) & _NOT_THE_ARTICLE):
                day = metadata_day(value, today)
                if day:
                    return day
    return from_metas(rest)


# -- the site's name -------------------------------------------------------------------------

_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|»|·|•)\s+|:\s+")
_HOSTLIKE = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/?$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"©|\(c\)|copyright", re.IGNORECASE)  # where a copyright notice starts
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "gv"}


def host_label(host: str | None) -> str | None:
    """The name part of a host: ``www.cbssports.com`` -> ``cbssports``, ``bbc.co.uk`` -> ``bbc``."""
    if not host:
        return None
    labels = host.lower().rstrip(".").split(".")
    if labels and labels[0] == "www":
        labels = labels[1:]
    if len(labels) < 2:
        return None
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2]


def _matches_host(name: str, label: str) -> bool:
    key = _fold(name)
    return bool(key) and (key == label or key == "the" + label or "the" + key == label)


def _host_prefix(name: str, label: str) -> str | None:
    """The leading words of ``name`` that spell the host ("The Real Deal New York" on
    therealdeal.com -> "The Real Deal"), when more words follow them."""
    words = name.split()
    for n in range(1, len(words)):
        if _fold(" ".join(words[:n])) == label:
            return " ".join(words[:n])
    return None


def name_places(tree) -> dict[str, list[str]]:
    """Where a page names itself: ``og:site_name`` then ``application-name`` (``site``), the
    first and last parts of its ``<title>`` and ``og:title`` joined by separators (``title``),
    its logo's ``alt``, title or text (``logo``), its ``twitter:site`` handle (``handle``,
    "@Florida_Today" -> "Florida Today"); and its own address, ``og:url`` or the canonical
    link (``url``)."""
    places: dict[str, list[str]] = {"og": [], "site": [], "title": [], "logo": [], "handle": [], "url": []}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or "").lower()
        content = " ".join((m.get("content") or "").split())
        if not content:
            continue
        if key == "og:site_name":
            places["og"].append(content)
        elif key == "application-name":
            places["site"].append(content)
        elif key == "og:title":
            places["title"].extend(_ends(content))
        elif key == "twitter:site" and content.startswith("@"):
            places["handle"].append(content[1:].replace("_", " "))
        elif key == "og:url" and content.startswith(("http://", "https://")):
            places["url"].append(content)
    places["site"][:0] = places.pop("og")
    for link in tree.iter("link"):
        href = (link.get("href") or "").strip()
        if (link.get("rel") or "").lower() == "canonical" and href.startswith(("http://", "https://")):
            places["url"].append(href)
    tag = tree.find(".//title")
    if tag is not None:
        places["title"].extend(_ends(" ".join(tag.text_content().split())))
    for el in tree.iter("img", "a"):
        marks = " ".join((el.get("class") or "", el.get("id") or "", el.get("src") or "")).lower()
        if "logo" not in marks:
            continue
        for text in (el.get("alt"), el.get("title"), el.get("aria-label"),
                     el.text_content() if el.tag == "a" else None):
            text = " ".join((text or "").split())
            if text and len(text) <= 60:
                places["logo"].append(re.sub(r"\s+logo$", "", text, flags=re.IGNORECASE))
    return places


def _ends(title: str) -> list[str]:
    """The first and last parts of a title joined by separators ("Headline | Site")."""
    parts = [p.strip() for p in _SEPARATOR.split(title) if p.strip()]
    return [parts[0], parts[-1]] if len(parts) > 1 else []


def copyright_holders(lines: list[str]) -> list[str]:
    """The names the page's copyright lines give ("© 2019 Ascom" -> "Ascom")."""
    out = []
    for line in lines:
        if len(line) > 300:
            continue
        for m in _COPYRIGHT.finditer(line):
            name = copyright_holder(line[m.start():])
            if name and not name.lower().startswith(("all rights", "copyright", "policy")):
                out.append(name)
    return out


def _hostish(name: str) -> bool:
    """The name is written as a host or address ("CBSSports.com", "https://www.newsnation.in")
    or as a host's label in lower case ("floridatoday"), not as a name."""
    return bool(_HOSTLIKE.match(name)) or (name == name.lower() and " " not in name and name.isalnum())


def site_name(places: dict[str, list[str]], lines: list[str], host: str | None, extracted: str | None,
              known: list[str] = ()) -> str | None:
    """The name the page gives itself, as a reader would name the outlet.

    ``places`` is what ``name_places`` found. ``og:site_name`` (or ``application-name``) first,
    else the extractor's ``extracted`` name, with a tagline after a separator removed
    ("LinkNaija | Nigeria's popular news platform" -> "LinkNaija"). When that name is written
    as the host ("CBSSports.com", "floridatoday") or is missing, the page's own spelling of
    the host wins: a name from its title, logo, ``known`` outlet names, copyright line or
    twitter handle that, letters and digits alone, is the host's name ("CBS Sports" for
    cbssports.com), else the extractor's name if it is not a host too, else the host-written
    name (not an address: None, so the caller falls back on the host); when it holds more
    words than the host spells, the words that spell it ("The Real Deal New York" on
    therealdeal.com -> "The Real Deal"). A page without an
    address and without a site name takes a name two of those places agree on, else its
    copyright holder.
    """
    holders = copyright_holders(lines)
    label = host_label(host)
    site = None
    for raw in places["site"] + ([extracted] if extracted else []):
        parts = [p.strip() for p in _SEPARATOR.split(raw.strip()) if p.strip()]
        if not parts:
            continue
        site = next((p for p in parts if label and _matches_host(p, label)), parts[0])
        break
    if label:
        if site and not _hostish(site):
            return _host_prefix(site, label) or site
        pool = places["title"] + places["logo"] + list(known) + holders + places["handle"]
        for name in pool:
            if _matches_host(name, label) and not _hostish(name):
                return name
        if extracted and not _hostish(extracted.strip()):
            return extracted.strip()  # the extractor's name (a JSON-LD publisher) before a host
        return site if site and not site.lower().startswith(("http://", "https://")) else None
    if site:
        return site
    seen: dict[str, list[str]] = {}
    for names in (places["title"], places["logo"], holders):
        for name in dict.fromkeys(names):
            if 1 <= len(name.split()) <= 6:
                seen.setdefault(_fold(name), []).append(name)
    agreed = [names[0] for names in seen.values() if len(names) >= 2]
    if agreed:
        return agreed[0]
    return holders[0] if holders else None

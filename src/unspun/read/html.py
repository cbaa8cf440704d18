"""HTML pages: the article body and metadata, extracted with trafilatura.

The ``Document`` text is the title line, a blank line, then the body paragraphs separated by
blank lines (comments excluded). Extraction favours recall, so that paragraphs are not
dropped; the clean stage marks what furniture is left. The date and site name are the ones the
page shows a reader (``unspun.read.shown``), not its metadata's where they differ; a page that
shows no date takes the publication date of its metadata.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from unspun.article import normalise_newlines
from unspun.errors import InputError
from unspun.read import Document
from unspun.read import where as where_of
from unspun.outlets import host_of, known_names
from unspun.read.decode import decode
from unspun.read.shown import name_places, page_date, published_date, site_name, visible_lines

EMPTY_BODY = "no article body found in the page (trafilatura extracted nothing)"

_TAG = re.compile(r"<\s*(?:[a-zA-Z][a-zA-Z0-9:-]*|!doctype|!--)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def document_from_html(html: str, source: dict) -> Document:
    """A ``Document`` for an HTML page; ``source`` is the reader's source dict.

    Raises ``InputError`` when the input is not HTML or holds no text at all; a page whose
    body extraction comes back empty gives a ``Document`` (title only) with a warning.
    """
    where = where_of(source)
    if not html.strip():
        raise InputError(where, "empty page")
    if not _TAG.search(html[:100_000]):
        raise InputError(where, "not an HTML page (no tags found)")
    import trafilatura
    from trafilatura.metadata import extract_metadata

    url = source.get("url")
    try:
        tree = trafilatura.load_html(html)
        if tree is None:  # a fragment without <html>: trafilatura wants a whole page
            tree = trafilatura.load_html(f"<html><body>{html}</body></html>")
        found = None
        headings = _headings(tree) if tree is not None else ([], "")
        lines = visible_lines(tree) if tree is not None else []  # before the extractor prunes the tree
        names = name_places(tree) if tree is not None else None
        published = published_date(tree) if tree is not None else None
        if tree is not None:
            found = trafilatura.bare_extraction(
                tree, url=url, with_metadata=True, include_comments=False, favor_recall=True,
                output_format="python")
            if found is None:  # no body: still take the title and date if there are any
                found = extract_metadata(tree, url)
    except Exception as exc:  # noqa: BLE001 - a third-party parser on untrusted input: one page, not the batch
        detail = " ".join(str(exc).split())[:160]
        raise InputError(where, f"could not extract the page ({type(exc).__name__}: {detail})") from None
    if found is None:
        raise InputError(where, "could not parse the HTML")

    title = _headline(" ".join((found.title or "").split()), headings, (found.sitename or "").strip())
    paragraphs = _paragraphs(getattr(found, "text", None) or "")
    if paragraphs and title and " ".join(paragraphs[0].split()) == title:
        paragraphs = paragraphs[1:]  # the headline repeated at the top of the body
    if not title and not paragraphs:
        raise InputError(where, "no text found in the page (no title and no article body)")

    text = "\n\n".join(([title] if title else []) + paragraphs)
    meta = _meta(found, title, url, names["url"][0] if names and names["url"] else None)
    # the date the page shows, else the publication date its metadata gives the article
    date = page_date(lines, title, headings[0], found.date, published)
    if date:
        meta["date"] = date
    if names is not None:
        site = site_name(names, lines, host_of(meta.get("url")), found.sitename, known_names())
        meta.pop("sitename", None)
        if site and not _is_host(site, meta.get("url")):
            meta["sitename"] = site
    warnings = [] if paragraphs else [EMPTY_BODY]
    return Document(text=text, source=dict(source), meta=meta, title_line=bool(title), warnings=warnings)


_SITE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")


def _headings(tree) -> tuple[list[str], str]:
    """The texts of the page's ``<h1>`` elements in page order, and of its ``<title>``."""
    out = []
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            out.append(text)
    tag = tree.find(".//title")
    return out, " ".join(tag.text_content().split()) if tag is not None else ""


def _headline(title: str, headings: tuple[list[str], str], site: str) -> str:
    """The headline a reader sees: the page's first ``<h1>`` of a few words that is not the site's
    name, else the metadata title (the ``<title>`` when that is only the site's name) without a
    site name joined to it ("Headline | Site")."""
    h1s, tag = headings
    site_key = _fold(site)
    if site_key and _fold(title) == site_key and tag:
        title = tag
    for h in h1s:
        if len(h.split()) >= 4 and len(h) <= 300 and _fold(h) != site_key:
            return h
    parts = _SITE_SEPARATOR.split(title)
    if len(parts) > 1 and site_key:
        kept = [p for p in parts if _fold(p) != site_key]
        if kept and len(kept) < len(parts):
            return " | ".join(kept) if len(kept) > 1 else kept[0]
    return title


def _fold(s: str) -> str:
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def decode_html(data: bytes, where: str, content_type: str | None = None) -> str:
    """Decode an HTML page: BOM, UTF-8, then the charset of the HTTP header or ``<meta>``.

    A mostly-UTF-8 page with a few invalid bytes is decoded with U+FFFD for them, as
    browsers do.
    """
    declared = None
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        declared = m.group(1) if m else None
    if not declared:
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii") if m else None
    return decode(data, where, declared=declared, errors="replace")


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in normalise_newlines(text).split("\n") if line.strip()]


def _meta(found, title: str, url: str | None, own_url: str | None = None) -> dict:
    """Title, the extractor's byline and site name, and the page's address: ``url`` as given,
    else the extractor's, else ``own_url`` (the page's ``og:url`` or canonical link)."""
    meta: dict = {}
    if title:
        meta["title"] = title
    names, wire = credits([n.strip() for n in (found.author or "").split(";") if n.strip()])
    if names:
        meta["byline"] = names
    if wire:
        meta["wire"] = wire
    page_url = url or found.url or own_url
    site = (found.sitename or "").strip()
    if site and not _is_host(site, page_url):  # the extractor falls back on the URL's host: not a name
        meta["sitename"] = site
    if page_url:
        meta["url"] = page_url
    return meta


_BY_WORD = re.compile(r"(?i)^\w+\s+by\s")
_IS_A = re.compile(r"\s+is\s+(?:a|an|the)\s+\w.*$")
_ROLE_END = re.compile(r"(?i)\b(?:writer|reporter|correspondent|editor|editor-at-large|columnist)$")


def credits(entries: list[str]) -> tuple[list[str], list[str]]:
    """The people and the wire agencies among the extractor's author entries: "Tom Krisher;
    Ap Auto Writer" is a person and the AP's credit line, "ERIC TUCKER Associated Press" both,
    "Staff Writer" neither. An entry the byline parser cannot read is kept as a name."""
    from unspun.stages.bylines import parse_byline

    names: list[str] = []
    wire: list[str] = []
    for entry in entries:
        entry = _IS_A.sub("", entry)  # "Phil Helsel is a reporter for NBC News"
        b = parse_byline(entry) if _BY_WORD.search(entry) else None  # "Analysis by Chris Cillizza"
        agency = _leading_agency(entry)
        if b is None and agency is None:
            words = entry.split()
            for k in range(2, min(4, len(words) - 1) + 1):  # "ERIC TUCKER Associated Press", "Tom Gillespie News reporter"
                tail = " ".join(words[k:])
                if _agency(tail) or _ROLE_END.search(tail):
                    split = parse_byline("By " + " ".join(words[:k]) + ", " + tail)
                    if split is not None and split.names:
                        b = split
                        break
        b = b or parse_byline("By " + entry)
        if b is None:
            found, agencies = [entry], []
        elif b.names or b.wire:
            found, agencies = b.names, b.wire
        else:  # a role only: the agency it names, if any ("AP Auto Writer", "Reuters Staff")
            found, agencies = [], [agency] if agency else []
        names += [n for n in found if n not in names]
        wire += [a for a in agencies if a not in wire]
    return names, wire


def _agency(name: str) -> str | None:
    """The wire agency ``name`` is ("Associated Press", "Ap" as an extractor title-cases "AP";
    not "Ana" or "Efe", which are first names too), or None."""
    from unspun.stages.agencies import canonical

    return canonical({"Ap": "AP", "Afp": "AFP"}.get(name, name))


def _leading_agency(entry: str) -> str | None:
    """The agency the first words of a credit line name ("AP Auto Writer", "Reuters Staff")."""
    words = entry.split()
    for k in range(min(3, len(words) - 1), 0, -1):
        found = _agency(" ".join(words[:k]))
        if found:
            return found
    return None


def _is_host(name: str, url: str | None) -> bool:
    if not url:
        return False
    try:
        netloc = urlsplit(url).netloc.lower().rsplit("@", 1)[-1]
    except ValueError:
        return False
    name = name.lower()
    return name in (netloc, netloc.removeprefix("www."), netloc.split(":")[0], netloc.split(":")[0].removeprefix("www."))


def extract(doc: Document) -> Document:
    """The extracted ``Document`` for one read as ``html``; what the record stated wins.

    Raises ``InputError`` as ``document_from_html`` does.
    """
    if doc.html is None:
        return doc
    found = document_from_html(doc.html, doc.source)
    found.meta.update(doc.meta)
    found.id = doc.id
    found.warnings[:0] = doc.warnings
    return found

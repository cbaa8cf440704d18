"""The HTML report (``unspun analyze --format html``): one standalone HTML5 page.

Inline CSS (``report.css``), no external resources and no JavaScript: each legend group is a
checkbox that switches its highlights on and off with CSS alone, and a Content-Security-Policy
forbids scripts outright. Every piece of article text, metadata and span attribute is escaped
with ``html.escape(..., quote=True)``; class names and ids come only from this code.

The text is cut at every span boundary (``unspun.render.segments``) and each piece becomes one
``<span>`` with a class per active highlight and a ``title`` naming speaker, cue, technique and
score, so overlapping spans never produce mis-nested elements.

>>> from unspun.article import Article
>>> a = Article(text="<b>Hi</b> said Ann.")
>>> "&lt;b&gt;Hi&lt;/b&gt;" in render_html(a)
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from importlib.resources import files
from typing import Iterable

from unspun import __version__
from unspun.article import Article
from unspun.render import (
    GROUPS, TECHNIQUE_NOTE, Mark, Style, article_marks, legend, metadata_rows, quote_rows, segments, summary,
    summary_rows, techniques_used, truncate,
)

QUOTE_CHARS = 400  # quote text in the table is cut to this many characters
_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def render_html(article: Article) -> str:
    """One standalone page for one article."""
    return render_html_many([article])


def render_html_many(articles: Iterable[Article]) -> str:
    """One standalone page for several articles (a batch), in order, with a list of contents."""
    articles = list(articles)
    if len(articles) == 1:
        page_title = f"unspun: {_headline(articles[0])}"
    else:
        page_title = f"unspun: {len(articles)} articles"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        f"<meta name=\"generator\" content=\"unspun {_e(__version__)}\">\n",
        f"<title>{_e(page_title)}</title>\n<style>\n{_css()}</style>\n</head>\n<body>\n<main>\n",
        f"<p class=\"brand\">unspun report \u00b7 {len(articles)} article{'s' if len(articles) != 1 else ''}</p>\n",
    ]
    if len(articles) > 1:
        parts.append("<nav aria-label=\"Articles\"><ol>\n")
        parts += [f"<li><a href=\"#a{i}\">{_e(_headline(a))}</a></li>\n" for i, a in enumerate(articles, 1)]
        parts.append("</ol></nav>\n")
    if not articles:
        parts.append("<p class=\"none\">No articles.</p>\n")
    parts += [article_html(a, f"a{i}") for i, a in enumerate(articles, 1)]
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def article_html(article: Article, prefix: str) -> str:
    """One article's report as an ``<article>`` element; ``prefix`` makes its ids unique on the page."""
    marks = article_marks(article)
    styles = legend(marks)
    groups = _groups(styles)
    lang = str(article.meta.get("language") or "")
    lang_attr = f" lang=\"{_e(lang)}\"" if _LANG.fullmatch(lang) else ""
    parts = [f"<article class=\"report\" id=\"{_e(prefix)}\">\n<header>\n",
             f"<h2 class=\"headline\">{_e(_headline(article))}</h2>\n",
             _definition_list("meta", [(k, v) for k, v in metadata_rows(article)
                                       if not (k == "Title" and article.meta.get("title"))])]
    if article.warnings:
        parts.append("<ul class=\"warnings\">" + "".join(f"<li>{_e(w)}</li>" for w in article.warnings) + "</ul>\n")
    parts.append("</header>\n")
    for group in groups:
        parts.append(f"<input type=\"checkbox\" class=\"toggle tg-{group}\" id=\"{_e(prefix)}-tg-{group}\" "
                     f"checked aria-label=\"Show {_e(GROUPS[group].lower())}\">\n")
    parts.append(legend_html(styles, prefix))
    parts.append(techniques_html(marks))
    parts.append(f"<div class=\"text\"{lang_attr}>{text_html(article.text, marks, prefix)}</div>\n")
    parts.append(_quotes_table(article, prefix))
    parts.append("<section class=\"summary\">\n<h3>Summary</h3>\n")
    parts.append(_definition_list("summary", summary_rows(summary(article))))
    parts.append("</section>\n</article>\n")
    return "".join(parts)


def text_html(text: str, marks: Iterable[Mark], prefix: str = "") -> str:
    """``text`` escaped, each piece between mark boundaries wrapped in one ``<span>`` whose
    classes are its marks' ``m-<key>`` and whose ``title`` joins their notes; technique tags
    follow their stretch; quote anchors get the id ``<prefix>-<anchor>``."""
    out: list[str] = []
    for seg in segments(len(text), marks):
        piece = escape(text[seg.start:seg.end], quote=True)
        if not seg.marks:
            out.append(piece)
            continue
        for mark in seg.marks:
            if mark.anchor and mark.start == seg.start:
                out.append(f"<span class=\"anchor\" id=\"{_e(prefix)}-{_e(mark.anchor)}\"></span>")
        classes = " ".join(dict.fromkeys(f"m-{m.style}" for m in seg.marks))
        notes = "\n".join(dict.fromkeys(m.note for m in seg.marks if m.note))
        title = f" title=\"{_e(notes)}\"" if notes else ""
        out.append(f"<span class=\"{classes}\"{title}>{piece}</span>")
        for mark in reversed(seg.marks):
            if mark.tag and mark.end == seg.end:
                out.append(f"<sup class=\"tag\" data-tag=\"{_e(mark.tag)}\"></sup>")
    return "".join(out)


def legend_html(styles: list[Style], prefix: str) -> str:
    """The legend: per group a label (for the group's checkbox) and a sample of each style."""
    if not styles:
        return "<div class=\"legend\"><span class=\"none\">No layers marked.</span></div>\n"
    parts = ["<div class=\"legend\" role=\"group\" aria-label=\"Layers\">\n"]
    for group in _groups(styles):
        parts.append(f"<span class=\"group\"><label for=\"{_e(prefix)}-tg-{group}\" class=\"lg-{group}\">"
                     f"{_e(GROUPS[group])}</label>")
        for style in (s for s in styles if s.group == group):
            parts.append(f" <span class=\"m-{style.key}\">{_e(style.name)}</span>")
            if style.key == "technique":
                parts.append("<sup class=\"tag\" data-tag=\"Technique_Name\"></sup>")
        parts.append("</span>\n")
    parts.append("</div>\n")
    return "".join(parts)


def techniques_html(marks: Iterable[Mark]) -> str:
    """Under the legend, when techniques are marked: each one's definition, and what a score means
    (each mark's hover repeats its technique's line)."""
    used = techniques_used(marks)
    if not used:
        return ""
    items = "".join(f"<dt>{_e(name)}</dt><dd>{_e(meaning or '(no definition)')}</dd>" for name, meaning in used)
    return f"<details class=\"techniques\"><summary>Techniques marked</summary>\n<dl>{items}</dl>\n" \
           f"<p>{_e(TECHNIQUE_NOTE)}</p></details>\n"


def _quotes_table(article: Article, prefix: str) -> str:
    rows = quote_rows(article)
    parts = ["<section class=\"quotes\">\n<h3>Quotes</h3>\n"]
    if not rows:
        parts.append("<p class=\"none\">No quotes found.</p>\n</section>\n")
        return "".join(parts)
    parts.append("<table class=\"quotes\">\n<thead><tr><th class=\"num\">#</th><th>kind</th><th>speaker</th>"
                 "<th>cue</th><th>quote</th><th class=\"off\">offsets</th></tr></thead>\n<tbody>\n")
    for row in rows:
        parts.append(
            f"<tr><td class=\"num\"><a href=\"#{_e(prefix)}-{_e(row.anchor)}\">{row.number}</a></td>"
            f"<td>{_e(row.kind)}</td><td>{_e(row.speaker)}</td><td>{_e(row.cue)}</td>"
            f"<td class=\"quote\">{_e(truncate(row.text, QUOTE_CHARS))}</td>"
            f"<td class=\"off\">{row.start}\u2013{row.end}</td></tr>\n")
    parts.append("</tbody>\n</table>\n</section>\n")
    return "".join(parts)


def _groups(styles: list[Style]) -> list[str]:
    present = {s.group for s in styles}
    return [g for g in GROUPS if g in present]


def _definition_list(cls: str, rows: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f"<dl class=\"{cls}\">{items}</dl>\n"


def _headline(article: Article) -> str:
    title = article.meta.get("title")
    if title:
        return " ".join(str(title).split())
    path = (article.source or {}).get("path") or (article.source or {}).get("url")
    return f"(untitled: {path})" if path else f"(untitled {article.id})"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


@lru_cache(maxsize=1)
def _css() -> str:
    return files("unspun.render").joinpath("report.css").read_text(encoding="utf-8")

"""``unspun compare --format html``: one standalone page with the versions in columns, side by
side however many there are (the row scrolls sideways).

Each version's text keeps its line breaks; shared stretches are dimmed, kept ones (some
versions cut them) tinted, rewordings underlined and linked to the other wording (its hover
title quotes it), additions highlighted, furniture greyed; a hover title gives label, voice,
techniques and offsets. Below each column: its additions, rewordings and omissions. Like the analyze
report it has no scripts (a Content-Security-Policy forbids them) and every piece of article
text and metadata is escaped with ``html.escape(..., quote=True)``.

>>> from unspun.article import Article
>>> arts = [Article(text="<b>x</b> y"), Article(text="<b>x</b> y z")]
>>> result = {"versions": [{"index": i, "id": a.id, "source": {}, "segments": [], "omitted": []}
...                        for i, a in enumerate(arts)]}
>>> page = render_compare_html(result, arts)
>>> "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x" not in page
True
"""

from __future__ import annotations

from html import escape

from unspun import __version__
from unspun.article import Article
from unspun.render import truncate
from unspun.render.compare_view import (LEGEND, NAMES, additions, anchors, by_index, counterpart_of, display_title,
                                        Piece, other_words, outlet_of, pieces, rewordings, summary_line, where)

_CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --rule: #d1d9e0;
  --added: #c6f6c6; --added-fg: #0a4d0a; --reworded: #b08800; --omitted: #b42318; --kept: #0550ae; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #161b22;
  --rule: #30363d; --added: #1b4721; --added-fg: #aff5b4; --reworded: #e3b341; --omitted: #ff7b72; --kept: #79c0ff; } }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 15px/1.5 system-ui, sans-serif; }
main { padding: 1rem; }
.brand { color: var(--muted); font-size: .8rem; letter-spacing: .08em; text-transform: uppercase; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.25rem; padding: .5rem .75rem; margin-bottom: 1rem;
  border: 1px solid var(--rule); border-radius: 6px; background: var(--panel); font-size: .85rem; }
.versions { display: grid; gap: 1rem; grid-auto-flow: column; grid-auto-columns: minmax(22rem, 1fr);
  overflow-x: auto; padding-bottom: .5rem; }
.version { border-top: 3px solid var(--rule); padding-top: .5rem; min-width: 0; }
.version h2 { font-size: 1rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.version .outlet { color: var(--muted); font-weight: 600; }
.version .ref { font-size: .75rem; font-weight: 600; padding: 0 .3rem; border: 1px solid var(--rule);
  border-radius: 4px; }
.where { color: var(--muted); font-size: .75rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.stats { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: Georgia, serif; line-height: 1.7; }
.c-shared { color: var(--muted); }
.c-kept { color: var(--kept); }
a.c-reworded { color: inherit; }
.c-reworded { text-decoration: underline wavy var(--reworded); text-underline-offset: 3px; }
.c-added { background: var(--added); color: var(--added-fg); }
.c-furniture { color: var(--muted); opacity: .6; font-style: italic; }
span[title] { cursor: help; }
:target { outline: 2px solid var(--reworded); outline-offset: 1px; }
h3 { font-size: .95rem; margin: 1rem 0 .25rem; }
ul.adds, ul.cuts, ul.rewords { padding-left: 1.2rem; margin: 0; font-size: .9rem; }
ul.cuts li { color: var(--omitted); }
.off { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.none { color: var(--muted); }
ul.rewords .other { font-style: italic; }
"""


def render_compare_html(result: dict, articles: list[Article]) -> str:
    """The comparison as one standalone HTML5 page."""
    versions = result["versions"]
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        f"<meta name=\"generator\" content=\"unspun {_e(__version__)}\">\n",
        f"<title>unspun compare: {len(versions)} versions</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n",
        f"<p class=\"brand\">unspun compare \u00b7 {len(versions)} versions</p>\n<div class=\"legend\">",
        "".join(f"<span class=\"c-{k}\">{_e(NAMES[k])}</span>" for k in LEGEND),
        "</div>\n<div class=\"versions\">\n",
    ]
    known = by_index(versions, articles)
    targets = anchors(versions)
    reference = result.get("reference")
    parts += [_version(v, a, known, targets.get(int(v["index"]), set()), reference)
              for v, a in zip(versions, articles)]
    parts.append("</div>\n</main>\n</body>\n</html>\n")
    return "".join(parts)


def _version(version: dict, article: Article, known: dict[int, Article], targets: set[tuple[int, int]],
             reference: int | None) -> str:
    index = int(version["index"])
    title = display_title(article, version)
    outlet = outlet_of(article, version)
    head = [f"#{index}"] + ([f"<span class=\"outlet\">{_e(outlet)}</span>"] if outlet else [])
    head.append(_e(title))
    if reference is not None and int(reference) == index:
        head.append("<span class=\"ref\">reference</span>")
    out = [f"<section class=\"version\" id=\"v{index}\">\n",
           "<h2>" + " \u00b7 ".join(head) + "</h2>\n",
           f"<p class=\"where\">{_e(where(article))}</p>\n",
           f"<p class=\"stats\">{_e(summary_line(version))}</p>\n",
           "<div class=\"text\">"]
    starts = {s for s, _ in targets}
    for p in pieces(article, version, starts | {e for _, e in targets}, known):
        out.append(_piece(p, article, index, p.start in starts))
    out.append("</div>\n")
    out += [_added(version, article), _reworded(version, article, known), _omitted(version)]
    out.append("</section>\n")
    return "".join(out)


def _piece(p: Piece, article: Article, index: int, anchored: bool) -> str:
    chunk = _e(article.text[p.start:p.end])
    ident = f" id=\"v{index}-{p.start}\"" if anchored else ""
    if p.kind == "reworded" and p.counterpart is not None:
        other, start = p.counterpart[0], p.counterpart[1]
        return (f"<a class=\"c-reworded\"{ident} href=\"#v{int(other)}-{int(start)}\" title=\"{_e(p.note)}\">"
                f"{chunk}</a>")
    if p.kind:
        return f"<span class=\"c-{p.kind}\"{ident} title=\"{_e(p.note)}\">{chunk}</span>"
    return f"<span{ident}>{chunk}</span>" if ident else chunk


def _added(version: dict, article: Article) -> str:
    added = additions(version)
    if not added:
        return "<h3>Added</h3>\n<p class=\"none\">Nothing.</p>\n"
    return "<h3>Added</h3>\n<ul class=\"adds\">" + "".join(
        f"<li><span class=\"off\">[{int(s['start'])}\u2013{int(s['end'])})</span> "
        + (f"<em>{_e(', '.join(_tags(s)))}</em> " if _tags(s) else "")
        + f"{_e(article.text[int(s['start']):int(s['end'])])}</li>" for s in added) + "</ul>\n"


def _reworded(version: dict, article: Article, known: dict[int, Article]) -> str:
    """Each rewording: this wording → the counterpart's, linked to it."""
    items = []
    for seg in rewordings(version):
        start, end = int(seg["start"]), int(seg["end"])
        line = f"<li><span class=\"off\">[{start}\u2013{end})</span> {_e(article.text[start:end])}"
        cp = counterpart_of(seg)
        if cp is not None:
            words = other_words(cp, known)
            line += (f" \u2192 <a href=\"#v{cp[0]}-{cp[1]}\">#{cp[0]}</a>: "
                     + (f"<span class=\"other\">{_e(truncate(words, 600))}</span>" if words else ""))
        items.append(line + "</li>")
    if not items:
        return ""
    return "<h3>Reworded</h3>\n<ul class=\"rewords\">" + "".join(items) + "</ul>\n"


def _omitted(version: dict) -> str:
    omitted = version.get("omitted") or []
    if not omitted:
        return "<h3>Omitted</h3>\n<p class=\"none\">Nothing the others share.</p>\n"
    return "<h3>Omitted</h3>\n<ul class=\"cuts\">" + "".join(
        f"<li><span class=\"off\">from <a href=\"#v{int(o['from'])}-{int(o['start'])}\">#{int(o['from'])}</a> "
        f"[{int(o['start'])}\u2013{int(o['end'])})</span> {_e(o['text'])}</li>" for o in omitted) + "</ul>\n"


def _tags(seg: dict) -> list[str]:
    voice = seg.get("voice")
    tags = [f"{voice} voice" if voice == "own" else voice] + list(seg.get("techniques") or [])
    return [str(t) for t in tags if t]


def _e(value: object) -> str:
    return escape(str(value), quote=True)

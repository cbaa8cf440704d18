"""``unspun compare --format html``: one standalone page with the versions in columns.

Each version's text keeps its line breaks; shared stretches are dimmed, rewordings
underlined, additions highlighted, furniture greyed; a hover title gives label, voice,
techniques and offsets. Below each column: its additions and omissions. Like the analyze
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
from unspun.render.compare_view import NAMES, additions, label_chars, pieces, version_title

_CSS = """
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --rule: #d1d9e0;
  --added: #c6f6c6; --added-fg: #0a4d0a; --reworded: #b08800; --omitted: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #161b22;
  --rule: #30363d; --added: #1b4721; --added-fg: #aff5b4; --reworded: #e3b341; --omitted: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 15px/1.5 system-ui, sans-serif; }
main { padding: 1rem; }
.brand { color: var(--muted); font-size: .8rem; letter-spacing: .08em; text-transform: uppercase; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.25rem; padding: .5rem .75rem; margin-bottom: 1rem;
  border: 1px solid var(--rule); border-radius: 6px; background: var(--panel); font-size: .85rem; }
.versions { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
.version { border-top: 3px solid var(--rule); padding-top: .5rem; min-width: 0; }
.version h2 { font-size: 1rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.stats { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: Georgia, serif; line-height: 1.7; }
.c-shared { color: var(--muted); }
.c-reworded { text-decoration: underline wavy var(--reworded); text-underline-offset: 3px; }
.c-added { background: var(--added); color: var(--added-fg); }
.c-furniture { color: var(--muted); opacity: .6; font-style: italic; }
span[title] { cursor: help; }
h3 { font-size: .95rem; margin: 1rem 0 .25rem; }
ul.adds, ul.cuts { padding-left: 1.2rem; margin: 0; font-size: .9rem; }
ul.cuts li { color: var(--omitted); }
.off { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.none { color: var(--muted); }
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
        "".join(f"<span class=\"c-{k}\">{_e(NAMES[k])}</span>" for k in ("shared", "reworded", "added", "furniture")),
        "</div>\n<div class=\"versions\">\n",
    ]
    parts += [_version(v, a) for v, a in zip(versions, articles)]
    parts.append("</div>\n</main>\n</body>\n</html>\n")
    return "".join(parts)


def _version(version: dict, article: Article) -> str:
    chars = label_chars(version)
    total = sum(chars.values()) or 1
    out = [f"<section class=\"version\" id=\"v{int(version['index'])}\">\n",
           f"<h2>{_e(version_title(article, version))}</h2>\n",
           "<p class=\"stats\">" + _e(" \u00b7 ".join(f"{k} {chars[k] / total:.0%}" for k in chars)) + "</p>\n",
           "<div class=\"text\">"]
    for p in pieces(article, version):
        chunk = _e(article.text[p.start:p.end])
        if p.kind:
            out.append(f"<span class=\"c-{p.kind}\" title=\"{_e(p.note)}\">{chunk}</span>")
        else:
            out.append(chunk)
    out.append("</div>\n<h3>Added</h3>\n")
    added = additions(version)
    if added:
        out.append("<ul class=\"adds\">" + "".join(
            f"<li><span class=\"off\">[{int(s['start'])}\u2013{int(s['end'])})</span> "
            + (f"<em>{_e(', '.join(_tags(s)))}</em> " if _tags(s) else "")
            + f"{_e(article.text[int(s['start']):int(s['end'])])}</li>" for s in added) + "</ul>\n")
    else:
        out.append("<p class=\"none\">Nothing.</p>\n")
    out.append("<h3>Omitted</h3>\n")
    omitted = version.get("omitted") or []
    if omitted:
        out.append("<ul class=\"cuts\">" + "".join(
            f"<li><span class=\"off\">from <a href=\"#v{int(o['from'])}\">#{int(o['from'])}</a> "
            f"[{int(o['start'])}\u2013{int(o['end'])})</span> {_e(o['text'])}</li>" for o in omitted) + "</ul>\n")
    else:
        out.append("<p class=\"none\">Nothing the others share.</p>\n")
    out.append("</section>\n")
    return "".join(out)


def _tags(seg: dict) -> list[str]:
    voice = seg.get("voice")
    tags = [f"{voice} voice" if voice == "own" else voice] + list(seg.get("techniques") or [])
    return [str(t) for t in tags if t]


def _e(value: object) -> str:
    return escape(str(value), quote=True)

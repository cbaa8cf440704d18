"""``unspun compare`` in the terminal: the versions side by side (shared words dimmed,
rewordings in yellow, additions in bold green), then per version its additions with exact
offsets, voice and techniques, and what it omits.

Article text only enters rich as ``Text`` with styles attached by offset, never as markup, and
with its control characters made visible (``unspun.render.terminal.visible``).
Without colour (a pipe, ``NO_COLOR``) additions read ``{+ ... +}`` and rewordings
``{~ ... ~}``, as in wdiff.

>>> import io
>>> from rich.console import Console
>>> from unspun.article import Article
>>> arts = [Article(text="Rain fell [b]."), Article(text="Rain fell [b]. Roads shut.")]
>>> result = {"versions": [
...   {"index": 0, "id": arts[0].id, "source": {}, "segments": [], "omitted": []},
...   {"index": 1, "id": arts[1].id, "source": {}, "omitted": [], "segments": [
...     {"start": 15, "end": 26, "label": "added", "voice": None, "techniques": []}]}]}
>>> out = io.StringIO()
>>> render_compare_terminal(result, arts, Console(file=out, width=100))
>>> "{+Roads shut.+}" in out.getvalue() and "[b]" in out.getvalue()
True
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from unspun.article import Article
from unspun.render import truncate
from unspun.render.compare_view import MARKERS, NAMES, RICH, additions, label_chars, pieces, version_title
from unspun.render.terminal import visible

LIST_CHARS = 300  # an addition or omission in the lists is cut to this many characters


def render_compare_terminal(result: dict, articles: list[Article], console: Console, *,
                            markers: bool | None = None) -> None:
    """Print the comparison. ``markers`` defaults to on exactly when the console has no colour."""
    if markers is None:
        markers = console.no_color or console.color_system is None
    versions = result["versions"]
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    for v, a in zip(versions, articles):
        table.add_column(Text(visible(version_title(a, v)), style="bold"), ratio=1, overflow="fold")
    table.add_row(*(version_text(a, v, markers=markers) for v, a in zip(versions, articles)))
    console.print(table)
    console.print(_legend(markers))
    for v, a in zip(versions, articles):
        console.print(_lists(v, a, versions, articles))


def version_text(article: Article, version: dict, *, markers: bool = False) -> Text:
    """One version's whole text styled by label (furniture dimmed)."""
    out = Text(overflow="fold")
    for p in pieces(article, version):
        chunk = visible(article.text[p.start:p.end])
        if markers and p.kind in MARKERS:
            opener, closer = MARKERS[p.kind]
            out.append(opener, "dim")
            out.append(chunk, RICH[p.kind])
            out.append(closer, "dim")
        else:
            out.append(chunk, RICH.get(p.kind, ""))
    return out


def _legend(markers: bool) -> Text:
    line = Text("Legend: ", style="bold")
    for i, kind in enumerate(("shared", "reworded", "added", "furniture")):
        if i:
            line.append("  ")
        if markers and kind in MARKERS:
            line.append(MARKERS[kind][0], "dim")
        line.append(NAMES[kind], RICH[kind])
        if markers and kind in MARKERS:
            line.append(MARKERS[kind][1], "dim")
    return line


def _lists(version: dict, article: Article, versions: list[dict], articles: list[Article]) -> Group:
    chars = label_chars(version)
    total = sum(chars.values()) or 1
    head = Text(f"\n{visible(version_title(article, version))}", style="bold")
    head.append("  " + " \u00b7 ".join(f"{k} {chars[k] / total:.0%}" for k in chars), style="dim")
    rows: list[Text] = [head]
    added = additions(version)
    if not added:
        rows.append(Text("  adds nothing", style="dim"))
    for seg in added:
        line = Text("  + ", style="bold green")
        line.append(f"[{seg['start']}\u2013{seg['end']}) ", style="dim")
        tags = [seg["voice"] + " voice" if seg.get("voice") == "own" else seg.get("voice")] + list(seg.get("techniques") or [])
        tags = [t for t in tags if t]
        if tags:
            line.append("(" + ", ".join(tags) + ") ", style="yellow")
        line.append(visible(truncate(article.text[seg["start"]:seg["end"]], LIST_CHARS)), style="green")
        rows.append(line)
    omitted = version.get("omitted") or []
    if not omitted:
        rows.append(Text("  omits nothing the others share", style="dim"))
    for om in omitted:
        line = Text("  \u2212 ", style="bold red")
        line.append(f"from #{om['from']} [{om['start']}\u2013{om['end']}) ", style="dim")
        line.append(visible(truncate(om["text"], LIST_CHARS)), style="red")
        rows.append(line)
    return Group(*rows)

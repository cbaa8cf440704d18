"""``unspun compare`` in the terminal: shared words dimmed, kept stretches (some versions cut
them) in blue, rewordings in yellow, additions in bold green; then per version its additions
with exact offsets, voice and techniques, its rewordings beside the other wording, and what
it omits.

With at least ``WIDE`` columns the versions stand side by side; below that they come one
after another, each under a header (``#index · outlet · title``) with a one-line summary.

Article text only enters rich as ``Text`` with styles attached by offset, never as markup, and
with its control characters made visible (``unspun.render.terminal.visible``).
Without colour (a pipe, ``NO_COLOR``) additions read ``{+ ... +}``, rewordings ``{~ ... ~}``
and kept stretches ``{= ... =}``, as in wdiff.

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
from unspun.render.compare_view import (LEGEND, MARKERS, NAMES, RICH, additions, by_index, other_words, pieces,
                                        rewordings, summary_line, version_title)
from unspun.render.terminal import visible

LIST_CHARS = 300  # an addition, rewording or omission in the lists is cut to this many characters
WIDE = 120  # columns from which the versions are shown side by side


def render_compare_terminal(result: dict, articles: list[Article], console: Console, *,
                            markers: bool | None = None) -> None:
    """Print the comparison. ``markers`` defaults to on exactly when the console has no colour."""
    if markers is None:
        markers = console.no_color or console.color_system is None
    versions = result["versions"]
    reference = result.get("reference")
    known = by_index(versions, articles)
    if console.width >= WIDE:
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
        for v, a in zip(versions, articles):
            table.add_column(Text(visible(version_title(a, v, reference)), style="bold"), ratio=1, overflow="fold")
        table.add_row(*(version_text(a, v, markers=markers) for v, a in zip(versions, articles)))
        console.print(table)
        console.print(_legend(markers))
        for v, a in zip(versions, articles):
            console.print(_header(a, v, reference, blank=True))
            console.print(_lists(v, a, known))
        return
    console.print(_legend(markers))
    for v, a in zip(versions, articles):
        console.print(_header(a, v, reference, blank=True))
        console.print(version_text(a, v, markers=markers))
        console.print(_lists(v, a, known))


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


def _header(article: Article, version: dict, reference: int | None, *, blank: bool = False) -> Group:
    head = Text(("\n" if blank else "") + visible(version_title(article, version, reference)), style="bold")
    return Group(head, Text(summary_line(version), style="dim"))


def _legend(markers: bool) -> Text:
    line = Text("Legend: ", style="bold")
    for i, kind in enumerate(LEGEND):
        if i:
            line.append("  ")
        if markers and kind in MARKERS:
            line.append(MARKERS[kind][0], "dim")
        line.append(NAMES[kind], RICH[kind])
        if markers and kind in MARKERS:
            line.append(MARKERS[kind][1], "dim")
    return line


def _lists(version: dict, article: Article, known: dict[int, Article]) -> Group:
    rows: list[Text] = []
    added = additions(version)
    if not added:
        rows.append(Text("  adds nothing", style="dim"))
    for seg in added:
        line = Text("  + ", style="bold green")
        line.append(f"[{seg['start']}\u2013{seg['end']}) ", style="dim")
        voice = seg.get("voice")
        tags = [str(t) for t in [f"{voice} voice" if voice == "own" else voice, *(seg.get("techniques") or [])] if t]
        if tags:
            line.append("(" + ", ".join(tags) + ") ", style="yellow")
        line.append(visible(truncate(article.text[seg["start"]:seg["end"]], LIST_CHARS)), style="green")
        rows.append(line)
    for seg in rewordings(version):
        rows.append(_rewording(seg, article, known))
    omitted = version.get("omitted") or []
    if not omitted:
        rows.append(Text("  omits nothing the others share", style="dim"))
    for om in omitted:
        line = Text("  \u2212 ", style="bold red")
        line.append(f"from #{om['from']} [{om['start']}\u2013{om['end']}) ", style="dim")
        line.append(visible(truncate(om["text"], LIST_CHARS)), style="red")
        rows.append(line)
    return Group(*rows)


def _rewording(seg: dict, article: Article, known: dict[int, Article]) -> Text:
    """``  ~ [s–e) this wording → #N: that wording``."""
    line = Text("  ~ ", style="bold yellow")
    line.append(f"[{seg['start']}\u2013{seg['end']}) ", style="dim")
    line.append(visible(truncate(article.text[seg["start"]:seg["end"]], LIST_CHARS)), style="yellow")
    cp = seg.get("counterpart")
    if isinstance(cp, dict) and "version" in cp:
        line.append(f" \u2192 #{cp['version']}: ", style="dim")
        words = other_words((int(cp["version"]), int(cp["start"]), int(cp["end"])), known)
        line.append(visible(truncate(words, LIST_CHARS)) if words else "(not shown)", style="italic")
    return line

"""The terminal report (``unspun analyze --format text``), made with rich.

A header panel with the metadata, the article text with every layer styled (furniture, the
voice of each sentence, quotes, sources and cues, techniques with their name as an inline
tag), a legend, a table of quotes and a summary.

Article text and metadata only ever enter rich as ``Text`` objects with styles attached by
offset, never as markup strings, so ``[bold]`` in an article is printed as written, and control
characters (ESC and the other C0/C1 controls but newline and tab) are shown as visible escapes
(``visible``), never sent to the terminal; the JSON keeps the text as it is. When the
console cannot show styles (output piped to a file, ``NO_COLOR``), plain markers such as
``[own]`` and ``⟦…⟧`` carry the same information.

>>> import io
>>> from rich.console import Console
>>> from unspun.article import Article
>>> a = Article(text="Storm [bold] hits\\n\\nIt rained.")
>>> a.add("title", 0, 17)
Span(start=0, end=17, layer='title', label='', attrs={})
>>> out = io.StringIO()
>>> render_terminal(a, Console(file=out, width=80))
>>> "Storm [bold] hits" in out.getvalue()
True
"""

from __future__ import annotations

import re
from typing import Iterable

from rich import box
from rich.console import Console, Group
from rich.constrain import Constrain
from rich.panel import Panel
from rich.rule import Rule
from rich.style import Style as RichStyle
from rich.table import Table
from rich.text import Text

from unspun.article import Article
from unspun.render import (
    GROUPS, STYLES, TECHNIQUE_NOTE, Mark, Style, article_marks, legend, metadata_rows, quote_rows, segments,
    summary, summary_rows, techniques_used, truncate,
)

REPORT_WIDTH = 100  # the report never spreads wider than this, however wide the terminal
QUOTE_CHARS = 160  # quote text in the table is cut to this many characters
_TAG = RichStyle(color="red", dim=True, italic=True)
_MARKER = RichStyle(dim=True)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(value: str) -> str:
    r"""``value`` with every C0/C1 control character but newline and tab made visible: C0 as its
    Unicode control picture (ESC -> ``␛``), DEL as ``␡``, C1 as ``\x9b``. Text from an
    article passes through this before it reaches a terminal.

    >>> visible("a\x1b[31mred\x1b[0m\tb\x9b2J\x7f\n")
    'a␛[31mred␛[0m\tb\\x9b2J␡\n'
    """
    return _CONTROLS.sub(_picture, value) if _CONTROLS.search(value) else value


def _picture(m: re.Match) -> str:
    c = ord(m.group())
    if c < 0x20:
        return chr(0x2400 + c)
    return "\u2421" if c == 0x7F else f"\\x{c:02x}"


def _text(value: object, style: str | RichStyle = "") -> Text:
    """A rich ``Text`` of article-derived ``value``, controls made visible."""
    return Text(visible(str(value)), style=style)


def render_terminal(article: Article, console: Console, *, markers: bool | None = None) -> None:
    """Print the report for ``article`` on ``console``.

    ``markers`` puts plain-text markers around highlighted stretches; by default they are on
    exactly when the console shows no colour (a file or pipe, ``NO_COLOR``, ``no_color=True``).
    """
    if markers is None:
        markers = console.no_color or console.color_system is None
    console.print(article_report(article, markers=markers))


def article_report(article: Article, *, markers: bool = False) -> Constrain:
    """The whole report as one rich renderable (header, text, legend, quotes, summary)."""
    marks = article_marks(article)
    parts = [
        _header(article),
        Rule(style="dim"),
        styled_text(article.text, marks, markers=markers),
        Text(),
        Text("Legend", style="bold"),
        legend_grid(legend(marks), markers=markers),
        *_techniques(marks),
        Text(),
        _quotes_table(article),
        Text(),
        _summary(article),
    ]
    return Constrain(Group(*parts), width=REPORT_WIDTH)


def styled_text(text: str, marks: Iterable[Mark], *, markers: bool = False) -> Text:
    """``text`` with the marks' styles, technique tags after their stretch and, with
    ``markers``, the plain-text open/close markers of each style."""
    out = Text(overflow="fold")
    combined: dict[tuple[str, ...], RichStyle] = {}
    for seg in segments(len(text), marks):
        if markers:
            for mark in seg.marks:
                opener = STYLES[mark.style].open
                if opener and mark.start == seg.start:
                    out.append(_fill(opener, mark.label), _MARKER)
        keys = tuple(m.style for m in seg.marks)
        style = combined.get(keys)
        if style is None:
            style = combined[keys] = RichStyle.chain(RichStyle(), *(RichStyle.parse(STYLES[k].rich) for k in keys))
        out.append(visible(text[seg.start:seg.end]), style)
        for mark in reversed(seg.marks):
            if mark.end != seg.end:
                continue
            closer = STYLES[mark.style].close
            if markers and closer:
                out.append(_fill(closer, mark.label), _MARKER)
            if mark.tag:
                out.append(f"[{mark.tag}]", _TAG)
    return out


def legend_grid(styles: list[Style], *, markers: bool = False) -> Table | Text:
    """The legend: a line per group naming each style in use, drawn in that style. With
    ``markers`` (no colour) only the styles that have a plain-text marker are listed, shown
    with it; the rest would look like plain text."""
    if markers:
        styles = [s for s in styles if s.open or s.close]
    if not styles:
        return Text("Legend: no layers marked", style="dim")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for group, title in GROUPS.items():
        line = Text()
        for style in (s for s in styles if s.group == group):
            if line:
                line.append("  ")
            if markers and style.open:
                line.append(_fill(style.open, "kind"), _MARKER)
            line.append(style.name, style.rich)
            if markers and style.close:
                line.append(style.close, _MARKER)
            if style.key == "technique":
                line.append("[Technique_Name]", _TAG)
        if line:
            grid.add_row(Text(title), line)
    return grid


def _techniques(marks: list[Mark]) -> list:
    """Under the legend, when techniques are marked: each one's definition, and what a score means."""
    used = techniques_used(marks)
    if not used:
        return []
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for name, meaning in used:
        grid.add_row(Text(f"[{name}]", _TAG), Text(meaning or "(no definition)", style="dim"))
    return [Text(), grid, Text(TECHNIQUE_NOTE, style="dim")]


def _header(article: Article) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in metadata_rows(article):
        grid.add_row(Text(label), _text(value, style="bold" if label == "Title" else ""))
    for warning in article.warnings:
        grid.add_row(Text("Warning", style="bold yellow"), _text(warning, style="yellow"))
    return Panel(grid, title=Text("unspun", style="bold"), title_align="left", box=box.ROUNDED)


def _quotes_table(article: Article) -> Table | Text:
    rows = quote_rows(article)
    if not rows:
        return Text("No quotes found.", style="dim")
    table = Table(title=Text("Quotes", style="bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  expand=True, pad_edge=False, show_edge=False)
    # Fixed widths for the short columns, so the quote gets the rest of the line.
    table.add_column("#", justify="right", no_wrap=True, width=3)
    table.add_column("kind", no_wrap=True, width=8)
    table.add_column("speaker", overflow="fold", width=14)
    table.add_column("cue", overflow="fold", width=10)
    table.add_column("quote", overflow="fold")
    table.add_column("offsets", no_wrap=True, width=9, max_width=9)
    for row in rows:
        voice = STYLES["quote"].rich if row.kind == "direct" else STYLES["attributed"].rich
        table.add_row(
            Text(str(row.number)), Text(row.kind),
            _text(row.speaker, style="bold"), _text(row.cue),
            _text(truncate(row.text, QUOTE_CHARS), style=voice),
            Text(f"{row.start}\u2013{row.end}", style="dim"),
        )
    return table


def _summary(article: Article) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in summary_rows(summary(article)):
        grid.add_row(Text(label), _text(value))
    return grid


def _fill(template: str, label: str) -> str:
    return template.replace("{label}", label or "other")

"""Quotation-mark scanning: where direct quotations are, from the marks alone.

Used by the sentences stage (never break inside a quotation), the attribution stages (direct
quotes) and the attribution model's surface features (``unspun.models.attribution_features``).
Handles straight ``"`` and curly ``“ ”`` marks, single ``‘ ’`` / ``'`` marks when they clearly
quote (and not in ``won’t`` or ``Iran’s``), and the journalistic convention for quotes that
run over several paragraphs: a paragraph whose quotation is still open at its end continues
into the next paragraph when that paragraph opens with a mark.

A mark that is never closed only affects its own paragraph: the quotation runs to the
paragraph's end and scanning goes on with the next paragraph, so one stray mark never makes
the rest of an article unreadable.

>>> text = '“We won,” she said. “It was hard.”'
>>> [(text[p.start:p.end]) for q in find_quotes(text, [(0, len(text))]) for p in q.pieces]
['We won,', 'It was hard.']
"""

from __future__ import annotations

from dataclasses import dataclass

from unspun.article import strip_range

_DOUBLE_OPEN = "“„«"
_DOUBLE_CLOSE = "”»"
_SINGLE_OPEN = "‘‚"
_SINGLE_CLOSE = "’"
_MARKS = frozenset(_DOUBLE_OPEN + _DOUBLE_CLOSE + _SINGLE_OPEN + _SINGLE_CLOSE + "\"'")
# Characters after which a mark can open a quotation / before which it can close one.
_BEFORE_OPEN = frozenset("([{—–-/:;,")
_AFTER_CLOSE = frozenset(".,;:!?)]}—–-/…")
# Words that an apostrophe starts ('em, '90s, 'cause): never an opening single quote.
_ELISIONS = ("em ", "tis", "twas", "cause", "n ", "n’", "n'", "til ")


@dataclass(frozen=True)
class QuotePiece:
    """One contiguous stretch of a quotation inside one paragraph.

    ``start``/``end`` bound the quoted words (marks excluded); ``outer_start``/``outer_end``
    include the marks. ``closed`` is False when the paragraph ended before a closing mark.
    """

    start: int
    end: int
    outer_start: int
    outer_end: int
    closed: bool


@dataclass(frozen=True)
class Quote:
    """A quotation: one piece, or one piece per paragraph when it runs over paragraphs."""

    pieces: tuple[QuotePiece, ...]
    single: bool = False  # quoted with single marks (British style)

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end


def _flanks(text: str, i: int, width: int, lo: int, hi: int) -> tuple[bool, bool]:
    """(can open, can close) for the mark ``text[i:i + width]`` in paragraph ``[lo, hi)``."""
    before = text[i - 1] if i > lo else " "
    after = text[i + width] if i + width < hi else " "
    opens = (before.isspace() or before in _BEFORE_OPEN or before in _MARKS) and not after.isspace()
    closes = not before.isspace() and (after.isspace() or after in _AFTER_CLOSE or after in _MARKS)
    return opens, closes


def _scan_paragraph(text: str, lo: int, hi: int) -> tuple[list[QuotePiece], list[QuotePiece], tuple[int, int] | None]:
    """Double-quoted pieces, single-quoted pieces and a quote left open at the end of the
    paragraph (where its mark starts, where its words start), if any.

    Two apostrophes ``''`` (and two backticks) count as one straight double mark, as in
    some newspaper archives.
    """
    doubles: list[QuotePiece] = []
    singles: list[QuotePiece] = []
    open_double: int | None = None  # index of the opening mark
    open_width = 1
    open_single: int | None = None
    i = lo
    while i < hi:
        ch = text[i]
        if ch not in _MARKS and ch != "`":
            i += 1
            continue
        pair = text[i:i + 2]
        width = 2 if pair in ("''", "``") else 1
        if ch == "`" and width == 1:
            i += 1
            continue
        opens, closes = _flanks(text, i, width, lo, hi)
        if width == 2 or ch in _DOUBLE_OPEN or ch in _DOUBLE_CLOSE or ch == '"':
            if pair == "``" or ch in _DOUBLE_OPEN:
                is_open = not (closes and not opens and open_double is not None)
            elif ch in _DOUBLE_CLOSE:
                is_open = opens and not closes and open_double is None
            else:  # straight mark: its flanks decide, else it toggles
                is_open = opens if opens != closes else open_double is None
            if is_open:
                open_double, open_width = i, width  # an earlier mark still open here was a stray one
            elif open_double is not None:
                s, e = strip_range(text, open_double + open_width, i)
                doubles.append(QuotePiece(s, e, open_double, i + width, True))
                open_double = None
            i += width
            continue
        i += 1
        if open_double is not None:
            continue  # single marks nested in a double quotation belong to it
        if ch in _SINGLE_OPEN or (ch in "'’" and opens and not closes):
            if text[i:i + 1].isdigit() or text[i:i + 5].lower().startswith(_ELISIONS):
                continue
            if open_single is None:
                open_single = i - 1
        elif ch in "'’" and closes and open_single is not None:
            before = text[i - 2]
            nxt = text[i:i + 2]
            if before in "sS" and len(nxt) == 2 and nxt[0] == " " and nxt[1].islower():
                continue  # plural possessive: the students’ union
            s, e = strip_range(text, open_single + 1, i - 1)
            singles.append(QuotePiece(s, e, open_single, i, True))
            open_single = None
    left_open = (open_double, open_double + open_width) if open_double is not None else None
    return doubles, singles, left_open


def find_quotes(text: str, paragraphs: list[tuple[int, int]]) -> list[Quote]:
    """Quotations in ``text`` over the given paragraph ranges (in text order).

    Pieces of a quote that continues over paragraphs are grouped into one ``Quote``.
    Quotes nested inside another (double marks inside a single-quoted passage) are dropped.
    """
    quotes: list[Quote] = []
    carry: list[QuotePiece] = []  # pieces of a quote still open at the end of the last paragraph
    for lo, hi in paragraphs:
        doubles, singles, left_open = _scan_paragraph(text, lo, hi)
        if carry:
            first, _ = strip_range(text, lo, hi)
            if doubles and doubles[0].outer_start == first:  # the quotation ends in this paragraph
                quotes.append(Quote(tuple(carry) + (doubles[0],)))
                carry = []
                doubles = doubles[1:]
            elif left_open is not None and left_open[0] == first:  # the whole paragraph continues it
                s, e = strip_range(text, left_open[1], hi)
                carry.append(QuotePiece(s, e, left_open[0], e, False))
                left_open = None
            else:  # the continuation never came: the quotation ended with its paragraph
                quotes.append(Quote(tuple(carry)))
                carry = []
        for p in doubles:
            quotes.append(Quote((p,)))
        for p in singles:
            if not any(d.outer_start <= p.outer_start and p.outer_end <= d.outer_end for d in doubles):
                quotes.append(Quote((p,), single=True))
        if left_open is not None:
            s, e = strip_range(text, left_open[1], hi)
            if s < e:
                carry = [QuotePiece(s, e, left_open[0], e, False)]
    if carry:
        quotes.append(Quote(tuple(carry)))
    quotes = [q for q in quotes if all(p.start <= p.end for p in q.pieces)]
    quotes.sort(key=lambda q: q.pieces[0].outer_start)
    # drop double-quoted passages nested inside a single-quoted one
    kept: list[Quote] = []
    for q in quotes:
        if kept and q.pieces[0].outer_end <= kept[-1].pieces[-1].outer_end and kept[-1].single:
            continue
        kept.append(q)
    return kept

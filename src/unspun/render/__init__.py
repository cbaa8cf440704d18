"""Renderers: an analysed ``Article`` shown in the terminal (``terminal.py``) or as a
standalone HTML page (``html.py``).

This module is the part both share, so they show the same things in the same words:

- ``STYLES``: every kind of highlight, in drawing order (later ones win where they clash),
  each with its legend group and name, its terminal (rich) style and the plain-text markers
  used when the terminal cannot show styles. In HTML a highlight is the class ``m-<key>``,
  styled by ``report.css``.
- ``article_marks(article)``: the article's spans as ``Mark`` objects (offsets, style key,
  hover note, inline tag, anchor). Span attributes are data, never markup.
- ``segments(length, marks)``: the text cut at every mark boundary, each piece with the marks
  active over it. Nested and overlapping spans become flat runs, so a renderer styles each run
  once and never has to nest elements.
- ``legend``, ``quote_rows``, ``summary`` with ``summary_rows``, ``metadata_rows``.

New layers (a compare view's ``shared``/``reworded``/``added`` stretches, new model heads) add
``Style`` entries here (and a rule in ``report.css``) and build ``Mark`` objects of their own;
``terminal.styled_text`` and ``html.text_html`` take any list of marks.

The renderers are imported from their modules (``unspun.render.terminal``,
``unspun.render.html``); this module imports neither, so the HTML renderer needs no rich.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from unspun.article import FURNITURE_LAYERS, VOICES, Article, Span
from unspun.render.techniques import definition

# -- highlight styles -------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """One kind of highlight.

    ``key`` names it (HTML class ``m-<key>``); ``group`` is its legend/toggle group; ``name``
    its legend text; ``rich`` the terminal style; ``open``/``close`` the plain-text markers put
    around a marked stretch when colours are off (``{label}`` becomes the mark's label).
    """

    key: str
    group: str
    name: str
    rich: str
    open: str = ""
    close: str = ""


# Legend/toggle groups, in display order.
GROUPS = {
    "furniture": "Furniture",
    "voice": "Voice",
    "quote": "Quotes",
    "attribution": "Attribution",
    "technique": "Techniques",
}

_STYLE_LIST = (
    Style("own", "voice", "own voice", "yellow", open="[own] "),
    Style("attributed", "voice", "attributed", "bright_blue", open="[attributed] "),
    Style("quote", "voice", "quotation", "green", open="[quote] "),
    Style("aside", "voice", "the outlet's aside in a reported sentence", "yellow", open="[own aside] ", close=" [/aside]"),
    Style("direct", "quote", "direct quote", "italic"),
    Style("indirect", "quote", "indirect quote", "italic"),
    Style("source", "attribution", "source", "underline"),
    Style("cue", "attribution", "cue", "bold"),
    Style("title", "furniture", "title", "bold"),
    Style("dateline", "furniture", "dateline", "dim cyan"),
    Style("byline", "furniture", "byline", "dim cyan"),
    Style("wire", "furniture", "wire credit", "cyan italic"),
    Style("boilerplate", "furniture", "boilerplate", "dim strike", open="[boilerplate: {label}] "),
    Style("technique", "technique", "technique", "red underline", open="\u27e6", close="\u27e7"),
)
STYLES: dict[str, Style] = {s.key: s for s in _STYLE_LIST}
_ORDER = {key: i for i, key in enumerate(STYLES)}


# -- marks and segments -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """A highlight over ``[start, end)``: a ``STYLES`` key, a hover ``note``, a ``tag`` shown
    right after the stretch (the technique's exact name, which has no spaces, so a terminal
    never wraps inside it), an ``anchor`` id (quotes) and the span label."""

    start: int
    end: int
    style: str
    note: str = ""
    tag: str = ""
    anchor: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece ``[start, end)`` of the text and the marks over all of it, in ``STYLES`` order."""

    start: int
    end: int
    marks: tuple[Mark, ...]


def segments(length: int, marks: Iterable[Mark]) -> Iterator[Segment]:
    """Cut ``[0, length)`` at every mark boundary; yield each piece with its active marks.

    One sweep over the sorted boundaries, so the cost grows with the number of marks times
    the nesting depth, not with their square. Empty marks and unknown style keys are skipped.

    >>> [(s.start, s.end, [m.style for m in s.marks])
    ...  for s in segments(6, [Mark(0, 4, "own"), Mark(2, 6, "technique")])]
    [(0, 2, ['own']), (2, 4, ['own', 'technique']), (4, 6, ['technique'])]
    """
    kept = [m for m in marks if m.style in STYLES and 0 <= m.start < m.end <= length]
    by_start = sorted(range(len(kept)), key=lambda i: kept[i].start)
    by_end = sorted(range(len(kept)), key=lambda i: kept[i].end)
    points = sorted({0, length, *(m.start for m in kept), *(m.end for m in kept)})
    active: dict[int, Mark] = {}
    si = ei = 0
    for a, b in zip(points, points[1:]):
        while si < len(by_start) and kept[by_start[si]].start <= a:
            active[by_start[si]] = kept[by_start[si]]
            si += 1
        while ei < len(by_end) and kept[by_end[ei]].end <= a:
            active.pop(by_end[ei], None)
            ei += 1
        ordered = sorted(active.items(), key=lambda kv: (_ORDER[kv[1].style], kv[1].start, -kv[1].end, kv[0]))
        yield Segment(a, b, tuple(m for _, m in ordered))


def article_marks(article: Article) -> list[Mark]:
    """Every span the renderers show, as marks (offsets clamped to the text).

    Quotes are numbered as in ``quote_rows`` and anchored ``q<n>``; cue and source ranges held
    only in a quote's attrs are marked too, once.
    """
    text = article.text
    n = len(text)
    marks: list[Mark] = []
    seen_parts: set[tuple[int, int, str]] = set()

    def part(start: int, end: int, key: str, note: str) -> None:
        start, end = _clamp(start, end, n)
        if end > start and (start, end, key) not in seen_parts:
            seen_parts.add((start, end, key))
            marks.append(Mark(start, end, key, note))

    for span in sorted(article.spans, key=Span.sort_key):
        start, end = _clamp(span.start, span.end, n)
        if end <= start:
            continue
        layer, label, attrs = span.layer, span.label, span.attrs
        if layer in FURNITURE_LAYERS:
            marks.append(Mark(start, end, layer, _furniture_note(span), label=label))
        elif layer == "sentence" and label in VOICES:
            marks.append(Mark(start, end, label, _voice_note(span), label=label))
        elif layer == "aside":
            marks.append(Mark(start, end, "aside", "own voice: the outlet's aside inside a reported sentence",
                              label=label))
        elif layer in ("source", "cue"):
            speaker = attrs.get("speaker")
            part(start, end, layer, f"{layer}" + (f" \u00b7 speaker: {speaker}" if speaker else ""))
        elif layer == "technique":
            score = _number(attrs.get("score"))
            note = f"technique: {label}" + (f" \u00b7 score {score:.2f}" if score is not None else "")
            if definition(label):
                note += f" \u00b7 {definition(label)}"
            marks.append(Mark(start, end, "technique", f"{note} [{start}\u2013{end})",
                              tag=label, label=label))
    for number, span in enumerate(quote_spans(article), 1):
        start, end = _clamp(span.start, span.end, n)
        speaker = span.attrs.get("speaker")
        cue = " \u2026 ".join(text[s:e] for s, e in _ranges(span.attrs.get("cue"), n))
        note = f"{span.label} quote #{number} [{start}\u2013{end})"
        note += f" \u00b7 speaker: {speaker or 'unknown'}" + (f" \u00b7 cue: {cue}" if cue else "")
        marks.append(Mark(start, end, span.label, note, anchor=f"q{number}", label=span.label))
        for s, e in _ranges(span.attrs.get("source"), n):
            part(s, e, "source", f"source of quote #{number}" + (f" \u00b7 speaker: {speaker}" if speaker else ""))
        for s, e in _ranges(span.attrs.get("cue"), n):
            part(s, e, "cue", f"cue of quote #{number}")
    return marks


# What a technique mark's score is and how to see fewer or more marks, said once for both renderers.
TECHNIQUE_NOTE = ("A technique mark names the propaganda technique a model trained on annotated news (PTC) "
                  "finds in those words; its score is the model's confidence, not a verdict. "
                  "--min-score S shows only marks scoring at least S.")


def techniques_used(marks: Iterable[Mark]) -> list[tuple[str, str]]:
    """``(technique, definition)`` for each technique the marks name, in order of first mark."""
    seen: dict[str, str] = {}
    for m in marks:
        if m.style == "technique" and m.tag and m.tag not in seen:
            seen[m.tag] = definition(m.tag) or ""
    return list(seen.items())


def legend(marks: Iterable[Mark]) -> list[Style]:
    """The styles the marks use, in ``STYLES`` order (so a legend lists only what is shown)."""
    used = {m.style for m in marks}
    return [style for key, style in STYLES.items() if key in used]


def _furniture_note(span: Span) -> str:
    attrs = span.attrs
    if span.layer == "dateline" and attrs.get("date"):
        return f"dateline \u00b7 date {attrs['date']}"
    if span.layer == "byline" and attrs.get("names"):
        return "byline \u00b7 " + ", ".join(str(x) for x in _as_list(attrs["names"]))
    if span.layer == "wire":
        return f"wire credit \u00b7 {span.label}" if span.label else "wire credit"
    if span.layer == "boilerplate":
        return f"boilerplate \u00b7 {span.label}" if span.label else "boilerplate"
    return span.layer


def _voice_note(span: Span) -> str:
    note = {"own": "own voice", "attributed": "attributed", "quote": "quotation"}[span.label]
    for key in ("subjectivity", "bias"):
        value = _number(span.attrs.get(key))
        if value is not None:
            note += f" \u00b7 {key} {value:.2f}"
    return note


# -- quotes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteRow:
    """One quote for the quotes table. ``speaker`` is the canonical name, else the source words
    in parentheses, else ``unknown``; ``text`` is the full quote (renderers truncate)."""

    number: int
    kind: str
    speaker: str
    cue: str
    text: str
    start: int
    end: int
    anchor: str


def quote_spans(article: Article) -> list[Span]:
    """The ``quote`` spans in text order; their position here is their number (from 1)."""
    n = len(article.text)
    return [span for span in article.layer("quote")
            if span.label in ("direct", "indirect") and _nonempty(span.start, span.end, n)]


def quote_rows(article: Article) -> list[QuoteRow]:
    """A row per quote, numbered in text order (the same numbers as the marks' anchors)."""
    text, n = article.text, len(article.text)
    rows = []
    for number, span in enumerate(quote_spans(article), 1):
        start, end = _clamp(span.start, span.end, n)
        speaker = span.attrs.get("speaker")
        if not speaker:
            source = " \u2026 ".join(text[s:e] for s, e in _ranges(span.attrs.get("source"), n))
            speaker = f"({' '.join(source.split())})" if source.strip() else "unknown"
        cue = " \u2026 ".join(text[s:e] for s, e in _ranges(span.attrs.get("cue"), n))
        rows.append(QuoteRow(number, span.label, str(speaker), cue, text[start:end], start, end, f"q{number}"))
    return rows


def truncate(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), cut to ``limit`` chars with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)].rstrip() + "\u2026"


# -- summary and metadata ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Counts for the report's summary. Shares are ``None`` when there are no sentences."""

    voices: dict[str, int]
    sentences: int
    own_share: float | None
    own_text_share: float | None
    quotes: dict[str, int]
    speakers: list[tuple[str, int]]
    techniques: list[tuple[str, int]]
    furniture: dict[str, int]
    own_subjective: int | None = None  # own-voice sentences with subjectivity >= 0.5 (None: not judged)
    asides: int = 0  # the outlet's own clauses inside reported sentences
    spin: "Spin | None" = None  # technique marks per 1,000 words (None: no sentences)


_WORD = re.compile(r"\w+(?:['’]\w+)*")
DENSE_MIN_WORDS = 20  # a paragraph needs this many words to be named the densest


@dataclass(frozen=True)
class Spin:
    """Technique marks per 1,000 words: over the article's sentences, by technique, and by the voice
    of the sentence a mark starts in (the outlet's asides, marks and words, count as ``own``); and the
    paragraph (of at least ``DENSE_MIN_WORDS`` words) with the most marks per word."""

    words: int
    marks: int
    per_1000: float
    by_technique: list[tuple[str, float]]
    by_voice: dict[str, float | None]  # None: no sentence of that voice
    densest: dict | None  # that paragraph: start, end, number (1 = first), marks, words, excerpt
    words_by_voice: dict[str, int] = field(default_factory=dict)  # the counts behind the rates
    marks_by_voice: dict[str, int] = field(default_factory=dict)
    technique_marks: dict[tuple[str, str], int] = field(default_factory=dict)  # (technique, voice) -> marks

    def to_dict(self) -> dict:
        """The figures as JSON-ready data, counts beside rates (rates rounded to 4 decimals):
        ``{"words", "marks", "per_1000", "by_voice": {voice: {"words", "marks", "per_1000"}},
        "by_technique": {name: {"marks", "per_1000", "by_voice": {voice: marks}}}, "densest"}``."""
        def rate(n: int, words: int) -> float | None:
            return round(1000.0 * n / words, 4) if words else None

        techniques: dict[str, dict] = {}
        for name, _ in self.by_technique:
            per_voice = {v: self.technique_marks.get((name, v), 0) for v in VOICES}
            n = sum(per_voice.values())
            techniques[name] = {"marks": n, "per_1000": rate(n, self.words),
                                "by_voice": {v: c for v, c in per_voice.items() if c}}
        return {
            "words": self.words, "marks": self.marks, "per_1000": rate(self.marks, self.words),
            "by_voice": {v: {"words": self.words_by_voice.get(v, 0), "marks": self.marks_by_voice.get(v, 0),
                             "per_1000": rate(self.marks_by_voice.get(v, 0), self.words_by_voice.get(v, 0))}
                         for v in VOICES},
            "by_technique": techniques,
            "densest": dict(self.densest) if self.densest else None,
        }


def spin(article: Article) -> Spin | None:
    """The article's ``Spin``, or None when no sentence is marked.

    >>> a = Article(text="Thugs ran riot. Police said two were held.")
    >>> _ = a.add("sentence", 0, 15, "own"); _ = a.add("sentence", 16, 42, "attributed")
    >>> _ = a.add("technique", 0, 5, "Name_Calling,Labeling", score=0.9)
    >>> sp = spin(a)
    >>> round(sp.per_1000), round(sp.by_voice["own"]), sp.by_voice["attributed"], sp.by_voice["quote"]
    (125, 333, 0.0, None)
    """
    text = article.text
    sentences = sorted((sp for sp in article.layer("sentence") if sp.label in VOICES), key=lambda sp: sp.start)
    if not sentences:
        return None
    starts = [sp.start for sp in sentences]
    words = {v: 0 for v in VOICES}
    for sp in sentences:
        words[sp.label] += len(_WORD.findall(text, sp.start, sp.end))
    asides = sorted((sp.start, sp.end) for sp in article.layer("aside"))
    aside_starts = [a for a, _ in asides]
    for start, end in asides:  # an aside's words are the outlet's, whatever its sentence's voice
        i = bisect_right(starts, start) - 1
        if i >= 0 and start < sentences[i].end:
            n = len(_WORD.findall(text, start, min(end, sentences[i].end)))
            words[sentences[i].label] -= n
            words["own"] += n
    marks = {v: 0 for v in VOICES}
    names: Counter = Counter()
    pairs: Counter = Counter()
    techniques = sorted(article.layer("technique"), key=lambda sp: sp.start)
    for mark in techniques:
        i = bisect_right(starts, mark.start) - 1
        if i < 0 or mark.start >= sentences[i].end:
            continue  # outside every sentence (a headline, a caption)
        j = bisect_right(aside_starts, mark.start) - 1  # asides do not overlap one another
        voice = "own" if j >= 0 and mark.start < asides[j][1] else sentences[i].label
        marks[voice] += 1
        names[mark.label] += 1
        pairs[mark.label, voice] += 1
    total_words, total = sum(words.values()), sum(marks.values())
    if not total_words:
        return None
    rate = 1000.0 / total_words
    densest, best = None, 0.0
    mark_starts = [t.start for t in techniques]
    # paragraphs: runs of non-blank lines
    for number, m in enumerate(re.finditer(r"\S(?:.*\S)?(?:\n(?![ \t]*\n).*\S)*", text), 1):
        n_words = len(_WORD.findall(m.group()))
        n_marks = bisect_left(mark_starts, m.end()) - bisect_left(mark_starts, m.start())
        if n_words >= DENSE_MIN_WORDS and n_marks and n_marks / n_words > best:
            best = n_marks / n_words
            densest = {"start": m.start(), "end": m.end(), "number": number, "marks": n_marks, "words": n_words,
                       "excerpt": truncate(m.group(), 60)}
    return Spin(
        words=total_words, marks=total, per_1000=total * rate,
        by_technique=[(name, n * rate) for name, n in names.most_common()],
        by_voice={v: (1000.0 * marks[v] / words[v] if words[v] else None) for v in VOICES},
        densest=densest, words_by_voice=words, marks_by_voice=marks, technique_marks=dict(pairs),
    )


SUBJECTIVE = 0.5  # the subjectivity from which an own-voice sentence counts as subjective


def summary(article: Article) -> Summary:
    """Sentence counts by voice, the own-voice share (of sentences and of sentence characters),
    quotes by kind and speaker, techniques by name, furniture spans by layer."""
    voices = {v: 0 for v in VOICES}
    chars = {v: 0 for v in VOICES}
    for span in article.layer("sentence"):
        if span.label in voices:
            voices[span.label] += 1
            chars[span.label] += max(span.end - span.start, 0)
    total, total_chars = sum(voices.values()), sum(chars.values())
    rows = quote_rows(article)
    quotes = {"direct": 0, "indirect": 0}
    for row in rows:
        quotes[row.kind] += 1
    furniture = {layer: len(article.layer(layer)) for layer in FURNITURE_LAYERS}
    judged = [_number(s.attrs.get("subjectivity")) for s in article.layer("sentence") if s.label == "own"]
    judged = [v for v in judged if v is not None]
    return Summary(
        voices=voices,
        sentences=total,
        own_share=voices["own"] / total if total else None,
        own_text_share=chars["own"] / total_chars if total_chars else None,
        quotes=quotes,
        speakers=Counter(r.speaker for r in rows).most_common(),
        techniques=Counter(s.label for s in article.layer("technique")).most_common(),
        furniture={k: v for k, v in furniture.items() if v},
        own_subjective=sum(v >= SUBJECTIVE for v in judged) if judged else None,
        asides=len(article.layer("aside")),
        spin=spin(article),
    )


def summary_rows(s: Summary) -> list[tuple[str, str]]:
    """The summary as ``(label, value)`` lines, worded once for both renderers."""
    rows = []
    if s.sentences:
        voices = " \u00b7 ".join(f"{v} {s.voices[v]}" for v in VOICES)
        share = f"{s.own_share:.0%} of sentences"
        if s.own_text_share is not None:
            share += f", {s.own_text_share:.0%} of sentence text"
        if s.asides:
            share += f"; {s.asides} aside{'s' if s.asides != 1 else ''} inside reported sentences"
        rows += [("Sentences", f"{s.sentences}: {voices}"), ("Own voice", share)]
        if s.own_subjective is not None:
            rows.append(("Subjective", f"{s.own_subjective} of {s.voices['own']} own-voice sentences "
                                       f"(subjectivity ≥ {SUBJECTIVE})"))
    else:
        rows.append(("Sentences", "none marked"))
    quotes = f"{s.quotes['direct']} direct \u00b7 {s.quotes['indirect']} indirect"
    rows.append(("Quotes", quotes))
    if s.speakers:
        rows.append(("Speakers", ", ".join(f"{name} ({count})" for name, count in s.speakers)))
    if s.techniques:
        rows.append(("Techniques", ", ".join(f"{t} ({c})" for t, c in s.techniques)))
    if s.spin is not None and s.spin.marks:
        voices = " \u00b7 ".join(f"{v} {s.spin.by_voice[v]:.1f}" for v in reversed(VOICES)
                                 if s.spin.by_voice[v] is not None)
        rows.append(("Spin", f"{s.spin.per_1000:.1f} technique marks per 1,000 words ({voices})"))
        if s.spin.densest:
            d = s.spin.densest
            rows.append(("Densest", f"paragraph {d['number']}, {d['marks']} mark{'s' if d['marks'] != 1 else ''} "
                                    f"in {d['words']} words: \u201c{d['excerpt']}\u201d [{d['start']}\u2013{d['end']})"))
    if s.furniture:
        rows.append(("Furniture", ", ".join(f"{layer} {count}" for layer, count in s.furniture.items())))
    return rows


def metadata_rows(article: Article) -> list[tuple[str, str]]:
    """The header: title, date, outlet, byline, wire, language, source, id (``—`` when unknown),
    plus the models that produced the spans when any did."""
    meta, source = article.meta, article.source or {}

    def value(v: object) -> str:
        if isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v if x is not None) or "\u2014"
        return str(v) if v not in (None, "") else "\u2014"

    where = source.get("url") or source.get("path") or "\u2014"
    details = [str(source[k]) for k in ("format",) if source.get(k)]
    if source.get("record") is not None:
        details.append(f"record {source['record']}")
    if source.get("url") and source.get("path"):
        details.append(str(source["path"]))
    rows = [
        ("Title", value(meta.get("title"))),
        ("Date", value(meta.get("date"))),
        ("Outlet", value(meta.get("outlet"))),
        ("Byline", value(meta.get("byline"))),
        ("Wire", value(meta.get("wire"))),
        ("Language", value(meta.get("language"))),
        ("Source", str(where) + (f" ({', '.join(details)})" if details else "")),
        ("Id", value(article.id)),
    ]
    models = (article.producer or {}).get("models") or {}
    if models:
        rows.append(("Models", ", ".join(f"{k}: {v}" for k, v in models.items())))
    return rows


# -- small helpers ----------------------------------------------------------------------------


def _clamp(start: object, end: object, n: int) -> tuple[int, int]:
    try:
        s, e = int(start), int(end)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0, 0
    s = min(max(s, 0), n)
    return s, min(max(e, s), n)


def _nonempty(start: object, end: object, n: int) -> bool:
    s, e = _clamp(start, end, n)
    return e > s


def _ranges(value: object, n: int) -> list[tuple[int, int]]:
    """``[[start, end], ...]`` from span attrs, clamped; malformed entries dropped."""
    out = []
    for item in _as_list(value):
        if isinstance(item, (list, tuple)) and len(item) == 2:
            s, e = _clamp(item[0], item[1], n)
            if e > s:
                out.append((s, e))
    return out


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

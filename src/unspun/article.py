"""The one data model: an article's text exactly as read, its metadata, and standoff spans.

Offsets are Python ``str`` indices (code points) into ``Article.text``, half-open
``[start, end)``, as in spaCy's ``Span`` and the SemEval-2020 PTC label files. Stages add
spans; nothing ever rewrites ``text``.

>>> a = Article.from_text("Title\\n\\nBody.")
>>> span = a.add("title", 0, 5)
>>> Article.from_json(a.to_json()) == a
True
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

SCHEMA_VERSION = "1"

LAYERS = (
    "title", "dateline", "byline", "wire", "boilerplate", "sentence",
    "quote", "source", "cue", "content", "aside", "technique",
)
BOILERPLATE_KINDS = (
    "share", "comments", "copyright", "navigation", "related", "site-name", "ad", "caption", "slug", "ticker",
    "other",
)
VOICES = ("quote", "attributed", "own")
# Layers that are not article content: page furniture and the metadata lines around the body.
FURNITURE_LAYERS = ("title", "dateline", "byline", "wire", "boilerplate")


def text_id(text: str) -> str:
    """The content id: first 16 hex digits of SHA-256 of the UTF-8 text.

    Text never holds unpaired surrogates (readers refuse them); should one reach here, it is
    hashed as its 3-byte ``surrogatepass`` form instead of raising."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


_SURROGATE = re.compile("[\ud800-\udfff]")


def find_surrogate(value: str) -> int:
    """The index of the first unpaired surrogate in ``value``, or -1."""
    found = _SURROGATE.search(value)
    return found.start() if found else -1


def escape_surrogates(value: str) -> str:
    """``value`` with every unpaired surrogate written out, so that it is valid UTF-8.

    A file name that is not valid UTF-8 reaches Python with each undecodable byte as a
    surrogate U+DC80..U+DCFF (``surrogateescape``); such a byte becomes ``\\xHH``, any other
    surrogate ``\\uDXXX``. Valid text is returned unchanged.

    >>> print(escape_surrogates("a" + chr(0xDCFF) + "b.txt"), escape_surrogates("café"))
    a\\xffb.txt café
    """
    if _SURROGATE.search(value) is None:
        return value

    def write(m: re.Match) -> str:
        code = ord(m.group())
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"

    return _SURROGATE.sub(write, value)


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(..., ensure_ascii=False) as an object


def _round_scores(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round_scores(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round_scores(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Span:
    """A standoff annotation ``[start, end)`` over ``Article.text``. Slotted: a long article holds
    hundreds of thousands of them."""

    start: int
    end: int
    layer: str
    label: str = ""
    attrs: dict = field(default_factory=dict, hash=False, compare=True)

    def sort_key(self) -> tuple:
        rel = self.attrs.get("relation")
        return (self.start, -self.end, self.layer, self.label, -1 if rel is None else rel)

    def text(self, text: str) -> str:
        return text[self.start:self.end]

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "layer": self.layer, "label": self.label,
                "attrs": _round_scores(self.attrs)}

    @classmethod
    def from_dict(cls, d: dict) -> "Span":
        return cls(int(d["start"]), int(d["end"]), d["layer"], d.get("label", ""), dict(d.get("attrs") or {}))


def empty_meta() -> dict:
    return {"title": None, "date": None, "byline": [], "outlet": None, "wire": [], "language": None}


@dataclass
class Article:
    """An analysed article: ``text``, ``meta``, ``spans`` plus where it came from.

    ``hints`` carries reader knowledge to the stages (e.g. that the first line is a title) and
    ``warnings`` what a user should hear about (an empty body, a foreign language); neither is
    serialised.
    """

    text: str
    id: str = ""
    source: dict = field(default_factory=lambda: {"path": None, "url": None, "format": "text", "record": None})
    meta: dict = field(default_factory=empty_meta)
    spans: list[Span] = field(default_factory=list)
    producer: dict = field(default_factory=lambda: {"version": _version(), "models": {}})
    hints: dict = field(default_factory=dict, compare=False, repr=False)
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = text_id(self.text)
        full = empty_meta()
        full.update(self.meta)
        self.meta = full

    @classmethod
    def from_text(cls, text: str, **kwargs: Any) -> "Article":
        return cls(text=normalise_newlines(text), **kwargs)

    # -- spans -------------------------------------------------------------------------
    def add(self, layer: str, start: int, end: int, label: str = "", **attrs: Any) -> Span:
        if not (0 <= start <= end <= len(self.text)):
            raise ValueError(f"span [{start}, {end}) outside text of length {len(self.text)}")
        span = Span(start, end, layer, label, attrs)
        self.spans.append(span)
        return span

    def layer(self, name: str) -> list[Span]:
        return sorted((s for s in self.spans if s.layer == name), key=Span.sort_key)

    def span_text(self, span: Span) -> str:
        return self.text[span.start:span.end]

    def sort_spans(self) -> None:
        self.spans.sort(key=Span.sort_key)

    def furniture(self) -> list[tuple[int, int]]:
        """Merged ``(start, end)`` ranges that are not body: title, dateline, byline, wire, boilerplate.

        A wire attribution inside a sentence ("..., Tasnim News Agency reported.") has
        ``attrs.inline`` and stays part of the body."""
        return merge_ranges((s.start, s.end) for s in self.spans
                            if s.layer in FURNITURE_LAYERS and not s.attrs.get("inline"))

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict:
        d = self.to_dict_head()
        d["spans"] = [s.to_dict() for s in sorted(self.spans, key=Span.sort_key)]
        return d

    def to_json(self, indent: int | None = None) -> str:
        """``json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)``, made one span at a
        time: a long article's hundreds of thousands of span dicts never exist at once."""
        return "".join(self.json_chunks(indent))

    def write_json(self, out: Any, indent: int | None = None) -> None:
        """Write ``to_json(indent)`` to the text stream ``out`` piece by piece: a long article's
        JSON never exists whole in memory."""
        for chunk in self.json_chunks(indent):
            out.write(chunk)

    def json_chunks(self, indent: int | None = None, spans_per_chunk: int = 2000) -> Iterable[str]:
        """``to_json(indent)`` in pieces (the part before the spans, then up to
        ``spans_per_chunk`` spans at a time, then the rest); their concatenation is ``to_json``."""
        if not self.spans or (indent is not None and not isinstance(indent, int)):
            yield json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
            return
        head = self.to_dict_head()
        head["spans"] = []
        spans = sorted(self.spans, key=Span.sort_key)
        encoder = _ENCODER if indent is None else json.JSONEncoder(ensure_ascii=False, indent=indent)
        text = encoder.encode(head)
        cut = text.rindex("[]") + 1  # the spans go between the brackets of the empty list
        if indent is None:
            sep, before, after = ", ", "", ""
            encode = encoder.encode
        else:
            inner = "\n" + " " * (2 * indent)  # a span is an item of a list inside the top object
            sep, before, after = "," + inner, inner, "\n" + " " * indent

            def encode(d: dict) -> str:
                return encoder.encode(d).replace("\n", inner)
        yield text[:cut] + before
        for at in range(0, len(spans), spans_per_chunk):
            part = sep.join(encode(s.to_dict()) for s in spans[at:at + spans_per_chunk])
            yield part if at == 0 else sep + part
        yield after + text[cut:]

    def to_dict_head(self) -> dict:
        """``to_dict`` without its ``spans``."""
        return {"unspun": SCHEMA_VERSION, "id": self.id, "producer": self.producer, "source": self.source,
                "text": self.text, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict) -> "Article":
        if str(d.get("unspun")) != SCHEMA_VERSION:
            raise ValueError(f"unsupported unspun schema version {d.get('unspun')!r} (this is {SCHEMA_VERSION})")
        return cls(
            text=d["text"], id=d["id"], source=dict(d.get("source") or {}), meta=dict(d.get("meta") or {}),
            spans=[Span.from_dict(s) for s in d.get("spans", [])], producer=dict(d.get("producer") or {}),
        )

    @classmethod
    def from_json(cls, s: str) -> "Article":
        return cls.from_dict(json.loads(s))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Article):
            return NotImplemented
        return self.to_dict() == other.to_dict()


def normalise_newlines(text: str) -> str:
    """Line endings to ``\\n``; nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _version() -> str:
    from unspun import __version__
    return __version__


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def strip_range(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` narrowed to exclude leading and trailing whitespace of ``text``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def uncovered(start: int, end: int, ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``[start, end)`` that no range of ``ranges`` (sorted by start) covers.

    >>> uncovered(0, 10, [(2, 4), (3, 6)])
    [(0, 2), (6, 10)]
    """
    out, pos = [], start
    for a, b in ranges:
        if b <= pos or a >= end:
            continue
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < end:
        out.append((pos, end))
    return out

"""Bytes to text: detect the encoding, decode, normalise line endings and nothing else.

Order of evidence: a byte-order mark; the NUL pattern of BOM-less UTF-16; valid UTF-8; an
encoding the container declares (HTTP header, ``<meta charset>``; ignored unless it is a
text encoding web pages use, so not ``unicode_escape``, ``utf-7`` or ``hex``); Windows-1252 for Western
text (it is a superset of the printable part of latin-1, and what browsers use for both);
charset-normalizer's guess for other scripts. Binary data and undecodable bytes raise
``InputError`` with a one-line reason.

>>> decode("\\ufeffCaf\\u00e9\\r\\nbar".encode("utf-8"), "x.txt")
'Café\\nbar'
>>> decode("\\u201cFair,\\u201d she said.".encode("cp1252"), "x.txt")
'“Fair,” she said.'
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from unspun.article import normalise_newlines
from unspun.errors import InputError

# Magic numbers of the binary formats people most often pass by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip data"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX/ODT/EPUB)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"(\xb5/\xfd", "zstd data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "Ogg audio/video"),
    (b"ID3", "an MP3 file"),
    (b"\x00\x00\x01\x00", "an icon file"),
)
_RIFF_KINDS = {b"WEBP": "a WebP image", b"WAVE": "a WAV file", b"AVI ": "an AVI video"}

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Windows-1252 as WHATWG defines it: latin-1 with 0x80-0x9F mapped to the cp1252 characters
# where cp1252 has one (the five holes stay as the latin-1 code points).
_CP1252_C1 = {
    i: ch for i in range(0x80, 0xA0)
    if (ch := bytes([i]).decode("cp1252", errors="replace")) != "\ufffd"
}

# Aliases a container may declare that mean Windows-1252 in practice (WHATWG Encoding).
_WESTERN_LABELS = {"latin1", "latin_1", "iso8859_1", "iso_8859_1", "cp1252", "windows_1252",
                   "us_ascii", "ascii", "l1", "cp819", "iso_ir_100"}

# Codecs Python has that no web page is in: escape and IDNA codecs turn ``\\udfff`` text
# into lone surrogates, and WHATWG forbids UTF-7.
_NOT_WEB = {"unicode_escape", "raw_unicode_escape", "utf_7", "punycode", "idna", "undefined", "mbcs", "oem"}
_SURROGATE = re.compile("[\ud800-\udfff]")

_SAMPLE = 65536  # bytes looked at for NUL patterns and control characters
# C0 controls other than tab, newlines, form feed and escape; DEL; C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def decode(data: bytes, where: str, declared: str | None = None, errors: str = "strict") -> str:
    """Decode ``data`` (named ``where`` in errors) to text with ``\\n`` line endings.

    ``declared`` is an encoding the container states (used when the bytes are not UTF-8).
    ``errors="replace"`` accepts a mostly-UTF-8 input with a few invalid bytes (as browsers
    do for web pages), replacing them with U+FFFD; the default refuses it.
    """
    if not data:
        raise InputError(where, "empty file")
    text = _decode(data, where, declared, errors)
    _refuse_control_heavy(text, where)
    return normalise_newlines(text)


def _decode(data: bytes, where: str, declared: str | None, errors: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(where, f"invalid {encoding.upper()} at byte {exc.start + len(bom)} "
                                        f"(the file starts with a {encoding.upper()} byte-order mark)") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise InputError(where, f"invalid {utf16.upper()} at byte {exc.start}") from None
    _refuse_binary(data, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 and errors == "replace":
        return data.decode("utf-8", errors="replace")
    if declared:
        text = _declared(data, declared)
        if text is not None:
            return text
    if mostly_utf8:
        raise InputError(where, f"invalid UTF-8 at byte {first_bad} in an otherwise UTF-8 file; "
                                "fix the bytes or re-save it as UTF-8")
    western = data.decode("latin-1").translate(_CP1252_C1)
    if _looks_western(western):
        return western
    guess = _charset_normalizer(data)
    if guess is not None:
        return guess
    raise InputError(where, "cannot decode: not UTF-8, UTF-16 or Windows-1252, and no other "
                            "encoding fits (is it a text file?)")


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NULs sit on every other byte, as in Latin-script UTF-16."""
    sample = data[:_SAMPLE]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    pairs = len(sample) // 2
    even = sample[0:pairs * 2:2].count(0)
    odd = sample[1:pairs * 2:2].count(0)
    if odd > 0.4 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even > 0.4 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    return None


def _refuse_binary(data: bytes, where: str) -> None:
    kind = _magic(data)
    if kind:
        raise InputError(where, f"binary file (looks like {kind})")
    if b"\x00" in data:
        raise InputError(where, "binary file (contains NUL bytes; not text)")


def _magic(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if magic == b"BZh" and not (data[3:4].isdigit() and data[4:10] == b"1AY&SY"):
                continue
            if magic == b"ID3" and len(data) > 3 and data[3] > 4:
                continue
            if magic == b"\x00\x00\x01\x00" and b"\x00" not in data[4:64]:
                continue
            return kind
    if data.startswith(b"RIFF") and data[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[data[8:12]]
    if data[4:8] == b"ftyp":
        return "an MP4/QuickTime video"
    return None


def _refuse_control_heavy(text: str, where: str) -> None:
    sample = text[:_SAMPLE]
    controls = len(_CONTROL.findall(sample))
    if sample and controls > 0.05 * len(sample):
        share = round(100 * controls / len(sample))
        raise InputError(where, f"binary file (not text: {share}% control characters)")


def _mostly_utf8(data: bytes) -> bool:
    """True when valid multi-byte UTF-8 sequences outnumber the invalid bytes."""
    text = data.decode("utf-8", errors="replace")
    real_replacements = data.count(b"\xef\xbf\xbd")
    bad = text.count("\ufffd") - real_replacements
    good = len(_NON_ASCII.findall(text)) - bad
    return good > bad


def _declared(data: bytes, declared: str) -> str | None:
    """Decode with the container's declared encoding, when Python knows it as a text encoding
    a web page may use and it fits (no unpaired surrogates in the result)."""
    try:
        info = codecs.lookup(declared.strip().strip("\"'"))
    except (LookupError, ValueError, TypeError):
        return None
    name = info.name.replace("-", "_")
    if name in _WESTERN_LABELS:
        return data.decode("latin-1").translate(_CP1252_C1)
    if name.startswith("utf_8") or name.startswith("utf_16") or name.startswith("utf_32"):
        return None  # already tried, or would have been found by BOM/NUL pattern
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_WEB:
        return None
    try:
        text = data.decode(name)
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None
    return None if _SURROGATE.search(text) else text


def _looks_western(text: str) -> bool:
    """Latin-script text: few letters outside ASCII, as in English, French or German.

    Cyrillic, Greek or CJK bytes read as Windows-1252 turn into runs of accented letters and
    symbols, which this rejects so that charset-normalizer can name the real encoding.
    """
    letters = 0
    foreign = 0
    symbols = 0
    for ch in text[:_SAMPLE]:
        if ch.isalpha():
            letters += 1
            if ch > "\x7f":
                foreign += 1
        elif ch > "\x7f" and unicodedata.category(ch)[0] in "SC":
            symbols += 1  # currency, ©, ¬, ±, C1 controls: fine alone, not in bulk
    if letters == 0:
        return False
    return foreign <= 0.3 * letters and symbols <= 0.05 * letters


def _charset_normalizer(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    try:
        text = data.decode(best.encoding)
    except (UnicodeError, LookupError, ValueError, TypeError):
        return None
    return None if _SURROGATE.search(text) else text

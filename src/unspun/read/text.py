"""Plain-text articles: the decoded file is the article text, line endings normalised."""

from __future__ import annotations

from unspun.errors import InputError
from unspun.read import Document
from unspun.read.decode import decode


def document_from_text(data: bytes, source: dict) -> Document:
    """A ``Document`` for the bytes of a plain-text file; ``source["path"]`` names it in errors.

    >>> document_from_text(b"Title\\r\\n\\r\\nBody.", {"path": "a.txt"}).text
    'Title\\n\\nBody.'
    """
    where = source.get("path") or "-"
    text = decode(data, where)
    if not text.strip():
        raise InputError(where, "empty file (only whitespace)")
    return Document(text=text, source={"path": where, "url": source.get("url"), "format": "text",
                                       "record": source.get("record")}, title_line=False)

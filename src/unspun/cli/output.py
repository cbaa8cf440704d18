"""Where a command writes: ``-o OUT`` or standard output (``None`` or ``-``)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import IO, Iterator


def output_name(path: str | None) -> str:
    """How messages name an output: ``<stdout>`` for standard output, else the path."""
    return "<stdout>" if path is None or path == "-" else path


@contextmanager
def open_output(path: str | None, newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream for ``path`` (UTF-8), or stdout, flushed (not closed) at the end.

    Raises ``OSError`` when ``path`` cannot be opened; commands report it as one line."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with open(path, "w", encoding="utf-8", newline=newline) as f:
        yield f

"""Where a command writes: ``-o OUT`` or standard output (``None`` or ``-``)."""

from __future__ import annotations

import sys
import threading
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


class Reporter:
    """Progress bar (rich, on stderr) with rate and ETA, and one-line messages that do not
    break it. The total is estimated in a background thread (``unspun.read.count``), so the work
    starts at once. ``show`` False: no bar, messages go to stderr as they are."""

    def __init__(self, show: bool, paths: list[str], label: str):
        self.show = show
        self.label = label
        self.paths = paths
        self.progress = None
        self.task = None
        self._extra = 0

    def __enter__(self) -> "Reporter":
        if self.show:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            console = Console(file=sys.stderr, force_terminal=sys.stderr.isatty() or None)
            self.progress = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                     TextColumn("ETA"), TimeRemainingColumn(),
                                     console=console, transient=False, refresh_per_second=4)
            self.progress.start()
            self.task = self.progress.add_task("index", total=None, rate="")
            threading.Thread(target=self._estimate, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def _estimate(self) -> None:
        from unspun.read.count import estimate_records

        total = estimate_records(self.paths)
        if total is not None and self.progress is not None:
            self.progress.update(self.task, total=total + self._extra)

    def add_total(self, n: int) -> None:
        self._extra += n
        if self.progress is not None:
            task = self.progress.tasks[0]
            if task.total is not None:
                self.progress.update(self.task, total=task.total + n)

    def advance(self) -> None:
        if self.progress is not None:
            task = self.progress.tasks[0]
            speed = task.speed
            self.progress.update(self.task, advance=1, rate=f"{speed:,.1f}/s" if speed else "")

    def line(self, message: str) -> None:
        if self.progress is not None:
            self.progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=sys.stderr)

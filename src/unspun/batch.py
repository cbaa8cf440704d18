"""Analyse a stream of inputs over several processes, results in input order, memory bounded.

``Pool.imap`` would drain a huge input generator into memory; here the stream is cut into
chunks and each chunk is mapped in order, so at most ``jobs * CHUNK`` documents are in flight.
A record that fails inside a stage becomes a ``Failed`` result and the batch goes on.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import traceback
from dataclasses import dataclass
from typing import Iterable, Iterator

from unspun.article import Article
from unspun.pipeline import analyze_document
from unspun.errors import InputError
from unspun.read import BadInput, Document, where

CHUNK = 16


@dataclass
class Failed:
    """An internal error while analysing one input (a bug: exit code 1, the batch goes on)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: internal error: {self.reason}"


Result = Article | BadInput | Failed


def analyze_one(item: Document | BadInput, outlet: str | None, min_score: float | None = None,
                models: bool | str = True) -> Result:
    """One input's result: its ``Article``, or the ``BadInput``/``Failed`` that stands for it."""
    if isinstance(item, BadInput):
        return item
    try:
        return analyze_document(item, outlet=outlet, min_score=min_score, models=models)
    except InputError as exc:
        return BadInput(exc.where, exc.reason)
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop a batch
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return Failed(where(item.source), f"{type(exc).__name__}: {exc} ({os.path.basename(last.filename)}:{last.lineno})")


def _worker(args: tuple) -> Result:
    return analyze_one(*args)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def analyze_stream(items: Iterable[Document | BadInput], outlet: str | None = None, min_score: float | None = None,
                   jobs: int | None = None, models: bool | str = True) -> Iterator[Result]:
    """Yield one result per item, in input order. Runs in-process for small inputs or ``jobs=1``."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    it = iter(items)
    head = list(itertools.islice(it, CHUNK))
    if jobs == 1 or len(head) < CHUNK:
        for item in itertools.chain(head, it):
            yield analyze_one(item, outlet, min_score, models)
        return
    ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
    with ctx.Pool(jobs) as pool:
        chunk = head
        while chunk:
            yield from pool.map(_worker, [(item, outlet, min_score, models) for item in chunk], chunksize=max(1, len(chunk) // (jobs * 2)))
            chunk = list(itertools.islice(it, CHUNK * jobs))

"""Analysis of pasted articles in child processes, with a hard time limit and a bounded queue.

A stage that runs away on a hostile input cannot be interrupted inside a thread, so each paste
worker sends its article to a long-lived child process of its own and kills it when the time
limit passes (the next paste starts a fresh one). The child runs at a lower CPU priority than
the server. ``PastePool`` holds ``workers`` such workers on threads of their own (never the
threads that serve pages) and at most ``queue`` pastes waiting for one; a paste beyond that is
refused at once (``PasteBusy``: 503 with Retry-After), so a flood of pastes neither piles up
nor delays reading pages.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

STARTUP_TIMEOUT = 180.0  # seconds the child may take to import the pipeline and load its models


class AnalysisTimeout(Exception):
    """The article took longer than the limit to analyse."""


class AnalysisError(Exception):
    """The analysis failed (the message is safe to show)."""


class PasteBusy(Exception):
    """Every paste worker is busy and the queue is full; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class PastePool:
    """``await pool.analyse(job, finish)`` runs ``Analyser.analyse(**job)`` on a paste worker and
    then ``finish(json, warnings)`` on the same worker thread (parsing and rendering a long
    article stays off the event loop), returning what ``finish`` returns."""

    def __init__(self, timeout: float, workers: int = 1, queue: int = 4):
        self.timeout = timeout
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="unspun-paste")
        self._local = threading.local()
        self._analysers: list[Analyser] = []
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        """Pastes being analysed or waiting."""
        return self._pending

    def busy(self) -> PasteBusy | None:
        """The refusal a paste would get now, or None when there is room."""
        if self._pending < self.capacity:
            return None
        retry = max(1, math.ceil(self.timeout * self.capacity / self.workers))
        return PasteBusy(f"busy: {self._pending} pasted articles are being analysed or waiting; "
                         f"try again in {retry} s", retry)

    async def analyse(self, job: dict, finish: Callable[[str, list[str]], Any]) -> Any:
        with self._lock:
            refusal = self.busy()
            if refusal is not None:
                raise refusal
            self._pending += 1
        future = self._executor.submit(self._work, job, finish)
        future.add_done_callback(self._release)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()  # the client went away: drop the paste if it has not started
            raise

    def _release(self, _future) -> None:
        with self._lock:
            self._pending -= 1

    def _work(self, job: dict, finish: Callable[[str, list[str]], Any]) -> Any:
        analyser = getattr(self._local, "analyser", None)
        if analyser is None:
            analyser = self._local.analyser = Analyser(self.timeout)
            with self._lock:
                self._analysers.append(analyser)
        analyser.timeout = self.timeout
        raw, warnings = analyser.analyse(**job)
        return finish(raw, warnings)

    def close(self) -> None:
        """Drop waiting pastes and kill every child at once (a running paste ends with an error)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            analysers = list(self._analysers)
        for analyser in analysers:
            analyser.terminate()


class Analyser:
    """``analyse(...)`` returns ``(json, warnings)``; raises ``AnalysisTimeout`` after ``timeout`` s."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._proc = None
        self._conn = None

    def analyse(self, *, text: str | None = None, html: str | None = None, url: str | None = None,
                outlet: str | None = None) -> tuple[str, list[str]]:
        deadline = time.monotonic() + self.timeout
        if not self._lock.acquire(timeout=self.timeout):
            raise AnalysisTimeout("busy: another pasted article is being analysed")
        try:
            self._start()
            self._conn.send({"text": text, "html": html, "url": url, "outlet": outlet})
            if not self._conn.poll(max(deadline - time.monotonic(), 0.0)):
                self._kill()
                raise AnalysisTimeout(f"analysis took longer than {self.timeout:g} s")
            try:
                ok, payload, warnings = self._conn.recv()
            except EOFError:
                self._kill()
                raise AnalysisError("the analysis process stopped") from None
            if not ok:
                raise AnalysisError(payload)
            return payload, warnings
        finally:
            self._lock.release()

    def _start(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), daemon=True, name="unspun-paste")
        self._proc.start()
        child.close()
        self._conn = parent
        try:
            ready = parent.poll(STARTUP_TIMEOUT) and parent.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._kill()
            raise AnalysisError("the analysis process did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        with self._lock:
            self._kill()

    def terminate(self) -> None:
        """Kill the child now, even mid-analysis (that paste then fails); for shutting down."""
        proc = self._proc
        if proc is not None:
            proc.kill()


def _serve(conn) -> None:  # pragma: no cover - runs in the child process
    from unspun.pipeline import analyze

    try:
        os.nice(10)  # pages are served before pastes are analysed
    except (AttributeError, OSError):
        pass
    analyze("Warm up\n\nThe models load now, so the time limit counts analysis only, officials said.")
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            article = analyze(job["text"], html=job["html"], url=job["url"] or None, outlet=job["outlet"] or None)
            conn.send((True, article.to_json(), list(article.warnings)))
        except ValueError as exc:
            conn.send((False, f"cannot analyse this input: {exc}", []))
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            conn.send((False, f"internal error: {type(exc).__name__}", []))

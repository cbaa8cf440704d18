"""Analysis of pasted articles in a child process, with a hard time limit.

A stage that runs away on a hostile input cannot be interrupted inside a thread, so the paste
page sends each article to one long-lived child process and kills it when the time limit
passes (the next paste starts a fresh one). Pastes are analysed one at a time.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

STARTUP_TIMEOUT = 180.0  # seconds the child may take to import the pipeline and load its models


class AnalysisTimeout(Exception):
    """The article took longer than the limit to analyse."""


class AnalysisError(Exception):
    """The analysis failed (the message is safe to show)."""


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


def _serve(conn) -> None:  # pragma: no cover - runs in the child process
    from unspun.pipeline import analyze

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

"""Analyse a stream of inputs over several processes, results in input order, memory bounded.

Each worker process analyses one record at a time and the parent knows which record every
worker holds. At most ``jobs * CHUNK`` records are in flight or waiting to be yielded, so a
huge input stream never sits in memory. A record is never allowed to stop or hang a batch:

- a record that fails inside a stage becomes a ``Failed`` result (an internal error);
- a worker that dies (killed by the out-of-memory killer, ``kill -9``, a crash in native
  code) is noticed at once through its process sentinel: the record it held becomes a
  ``Failed`` result labelled ``worker died`` and a fresh worker takes its place;
- with a time budget (``timeout``, seconds per record), a record still being analysed when
  its budget is spent has its worker killed and becomes a ``BadInput`` (the batch goes on).

Without a budget, ``jobs=1`` and inputs under ``CHUNK`` records run in this process.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing as mp
import os
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Iterable, Iterator

from unspun.article import Article, escape_surrogates, find_surrogate
from unspun.pipeline import analyze_document, warm_up
from unspun.errors import InputError
from unspun.read import BadInput, Document, where
from unspun.models.runtime import tune_allocator

CHUNK = 16
SPANS_PER_MESSAGE = 5000  # a worker sends a long article's spans in parts of this many (see _send)
DEFAULT_TIMEOUT = 60.0  # seconds per article for the CLI's --timeout-per-article
_IDLE_DEATHS = 3  # workers dying without a record, per job, before the batch gives up
_START_LIMIT = 600.0  # seconds a worker may take to load the models and say it is ready


@dataclass
class Failed:
    """An internal error while analysing one input (a bug, or a worker that died: exit code 1,
    the batch goes on). ``label`` says which."""

    where: str
    reason: str
    label: str = "internal error"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    @property
    def message(self) -> str:
        """The reason with its label, without the location (as the store's quarantine keeps it)."""
        return f"{self.label}: {self.reason}"


class BatchError(Exception):
    """The batch cannot go on (its worker processes cannot be started or keep dying)."""


Result = Article | BadInput | Failed


def analyze_one(item: Document | BadInput, outlet: str | None, min_score: float | None = None,
                models: bool | str = True) -> Result:
    """One input's result: its ``Article``, or the ``BadInput``/``Failed`` that stands for it."""
    if isinstance(item, BadInput):
        return item
    item = _clean_source(item)
    problem = _surrogate_problem(item)
    if problem:
        return BadInput(where(item.source), problem)
    try:
        return analyze_document(item, outlet=outlet, min_score=min_score, models=models)
    except InputError as exc:
        return BadInput(exc.where, exc.reason)
    except Exception as exc:  # noqa: BLE001 - one bad record must not stop a batch
        last = traceback.extract_tb(exc.__traceback__)[-1]
        return Failed(where(item.source), f"{type(exc).__name__}: {exc} ({os.path.basename(last.filename)}:{last.lineno})")


def _clean_source(item: Document) -> Document:
    """A file name that is not UTF-8 is kept with its odd bytes written as ``\\xHH``
    (``article.escape_surrogates``), so the source can be stored and printed as JSON."""
    source = {k: escape_surrogates(v) if isinstance(v, str) else v for k, v in item.source.items()}
    return item if source == item.source else dataclasses.replace(item, source=source)


def _surrogate_problem(item: Document) -> str | None:
    """Why a document holding an unpaired surrogate (half a UTF-16 pair, which no UTF-8 text
    holds) cannot be analysed, or None. Readers refuse such records; this guards the rest."""
    fields = [("text", item.text), ("html", item.html), ("id", item.id)]
    fields += [(key, value) for key, value in item.meta.items() if isinstance(value, str)]
    fields += [(key, v) for key, value in item.meta.items() if isinstance(value, list) for v in value]
    for name, value in fields:
        if isinstance(value, str):
            at = find_surrogate(value)
            if at >= 0:
                return (f'unpaired surrogate U+{ord(value[at]):04X} in "{name}" at character {at} '
                        "(half a UTF-16 pair; not text)")
    return None


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def analyze_stream(items: Iterable[Document | BadInput], outlet: str | None = None, min_score: float | None = None,
                   jobs: int | None = None, models: bool | str = True,
                   timeout: float | None = None) -> Iterator[Result]:
    """Yield one result per item, in input order.

    ``timeout`` (seconds, None or 0 for none) is each record's budget; with one, records are
    always analysed in worker processes (even for ``jobs=1``), so an over-budget record can be
    stopped. Without one, ``jobs=1`` and small inputs run in this process.
    Raises ``BatchError`` when worker processes cannot be started or keep dying while idle.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    it = iter(items)
    head = list(itertools.islice(it, CHUNK))
    if not timeout and (jobs == 1 or len(head) < CHUNK):
        for item in itertools.chain(head, it):
            yield analyze_one(item, outlet, min_score, models)
        return
    if len(head) < CHUNK:
        jobs = min(jobs, max(1, sum(isinstance(item, Document) for item in head)))
    yield from _Workers(jobs, (outlet, min_score, models), timeout or None).run(itertools.chain(head, it))


# -- worker processes ----------------------------------------------------------------------------

_READY = "ready"


def _serve(conn, others: list, settings: tuple, warm: bool) -> None:
    """A worker: say it is ready (after loading the models, when ``warm``), then analyse each
    ``(seq, Document)`` received and send back ``(seq, result)``; stop at ``None`` or when the
    parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    tune_allocator()  # as the command line does (a spawned worker does not inherit it)
    for other in others:  # the parent's ends of the other workers' pipes, inherited by fork
        other.close()
    if warm:  # load the models first, so that a record's time budget is its own analysis
        warm_up(settings[2])
    try:
        conn.send(_READY)
    except OSError:
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        seq, item = message
        result = analyze_one(item, *settings)
        try:
            _send(conn, seq, result)
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            conn.send((seq, Failed(where(item.source), f"result not sent: {type(exc).__name__}: {exc}")))


def _send(conn, seq: int, result: Result) -> None:
    """Send ``(seq, result)``; an article of many spans goes as ``(seq, article without its spans,
    n)`` followed by ``n`` lists of spans, so that pickling never holds a copy of every span (and
    its memo of every object) at once. A part that cannot be pickled is sent as its error."""
    if not isinstance(result, Article) or len(result.spans) <= SPANS_PER_MESSAGE:
        conn.send((seq, result))
        return
    spans, result.spans = result.spans, []
    try:
        conn.send((seq, result, -(-len(spans) // SPANS_PER_MESSAGE)))
    finally:
        result.spans = spans
    for at in range(0, len(spans), SPANS_PER_MESSAGE):
        try:
            conn.send(spans[at:at + SPANS_PER_MESSAGE])
        except (EOFError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - the parent reads it in the part's place
            conn.send(f"result not sent: {type(exc).__name__}: {exc}")


def _receive(conn, item: Document) -> tuple[int, Result]:
    """Read what ``_send`` sent: ``(seq, result)``."""
    message = conn.recv()
    if len(message) == 2:
        return message
    seq, article, parts = message
    spans: list = []
    problem = None
    for _ in range(parts):  # every part is read, so that the pipe stays in step
        part = conn.recv()
        if isinstance(part, list):
            spans.extend(part)
        else:
            problem = problem or str(part)
    if problem is not None:
        return seq, Failed(where(_clean_source(item).source), problem)
    article.spans = spans
    return seq, article


class _Worker:
    def __init__(self, ctx, others: list, settings: tuple, warm: bool):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, others, settings, warm), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False  # until it says so; no record is given before
        self.started = time.monotonic()
        self.task: tuple[int, Document, float] | None = None  # (seq, item, started)

    def give(self, seq: int, item: Document) -> None:
        self.task = (seq, item, time.monotonic())
        self.conn.send((seq, item))

    def stop(self, now: bool = False) -> None:
        if self.proc.is_alive():
            if now or self.task is not None:
                self.proc.kill()
            else:
                try:
                    self.conn.send(None)
                except OSError:
                    self.proc.kill()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()
        self.proc.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        cause = " (out of memory, or killed)" if -exitcode == signal.SIGKILL else ""
        return f"killed by {name}{cause} while analysing this record; a new worker took its place"
    return f"exited with code {exitcode} while analysing this record; a new worker took its place"


class _Workers:
    """``jobs`` worker processes, each holding at most one record; results in input order."""

    def __init__(self, jobs: int, settings: tuple, timeout: float | None):
        self.ctx = mp.get_context("spawn" if os.name == "nt" else "fork")
        self.jobs = jobs
        self.settings = settings
        self.timeout = timeout
        self.workers: list[_Worker] = []
        self.idle_deaths = 0

    def _start(self) -> _Worker:
        try:
            worker = _Worker(self.ctx, [w.conn for w in self.workers], self.settings, warm=bool(self.timeout))
        except OSError as exc:
            raise BatchError(f"cannot start a worker process: {exc.strerror or exc}") from None
        self.workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        worker.stop(now=True)
        self._start()

    def run(self, items: Iterator[Document | BadInput]) -> Iterator[Result]:
        window = CHUNK * self.jobs
        done: dict[int, Result] = {}
        read = out = 0  # records taken from ``items``; results yielded
        exhausted = False
        retry: list[tuple[int, Document]] = []
        try:
            for _ in range(self.jobs):
                self._start()
            while True:
                for worker in list(self.workers):  # give every idle worker a record
                    while worker.ready and worker.task is None and (retry or (not exhausted and read - out < window)):
                        if retry:
                            seq, item = retry.pop()
                        else:
                            item = next(items, None)
                            if item is None:
                                exhausted = True
                                break
                            seq, read = read, read + 1
                            if isinstance(item, BadInput):
                                done[seq] = item
                                continue
                        try:
                            worker.give(seq, item)
                        except OSError:  # it died before taking the record: another worker will
                            worker.task = None
                            retry.append((seq, item))
                            self._collect(worker, done)
                            break
                while out in done:
                    yield done.pop(out)
                    out += 1
                busy = [w for w in self.workers if w.task is not None]
                if not busy and exhausted and not retry:
                    return
                if busy or not all(w.ready for w in self.workers):
                    self._wait(busy, done)
        finally:
            for worker in self.workers:
                worker.stop()
            self.workers = []

    def _wait(self, busy: list[_Worker], done: dict[int, Result]) -> None:
        limit = None
        if self.timeout and busy:
            limit = max(0.0, min(w.task[2] + self.timeout - time.monotonic() for w in busy))
        starting = [w for w in self.workers if not w.ready]
        if starting:
            first = max(0.0, min(w.started for w in starting) + _START_LIMIT - time.monotonic())
            limit = first if limit is None else min(limit, first)
        ready = set(wait([w.conn for w in busy + starting] + [w.proc.sentinel for w in self.workers], limit))
        for worker in list(self.workers):
            if worker.conn in ready or worker.proc.sentinel in ready:
                self._collect(worker, done)
        now = time.monotonic()
        for worker in list(self.workers):
            if not worker.ready and now - worker.started >= _START_LIMIT:
                worker.proc.kill()  # hung while starting: counted as a death without a record
                self._collect(worker, done)
        if self.timeout:
            for worker in list(self.workers):
                if worker.task is not None and now - worker.task[2] >= self.timeout:
                    seq, item, _ = worker.task
                    done[seq] = BadInput(where(_clean_source(item).source),
                                         f"analysis took over {self.timeout:g} s (--timeout-per-article); skipped")
                    worker.task = None
                    self._replace(worker)

    def _collect(self, worker: _Worker, done: dict[int, Result]) -> None:
        """Take a worker's result, or notice that it died (and replace it)."""
        unreadable = None
        if not worker.ready:
            try:
                if worker.conn.poll() and worker.conn.recv() == _READY:
                    worker.ready = True
                    return
            except Exception:  # noqa: BLE001 - it died while starting
                pass
            if worker.proc.is_alive():
                return
        elif worker.task is not None:
            try:
                if worker.conn.poll():
                    seq, result = _receive(worker.conn, worker.task[1])
                    done[seq] = result
                    worker.task = None
                    self.idle_deaths = 0
                    return
            except Exception as exc:  # noqa: BLE001 - EOF, or a torn or foreign message
                unreadable = exc
            if unreadable is None and worker.proc.is_alive():
                return  # woken early: nothing whole to read yet
        if worker.proc.is_alive():  # alive but its pipe is unusable: stop it
            worker.proc.kill()
        worker.proc.join()
        if worker.task is None:
            self.idle_deaths += 1
            if self.idle_deaths > _IDLE_DEATHS * self.jobs:
                raise BatchError(f"worker processes keep dying before they get a record (last: "
                                 f"{_death(worker.proc.exitcode).split(' while ')[0]}); stopped")
        else:
            seq, item, _ = worker.task
            reason = _death(worker.proc.exitcode)
            if unreadable is not None and not isinstance(unreadable, (EOFError, OSError)):
                reason = f"its result could not be read ({type(unreadable).__name__}: {unreadable})"
            done[seq] = Failed(where(_clean_source(item).source), reason, label="worker died")
            worker.task = None
        self._replace(worker)

"""What the page modules of ``unspun.web.views`` share: the app's settings, page rendering
and list paging. The app (``unspun.web.app``) builds on this module; the views import it, never
the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib.resources import files

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from unspun.store import Store
from unspun.web import DEFAULT_MAX_BODY, DEFAULT_PASTE_QUEUE, DEFAULT_PASTE_WORKERS, DEFAULT_TIMEOUT


@dataclass
class ServeSettings:
    """What ``unspun serve`` was told: the store, and how the paste page behaves."""

    db: str
    paste: bool = True
    max_body: int = DEFAULT_MAX_BODY
    timeout: float = DEFAULT_TIMEOUT
    paste_workers: int = DEFAULT_PASTE_WORKERS
    paste_queue: int = DEFAULT_PASTE_QUEUE
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def store(self) -> Store:
        """This thread's read-only connection to the store (opened once per thread)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db, readonly=True)
            self._local.store = store
        return store


def settings_of(request: Request) -> ServeSettings:
    return request.app.state.settings


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    """A page from ``templates/`` (autoescaped)."""
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def report_css_text() -> str:
    """The article report's stylesheet, shared with ``unspun analyze --format html``."""
    return files("unspun.render").joinpath("report.css").read_text(encoding="utf-8")


PAGE_SIZE = 50


def page_of(request: Request) -> int:
    """The 1-based ``?page=`` of a list (400 when it is not a positive number)."""
    raw = request.query_params.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        raise HTTPException(400, f"page must be a number, not {raw[:40]!r}") from None
    if page < 1 or page > 1_000_000:
        raise HTTPException(400, "page must be between 1 and 1000000")
    return page

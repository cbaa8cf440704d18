"""Web pages by URL: ``unspun analyze https://...`` fetches the page, then reads it as a saved one.

The fetch is the only network access unspun makes, and only when a user names a URL: http and
https only, a time limit for the whole fetch, at most ``max_bytes`` of body, at most
``MAX_REDIRECTS`` redirects, and HTML (or plain text) content types only. Whatever goes wrong is
a one-line ``BadInput`` naming the URL.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from unspun.errors import InputError
from unspun.read import BadInput, Document
from unspun.read.files import size_text

TIMEOUT = 30.0
MAX_REDIRECTS = 5
USER_AGENT = "unspun (+https://pypi.org/project/unspun/)"
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_url(path: str) -> bool:
    """Whether a command-line PATH names a web page (``http://`` or ``https://``)."""
    return path[:8].lower().startswith(("http://", "https://"))


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"redirected to a non-web address ({urlsplit(newurl).scheme}:)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, max_bytes: int, timeout: float = TIMEOUT) -> Document | BadInput:
    """The page at ``url`` as a ``Document`` read as HTML (or text), or a ``BadInput``.

    ``source.url`` is the URL as given; ``meta.url`` the page's final address after redirects.
    """
    where = url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return BadInput(where, "not a web address (http:// or https:// and a host)")
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8"})
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            final = response.geturl()
            content_type = response.headers.get("Content-Type", "")
            kind = content_type.split(";")[0].strip().lower()
            if kind and kind not in _HTML_TYPES and kind != "text/plain":
                return BadInput(where, f"not a web page (content type {kind})")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                return BadInput(where, f"page is {size_text(int(length))}, over the {size_text(max_bytes)} "
                                       "limit for one article; raise --max-bytes")
            chunks, size = [], 0
            while True:
                if time.monotonic() > deadline:
                    return BadInput(where, f"timed out after {timeout:g} s")
                chunk = response.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    return BadInput(where, f"page is over the {size_text(max_bytes)} limit for one article; "
                                           "raise --max-bytes")
                chunks.append(chunk)
    except urllib.error.HTTPError as exc:
        return BadInput(where, f"HTTP {exc.code} {exc.reason}".rstrip())
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, socket.timeout) or "timed out" in str(reason):
            return BadInput(where, f"timed out after {timeout:g} s")
        if isinstance(reason, OSError) and reason.strerror:
            return BadInput(where, f"cannot fetch: {reason.strerror}")
        return BadInput(where, f"cannot fetch: {' '.join(str(reason).split())}")
    except (TimeoutError, socket.timeout):
        return BadInput(where, f"timed out after {timeout:g} s")
    except (http.client.HTTPException, OSError, ValueError) as exc:
        return BadInput(where, f"cannot fetch: {type(exc).__name__}: {' '.join(str(exc).split())[:160]}")
    data = b"".join(chunks)
    if not data.strip():
        return BadInput(where, "empty page")
    source = {"path": None, "url": url, "format": "html", "record": None}
    meta = {"url": final}
    if kind == "text/plain":
        from unspun.read.decode import decode

        try:
            text = decode(data, where)
        except InputError as exc:
            return BadInput(where, exc.reason)
        source["format"] = "text"
        return Document(text=text, source=source, meta=meta)
    from unspun.read.html import decode_html

    try:
        html = decode_html(data, where, content_type)
    except InputError as exc:
        return BadInput(where, exc.reason)
    return Document(text="", source=source, meta=meta, html=html)

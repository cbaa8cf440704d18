"""Every response gets a Content-Security-Policy that allows no script and nothing from another
origin (article text is untrusted) plus the usual hardening headers; request bodies are
limited (413 beyond ``max_body`` bytes, whether or not a Content-Length was sent).

Two checks keep other web sites out:

- **Host.** A request whose ``Host`` is not an allowed name gets 400, so a page on another site
  that rebinds its own DNS name to this machine (DNS rebinding) cannot read the store. Allowed:
  ``localhost``, ``127.0.0.1``, ``::1``, the address ``unspun serve`` binds and every
  ``--allow-host``; when it binds every address (``0.0.0.0`` or ``::``) any IP address is
  allowed too (a browser sends an IP as Host only when the user typed it). ``*`` allows any.
- **Origin.** A POST (or any method but GET, HEAD and OPTIONS) that a browser marks as coming
  from another site gets 403: ``Sec-Fetch-Site`` other than ``same-origin``/``none`` when the
  browser sends it, otherwise an ``Origin`` whose host and port differ from ``Host`` (or
  ``null``). Clients that send neither header (curl, scripts) are not browsers acting for
  another site and pass.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Iterable
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with the
    # paste form's own POST, which the Origin check below cannot tell from another site's
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def header_dict() -> dict[str, str]:
    """``HEADERS`` for a Starlette response made outside the middleware (the 500 handler)."""
    return {name.decode(): value.decode() for name, value in HEADERS}


def host_name(host: str) -> str:
    """The name of a ``Host`` header (or an Origin's netloc) without its port, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """Which ``Host`` names are served (see the module's docstring)."""

    def __init__(self, hosts: Iterable[str] = ()):
        names = {host_name(h) for h in hosts} | set(LOCAL_HOSTS)
        self.any = "*" in names
        self.any_ip = bool(names & set(WILDCARDS))
        self.names = frozenset(names - set(WILDCARDS) - {"*"})

    def allows(self, host: str) -> bool:
        name = host_name(host)
        return self.any or name in self.names or (self.any_ip and _is_ip(name))


class SecurityHeaders:
    """ASGI middleware: ``HEADERS`` on every HTTP response, the Host and Origin checks, and the
    request body limit."""

    def __init__(self, app: ASGIApp, max_body: int, hosts: HostPolicy | None = None):
        self.app = app
        self.max_body = max_body
        self.hosts = hosts or HostPolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name, value)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _error(scope, send_with_headers, *refusal)
            return
        too_large = f"request body larger than {self.max_body:,} bytes"
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            await _error(scope, send_with_headers, 413, too_large)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, too_large)
            return message

        await self.app(scope, limited_receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        host = headers.get(b"host", b"").decode("latin-1")
        if host and not self.hosts.allows(host):
            return 400, f"host {host[:80]!r} is not served here (unspun serve --allow-host adds one)"
        if scope.get("method", "GET") in SAFE_METHODS:
            return None
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
        if site:  # set by the browser itself, and more precise than Origin
            return None if site in ("same-origin", "none") else (403, f"cross-site request refused ({site})")
        origin = headers.get(b"origin", b"").decode("latin-1")
        if origin:
            netloc = urlsplit(origin).netloc if origin != "null" else ""
            if not netloc or netloc.lower() != host.lower():
                return 403, f"cross-origin request refused (origin {origin[:80]!r})"
        return None


async def _error(scope: Scope, send: Send, status: int, detail: str) -> None:
    """A refusal: ``{"error": ...}`` under ``/api/``, plain text elsewhere."""
    if scope.get("path", "").startswith("/api/"):
        body, ctype = json.dumps({"error": detail}).encode(), b"application/json"
    else:
        body, ctype = detail.encode("utf-8"), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

"""``unspun serve --db FILE``: the web reader (article, story, outlet and search pages, JSON API).

Binds 127.0.0.1 unless ``--host`` says otherwise; the store is opened read-only. Requests for
a Host other than localhost, 127.0.0.1, ::1 or the bound address are refused unless
``--allow-host`` names it (``unspun.web.security``).
"""

from __future__ import annotations

import argparse
import socket
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    from unspun.web import DEFAULT_MAX_BODY, DEFAULT_PASTE_QUEUE, DEFAULT_PASTE_WORKERS, DEFAULT_TIMEOUT

    p = sub.add_parser("serve", help="browse a store in a web browser (and a JSON API)",
                       description="Serve a store made by `unspun index`: articles with their layers, stories "
                                   "side by side, outlets compared, search, a paste page, and a JSON API "
                                   "(/docs, /openapi.json).")
    p.add_argument("--db", required=True, metavar="FILE", help="the store")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also serve requests whose Host is NAME (repeatable; '*' serves any). By default only "
                        "localhost, 127.0.0.1, ::1 and the --host address are served (any IP when --host is "
                        "0.0.0.0 or ::), so another site cannot reach the store through DNS rebinding")
    p.add_argument("--no-paste", action="store_true", help="switch off the page that analyses pasted articles")
    p.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                   help=f"largest request body accepted (default {DEFAULT_MAX_BODY:,})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit for analysing one pasted article (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--paste-workers", type=int, default=DEFAULT_PASTE_WORKERS, metavar="N",
                   help=f"pasted articles analysed at once, each in a process of its own "
                        f"(default {DEFAULT_PASTE_WORKERS})")
    p.add_argument("--paste-queue", type=int, default=DEFAULT_PASTE_QUEUE, metavar="N",
                   help=f"pasted articles that may wait for a worker; beyond that a paste gets 503 with "
                        f"Retry-After (default {DEFAULT_PASTE_QUEUE})")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from unspun.store import StoreError
    from unspun.web.app import create_app

    if not 0 < args.port < 65536:
        print(f"unspun serve: error: --port {args.port} is not a port number", file=sys.stderr)
        return 2
    if args.paste_workers < 1 or args.paste_queue < 0:
        print("unspun serve: error: --paste-workers must be at least 1 and --paste-queue at least 0",
              file=sys.stderr)
        return 2
    try:
        app = create_app(args.db, paste=not args.no_paste, max_body=args.max_body, timeout=args.timeout,
                         hosts=[args.host, *args.allow_host], paste_workers=args.paste_workers,
                         paste_queue=args.paste_queue)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        print(f"unspun serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"unspun: serving {args.db} at http://{host}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    # a pasted article may still be analysed at Ctrl-C: stop waiting for it after a few seconds
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False,
                                           timeout_graceful_shutdown=5))
    server.run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that a busy port or a bad address is a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    infos = socket.getaddrinfo(host, port, family if host not in ("localhost",) else 0, socket.SOCK_STREAM)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock

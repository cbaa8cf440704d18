"""Load on the web reader: 50 concurrent clients on loopback against article pages and the API.

    flock /work/notes/cpu.lock python benchmarks/web_load.py --articles 300 --clients 50 --requests 3000

Builds a store of generated articles (``index_bench.make_article``) with ``unspun index``,
starts ``unspun serve`` in its own process, and runs ``--clients`` keep-alive HTTP/1.1 clients
(a minimal asyncio client, so the load generator costs little) that fetch random article pages
(``/articles/{id}``) and API documents (``/api/articles/{id}``) until ``--requests`` are done or
``--seconds`` pass. The peer, in the same run: Python's ``http.server`` serving the same API
JSON as static files. Prints p50/p99 latency and requests/s per target. The clients share the
machine's cores with the server, so the figures are a floor.

``--mixed`` measures readers under a paste flood instead: ``--clients`` readers fetch
``/api/store`` and article pages for ``--seconds``, first alone, then while ``--flood`` clients
keep POSTing a pathological text (``--paste-text``, default ``"Mr. " * 16000``) to
``/api/analyze`` (after a 503 a flooder waits 0.5 s, not the Retry-After). Reports the readers'
p50/p99/max in both phases and how the pastes ended. ``--server-src DIR`` serves from another
source tree (e.g. ``git archive <commit> src | tar -x -C DIR``) to compare two versions:

    flock /tmp/unspun-cpu.lock python benchmarks/web_load.py --mixed --articles 60 --clients 20 --seconds 15

``--search`` times single searches instead: an ordinary two-word query (the peer), then
``"a* "`` repeated 40 and 250 times, one request at a time (also with ``--server-src``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from index_bench import make_article  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _fetch(reader, writer, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _client(port: int, paths: list[str], budget: dict, deadline: float, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random(id(latencies) ^ len(latencies))
    try:
        while budget["left"] > 0 and time.perf_counter() < deadline:
            budget["left"] -= 1
            path = rng.choice(paths)
            start = time.perf_counter()
            try:
                status = await _fetch(reader, writer, path)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                errors.append(repr(exc))
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _post(reader, writer, path: str, body: bytes) -> tuple[int, float]:
    """POST ``body``; ``(status, retry_after)``."""
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode() + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, retry = 0, 0.0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        if line.lower().startswith(b"retry-after:"):
            retry = float(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status, retry


async def _flooder(port: int, body: bytes, stop: dict, outcomes: dict) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while not stop["now"]:
            try:
                status, _ = await _post(reader, writer, "/api/analyze", body)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
                writer.close()
                if stop["now"]:
                    return
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            outcomes[status] = outcomes.get(status, 0) + 1
            if status == 503:
                await asyncio.sleep(0.5)
    finally:
        writer.close()


async def mixed_phase(port: int, paths: list[str], readers: int, seconds: float, flood: int,
                      body: bytes) -> tuple[dict, dict]:
    """Readers for ``seconds`` while ``flood`` clients POST ``body`` (none when ``flood`` is 0)."""
    stop = {"now": False}
    outcomes: dict = {}
    flooders = [asyncio.create_task(_flooder(port, body, stop, outcomes)) for _ in range(flood)]
    if flood:
        await asyncio.sleep(2.0)  # let the flood reach the server before reading starts
    result = await load(port, paths, readers, 10**9, seconds)
    stop["now"] = True
    for task in flooders:
        task.cancel()
    await asyncio.gather(*flooders, return_exceptions=True)
    return result, outcomes


async def load(port: int, paths: list[str], clients: int, requests: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list = []
    budget = {"left": requests}
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, paths, budget, start + seconds, latencies, errors) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {"requests": len(latencies), "errors": len(errors), "seconds": elapsed,
            "rps": len(latencies) / elapsed if elapsed else 0.0,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan"),
            "max_ms": 1000 * latencies[-1] if latencies else float("nan")}


def _wait_for(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listening on port {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="per target (at most)")
    parser.add_argument("--seconds", type=float, default=60.0, help="per target (at most)")
    parser.add_argument("--mixed", action="store_true", help="readers alone, then readers during a paste flood")
    parser.add_argument("--flood", type=int, default=45, help="paste flood clients (--mixed)")
    parser.add_argument("--paste-text", default="Mr. " * 16000, help="the pasted text (--mixed)")
    parser.add_argument("--server-src", metavar="DIR", help="run the server from this source tree (--mixed)")
    parser.add_argument("--search", action="store_true", help="time ordinary and crafted searches")
    args = parser.parse_args()
    if args.mixed or args.search:
        return run_mixed(args)
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.jsonl")
        with open(corpus, "w", encoding="utf-8") as f:
            for i in range(args.articles):
                f.write(json.dumps(make_article(i, rng), ensure_ascii=False) + "\n")
        db = os.path.join(tmp, "web.db")
        subprocess.run([sys.executable, "-m", "unspun", "index", corpus, "--db", db, "-j", "2", "--no-stories"],
                       check=True, stderr=subprocess.DEVNULL)
        conn = sqlite3.connect(db)
        rows = conn.execute("SELECT id, json FROM articles").fetchall()
        conn.close()
        ids = [r[0] for r in rows]
        static = os.path.join(tmp, "static", "api", "articles")
        os.makedirs(static)
        for article_id, raw in rows:
            with open(os.path.join(static, article_id), "w", encoding="utf-8") as f:
                f.write(raw)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "unspun", "serve", "--db", db, "--port", str(port),
                                   "--no-paste"], stderr=subprocess.DEVNULL)
        peer_port = free_port()
        handler = functools.partial(_QuietHandler, directory=os.path.join(tmp, "static"))
        peer = http.server.ThreadingHTTPServer(("127.0.0.1", peer_port), handler)
        threading.Thread(target=peer.serve_forever, daemon=True).start()
        try:
            _wait_for(port)
            targets = [
                ("unspun serve: article page /articles/{id}", port, [f"/articles/{i}" for i in ids]),
                ("unspun serve: API /api/articles/{id}", port, [f"/api/articles/{i}" for i in ids]),
                ("unspun serve: outlets page /outlets", port, ["/outlets"]),
                ("peer: http.server, same JSON as static files", peer_port, [f"/api/articles/{i}" for i in ids]),
            ]
            asyncio.run(load(port, targets[0][2][:5], 5, 50, 30))  # warm-up
            results = [(name, asyncio.run(load(p, paths, args.clients, args.requests, args.seconds)))
                       for name, p, paths in targets]
        finally:
            server.terminate()
            server.wait(10)
            peer.shutdown()
    print(f"{args.articles} stored articles (~600 words), {args.clients} concurrent keep-alive clients on loopback, "
          f"{os.cpu_count()} cores shared by clients and server")
    print(f"{'target':<48} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, r in results:
        print(f"{name:<48} {r['requests']:>8} {r['errors']:>6} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}")
    return 0


def _store(tmp: str, n: int, env: dict | None = None) -> tuple[str, list[str]]:
    rng = random.Random(11)
    corpus = os.path.join(tmp, "corpus.jsonl")
    with open(corpus, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(make_article(i, rng), ensure_ascii=False) + "\n")
    db = os.path.join(tmp, "web.db")
    subprocess.run([sys.executable, "-m", "unspun", "index", corpus, "--db", db, "-j", "2", "--no-stories"],
                   check=True, stderr=subprocess.DEVNULL, env=env)
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
    conn.close()
    return db, ids


def run_mixed(args) -> int:
    env = dict(os.environ)
    if args.server_src:
        env["PYTHONPATH"] = os.path.abspath(args.server_src) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        db, ids = _store(tmp, args.articles, env)  # indexed by the same code that serves it
        port = free_port()
        log = open(os.path.join(tmp, "serve.log"), "w+b")
        server = subprocess.Popen([sys.executable, "-m", "unspun", "serve", "--db", db, "--port", str(port)],
                                  stderr=log, env=env)
        paths = ["/api/store"] + [f"/articles/{i}" for i in ids]
        body = args.paste_text.encode("utf-8")
        try:
            try:
                _wait_for(port)
            except SystemExit:
                server.terminate()
                log.seek(0)
                raise SystemExit(f"unspun serve did not start: {log.read().decode()[-500:]}") from None
            asyncio.run(load(port, paths[:5], 5, 50, 30))  # warm-up
            if args.search:
                return _searches(port, args)
            alone, _ = asyncio.run(mixed_phase(port, paths, args.clients, args.seconds, 0, body))
            flooded, outcomes = asyncio.run(mixed_phase(port, paths, args.clients, args.seconds, args.flood, body))
        finally:
            server.terminate()
            server.wait(30)
            log.close()
    print(f"server from {args.server_src or 'this checkout'}; {args.articles} stored articles; {args.clients} readers "
          f"(/api/store and article pages) for {args.seconds:g} s; flood: {args.flood} clients POSTing "
          f"{len(body):,} bytes to /api/analyze; {os.cpu_count()} cores shared by clients and server")
    print(f"{'phase':<28} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, r in (("readers alone", alone), ("readers during paste flood", flooded)):
        print(f"{name:<28} {r['requests']:>8} {r['errors']:>6} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}")
    print(f"reader p99 during the flood / alone: {flooded['p99_ms'] / alone['p99_ms']:.1f}x; max during the flood "
          f"{flooded['max_ms']:.0f} ms")
    print("paste outcomes during the flood:", ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items(), key=str)))
    return 0


def _searches(port: int, args) -> int:
    import urllib.error
    import urllib.parse
    import urllib.request

    print(f"server from {args.server_src or 'this checkout'}; {args.articles} stored articles; one search at a time")
    print(f"{'query':<24} {'status':>6} {'seconds':>8}")
    for name, query in (("council levy (peer)", "council levy"), ('"a* " x 40', "a* " * 40),
                        ('"a* " x 250', "a* " * 250)):
        url = f"http://127.0.0.1:{port}/api/search?q=" + urllib.parse.quote(query)
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=600) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        print(f"{name:<24} {status:>6} {time.perf_counter() - start:>8.3f}")
    return 0


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())

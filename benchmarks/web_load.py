"""Load on the web reader: 50 concurrent clients on loopback against article pages and the API.

    flock /work/notes/cpu.lock python benchmarks/web_load.py --articles 300 --clients 50 --requests 3000

Builds a store of generated articles (``index_bench.make_article``) with ``unspun index``,
starts ``unspun serve`` in its own process, and runs ``--clients`` keep-alive HTTP/1.1 clients
(a minimal asyncio client, so the load generator costs little) that fetch random article pages
(``/articles/{id}``) and API documents (``/api/articles/{id}``) until ``--requests`` are done or
``--seconds`` pass. The peer, in the same run: Python's ``http.server`` serving the same API
JSON as static files. Prints p50/p99 latency and requests/s per target. The clients share the
machine's cores with the server, so the figures are a floor.
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
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan")}


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
    args = parser.parse_args()
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())

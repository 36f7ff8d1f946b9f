"""The load generator of bench_season_start: an asyncio HTTP/1.1 client with keep-alive connections (one per
virtual user), bounded in time and in requests, to 127.0.0.1 only, and the latency bookkeeping.

No client library: the standard library's streams are enough for HTTP/1.1 with Content-Length (or chunked)
bodies, and one event loop costs the shared machine far less than a thread per virtual user."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive connection to 127.0.0.1:port; reopened when the server closes it between requests."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, host: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, bytes]:
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                await self._open()
            try:
                return await asyncio.wait_for(self._exchange(method, path, host, headers or {}, body), self.timeout)
            except (ConnectionError, asyncio.IncompleteReadError, _ClosedError):
                self.close()
                # A kept-alive connection the server closed while idle (keep-alive timeout, worker recycled):
                # nothing was answered, so the request is sent once more on a fresh connection.
                if fresh or attempt == 2:
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    async def _exchange(self, method, path, host, headers, body) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise _ClosedError()
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, data


class _ClosedError(Exception):
    pass


@dataclass
class Stats:
    """Latencies (ms) and failures per operation name, over one measured window."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    wall: float = 0.0

    def add(self, op: str, ms: float, error: str | None = None) -> None:
        self.latencies[op].append(ms)
        if error:
            self.failures[op].append(error)

    def row(self, op: str) -> dict:
        values = sorted(self.latencies.get(op, []))
        n = len(values)
        if not n:
            return {"n": 0, "rps": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "errors": 0}
        pct = lambda q: values[min(n - 1, int(q * n))]  # noqa: E731
        return {"n": n, "rps": n / self.wall if self.wall else 0.0, "p50": pct(0.50), "p95": pct(0.95),
                "p99": pct(0.99), "max": values[-1], "errors": len(self.failures.get(op, []))}

    @property
    def errors(self) -> int:
        return sum(len(v) for v in self.failures.values())


class Client:
    """One virtual user's connection plus its stats; `gql` times a GraphQL call as `op`."""

    def __init__(self, port: int, stats: Stats):
        self.conn = Connection(port)
        self.stats = stats

    async def timed(self, op: str, method: str, path: str, host: str, headers: dict | None = None,
                    payload: dict | None = None, check: Callable[[int, dict | None], str | None] | None = None):
        body = json.dumps(payload).encode() if payload is not None else b""
        if payload is not None:
            headers = {**(headers or {}), "Content-Type": "application/json"}
        t0 = time.perf_counter()
        error, parsed = None, None
        try:
            status, data = await self.conn.request(method, path, host, headers, body)
            parsed = json.loads(data) if data[:1] in (b"{", b"[") else None
            error = check(status, parsed) if check else (None if status == 200 else f"HTTP {status}")
        except (TimeoutError, OSError, HttpError, asyncio.IncompleteReadError, _ClosedError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.stats.add(op, (time.perf_counter() - t0) * 1000, error)
        return None if error else parsed

    async def gql(self, op: str, host: str, query: str, variables: dict | None = None, token: str | None = None,
                  field: str | None = None, extra_headers: dict | None = None):
        """POST /graphql/; an answer counts as an error unless 200, without `errors`, and (for a mutation
        payload named by `field`) with an empty `errors` list."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(extra_headers or {})

        def check(status, body):
            if status != 200 or not isinstance(body, dict):
                return f"HTTP {status}: {str(body)[:200]}"
            if body.get("errors"):
                return f"errors: {str(body['errors'])[:200]}"
            if field:
                payload = (body.get("data") or {}).get(field)
                if not payload or payload.get("errors"):
                    return f"{field}: {str(payload)[:200]}"
            return None

        body = await self.timed(op, "POST", "/graphql/", host, headers,
                                {"query": query, "variables": variables or {}}, check)
        return body["data"] if body else None

    def close(self) -> None:
        self.conn.close()


async def closed_loop(port: int, concurrency: int, seconds: float, work: Callable[[Client, int], Awaitable[None]],
                      max_tasks: int = 10**9, warmup: float = 0.0) -> Stats:
    """`concurrency` virtual users, each running work(client, task_no) back to back (no think time) until
    `seconds` have passed or `max_tasks` tasks were started. Requests finished in the first `warmup` seconds
    are not counted. Returns the stats of the measured window."""
    stats, discard = Stats(), Stats()
    counter = iter(range(max_tasks))
    started = time.perf_counter()
    deadline = started + warmup + seconds
    measuring = [warmup <= 0]

    async def user():
        client = Client(port, stats if measuring[0] else discard)
        try:
            while time.perf_counter() < deadline:
                task = next(counter, None)
                if task is None:
                    break
                client.stats = stats if measuring[0] else discard
                await work(client, task)
        finally:
            client.close()

    async def switch():
        if warmup > 0:
            await asyncio.sleep(warmup)
            measuring[0] = True

    switcher = asyncio.ensure_future(switch())
    await asyncio.gather(*(user() for _ in range(concurrency)))
    switcher.cancel()
    stats.wall = time.perf_counter() - started - warmup
    return stats

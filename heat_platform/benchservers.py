"""gunicorn vs granian on HeatCloud (deploy/README.md "Web server"): how the production server was chosen.

    .venv/bin/pip install granian==2.8.7   # not a dependency: only this measurement uses it
    .venv/bin/python -m heat_platform.benchservers

Brings up the `make prod-check` stack (production settings, PgBouncer in session mode, Redis, Celery), runs
its scenario (a company with 20 houses, a published season, a resident who paid), then starts both servers
side by side with the same environment and the same size (2 processes × 4 threads) and sends each of them,
from 8 keep-alive client threads, N requests of `/healthz` (routing, middleware, one SELECT) and N of the
resident's `myBills` GraphQL read (token check, bills with lines and the amount due now). Servers and
endpoints alternate over several rounds so a change in the machine's load weighs on both. Prints
requests/s and latency percentiles per server and endpoint, and the ratio.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

from heat_platform import prodcheck
from heat_platform.stack import free_port, server_argv, start_process, stop, wait_port

SENDERS = 8
PER_ROUND = 400  # requests per server, endpoint and round
ROUNDS = 3
SERVERS = ("gunicorn", "granian")
MY_BILLS = ("{myBills{id season status principalFen lines{explanation amountFen} "
            "amountDue{totalFen lateFeeFen discountFen}}}")


def _load(port: int, host: str, endpoint: str, token: str, n: int) -> tuple[float, list[float], int]:
    """n requests from SENDERS threads; (wall seconds, latencies in ms, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    counter = iter(range(n))

    def sender():
        session = requests.Session()
        url = f"http://127.0.0.1:{port}" + ("/healthz" if endpoint == "healthz" else "/graphql/")
        headers = {"Host": host, "Authorization": f"Bearer {token}"}
        mine = []
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            t0 = time.perf_counter()
            if endpoint == "healthz":
                resp = session.get(url, headers=headers, timeout=30)
                good = resp.status_code == 200
            else:
                resp = session.post(url, json={"query": MY_BILLS}, headers=headers, timeout=30)
                good = resp.status_code == 200 and resp.json().get("data", {}).get("myBills")
            mine.append((time.perf_counter() - t0) * 1000)
            if not good:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, failures[0]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench(env: dict, folder: Path, scenario: dict) -> dict:
    if importlib.util.find_spec("granian") is None:
        raise prodcheck.SmokeError("granian is not installed: .venv/bin/pip install granian==2.8.7")
    host, token = scenario["_host"], scenario["_resident_token"]
    procs, ports = {}, {}
    try:
        for server in SERVERS:
            ports[server] = free_port()
            procs[server] = start_process(server_argv(server, ports[server]), env, folder / f"bench-{server}.log")
        for server in SERVERS:
            wait_port(ports[server], procs[server], server, timeout=60, log=folder / f"bench-{server}.log")
            _load(ports[server], host, "healthz", token, 50)  # warm up every worker
            _load(ports[server], host, "myBills", token, 50)
        totals = {(s, e): [0.0, [], 0] for s in SERVERS for e in ("healthz", "myBills")}
        for r in range(ROUNDS):
            order = SERVERS if r % 2 == 0 else tuple(reversed(SERVERS))
            for endpoint in ("healthz", "myBills"):
                for server in order:
                    wall, lat, failed = _load(ports[server], host, endpoint, token, PER_ROUND)
                    acc = totals[(server, endpoint)]
                    acc[0] += wall
                    acc[1] += lat
                    acc[2] += failed
        report: dict = {}
        for (server, endpoint), (wall, lat, failed) in totals.items():
            report.setdefault(endpoint, {})[server] = {
                "req_per_s": round(len(lat) / wall, 1), "p50_ms": round(statistics.median(lat), 1),
                "p95_ms": round(_pct(lat, 0.95), 1), "p99_ms": round(_pct(lat, 0.99), 1), "failed": failed}
        for by_server in report.values():
            by_server["gunicorn/granian throughput"] = round(
                by_server["gunicorn"]["req_per_s"] / by_server["granian"]["req_per_s"], 2)
        print(json.dumps(report, indent=1), flush=True)
        return report
    finally:
        for proc in procs.values():
            stop(proc)


def main() -> int:
    return prodcheck.run(extra=bench)


if __name__ == "__main__":
    sys.exit(main())

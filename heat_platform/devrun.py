"""Local launcher behind `make run`, `make test` and `make bench`.

Starts a private PostgreSQL cluster under `.data/pg` (unless DATABASE_URL is
set), runs the requested job against it and stops whatever it started.
Deliberately free of Django imports: it runs before the database exists.

PostgreSQL refuses to run as root. When we are root, the cluster is owned by
and run as the unprivileged `nobody` user (Python's subprocess `user=`), so the
same command works for root (CI, containers) and for a normal developer.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
DB_NAME = "heatcloud"
DEFAULT_RUN_ADDR = "127.0.0.1:8000"


def run_addr(value: str | None) -> tuple[str, int]:
    """`RUN_ADDR` as `make run` and the dev settings read it: `host:port`, a bare `port`
    (on 127.0.0.1) or unset (127.0.0.1:8000). Raises ValueError for anything else."""
    value = (value or "").strip() or DEFAULT_RUN_ADDR
    host, _sep, port = value.rpartition(":")
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"RUN_ADDR must be host:port or a port number, not {value!r}")
    return host or "127.0.0.1", int(port)


def _pg_bin() -> Path:
    # The pgserver wheel bundles relocatable PostgreSQL 16 binaries; only those are
    # used (found without importing the package, whose import has side effects).
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("devrun: the pgserver package is missing; run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _run_as() -> dict:
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def _traversable_by_others(path: Path) -> bool:
    for parent in [path, *path.parents]:
        if parent.exists() and not os.stat(parent).st_mode & 0o001:
            return False
    return True


def _cluster_home() -> Path:
    """`.data/pg`, or a private /tmp folder when root and the repo's parent
    folders are closed to other users (the cluster user must reach its files)."""
    home = DATA / "pg"
    if os.geteuid() == 0 and not _traversable_by_others(ROOT):
        home = Path("/tmp") / f"heatcloud-pg-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]}"
    return home


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Cluster:
    def __init__(self) -> None:
        self.home = _cluster_home()
        self.data = self.home / "data"
        self.port_file = self.home / "port"
        self.users = DATA / "pg-users"  # one empty file per devrun process using the cluster (its pid)
        self.owned = DATA / "pg-owned"  # present while the cluster runs because devrun started it
        self.bin = _pg_bin()
        self.as_user = _run_as()
        self.started_here = False

    def _pg(self, *args: str, **kw) -> subprocess.CompletedProcess:
        bin_dir = self.bin
        if self.as_user and not _traversable_by_others(bin_dir):
            # Root with a closed home: run a copy the cluster user can reach, keeping
            # the wheel's layout (binaries find their libraries at ../../../pgserver.libs).
            site = self.bin.parent.parent.parent
            copy = self.home / "site"
            for name in ("pgserver/pginstall", "pgserver.libs"):
                if not (copy / name).exists():
                    shutil.copytree(site / name, copy / name, symlinks=True)
            bin_dir = copy / "pgserver" / "pginstall" / "bin"
        return subprocess.run([str(bin_dir / args[0]), *args[1:]], check=True, **self.as_user, **kw)

    @property
    def port(self) -> int:
        return int(self.port_file.read_text())

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def running(self) -> bool:
        if not (self.data / "postmaster.pid").exists() or not self.port_file.exists():
            return False
        r = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False
        )
        return r.returncode == 0

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialises start/stop decisions between devrun processes sharing this
        cluster (`make test` twice at once, `make run` beside `make test`)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with open(DATA / "pg.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _users(self) -> list[int]:
        """Live devrun processes using the cluster (dead ones are forgotten)."""
        alive = []
        for entry in self.users.glob("*"):
            try:
                os.kill(int(entry.name), 0)
                alive.append(int(entry.name))
            except (ValueError, ProcessLookupError):
                entry.unlink(missing_ok=True)
            except PermissionError:
                alive.append(int(entry.name))
        return alive

    def start(self) -> None:
        """Start the cluster unless it runs, and register this process as a user:
        the last registered user to leave stops a cluster devrun started."""
        with self._locked():
            if not self.running():
                self._start()
                self.owned.touch()
            self.users.mkdir(parents=True, exist_ok=True)
            (self.users / str(os.getpid())).touch()
            self.started_here = True

    def _start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            os.chmod(self.home, 0o700)
            os.chown(self.home, self.as_user["user"], self.as_user["group"])
        if not (self.data / "PG_VERSION").exists():
            print("devrun: creating a private PostgreSQL cluster in", self.data, file=sys.stderr, flush=True)
            self._pg(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C", "--no-sync", stdout=subprocess.DEVNULL,
            )
        stale_pid = self.data / "postmaster.pid"
        if stale_pid.exists():  # left by a killed run; pg_ctl would refuse to start
            stale_pid.unlink()
        port = self.port if self.port_file.exists() else 0
        if not port or _port_open(port):
            port = _free_port()
        self.port_file.write_text(str(port))
        # fsync off: a throwaway developer cluster; production always sets DATABASE_URL.
        opts = f"-p {port} -h 127.0.0.1 -k {self.home} -c fsync=off -c synchronous_commit=off -c max_connections=300"
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.home / "server.log"), "-w", "-s", "-o", opts, "start")
        self._psql_create_db()

    def _psql_create_db(self) -> None:
        psql = [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                "-d", "postgres", "-tAq"]
        exists = subprocess.run([*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'"],
                                check=True, capture_output=True, text=True).stdout.strip()
        if not exists:
            subprocess.run([*psql, "-c", f"CREATE DATABASE {DB_NAME}"], check=True)

    def stop(self) -> None:
        """Leave the cluster; stop it when no other devrun process uses it and
        devrun started it (a cluster started by `devrun url` keeps running)."""
        if not self.started_here:
            return
        with self._locked():
            (self.users / str(os.getpid())).unlink(missing_ok=True)
            self.started_here = False
            if self._users() or not self.owned.exists() or not self.running():
                return
            self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-s", "stop")
            self.owned.unlink(missing_ok=True)

    def stop_now(self) -> None:
        """`devrun stop`: stop the cluster whoever uses it."""
        with self._locked():
            if self.running():
                self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-s", "stop")
            self.owned.unlink(missing_ok=True)


def _manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def _database(env: dict) -> Cluster | None:
    if env.get("DATABASE_URL"):
        return None
    cluster = Cluster()
    cluster.start()
    env["DATABASE_URL"] = cluster.url()
    return cluster


def _wait_http(host: str, port: int, timeout: float = 60) -> bool:
    import urllib.request

    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104  (listening everywhere: ask on loopback)
        host = "127.0.0.1"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            req = urllib.request.Request(f"http://{host}:{port}/healthz", headers={"Host": "localhost"})
            with urllib.request.urlopen(req, timeout=1):  # noqa: S310  (our own loopback server)
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(children: list[subprocess.Popen]) -> None:
    # Each child leads its own process group, so this also reaches runserver's
    # autoreload child and Celery's pool processes.
    for sig, wait in ((signal.SIGINT, 15), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        alive = [c for c in children if c.poll() is None]
        for c in alive:
            try:
                os.killpg(c.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        for c in alive:
            try:
                c.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        if all(c.poll() is not None for c in children):
            return


def cmd_run(env: dict) -> int:
    env.setdefault("DJANGO_SETTINGS_MODULE", "heat_platform.settings.dev")
    try:
        host, port = run_addr(env.get("RUN_ADDR"))
    except ValueError as exc:
        print(f"devrun: {exc}", file=sys.stderr)
        return 2
    addr = f"{host}:{port}"
    # Exported to every process started here: the dev settings derive the sandbox gateway, notify and
    # mini-program URLs from it, so the server, the worker and the seed agree on the port.
    env["RUN_ADDR"] = addr
    cluster = _database(env)
    children: list[subprocess.Popen] = []
    try:
        _manage("migrate", "--noinput", env=env)
        seed = [sys.executable, str(ROOT / "manage.py"), "seed_demo", "--port", str(port)]
        banner = subprocess.run(seed, check=True, env=env, cwd=ROOT, capture_output=True, text=True).stdout
        worker = [sys.executable, "-m", "celery", "-A", "heat_platform", "worker", "-B", "-l", "warning",
                  "--concurrency", "2", "-s", str(DATA / "celerybeat-schedule")]
        server = [sys.executable, "manage.py", "runserver", addr]
        for argv in (worker, server):
            children.append(subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True))
        if _wait_http(host, port):
            print(banner, flush=True)
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        print("devrun: a child process exited; stopping everything", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(children)
        if cluster:
            cluster.stop()
            print("devrun: stopped everything it started", file=sys.stderr, flush=True)


def _run_and_stop(env: dict, argv: list[str]) -> int:
    cluster = _database(env)
    try:
        return subprocess.run(argv, env=env, cwd=ROOT, check=False).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        if cluster:
            cluster.stop()


def _bench(env: dict, args: list[str]) -> int:
    """Each benchmark in its own pytest process: they commit and flush whole
    tables, so they must not share a test database."""
    cluster = _database(env)
    failed = 0
    try:
        for path in sorted((ROOT / "tests" / "perf").glob("bench_*.py")):
            cmd = [sys.executable, "-m", "pytest", str(path.relative_to(ROOT)), "-o", "addopts=",
                   "-p", "no:cacheprovider", "-s", "-q", *args]
            failed |= subprocess.run(cmd, env=env, cwd=ROOT, check=False).returncode != 0
        return int(failed)
    except KeyboardInterrupt:
        return 130
    finally:
        if cluster:
            cluster.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and `kill` both stop cleanly, even when started from a shell that
    # ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    job, *rest = sys.argv[1:] or ["run"]
    env = dict(os.environ)
    DATA.mkdir(exist_ok=True)
    if job == "run":
        return cmd_run(env)
    if job == "test":
        env["DJANGO_SETTINGS_MODULE"] = "heat_platform.settings.test"
        return _run_and_stop(env, [sys.executable, "-m", "pytest", *rest])
    if job == "bench":
        env["DJANGO_SETTINGS_MODULE"] = "heat_platform.settings.test"
        return _bench(env, rest)
    if job == "locked":  # `locked NAME CMD…`: run CMD holding .data/NAME.lock (installs shared by parallel makes)
        name, *argv = rest
        with open(DATA / f"{name}.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return subprocess.run(argv, cwd=ROOT, check=False).returncode
    if job == "url":  # start (if needed) and leave running, for a second terminal
        c = Cluster()
        with c._locked():
            if not c.running():
                c._start()
        print(c.url())
        return 0
    if job == "stop":
        Cluster().stop_now()
        return 0
    print(f"unknown job {job!r}; use run, test, bench, url or stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""gunicorn settings for HeatCloud's web processes (deploy/README.md "Web server").

    gunicorn -c deploy/gunicorn.conf.py heat_platform.wsgi:application

Every number comes from the environment so one image serves a 2-core VM and a
Kubernetes pod alike; the defaults suit one 2-core container."""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")  # inside a container, behind the proxy
# Processes × threads: gthread threads overlap the time a request waits on PostgreSQL, Redis or a payment
# gateway; processes use the cores. Each thread may hold one database connection (see "Connection pooler").
workers = _int("WEB_CONCURRENCY", 2)
worker_class = "gthread"
threads = _int("WEB_THREADS", 4)

# A worker that stops answering the arbiter's heartbeat this long is killed and replaced. Request time itself is
# bounded by the outbound HTTP timeouts (payments 10 s, WeChat/SMS 5 s), PgBouncer's query_timeout and the
# proxy's read timeout (deploy/README.md "Request timeouts").
timeout = _int("WEB_TIMEOUT", 30)
# SIGTERM (Kubernetes, compose stop): stop accepting, let running requests finish for up to this long.
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 25)
keepalive = _int("WEB_KEEPALIVE", 5)  # seconds; the proxy in front keeps connections open

# Recycle workers now and then (memory growth in long-lived processes); the jitter keeps them from
# restarting all at once. Sized for the season-start peak (issue #18, tests/perf/bench_season_start.py): at
# 2000 + 0..200 both workers of a pod, sharing the load evenly, reached their limit within seconds of each
# other every ~20 s, and their reboots (seconds of imports on a busy machine) stalled requests for up to 8.8 s.
max_requests = _int("WEB_MAX_REQUESTS", 20000)
max_requests_jitter = _int("WEB_MAX_REQUESTS_JITTER", 10000)

# Heartbeat files in memory: a container's /tmp may be a slow overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# The app logs one line per request itself (with tenant and request id); gunicorn logs only its own events.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# Only the proxy in front may set X-Forwarded-*; the app reads the client IP by TRUSTED_PROXY_COUNT.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "heatcloud-web"
# No runtime control socket (gunicorn ≥ 25): nothing here uses `gunicornc`, its default path under $HOME is
# shared by every gunicorn of a user on one host, and a read-only container home could not hold it.
control_socket_disable = True

"""Every Prometheus metric HeatCloud exports, and the endpoint that serves them.

Label cardinality is bounded by construction: routes are URL patterns (not paths), statuses and methods are
HTTP's, task names are code, notify reject reasons are the providers' fixed texts. Only the payment
counters carry a `tenant` label: a series exists only for a company that has a merchant account and took
a payment, i.e. a paying customer (hundreds, not the unbounded set of sign-ups), and they are counters,
not histograms. Request metrics never carry the tenant: routes x statuses x buckets x hundreds of
companies would be the largest series set in the system; the JSON request log has the tenant instead.

Multi-process servers (gunicorn/granian workers, Celery's prefork pool) set PROMETHEUS_MULTIPROC_DIR:
each process writes its samples there and the scrape sums them (prometheus_client's multiprocess mode;
only counters and histograms are used, which need no per-process bookkeeping when a worker exits)."""

from __future__ import annotations

import hmac
import os
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUESTS = Counter(
    "heatcloud_http_requests", "HTTP requests answered, by site (platform/tenant), route pattern, method, status",
    ["site", "route", "method", "status"])
HTTP_LATENCY = Histogram(
    "heatcloud_http_request_duration_seconds", "Time to answer a request (until the response object exists)",
    ["site", "route", "method"], buckets=LATENCY_BUCKETS)
CELERY_TASKS = Counter(
    "heatcloud_celery_tasks", "Celery tasks finished, by task name and outcome (success, failure, retry, ...)",
    ["task", "outcome"])
CELERY_TASK_LATENCY = Histogram(
    "heatcloud_celery_task_duration_seconds", "Celery task run time", ["task"], buckets=TASK_BUCKETS)
PAYMENT_SETTLEMENTS = Counter(
    "heatcloud_payment_settlements",
    "The provider's word on an online order, applied: outcome settled, duplicate, ignored or rejected",
    ["tenant", "channel", "source", "outcome"])
PAYMENTS_FAILED = Counter(
    "heatcloud_payments_failed", "Online orders the provider reported failed (closed as failed)",
    ["tenant", "channel"])
NOTIFY_REJECTS = Counter(
    "heatcloud_payment_notify_rejects",
    "Payment notifies refused: stage 'unverified' (never proven to come from the gateway) or 'settlement' "
    "(verified, but not about an order of ours or not matching it)",
    ["channel", "stage", "reason"])

_REASON = re.compile(r"[^a-z0-9_ ]+")


def reason_label(reason: str) -> str:
    """The providers' fixed reason texts, normalised; a guard, not the bound (the texts are code)."""
    return _REASON.sub("", (reason or "unknown").lower())[:40] or "unknown"


def registry() -> CollectorRegistry:
    """The samples of every process of this server (multiprocess mode), or of this process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return REGISTRY


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics with `Authorization: Bearer <METRICS_TOKEN>`. Without a configured token the endpoint
    does not exist (404); a wrong or missing token is a 401. Answered before host routing (see
    heat_platform/internal.py), so Prometheus may scrape a pod by its IP."""
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    given = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        return HttpResponse(status=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def serve_worker_metrics(port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104  (a pod/container port)
    """The Celery worker has no HTTP server of its own: serve its (multiprocess) metrics on an internal port
    that only Prometheus reaches (not published in compose; NetworkPolicy on Kubernetes)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=addr, registry=registry())

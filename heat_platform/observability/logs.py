"""JSON log lines, and the one line (plus metrics) per HTTP request.

Every record becomes one JSON object on one line: time, level, logger, message, the tenant schema and the
request id (heat_platform.logging.ContextFilter), and the structured fields of `FIELDS` when the record
has them. Messages and tracebacks pass through `pii.scrub_text`, so a phone or ID number that slipped into
a message is masked and tokens are dropped; structured fields are ours and hold neither."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from django.db import connection
from django.http import HttpRequest, HttpResponse

from heat_platform.pii import scrub_text

from . import metrics

# Structured fields a record may carry (`logger.info(..., extra={...})`); nothing else is copied, so an
# `extra` that someone fills with a request body or a model instance never reaches the line.
FIELDS = ("event", "method", "route", "site", "status", "duration_ms", "user_kind",
          "task", "task_id", "outcome", "retries")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub_text(record.getMessage()),
            "tenant": getattr(record, "tenant", "-"),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["exc"] = scrub_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


request_logger = logging.getLogger("heat.request")


def request_schema(request: HttpRequest) -> str:
    """The schema the request was served in. Read from the request: by the time the response is back, the
    routing middleware has given a company on another cluster's request the main connection again (in public)."""
    tenant = getattr(request, "tenant", None)
    return getattr(tenant, "schema_name", None) or connection.schema_name


def user_kind(request: HttpRequest) -> str:
    """anonymous / resident / staff / operator, from what the request already resolved: the API's bearer
    token (`request.actor`, set by kernel.actors) or the admin's session user, if the view looked at it.
    Never resolved here (no extra queries), so a request refused before its view reads as anonymous."""
    actor = getattr(request, "actor", None)
    if actor is not None:
        return actor.kind
    user = request.__dict__.get("_cached_user")
    if user is not None and user.is_authenticated:
        return "operator" if request_schema(request) == "public" else "staff"
    return "anonymous"


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_of(request: HttpRequest) -> str:
    """A client may send any token as its method: anything unusual is one label value."""
    return request.method if request.method in METHODS else "OTHER"


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (bounded: never the path itself), or why none did."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unrouted>"  # answered by a middleware: unknown host, suspended company, …
    return "/" + match.route


class RequestTelemetryMiddleware:
    """One log line (logger `heat.request`) and the request metrics for every request. Placed right after
    RequestIdMiddleware: it sees the request id, and times routing, the view and every other middleware.
    Streaming bodies (file downloads) are timed until their response object exists."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - start
        schema = request_schema(request)
        site = "platform" if schema == "public" else "tenant"
        route, method, status = route_of(request), method_of(request), response.status_code
        metrics.HTTP_REQUESTS.labels(site, route, method, str(status)).inc()
        metrics.HTTP_LATENCY.labels(site, route, method).observe(elapsed)
        level = logging.ERROR if status >= 500 else logging.INFO
        request_logger.log(level, "%s %s %s %.1fms", method, route, status, elapsed * 1000, extra={
            "event": "request", "method": method, "route": route, "site": site, "status": status,
            "duration_ms": round(elapsed * 1000, 1), "user_kind": user_kind(request), "tenant": schema})
        return response

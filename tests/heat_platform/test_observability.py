"""Observability (issue #13.6): one JSON log line per request and per Celery task, with the tenant schema,
request id, user kind, route, status and latency and nothing secret; the request and task metrics move."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
from celery import shared_task
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from prometheus_client import REGISTRY

from heat_platform.celery import app
from heat_platform.logging import ContextFilter, request_id_var
from heat_platform.observability.logs import FIELDS, JsonFormatter

pytestmark = pytest.mark.django_db

ME = "{ me { username role } }"
ECHO_ID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


class Lines:
    """JSON lines written by one logger, through the project's filter and formatter."""

    def __init__(self, stream: io.StringIO):
        self.stream = stream

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    @property
    def raw(self) -> str:
        return self.stream.getvalue()


def _capture(name: str):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)  # the test settings quiet the root logger to WARNING
    return stream, lambda: (logger.removeHandler(handler), logger.setLevel(old_level))


@pytest.fixture
def request_lines():
    stream, undo = _capture("heat.request")
    yield Lines(stream)
    undo()


@pytest.fixture
def task_lines():
    stream, undo = _capture("heat.task")
    yield Lines(stream)
    undo()


def _sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _post_graphql(host: str, query: str, token: str | None = None, **extra):
    headers = {"HTTP_HOST": host, **extra}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    resp = Client().post("/graphql/", data=json.dumps({"query": query}), content_type="application/json", **headers)
    connection.set_schema_to_public()
    return resp


# --- one line per request ----------------------------------------------------------------------------------

def test_a_staff_request_writes_one_json_line_with_tenant_request_id_kind_route_status_and_latency(
        alpha, make_staff, request_lines):
    token = make_staff(alpha, "finance")
    before = _sample("heatcloud_http_requests_total", site="tenant", route="/graphql/", method="POST", status="200")
    hist_before = _sample("heatcloud_http_request_duration_seconds_count", site="tenant", route="/graphql/",
                          method="POST")
    resp = _post_graphql(alpha.host, ME, token, HTTP_X_REQUEST_ID=ECHO_ID)
    assert resp.status_code == 200 and resp.json()["data"]["me"]["role"] == "FINANCE"
    line = request_lines.all()[-1]
    assert line["event"] == "request" and line["level"] == "INFO" and line["logger"] == "heat.request"
    assert line["tenant"] == alpha.schema and line["request_id"] == ECHO_ID == resp["X-Request-Id"]
    assert (line["user_kind"], line["route"], line["method"], line["status"], line["site"]) == (
        "staff", "/graphql/", "POST", 200, "tenant")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["ts"].endswith("+00:00")
    assert token not in request_lines.raw and token[-12:] not in request_lines.raw
    assert _sample("heatcloud_http_requests_total", site="tenant", route="/graphql/", method="POST",
                   status="200") == before + 1
    assert _sample("heatcloud_http_request_duration_seconds_count", site="tenant", route="/graphql/",
                   method="POST") == hist_before + 1


def test_user_kind_is_resident_operator_or_anonymous_as_the_token_says(
        gql, alpha, make_resident, request_lines):
    _resident, resident_token = make_resident(alpha, "o-observed")
    operator_token = gql.login("localhost", "op-root")
    kinds = []
    for host, query, token in [(alpha.host, "{ myHouses { accountNo } }", resident_token),
                               ("localhost", "{ me { username } }", operator_token),
                               (alpha.host, "{ __typename }", None),
                               (alpha.host, "{ __typename }", "not-a-token")]:
        _post_graphql(host, query, token)
        line = request_lines.all()[-1]
        kinds.append((line["user_kind"], line["site"], line["tenant"]))
    assert kinds == [("resident", "tenant", alpha.schema), ("operator", "platform", "public"),
                     ("anonymous", "tenant", alpha.schema), ("anonymous", "tenant", alpha.schema)]


def test_requests_answered_before_any_view_log_an_unrouted_route_and_their_status(request_lines):
    resp = Client().get("/graphql/?phone=13800138000", HTTP_HOST="nobody.localhost")
    assert resp.status_code == 404
    line = request_lines.all()[-1]
    assert (line["route"], line["status"], line["user_kind"], line["method"]) == ("<unrouted>", 404, "anonymous", "GET")
    assert "13800138000" not in request_lines.raw  # query strings are never logged


def test_a_route_is_the_url_pattern_never_the_path_and_odd_methods_share_one_label(alpha, request_lines):
    Client().get("/payments/receipts/C2026123456789.pdf", HTTP_HOST=alpha.host)
    Client().generic("PROPFIND", "/graphql/", HTTP_HOST=alpha.host)
    first, second = request_lines.all()[-2:]
    assert first["route"] == "/payments/receipts/<str:out_trade_no>.pdf" and "C2026" not in request_lines.raw
    assert second["method"] == "OTHER"


def test_a_server_error_is_logged_at_error_level_with_status_500(request_lines):
    from django.http import HttpResponseServerError
    from django.test import RequestFactory

    from heat_platform.observability.logs import RequestTelemetryMiddleware

    # Whatever failed below (Django turns a view's exception into this response before it reaches us).
    middleware = RequestTelemetryMiddleware(lambda request: HttpResponseServerError())
    assert middleware(RequestFactory().get("/graphql/")).status_code == 500
    line = request_lines.all()[-1]
    assert (line["level"], line["status"], line["route"]) == ("ERROR", 500, "<unrouted>")


def test_internal_endpoints_write_no_request_line(request_lines, settings):
    settings.METRICS_TOKEN = "t" * 32
    Client().get("/metrics", HTTP_HOST="10.0.0.7:8000", HTTP_AUTHORIZATION="Bearer " + "t" * 32)
    assert request_lines.all() == []


# --- the formatter ---------------------------------------------------------------------------------------

def _format(record_msg: str, *args, exc_info=None, **extra) -> dict:
    record = logging.LogRecord("apps.x", logging.WARNING, __file__, 1, record_msg, args, exc_info)
    record.__dict__.update(extra)
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_messages_and_tracebacks_are_scrubbed_of_phones_id_numbers_and_tokens():
    line = _format("resident %s bound with id %s using %s", "13912345678", "110101199003071234",
                   "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig")
    assert line["msg"] == "resident 139****5678 bound with id 110***********1234 using Bearer [Filtered]"
    try:
        raise ValueError("owner phone 13912345678 rejected")
    except ValueError:
        import sys

        line = _format("failed", exc_info=sys.exc_info())
    assert "ValueError: owner phone 139****5678 rejected" in line["exc"] and "13912345678" not in line["exc"]


def test_ids_that_merely_contain_phone_like_digits_are_left_alone():
    line = _format("order %s transaction %s", "W13912345678", "4200001234567890123456789012")
    assert line["msg"] == "order W13912345678 transaction 4200001234567890123456789012"


def test_only_known_structured_fields_are_copied_from_a_record():
    line = _format("x", route="/graphql/", body="password=hunter2", user=object())
    assert line["route"] == "/graphql/" and "body" not in line and "user" not in line
    assert set(line) <= {"ts", "level", "logger", "msg", "tenant", "request_id", "exc", *FIELDS}


def test_production_logs_json_and_development_plain_lines():
    assert settings.LOGGING["formatters"]["json"]["()"] == "heat_platform.observability.logs.JsonFormatter"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "line"  # LOG_FORMAT unset here


# --- one line per task ---------------------------------------------------------------------------------------

@shared_task(name="tests.observed_task")
def observed_task(fail: bool = False) -> str:
    logging.getLogger("heat.task").info("inside the task")
    if fail:
        raise ValueError("owner 13912345678 not found")
    return connection.schema_name


def test_a_task_writes_one_json_line_with_its_tenant_outcome_and_duration(alpha, task_lines):
    before = _sample("heatcloud_celery_tasks_total", task="tests.observed_task", outcome="success")
    token = request_id_var.set("req-from-view")
    try:
        with schema_context(alpha.schema):
            assert observed_task.delay().get() == alpha.schema
    finally:
        request_id_var.reset(token)
    inside, done = task_lines.all()[-2:]
    assert inside["msg"] == "inside the task" and inside["tenant"] == alpha.schema
    assert done["event"] == "task" and done["task"] == "tests.observed_task" and done["outcome"] == "success"
    assert done["tenant"] == alpha.schema and done["site"] == "tenant" and done["request_id"] == "req-from-view"
    assert done["duration_ms"] >= 0 and done["task_id"] and done["retries"] == 0
    assert _sample("heatcloud_celery_tasks_total", task="tests.observed_task", outcome="success") == before + 1


def test_a_failed_task_is_an_error_line_and_a_failure_count(task_lines):
    before = _sample("heatcloud_celery_tasks_total", task="tests.observed_task", outcome="failure")
    hist = _sample("heatcloud_celery_task_duration_seconds_count", task="tests.observed_task")
    with pytest.raises(ValueError):
        observed_task.delay(fail=True)
    done = task_lines.all()[-1]
    assert (done["level"], done["outcome"], done["tenant"], done["site"]) == ("ERROR", "failure", "public", "platform")
    assert "13912345678" not in task_lines.raw
    assert _sample("heatcloud_celery_tasks_total", task="tests.observed_task", outcome="failure") == before + 1
    assert _sample("heatcloud_celery_task_duration_seconds_count", task="tests.observed_task") == hist + 1


@pytest.fixture
def real_worker():
    """A real worker (in-process, memory broker), started from a helper thread so Celery's Django fixup
    closes that thread's connections, not the test's."""
    app.conf.update(task_always_eager=False)
    started, stop, failures = threading.Event(), threading.Event(), []

    def run():
        try:
            with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
                started.set()
                stop.wait(60)
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)
            started.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30) and not failures, failures
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
        app.conf.update(task_always_eager=True)


def test_a_queued_task_logs_the_request_id_of_the_request_that_queued_it(alpha, task_lines, real_worker):
    token = request_id_var.set("req-queued-1")
    try:
        with schema_context(alpha.schema):
            result = observed_task.delay()
    finally:
        request_id_var.reset(token)
    assert result.get(timeout=30) == alpha.schema
    done = [line for line in task_lines.all() if line.get("event") == "task"][-1]
    assert done["request_id"] == "req-queued-1" and done["tenant"] == alpha.schema

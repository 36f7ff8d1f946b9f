"""Request ids reach the logs only in a safe shape, and host names route
case-insensitively (issue #10, point 10)."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from heat_platform.logging import ContextFilter

pytestmark = pytest.mark.django_db

FRESH = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines():
    """Log lines exactly as the console handler writes them (the project's filter and format)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["line"]["format"]))
    logger = logging.getLogger("apps.payments")
    # Its own level: the effective one comes from the root logger, which an in-process Celery worker
    # started by an earlier test may have left at ERROR.
    old_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def _junk_notify(host: str, request_id: str | None):
    """A request that logs one line (a refused notify), sent with the given X-Request-Id."""
    cache.clear()  # refused notifies are logged once per reason and minute
    extra = {} if request_id is None else {"HTTP_X_REQUEST_ID": request_id}
    resp = Client().post("/payments/notify/wechat/", data=b"{}", content_type="application/json", HTTP_HOST=host,
                         **extra)
    connection.set_schema_to_public()
    return resp


@pytest.fixture
def wechat_company(alpha):
    from tests.factories.payments import add_wechat_account

    add_wechat_account("alpha")
    return alpha


@pytest.mark.parametrize("request_id", ["3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", "01HZX3K9V7Q2M8N4P6R0S2T4W6",
                                        "gateway.req_42-A", "a" * 64])
def test_a_well_formed_request_id_is_kept_in_the_answer_and_the_log_line(wechat_company, log_lines, request_id):
    resp = _junk_notify(wechat_company.host, request_id)
    assert resp.status_code == 400 and resp["X-Request-Id"] == request_id
    [line] = log_lines.getvalue().splitlines()
    assert f" req={request_id} " in line and "notify rejected" in line


@pytest.mark.parametrize("request_id", [
    "abc\r\nreq=forged INFO fake line",  # log and header injection
    "abc\nx", "abc\rx", "a" * 65, "-leading-dash", "with space", "quote\"d", "ünïcode", "tab\tbed", "semi;colon",
    "", "%0d%0a",
])
def test_any_other_request_id_is_replaced_by_a_fresh_one(wechat_company, log_lines, request_id):
    resp = _junk_notify(wechat_company.host, request_id)
    assert resp.status_code == 400
    fresh = resp["X-Request-Id"]
    assert FRESH.fullmatch(fresh)
    text = log_lines.getvalue()
    [line] = text.splitlines()
    assert f" req={fresh} " in line
    assert "forged" not in text and "a" * 65 not in text


def test_without_a_request_id_every_request_gets_its_own(wechat_company):
    first, second = (_junk_notify(wechat_company.host, None)["X-Request-Id"] for _ in range(2))
    assert FRESH.fullmatch(first) and FRESH.fullmatch(second) and first != second


@pytest.mark.parametrize(("host", "slug"), [
    ("ALPHA.LOCALHOST", "alpha"), ("Alpha.LocalHost", "alpha"), ("alpha.localhost.", "alpha"),
    ("ALPHA.localhost:8107", "alpha"), ("WWW.Alpha.Localhost", "alpha"), ("BETA.localhost", "beta"),
    ("LOCALHOST", "platform"), ("LocalHost.:8000", "platform"),
])
def test_host_names_route_case_insensitively(alpha, beta, host, slug):
    resp = Client().get("/healthz", HTTP_HOST=host)
    connection.set_schema_to_public()
    assert resp.status_code == 200 and resp.json()["tenant"] == slug


def test_a_mixed_case_host_reaches_the_companys_own_data(gql, alpha):
    token = gql.login("ALPHA.Localhost", alpha.admin)
    data = gql("Alpha.LOCALHOST", "{ me { username } }", token=token)
    assert data["data"]["me"]["username"] == alpha.admin


def test_an_unknown_host_in_any_case_is_still_unknown(db):
    resp = Client().get("/healthz", HTTP_HOST="NOBODY.LOCALHOST")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "UNKNOWN_HOST"

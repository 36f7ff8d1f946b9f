"""Endpoints for machines inside the deployment, answered whatever the Host header (issue #13.3, #13.6):
`/metrics` (Prometheus, bearer token) and `/internal/tls-ask` (Caddy's on-demand TLS question)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tenants.models import HeatingCompany

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef0123456789"
POD = "10.1.2.3:8000"  # what a scrape by pod IP sends as Host: no company's domain, not in ALLOWED_HOSTS


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _scrape(token: str | None = TOKEN, host: str = POD, method: str = "get"):
    headers = {"HTTP_HOST": host}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return getattr(Client(), method)("/metrics", **headers)


def _value(text: str, line_start: str) -> float:
    found = [line for line in text.splitlines() if line.startswith(line_start + " ")]
    assert len(found) == 1, (line_start, found)
    return float(found[0].rsplit(" ", 1)[1])


# --- /metrics ------------------------------------------------------------------------------------------

def test_metrics_do_not_exist_without_a_configured_token(settings):
    settings.METRICS_TOKEN = ""
    assert _scrape().status_code == 404


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x", TOKEN.upper()])
def test_metrics_refuse_a_missing_or_wrong_token(metrics_token, token):
    resp = _scrape(token)
    assert resp.status_code == 401 and resp["WWW-Authenticate"].startswith("Bearer")
    assert b"heatcloud_" not in resp.content


def test_metrics_refuse_other_methods(metrics_token):
    assert _scrape(method="post").status_code == 405


def test_metrics_answer_by_pod_address_and_count_a_request_that_just_happened(metrics_token, alpha):
    series = 'heatcloud_http_requests_total{method="POST",route="/graphql/",site="tenant",status="200"}'
    before = _scrape().content.decode()
    Client().post("/graphql/", data=json.dumps({"query": "{ __typename }"}), content_type="application/json",
                  HTTP_HOST=alpha.host)
    connection.set_schema_to_public()
    resp = _scrape()
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/plain")
    text = resp.content.decode()
    was = _value(before, series) if series + " " in before else 0.0
    assert _value(text, series) == was + 1
    assert "# TYPE heatcloud_http_request_duration_seconds histogram" in text
    assert "# TYPE heatcloud_payment_settlements_total counter" in text


def test_workers_of_one_server_are_summed_in_multiprocess_mode(tmp_path):
    """Two worker processes count; a third (the one answering the scrape) reports the sum of both."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(root)}
    count = textwrap.dedent("""
        from heat_platform.observability import metrics
        metrics.HTTP_REQUESTS.labels("tenant", "/graphql/", "POST", "200").inc(3)
        metrics.HTTP_LATENCY.labels("tenant", "/graphql/", "POST").observe(0.2)
    """)
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    report = textwrap.dedent("""
        from prometheus_client import generate_latest
        from heat_platform.observability import metrics
        print(generate_latest(metrics.registry()).decode())
    """)
    out = subprocess.run([sys.executable, "-c", report], env=env, check=True, timeout=60, capture_output=True,
                         text=True).stdout
    assert _value(out, 'heatcloud_http_requests_total{method="POST",route="/graphql/",site="tenant",status="200"}') == 6
    assert _value(out, 'heatcloud_http_request_duration_seconds_count{method="POST",route="/graphql/",site="tenant"}'
                  ) == 2


# --- /internal/tls-ask ------------------------------------------------------------------------------------

def _ask(domain: str | None, host: str = "web:8000"):
    url = "/internal/tls-ask" if domain is None else f"/internal/tls-ask?domain={domain}"
    return Client().get(url, HTTP_HOST=host).status_code


def test_tls_may_be_obtained_for_the_platform_domain_and_each_company_domain(alpha, beta, settings):
    assert _ask(settings.PLATFORM_DOMAIN) == 200
    assert _ask(alpha.host) == 200 and _ask(beta.host) == 200
    assert _ask(alpha.host.upper() + ".") == 200  # hosts match as routing matches them
    assert _ask("www." + alpha.host) == 200


@pytest.mark.parametrize("domain", ["nobody.localhost", "alpha.localhost.evil.example", "evil.example",
                                    "alpha.localhost:443", "10.0.0.1", "-", "a..localhost", "x" * 300])
def test_tls_is_refused_for_any_other_name(alpha, domain):
    assert _ask(domain) == 404


def test_a_suspended_or_closed_company_keeps_its_certificate_for_payment_notifies(alpha):
    for status in (HeatingCompany.Status.SUSPENDED, HeatingCompany.Status.CLOSED):
        HeatingCompany.objects.filter(slug="alpha").update(status=status)
        assert _ask(alpha.host) == 200


def test_a_removed_company_gets_no_certificate(alpha):
    company = HeatingCompany.objects.get(slug="alpha")
    company.domains.all().delete()
    assert _ask(alpha.host) == 404


def test_tls_ask_needs_a_domain_and_a_get(alpha):
    assert _ask(None) == 400
    assert Client().post(f"/internal/tls-ask?domain={alpha.host}", HTTP_HOST="web:8000").status_code == 405


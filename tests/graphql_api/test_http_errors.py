"""Every error path on /graphql/ answers JSON with a typed error, never an HTML
page (issue #10.1): the request itself (method, content type, body, JSON,
parameters, size), GET mutations, an exception escaping a resolver, the view
or a middleware, and paths below /graphql/."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.test import Client, override_settings


def _error(resp, status: int, code: str) -> dict:
    connection.set_schema_to_public()
    assert resp.status_code == status, resp.content[:300]
    assert resp["Content-Type"].startswith("application/json"), resp.content[:300]
    body = json.loads(resp.content)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    assert "<html" not in resp.content.decode("utf-8", "replace").lower()
    return body["errors"][0]


@pytest.fixture
def raw(db):
    """A client that answers exceptions the way a server does (no re-raise into the test)."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    ("{not json", "application/json", 400, "BAD_REQUEST"),
    (" ", "application/json", 400, "BAD_REQUEST"),
    ("[1, 2]", "application/json", 400, "BAD_REQUEST"),
    ('"{ branding { displayName } }"', "application/json", 400, "BAD_REQUEST"),
    ("[" * 100_000 + "]" * 100_000, "application/json", 400, "BAD_REQUEST"),  # nested past the recursion limit
    (b'{"query": "\xff\xfe"}', "application/json", 400, "BAD_REQUEST"),  # not UTF-8
    (b"{ branding { displayName } \xff }", "application/graphql", 400, "BAD_REQUEST"),
    ('{"query": 5}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": ["{ a }"]}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": null}', "application/json", 400, "BAD_REQUEST"),
    ('{"variables": {}}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": "{ branding { displayName } }", "variables": [1]}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": "{ branding { displayName } }", "variables": "{nope"}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": "{ branding { displayName } }", "operationName": 7}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": "query A { __typename } query B { __typename }"}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": "query A { __typename }", "operationName": "Z"}', "application/json", 400, "BAD_REQUEST"),
    ('{"query": "{ branding { displayName "}', "application/json", 400, "GRAPHQL_PARSE_FAILED"),
    ('{"query": "{ nope }"}', "application/json", 400, "GRAPHQL_VALIDATION_FAILED"),
    ('{"query": "{ branding { displayName } }"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("query={ branding { displayName } }", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{ a }\r\n--x--", "multipart/form-data; boundary=x",
     415, "UNSUPPORTED_MEDIA_TYPE"),
])
def test_unusable_requests_get_a_typed_json_error(raw, alpha, body, content_type, status, code):
    resp = raw.post("/graphql/", data=body, content_type=content_type, HTTP_HOST=alpha.host)
    _error(resp, status, code)


def test_the_plain_graphql_content_type_and_get_queries_work(raw, alpha):
    resp = raw.post("/graphql/", data="{ branding { displayName } }", content_type="application/graphql",
                    HTTP_HOST=alpha.host)
    assert resp.status_code == 200 and "branding" in resp.json()["data"]
    resp = raw.get("/graphql/", {"query": "query($x: Boolean!) { __typename @include(if: $x) }",
                                 "variables": '{"x": true}'}, HTTP_HOST=alpha.host, HTTP_ACCEPT="application/json")
    assert resp.status_code == 200 and resp.json()["data"] == {"__typename": "Query"}


def test_a_mutation_over_get_is_refused(raw, alpha):
    resp = raw.get("/graphql/", {"query": 'mutation { staffLogin(username: "a", password: "b") { token } }'},
                   HTTP_HOST=alpha.host)
    _error(resp, 405, "METHOD_NOT_ALLOWED")
    assert resp["Allow"] == "POST"


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_other_methods_are_refused(raw, alpha, method):
    resp = getattr(raw, method)("/graphql/", data="{}", content_type="application/json", HTTP_HOST=alpha.host)
    _error(resp, 405, "METHOD_NOT_ALLOWED")
    assert resp["Allow"] == "GET, POST"


def test_a_body_over_djangos_cap_is_413(raw, alpha):
    body = json.dumps({"query": "{ branding { displayName } }", "variables": {"pad": "x" * 5000}})
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        resp = raw.post("/graphql/", data=body, content_type="application/json", HTTP_HOST=alpha.host)
    _error(resp, 413, "PAYLOAD_TOO_LARGE")


def test_get_without_a_query_and_html_without_graphiql_are_json(raw, alpha):
    _error(raw.get("/graphql/", HTTP_HOST=alpha.host), 400, "BAD_REQUEST")
    _error(raw.get("/graphql/", HTTP_HOST=alpha.host, HTTP_ACCEPT="text/html"), 400, "BAD_REQUEST")


def test_an_exception_in_a_resolver_is_a_masked_internal_error_with_the_traceback_logged(raw, alpha, monkeypatch,
                                                                                        caplog):
    from graphql_api.branding import queries

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(queries, "branding_view", broken)  # what the branding resolver calls
    with caplog.at_level(logging.ERROR, logger="graphql_api.core.views"):
        resp = raw.post("/graphql/", data='{"query": "{ branding { displayName } }"}',
                        content_type="application/json", HTTP_HOST=alpha.host)
    connection.set_schema_to_public()
    assert resp.status_code == 200 and resp["Content-Type"] == "application/json"
    body = resp.json()
    assert body["errors"] == [{"message": "服务器内部错误，请稍后再试。", "path": ["branding"],
                               "extensions": {"code": "INTERNAL_ERROR"}}]
    assert "secret detail" not in resp.content.decode()
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


def test_an_exception_in_the_view_or_a_middleware_is_json(raw, alpha, monkeypatch):
    from graphql_api.core import views
    from heat_platform import middleware

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "actor_from_request", broken)  # inside the view, before GraphQL runs
    _error(raw.post("/graphql/", data='{"query": "{ __typename }"}', content_type="application/json",
                    HTTP_HOST=alpha.host), 500, "INTERNAL_ERROR")
    monkeypatch.undo()
    monkeypatch.setattr(middleware.TenantRoutingMiddleware, "process_request", broken)  # around the view
    _error(raw.post("/graphql/", data='{"query": "{ __typename }"}', content_type="application/json",
                    HTTP_HOST=alpha.host), 500, "INTERNAL_ERROR")
    # … while other paths keep Django's own error handling
    resp = raw.get("/admin/login/", HTTP_HOST=alpha.host)
    assert resp.status_code == 500 and not resp["Content-Type"].startswith("application/json")


def test_paths_below_graphql_and_unknown_hosts_are_json(raw, alpha):
    _error(raw.post("/graphql/nope", data="{}", content_type="application/json", HTTP_HOST=alpha.host), 404,
           "NOT_FOUND")
    resp = raw.post("/graphql/", data='{"query": "{ __typename }"}', content_type="application/json",
                    HTTP_HOST="nope.localhost")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "UNKNOWN_HOST"


def test_errors_follow_the_language(raw, alpha):
    resp = raw.put("/graphql/", HTTP_HOST=alpha.host, HTTP_ACCEPT_LANGUAGE="en")
    assert _error(resp, 405, "METHOD_NOT_ALLOWED")["message"] == "GraphQL accepts only GET and POST requests."

"""The same isolation, over a real socket: a threaded WSGI server on
127.0.0.1 and requests that carry only a Host header, the way scripts reach
`*.localhost` tenants on machines whose resolver does not know them."""

import json
import urllib.error
import urllib.request

import pytest
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from tests.factories.tenants import PASSWORD


@pytest.fixture
def server(db):
    thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(10)
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def _post(base: str, host: str, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"Host": host, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{base}/graphql/", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


LOGIN = "mutation($u: String!, $p: String!) { staffLogin(username: $u, password: $p) { token errors { code } } }"


def test_tokens_and_hosts_over_real_http(server):
    status, data = _post(server, "alpha.localhost", LOGIN, {"u": "alpha-admin", "p": PASSWORD})
    assert status == 200 and data["data"]["staffLogin"]["errors"] == []
    token = data["data"]["staffLogin"]["token"]
    assert _post(server, "alpha.localhost", "{ me { username } }", token=token)[1]["data"]["me"] == {
        "username": "alpha-admin"}
    for host in ("beta.localhost", "localhost"):
        _status, other = _post(server, host, "{ me { username } }", token=token)
        assert other["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    status, unknown = _post(server, "gamma.localhost", "{ me { username } }")
    assert status == 404 and unknown["error"]["code"] == "UNKNOWN_HOST"
    # A's admin cannot log in at B
    assert _post(server, "beta.localhost", LOGIN, {"u": "alpha-admin", "p": PASSWORD})[1]["data"]["staffLogin"][
        "errors"] == [{"code": "INVALID_CREDENTIALS"}]

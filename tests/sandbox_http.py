"""Outbound HTTP in payment tests: every request to `localhost` or a
`*.localhost` host (the sandbox gateways on the platform domain, notify URLs on
company domains) goes through the whole Django stack in-process, with its Host
header, the way a real socket would reach them. Anything else fails with a
ConnectionError (responses), so a test can assert that no call left the machine.

The in-process request switches the connection's schema, so the caller's
schema is restored afterwards."""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

import responses
from django.db import connection
from django.test import Client

LOCAL = re.compile(r"^https?://(localhost|127\.0\.0\.1|[a-z0-9-]+\.localhost)(:\d+)?(/.*)?$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SKIP_HEADERS = {"host", "content-length", "content-type", "connection", "accept-encoding"}


def _forward(request):
    parts = urlsplit(request.url)
    host = request.headers.get("Host") or parts.netloc
    host = host.split(":")[0]  # the test server has no port
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
             if k.lower() not in SKIP_HEADERS}
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    saved = getattr(connection, "tenant", None)
    try:
        response = Client(HTTP_HOST=host, REMOTE_ADDR="127.0.0.1").generic(
            request.method, path, data=body, content_type=request.headers.get("Content-Type", ""), **extra)
    finally:
        if saved is not None:
            connection.set_tenant(saved)
        else:
            connection.set_schema_to_public()
    headers = {k: v for k, v in response.items()}
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, headers, content


@contextmanager
def sandbox_http():
    """Yields the responses mock; `.calls` lists every outbound request."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in METHODS:
            mock.add_callback(method, LOCAL, callback=_forward)
        yield mock

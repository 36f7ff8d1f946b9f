"""The deployment tests need Debian's PgBouncer: `make test` installs it (or stops naming the package) and sets
HEATCLOUD_E2E_REQUIRED=1, so there a missing binary fails; elsewhere the tests skip and say why."""

from __future__ import annotations

import os

import pytest

from heat_platform.stack import PGBOUNCER_PACKAGE, pgbouncer_binary


@pytest.fixture(scope="session")
def pgbouncer_required() -> str:
    binary = pgbouncer_binary()
    if binary:
        return binary
    message = f"PgBouncer is not installed: install Debian's package `{PGBOUNCER_PACKAGE}` (make test does, as root)"
    if os.environ.get("HEATCLOUD_E2E_REQUIRED") == "1":
        pytest.fail(message)
    pytest.skip(message)


def server_url(settings_dict: dict, database: str) -> str:
    """postgres://user@host:port/<database> on the server the test database lives on."""
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database}"

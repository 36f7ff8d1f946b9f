"""Invoices fixtures: `world` (used by the lifecycle and red tests) is alpha with a collector and a season,
outbound HTTP reaching the sandbox Nuonuo cloud in-process, and after-commit callbacks run on demand."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.factories.accounts import staff
from tests.factories.tariffs import plain_season
from tests.sandbox_http import sandbox_http


@pytest.fixture
def world(alpha, mp_media, django_capture_on_commit_callbacks):
    """alpha with a collector and a season; outbound HTTP reaches the sandbox cloud in-process."""
    with sandbox_http() as http, schema_context(alpha.schema):
        yield type("World", (), {"collector": staff("li"), "season": plain_season(), "http": http,
                                 "commit": django_capture_on_commit_callbacks})()

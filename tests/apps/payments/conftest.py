"""Payments fixtures: a company with a sandbox WeChat Pay merchant, a resident
with bound houses and bills, and outbound HTTP to the sandbox. Builders are in
tests/factories/ (payments, wechatpay); committed_tenant and live_server_url
are in tests/conftest.py."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tenants.models import MerchantAccount
from tests.factories.payments import add_wechat_account, make_payer
from tests.factories.tariffs import tianjin_season
from tests.sandbox_http import sandbox_http


@pytest.fixture
def wechat_account(alpha) -> MerchantAccount:
    return add_wechat_account("alpha")


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


@pytest.fixture
def payer(alpha, season):
    return make_payer(alpha, season, openid="o-payer", houses=2)


@pytest.fixture
def http():
    with sandbox_http() as mock:
        yield mock


@pytest.fixture(autouse=True)
def _one_minute_of_notifies(monkeypatch):
    """Junk and duplicate notifies are counted per minute (apps.payments.notify_log): the tests' bursts all
    fall in one minute, wherever the wall clock is (a burst that straddled a minute's end wrote two rows and
    failed "one row for many" now and then). A test that moves through minutes sets `_clock` itself."""
    from apps.payments import notify_log

    start = 29_000_000 * 60.0
    monkeypatch.setattr(notify_log, "_clock", lambda: start)

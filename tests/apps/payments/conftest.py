"""Payments fixtures: a company with a sandbox WeChat Pay merchant, a resident
with a bound house and bills, and (for concurrency and real-HTTP tests) a
company whose data is committed so other threads and a live server see it."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django_tenants.utils import schema_context

from tenants.models import HeatingCompany, MerchantAccount
from tests.conftest import PASSWORD, TenantInfo

MCHID = "1900000101"
APPID = "wxa1b2c3d4e5f60718"


def add_wechat_account(slug: str, *, mchid: str = MCHID, appid: str = APPID, mode: str = "direct",
                       signing: str = "public_key", **extra) -> MerchantAccount:
    """Register a merchant at the sandbox gateway and configure the company with it."""
    from apps.payments.sandbox.wechat import sandbox_wechat_merchant

    connection.set_schema_to_public()
    cfg = sandbox_wechat_merchant(mchid=mchid, appid=appid, mode=mode, signing=signing, **extra)
    fields = {k: v for k, v in cfg.items() if k not in ("channel", "mode") and hasattr(MerchantAccount, k)}
    tenant = HeatingCompany.objects.get(slug=slug)
    MerchantAccount.objects.filter(tenant=tenant, channel="wechat").delete()
    return MerchantAccount.objects.create(tenant=tenant, channel="wechat", mode=mode, **fields)


def make_season(name: str = "2026-2027"):
    from tests.apps.billing.conftest import make_season as _make

    return _make(name, dt.date(2026, 11, 15), dt.date(2027, 3, 15))


def make_payer(tenant: TenantInfo, season_ns, *, openid: str, houses: int = 1, area: str = "89.50"):
    """A resident bound to `houses` houses, each with an issued bill. Returns a namespace."""
    from apps.accounts.tokens import token_issue
    from apps.billing.services import bill_issue
    from apps.properties.models import HouseBinding
    from apps.residents.models import Resident
    from tests.apps.properties.factories import HouseFactory

    with schema_context(tenant.schema):
        resident = Resident.objects.create(openid=openid, display_name=openid)
        made = []
        for _ in range(houses):
            house = HouseFactory(building_area=Decimal(area))
            HouseBinding.objects.create(house=house, resident=resident)
            made.append((house, bill_issue(house=house, season=season_ns.season, plan=season_ns.area)))
    token, _ttl = token_issue(schema=tenant.schema, subject=str(resident.pk), kind="resident", role="resident")
    return SimpleNamespace(resident=resident, token=token, houses=[h for h, _ in made], bills=[b for _, b in made])


def committed(fn, *args, **kwargs):
    """Run `fn` on a thread of its own (its own connection, autocommit), so what it
    writes is committed and visible to other threads even while this test runs in
    a transaction."""
    import threading

    from django.db import connections

    box: dict = {}

    def run():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def wechat_account(alpha) -> MerchantAccount:
    return add_wechat_account("alpha")


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return make_season()


@pytest.fixture
def payer(alpha, season):
    return make_payer(alpha, season, openid="o-payer", houses=2)


@pytest.fixture
def http():
    from tests.apps.payments.sandbox_http import sandbox_http

    with sandbox_http() as mock:
        yield mock


# --- committed data (other threads / a live server must see it) --------------------------------------------

@pytest.fixture(scope="module")
def committed_tenant(django_db_setup, django_db_blocker):
    """A company registered and filled outside any test transaction, dropped afterwards."""
    from django.conf import settings

    from tenants.services import tenant_register
    from tenants.signals import Registration
    from tenants.spares import spare_pool_fill

    slug = f"pay{os.getpid() % 100000}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant = tenant_register(registration=Registration(
            company_name=f"{slug} 热力", slug=slug, contact_name="张三", contact_phone="13800138000",
            admin_username=f"{slug}-admin", admin_password=PASSWORD))
        info = TenantInfo(slug=slug, host=f"{slug}.localhost", schema=tenant.schema_name, admin=f"{slug}-admin")
        add_wechat_account(slug, mchid="1900000777")
        from tenants.models import MiniProgramAccount

        MiniProgramAccount.objects.create(tenant=tenant, app_id=APPID, app_secret="sandbox-secret")
        with schema_context(info.schema):
            season_ns = make_season()
        connection.set_schema_to_public()
        try:
            yield SimpleNamespace(info=info, season=season_ns)
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
            HeatingCompany.objects.filter(pk=tenant.pk).delete()
            from apps.payments.sandbox.models import SandboxMerchant, SandboxTrade

            SandboxTrade.objects.filter(merchant_id="1900000777").delete()
            SandboxMerchant.objects.filter(merchant_id="1900000777").delete()
            spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)


@pytest.fixture
def live_server_url(committed_tenant, settings):
    thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(10)
    if thread.error:
        raise thread.error
    base = f"http://localhost:{thread.port}"
    # The real provider code, pointed at the sandbox gateway on this live server; notifies come back to it.
    settings.PAYMENTS_WECHATPAY_GATEWAY = f"{base}/sandbox/wechatpay"
    settings.PAYMENTS_NOTIFY_BASE_URL = "http://{domain}:" + str(thread.port)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield thread.port
    thread.terminate()

"""Session-wide platform: the public row, one operator and two companies
(alpha, beta), created once. Tests run inside a transaction that is rolled
back, so onboarding tests (a schema rename, transactional in PostgreSQL)
return their spare to the pool afterwards.

Fixtures used by more than one test folder live here too: a company whose data
is committed and a live server (real-HTTP payment tests, the template's
end-to-end test), a temporary MEDIA_ROOT and mini-program template, and the
pool of sandbox RSA keys. Builders are in tests/factories/."""

from __future__ import annotations

import json
import os
import threading
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.utils import translation
from django_tenants.utils import schema_context

from apps.payments.sandbox.alipay import alipay_key
from apps.payments.sandbox.keys import generate_rsa_key, key_source
from apps.payments.sandbox.wechat import platform_key as wechat_platform_key
from tenants.models import HeatingCompany
from tenants.services import operator_create, platform_ensure, tenant_register
from tenants.spares import spare_pool_fill
from tests.factories.tenants import OPERATOR, PASSWORD, TenantInfo, registration, tenant_info, write_template

# Test packages whose tests share a package-scoped fixture (the console's committed company, live server and
# browser): under pytest-xdist one worker runs the whole package, or each worker would build its own.
XDIST_PACKAGES = ("tests/console/",)
# Started first, longest first (measured: a minute or more each, mostly in one or two tests).
XDIST_HEAVY = ("tests/console/", "tests/deploy/test_prod_check.py", "tests/miniprogram_template/test_compile_check.py",
               "tests/heat_platform/test_seed_demo.py", "tests/miniprogram_template/test_template_e2e.py",
               "tests/miniprogram_template/test_services_e2e.py", "tests/miniprogram_template/test_messaging_e2e.py",
               "tests/graphql_api/test_schema_fuzz.py", "tests/apps/messaging/test_hooks_demo.py",
               "tests/graphql_api/test_access_matrix.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test` runs the suite on pytest-xdist workers (`-n`), a test file at a time (what `--dist loadfile`
    does), so a module-scoped fixture (a committed company, a compose stack, a pooler) is built once; the packages
    above go whole. (`--dist loadgroup` with xdist_group marks would be finer, but xdist 3.8 cannot rename the
    test ids of pytest 9, so its groups are silently ignored.)"""
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class HeavyFirst(OrderedDict):
        """The work queue, handing out the long files first (xdist orders by test count, so these few-test
        files of a minute or more each came last and left the other worker idle for minutes)."""

        def popitem(self, last=True):
            if not last:
                for scope in XDIST_HEAVY:
                    if scope in self:
                        return scope, self.pop(scope)
            return super().popitem(last=last)

    class FileScheduling(LoadScopeScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            self.workqueue = HeavyFirst()

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((package for package in XDIST_PACKAGES if path.startswith(package)), path)

    return FileScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Passwords are hashed by argon2id at its lowest cost (tests/factories/hashers.py) in every test, including
    the session's companies below; hashes made at the production cost still verify (and are upgraded)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["tests.factories.hashers.QuickArgon2idHasher",
                                             *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    with django_db_blocker.unblock():
        platform_ensure(domain=settings.PLATFORM_DOMAIN)
        operator_create(username=OPERATOR, password=PASSWORD)
        spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)
        for slug in ("alpha", "beta"):
            tenant_register(registration=registration(slug))
        spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)  # refill what alpha and beta used
        # The sandbox gateways' own keys, committed now with fresh keys. Made on first use instead, they were
        # committed by whichever test first reached a gateway outside a test transaction (a live server, the
        # console): with a key of RSA_KEYS, which a later test draws again as "another merchant's" key, so a
        # forged signature verified (an order-dependent failure; xdist's orders found it).
        wechat_platform_key()
        alipay_key()
        connection.set_schema_to_public()


@pytest.fixture
def alpha(db) -> TenantInfo:
    return tenant_info("alpha")


@pytest.fixture
def beta(db) -> TenantInfo:
    return tenant_info("beta")


class RsaKeyPool:
    """Real RSA-2048 keys, generated once per session and handed out again in every
    test: within a test each draw is a different key (a test that needs more keys
    than the pool holds grows it by fresh ones), so a merchant never shares a key
    with the gateway or another merchant of the same test."""

    def __init__(self):
        self._keys: list = []
        self._next = 0
        self._lock = threading.Lock()
        self.generated = self.drawn = 0

    def rewind(self) -> None:
        with self._lock:
            self._next = 0

    def draw(self):
        with self._lock:
            if self._next == len(self._keys):
                self._keys.append(generate_rsa_key())
                self.generated += 1
            key = self._keys[self._next]
            self._next += 1
            self.drawn += 1
            return key


RSA_KEYS = RsaKeyPool()


@pytest.fixture(autouse=True)
def _sandbox_rsa_keys():
    """The sandbox gateways take their keys from RSA_KEYS during each test. Module- and
    session-scoped fixtures (committed_tenant) are set up before this one, so the rows
    they commit, which outlive the test, keep fresh keys of their own."""
    RSA_KEYS.rewind()
    with key_source(RSA_KEYS.draw):
        yield


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    yield
    connection.set_schema_to_public()
    # A request with Accept-Language leaves its language active in this thread (LocaleMiddleware activates it
    # and nothing deactivates it): the next test would read English where the default is Chinese.
    translation.activate(settings.LANGUAGE_CODE)


class GQL:
    """POST GraphQL through the whole Django stack with a Host header."""

    def __init__(self, client):
        self.client = client

    def __call__(self, host: str, query: str, variables: dict | None = None, token: str | None = None,
                 ip: str = "10.0.0.1") -> dict:
        headers = {"HTTP_HOST": host, "REMOTE_ADDR": ip}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        resp = self.client.post("/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
                                content_type="application/json", **headers)
        connection.set_schema_to_public()
        assert resp.status_code in (200, 400), resp.content
        return resp.json()

    def login(self, host: str, username: str, password: str = PASSWORD) -> str:
        field = "operatorLogin" if host == "localhost" else "staffLogin"
        data = self(host, f"mutation($u:String!,$p:String!){{{field}(username:$u,password:$p)"
                          "{token errors{code}}}", {"u": username, "p": password})
        payload = data["data"][field]
        assert payload["errors"] == [], payload
        return payload["token"]


@pytest.fixture
def gql(client, db) -> GQL:
    return GQL(client)


@pytest.fixture
def empty_platform_log(db):
    """The platform's log is public and shared: rows committed by live-server tests (a committed company's
    suspension, say) would otherwise be read by a test counting its own. Emptied inside this test's
    transaction, so nothing is lost after it."""
    from heat_platform.models import OperatorAuditLog

    OperatorAuditLog.objects.all().delete()


@pytest.fixture
def make_staff(gql):
    """make_staff(tenant, role) -> bearer token of a new staff member with that role."""
    from tests.factories.accounts import StaffFactory

    counter = iter(range(10_000))

    def make(tenant: TenantInfo, role: str) -> str:
        username = f"{role}-{next(counter)}"
        with schema_context(tenant.schema):
            StaffFactory(username=username, role=role)
        return gql.login(tenant.host, username)

    return make


@pytest.fixture
def make_resident(db):
    """make_resident(tenant, openid) -> (Resident, bearer token)."""
    from tests.factories.residents import ResidentFactory, resident_token

    def make(tenant: TenantInfo, openid: str = "o-test-resident"):
        with schema_context(tenant.schema):
            resident = ResidentFactory(openid=openid)
        return resident, resident_token(tenant, resident)

    return make


# --- committed data (other threads / a live server must see it) --------------------------------------------

COMMITTED_MCHID = "1900000777"


@pytest.fixture(scope="module")
def committed_tenant(django_db_setup, django_db_blocker):
    """A company registered and filled outside any test transaction, dropped afterwards: a sandbox
    WeChat Pay merchant, a mini-program account and Tianjin's 2026-2027 season."""
    from django.conf import settings

    from apps.payments.sandbox.models import SandboxMerchant, SandboxTrade
    from tenants.models import MiniProgramAccount
    from tests.factories.payments import APPID, add_wechat_account
    from tests.factories.tariffs import tianjin_season

    slug = f"pay{os.getpid() % 100000}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        tenant = tenant_register(registration=registration(slug))
        info = tenant_info(slug, schema=tenant.schema_name)
        add_wechat_account(slug, mchid=COMMITTED_MCHID)
        MiniProgramAccount.objects.create(tenant=tenant, app_id=APPID, app_secret="sandbox-secret")
        with schema_context(info.schema):
            season_ns = tianjin_season()
        connection.set_schema_to_public()
        try:
            yield SimpleNamespace(info=info, season=season_ns)
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
            HeatingCompany.objects.filter(pk=tenant.pk).delete()
            SandboxTrade.objects.filter(merchant_id=COMMITTED_MCHID).delete()
            SandboxMerchant.objects.filter(merchant_id=COMMITTED_MCHID).delete()
            spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)


@pytest.fixture
def live_server_url(committed_tenant, settings):
    """A live server thread (its port) where the real provider code reaches the sandbox gateway and
    the gateway's notifies come back; Celery runs eagerly."""
    thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(10)
    if thread.error:
        raise thread.error
    base = f"http://localhost:{thread.port}"
    settings.PAYMENTS_WECHATPAY_GATEWAY = f"{base}/sandbox/wechatpay"
    settings.PAYMENTS_NOTIFY_BASE_URL = "http://{domain}:" + str(thread.port)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield thread.port
    thread.terminate()


# --- media and the mini-program template ---------------------------------------------------------------

@pytest.fixture
def mp_media(settings, tmp_path):
    """A temporary MEDIA_ROOT (logos, builds)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # django-tenants caches the tenant media root until this setting changes (see tests/apps/imports).
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path / "media"


@pytest.fixture
def mp_template(settings, tmp_path):
    """A tiny mini-program template (tests/factories/tenants.py) as MINIPROGRAM_TEMPLATE_DIR."""
    root = write_template(tmp_path / "template")
    settings.MINIPROGRAM_TEMPLATE_DIR = str(root)
    return root

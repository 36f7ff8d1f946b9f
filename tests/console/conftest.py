"""Browser tests of the web console: Playwright (PyPI; it bundles its node driver) drives Debian's Chromium
(/usr/bin/chromium; browser downloads do not work here) against a live server of this test database.

- `console_tenant`: a company committed outside any test transaction (a live server must see it), filled
  by the same seeds as `make run`'s demo (houses, a published season with bills, a month of counter
  takings) with one staff member per role; shared by every test in tests/console and dropped after them,
  with the public rows the package's tests committed (the platform audit log's suspensions and the like).
  Each module leaves the company as it found it: `purge_houses` removes houses with what hangs on them.
- `console_server`: a live server thread (its port; static files from the app folders, so the built bundle).
- `console`: a fresh browser context (zh-CN) with helpers to open a host, log in, read the menu and take a
  screenshot per step into test-artifacts/console/<test>/. Uncaught page errors fail the test.

Without Chromium or a built bundle these tests fail under `make test` (HEATCLOUD_E2E_REQUIRED=1) and are
skipped elsewhere, each time naming what is missing."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connection
from django.test.testcases import LiveServerThread
from django_tenants.utils import schema_context

from tenants.models import HeatingCompany
from tenants.services import tenant_register
from tenants.spares import spare_pool_fill
from tests.factories.console import BUNDLE, CHROMIUM, CHROMIUM_ARGS, unavailable
from tests.factories.tenants import PASSWORD, registration, tenant_info

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
STAFF_ROLES = ("TENANT_ADMIN", "COLLECTOR", "TECHNICIAN", "FINANCE")


@pytest.fixture(scope="session")
def chromium(django_db_setup, django_db_blocker):
    """Started after the test database: once Playwright's loop runs on this thread, Django's connection
    handling (asgiref locals) would no longer see the switch to the test database."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"browser tests need Debian's chromium package at {CHROMIUM}: `make chromium` "
                    "(or apt-get install chromium fonts-wqy-microhei)")
    if not BUNDLE.exists():
        unavailable("the console bundle is not built: `make console`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread, which Django takes for an async context
    # and would refuse the fixtures' database calls; nothing here runs concurrently with them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        with django_db_blocker.unblock():
            _release_test_database()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _release_test_database() -> None:
    """pytest-django drops the test database after the session, which PostgreSQL refuses while a connection
    to it is open, and the database stayed behind after every run. Connections opened for the committed
    fixtures in another context (Playwright's loop makes asgiref give this thread a second set) and by
    worker threads are out of reach of close_all(): end whatever is still connected to this run's own test
    database, then close ours. Runs after the package's company is dropped (package fixtures end first)."""
    from django.db import connections

    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    connections.close_all()


@pytest.fixture(scope="package")
def console_tenant(django_db_setup, django_db_blocker):
    from django.conf import settings

    from apps.accounts.models import User
    from apps.accounts.services import staff_create
    from apps.billing.demo import demo_billing_seed
    from apps.payments.demo import demo_collections_seed
    from apps.properties.demo import demo_ledger_seed
    from heat_platform.models import OperatorAuditLog

    slug = f"con{os.getpid() % 100000}"
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        # The platform log is public and outlives the company (its FK is SET NULL): every row committed while
        # the package runs (an operator suspending the company through the browser) goes at its end.
        log_mark = OperatorAuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        tenant = tenant_register(registration=registration(slug))
        info = tenant_info(slug, schema=tenant.schema_name)
        staff = {"TENANT_ADMIN": info.admin}
        with schema_context(info.schema):
            for role in STAFF_ROLES[1:]:
                staff[role] = f"{slug}-{role.lower()}"
                staff_create(username=staff[role], password=PASSWORD, role=role.lower(),
                             display_name=f"测试{role.lower()}")
            houses = demo_ledger_seed()
            bills = demo_billing_seed()
            payments = demo_collections_seed(collector=User.objects.get(username=staff["COLLECTOR"]))
        connection.set_schema_to_public()
        try:
            yield SimpleNamespace(info=info, tenant_id=tenant.pk, staff=staff, password=PASSWORD,
                                  houses=houses, bills=bills, payments=payments)
        finally:
            connection.set_schema_to_public()
            OperatorAuditLog.objects.filter(pk__gt=log_mark).delete()
            OperatorAuditLog.objects.filter(tenant_id=tenant.pk).delete()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
            HeatingCompany.objects.filter(pk=tenant.pk).delete()
            spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)


def purge_houses(houses) -> None:
    """Delete `houses` (a House queryset, in the current schema) with everything that hangs on them, in
    dependency order: bills, house credits, meter readings and payment orders hold them through PROTECT keys,
    and orders' refunds hold the orders. Orders that also cover other houses' bills go too (none here)."""
    from apps.billing.models import Bill, HouseCredit, MeterReading
    from apps.payments.models import PaymentOrder, Refund

    house_ids = list(houses.values_list("pk", flat=True))
    if not house_ids:
        return
    bill_ids = list(Bill.objects.filter(house_id__in=house_ids).values_list("pk", flat=True))
    order_ids = list(PaymentOrder.objects.filter(items__bill_id__in=bill_ids).values_list("pk", flat=True).distinct())
    Refund.objects.filter(order_id__in=order_ids).delete()
    PaymentOrder.objects.filter(pk__in=order_ids).delete()  # their items (OrderBill) cascade
    HouseCredit.objects.filter(house_id__in=house_ids).delete()
    HouseCredit.objects.filter(consumed_by_bill_id__in=bill_ids).delete()
    MeterReading.objects.filter(house_id__in=house_ids).delete()
    Bill.objects.filter(pk__in=bill_ids).delete()  # lines cascade
    houses.model.objects.filter(pk__in=house_ids).delete()  # bindings and status history cascade


@pytest.fixture(scope="package")
def console_server(console_tenant):
    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait(10)
    if thread.error:
        raise thread.error
    yield thread.port
    thread.terminate()


class ConsoleDriver:
    """One browser tab on the console, with a screenshot per step."""

    def __init__(self, page, port: int, shots: Path):
        self.page = page
        self.port = port
        self.shots = shots
        self.step = 0
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def url(self, host: str, path: str = "/console/") -> str:
        return f"http://{host}:{self.port}{path}"

    def open(self, host: str, path: str = "/console/"):
        self.page.goto(self.url(host, path))
        return self.page

    def login(self, host: str, username: str, password: str = PASSWORD):
        """Sign in from the login page and wait for the console's menu."""
        page = self.open(host)
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("console-menu").wait_for()
        return page

    def menu(self) -> list[str]:
        """The side menu's page keys, in order (entries carry data-testid="menu-<key>")."""
        ids = self.page.get_by_test_id("console-menu").locator("[data-testid^='menu-']").evaluate_all(
            "nodes => nodes.map(n => n.dataset.testid)")
        return [i.removeprefix("menu-") for i in ids]

    def shot(self, name: str) -> Path:
        self.step += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def console(console_server, chromium, db, request):
    """`db`: pytest-django creates the test database only for sessions with a test that uses it (and wraps
    each test in a transaction rolled back afterwards: what a test writes itself is undone; the company and
    everything done through the browser are committed by the server's own connections)."""
    # Reduced motion: the console draws charts without animation, so screenshots show them finished.
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}, reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(ARTIFACTS / name, ignore_errors=True)  # this run's numbered steps only, not an older run's
    driver = ConsoleDriver(page, console_server, ARTIFACTS / name)
    try:
        yield driver
        driver.shot("last")  # what the page showed when the test ended (passed or not)
    finally:
        context.close()
    assert not driver.errors, f"uncaught errors in the page: {driver.errors}"

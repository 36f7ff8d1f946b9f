"""`make bench`: the web console in Chromium on a company with 100,000 houses and a season of bills.

The ledger is built as bench_bill_run builds it (its SQL: 20 communities, 1,000 buildings, 100,000
houses), then one real bill run bills the season (100,000 bills); collections are written in bulk: 60% of
the bills paid in full and 8% in part, over the last 90 days, across WeChat, Alipay and the counter's
cash / POS / transfer (one order per bill), plus a few refunds and 50,000 audit entries.

Measured with Playwright driving /usr/bin/chromium against a live server, signed in as the company admin:
- dashboard: a fresh navigation to /console/ (token already in sessionStorage) until the dashboard is
  shown with its three charts painted (the canvases' non-blank pixels, as the e2e test checks), read as
  the page's own `performance.now()` (0 = navigation start). Target (issue #12): <= 2 s.
- each server-paginated table (houses, bills, orders, audit): from the click on "next page" until the new
  page's rows are in the DOM and the table's spinner is gone, timed inside the page (performance.now()
  around the click and a requestAnimationFrame poll). Target: <= 500 ms.
- initial JavaScript gzipped, from the Vite manifest as tests/console/test_bundle_size.py counts it.
  Target: <= 300 KB.

References, measured in the same run, interleaved with the browser figures (the machine is shared):
the same GraphQL requests the page sent (captured from the browser, replayed alone over HTTP: the
server's share), and a `/healthz` round trip (the floor of any request). Each figure is the best of
ATTEMPTS and is printed with its reference, the ratio and PASS/FAIL. The targets are asserted after
everything is printed."""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import os
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connection
from django.test.testcases import LiveServerThread
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing.models import Bill
from apps.billing.runs import bill_run_start
from tests.factories.console import BUILD, BUNDLE, CHROMIUM, CHROMIUM_ARGS, bundle_manifest, initial_files, unavailable
from tests.factories.tenants import PASSWORD, tenant_info
from tests.perf.ledger import LEDGER_SQL, make_season

HOUSES = 100_000
ATTEMPTS = 5
DASHBOARD_TARGET_MS = 2000
TABLE_TARGET_MS = 500
BUNDLE_TARGET_KB = 300
AUDIT_ROWS = 50_000
CHARTS = ("chart-community-rate", "chart-arrears-aging", "chart-collections-by-day")
TABLES = {"houses": "/console/houses", "bills": "/console/bills", "orders": "/console/orders",
          "audit": "/console/audit"}

# One order per paid bill (channel by bill id), dated over the last 90 days; 60% paid, 8% in part.
_COLLECTIONS_SQL = """
CREATE TEMP TABLE bench_pay ON COMMIT DROP AS
SELECT b.id AS bill_id, b.principal_fen,
       CASE WHEN b.id %% 100 < 60 THEN b.principal_fen ELSE b.principal_fen / 2 END AS amount,
       (ARRAY['wechat', 'wechat', 'alipay', 'counter', 'counter'])[1 + b.id %% 5] AS channel,
       CASE WHEN b.id %% 5 >= 3 THEN (ARRAY['cash', 'pos', 'transfer'])[1 + b.id %% 3] ELSE '' END AS method,
       now() - make_interval(days => (b.id %% 90)::int, mins => (b.id %% 600)::int) AS paid_at
FROM billing_bill b WHERE b.season_id = %(season)s AND b.id %% 100 < 68 AND b.principal_fen > 1;

INSERT INTO payments_paymentorder (out_trade_no, channel, status, amount_fen, description, merchant_mode,
    merchant_id, app_id, sub_merchant_id, sub_app_id, payer_id, prepay_id, transaction_id, paid_at,
    close_reason, provider_closed, needs_refund_fen, flag_reason, refunded_fen, refund_status, collector_id,
    counter_method, receipt_no, request_no, created_at, updated_at)
SELECT 'BENCH' || p.bill_id, p.channel, 'paid', p.amount, '采暖费', '', '', '', '', '', '', '',
       CASE WHEN p.channel = 'counter' THEN '' ELSE 'T' || p.bill_id END, p.paid_at, '', false, 0, '', 0, 'none',
       CASE WHEN p.channel = 'counter' THEN %(collector)s END, p.method,
       CASE WHEN p.channel = 'counter' THEN 'R' || p.bill_id ELSE '' END, '', p.paid_at, p.paid_at
FROM bench_pay p;

INSERT INTO payments_orderbill (order_id, bill_id, amount_fen, outstanding_fen, discount_fen, late_fee_fen,
    quoted_paid_fen, quoted_principal_fen, applied_fen, priced_as_quoted, refunded_fen)
SELECT o.id, p.bill_id, p.amount, p.principal_fen, 0, 0, 0, p.principal_fen, p.amount, true, 0
FROM bench_pay p JOIN payments_paymentorder o ON o.out_trade_no = 'BENCH' || p.bill_id;

UPDATE billing_bill b SET paid_fen = p.amount,
       status = CASE WHEN p.amount >= b.principal_fen THEN 'paid' ELSE 'partially_paid' END
FROM bench_pay p WHERE b.id = p.bill_id;

INSERT INTO audit_auditlog (actor_kind, actor_id, actor_name, action, target_type, target_id, detail, ip, created_at)
SELECT 'staff', %(collector)s, 'bench',
       (ARRAY['house.update', 'bill.adjust', 'payment.counter', 'auth.login'])[1 + i %% 4], 'house', i,
       '{}'::jsonb, '127.0.0.1', now() - make_interval(mins => i)
FROM generate_series(1, %(audit)s) i;
"""


def _build_company(alpha) -> dict:
    """The 100,000-house company with one billed, published season and its collections. Returns counts."""
    season = make_season("2026-2027", dt.date(2026, 11, 15), dt.date(2027, 3, 15))
    earlier = make_season("2025-2026", dt.date(2025, 11, 15), dt.date(2026, 3, 15))
    with connection.cursor() as cur:
        cur.execute(LEDGER_SQL, {"communities": 20, "buildings": 1_000, "houses": HOUSES, "earlier": earlier.pk,
                                  "stop_on": dt.date(2026, 10, 1), "resume_on": dt.date(2027, 1, 15)})
        cur.execute("ANALYZE")
    admin = User.objects.get(username=alpha.admin)
    run = bill_run_start(season_id=season.pk, dry_run=False, actor=admin)
    run.refresh_from_db()
    assert run.status == "succeeded", run.errors[:3]
    with connection.cursor() as cur:
        cur.execute(_COLLECTIONS_SQL, {"season": season.pk, "collector": admin.pk, "audit": AUDIT_ROWS})
        cur.execute("ANALYZE")
    return {"bills": Bill.objects.filter(season=season).count(),
            "paid": Bill.objects.filter(season=season, status=Bill.Status.PAID).count()}


class Server:
    """A live server thread on this test database, plus plain HTTP round trips to it (the references)."""

    def __init__(self):
        self.thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        self.thread.daemon = True
        self.thread.start()
        self.thread.is_ready.wait(10)
        if self.thread.error:
            raise self.thread.error
        self.port = self.thread.port

    def round_trip(self, host: str, method: str, path: str, body: bytes | None = None,
                   headers: dict | None = None) -> float:
        """Milliseconds for one request on a fresh connection, as the browser's first request pays."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers={"Host": f"{host}:{self.port}", **(headers or {})})
        response = conn.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - t0) * 1000
        conn.close()
        assert response.status == 200 and b'"errors"' not in payload[:200], payload[:300]
        return elapsed

    def stop(self) -> None:
        self.thread.terminate()


@dataclass
class Captured:
    """GraphQL requests a page sent, to replay alone."""

    requests: list[tuple[str, bytes, dict]] = field(default_factory=list)

    def listen(self, page) -> None:
        def on_request(req) -> None:
            if req.method == "POST" and "/graphql" in req.url:
                url = urlsplit(req.url)
                path = url.path + (f"?{url.query}" if url.query else "")
                headers = {k: v for k, v in req.headers.items()
                           if k.lower() in ("authorization", "content-type", "accept-language")}
                self.requests.append((path, req.post_data_buffer, headers))
        page.on("request", on_request)


# The page's own clock: the first moment every chart has painted (polled every animation frame).
_DASHBOARD_READY = """([charts]) => {
    if (!document.querySelector("[data-testid='dashboard']")) return false;
    for (const id of charts) {
        const canvas = document.querySelector(`[data-testid='${id}'] canvas`);
        if (!canvas || !canvas.width) return false;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length && painted <= 500; i += 4) if (data[i] !== 0) painted++;
        if (painted <= 500) return false;
    }
    if (document.querySelector("[data-testid='dashboard'] .ant-skeleton")) return false;
    window.__ready = performance.now();
    return true;
}"""

# Click the table's "next page" and poll each frame until the first row is another one and no spinner shows.
# Also answers when the page's GraphQL response had arrived (resource timing): the rest is the browser's work.
_NEXT_PAGE = """async () => {
    const table = document.querySelector('.ant-pro-table');
    const firstKey = () => table.querySelector('tbody tr.ant-table-row')?.dataset.rowKey;
    const before = firstKey();
    const next = table.querySelector('.ant-pagination-next:not(.ant-pagination-disabled)');
    if (!before || !next) throw new Error('no rows or no next page');
    const t0 = performance.now();
    next.click();
    for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        const key = firstKey();
        if (key && key !== before && !table.querySelector('.ant-spin-spinning')) {
            const total = performance.now() - t0;
            const api = performance.getEntriesByType('resource')
                .filter((e) => e.name.includes('/graphql') && e.startTime >= t0)
                .reduce((ms, e) => Math.max(ms, e.responseEnd - t0), 0);
            return [total, api];
        }
        if (performance.now() - t0 > 30000) throw new Error('the next page never showed');
    }
}"""


def _profile(host: str, name: str, sent: list[tuple[str, bytes, dict]], schema: str) -> list[str]:
    """Why a figure is over target: the page's GraphQL requests run through Django once more with their
    SQL captured (count, total time, the slowest statements) and the slowest one's EXPLAIN ANALYZE."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, out = Client(), []
    for path, body, headers in sent:
        extra = {"HTTP_AUTHORIZATION": headers.get("authorization", ""), "HTTP_HOST": host}
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.post(path, data=body, content_type="application/json", **extra)
            elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        out.append(f"    {name} {body[:60]!r}: {elapsed:.0f} ms, {len(queries)} queries, {sql_ms:.0f} ms in SQL")
        out += [f"      {float(q['time']) * 1000:6.0f} ms  {q['sql'][:400]}" for q in slowest]
        if slowest and float(slowest[0]["time"]) > 0.05:
            with schema_context(schema), connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0]["sql"])
                out += [f"        {row[0]}" for row in cur.fetchall()]
    connection.set_schema_to_public()
    return out


def _verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_bench_console():
    if not os.access(CHROMIUM, os.X_OK) or not BUNDLE.exists():
        unavailable("the console bench needs /usr/bin/chromium and a built bundle: `make chromium console`")
    alpha = tenant_info("alpha")
    t0 = time.perf_counter()
    with schema_context(alpha.schema):
        counts = _build_company(alpha)
    setup = time.perf_counter() - t0
    connection.set_schema_to_public()

    manifest = bundle_manifest()
    initial_kb = sum(len(gzip.compress((BUILD / f).read_bytes(), compresslevel=9))
                     for f in initial_files(manifest)) / 1024

    from playwright.sync_api import sync_playwright

    server = Server()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop on this thread (see tests/console)
    playwright = sync_playwright().start()
    load_before = os.getloadavg()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900},
                                      reduced_motion="reduce")
        context.set_default_timeout(60_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        base = f"http://{alpha.host}:{server.port}"
        page.goto(f"{base}/console/")
        page.get_by_test_id("login-username").fill(alpha.admin)
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("console-menu").wait_for()
        page.wait_for_function(_DASHBOARD_READY, arg=[list(CHARTS)])

        figures: dict[str, dict[str, list[float]]] = {name: {"browser": [], "graphql": [], "healthz": [], "api": []}
                                                      for name in ("dashboard", *TABLES)}
        requests_of: dict[str, list[tuple[str, bytes, dict]]] = {}
        captured = Captured()
        captured.listen(page)
        for _ in range(ATTEMPTS):
            # Dashboard: a fresh navigation, timed by the page's own clock.
            captured.requests.clear()
            page.goto(f"{base}/console/", wait_until="commit")
            page.wait_for_function(_DASHBOARD_READY, arg=[list(CHARTS)], polling="raf")
            figures["dashboard"]["browser"].append(page.evaluate("window.__ready"))
            sent = requests_of["dashboard"] = list(captured.requests)
            figures["dashboard"]["graphql"].append(sum(server.round_trip(alpha.host, "POST", p, b, h)
                                                       for p, b, h in sent))
            figures["dashboard"]["healthz"].append(server.round_trip(alpha.host, "GET", "/healthz"))
            # Tables: open each, then time one "next page".
            for name, path in TABLES.items():
                page.goto(f"{base}{path}")
                page.locator(".ant-pro-table tbody tr.ant-table-row").first.wait_for()
                page.wait_for_selector(".ant-pro-table .ant-spin-spinning", state="detached")
                captured.requests.clear()
                total, api = page.evaluate(_NEXT_PAGE)
                figures[name]["browser"].append(total)
                figures[name]["api"].append(api)
                assert captured.requests, f"{name}: the next page sent no GraphQL request"
                p, b, h = captured.requests[-1]
                requests_of[name] = [(p, b, h)]
                figures[name]["graphql"].append(server.round_trip(alpha.host, "POST", p, b, h))
                figures[name]["healthz"].append(server.round_trip(alpha.host, "GET", "/healthz"))
        assert not errors, f"uncaught errors in the page: {errors}"
        context.close()
        browser.close()
    finally:
        playwright.stop()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        server.stop()
    load_after = os.getloadavg()

    lines = [f"\nconsole: {HOUSES:,} houses, {counts['bills']:,} bills ({counts['paid']:,} paid), built in "
             f"{setup:.1f} s | load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
             f"({os.cpu_count()} CPUs) | best of {ATTEMPTS}, interleaved"]
    results = {}
    for name, f in figures.items():
        best, gql, health = min(f["browser"]), min(f["graphql"]), min(f["healthz"])
        target = DASHBOARD_TARGET_MS if name == "dashboard" else TABLE_TARGET_MS
        what = "navigation -> charts drawn" if name == "dashboard" else "next page -> rows shown"
        results[name] = (best, target)
        lines.append(
            f"  {name:9} {what}: {best:7.0f} ms (target <= {target} ms: {_verdict(best, target)}) | "
            f"its GraphQL alone {gql:6.0f} ms ({best / gql:.1f}x) | /healthz {health:4.1f} ms | "
            + (f"in the browser: response after {min(f['api']):.0f} ms (best) | " if f["api"] else "") +
            f"all: {', '.join(f'{v:.0f}' for v in f['browser'])}")
    lines.append(f"  initial JS: {initial_kb:.1f} KB gzipped (target <= {BUNDLE_TARGET_KB} KB: "
                 f"{_verdict(initial_kb, BUNDLE_TARGET_KB)})")
    for name, (best, target) in results.items():
        if best > target or os.environ.get("BENCH_CONSOLE_PROFILE"):
            lines += _profile(alpha.host, name, requests_of[name], alpha.schema)
    print("\n".join(lines))
    assert initial_kb <= BUNDLE_TARGET_KB
    failed = {name: best for name, (best, target) in results.items() if best > target}
    assert not failed, f"over target (ms): {failed}"

"""The staff dashboard in a real browser, on the demo's data (houses, a published season with bills, a month
of counter takings): every chart draws non-empty, and the figures are the ledger's."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_context

CHARTS = ("chart-community-rate", "chart-arrears-aging", "chart-collections-by-day")

# Pixels of the chart's canvas that are not blank (ECharts draws on a 2D canvas).
PAINTED = """(testId) => {
    const canvas = document.querySelector(`[data-testid='${testId}'] canvas`);
    if (!canvas) return 0;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
    return painted;
}"""


def test_dashboard_charts_render_with_the_demo_data(console, console_tenant):
    from apps.billing.models import Bill
    from apps.payments.models import PaymentOrder

    with schema_context(console_tenant.info.schema):
        bills = Bill.objects.count()
        paid = Bill.objects.filter(status=Bill.Status.PAID).count()
        communities = Bill.objects.values("house__community").distinct().count()
        counter_payments = PaymentOrder.objects.filter(status=PaymentOrder.Status.PAID).count()
    connection.set_schema_to_public()
    # The figures the page must show are the ledger's now, not the seed's counts: the company is shared.
    assert bills > 0 and counter_payments > 0

    page = console.login(console_tenant.info.host, console_tenant.staff["TENANT_ADMIN"])
    for chart in CHARTS:
        page.get_by_test_id(chart).wait_for()
        page.wait_for_function(f"({PAINTED})('{chart}') > 500")
    # The data behind the bars: one rate per community, and payments on many days of the month.
    rates = int(page.get_by_test_id("chart-community-rate").get_attribute("data-nonzero"))
    days = int(page.get_by_test_id("chart-collections-by-day").get_attribute("data-nonzero"))
    owed = int(page.get_by_test_id("chart-arrears-aging").get_attribute("data-nonzero"))
    assert 0 < rates <= communities
    assert days >= 20  # 90 payments over 30 days, on three counter channels
    assert owed >= 1
    assert f"{paid} / {bills}" in page.get_by_test_id("dashboard").inner_text()
    console.shot("dashboard")

    # English, one click away; the charts redraw with English labels.
    page.get_by_test_id("switch-language").click()
    page.get_by_text("Collection rate by community").wait_for()
    page.wait_for_function(f"({PAINTED})('chart-collections-by-day') > 500")
    console.shot("dashboard-en")

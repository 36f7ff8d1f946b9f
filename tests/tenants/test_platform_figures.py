"""The operator console's figures across companies come from a summary table a
beat task refreshes inside each company's schema; platform requests read only
that table."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.payments.models import PaymentOrder
from heat_platform.models import TenantDailyCollection, TenantSummary
from tenants.models import HeatingCompany
from tenants.stats import REFRESH_DAYS, tenant_stats_refresh
from tenants.stats_tasks import refresh_all_tenant_stats
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.residents import ResidentFactory
from tests.factories.tariffs import SeasonFactory, TariffPlanFactory, plain_season
from tests.factories.tenants import OPERATOR
from tests.queries import assert_same_queries_grown

FIGURES = """{ platformFigures { tenants { status count } tenantCount houses residents billedFen collectedFen
  collectionRate refreshedAt } }"""
BY_DAY = """query($f: Date!, $t: Date!) { platformCollectionsByDay(dateFrom: $f, dateTo: $t) {
  date collectedFen refundedFen channels { channel collectedFen payments refundedFen tenants } } }"""


def _company(tenant, *, houses: int, paid: list[int], method: str = "cash"):
    """In `tenant`: `houses` billed houses of an open season, the first ones paid the amounts in `paid`
    at the counter today, plus one active resident, one disabled one and a draft season."""
    with schema_context(tenant.schema):
        season_plan = plain_season()
        collector = staff(f"c-{tenant.slug}")
        bills = [bill_for(season_plan) for _ in range(houses)]
        for i, amount in enumerate(paid):
            pay(collector, [bills[i]], amount, f"{tenant.slug}-{i}", method=method)
        ResidentFactory()
        ResidentFactory(is_active=False)
        draft = SeasonFactory(name="draft", heating_start=season_plan[0].heating_start + dt.timedelta(days=365),
                              status="draft")
        bill_for((draft, TariffPlanFactory(season=draft)))  # the latest season, but not published: not counted
        return bills


def _refresh(tenant, **kw) -> TenantSummary:
    with schema_context(tenant.schema):
        return tenant_stats_refresh(**kw)


def test_a_refresh_copies_the_companys_figures(alpha):
    _company(alpha, houses=3, paid=[FULL, 100000], method="pos")
    summary = _refresh(alpha)
    today = timezone.localdate()
    assert (summary.houses, summary.residents, summary.staff) == (4, 1, 2)  # 3 billed + the draft's; admin + c
    assert (summary.season_name, summary.bill_count, summary.paid_count) == ("2026-2027", 3, 1)
    assert (summary.billed_fen, summary.collected_fen) == (3 * FULL, FULL + 100000)
    rows = list(TenantDailyCollection.objects.filter(tenant__slug="alpha").values_list(
        "day", "channel", "collected_fen", "payments", "refunded_fen"))
    assert rows == [(today, "pos", FULL + 100000, 2, 0)]


def test_the_first_refresh_copies_a_year_and_later_ones_the_recent_days(alpha):
    bills = _company(alpha, houses=3, paid=[1000, 2000, 3000])
    today = timezone.localdate()
    with schema_context(alpha.schema):
        orders = list(PaymentOrder.objects.order_by("id"))
        long_ago = timezone.now() - dt.timedelta(days=200)
        PaymentOrder.objects.filter(pk=orders[0].pk).update(paid_at=long_ago)
    _refresh(alpha)
    days = dict(TenantDailyCollection.objects.filter(tenant__slug="alpha").values_list("day", "collected_fen"))
    assert days == {timezone.localdate(long_ago): 1000, today: 5000}

    with schema_context(alpha.schema):  # money moves: one of today's payments turns out to be of last week
        PaymentOrder.objects.filter(pk=orders[1].pk).update(paid_at=timezone.now() - dt.timedelta(days=3))
        PaymentOrder.objects.filter(pk=orders[0].pk).update(paid_at=timezone.now() - dt.timedelta(days=300))
        pay(staff("c2"), [bills[2]], FULL - 3000, "late-1")
    _refresh(alpha)
    days = dict(TenantDailyCollection.objects.filter(tenant__slug="alpha").values_list("day", "collected_fen"))
    # The last REFRESH_DAYS are copied again; older days keep what was copied (the 200-days-ago row).
    assert days == {timezone.localdate(long_ago): 1000, today - dt.timedelta(days=3): 2000,
                    today: 3000 + FULL - 3000}
    assert REFRESH_DAYS > 3


def test_the_beat_task_refreshes_every_company_but_closed_ones(alpha, beta, django_capture_on_commit_callbacks):
    _company(alpha, houses=1, paid=[])
    _company(beta, houses=2, paid=[FULL])
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_all_tenant_stats() == 2
    assert dict(TenantSummary.objects.values_list("tenant__slug", "houses")) == {"alpha": 2, "beta": 3}
    HeatingCompany.objects.filter(slug="beta").update(status=HeatingCompany.Status.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_all_tenant_stats() == 1


@pytest.fixture
def refreshed(alpha, beta):
    _company(alpha, houses=2, paid=[FULL, 50000], method="cash")
    _company(beta, houses=1, paid=[FULL], method="transfer")
    _refresh(alpha)
    _refresh(beta)
    HeatingCompany.objects.filter(slug="beta").update(status=HeatingCompany.Status.SUSPENDED)


def test_platform_figures(gql, refreshed):
    token = gql.login("localhost", OPERATOR)
    figures = gql("localhost", FIGURES, token=token)["data"]["platformFigures"]
    assert {t["status"]: t["count"] for t in figures["tenants"]} == {"ACTIVE": 1, "SUSPENDED": 1, "CLOSED": 0}
    assert figures["tenantCount"] == 2
    assert (figures["houses"], figures["residents"]) == (3 + 2, 2)  # billed houses + each draft's house
    assert (figures["billedFen"], figures["collectedFen"]) == (3 * FULL, 2 * FULL + 50000)
    assert Decimal(figures["collectionRate"]) == Decimal("73.61")  # 530,000 / 720,000
    assert figures["refreshedAt"] is not None


def test_platform_money_per_day(gql, refreshed):
    token = gql.login("localhost", OPERATOR)
    today = timezone.localdate()
    days = gql("localhost", BY_DAY, {"f": (today - dt.timedelta(days=1)).isoformat(), "t": today.isoformat()},
               token=token)["data"]["platformCollectionsByDay"]
    assert [d["date"] for d in days] == [(today - dt.timedelta(days=1)).isoformat(), today.isoformat()]
    assert days[0]["collectedFen"] == 0
    channels = {c["channel"]: (c["collectedFen"], c["payments"], c["tenants"]) for c in days[1]["channels"]}
    assert channels == {"WECHAT": (0, 0, 0), "ALIPAY": (0, 0, 0), "CASH": (FULL + 50000, 2, 1),
                        "POS": (0, 0, 0), "TRANSFER": (FULL, 1, 1)}
    assert days[1]["collectedFen"] == 2 * FULL + 50000
    refused = gql("localhost", BY_DAY, {"f": today.isoformat(), "t": (today - dt.timedelta(days=1)).isoformat()},
                  token=token)
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_platform_figures_cost_the_same_for_more_companies(gql, alpha, beta):
    _company(alpha, houses=1, paid=[1000])
    _refresh(alpha)
    token = gql.login("localhost", OPERATOR)
    today = timezone.localdate().isoformat()

    def grow():
        _company(beta, houses=2, paid=[1000, 2000], method="pos")
        _refresh(beta)

    def both():
        return (gql("localhost", FIGURES, token=token)["data"]["platformFigures"],
                gql("localhost", BY_DAY, {"f": today, "t": today}, token=token)["data"]["platformCollectionsByDay"])

    (one, _), (more, more_days) = assert_same_queries_grown(both, grow)
    assert (one["houses"], more["houses"]) == (2, 5)
    assert more_days[0]["collectedFen"] == 4000


def test_company_staff_get_no_platform_figures(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    result = gql("localhost", FIGURES, token=token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

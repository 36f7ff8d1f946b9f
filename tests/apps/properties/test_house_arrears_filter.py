"""houses(filter: {inArrears}): the ledger filtered by whether a house owes a bill,
with billing's own definition of arrears, in the list's one query."""

from decimal import Decimal

from django_tenants.utils import schema_context

from apps.billing.models import Bill
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import plain_season
from tests.queries import assert_same_queries_grown

HOUSES = "query($a: Boolean) { houses(filter: {inArrears: $a}) { totalCount items { accountNo } } }"


def _accounts(gql, host, token, in_arrears):
    result = gql(host, HOUSES, {"a": in_arrears}, token=token)
    assert "errors" not in result, result
    return [h["accountNo"] for h in result["data"]["houses"]["items"]]


def test_houses_in_arrears_and_not(gql, alpha, beta):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        owing = bill_for(season_plan, house=HouseFactory(account_no="A-owes"))
        part = bill_for(season_plan, house=HouseFactory(account_no="A-part"))
        paid = bill_for(season_plan, house=HouseFactory(account_no="A-paid", building_area=Decimal("100")))
        waived = bill_for(season_plan, house=HouseFactory(account_no="A-waived"))
        HouseFactory(account_no="A-nobill")
        pay(collector, [part], 1000, "P1")
        pay(collector, [paid], FULL, "P2")
        Bill.objects.filter(pk=waived.pk).update(status=Bill.Status.WAIVED)
        assert owing.pk
    token = gql.login(alpha.host, alpha.admin)
    assert _accounts(gql, alpha.host, token, True) == ["A-owes", "A-part"]
    assert _accounts(gql, alpha.host, token, False) == ["A-nobill", "A-paid", "A-waived"]
    assert len(_accounts(gql, alpha.host, token, None)) == 5
    assert _accounts(gql, beta.host, gql.login(beta.host, beta.admin), True) == []


def test_the_arrears_filter_costs_the_same_for_more_houses(gql, alpha):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        bill_for(season_plan)
    token = gql.login(alpha.host, alpha.admin)

    def grow():
        with schema_context(alpha.schema):
            for _ in range(5):
                bill_for(season_plan)

    one, more = assert_same_queries_grown(lambda: _accounts(gql, alpha.host, token, True), grow)
    assert (len(one), len(more)) == (1, 6)

"""A house's detail page: its heating-status history, the payments of its bills
and its bound residents (phone masked), each the same cost for one row or many,
and none of it crossing houses or companies."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from apps.properties.models import HouseBinding
from apps.properties.services import house_change_heating_status
from tests.factories.accounts import staff
from tests.factories.billing import bill_for
from tests.factories.payments import pay
from tests.factories.properties import HouseFactory
from tests.factories.residents import ResidentFactory
from tests.factories.tariffs import plain_season
from tests.queries import assert_same_queries_grown

HISTORY = """query($h: ID!) { houseStatusChanges(houseId: $h) { totalCount items {
  fromStatus toStatus reason effectiveDate changedBy createdAt } } }"""
RESIDENTS = "query($h: ID!) { houseResidents(houseId: $h) { residentId displayName phoneMasked role boundAt } }"
PAYMENTS = """query($h: ID!) { paymentOrders(filter: {houseId: $h}) { totalCount items {
  receiptNo amountFen items { bill { house { accountNo } } } } } }"""


def _data(result, field):
    assert "errors" not in result, result
    return result["data"][field]


@pytest.fixture
def houses(alpha):
    with schema_context(alpha.schema):
        return HouseFactory(account_no="D1"), HouseFactory(account_no="D2")


def _change(house, to_status: str, reason: str, actor) -> None:
    house_change_heating_status(house_id=house.pk, to_status=to_status, reason=reason, actor=actor,
                                effective_date=dt.date(2026, 12, 1))


def test_status_history_with_reason_and_who(gql, alpha, houses):
    house, other = houses
    with schema_context(alpha.schema):
        collector = staff("counter-li")
        _change(house, "opted_out", "房屋空置", collector)
        _change(house, "normal", "恢复供热", collector)
        _change(other, "disconnected", "拆除", collector)
    token = gql.login(alpha.host, alpha.admin)
    history = _data(gql(alpha.host, HISTORY, {"h": str(house.pk)}, token=token), "houseStatusChanges")
    assert history["totalCount"] == 2
    assert [(i["fromStatus"], i["toStatus"], i["reason"], i["effectiveDate"], i["changedBy"])
            for i in history["items"]] == [("OPTED_OUT", "NORMAL", "恢复供热", "2026-12-01", "counter-li"),
                                           ("NORMAL", "OPTED_OUT", "房屋空置", "2026-12-01", "counter-li")]


def test_bound_residents_with_masked_phones(gql, alpha, houses, make_staff):
    house, other = houses
    with schema_context(alpha.schema):
        owner = ResidentFactory(display_name="王先生", phone="13812345678")
        tenant = ResidentFactory(display_name="租户小李")
        gone = ResidentFactory(display_name="已停用", is_active=False)
        HouseBinding.objects.create(house=house, resident=owner, role="owner")
        HouseBinding.objects.create(house=house, resident=tenant, role="tenant")
        HouseBinding.objects.create(house=house, resident=gone)
        HouseBinding.objects.create(house=other, resident=ResidentFactory(display_name="别家"))
    for token in (gql.login(alpha.host, alpha.admin), make_staff(alpha, "technician")):  # masked for every role
        residents = _data(gql(alpha.host, RESIDENTS, {"h": str(house.pk)}, token=token), "houseResidents")
        assert [(r["residentId"], r["displayName"], r["phoneMasked"], r["role"]) for r in residents] == [
            (str(owner.pk), "王先生", "138****5678", "OWNER"), (str(tenant.pk), "租户小李", None, "TENANT")]


def test_payments_of_the_house(gql, alpha, houses):
    house, other = houses
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        mine, theirs = bill_for(season_plan, house=house), bill_for(season_plan, house=other)
        pay(collector, [mine], 1000, "H-1")
        pay(collector, [mine], 2000, "H-2")
        pay(collector, [theirs], 3000, "O-1")
    token = gql.login(alpha.host, alpha.admin)
    orders = _data(gql(alpha.host, PAYMENTS, {"h": str(house.pk)}, token=token), "paymentOrders")
    assert orders["totalCount"] == 2
    assert {o["receiptNo"] for o in orders["items"]} == {"H-1", "H-2"}
    assert {i["bill"]["house"]["accountNo"] for o in orders["items"] for i in o["items"]} == {"D1"}


def test_the_detail_costs_the_same_for_more_rows(gql, alpha, houses):
    house, _other = houses
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        bill = bill_for(season_plan, house=house)
        _change(house, "opted_out", "空置", collector)
        HouseBinding.objects.create(house=house, resident=ResidentFactory(phone="13900000000"))
        pay(collector, [bill], 100, "G-0")
    token = gql.login(alpha.host, alpha.admin)
    variables = {"h": str(house.pk)}

    def grow():
        with schema_context(alpha.schema):
            for i in range(4):
                _change(house, "normal" if i % 2 == 0 else "opted_out", f"第{i}次", collector)
                HouseBinding.objects.create(house=house, resident=ResidentFactory(phone=f"1390000000{i + 1}"))
                pay(collector, [bill], 100, f"G-{i + 1}")

    def detail():
        return (_data(gql(alpha.host, HISTORY, variables, token=token), "houseStatusChanges")["totalCount"],
                len(_data(gql(alpha.host, RESIDENTS, variables, token=token), "houseResidents")),
                _data(gql(alpha.host, PAYMENTS, variables, token=token), "paymentOrders")["totalCount"])

    one, more = assert_same_queries_grown(detail, grow)
    assert (one, more) == ((1, 1, 1), (5, 5, 5))


def test_another_companys_house_shows_nothing(gql, alpha, beta, houses):
    house, _other = houses
    with schema_context(alpha.schema):
        _change(house, "opted_out", "空置", staff("c1"))
        HouseBinding.objects.create(house=house, resident=ResidentFactory(phone="13812345678"))
    token = gql.login(beta.host, beta.admin)
    assert _data(gql(beta.host, HISTORY, {"h": str(house.pk)}, token=token), "houseStatusChanges")["totalCount"] == 0
    assert _data(gql(beta.host, RESIDENTS, {"h": str(house.pk)}, token=token), "houseResidents") == []
    assert _data(gql(beta.host, PAYMENTS, {"h": str(house.pk)}, token=token), "paymentOrders")["totalCount"] == 0
    bad = _data(gql(beta.host, HISTORY, {"h": "not-an-id"}, token=token), "houseStatusChanges")
    assert bad["totalCount"] == 0

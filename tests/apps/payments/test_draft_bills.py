"""A draft season's bills (a bill run being checked before going live) are
staff-only: residents neither see nor pay them, and no money is taken on them
at the counter, until finance or an admin publishes the season."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context
from graphql import GraphQLObjectType, get_named_type

from apps.accounts.models import User
from apps.payments.models import PaymentOrder
from apps.payments.services import counter_payment_record
from apps.tariffs.models import Season
from graphql_api import tenant_schema
from graphql_api.core.permissions import IsResident
from tests.factories.payments import make_payer
from tests.factories.tariffs import tianjin_season

pytestmark = pytest.mark.django_db

BILL_FIELDS = "id season principalFen lines { amountFen } amountDue { totalFen }"
MY_BILLS = f"query($s: ID) {{ myBills(seasonId: $s) {{ {BILL_FIELDS} }} }}"
BILL = f"query($id: ID!) {{ bill(id: $id) {{ {BILL_FIELDS} }} }}"
BILLS = "query($s: ID) { bills(filter: {seasonId: $s}) { totalCount items { id } } }"
CREATE = """mutation($ids: [ID!]!) { createPayment(billIds: $ids, channel: WECHAT) {
  order { outTradeNo amountFen } errors { field code } } }"""
PUBLISH = "mutation($id: ID!) { publishSeason(id: $id) { season { status published } errors { code } } }"
COUNTER = """mutation($ids: [ID!]!, $amt: Int!) { recordCounterPayment(billIds: $ids, method: CASH, amountFen: $amt,
  receiptNo: "D-0001") { order { outTradeNo } errors { field code } } }"""


@pytest.fixture
def draft(alpha):
    """A draft season of alpha with its bill run done, and a resident whose two houses have bills in it."""
    with schema_context(alpha.schema):
        season_ns = tianjin_season()
        Season.objects.filter(pk=season_ns.season.pk).update(status=Season.Status.DRAFT)
        season_ns.season.refresh_from_db()
    payer = make_payer(alpha, season_ns, openid="o-draft", houses=2)
    return season_ns, payer


def _ids(bills):
    return [str(b.pk) for b in bills]


def test_residents_do_not_see_a_draft_seasons_bills_staff_do(gql, alpha, draft, make_staff):
    season_ns, payer = draft
    season_id = str(season_ns.season.pk)
    assert gql(alpha.host, MY_BILLS, token=payer.token)["data"]["myBills"] == []
    assert gql(alpha.host, MY_BILLS, {"s": season_id}, token=payer.token)["data"]["myBills"] == []
    for bill in payer.bills:
        assert gql(alpha.host, BILL, {"id": str(bill.pk)}, token=payer.token)["data"]["bill"] is None

    finance = make_staff(alpha, "finance")
    staff_list = gql(alpha.host, BILLS, {"s": season_id}, token=finance)["data"]["bills"]
    assert sorted(i["id"] for i in staff_list["items"]) == sorted(_ids(payer.bills))
    assert gql(alpha.host, BILL, {"id": str(payer.bills[0].pk)}, token=finance)["data"]["bill"]["principalFen"] > 0
    seasons = gql(alpha.host, "{ seasons { id status published publishedAt } }", token=finance)["data"]["seasons"]
    assert {"id": season_id, "status": "DRAFT", "published": False, "publishedAt": None} in seasons

    assert gql(alpha.host, PUBLISH, {"id": season_id}, token=finance)["data"]["publishSeason"] == {
        "season": {"status": "OPEN", "published": True}, "errors": []}
    mine = gql(alpha.host, MY_BILLS, token=payer.token)["data"]["myBills"]
    assert sorted(b["id"] for b in mine) == sorted(_ids(payer.bills))
    assert gql(alpha.host, BILL, {"id": str(payer.bills[0].pk)}, token=payer.token)["data"]["bill"] is not None


def test_a_closed_season_stays_visible(gql, alpha, draft, make_staff):
    season_ns, payer = draft
    finance = make_staff(alpha, "finance")
    gql(alpha.host, PUBLISH, {"id": str(season_ns.season.pk)}, token=finance)
    close = "mutation($id: ID!) { setSeasonStatus(id: $id, status: CLOSED) { season { status published } } }"
    assert gql(alpha.host, close, {"id": str(season_ns.season.pk)}, token=finance)["data"]["setSeasonStatus"][
        "season"] == {"status": "CLOSED", "published": True}
    assert len(gql(alpha.host, MY_BILLS, token=payer.token)["data"]["myBills"]) == 2


def test_create_payment_refuses_a_draft_bill_as_not_found(gql, alpha, draft, wechat_account, http, make_staff):
    season_ns, payer = draft
    refused = gql(alpha.host, CREATE, {"ids": _ids(payer.bills[:1])}, token=payer.token)["data"]["createPayment"]
    assert refused == {"order": None, "errors": [{"field": "billIds", "code": "NOT_FOUND"}]}
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists()
    gql(alpha.host, PUBLISH, {"id": str(season_ns.season.pk)}, token=make_staff(alpha, "finance"))
    paid = gql(alpha.host, CREATE, {"ids": _ids(payer.bills[:1])}, token=payer.token)["data"]["createPayment"]
    assert paid["errors"] == [] and paid["order"]["amountFen"] == payer.bills[0].principal_fen


def test_no_money_is_taken_at_the_counter_on_a_draft_bill(gql, alpha, draft, make_staff):
    season_ns, payer = draft
    collector = make_staff(alpha, "collector")
    bill = payer.bills[0]
    refused = gql(alpha.host, COUNTER, {"ids": [str(bill.pk)], "amt": bill.principal_fen}, token=collector)
    assert refused["data"]["recordCounterPayment"] == {
        "order": None, "errors": [{"field": "billIds", "code": "NOT_PUBLISHED"}]}
    with schema_context(alpha.schema):
        assert not PaymentOrder.objects.exists()
        admin = User.objects.get(username=alpha.admin)
        with pytest.raises(ValidationError) as exc:  # an admin at the counter too
            counter_payment_record(collector=admin, bill_ids=[bill.pk], method="cash", amount_fen=100,
                                   receipt_no="D-0002")
        assert exc.value.error_dict["billIds"][0].code == "NOT_PUBLISHED"
    gql(alpha.host, PUBLISH, {"id": str(season_ns.season.pk)}, token=make_staff(alpha, "finance"))
    taken = gql(alpha.host, COUNTER, {"ids": [str(bill.pk)], "amt": bill.principal_fen}, token=collector)
    assert taken["data"]["recordCounterPayment"]["errors"] == []


# Every resident root field whose answer can contain a bill, and how it keeps drafts out:
# directly through the billing selectors (tested above), or only through orders, which
# createPayment and the counter never make on a draft bill (tested above). Invoices show bills only through the
# paid order they were issued for.
RESIDENT_BILL_FIELDS = {"myBills": "selector", "bill": "selector", "myPayments": "orders", "order": "orders",
                        "myInvoices": "orders", "myInvoice": "orders", "requestInvoice": "orders"}


def _reaches(type_, name: str, seen: set) -> bool:
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType) or named.name in seen:
        return False
    if named.name == name:
        return True
    seen.add(named.name)
    return any(_reaches(f.type, name, seen) for f in named.fields.values())


def test_every_resident_field_that_can_show_a_bill_is_accounted_for():
    schema = tenant_schema.schema.graphql_schema
    found = set()
    for kind, root in (("query", tenant_schema.Query), ("mutation", tenant_schema.Mutation)):
        gtype = schema.query_type if kind == "query" else schema.mutation_type
        for py_name, field in root._meta.fields.items():
            declared = field.permissions if kind == "query" else field.type.permissions
            gname = next(n for n in gtype.fields if n.replace("_", "").lower() == py_name.replace("_", "").lower())
            if IsResident in declared and _reaches(gtype.fields[gname].type, "Bill", set()):
                found.add(gname)
    assert found - {"createPayment"} == set(RESIDENT_BILL_FIELDS)

"""Access-control matrix generated from the tenant and platform schemas:

* every root field is called by an anonymous caller, a resident and each staff
  role (on the platform domain: anonymous and an operator), and is refused
  exactly when its declared permissions say so;
* every resident-facing field that takes an object id, given the id of another
  resident's object, answers "not found".

New fields are covered automatically; a new id argument without an entry in
FOREIGN_IDS fails the test until someone says which foreign object to try."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context
from graphene.utils.str_converters import to_camel_case
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
)

from apps.accounts.models import STAFF_ROLES
from apps.billing.services import bill_issue
from apps.properties.models import HouseBinding
from apps.tariffs.models import Season, TariffPlan
from graphql_api import platform_schema, tenant_schema
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import IsResident
from heat_platform.kernel.actors import Actor
from tests.factories.properties import HouseFactory
from tests.factories.tenants import OPERATOR

SCALARS = {"ID": "0", "String": "x", "Int": 1, "Float": 1.0, "Boolean": True, "Decimal": "1.00",
           "Date": "2026-11-26", "DateTime": "2026-11-26T10:00:00+08:00", "Upload": None}


def _dummy(t):
    if isinstance(t, GraphQLNonNull):
        return _dummy(t.of_type)
    if isinstance(t, GraphQLList):
        return [_dummy(t.of_type)]
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        return {name: _dummy(f.type) for name, f in t.fields.items() if isinstance(f.type, GraphQLNonNull)}
    return SCALARS[t.name]


def _operation(kind: str, name: str, field, overrides: dict | None = None) -> tuple[str, dict]:
    required = {a: arg for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
    args = {**required, **{a: field.args[a] for a in (overrides or {})}}
    variables = {a: (overrides or {}).get(a, _dummy(arg.type)) for a, arg in args.items()}
    decl = ", ".join(f"${a}: {arg.type}" for a, arg in args.items())
    call = ", ".join(f"{a}: ${a}" for a in args)
    result_type = get_named_type(field.type)
    selection = ""
    if isinstance(result_type, GraphQLObjectType):
        selection = " { __typename errors { code } }" if "errors" in result_type.fields else " { __typename }"
    head = f"{kind} Probe({decl})" if decl else kind
    return f"{head} {{ {name}{f'({call})' if call else ''}{selection} }}", variables


def _declared(kind: str, py_name: str, module=tenant_schema):
    if kind == "query":
        return module.Query._meta.fields[py_name].permissions
    mutation = module.Mutation._meta.fields[py_name].type
    assert issubclass(mutation, BaseMutation)
    return mutation.permissions


def _root_fields(module=tenant_schema):
    gschema = module.schema.graphql_schema
    for kind, graphene_type, gtype in (("query", module.Query, gschema.query_type),
                                       ("mutation", module.Mutation, gschema.mutation_type)):
        by_camel = {to_camel_case(n): n for n in graphene_type._meta.fields}
        for name, field in gtype.fields.items():
            yield kind, name, by_camel[name], field


ROOT_FIELDS = list(_root_fields())
CALLERS = ["anonymous", "resident", *STAFF_ROLES]


def _expected(permissions, caller: str) -> bool:
    if caller == "anonymous":
        actor = Actor(kind="anonymous")
    elif caller == "operator":
        actor = Actor(kind="operator", user=SimpleNamespace(role="operator"))
    elif caller == "resident":
        actor = Actor(kind="resident", resident=SimpleNamespace())
    else:
        actor = Actor(kind="staff", user=SimpleNamespace(role=caller))
    return any(p.check(actor) for p in permissions)


@pytest.mark.parametrize(("kind", "name", "py_name", "field"), ROOT_FIELDS, ids=[f[1] for f in ROOT_FIELDS])
def test_every_field_allows_exactly_its_declared_callers(gql, alpha, make_staff, make_resident,
                                                         kind, name, py_name, field):
    permissions = _declared(kind, py_name)
    tokens = {"anonymous": None, "resident": make_resident(alpha, "o-matrix")[1]}
    tokens.update({role: make_staff(alpha, role) for role in STAFF_ROLES})
    query, variables = _operation(kind, name, field)
    for caller in CALLERS:
        result = gql(alpha.host, query, variables, token=tokens[caller])
        codes = {e.get("extensions", {}).get("code") for e in result.get("errors", [])}
        assert "INTERNAL_ERROR" not in codes, (name, caller, result)
        denied = bool(codes & {"PERMISSION_DENIED", "UNAUTHENTICATED"})
        assert denied != _expected(permissions, caller), (name, caller, result)


PLATFORM_FIELDS = list(_root_fields(platform_schema))


@pytest.mark.parametrize(("kind", "name", "py_name", "field"), PLATFORM_FIELDS, ids=[f[1] for f in PLATFORM_FIELDS])
def test_every_platform_field_allows_exactly_its_declared_callers(gql, kind, name, py_name, field):
    permissions = _declared(kind, py_name, platform_schema)
    tokens = {"anonymous": None, "operator": gql.login("localhost", OPERATOR)}
    query, variables = _operation(kind, name, field)
    for caller, token in tokens.items():
        result = gql("localhost", query, variables, token=token)
        codes = {e.get("extensions", {}).get("code") for e in result.get("errors", [])}
        assert "INTERNAL_ERROR" not in codes, (name, caller, result)
        denied = bool(codes & {"PERMISSION_DENIED", "UNAUTHENTICATED"})
        assert denied != _expected(permissions, caller), (name, caller, result)


def _foreign_house(alpha, owner) -> str:
    with schema_context(alpha.schema):
        house = HouseFactory()
        HouseBinding.objects.create(house=house, resident=owner)
        return str(house.pk)


def _foreign_bill(alpha, owner) -> str:
    with schema_context(alpha.schema):
        house = HouseFactory()
        HouseBinding.objects.create(house=house, resident=owner)
        season = Season.objects.create(name="matrix", heating_start=dt.date(2026, 11, 15),
                                       heating_end=dt.date(2027, 3, 15), payment_due=dt.date(2026, 12, 31),
                                       late_fee_start=dt.date(2027, 1, 1), status=Season.Status.OPEN)
        plan = TariffPlan.objects.create(season=season, name="p", category="residential",
                                         area_unit_price=Decimal("24"))
        return str(bill_issue(house=house, season=season, plan=plan).pk)


def _foreign_invoice(alpha, owner) -> str:
    from tests.factories.invoice_rows import blue_invoice, paid_order

    with schema_context(alpha.schema):
        return str(blue_invoice(paid_order(owner), files=False).pk)


def _foreign_paid_order(alpha, owner) -> str:
    from tests.factories.invoice_rows import paid_order

    with schema_context(alpha.schema):
        return str(paid_order(owner).pk)


def _foreign_title(alpha, owner) -> str:
    from apps.invoices.models import InvoiceTitle

    with schema_context(alpha.schema):
        return str(InvoiceTitle.objects.create(resident=owner, kind="personal", name="owner").pk)


def _foreign_ticket(status: str):
    """Another resident's ticket in `status` (one the intruder could act on, were it theirs)."""
    def make(alpha, owner) -> str:
        from tests.factories.services import bound_house, ticket_in

        with schema_context(alpha.schema):
            house, _owner = bound_house(owner)
            return str(ticket_in(status, house=house, resident=owner).pk)

    return make


def _foreign_opt_out(alpha, owner) -> str:
    """Another resident's submitted 报停 application (one the intruder could withdraw, were it theirs)."""
    from apps.services.models import OptOutApplication

    with schema_context(alpha.schema):
        house = HouseFactory()
        HouseBinding.objects.create(house=house, resident=owner)
        season = Season.objects.create(name="matrix-optout", heating_start=dt.date(2027, 11, 15),
                                       heating_end=dt.date(2028, 3, 15), payment_due=dt.date(2027, 12, 31),
                                       late_fee_start=dt.date(2028, 1, 1))
        return str(OptOutApplication.objects.create(
            no="P-MATRIX", kind="opt_out", house=house, season=season, resident=owner, applicant_name="owner",
            reason="x", effective_date=season.heating_start).pk)


def _foreign_announcement(alpha, owner) -> str:
    """An announcement published to the owner's community only (the intruder lives elsewhere)."""
    from apps.messaging.announcements import announcement_create, announcement_publish

    with schema_context(alpha.schema):
        house = HouseFactory()
        HouseBinding.objects.create(house=house, resident=owner)
        draft = announcement_create(actor=None, title="matrix", body="<p>x</p>", audience="communities",
                                    community_ids=[house.community_id])
        return str(announcement_publish(announcement_id=draft.pk, actor=None).pk)


def _draft_article(alpha, owner) -> str:
    """A knowledge-base article still in draft (residents see published ones only)."""
    from apps.messaging.models import KbArticle, KbCategory

    with schema_context(alpha.schema):
        category = KbCategory.objects.create(name="matrix")
        return str(KbArticle.objects.create(category=category, title="draft", body="<p>x</p>", text="x").pk)


def _foreign_message(alpha, owner) -> str:
    """A message in another resident's inbox."""
    from apps.messaging.outbox import enqueue

    with schema_context(alpha.schema):
        return str(enqueue(resident_id=owner.pk, kind="ticket_update", key="matrix", variables={
            "ticket_no": "T1", "ticket_title": "x", "status": "已派单", "updated_at": "2026-12-07 10:00",
            "note": ""}).pk)


# For each (field, id argument) a resident may call: how to make another
# resident's object of that kind, or None when the id names something shared
# by the whole company (a season), not owned by a resident.
FOREIGN_IDS = {
    ("unbindHouse", "houseId"): _foreign_house,
    ("bill", "id"): _foreign_bill,
    ("myBills", "seasonId"): None,
    ("createPayment", "billIds"): lambda alpha, owner: [_foreign_bill(alpha, owner)],
    ("myInvoice", "id"): _foreign_invoice,
    ("requestInvoice", "orderId"): _foreign_paid_order,
    ("requestInvoice", "titleId"): _foreign_title,
    ("saveInvoiceTitle", "id"): _foreign_title,
    ("deleteInvoiceTitle", "id"): _foreign_title,
    ("myTicket", "id"): _foreign_ticket("resolved"),
    ("confirmTicket", "id"): _foreign_ticket("resolved"),
    ("reopenTicket", "id"): _foreign_ticket("resolved"),
    ("cancelTicket", "id"): _foreign_ticket("submitted"),
    ("optOutOptions", "houseId"): _foreign_house,
    ("cancelOptOut", "id"): _foreign_opt_out,
    ("announcement", "id"): _foreign_announcement,
    ("markAnnouncementRead", "id"): _foreign_announcement,
    ("kbArticle", "id"): _draft_article,
    ("kbArticles", "categoryId"): None,
    ("markMessagesRead", "ids"): _foreign_message,
}

RESIDENT_ID_ARGS = [
    (kind, name, py_name, field, arg)
    for kind, name, py_name, field in ROOT_FIELDS
    if IsResident in _declared(kind, py_name)
    for arg, spec in field.args.items()
    if get_named_type(spec.type).name == "ID"
]
RESIDENT_ID_FIELDS = [f for f in RESIDENT_ID_ARGS if FOREIGN_IDS.get((f[1], f[4]))]


def test_every_resident_id_argument_is_classified():
    missing = [f"{f[1]}({f[4]})" for f in RESIDENT_ID_ARGS if (f[1], f[4]) not in FOREIGN_IDS]
    assert not missing, f"say in FOREIGN_IDS how to make a foreign object for: {missing}"


@pytest.mark.parametrize(("kind", "name", "py_name", "field", "arg"), RESIDENT_ID_FIELDS,
                         ids=[f"{f[1]}.{f[4]}" for f in RESIDENT_ID_FIELDS])
def test_resident_fields_treat_other_residents_objects_as_not_found(gql, alpha, make_resident,
                                                                    kind, name, py_name, field, arg):
    owner, _ = make_resident(alpha, "o-owner")
    _me, token = make_resident(alpha, "o-intruder")
    query, variables = _operation(kind, name, field, {arg: FOREIGN_IDS[(name, arg)](alpha, owner)})
    result = gql(alpha.host, query, variables, token=token)
    assert "errors" not in result, result
    payload = result["data"][name]
    not_found = payload is None or any(e["code"] == "NOT_FOUND" for e in payload.get("errors", []))
    assert not_found, (name, result)

"""Bad input at the API edge is a typed error, never an internal one (issue #10.5),
for every class: NUL and other control characters, lone surrogates, Unicode
digits in ids, NaN / Infinity / huge decimals, empty ids on required
arguments; in literals and in variables; and nothing changes."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.properties.models import House
from graphql_api import tenant_schema
from graphql_api.core.ids import NO_MATCH, to_optional_pk, to_pk
from graphql_api.core.scalars import Decimal
from tests.factories.properties import HouseFactory

UPDATE = """mutation($id: ID!, $input: HouseInput!) { updateHouse(id: $id, input: $input) {
  house { ownerName buildingArea } errors { field code } } }"""


def _post(client, host, query, variables=None, token=None):
    headers = {"HTTP_HOST": host}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    # ensure_ascii keeps lone surrogates as \\udXXX escapes, as any JSON client sends them
    resp = client.post("/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
                       content_type="application/json", **headers)
    connection.set_schema_to_public()
    assert resp["Content-Type"] == "application/json"
    assert resp.status_code < 500, resp.content
    return resp.status_code, resp.json()


def _codes(body) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.fixture
def house(alpha):
    with schema_context(alpha.schema):
        return HouseFactory(owner_name="王建国")


@pytest.fixture
def admin(alpha, make_staff):
    return make_staff(alpha, "tenant_admin")


def _unchanged(alpha, house):
    with schema_context(alpha.schema):
        stored = House.objects.get(pk=house.pk)
        assert (stored.owner_name, stored.building_area) == (house.owner_name, house.building_area)
        assert not AuditLog.objects.filter(action__startswith="house.update").exists()


BAD_TEXT = ["王\x00建国", "\x00", "bad\x01", "esc\x1b[0m", "lone \ud800 high", "lone \udfff low", "\udc80"]


@pytest.mark.parametrize("text", BAD_TEXT, ids=[repr(t) for t in BAD_TEXT])
def test_control_characters_and_lone_surrogates_in_variables_are_refused(client, alpha, admin, house, text):
    status, body = _post(client, alpha.host, UPDATE, {"id": str(house.pk), "input": {"ownerName": text}}, admin)
    assert (status, _codes(body)) == (400, ["BAD_USER_INPUT"]), body
    assert body["errors"][0]["extensions"]["variable"] == "input"
    _unchanged(alpha, house)


@pytest.mark.parametrize("text", BAD_TEXT, ids=[repr(t) for t in BAD_TEXT])
def test_control_characters_and_lone_surrogates_in_literals_are_refused(client, alpha, admin, house, text):
    # As an escape (\\u0000) and, where GraphQL's grammar allows it, as the raw character.
    # graphql-core's lexer itself rejects lone surrogates in a document, escaped or raw.
    expected = ["GRAPHQL_PARSE_FAILED"] if any("\ud800" <= c <= "\udfff" for c in text) else ["BAD_USER_INPUT"]
    raw = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for literal in {json.dumps(text), raw} if "\x00" not in text else {json.dumps(text)}:
        query = f'mutation {{ updateHouse(id: "{house.pk}", input: {{ownerName: {literal}}}) {{ errors {{ code }} }} }}'
        status, body = _post(client, alpha.host, query, token=admin)
        assert (status, _codes(body)) == (400, expected), (literal, body)
    _unchanged(alpha, house)


def test_strings_are_checked_everywhere_in_the_variables(client, alpha, admin):
    """Nested in input objects and lists, in keys, and even in variables the operation does not use."""
    query = "mutation($b: [ID!]!) { recordCounterPayment(billIds: $b, method: CASH, amountFen: 1, receiptNo: \"r\") " \
            "{ errors { code } } }"
    for variables in ({"b": ["1", "2\x00"]}, {"b": ["1"], "unused": {"deep": ["ok", "\ud83d"]}},
                      {"b": ["1"], "x": {"k\x00": 1}}):
        assert _codes(_post(client, alpha.host, query, variables, admin)[1]) == ["BAD_USER_INPUT"], variables
    deep: list = ["x"]
    for _ in range(40):
        deep = [deep]
    nested = {"b": ["1"], "deep": deep}
    assert _codes(_post(client, alpha.host, query, nested, admin)[1]) == ["BAD_USER_INPUT"]


def test_tabs_newlines_and_any_other_unicode_are_fine(client, alpha, admin, house):
    text = "王建国\t(户主)\r\n😀 é ﷺ"
    status, body = _post(client, alpha.host, UPDATE, {"id": str(house.pk), "input": {"ownerName": text}}, admin)
    assert status == 200 and body["data"]["updateHouse"]["errors"] == [], body
    with schema_context(alpha.schema):
        assert House.objects.get(pk=house.pk).owner_name == text


UNICODE_IDS = ["²", "①", "１", "٣", "߁", "𝟗", "1²", "", "   ", "-1", "+1", "1.0", "0x1", "1e3", "9" * 19,
               "9" * 400, "\u200b1"]


def test_ids_are_ascii_digits_only():
    assert to_pk("42") == 42 and to_pk(42) == 42
    assert to_pk(" 7 ") == 7
    for raw in UNICODE_IDS:
        assert to_pk(raw) == NO_MATCH, raw
    assert to_optional_pk(None) is None and to_optional_pk("") is None


@pytest.mark.parametrize("raw", UNICODE_IDS, ids=[repr(r) for r in UNICODE_IDS])
def test_odd_ids_are_not_found_not_internal_errors(client, alpha, admin, make_resident, raw):
    _resident, resident = make_resident(alpha, "o-ids")
    for query, token in (("query($id: ID!) { house(id: $id) { id } }", admin),
                         ("query($id: ID!) { bill(id: $id) { id } }", resident),
                         ("query($id: ID!) { billRun(id: $id) { id } }", admin),
                         ("query($id: ID!) { importJob(id: $id) { id } }", admin),
                         ("query($id: ID!) { tariffPlans(seasonId: $id) { id } }", admin)):
        status, body = _post(client, alpha.host, query, {"id": raw}, token)
        assert status == 200 and "errors" not in body, (query, body)
    for query, token in (
        ('mutation($id: ID!) { closeShift(id: $id) { errors { code } } }', admin),
        ('mutation($id: ID!) { adjustBill(id: $id, amountFen: 1, reason: "r") { errors { code } } }', admin),
        ('mutation($id: ID!) { waiveBill(id: $id, reason: "r") { errors { code } } }', admin),
        ('mutation($id: ID!) { unbindHouse(houseId: $id) { errors { code } } }', resident),
        ('mutation($id: ID!) { startHouseImport(uploadId: $id) { errors { code } } }', admin),
        ('mutation($id: ID!) { setStaffActive(id: $id, active: false) { errors { code } } }', admin),
        ('mutation($id: ID!) { createPayment(billIds: [$id], channel: WECHAT) { errors { code } } }', resident),
        ('mutation($id: ID!) { generateBills(seasonId: $id, dryRun: true) { errors { code } } }', admin),
    ):
        status, body = _post(client, alpha.host, query, {"id": raw}, token)
        assert status == 200 and "errors" not in body, (query, body)
        payload = next(iter(body["data"].values()))
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], (query, body)


BAD_DECIMALS = ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "1e-999999",
                "1" * 40, "１２", "١٢", "²", "", " ", "12,5", "0x10", "1_000", "--1", "1e", ".", "+", True, [], {}]


@pytest.mark.parametrize("value", BAD_DECIMALS, ids=[repr(v) for v in BAD_DECIMALS])
def test_decimals_that_are_not_plain_finite_numbers_are_refused(client, alpha, admin, house, value):
    status, body = _post(client, alpha.host, UPDATE, {"id": str(house.pk), "input": {"buildingArea": value}}, admin)
    assert (status, _codes(body)) == (400, ["BAD_USER_INPUT"]), body
    if isinstance(value, str):
        literal = json.dumps(value)
        query = (f'mutation {{ updateHouse(id: "{house.pk}", input: {{buildingArea: {literal}}}) '
                 '{ errors { code } } }')
        status, body = _post(client, alpha.host, query, token=admin)
        assert (status, _codes(body)) == (400, ["BAD_USER_INPUT"]), body
    _unchanged(alpha, house)


@pytest.mark.parametrize(("value", "stored"), [("89.50", "89.50"), ("1e2", "100.00"), (75, "75.00"),
                                                (88.5, "88.50"), ("-0", None)])
def test_plain_decimals_still_work(client, alpha, admin, house, value, stored):
    status, body = _post(client, alpha.host, UPDATE, {"id": str(house.pk), "input": {"buildingArea": value}}, admin)
    assert status == 200, body
    if stored is None:  # a valid number the service refuses: its own typed error
        assert [e["code"] for e in body["data"]["updateHouse"]["errors"]] == ["INVALID_AREA"], body
        return
    assert body["data"]["updateHouse"]["errors"] == [], body
    with schema_context(alpha.schema):
        assert str(House.objects.get(pk=house.pk).building_area) == stored


def test_every_decimal_in_both_schemas_is_the_finite_scalar():
    from graphql_api import platform_schema

    for schema in (tenant_schema.schema, platform_schema.schema):
        decimal = schema.graphql_schema.type_map.get("Decimal")
        if decimal is not None:
            assert decimal.graphene_type is Decimal


def test_a_refused_mutation_leaves_no_required_payload_field_null():
    """BaseMutation answers a service's ValidationError with `errors` only; any other non-null
    payload field must still resolve (unbindHouse.ok was null: an INTERNAL_ERROR the fuzz found)."""
    from graphql import GraphQLNonNull, get_named_type

    from graphql_api import platform_schema

    for schema in (tenant_schema.schema, platform_schema.schema):
        for name, field in schema.graphql_schema.mutation_type.fields.items():
            payload = get_named_type(field.type)
            refused = payload.graphene_type(errors=[{"field": None, "message": "m", "code": "NOT_FOUND"}])
            for attr, payload_field in payload.fields.items():
                if isinstance(payload_field.type, GraphQLNonNull):
                    assert payload_field.resolve(refused, None) is not None, f"{name}.{attr}"


DAILY_CLOSE = "query($day: Date!) { dailyClose(day: $day) { day } }"
BAD_DATES = ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01", "2026-02-30", "2026-13-01", "", "today",
             "2026-11-15T00:00:00", 20261115, True]


@pytest.mark.parametrize("value", BAD_DATES, ids=[repr(v) for v in BAD_DATES])
def test_dates_outside_the_domain_are_refused_before_any_service(client, alpha, admin, value):
    """dailyClose(day: "9999-12-31") overflowed a day's arithmetic into an INTERNAL_ERROR (the fuzz found it):
    every Date and DateTime argument of both schemas is the bounded scalar, so the class is refused up front."""
    status, body = _post(client, alpha.host, DAILY_CLOSE, {"day": value}, admin)
    assert (status, _codes(body)) == (400, ["BAD_USER_INPUT"]), body
    if isinstance(value, str):
        status, body = _post(client, alpha.host, f"{{ dailyClose(day: {json.dumps(value)}) {{ day }} }}",
                             token=admin)
        assert (status, _codes(body)) == (400, ["BAD_USER_INPUT"]), body


def test_dates_inside_the_domain_still_work(client, alpha, admin):
    for value in ("1900-01-01", "2199-12-31", "2026-11-15"):
        status, body = _post(client, alpha.host, DAILY_CLOSE, {"day": value}, admin)
        assert status == 200 and "errors" not in body, body


def test_every_date_in_both_schemas_is_the_bounded_scalar():
    from graphql_api import platform_schema
    from graphql_api.core.scalars import Date, DateTime

    for schema in (tenant_schema.schema, platform_schema.schema):
        assert schema.graphql_schema.type_map["Date"].graphene_type is Date
        assert schema.graphql_schema.type_map["DateTime"].graphene_type is DateTime

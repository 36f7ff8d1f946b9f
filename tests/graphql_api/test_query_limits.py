"""Cost and shape limits on /graphql/ (graphql_api/core/shape.py, cost.py, views.py),
through the whole Django stack: bombs and cycles are refused fast with a typed
error, budgets follow the caller's role, aliases / tokens / bytes / selections
/ operations are bounded, introspection is off for anonymous callers unless
allowed, and the mini-program's own documents pass a resident's limits."""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    get_introspection_query,
    parse,
)
from graphql.utilities import type_from_ast

from graphql_api import platform_schema, tenant_schema
from graphql_api.core.cost import root_permissions
from graphql_api.core.views import prepare
from heat_platform.kernel.actors import Actor
from tests.factories.properties import HouseFactory

HEAVY_BILLS = """{ bills(first: 100) { totalCount items { id season status principalFen paidFen issuedAt
  house { id accountNo address } lines { kind quantity unitPrice amountFen explanation }
  amountDue { asOf outstandingFen discountFen lateFeeFen totalFen } } } }"""


def _post(client, host: str, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"HTTP_HOST": host}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started = time.perf_counter()
    resp = client.post("/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
                       content_type="application/json", **headers)
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    assert resp["Content-Type"] == "application/json", resp.content[:200]
    return resp, elapsed


def _codes(resp) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in resp.json().get("errors", [])]


def _refused(resp, code: str) -> dict:
    """Refused before execution: status 400, one typed error, no data at all."""
    body = resp.json()
    assert resp.status_code == 400, body
    assert "data" not in body, body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    return body["errors"][0]


def doubling_bomb(levels: int) -> str:
    """F(n) spreads F(n-1) twice: 2**levels copies of one field when expanded naively."""
    fragments = ["fragment F0 on Query { branding { displayName themeColor } }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f"query Bomb {{ ...F{levels} }}\n" + "\n".join(fragments)


def cycle(length: int) -> str:
    fragments = [f"fragment C{i} on Query {{ branding {{ displayName }} ...C{(i + 1) % length} }}"
                 for i in range(length)]
    return "query Cycle { ...C0 }\n" + "\n".join(fragments)


@pytest.fixture
def trivial_seconds(client, alpha):
    """The same stack's time for a trivial query (median of 5, after one warm-up)."""
    _post(client, alpha.host, "{ __typename }")
    return statistics.median(_post(client, alpha.host, "{ __typename }")[1] for _ in range(5))


def _fastest(client, host, query, tries=3):
    runs = [_post(client, host, query) for _ in range(tries)]
    return min(runs, key=lambda r: r[1])


@pytest.mark.parametrize(("name", "query", "code"), [
    ("doubling bomb", doubling_bomb(28), "QUERY_TOO_COMPLEX"),
    ("cycle of two", cycle(2), "GRAPHQL_VALIDATION_FAILED"),
    ("cycle of twenty", cycle(20), "GRAPHQL_VALIDATION_FAILED"),
    ("self cycle", "{ ...S } fragment S on Query { branding { displayName } ...S }", "GRAPHQL_VALIDATION_FAILED"),
])
def test_fragment_bombs_and_cycles_are_refused_fast_with_a_typed_error(client, alpha, trivial_seconds,
                                                                       name, query, code):
    resp, elapsed = _fastest(client, alpha.host, query)
    _refused(resp, code)
    # The old depth validator needed tens of seconds for the bomb and recursed to a 500 on cycles.
    assert elapsed < max(0.1, 5 * trivial_seconds), (name, elapsed, trivial_seconds)


def test_depth_is_linear_through_fragments_and_refused_typed(client, alpha, make_staff):
    token = make_staff(alpha, "finance")
    query = "{ ...P } fragment P on Query { bills { items { ...B } } } fragment B on Bill { house { accountNo } }"
    resp, _ = _post(client, alpha.host, query, token=token)
    assert resp.status_code == 200 and "errors" not in resp.json(), resp.json()
    with override_settings(GRAPHQL_MAX_DEPTH=2):
        resp, _ = _post(client, alpha.host, query, token=token)
    assert _refused(resp, "QUERY_TOO_DEEP")["extensions"]["actual"] == 3


@pytest.fixture
def hundred_bills(alpha):
    from apps.billing.services import bill_issue
    from tests.factories.tariffs import tianjin_season

    with schema_context(alpha.schema):
        season = tianjin_season("limits")
        for house in HouseFactory.create_batch(100, category="residential"):
            bill_issue(house=house, season=season.season, plan=season.area)
    return season


def test_a_heavy_staff_query_runs_and_the_same_budget_refuses_a_resident(client, alpha, make_staff, make_resident,
                                                                         hundred_bills):
    token = make_staff(alpha, "finance")
    resp, _ = _post(client, alpha.host, HEAVY_BILLS, token=token)
    assert resp.status_code == 200, resp.json()
    page = resp.json()["data"]["bills"]
    assert len(page["items"]) == 100 and all(bill["lines"] for bill in page["items"])

    _resident, resident_token = make_resident(alpha, "o-greedy")
    greedy = ("{ myPayments(first: 100) { items { items { bill { lines { kind quantity unitPrice amountFen "
              "explanation } amountDue { totalFen lateFeeFen } house { accountNo address } } } } } }")
    error = _refused(_post(client, alpha.host, greedy, token=resident_token)[0], "QUERY_TOO_COMPLEX")
    assert error["extensions"]["maximum"] == settings.GRAPHQL_COST_LIMITS["resident"]
    assert error["extensions"]["actual"] > error["extensions"]["maximum"]
    # Anonymous callers have the smallest budget, but a field they may not use costs them nothing
    # below it: they are told to log in, not that the query is too complex.
    assert _codes(_post(client, alpha.host, HEAVY_BILLS)[0]) == ["UNAUTHENTICATED"]


def test_page_sizes_count_from_arguments_variables_and_defaults(client, alpha, make_staff):
    token = make_staff(alpha, "finance")
    query = "query($n: Int) { bills(first: $n) { items { lines { amountFen } } } }"
    with override_settings(GRAPHQL_COST_LIMITS={**settings.GRAPHQL_COST_LIMITS, "staff": 1000}):
        # 1 + 1 + 10 × (1 + 10 × 1) = 112 for ten bills; the default page (50) costs 552; 100 costs 1102.
        assert _post(client, alpha.host, query, {"n": 10}, token=token)[0].status_code == 200
        assert _post(client, alpha.host, query, {}, token=token)[0].status_code == 200
        error = _refused(_post(client, alpha.host, query, {"n": 100}, token=token)[0], "QUERY_TOO_COMPLEX")
        assert error["extensions"]["actual"] == 1102
        literal = query.replace("($n: Int)", "").replace("$n", "5000")
        error = _refused(_post(client, alpha.host, literal, token=token)[0], "QUERY_TOO_COMPLEX")
        assert error["extensions"]["actual"] == 1102  # the server caps pages at 100, so does the estimate


def test_limit_pages_count_like_first_pages(client, alpha, make_staff):
    """Offset/limit pages (statement runs and their differences, invoices …) are sized by `limit` as `first` pages
    are by `first`: a nested 100 × 100 is priced as 10,000 rows, not as two default lists."""
    token = make_staff(alpha, "finance")
    query = ("query($n: Int, $m: Int) { statementRuns(limit: $n) { items { id "
             "differences(limit: $m) { items { id outTradeNo } } } } }")
    with override_settings(GRAPHQL_COST_LIMITS={**settings.GRAPHQL_COST_LIMITS, "staff": 1000}):
        assert _post(client, alpha.host, query, {"n": 5, "m": 5}, token=token)[0].status_code == 200
        error = _refused(_post(client, alpha.host, query, {"n": 100, "m": 100}, token=token)[0], "QUERY_TOO_COMPLEX")
        assert error["extensions"]["actual"] >= 100 * 100 * 2


def test_alias_floods_are_refused(client, alpha, make_staff):
    token = make_staff(alpha, "finance")
    cheap = "{ " + " ".join(f"a{i}: branding {{ displayName }}" for i in range(100)) + " }"
    _refused(_post(client, alpha.host, cheap)[0], "TOO_MANY_ALIASES")
    lists = "{ " + " ".join(f"a{i}: bills(first: 100) {{ items {{ id lines {{ kind amountFen explanation }} }} }}"
                            for i in range(25)) + " }"
    error = _refused(_post(client, alpha.host, lists, token=token)[0], "QUERY_TOO_COMPLEX")
    assert error["extensions"]["actual"] == 25 * (1 + 1 + 100 * (1 + 1 + 10 * 3))
    few = "{ branding { " + " ".join(f"a{i}: displayName" for i in range(settings.GRAPHQL_MAX_ALIASES)) + " } }"
    assert _post(client, alpha.host, few)[0].status_code == 200
    one_more = few.replace("a0: displayName", "a0: displayName z: themeColor")
    assert _refused(_post(client, alpha.host, one_more)[0], "TOO_MANY_ALIASES")["extensions"]["actual"] == \
        settings.GRAPHQL_MAX_ALIASES + 1


def test_size_tokens_selections_repeats_and_operations_are_bounded(client, alpha, trivial_seconds):
    host = alpha.host
    error = _refused(_post(client, host, "{ branding { displayName } }" + " " * settings.GRAPHQL_MAX_DOCUMENT_BYTES)[0],
                     "QUERY_TOO_LARGE")
    assert error["extensions"]["limit"] == "bytes"
    many_tokens = "{ branding { " + "displayName " * settings.GRAPHQL_MAX_TOKENS + "} }"
    assert _refused(_post(client, host, many_tokens)[0], "QUERY_TOO_LARGE")["extensions"]["limit"] == "tokens"
    comments = "{ branding { displayName } }\n" + "#\n" * (settings.GRAPHQL_MAX_TOKENS + 1)
    assert _refused(_post(client, host, comments)[0], "QUERY_TOO_LARGE")["extensions"]["limit"] == "tokens"
    # Thousands of one field: graphql-core's OverlappingFieldsCanBeMerged is quadratic in them.
    repeats = "{ " + "__typename " * 1500 + "}"
    resp, elapsed = _fastest(client, host, repeats)
    assert _refused(resp, "QUERY_TOO_LARGE")["extensions"]["limit"] in ("selections", "repeatedField")
    # ~50 ms on an idle machine; seconds when validated first (quadratic). The floor leaves room for a loaded CI.
    assert elapsed < max(0.5, 5 * trivial_seconds), (elapsed, trivial_seconds)
    inline = "{ " + "... on Query { __typename } " * 10 + "}"
    assert _refused(_post(client, host, inline)[0], "QUERY_TOO_LARGE")["extensions"]["limit"] == "repeatedField"
    fragments = "{ " + " ".join(f"...F{i}" for i in range(40)) + " } " + " ".join(
        f"fragment F{i} on Query {{ b{i}: branding {{ displayName }} }}" for i in range(40))
    assert _refused(_post(client, host, fragments)[0], "QUERY_TOO_LARGE")["extensions"]["limit"] == "fragments"
    operations = " ".join(f"query Q{i} {{ __typename }}" for i in range(settings.GRAPHQL_MAX_OPERATIONS + 1))
    _refused(_post(client, host, operations)[0], "TOO_MANY_OPERATIONS")
    roots = "{ " + " ".join(f"f{i}: branding {{ displayName }}" for i in range(settings.GRAPHQL_MAX_ROOT_FIELDS + 1))
    assert _refused(_post(client, host, roots + " }")[0], "TOO_MANY_OPERATIONS")["extensions"]["limit"] == "rootFields"
    deep = "{ a " * 3000 + "}" * 3000  # deeper than the parser's recursion allows
    with override_settings(GRAPHQL_MAX_TOKENS=100_000):
        _refused(_post(client, host, deep)[0], "QUERY_TOO_DEEP")


def test_mutations_are_priced_per_root_field(client, alpha):
    logins = "mutation { " + " ".join(
        f'l{i}: staffLogin(username: "nobody", password: "wrong-password-{i}") {{ token }}' for i in range(6)
    ) + " }"
    error = _refused(_post(client, alpha.host, logins)[0], "QUERY_TOO_COMPLEX")
    assert error["extensions"]["actual"] > settings.GRAPHQL_COST_LIMITS["anonymous"]


@override_settings(GRAPHQL_PUBLIC_INTROSPECTION=False)
def test_introspection_is_refused_for_anonymous_callers_and_residents_but_not_staff(client, alpha, make_staff,
                                                                                    make_resident):
    full = get_introspection_query(descriptions=True, specified_by_url=True, directive_is_repeatable=True,
                                   schema_description=True, input_value_deprecation=True)
    _resident, resident_token = make_resident(alpha, "o-curious")
    for token in (None, resident_token):
        for query in (full, '{ __type(name: "Bill") { fields { name } } }', "{ a: branding { __typename } __schema "
                      "{ queryType { name } } }"):
            _refused(_post(client, alpha.host, query, token=token)[0], "INTROSPECTION_DISABLED")
    assert _post(client, alpha.host, "{ __typename branding { __typename } }")[0].status_code == 200
    staff = make_staff(alpha, "technician")
    resp, _ = _post(client, alpha.host, full, token=staff)
    assert resp.status_code == 200 and resp.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    with override_settings(GRAPHQL_PUBLIC_INTROSPECTION=True):  # dev: GraphiQL works before logging in
        assert _post(client, alpha.host, full)[0].status_code == 200
        # … but introspection is bounded even then: no recursion through types (graphql-core's
        # MaxIntrospectionDepthRule) and introspection lists nest at most 3 deep (ours).
        recursive = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
        _refused(_post(client, alpha.host, recursive)[0], "GRAPHQL_VALIDATION_FAILED")
        lists = "{ __schema { types { fields { args { type { enumValues { name } } } } } } }"
        assert _refused(_post(client, alpha.host, lists)[0], "QUERY_TOO_COMPLEX")["extensions"]["limit"] == \
            "introspectionDepth"


def test_introspection_is_off_by_default_except_in_dev():
    from heat_platform.settings import base, dev

    assert base.GRAPHQL_PUBLIC_INTROSPECTION is False
    assert dev.GRAPHQL_PUBLIC_INTROSPECTION is True


def test_operators_keep_introspection_on_the_platform(client, db):
    from tests.factories.tenants import OPERATOR, PASSWORD

    login = "mutation($u: String!, $p: String!) { operatorLogin(username: $u, password: $p) { token } }"
    token = _post(client, "localhost", login, {"u": OPERATOR, "p": PASSWORD})[0].json()["data"]["operatorLogin"][
        "token"]
    query = "{ __schema { mutationType { fields { name } } } }"
    _refused(_post(client, "localhost", query)[0], "INTROSPECTION_DISABLED")
    names = {f["name"] for f in _post(client, "localhost", query, token=token)[0].json()["data"]["__schema"][
        "mutationType"]["fields"]}
    assert "registerTenant" in names


def test_every_root_field_has_declared_permissions_for_the_cost_analysis():
    for schema in (tenant_schema.schema, platform_schema.schema):
        gschema = schema.graphql_schema
        declared = root_permissions(schema)
        for root in (gschema.query_type, gschema.mutation_type):
            missing = [name for name in root.fields if (root.name, name) not in declared]
            assert not missing, missing


# --- The mini-program's own documents (miniprogram-template) pass a resident's limits -----------

TEMPLATE = Path(settings.BASE_DIR) / "miniprogram-template"
_CONST = re.compile(r"const ([A-Z_]+) = (`[^`]*`|'[^']*');", re.S)


def miniprogram_documents() -> dict[str, str]:
    """Every GraphQL document the template's code sends, with its ${…} parts filled in."""
    documents = {}
    for path in sorted(TEMPLATE.glob("**/*.js")):
        if {"node_modules", "tests"} & set(path.relative_to(TEMPLATE).parts):
            continue
        constants: dict[str, str] = {}
        for name, literal in _CONST.findall(path.read_text(encoding="utf-8")):
            text = re.sub(r"\$\{([A-Z_]+)\}", lambda m, known=constants: known[m.group(1)], literal[1:-1])
            constants[name] = text
            if re.match(r"\s*(query|mutation)\b", text):
                documents[f"{path.relative_to(TEMPLATE)}:{name}"] = text
    return documents


DOCUMENTS = miniprogram_documents()


def test_the_template_documents_were_all_found():
    names = {key.split(":")[1] for key in DOCUMENTS}
    assert {"WECHAT_LOGIN", "MY_PROFILE", "MY_BILLS", "BILL", "MY_HOUSES", "BIND_HOUSE", "CREATE_PAYMENT", "ORDER",
            "MY_PAYMENTS", "BRANDING"} <= names, names
    assert not [d for d in DOCUMENTS.values() if "${" in d]


def _sample(type_, name: str):
    """A value of the variable's type as the app would send it; page sizes at the maximum."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type, name)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type, name)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):  # every field filled, as a full form would send it
        return {field: _sample(spec.type, field) for field, spec in type_.fields.items()}
    return {"ID": "1", "String": "13800138000", "Int": 100 if name in ("first", "limit") else 0, "Boolean": True,
            "Date": "2026-12-01", "Decimal": "0.09", "BigInt": 100}[type_.name]


@pytest.mark.parametrize("key", sorted(DOCUMENTS))
@pytest.mark.parametrize("caller", ["anonymous", "resident"])
def test_each_miniprogram_document_passes_the_limits(key, caller, db):
    actor = Actor(kind="resident", resident=object()) if caller == "resident" else Actor(kind="anonymous")
    document = DOCUMENTS[key]
    gschema = tenant_schema.schema.graphql_schema
    variables = {v.variable.name.value: _sample(type_from_ast(gschema, v.type), v.variable.name.value)
                 for v in parse(document).definitions[0].variable_definitions}
    result = prepare(tenant_schema.schema, actor, method="POST", query=document, variables=variables,
                     operation_name=None)
    assert not isinstance(result, list), (key, [e.formatted for e in result])

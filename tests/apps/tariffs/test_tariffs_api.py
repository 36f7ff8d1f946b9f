from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.tariffs.models import Season, TariffPlan
from tests.factories.tariffs import create_season

SAVE_PLAN = """mutation($s: ID!, $id: ID, $input: TariffPlanInput!) {
  saveTariffPlan(seasonId: $s, id: $id, input: $input) { plan { id name areaUnitPrice pricing } errors { field code } }
}"""


def test_finance_creates_a_season_and_plans(gql, alpha, make_staff):
    token = make_staff(alpha, "finance")
    season = create_season(gql, alpha, token)
    assert season["errors"] == [] and season["season"]["days"] == 121 and season["season"]["status"] == "DRAFT"
    plan = gql(alpha.host, SAVE_PLAN, {"s": season["season"]["id"], "input": {
        "name": "居民面积", "category": "RESIDENTIAL", "pricing": "AREA", "areaUnitPrice": "24",
        "optedOutBasicPct": "30", "lateFeeDailyPermille": "2", "earlyDiscountPct": "3",
        "earlyDiscountUntil": "2026-11-30"}}, token=token)["data"]["saveTariffPlan"]
    assert plan["errors"] == [] and plan["plan"]["pricing"] == "AREA"
    updated = gql(alpha.host, SAVE_PLAN, {"s": season["season"]["id"], "id": plan["plan"]["id"],
                                          "input": {"areaUnitPrice": "25"}}, token=token)["data"]["saveTariffPlan"]
    assert updated["plan"]["areaUnitPrice"] == "25"
    listed = gql(alpha.host, "query($s: ID!) { tariffPlans(seasonId: $s) { name } }",
                 {"s": season["season"]["id"]}, token=token)["data"]["tariffPlans"]
    assert listed == [{"name": "居民面积"}]


@pytest.mark.parametrize(("over", "field", "code"), [
    ({"e": "2026-11-01"}, "heatingEnd", "INVALID_DATES"),
    ({"l": "2026-12-01"}, "lateFeeStart", "INVALID_DATES"),
    ({"n": " "}, "name", "REQUIRED"),
])
def test_bad_seasons_are_rejected(gql, alpha, make_staff, over, field, code):
    token = make_staff(alpha, "tenant_admin")
    assert create_season(gql, alpha, token, **over) == {"season": None, "errors": [{"field": field, "code": code}]}
    with schema_context(alpha.schema):
        assert not Season.objects.exists()


def test_overlapping_seasons_are_rejected(gql, alpha, make_staff):
    token = make_staff(alpha, "tenant_admin")
    assert create_season(gql, alpha, token)["errors"] == []
    clash = create_season(gql, alpha, token, n="重叠", s="2027-03-01", e="2027-04-01", d="2027-03-10", l="2027-03-11")
    assert clash["errors"] == [{"field": "heatingStart", "code": "OVERLAPPING_SEASON"}]


@pytest.mark.parametrize(("plan", "field", "code"), [
    ({"areaUnitPrice": "-1"}, "areaUnitPrice", "NEGATIVE_PRICE"),
    ({"optedOutBasicPct": "130"}, "optedOutBasicPct", "INVALID_PERCENT"),
    ({"pricing": "TWO_PART"}, "meteredUnitPrice", "REQUIRED"),
    ({"earlyDiscountPct": "5", "earlyDiscountUntil": "2027-01-05"}, "earlyDiscountUntil", "CONFLICTING_RULES"),
    ({"lowIncomeMode": "UNIT_PRICE", "lowIncomeUnitPrice": "30"}, "lowIncomeUnitPrice", "INVALID"),
])
def test_bad_plans_are_typed_errors_and_write_nothing(gql, alpha, make_staff, plan, field, code):
    token = make_staff(alpha, "finance")
    season_id = create_season(gql, alpha, token)["season"]["id"]
    base = {"name": "x", "category": "RESIDENTIAL", "areaUnitPrice": "24"}
    result = gql(alpha.host, SAVE_PLAN, {"s": season_id, "input": {**base, **plan}}, token=token)["data"][
        "saveTariffPlan"]
    assert result["plan"] is None and {"field": field, "code": code} in result["errors"]
    with schema_context(alpha.schema):
        assert not TariffPlan.objects.exists()


def test_season_status_moves_one_way(gql, alpha, make_staff):
    token = make_staff(alpha, "finance")
    season_id = create_season(gql, alpha, token)["season"]["id"]
    q = ("mutation($id: ID!, $s: SeasonStatus!) "
         "{ setSeasonStatus(id: $id, status: $s) { season { status } errors { code } } }")
    assert gql(alpha.host, q, {"id": season_id, "s": "CLOSED"}, token=token)["data"]["setSeasonStatus"][
        "errors"] == [{"code": "INVALID_STATUS"}]
    assert gql(alpha.host, q, {"id": season_id, "s": "OPEN"}, token=token)["data"]["setSeasonStatus"][
        "season"] == {"status": "OPEN"}


@pytest.mark.parametrize(("plan", "field", "code"), [
    ({"areaUnitPrice": "24.12345"}, "areaUnitPrice", "INVALID"),  # numeric(10,4) would round it silently
    ({"areaUnitPrice": "1000000"}, "areaUnitPrice", "INVALID"),  # does not fit numeric(10,4)
    ({"capPct": "12.345"}, "capPct", "INVALID"),
    ({"lateFeeDailyPermille": "1.2345"}, "lateFeeDailyPermille", "INVALID"),
    ({"optedOutBasicPct": None}, "optedOutBasicPct", "REQUIRED"),
    ({"areaUnitPrice": None}, "areaUnitPrice", "REQUIRED"),
])
def test_values_that_do_not_fit_their_column_are_typed_errors(gql, alpha, make_staff, plan, field, code):
    token = make_staff(alpha, "finance")
    season_id = create_season(gql, alpha, token)["season"]["id"]
    base = {"name": "x", "category": "RESIDENTIAL", "areaUnitPrice": "24"}
    result = gql(alpha.host, SAVE_PLAN, {"s": season_id, "input": {**base, **plan}}, token=token)["data"][
        "saveTariffPlan"]
    assert result == {"plan": None, "errors": [{"field": field, "code": code}]}
    with schema_context(alpha.schema):
        assert not TariffPlan.objects.exists()


def test_a_new_plan_without_an_area_price_is_a_typed_error(gql, alpha, make_staff):
    token = make_staff(alpha, "finance")
    season_id = create_season(gql, alpha, token)["season"]["id"]
    result = gql(alpha.host, SAVE_PLAN, {"s": season_id, "input": {"name": "x", "category": "RESIDENTIAL"}},
                 token=token)["data"]["saveTariffPlan"]
    assert result == {"plan": None, "errors": [{"field": "areaUnitPrice", "code": "REQUIRED"}]}


def test_null_clears_an_optional_rule_and_omitted_settings_stay(gql, alpha, make_staff):
    token = make_staff(alpha, "finance")
    season_id = create_season(gql, alpha, token)["season"]["id"]
    created = gql(alpha.host, SAVE_PLAN, {"s": season_id, "input": {
        "name": "计量", "category": "RESIDENTIAL", "pricing": "TWO_PART", "areaUnitPrice": "24",
        "basicUnitPrice": "7.2", "meteredUnitPrice": "44.45", "floorUnitPrice": "18", "earlyDiscountPct": "3",
        "earlyDiscountFrom": "2026-10-01", "earlyDiscountUntil": "2026-11-30"}}, token=token)["data"]["saveTariffPlan"]
    assert created["errors"] == []
    plan_id = created["plan"]["id"]
    cleared = gql(alpha.host, SAVE_PLAN, {"s": season_id, "id": plan_id, "input": {
        "floorUnitPrice": None, "earlyDiscountPct": "0", "earlyDiscountFrom": None, "earlyDiscountUntil": None}},
        token=token)["data"]["saveTariffPlan"]
    assert cleared["errors"] == []
    with schema_context(alpha.schema):
        plan = TariffPlan.objects.get(pk=plan_id)
        assert plan.floor_unit_price is None and plan.early_discount_from is None
        assert plan.early_discount_until is None and plan.early_discount_pct == 0
        assert plan.basic_unit_price == Decimal("7.2") and plan.metered_unit_price == Decimal("44.45")

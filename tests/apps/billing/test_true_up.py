"""Season-end true-up (多退少补) of two-part bills: charges the metered part
of provisional bills, refunds over-estimates as credits (consumed by the next
season's bill run or refundable, per plan), idempotent, audited."""

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from apps.billing.metering import meter_reading_record
from apps.billing.models import Bill, BillLine, HouseCredit, MeterReading
from apps.billing.trueup import TRUE_UP_LABEL, season_true_up
from apps.tariffs.models import TariffPlan
from tests.factories.properties import HouseFactory
from tests.factories.tariffs import season_with_plans

START, END = dt.date(2026, 11, 15), dt.date(2027, 3, 15)


@pytest.fixture
def metered(alpha, tariffs, run_bills):
    """Four 100 ㎡ metered homes and a plain one, billed by a run:
    `unread` without readings (provisional bill 1200.00), `estimated` with an
    end reading of 1040 (bill 2640.00, capped), `partly` unread and 1000.00
    paid, `no_end` with a start reading only."""
    with schema_context(alpha.schema):
        houses = {name: HouseFactory(account_no=f"M{i}", building_area=Decimal("100"), meter_no=f"HM-{i}")
                  for i, name in enumerate(("unread", "estimated", "partly", "no_end"))}
        houses["plain"] = HouseFactory(account_no="P1", building_area=Decimal("100"))
        _reading(houses["estimated"], tariffs.season, "start", 1000)
        _reading(houses["estimated"], tariffs.season, "end", 1040)
        _reading(houses["no_end"], tariffs.season, "start", 1000)
    run_bills(tariffs.season)
    with schema_context(alpha.schema):
        _pay(houses["estimated"], tariffs.season, 264000)
        _pay(houses["partly"], tariffs.season, 100000)
    return houses


def _reading(house, season, kind, value, read_on=None):
    MeterReading.objects.update_or_create(house=house, season=season, kind=kind, defaults={
        "value": Decimal(value), "read_on": read_on or (START if kind == "start" else END), "reader": "李师傅"})


def _pay(house, season, fen):
    bill = Bill.objects.get(house=house, season=season)
    Bill.objects.filter(pk=bill.pk).update(paid_fen=fen, status="paid" if fen >= bill.principal_fen else
                                           "partially_paid")


def _bill(house, season) -> Bill:
    return Bill.objects.get(house=house, season=season)


def _true_up(alpha, season):
    with schema_context(alpha.schema):
        return season_true_up(season_id=season.pk, actor=User.objects.get(username=alpha.admin))


def test_true_up_charges_the_metered_part_of_provisional_bills(alpha, tariffs, metered):
    season = tariffs.season
    with schema_context(alpha.schema):
        assert _bill(metered["unread"], season).principal_fen == 120000
        for name in ("unread", "partly"):
            _reading(metered[name], season, "start", 1000)
            _reading(metered[name], season, "end", 1040)
    result = _true_up(alpha, season)
    assert (result.checked, result.adjusted, result.unchanged, result.missing_readings, result.error_count) == (
        4, 2, 1, 1, 0)
    assert (result.charged_fen, result.reduced_fen, result.credit_fen, result.refundable_fen) == (288000, 0, 0, 0)
    with schema_context(alpha.schema):
        unread = _bill(metered["unread"], season)
        assert (unread.principal_fen, unread.status) == (264000, "issued")
        last = unread.lines.order_by("position").last()
        assert (last.kind, last.amount_fen, last.explanation) == ("adjustment", 144000, (
            f"{TRUE_UP_LABEL}：实测用热40GJ（期初1000、期末1040），按实测应收2640.00元，原计1200.00元"))
        assert sum(x.amount_fen for x in unread.lines.all()) == unread.principal_fen
        partly = _bill(metered["partly"], season)
        assert (partly.principal_fen, partly.paid_fen, partly.status) == (264000, 100000, "partially_paid")
        assert _bill(metered["plain"], season).lines.count() == 1  # area bills are not touched
        assert _bill(metered["no_end"], season).principal_fen == 120000  # waits for its end reading
        audit = AuditLog.objects.filter(action="bill.true_up").order_by("target_id")
        assert [(a.target_id, a.detail["diff_fen"], a.actor_name) for a in audit] == [
            (unread.pk, 144000, alpha.admin), (partly.pk, 144000, alpha.admin)]
        summary = AuditLog.objects.get(action="season.true_up")
        assert (summary.target_id, summary.detail["adjusted"]) == (season.pk, 2)


def test_true_up_is_idempotent_and_settles_a_corrected_reading(alpha, tariffs, metered):
    season = tariffs.season
    with schema_context(alpha.schema):
        _reading(metered["unread"], season, "start", 1000)
        _reading(metered["unread"], season, "end", 1040)
    _true_up(alpha, season)
    with schema_context(alpha.schema):
        lines = BillLine.objects.count()
        principals = dict(Bill.objects.values_list("pk", "principal_fen"))
    again = _true_up(alpha, season)
    assert (again.adjusted, again.unchanged, again.charged_fen, again.reduced_fen) == (0, 2, 0, 0)
    with schema_context(alpha.schema):
        assert BillLine.objects.count() == lines
        assert dict(Bill.objects.values_list("pk", "principal_fen")) == principals
        assert AuditLog.objects.filter(action="bill.true_up").count() == 1
        # The end reading was mistyped: 1030, not 1040. The next run settles only the difference.
        actor = User.objects.get(username=alpha.admin)
        meter_reading_record(house_id=metered["unread"].pk, season_id=season.pk, kind="end", value="1030",
                             read_on=END, reader="李师傅", actor=actor)
    fixed = _true_up(alpha, season)
    assert (fixed.adjusted, fixed.reduced_fen) == (1, 264000 - 253350)  # 1200 + 30 × 44.45 = 2533.50
    with schema_context(alpha.schema):
        bill = _bill(metered["unread"], season)
        assert bill.principal_fen == 253350
        assert [x.amount_fen for x in bill.lines.filter(explanation__startswith=TRUE_UP_LABEL)] == [144000, -10650]


def test_over_estimate_becomes_a_credit_consumed_by_next_seasons_bill(alpha, tariffs, metered, run_bills):
    season = tariffs.season
    with schema_context(alpha.schema):
        _reading(metered["estimated"], season, "end", 1020)  # the real end reading: 20 GJ, not 40
    result = _true_up(alpha, season)
    assert (result.adjusted, result.reduced_fen, result.credit_fen, result.refundable_fen) == (1, 55100, 55100, 0)
    with schema_context(alpha.schema):
        bill = _bill(metered["estimated"], season)
        assert (bill.principal_fen, bill.paid_fen, bill.status) == (208900, 264000, "paid")  # 1200 + 889
        credit = HouseCredit.objects.get()
        assert (credit.house_id, credit.season_id, credit.amount_fen, credit.refundable,
                credit.consumed_by_bill_id) == (metered["estimated"].pk, season.pk, 55100, False, None)
        assert _true_up(alpha, season).adjusted == 0
        assert HouseCredit.objects.get().amount_fen == 55100  # idempotent: no second credit
        following = season_with_plans("2027-2028", dt.date(2027, 11, 15), dt.date(2028, 3, 15)).season
    run_bills(following)
    with schema_context(alpha.schema):
        next_bill = _bill(metered["estimated"], following)
        lines = [(x.kind, x.amount_fen) for x in next_bill.lines.order_by("position")]
        assert lines == [("basic_fee", 120000), ("metered_fee", 0), ("credit", -55100)]
        assert next_bill.principal_fen == 120000 - 55100
        assert HouseCredit.objects.get().consumed_by_bill_id == next_bill.pk


def test_refund_plans_make_the_credit_refundable(alpha, tariffs, metered, run_bills):
    season = tariffs.season
    with schema_context(alpha.schema):
        TariffPlan.objects.filter(pk=tariffs.metered.pk).update(true_up_credit="refund")
        _reading(metered["estimated"], season, "end", 1020)
    result = _true_up(alpha, season)
    assert (result.credit_fen, result.refundable_fen) == (0, 55100)
    with schema_context(alpha.schema):
        assert HouseCredit.objects.get().refundable is True
        following = season_with_plans("2027-2028", dt.date(2027, 11, 15), dt.date(2028, 3, 15)).season
    run_bills(following)
    with schema_context(alpha.schema):
        assert HouseCredit.objects.get().consumed_by_bill_id is None
        assert not _bill(metered["estimated"], following).lines.filter(kind="credit").exists()


def test_a_lower_principal_without_overpayment_makes_no_credit(alpha, tariffs, metered):
    season = tariffs.season
    with schema_context(alpha.schema):
        Bill.objects.filter(house=metered["estimated"]).update(paid_fen=200000, status="partially_paid")
        _reading(metered["estimated"], season, "end", 1020)
    _true_up(alpha, season)
    with schema_context(alpha.schema):
        bill = _bill(metered["estimated"], season)
        assert (bill.principal_fen, bill.status) == (208900, "partially_paid")
        assert not HouseCredit.objects.exists()


def test_a_credit_already_used_is_not_taken_back_silently(alpha, tariffs, metered, run_bills):
    season = tariffs.season
    with schema_context(alpha.schema):
        _reading(metered["estimated"], season, "end", 1020)
    _true_up(alpha, season)
    with schema_context(alpha.schema):
        following = season_with_plans("2027-2028", dt.date(2027, 11, 15), dt.date(2028, 3, 15)).season
    run_bills(following)  # consumes the 551.00 credit
    with schema_context(alpha.schema):
        _reading(metered["estimated"], season, "end", 1040)  # the 1020 was wrong after all
    result = _true_up(alpha, season)
    assert result.adjusted == 0
    assert result.errors == [{"house_id": metered["estimated"].pk, "account_no": "M1", "code": "CREDIT_USED",
                              "message": "该户上次结算的多缴金额已被抵扣，本次结算需人工处理。"}]
    with schema_context(alpha.schema):
        assert _bill(metered["estimated"], season).principal_fen == 208900


def test_a_credit_larger_than_the_next_bill_is_split(alpha, tariffs, run_bills):
    with schema_context(alpha.schema):
        house = HouseFactory(building_area=Decimal("89.50"))
        HouseCredit.objects.create(house=house, season=tariffs.season, amount_fen=300000)
        following = season_with_plans("2027-2028", dt.date(2027, 11, 15), dt.date(2028, 3, 15)).season
    run_bills(following)
    with schema_context(alpha.schema):
        bill = _bill(house, following)
        assert [(x.kind, x.amount_fen) for x in bill.lines.order_by("position")] == [
            ("heating_fee", 214800), ("credit", -214800)]
        assert (bill.principal_fen, bill.status) == (0, "paid")
        assert sorted(HouseCredit.objects.values_list("amount_fen", "consumed_by_bill_id")) == [
            (85200, None), (214800, bill.pk)]


TRUE_UP = """mutation($s: ID!) { runTrueUp(seasonId: $s) {
  result { checked adjusted unchanged missingReadings chargedFen reducedFen creditFen refundableFen errorCount
           houseErrors { houseId accountNo code message } }
  errors { field code } } }"""


def test_run_true_up_through_graphql(gql, alpha, tariffs, metered, make_staff):
    with schema_context(alpha.schema):
        _reading(metered["estimated"], tariffs.season, "end", 1020)
    for role in ("collector", "technician"):
        denied = gql(alpha.host, TRUE_UP, {"s": str(tariffs.season.pk)}, token=make_staff(alpha, role))
        assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    finance = make_staff(alpha, "finance")
    data = gql(alpha.host, TRUE_UP, {"s": str(tariffs.season.pk)}, token=finance)["data"]["runTrueUp"]
    assert data == {"errors": [], "result": {
        "checked": 4, "adjusted": 1, "unchanged": 0, "missingReadings": 3, "chargedFen": 0, "reducedFen": 55100,
        "creditFen": 55100, "refundableFen": 0, "errorCount": 0, "houseErrors": []}}
    missing = gql(alpha.host, TRUE_UP, {"s": "x"}, token=finance)["data"]["runTrueUp"]
    assert missing == {"result": None, "errors": [{"field": "seasonId", "code": "NOT_FOUND"}]}

"""Bill runs write exactly what the engine computes for each house, whatever the batch
layout: every stored bill and line (plan, snapshot, principal, status, kind, quantity,
unit price, amount, explanation, position, time) equals the per-house computation
(house_facts → bill_lines → credit_lines, as bill_issue does), also for explanations the
COPY text format must escape, for credits split across bills, and across batches."""

import datetime as dt
from decimal import Decimal

from django_tenants.utils import schema_context

from apps.billing import runs
from apps.billing.engine import bill_lines
from apps.billing.facts import house_facts, tariff_params
from apps.billing.models import Bill, HouseCredit, MeterReading
from apps.billing.services.credits import OpenCredit, credit_lines
from apps.billing.services.ledger import bill_status_for
from apps.properties.models import HeatingStatusChange, House
from tests.factories.properties import BuildingFactory, HouseFactory
from tests.factories.tariffs import season_with_plans

# Texts a compensation credit may carry into a credit line; COPY's text format escapes them.
AWKWARD = ["补偿\t制表符", "换行\n第二行", "反斜杠 \\ 与 \\. 与 \\N", "引号 ' \"，回车\r", "末尾反斜杠\\"]


def _ledger():
    earlier = season_with_plans("2025-2026", dt.date(2025, 11, 15), dt.date(2026, 3, 15)).season
    plans = season_with_plans("2026-2027", dt.date(2026, 11, 15), dt.date(2027, 3, 15))
    building = BuildingFactory()
    for i in range(40):
        kind = i % 8
        house = HouseFactory(
            building=building, account_no=f"W{i:03d}", building_area=Decimal("60.00") + i % 3,
            category="non_residential" if kind == 1 else "residential",
            heating_status={2: "opted_out", 7: "disconnected"}.get(kind, "normal"),
            meter_no=f"HM{i}" if kind in (3, 4) else "", low_income="dibao" if kind == 5 else "none")
        if kind == 3:
            for reading, value in (("start", Decimal("100.5")), ("end", Decimal("131.25"))):
                MeterReading.objects.create(house=house, season=plans.season, kind=reading, value=value,
                                            read_on=plans.season.heating_start, reader="李师傅")
        if kind == 6:
            for frm, to, day in (("normal", "opted_out", dt.date(2026, 10, 1)),
                                 ("opted_out", "normal", dt.date(2027, 1, 9))):
                HeatingStatusChange.objects.create(house=house, from_status=frm, to_status=to, reason="报停",
                                                   effective_date=day, changed_by="x")
        if i % 3 == 0:  # small, bill-sized and larger-than-the-bill credits (split, the rest stays open)
            HouseCredit.objects.create(house=house, season=earlier, amount_fen=[1234, 9_999_999][i % 2],
                                       source="compensation", explanation=AWKWARD[i % len(AWKWARD)])
        if i % 5 == 0:
            HouseCredit.objects.create(house=house, season=earlier, amount_fen=500)
    return plans


def _expected(house: House, plans) -> tuple[int, list[tuple]]:
    """(plan id, [(kind, quantity, unit price, amount, text)]) of one house, computed on its own."""
    season = plans.season
    plan = plans.business if house.category == "non_residential" else (
        plans.metered if house.meter_no else plans.area)
    consumption, provisional = None, False
    if plan.pricing == "two_part" and house.heating_status != "opted_out":
        readings = dict(MeterReading.objects.filter(house=house, season=season).values_list("kind", "value"))
        provisional = len(readings) < 2
        consumption = Decimal(0) if provisional else readings["end"] - readings["start"]
    lines = bill_lines(tariff_params(plan, season),
                       house_facts(house, season=season, consumption=consumption,
                                   changes=house.status_changes.all()))
    if provisional:
        lines = [line if line.kind != "metered_fee" else type(line)(
            line.kind, line.quantity, line.unit_price, line.amount_fen, runs.PROVISIONAL_METERED) for line in lines]
    credits = [OpenCredit(c, c.season.name) for c in HouseCredit.objects.filter(
        house=house, refundable=False).select_related("season").order_by("season__heating_start", "id")]
    lines, _uses = credit_lines(lines, credits)
    return plan.pk, [(x.kind, x.quantity, x.unit_price, x.amount_fen, x.explanation) for x in lines]


def test_every_bill_and_line_is_the_per_house_computation(alpha, run_bills, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 7)  # batches that cut through houses of every kind
    with schema_context(alpha.schema):
        plans = _ledger()
        expected = {h.pk: _expected(h, plans) for h in House.objects.exclude(heating_status="disconnected")}
        open_before = {c.pk: c.amount_fen for c in HouseCredit.objects.all()}
    run = run_bills(plans.season)
    assert (run.status, run.created, run.skipped, run.error_count) == ("succeeded", 35, 5, 0)
    with schema_context(alpha.schema):
        bills = Bill.objects.filter(season=plans.season).prefetch_related("lines")
        assert {b.house_id for b in bills} == set(expected)
        for bill in bills:
            plan_id, lines = expected[bill.house_id]
            stored = [(x.kind, x.quantity, x.unit_price, x.amount_fen, x.explanation)
                      for x in sorted(bill.lines.all(), key=lambda x: x.position)]
            assert stored == lines, bill.house.account_no
            assert [x.position for x in sorted(bill.lines.all(), key=lambda x: x.position)] == list(range(len(lines)))
            assert {x.created_at for x in bill.lines.all()} == {bill.issued_at} and bill.updated_at == bill.issued_at
            principal = sum(amount for _k, _q, _u, amount, _t in lines)
            assert (bill.plan_id, bill.principal_fen, bill.paid_fen, bill.bill_run_id) == (
                plan_id, principal, 0, run.pk)
            assert bill.status == bill_status_for(principal_fen=principal, paid_fen=0)
            assert bill.snapshot == tariff_params(bill.plan, plans.season).to_snapshot()
        assert any("\t" in text for _p, lines in expected.values() for *_x, text in lines)
        # Each credit line consumed its credit: the used part points at the bill, the rest stays open.
        for credit in HouseCredit.objects.filter(pk__in=open_before, consumed_by_bill__isnull=False):
            assert credit.consumed_by_bill.house_id == credit.house_id
            assert credit.consumed_by_bill.lines.filter(kind="credit", amount_fen=-credit.amount_fen).exists()
            rest = open_before[credit.pk] - credit.amount_fen
            assert not rest or HouseCredit.objects.filter(house=credit.house, consumed_by_bill__isnull=True,
                                                          amount_fen=rest, explanation=credit.explanation).exists()

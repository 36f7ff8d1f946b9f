"""The bill engine against DOMAIN.md's worked examples, and its invariants as
hypothesis properties."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D  # noqa: N817  (reads like the figures in DOMAIN.md)

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.billing.engine import HouseFacts, TariffError, TariffParams, amount_due, bill_lines, paused_days

SEASON = {"season_start": dt.date(2026, 11, 15), "season_end": dt.date(2027, 3, 15)}  # Tianjin, 121 days
BEIJING_AREA = TariffParams(**SEASON, area_unit_price=D("24"))


def total(lines):
    return sum(line.amount_fen for line in lines)


# --- worked examples (DOMAIN.md §3) -------------------------------------------------------------

def test_beijing_24_yuan_area_bill():
    lines = bill_lines(BEIJING_AREA, HouseFacts(building_area=D("89.50")))
    assert [(x.kind, x.amount_fen, x.explanation) for x in lines] == [
        ("heating_fee", 214800, "采暖费：89.50㎡ × 24.00元/㎡")]


def test_heze_bills_usable_area():
    params = TariffParams(**SEASON, area_unit_price=D("24"), area_basis="usable")
    assert total(bill_lines(params, HouseFacts(building_area=D("100"), usable_area=D("80.25")))) == 192600
    with pytest.raises(TariffError):
        bill_lines(params, HouseFacts(building_area=D("100")))


def test_opted_out_house_pays_30_percent_basic_fee():
    params = TariffParams(**SEASON, area_unit_price=D("24"), opted_out_basic_pct=D("30"))
    lines = bill_lines(params, HouseFacts(building_area=D("89.50"), opted_out=True))
    assert [(x.kind, x.amount_fen) for x in lines] == [("basic_fee", 64440)]
    assert lines[0].explanation == "报停基本热费：89.50㎡ × 24.00元/㎡ × 30%"


def test_opted_out_share_may_be_zero():
    assert total(bill_lines(BEIJING_AREA, HouseFacts(building_area=D("80"), opted_out=True))) == 0


def test_tianjin_2_permille_daily_late_fee_from_jan_1():
    params = TariffParams(**SEASON, area_unit_price=D("25"), late_fee_daily_permille=D("2"),
                          late_fee_start=dt.date(2027, 1, 1))
    principal = total(bill_lines(params, HouseFacts(building_area=D("100"))))  # 2500.00 元
    assert amount_due(params, principal_fen=principal, paid_fen=0, on=dt.date(2026, 12, 31)).late_fee_fen == 0
    due = amount_due(params, principal_fen=principal, paid_fen=0, on=dt.date(2027, 1, 10))
    assert due.late_fee_fen == 5000  # 2500 元 × 2‰ × 10 days = 50.00 元
    assert due.total_fen == 255000


def test_late_fee_stops_while_heat_is_stopped_and_is_capped():
    params = TariffParams(**SEASON, area_unit_price=D("25"), late_fee_daily_permille=D("2"),
                          late_fee_start=dt.date(2027, 1, 1), late_fee_cap_pct=D("5"))
    stop = [(dt.date(2027, 1, 3), dt.date(2027, 1, 5))]
    due = amount_due(params, principal_fen=250000, paid_fen=0, on=dt.date(2027, 1, 10), pauses=stop)
    assert due.late_fee_fen == 3500  # 7 billable days
    capped = amount_due(params, principal_fen=250000, paid_fen=0, on=dt.date(2027, 6, 30))
    assert capped.late_fee_fen == 12500  # 5% of 2500 元


def test_metered_two_part_bill_with_cap_at_area_bill_plus_10_percent():
    """Beijing-style two-part prices with a Binzhou-style cap (area bill + 10%)."""
    params = TariffParams(**SEASON, pricing="two_part", area_unit_price=D("24"), basic_unit_price=D("12"),
                          metered_unit_price=D("44.45"), cap_mode="area_bill_plus", cap_pct=D("10"))
    lines = bill_lines(params, HouseFacts(building_area=D("100"), consumption=D("40")))
    # basic 1200.00 + metered 1778.00 = 2978.00 > cap 2400 × 1.1 = 2640.00
    assert [(x.kind, x.amount_fen) for x in lines] == [
        ("basic_fee", 120000), ("metered_fee", 177800), ("adjustment", -33800)]
    assert total(lines) == 264000
    under_cap = bill_lines(params, HouseFacts(building_area=D("100"), consumption=D("20")))
    assert total(under_cap) == 120000 + 88900


def test_metered_bill_floor():
    params = TariffParams(**SEASON, pricing="two_part", area_unit_price=D("24"), basic_unit_price=D("12"),
                          metered_unit_price=D("44.45"), floor_unit_price=D("15"))
    lines = bill_lines(params, HouseFacts(building_area=D("100"), consumption=D("1")))
    assert total(lines) == 150000 and lines[-1].kind == "adjustment"


def test_proration_for_a_mid_season_connection():
    lines = bill_lines(BEIJING_AREA, HouseFacts(building_area=D("100"), billed_days=60))
    assert lines[0].explanation == "采暖费：100.00㎡ × 24.00元/㎡ × 60/121天"
    assert total(lines) == 119008  # 2400 × 60 / 121 = 1190.0826… → 1190.08


def test_low_income_percentage_and_special_price():
    pct = TariffParams(**SEASON, area_unit_price=D("24"), low_income_mode="percent", low_income_pct=D("50"))
    lines = bill_lines(pct, HouseFacts(building_area=D("89.50"), low_income=True))
    assert [(x.kind, x.amount_fen) for x in lines] == [("heating_fee", 214800), ("relief", -107400)]
    price = TariffParams(**SEASON, area_unit_price=D("24"), low_income_mode="unit_price",
                         low_income_unit_price=D("18"))
    assert total(bill_lines(price, HouseFacts(building_area=D("100"), low_income=True))) == 180000
    assert total(bill_lines(price, HouseFacts(building_area=D("100"), low_income=False))) == 240000


def test_early_payment_discount_window():
    params = TariffParams(**SEASON, area_unit_price=D("24"), early_discount_pct=D("5"),
                          early_discount_from=dt.date(2026, 10, 1), early_discount_until=dt.date(2026, 11, 30),
                          late_fee_daily_permille=D("1"), late_fee_start=dt.date(2027, 1, 1))
    inside = amount_due(params, principal_fen=240000, paid_fen=0, on=dt.date(2026, 11, 30))
    assert (inside.discount_fen, inside.total_fen) == (12000, 228000)
    after = amount_due(params, principal_fen=240000, paid_fen=0, on=dt.date(2026, 12, 1))
    assert (after.discount_fen, after.late_fee_fen, after.total_fen) == (0, 0, 240000)


def test_snapshot_round_trip():
    params = TariffParams(**SEASON, pricing="two_part", area_unit_price=D("24"), basic_unit_price=D("12.5"),
                          late_fee_start=dt.date(2027, 1, 1), early_discount_pct=D("3"))
    assert TariffParams.from_snapshot(params.to_snapshot()) == params


# --- properties -----------------------------------------------------------------------------------

prices = st.decimals(min_value=D("0"), max_value=D("200"), places=4)
areas = st.decimals(min_value=D("0.01"), max_value=D("2000"), places=2)
pcts = st.decimals(min_value=D("0"), max_value=D("100"), places=2)
days = st.integers(min_value=0, max_value=121)


@st.composite
def tariffs(draw):
    two_part = draw(st.booleans())
    return TariffParams(
        **SEASON, pricing="two_part" if two_part else "area", area_unit_price=draw(prices),
        basic_unit_price=draw(prices), metered_unit_price=draw(prices),
        cap_mode=draw(st.sampled_from(["none", "area_bill", "area_bill_plus"])), cap_pct=draw(pcts),
        floor_unit_price=draw(st.one_of(st.none(), prices)), opted_out_basic_pct=draw(pcts),
        low_income_mode=draw(st.sampled_from(["none", "percent", "unit_price"])), low_income_pct=draw(pcts),
        low_income_unit_price=draw(prices), rounding=draw(st.sampled_from(["half_up", "half_even", "down", "up"])),
        early_discount_pct=draw(pcts), early_discount_from=dt.date(2026, 10, 1),
        early_discount_until=dt.date(2026, 11, 30), late_fee_daily_permille=draw(st.decimals(
            min_value=D("0"), max_value=D("10"), places=3)), late_fee_start=dt.date(2027, 1, 1),
        late_fee_cap_pct=draw(pcts),
    )


@st.composite
def houses(draw):
    return HouseFacts(building_area=draw(areas), usable_area=draw(areas), opted_out=draw(st.booleans()),
                      low_income=draw(st.booleans()),
                      consumption=draw(st.decimals(min_value=D("0"), max_value=D("500"), places=3)),
                      billed_days=draw(st.one_of(st.none(), days)))


@given(tariffs(), houses())
@settings(max_examples=300, deadline=None)
def test_lines_are_integer_fen_rounded_once_each(params, house):
    for line in bill_lines(params, house):
        assert type(line.amount_fen) is int
        assert isinstance(line.quantity, D) and isinstance(line.unit_price, D)
        assert line.explanation


def _area_bill(params, house) -> D:
    factor = D(house.billed_days) / D(121) if house.billed_days is not None and house.billed_days < 121 else D(1)
    return house.building_area * params.area_unit_price * factor, factor


@given(tariffs(), houses())
@settings(max_examples=300, deadline=None)
def test_caps_hold(params, house):
    params = replace(params, pricing="two_part", floor_unit_price=None,
                     cap_mode="area_bill_plus" if params.cap_mode == "none" else params.cap_mode)
    house = replace(house, opted_out=False, low_income=False)
    lines = bill_lines(params, house)
    area_bill, _ = _area_bill(params, house)
    cap_pct = params.cap_pct if params.cap_mode == "area_bill_plus" else D(0)
    slack = D(len(lines)) / 100  # at most one fen of rounding per line
    assert D(total(lines)) / 100 <= area_bill * (1 + cap_pct / 100) + slack


@given(tariffs(), houses())
@settings(max_examples=300, deadline=None)
def test_floors_hold(params, house):
    params = replace(params, pricing="two_part", cap_mode="none", floor_unit_price=params.area_unit_price / 2)
    house = replace(house, opted_out=False, low_income=False)
    lines = bill_lines(params, house)
    _, factor = _area_bill(params, house)
    slack = D(len(lines)) / 100
    assert D(total(lines)) / 100 >= house.building_area * params.floor_unit_price * factor - slack


@given(tariffs(), houses())
@settings(max_examples=200, deadline=None)
def test_full_season_proration_equals_unprorated(params, house):
    full, none = replace(house, billed_days=121), replace(house, billed_days=None)
    assert bill_lines(params, full) == bill_lines(params, none)


@given(tariffs(), st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=200),
       st.integers(min_value=0, max_value=150))
@settings(max_examples=300, deadline=None)
def test_amount_due_is_monotone_after_late_fee_start(params, principal, day_a, extra):
    a = params.late_fee_start + dt.timedelta(days=day_a)
    b = a + dt.timedelta(days=extra)
    due_a = amount_due(params, principal_fen=principal, paid_fen=0, on=a)
    due_b = amount_due(params, principal_fen=principal, paid_fen=0, on=b)
    assert due_a.total_fen <= due_b.total_fen


@given(tariffs(), st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9),
       st.dates(min_value=dt.date(2026, 9, 1), max_value=dt.date(2027, 8, 31)))
@settings(max_examples=300, deadline=None)
def test_discount_and_late_fee_never_apply_together(params, principal, paid, on):
    due = amount_due(params, principal_fen=principal, paid_fen=paid, on=on)
    assert not (due.discount_fen and due.late_fee_fen)
    assert due.total_fen == due.outstanding_fen - due.discount_fen + due.late_fee_fen
    assert due.outstanding_fen == max(0, principal - paid)


def test_paused_days_counts_overlaps_once():
    pauses = [(dt.date(2027, 1, 1), dt.date(2027, 1, 5)), (dt.date(2027, 1, 4), dt.date(2027, 1, 8))]
    assert paused_days(pauses, dt.date(2027, 1, 3), dt.date(2027, 1, 31)) == 6


def test_money_is_never_float():
    with pytest.raises(TypeError):
        from heat_platform.money import yuan_to_fen

        yuan_to_fen(1.5)

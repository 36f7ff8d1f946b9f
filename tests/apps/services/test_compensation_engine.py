"""The pure compensation engine (apps/services/compensation.py::compute) on each city's rule: one worked example
per city reproduced to the fen (the arithmetic in each docstring), and properties — the compensation never
exceeds the fee of the days it covers, and a colder home never earns less (bands are monotone)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.services.city_rules import CITY_RULES, city_rule_template
from apps.services.compensation import RoomTemp, Segment, compute
from apps.services.quality import band_pct

D = Decimal


def seg(temp: str, days: int, *rooms: tuple[str, str, str]) -> Segment:
    return Segment(D(temp), days, tuple(RoomTemp(name, D(area), D(t)) for name, area, t in rooms))


def test_tianjin_worked_example():
    """Tianjin, FULL fee, 121-day season (Nov 15 – Mar 15), bill 100 ㎡ × 24 元 = 2400.00 元.
    12 days at 16.5 ℃ (1.5 below, ≤2 → 10 %): 2400 × 10 % × 12 ÷ 121 = 23.801652… → 23.80 元;
    then 5 days at 14.0 ℃ (4.0 below, 2–6 → 50 %): 2400 × 50 % × 5 ÷ 121 = 49.586776…;
    running total 73.388429… → 73.39 元, so the second line is 73.39 − 23.80 = 49.59 元. Total 7339 fen."""
    amount, lines = compute(city_rule_template("tianjin"), season_days=121, fee_fen=240000,
                            segments=[seg("16.5", 12), seg("14.0", 5)])
    assert amount == 7339
    assert [line["amount_fen"] for line in lines] == [2380, 4959]
    assert [line["pct"] for line in lines] == ["10", "50"]
    assert lines[0]["text"] == ("室温16.5℃，低于标准1.5℃，12天，退费10%：采暖季热费2400.00元 ÷ 121天 × 10% × 12天"
                                " = 23.80元")


def test_tianjin_more_than_six_degrees_below_refunds_the_whole_day():
    """11.9 ℃ is 6.1 below (>6 → 100 %): 2400 × 100 % × 3 ÷ 121 = 59.504132… → 59.50 元."""
    amount, _lines = compute(city_rule_template("tianjin"), season_days=121, fee_fen=240000,
                             segments=[seg("11.9", 3)])
    assert amount == 5950


def test_beijing_worked_example_affected_rooms_each_at_its_own_band():
    """Beijing, AFFECTED_AREA, LOWER band edge, 24 元/㎡, 121-day season, 10 days:
    主卧 15.20 ㎡ at 16.5 ℃ (1.5 below, <2 → 40 %): 24 × 15.2 × 40 % × 10 ÷ 121 = 12.059504… → 12.06 元;
    次卧 10.00 ㎡ at 16.0 ℃ (2.0 below: LOWER edge → 2–4 band, 60 %): 24 × 10 × 60 % × 10 ÷ 121 = 11.900826…;
    running 23.960330… → 23.96 元, so 次卧 = 23.96 − 12.06 = 11.90 元; 客厅 at 18.2 ℃ meets the standard.
    Total 2396 fen."""
    amount, lines = compute(city_rule_template("beijing"), season_days=121, area_fee_per_m2=D("24"),
                            segments=[seg("16.0", 10, ("主卧", "15.20", "16.5"), ("次卧", "10.00", "16.0"),
                                          ("客厅", "25.00", "18.2"))])
    assert amount == 2396
    assert [(line["room"], line["pct"], line["amount_fen"]) for line in lines] == [("主卧", "40", 1206),
                                                                                   ("次卧", "60", 1190)]
    assert lines[0]["text"].startswith("主卧室温16.5℃，低于标准1.5℃，10天，退费40%：24.00元/㎡ ÷ 121天 × 15.20㎡")


def test_harbin_2021_worked_example_twenty_degrees_standard():
    """Harbin (2021 text: 20 ℃), FULL, season Oct 20 – Apr 20 = 183 days, bill 90 ㎡ × 30 元 = 2700.00 元.
    20 days at 17.0 ℃ (3.0 below: 16–18 → 30 %): 2700 × 30 % × 20 ÷ 183 = 88.524590… → 88.52 元;
    19.5 ℃ (0.5 below, 18–20 → 10 %) for 4 days: 2700 × 10 % × 4 ÷ 183 = 5.901639…, running 94.426229… →
    94.43 元, line 5.91 元. Total 9443 fen."""
    amount, lines = compute(city_rule_template("harbin"), season_days=183, fee_fen=270000,
                            segments=[seg("17.0", 20), seg("19.5", 4)])
    assert (amount, [line["amount_fen"] for line in lines]) == (9443, [8852, 591])


def test_xian_worked_example_two_part_bill_without_its_basic_fee():
    """Xi'an, EXCLUDING_BASIC, 121 days; a two-part bill: basic 80 ㎡ × 12 元 = 960.00 元 + metered 30 GJ ×
    44.45 元 = 1333.50 元 (fee 2293.50 元). Base = 2293.50 − 960.00 = 1333.50 元.
    10 days at 15.0 ℃ (3.0 below: 14–16 → 50 %): 1333.50 × 50 % × 10 ÷ 121 = 55.103305… → 55.10 元."""
    amount, lines = compute(city_rule_template("xian"), season_days=121, fee_fen=229350, basic_fen=96000,
                            segments=[seg("15.0", 10)])
    assert amount == 5510
    assert "扣除基本热费后热费1333.50元" in lines[0]["text"]


def test_xian_area_priced_bill_removes_the_tariffs_basic_share():
    """Area pricing has no basic line: the basic fee is the tariff's 报停 basic share, 30 % of 2400.00 = 720.00
    元, so the base is 1680.00 元. 10 days at 17.0 ℃ (1.0 below: 16–18 → 20 %): 1680 × 20 % × 10 ÷ 121 =
    27.768595… → 27.77 元."""
    amount, _lines = compute(city_rule_template("xian"), season_days=121, fee_fen=240000, basic_fen=D("72000"),
                             segments=[seg("17.0", 10)])
    assert amount == 2777


def test_jinan_worked_example_two_bands():
    """Jinan, FULL, 121 days, 2400.00 元: 8 days at 15.0 ℃ (14–18 → 50 %): 2400 × 50 % × 8 ÷ 121 = 79.338842…
    → 79.34 元; 2 days at 13.9 ℃ (<14 → 100 %): 2400 × 2 ÷ 121 = 39.669421…, running 119.008264… → 119.01 元,
    line 39.67 元. Total 11901 fen."""
    amount, lines = compute(city_rule_template("jinan"), season_days=121, fee_fen=240000,
                            segments=[seg("15.0", 8), seg("13.9", 2)])
    assert (amount, [line["amount_fen"] for line in lines]) == (11901, [7934, 3967])


def test_linyi_worked_example_day_rate_over_the_legal_season():
    """Linyi, FULL, season Nov 10 – Mar 20 = 131 days, 2400.00 元 (日热费 = 2400 ÷ 131):
    7 days at 16.0 ℃ (2.0 below; UPPER edge: still 16–18 → 20 %): 2400 × 20 % × 7 ÷ 131 = 25.648854… → 25.65;
    3 days at 14.0 ℃ (14–16 → 50 %): 2400 × 50 % × 3 ÷ 131 = 27.480916…, running 53.129770… → 53.13 元,
    line 27.48 元. Total 5313 fen."""
    amount, lines = compute(city_rule_template("linyi"), season_days=131, fee_fen=240000,
                            segments=[seg("16.0", 7), seg("14.0", 3)])
    assert (amount, [line["amount_fen"] for line in lines]) == (5313, [2565, 2748])


def test_compliant_days_earn_nothing():
    amount, lines = compute(city_rule_template("tianjin"), season_days=121, fee_fen=240000,
                            segments=[seg("18.0", 10), seg("21.3", 5)])
    assert (amount, lines) == (0, [])


@pytest.mark.parametrize("city", list(CITY_RULES))
def test_every_template_band_is_monotone_and_below_100(city):
    rule = city_rule_template(city)
    previous = D(0)
    for tenths in range(-50, 400):
        temp = D(rule.standard_temp) - D(tenths) / 10
        pct = band_pct(rule, temp) or D(0)
        assert D(0) <= pct <= D(100)
        assert pct >= previous
        previous = pct


temps = st.integers(min_value=-100, max_value=400).map(lambda t: D(t) / 10)
segments = st.lists(st.tuples(temps, st.integers(min_value=0, max_value=60)), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(city=st.sampled_from([c for c in CITY_RULES if c != "beijing"]), fee=st.integers(0, 10**7),
       basic=st.integers(0, 10**6), season_days=st.integers(90, 200), parts=segments)
def test_never_more_than_the_fee_of_the_days_covered(city, fee, basic, season_days, parts):
    days = sum(d for _t, d in parts)
    if days > season_days:
        return
    amount, lines = compute(city_rule_template(city), season_days=season_days, fee_fen=fee, basic_fen=basic,
                            segments=[Segment(t, d) for t, d in parts])
    assert 0 <= amount <= round(D(fee) * days / season_days + D("0.5"))
    assert amount == sum(line["amount_fen"] for line in lines)


@settings(max_examples=300, deadline=None)
@given(price=st.integers(1, 100).map(D), season_days=st.integers(90, 200), days=st.integers(0, 90),
       rooms=st.lists(st.tuples(st.integers(1, 5000).map(lambda a: D(a) / 100), temps), min_size=1, max_size=5))
def test_affected_area_never_more_than_the_rooms_fee(price, season_days, days, rooms):
    if days > season_days:
        return
    segment = Segment(min(t for _a, t in rooms), days, tuple(RoomTemp(f"r{i}", a, t) for i, (a, t) in enumerate(rooms)))
    amount, _lines = compute(city_rule_template("beijing"), season_days=season_days, area_fee_per_m2=price,
                             segments=[segment])
    area = sum(a for a, _t in rooms)
    assert 0 <= amount <= round(price * area * 100 * days / season_days + D("0.5"))


@settings(max_examples=300, deadline=None)
@given(city=st.sampled_from(list(CITY_RULES)), a=temps, b=temps, days=st.integers(1, 60))
def test_a_colder_home_never_earns_less(city, a, b, days):
    warm, cold = max(a, b), min(a, b)
    rule = city_rule_template(city)

    def earn(t):
        return compute(rule, season_days=121, fee_fen=240000, area_fee_per_m2=D("24"),
                       segments=[Segment(t, days, (RoomTemp("客厅", D("20"), t),))])[0]

    assert earn(cold) >= earn(warm)


@settings(max_examples=300, deadline=None)
@given(price=st.integers(1, 100).map(D), fee=st.integers(0, 10**6), season_days=st.integers(90, 200),
       days=st.lists(st.integers(0, 45), min_size=1, max_size=3),
       rooms=st.lists(st.tuples(st.integers(1, 50000).map(lambda a: D(a) / 100), temps), min_size=1, max_size=5))
def test_affected_area_never_more_than_the_fee_of_the_days_covered(price, fee, season_days, days, rooms):
    segments = [Segment(min(t for _a, t in rooms), n, tuple(RoomTemp(f"r{i}", a, t) for i, (a, t) in enumerate(rooms)))
                for n in days]
    amount, lines = compute(city_rule_template("beijing"), season_days=season_days, fee_fen=fee,
                            area_fee_per_m2=price, segments=segments)
    assert 0 <= amount <= fee * sum(days) // season_days
    assert amount == sum(line["amount_fen"] for line in lines)
    assert all(line["amount_fen"] >= 0 for line in lines)


def test_affected_area_capped_at_the_fee_of_the_days():
    """Beijing, 24 元/㎡, rooms entered as 200 ㎡ at 12 ℃ (6 below → 100 %) for 10 of 121 days: 24 × 200 × 10 ÷
    121 = 396.69 元, but the house's season fee is 2400.00 元: 2400 × 10 ÷ 121 = 198.347… → 198.34 元."""
    amount, lines = compute(city_rule_template("beijing"), season_days=121, fee_fen=240000, area_fee_per_m2=D("24"),
                            segments=[seg("12.0", 10, ("客厅", "200.00", "12.0"))])
    assert amount == 19834
    assert lines[0]["amount_fen"] == 19834 and "封顶" in lines[0]["text"]


@pytest.mark.parametrize("rooms", range(1, 13))
def test_the_bill_text_is_never_cut_by_the_carried_credit(rooms):
    """However many rooms, the text fits the carried credit's explanation whole (it ends with the total)."""
    import datetime as dt
    from types import SimpleNamespace

    from apps.billing.services.credits import CREDIT_EXPLANATION_MAX
    from apps.services.compensation import _bill_text

    lines = [{"room": f"卧室{i}", "temp": "15.5", "below": "2.5", "pct": "60", "days": 12} for i in range(rooms)]
    comp = SimpleNamespace(season=SimpleNamespace(name="2026-2027"), days=12, lines=lines, amount_fen=239999)
    period = SimpleNamespace(started_on=dt.date(2026, 12, 1), ended_on=dt.date(2026, 12, 12))
    text = _bill_text(comp, period)
    assert len(text) <= CREDIT_EXPLANATION_MAX and text.endswith("合计2399.99元")

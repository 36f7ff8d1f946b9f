"""Invoice line tax arithmetic (apps.invoices.tax): property tests over the amounts, rates and splits the
lifecycle uses, plus the few fixed cases people check by hand."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.invoices.tax import (
    TOLERANCE_FEN,
    NoChargeLinesError,
    allocate,
    line_tax,
    red_split,
    share_upto,
    split_paid,
    tax_no_valid,
    unit_price_excl,
    within_tolerance,
)

RATES = st.sampled_from([Decimal("0"), Decimal("0.01"), Decimal("0.03"), Decimal("0.05"), Decimal("0.06"),
                         Decimal("0.09"), Decimal("0.13")])
POLICIES = st.sampled_from(["", "01", "03", "04"])
FEN = st.integers(min_value=1, max_value=10**10)


@given(incl=FEN, rate=RATES, policy=POLICIES)
def test_excl_plus_tax_is_incl_and_within_the_providers_tolerance(incl, rate, policy):
    excl, tax, explanation = line_tax(incl, rate, policy)
    assert excl + tax == incl
    assert within_tolerance(excl, tax, rate, policy)
    effective = Decimal(0) if policy in ("03", "04") else rate
    assert abs(Decimal(excl) * effective - tax) <= 1  # rounding excl to the fen: at most a fen off
    assert explanation


@given(incl=FEN, rate=RATES, policy=st.sampled_from(["03", "04"]))
def test_exempt_and_untaxed_lines_carry_no_tax(incl, rate, policy):
    excl, tax, explanation = line_tax(incl, rate, policy)
    assert (excl, tax) == (incl, 0)
    assert f"（{policy}）" in explanation


@given(incl=FEN, rate=RATES, policy=POLICIES)
def test_a_red_line_mirrors_its_blue_line(incl, rate, policy):
    excl, tax, _ = line_tax(incl, rate, policy)
    red_excl, red_tax, _ = line_tax(-incl, rate, policy)
    assert (red_excl, red_tax) == (-excl, -tax)


@given(excl=st.integers(min_value=-10**10, max_value=10**10),
       quantity=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4))
def test_unit_price_has_at_most_8_places_and_matches_the_amount(excl, quantity):
    price = unit_price_excl(excl, quantity)
    assert price >= 0 and -price.as_tuple().exponent <= 8
    assert abs(price * quantity * 100 - abs(excl)) <= quantity * 100 * Decimal("0.000000005") + Decimal("0.0001")


def test_fixed_cases_people_check_by_hand():
    assert line_tax(109, Decimal("0.09"))[:2] == (100, 9)
    assert line_tax(240000, Decimal("0.09"))[:2] == (220183, 19817)  # 2400 / 1.09 = 2201.834…
    assert line_tax(240000, Decimal("0"), "03") == (240000, 0, "价税合计 ¥2400.00，免税（03），税额 ¥0.00")
    assert line_tax(109, Decimal("0.09"))[2] == "价税合计 ¥1.09，税率 9%，不含税 ¥1.00，税额 ¥0.09"
    assert unit_price_excl(220183, Decimal(3)) == Decimal("733.94333333")
    assert not within_tolerance(10000, 900 + TOLERANCE_FEN + 1, Decimal("0.09"))
    assert not within_tolerance(10000, 1, Decimal("0"), "03")


@given(total=st.integers(min_value=0, max_value=10**9),
       weights=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=8))
def test_allocate_sums_exactly_and_stays_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    base = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        if base:
            assert abs(part * base - total * weight) < base  # within one fen of the exact share
        assert part >= 0


@given(paid=st.integers(min_value=1, max_value=10**8), late=st.integers(min_value=0, max_value=10**6),
       charges=st.lists(st.tuples(st.sampled_from(["heating_fee", "basic_fee", "metered_fee", "discount"]),
                                  st.integers(min_value=-10**6, max_value=10**8)), min_size=1, max_size=5))
def test_split_of_a_bills_money_sums_exactly_to_the_money_paid(paid, late, charges):
    positive = [c for c in charges if c[0] != "discount" and c[1] > 0]
    if not positive and paid > late:
        with pytest.raises(NoChargeLinesError):
            split_paid(paid_fen=paid, late_fee_fen=late, charges=charges)
        return
    parts = split_paid(paid_fen=paid, late_fee_fen=late, charges=charges)
    assert sum(fen for _, fen in parts) == paid
    assert all(fen > 0 for _, fen in parts)
    assert dict(parts).get("late_fee", 0) == min(late, paid)
    assert "discount" not in dict(parts)  # discounts are netted into the fee lines, never a line of their own


def test_split_follows_the_charge_lines_shares():
    parts = split_paid(paid_fen=10000, late_fee_fen=500,
                       charges=[("basic_fee", 3000), ("metered_fee", 6000), ("discount", -500)])
    assert parts == [("basic_fee", 3167), ("metered_fee", 6333), ("late_fee", 500)]


@given(amount=st.integers(min_value=0, max_value=10**8),
       left=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=6))
def test_red_split_never_takes_more_than_a_line_has_left(amount, left):
    parts = red_split(amount, left)
    assert sum(parts) == min(amount, sum(left))
    assert all(0 <= part <= have for part, have in zip(parts, left, strict=True))


@given(total=st.integers(min_value=0, max_value=10**6), base=st.integers(min_value=1, max_value=10**8),
       cuts=st.lists(st.integers(min_value=0, max_value=10**8), max_size=6))
def test_successive_shares_add_up_to_the_whole(total, base, cuts):
    points = sorted({0, base, *[min(c, base) for c in cuts]})
    parts = [share_upto(total, b, base) - share_upto(total, a, base) for a, b in itertools.pairwise(points)]
    assert sum(parts) == total


@pytest.mark.parametrize(("text", "ok"), [
    ("91110000802100433B", True),  # a published unified social credit code
    ("91110000802100433C", False),  # wrong check character
    ("9111000080210043IB", False),  # I is not in the alphabet
    ("110101123456789", True), ("11010112345678901234", True),  # legacy 15 / 20 characters
    ("1101011234567", False), ("", False), ("91110000802100433b", True),
])
def test_buyer_tax_numbers(text, ok):
    assert tax_no_valid(text) is ok

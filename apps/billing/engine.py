"""The bill engine: pure functions from a tariff snapshot and a house's facts
to bill lines, and from a bill to the amount due at a moment.

No database, no float. Every line is computed exactly in Decimal yuan and
rounded once to fen (heat_platform.money), so a bill's total is by definition
the sum of its lines. The same `amount_due` serves the API, payments and
reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal

from heat_platform.money import yuan_to_fen

HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)


@dataclass(frozen=True)
class TariffParams:
    """Everything a bill is computed from; stored on the bill as its snapshot."""

    season_start: dt.date
    season_end: dt.date
    pricing: str = "area"  # area | two_part
    area_basis: str = "building"  # building | usable
    area_unit_price: Decimal = Decimal(0)  # 元/㎡/season
    basic_unit_price: Decimal | None = None  # two-part: 元/㎡
    metered_unit_price: Decimal | None = None  # two-part: 元/GJ or 元/kWh
    metered_unit: str = "GJ"
    cap_mode: str = "none"  # none | area_bill | area_bill_plus
    cap_pct: Decimal = Decimal(0)
    floor_unit_price: Decimal | None = None  # 元/㎡: a metered bill is at least area × this
    opted_out_basic_pct: Decimal = Decimal(0)  # 报停: share of the area bill still charged
    low_income_mode: str = "none"  # none | percent | unit_price
    low_income_pct: Decimal = Decimal(0)
    low_income_unit_price: Decimal | None = None
    early_discount_pct: Decimal = Decimal(0)
    early_discount_from: dt.date | None = None
    early_discount_until: dt.date | None = None
    late_fee_daily_permille: Decimal = Decimal(0)
    late_fee_start: dt.date | None = None
    late_fee_cap_pct: Decimal = Decimal(100)
    late_fee_pause_when_stopped: bool = True
    proration: str = "days"  # none | days
    rounding: str = "half_up"

    @property
    def season_days(self) -> int:
        return (self.season_end - self.season_start).days + 1

    def to_snapshot(self) -> dict:
        out = {}
        for key, value in asdict(self).items():
            out[key] = value.isoformat() if isinstance(value, dt.date) else (
                str(value) if isinstance(value, Decimal) else value)
        return out

    @classmethod
    def from_snapshot(cls, data: dict) -> TariffParams:
        kwargs = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            kind = str(f.type)
            if value is not None and "date" in kind:
                value = dt.date.fromisoformat(value)
            elif value is not None and "Decimal" in kind:
                value = Decimal(value)
            kwargs[f.name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class HouseFacts:
    building_area: Decimal
    usable_area: Decimal | None = None
    opted_out: bool = False
    low_income: bool = False
    consumption: Decimal | None = None  # metered houses: GJ or kWh for the season
    billed_days: int | None = None  # heating days billed (late connection, early stop, 过户); None = whole season


@dataclass(frozen=True)
class Line:
    kind: str  # heating_fee | basic_fee | metered_fee | relief | adjustment | discount | late_fee | credit
    quantity: Decimal
    unit_price: Decimal
    amount_fen: int
    explanation: str


def one_off_line(kind: str, amount_fen: int, explanation: str) -> Line:
    """A line added to a bill after it was issued (adjustment, discount, late
    fee, credit, true-up): one unit of its own amount."""
    return Line(kind, Decimal(1), Decimal(amount_fen) / 100, amount_fen, explanation)


@dataclass(frozen=True)
class AmountDue:
    principal_fen: int
    paid_fen: int
    outstanding_fen: int
    discount_fen: int
    late_fee_fen: int
    total_fen: int  # what a payment right now must be

    @property
    def payable(self) -> bool:
        return self.total_fen > 0


class TariffError(ValueError):
    """The house cannot be billed under this tariff (e.g. a metered plan without a reading)."""


def _num(value: Decimal) -> str:
    """Human figure: at least 2 decimals, more only when the value has them."""
    text = format(value.normalize(), "f")
    if "." not in text:
        return f"{text}.00"
    whole, frac = text.split(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def _pct(value: Decimal) -> str:
    return f"{format(value.normalize(), 'f')}%"


def billed_area(params: TariffParams, house: HouseFacts) -> Decimal:
    if params.area_basis == "usable":
        if house.usable_area is None:
            raise TariffError("tariff bills usable area but the house has none")
        return house.usable_area
    return house.building_area


def _proration(params: TariffParams, house: HouseFacts) -> tuple[Decimal, str]:
    if params.proration != "days" or house.billed_days is None or house.billed_days >= params.season_days:
        return Decimal(1), ""
    days = max(0, house.billed_days)
    return Decimal(days) / Decimal(params.season_days), f" × {days}/{params.season_days}天"


def bill_lines(params: TariffParams, house: HouseFacts) -> list[Line]:
    """The season's bill lines for one house (principal only: discounts and
    late fees depend on the payment date, see amount_due)."""
    area = billed_area(params, house)
    factor, days_text = _proration(params, house)
    r = params.rounding

    def line(kind: str, qty: Decimal, price: Decimal, exact: Decimal, text: str) -> Line:
        return Line(kind, qty, price, yuan_to_fen(exact, rounding=r), text)

    area_exact = area * params.area_unit_price * factor  # the area bill, before any rule
    if house.opted_out:
        share = params.opted_out_basic_pct / HUNDRED
        return [line("basic_fee", area, params.area_unit_price, area_exact * share,
                     f"报停基本热费：{_num(area)}㎡ × {_num(params.area_unit_price)}元/㎡{days_text}"
                     f" × {_pct(params.opted_out_basic_pct)}")]

    lines: list[Line] = []
    if params.pricing == "two_part":
        if house.consumption is None:
            raise TariffError("two-part tariff needs the season's meter consumption")
        basic_price = params.basic_unit_price or Decimal(0)
        metered_price = params.metered_unit_price or Decimal(0)
        basic_exact = area * basic_price * factor
        metered_exact = house.consumption * metered_price
        lines.append(line("basic_fee", area, basic_price, basic_exact,
                          f"基本热费：{_num(area)}㎡ × {_num(basic_price)}元/㎡{days_text}"))
        lines.append(line("metered_fee", house.consumption, metered_price, metered_exact,
                          f"计量热费：{_num(house.consumption)}{params.metered_unit} × "
                          f"{_num(metered_price)}元/{params.metered_unit}"))
        total_exact = basic_exact + metered_exact
        if params.cap_mode != "none":
            cap_pct = params.cap_pct if params.cap_mode == "area_bill_plus" else Decimal(0)
            cap = area_exact * (1 + cap_pct / HUNDRED)
            if total_exact > cap:
                text = f"封顶调整：计量热费不超过面积热费 {_num(area)}㎡ × {_num(params.area_unit_price)}元/㎡"
                text += f"{days_text} × (1 + {_pct(cap_pct)})" if cap_pct else days_text
                lines.append(line("adjustment", Decimal(1), cap - total_exact, cap - total_exact, text))
                total_exact = cap
        if params.floor_unit_price is not None:
            floor = area * params.floor_unit_price * factor
            if total_exact < floor:
                lines.append(line("adjustment", Decimal(1), floor - total_exact, floor - total_exact,
                                  f"保底调整：不低于 {_num(area)}㎡ × {_num(params.floor_unit_price)}元/㎡{days_text}"))
                total_exact = floor
        relief_base, relief_text = total_exact, "热费"
    else:
        lines.append(line("heating_fee", area, params.area_unit_price, area_exact,
                          f"采暖费：{_num(area)}㎡ × {_num(params.area_unit_price)}元/㎡{days_text}"))
        relief_base, relief_text = area_exact, "采暖费"

    if house.low_income and params.low_income_mode == "percent" and params.low_income_pct:
        lines.append(line("relief", Decimal(1), -relief_base * params.low_income_pct / HUNDRED,
                          -relief_base * params.low_income_pct / HUNDRED,
                          f"低保/特困减免：{relief_text} × {_pct(params.low_income_pct)}"))
    elif (house.low_income and params.low_income_mode == "unit_price" and params.pricing == "area"
          and params.low_income_unit_price is not None and params.low_income_unit_price < params.area_unit_price):
        diff = params.low_income_unit_price - params.area_unit_price
        lines.append(line("relief", area, diff, area * diff * factor,
                          f"低保/特困优惠价：{_num(area)}㎡ × ({_num(params.low_income_unit_price)} − "
                          f"{_num(params.area_unit_price)})元/㎡{days_text}"))
    return lines


def paused_days(pauses: Sequence[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> int:
    """Days in [start, end] covered by any pause interval (intervals may overlap)."""
    covered: set[dt.date] = set()
    for p_start, p_end in pauses:
        lo, hi = max(p_start, start), min(p_end, end)
        for i in range((hi - lo).days + 1):
            covered.add(lo + dt.timedelta(days=i))
    return len(covered)


def amount_due(params: TariffParams, *, principal_fen: int, paid_fen: int, on: dt.date,
               pauses: Sequence[tuple[dt.date, dt.date]] = ()) -> AmountDue:
    """What the house owes on day `on`: principal − paid, less the early-payment
    discount inside its window, plus the late fee accrued since its start day
    (on the outstanding principal, skipping days heat was stopped, capped)."""
    outstanding = max(0, principal_fen - paid_fen)
    discount = late_fee = 0
    if outstanding and params.early_discount_pct and params.early_discount_until and (
            params.early_discount_from or params.season_start) <= on <= params.early_discount_until:
        discount = yuan_to_fen(Decimal(outstanding) / HUNDRED * params.early_discount_pct / HUNDRED,
                               rounding=params.rounding)
    elif outstanding and params.late_fee_daily_permille and params.late_fee_start and on >= params.late_fee_start:
        days = (on - params.late_fee_start).days + 1
        if params.late_fee_pause_when_stopped:
            days -= paused_days(pauses, params.late_fee_start, on)
        accrued = Decimal(outstanding) / HUNDRED * params.late_fee_daily_permille / THOUSAND * max(0, days)
        cap = Decimal(outstanding) / HUNDRED * params.late_fee_cap_pct / HUNDRED
        late_fee = yuan_to_fen(min(accrued, cap), rounding=params.rounding)
    return AmountDue(principal_fen=principal_fen, paid_fen=paid_fen, outstanding_fen=outstanding,
                     discount_fen=discount, late_fee_fen=late_fee, total_fen=outstanding - discount + late_fee)

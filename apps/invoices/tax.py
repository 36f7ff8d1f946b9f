"""Tax arithmetic of invoice lines, pure Decimal (no database).

Amounts on our side are tax-inclusive fen (what the resident paid). Per line:
excl = round-half-up(incl / (1 + rate)), tax = incl − excl, so excl + tax = incl exactly; an exempt (03 免税)
or 不征税 (04) line has rate 0 and tax 0. The provider checks |excl × rate − tax| ≤ 0.06 yuan; rounding excl
to the fen keeps that within 1 fen, so the check can only fail on data we did not compute.

A payment's money for one bill (`OrderBill.applied_fen`) is split over the bill's fee items: the late fee the
payment paid is its own line, the rest goes to the bill's positive charge lines (heating / basic / metered fee)
by their share, largest remainder first, so the parts add up to exactly the money paid (discounts are already
netted into what was paid).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from heat_platform.money import fen_to_yuan_str

EXEMPT_POLICIES = frozenset({"03", "04"})  # 免税, 不征税: rate 0, tax 0
# Marked for the catalogue here, translated where the explanation is written.
POLICY_NAMES = {"01": gettext_noop("简易征收"), "03": gettext_noop("免税"), "04": gettext_noop("不征税")}
TOLERANCE_FEN = 6  # Nuonuo: tax = excl × rate within 0.06 yuan
PRICE_PLACES = Decimal("0.00000001")  # unit prices go out with at most 8 decimal places
QTY_PLACES = Decimal("0.0001")
# Bill line kinds that are charges the money of a payment is split over (in this order); the late fee is apart.
CHARGE_KINDS = ("heating_fee", "basic_fee", "metered_fee")
LATE_FEE = "late_fee"


def effective_rate(rate: Decimal, policy: str) -> Decimal:
    return Decimal(0) if policy in EXEMPT_POLICIES else Decimal(rate)


def _rate_text(rate: Decimal) -> str:
    pct = (rate * 100).normalize()
    return f"{pct:f}%"


def line_tax(incl_fen: int, rate: Decimal, policy: str = "") -> tuple[int, int, str]:
    """(excl_fen, tax_fen, explanation) of a tax-inclusive amount. Negative amounts (red lines) mirror
    positive ones exactly, so reversing a line in full gives back its own excl and tax."""
    rate = effective_rate(rate, policy)
    sign = -1 if incl_fen < 0 else 1
    magnitude = abs(incl_fen)
    excl = int((Decimal(magnitude) / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    excl, tax = sign * excl, sign * (magnitude - excl)
    total = f"¥{fen_to_yuan_str(incl_fen)}"
    if policy in EXEMPT_POLICIES:
        explanation = _("价税合计 %(total)s，%(policy)s（%(code)s），税额 ¥0.00") % {
            "total": total, "policy": _(POLICY_NAMES[policy]), "code": policy}
    else:
        explanation = _("价税合计 %(total)s，税率 %(rate)s，不含税 ¥%(excl)s，税额 ¥%(tax)s") % {
            "total": total, "rate": _rate_text(rate), "excl": fen_to_yuan_str(excl), "tax": fen_to_yuan_str(tax)}
    return excl, tax, explanation


def unit_price_excl(excl_fen: int, quantity: Decimal) -> Decimal:
    """Unit price without tax, in yuan, 8 decimal places (half up); positive for red lines too."""
    if quantity == 0:
        raise ValueError("quantity must not be 0")
    return (abs(Decimal(excl_fen)) / 100 / abs(Decimal(quantity))).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)


def within_tolerance(excl_fen: int, tax_fen: int, rate: Decimal, policy: str = "") -> bool:
    """The provider's check: |excl × rate − tax| ≤ 6 fen (exempt lines: tax 0)."""
    rate = effective_rate(rate, policy)
    if policy in EXEMPT_POLICIES:
        return tax_fen == 0
    return abs(Decimal(excl_fen) * rate - tax_fen) <= TOLERANCE_FEN


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split `total_fen` (≥ 0) in proportion to non-negative `weights`, largest remainder first (ties: the
    earlier weight), so the parts sum to exactly `total_fen` and a part never exceeds its proportional
    ceiling. All weights 0: everything to the first."""
    if not weights:
        raise ValueError("nothing to allocate over")
    if total_fen < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate takes non-negative amounts")
    base = sum(weights)
    if base == 0:
        return [total_fen] + [0] * (len(weights) - 1)
    parts = [total_fen * w // base for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total_fen * weights[i] % base), i))
    for i in remainders[:total_fen - sum(parts)]:
        parts[i] += 1
    return parts


def share_upto(total_fen: int, taken_fen: int, base_fen: int) -> int:
    """The part of `total_fen` that `taken_fen` of `base_fen` carries, half up (billing reverses the late fee
    of refunds the same way: apps.billing.services.ledger._share), so successive parts add up exactly."""
    if not base_fen:
        return 0
    return int((Decimal(total_fen) * taken_fen / base_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class NoChargeLinesError(ValueError):
    """A bill took money but has no positive charge line to put it on."""


def split_paid(*, paid_fen: int, late_fee_fen: int, charges: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The money a bill took (`paid_fen`, net of refunds) as [(line kind, fen)]: charges in CHARGE_KINDS order by
    their share of the bill's positive charge lines `charges` [(kind, fen)], then the late fee the payment paid
    (at most what was paid). Zero parts are left out; the parts sum to `paid_fen`."""
    if paid_fen <= 0:
        return []
    late = max(0, min(late_fee_fen, paid_fen))
    rest = paid_fen - late
    by_kind: dict[str, int] = {}
    for kind, fen in charges:
        if kind in CHARGE_KINDS and fen > 0:
            by_kind[kind] = by_kind.get(kind, 0) + fen
    kinds = [k for k in CHARGE_KINDS if k in by_kind]
    out: list[tuple[str, int]] = []
    if rest > 0:
        if not kinds:
            raise NoChargeLinesError("no positive charge line")
        out += [(k, fen) for k, fen in zip(kinds, allocate(rest, [by_kind[k] for k in kinds]), strict=True) if fen]
    if late:
        out.append((LATE_FEE, late))
    return out


def red_split(amount_fen: int, left: Sequence[int]) -> list[int]:
    """Reverse `amount_fen` over lines with `left` fen still unreversed, in proportion to what they have left:
    never more than a line has left, the parts sum to min(amount, total left)."""
    amount = min(amount_fen, sum(left))
    return allocate(amount, list(left)) if amount > 0 else [0] * len(left)


# Weights of the unified social credit code (统一社会信用代码, GB 32100-2015) and its 31-character alphabet.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def tax_no_valid(text: str) -> bool:
    """A buyer's tax number: an 18-character unified social credit code with a correct check character, or a
    legacy 15- or 20-character taxpayer number (digits and capital letters)."""
    text = (text or "").strip().upper()
    if len(text) == 18:
        if any(c not in _USCC_CHARS for c in text):
            return False
        total = sum(_USCC_CHARS.index(c) * w for c, w in zip(text[:17], _USCC_WEIGHTS, strict=True))
        return _USCC_CHARS[(31 - total % 31) % 31] == text[17]
    return len(text) in (15, 20) and text.isascii() and text.isalnum()

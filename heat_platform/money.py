"""Money: integer fen everywhere, Decimal arithmetic, one rounding per line.

No float ever touches an amount. Rounding mode is a tariff setting (no
regulation fixes it); half-up is the default."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
HUNDRED = Decimal(100)


def yuan_to_fen(yuan: Decimal, *, rounding: str = "half_up") -> int:
    """The only place an amount is rounded."""
    if not isinstance(yuan, Decimal):
        raise TypeError(f"money must be Decimal, got {type(yuan).__name__}")
    return int((yuan * HUNDRED).quantize(Decimal(1), rounding=ROUNDING_MODES[rounding]))


def fen_to_yuan_str(fen: int) -> str:
    """12345 -> '123.45' (display only)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def fen_to_chinese(fen: int) -> str:
    """Amount in Chinese capitals (大写) for receipts: 12345 -> 壹佰贰拾叁元肆角伍分."""
    if fen < 0:
        return "负" + fen_to_chinese(-fen)
    yuan, jiao, fen_ = fen // 100, (fen // 10) % 10, fen % 10
    out = _integer_chinese(yuan) + "元" if yuan else ""
    if jiao == 0 and fen_ == 0:
        return (out or "零元") + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen_:
        out += _DIGITS[fen_] + "分"
    return out


def _integer_chinese(n: int) -> str:
    sections, i = [], 0
    while n:
        n, section = divmod(n, 10000)
        sections.append((section, i))
        i += 1
    out, need_zero = "", False
    for section, idx in reversed(sections):
        if section == 0:
            need_zero = bool(out)
            continue
        if need_zero or (out and section < 1000):
            out += "零"
        out += _section_chinese(section) + _SECTIONS[idx]
        need_zero = False
    return out


def _section_chinese(n: int) -> str:
    out, zero = "", False
    for pos in range(3, -1, -1):
        digit = (n // 10**pos) % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _UNITS[pos]
    return out

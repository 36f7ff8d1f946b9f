"""Text helpers shared by the bill formats: yuan text ⇄ fen, Beijing times, error wording."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from . import StatementFormatError

BEIJING = ZoneInfo("Asia/Shanghai")

# Plain decimal yuan: digits, optional sign and fraction. Rejects "1e3", "NaN", "1,000", " 1".
_YUAN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_TWO_DECIMALS = re.compile(r"-?[0-9]+\.[0-9][0-9]")
_HUNDRED = Decimal(100)


def yuan_to_fen(text: str) -> int | None:
    """"12.34" → 1234 exactly (Decimal, never float). None when the text is not plain yuan or is not a whole
    number of fen ("0.015"). Extra zero decimals ("0.00000", as some WeChat bills print 手续费) are exact and
    accepted; fewer decimals ("0", "0.0", as in WeChat's own samples) too."""
    if _TWO_DECIMALS.fullmatch(text):  # the usual shape: the digits are the fen (exact integer arithmetic)
        return int(text.replace(".", "", 1))
    if not _YUAN.fullmatch(text):
        return None
    fen = Decimal(text) * _HUNDRED
    if fen != fen.to_integral_value():
        return None
    return int(fen)


def to_count(text: str) -> int | None:
    """"12" → 12; None unless ASCII digits (str.isdigit also takes "²", which int() refuses)."""
    return int(text) if text.isascii() and text.isdigit() else None


def fen_to_yuan(fen: int) -> str:
    """1234 → "12.34", -5 → "-0.05": the two-decimal yuan the providers print."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_beijing(text: str) -> dt.datetime | None:
    """"2026-03-01 10:00:05" (Beijing local) → aware datetime; None when not exactly that shape."""
    if len(text) != 19 or text[4] != "-" or text[7] != "-" or text[10] != " " or text[13] != ":" or text[16] != ":":
        return None
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)
    except ValueError:
        return None


def format_beijing(moment: dt.datetime) -> str:
    """Aware datetime → "yyyy-MM-dd HH:mm:ss" in Beijing time."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def bad_row(line_no: int, what: str) -> StatementFormatError:
    return StatementFormatError(_("账单第 %(line)s 行格式错误：%(what)s") % {"line": line_no, "what": what},
                                code="BAD_ROW")


def mismatch(figure: str, file_fen: int, ours_fen: int, *, money: bool = True,
             against: str | None = None) -> StatementFormatError:
    """The file's own summary disagrees with its rows: name the figure and both values (yuan, or counts).
    `against` names what `ours_fen` is when it is not the sum of the rows."""
    theirs, ours = (fen_to_yuan(file_fen), fen_to_yuan(ours_fen)) if money else (str(file_fen), str(ours_fen))
    return StatementFormatError(
        _("账单汇总“%(figure)s”为 %(theirs)s，%(against)s为 %(ours)s，两者不一致")
        % {"figure": figure, "theirs": theirs, "ours": ours, "against": against or _("明细合计")},
        code="SUMMARY_MISMATCH",
    )

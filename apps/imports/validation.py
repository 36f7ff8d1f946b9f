"""Validation of one ledger row, cell by cell, with Chinese messages.

An empty optional cell means "no value" for a new house and "unchanged" for
an existing one; the clear marker CLEAR_MARKER (<清空>) in an optional cell
clears the stored value. Phone and ID numbers masked the way the export masks
them (138****5678, 110***********1234) are refused: importing them would
overwrite the real numbers.

The checks that need the whole file or the database (a 户号 repeated in the
file, unknown 小区/楼/单元, a kept 套内面积 larger than a new 建筑面积) run in
SQL on the staged rows (see staging.py)."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from operator import gt, itemgetter, methodcaller, mul
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.properties.models import House
from apps.properties.services import MAX_AREA, parse_area
from tenants.validators import normalize_phone

from .columns import CHOICE_WORDS, COLUMNS, HEATING_STATUS_ALIASES, INDEX
from .errors import ImportErrorCode, ImportFileError

# Longer than any ledger value by far: such a cell means a wrong or hostile file,
# and the whole file is refused rather than reporting the cell row by row.
MAX_CELL_CHARS = 1000

# Typed into an optional cell, clears the stored value (an empty cell leaves it unchanged).
# Full-width brackets (Chinese input mode) are accepted too.
CLEAR_MARKER = "<清空>"
_CLEAR_MARKERS = frozenset({CLEAR_MARKER, "＜清空＞"})
# What the export puts in place of hidden digits (heat_platform/pii.py), and its full-width twin.
MASK_CHARS = ("*", "＊")

# A leading apostrophe the export adds before these (CSV formula injection guard).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_starts_with_quote = methodcaller("startswith", "'")

_CENT = Decimal("0.01")
_FLOAT_NOISE = Decimal("1e-9")
_FLOAT_RANGE = 1e9
_ID18 = re.compile(r"\d{17}[\dX]", re.ASCII)
_PLAIN_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)  # tenants.validators.MOBILE_RE, when nothing needs normalizing
# A positive area with at most two decimals and no leading zero (parse_area's other cases take the long way).
_PLAIN_AREA = re.compile(r"(?:[1-9]\d{0,5}(?:\.\d{1,2})?|0\.(?:[1-9]\d?|0[1-9]))", re.ASCII)
# Digits only: an old 15-digit ID card or a Taiwan compatriot permit (8–10 digits).
_DIGIT_ID_LENGTHS = frozenset({8, 9, 10, 15})
_ID_OTHER = re.compile(r"[A-Z0-9()\-]{5,32}", re.ASCII)  # passports, HK/Macau permits, residence permits …
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_ZERO = ord("0") * sum(_ID_WEIGHTS)

_ACCOUNT, _COMMUNITY, _BUILDING, _UNIT, _ROOM = (INDEX[f] for f in ("account_no", "community", "building", "unit",
                                                                      "room"))
_BUILDING_AREA, _USABLE_AREA, _NAME = INDEX["building_area"], INDEX["usable_area"], INDEX["owner_name"]
_PHONE, _ID_NO = INDEX["owner_phone"], INDEX["owner_id_no"]
_METER = INDEX["meter_no"]
# Staged as NULL when empty (optional ones: "unchanged"); a cleared optional text cell is staged as ''.
_NULL_WHEN_EMPTY = (_ACCOUNT, _COMMUNITY, _BUILDING, _UNIT, _ROOM, _NAME, _METER, _PHONE, _ID_NO)
_REQUIRED = tuple(i for i, c in enumerate(COLUMNS) if c.required)
_REQUIRED_SET = frozenset(_REQUIRED)
_pick_required = itemgetter(*_REQUIRED)
_LIMITED = tuple((i, c.max_length) for i, c in enumerate(COLUMNS) if c.max_length and c.field != "owner_id_no")
_LENGTH_LIMITS = tuple(dict(_LIMITED).get(i, MAX_CELL_CHARS) for i in range(len(COLUMNS)))
_CHOICES = tuple((INDEX[field], words, "、".join(words)) for field, words in CHOICE_WORDS.items())
_CHOICE_INDEXES = frozenset(i for i, _w, _a in _CHOICES)
_REFUSE_CLEAR = _REQUIRED_SET | _CHOICE_INDEXES
_STATUS = INDEX["heating_status"]
# What an empty choice cell means for a new house (for an existing one: unchanged).
DEFAULTS = {"category": House.Category.RESIDENTIAL.value, "low_income": House.LowIncome.NONE.value,
            "heating_status": House.HeatingStatus.NORMAL.value}
NO_CLEARS: frozenset[int] = frozenset()


class CellError(NamedTuple):
    column: int  # index in COLUMNS
    code: str
    message: str


class RowResult(NamedTuple):
    values: list  # COLUMNS order, cleaned; None where a cell is empty or invalid, '' where a text cell is cleared
    errors: list[CellError]
    cleared: frozenset[int] = NO_CLEARS  # columns holding the clear marker


def cell_text(value) -> str:
    """A cell as text. Excel hands numbers for numeric-looking cells
    (户号 10001, 楼号 3, a phone 13800138000): print them without '.0'."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


# Excel's error values, as cached formula results or as text in a CSV saved from Excel.
EXCEL_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"})


class RowChecker:
    """Checks rows given in the file's column order (`positions` maps the
    template's columns onto it)."""

    def __init__(self, positions: tuple[int, ...], *, text_only: bool = False):
        self._pick = itemgetter(*positions)
        self._text_only = text_only  # every cell a str (.csv): stripped without looking at types

    def check(self, row_no: int, cells: list) -> RowResult | None:
        """None for a blank row (skipped, like Excel's empty rows).

        Runs once per row of files of 100,000s of rows: the rare cases (an
        apostrophe, a clear marker, a formula error, a missing or too long
        value) are first ruled out for the whole row at C speed."""
        raw = self._pick(cells)
        if self._text_only:
            values = list(map(str.strip, raw))
        else:
            values = [v.strip() if type(v) is str else cell_text(v) for v in raw]
        joined = "".join(values)
        if not joined:
            return None
        if len(joined) > MAX_CELL_CHARS and max(map(len, values)) > MAX_CELL_CHARS:
            _refuse_huge_cell(row_no, values)
        if "'" in joined and any(map(_starts_with_quote, values)):
            _unquote(values)
        errors: list[CellError] = []
        marked = cleared = NO_CLEARS
        if ("<" in joined or "＜" in joined) and any(map(_may_be_marker, values)):
            marked = _markers(values, errors)
            cleared = marked - _REFUSE_CLEAR
        formula_errors = set()
        if "#" in joined:
            for i, value in enumerate(values):
                if value in EXCEL_ERRORS:  # a failed formula (e.g. a broken VLOOKUP) is not ledger data
                    errors.append(CellError(i, ImportErrorCode.FORMULA_ERROR,
                                            _("单元格是公式错误（%(value)s），请改为实际内容。") % {"value": value}))
                    values[i] = ""
                    formula_errors.add(i)
        if not all(_pick_required(values)):
            for i in _REQUIRED:
                if not values[i] and i not in formula_errors and i not in marked:
                    errors.append(CellError(i, ImportErrorCode.REQUIRED, _("此项必填。")))
        if any(map(gt, map(len, values), _LENGTH_LIMITS)):
            for i, limit in _LIMITED:
                if len(values[i]) > limit:
                    errors.append(CellError(i, ImportErrorCode.TOO_LONG,
                                            _("不能超过 %(limit)s 个字符。") % {"limit": limit}))
                    values[i] = ""
        building_area = _area(raw[_BUILDING_AREA], values[_BUILDING_AREA], _BUILDING_AREA, errors)
        usable_area = _area(raw[_USABLE_AREA], values[_USABLE_AREA], _USABLE_AREA, errors)
        if building_area is not None and usable_area is not None and usable_area > building_area:
            errors.append(CellError(_USABLE_AREA, ImportErrorCode.INVALID_AREA, _("套内面积不能大于建筑面积。")))
        values[_BUILDING_AREA], values[_USABLE_AREA] = building_area, usable_area
        for i, words, allowed in _CHOICES:
            text = values[i]
            if not text:
                values[i] = None  # a new house gets DEFAULTS; an existing one keeps its value
                continue
            value = words.get(text) or (HEATING_STATUS_ALIASES.get(text) if i == _STATUS else None)
            if value is None:
                errors.append(CellError(i, ImportErrorCode.INVALID_CHOICE,
                                        _("只能填写：%(choices)s。") % {"choices": allowed}))
            values[i] = value
        if values[_PHONE]:
            values[_PHONE] = _phone(values[_PHONE], errors)
        if values[_ID_NO]:
            values[_ID_NO] = _id_no(values[_ID_NO], errors)
        for i in _NULL_WHEN_EMPTY:
            if not values[i] and i not in cleared:
                values[i] = None
        return RowResult(values, errors, cleared)


_may_be_marker = methodcaller("startswith", ("<", "＜"))


def _markers(values: list[str], errors: list[CellError]) -> frozenset[int]:
    """The columns holding the clear marker; it stands for "" from here on.
    Required and choice columns cannot be cleared: an error each."""
    marked = set()
    for i, text in enumerate(values):
        if text not in _CLEAR_MARKERS:
            continue
        values[i] = ""
        marked.add(i)
        if i in _REQUIRED_SET:
            errors.append(CellError(i, ImportErrorCode.REQUIRED, _("此项必填，不能清空。")))
        elif i in _CHOICE_INDEXES:
            errors.append(CellError(i, ImportErrorCode.INVALID_CHOICE, _("此项不能清空；留空表示不修改。")))
    return frozenset(marked)


def _masked(text: str) -> bool:
    return "*" in text or "＊" in text  # MASK_CHARS


def _unquote(values: list[str]) -> None:
    """Undo the export's guard against spreadsheet formulas: '=… back to =…"""
    for i, text in enumerate(values):
        if text[:1] == "'" and text[1:2] in FORMULA_TRIGGERS:
            values[i] = text[1:]


def _refuse_huge_cell(row_no: int, values: list[str]) -> None:
    i = next(i for i, text in enumerate(values) if len(text) > MAX_CELL_CHARS)
    raise ImportFileError(
        _("第 %(row)s 行“%(column)s”列的内容长达 %(length)s 个字符，不是有效的台账数据。")
        % {"row": row_no, "column": COLUMNS[i].header, "length": len(values[i])},
        code=ImportErrorCode.CELL_TOO_LARGE, row=row_no, column=COLUMNS[i].header)


def _area(raw, text: str, column: int, errors: list[CellError]) -> Decimal | None:
    if not text:
        return None
    if _PLAIN_AREA.fullmatch(text):  # the usual "89.50": what parse_area would return, without its checks
        area = Decimal(text)
        if area <= MAX_AREA:
            return area
    if type(raw) is float:
        if math.isfinite(raw) and abs(raw) < _FLOAT_RANGE:
            # Excel keeps binary doubles: 89.3 may arrive as 89.30000000000001.
            exact = Decimal(text)
            cents = exact.quantize(_CENT)
            if abs(exact - cents) < _FLOAT_NOISE:
                text = str(cents)
    elif not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    try:
        return parse_area(text, field="area", required=False)
    except ValidationError as exc:
        errors.append(CellError(column, ImportErrorCode.INVALID_AREA, exc.messages[0]))
        return None


def _phone(text: str, errors: list[CellError]) -> str | None:
    if _PLAIN_MOBILE.fullmatch(text):  # as normalize_phone would return it
        return text
    if _masked(text):
        errors.append(CellError(_PHONE, ImportErrorCode.INVALID_PHONE,
                                _("这是脱敏后的号码（含 *），导入会覆盖真实号码。"
                                  "请填写完整号码，或留空表示不修改。")))
        return None
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    try:
        return normalize_phone(text)
    except ValidationError:
        errors.append(CellError(_PHONE, ImportErrorCode.INVALID_PHONE,
                                _("请填写有效的手机号（11 位）或固定电话（如 010-12345678）。")))
        return None


def _id_no(text: str, errors: list[CellError]) -> str | None:
    if _ID18.fullmatch(text):  # the usual case: no spaces, no full-width digits, upper-case X
        return _id18(text, errors)
    if _masked(text):
        errors.append(CellError(_ID_NO, ImportErrorCode.INVALID_ID_NO,
                                _("这是脱敏后的证件号码（含 *），导入会覆盖真实号码。"
                                  "请填写完整号码，或留空表示不修改。")))
        return None
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width digits typed in Chinese input mode
    value = "".join(text.split()).upper()
    if _ID18.fullmatch(value):
        return _id18(value, errors)
    if value.isdigit():
        if len(value) in _DIGIT_ID_LENGTHS:
            return value
    elif _ID_OTHER.fullmatch(value):
        return value
    errors.append(CellError(_ID_NO, ImportErrorCode.INVALID_ID_NO,
                            _("证件号码格式不正确：身份证应为 18 位，其他证件为 5–32 位字母、数字。")))
    return None


def _id18(value: str, errors: list[CellError]) -> str | None:
    total = sum(map(mul, value[:17].encode(), _ID_WEIGHTS)) - _ID_ZERO  # ASCII digits: code point - 48
    if _ID_CHECK[total % 11] != value[17]:
        errors.append(CellError(_ID_NO, ImportErrorCode.INVALID_ID_NO, _("身份证号码的校验位不正确，请核对。")))
        return None
    return value

"""The house-ledger file format shared by the template, the importer and the
export, so an export re-imports cleanly.

Headers and the words of the choice columns are the file format, not UI text:
they stay Chinese whatever the user's language (a file must import the same
for everybody), so they are constants rather than gettext strings."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from apps.properties.models import Building, Community, House, Unit


def _max_length(field: str, model=House) -> int:
    return model._meta.get_field(field).max_length


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    max_length: int | None = None
    note: str = ""  # shown in the template's instructions sheet


# Longest accepted 证件号码: mainland ID cards have 18 characters; passports and
# permits fewer. Not a model constraint (the column is encrypted text).
ID_NO_MAX_LENGTH = 32

CATEGORY_WORDS = {"居民": House.Category.RESIDENTIAL.value, "非居民": House.Category.NON_RESIDENTIAL.value}
LOW_INCOME_WORDS = {"无": House.LowIncome.NONE.value, "低保": House.LowIncome.DIBAO.value,
                    "特困": House.LowIncome.TEKUN.value}
HEATING_STATUS_WORDS = {"正常": House.HeatingStatus.NORMAL.value, "报停": House.HeatingStatus.OPTED_OUT.value,
                        "停供": House.HeatingStatus.DISCONNECTED.value}
# Also accepted on import: the ledger's own labels, as staff see them elsewhere.
HEATING_STATUS_ALIASES = {"正常供热": House.HeatingStatus.NORMAL.value,
                          "停供/拆除": House.HeatingStatus.DISCONNECTED.value}

COLUMNS: tuple[Column, ...] = (
    Column("户号", "account_no", True, _max_length("account_no"), _("每户唯一；已存在的户号会被更新")),
    Column("小区", "community", True, _max_length("name", Community), _("小区名称")),
    Column("楼号", "building", True, _max_length("name", Building), _("如 3号楼")),
    Column("单元", "unit", False, _max_length("name", Unit), _("如 2单元；没有单元可留空")),
    Column("室号", "room", True, _max_length("room"), _("如 501")),
    Column("建筑面积", "building_area", True, None, _("平方米，大于 0，最多两位小数")),
    Column("套内面积", "usable_area", False, None, _("平方米，不大于建筑面积；可留空")),
    Column("类别", "category", False, None, _("居民 / 非居民；新房屋留空为居民")),
    Column("低保特困", "low_income", False, None, _("无 / 低保 / 特困；新房屋留空为无")),
    Column("热表编号", "meter_no", False, _max_length("meter_no"), _("安装热表的填写")),
    Column("供热状态", "heating_status", False, None, _("正常 / 报停 / 停供；新房屋留空为正常")),
    Column("户主姓名", "owner_name", True, _max_length("owner_name")),
    Column("户主电话", "owner_phone", False, None,
           _("手机号 11 位，或固定电话如 010-12345678；不能是脱敏号码（含 *）")),
    Column("证件号码", "owner_id_no", False, ID_NO_MAX_LENGTH,
           _("身份证号 18 位（校验位会被检查），或其他证件号码；不能是脱敏号码（含 *）")),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
INDEX = {c.field: i for i, c in enumerate(COLUMNS)}
CHOICE_WORDS = {"category": CATEGORY_WORDS, "low_income": LOW_INCOME_WORDS, "heating_status": HEATING_STATUS_WORDS}
# value -> word, for the export
CHOICE_LABELS = {field: {v: k for k, v in words.items()} for field, words in CHOICE_WORDS.items()}

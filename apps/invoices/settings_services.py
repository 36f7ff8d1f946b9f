"""Writes of what people configure: a company's issuing settings (secrets encrypted and write-only), the tax
treatment of each fee item, and a resident's title book (抬头). Every write is validated here, whatever edge
calls it, and audited with the names of the fields it changed, never their values."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.billing.models import BillLine
from heat_platform.kernel.errors import field_error

from .errors import InvoiceErrorCode
from .models import FeeItemTax, InvoiceSettings, InvoiceTitle

# 统一社会信用代码 (18: no I, O, S, V, Z), or the older 15- and 20-character taxpayer numbers.
_USCC = re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")
_OLD_TAX_NO = re.compile(r"[0-9A-Z]{15}|[0-9A-Z]{20}")
_TAX_CODE = re.compile(r"[0-9]{19}")

TAX_RATES = tuple(Decimal(r) for r in ("0", "0.01", "0.03", "0.05", "0.06", "0.09", "0.13"))
# 数电 favoured-policy flags (优惠政策标识) and their names as the invoice prints them.
FAVOURED_POLICIES = {
    "01": "简易征收", "02": "稀土产品", "03": "免税", "04": "不征税", "05": "先征后退", "06": "100%先征后退",
    "07": "50%先征后退", "08": "按3%简易征收", "09": "按5%简易征收", "10": "按5%简易征收减按1.5%计征",
    "11": "即征即退30%", "12": "即征即退50%", "13": "即征即退70%", "14": "即征即退100%",
    "15": "超税负3%即征即退", "16": "超税负8%即征即退", "17": "超税负12%即征即退", "18": "超税负6%即征即退",
}
ZERO_RATE_POLICIES = ("03", "04")  # 免税 / 不征税: the only ways a domestic line has rate 0
# Bill line kinds that become invoice lines (reliefs, discounts, adjustments and credits net into them).
INVOICED_LINE_KINDS = (BillLine.Kind.HEATING_FEE, BillLine.Kind.BASIC_FEE, BillLine.Kind.METERED_FEE,
                       BillLine.Kind.LATE_FEE)
MAX_TITLES = 20  # per resident: a title book, not a store

SETTINGS_FIELDS = ("enabled", "seller_tax_no", "seller_name", "seller_address_phone", "seller_bank_account",
                   "drawer", "provider", "app_key", "policy")
SETTINGS_SECRETS = ("app_secret", "access_token")
# A change of any of these makes the last seen tax-bureau session someone else's.
_SESSION_FIELDS = ("seller_tax_no", "provider", "app_key", "app_secret", "access_token")
TITLE_FIELDS = ("kind", "name", "tax_no", "phone", "email", "address_phone", "bank_account")


def valid_tax_no(value: str) -> bool:
    """The seller's number, by its shape only: the provider checks it against the account (its sandbox's test
    number has no valid check character). Buyers' numbers are checked fully (tax.tax_no_valid)."""
    return bool(_USCC.fullmatch(value) if len(value) == 18 else _OLD_TAX_NO.fullmatch(value))


def _text(data: dict[str, Any], name: str, *, required: bool = False, max_length: int) -> str:
    value = data.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise field_error(name, _("此项必填。"), InvoiceErrorCode.REQUIRED)
    if len(value) > max_length:
        raise field_error(name, _("不能超过 %(n)d 个字符。") % {"n": max_length}, InvoiceErrorCode.INVALID)
    return value


def _tax_no(data: dict[str, Any], name: str, *, required: bool) -> str:
    value = _text(data, name, required=required, max_length=20).upper()
    if value and not valid_tax_no(value):
        raise field_error(name, _("税号应为 15、18 或 20 位的数字或大写字母（统一社会信用代码）。"),
                          InvoiceErrorCode.INVALID_TAX_NO)
    return value


def _choice(data: dict[str, Any], name: str, choices, default: str) -> str:
    value = data.get(name) or default
    if value not in choices.values:
        raise field_error(name, _("不支持的选项。"), InvoiceErrorCode.INVALID)
    return value


# --- settings ---------------------------------------------------------------------------------------------------

def invoice_settings_get() -> InvoiceSettings | None:
    return InvoiceSettings.objects.filter(pk=1).first()


@transaction.atomic
def invoice_settings_save(*, data: dict[str, Any], actor, ip: str | None = None) -> InvoiceSettings:
    """Create or update the company's issuing settings. `app_secret` / `access_token` left empty keep the stored
    ones (write-only: no API returns them). Enabling needs the seller, the drawer and all three credentials."""
    current = InvoiceSettings.objects.select_for_update().filter(pk=1).first()
    row = current or InvoiceSettings(pk=1)
    clean = {
        "enabled": bool(data.get("enabled")),
        "seller_tax_no": _tax_no(data, "seller_tax_no", required=True),
        "seller_name": _text(data, "seller_name", required=True, max_length=100),
        "seller_address_phone": _text(data, "seller_address_phone", max_length=200),
        "seller_bank_account": _text(data, "seller_bank_account", max_length=200),
        "drawer": _text(data, "drawer", required=True, max_length=20),
        "provider": _choice(data, "provider", InvoiceSettings.Provider, InvoiceSettings.Provider.NUONUO),
        "app_key": _text(data, "app_key", required=True, max_length=64),
        "policy": _choice(data, "policy", InvoiceSettings.Policy, InvoiceSettings.Policy.ON_REQUEST),
    }
    changed = [name for name in SETTINGS_FIELDS if current is None or getattr(row, name) != clean[name]]
    for name, value in clean.items():
        setattr(row, name, value)
    for name in SETTINGS_SECRETS:
        value = str(data.get(name) or "").strip()
        if len(value) > 512:
            raise field_error(name, _("不能超过 %(n)d 个字符。") % {"n": 512}, InvoiceErrorCode.INVALID)
        if value and value != getattr(row, name):
            setattr(row, name, value)
            changed.append(name)
    if row.enabled:
        missing = [name for name in SETTINGS_SECRETS if not getattr(row, name)]
        if missing:
            raise field_error(missing[0], _("启用电子发票前请填写开票服务商的 AppSecret 和授权令牌。"),
                              InvoiceErrorCode.NOT_CONFIGURED)
    if any(name in changed for name in _SESSION_FIELDS):
        row.session_state, row.session_message, row.session_checked_at = "", "", None
        row.credit_total_fen = row.credit_remaining_fen = row.credit_checked_at = None
    row.save()
    # Field names only: never values (the secrets, nor the seller's details).
    audit_record(actor=actor, action="invoice.settings.save", target=row, ip=ip, fields=sorted(changed),
                 enabled=row.enabled, policy=row.policy)
    return row


# --- fee items --------------------------------------------------------------------------------------------------

def _tax_rate(value) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        rate = None
    if rate is None or rate not in TAX_RATES:
        raise field_error("tax_rate", _("税率只能是 0、1%、3%、5%、6%、9% 或 13%。"), InvoiceErrorCode.INVALID_TAX_RATE)
    return rate.quantize(Decimal("0.0001"))


@transaction.atomic
def fee_item_tax_save(*, line_kind: str, category: str, goods_name: str, tax_code: str, tax_rate, actor,
                      favoured_policy: str = "", unit: str = "", ip: str | None = None) -> FeeItemTax:
    """How one fee item is invoiced for one house category (one row per pair: saving again updates it)."""
    if line_kind not in INVOICED_LINE_KINDS:
        raise field_error("line_kind", _("该收费项目不单独开票。"), InvoiceErrorCode.INVALID)
    if category not in FeeItemTax.Category.values:
        raise field_error("category", _("不支持的用户类别。"), InvoiceErrorCode.INVALID)
    data = {"goods_name": goods_name, "tax_code": tax_code, "unit": unit}
    clean = {"goods_name": _text(data, "goods_name", required=True, max_length=90),
             "tax_code": _text(data, "tax_code", required=True, max_length=19),
             "unit": _text(data, "unit", max_length=10),
             "tax_rate": _tax_rate(tax_rate),
             "favoured_policy": (favoured_policy or "").strip()}
    if not _TAX_CODE.fullmatch(clean["tax_code"]):
        raise field_error("tax_code", _("税收分类编码应为 19 位数字。"), InvoiceErrorCode.INVALID_TAX_CODE)
    policy = clean["favoured_policy"]
    if policy and policy not in FAVOURED_POLICIES:
        raise field_error("favoured_policy", _("不支持的优惠政策标识。"), InvoiceErrorCode.INVALID_POLICY)
    if policy in ZERO_RATE_POLICIES and clean["tax_rate"] != 0:
        raise field_error("tax_rate", _("免税（03）或不征税（04）的税率应为 0。"), InvoiceErrorCode.INVALID_TAX_RATE)
    if clean["tax_rate"] == 0 and policy not in ZERO_RATE_POLICIES:
        raise field_error("favoured_policy", _("税率为 0 时须选择免税（03）或不征税（04）。"),
                          InvoiceErrorCode.INVALID_POLICY)
    row = (FeeItemTax.objects.select_for_update().filter(line_kind=line_kind, category=category).first()
           or FeeItemTax(line_kind=line_kind, category=category))
    changed = sorted(name for name, value in clean.items() if row.pk is None or getattr(row, name) != value)
    for name, value in clean.items():
        setattr(row, name, value)
    row.save()
    audit_record(actor=actor, action="invoice.fee_item_tax.save", target=row, ip=ip, line_kind=line_kind,
                 category=category, fields=changed)
    return row


# --- the resident's title book ------------------------------------------------------------------------------------

def invoice_title_clean(data: dict[str, Any]) -> dict[str, str]:
    """A buyer title as typed (a saved one or a one-off for a request), validated by the lifecycle's own rule
    (services.buyer_title_clean: a company needs a unified tax number with a correct check character). Keys:
    TITLE_FIELDS."""
    from .services import BuyerTitle, buyer_title_clean

    raw = {name: ("" if data.get(name) is None else str(data.get(name))) for name in TITLE_FIELDS}
    if raw["kind"] == InvoiceTitle.Kind.PERSONAL:
        raw["tax_no"] = ""  # a person has none: dropped rather than refused
    for name, limit in (("phone", 20), ("email", 254), ("address_phone", 200), ("bank_account", 200)):
        if len(raw[name].strip()) > limit:  # the model's limits (the lifecycle truncates, a title book refuses)
            raise field_error(name, _("不能超过 %(n)d 个字符。") % {"n": limit}, InvoiceErrorCode.INVALID)
    clean = buyer_title_clean(BuyerTitle(**raw))
    return {name: getattr(clean, name) for name in TITLE_FIELDS}


def _titles(resident):
    return InvoiceTitle.objects.filter(resident=resident)


@transaction.atomic
def invoice_title_save(*, resident, data: dict[str, Any], title_id: int | None = None,
                       is_default: bool | None = None) -> InvoiceTitle:
    """Add a title to the resident's book or change one of theirs (someone else's id: NOT_FOUND). One default:
    making one the default clears the others; the first title is the default."""
    titles = list(_titles(resident).select_for_update())  # serializes the default and the cap per resident
    if title_id is not None:
        title = next((t for t in titles if t.pk == title_id), None)
        if title is None:
            raise field_error("id", _("找不到该抬头。"), InvoiceErrorCode.NOT_FOUND)
    else:
        if len(titles) >= MAX_TITLES:
            raise field_error("__all__", _("最多保存 %(n)d 个抬头。") % {"n": MAX_TITLES},
                              InvoiceErrorCode.INVALID)
        title = InvoiceTitle(resident=resident)
    clean = invoice_title_clean(data)
    changed = sorted(name for name, value in clean.items() if title.pk is None or getattr(title, name) != value)
    for name, value in clean.items():
        setattr(title, name, value)
    if is_default is not None:
        title.is_default = is_default
    elif title.pk is None and not any(t.is_default for t in titles):
        title.is_default = True
    title.save()
    if title.is_default:
        _titles(resident).exclude(pk=title.pk).filter(is_default=True).update(is_default=False)
    audit_record(actor=resident, action="invoice.title.save", target=title, fields=changed,
                 is_default=title.is_default)
    return title


@transaction.atomic
def invoice_title_delete(*, resident, title_id: int) -> None:
    title = _titles(resident).select_for_update().filter(pk=title_id).first()
    if title is None:
        raise field_error("id", _("找不到该抬头。"), InvoiceErrorCode.NOT_FOUND)
    title.delete()
    audit_record(actor=resident, action="invoice.title.delete", target=None, title_id=title_id)

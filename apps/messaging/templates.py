"""The company's template registry: how each kind of message reads in-app, as a WeChat subscription message
(template title and which of our variables fills each keyword) and as an SMS (approved code, text, parameters).

Defaults are neutral billing notices: SMS vendors and carriers reject dunning wording (催缴 / 催款 …) even in
notification SMS, and "拒收请回复R" belongs to marketing SMS only; `check_wording` refuses those on every save.
WeChat template ids are per mini-program: `sync_wechat_templates` links them by title from the account's list."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error

from .errors import MessagingErrorCode as Code
from .models import MessageKind, MessageTemplate
from .outbox import KIND_VARIABLES, allowed_variables

K = MessageKind
# Traditional forms too: a template typed in 繁體 says the same thing to the resident.
FORBIDDEN_WORDS = ("催缴", "催款", "催费", "追缴", "欠费停暖", "拒收请回复R", "催繳", "催費", "追繳", "欠費停暖")

_BILL_FIELDS = {"thing1": "house", "character_string2": "account_no", "thing3": "season", "amount4": "amount",
                "date5": "due_date"}
DEFAULTS: dict[str, dict] = {
    K.BILL_PUBLISHED: {
        "in_app_title": "账单出账通知",
        "in_app_body": "您的房屋{house}（户号{account_no}）{season}采暖季账单已出，应缴{amount}元，"
                       "请于{due_date}前缴纳。",
        "wechat_title": "账单出账提醒", "wechat_fields": _BILL_FIELDS, "wechat_page": "pages/bill-detail/bill-detail",
        "sms_text": "您的房屋${house}${season}采暖季账单已出，应缴${amount}元，请于${due_date}前缴纳。",
        "sms_params": {"house": "house", "season": "season", "amount": "amount", "due_date": "due_date"},
    },
    K.PAYMENT_DUE: {
        "in_app_title": "缴费提醒",
        "in_app_body": "您的房屋{house}（户号{account_no}）{season}采暖季待缴{amount}元，缴费截止日期为{due_date}。"
                       "{tip}。",
        "wechat_title": "缴费提醒",
        "wechat_fields": {"thing1": "house", "character_string2": "account_no", "amount3": "amount",
                          "date4": "due_date", "thing5": "tip"},
        "wechat_page": "pages/bill-detail/bill-detail",
        "sms_text": "您的房屋${house}${season}采暖季待缴${amount}元，缴费截止日期${due_date}，如已缴纳请忽略。",
        "sms_params": {"house": "house", "season": "season", "amount": "amount", "due_date": "due_date"},
    },
    K.PAYMENT_RECEIPT: {
        "in_app_title": "缴费成功",
        "in_app_body": "您已为房屋{house}缴费{amount}元（{channel}），缴费时间{paid_at}，订单号{order_no}。",
        "wechat_title": "缴费成功通知",
        "wechat_fields": {"thing1": "house", "amount2": "amount", "time3": "paid_at", "character_string4": "order_no"},
        "wechat_page": "pages/order/order",
        "sms_text": "您已为房屋${house}缴费${amount}元，订单号${order_no}。",
        "sms_params": {"house": "house", "amount": "amount", "order_no": "order_no"},
    },
    K.REFUND_RECEIPT: {
        "in_app_title": "退款成功",
        "in_app_body": "房屋{house}的{amount}元退款已原路退回（{reason}），退款时间{refunded_at}，订单号{order_no}。",
        "wechat_title": "退款成功通知",
        "wechat_fields": {"thing1": "house", "amount2": "amount", "time3": "refunded_at",
                          "character_string4": "order_no"},
        "wechat_page": "pages/order/order",
        "sms_text": "房屋${house}的${amount}元退款已原路退回，订单号${order_no}。",
        "sms_params": {"house": "house", "amount": "amount", "order_no": "order_no"},
    },
    K.INVOICE_ISSUED: {
        "in_app_title": "电子发票已开具",
        "in_app_body": "房屋{house}的{amount}元电子发票已开具，发票号码{invoice_no}，开票时间{issued_at}，"
                       "可在小程序中查看下载。",
        "wechat_title": "发票开具成功通知",
        "wechat_fields": {"thing1": "house", "amount2": "amount", "character_string3": "invoice_no",
                          "time4": "issued_at"},
        "wechat_page": "pages/invoice-detail/invoice-detail",
        "sms_text": "房屋${house}的${amount}元电子发票已开具，发票号码${invoice_no}，可在小程序中查看下载。",
        "sms_params": {"house": "house", "amount": "amount", "invoice_no": "invoice_no"},
    },
    K.TICKET_UPDATE: {
        "in_app_title": "工单进度更新",
        "in_app_body": "您的工单{ticket_no}（{ticket_title}）{status}，更新时间{updated_at}。{note}",
        "wechat_title": "工单进度通知",
        "wechat_fields": {"character_string1": "ticket_no", "thing2": "ticket_title", "phrase3": "status",
                          "time4": "updated_at", "thing5": "note"},
        "wechat_page": "pages/ticket-detail/ticket-detail",
        "sms_text": "您的工单${ticket_no}${status}，详情请在小程序中查看。",
        "sms_params": {"ticket_no": "ticket_no", "status": "status"},
    },
}

_KEYWORD = re.compile(r"^(thing|character_string|amount|time|date|phrase|number|letter|symbol|name|phone_number|"
                      r"car_number)\d{1,2}$")
_SMS_PARAM = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,19}$")
_SMS_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_SMS_CODE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PAGE = re.compile(r"^pages/[A-Za-z0-9_/-]{1,100}$")
EDITABLE = ("is_active", "in_app_title", "in_app_body", "wechat_template_id", "wechat_title", "wechat_page",
            "wechat_fields", "sms_template_code", "sms_text", "sms_params", "sms_approval")


def check_wording(text: str, *, field: str = "sms_text") -> None:
    """Refuse dunning and marketing wording (FORBIDDEN_WORDING), spaces and case ignored. NFKC folds full-width
    and compatibility forms; format characters (category Cf: zero-width spaces and joiners, soft hyphens, BOM)
    are invisible to the reader, so they cannot hide a word."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    squeezed = "".join(ch for ch in "".join(folded.split()) if unicodedata.category(ch) != "Cf").upper()
    for word in FORBIDDEN_WORDS:
        if word.upper() in squeezed:
            raise field_error(field, _("内容不能包含“%(word)s”：请使用中性的账单、缴费通知用语。") % {"word": word},
                              Code.FORBIDDEN_WORDING)


def ensure_default_templates() -> dict[str, MessageTemplate]:
    """Every kind's template (the defaults are created where missing); kind → template."""
    rows = {t.kind: t for t in MessageTemplate.objects.all()}
    for kind, values in DEFAULTS.items():
        if kind not in rows:
            rows[kind], _created = MessageTemplate.objects.get_or_create(kind=kind, defaults=dict(values))
    return rows


# --- editing ---------------------------------------------------------------------------------------------------

def _in_app_text(field: str, value, *, kind: str, limit: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise field_error(field, _("请填写内容。"), Code.REQUIRED)
    if len(text) > limit:
        raise field_error(field, _("内容不能超过 %(n)s 个字。") % {"n": limit}, Code.TOO_LONG)
    allowed = set(allowed_variables(kind))
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise field_error(field, _("花括号不成对：变量请写成 {house} 这样。"), Code.INVALID_TEMPLATE) from None
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise field_error(field, _("未知变量 {%(name)s}，可用：%(names)s") % {
                "name": name, "names": "、".join(allowed)}, Code.INVALID_TEMPLATE)
    check_wording(text, field=field)
    return text


def _mapping(field: str, value, *, kind: str, key_ok) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or len(value) > 10:
        raise field_error(field, _("字段映射格式不正确。"), Code.INVALID_TEMPLATE)
    allowed = set(allowed_variables(kind))
    out = {}
    for key, variable in value.items():
        if not isinstance(key, str) or not key_ok(key):
            raise field_error(field, _("字段名 %(key)s 不正确。") % {"key": key}, Code.INVALID_TEMPLATE)
        if variable not in allowed:
            raise field_error(field, _("未知变量 %(name)s，可用：%(names)s") % {
                "name": variable, "names": "、".join(allowed)}, Code.INVALID_TEMPLATE)
        out[key] = variable
    return out


def _pattern(field: str, value, pattern: re.Pattern) -> str:
    text = str(value or "").strip()
    if text and not pattern.match(text):
        raise field_error(field, _("格式不正确。"), Code.INVALID)
    return text


def _clean_values(kind: str, values: dict, current: MessageTemplate) -> dict:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise field_error(sorted(unknown)[0], _("不能修改此项。"), Code.INVALID)
    out: dict = {}
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    if "in_app_title" in values:
        out["in_app_title"] = _in_app_text("in_app_title", values["in_app_title"], kind=kind, limit=60)
    if "in_app_body" in values:
        out["in_app_body"] = _in_app_text("in_app_body", values["in_app_body"], kind=kind, limit=500)
    if "wechat_template_id" in values:
        out["wechat_template_id"] = _pattern("wechat_template_id", values["wechat_template_id"], _TEMPLATE_ID)
    if "wechat_title" in values:
        title = str(values["wechat_title"] or "").strip()
        if len(title) > 40:
            raise field_error("wechat_title", _("内容不能超过 %(n)s 个字。") % {"n": 40}, Code.TOO_LONG)
        out["wechat_title"] = title
    if "wechat_page" in values:
        out["wechat_page"] = _pattern("wechat_page", values["wechat_page"], _PAGE)
    if "wechat_fields" in values:
        out["wechat_fields"] = _mapping("wechat_fields", values["wechat_fields"], kind=kind,
                                        key_ok=lambda k: bool(_KEYWORD.match(k)))
    if "sms_template_code" in values:
        out["sms_template_code"] = _pattern("sms_template_code", values["sms_template_code"], _SMS_CODE)
    if "sms_params" in values:
        out["sms_params"] = _mapping("sms_params", values["sms_params"], kind=kind,
                                     key_ok=lambda k: bool(_SMS_PARAM.match(k)))
    if "sms_text" in values:
        text = str(values["sms_text"] or "").strip()
        if len(text) > 300:
            raise field_error("sms_text", _("内容不能超过 %(n)s 个字。") % {"n": 300}, Code.TOO_LONG)
        check_wording(text)
        out["sms_text"] = text
    if "sms_approval" in values:
        if values["sms_approval"] not in MessageTemplate.SmsApproval.values:
            raise field_error("sms_approval", _("审核状态无效。"), Code.INVALID)
        out["sms_approval"] = values["sms_approval"]

    merged = {name: out.get(name, getattr(current, name)) for name in EDITABLE}
    params = merged["sms_params"] or {}
    for name in _SMS_PLACEHOLDER.findall(merged["sms_text"] or ""):
        if name not in params:
            raise field_error("sms_text", _("短信变量 ${%(name)s} 未在参数映射中。") % {"name": name},
                              Code.INVALID_TEMPLATE)
    if merged["sms_approval"] == MessageTemplate.SmsApproval.APPROVED and not (
            merged["sms_template_code"] and merged["sms_text"]):
        raise field_error("sms_template_code", _("审核通过的短信模板需填写模板编号和内容。"), Code.REQUIRED)
    if merged["wechat_template_id"] and not merged["wechat_fields"]:
        raise field_error("wechat_fields", _("请填写微信模板的字段映射。"), Code.REQUIRED)
    return out


@transaction.atomic
def update_message_template(*, actor, kind: str, values: dict, ip: str | None = None) -> MessageTemplate:
    """Change the template of `kind` (only the keys given); checked as a whole, nothing saved on an error."""
    if kind not in KIND_VARIABLES:
        raise field_error("kind", _("未知的消息类型。"), Code.NOT_FOUND)
    ensure_default_templates()
    template = MessageTemplate.objects.select_for_update().get(kind=kind)
    changes = _clean_values(kind, values, template)
    changed = [name for name, value in changes.items() if getattr(template, name) != value]
    for name in changed:
        setattr(template, name, changes[name])
    if changed:
        template.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="messaging.template_update", target=template, ip=ip, kind=kind,
                     fields=sorted(changed))
    return template


# --- WeChat template ids ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SyncResult:
    kind: str
    title: str
    template_id: str
    status: str  # linked | not_found | mismatch
    missing: tuple[str, ...] = ()  # keywords our mapping uses that the WeChat template lacks


@transaction.atomic
def sync_wechat_templates(*, actor, ip: str | None = None) -> list[SyncResult]:
    """Link each kind to the template of the same title in the mini-program's list (GET gettemplate). A template
    whose keywords lack one our mapping fills is refused (mismatch, the link cleared: sends would fail with 47003);
    a linked id no longer in the list is cleared (sends would fail with 40037)."""
    try:
        from .wechat import SubscribeClient, WxSendError
    except ImportError:
        raise field_error("__all__", _("微信订阅消息客户端不可用。"), Code.WECHAT_ERROR) from None
    client = SubscribeClient.for_current_company()
    if client is None:
        raise field_error("__all__", _("尚未配置小程序（AppID），无法同步订阅消息模板。"), Code.INVALID)
    try:
        available = client.list_templates()
    except WxSendError as exc:
        message = _("微信返回错误（%(code)s）。") % {"code": exc.errcode}
        raise field_error("__all__", message, Code.WECHAT_ERROR) from None
    by_title = {t.title: t for t in available}
    ids = {t.template_id for t in available}
    results = []
    for template in MessageTemplate.objects.select_for_update().filter(
            kind__in=list(ensure_default_templates())).order_by("kind"):
        found = by_title.get(template.wechat_title) if template.wechat_title else None
        new_id, status, missing = template.wechat_template_id, "not_found", ()
        if found is not None:
            missing = tuple(k for k in (template.wechat_fields or {}) if k not in found.keywords)
            status = "mismatch" if missing or not template.wechat_fields else "linked"
            if status == "linked":
                new_id = found.template_id
        if status == "mismatch" or (status == "not_found" and new_id not in ids):
            new_id = ""
        if new_id != template.wechat_template_id:
            template.wechat_template_id = new_id
            template.save(update_fields=["wechat_template_id", "updated_at"])
        results.append(SyncResult(kind=template.kind, title=template.wechat_title, template_id=new_id,
                                  status=status, missing=missing))
    audit_record(actor=actor, action="messaging.templates_sync", ip=ip,
                 results={r.kind: r.status for r in results})
    return results

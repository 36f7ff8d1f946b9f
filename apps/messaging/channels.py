"""The push step of one message on one channel, with its audit row (Delivery, target masked).

- WeChat: the kind's template id and an ACTIVE grant; one credit is consumed atomically before the send (two
  dispatchers cannot both spend the resident's last credit) and given back when WeChat did not deliver, except on
  43101 (the resident refused or unsubscribed: the grant is revoked) and when the send's answer was lost after the
  request left (read timeout, HTTP error, garbled body: the Delivery is UNCERTAIN and the message never resent).
  Values are shaped per keyword type the way WeChat checks them (thing ≤20 characters, amount "¥12.30", time,
  date, character_string ≤32 ASCII, phrase ≤5).
- SMS: through the company's provider (apps/residents/sms) with its sign name; the Delivery is written as
  UNCERTAIN before the request (under the phone's lock, which also counts the phone's daily cap), so a worker that
  dies mid-request leaves a record that may have gone out; a definite failure turns it FAILED.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from heat_platform.kernel.locks import xact_lock
from heat_platform.pii import mask_phone

from . import grants, quiet
from .models import Channel, Delivery, Message, MessageTemplate, SmsConsent

logger = logging.getLogger(__name__)

SENT, FAILED, RETRY, UNCERTAIN, SKIPPED = "sent", "failed", "retry", "uncertain", "skipped"
KEYWORD = re.compile(r"^(thing|character_string|amount|time|date|phrase|number|letter|symbol|name|phone_number|"
                     r"car_number)(\d{1,2})$")
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Outcome:
    result: str  # SENT | FAILED | RETRY | UNCERTAIN | SKIPPED
    reason: str = ""  # why not sent (a note: no_grant, phone_capped, wechat:43101 …)
    error: str = ""  # the provider's code ("wechat:45009", "sms:isv.BUSINESS_LIMIT_CONTROL")


def mask_openid(openid: str) -> str:
    """oAbC****wXyZ: enough for staff to tell two residents apart, not enough to message one."""
    return f"{openid[:4]}****{openid[-4:]}" if len(openid) > 8 else "****"


# --- WeChat ----------------------------------------------------------------------------------------------------

def keyword_type(keyword: str) -> str | None:
    match = KEYWORD.match(keyword)
    return match.group(1) if match else None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def format_value(keyword: str, value: str) -> str:
    """`value` shaped as WeChat accepts it for `keyword`'s type (an empty value becomes a neutral placeholder:
    WeChat rejects empty keywords)."""
    text = " ".join(str(value or "").split())
    kind = keyword_type(keyword)
    if kind == "thing":
        return _cut(text, 20) or "无"
    if kind == "phrase":
        return text[:5] or "无"
    if kind == "name":
        return _cut(text, 10) or "-"
    if kind == "amount":
        raw = text.replace("¥", "").replace("￥", "").replace("元", "").replace(",", "").strip()
        try:
            amount = Decimal(raw).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            return text[:11] or "¥0.00"
        return f"¥{amount}"
    if kind == "time":
        match = _TIME.match(text)
        return f"{match.group(1)} {match.group(2)}" if match else text[:16]
    if kind == "date":
        match = _DATE.match(text)
        return match.group(0) if match else text[:10]
    if kind in ("character_string", "letter", "symbol", "car_number"):
        ascii_only = "".join(ch for ch in text if "!" <= ch <= "~")  # printable ASCII, no spaces
        return ascii_only[:32] or "-"
    if kind == "number":
        return "".join(ch for ch in text if ch.isdigit() or ch == ".")[:32] or "0"
    return text[:20]


def wechat_data(template: MessageTemplate, values: dict[str, str]) -> dict[str, str]:
    return {keyword: format_value(keyword, values.get(variable, ""))
            for keyword, variable in (template.wechat_fields or {}).items()}


def _values(message: Message) -> dict[str, str]:
    from .outbox import render_vars

    return render_vars(message.kind, {k: str(v) for k, v in (message.variables or {}).items()})


def _delivery(message: Message, *, channel: str, target: str, template: str, content: str, status: str,
              error_code: str = "", provider_message_id: str = "") -> Delivery:
    return Delivery.objects.create(message=message, channel=channel, target=target[:64], template=template[:64],
                                   content=content[:500], status=status, error_code=error_code[:64],
                                   provider_message_id=provider_message_id[:64])


def push_wechat(message: Message, template: MessageTemplate, ctx, now: dt.datetime) -> Outcome:
    resident = message.resident
    template_id = template.wechat_template_id
    if not template_id or not template.wechat_fields:
        return Outcome(SKIPPED, "no_wechat_template")
    if not resident.openid or resident.openid.startswith("erased:"):
        return Outcome(SKIPPED, "no_openid")
    client = ctx.wechat()
    if client is None:
        return Outcome(SKIPPED, "no_miniprogram")
    grant_kind = grants.consume_credit(resident_id=resident.pk, template_id=template_id)
    if grant_kind is None:
        return Outcome(SKIPPED, "no_grant")
    from .wechat import WxSendError

    data = wechat_data(template, _values(message))
    content = json.dumps(data, ensure_ascii=False)
    target = mask_openid(resident.openid)
    try:
        client.send(openid=resident.openid, template_id=template_id, page=message.page or template.wechat_page,
                    data=data, state=ctx.settings.miniprogram_state)
    except WxSendError as exc:
        code = f"wechat:{exc.errcode}"
        if exc.reason == "uncertain":  # the send may have been delivered: the credit stays spent, never resent
            _delivery(message, channel=Channel.WECHAT, target=target, template=template_id, content=content,
                      status=Delivery.Status.UNCERTAIN, error_code=str(exc.errcode))
            logger.warning("message %s: WeChat send outcome unknown (%s)", message.pk, exc.errmsg)
            return Outcome(UNCERTAIN, "wechat_uncertain", code)
        _delivery(message, channel=Channel.WECHAT, target=target, template=template_id, content=content,
                  status=Delivery.Status.FAILED, error_code=str(exc.errcode))
        if exc.errcode == grants.WX_REFUSED:
            grants.revoke(resident_id=resident.pk, template_id=template_id, result=str(exc.errcode))
            return Outcome(FAILED, code, code)
        grants.restore_credit(resident_id=resident.pk, template_id=template_id, grant_kind=grant_kind)
        logger.warning("message %s: WeChat send failed (%s, %s)", message.pk, exc.errcode, exc.reason)
        return Outcome(RETRY if exc.retryable else FAILED, code, code)
    _delivery(message, channel=Channel.WECHAT, target=target, template=template_id, content=content,
              status=Delivery.Status.SENT)
    return Outcome(SENT)


# --- SMS -------------------------------------------------------------------------------------------------------

def effective_sign_name(msettings) -> str:
    """The company's approved signature, else its name."""
    if msettings.sms_sign_name:
        return msettings.sms_sign_name
    from tenants.models import HeatingCompany

    names = HeatingCompany.objects.filter(schema_name=connection.schema_name).values_list("name", flat=True)
    return names.first() or ""


def sign_name(ctx) -> str:
    """effective_sign_name, read once per dispatch run."""
    cached = getattr(ctx, "_sign_name", None)
    if cached is None:
        cached = ctx._sign_name = effective_sign_name(ctx.settings)
    return cached


def sms_params(template: MessageTemplate, values: dict[str, str]) -> dict[str, str]:
    return {param: values.get(variable, "") for param, variable in (template.sms_params or {}).items()}


def sms_render(template: MessageTemplate, params: dict[str, str], sign: str) -> str:
    """What the resident reads: 【sign】text with ${param} filled in."""
    text = re.sub(r"\$\{(\w+)\}", lambda m: params.get(m.group(1), ""), template.sms_text)
    return f"【{sign}】{text}"


def phone_sms_today(resident, now: dt.datetime) -> int:
    """SMS pushes to this resident's phone on `now`'s local day (any resident of the same number counts), those
    in flight included: a message is marked SMS under the phone's lock before its request goes out."""
    start = quiet.local_day_start(now)
    qs = Message.objects.filter(channel=Channel.SMS, sent_at__gte=start, sent_at__lt=start + dt.timedelta(days=1),
                                status__in=(Message.Status.SENDING, Message.Status.SENT, Message.Status.UNCERTAIN))
    if resident.phone_index:
        return qs.filter(resident__phone_index=resident.phone_index).count()
    return qs.filter(resident_id=resident.pk).count()


def push_sms(message: Message, template: MessageTemplate, ctx, now: dt.datetime) -> Outcome:
    from apps.residents.sms import SmsMessage, SmsSendError

    resident = message.resident
    if not ctx.settings.sms_enabled:
        return Outcome(SKIPPED, "sms_disabled")
    if (template.sms_approval != MessageTemplate.SmsApproval.APPROVED or not template.sms_template_code
            or not template.sms_text):
        return Outcome(SKIPPED, "no_sms_template")
    if not resident.phone:
        return Outcome(SKIPPED, "no_phone")
    if not SmsConsent.objects.filter(resident_id=resident.pk, opted_in=True).exists():
        return Outcome(SKIPPED, "no_sms_consent")
    sign = sign_name(ctx)
    params = sms_params(template, _values(message))
    provider = ctx.sms()  # a misconfigured provider fails here, before anything is recorded as possibly sent
    with transaction.atomic():
        xact_lock("messaging.sms_phone", resident.phone_index or f"resident:{resident.pk}")
        if phone_sms_today(resident, now) >= ctx.settings.phone_daily_cap:
            return Outcome(SKIPPED, "phone_capped")
        if not Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
                channel=Channel.SMS, sent_at=now):
            from .outbox import ClaimLostError

            raise ClaimLostError  # released as stale meanwhile (UNCERTAIN): nothing goes out
        delivery = _delivery(message, channel=Channel.SMS, target=mask_phone(resident.phone),
                             template=template.sms_template_code, content=sms_render(template, params, sign),
                             status=Delivery.Status.UNCERTAIN)
    try:
        receipt = provider.send(SmsMessage(phone=resident.phone, sign_name=sign,
                                         template=template.sms_template_code, params=params))
    except SmsSendError as exc:
        code = f"sms:{exc.provider_code}"
        if exc.definite:
            Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED,
                                                           error_code=exc.provider_code[:64])
            return Outcome(FAILED, code, code)
        Delivery.objects.filter(pk=delivery.pk).update(error_code=exc.provider_code[:64])
        return Outcome(UNCERTAIN, "sms_uncertain", code)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT,
                                                   provider_message_id=receipt.message_id[:64])
    return Outcome(SENT)

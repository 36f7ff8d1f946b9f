"""The ledger of WeChat subscription grants (what a resident accepted in `wx.requestSubscribeMessage`).

One-time grants are credits: each acceptance adds one, each send consumes one (an atomic
`UPDATE … SET credits = credits − 1 WHERE credits > 0`, so concurrent sends never spend a credit twice).
A reject or ban, and WeChat's 43101 on a send, revoke the grant. Only template ids the company configured for a
message kind count: anything else a client reports is ignored (a forged result cannot plant rows)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error

from .errors import MessagingErrorCode as Code
from .models import MessageKind, MessageTemplate, SubscriptionGrant

G = SubscriptionGrant
WX_REFUSED = 43101  # subscribeMessage.send: the user refused or unsubscribed
MAX_RESULTS = 3  # wx.requestSubscribeMessage asks for at most three templates at once
MAX_CREDITS = 30  # a one-time grant never holds more (an endlessly tapping client gains nothing)
RESULTS = ("accept", "reject", "ban", "filter")
SCENES: dict[str, tuple[str, ...]] = {
    "PAYMENT": (MessageKind.PAYMENT_RECEIPT, MessageKind.PAYMENT_DUE),
    "TICKET": (MessageKind.TICKET_UPDATE,),
    "BILL": (MessageKind.BILL_PUBLISHED, MessageKind.PAYMENT_DUE),
}


def configured_template_ids() -> dict[str, str]:
    """WeChat template id → message kind, for the company's active templates that have one."""
    rows = MessageTemplate.objects.filter(is_active=True).exclude(wechat_template_id="")
    return {tid: kind for kind, tid in rows.values_list("kind", "wechat_template_id")}


def subscription_templates(scene: str) -> list[str]:
    """The template ids the mini-program asks the resident to accept at `scene` (at most three)."""
    kinds = SCENES.get(scene)
    if kinds is None:
        raise field_error("scene", _("未知的订阅场景。"), Code.INVALID)
    by_kind = {kind: tid for tid, kind in configured_template_ids().items()}
    out = [by_kind[k] for k in kinds if k in by_kind]
    return list(dict.fromkeys(out))[:MAX_RESULTS]


def _clean(results) -> list[tuple[str, str]]:
    if not isinstance(results, list | tuple) or not results:
        raise field_error("results", _("请提供订阅结果。"), Code.REQUIRED)
    if len(results) > MAX_RESULTS:
        raise field_error("results", _("一次最多提交 %(n)s 个订阅结果。") % {"n": MAX_RESULTS}, Code.INVALID)
    out: dict[str, str] = {}
    for item in results:
        template_id = str(item.get("template_id") or "").strip()
        result = str(item.get("result") or "").strip()
        if not template_id or len(template_id) > 64:
            raise field_error("results", _("模板ID无效。"), Code.INVALID)
        if result not in RESULTS:
            raise field_error("results", _("订阅结果无效。"), Code.INVALID)
        out[template_id] = result
    return list(out.items())


@transaction.atomic
def record_subscription_results(*, resident, results, ip: str | None = None) -> int:
    """Record what `wx.requestSubscribeMessage` answered (`results`: [{template_id, result}], result accept |
    reject | ban | filter). Returns how many grants were added (accepted templates the company uses)."""
    from .settings_services import SUBSCRIBE_LIMIT, throttle_resident

    cleaned = _clean(results)
    throttle_resident(SUBSCRIBE_LIMIT, resident)  # after the input checks: a malformed call is not counted
    configured = configured_template_ids()
    granted = 0
    recorded = {}
    for template_id, result in cleaned:
        if template_id not in configured or result == "filter":
            continue  # not ours, or WeChat filtered it (nothing was shown to the resident)
        grant, _created = G.objects.select_for_update().get_or_create(resident=resident, template_id=template_id)
        if result == "accept":
            grant.credits = min(grant.credits + 1, MAX_CREDITS)
            grant.status = G.Status.ACTIVE
            granted += 1
        else:
            grant.credits = 0
            grant.status = G.Status.REVOKED
        grant.last_result = result
        grant.save(update_fields=["credits", "status", "last_result", "updated_at"])
        recorded[configured[template_id]] = result
    if recorded:
        audit_record(actor=resident, action="messaging.subscription", target=resident, ip=ip, results=recorded)
    return granted


def consume_credit(*, resident_id: int, template_id: str) -> str | None:
    """Spend one credit of an active grant (one UPDATE: safe against a concurrent send); the grant's kind, or None
    when there is nothing to spend. Long-term grants are not counted down."""
    spent = G.objects.filter(resident_id=resident_id, template_id=template_id, status=G.Status.ACTIVE,
                             kind=G.Kind.ONE_TIME, credits__gt=0).update(credits=F("credits") - 1)
    if spent:
        return G.Kind.ONE_TIME
    if G.objects.filter(resident_id=resident_id, template_id=template_id, status=G.Status.ACTIVE,
                        kind=G.Kind.LONG_TERM).exists():
        return G.Kind.LONG_TERM
    return None


def restore_credit(*, resident_id: int, template_id: str, grant_kind: str) -> None:
    """Give back a credit WeChat did not use (busy, bad data …); a grant revoked meanwhile stays revoked."""
    if grant_kind == G.Kind.ONE_TIME:
        G.objects.filter(resident_id=resident_id, template_id=template_id, status=G.Status.ACTIVE).update(
            credits=F("credits") + 1)


def revoke(*, resident_id: int, template_id: str, result: str) -> None:
    G.objects.filter(resident_id=resident_id, template_id=template_id).update(
        status=G.Status.REVOKED, credits=0, last_result=result[:16])


def grants_of(resident) -> QuerySet[SubscriptionGrant]:
    return G.objects.filter(resident=resident).order_by("template_id")


def has_active_grant(*, resident_id: int, template_id: str) -> bool:
    from django.db.models import Q

    return G.objects.filter(Q(kind=G.Kind.LONG_TERM) | Q(credits__gt=0), resident_id=resident_id,
                            template_id=template_id, status=G.Status.ACTIVE).exists()

"""The fake WeChat's state and the helpers tests and the demo seed call directly (no HTTP):

- `sandbox_register_app(appid, secret)`: a mini-program /cgi-bin/token will answer for;
- `sandbox_subscribe(appid, openid, template_ids, result="accept", kind="one_time")`: what
  `wx.requestSubscribeMessage` records when the user answers on the phone;
- `sandbox_sent(appid=None, openid=None)`: the messages WeChat accepted (oldest first);
- `sandbox_template_ids(appid)`: title → template id of the AppID's library.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from .library import templates_of
from .models import SandboxWxApp, SandboxWxMessage, SandboxWxSubscription

APPID = re.compile(r"^wx[0-9a-f]{16}$")
# Sandbox login openids ("sbx-" + 40 hex, apps/residents/providers/sandbox.py) or WeChat-shaped ones (28 chars).
OPENID = re.compile(r"^(sbx-[0-9a-f]{40}|o[A-Za-z0-9_-]{27})$")
RESULTS = ("accept", "reject", "ban")


def secret_hash(appid: str, secret: str) -> str:
    return hmac.new(f"wxapi-sandbox|{appid}".encode(), secret.encode(), hashlib.sha256).hexdigest()


def sandbox_register_app(appid: str, secret: str) -> SandboxWxApp:
    """Make `appid` known with `secret` (replacing an earlier secret). Idempotent."""
    if not APPID.match(appid):
        raise ValueError("appid: wx + 16 hex digits")
    if not secret:
        raise ValueError("secret: required")
    app, _created = SandboxWxApp.objects.update_or_create(appid=appid,
                                                          defaults={"secret_hash": secret_hash(appid, secret)})
    return app


def secret_ok(appid: str, secret: str) -> bool | None:
    """None: unknown appid; else whether the secret is the registered one."""
    app = SandboxWxApp.objects.filter(appid=appid).first()
    if app is None:
        return None
    return hmac.compare_digest(app.secret_hash, secret_hash(appid, secret))


def sandbox_template_ids(appid: str) -> dict[str, str]:
    return {t.title: tid for tid, t in templates_of(appid).items()}


def sandbox_subscribe(appid: str, openid: str, template_ids: Iterable[str], result: str = "accept",
                      kind: str = "one_time") -> dict[str, str]:
    """Record the user's answer for each template (the caller checked they are the AppID's). Returns
    {template id: what wx.requestSubscribeMessage reports}: a banned template stays "ban" (no popup is shown
    until the user switches it back on in the mini-program's settings)."""
    if result not in RESULTS:
        raise ValueError(f"result: one of {', '.join(RESULTS)}")
    if kind not in SandboxWxSubscription.Kind.values:
        raise ValueError("kind: one_time or long_term")
    answers: dict[str, str] = {}
    status = SandboxWxSubscription.Status
    with transaction.atomic():
        for tid in template_ids:
            row = (SandboxWxSubscription.objects.select_for_update()
                   .filter(appid=appid, openid=openid, template_id=tid).first())
            if row is None:
                row = SandboxWxSubscription(appid=appid, openid=openid, template_id=tid, kind=kind, status=result)
            elif row.status == status.BAN and result != "ban":
                answers[tid] = "ban"
                continue
            if result == "accept":
                row.status, row.kind = status.ACCEPT, kind
                row.credits = row.credits + 1 if kind == "one_time" else 0
            elif result == "ban":
                row.status, row.credits = status.BAN, 0
            elif row.kind == "long_term" or row.credits == 0:  # reject: no new credit; unsubscribes long-term
                row.status = status.REJECT
            row.save()
            answers[tid] = result
    return answers


def sandbox_unban(appid: str, openid: str) -> int:
    """The user switched the AppID's messages back on in settings (banned → rejected: the popup shows again)."""
    return SandboxWxSubscription.objects.filter(appid=appid, openid=openid, status="ban").update(status="reject")


def grant_take(appid: str, openid: str, tid: str) -> bool:
    """Use the user's grant for one message: a one-time credit is consumed; long-term is unlimited."""
    row = SandboxWxSubscription.objects.filter(appid=appid, openid=openid, template_id=tid, status="accept").first()
    if row is None:
        return False
    if row.kind == "long_term":
        return True
    return bool(SandboxWxSubscription.objects.filter(pk=row.pk, status="accept", credits__gt=0)
                .update(credits=F("credits") - 1))


def openid_known_elsewhere(appid: str, openid: str) -> bool:
    """An openid the sandbox met only under other AppIDs: not a user of this one (openids are per AppID)."""
    mine = SandboxWxSubscription.objects.filter(appid=appid, openid=openid).exists()
    return not mine and SandboxWxSubscription.objects.filter(openid=openid).exclude(appid=appid).exists()


def sandbox_sent(appid: str | None = None, openid: str | None = None, *,
                 include_errors: bool = False) -> list[SandboxWxMessage]:
    """The messages the fake WeChat delivered (errcode 0; with `include_errors` every answered send), oldest first."""
    rows = SandboxWxMessage.objects.order_by("id")
    if not include_errors:
        rows = rows.filter(errcode=0)
    if appid:
        rows = rows.filter(appid=appid)
    if openid:
        rows = rows.filter(openid=openid)
    return list(rows)


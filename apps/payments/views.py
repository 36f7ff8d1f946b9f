"""Payment notifies from WeChat Pay and Alipay, on the company's own domain.

A notify is verified and decrypted by the company's provider (signature,
timestamp window, known serial only, no outbound fetch, the merchant and app
ids present), matched against our order (merchant, app, amount) and settled in
one transaction with row locks. Duplicates answer success again; anything that
cannot be proven to come from the gateway about this company's order changes
nothing and gets a failure answer.

Nothing here lets a stranger fill the database: a body over the providers'
size is refused from its Content-Length before it is read, and refusals made
before the signature is verified are counted, not written one row each
(apps/payments/notify_log.py). Verified notifies keep a row each."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from heat_platform.kernel.actors import client_ip
from heat_platform.observability.metrics import NOTIFY_REJECTS, reason_label

from . import providers as p
from .merchants import notify_provider
from .notify_log import Received, notify_junk
from .services import REJECTED, payment_settle, refund_settle

logger = logging.getLogger(__name__)


def _reply(reply: p.NotifyReply, *, status: int | None = None) -> HttpResponse:
    return HttpResponse(reply.body, status=status or reply.status, content_type=reply.content_type)


def _rejected(channel: str, stage: str, reason: str) -> None:
    """Count a refused notify (Prometheus): stage 'unverified' or 'settlement'."""
    NOTIFY_REJECTS.labels(channel, stage, reason_label(reason)).inc()


def _content_length(request: HttpRequest) -> int | None:
    """The declared body size, or None when it is not a plain non-negative number."""
    value = request.META.get("CONTENT_LENGTH") or "0"
    return int(value) if value.isascii() and value.isdigit() else None


class NotifyView(View):
    """POST only; no session, CSRF token or authentication: the signature is the proof."""

    channel = ""
    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs):
        return csrf_exempt(super().as_view(**initkwargs))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        ip = client_ip(request)
        size = _content_length(request)
        if size is None or size > p.MAX_NOTIFY_BYTES:
            # Refused unread: Django reads the body only when asked, and never past Content-Length.
            notify_junk(channel=self.channel, reason="body too large", ip=ip)
            _rejected(self.channel, "unverified", "body too large")
            return _reply(p.notify_failure(self.channel, "body too large"), status=413)
        body = request.read(p.MAX_NOTIFY_BYTES + 1)
        provider = notify_provider(self.channel)
        if provider is None:
            notify_junk(channel=self.channel, reason="no merchant account", ip=ip)
            _rejected(self.channel, "unverified", "no merchant account")
            return HttpResponse(status=404)
        try:
            event = provider.parse_notify(request.headers, body)
        except p.NotifyRejected as exc:
            notify_junk(channel=self.channel, reason=exc.reason, ip=ip)
            _rejected(self.channel, "unverified", exc.reason)
            return _reply(provider.notify_failure(exc.reason))
        received = Received(channel=self.channel, kind=event.kind, notify_id=event.notify_id, ip=ip)
        if event.kind == "payment" and event.trade is not None:
            # Logged inside the settling transaction: one commit per notify.
            outcome = payment_settle(trade=event.trade, channel=self.channel, source="notify", received=received)
            out_trade_no = event.trade.out_trade_no
        elif event.kind == "refund" and event.refund is not None:
            outcome = refund_settle(state=event.refund, channel=self.channel, source="notify")
            out_trade_no = event.refund.out_trade_no or event.refund.out_refund_no
            received.record(result=outcome.result, reason=outcome.reason, out_trade_no=out_trade_no)
        else:
            received.record(result="ignored", reason="", out_trade_no="")
            return _reply(provider.notify_success())
        if outcome.result == REJECTED:
            _rejected(self.channel, "settlement", outcome.reason)
            logger.warning("%s %s notify rejected for %s: %s", self.channel, event.kind, out_trade_no, outcome.reason)
            return _reply(provider.notify_failure(outcome.reason))
        return _reply(provider.notify_success())

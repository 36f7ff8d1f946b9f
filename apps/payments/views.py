"""Payment notifies from WeChat Pay and Alipay, on the company's own domain.

A notify is verified and decrypted by the company's provider (signature,
timestamp window, known serial only, no outbound fetch), matched against our
order (merchant, app, amount) and settled in one transaction with row locks.
Duplicates answer success again; anything that cannot be proven to come from
the gateway about this company's order changes nothing, is logged with its
reason, and gets a failure answer."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from rest_framework.views import APIView

from heat_platform.kernel.actors import client_ip

from . import providers as p
from .merchants import channel_account, provider_for
from .models import PaymentNotify
from .services import REJECTED, payment_settle, refund_settle

logger = logging.getLogger(__name__)


def _reply(reply: p.NotifyReply) -> HttpResponse:
    return HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)


def _log(*, channel: str, kind: str, outcome: str, reason: str = "", notify_id: str = "", out_trade_no: str = "",
         ip: str | None = None) -> None:
    PaymentNotify.objects.create(channel=channel, kind=kind, outcome=outcome, reason=reason[:255],
                                 notify_id=notify_id[:64], out_trade_no=out_trade_no[:64],
                                 remote_ip=ip if ip and ip != "unknown" else None)


class NotifyView(APIView):
    channel = ""
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request, *args, **kwargs):
        ip = client_ip(request)
        account = channel_account(self.channel)
        if account is None:
            logger.warning("%s notify rejected: no merchant account configured", self.channel)
            _log(channel=self.channel, kind="unknown", outcome=REJECTED, reason="no merchant account", ip=ip)
            return HttpResponse(status=404)
        provider = provider_for(account)
        try:
            event = provider.parse_notify(request.headers, request.body)
        except p.NotifyRejected as exc:
            logger.warning("%s notify rejected: %s", self.channel, exc.reason)
            _log(channel=self.channel, kind="unknown", outcome=REJECTED, reason=exc.reason, ip=ip)
            return _reply(provider.notify_failure(exc.reason))
        if event.kind == "payment" and event.trade is not None:
            outcome = payment_settle(trade=event.trade, channel=self.channel, source="notify")
            out_trade_no = event.trade.out_trade_no
        elif event.kind == "refund" and event.refund is not None:
            outcome = refund_settle(state=event.refund, channel=self.channel, source="notify")
            out_trade_no = event.refund.out_trade_no or event.refund.out_refund_no
        else:
            _log(channel=self.channel, kind=event.kind, outcome="ignored", notify_id=event.notify_id, ip=ip)
            return _reply(provider.notify_success())
        _log(channel=self.channel, kind=event.kind, outcome=outcome.result, reason=outcome.reason,
             notify_id=event.notify_id, out_trade_no=out_trade_no, ip=ip)
        if outcome.result == REJECTED:
            logger.warning("%s %s notify rejected for %s: %s", self.channel, event.kind, out_trade_no, outcome.reason)
            return _reply(provider.notify_failure(outcome.reason))
        return _reply(provider.notify_success())

"""/sandbox/bills/: a page to make the sandbox gateways' bills disagree with HeatCloud, one difference at a time
(the knobs of bills.py behind forms, for `make run` demos; the JSON endpoints do the same for tests)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from heat_platform.money import fen_to_yuan_str

from . import bills
from .bills import CN_TZ, KnobError
from .models import SandboxMerchant, SandboxRefund, SandboxTrade

KIND_LABELS = {
    "omit": gettext_lazy("账单漏记此行"),
    "amount_delta": gettext_lazy("账单金额偏差（分）"),
    "fee_delta": gettext_lazy("手续费偏差（分）"),
    "book_next_day": gettext_lazy("记入次日账单"),
    "success_time": gettext_lazy("改成功时间（如 2026-12-01T23:59:59+08:00）"),
    "status": gettext_lazy("账单显示的状态（微信：交易 REVOKED，退款 PROCESSING / ABNORMAL / CLOSED）"),
    "revoke": gettext_lazy("渠道撤销（改为未支付）"),
    "clear": gettext_lazy("恢复如实记账"),
}
LIMIT = 100


def _value(kind: str, text: str) -> object:
    text = text.strip()
    if kind in ("amount_delta", "fee_delta"):
        try:
            return int(text)
        except ValueError:
            raise KnobError(400, "PARAM_ERROR", _("请填写整数（分）")) from None
    if kind in ("omit", "book_next_day"):
        return text not in ("0", "false", "否")
    return text or None


@require_http_methods(["GET", "POST"])
def bills_page(request: HttpRequest) -> HttpResponse:
    message, status = "", 200
    if request.method == "POST":
        form = request.POST
        try:
            action = form.get("action")
            if action == "tweak":
                kind = form.get("kind", "")
                bills.tweak(form.get("channel", ""), kind=kind, out_trade_no=form.get("out_trade_no", ""),
                            out_refund_no=form.get("out_refund_no", ""), merchant_id=form.get("merchant_id", ""),
                            value=_value(kind, form.get("value", "")))
            elif action == "foreign":
                moment = bills.parse_moment(form["success_time"]) if form.get("success_time") else None
                bills.foreign_trade(form.get("channel", ""), merchant_id=form.get("merchant_id", "").strip(),
                                    amount_fen=_value("amount_delta", form.get("amount_fen", "")),
                                    sub_merchant_id=form.get("sub_mchid", "").strip(), success_time=moment)
            elif action == "merchant":
                bills.merchant_bills(form.get("channel", ""), form.get("merchant_id", "").strip(),
                                     fee_rate=form.get("fee_rate", "").strip() or None)
            else:
                raise KnobError(400, "PARAM_ERROR", _("未知操作"))
            message = _("已生效")
        except KnobError as exc:
            message, status = exc.message, exc.status
    trades = SandboxTrade.objects.order_by("-pk")[:LIMIT]
    refunds = SandboxRefund.objects.select_related("trade").order_by("-pk")[:LIMIT]
    context = {
        "message": message, "kinds": KIND_LABELS.items(),
        "trades": [{"row": t, "amount": fen_to_yuan_str(t.amount_fen),
                    "when": t.success_time.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M:%S") if t.success_time else ""}
                   for t in trades],
        "refunds": [{"row": r, "amount": fen_to_yuan_str(r.amount_fen),
                     "when": r.success_time.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M:%S") if r.success_time else ""}
                    for r in refunds],
        "merchants": SandboxMerchant.objects.order_by("channel", "merchant_id"),
    }
    return render(request, "payments_sandbox/bills.html", context, status=status)


urlpatterns = [path("", bills_page, name="sandbox-bills")]

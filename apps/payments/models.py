"""Orders, the bills they pay, refunds, counter shifts and the notify log.

Status fields move only by compare-and-set (`filter(pk=…, status=OLD).update(…)`
or under `select_for_update`), and every transition writes an AuditLog row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")
    COUNTER = "counter", _("柜台")


class CounterMethod(models.TextChoices):
    CASH = "cash", _("现金")
    POS = "pos", _("刷卡")
    TRANSFER = "transfer", _("转账")


class CollectionChannel(models.TextChoices):
    """Where money came in, as finance reports it: the online channel, or the
    counter's method (an order's `channel`, or its `counter_method` at the counter)."""

    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")
    CASH = "cash", _("现金")
    POS = "pos", _("刷卡")
    TRANSFER = "transfer", _("转账")


class CounterShift(models.Model):
    """A collector's working session at the counter (日结): the money taken
    (counter payments) and handed back (counter refunds, `Refund.shift`) by
    one person. Closing it freezes its totals; a closed shift is read-only."""

    class Status(models.TextChoices):
        OPEN = "open", _("当班中")
        CLOSED = "closed", _("已日结")

    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shifts")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("开班时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("日结时间"), null=True, blank=True)
    # Frozen at close: {"by_method": {"cash": fen, …}, "count": n, "total_fen": fen}
    totals = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["collector"], condition=Q(status="open"),
                                    name="one_open_shift_per_collector"),
        ]
        verbose_name = _("收费班次")
        verbose_name_plural = _("收费班次")

    def __str__(self) -> str:
        return f"shift#{self.pk} {self.collector_id} {self.status}"


class PaymentOrder(models.Model):
    """One attempt to pay one or more bills: online (WeChat Pay / Alipay) or a
    counter payment (paid on creation). The amount is always computed by us."""

    class Status(models.TextChoices):
        CREATED = "created", _("待支付")
        PAID = "paid", _("已支付")
        CLOSED = "closed", _("已关闭")
        FAILED = "failed", _("支付失败")

    class CloseReason(models.TextChoices):
        EXPIRED = "expired", _("超时未支付")
        SUPERSEDED = "superseded", _("已被新订单取代")
        CANCELLED = "cancelled", _("已取消")

    class RefundStatus(models.TextChoices):
        NONE = "none", _("无退款")
        PARTIAL = "partial", _("部分退款")
        FULL = "full", _("全额退款")

    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.CREATED,
                              db_index=True)
    amount_fen = models.BigIntegerField(_("金额(分)"))
    description = models.CharField(max_length=127)
    resident = models.ForeignKey("residents.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="payment_orders")

    # The merchant the order was placed with; a notify must name exactly these.
    merchant_mode = models.CharField(max_length=8, blank=True)
    merchant_id = models.CharField(max_length=32, blank=True)  # mchid / sp_mchid / alipay app_id
    app_id = models.CharField(max_length=32, blank=True)  # appid / sp_appid
    sub_merchant_id = models.CharField(max_length=32, blank=True)  # sub_mchid (partner mode)
    sub_app_id = models.CharField(max_length=32, blank=True)
    payer_id = models.CharField(max_length=64, blank=True)  # openid / sub_openid / alipay buyer id

    prepay_id = models.CharField(max_length=64, blank=True)  # WeChat prepay_id / Alipay trade_no
    transaction_id = models.CharField(_("支付平台交易号"), max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=12, choices=CloseReason.choices, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when the provider confirms it closed the order (or it never reached the provider).
    provider_closed = models.BooleanField(default=False)

    # Money received that no bill could take (paid after close, a bill already paid): refund it.
    needs_refund_fen = models.BigIntegerField(_("待退款(分)"), default=0)
    flag_reason = models.CharField(max_length=255, blank=True)
    refunded_fen = models.BigIntegerField(_("已退款(分)"), default=0)
    refund_status = models.CharField(max_length=8, choices=RefundStatus.choices, default=RefundStatus.NONE)

    # Counter payments.
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="counter_orders")
    shift = models.ForeignKey(CounterShift, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    counter_method = models.CharField(max_length=8, choices=CounterMethod.choices, blank=True)
    receipt_no = models.CharField(_("收据号"), max_length=32, blank=True)
    # The console's key for one submission: the same key again returns this order, so a double click or a
    # retry after a lost answer never records the money twice.
    request_no = models.CharField(max_length=32, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="payorder_status_created"),
                   # The staff order list's sort (newest first), read a page at a time.
                   models.Index(fields=["-created_at", "-id"], name="payorder_created_id"),
                   # Money collected per day (dashboard, reports): paid orders by payment time.
                   models.Index(fields=["paid_at"], condition=Q(status="paid"), name="payorder_paid_at")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payorder_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=models.F("amount_fen")),
                                   name="payorder_refund_within_amount"),
            models.UniqueConstraint(fields=["receipt_no"], condition=~Q(receipt_no=""), name="unique_receipt_no"),
            models.UniqueConstraint(fields=["request_no"], condition=~Q(request_no=""), name="unique_request_no"),
        ]
        verbose_name = _("支付订单")
        verbose_name_plural = _("支付订单")

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.channel} {self.status}"


class OrderBill(models.Model):
    """The part of an order meant for one bill, quoted when the order was made.

    Settling applies the quote only while the bill is still as quoted
    (`quoted_paid_fen`, `quoted_principal_fen`); otherwise the bill takes what it
    still owes and the rest of the order is flagged for refund."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="items")
    bill = models.ForeignKey("billing.Bill", on_delete=models.PROTECT, related_name="order_items")
    amount_fen = models.BigIntegerField()  # what this order pays for the bill
    outstanding_fen = models.BigIntegerField()  # principal part
    discount_fen = models.BigIntegerField(default=0)
    late_fee_fen = models.BigIntegerField(default=0)
    quoted_paid_fen = models.BigIntegerField()
    quoted_principal_fen = models.BigIntegerField()
    applied_fen = models.BigIntegerField(default=0)  # added to the bill's paid_fen at settlement
    # Settled at the quoted price: its discount / late fee became lines of the bill (refunds reverse them).
    priced_as_quoted = models.BooleanField(default=False)
    refunded_fen = models.BigIntegerField(default=0)  # taken back from the bill by refunds

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "bill"], name="one_item_per_bill_per_order")]

    def __str__(self) -> str:
        return f"{self.order_id}→bill#{self.bill_id} {self.amount_fen}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", _("退款中")
        SUCCESS = "success", _("已退款")
        CLOSED = "closed", _("退款关闭")
        ABNORMAL = "abnormal", _("退款异常")

    # Not final: an ABNORMAL refund (the bank refused the credit) is settled by hand at the
    # provider and may still end SUCCESS; both hold their amount against the order.
    PENDING = ("processing", "abnormal")

    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="refunds")
    # The same number is the same refund at the provider: retries never refund twice.
    out_refund_no = models.CharField(max_length=64, unique=True)
    amount_fen = models.BigIntegerField(_("退款金额(分)"))
    reason = models.CharField(_("退款原因"), max_length=80)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROCESSING, db_index=True)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    # A counter refund is cash handed back: it belongs to the refunding person's open shift (日结).
    shift = models.ForeignKey(CounterShift, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    # Bills touched when the refund succeeded: [{"bill_id", "amount_fen"}].
    bill_effects = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive")]
        verbose_name = _("退款")
        verbose_name_plural = _("退款")

    def __str__(self) -> str:
        return f"{self.out_refund_no} {self.amount_fen} {self.status}"


class PaymentNotify(models.Model):
    """Every notify we received and what we did with it (rejections with the reason)."""

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("已入账")
        DUPLICATE = "duplicate", _("重复通知")
        IGNORED = "ignored", _("无需处理")
        REJECTED = "rejected", _("已拒绝")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=8, default="payment")  # payment | refund
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=255, blank=True)
    notify_id = models.CharField(max_length=64, blank=True)
    out_trade_no = models.CharField(max_length=64, blank=True)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.outcome} {self.out_trade_no}"

"""State of the fake gateways (public schema: the gateway is one service for every company)."""

from __future__ import annotations

from django.db import models

from heat_platform.crypto import EncryptedTextField


class SandboxKey(models.Model):
    """The gateway's own signing key: WeChat Pay's platform key (with its
    `PUB_KEY_ID_…` and a self-signed platform certificate for legacy
    certificate mode) or Alipay's key. Created on first use."""

    channel = models.CharField(max_length=8, unique=True)
    key_id = models.CharField(max_length=64)  # WeChat: PUB_KEY_ID_…; Alipay: unused
    private_key = EncryptedTextField()
    public_key = models.TextField()
    certificate_pem = models.TextField(blank=True)  # WeChat legacy platform certificate
    certificate_serial = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"sandbox key {self.channel}"


class SandboxMerchant(models.Model):
    """A merchant the gateway knows: it verifies the merchant's requests with
    `public_key` and (WeChat) encrypts notifies with `apiv3_key`, as the real
    merchant platform does with what the merchant uploaded/set there."""

    channel = models.CharField(max_length=8)
    merchant_id = models.CharField(max_length=32)  # mchid / sp_mchid / Alipay app_id
    serial_no = models.CharField(max_length=64, blank=True)  # merchant certificate serial (WeChat)
    public_key = models.TextField()
    apiv3_key = EncryptedTextField(blank=True)
    seller_id = models.CharField(max_length=32, blank=True)  # Alipay PID
    # WeChat: how responses/notifies are signed for this merchant: "public_key" (PUB_KEY_ID_…)
    # or "certificate" (legacy platform certificate serial).
    signing = models.CharField(max_length=12, default="public_key")
    extra = models.JSONField(default=dict, blank=True)  # anything else a fake gateway needs to remember
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "merchant_id"], name="sandbox_one_merchant")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.merchant_id}"


class SandboxTrade(models.Model):
    channel = models.CharField(max_length=8)
    merchant_id = models.CharField(max_length=32)
    app_id = models.CharField(max_length=32, blank=True)
    sub_merchant_id = models.CharField(max_length=32, blank=True)
    sub_app_id = models.CharField(max_length=32, blank=True)
    out_trade_no = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    description = models.CharField(max_length=255, blank=True)
    payer_id = models.CharField(max_length=64, blank=True)
    notify_url = models.CharField(max_length=255)
    attach = models.CharField(max_length=128, blank=True)
    # The provider's own words: WeChat NOTPAY/SUCCESS/CLOSED/PAYERROR/REFUND;
    # Alipay WAIT_BUYER_PAY/TRADE_SUCCESS/TRADE_CLOSED.
    state = models.CharField(max_length=16)
    prepay_id = models.CharField(max_length=64, unique=True)  # WeChat prepay_id / Alipay trade_no
    transaction_id = models.CharField(max_length=64, blank=True)
    time_expire = models.DateTimeField(null=True, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # How this trade's row is misreported in the bills (apps/payments/sandbox/bills.py): omit, amount_delta,
    # fee_delta, book_next_day. Empty: the bill says what the gateway processed.
    bill_tweaks = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "merchant_id", "out_trade_no"],
                                               name="sandbox_one_trade")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.out_trade_no} {self.state}"


class SandboxRefund(models.Model):
    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16)  # PROCESSING / SUCCESS / CLOSED / ABNORMAL
    refund_id = models.CharField(max_length=64)
    notify_url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    success_time = models.DateTimeField(null=True, blank=True)
    bill_tweaks = models.JSONField(default=dict, blank=True)  # as SandboxTrade.bill_tweaks

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trade", "out_refund_no"], name="sandbox_one_refund")]

    def __str__(self) -> str:
        return f"{self.out_refund_no} {self.status}"


class SandboxBillFile(models.Model):
    """A bill rendered for one download URL: served once (WeChat) or until it expires (Alipay), then refused,
    as the real gateways refuse a download_url after 30 seconds. The token itself is never stored."""

    channel = models.CharField(max_length=8)
    merchant_id = models.CharField(max_length=32)  # WeChat: the mchid that asked (only it may download)
    token_hash = models.CharField(max_length=64, unique=True)
    content = models.BinaryField()
    content_type = models.CharField(max_length=64)
    filename = models.CharField(max_length=128)
    one_time = models.BooleanField(default=True)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel}:{self.merchant_id} {self.filename}"

"""State of the sandbox Nuonuo cloud (public schema: one service for every company)."""

from __future__ import annotations

from django.db import models

from heat_platform.crypto import EncryptedTextField


class NuonuoApp(models.Model):
    """A company's authorization of our app: appKey/appSecret and the accessToken issued for its tax number,
    the state of its tax-bureau session, its credit line (授信额度) and the test knobs set for it."""

    app_key = models.CharField(max_length=64, unique=True)
    app_secret = EncryptedTextField()
    access_token = EncryptedTextField()
    user_tax = models.CharField(max_length=20, unique=True)
    seller_name = models.CharField(max_length=100, blank=True)
    session_state = models.CharField(max_length=16, default="ok")  # ok | login_required | face_required
    face_qr_token = models.CharField(max_length=64, blank=True)  # a QR was handed out for this drop
    credit_total_fen = models.BigIntegerField(default=100_000_000)
    credit_used_fen = models.BigIntegerField(default=0)  # issued totals (red ones give back)
    # queries_per_step, seconds_per_step, fail_next {status, cause}, timeout_next {method}
    knobs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"nuonuo app {self.user_tax}"


class NuonuoOrder(models.Model):
    """A blue or red invoice order as Nuonuo keeps it: its 流水号 (fpqqlsh), status 20/21/2/22/24, the request."""

    app = models.ForeignKey(NuonuoApp, on_delete=models.CASCADE, related_name="orders")
    order_no = models.CharField(max_length=32)
    serial_no = models.CharField(max_length=32, unique=True)
    invoice_type = models.CharField(max_length=1, default="1")  # 1 blue, 2 red
    status = models.CharField(max_length=2, default="20")
    order = models.JSONField()  # the request's `order` (for a red one: built from the blue one and the form)
    total_fen = models.BigIntegerField()
    excl_fen = models.BigIntegerField()
    tax_fen = models.BigIntegerField()
    invoice_number = models.CharField(max_length=20, blank=True)
    invoice_time = models.DateTimeField(null=True, blank=True)
    fail_cause = models.CharField(max_length=255, blank=True)
    planned_failure = models.JSONField(default=dict, blank=True)  # {status: "22"|"24", cause}: from fail_next
    queries = models.PositiveIntegerField(default=0)  # queries since the last state change
    changed_at = models.DateTimeField()
    callback_url = models.CharField(max_length=255, blank=True)
    file_token = models.CharField(max_length=64, unique=True)
    blue = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="reds")
    # Same serial resubmitted or re-issued: Nuonuo allows 20 a day (E9613).
    attempts_day = models.DateField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "order_no"], name="nuonuo_one_order_no")]

    def __str__(self) -> str:
        return f"{self.order_no} {self.status}"


class NuonuoRedConfirm(models.Model):
    """A red-letter confirmation (红字确认单): bureau billStatus, the red order it produced once confirmed."""

    app = models.ForeignKey(NuonuoApp, on_delete=models.CASCADE, related_name="red_confirms")
    bill_id = models.CharField(max_length=32)
    bill_no = models.CharField(max_length=32, unique=True)  # 申请号 / 确认单编号
    blue = models.ForeignKey(NuonuoOrder, on_delete=models.CASCADE, related_name="red_confirms")
    red_order_no = models.CharField(max_length=32)
    red_order = models.OneToOneField(NuonuoOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    bill_status = models.CharField(max_length=2, default="15")
    reason = models.CharField(max_length=1)  # Nuonuo's redReason
    # [{"index", "num", "price", "excl_fen", "tax_fen"}] negative amounts, one per reversed blue line
    lines = models.JSONField(default=list)
    full = models.BooleanField(default=True)
    callback_url = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "bill_id"], name="nuonuo_one_bill_id")]

    def __str__(self) -> str:
        return f"red {self.bill_id} {self.bill_status}"


class NuonuoCounter(models.Model):
    """Number sequences: serial numbers per day, 数电 invoice numbers per year."""

    key = models.CharField(max_length=32, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"

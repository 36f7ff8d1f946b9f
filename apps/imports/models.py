"""Uploaded ledger files and the import jobs run on them (one company's schema)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileKind(models.TextChoices):
    XLSX = "xlsx", "Excel (.xlsx)"
    CSV = "csv", "CSV (.csv)"


def _upload_to(instance: ImportUpload, filename: str) -> str:
    # The client's file name never reaches the file system; it is kept in `original_name`.
    return f"imports/{instance.pk}.{instance.file_kind}"


class ImportUpload(models.Model):
    """A file uploaded through `POST /files/imports/`, imported (or dry-run) by
    one or more jobs. Stored with the default storage, i.e. under the company's
    own media folder."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=_upload_to, max_length=200)
    file_kind = models.CharField(max_length=8, choices=FileKind.choices)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.BigIntegerField()
    uploaded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("上传的台账文件")
        verbose_name_plural = _("上传的台账文件")

    def __str__(self) -> str:
        return self.original_name


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    upload = models.ForeignKey(ImportUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    dry_run = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True)  # {"create_missing": bool}
    file_path = models.CharField(max_length=200)  # name in the default storage
    file_kind = models.CharField(max_length=8, choices=FileKind.choices)
    file_name = models.CharField(max_length=255)  # as uploaded, for people
    total_rows = models.PositiveIntegerField(default=0)  # estimated while running, exact when finished
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    new_communities = models.PositiveIntegerField(default=0)
    new_buildings = models.PositiveIntegerField(default=0)
    new_units = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first MAX_STORED_ERRORS, ordered by row
    error_count = models.PositiveIntegerField(default=0)  # all of them
    requested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running the job and its last sign of life (heat_platform/kernel/jobs.py).
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def create_missing(self) -> bool:
        return bool(self.options.get("create_missing"))


class ExportJob(models.Model):
    """A large export (.xlsx) written in the background into the company's media
    folder and downloaded by the person who asked (GET /files/exports/<id>/),
    until it expires (EXPORT_TTL) and its file is deleted."""

    class Kind(models.TextChoices):
        HOUSES = "houses", _("房屋台账")
        BILLS = "bills", _("账单")
        PAYMENTS = "payments", _("收费记录")
        # Finance reports (apps/imports/report_exports.py)
        COLLECTIONS_BY_MONTH = "collections_by_month", _("收款月报")
        COLLECTION_BY_BUILDING = "collection_by_building", _("楼栋收缴率")
        COUNTER_BY_COLLECTOR = "counter_by_collector", _("收费员收款汇总")
        REFUND_REPORT = "refund_report", _("退款汇总")
        STATEMENT_DIFFERENCES = "statement_differences", _("对账差异")
        DAILY_CLOSES = "daily_closes", _("日结汇总")
        COLLECTIONS_BY_DAY = "collections_by_day", _("收款日报")
        COLLECTION_BY_COMMUNITY = "collection_by_community", _("小区收缴率")
        ARREARS_AGING = "arrears_aging", _("欠费账龄")
        STATEMENT_RUNS = "statement_runs", _("对账批次")
        INVOICES = "invoices", _("电子发票")  # the staff invoice list (apps/invoices)

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导出中")
        SUCCEEDED = "succeeded", _("可下载")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    filters = models.JSONField(default=dict, blank=True)  # the list's filter, as the selector takes it
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    masked = models.BooleanField(default=False)  # phone and ID numbers masked for the requester's role
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=200, blank=True)  # name in the default storage
    file_name = models.CharField(max_length=120, blank=True)  # offered to the browser
    size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The worker running the job and its last sign of life (heat_platform/kernel/jobs.py).
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"export {self.kind} ({self.status})"

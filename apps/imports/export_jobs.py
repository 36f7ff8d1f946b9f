"""Large exports as background jobs: the houses, bills or payments a list shows
(with its filter), written by a Celery worker to an .xlsx in the company's
media folder, downloaded by the person who asked until it expires.

Rows come from the owning domain's selector as plain tuples from a
server-side cursor; openpyxl's write-only mode keeps one row in memory. The
job's progress and heartbeat are stamped every PROGRESS_EVERY rows (the
export writes nothing else, so pollers see it at once). Phone and ID numbers
are masked as the requester's role sees them on screen; the export is audited
when it is asked for."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterator
from datetime import timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from apps.accounts.models import User
from apps.accounts.permissions import PII_FULL
from apps.audit.services import audit_record
from apps.billing.models import Bill
from apps.billing.selectors import bill_export_rows
from apps.invoices.access import staff_invoice_list
from apps.invoices.models import Invoice
from apps.payments.models import CollectionChannel, PaymentOrder
from apps.payments.selectors_reports import payment_export_rows
from apps.properties.selectors import house_list
from heat_platform.kernel.jobs import heartbeat, job_lease
from heat_platform.kernel.tasks import enqueue_on_commit

from .columns import HEADERS
from .exports import _export_row
from .models import ExportJob
from .report_exports import REPORT_SHEETS
from .selectors import EXPORT_FIELDS
from .sheets import Sheet, yuan
from .validation import FORMULA_TRIGGERS

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2000


EXPORT_TTL = timedelta(hours=24)  # then the file is deleted (it may hold personal data)




def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _house_rows(filters: dict, masked: bool) -> Iterator[list]:
    for values in house_list(**filters).values_list(*EXPORT_FIELDS).iterator(chunk_size=PROGRESS_EVERY):
        yield _export_row(values, masked=masked)


_BILL_STATUS = dict(Bill.Status.choices)


def _bill_rows(filters: dict, masked: bool) -> Iterator[list]:
    for (account_no, community, building, unit, room, owner, season, principal, paid, status,
         issued_at) in bill_export_rows(chunk_size=PROGRESS_EVERY, **filters):
        yield [account_no, community, building, unit or "", room, owner, season, yuan(principal), yuan(paid),
               yuan(max(0, principal - paid)) if status in ("issued", "partially_paid") else yuan(0),
               str(_BILL_STATUS.get(status, status)), _local(issued_at)]


_CHANNEL = dict(CollectionChannel.choices)
_ORDER_STATUS = dict(PaymentOrder.Status.choices)


def _payment_filters(filters: dict) -> dict:
    """Dates travel in the job row as ISO strings."""
    return {**filters, **{k: dt.date.fromisoformat(filters[k]) for k in ("date_from", "date_to") if filters.get(k)}}


def _payment_rows(filters: dict, masked: bool) -> Iterator[list]:
    for (out_trade_no, channel, status, amount, refunded, paid_at, receipt_no, collector,
         account_nos) in payment_export_rows(chunk_size=PROGRESS_EVERY, **_payment_filters(filters)):
        yield [out_trade_no, str(_CHANNEL.get(channel, channel or "")), str(_ORDER_STATUS.get(status, status)),
               yuan(amount), yuan(refunded), _local(paid_at), receipt_no, collector or "",
               "、".join(a for a in account_nos if a)]


def _payment_count(filters: dict) -> int:
    from apps.payments.selectors_reports import payment_list

    return payment_list(**_payment_filters(filters)).count()


def _bill_count(filters: dict) -> int:
    from apps.billing.selectors import bill_list

    return bill_list(**filters).count()


_INVOICE_KIND = dict(Invoice.Kind.choices)
_INVOICE_STATUS = dict(Invoice.Status.choices)
_INVOICE_FIELDS = ("invoice_number", "issued_at", "kind", "status", "buyer_name", "buyer_tax_no",
                   "order__out_trade_no", "excl_fen", "tax_fen", "total_fen", "fail_reason")


def _invoice_qs(filters: dict):
    """The staff list's own query (apps.invoices.access), so the file holds what the 电子发票 page shows."""
    return staff_invoice_list(**_payment_filters(filters)).prefetch_related(None)


def _invoice_rows(filters: dict, masked: bool) -> Iterator[list]:
    for (number, issued_at, kind, status, buyer, tax_no, out_trade_no, excl, tax, total,
         reason) in _invoice_qs(filters).values_list(*_INVOICE_FIELDS).iterator(chunk_size=PROGRESS_EVERY):
        yield [number, _local(issued_at), str(_INVOICE_KIND.get(kind, kind)), str(_INVOICE_STATUS.get(status, status)),
               buyer, tax_no, out_trade_no or "", yuan(excl), yuan(tax), yuan(total), reason]


SHEETS: dict[str, Sheet] = {
    ExportJob.Kind.HOUSES: Sheet("房屋台账", tuple(HEADERS), lambda f: house_list(**f).count(), _house_rows),
    ExportJob.Kind.BILLS: Sheet(
        "账单", ("户号", "小区", "楼号", "单元", "室号", "户主姓名", "采暖季", "应收(元)", "已缴(元)", "欠费(元)",
                "状态", "出账时间"), _bill_count, _bill_rows),
    ExportJob.Kind.PAYMENTS: Sheet(
        "收费记录", ("商户订单号", "渠道", "状态", "金额(元)", "已退款(元)", "支付时间", "收据号", "收费员", "户号"),
        _payment_count, _payment_rows),
    ExportJob.Kind.INVOICES: Sheet(
        "电子发票", ("发票号码", "开票日期", "类型", "状态", "购方", "税号", "订单号", "不含税(元)", "税额(元)",
                 "价税合计(元)", "失败原因"), lambda f: _invoice_qs(f).count(), _invoice_rows),
    **REPORT_SHEETS,  # finance reports (report_exports.py)
}


@transaction.atomic
def export_job_start(*, kind: str, filters: dict, actor: User, ip: str | None = None) -> ExportJob:
    """Queue an export of `kind` with the list's `filters` (as its selector takes
    them). The caller has checked that the actor may read that list."""
    masked = kind == ExportJob.Kind.HOUSES and actor.role not in PII_FULL
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job = ExportJob.objects.create(kind=kind, filters=filters, masked=masked, requested_by=actor,
                                   file_name=f"{SHEETS[kind].title}-{stamp}.xlsx")
    audit_record(actor=actor, action=f"{kind}.export", ip=ip, job=str(job.pk), filters=filters, masked=masked)
    from .tasks import run_export

    enqueue_on_commit(run_export, str(job.pk))
    return job


def export_job_run(*, job_id: str) -> ExportJob | None:
    """Run a queued export (the Celery task); None when there is nothing to run.
    A redelivered task takes over a job whose worker died (kernel/jobs.py)."""
    with job_lease(ExportJob, job_id, scope="imports.export", claimable=[ExportJob.Status.QUEUED],
                   running=ExportJob.Status.RUNNING, started_at=timezone.now()) as worker:
        if worker is None:
            return None
        job = ExportJob.objects.get(pk=job_id)
        try:
            _write(job, worker)
        except Exception:
            logger.exception("export job %s failed", job.pk)
            ExportJob.objects.filter(pk=job.pk, worker=worker).update(
                status=ExportJob.Status.FAILED, error=_("导出时发生内部错误，请稍后重试。"), finished_at=timezone.now())
            raise
        job.refresh_from_db()
        return job


def _cells(ws, row: list) -> list:
    """Text that Excel would run as a formula is written as a text cell."""
    out = []
    for value in row:
        if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
            cell = WriteOnlyCell(ws, value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


def _write(job: ExportJob, worker: str) -> None:
    sheet = SHEETS[job.kind]
    total = sheet.count(job.filters)
    heartbeat(ExportJob, job.pk, worker, total_rows=total, processed_rows=0)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.title)
    ws.append(list(sheet.headers))
    done = 0
    for row in sheet.rows(job.filters, job.masked):
        ws.append(_cells(ws, row))
        done += 1
        if done % PROGRESS_EVERY == 0:
            heartbeat(ExportJob, job.pk, worker, processed_rows=done, total_rows=max(total, done))
    with tempfile.TemporaryFile() as out:
        wb.save(out)
        size = out.tell()
        out.seek(0)
        name = default_storage.save(f"exports/{job.pk}.xlsx", File(out, name=f"{job.pk}.xlsx"))
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk, worker=worker).update(
        status=ExportJob.Status.SUCCEEDED, processed_rows=done, total_rows=done, file_path=name, size=size,
        finished_at=now, expires_at=now + EXPORT_TTL, heartbeat_at=now)


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their expiry (they hold personal data) and
    mark the jobs EXPIRED; the rows stay as a record of who exported what."""
    now = now or timezone.now()
    expired = list(ExportJob.objects.filter(status=ExportJob.Status.SUCCEEDED, expires_at__lt=now))
    for job in expired:
        if job.file_path:
            default_storage.delete(job.file_path)
    ExportJob.objects.filter(pk__in=[j.pk for j in expired]).update(status=ExportJob.Status.EXPIRED, file_path="")
    return len(expired)


def export_file(job: ExportJob) -> File:
    """The finished export's file, opened for reading (FileNotFoundError if it is gone)."""
    return default_storage.open(job.file_path, "rb")


"""Statement runs (对账批次): requested by finance or the daily beat, executed by
a Celery task.

`run_request` validates (the company's active merchant account, a bill date
the provider still serves, a day not closed), creates or reuses the run of
(account, kind, date) and queues `reconciliation.execute_run` after commit.

`run_execute` is the pipeline, one execution per run at a time (a session
advisory lock per run; a second delivery is told to retry):

1. fetch: the provider writes the bill into a temp file, outside any database
   transaction; the raw file goes to the company's storage → FETCHED. NO_STATEMENT
   is an empty bill (every local order of the day becomes a candidate for
   LOCAL_ONLY); NOT_READY (not generated yet) → FAILED with that code, which the
   beat retries later the same day.
2. parse + load: one transaction deletes the previous attempt's rows and
   streams the new ones into StatementEntry (COPY); the parser checks its totals
   against the file's summary after the last row, so a format error rolls the
   whole load back (nothing loaded) → FAILED with the format error's code.
   Otherwise → PARSED.
3. match (apps.reconciliation.matching): set-based SQL → MATCHED, then the
   automatic actions on new differences (queries, settle, revert), outside
   any transaction.

Every status change is a compare-and-set; the start and the end of an
execution write audit rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import tempfile
from typing import BinaryIO

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.payments.merchants import merchant_fields, provider_for
from apps.payments.providers import ProviderError
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import session_lock, xact_lock
from heat_platform.kernel.tasks import enqueue_on_commit
from tenants.models import MerchantAccount, ServiceProviderAccount
from tenants.selectors import current_company

from . import matching
from .errors import ReconciliationErrorCode as Code
from .formats import StatementFormatError, Summary
from .models import DailyClose, StatementRun

logger = logging.getLogger(__name__)

Status = StatementRun.Status
LOCK_SCOPE = "reconciliation.run"
PROVIDER_MONTHS = 3  # WeChat Pay and Alipay serve bills of the last 3 months
RETRY_LATER = "RETRY_LATER"  # error_code of a retryable provider failure other than NOT_READY / HASH_MISMATCH
# Failures the beat tries again (the provider said trying later may help).
RETRYABLE = frozenset({"NOT_READY", "HASH_MISMATCH", RETRY_LATER})


class RunBusyError(Exception):
    """Another execution of the run holds its lock: try again later."""


# --- requesting ---------------------------------------------------------------------------------------------------

def _merchant_label(account: MerchantAccount) -> str:
    """The merchant the bill is for, as the provider names it (for people)."""
    if account.channel == MerchantAccount.Channel.WECHAT:
        return account.sub_mchid if account.mode == MerchantAccount.Mode.PARTNER else account.mchid
    return account.alipay_app_id or account.alipay_seller_id


def bill_date_check(bill_date: dt.date, *, today: dt.date | None = None) -> None:
    """A date the provider serves: before today, not older than 3 months."""
    today = today or timezone.localdate()
    if bill_date >= today:
        raise field_error("billDate", _("只能对账今天以前的日期（账单次日生成）。"), Code.DATE_OUT_OF_RANGE)
    if bill_date < today - relativedelta(months=PROVIDER_MONTHS):
        raise field_error("billDate", _("渠道只提供最近 3 个月的账单。"), Code.DATE_OUT_OF_RANGE)


def run_request(*, merchant_account_id: int, bill_date: dt.date, kind: str = "trade", actor=None,
                ip: str | None = None) -> StatementRun:
    """Create (or reuse) the run of one merchant account's bill of one day and queue its execution.
    A closed run is never run again; nor is any run of a closed day (日结)."""
    account = MerchantAccount.objects.filter(pk=merchant_account_id, tenant_id=current_company().pk).first()
    if account is None:  # another company's account answers the same as a missing one
        raise field_error("merchantAccountId", _("找不到该收款商户。"), Code.NOT_FOUND)
    if not account.is_active:
        raise field_error("merchantAccountId", _("该收款商户已停用。"), Code.CHANNEL_NOT_CONFIGURED)
    if kind not in StatementRun.Kind.values:
        raise field_error("kind", _("不支持的账单类型。"), Code.INVALID)
    if kind == StatementRun.Kind.FUNDFLOW and account.channel != MerchantAccount.Channel.WECHAT:
        raise field_error("kind", _("只有微信支付提供资金账单。"), Code.NOT_SUPPORTED)
    bill_date_check(bill_date)
    if DailyClose.objects.filter(day=bill_date, status=DailyClose.Status.CLOSED).exists():
        raise field_error("billDate", _("%(day)s 已日结，不能再对账。") % {"day": bill_date.isoformat()},
                          Code.DAY_CLOSED)
    with transaction.atomic():
        xact_lock("reconciliation.run-request", f"{account.pk}:{kind}:{bill_date.isoformat()}")
        run = StatementRun.objects.select_for_update().filter(
            merchant_account_id=account.pk, kind=kind, bill_date=bill_date).first()
        created = run is None
        if created:
            run = StatementRun.objects.create(
                merchant_account_id=account.pk, channel=account.channel, merchant_id=_merchant_label(account)[:32],
                kind=kind, bill_date=bill_date, started_by=actor)
        else:
            if run.status == Status.CLOSED:
                raise field_error("billDate", _("该账单的对账批次已关闭，不能重新对账。"), Code.NOT_ALLOWED_IN_STATE)
            with session_lock(LOCK_SCOPE, run.pk) as free:
                if not free:
                    raise field_error("billDate", _("该账单正在对账，请稍后再试。"), Code.ALREADY_RUNNING)
            if actor is not None:
                StatementRun.objects.filter(pk=run.pk).update(started_by=actor)
                run.started_by = actor
        audit_record(actor=actor, action="reconciliation.run_request", target=run, ip=ip, created=created,
                     channel=run.channel, kind=kind, bill_date=bill_date.isoformat(), status=run.status)
        from .tasks import execute_run

        enqueue_on_commit(execute_run, run.pk)
    return run


# --- executing ----------------------------------------------------------------------------------------------------

def _move(run: StatementRun, *, to: str, sources: tuple[str, ...], **fields) -> bool:
    """Compare-and-set the run's status (and `fields`); False when someone else moved it first."""
    now = timezone.now()
    updated = StatementRun.objects.filter(pk=run.pk, status__in=sources).update(status=to, updated_at=now, **fields)
    if updated:
        run.status = to
        for name, value in fields.items():
            if not hasattr(value, "resolve_expression"):
                setattr(run, name, value)
    return bool(updated)


def _fail(run: StatementRun, *, code: str, message: str) -> StatementRun:
    _move(run, to=Status.FAILED, sources=(Status.PENDING, Status.FETCHED, Status.PARSED),
          error_code=code[:32], error=message[:500])
    audit_record(actor=None, action="reconciliation.run_finish", target=run, status=Status.FAILED,
                 error_code=code, attempt=run.attempts)
    logger.warning("statement run %s failed: %s %s", run.pk, code, message[:200])
    return run


def run_execute(*, run_id: int) -> StatementRun:
    """Fetch, store, parse, load and match one run (see the module docstring).
    Raises RunBusyError when another execution of the same run is under way."""
    with session_lock(LOCK_SCOPE, run_id) as held:
        if not held:
            raise RunBusyError(f"statement run {run_id} is being executed")
        run = StatementRun.objects.get(pk=run_id)
        if run.status == Status.CLOSED:
            return run
        if DailyClose.objects.filter(day=run.bill_date, status=DailyClose.Status.CLOSED).exists():
            logger.info("statement run %s: day %s is closed; not executed", run.pk, run.bill_date)
            return run
        account = MerchantAccount.objects.get(pk=run.merchant_account_id, tenant_id=current_company().pk)
        if not _move(run, to=Status.PENDING, sources=(Status.PENDING, Status.FAILED, Status.FETCHED, Status.PARSED,
                                                       Status.MATCHED),
                     error_code="", error="", attempts=F("attempts") + 1):
            return run  # closed meanwhile
        run.refresh_from_db(fields=["attempts"])
        audit_record(actor=None, action="reconciliation.run_start", target=run, channel=run.channel, kind=run.kind,
                     bill_date=run.bill_date.isoformat(), attempt=run.attempts)
        with tempfile.TemporaryFile() as tmp:
            fetched = _fetch(run, account, tmp)
            if fetched is None:
                return run
            empty = fetched == "empty"
            if not run_parse(run=run, stream=tmp, empty=empty):
                return run
        if run.kind == StatementRun.Kind.TRADE:
            try:
                identity = merchant_fields(account)
            except ServiceProviderAccount.DoesNotExist:
                return _fail(run, code=Code.CHANNEL_NOT_CONFIGURED, message=_("平台服务商账户未配置。"))
            matching.match_run(run_id=run.pk, fee_rate=account.fee_rate, merchant_id=identity["merchant_id"],
                               sub_merchant_id=identity.get("sub_merchant_id", ""))
            if matching.apply_auto_actions(run_id=run.pk, provider=provider_for(account)):
                matching.refresh_local_totals(run_id=run.pk, merchant_id=identity["merchant_id"],
                                              sub_merchant_id=identity.get("sub_merchant_id", ""))
        else:  # a fund-flow bill is kept and checked against its summary; orders are matched on the trade bill
            _move(run, to=Status.MATCHED, sources=(Status.PARSED,), matched_at=timezone.now(),
                  totals=dict(run.summary))
        run.refresh_from_db()
        audit_record(actor=None, action="reconciliation.run_finish", target=run, status=run.status,
                     attempt=run.attempts, totals=run.totals)
        return run


def _fetch(run: StatementRun, account: MerchantAccount, tmp: BinaryIO) -> str | None:
    """Download into `tmp` and store the raw file → FETCHED. Returns "file", "empty" (NO_STATEMENT) or None
    (failed: the run says why)."""
    try:
        download = provider_for(account).download_statement(kind=run.kind, bill_date=run.bill_date, dest=tmp)
    except ProviderError as exc:
        if exc.code == "NO_STATEMENT":
            _move(run, to=Status.FETCHED, sources=(Status.PENDING,), fetched_at=timezone.now(), file_path="",
                  file_sha1="", file_size=0)
            return "empty"
        # Retryable failures (not generated yet, a corrupt or expired download, the network) are tried again by
        # the beat (tasks.retry_not_ready); the others wait for finance.
        if exc.code in ("NOT_READY", "HASH_MISMATCH"):
            code = exc.code
        else:
            code = RETRY_LATER if exc.retryable else Code.PROVIDER_ERROR
        reason = f"{exc.code} {exc}".strip()[:300]
        message = {"NOT_READY": _("渠道尚未生成该日账单，稍后自动重试。"),
                   "HASH_MISMATCH": _("账单文件校验值不符，稍后自动重试，也可重新对账。"),
                   RETRY_LATER: _("下载账单暂时失败（%(reason)s），稍后自动重试。") % {"reason": reason}}.get(
            code, _("下载账单失败：%(reason)s") % {"reason": reason})
        _fail(run, code=code, message=message)
        return None
    except ValueError as exc:  # a provider that refuses the kind (fund-flow bill on Alipay)
        _fail(run, code=Code.NOT_SUPPORTED, message=str(exc)[:300])
        return None
    tmp.seek(0)
    ext = "zip" if download.compression == "zip" else "gz"
    name = f"reconciliation/{run.channel}/{run.bill_date:%Y%m}/{run.kind}-{run.bill_date:%Y%m%d}-{run.pk}.{ext}"
    old_path = run.file_path
    path = default_storage.save(name, File(tmp, name=name))
    if old_path and old_path != path:
        default_storage.delete(old_path)  # the previous attempt's copy: the new one replaces it
    _move(run, to=Status.FETCHED, sources=(Status.PENDING,), fetched_at=timezone.now(), file_path=path,
          file_sha1=download.hash_value[:40], file_size=download.size)
    tmp.seek(0)
    return "file"


def _reader(run: StatementRun, tmp: BinaryIO):
    from .formats import wechat

    if run.channel == StatementRun.Channel.WECHAT:
        return wechat.read_tradebill(tmp) if run.kind == StatementRun.Kind.TRADE else wechat.read_fundflowbill(tmp)
    from .formats import alipay

    return alipay.TradeBill(tmp)


def run_parse(*, run: StatementRun, stream: BinaryIO, empty: bool = False) -> bool:
    """FETCHED → PARSED: replace the run's rows with those of the downloaded file `stream` (as downloaded:
    gzip / zip), in one transaction; False when the file is refused (FAILED with the format error's code,
    nothing loaded: the previous attempt's rows stay as they were). `empty`: NO_STATEMENT, no file."""
    tmp = stream
    try:
        with transaction.atomic():
            StatementRun.objects.select_for_update().filter(pk=run.pk).first()  # as resolution does: run first
            matching.clear_entries(run_id=run.pk)
            if empty:
                summary: dict = dataclasses.asdict(Summary(count=0, paid_fen=0, refunded_fen=0, fee_fen=0))
            elif run.kind == StatementRun.Kind.TRADE:
                bill = _reader(run, tmp)
                matching.load_entries(run_id=run.pk, entries=bill)
                summary = dataclasses.asdict(bill.summary)
            else:  # fund-flow rows are not orders: read (and checked) only
                bill = _reader(run, tmp)
                for _row in bill:
                    pass
                summary = dataclasses.asdict(bill.summary)
            if not _move(run, to=Status.PARSED, sources=(Status.FETCHED,), parsed_at=timezone.now(),
                         summary=summary):
                raise ValidationError("run moved while parsing")  # rolls the load back
    except StatementFormatError as exc:
        _fail(run, code=exc.code or Code.FORMAT_ERROR, message=str(exc))
        return False
    except ValidationError:
        return False
    return True

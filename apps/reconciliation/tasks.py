"""Celery tasks of statement reconciliation: one run's execution (in the
company's schema it was queued from) and the beat jobs that request
yesterday's runs for every company and retry bills not generated yet."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.directory import company_context

logger = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 60


@shared_task(bind=True, name="reconciliation.execute_run", max_retries=30, acks_late=True)
def execute_run(self, run_id: int) -> str:
    """Queued from inside a company's schema (tenant-schemas-celery runs it there). A delivery while
    another execution of the run is under way retries later, never runs alongside it."""
    from .services import RunBusyError, run_execute

    try:
        return run_execute(run_id=run_id).status
    except RunBusyError as exc:
        if self.request.is_eager:
            return "busy"
        raise self.retry(countdown=BUSY_RETRY_SECONDS, exc=exc) from exc


def _active_tenants():
    from tenants.models import HeatingCompany

    return get_tenant_model().objects.exclude(schema_name=get_public_schema_name()).filter(
        status=HeatingCompany.Status.ACTIVE)


def _request(account, kind: str, day: dt.date, counts: dict, slug: str) -> None:
    from .services import run_request

    try:
        run_request(merchant_account_id=account.pk, bill_date=day, kind=kind, actor=None)
        counts["requested"] = counts.get("requested", 0) + 1
    except ValidationError as exc:  # a closed day, a closed run: nothing to do
        counts["skipped"] = counts.get("skipped", 0) + 1
        logger.info("reconciliation: %s %s %s %s not requested: %s", slug, account.channel, kind, day, exc.messages)


@shared_task(name="reconciliation.request_daily_runs")
def request_daily_runs(day: str | None = None) -> dict[str, dict]:
    """Beat, 10:30 Beijing (bills are generated from 09:00, WeChat advises fetching after 10:00): yesterday's
    trade bill of every active merchant account of every active company, and WeChat direct merchants'
    fund-flow bill. A run that already exists is left alone (finance re-runs it when they choose)."""
    from tenants.models import MerchantAccount

    from .models import StatementRun

    bill_date = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    out: dict[str, dict] = {}
    for tenant in _active_tenants():
        counts: dict[str, int] = {}
        with company_context(tenant):
            try:
                for account in MerchantAccount.objects.filter(tenant_id=tenant.pk, is_active=True):
                    kinds = [StatementRun.Kind.TRADE]
                    if account.channel == "wechat" and account.mode == MerchantAccount.Mode.DIRECT:
                        kinds.append(StatementRun.Kind.FUNDFLOW)
                    existing = set(StatementRun.objects.filter(merchant_account_id=account.pk, bill_date=bill_date)
                                   .values_list("kind", flat=True))
                    for kind in kinds:
                        if kind not in existing:
                            _request(account, kind, bill_date, counts, tenant.slug)
            except Exception:  # one company's trouble must not stop the others
                logger.exception("reconciliation: daily runs failed for %s", tenant.slug)
        out[tenant.slug] = counts
    return out


@shared_task(name="reconciliation.retry_not_ready")
def retry_not_ready() -> dict[str, int]:
    """Beat, 12:30 and 15:30 Beijing: runs of the last few days that failed in a way worth retrying (the bill
    not generated yet, a corrupt or expired download, the network: services.RETRYABLE) are requested again."""
    from tenants.models import MerchantAccount

    from .models import StatementRun
    from .services import RETRYABLE

    since = timezone.localdate() - dt.timedelta(days=3)
    out: dict[str, int] = {}
    for tenant in _active_tenants():
        counts: dict[str, int] = {}
        with company_context(tenant):
            try:
                runs = StatementRun.objects.filter(status=StatementRun.Status.FAILED, error_code__in=RETRYABLE,
                                                   bill_date__gte=since)
                accounts = {a.pk: a for a in MerchantAccount.objects.filter(tenant_id=tenant.pk, is_active=True)}
                for run in runs:
                    if run.merchant_account_id in accounts:
                        _request(accounts[run.merchant_account_id], run.kind, run.bill_date, counts, tenant.slug)
            except Exception:
                logger.exception("reconciliation: NOT_READY retries failed for %s", tenant.slug)
        out[tenant.slug] = counts.get("requested", 0)
    return out

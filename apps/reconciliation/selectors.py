"""Reads of statement runs and their differences for finance (lists paginated
by the caller; each list is a fixed number of queries per page), and the
company's merchant accounts a run can be started for."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from heat_platform.kernel.errors import field_error
from tenants.models import HeatingCompany, MerchantAccount

from .errors import ReconciliationErrorCode as Code
from .models import Difference, StatementRun

MAX_DAYS = 366  # a year of bill dates per request


def _date_range_check(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from is None or date_to is None:
        return
    if date_to < date_from:
        raise field_error("date_to", _("结束日期不能早于开始日期。"), Code.DATE_OUT_OF_RANGE)
    if (date_to - date_from).days >= MAX_DAYS:
        raise field_error("date_to", _("一次最多查询 %(days)s 天。") % {"days": MAX_DAYS}, Code.DATE_OUT_OF_RANGE)


def run_list(*, date_from: dt.date | None = None, date_to: dt.date | None = None, channel: str | None = None,
             status: str | None = None, kind: str | None = None,
             merchant_account_id: int | None = None) -> QuerySet[StatementRun]:
    """Runs, newest bill date first, with who started/closed them and the count of open
    differences (one query per page). Dates are bill dates, inclusive; a range of at most
    MAX_DAYS (else DATE_OUT_OF_RANGE on dateTo)."""
    _date_range_check(date_from, date_to)
    qs = StatementRun.objects.select_related("started_by", "closed_by").annotate(
        open_differences=Count("differences", filter=Q(differences__status=Difference.Status.OPEN)))
    if date_from is not None:
        qs = qs.filter(bill_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(bill_date__lte=date_to)
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if merchant_account_id is not None:
        qs = qs.filter(merchant_account_id=merchant_account_id)
    return qs.order_by("-bill_date", "channel", "kind", "-id")


def access_run(*, run_id: int) -> StatementRun | None:
    """One run of this company (None when missing: another company's ids are not in this schema)."""
    return run_list().filter(pk=run_id).first()


@dataclass(frozen=True)
class KindCount:
    kind: str  # Difference.Kind
    total: int
    open: int
    resolved: int
    carried: int  # CARRIED + CLEARED: cross-day rows the adjacent run takes care of


def difference_counts(run_ids: Iterable[int]) -> dict[int, list[KindCount]]:
    """Per run, its differences counted by kind (kinds with none left out), in one query."""
    rows = (Difference.objects.filter(run_id__in=list(run_ids)).values("run_id", "kind")
            .annotate(total=Count("id"),
                      open=Count("id", filter=Q(status=Difference.Status.OPEN)),
                      resolved=Count("id", filter=Q(status=Difference.Status.RESOLVED)),
                      carried=Count("id", filter=Q(status__in=[Difference.Status.CARRIED,
                                                              Difference.Status.CLEARED])))
            .order_by())
    order = {kind: i for i, kind in enumerate(Difference.Kind.values)}
    out: dict[int, list[KindCount]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["run_id"], order.get(r["kind"], 99))):
        out[r["run_id"]].append(KindCount(kind=r["kind"], total=r["total"], open=r["open"], resolved=r["resolved"],
                                          carried=r["carried"]))
    return out


def difference_list(*, run_id: int | None = None, status: str | None = None, kind: str | None = None,
                    channel: str | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
                    search: str | None = None) -> QuerySet[Difference]:
    """Differences with their run, order, refund and resolver (one query per page): of one run,
    or of the whole company (e.g. every OPEN one), newest bill date first. `search`: 商户订单号 or
    商户退款单号, exact."""
    _date_range_check(date_from, date_to)
    qs = Difference.objects.select_related("run", "order", "refund", "resolved_by", "carried_to")
    if run_id is not None:
        qs = qs.filter(run_id=run_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if channel:
        qs = qs.filter(run__channel=channel)
    if date_from is not None:
        qs = qs.filter(run__bill_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(run__bill_date__lte=date_to)
    if search:
        search = search.strip()
        qs = qs.filter(Q(out_trade_no=search) | Q(out_refund_no=search))
    return qs.order_by("-run__bill_date", "run_id", "id")


def access_difference(*, difference_id: int) -> Difference | None:
    return difference_list().filter(pk=difference_id).first()


def mask_merchant_id(value: str) -> str:
    """Enough of a merchant id for a person to tell accounts apart: 19******01."""
    if len(value) <= 4:
        return "*" * len(value)
    return f"{value[:2]}{'*' * (len(value) - 4)}{value[-2:]}"


def merchant_id_of(account: MerchantAccount) -> str:
    """The merchant a bill is for: the sub-merchant in WeChat partner mode, the app on Alipay."""
    if account.channel == MerchantAccount.Channel.WECHAT:
        return account.sub_mchid if account.mode == MerchantAccount.Mode.PARTNER else account.mchid
    return account.alipay_app_id


def merchant_account_label(account: MerchantAccount) -> str:
    masked = mask_merchant_id(merchant_id_of(account))
    return f"{account.get_channel_display()} · {account.get_mode_display()} · {masked}"


def reconciliation_merchant_accounts(*, company: HeatingCompany) -> list[MerchantAccount]:
    """The company's merchant accounts (public schema: always filtered by company), active first.
    Inactive ones stay listed: their past days still need reconciling."""
    return list(MerchantAccount.objects.filter(tenant_id=company.pk).order_by("-is_active", "channel", "id"))

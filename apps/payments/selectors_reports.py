"""Reads for the dashboard and finance pages: money collected per day and
channel, and the refund list. Each figure is one or two aggregate queries,
whatever the number of orders; days are calendar days in the platform's time
zone (Asia/Shanghai), the day a person at the company reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from heat_platform.kernel.errors import field_error

from .errors import PaymentErrorCode
from .models import Channel, CollectionChannel, PaymentOrder, Refund

MAX_DAYS = 366  # one year of days per request


@dataclass(frozen=True)
class ChannelDay:
    day: dt.date
    channel: str  # CollectionChannel
    collected_fen: int  # paid orders, by their payment time
    count: int
    refunded_fen: int  # successful refunds of this channel's orders, by the time they completed


def _collection_channel(prefix: str = "") -> Case:
    """An order's CollectionChannel in SQL: its channel online, its method at the counter."""
    return Case(When(**{f"{prefix}channel": Channel.COUNTER}, then=F(f"{prefix}counter_method")),
                default=F(f"{prefix}channel"), output_field=CharField())


def day_range_check(*, date_from: dt.date, date_to: dt.date) -> None:
    """A range of days a report may ask for: ordered, at most MAX_DAYS (INVALID on dateTo)."""
    if date_to < date_from:
        raise field_error("date_to", _("结束日期不能早于开始日期。"), PaymentErrorCode.INVALID)
    if (date_to - date_from).days >= MAX_DAYS:
        raise field_error("date_to", _("一次最多查询 %(days)s 天。") % {"days": MAX_DAYS}, PaymentErrorCode.INVALID)


def _day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    day_range_check(date_from=date_from, date_to=date_to)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def collections_by_day(*, date_from: dt.date, date_to: dt.date, collector_id: int | None = None) -> list[ChannelDay]:
    """Every day of [date_from, date_to] × every CollectionChannel, zeros included (a chart
    needs them), in date then channel order. `collector_id`: only the counter money that
    collector took and handed back. Two queries; an invalid range is INVALID on dateTo."""
    start, end = _day_bounds(date_from, date_to)
    zone = timezone.get_current_timezone()
    paid = PaymentOrder.objects.filter(status=PaymentOrder.Status.PAID, paid_at__gte=start, paid_at__lt=end)
    refunds = Refund.objects.filter(status=Refund.Status.SUCCESS, finished_at__gte=start, finished_at__lt=end)
    if collector_id is not None:
        paid = paid.filter(channel=Channel.COUNTER, collector_id=collector_id)
        refunds = refunds.filter(order__channel=Channel.COUNTER, requested_by_id=collector_id)
    collected = {(r["day"], r["ch"]): (r["amount"], r["n"]) for r in (
        paid.annotate(day=TruncDate("paid_at", tzinfo=zone), ch=_collection_channel()).values("day", "ch")
        .annotate(amount=Sum("amount_fen"), n=Count("id")).order_by())}
    refunded = {(r["day"], r["ch"]): r["amount"] for r in (
        refunds.annotate(day=TruncDate("finished_at", tzinfo=zone), ch=_collection_channel("order__"))
        .values("day", "ch").annotate(amount=Sum("amount_fen")).order_by())}
    out = []
    for offset in range((date_to - date_from).days + 1):
        day = date_from + dt.timedelta(days=offset)
        for channel in CollectionChannel.values:
            amount, count = collected.get((day, channel), (0, 0))
            out.append(ChannelDay(day=day, channel=channel, collected_fen=amount, count=count,
                                  refunded_fen=refunded.get((day, channel), 0)))
    return out


def refund_list(*, status: str | None = None, channel: str | None = None) -> QuerySet[Refund]:
    """Refunds, newest first, with their order and who asked (one query per page).
    `channel`: a CollectionChannel."""
    qs = Refund.objects.select_related("order", "requested_by")
    if status:
        qs = qs.filter(status=status)
    if channel in (Channel.WECHAT, Channel.ALIPAY):
        qs = qs.filter(order__channel=channel)
    elif channel:
        qs = qs.filter(Q(order__channel=Channel.COUNTER) & Q(order__counter_method=channel))
    return qs.order_by("-created_at", "-id")


PAYMENT_EXPORT_FIELDS = ("out_trade_no", "ch", "status", "amount_fen", "refunded_fen", "paid_at", "receipt_no",
                         "collector_name", "account_nos")


def payment_list(*, status: str | None = None, channel: str | None = None, date_from: dt.date | None = None,
                 date_to: dt.date | None = None) -> QuerySet[PaymentOrder]:
    """Orders by CollectionChannel and payment day (Asia/Shanghai, inclusive), newest payment first."""
    qs = PaymentOrder.objects.all()
    if status:
        qs = qs.filter(status=status)
    if channel in (Channel.WECHAT, Channel.ALIPAY):
        qs = qs.filter(channel=channel)
    elif channel:
        qs = qs.filter(channel=Channel.COUNTER, counter_method=channel)
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(paid_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone))
    if date_to:
        qs = qs.filter(paid_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    return qs.order_by(F("paid_at").desc(nulls_last=True), "-id")


def payment_export_rows(*, chunk_size: int = 2000, **filters):
    """The orders `payment_list(**filters)` lists as PAYMENT_EXPORT_FIELDS tuples (the houses' 户号
    aggregated per order), streamed from a server-side cursor in one query."""
    collector = Coalesce(NullIf("collector__display_name", Value("")), "collector__username")
    return (payment_list(**filters)
            .annotate(ch=_collection_channel(), collector_name=collector,
                      account_nos=ArrayAgg("items__bill__house__account_no", distinct=True, default=Value([])))
            .values_list(*PAYMENT_EXPORT_FIELDS).iterator(chunk_size=chunk_size))

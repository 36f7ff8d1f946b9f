"""Reads for the dashboard and finance pages: money collected per day and
channel, and the refund list. Each figure is one or two aggregate queries,
whatever the number of orders; days are calendar days in the platform's time
zone (Asia/Shanghai), the day a person at the company reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from heat_platform.kernel.errors import field_error

from .errors import PaymentErrorCode
from .models import Channel, CollectionChannel, CounterMethod, PaymentOrder, Refund

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


# --- finance reports (each a few aggregate queries, whatever the number of rows) ---------------------------

MAX_MONTHS = 36


@dataclass(frozen=True)
class ChannelMonth:
    month: dt.date  # the first day of the month
    channel: str  # CollectionChannel
    collected_fen: int  # paid orders, by their payment time
    count: int
    refunded_fen: int  # successful refunds, by the time they completed
    refund_count: int

    @property
    def net_fen(self) -> int:
        return self.collected_fen - self.refunded_fen


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_range_check(*, month_from: dt.date, month_to: dt.date) -> list[dt.date]:
    """The first days of the months of [month_from, month_to] (at most MAX_MONTHS; INVALID on monthTo)."""
    month_from, month_to = month_from.replace(day=1), month_to.replace(day=1)
    if month_to < month_from:
        raise field_error("month_to", _("结束月份不能早于开始月份。"), PaymentErrorCode.INVALID)
    months = [month_from]
    while months[-1] < month_to:
        months.append(_next_month(months[-1]))
        if len(months) > MAX_MONTHS:
            raise field_error("month_to", _("一次最多查询 %(n)s 个月。") % {"n": MAX_MONTHS}, PaymentErrorCode.INVALID)
    return months


def collections_by_month(*, month_from: dt.date, month_to: dt.date) -> list[ChannelMonth]:
    """Every month of the range × every CollectionChannel, zeros included, in month then channel
    order (months are calendar months in the company's zone). Two queries."""
    months = month_range_check(month_from=month_from, month_to=month_to)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(months[0], dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(_next_month(months[-1]), dt.time.min, tzinfo=zone)
    paid = (PaymentOrder.objects.filter(status=PaymentOrder.Status.PAID, paid_at__gte=start, paid_at__lt=end)
            .annotate(m=TruncMonth("paid_at", tzinfo=zone), ch=_collection_channel()).values("m", "ch")
            .annotate(amount=Sum("amount_fen"), n=Count("id")).order_by())
    collected = {(_as_date(r["m"]), r["ch"]): (r["amount"], r["n"]) for r in paid}
    back = (Refund.objects.filter(status=Refund.Status.SUCCESS, finished_at__gte=start, finished_at__lt=end)
            .annotate(m=TruncMonth("finished_at", tzinfo=zone), ch=_collection_channel("order__")).values("m", "ch")
            .annotate(amount=Sum("amount_fen"), n=Count("id")).order_by())
    refunded = {(_as_date(r["m"]), r["ch"]): (r["amount"], r["n"]) for r in back}
    return [ChannelMonth(month, channel, *collected.get((month, channel), (0, 0)),
                         *refunded.get((month, channel), (0, 0)))
            for month in months for channel in CollectionChannel.values]


def _as_date(value) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class CollectorMethod:
    method: str  # CounterMethod
    collected_fen: int
    count: int
    refunded_fen: int
    refund_count: int


@dataclass(frozen=True)
class CollectorCollection:
    """Counter money one collector took (payments by method) and handed back (refunds they made)."""

    collector_id: int
    username: str
    display_name: str
    methods: tuple[CollectorMethod, ...]  # cash, pos, transfer, zeros included

    @property
    def count(self) -> int:
        return sum(m.count for m in self.methods)

    @property
    def collected_fen(self) -> int:
        return sum(m.collected_fen for m in self.methods)

    @property
    def refund_count(self) -> int:
        return sum(m.refund_count for m in self.methods)

    @property
    def refunded_fen(self) -> int:
        return sum(m.refunded_fen for m in self.methods)

    @property
    def net_fen(self) -> int:
        return self.collected_fen - self.refunded_fen


def counter_collection_by_collector(*, date_from: dt.date, date_to: dt.date) -> list[CollectorCollection]:
    """Per collector with counter money in the range (payments by payment day, refunds by the day
    they were handed back, by the refunded payment's method), by name. Two queries."""
    start, end = _day_bounds(date_from, date_to)
    people = ("collector_id", "collector__username", "collector__display_name")
    paid = (PaymentOrder.objects.filter(channel=Channel.COUNTER, status=PaymentOrder.Status.PAID,
                                        paid_at__gte=start, paid_at__lt=end)
            .values(*people, "counter_method").annotate(amount=Sum("amount_fen"), n=Count("id")).order_by())
    back = (Refund.objects.filter(order__channel=Channel.COUNTER, status=Refund.Status.SUCCESS,
                                  finished_at__gte=start, finished_at__lt=end)
            .values("requested_by_id", "requested_by__username", "requested_by__display_name",
                    "order__counter_method").annotate(amount=Sum("amount_fen"), n=Count("id")).order_by())
    names: dict[int, tuple[str, str]] = {}
    sums: dict[tuple[int, str], list[int]] = {}
    for r in paid:
        names[r["collector_id"]] = (r["collector__username"], r["collector__display_name"])
        slot = sums.setdefault((r["collector_id"], r["counter_method"]), [0, 0, 0, 0])
        slot[0], slot[1] = r["amount"], r["n"]
    for r in back:
        names[r["requested_by_id"]] = (r["requested_by__username"], r["requested_by__display_name"])
        slot = sums.setdefault((r["requested_by_id"], r["order__counter_method"]), [0, 0, 0, 0])
        slot[2], slot[3] = r["amount"], r["n"]
    out = [CollectorCollection(collector_id=pk, username=username, display_name=display,
                               methods=tuple(CollectorMethod(m, *sums.get((pk, m), (0, 0, 0, 0)))
                                             for m in CounterMethod.values))
           for pk, (username, display) in names.items()]
    return sorted(out, key=lambda c: (c.display_name or c.username, c.collector_id))


@dataclass(frozen=True)
class RefundGroup:
    channel: str  # CollectionChannel
    status: str  # Refund.Status
    count: int
    amount_fen: int


def refund_report(*, date_from: dt.date, date_to: dt.date) -> list[RefundGroup]:
    """Refunds asked for in the range (by the day they were requested), by CollectionChannel and
    status; only groups with refunds, in channel then status order. One query."""
    start, end = _day_bounds(date_from, date_to)
    rows = (Refund.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(ch=_collection_channel("order__")).values("ch", "status")
            .annotate(n=Count("id"), amount=Sum("amount_fen")).order_by())
    channels, statuses = list(CollectionChannel.values), list(Refund.Status.values)
    out = [RefundGroup(r["ch"], r["status"], r["n"], r["amount"] or 0) for r in rows]
    return sorted(out, key=lambda g: (channels.index(g.channel), statuses.index(g.status)))

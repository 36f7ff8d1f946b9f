"""The company's daily close (日结): a day's money by channel, frozen once every
source of it has been checked, then read-only.

What a day's figures are (per CollectionChannel, Asia/Shanghai calendar days):
- WeChat Pay / Alipay: what the channel's trade bills of that day say
  (`StatementEntry` rows of the day's trade runs: successful payments in,
  successful refunds out, the fee charged). That is the money that really
  moved; our ledger's view of the same day (paid orders by `paid_at`,
  successful refunds by `finished_at`) is shown next to it, so finance sees
  both — they differ by exactly what the runs' differences explain (a payment
  at 23:59:59 booked by the channel on the next day, …).
- Cash / POS / transfer: the counter payments of that day and the counter
  refunds handed back that day, from collectors' shifts that are CLOSED (a
  shift's money counts once its collector has closed the drawer).
- Adjustments (`DayAdjustment`) booked on the day; net = collected − refunded +
  adjustments (the fee is shown apart: it is what the channel keeps).

A day can close when (blockers):
- it is before today;
- every trade run of the day is CLOSED, and every active merchant account (and
  any channel our ledger has online money on that day) has one;
- no OPEN shift holds counter money of the day;
- day order: no day with activity (money in our ledger, rows in a bill, an
  adjustment) is still open between the last closed day before it and it. The
  first close of a company may be any past day (daily close starts there);
  afterwards the closed days advance in order, skipping days with no activity
  (those need no close). An open day with activity before the first closed day
  does not block later days; it shows in `daily_close_list` as open.

Closing freezes the figures into `DailyClose.totals` by compare-and-set, audited.
A closed day is read-only: every service that writes a day's money or its
reconciliation calls `ensure_day_open(day)` inside its transaction (shared
advisory lock on the day, so a close waits for writers in flight and writers
after it see it closed). Counter payments and refunds are always dated now and
today never closes, so they cannot land on a closed day: a refund of a closed
day's payment is today's money. A late correction is `adjustment_create`: a
`DayAdjustment` booked on the first open day on or after today (today itself,
since only past days close), changing that day's totals, never the closed one's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Max, Min, Q, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.payments.models import Channel, CollectionChannel, CounterShift, PaymentOrder, Refund
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.locks import lock_key

from .errors import ReconciliationErrorCode as Code
from .models import DailyClose, DayAdjustment, Difference, StatementEntry, StatementRun

ONLINE = (CollectionChannel.WECHAT.value, CollectionChannel.ALIPAY.value)
COUNTER = (CollectionChannel.CASH.value, CollectionChannel.POS.value, CollectionChannel.TRANSFER.value)
CHANNELS = tuple(CollectionChannel.values)
MAX_LIST_DAYS = 93  # dailyCloses: about a quarter per request
# Runs whose rows are loaded (their entries are the bill as the provider sent it).
LOADED = (StatementRun.Status.PARSED, StatementRun.Status.MATCHED, StatementRun.Status.CLOSED)
_LOCK_SQL = "hashtextextended(%s, 0)"


def _collection_channel(prefix: str = "") -> Case:
    """An order's CollectionChannel in SQL: its channel online, its method at the counter."""
    return Case(When(**{f"{prefix}channel": Channel.COUNTER}, then=F(f"{prefix}counter_method")),
                default=F(f"{prefix}channel"), output_field=CharField())


class BlockerKind:
    NOT_PAST = "not_past"  # today or later
    EARLIER_DAY_OPEN = "earlier_day_open"  # an earlier day with activity is not closed
    RUN_MISSING = "run_missing"  # an active merchant account (or a channel with money) has no trade run
    RUN_NOT_CLOSED = "run_not_closed"  # a trade run of the day is not CLOSED
    SHIFT_OPEN = "shift_open"  # an open shift holds counter money of the day
    CHOICES = (NOT_PAST, EARLIER_DAY_OPEN, RUN_MISSING, RUN_NOT_CLOSED, SHIFT_OPEN)


@dataclass(frozen=True)
class Blocker:
    kind: str  # BlockerKind
    message: str  # for finance
    channel: str = ""
    merchant_account_id: int | None = None
    run_id: int | None = None
    run_status: str = ""
    shift_id: int | None = None
    collector_name: str = ""
    day: dt.date | None = None  # EARLIER_DAY_OPEN: the open day


@dataclass(frozen=True)
class ChannelFigures:
    channel: str  # CollectionChannel
    collected_fen: int = 0  # online: the bills' successful payments; counter: closed shifts' payments
    count: int = 0
    refunded_fen: int = 0
    refund_count: int = 0
    fee_fen: int = 0  # online: the fee the channel charged (refunds give it back)
    adjustments_fen: int = 0  # DayAdjustments booked on this day
    ledger_collected_fen: int = 0  # our ledger: paid orders by payment time (counter: every shift)
    ledger_count: int = 0
    ledger_refunded_fen: int = 0  # successful refunds by completion time

    @property
    def net_fen(self) -> int:
        return self.collected_fen - self.refunded_fen + self.adjustments_fen

    @property
    def has_activity(self) -> bool:
        return bool(self.count or self.refund_count or self.adjustments_fen or self.ledger_count
                    or self.ledger_refunded_fen)

    def to_json(self) -> dict:
        return {"collected_fen": self.collected_fen, "count": self.count, "refunded_fen": self.refunded_fen,
                "refund_count": self.refund_count, "fee_fen": self.fee_fen, "adjustments_fen": self.adjustments_fen,
                "net_fen": self.net_fen, "ledger_collected_fen": self.ledger_collected_fen,
                "ledger_count": self.ledger_count, "ledger_refunded_fen": self.ledger_refunded_fen}


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    channels: tuple[ChannelFigures, ...]  # every CollectionChannel, in its order, zeros included

    @property
    def collected_fen(self) -> int:
        return sum(c.collected_fen for c in self.channels)

    @property
    def refunded_fen(self) -> int:
        return sum(c.refunded_fen for c in self.channels)

    @property
    def fee_fen(self) -> int:
        return sum(c.fee_fen for c in self.channels)

    @property
    def adjustments_fen(self) -> int:
        return sum(c.adjustments_fen for c in self.channels)

    @property
    def net_fen(self) -> int:
        return sum(c.net_fen for c in self.channels)

    @property
    def has_activity(self) -> bool:
        return any(c.has_activity for c in self.channels)

    def channel(self, channel: str) -> ChannelFigures:
        return next(c for c in self.channels if c.channel == channel)

    def to_json(self) -> dict:
        """`DailyClose.totals` (the model's documented keys, plus the ledger's view and counts)."""
        return {"by_channel": {c.channel: c.to_json() for c in self.channels},
                "collected_fen": self.collected_fen, "refunded_fen": self.refunded_fen, "fee_fen": self.fee_fen,
                "adjustments_fen": self.adjustments_fen, "net_fen": self.net_fen}

    @classmethod
    def from_json(cls, day: dt.date, data: dict) -> DayFigures:
        by_channel = data.get("by_channel", {})
        keys = [f for f in ChannelFigures.__dataclass_fields__ if f != "channel"]
        return cls(day=day, channels=tuple(
            ChannelFigures(channel=ch, **{k: int(by_channel.get(ch, {}).get(k, 0)) for k in keys})
            for ch in CHANNELS))


@dataclass
class DayView:
    """One day as the daily-close page shows it: frozen figures once closed, a live preview and
    its blockers while open, the adjustments booked on it and those correcting it (booked later)."""

    day: dt.date
    status: str  # DailyClose.Status
    figures: DayFigures
    blockers: list[Blocker] = field(default_factory=list)
    closed_at: dt.datetime | None = None
    closed_by: Any = None
    adjustments: list[DayAdjustment] = field(default_factory=list)
    corrections: list[DayAdjustment] = field(default_factory=list)

    @property
    def can_close(self) -> bool:
        return self.status == DailyClose.Status.OPEN and not self.blockers


# --- locking ----------------------------------------------------------------------------------------------

def _day_lock(day: dt.date, *, shared: bool) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("a day lock needs a transaction: it would be released at once")
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cur:
        cur.execute(f"SELECT {fn}({_LOCK_SQL})", [lock_key("reconciliation.day", day.isoformat())])


def day_is_closed(day: dt.date) -> bool:
    return DailyClose.objects.filter(day=day, status=DailyClose.Status.CLOSED).exists()


def ensure_day_open(day: dt.date, *, field_name: str = "day") -> None:
    """Raise DAY_CLOSED if `day` is closed. Inside a transaction it also takes a shared lock on the
    day until commit, so a concurrent close waits for this writer and later writers see it closed:
    call it in the transaction that writes the day's money or reconciliation."""
    if connection.in_atomic_block:
        _day_lock(day, shared=True)
    if day_is_closed(day):
        message = _("%(day)s 已日结，不能再修改；如需更正请做日结调整。") % {"day": day.isoformat()}
        raise field_error(field_name, message, Code.DAY_CLOSED)


# --- figures ----------------------------------------------------------------------------------------------

def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (dt.datetime.combine(date_from, dt.time.min, tzinfo=zone),
            dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone))


def _figures(date_from: dt.date, date_to: dt.date) -> dict[dt.date, DayFigures]:
    """Live figures of every day of the range: four grouped queries whatever the number of rows."""
    start, end = _bounds(date_from, date_to)
    zone = timezone.get_current_timezone()
    acc: dict[tuple[dt.date, str], dict[str, int]] = {}

    def add(day, channel, **values):
        slot = acc.setdefault((day, channel), {})
        for k, v in values.items():
            slot[k] = slot.get(k, 0) + (v or 0)

    closed = Q(shift__status=CounterShift.Status.CLOSED)
    orders = (PaymentOrder.objects.filter(status=PaymentOrder.Status.PAID, paid_at__gte=start, paid_at__lt=end)
              .annotate(d=TruncDate("paid_at", tzinfo=zone), ch=_collection_channel()).values("d", "ch")
              .annotate(amount=Sum("amount_fen"), n=Count("id"), shut=Sum("amount_fen", filter=closed),
                        shut_n=Count("id", filter=closed)).order_by())
    for r in orders:
        add(r["d"], r["ch"], ledger_collected_fen=r["amount"], ledger_count=r["n"])
        if r["ch"] in COUNTER:
            add(r["d"], r["ch"], collected_fen=r["shut"], count=r["shut_n"])
    refunds = (Refund.objects.filter(status=Refund.Status.SUCCESS, finished_at__gte=start, finished_at__lt=end)
               .annotate(d=TruncDate("finished_at", tzinfo=zone), ch=_collection_channel("order__"))
               .values("d", "ch")
               .annotate(amount=Sum("amount_fen"), n=Count("id"), shut=Sum("amount_fen", filter=closed),
                         shut_n=Count("id", filter=closed)).order_by())
    for r in refunds:
        add(r["d"], r["ch"], ledger_refunded_fen=r["amount"])
        if r["ch"] in COUNTER:
            add(r["d"], r["ch"], refunded_fen=r["shut"], refund_count=r["shut_n"])
    paid = Q(kind=StatementEntry.Kind.PAYMENT, status="success")
    back = Q(kind=StatementEntry.Kind.REFUND, status="success")
    entries = (StatementEntry.objects.filter(run__bill_date__gte=date_from, run__bill_date__lte=date_to,
                                             run__kind=StatementRun.Kind.TRADE, run__status__in=LOADED)
               .values("run__bill_date", "run__channel")
               .annotate(paid=Sum("amount_fen", filter=paid), n=Count("id", filter=paid),
                         back=Sum("amount_fen", filter=back), back_n=Count("id", filter=back), fee=Sum("fee_fen"))
               .order_by())
    for r in entries:
        add(r["run__bill_date"], r["run__channel"], collected_fen=r["paid"], count=r["n"], refunded_fen=r["back"],
            refund_count=r["back_n"], fee_fen=r["fee"])
    adjustments = (DayAdjustment.objects.filter(day__gte=date_from, day__lte=date_to).values("day", "channel")
                   .annotate(amount=Sum("amount_fen")).order_by())
    for r in adjustments:
        add(r["day"], r["channel"], adjustments_fen=r["amount"])
    out = {}
    for offset in range((date_to - date_from).days + 1):
        day = date_from + dt.timedelta(days=offset)
        out[day] = DayFigures(day=day, channels=tuple(ChannelFigures(channel=ch, **acc.get((day, ch), {}))
                                                      for ch in CHANNELS))
    return out


def day_preview(*, day: dt.date) -> DayFigures:
    """The day's figures as they are now (what closing would freeze)."""
    return _figures(day, day)[day]


# --- blockers ---------------------------------------------------------------------------------------------

def _active_accounts() -> list[tuple[int, str]]:
    from tenants.models import MerchantAccount
    from tenants.selectors import current_company

    return list(MerchantAccount.objects.filter(tenant_id=current_company().pk, is_active=True)
                .order_by("channel", "id").values_list("id", "channel"))


def _first_activity_between(after: dt.date, before: dt.date) -> dt.date | None:
    """The first day strictly between `after` and `before` with money in the ledger, rows in a trade
    bill or an adjustment (four aggregates, also for an empty span: the cost does not depend on the dates)."""
    first, last = after + dt.timedelta(days=1), before - dt.timedelta(days=1)
    start, end = _bounds(first, last)
    days = []
    paid = PaymentOrder.objects.filter(status=PaymentOrder.Status.PAID, paid_at__gte=start,
                                       paid_at__lt=end).aggregate(m=Min("paid_at"))["m"]
    refunded = Refund.objects.filter(status=Refund.Status.SUCCESS, finished_at__gte=start,
                                     finished_at__lt=end).aggregate(m=Min("finished_at"))["m"]
    days += [timezone.localtime(m).date() for m in (paid, refunded) if m]
    billed = StatementEntry.objects.filter(run__bill_date__gte=first, run__bill_date__lte=last,
                                           run__kind=StatementRun.Kind.TRADE).aggregate(m=Min("run__bill_date"))["m"]
    adjusted = DayAdjustment.objects.filter(day__gte=first, day__lte=last).aggregate(m=Min("day"))["m"]
    days += [d for d in (billed, adjusted) if d]
    return min(days) if days else None


def _blockers(date_from: dt.date, date_to: dt.date, figures: dict[dt.date, DayFigures],
              closed_days: set[dt.date], today: dt.date) -> dict[dt.date, list[Blocker]]:
    out: dict[dt.date, list[Blocker]] = {d: [] for d in figures}
    # Day order: the earliest day with activity left open since the last closed day.
    last_closed = DailyClose.objects.filter(status=DailyClose.Status.CLOSED, day__lt=date_from).aggregate(
        m=Max("day"))["m"]
    pending = _first_activity_between(last_closed, date_from) if last_closed else None
    seen_closed = last_closed is not None
    for day in sorted(figures):
        if day >= today:
            out[day].append(Blocker(BlockerKind.NOT_PAST, _("只能对今天以前的日期日结。")))
        if pending is not None:
            out[day].append(Blocker(BlockerKind.EARLIER_DAY_OPEN, _("%(day)s 有收支但尚未日结，请先日结该日。")
                                    % {"day": pending.isoformat()}, day=pending))
        if day in closed_days:
            seen_closed, pending = True, None
        elif seen_closed and pending is None and figures[day].has_activity:
            pending = day
    # Trade runs: every active account needs a CLOSED one; any run of the day must be CLOSED.
    runs = list(StatementRun.objects.filter(bill_date__gte=date_from, bill_date__lte=date_to,
                                            kind=StatementRun.Kind.TRADE)
                .values_list("id", "bill_date", "merchant_account_id", "channel", "status").order_by("bill_date", "id"))
    have = {(d, acc) for _id, d, acc, _ch, _st in runs}
    run_channels = {(d, ch) for _id, d, _acc, ch, _st in runs}
    accounts = _active_accounts()
    for day in figures:
        for account_id, channel in accounts:
            if (day, account_id) not in have:
                out[day].append(Blocker(BlockerKind.RUN_MISSING, _("%(channel)s 商户尚未获取该日对账单。")
                                        % {"channel": CollectionChannel(channel).label}, channel=channel,
                                        merchant_account_id=account_id))
        for channel in ONLINE:
            if (day, channel) not in run_channels and figures[day].channel(channel).ledger_count and \
                    channel not in {ch for _a, ch in accounts}:
                out[day].append(Blocker(BlockerKind.RUN_MISSING, _("本地有%(channel)s收款，但没有该日的对账单。")
                                        % {"channel": CollectionChannel(channel).label}, channel=channel))
    for run_id, day, account_id, channel, status in runs:
        if status != StatementRun.Status.CLOSED:
            message = _("%(channel)s 对账批次 #%(id)s 尚未关闭（%(status)s）。") % {
                "channel": CollectionChannel(channel).label, "id": run_id, "status": StatementRun.Status(status).label}
            out[day].append(Blocker(BlockerKind.RUN_NOT_CLOSED, message,
                                    channel=channel, merchant_account_id=account_id, run_id=run_id,
                                    run_status=status))
    # Open shifts holding counter money of the day (payments taken or refunds handed back).
    start, end = _bounds(date_from, date_to)
    zone = timezone.get_current_timezone()
    open_shift = Q(shift__status=CounterShift.Status.OPEN)
    who = ("d", "shift_id", "shift__collector__display_name", "shift__collector__username")
    held = set(PaymentOrder.objects.filter(open_shift, channel=Channel.COUNTER, status=PaymentOrder.Status.PAID,
                                           paid_at__gte=start, paid_at__lt=end)
               .annotate(d=TruncDate("paid_at", tzinfo=zone)).values_list(*who).distinct())
    held |= set(Refund.objects.filter(open_shift, status=Refund.Status.SUCCESS, finished_at__gte=start,
                                      finished_at__lt=end)
                .annotate(d=TruncDate("finished_at", tzinfo=zone)).values_list(*who).distinct())
    for day, shift_id, display_name, username in sorted(held):
        name = display_name or username
        out[day].append(Blocker(BlockerKind.SHIFT_OPEN, _("收费员 %(name)s 的班次 #%(id)s 尚未日结。")
                                % {"name": name, "id": shift_id}, shift_id=shift_id, collector_name=name))
    return out


def day_blockers(*, day: dt.date, today: dt.date | None = None) -> list[Blocker]:
    """Why `day` cannot close now (empty: it can)."""
    figures = _figures(day, day)
    closed = {day} if day_is_closed(day) else set()
    return _blockers(day, day, figures, closed, today or timezone.localdate())[day]


# --- reads for the page -----------------------------------------------------------------------------------

def _adjustments(date_from: dt.date, date_to: dt.date) -> tuple[dict, dict]:
    booked: dict[dt.date, list[DayAdjustment]] = {}
    correcting: dict[dt.date, list[DayAdjustment]] = {}
    rows = (DayAdjustment.objects.select_related("created_by")
            .filter(Q(day__gte=date_from, day__lte=date_to) | Q(corrects_day__gte=date_from, corrects_day__lte=date_to))
            .order_by("created_at", "id"))
    for a in rows:
        if date_from <= a.day <= date_to:
            booked.setdefault(a.day, []).append(a)
        if date_from <= a.corrects_day <= date_to:
            correcting.setdefault(a.corrects_day, []).append(a)
    return booked, correcting


def daily_close_list(*, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> list[DayView]:
    """Every day of the range, newest first: closed days with their frozen figures, open days live with
    their blockers. A constant number of queries (about a dozen) whatever the range and the rows."""
    if date_to < date_from:
        raise field_error("dateTo", _("结束日期不能早于开始日期。"), Code.INVALID)
    if (date_to - date_from).days >= MAX_LIST_DAYS:
        raise field_error("dateTo", _("一次最多查询 %(days)s 天。") % {"days": MAX_LIST_DAYS}, Code.DATE_OUT_OF_RANGE)
    today = today or timezone.localdate()
    closes = {c.day: c for c in DailyClose.objects.select_related("closed_by").filter(
        day__gte=date_from, day__lte=date_to)}
    closed_days = {d for d, c in closes.items() if c.status == DailyClose.Status.CLOSED}
    live = _figures(date_from, date_to)
    blockers = _blockers(date_from, date_to, live, closed_days, today)
    booked, correcting = _adjustments(date_from, date_to)
    out = []
    for day in sorted(live, reverse=True):
        row = closes.get(day)
        if day in closed_days:
            view = DayView(day=day, status=DailyClose.Status.CLOSED, figures=DayFigures.from_json(day, row.totals),
                           closed_at=row.closed_at, closed_by=row.closed_by)
        else:
            view = DayView(day=day, status=DailyClose.Status.OPEN, figures=live[day], blockers=blockers[day])
        view.adjustments, view.corrections = booked.get(day, []), correcting.get(day, [])
        out.append(view)
    return out


def daily_close_get(*, day: dt.date, today: dt.date | None = None) -> DayView:
    return daily_close_list(date_from=day, date_to=day, today=today)[0]


# --- writes -----------------------------------------------------------------------------------------------

def _row_locked(day: dt.date) -> DailyClose:
    DailyClose.objects.bulk_create([DailyClose(day=day)], ignore_conflicts=True)
    return DailyClose.objects.select_for_update().get(day=day)


@transaction.atomic
def day_close(*, day: dt.date, actor, ip: str | None = None, today: dt.date | None = None) -> DailyClose:
    """日结: freeze the day's figures once nothing blocks it (DAY_NOT_READY lists what does).
    Holds the day's exclusive lock: writers of the day (runs, resolutions, adjustments) finish first."""
    _day_lock(day, shared=False)
    row = _row_locked(day)
    if row.status == DailyClose.Status.CLOSED:
        raise field_error("day", _("%(day)s 已日结。") % {"day": day.isoformat()}, Code.DAY_CLOSED)
    blockers = day_blockers(day=day, today=today)
    if blockers:
        raise field_error("day", _("该日尚不能日结：%(why)s") % {"why": "；".join(b.message for b in blockers)},
                          Code.DAY_NOT_READY)
    figures = day_preview(day=day)
    now = timezone.now()
    totals = figures.to_json()
    updated = DailyClose.objects.filter(pk=row.pk, status=DailyClose.Status.OPEN).update(
        status=DailyClose.Status.CLOSED, totals=totals, closed_by=actor, closed_at=now)
    if updated != 1:  # compare-and-set; the row lock makes this a safety net
        raise field_error("day", _("该日已被他人日结。"), Code.CONCURRENT_CHANGE)
    row.status, row.totals, row.closed_by, row.closed_at = DailyClose.Status.CLOSED, totals, actor, now
    audit_record(actor=actor, action="reconciliation.day_close", target=row, ip=ip, day=day.isoformat(),
                 net_fen=figures.net_fen, collected_fen=figures.collected_fen, refunded_fen=figures.refunded_fen,
                 by_channel={c.channel: c.net_fen for c in figures.channels})
    return row


def adjustment_day(*, today: dt.date | None = None) -> dt.date:
    """Where a correction is booked: the first open day on or after today."""
    day = today or timezone.localdate()
    closed = set(DailyClose.objects.filter(status=DailyClose.Status.CLOSED, day__gte=day).values_list("day", flat=True))
    while day in closed:
        day += dt.timedelta(days=1)
    return day


@transaction.atomic
def adjustment_create(*, corrects_day: dt.date, channel: str, amount_fen: int, reason: str, actor,
                      difference_id: int | None = None, ip: str | None = None,
                      today: dt.date | None = None) -> DayAdjustment:
    """A correction of a CLOSED day (signed fen), booked on the first open day on or after today;
    the closed day's frozen figures never change. `difference_id`: the statement difference of
    that day it settles, if any."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise field_error("reason", _("请填写调整原因（至少 2 个字）。"), Code.REQUIRED)
    if channel not in CHANNELS:
        raise field_error("channel", _("渠道无效。"), Code.INVALID)
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen == 0:
        raise field_error("amountFen", _("调整金额不能为 0。"), Code.INVALID)
    if not day_is_closed(corrects_day):
        raise field_error("correctsDay", _("只能调整已日结的日期；未日结的日期请直接处理差异。"),
                          Code.NOT_ALLOWED_IN_STATE)
    difference = None
    if difference_id is not None:
        difference = Difference.objects.select_related("run").filter(pk=difference_id).first()
        if difference is None:
            raise field_error("differenceId", _("找不到该差异。"), Code.NOT_FOUND)
        if difference.run.bill_date != corrects_day:
            raise field_error("differenceId", _("该差异不属于所更正的日期。"), Code.INVALID)
    for _attempt in range(3):
        day = adjustment_day(today=today)
        _day_lock(day, shared=True)  # holds the day open until we commit (a close at midnight waits for us)
        if not day_is_closed(day):
            break
    else:  # pragma: no cover - three closes in a row while we booked
        raise field_error("correctsDay", _("请稍后重试。"), Code.CONCURRENT_CHANGE)
    adjustment = DayAdjustment.objects.create(day=day, corrects_day=corrects_day, channel=channel,
                                              amount_fen=amount_fen, reason=reason[:255], difference=difference,
                                              created_by=actor)
    audit_record(actor=actor, action="reconciliation.day_adjust", target=adjustment, ip=ip, day=day.isoformat(),
                 corrects_day=corrects_day.isoformat(), channel=channel, amount_fen=amount_fen, reason=reason[:255],
                 difference_id=difference_id)
    return adjustment


__all__ = ["Blocker", "BlockerKind", "ChannelFigures", "DayFigures", "DayView", "adjustment_create",
           "adjustment_day", "daily_close_get", "daily_close_list", "day_blockers", "day_close", "day_is_closed",
           "day_preview", "ensure_day_open"]

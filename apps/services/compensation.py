"""Room-temperature compensation: the pure engine (`compute`) and the services that create, approve, reject and
apply a shortfall period's compensation.

The engine (no ORM): day rate = the season's fee ÷ the legal season days (`Season.days`); a segment of days
at one band earns day rate × band ratio × days. The fee base is the rule's:
- FULL: the bill's fee lines (heating_fee, basic_fee, metered_fee, relief);
- EXCLUDING_BASIC (Xi'an): the same less the basic fee — a two-part bill's `basic_fee` line; an area-priced
  bill has no basic line, so its basic fee is taken as the tariff's 报停 basic share (`opted_out_basic_pct`
  of the heating fee: what the company itself calls the basic part of an area fee); 0 % removes nothing;
- AFFECTED_AREA (Beijing): the tariff's area unit price ÷ season days × the area of each non-compliant room,
  each room at its own band.
Amounts are exact Decimal until one rounding per line (half-up to the fen, heat_platform.money); the lines
are rounded cumulatively (each line = rounded running total − the previous rounded running total), so the
total is the rounded exact total and can never exceed the rounded fee of the days it covers.

Applying (`compensation_apply`, once, under the compensation's row lock): the season's bill still owed →
a `credit` line on it through billing's ledger, at most what it owes; the rest (or a paid season) per
ServiceSettings.paid_compensation: NEXT_BILL → an open COMPENSATION HouseCredit the house's next bill run
consumes; REFUND → a `credit` line on the paid bill (it is then over-paid by exactly that) and a refund of the
bill's paid online order through apps.payments (outside any transaction, request number CMP<id>, so a retry
is the same refund); a counter payment, an order without room to refund that bill, or a refused refund →
NEXT_BILL (a refused refund first posts the credit back as an adjustment)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.messaging import hooks as messaging_hooks
from heat_platform.kernel.errors import field_error
from heat_platform.money import HUNDRED, fen_to_yuan_str, yuan_to_fen

from .errors import ServiceErrorCode as Code
from .events import ticket_event_add
from .models import Compensation, Inspection, QualityRule, ServiceSettings, ShortfallPeriod
from .quality import band_pct

logger = logging.getLogger(__name__)

FEE_KINDS = ("heating_fee", "basic_fee", "metered_fee", "relief")
# A REFUNDING compensation without a refund this long after its last change is re-sent (compensations_retry).
RESEND_AFTER = dt.timedelta(minutes=15)


# --- the pure engine -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoomTemp:
    name: str
    area: Decimal  # ㎡
    temp: Decimal  # the room's mean reading, ℃


@dataclass(frozen=True)
class Segment:
    """Consecutive days at one measured state: the house's (lowest room's) temperature and its rooms."""

    temp: Decimal
    days: int
    rooms: tuple[RoomTemp, ...] = ()


def _num(value: Decimal) -> str:
    """16.50 → '16.5', 30.00 → '30', 2400 → '2400'."""
    text = format(Decimal(value).normalize(), "f")
    return text


def _yuan(value: Decimal) -> str:
    """A yuan figure with at least two decimals (more only when it has them)."""
    text = format(Decimal(value).normalize(), "f")
    if "." not in text:
        return f"{text}.00"
    whole, frac = text.split(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def compute(rule, *, season_days: int, fee_fen: int | Decimal | None = None, basic_fen: int | Decimal = 0,
            area_fee_per_m2: Decimal | None = None, segments: Sequence[Segment],
            rounding: str = "half_up") -> tuple[int, list[dict]]:
    """(amount_fen, lines) a shortfall earns under `rule` (a QualityRule, saved or not). One line per segment
    (per segment and non-compliant room for AFFECTED_AREA); segments at or above the standard earn nothing.
    AFFECTED_AREA with a known `fee_fen`: the total never exceeds the fee of the days covered (fee × days ÷
    season days, rounded down), whatever room areas were entered."""
    if season_days <= 0:
        raise ValueError("season_days must be positive")
    standard = Decimal(rule.standard_temp)
    entries: list[tuple[Decimal, dict, str]] = []  # (exact yuan, line fields, text before the amount)
    if rule.fee_base == QualityRule.FeeBase.AFFECTED_AREA:
        price = Decimal(area_fee_per_m2 or 0)
        for seg in segments:
            if seg.days <= 0:
                continue
            for room in seg.rooms:
                pct = band_pct(rule, room.temp)
                if not pct:
                    continue
                exact = price * Decimal(room.area) * pct / HUNDRED * seg.days / season_days
                below = standard - Decimal(room.temp)
                text = (f"{room.name}室温{_num(room.temp)}℃，低于标准{_num(below)}℃，{seg.days}天，退费{_num(pct)}%："
                        f"{_yuan(price)}元/㎡ ÷ {season_days}天 × {_yuan(Decimal(room.area))}㎡ × {_num(pct)}% × "
                        f"{seg.days}天")
                entries.append((exact, {"room": room.name, "area": _yuan(Decimal(room.area)),
                                        "temp": _num(room.temp), "below": _num(below), "pct": _num(pct),
                                        "days": seg.days}, text))
    else:
        base_fen = Decimal(fee_fen or 0)
        label = _("采暖季热费")
        if rule.fee_base == QualityRule.FeeBase.EXCLUDING_BASIC:
            base_fen -= Decimal(basic_fen)
            label = _("扣除基本热费后热费")
        base = max(base_fen, Decimal(0)) / HUNDRED
        for seg in segments:
            pct = band_pct(rule, seg.temp)
            if seg.days <= 0 or not pct:
                continue
            exact = base * pct / HUNDRED * seg.days / season_days
            below = standard - Decimal(seg.temp)
            text = (f"室温{_num(seg.temp)}℃，低于标准{_num(below)}℃，{seg.days}天，退费{_num(pct)}%："
                    f"{label}{_yuan(base)}元 ÷ {season_days}天 × {_num(pct)}% × {seg.days}天")
            entries.append((exact, {"temp": _num(seg.temp), "below": _num(below), "pct": _num(pct),
                                    "days": seg.days}, text))
    cap = None
    if rule.fee_base == QualityRule.FeeBase.AFFECTED_AREA and fee_fen is not None:
        days = sum(seg.days for seg in segments if seg.days > 0)
        cap = int((Decimal(fee_fen) * days / season_days).to_integral_value(rounding=ROUND_DOWN))
    lines, running, previous = [], Decimal(0), 0
    for exact, fields, text in entries:
        running += exact
        total = yuan_to_fen(running, rounding=rounding)
        capped = cap is not None and total > cap
        if capped:
            total = cap
        amount = total - previous
        previous = total
        text = f"{text} = {fen_to_yuan_str(amount)}元"
        if capped:
            text += _("（合计以%(days)s天热费%(cap)s元封顶）") % {"days": days, "cap": fen_to_yuan_str(cap)}
        lines.append({**fields, "amount_fen": amount, "text": text})
    return previous, lines


# --- from the database to the engine ---------------------------------------------------------------------

def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def period_segments(period: ShortfallPeriod) -> list[Segment]:
    """The period's days split by the non-compliant inspections that set its band (the last one of a day
    counts), from `started_on` to `ended_on`."""
    inspections = list(Inspection.objects.filter(
        house_id=period.house_id, compliant=False, cause=Inspection.Cause.UTILITY,
        measured_at__gte=period.opened_by.measured_at).order_by("measured_at", "id"))
    if period.closed_by_id is not None:
        inspections = [i for i in inspections if i.measured_at < period.closed_by.measured_at]
    by_day: dict[dt.date, Inspection] = {}
    for inspection in inspections:
        day = max(_local_day(inspection.measured_at), period.started_on)
        if day <= period.ended_on:
            by_day[day] = inspection
    days = sorted(by_day)
    segments = []
    for i, day in enumerate(days):
        until = days[i + 1] - dt.timedelta(days=1) if i + 1 < len(days) else period.ended_on
        inspection = by_day[day]
        rooms = tuple(RoomTemp(r["name"], Decimal(str(r["area"])), Decimal(str(r["temp"])))
                      for r in inspection.rooms if r.get("temp") is not None)
        segments.append(Segment(Decimal(inspection.house_temp), (until - day).days + 1, rooms))
    return segments


@dataclass(frozen=True)
class FeeBase:
    fee_fen: int
    basic_fen: Decimal
    area_fee_per_m2: Decimal
    rounding: str


def bill_fee_base(bill) -> FeeBase:
    """The fee figures of a season's bill the engine works from (see the module docstring)."""
    from apps.billing.engine import TariffParams

    params = TariffParams.from_snapshot(bill.snapshot)
    sums = dict.fromkeys(FEE_KINDS, 0)
    for kind, amount in bill.lines.filter(kind__in=FEE_KINDS).values_list("kind", "amount_fen"):
        sums[kind] += amount
    fee = sum(sums.values())
    if params.pricing == "two_part" or sums["basic_fee"]:
        basic = Decimal(sums["basic_fee"])
    else:
        basic = Decimal(sums["heating_fee"]) * params.opted_out_basic_pct / HUNDRED
    return FeeBase(fee, basic, params.area_unit_price, params.rounding)


# --- services --------------------------------------------------------------------------------------------

def _bill_text(comp: Compensation, period: ShortfallPeriod) -> str:
    """The bill line / next-season credit: the days, and per room (or band) how far below standard and the
    ratio, e.g. "室温不达标补偿：11月27日至12月7日共11天，主卧15.2℃低于标准2.8℃退费60%；…，合计39.53元". The
    arithmetic of each part stays on the compensation; past the bill line's length only the short form."""
    head = _("室温不达标补偿：%(season)s采暖季%(start)s至%(end)s共%(days)s天") % {
        "season": comp.season.name, "start": f"{period.started_on.month}月{period.started_on.day}日",
        "end": f"{period.ended_on.month}月{period.ended_on.day}日", "days": comp.days}
    parts = [_("%(room)s%(temp)s℃低于标准%(below)s℃退费%(pct)s%%（%(days)s天）") % {
        "room": line.get("room") or _("室温"), "temp": line["temp"], "below": line["below"], "pct": line["pct"],
        "days": line["days"]} for line in comp.lines]
    total = _("合计%(amount)s元") % {"amount": fen_to_yuan_str(comp.amount_fen)}
    text = f"{head}，{'；'.join(parts)}，{total}" if parts else f"{head}，{total}"
    # The credit line appends "，本次抵扣…元" to it, here or on a later bill (the carried credit keeps at most
    # CREDIT_EXPLANATION_MAX characters): past that only the short form, so the total is never cut.
    from apps.billing.services.credits import CREDIT_EXPLANATION_MAX

    return text if len(text) <= CREDIT_EXPLANATION_MAX else f"{head}，{total}"


def _season_bill(period: ShortfallPeriod):
    from apps.billing.models import Bill

    return Bill.objects.filter(house_id=period.house_id, season_id=period.season_id).first()


def compensation_create(period: ShortfallPeriod, *, actor=None) -> Compensation | None:
    """The compensation of a CLOSED period (idempotent: its existing one). None while the season has no bill
    for the house yet (the season-end task tries again). Below the approval threshold it is applied at once
    (after commit); at or above, it waits for finance."""
    with transaction.atomic():
        period = (ShortfallPeriod.objects.select_for_update(of=("self",))
                  .select_related("rule", "season", "opened_by", "closed_by", "ticket").get(pk=period.pk))
        existing = Compensation.objects.filter(period=period).first()
        if existing is not None:
            return existing
        if period.status != ShortfallPeriod.Status.CLOSED or period.ended_on is None:
            raise field_error("period", _("不达标期尚未结束。"), Code.NOT_ALLOWED_IN_STATE)
        bill = _season_bill(period)
        if bill is None:
            return None
        rule, season = period.rule, period.season
        days = max(0, (period.ended_on - period.started_on).days + 1)
        restored_at = (period.closed_by.measured_at if period.closed_by_id is not None
                       else timezone.make_aware(dt.datetime.combine(season.heating_end, dt.time.max)))
        within_grace = restored_at - period.opened_by.measured_at <= dt.timedelta(hours=rule.grace_hours)
        if within_grace or days == 0:
            amount, lines = 0, []
            explanation = _("在%(hours)s小时整改时限内恢复达标，依规不予退费。") % {"hours": rule.grace_hours}
        else:
            base = bill_fee_base(bill)
            amount, lines = compute(rule, season_days=season.days, fee_fen=base.fee_fen, basic_fen=base.basic_fen,
                                    area_fee_per_m2=base.area_fee_per_m2, segments=period_segments(period),
                                    rounding=base.rounding)
            explanation = "；".join(line["text"] for line in lines) or _("室温未低于退费档位，无需补偿。")
            if len(explanation) > 500:
                explanation = explanation[:499] + "…"
        threshold = ServiceSettings.get().approval_threshold_fen
        if amount == 0:
            status = Compensation.Status.NONE_DUE
        elif amount >= threshold:
            status = Compensation.Status.PENDING_APPROVAL
        else:
            status = Compensation.Status.APPROVED
        comp = Compensation.objects.create(period=period, house_id=period.house_id, season=season, bill=bill,
                                           amount_fen=amount, days=days, lines=lines, explanation=explanation,
                                           status=status)
        audit_record(actor=actor, action="compensation.create", target=comp, period_id=period.pk,
                     amount_fen=amount, days=days, status=status)
        note = {
            Compensation.Status.NONE_DUE: _("室温补偿：%(text)s"),
            Compensation.Status.PENDING_APPROVAL: _("室温补偿%(amount)s元，待财务审批。"),
            Compensation.Status.APPROVED: _("室温补偿%(amount)s元，已确认。"),
        }[status] % {"text": explanation, "amount": fen_to_yuan_str(amount)}
        ticket_event_add(period.ticket, action="compensation", actor=actor, note=note,
                         compensation_id=comp.pk, amount_fen=amount)
        if status == Compensation.Status.APPROVED:
            _apply_after_commit(comp.pk)
    return comp


def _apply_after_commit(compensation_id: int) -> None:
    """compensation_apply once the transaction commits, in this company's schema on its cluster (the callback
    may run after the request has left it)."""
    from django.db import connection

    from tenants.directory import company_context

    company = connection.tenant

    def run():
        # The approval (or inspection) is committed: a failure here must not turn its answer into an error.
        # The row stays APPROVED (or REFUNDING without a refund) and `compensations_retry` picks it up.
        with company_context(company):
            try:
                compensation_apply(compensation_id)
            except Exception:
                logger.exception("compensation %s could not be applied now; the retry sweep will", compensation_id)

    transaction.on_commit(run)


def _locked(compensation_id) -> Compensation:
    comp = Compensation.objects.select_for_update(of=("self",)).filter(pk=compensation_id).first()
    if comp is None:
        raise field_error("id", _("找不到该补偿。"), Code.NOT_FOUND)
    return comp


def _review(compensation_id, *, actor, note: str, to: str, action: str, ip: str | None) -> Compensation:
    """Move a PENDING_APPROVAL compensation to `to` (APPROVED / REJECTED) under its row lock, compare-and-set,
    recording the reviewer and note; audited. Call inside a transaction."""
    comp = _locked(compensation_id)
    if comp.status != Compensation.Status.PENDING_APPROVAL:
        raise field_error("id", _("该补偿不在待审批状态。"), Code.NOT_ALLOWED_IN_STATE)
    now = timezone.now()
    moved = Compensation.objects.filter(pk=comp.pk, status=Compensation.Status.PENDING_APPROVAL).update(
        status=to, approved_by=actor, approved_at=now, review_note=note, updated_at=now)
    if moved != 1:
        raise field_error("id", _("该补偿已被他人处理，请刷新。"), Code.CONCURRENT_CHANGE)
    audit_record(actor=actor, action=action, target=comp, ip=ip, amount_fen=comp.amount_fen, note=note)
    comp.refresh_from_db()
    return comp


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise field_error("note", _("请填写驳回原因。"), Code.REQUIRED)
    if len(note) > 200:
        raise field_error("note", _("最多 200 个字。"), Code.TOO_LONG)
    return note


def compensation_approve(*, compensation_id, actor, note: str = "", ip: str | None = None) -> Compensation:
    """Finance (or an admin) approves a compensation waiting for approval; it is then applied (after commit)."""
    note = _note(note, required=False)
    with transaction.atomic():
        comp = _review(compensation_id, actor=actor, note=note, to=Compensation.Status.APPROVED,
                       action="compensation.approve", ip=ip)
        _apply_after_commit(comp.pk)
    return Compensation.objects.get(pk=comp.pk)


@transaction.atomic
def compensation_reject(*, compensation_id, actor, note: str = "", ip: str | None = None) -> Compensation:
    """Finance (or an admin) rejects a compensation waiting for approval, with a reason."""
    note = _note(note, required=True)
    comp = _review(compensation_id, actor=actor, note=note, to=Compensation.Status.REJECTED,
                   action="compensation.reject", ip=ip)
    ticket_event_add(comp.period.ticket, action="compensation", actor=actor,
                     note=_("室温补偿未获批准：%(note)s") % {"note": note}, compensation_id=comp.pk)
    return comp


def _refund_order(bill, amount_fen: int):
    """A paid online order of `bill` a refund of `amount_fen` would take back from this bill alone (refunds take
    from an order's bills last bill first, and from money no bill took before any): no other bill after this one
    still holding money, no unapplied money, no discount or late fee priced in (a refund reverses those pro
    rata). None: carry the compensation to the next bill instead."""
    from apps.payments.models import OrderBill, PaymentOrder, Refund
    from apps.payments.services.orders import ONLINE

    items = (OrderBill.objects.filter(bill_id=bill.pk, order__status=PaymentOrder.Status.PAID,
                                      order__channel__in=ONLINE, order__needs_refund_fen=0)
             .select_related("order").order_by("-order__paid_at", "-order_id"))
    for item in items:
        order = item.order
        if item.applied_fen - item.refunded_fen < amount_fen:
            continue
        if item.priced_as_quoted and (item.discount_fen or item.late_fee_fen):
            continue
        later = OrderBill.objects.filter(order=order, bill_id__gt=bill.pk)
        if any(other.applied_fen > other.refunded_fen for other in later):
            continue
        pending = sum(Refund.objects.filter(order=order, status__in=Refund.PENDING).values_list("amount_fen",
                                                                                               flat=True))
        if order.amount_fen - order.refunded_fen - pending >= amount_fen:
            return order
    return None


def _request_no(comp: Compensation) -> str:
    return f"CMP{comp.pk:08d}"


def compensation_apply(compensation_id: int) -> Compensation:
    """Credit, carry or refund an APPROVED compensation, once (anything else: returned as it is). Call outside
    any transaction (a refund goes to the provider): the services here call it through `on_commit`."""
    from apps.billing.engine import one_off_line
    from apps.billing.models import Bill, BillLine
    from apps.billing.services import PAYABLE, bill_post, bills_lock
    from apps.billing.services.credits import compensation_credit_add

    refund_order_id = None
    with transaction.atomic():
        comp = _locked(compensation_id)
        if comp.status != Compensation.Status.APPROVED:
            return comp
        period = comp.period
        text = _bill_text(comp, period)
        bill = bills_lock([comp.bill_id], for_quote=False)[0] if comp.bill_id else None
        owed = max(0, bill.principal_fen - bill.paid_fen) if bill is not None and bill.status in PAYABLE else 0
        credit = min(comp.amount_fen, owed)
        rest = comp.amount_fen - credit
        lines = []
        if credit:
            lines.append(one_off_line(BillLine.Kind.CREDIT, -credit, text if not rest else
                                      f"{text}，本次抵扣{fen_to_yuan_str(credit)}元"))
        comp.credited_fen = credit
        comp.method = Compensation.Method.BILL_CREDIT
        comp.status = Compensation.Status.CREDITED
        if rest:
            order = None
            if (ServiceSettings.get().paid_compensation == ServiceSettings.PaidCompensation.REFUND
                    and bill is not None and bill.status in (*PAYABLE, Bill.Status.PAID)):
                order = _refund_order(bill, rest)
            if order is not None:
                # The paid bill takes the credit (over-paid by `rest`), the refund takes the money back from it.
                lines.append(one_off_line(BillLine.Kind.CREDIT, -rest,
                                          _("%(text)s，原路退款%(amount)s元") % {"text": text,
                                                                           "amount": fen_to_yuan_str(rest)}))
                comp.method, comp.status = Compensation.Method.REFUND, Compensation.Status.REFUNDING
                refund_order_id = order.pk
            else:
                compensation_credit_add(house_id=comp.house_id, season_id=comp.season_id, amount_fen=rest,
                                        explanation=text)
                comp.carried_fen = rest
                comp.method, comp.status = Compensation.Method.NEXT_BILL, Compensation.Status.CARRIED
        if lines:
            bill_post(bill, lines=lines)
        comp.save(update_fields=["credited_fen", "carried_fen", "method", "status", "updated_at"])
        audit_record(actor=None, action="compensation.apply", target=comp, method=comp.method,
                     credited_fen=comp.credited_fen, carried_fen=comp.carried_fen,
                     refund_fen=rest if refund_order_id else 0, bill_id=comp.bill_id)
        event = ticket_event_add(period.ticket, action="compensation", note={
            Compensation.Status.CREDITED: _("室温补偿%(amount)s元已抵扣本季账单。"),
            Compensation.Status.CARRIED: _("室温补偿%(amount)s元，本季账单已缴清，将抵扣下季热费。"),
            Compensation.Status.REFUNDING: _("室温补偿%(amount)s元，正在原路退款。"),
        }[comp.status] % {"amount": fen_to_yuan_str(comp.amount_fen)}, compensation_id=comp.pk)
        if comp.status != Compensation.Status.REFUNDING:  # a refund is told when it went through
            messaging_hooks.ticket_changed(period.ticket_id, event.pk)
    if refund_order_id is not None:
        return _refund_send(comp, refund_order_id, rest)
    return comp


def _refund_send(comp: Compensation, order_id: int, amount_fen: int) -> Compensation:
    from apps.payments.services.refunds import refund_request

    try:
        refund = refund_request(order_id=order_id, amount_fen=amount_fen, reason=_("室温不达标补偿"),
                                actor=comp.approved_by, request_no=_request_no(comp))
    except ValidationError as exc:
        logger.warning("compensation %s: refund refused (%s); carried to the next bill", comp.pk, exc)
        return _refund_fallback(comp.pk, amount_fen)
    with transaction.atomic():
        locked = _locked(comp.pk)
        if locked.refund_id is None:
            locked.refund = refund
            locked.save(update_fields=["refund", "updated_at"])
    return compensation_refund_sync(comp.pk)


def _refund_fallback(compensation_id: int, amount_fen: int) -> Compensation:
    """A refund that could not be made: the credit posted for it is taken back and the amount carried."""
    from apps.billing.engine import one_off_line
    from apps.billing.models import BillLine
    from apps.billing.services import bill_post, bills_lock
    from apps.billing.services.credits import compensation_credit_add

    with transaction.atomic():
        comp = _locked(compensation_id)
        if comp.status != Compensation.Status.REFUNDING:
            return comp
        bill = bills_lock([comp.bill_id], for_quote=False)[0]
        text = _bill_text(comp, comp.period)
        bill_post(bill, lines=[one_off_line(BillLine.Kind.ADJUSTMENT, amount_fen,
                                            _("室温补偿原路退款未成功，改为抵扣下季热费：%(amount)s元") % {
                                                "amount": fen_to_yuan_str(amount_fen)})])
        compensation_credit_add(house_id=comp.house_id, season_id=comp.season_id, amount_fen=amount_fen,
                                explanation=text)
        comp.carried_fen += amount_fen
        comp.method, comp.status = Compensation.Method.NEXT_BILL, Compensation.Status.CARRIED
        comp.save(update_fields=["carried_fen", "method", "status", "updated_at"])
        audit_record(actor=None, action="compensation.refund_failed", target=comp, carried_fen=amount_fen)
    return comp


def compensation_refund_sync(compensation_id: int) -> Compensation:
    """A REFUNDING compensation follows its refund: SUCCESS → REFUNDED; CLOSED (refused for good) → carried to
    the next bill; PROCESSING / ABNORMAL → still refunding."""
    from apps.payments.models import Refund

    with transaction.atomic():
        comp = _locked(compensation_id)
        if comp.status != Compensation.Status.REFUNDING or comp.refund_id is None:
            return comp
        refund = Refund.objects.get(pk=comp.refund_id)
        if refund.status == Refund.Status.SUCCESS:
            comp.refunded_fen = refund.amount_fen
            comp.status = Compensation.Status.REFUNDED
            comp.save(update_fields=["refunded_fen", "status", "updated_at"])
            audit_record(actor=None, action="compensation.refunded", target=comp, refunded_fen=refund.amount_fen)
            note = _("室温补偿%(amount)s元已原路退回。") % {"amount": fen_to_yuan_str(refund.amount_fen)}
            event = ticket_event_add(comp.period.ticket, action="compensation", note=note, compensation_id=comp.pk)
            messaging_hooks.ticket_changed(comp.period.ticket_id, event.pk)
            return comp
        closed = refund.status == Refund.Status.CLOSED
    if closed:
        return _refund_fallback(compensation_id, refund.amount_fen)
    return comp


def shortfalls_close_at_season_end(*, today: dt.date | None = None) -> dict:
    """Close the periods still open when their season has ended (ended_on = the season's last day) and
    compensate them; create the compensations still missing (no bill earlier); follow refunds in flight."""
    today = today or timezone.localdate()
    closed = created = 0
    open_ids = list(ShortfallPeriod.objects.filter(status=ShortfallPeriod.Status.OPEN,
                                                   season__heating_end__lt=today).values_list("pk", flat=True))
    for pk in open_ids:
        with transaction.atomic():
            period = (ShortfallPeriod.objects.select_for_update(of=("self",)).select_related("season", "ticket")
                      .filter(pk=pk, status=ShortfallPeriod.Status.OPEN).first())
            if period is None:
                continue
            period.status, period.ended_on = ShortfallPeriod.Status.CLOSED, period.season.heating_end
            period.save(update_fields=["status", "ended_on"])
            audit_record(actor=None, action="shortfall.close", target=period, ended_on=period.ended_on.isoformat(),
                         reason="season_end")
            ticket_event_add(period.ticket, action="shortfall_close", note=_(
                "采暖季结束，室温不达标期截至%(day)s。") % {"day": period.ended_on.isoformat()})
            closed += 1
    missing = list(ShortfallPeriod.objects.filter(status=ShortfallPeriod.Status.CLOSED, compensation__isnull=True)
                   .values_list("pk", flat=True))
    for pk in missing:
        try:
            if compensation_create(ShortfallPeriod(pk=pk)) is not None:
                created += 1
        except Exception:
            logger.exception("shortfall period %s: compensation could not be created", pk)
    return {"closed": closed, "compensated": created, **compensations_retry()}


def compensations_retry(*, now: dt.datetime | None = None) -> dict:
    """Safe to run at any time, hourly: applies APPROVED compensations whose after-commit application failed or
    never ran; re-sends the refund of REFUNDING ones left without a refund (the refund call failed after the
    credit line was posted; the request number CMP<id> makes a resend the same refund) once they have been
    left alone for RESEND_AFTER (so a refund still being sent by its request is not sent twice); follows
    refunds in flight. Each compensation on its own: one failure is logged and does not stop the others."""
    now = now or timezone.now()
    applied = resent = 0
    approved = list(Compensation.objects.filter(status=Compensation.Status.APPROVED).order_by("pk")
                    .values_list("pk", flat=True))
    for pk in approved:
        try:
            if compensation_apply(pk).status != Compensation.Status.APPROVED:
                applied += 1
        except Exception:
            logger.exception("compensation %s could not be applied", pk)
    unsent = list(Compensation.objects.filter(status=Compensation.Status.REFUNDING, refund__isnull=True,
                                              updated_at__lt=now - RESEND_AFTER).order_by("pk")
                  .values_list("pk", flat=True))
    for pk in unsent:
        try:
            _refund_resend(pk)
            resent += 1
        except Exception:
            logger.exception("compensation %s: refund could not be re-sent", pk)
    refunding = list(Compensation.objects.filter(status=Compensation.Status.REFUNDING, refund__isnull=False)
                     .order_by("pk").values_list("pk", flat=True))
    for pk in refunding:
        try:
            compensation_refund_sync(pk)
        except Exception:
            logger.exception("compensation %s: refund could not be followed", pk)
    return {"applied": applied, "refunds_resent": resent, "refunds_followed": len(refunding)}


def _refund_resend(compensation_id: int) -> Compensation:
    """A REFUNDING compensation without its refund: the same refund again (an existing CMP<id> refund is linked;
    otherwise the bill's order is looked up as when applying; none left → carried to the next bill)."""
    from apps.payments.models import Refund

    comp = Compensation.objects.select_related("bill").get(pk=compensation_id)
    if comp.status != Compensation.Status.REFUNDING or comp.refund_id is not None:
        return comp
    amount = comp.amount_fen - comp.credited_fen
    existing = Refund.objects.filter(out_refund_no=_request_no(comp)).first()
    if existing is not None:
        order_id = existing.order_id
    else:
        order = _refund_order(comp.bill, amount)
        if order is None:
            return _refund_fallback(comp.pk, amount)
        order_id = order.pk
    return _refund_send(comp, order_id, amount)

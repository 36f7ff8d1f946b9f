"""Season-end true-up (多退少补) of two-part (metered) bills.

For every live bill of the season that has a metered part and whose house has
both readings, the engine recomputes the full bill on the bill's own snapshot
with the actual consumption (end − start) and with the consumption the bill
carries (its metered line: 0 for a provisional bill issued before the final
reading). The difference, less what earlier true-ups already added, becomes
ONE `adjustment` line; `principal_fen` and the status follow
(paid ≥ principal → paid). Other lines (manual adjustments, credits) are left
alone, and a second run finds a zero difference and changes nothing; a
corrected reading is settled by the next run.

A house that paid more than its new principal gets a HouseCredit for the
excess: refundable when its plan says `refund` (payments refunds it),
otherwise consumed by its next season's bill run as a negative `credit` line.

Bills are processed in keyset batches, one transaction per batch (bills and
credits locked), so a large company's true-up never holds every bill at once
and an interrupted true-up is finished by running it again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.models import AuditLog
from apps.audit.services import audit_record
from apps.properties.models import HeatingStatusChange, House
from apps.tariffs.models import Season, TariffPlan
from heat_platform.money import fen_to_yuan_str

from .engine import HouseFacts, TariffError, TariffParams, bill_lines, one_off_line
from .errors import BillingErrorCode
from .facts import billed_days, house_facts, stopped_intervals
from .models import Bill, BillLine, HouseCredit, MeterReading
from .selectors import season_to_bill
from .services.ledger import Posting, bill_status_for, bills_post

BATCH_SIZE = 500
MAX_ERRORS = 100
# Marks the lines this module writes (stable text, like the engine's line texts).
TRUE_UP_LABEL = "季末计量结算（多退少补）"
LIVE = (Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID, Bill.Status.PAID)


@dataclass
class TrueUpResult:
    season_id: int
    checked: int = 0  # bills with a metered part
    adjusted: int = 0
    unchanged: int = 0
    missing_readings: int = 0
    charged_fen: int = 0  # added to bills
    reduced_fen: int = 0  # taken off bills
    credit_fen: int = 0  # new credits for the next season's bills
    refundable_fen: int = 0  # new credits to refund
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_error(self, house: House, message: str, code: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"house_id": house.pk, "account_no": house.account_no, "message": message,
                                "code": code})


def season_true_up(*, season_id: int | str, actor) -> TrueUpResult:
    season = season_to_bill(season_id=season_id)
    refund = {plan.pk: plan.true_up_credit == TariffPlan.TrueUpCredit.REFUND
              for plan in TariffPlan.objects.filter(season=season)}
    result = TrueUpResult(season_id=season.pk)
    after = 0
    while True:
        with transaction.atomic():
            bills = list(Bill.objects.select_for_update().filter(
                season=season, status__in=LIVE, snapshot__pricing=TariffPlan.Pricing.TWO_PART, id__gt=after,
            ).order_by("id")[:BATCH_SIZE])
            if not bills:
                break
            after = bills[-1].pk
            _true_up_batch(season, bills, refund, result, actor)
    audit_record(actor=actor, action="season.true_up", target=season, checked=result.checked,
                 adjusted=result.adjusted, charged_fen=result.charged_fen, reduced_fen=result.reduced_fen,
                 credit_fen=result.credit_fen, refundable_fen=result.refundable_fen,
                 error_count=result.error_count)
    return result


def _season_facts(house: House, season: Season, changes: list[HeatingStatusChange]) -> HouseFacts:
    """A bill with a metered part was issued to a connected house. If the house
    has opted out since, its season is still billed by the days it had heat
    (status history), not as an opted-out house."""
    facts = house_facts(house, season=season, changes=changes)
    if facts.opted_out:
        stopped = stopped_intervals(changes, until=season.heating_end)
        facts = replace(facts, opted_out=False, billed_days=billed_days(season, stopped))
    return facts


def _total(params: TariffParams, facts: HouseFacts, consumption: Decimal) -> int:
    return sum(line.amount_fen for line in bill_lines(params, replace(facts, consumption=consumption)))


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _true_up_batch(season: Season, bills: list[Bill], refund: dict[int, bool], result: TrueUpResult,
                   actor) -> None:
    house_ids = [bill.house_id for bill in bills]
    houses = House.objects.only("id", "account_no", "building_area", "usable_area", "heating_status", "low_income",
                                "category").in_bulk(house_ids)
    lines: dict[int, list[BillLine]] = defaultdict(list)
    for line in BillLine.objects.filter(bill__in=bills).only("bill_id", "position", "kind", "quantity", "amount_fen",
                                                               "explanation"):
        lines[line.bill_id].append(line)
    readings: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for house_id, kind, value in MeterReading.objects.filter(season=season, house_id__in=house_ids).values_list(
            "house_id", "kind", "value"):
        readings[house_id][kind] = value
    changes: dict[int, list[HeatingStatusChange]] = defaultdict(list)
    for change in HeatingStatusChange.objects.filter(house_id__in=house_ids):
        changes[change.house_id].append(change)
    credits: dict[int, list[HouseCredit]] = defaultdict(list)
    for credit in HouseCredit.objects.select_for_update().filter(
            season=season, house_id__in=house_ids, source=HouseCredit.Source.TRUE_UP):
        credits[credit.house_id].append(credit)

    now = timezone.now()
    postings: list[Posting] = []
    audits: list[tuple[Bill, dict[str, Any]]] = []
    credits_new: list[HouseCredit] = []
    credits_changed: list[HouseCredit] = []
    credits_gone: list[int] = []
    for bill in bills:
        house = houses[bill.house_id]
        metered = next((x for x in lines[bill.pk] if x.kind == BillLine.Kind.METERED_FEE), None)
        if metered is None:  # opted out when billed: no metered part to settle
            continue
        result.checked += 1
        start, end = readings[bill.house_id].get(MeterReading.Kind.START), readings[bill.house_id].get(
            MeterReading.Kind.END)
        if start is None or end is None:
            result.missing_readings += 1
            continue
        if end < start:
            result.add_error(house, _("期末读数小于期初读数，请核对抄表记录。"), BillingErrorCode.END_BEFORE_START)
            continue
        params = TariffParams.from_snapshot(bill.snapshot)
        facts = _season_facts(house, season, changes[bill.house_id])
        actual = end - start
        try:
            due = _total(params, facts, actual)
            billed = _total(params, facts, metered.quantity) + sum(
                x.amount_fen for x in lines[bill.pk]
                if x.kind == BillLine.Kind.ADJUSTMENT and x.explanation.startswith(TRUE_UP_LABEL))
        except TariffError as exc:
            result.add_error(house, _("无法按收费标准计费：%(reason)s") % {"reason": exc}, BillingErrorCode.INVALID)
            continue
        diff = due - billed
        if diff == 0:
            result.unchanged += 1
            continue

        principal = bill.principal_fen + diff
        # The excess paid over the new principal is the house's credit for this season.
        excess_change = max(0, bill.paid_fen - principal) - sum(c.amount_fen for c in credits[bill.house_id])
        open_credit = next((c for c in credits[bill.house_id] if c.consumed_by_bill_id is None), None)
        if excess_change < 0 and (open_credit is None or open_credit.amount_fen < -excess_change):
            result.add_error(house, _("该户上次结算的多缴金额已被抵扣，本次结算需人工处理。"),
                             BillingErrorCode.CREDIT_USED)
            continue
        if excess_change > 0 and open_credit is None:
            open_credit = HouseCredit(house_id=bill.house_id, season_id=season.pk, amount_fen=0,
                                      refundable=refund.get(bill.plan_id, False))
            credits_new.append(open_credit)
        if excess_change:
            open_credit.amount_fen += excess_change
            open_credit.updated_at = now
            if open_credit.pk is not None and open_credit.amount_fen == 0:
                credits_gone.append(open_credit.pk)
            elif open_credit.pk is not None:
                credits_changed.append(open_credit)
            if open_credit.refundable:
                result.refundable_fen += excess_change
            else:
                result.credit_fen += excess_change

        unit = params.metered_unit
        postings.append(Posting(bill, [one_off_line(
            BillLine.Kind.ADJUSTMENT, diff,
            f"{TRUE_UP_LABEL}：实测用热{_num(actual)}{unit}（期初{_num(start)}、期末{_num(end)}），"
            f"按实测应收{fen_to_yuan_str(due)}元，原计{fen_to_yuan_str(billed)}元")]))
        audits.append((bill, {"diff_fen": diff, "principal_fen": principal, "consumption": str(actual),
                              "from_status": bill.status,
                              "to_status": bill_status_for(principal_fen=principal, paid_fen=bill.paid_fen),
                              "credit_change_fen": excess_change}))
        result.adjusted += 1
        if diff > 0:
            result.charged_fen += diff
        else:
            result.reduced_fen -= diff

    bills_post(postings, last_positions={p.bill.pk: max(x.position for x in lines[p.bill.pk]) for p in postings})
    if credits_gone:
        HouseCredit.objects.filter(pk__in=credits_gone).delete()
    if credits_changed:
        HouseCredit.objects.bulk_update(credits_changed, ["amount_fen", "updated_at"])
    if credits_new:
        HouseCredit.objects.bulk_create(credits_new)
    _audit_bills(actor, audits)


def _audit_bills(actor, items: Iterable[tuple[Bill, dict[str, Any]]]) -> None:
    """One audit row per adjusted bill: the first through audit_record, the
    rest in one INSERT with the same resolved actor."""
    items = list(items)
    if not items:
        return
    bill, detail = items[0]
    first = audit_record(actor=actor, action="bill.true_up", target=bill, **detail)
    AuditLog.objects.bulk_create([
        AuditLog(actor_kind=first.actor_kind, actor_id=first.actor_id, actor_name=first.actor_name,
                 action=first.action, target_type=first.target_type, target_id=b.pk, detail=d)
        for b, d in items[1:]])

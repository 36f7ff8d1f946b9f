"""Issuing one bill, and staff corrections on issued bills: adjustments and
waivers (finance/admin, with a reason, audited). An adjustment is a line
posted through the ledger; status changes are compare-and-set under a row
lock."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error
from heat_platform.money import fen_to_yuan_str

from ..engine import TariffError, bill_lines, one_off_line
from ..errors import BillingErrorCode
from ..facts import house_facts, tariff_params
from ..models import Bill, BillLine
from .ledger import LIVE, bill_post, bill_status_for


def _locked_bill(bill_id: int) -> Bill:
    bill = Bill.objects.select_for_update().filter(pk=bill_id).first()
    if bill is None:
        raise field_error("id", _("找不到该账单。"), BillingErrorCode.NOT_FOUND)
    return bill


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写原因。"), BillingErrorCode.REQUIRED)
    return reason[:200]


@transaction.atomic
def bill_adjust(*, bill_id: int, amount_fen: int, reason: str, actor, ip: str | None = None) -> Bill:
    """Add an adjustment line (positive adds, negative reduces) to an open bill."""
    reason = _reason(reason)
    if not isinstance(amount_fen, int) or amount_fen == 0:
        raise field_error("amountFen", _("调整金额不能为 0。"), BillingErrorCode.INVALID_AMOUNT)
    bill = _locked_bill(bill_id)
    if bill.status not in LIVE:
        raise field_error("id", _("该账单已减免或作废，不能调整。"), BillingErrorCode.INVALID_STATUS)
    if bill.principal_fen + amount_fen < bill.paid_fen:
        raise field_error("amountFen", _("调整后应收不能低于已缴金额，请走退款流程。"), BillingErrorCode.INVALID_AMOUNT)
    explanation = _("人工调整：%(amount)s元（%(reason)s）") % {"amount": fen_to_yuan_str(amount_fen), "reason": reason}
    bill_post(bill, lines=[one_off_line(BillLine.Kind.ADJUSTMENT, amount_fen, explanation)])
    audit_record(actor=actor, action="bill.adjust", target=bill, ip=ip, amount_fen=amount_fen, reason=reason)
    return bill


@transaction.atomic
def bill_waive(*, bill_id: int, reason: str, actor, ip: str | None = None) -> Bill:
    """Waive what is still owed (e.g. a hardship case). Payments already made stay."""
    reason = _reason(reason)
    bill = _locked_bill(bill_id)
    if bill.status not in (Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID):
        raise field_error("id", _("只有未缴清的账单可以减免。"), BillingErrorCode.INVALID_STATUS)
    old = bill.status
    updated = Bill.objects.filter(pk=bill.pk, status=old).update(status=Bill.Status.WAIVED)
    if updated != 1:  # compare-and-set: the row lock makes this a safety net
        raise ValidationError(_("账单状态已变化，请重试。"), code=BillingErrorCode.INVALID_STATUS)
    bill.status = Bill.Status.WAIVED
    audit_record(actor=actor, action="bill.waive", target=bill, ip=ip, reason=reason, previous_status=old,
                 waived_fen=bill.principal_fen - bill.paid_fen)
    return bill


@transaction.atomic
def bill_issue(*, house, season, plan, consumption: Decimal | None = None, actor=None) -> Bill:
    """Issue one house's bill for a season (a late connection, a test, the
    demo). Bill runs do the same for a whole network in batches."""
    if Bill.objects.filter(house=house, season=season).exists():
        raise field_error("houseId", _("该房屋本采暖季已出账。"), BillingErrorCode.INVALID_STATUS)
    params = tariff_params(plan, season)
    from apps.services.optout import opted_out_house_ids  # 报停 sealed for this season

    opted_out = (house.heating_status == house.HeatingStatus.NORMAL
                 and house.pk in opted_out_house_ids(season_id=season.pk, house_ids=[house.pk]))
    try:
        lines = bill_lines(params, house_facts(house, season=season, consumption=consumption,
                                               changes=house.status_changes.all(), opted_out=opted_out))
    except TariffError as exc:
        raise field_error("houseId", str(exc), BillingErrorCode.INVALID) from exc
    principal = sum(line.amount_fen for line in lines)
    bill = Bill.objects.create(house=house, season=season, plan=plan, snapshot=params.to_snapshot(),
                               principal_fen=principal,
                               status=bill_status_for(principal_fen=principal, paid_fen=0) if principal else
                               Bill.Status.PAID)
    BillLine.objects.bulk_create([
        BillLine(bill=bill, position=i, kind=line.kind, quantity=line.quantity, unit_price=line.unit_price,
                 amount_fen=line.amount_fen, explanation=line.explanation) for i, line in enumerate(lines)])
    if actor is not None:
        audit_record(actor=actor, action="bill.issue", target=bill, principal_fen=principal)
    return bill

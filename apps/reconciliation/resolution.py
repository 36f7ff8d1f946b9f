"""What finance does with a matched run: resolve each difference with a reason,
then close the run (MATCHED → CLOSED) once no difference is open.

Both take the day's shared lock (so a day close waits for them), then the run
row (a re-run locks it too), then move their row by compare-and-set and write
an audit row naming the person. Nothing changes on a closed day (日结): a late
correction is a DayAdjustment instead.

SETTLED and REVERTED say the system itself settled or reverted the order while
matching; matching records that at the start of `Difference.auto_action`
(`AUTO_SETTLED` / `AUTO_REVERTED`, then a colon and a text for people). A
person cannot claim them otherwise: they choose ACCEPT_CHANNEL, ACCEPT_LOCAL,
ADJUSTED or OTHER."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from heat_platform.kernel.errors import field_error

from .daily_close import ensure_day_open
from .errors import ReconciliationErrorCode as Code
from .matching import AUTO_KINDS
from .models import Difference, StatementRun

# The first word of Difference.auto_action when matching settled / reverted the order itself.
AUTO_SETTLED = Difference.Resolution.SETTLED.value
AUTO_REVERTED = Difference.Resolution.REVERTED.value
NOTE_MIN, NOTE_MAX = 2, 255


def auto_action_done(difference: Difference) -> str | None:
    """AUTO_SETTLED, AUTO_REVERTED or None, from the difference's auto_action."""
    head = difference.auto_action.split(":", 1)[0].strip()
    return head if head in (AUTO_SETTLED, AUTO_REVERTED) else None


def _open_day_locked_run(run_id: int | None, not_found: str) -> StatementRun:
    """The run, locked, once its day is known open. The day's shared lock comes first (a day close
    takes it exclusively before it reads the runs), then the run row (a re-run locks it too)."""
    bill_date = StatementRun.objects.filter(pk=run_id).values_list("bill_date", flat=True).first()
    if bill_date is None:
        raise field_error("id", not_found, Code.NOT_FOUND)
    ensure_day_open(bill_date, field_name="id")
    run = StatementRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise field_error("id", not_found, Code.NOT_FOUND)
    return run


def _check_note(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        raise field_error("note", _("请填写处理说明。"), Code.REQUIRED)
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise field_error("note", _("处理说明需为 %(min)s–%(max)s 个字。") % {"min": NOTE_MIN, "max": NOTE_MAX},
                          Code.INVALID)
    return note


@transaction.atomic
def difference_resolve(*, difference_id: int, resolution: str, note: str, actor,
                       ip: str | None = None) -> Difference:
    """Resolve one OPEN difference of a MATCHED run whose day is not closed."""
    note = _check_note(note)
    if resolution not in Difference.Resolution.values:
        raise field_error("resolution", _("请选择处理方式。"), Code.INVALID)
    run_id = Difference.objects.filter(pk=difference_id).values_list("run_id", flat=True).first()
    run = _open_day_locked_run(run_id, _("找不到该对账差异。"))
    diff = Difference.objects.select_for_update().filter(pk=difference_id, run_id=run.pk).first()
    if diff is None:
        raise field_error("id", _("找不到该对账差异。"), Code.NOT_FOUND)
    if diff.status != Difference.Status.OPEN:
        raise field_error("id", _("该差异已处理或无需处理（%(status)s）。") % {"status": diff.get_status_display()},
                          Code.NOT_ALLOWED_IN_STATE)
    if run.status != StatementRun.Status.MATCHED:
        raise field_error("id", _("对账批次当前为「%(status)s」，只有已比对的批次可以处理差异。")
                          % {"status": run.get_status_display()}, Code.NOT_ALLOWED_IN_STATE)
    if diff.kind in AUTO_KINDS and not diff.auto_action:
        # The run is MATCHED before the provider is asked about its 长款/短款/status rows; resolving one now could
        # be overtaken by the settle or revert on its way. It is resolvable once the system wrote what it did.
        raise field_error("id", _("系统正在向渠道核实该差异，请稍后再处理（或重新对账）。"), Code.NOT_ALLOWED_IN_STATE)
    done = auto_action_done(diff)
    if resolution == Difference.Resolution.SETTLED and done != AUTO_SETTLED:
        raise field_error("resolution", _("系统未按渠道入账该订单，不能选择「已按渠道入账」；请选择以渠道为准、"
                                          "以本地为准、已调账或其他。"), Code.INVALID)
    if resolution == Difference.Resolution.REVERTED and done != AUTO_REVERTED:
        raise field_error("resolution", _("系统未撤销该订单的入账，不能选择「已撤销本地入账」；请选择以渠道为准、"
                                          "以本地为准、已调账或其他。"), Code.INVALID)
    now = timezone.now()
    updated = Difference.objects.filter(pk=diff.pk, status=Difference.Status.OPEN).update(
        status=Difference.Status.RESOLVED, resolution=resolution, note=note, resolved_by=actor, resolved_at=now)
    if updated != 1:  # compare-and-set; the row locks make this a safety net
        raise field_error("id", _("该差异已被他人处理。"), Code.CONCURRENT_CHANGE)
    diff.status, diff.resolution, diff.note = Difference.Status.RESOLVED, resolution, note
    diff.resolved_by, diff.resolved_at = actor, now
    audit_record(actor=actor, action="reconciliation.difference_resolve", target=diff, ip=ip, run_id=run.pk,
                 channel=run.channel, bill_date=run.bill_date.isoformat(), kind=diff.kind, subject=diff.subject,
                 out_trade_no=diff.out_trade_no, out_refund_no=diff.out_refund_no, resolution=resolution, note=note)
    return diff


@transaction.atomic
def run_close(*, run_id: int, actor, ip: str | None = None) -> StatementRun:
    """MATCHED → CLOSED when no difference of the run is OPEN (CARRIED and CLEARED ones do not block)."""
    run = _open_day_locked_run(run_id, _("找不到该对账批次。"))
    if run.status != StatementRun.Status.MATCHED:
        raise field_error("id", _("对账批次当前为「%(status)s」，只有已比对的批次可以关闭。")
                          % {"status": run.get_status_display()}, Code.NOT_ALLOWED_IN_STATE)
    open_count = run.differences.filter(status=Difference.Status.OPEN).count()
    if open_count:
        raise field_error("id", _("还有 %(n)s 条差异未处理，处理完后才能关闭批次。") % {"n": open_count},
                          Code.OPEN_DIFFERENCES)
    now = timezone.now()
    updated = StatementRun.objects.filter(pk=run.pk, status=StatementRun.Status.MATCHED).update(
        status=StatementRun.Status.CLOSED, closed_at=now, closed_by=actor, updated_at=now)
    if updated != 1:
        raise field_error("id", _("该对账批次已被他人修改。"), Code.CONCURRENT_CHANGE)
    run.status, run.closed_at, run.closed_by, run.updated_at = StatementRun.Status.CLOSED, now, actor, now
    audit_record(actor=actor, action="reconciliation.run_close", target=run, ip=ip, channel=run.channel,
                 kind=run.kind, bill_date=run.bill_date.isoformat(), merchant_id=run.merchant_id,
                 resolved=run.differences.filter(status=Difference.Status.RESOLVED).count())
    return run

"""SLA timers of tickets: overdue flags, one escalation to the company's admins per deadline, and the automatic
close of resolved tickets the resident never confirmed. Run by the per-company Celery tasks (apps/services/tasks.py);
`now` is passed in tests to freeze the clock."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .events import ticket_event_add
from .models import ServiceSettings, Ticket
from .tickets import ticket_auto_close

S = Ticket.Status
BATCH = 500


# Not escalated yet for the deadline in force: a reopened ticket's new resolve deadline is after the escalation of
# the old one.
RESPOND_DUE = Q(status=S.SUBMITTED, respond_overdue=True) & (
    Q(respond_escalated_at__isnull=True) | Q(respond_escalated_at__lt=F("respond_due_at")))
RESOLVE_DUE = Q(status__in=Ticket.OPEN, resolve_overdue=True) & (
    Q(resolve_escalated_at__isnull=True) | Q(resolve_escalated_at__lt=F("resolve_due_at")))


def sla_sweep(*, now: dt.datetime | None = None) -> dict:
    """Flag open tickets past their respond / resolve deadline and escalate each overdue deadline once (a
    non-public timeline step for the admins, an audit row, `respond_escalated_at` / `resolve_escalated_at`, and
    `escalated_at` the first time): a ticket escalated for a late response is escalated again when it misses its
    resolve deadline. Returns the counts (`escalated`: tickets escalated by this sweep)."""
    now = now or timezone.now()
    respond = Ticket.objects.filter(status=S.SUBMITTED, respond_due_at__lt=now, respond_overdue=False) \
        .update(respond_overdue=True, updated_at=now)
    resolve = Ticket.objects.filter(status__in=Ticket.OPEN, resolve_due_at__lt=now, resolve_overdue=False) \
        .update(resolve_overdue=True, updated_at=now)
    due = list(Ticket.objects.filter(RESPOND_DUE | RESOLVE_DUE).order_by("id").values_list("id", flat=True)[:BATCH])
    escalated = sum(1 for ticket_id in due if _escalate(ticket_id, now))
    return {"respond_overdue": respond, "resolve_overdue": resolve, "escalated": escalated}


def _escalate(ticket_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return False
        fields, which = {}, []
        if Ticket.objects.filter(RESPOND_DUE, pk=ticket.pk).exists():
            fields["respond_escalated_at"] = now
            which.append(_("响应超时"))
        if Ticket.objects.filter(RESOLVE_DUE, pk=ticket.pk).exists():
            fields["resolve_escalated_at"] = now
            which.append(_("解决超时"))
        if not fields:
            return False  # moved (accepted, resolved, escalated) by someone else meanwhile
        if ticket.escalated_at is None:
            fields["escalated_at"] = now
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now, **fields)
        for name, value in fields.items():
            setattr(ticket, name, value)
        ticket_event_add(ticket, action="escalate", from_status=ticket.status, to_status=ticket.status,
                         note=_("%(which)s，已上报管理员") % {"which": "、".join(which)}, public=False,
                         deadlines=[name.split("_")[0] for name in fields if name != "escalated_at"],
                         respond_due_at=ticket.respond_due_at.isoformat(),
                         resolve_due_at=ticket.resolve_due_at.isoformat())
        return True


def tickets_auto_close(*, now: dt.datetime | None = None) -> int:
    """Close RESOLVED tickets the resident has not confirmed within `ServiceSettings.auto_close_days`."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=ServiceSettings.get().auto_close_days)
    ids = list(Ticket.objects.filter(status=S.RESOLVED, resolved_at__lte=cutoff).order_by("id")
               .values_list("id", flat=True)[:BATCH])
    return sum(1 for ticket_id in ids if ticket_auto_close(ticket_id=ticket_id, now=now))

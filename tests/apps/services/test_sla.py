"""SLA timers with a frozen clock (`now=`): respond / resolve overdue flags, one escalation per deadline (internal
timeline step, audit row, escalated_at), the automatic close of unconfirmed resolved tickets after the company's
days, and the per-company Celery tasks that run them."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.services import tickets as svc
from apps.services.models import ServiceSettings, Ticket, TicketEvent
from apps.services.sla import sla_sweep, tickets_auto_close
from apps.services.tasks import auto_close_all_tenants, sla_sweep_all_tenants
from tests.factories.services import NOW, admin, category, submit, technician, ticket_in

pytestmark = pytest.mark.django_db
S = Ticket.Status
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _alpha(alpha):
    with schema_context(alpha.schema):
        yield


def _fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_nothing_is_overdue_before_its_deadline():
    ticket = submit(cat=category(respond_hours=2, resolve_hours=24), now=NOW)
    assert sla_sweep(now=NOW + 2 * H) == {"respond_overdue": 0, "resolve_overdue": 0, "escalated": 0}
    t = _fresh(ticket)
    assert not (t.respond_overdue or t.resolve_overdue or t.escalated_at)


def test_a_ticket_not_accepted_in_time_is_flagged_and_escalated_once():
    ticket = submit(cat=category(respond_hours=2, resolve_hours=24), now=NOW)
    late = NOW + 2 * H + dt.timedelta(seconds=1)
    assert sla_sweep(now=late) == {"respond_overdue": 1, "resolve_overdue": 0, "escalated": 1}
    t = _fresh(ticket)
    assert (t.respond_overdue, t.resolve_overdue, t.escalated_at) == (True, False, late)
    event = TicketEvent.objects.get(ticket=t, action="escalate")
    assert (event.public, event.actor_kind, event.from_status, event.to_status) == (False, "system", S.SUBMITTED,
                                                                                    S.SUBMITTED)
    assert "响应超时" in event.note
    audit = AuditLog.objects.get(action="ticket.escalate", target_id=t.pk)
    assert audit.actor_kind == AuditLog.ActorKind.SYSTEM
    assert t.respond_escalated_at == late and t.resolve_escalated_at is None
    # Later sweeps never escalate the late response again; the resolve deadline passing is escalated once more.
    assert sla_sweep(now=NOW + 3 * H)["escalated"] == 0
    assert sla_sweep(now=NOW + 25 * H) == {"respond_overdue": 0, "resolve_overdue": 1, "escalated": 1}
    assert sla_sweep(now=NOW + 26 * H)["escalated"] == 0
    events = list(TicketEvent.objects.filter(ticket=t, action="escalate").order_by("id").values_list("note", flat=True))
    assert len(events) == 2 and "响应超时" in events[0] and "解决超时" in events[1]
    t = _fresh(ticket)
    assert (t.resolve_overdue, t.escalated_at, t.resolve_escalated_at) == (True, late, NOW + 25 * H)


def test_a_ticket_escalated_for_a_late_response_is_escalated_again_when_it_misses_its_resolve_deadline():
    boss = admin()
    ticket = submit(cat=category(respond_hours=2, resolve_hours=24), now=NOW)
    assert sla_sweep(now=NOW + 3 * H)["escalated"] == 1
    svc.ticket_accept(ticket_id=ticket.pk, actor=boss, now=NOW + 4 * H)  # late, and still not resolved in time
    assert sla_sweep(now=NOW + 23 * H)["escalated"] == 0
    assert sla_sweep(now=NOW + 25 * H)["escalated"] == 1
    assert sla_sweep(now=NOW + 48 * H)["escalated"] == 0
    notes = list(TicketEvent.objects.filter(ticket=ticket, action="escalate").order_by("id")
                 .values_list("from_status", "note"))
    assert [status for status, _note in notes] == [S.SUBMITTED, S.ACCEPTED]
    assert "解决超时" in notes[1][1] and "响应超时" not in notes[1][1]
    assert AuditLog.objects.filter(action="ticket.escalate", target_id=ticket.pk).count() == 2


def test_a_ticket_never_accepted_past_both_deadlines_is_escalated_for_both_at_once():
    ticket = submit(cat=category(respond_hours=2, resolve_hours=24), now=NOW)
    assert sla_sweep(now=NOW + 30 * H) == {"respond_overdue": 1, "resolve_overdue": 1, "escalated": 1}
    note, = TicketEvent.objects.filter(ticket=ticket, action="escalate").values_list("note", flat=True)
    assert "响应超时" in note and "解决超时" in note
    assert sla_sweep(now=NOW + 31 * H)["escalated"] == 0


def test_an_accepted_ticket_is_not_respond_overdue_but_resolve_overdue_after_its_deadline():
    boss = admin()
    ticket = ticket_in(S.ON_SITE, cat=category(respond_hours=2, resolve_hours=24), actor=boss, now=NOW)
    assert sla_sweep(now=NOW + 23 * H)["escalated"] == 0
    assert sla_sweep(now=NOW + 25 * H) == {"respond_overdue": 0, "resolve_overdue": 1, "escalated": 1}
    t = _fresh(ticket)
    assert (t.respond_overdue, t.resolve_overdue) == (False, True)
    assert "解决超时" in TicketEvent.objects.get(ticket=t, action="escalate").note


def test_closed_and_resolved_tickets_are_never_flagged():
    cat = category(respond_hours=2, resolve_hours=24)
    for state in (S.RESOLVED, S.CLOSED, S.CANCELLED, S.REJECTED):
        ticket_in(state, cat=cat, now=NOW)
    assert sla_sweep(now=NOW + 100 * H) == {"respond_overdue": 0, "resolve_overdue": 0, "escalated": 0}


def test_a_resolve_after_the_deadline_keeps_the_flag_and_a_reopen_restarts_the_timer():
    tech = technician()
    ticket = ticket_in(S.ON_SITE, cat=category(respond_hours=2, resolve_hours=24), assignee=tech, now=NOW)
    svc.ticket_resolve(ticket_id=ticket.pk, resolution="修好", actor=tech, now=NOW + 30 * H)
    assert _fresh(ticket).resolve_overdue is True
    svc.ticket_reopen(ticket_id=ticket.pk, reason="又漏了", resident=ticket.resident, now=NOW + 31 * H)
    t = _fresh(ticket)
    assert (t.resolve_overdue, t.escalated_at, t.resolve_due_at) == (False, None, NOW + 55 * H)
    assert sla_sweep(now=NOW + 56 * H)["escalated"] == 1  # the reopened ticket may be escalated again
    assert sla_sweep(now=NOW + 57 * H)["escalated"] == 0


def test_a_reopened_tickets_new_resolve_deadline_is_escalated_again():
    tech = technician()
    ticket = ticket_in(S.ON_SITE, cat=category(respond_hours=2, resolve_hours=24), assignee=tech, now=NOW)
    assert sla_sweep(now=NOW + 25 * H)["escalated"] == 1
    svc.ticket_resolve(ticket_id=ticket.pk, resolution="修好", actor=tech, now=NOW + 26 * H)
    svc.ticket_reopen(ticket_id=ticket.pk, reason="又漏了", resident=ticket.resident, now=NOW + 27 * H)
    assert sla_sweep(now=NOW + 50 * H)["escalated"] == 0  # the new deadline is NOW + 51 h
    assert sla_sweep(now=NOW + 52 * H)["escalated"] == 1
    assert sla_sweep(now=NOW + 53 * H)["escalated"] == 0
    assert TicketEvent.objects.filter(ticket=ticket, action="escalate").count() == 2


def test_resolved_tickets_close_automatically_after_the_companys_days():
    ticket = ticket_in(S.RESOLVED, now=NOW)
    days = ServiceSettings.get().auto_close_days
    assert tickets_auto_close(now=NOW + dt.timedelta(days=days) - H) == 0
    assert tickets_auto_close(now=NOW + dt.timedelta(days=days)) == 1
    t = _fresh(ticket)
    assert (t.status, t.closed_at, t.rating) == (S.CLOSED, NOW + dt.timedelta(days=days), None)
    event = TicketEvent.objects.get(ticket=t, action="auto_close")
    assert (event.actor_kind, event.actor_name, event.public, event.from_status) == ("system", "系统", True,
                                                                                     S.RESOLVED)
    assert tickets_auto_close(now=NOW + dt.timedelta(days=30)) == 0
    ServiceSettings.objects.filter(pk=1).update(auto_close_days=2)
    quick = ticket_in(S.RESOLVED, now=NOW)
    assert tickets_auto_close(now=NOW + dt.timedelta(days=2)) == 1
    assert _fresh(quick).status == S.CLOSED


def test_the_tasks_run_every_active_company_in_its_own_schema(alpha, beta):
    submit(cat=category(respond_hours=1, resolve_hours=2), now=NOW - dt.timedelta(days=400))
    ticket_in(S.RESOLVED, now=NOW - dt.timedelta(days=400))
    swept = sla_sweep_all_tenants()
    assert swept[alpha.slug]["escalated"] == 1
    assert swept[beta.slug] == {"respond_overdue": 0, "resolve_overdue": 0, "escalated": 0}
    closed = auto_close_all_tenants()
    assert (closed[alpha.slug], closed[beta.slug]) == (1, 0)

"""Tickets (apps/services/tickets.py): submission and its checks, every path of the state machine and who may
take it (a technician only on tickets assigned to them, a resident only on their own houses' tickets), the
compare-and-set against a concurrent move, the timeline and audit of each step, and who sees which ticket."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from apps.properties.models import HouseBinding
from apps.services import tickets as svc
from apps.services.access import ticket_get_visible, tickets_visible
from apps.services.demo import DEFAULT_CATEGORIES, services_demo_seed
from apps.services.models import (
    Inspection,
    QualityRule,
    ServiceSettings,
    ShortfallPeriod,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketKind,
)
from tests.factories.accounts import staff
from tests.factories.properties import HouseFactory
from tests.factories.residents import ResidentFactory
from tests.factories.services import (
    NOW,
    admin,
    bound_house,
    category,
    heating_season,
    submit,
    technician,
    ticket_in,
)

pytestmark = pytest.mark.django_db
S = Ticket.Status
H = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _alpha(alpha):
    with schema_context(alpha.schema):
        yield


def _code(exc: pytest.ExceptionInfo) -> str:
    err = exc.value
    if hasattr(err, "error_dict"):
        return next(iter(err.error_dict.values()))[0].code
    return err.error_list[0].code


def _actions(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("action", flat=True))


# --- submission ------------------------------------------------------------------------------------------------

def test_a_resident_submits_for_a_bound_house_with_a_number_the_category_sla_and_a_timeline():
    cat = category(respond_hours=2, resolve_hours=24)
    house, resident = bound_house()
    first = svc.ticket_submit(house_id=house.pk, kind=TicketKind.REPAIR, category_id=cat.pk, description="厨房漏水",
                              contact_name="王先生", contact_phone="13800138000", resident=resident, now=NOW)
    second = submit(cat=cat, now=NOW + H)
    assert first.no == "T20261207-000001" and second.no == "T20261207-000002"
    assert submit(cat=cat, now=NOW + dt.timedelta(days=1)).no == "T20261208-000001"
    assert (first.status, first.resident, first.created_by, first.season) == (S.SUBMITTED, resident, None, None)
    assert first.respond_due_at == NOW + 2 * H and first.resolve_due_at == NOW + 24 * H
    [event] = TicketEvent.objects.filter(ticket=first)
    assert (event.action, event.to_status, event.actor_kind, event.actor_name, event.public) == \
        ("submit", S.SUBMITTED, "resident", "住户", True)
    assert AuditLog.objects.filter(action="ticket.submit", target_id=first.pk, actor_kind="resident").exists()
    with connection.cursor() as cursor:  # the phone is encrypted at rest
        cursor.execute("SELECT contact_phone FROM services_ticket WHERE id = %s", [first.pk])
        assert "13800138000" not in cursor.fetchone()[0]
    assert Ticket.objects.get(pk=first.pk).contact_phone == "13800138000"


def test_staff_file_a_ticket_for_a_caller_on_any_house():
    collector = staff("counter", "collector")
    house = HouseFactory()
    cat = category(TicketKind.COMPLAINT, "收费问题", 4, 72)
    ticket = svc.ticket_submit(house_id=house.pk, kind=TicketKind.COMPLAINT, category_id=cat.pk, description="多收了费",
                               contact_name="来电", actor=collector, now=NOW)
    assert (ticket.resident, ticket.created_by, ticket.resolve_due_at) == (None, collector, NOW + 72 * H)
    assert TicketEvent.objects.get(ticket=ticket).actor_kind == "staff"
    with pytest.raises(ValidationError) as exc:  # finance may not file tickets
        svc.ticket_submit(house_id=house.pk, kind=TicketKind.COMPLAINT, description="x", contact_name="x",
                          actor=staff("fin", "finance"))
    assert _code(exc) == "NOT_FOUND"


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"house_id": 0}, "house_id", "NOT_FOUND"),
    ({"house_id": "x"}, "house_id", "NOT_FOUND"),
    ({"kind": "other"}, "kind", "INVALID"),
    ({"category_id": None}, "category_id", "REQUIRED"),
    ({"category_id": 999999}, "category_id", "NOT_FOUND"),
    ({"description": "  "}, "description", "REQUIRED"),
    ({"description": "长" * 1001}, "description", "TOO_LONG"),
    ({"contact_name": ""}, "contact_name", "REQUIRED"),
    ({"contact_phone": "call me"}, "contact_phone", "INVALID"),
    ({"photo_ids": ["not-a-uuid"]}, "photo_ids", "NOT_FOUND"),
])
def test_bad_submissions_are_refused_with_a_typed_error_and_nothing_is_written(fields, field, code):
    cat = category()
    house, resident = bound_house()
    args = {"house_id": house.pk, "kind": TicketKind.REPAIR, "category_id": cat.pk, "description": "漏水",
            "contact_name": "王", "contact_phone": "", **fields}
    with pytest.raises(ValidationError) as exc:
        svc.ticket_submit(resident=resident, now=NOW, **args)
    assert (next(iter(exc.value.error_dict)), _code(exc)) == (field, code)
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_an_unbound_house_and_an_inactive_category_are_refused():
    cat = category()
    resident = ResidentFactory()
    with pytest.raises(ValidationError) as exc:
        svc.ticket_submit(house_id=HouseFactory().pk, kind=TicketKind.REPAIR, category_id=cat.pk, description="x",
                          contact_name="x", resident=resident)
    assert _code(exc) == "NOT_BOUND"
    house, resident = bound_house()
    TicketCategory.objects.filter(pk=cat.pk).update(active=False)
    with pytest.raises(ValidationError) as exc:
        svc.ticket_submit(house_id=house.pk, kind=TicketKind.REPAIR, category_id=cat.pk, description="x",
                          contact_name="x", resident=resident)
    assert _code(exc) == "NOT_FOUND"
    # No active category of that kind at all: the default SLA, no category asked for.
    ticket = svc.ticket_submit(house_id=house.pk, kind=TicketKind.REPAIR, description="x", contact_name="x",
                               resident=resident, now=NOW)
    assert ticket.category is None and ticket.respond_due_at == NOW + 2 * H and ticket.resolve_due_at == NOW + 24 * H


def test_a_resident_submits_at_most_ten_tickets_a_day():
    cat = category()
    house, resident = bound_house()
    args = {"house_id": house.pk, "kind": TicketKind.REPAIR, "category_id": cat.pk, "description": "x",
            "contact_name": "x", "resident": resident}
    with pytest.raises(ValidationError):  # refused before counting: not one of the ten
        svc.ticket_submit(**{**args, "description": ""})
    with pytest.raises(ValidationError):  # refused after counting (a photo that is not theirs): taken back
        svc.ticket_submit(**args, photo_ids=["00000000-0000-0000-0000-000000000000"])
    for _ in range(10):
        svc.ticket_submit(**args)
    with pytest.raises(ValidationError) as exc:
        svc.ticket_submit(**args)
    assert _code(exc) == "RATE_LIMITED"
    err = exc.value.error_dict["__all__"][0]
    assert err.params["retry_after"] > 0
    other_house, other = bound_house()
    svc.ticket_submit(**{**args, "house_id": other_house.pk, "resident": other})  # per resident


# --- temperature reports ---------------------------------------------------------------------------------------

def test_a_temperature_report_needs_a_reading_and_the_heating_season():
    house, resident = bound_house()
    args = {"house_id": house.pk, "kind": TicketKind.TEMPERATURE, "description": "家里冷", "contact_name": "王",
            "resident": resident, "now": NOW}
    with pytest.raises(ValidationError) as exc:
        svc.ticket_submit(**args, reported_temp="15.0")
    assert _code(exc) == "NO_SEASON"
    season = heating_season()
    for bad, code in ((None, "REQUIRED"), ("15.55", "INVALID_TEMPERATURE"), ("40.1", "INVALID_TEMPERATURE"),
                      ("-10.5", "INVALID_TEMPERATURE"), ("NaN", "INVALID_TEMPERATURE"), ("abc", "INVALID_TEMPERATURE")):
        with pytest.raises(ValidationError) as exc:
            svc.ticket_submit(**args, reported_temp=bad)
        assert _code(exc) == code, bad
    ticket = svc.ticket_submit(**args, reported_temp=Decimal("15"))
    assert (ticket.season, ticket.reported_temp, ticket.category) == (season, Decimal("15.0"), None)
    # No quality rule in force: answered within 24 h, fixed within 72 h.
    assert ticket.respond_due_at == NOW + 24 * H and ticket.resolve_due_at == NOW + 72 * H


def test_a_temperature_report_takes_its_sla_from_the_quality_rule_in_force():
    heating_season()
    QualityRule.objects.create(name="北京", city="北京", effective_from=dt.date(2026, 1, 1), standard_temp="18",
                               bands=[{"to": None, "pct": "100"}], response_hours=12, grace_hours=24)
    ticket = submit(kind=TicketKind.TEMPERATURE, now=NOW)
    assert ticket.respond_due_at == NOW + 12 * H and ticket.resolve_due_at == NOW + 36 * H
    assert svc.temperature_sla_hours(dt.date(2025, 12, 1)) == (24, 72)  # no rule that day


def _open_shortfall_for(ticket, tech):
    rule = QualityRule.objects.create(name="北京", city="北京", effective_from=dt.date(2026, 1, 1),
                                      standard_temp="18", bands=[{"to": None, "pct": "100"}])
    inspection = Inspection.objects.create(ticket=ticket, house=ticket.house, rule=rule, technician=tech,
                                           measured_at=NOW, rooms=[], house_temp="15.0", compliant=False,
                                           cause=Inspection.Cause.UTILITY)
    return ShortfallPeriod.objects.create(house=ticket.house, season=ticket.season, ticket=ticket, rule=rule,
                                          opened_by=inspection, started_on=NOW.date())


def test_a_temperature_report_is_not_resolved_while_its_shortfall_is_open():
    tech = technician()
    ticket = ticket_in(S.ON_SITE, kind=TicketKind.TEMPERATURE, assignee=tech, now=NOW)
    period = _open_shortfall_for(ticket, tech)
    with pytest.raises(ValidationError) as exc:
        svc.ticket_resolve(ticket_id=ticket.pk, resolution="已处理", actor=tech, now=NOW)
    assert _code(exc) == "NOT_ALLOWED_IN_STATE" and "复测" in exc.value.messages[0]
    ShortfallPeriod.objects.filter(pk=period.pk).update(status=ShortfallPeriod.Status.CLOSED, ended_on=NOW.date())
    assert svc.ticket_resolve(ticket_id=ticket.pk, resolution="复测达标", actor=tech, now=NOW).status == S.RESOLVED


# --- the state machine -----------------------------------------------------------------------------------------

def test_the_whole_path_submitted_to_closed_with_timestamps_timeline_and_audit():
    boss, tech = admin(display_name="赵主任"), technician(display_name="张师傅")
    ticket = submit(now=NOW)
    svc.ticket_accept(ticket_id=ticket.pk, actor=boss, now=NOW + H)
    svc.ticket_assign(ticket_id=ticket.pk, assignee_id=tech.pk, actor=boss, note="带阀门", now=NOW + 2 * H)
    svc.ticket_start(ticket_id=ticket.pk, actor=tech, now=NOW + 3 * H)
    svc.ticket_resolve(ticket_id=ticket.pk, resolution="更换阀门", actor=tech, now=NOW + 4 * H)
    svc.ticket_confirm(ticket_id=ticket.pk, rating=4, comment="满意", resident=ticket.resident, now=NOW + 5 * H)
    t = Ticket.objects.get(pk=ticket.pk)
    assert t.status == S.CLOSED and (t.rating, t.rating_comment, t.resolution) == (4, "满意", "更换阀门")
    assert [t.accepted_at, t.assigned_at, t.on_site_at, t.resolved_at, t.closed_at] == \
        [NOW + i * H for i in range(1, 6)]
    assert t.assignee == tech and not t.respond_overdue and not t.resolve_overdue
    assert _actions(t) == ["submit", "accept", "assign", "on_site", "resolve", "confirm"]
    events = list(TicketEvent.objects.filter(ticket=t).order_by("id"))
    assert [(e.from_status, e.to_status) for e in events[1:]] == [
        (S.SUBMITTED, S.ACCEPTED), (S.ACCEPTED, S.ASSIGNED), (S.ASSIGNED, S.ON_SITE), (S.ON_SITE, S.RESOLVED),
        (S.RESOLVED, S.CLOSED)]
    assert events[2].note == "已派给 张师傅：带阀门" and events[3].actor_name == "维修技术员 张师傅"
    assert events[1].actor_name == "管理员 赵主任" or events[1].actor_name.endswith("赵主任")
    assert AuditLog.objects.filter(target_id=t.pk, action__startswith="ticket.").count() == 6


def test_assigning_a_submitted_ticket_accepts_it_and_a_late_accept_is_flagged():
    boss, tech = admin(), technician()
    ticket = submit(now=NOW)  # respond within 2 h
    svc.ticket_assign(ticket_id=ticket.pk, assignee_id=tech.pk, actor=boss, now=NOW + 3 * H)
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.accepted_at, t.assigned_at, t.respond_overdue) == (S.ASSIGNED, NOW + 3 * H, NOW + 3 * H, True)
    other = technician()
    svc.ticket_assign(ticket_id=ticket.pk, assignee_id=other.pk, actor=boss, now=NOW + 4 * H)  # re-dispatch
    assert Ticket.objects.get(pk=ticket.pk).assignee == other
    with pytest.raises(ValidationError) as exc:
        svc.ticket_assign(ticket_id=ticket.pk, assignee_id=other.pk, actor=boss)
    assert _code(exc) == "NOT_ALLOWED_IN_STATE"


@pytest.mark.parametrize("assignee", ["collector", "finance", "inactive", "missing"])
def test_only_an_active_technician_or_admin_can_be_assigned(assignee):
    ticket = submit()
    if assignee == "missing":
        pk = 999999
    else:
        user = staff(f"u-{assignee}", "technician" if assignee == "inactive" else assignee)
        if assignee == "inactive":
            User.objects.filter(pk=user.pk).update(is_active=False)
        pk = user.pk
    with pytest.raises(ValidationError) as exc:
        svc.ticket_assign(ticket_id=ticket.pk, assignee_id=pk, actor=admin())
    assert _code(exc) == "INVALID_ASSIGNEE"
    assert Ticket.objects.get(pk=ticket.pk).status == S.SUBMITTED


def test_cancel_and_reject_only_before_dispatch():
    ticket = submit()
    svc.ticket_cancel(ticket_id=ticket.pk, reason="已自行修好", resident=ticket.resident, now=NOW)
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.closed_at) == (S.CANCELLED, NOW) and _actions(t)[-1] == "cancel"
    rejected = svc.ticket_reject(ticket_id=ticket_in(S.ACCEPTED).pk, reason="非供热问题", actor=admin())
    assert (rejected.status, rejected.resolution) == (S.REJECTED, "非供热问题")
    with pytest.raises(ValidationError) as exc:
        svc.ticket_reject(ticket_id=ticket_in(S.SUBMITTED).pk, reason=" ", actor=admin())
    assert _code(exc) == "REQUIRED"
    assigned = ticket_in(S.ASSIGNED)
    for move in (lambda: svc.ticket_cancel(ticket_id=assigned.pk, resident=assigned.resident),
                 lambda: svc.ticket_reject(ticket_id=assigned.pk, reason="x", actor=admin())):
        with pytest.raises(ValidationError) as exc:
            move()
        assert _code(exc) == "NOT_ALLOWED_IN_STATE"


# Every move from every state: allowed exactly where the model's state machine allows it (staff moves by the
# admin, who may work any ticket; the technician's own rules are tested below).
MOVES = {
    "accept": ({S.SUBMITTED}, lambda t, boss, tech: svc.ticket_accept(ticket_id=t.pk, actor=boss)),
    "assign": ({S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.ON_SITE},
               lambda t, boss, tech: svc.ticket_assign(ticket_id=t.pk, assignee_id=technician().pk, actor=boss)),
    "start": ({S.ASSIGNED}, lambda t, boss, tech: svc.ticket_start(ticket_id=t.pk, actor=boss)),
    "resolve": ({S.ACCEPTED, S.ASSIGNED, S.ON_SITE},  # an admin resolves an accepted one himself (by phone)
                lambda t, boss, tech: svc.ticket_resolve(ticket_id=t.pk, resolution="ok", actor=boss)),
    "reject": ({S.SUBMITTED, S.ACCEPTED},
               lambda t, boss, tech: svc.ticket_reject(ticket_id=t.pk, reason="no", actor=boss)),
    "confirm": ({S.RESOLVED},
                lambda t, boss, tech: svc.ticket_confirm(ticket_id=t.pk, rating=5, resident=t.resident)),
    "reopen": ({S.RESOLVED, S.CLOSED},
               lambda t, boss, tech: svc.ticket_reopen(ticket_id=t.pk, reason="又坏了", resident=t.resident)),
    "cancel": ({S.SUBMITTED, S.ACCEPTED}, lambda t, boss, tech: svc.ticket_cancel(ticket_id=t.pk,
                                                                                   resident=t.resident)),
}


@pytest.mark.parametrize("state", list(S.values))
@pytest.mark.parametrize("move", list(MOVES))
def test_every_move_from_every_state(state, move):
    boss, tech = admin(), technician()
    ticket = ticket_in(state, actor=boss, assignee=tech)
    allowed, run = MOVES[move]
    if state in allowed:
        before = TicketEvent.objects.filter(ticket=ticket).count()
        run(ticket, boss, tech)
        assert TicketEvent.objects.filter(ticket=ticket).count() == before + 1
    else:
        with pytest.raises(ValidationError) as exc:
            run(ticket, boss, tech)
        assert _code(exc) == "NOT_ALLOWED_IN_STATE", (move, state)
        assert Ticket.objects.get(pk=ticket.pk).status == state


def test_an_admin_may_resolve_an_accepted_ticket_himself_a_technician_only_once_assigned():
    boss = admin()
    ticket = ticket_in(S.ACCEPTED, actor=boss)
    assert svc.ticket_resolve(ticket_id=ticket.pk, resolution="电话指导已解决", actor=boss).status == S.RESOLVED


def test_a_technician_works_only_tickets_assigned_to_him():
    mine, other = technician(), technician()
    ticket = ticket_in(S.ASSIGNED, assignee=mine)
    for move in (lambda: svc.ticket_start(ticket_id=ticket.pk, actor=other),
                 lambda: svc.ticket_resolve(ticket_id=ticket.pk, resolution="x", actor=other)):
        with pytest.raises(ValidationError) as exc:
            move()
        assert _code(exc) == "NOT_ASSIGNED"
    for move in (lambda: svc.ticket_accept(ticket_id=ticket.pk, actor=mine),  # dispatching is the admin's
                 lambda: svc.ticket_reject(ticket_id=ticket.pk, reason="x", actor=mine),
                 lambda: svc.ticket_note(ticket_id=ticket.pk, note="x", actor=other)):  # cannot see it
        with pytest.raises(ValidationError) as exc:
            move()
        assert _code(exc) == "NOT_FOUND"
    svc.ticket_note(ticket_id=ticket.pk, note="明早上门", actor=mine)
    assert svc.ticket_start(ticket_id=ticket.pk, actor=mine).status == S.ON_SITE


@pytest.mark.parametrize("role", ["collector", "finance"])
def test_collectors_and_finance_neither_dispatch_nor_work(role):
    person = staff(f"p-{role}", role)
    ticket = ticket_in(S.ASSIGNED)
    for move in (lambda: svc.ticket_accept(ticket_id=ticket_in(S.SUBMITTED).pk, actor=person),
                 lambda: svc.ticket_assign(ticket_id=ticket.pk, assignee_id=technician().pk, actor=person),
                 lambda: svc.ticket_start(ticket_id=ticket.pk, actor=person),
                 lambda: svc.ticket_resolve(ticket_id=ticket.pk, resolution="x", actor=person)):
        with pytest.raises(ValidationError) as exc:
            move()
        assert _code(exc) == "NOT_FOUND"
    if role == "collector":  # a phone follow-up
        svc.ticket_note(ticket_id=ticket.pk, note="住户来电催促", actor=person)
    else:
        with pytest.raises(ValidationError):
            svc.ticket_note(ticket_id=ticket.pk, note="x", actor=person)


def test_a_resident_acts_only_on_his_own_houses_tickets():
    ticket = ticket_in(S.RESOLVED)
    stranger = ResidentFactory()
    for move in (lambda: svc.ticket_confirm(ticket_id=ticket.pk, rating=5, resident=stranger),
                 lambda: svc.ticket_reopen(ticket_id=ticket.pk, reason="x", resident=stranger),
                 lambda: svc.ticket_cancel(ticket_id=ticket_in(S.SUBMITTED).pk, resident=stranger)):
        with pytest.raises(ValidationError) as exc:
            move()
        assert _code(exc) == "NOT_FOUND"
    # A co-resident of the same house may (the ticket is the house's).
    family = ResidentFactory()
    HouseBinding.objects.create(house=ticket.house, resident=family, role=HouseBinding.Role.FAMILY)
    assert svc.ticket_confirm(ticket_id=ticket.pk, rating=3, resident=family).status == S.CLOSED


@pytest.mark.parametrize("rating", [0, 6, None, "5", True])
def test_a_rating_is_one_to_five(rating):
    ticket = ticket_in(S.RESOLVED)
    with pytest.raises(ValidationError) as exc:
        svc.ticket_confirm(ticket_id=ticket.pk, rating=rating, resident=ticket.resident)
    assert _code(exc) == "INVALID"


def test_reopen_restarts_the_resolve_timer_and_counts_and_closed_tickets_only_within_the_reopen_days():
    cat = category(resolve_hours=24)
    ticket = ticket_in(S.RESOLVED, cat=cat, now=NOW)
    svc.ticket_reopen(ticket_id=ticket.pk, reason="还是漏", resident=ticket.resident, now=NOW + 10 * H)
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.status, t.reopen_count, t.resolved_at, t.resolve_due_at) == (S.ACCEPTED, 1, None, NOW + 34 * H)
    closed = ticket_in(S.CLOSED, cat=cat, now=NOW)
    days = ServiceSettings.get().reopen_days
    assert "REOPEN" in svc.resident_actions(closed, now=NOW + dt.timedelta(days=days))
    assert svc.resident_actions(closed, now=NOW + dt.timedelta(days=days, seconds=1)) == []
    with pytest.raises(ValidationError) as exc:
        svc.ticket_reopen(ticket_id=closed.pk, reason="x", resident=closed.resident,
                          now=NOW + dt.timedelta(days=days + 1))
    assert _code(exc) == "NOT_ALLOWED_IN_STATE" and "新的工单" in exc.value.messages[0]
    again = svc.ticket_reopen(ticket_id=closed.pk, reason="x", resident=closed.resident, now=NOW + H)
    assert (again.status, again.rating, again.closed_at, again.reopen_count) == (S.ACCEPTED, None, None, 1)


def test_notes_are_internal_unless_public():
    ticket = ticket_in(S.ASSIGNED)
    svc.ticket_note(ticket_id=ticket.pk, note="住户脾气大", actor=admin())
    svc.ticket_note(ticket_id=ticket.pk, note="明天上午上门", actor=admin(), public=True)
    notes = list(TicketEvent.objects.filter(ticket=ticket, action="note").order_by("id").values_list("public",
                                                                                                   flat=True))
    assert notes == [False, True]
    assert Ticket.objects.get(pk=ticket.pk).status == S.ASSIGNED


def test_a_lost_compare_and_set_is_a_concurrent_change_and_changes_nothing():
    ticket = submit()
    stale = Ticket.objects.get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.CANCELLED)  # someone else moved it meanwhile
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        svc._transition(stale, S.ACCEPTED, action="accept", actor=admin())
    assert _code(exc) == "CONCURRENT_CHANGE"
    assert Ticket.objects.get(pk=ticket.pk).status == S.CANCELLED and _actions(ticket) == ["submit"]


def test_actions_offered_follow_the_state_and_the_caller():
    boss, tech, other = admin(), technician(), technician()
    submitted = ticket_in(S.SUBMITTED)
    assert svc.staff_actions(submitted, boss) == ["ACCEPT", "ASSIGN", "REJECT"]
    assert svc.staff_actions(submitted, tech) == []
    assert svc.resident_actions(submitted) == ["CANCEL"]
    assigned = ticket_in(S.ASSIGNED, assignee=tech, kind=TicketKind.TEMPERATURE)
    assert svc.staff_actions(assigned, tech) == ["START", "RESOLVE", "INSPECT"]
    assert svc.staff_actions(assigned, other) == []
    assert svc.staff_actions(assigned, boss) == ["ASSIGN", "START", "RESOLVE", "INSPECT"]
    assert svc.staff_actions(assigned, staff("fin2", "finance")) == []
    assert svc.resident_actions(assigned) == []
    assert svc.resident_actions(ticket_in(S.RESOLVED)) == ["CONFIRM", "REOPEN"]


# --- who sees which ticket -------------------------------------------------------------------------------------

def test_visibility_residents_their_bound_houses_technicians_their_assignments_other_staff_all():
    tech, other_tech = technician(), technician()
    house, resident = bound_house()
    own = submit(house=house, resident=resident)
    filed = svc.ticket_submit(house_id=house.pk, kind=TicketKind.REPAIR, category_id=category().pk,
                              description="来电", contact_name="王", actor=staff("c9", "collector"))
    assigned = ticket_in(S.ASSIGNED, assignee=tech)
    unassigned = ticket_in(S.SUBMITTED)
    everything = {own.pk, filed.pk, assigned.pk, unassigned.pk}
    assert set(tickets_visible(resident=resident).values_list("pk", flat=True)) == {own.pk, filed.pk}
    assert set(tickets_visible(actor=tech).values_list("pk", flat=True)) == {assigned.pk}
    assert not tickets_visible(actor=other_tech).exists()
    for role in ("tenant_admin", "collector", "finance"):
        assert set(tickets_visible(actor=staff(f"v-{role}", role)).values_list("pk", flat=True)) == everything
    gone = staff("gone", "tenant_admin")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert not tickets_visible(actor=User.objects.get(pk=gone.pk)).exists()
    assert not tickets_visible().exists()
    assert ticket_get_visible(ticket_id=unassigned.pk, actor=tech) is None
    assert ticket_get_visible(ticket_id="abc", resident=resident) is None
    HouseBinding.objects.filter(resident=resident).delete()  # unbound: no longer theirs
    assert ticket_get_visible(ticket_id=own.pk, resident=resident) is None


def test_another_companys_ticket_is_not_found(beta):
    ticket = ticket_in(S.RESOLVED)
    with schema_context(beta.schema):
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
        assert ticket_get_visible(ticket_id=ticket.pk, actor=staff("beta-boss", "tenant_admin")) is None
        with pytest.raises(ValidationError) as exc:
            svc.ticket_accept(ticket_id=ticket.pk, actor=staff("beta-boss2", "tenant_admin"))
        assert _code(exc) == "NOT_FOUND"


# --- categories ------------------------------------------------------------------------------------------------

def test_the_demo_categories_are_seeded_once_and_kept_as_changed():
    services_demo_seed()
    TicketCategory.objects.filter(name="漏水").update(respond_hours=3)
    services_demo_seed()
    assert TicketCategory.objects.count() == len(DEFAULT_CATEGORIES)
    assert TicketCategory.objects.get(name="漏水").respond_hours == 3
    assert list(TicketCategory.objects.filter(kind=TicketKind.REPAIR).values_list("name", flat=True)) == \
        ["暖气不热", "漏水", "阀门故障", "其他"]


def test_an_admin_saves_categories_with_checked_slas():
    boss = admin()
    cat = svc.category_save(actor=boss, values={"kind": "repair", "name": "管道异响", "respond_hours": 4,
                                                "resolve_hours": 48})
    assert (cat.active, cat.respond_hours) == (True, 4)
    assert svc.category_save(actor=boss, category_id=cat.pk, values={"active": False}).active is False
    assert AuditLog.objects.filter(action="ticket_category.save", target_id=cat.pk).count() == 2
    for values, field in (({"kind": "temperature", "name": "x"}, "kind"),
                          ({"kind": "repair", "name": "x", "respond_hours": 0}, "respond_hours"),
                          ({"kind": "repair", "name": "x", "respond_hours": 5, "resolve_hours": 4}, "resolve_hours"),
                          ({"kind": "repair", "name": "管道异响"}, "name"),
                          ({"kind": "repair", "name": ""}, "name")):
        with pytest.raises(ValidationError) as exc:
            svc.category_save(actor=boss, values=values)
        assert next(iter(exc.value.error_dict)) == field, values
    with pytest.raises(ValidationError) as exc:
        svc.category_save(actor=boss, category_id=cat.pk, values={"kind": "complaint"})
    assert _code(exc) == "INVALID"
    with pytest.raises(ValidationError):
        svc.category_save(actor=staff("c-cat", "collector"), values={"kind": "repair", "name": "y"})

"""Reads of tickets for the API edges: the resident's list, the staff list with its filters, a technician's work
queue, the technicians with their open load and the SLA dashboard. Visibility is apps/services/access.py's."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from heat_platform.kernel.errors import field_error

from .access import tickets_visible, with_details
from .errors import ServiceErrorCode as Code
from .models import Ticket, TicketCategory
from .tickets import ASSIGNEE_ROLES

MAX_RANGE_DAYS = 366
WORKING = (Ticket.Status.ASSIGNED, Ticket.Status.ON_SITE)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def resident_tickets(*, resident, status: str | None = None) -> QuerySet[Ticket]:
    qs = tickets_visible(resident=resident)
    if status:
        qs = qs.filter(status=status)
    return with_details(qs).order_by("-submitted_at", "-id")


def categories(*, kind: str | None = None, active_only: bool = True) -> QuerySet[TicketCategory]:
    qs = TicketCategory.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("kind", "position", "id")


def staff_tickets(*, actor, status: str | None = None, kind: str | None = None, category_id: int | None = None,
                  assignee_id: int | None = None, community_id: int | None = None, overdue: bool | None = None,
                  search: str | None = None, date_from: dt.date | None = None,
                  date_to: dt.date | None = None) -> QuerySet[Ticket]:
    """What this staff member may see, filtered, newest first. Dates: submitted on (the company's days, both
    inclusive, at most a year apart). `search`: the ticket number, the house's 户号 (exact) or part of the contact
    name or the address's community."""
    if date_from and date_to and (date_to - date_from).days > MAX_RANGE_DAYS:
        raise field_error("date_to", _("查询范围不能超过一年。"), Code.INVALID)
    qs = tickets_visible(actor=actor)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    if assignee_id is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if community_id is not None:
        qs = qs.filter(house__community_id=community_id)
    if overdue is True:
        qs = qs.filter(Q(respond_overdue=True) | Q(resolve_overdue=True))
    elif overdue is False:
        qs = qs.filter(respond_overdue=False, resolve_overdue=False)
    if date_from:
        qs = qs.filter(submitted_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(submitted_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    text = (search or "").strip()
    if len(text) > 64:
        raise field_error("search", _("搜索内容过长。"), Code.TOO_LONG)
    if text:
        qs = qs.filter(Q(no__iexact=text) | Q(house__account_no=text) | Q(contact_name__icontains=text)
                       | Q(house__community__name__icontains=text))
    return with_details(qs).order_by("-submitted_at", "-id")


def work_queue(*, actor) -> QuerySet[Ticket]:
    """Open tickets assigned to this staff member, the most urgent (earliest resolve deadline) first."""
    return with_details(Ticket.objects.filter(assignee=actor, status__in=WORKING)).order_by("resolve_due_at", "id")


def technicians() -> QuerySet[User]:
    """Active staff a ticket may be assigned to (technicians first, then admins), with their open load."""
    return (User.objects.filter(is_active=True, role__in=ASSIGNEE_ROLES)
            .annotate(open_count=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=WORKING)))
            .order_by("role", "display_name", "username"))  # "technician" sorts before "tenant_admin"


def _hours(value) -> float | None:
    return round(value.total_seconds() / 3600, 1) if value is not None else None


def sla_dashboard(*, days: int = 30, now: dt.datetime | None = None) -> dict:
    """Open tickets now (overdue, escalated), per category over the last `days` days (open, overdue, average
    hours to respond and to resolve), open per community, and per day: submitted and resolved."""
    if not isinstance(days, int) or not 1 <= days <= MAX_RANGE_DAYS:
        raise field_error("days", _("天数应为 1～366。"), Code.INVALID)
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - dt.timedelta(days=days - 1)
    since = _day_start(first)
    open_qs = Ticket.objects.filter(status__in=Ticket.OPEN)
    overdue = Q(respond_overdue=True) | Q(resolve_overdue=True)
    totals = open_qs.aggregate(open=Count("id"), respond_overdue=Count("id", filter=Q(respond_overdue=True)),
                               resolve_overdue=Count("id", filter=Q(resolve_overdue=True)),
                               escalated=Count("id", filter=Q(escalated_at__isnull=False)))
    respond_time = ExpressionWrapper(F("accepted_at") - F("submitted_at"), output_field=DurationField())
    resolve_time = ExpressionWrapper(F("resolved_at") - F("submitted_at"), output_field=DurationField())
    rows = (Ticket.objects.filter(submitted_at__gte=since).values("kind", "category_id")
            .annotate(open=Count("id", filter=Q(status__in=Ticket.OPEN)),
                      overdue=Count("id", filter=overdue),
                      respond=Avg(respond_time, filter=Q(accepted_at__isnull=False)),
                      resolve=Avg(resolve_time, filter=Q(resolved_at__isnull=False)))
            .order_by("kind", "category_id"))
    cats = {c.pk: c for c in TicketCategory.objects.filter(pk__in={r["category_id"] for r in rows} - {None})}
    by_category = [{"kind": r["kind"], "category": cats.get(r["category_id"]), "open": r["open"],
                    "overdue": r["overdue"], "avg_respond_hours": _hours(r["respond"]),
                    "avg_resolve_hours": _hours(r["resolve"])} for r in rows]
    by_community = [{"community_id": r["house__community_id"], "community_name": r["house__community__name"],
                     "open": r["open"], "overdue": r["overdue"]}
                    for r in open_qs.values("house__community_id", "house__community__name")
                    .annotate(open=Count("id"), overdue=Count("id", filter=overdue)).order_by("-open",
                                                                                            "house__community__name")]
    zone = timezone.get_current_timezone()
    submitted = dict(Ticket.objects.filter(submitted_at__gte=since).annotate(day=TruncDate("submitted_at", tzinfo=zone))
                     .values("day").annotate(n=Count("id")).values_list("day", "n"))
    resolved = dict(Ticket.objects.filter(resolved_at__gte=since).annotate(day=TruncDate("resolved_at", tzinfo=zone))
                    .values("day").annotate(n=Count("id")).values_list("day", "n"))
    daily = [{"date": first + dt.timedelta(days=i), "submitted": submitted.get(first + dt.timedelta(days=i), 0),
              "resolved": resolved.get(first + dt.timedelta(days=i), 0)} for i in range(days)]
    return {**totals, "by_category": by_category, "by_community": by_community, "daily": daily}

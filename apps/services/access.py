"""Who may see which ticket. A resident sees the tickets of the houses they have bound (their own and those staff
filed for those houses); a technician the tickets assigned to them; every other staff role all of the company's.
Anyone else (and a missing ticket) gets None / nothing: callers answer NOT_FOUND, never "forbidden"."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.accounts.models import Role
from apps.accounts.permissions import TICKET_VIEW
from apps.properties.models import HouseBinding

from .models import Inspection, Photo, ShortfallPeriod, Ticket, TicketEvent


def bound_house_ids(resident) -> QuerySet:
    return HouseBinding.objects.filter(resident=resident).values("house_id")


def tickets_visible(*, actor=None, resident=None) -> QuerySet[Ticket]:
    """`actor`: a staff User; `resident`: a Resident. Exactly one of them."""
    if resident is not None and actor is None:
        return Ticket.objects.filter(house_id__in=bound_house_ids(resident))
    if actor is not None and resident is None and getattr(actor, "is_active", False):
        if actor.role == Role.TECHNICIAN:
            return Ticket.objects.filter(assignee=actor)
        if actor.role in TICKET_VIEW:
            return Ticket.objects.all()
    return Ticket.objects.none()


def with_details(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Everything a ticket page shows, in a fixed number of queries whatever the page size."""
    return qs.select_related("category", "house__community", "house__building", "house__unit",
                             "assignee").prefetch_related(
        Prefetch("photos", queryset=Photo.objects.order_by("created_at", "pk")),
        Prefetch("events", queryset=TicketEvent.objects.order_by("created_at", "id")),
        Prefetch("inspections", queryset=Inspection.objects.select_related("rule", "technician").prefetch_related(
            Prefetch("photos", queryset=Photo.objects.order_by("created_at", "pk"))).order_by("measured_at", "id")),
        Prefetch("shortfalls", queryset=ShortfallPeriod.objects.select_related(
            "season", "house__community", "house__building", "house__unit", "compensation__season",
            "compensation__approved_by").order_by("-started_on", "-id")))


def ticket_get_visible(*, ticket_id, actor=None, resident=None, details: bool = True) -> Ticket | None:
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        return None
    qs = tickets_visible(actor=actor, resident=resident).filter(pk=pk)
    return (with_details(qs) if details else qs).first()

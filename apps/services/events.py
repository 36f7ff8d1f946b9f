"""The one writer of ticket timelines: every status change and note of a ticket is a TicketEvent (what the
resident sees, when `public`) and an audit row (what the company's audit log shows)."""

from __future__ import annotations

from apps.audit.services import audit_record

from .models import Ticket, TicketEvent


def actor_label(*, actor=None, resident=None) -> tuple[str, str]:
    """(actor_kind, actor_name) as the timeline shows it: staff by role and name, residents as 住户, else 系统."""
    if actor is not None:
        name = actor.display_name or actor.get_username()
        return "staff", f"{actor.get_role_display()} {name}".strip()[:64]
    if resident is not None:
        return "resident", "住户"
    return "system", "系统"


def ticket_event_add(ticket: Ticket, *, action: str, from_status: str = "", to_status: str = "", actor=None,
                     resident=None, note: str = "", public: bool = True, ip: str | None = None,
                     **audit_fields) -> TicketEvent:
    """Record one step of `ticket` (call inside the transaction that changed it)."""
    kind, name = actor_label(actor=actor, resident=resident)
    event = TicketEvent.objects.create(ticket=ticket, action=action, from_status=from_status, to_status=to_status,
                                       actor_kind=kind, actor_name=name, note=note[:500], public=public)
    audit_record(actor=actor or resident, action=f"ticket.{action}", target=ticket, ip=ip, ticket_no=ticket.no,
                 from_status=from_status, to_status=to_status, **audit_fields)
    return event

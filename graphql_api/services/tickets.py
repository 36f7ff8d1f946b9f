"""Tickets (报修 / 投诉 / 室温报告): residents submit, follow, confirm, reopen and cancel their own houses' tickets;
staff list, dispatch and work them (technicians: only those assigned to them), file tickets for callers, edit
categories and watch the SLA dashboard. Every mutation finds the ticket through the visibility rules of
apps/services/access.py (someone else's is the same NOT_FOUND as a missing one) and calls one service."""

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts.models import Role
from apps.accounts.permissions import (
    PII_FULL,
    QUALITY_MANAGE,
    TICKET_CREATE,
    TICKET_DISPATCH,
    TICKET_VIEW,
    TICKET_WORK,
)
from apps.services import access, selectors
from apps.services import tickets as svc
from apps.services.errors import ServiceErrorCode as Code
from apps.services.models import ServiceSettings
from apps.services.models import Ticket as TicketModel
from apps.services.models import TicketKind as TicketKindModel
from heat_platform.kernel.actors import client_ip
from heat_platform.kernel.errors import field_error
from heat_platform.pii import mask_phone

from ..core.errors import bad_input
from ..core.ids import to_optional_pk, to_pk
from ..core.mutations import BaseMutation
from ..core.pagination import MAX_PAGE
from ..core.permissions import HasRole, IsResident, PermissionsField
from ..core.scalars import Date, DateTime, Decimal
from ..reconciliation.types import offset_page
from .types import HouseRef, ServiceError, ServicePhoto, StaffRef

TicketKind = graphene.Enum.from_enum(TicketKindModel, name="TicketKind",
                                     description="REPAIR 报修, COMPLAINT 投诉, TEMPERATURE 室温报告")
TicketStatus = graphene.Enum.from_enum(
    TicketModel.Status, name="TicketStatus",
    description="SUBMITTED → ACCEPTED → ASSIGNED → ON_SITE → RESOLVED → CLOSED (confirmed, or automatically); "
                "RESOLVED/CLOSED may be reopened to ACCEPTED; SUBMITTED/ACCEPTED may be CANCELLED (resident) or "
                "REJECTED (staff)")

VIEWERS = (HasRole(*TICKET_VIEW),)
DISPATCHERS = (HasRole(*TICKET_DISPATCH),)
WORKERS = (HasRole(*TICKET_WORK),)
NOTE_TAKERS = (HasRole(*svc.NOTE_ROLES),)
# The dashboard is company-wide: technicians (who see only their own tickets) do not get it.
SLA_VIEWERS = (HasRole(*[r for r in TICKET_VIEW if r != Role.TECHNICIAN]),)


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _staff(info):
    actor = info.context.actor
    return actor.user if actor.kind == "staff" else None


def _resident(info):
    actor = info.context.actor
    return actor.resident if actor.kind == "resident" else None


def _service_settings(info) -> ServiceSettings:
    cached = getattr(info.context, "_service_settings", None)
    if cached is None:
        cached = ServiceSettings.get()
        info.context._service_settings = cached
    return cached


class TicketCategory(graphene.ObjectType):
    """A kind of repair or complaint and its SLA (hours from submission)."""

    id = graphene.ID(required=True)
    kind = graphene.Field(TicketKind, required=True)
    name = graphene.String(required=True)
    respond_hours = graphene.Int(required=True, description="Accepted within this many hours")
    resolve_hours = graphene.Int(required=True, description="Resolved within this many hours")
    active = graphene.Boolean(required=True)
    position = graphene.Int(required=True)


class TicketEvent(graphene.ObjectType):
    """One step of the timeline (residents see the public ones; staff also internal notes and escalations)."""

    action = graphene.String(required=True, description="submit, accept, assign, on_site, resolve, confirm, reopen, "
                                                        "cancel, reject, auto_close, note, escalate, inspect …")
    from_status = graphene.Field(TicketStatus)
    to_status = graphene.Field(TicketStatus)
    actor_kind = graphene.String(required=True, description="resident | staff | system")
    actor_name = graphene.String(required=True, description="e.g. 维修技术员 张师傅, 住户, 系统")
    note = graphene.String()
    public = graphene.Boolean(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_from_status(root, info):
        return root.from_status or None

    @staticmethod
    def resolve_to_status(root, info):
        return root.to_status or None

    @staticmethod
    def resolve_note(root, info):
        return root.note or None


class Ticket(graphene.ObjectType):
    """A repair / complaint / room-temperature ticket with its SLA and timeline. The contact phone is masked for
    staff roles that may not see personal numbers in full, except for the technician assigned to the ticket while
    the visit is to be arranged (assigned, on site): they must be able to call."""

    id = graphene.ID(required=True)
    no = graphene.String(required=True, description="T<yyyymmdd>-<6 digits>")
    kind = graphene.Field(TicketKind, required=True)
    category = graphene.Field(TicketCategory, description="null for temperature reports")
    house = graphene.Field(HouseRef, required=True)
    status = graphene.Field(TicketStatus, required=True)
    status_text = graphene.String(required=True)
    contact_name = graphene.String(required=True)
    contact_phone = graphene.String(description="Masked (138****5678) unless the role may see it")
    description = graphene.String(required=True)
    reported_temp = Decimal(description="℃, temperature reports only")
    photos = graphene.List(graphene.NonNull(ServicePhoto), required=True)
    assignee = graphene.Field(StaffRef)
    submitted_at = DateTime(required=True)
    accepted_at = DateTime()
    assigned_at = DateTime()
    on_site_at = DateTime()
    resolved_at = DateTime()
    closed_at = DateTime()
    respond_due_at = DateTime(required=True)
    resolve_due_at = DateTime(required=True)
    respond_overdue = graphene.Boolean(required=True)
    resolve_overdue = graphene.Boolean(required=True)
    escalated = graphene.Boolean(required=True, description="Escalated to the admins for being overdue")
    escalated_at = DateTime()
    resolution = graphene.String(description="What was done (or why it was rejected)")
    rating = graphene.Int(description="1–5, given when the resident confirmed")
    rating_comment = graphene.String()
    reopen_count = graphene.Int(required=True)
    filed_by_staff = graphene.Boolean(required=True, description="Filed by staff for a caller")
    timeline = graphene.List(graphene.NonNull(TicketEvent), required=True, description="Oldest first")
    resident_actions = graphene.List(graphene.NonNull(graphene.String), required=True,
                                     description="What the resident may do now: CONFIRM, REOPEN, CANCEL")
    staff_actions = graphene.List(graphene.NonNull(graphene.String), required=True,
                                  description="What the calling staff member may do now: ACCEPT, ASSIGN, START, "
                                              "RESOLVE, REJECT, INSPECT (empty for residents)")
    inspections = graphene.List(graphene.NonNull("graphql_api.services.quality.Inspection"), required=True,
                                description="Temperature reports: the measurements so far, oldest first")
    shortfall = graphene.Field("graphql_api.services.quality.ShortfallPeriod",
                               description="Temperature reports: the latest shortfall period this ticket opened")

    @staticmethod
    def resolve_status_text(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_contact_phone(root, info):
        phone = root.contact_phone or ""
        if not phone:
            return None
        actor = info.context.actor
        if actor.kind == "resident" or actor.role in PII_FULL:
            return phone
        if (actor.user is not None and root.assignee_id == actor.user.pk
                and root.status in (TicketModel.Status.ASSIGNED, TicketModel.Status.ON_SITE)):
            return phone
        return mask_phone(phone)

    @staticmethod
    def resolve_photos(root, info):
        return root.photos.all()

    @staticmethod
    def resolve_assignee(root, info):
        return root.assignee if root.assignee_id else None

    @staticmethod
    def resolve_escalated(root, info):
        return root.escalated_at is not None

    @staticmethod
    def resolve_resolution(root, info):
        return root.resolution or None

    @staticmethod
    def resolve_rating_comment(root, info):
        return root.rating_comment or None

    @staticmethod
    def resolve_filed_by_staff(root, info):
        return root.resident_id is None

    @staticmethod
    def resolve_timeline(root, info):
        events = root.events.all()
        if info.context.actor.kind != "staff":
            return [e for e in events if e.public]
        return events

    @staticmethod
    def resolve_inspections(root, info):
        return root.inspections.all()

    @staticmethod
    def resolve_shortfall(root, info):
        periods = root.shortfalls.all()
        return periods[0] if periods else None

    @staticmethod
    def resolve_resident_actions(root, info):
        return svc.resident_actions(root, settings=_service_settings(info))

    @staticmethod
    def resolve_staff_actions(root, info):
        return svc.staff_actions(root, _staff(info))


class TicketPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Ticket), required=True)


class Technician(graphene.ObjectType):
    """Staff a ticket may be assigned to, with the tickets they have in hand (assigned or on site)."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    role = graphene.String(required=True, description="technician | tenant_admin")
    open_count = graphene.Int(required=True)

    @staticmethod
    def resolve_name(root, info):
        return root.shown_name


class SlaCategoryRow(graphene.ObjectType):
    kind = graphene.Field(TicketKind, required=True)
    category = graphene.Field(TicketCategory, description="null: temperature reports (or no category)")
    open = graphene.Int(required=True)
    overdue = graphene.Int(required=True)
    avg_respond_hours = graphene.Float(description="Submitted → accepted, of those accepted")
    avg_resolve_hours = graphene.Float(description="Submitted → resolved, of those resolved")


class SlaCommunityRow(graphene.ObjectType):
    community_id = graphene.ID(required=True)
    community_name = graphene.String(required=True)
    open = graphene.Int(required=True)
    overdue = graphene.Int(required=True)


class SlaDay(graphene.ObjectType):
    date = Date(required=True)
    submitted = graphene.Int(required=True)
    resolved = graphene.Int(required=True)


class SlaDashboard(graphene.ObjectType):
    """Open tickets now (overdue, escalated) and per community; per category and per day over the last `days`."""

    days = graphene.Int(required=True)
    open = graphene.Int(required=True)
    respond_overdue = graphene.Int(required=True)
    resolve_overdue = graphene.Int(required=True)
    escalated = graphene.Int(required=True)
    by_category = graphene.List(graphene.NonNull(SlaCategoryRow), required=True)
    by_community = graphene.List(graphene.NonNull(SlaCommunityRow), required=True)
    daily = graphene.List(graphene.NonNull(SlaDay), required=True)


class TicketFilter(graphene.InputObjectType):
    status = TicketStatus()
    kind = TicketKind()
    category_id = graphene.ID()
    assignee_id = graphene.ID()
    community_id = graphene.ID()
    overdue = graphene.Boolean(description="true: respond or resolve overdue; false: neither")
    search = graphene.String(description="Ticket number or 户号 (exact), part of the contact name or community")
    date_from = Date(description="Submitted on or after this day (the company's time zone)")
    date_to = Date(description="Submitted on or before this day (at most a year after dateFrom)")


class TicketInput(graphene.InputObjectType):
    house_id = graphene.ID(required=True)
    kind = TicketKind(required=True)
    category_id = graphene.ID(description="Required for REPAIR / COMPLAINT when the company has categories of it")
    description = graphene.String(required=True, description="At most 1000 characters")
    contact_name = graphene.String(required=True)
    contact_phone = graphene.String()
    reported_temp = Decimal(description="TEMPERATURE: the room temperature read (℃, −10…40, one decimal)")
    photo_ids = graphene.List(graphene.NonNull(graphene.ID),
                              description="Photos uploaded by the caller (POST /files/services/photos/), at most 9")


class TicketCategoryInput(graphene.InputObjectType):
    kind = TicketKind(description="REPAIR or COMPLAINT; required for a new category, fixed afterwards")
    name = graphene.String()
    respond_hours = graphene.Int()
    resolve_hours = graphene.Int()
    active = graphene.Boolean()
    position = graphene.Int()


def _page_args():
    return {"offset": graphene.Int(default_value=0), "limit": graphene.Int(default_value=20)}


class TicketQueries(graphene.ObjectType):
    ticket_categories = PermissionsField(
        graphene.List(graphene.NonNull(TicketCategory)), required=True, permissions=[IsResident, *VIEWERS],
        kind=TicketKind(), description="Categories to choose from (residents: active ones; staff: all)")
    my_tickets = PermissionsField(
        TicketPage, required=True, permissions=[IsResident], status=TicketStatus(), **_page_args(),
        description=f"Tickets of the houses I have bound, newest first, at most {MAX_PAGE} a page")
    my_ticket = PermissionsField(Ticket, permissions=[IsResident], id=graphene.ID(required=True),
                                 description="One ticket of my houses; null when not found")
    tickets = PermissionsField(
        TicketPage, required=True, permissions=VIEWERS, filter=TicketFilter(), offset=graphene.Int(default_value=0),
        limit=graphene.Int(default_value=50),
        description=f"Tickets, newest first (technicians: those assigned to them), at most {MAX_PAGE} a page")
    ticket = PermissionsField(Ticket, permissions=VIEWERS, id=graphene.ID(required=True),
                              description="null when not found (technicians: not assigned to them)")
    my_work_queue = PermissionsField(
        TicketPage, required=True, permissions=WORKERS, **_page_args(),
        description="Tickets assigned to me and not resolved yet, the earliest resolve deadline first")
    technicians = PermissionsField(graphene.List(graphene.NonNull(Technician)), required=True,
                                   permissions=DISPATCHERS,
                                   description="Who a ticket may be assigned to, technicians first")
    sla_dashboard = PermissionsField(SlaDashboard, required=True, permissions=SLA_VIEWERS,
                                     days=graphene.Int(default_value=30),
                                     description="SLA figures: now, and over the last `days` days (1–366)")

    @staticmethod
    def resolve_ticket_categories(root, info, kind=None):
        resident = _resident(info)
        return selectors.categories(kind=_value(kind), active_only=resident is not None)

    @staticmethod
    def resolve_my_tickets(root, info, status=None, offset=0, limit=20):
        qs = selectors.resident_tickets(resident=_resident(info), status=_value(status))
        return TicketPage(**offset_page(qs, offset, limit, default=20))

    @staticmethod
    def resolve_my_ticket(root, info, id):
        return access.ticket_get_visible(ticket_id=to_pk(id), resident=_resident(info))

    @staticmethod
    def resolve_tickets(root, info, filter=None, offset=0, limit=50):
        f = filter or {}
        try:
            qs = selectors.staff_tickets(
                actor=_staff(info), status=_value(f.get("status")), kind=_value(f.get("kind")),
                category_id=to_optional_pk(f.get("category_id")), assignee_id=to_optional_pk(f.get("assignee_id")),
                community_id=to_optional_pk(f.get("community_id")), overdue=f.get("overdue"),
                search=f.get("search"), date_from=f.get("date_from"), date_to=f.get("date_to"))
        except ValidationError as exc:
            raise bad_input(exc) from exc
        return TicketPage(**offset_page(qs, offset, limit))

    @staticmethod
    def resolve_ticket(root, info, id):
        return access.ticket_get_visible(ticket_id=to_pk(id), actor=_staff(info))

    @staticmethod
    def resolve_my_work_queue(root, info, offset=0, limit=20):
        return TicketPage(**offset_page(selectors.work_queue(actor=_staff(info)), offset, limit, default=20))

    @staticmethod
    def resolve_technicians(root, info):
        return selectors.technicians()

    @staticmethod
    def resolve_sla_dashboard(root, info, days=30):
        try:
            data = selectors.sla_dashboard(days=days)
        except ValidationError as exc:
            raise bad_input(exc) from exc
        return SlaDashboard(
            days=days, open=data["open"], respond_overdue=data["respond_overdue"],
            resolve_overdue=data["resolve_overdue"], escalated=data["escalated"],
            by_category=[SlaCategoryRow(**row) for row in data["by_category"]],
            by_community=[SlaCommunityRow(**row) for row in data["by_community"]],
            daily=[SlaDay(**row) for row in data["daily"]])


# --- mutations -------------------------------------------------------------------------------------------------

def _reread(info, ticket_id):
    resident = _resident(info)
    if resident is not None:
        return access.ticket_get_visible(ticket_id=ticket_id, resident=resident)
    return access.ticket_get_visible(ticket_id=ticket_id, actor=_staff(info))


def _visible_id(info, id) -> int:
    """The ticket's pk if the caller may see it; else NOT_FOUND (someone else's, another company's, missing)."""
    resident = _resident(info)
    found = access.ticket_get_visible(ticket_id=to_pk(id), resident=resident, actor=None if resident else _staff(info),
                                      details=False)
    if found is None:
        raise field_error("id", _("找不到该工单。"), Code.NOT_FOUND)
    return found.pk


class _TicketPayload(BaseMutation):
    permissions = (IsResident,)
    ticket = graphene.Field(Ticket)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)

    class Meta:
        abstract = True

    @classmethod
    def act(cls, info, id, service, **kwargs):
        """`service` (a function of apps/services/tickets.py) on the ticket `id` if the caller may see it (else
        NOT_FOUND), as the calling resident (`resident=`) or staff member (`actor=`), with the client's IP; the
        payload holds the ticket as the caller now sees it."""
        pk = _visible_id(info, id)
        resident = _resident(info)
        caller = {"resident": resident} if resident is not None else {"actor": _staff(info)}
        service(ticket_id=pk, **caller, ip=client_ip(info.context), **kwargs)
        return cls(ticket=_reread(info, pk), errors=[])


def _submit_args(input) -> dict:
    return {"house_id": to_pk(input["house_id"]), "kind": _value(input["kind"]),
            "category_id": to_optional_pk(input.get("category_id")), "description": input["description"],
            "contact_name": input["contact_name"], "contact_phone": input.get("contact_phone") or "",
            "reported_temp": input.get("reported_temp"), "photo_ids": input.get("photo_ids") or ()}


class SubmitTicket(_TicketPayload):
    """Report a fault, complain or report a cold room for one of my houses (at most 10 a day)."""

    permissions = (IsResident,)

    class Arguments:
        input = TicketInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        ticket = svc.ticket_submit(**_submit_args(input), resident=_resident(info), ip=client_ip(info.context))
        return cls(ticket=_reread(info, ticket.pk), errors=[])


class ConfirmTicket(_TicketPayload):
    """Confirm a resolved ticket and rate it (1–5): it closes."""

    permissions = (IsResident,)

    class Arguments:
        id = graphene.ID(required=True)
        rating = graphene.Int(required=True)
        comment = graphene.String()

    @classmethod
    def perform_mutation(cls, root, info, id, rating, comment=None):
        return cls.act(info, id, svc.ticket_confirm, rating=rating, comment=comment or "")


class ReopenTicket(_TicketPayload):
    """Not fixed: reopen a resolved ticket (or a closed one within the company's reopen days)."""

    permissions = (IsResident,)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason):
        return cls.act(info, id, svc.ticket_reopen, reason=reason)


class CancelTicket(_TicketPayload):
    """Withdraw a ticket nobody has been sent to yet."""

    permissions = (IsResident,)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String()

    @classmethod
    def perform_mutation(cls, root, info, id, reason=None):
        return cls.act(info, id, svc.ticket_cancel, reason=reason or "")


class CreateTicket(_TicketPayload):
    """File a ticket for a caller (phone, counter) on any house of the company."""

    permissions = (HasRole(*TICKET_CREATE),)

    class Arguments:
        input = TicketInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        ticket = svc.ticket_submit(**_submit_args(input), actor=_staff(info), ip=client_ip(info.context))
        return cls(ticket=_reread(info, ticket.pk), errors=[])


class AcceptTicket(_TicketPayload):
    """SUBMITTED → ACCEPTED (stops the respond timer)."""

    permissions = DISPATCHERS

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String()

    @classmethod
    def perform_mutation(cls, root, info, id, note=None):
        return cls.act(info, id, svc.ticket_accept, note=note or "")


class AssignTicket(_TicketPayload):
    """Dispatch (or re-dispatch) to a technician (a submitted ticket is accepted on the way)."""

    permissions = DISPATCHERS

    class Arguments:
        id = graphene.ID(required=True)
        assignee_id = graphene.ID(required=True)
        note = graphene.String()

    @classmethod
    def perform_mutation(cls, root, info, id, assignee_id, note=None):
        return cls.act(info, id, svc.ticket_assign, assignee_id=to_pk(assignee_id), note=note or "")


class StartTicket(_TicketPayload):
    """The technician is on site: ASSIGNED → ON_SITE (technicians: their own tickets only)."""

    permissions = WORKERS

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        return cls.act(info, id, svc.ticket_start)


class ResolveTicket(_TicketPayload):
    """Done, with what was done (a temperature report only once a re-inspection found the room compliant)."""

    permissions = WORKERS

    class Arguments:
        id = graphene.ID(required=True)
        resolution = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, resolution):
        return cls.act(info, id, svc.ticket_resolve, resolution=resolution)


class RejectTicket(_TicketPayload):
    """Refuse a submitted or accepted ticket, with the reason the resident reads."""

    permissions = DISPATCHERS

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason):
        return cls.act(info, id, svc.ticket_reject, reason=reason)


class AddTicketNote(_TicketPayload):
    """A note on the timeline: internal (staff only) unless `public`."""

    permissions = NOTE_TAKERS

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(required=True)
        public = graphene.Boolean(default_value=False)

    @classmethod
    def perform_mutation(cls, root, info, id, note, public=False):
        return cls.act(info, id, svc.ticket_note, note=note, public=bool(public))


class SaveTicketCategory(BaseMutation):
    """Create (no id) or change a repair / complaint category and its SLA; switch it off with active: false."""

    permissions = (HasRole(*QUALITY_MANAGE),)
    category = graphene.Field(TicketCategory)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)

    class Arguments:
        id = graphene.ID()
        input = TicketCategoryInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input, id=None):
        values = {k: (_value(v) if k == "kind" else v) for k, v in dict(input).items() if v is not None}
        category = svc.category_save(actor=_staff(info), values=values,
                                     category_id=to_pk(id) if id is not None else None, ip=client_ip(info.context))
        return cls(category=category, errors=[])


class TicketMutations(graphene.ObjectType):
    submit_ticket = SubmitTicket.Field()
    confirm_ticket = ConfirmTicket.Field()
    reopen_ticket = ReopenTicket.Field()
    cancel_ticket = CancelTicket.Field()
    create_ticket = CreateTicket.Field()
    accept_ticket = AcceptTicket.Field()
    assign_ticket = AssignTicket.Field()
    start_ticket = StartTicket.Field()
    resolve_ticket = ResolveTicket.Field()
    reject_ticket = RejectTicket.Field()
    add_ticket_note = AddTicketNote.Field()
    save_ticket_category = SaveTicketCategory.Field()

"""Resident services (apps/services), inside a tenant's schema: bound houses, categories, tickets moved through
the real services to any state, and picture files for uploads. Q and O append their own builders at the end."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.properties.models import HouseBinding
from apps.services import tickets as svc
from apps.services.models import Ticket, TicketCategory, TicketKind
from apps.tariffs.models import Season
from tests.factories.accounts import StaffFactory
from tests.factories.properties import HouseFactory
from tests.factories.residents import ResidentFactory

# A fixed clock for SLA tests: Monday 2026-12-07 10:00 Beijing time.
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def bound_house(resident=None, **house_fields):
    """(house, resident) with the resident bound to the house (a new resident when none is given)."""
    resident = resident or ResidentFactory()
    house = HouseFactory(**house_fields)
    HouseBinding.objects.create(house=house, resident=resident)
    return house, resident


def category(kind: str = TicketKind.REPAIR, name: str = "漏水", respond_hours: int = 2,
             resolve_hours: int = 24, **fields) -> TicketCategory:
    found, _created = TicketCategory.objects.get_or_create(
        kind=kind, name=name, defaults={"respond_hours": respond_hours, "resolve_hours": resolve_hours, **fields})
    return found


def heating_season(name: str = "2026-2027", start: dt.date = dt.date(2026, 11, 15),
                   end: dt.date = dt.date(2027, 3, 15)) -> Season:
    found, _created = Season.objects.get_or_create(name=name, defaults={
        "heating_start": start, "heating_end": end, "payment_due": start + dt.timedelta(days=45),
        "late_fee_start": start + dt.timedelta(days=46), "status": Season.Status.OPEN})
    return found


def technician(username: str | None = None, **fields):
    return StaffFactory(role="technician", **({"username": username} if username else {}), **fields)


def admin(username: str | None = None, **fields):
    return StaffFactory(role="tenant_admin", **({"username": username} if username else {}), **fields)


def submit(*, house=None, resident=None, kind: str = TicketKind.REPAIR, cat: TicketCategory | None = None,
           now: dt.datetime | None = None, **fields) -> Ticket:
    """A SUBMITTED ticket by `resident` for `house` (both made and bound when missing)."""
    if house is None:
        house, resident = bound_house(resident)
    args = {"description": "暖气片漏水", "contact_name": "王先生", "contact_phone": "13800138000"}
    if kind == TicketKind.TEMPERATURE:
        heating_season()
        args["reported_temp"] = Decimal("15.0")
    elif "category_id" not in fields:
        args["category_id"] = (cat or category(kind=kind, name="漏水" if kind == TicketKind.REPAIR else "其他")).pk
    args.update(fields)
    return svc.ticket_submit(house_id=house.pk, kind=kind, resident=resident, now=now or timezone.now(), **args)


# The moves that take a ticket from SUBMITTED to each state (admin dispatches, the assignee works it).
def ticket_in(status: str, *, actor=None, assignee=None, now: dt.datetime | None = None, **submit_fields) -> Ticket:
    """A ticket moved through the real services to `status`. `actor`: the admin; `assignee`: the technician."""
    now = now or timezone.now()
    ticket = submit(now=now, **submit_fields)
    if status == Ticket.Status.SUBMITTED:
        return ticket
    actor = actor or admin()
    if status == Ticket.Status.CANCELLED:
        return svc.ticket_cancel(ticket_id=ticket.pk, reason="不用了", resident=ticket.resident, now=now)
    if status == Ticket.Status.REJECTED:
        return svc.ticket_reject(ticket_id=ticket.pk, reason="非本公司管辖", actor=actor)
    svc.ticket_accept(ticket_id=ticket.pk, actor=actor, now=now)
    if status == Ticket.Status.ACCEPTED:
        return Ticket.objects.get(pk=ticket.pk)
    assignee = assignee or technician()
    svc.ticket_assign(ticket_id=ticket.pk, assignee_id=assignee.pk, actor=actor, now=now)
    if status == Ticket.Status.ASSIGNED:
        return Ticket.objects.get(pk=ticket.pk)
    svc.ticket_start(ticket_id=ticket.pk, actor=assignee, now=now)
    if status == Ticket.Status.ON_SITE:
        return Ticket.objects.get(pk=ticket.pk)
    svc.ticket_resolve(ticket_id=ticket.pk, resolution="已更换阀门", actor=assignee, now=now)
    if status == Ticket.Status.RESOLVED:
        return Ticket.objects.get(pk=ticket.pk)
    svc.ticket_confirm(ticket_id=ticket.pk, rating=5, comment="很及时", resident=ticket.resident, now=now)
    return Ticket.objects.get(pk=ticket.pk)


# --- picture files ---------------------------------------------------------------------------------------------

def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), *, exif: bool = False,
                color=(200, 30, 30)) -> bytes:
    """A small real picture; `exif`: with an EXIF block holding a GPS position and a camera model."""
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x0110] = "HeatCam 9"  # Model
        data[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}  # GPSInfo
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(name: str = "photo.jpg", content: bytes | None = None,
           content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)

"""Room-temperature quality: the company's rules (and the city templates to copy from), inspections recorded by
technicians, shortfall periods and the compensation they earn (finance approves above the company's threshold),
and the service settings. Residents see inspections, the shortfall and its compensation on their own tickets
(Ticket.inspections / Ticket.shortfall, graphql_api/services/tickets.py), through these types."""

from decimal import Decimal as _Decimal

import graphene

from apps.accounts.permissions import (
    COMPENSATION_APPROVE,
    COMPENSATION_VIEW,
    QUALITY_MANAGE,
    TICKET_DISPATCH,
    TICKET_VIEW,
    TICKET_WORK,
)
from apps.services import quality as quality_services
from apps.services.city_rules import city_rule_templates
from apps.services.compensation import compensation_approve, compensation_reject
from apps.services.inspections import inspection_record
from apps.services.models import Compensation as CompensationModel
from apps.services.models import Inspection as InspectionModel
from apps.services.models import QualityRule as QualityRuleModel
from apps.services.models import ServiceSettings as ServiceSettingsModel
from apps.services.models import ShortfallPeriod as ShortfallPeriodModel
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.pagination import MAX_PAGE
from ..core.permissions import HasRole, PermissionsField
from ..core.scalars import Date, DateTime, Decimal
from ..reconciliation.types import offset_page
from .types import HouseRef, ServiceError, ServicePhoto, StaffRef

VIEWERS = (HasRole(*TICKET_VIEW),)
MANAGERS = (HasRole(*QUALITY_MANAGE),)
WORKERS = (HasRole(*TICKET_WORK),)
FINANCE = (HasRole(*COMPENSATION_VIEW),)
APPROVERS = (HasRole(*COMPENSATION_APPROVE),)
PERIOD_VIEWERS = (HasRole(*dict.fromkeys((*COMPENSATION_VIEW, *TICKET_DISPATCH))),)
SETTINGS_VIEWERS = (HasRole(*dict.fromkeys((*QUALITY_MANAGE, *COMPENSATION_VIEW))),)

QualityFeeBase = graphene.Enum.from_enum(QualityRuleModel.FeeBase, name="QualityFeeBase")
QualityBandEdge = graphene.Enum.from_enum(QualityRuleModel.BandEdge, name="QualityBandEdge")
InspectionCause = graphene.Enum.from_enum(InspectionModel.Cause, name="InspectionCause")
ShortfallStatus = graphene.Enum.from_enum(ShortfallPeriodModel.Status, name="ShortfallStatus")
CompensationStatus = graphene.Enum.from_enum(CompensationModel.Status, name="CompensationStatus")
CompensationMethod = graphene.Enum.from_enum(CompensationModel.Method, name="CompensationMethod")
PaidCompensation = graphene.Enum.from_enum(ServiceSettingsModel.PaidCompensation, name="PaidCompensation")


def _dec(value):
    return None if value is None else _Decimal(str(value))


def _is_resident(info) -> bool:
    return info.context.actor.kind == "resident"


# --- types -----------------------------------------------------------------------------------------------

class QualityBand(graphene.ObjectType):
    """Degrees below the standard up to `to` (null: no limit) → `pct` % of the day's fee refunded."""

    to = Decimal(description="Upper edge in ℃ below standard; null for the last band")
    pct = Decimal(required=True)

    @staticmethod
    def resolve_to(root, info):
        return _dec(root.get("to"))

    @staticmethod
    def resolve_pct(root, info):
        return _dec(root["pct"])


class QualityRule(graphene.ObjectType):
    """A room-temperature rule in force from effectiveFrom to effectiveTo (inclusive; null: open-ended). A city
    template (cityRuleTemplates) has no id and no dates."""

    id = graphene.ID(description="null for a city template")
    name = graphene.String(required=True)
    city = graphene.String(required=True)
    effective_from = Date(description="null for a city template")
    effective_to = Date()
    standard_temp = Decimal(required=True)
    bands = graphene.List(graphene.NonNull(QualityBand), required=True)
    band_edge = graphene.Field(QualityBandEdge, required=True,
                               description="UPPER: a band includes its upper edge (16.0 ℃ is '16–18'); LOWER: its "
                                           "lower edge (Beijing: 2 ℃ below is already '2–4 ℃ below')")
    fee_base = graphene.Field(QualityFeeBase, required=True)
    response_hours = graphene.Int(required=True)
    grace_hours = graphene.Int(required=True, description="Fixed within this many hours of the first non-compliant "
                                                          "inspection: no refund")
    no_measure_from = graphene.Time(description="No measuring from this local time …")
    no_measure_to = graphene.Time(description="… until this one (Harbin: 10:00–14:00)")
    min_points = graphene.Int(required=True, description="Readings per room")
    height_m = Decimal(required=True)
    procedure = graphene.String(required=True)
    refund_deadline = graphene.String(required=True)
    source = graphene.String(required=True)

    @staticmethod
    def resolve_id(root, info):
        return root.pk

    @staticmethod
    def resolve_bands(root, info):
        return root.bands


class InspectionRoom(graphene.ObjectType):
    name = graphene.String(required=True)
    area = Decimal(required=True, description="㎡")
    readings = graphene.List(graphene.NonNull(Decimal), required=True)
    temp = Decimal(required=True, description="Mean of the readings, to 0.1 ℃")
    compliant = graphene.Boolean(required=True)

    @staticmethod
    def resolve_name(root, info):
        return root["name"]

    @staticmethod
    def resolve_area(root, info):
        return _dec(root["area"])

    @staticmethod
    def resolve_readings(root, info):
        return [_dec(r) for r in root["readings"]]

    @staticmethod
    def resolve_temp(root, info):
        return _dec(root["temp"])

    @staticmethod
    def resolve_compliant(root, info):
        return bool(root["compliant"])


class Inspection(graphene.ObjectType):
    """A technician's measurement at the house: the house's temperature is its coldest room's."""

    id = graphene.ID(required=True)
    measured_at = DateTime(required=True)
    rooms = graphene.List(graphene.NonNull(InspectionRoom), required=True)
    house_temp = Decimal(required=True)
    standard_temp = Decimal(required=True)
    compliant = graphene.Boolean(required=True)
    cause = graphene.Field(InspectionCause, required=True)
    cause_text = graphene.String(required=True)
    technician = graphene.Field(StaffRef, required=True)
    device_no = graphene.String(required=True)
    resident_signature = graphene.String(required=True)
    note = graphene.String(required=True)
    outdoor_temp = Decimal()
    photos = graphene.List(graphene.NonNull(ServicePhoto), required=True)

    @staticmethod
    def resolve_rooms(root, info):
        return root.rooms

    @staticmethod
    def resolve_standard_temp(root, info):
        return root.rule.standard_temp

    @staticmethod
    def resolve_cause_text(root, info):
        return root.get_cause_display()

    @staticmethod
    def resolve_photos(root, info):
        return list(root.photos.all())


class CompensationLine(graphene.ObjectType):
    """One band segment (per room for a rule on the affected rooms' area)."""

    room = graphene.String(description="The room (rules on the affected rooms' area only)")
    temp = Decimal(required=True)
    below = Decimal(required=True, description="℃ below the standard")
    pct = Decimal(required=True)
    days = graphene.Int(required=True)
    amount_fen = graphene.Int(required=True)
    text = graphene.String(required=True)

    @staticmethod
    def resolve_room(root, info):
        return root.get("room")

    @staticmethod
    def resolve_temp(root, info):
        return _dec(root["temp"])

    @staticmethod
    def resolve_below(root, info):
        return _dec(root["below"])

    @staticmethod
    def resolve_pct(root, info):
        return _dec(root["pct"])

    @staticmethod
    def resolve_days(root, info):
        return root["days"]

    @staticmethod
    def resolve_amount_fen(root, info):
        return root["amount_fen"]

    @staticmethod
    def resolve_text(root, info):
        return root["text"]


class CompensationSeason(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)


class Compensation(graphene.ObjectType):
    """What a shortfall period earns: PENDING_APPROVAL (at or above the company's threshold) → APPROVED →
    CREDITED (on the season's bill) / CARRIED (next season's bill) / REFUNDING → REFUNDED; or REJECTED, or
    NONE_DUE (fixed within the grace hours, or no band reached)."""

    id = graphene.ID(required=True)
    house = graphene.Field(HouseRef, required=True)
    season = graphene.Field(CompensationSeason, required=True)
    amount_fen = graphene.Int(required=True)
    days = graphene.Int(required=True)
    lines = graphene.List(graphene.NonNull(CompensationLine), required=True)
    explanation = graphene.String(required=True)
    status = graphene.Field(CompensationStatus, required=True)
    status_text = graphene.String(required=True)
    method = graphene.Field(CompensationMethod)
    credited_fen = graphene.Int(required=True)
    carried_fen = graphene.Int(required=True)
    refunded_fen = graphene.Int(required=True)
    approved_by = graphene.Field(StaffRef, description="Who approved or rejected it (staff only)")
    approved_at = DateTime()
    review_note = graphene.String(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_lines(root, info):
        return root.lines

    @staticmethod
    def resolve_status_text(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_method(root, info):
        return root.method or None

    @staticmethod
    def resolve_approved_by(root, info):
        return None if _is_resident(info) else root.approved_by


class ShortfallPeriod(graphene.ObjectType):
    """Days below standard through the utility's fault: from the first non-compliant inspection's day to the
    day before the compliant re-inspection (or the season's last day)."""

    id = graphene.ID(required=True)
    house = graphene.Field(HouseRef, required=True)
    started_on = Date(required=True)
    ended_on = Date(description="Last non-compliant day; null while OPEN")
    status = graphene.Field(ShortfallStatus, required=True)
    days = graphene.Int(required=True, description="So far, while OPEN (today included)")
    ticket_no = graphene.String(required=True)
    ticket_id = graphene.ID(required=True)
    compensation = graphene.Field(Compensation)

    @staticmethod
    def resolve_days(root, info):
        from django.utils import timezone

        end = root.ended_on or min(timezone.localdate(), root.season.heating_end)
        return max(0, (end - root.started_on).days + 1)

    @staticmethod
    def resolve_ticket_no(root, info):
        return root.ticket.no

    @staticmethod
    def resolve_compensation(root, info):
        # Loaded with the period (select_related / the ticket's prefetch): no query per row.
        try:
            comp = root.compensation
        except CompensationModel.DoesNotExist:
            return None
        if ShortfallPeriodModel.house.is_cached(root):
            comp.house = root.house  # the same house, with its address parts already loaded
        return comp


class CompensationPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Compensation), required=True)


class ShortfallPeriodPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(ShortfallPeriod), required=True)


class ServiceSettings(graphene.ObjectType):
    auto_close_days = graphene.Int(required=True, description="A resolved ticket closes itself after this many days")
    reopen_days = graphene.Int(required=True, description="A closed ticket may be reopened within this many days")
    approval_threshold_fen = graphene.Int(required=True, description="A compensation at or above this waits for "
                                                                     "finance's approval (0: every one does)")
    paid_compensation = graphene.Field(PaidCompensation, required=True,
                                       description="A paid season's compensation: next season's bill or a refund "
                                                   "through the original channel")
    opt_out_deadline_days = graphene.Int(required=True, description="报停: apply at least this many days before "
                                                                    "the season starts")
    opt_out_requires_no_arrears = graphene.Boolean(required=True)


# --- inputs ----------------------------------------------------------------------------------------------

class QualityBandInput(graphene.InputObjectType):
    to = Decimal(description="℃ below standard; null only for the last band")
    pct = Decimal(required=True)


class QualityRuleInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    city = graphene.String(required=True)
    effective_from = Date(required=True)
    effective_to = Date()
    standard_temp = Decimal(required=True)
    bands = graphene.List(graphene.NonNull(QualityBandInput), required=True)
    band_edge = QualityBandEdge(required=True)
    fee_base = QualityFeeBase(required=True)
    response_hours = graphene.Int(required=True)
    grace_hours = graphene.Int(required=True)
    no_measure_from = graphene.Time()
    no_measure_to = graphene.Time()
    min_points = graphene.Int(required=True)
    height_m = Decimal(required=True)
    procedure = graphene.String()
    refund_deadline = graphene.String()
    source = graphene.String()


class InspectionRoomInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    area = Decimal(required=True, description="㎡")
    readings = graphene.List(graphene.NonNull(Decimal), required=True,
                             description="℃, −10…40, one decimal; at least the rule's points per room")


class InspectionInput(graphene.InputObjectType):
    ticket_id = graphene.ID(required=True)
    measured_at = DateTime(required=True)
    rooms = graphene.List(graphene.NonNull(InspectionRoomInput), required=True)
    cause = InspectionCause(required=True, description="NONE when compliant; else UTILITY or a resident cause")
    outdoor_temp = Decimal()
    device_no = graphene.String()
    resident_signature = graphene.String()
    note = graphene.String()
    photo_ids = graphene.List(graphene.NonNull(graphene.ID))


class ServiceSettingsInput(graphene.InputObjectType):
    auto_close_days = graphene.Int()
    reopen_days = graphene.Int()
    approval_threshold_fen = graphene.Int()
    paid_compensation = PaidCompensation()
    opt_out_deadline_days = graphene.Int()
    opt_out_requires_no_arrears = graphene.Boolean()


class CompensationFilter(graphene.InputObjectType):
    status = CompensationStatus()


# --- queries ---------------------------------------------------------------------------------------------

HOUSE_ADDRESS = ("house__community", "house__building", "house__unit")  # what HouseRef.address reads


def _compensations(status=None):
    qs = (CompensationModel.objects.select_related(*HOUSE_ADDRESS, "season", "approved_by")
          .order_by("-created_at", "-id"))
    return qs.filter(status=status) if status else qs


class QualityQueries(graphene.ObjectType):
    quality_rules = PermissionsField(graphene.List(graphene.NonNull(QualityRule)), required=True,
                                     permissions=VIEWERS, description="The company's rules, newest first")
    city_rule_templates = PermissionsField(
        graphene.List(graphene.NonNull(QualityRule)), required=True, permissions=MANAGERS,
        description="City rules to copy from (DOMAIN sources in `source`): Beijing, Tianjin, Harbin 2021, Xi'an, "
                    "Jinan, Linyi")
    compensations = PermissionsField(
        CompensationPage, required=True, permissions=FINANCE, filter=CompensationFilter(),
        offset=graphene.Int(default_value=0), limit=graphene.Int(default_value=50),
        description=f"Compensations, newest first, at most {MAX_PAGE} a page")
    shortfall_periods = PermissionsField(
        ShortfallPeriodPage, required=True, permissions=PERIOD_VIEWERS, status=ShortfallStatus(),
        offset=graphene.Int(default_value=0), limit=graphene.Int(default_value=50),
        description=f"Shortfall periods, latest start first, at most {MAX_PAGE} a page")
    service_settings = PermissionsField(ServiceSettings, required=True, permissions=SETTINGS_VIEWERS)

    @staticmethod
    def resolve_quality_rules(root, info):
        return list(quality_services.rules_list())

    @staticmethod
    def resolve_city_rule_templates(root, info):
        return city_rule_templates()

    @staticmethod
    def resolve_compensations(root, info, filter=None, offset=0, limit=50):
        status = (filter or {}).get("status")
        return CompensationPage(**offset_page(_compensations(status.value if status else None), offset, limit))

    @staticmethod
    def resolve_shortfall_periods(root, info, status=None, offset=0, limit=50):
        qs = (ShortfallPeriodModel.objects.select_related(*HOUSE_ADDRESS, "season", "ticket", "compensation__season",
                                                          "compensation__approved_by")
              .order_by("-started_on", "-id"))
        if status:
            qs = qs.filter(status=status.value)
        return ShortfallPeriodPage(**offset_page(qs, offset, limit))

    @staticmethod
    def resolve_service_settings(root, info):
        return ServiceSettingsModel.get()


# --- mutations -------------------------------------------------------------------------------------------

def _enum(value):
    return value.value if hasattr(value, "value") else value


class SaveQualityRule(BaseMutation):
    """Create a rule (no id) or change one. Refused: bands not increasing or ratios outside 0–100 % or
    decreasing (INVALID_BANDS), an effective range overlapping another rule's (OVERLAPPING_RULE)."""

    permissions = MANAGERS
    rule = graphene.Field(QualityRule)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)

    class Arguments:
        id = graphene.ID()
        input = QualityRuleInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input, id=None):
        values = {key: _enum(value) for key, value in input.items()}
        values["bands"] = [{"to": b.get("to"), "pct": b.get("pct")} for b in input.get("bands") or []]
        rule = quality_services.rule_save(actor=info.context.actor.user, rule_id=to_pk(id) if id else None,
                                          values=values, ip=client_ip(info.context))
        return cls(rule=rule, errors=[])


class RecordInspection(BaseMutation):
    """The assigned technician (or an admin) records the measurement of a temperature report (ASSIGNED or
    ON_SITE; an ASSIGNED ticket moves to ON_SITE). Not compliant through the utility: a shortfall period opens
    (or continues at the new temperature); compliant: the open period closes and its compensation is computed."""

    permissions = WORKERS
    inspection = graphene.Field(Inspection)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)

    class Arguments:
        input = InspectionInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        rooms = [{"name": r.get("name"), "area": r.get("area"), "readings": list(r.get("readings") or [])}
                 for r in input.get("rooms") or []]
        inspection = inspection_record(
            ticket_id=to_pk(input["ticket_id"]), actor=info.context.actor.user, measured_at=input["measured_at"],
            rooms=rooms, cause=_enum(input["cause"]), outdoor_temp=input.get("outdoor_temp"),
            device_no=input.get("device_no") or "", resident_signature=input.get("resident_signature") or "",
            note=input.get("note") or "", photo_ids=input.get("photo_ids") or (), ip=client_ip(info.context))
        return cls(inspection=inspection, errors=[])


class _CompensationPayload:
    compensation = graphene.Field(Compensation)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)


class ApproveCompensation(_CompensationPayload, BaseMutation):
    """Finance (or an admin) approves a compensation waiting for approval; it is credited to the season's bill,
    carried to the next one, or refunded (ServiceSettings.paidCompensation) at once."""

    permissions = APPROVERS

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String()

    @classmethod
    def perform_mutation(cls, root, info, id, note=None):
        comp = compensation_approve(compensation_id=to_pk(id), actor=info.context.actor.user, note=note or "",
                                    ip=client_ip(info.context))
        return cls(compensation=CompensationModel.objects.get(pk=comp.pk), errors=[])


class RejectCompensation(_CompensationPayload, BaseMutation):
    """Finance (or an admin) rejects a compensation waiting for approval (note required)."""

    permissions = APPROVERS

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, note):
        comp = compensation_reject(compensation_id=to_pk(id), actor=info.context.actor.user, note=note,
                                   ip=client_ip(info.context))
        return cls(compensation=comp, errors=[])


class SaveServiceSettings(BaseMutation):
    """Change the company's service settings (omitted fields keep their value)."""

    permissions = MANAGERS
    settings = graphene.Field(ServiceSettings)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)

    class Arguments:
        input = ServiceSettingsInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        values = {key: _enum(value) for key, value in input.items()}
        row = quality_services.service_settings_save(actor=info.context.actor.user, values=values,
                                                     ip=client_ip(info.context))
        return cls(settings=row, errors=[])


class QualityMutations(graphene.ObjectType):
    save_quality_rule = SaveQualityRule.Field()
    record_inspection = RecordInspection.Field()
    approve_compensation = ApproveCompensation.Field()
    reject_compensation = RejectCompensation.Field()
    save_service_settings = SaveServiceSettings.Field()

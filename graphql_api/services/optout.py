"""报停 / 恢复供暖 applications (apps/services/optout.py). Residents: the seasons a house of theirs may opt out of,
their applications, apply and withdraw. Staff: the list, filing one at the counter, review and the seal record.
Someone else's house or application answers NOT_FOUND (or NOT_BOUND when applying), like a missing one."""

import graphene
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.permissions import OPT_OUT_REVIEW, OPT_OUT_SEAL, OPT_OUT_VIEW, PII_FULL
from apps.services import optout as svc
from apps.services.errors import ServiceErrorCode as _Code
from apps.services.models import OptOutApplication as _App
from apps.services.models import Photo as _Photo
from heat_platform.kernel.errors import field_error
from heat_platform.pii import mask_phone

from ..core.errors import bad_input
from ..core.ids import to_optional_pk, to_pk
from ..core.mutations import BaseMutation
from ..core.pagination import MAX_PAGE
from ..core.permissions import HasRole, IsResident, PermissionsField
from ..core.scalars import Date, DateTime, Decimal
from ..reconciliation.types import offset_page
from .types import HouseRef, ServiceError, ServiceErrorCode, ServicePhoto, StaffRef

OptOutKind = graphene.Enum.from_enum(_App.Kind, name="OptOutKind")
OptOutStatus = graphene.Enum.from_enum(_App.Status, name="OptOutStatus")

VIEWERS = (HasRole(*OPT_OUT_VIEW),)
REVIEWERS = (HasRole(*OPT_OUT_REVIEW),)
SEALERS = (HasRole(*OPT_OUT_SEAL),)


class OptOutSeason(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    heating_start = Date(required=True)
    heating_end = Date(required=True)


class OptOutApplication(graphene.ObjectType):
    """A 报停 (OPT_OUT) or 恢复供暖 (RESUME) application: SUBMITTED → APPROVED → SEALED (施封; resume: 启封) →
    EFFECTIVE, or REJECTED / CANCELLED."""

    id = graphene.ID(required=True)
    no = graphene.String(required=True)
    kind = graphene.Field(OptOutKind, required=True)
    house = graphene.Field(HouseRef, required=True)
    season = graphene.Field(OptOutSeason, required=True)
    applicant_name = graphene.String(required=True)
    contact_phone = graphene.String(required=True)
    reason = graphene.String(required=True)
    effective_date = Date(required=True, description="报停: the season's start; 恢复: the day heat returns")
    status = graphene.Field(OptOutStatus, required=True)
    status_text = graphene.String(required=True)
    review_note = graphene.String(required=True)
    reviewed_by = graphene.Field(StaffRef)
    reviewed_at = DateTime()
    seal_no = graphene.String(required=True)
    sealed_by = graphene.Field(StaffRef)
    sealed_at = DateTime()
    photos = graphene.List(graphene.NonNull(ServicePhoto), required=True,
                           description="Proof of ownership (the applicant's) and the seal's (the technician's)")
    effective_at = DateTime()
    submitted_at = DateTime(required=True)
    adjustment_fen = graphene.Int(required=True, description="Resumption inside a billed season: what the bill "
                                                             "changed by (fen; 0 otherwise)")
    resident_actions = graphene.List(graphene.NonNull(graphene.String), required=True,
                                     description="What the resident may do now: CANCEL")

    @staticmethod
    def resolve_kind(root, info):
        return root.kind

    @staticmethod
    def resolve_status(root, info):
        return root.status

    @staticmethod
    def resolve_status_text(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_contact_phone(root, info):
        """In full to the resident and to staff who see personal data (PII_FULL); masked to the others."""
        phone = root.contact_phone or ""
        actor = info.context.actor
        if not phone or actor.kind == "resident" or actor.role in PII_FULL:
            return phone
        return mask_phone(phone)

    @staticmethod
    def resolve_photos(root, info):
        """Proof of ownership to the resident and to reviewers only (a technician sees the seal's)."""
        photos = root.photos.all()  # prefetched with the page
        actor = info.context.actor
        if actor.kind == "resident" or actor.role in OPT_OUT_REVIEW:
            return photos
        return [photo for photo in photos if photo.purpose != _Photo.Purpose.OWNERSHIP]

    @staticmethod
    def resolve_reviewed_by(root, info):
        return root.reviewed_by if root.reviewed_by_id else None

    @staticmethod
    def resolve_sealed_by(root, info):
        return root.sealed_by if root.sealed_by_id else None

    @staticmethod
    def resolve_resident_actions(root, info):
        return svc.resident_actions(root)


class OptOutApplicationPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(OptOutApplication), required=True)


class OptOutOption(graphene.ObjectType):
    season = graphene.Field(OptOutSeason, required=True)
    deadline = Date(required=True, description="The last day to apply (inclusive)")
    can_apply = graphene.Boolean(required=True)
    reason = graphene.String(required=True, description="Why not, when canApply is false")
    reason_code = graphene.Field(ServiceErrorCode, description="Why not, as a code (DEADLINE_PASSED, HAS_ARREARS, …)")
    basic_fee_pct = Decimal(description="The share of the season's fee still charged when opted out (%)")

    @staticmethod
    def resolve_reason_code(root, info):
        return root.reason_code or None


class OptOutOptions(graphene.ObjectType):
    house_id = graphene.ID(required=True)
    heating_status = graphene.String(required=True, description="normal | opted_out | disconnected")
    options = graphene.List(graphene.NonNull(OptOutOption), required=True,
                            description="Seasons not started yet, to opt out of")
    can_resume = graphene.Boolean(required=True, description="The house is opted out and no resumption is pending")
    resume_seasons = graphene.List(graphene.NonNull(OptOutSeason), required=True,
                                   description="Seasons a resumption may be applied for (the current one first)")

    @staticmethod
    def resolve_house_id(root, info):
        return root.house.pk

    @staticmethod
    def resolve_heating_status(root, info):
        return root.house.heating_status


class OptOutFilter(graphene.InputObjectType):
    status = OptOutStatus()
    kind = OptOutKind()
    season_id = graphene.ID()
    search = graphene.String(description="申请号 or 户号 (exact), part of the applicant's or community's name")


class OptOutInput(graphene.InputObjectType):
    house_id = graphene.ID(required=True)
    season_id = graphene.ID(required=True)
    kind = OptOutKind(required=True)
    reason = graphene.String(required=True)
    applicant_name = graphene.String(required=True)
    contact_phone = graphene.String()
    effective_date = Date(description="RESUME only: the day heat returns (default: the season's start, or "
                                               "tomorrow inside a season under way)")
    photo_ids = graphene.List(graphene.NonNull(graphene.ID), description="Proof of ownership (uploaded photos)")


def _resident(info):
    return info.context.actor.resident


def _apply(info, data, *, resident=None, actor=None):
    kind = data.get("kind")
    return svc.optout_apply(
        house_id=to_pk(data["house_id"]), season_id=to_pk(data["season_id"]), kind=kind.value if kind else "",
        reason=data.get("reason"), applicant_name=data.get("applicant_name"),
        contact_phone=data.get("contact_phone") or "", effective_date=data.get("effective_date"),
        photo_ids=[str(p) for p in data.get("photo_ids") or ()], resident=resident, actor=actor,
        today=timezone.localdate())


class OptOutQueries(graphene.ObjectType):
    opt_out_options = PermissionsField(
        OptOutOptions, permissions=[IsResident], house_id=graphene.ID(required=True),
        description="The seasons one of my houses may opt out of (deadline, canApply and why not) and whether it may "
                    "resume; null when the house is not mine")
    my_opt_out_applications = PermissionsField(
        graphene.List(graphene.NonNull(OptOutApplication)), required=True, permissions=[IsResident],
        description=f"报停/恢复 applications for my houses, newest first (at most {MAX_PAGE})")
    opt_out_applications = PermissionsField(
        OptOutApplicationPage, required=True, permissions=VIEWERS, filter=OptOutFilter(),
        offset=graphene.Int(default_value=0), limit=graphene.Int(default_value=50),
        description=f"The company's 报停/恢复 applications, newest first, at most {MAX_PAGE} a page")

    @staticmethod
    def resolve_opt_out_options(root, info, house_id):
        pk = to_pk(house_id)
        if not svc.resident_has_house(_resident(info), pk):
            return None
        return svc.optout_options(house_id=pk)

    @staticmethod
    def resolve_my_opt_out_applications(root, info):
        return list(svc.applications_for_resident(_resident(info))[:MAX_PAGE])

    @staticmethod
    def resolve_opt_out_applications(root, info, filter=None, offset=0, limit=50):
        f = filter or {}
        status, kind = f.get("status"), f.get("kind")
        season_id = to_optional_pk(f.get("season_id"))
        try:
            qs = svc.applications_for_staff(status=status.value if status else None,
                                            kind=kind.value if kind else None, season_id=season_id,
                                            search=f.get("search"))
        except ValidationError as exc:
            raise bad_input(exc) from exc
        return OptOutApplicationPage(**offset_page(qs, offset, limit))


class _Payload:
    application = graphene.Field(OptOutApplication)
    errors = graphene.List(graphene.NonNull(ServiceError), required=True)


class ApplyOptOut(_Payload, BaseMutation):
    """A resident applies for one of their houses: 报停 for a season not started (before its deadline, without
    arrears) or 恢复供暖 for a house that is opted out."""

    permissions = (IsResident,)

    class Arguments:
        input = OptOutInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        app = _apply(info, input, resident=_resident(info))
        return cls(application=svc.application_for_resident(_resident(info), app.pk), errors=[])


class CancelOptOut(_Payload, BaseMutation):
    """Withdraw my application before it is approved."""

    permissions = (IsResident,)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        resident = _resident(info)
        app = svc.application_for_resident(resident, to_pk(id))
        if app is None:
            raise field_error("id", _("找不到该申请。"), _Code.NOT_FOUND)
        svc.optout_cancel(application_id=app.pk, resident=resident)
        return cls(application=svc.application_for_resident(resident, app.pk), errors=[])


def _staff_result(cls, app):
    return cls(application=svc.applications_for_staff().filter(pk=app.pk).first(), errors=[])


class CreateOptOutApplication(_Payload, BaseMutation):
    """File an application at the counter for a caller (same rules as a resident's)."""

    permissions = REVIEWERS

    class Arguments:
        input = OptOutInput(required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        return _staff_result(cls, _apply(info, input, actor=info.context.actor.user))


class ReviewOptOut(_Payload, BaseMutation):
    """Approve, or reject with a note, a submitted application."""

    permissions = REVIEWERS

    class Arguments:
        id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        note = graphene.String(description="Required when rejecting")

    @classmethod
    def perform_mutation(cls, root, info, id, approve, note=""):
        app = svc.optout_review(application_id=to_pk(id), approve=approve, note=note or "",
                                actor=info.context.actor.user)
        return _staff_result(cls, app)


class RecordSeal(_Payload, BaseMutation):
    """The valve seal (施封; for a resumption the unsealing, 启封) recorded on site with its number and photos."""

    permissions = SEALERS

    class Arguments:
        id = graphene.ID(required=True)
        seal_no = graphene.String(required=True)
        photo_ids = graphene.List(graphene.NonNull(graphene.ID))

    @classmethod
    def perform_mutation(cls, root, info, id, seal_no, photo_ids=None):
        app = svc.optout_seal(application_id=to_pk(id), seal_no=seal_no, photo_ids=[str(p) for p in photo_ids or ()],
                              actor=info.context.actor.user)
        return _staff_result(cls, app)


class OptOutMutations(graphene.ObjectType):
    apply_opt_out = ApplyOptOut.Field()
    cancel_opt_out = CancelOptOut.Field()
    create_opt_out_application = CreateOptOutApplication.Field()
    review_opt_out = ReviewOptOut.Field()
    record_seal = RecordSeal.Field()


"""报停 (opting out of heating for a season) and 恢复供暖 (resuming) applications.

An application moves SUBMITTED → APPROVED (staff with OPT_OUT_REVIEW) → SEALED (a technician records the valve
seal 施封, or for a resumption the unsealing 启封, with its seal number and photos) → EFFECTIVE (the daily
`optout_make_effective` changes the house's heating status on the effective date), or → REJECTED (with a note)
/ CANCELLED (by the resident before approval, or by staff before the seal). Every step locks the row, moves it
with a compare-and-set and writes an audit row.

Rules:
- a resident applies only for a house they have bound (HouseBinding); staff file one at the counter;
- 报停 is for a whole season that has not started: its deadline is the season's start less
  `ServiceSettings.opt_out_deadline_days` (the deadline day itself is still in time), and, when
  `opt_out_requires_no_arrears`, the house must not owe anything on a published season's bill;
- 恢复供暖 is for a house that is OPTED_OUT, from a day inside (or at the start of) the season applied for;
- billing: a bill run (and bill_issue) for a season charges the opted-out basic share to a house that is OPTED_OUT
  or has a SEALED/EFFECTIVE 报停 for that season (`opted_out_house_ids`), so a run made before the season starts
  bills a house whose valve is already sealed; an approval alone does not count (a house never sealed is heated);
- a resumption that takes effect inside a season whose bill was issued as opted out recomputes the bill: the
  heating fee for the heated days plus the opted-out basic share for the stopped days (prorated by days), less
  what the bill charged; the difference is posted as an adjustment line through the billing ledger with its
  explanation and kept on the application (`adjustment_fen`). A 报停 sealed after its season's bill was issued
  in full (area plan) is recomputed the same way when it takes effect (down to what was paid, at most);
- a 报停 cancelled or rejected while its season's bill charges only the opted-out basic share (a bill issued when an
  approval alone counted) has the bill recomputed to the full fee the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.properties.models import House, HouseBinding
from apps.tariffs.models import Season, TariffPlan
from heat_platform.kernel.errors import field_error
from heat_platform.money import fen_to_yuan_str

from .cleaning import clean_text
from .errors import ServiceErrorCode as Code
from .models import OptOutApplication, ServiceSettings

logger = logging.getLogger(__name__)

App = OptOutApplication
Kind = OptOutApplication.Kind
Status = OptOutApplication.Status

# Applications the bill run treats as "this house is opted out for that season": the valve is sealed. An approved
# one still waiting for its seal is billed in full; the seal's taking effect recomputes the bill (`_bill_adjust`).
BILLED_AS_OPTED_OUT = (Status.SEALED, Status.EFFECTIVE)
ADJUSTMENT_PREFIX = "恢复供暖调整"
OPT_OUT_ADJUSTMENT_PREFIX = "报停调整"
WITHDRAWN_ADJUSTMENT_PREFIX = "报停撤销调整"

MAX_REASON = 300
MAX_NAME = 32
MAX_NOTE = 200
MAX_SEAL_NO = 32


# --- eligibility ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OptOutOption:
    """One season a house may (or may not, and why) apply to opt out of."""

    season: Season
    deadline: dt.date
    can_apply: bool
    reason: str  # why not ("" when it can)
    reason_code: str  # the ServiceErrorCode of `reason` ("" when it can)
    basic_fee_pct: Decimal | None  # the share of the season's fee still charged (the house's plan); None: no plan


@dataclass(frozen=True)
class OptOutOptions:
    house: House
    options: list[OptOutOption]
    can_resume: bool
    resume_seasons: list[Season]  # seasons a resumption may be applied for (the current one, the next ones)


def deadline_of(season: Season, settings: ServiceSettings | None = None) -> dt.date:
    settings = settings or ServiceSettings.get()
    return season.heating_start - dt.timedelta(days=settings.opt_out_deadline_days)


def has_arrears(house_id: int, *, except_season_id: int | None = None) -> bool:
    """An unpaid bill of a published season (drafts are not yet owed) other than `except_season_id` (the season
    applied for: its bill is what the 报停 changes)."""
    from apps.billing.models import Bill

    return Bill.objects.filter(house_id=house_id, status__in=(Bill.Status.ISSUED, Bill.Status.PARTIALLY_PAID),
                               season__status__in=Season.PUBLISHED).exclude(season_id=except_season_id).exists()


def _basic_pct(house: House, season: Season) -> Decimal | None:
    plan = (TariffPlan.objects.filter(season=season, category=house.category, pricing=TariffPlan.Pricing.AREA).first()
            or TariffPlan.objects.filter(season=season, category=house.category).first())
    return plan.opted_out_basic_pct if plan is not None else None


def _opt_out_refusal(house: House, season: Season, *, today: dt.date, settings: ServiceSettings,
                     live: set[int] | None = None) -> tuple[str, str] | None:
    """(code, message) when the house may not apply to opt out of `season` today; None when it may."""
    if season.status == Season.Status.CLOSED or season.heating_start <= today:
        return Code.NO_SEASON, _("该采暖季已开始，不能申请报停。")
    if today > deadline_of(season, settings):
        return Code.DEADLINE_PASSED, _("已过报停申请截止日期（%(date)s）。") % {
            "date": deadline_of(season, settings).isoformat()}
    if live is None:
        live = set(App.objects.filter(house=house, kind=Kind.OPT_OUT, status__in=App.LIVE)
                   .values_list("season_id", flat=True))
    if season.pk in live:
        return Code.ALREADY_APPLIED, _("该房屋本采暖季已有报停申请。")
    if house.heating_status == House.HeatingStatus.DISCONNECTED:
        return Code.NOT_ALLOWED_IN_STATE, _("该房屋已停供/拆除，无需报停。")
    if house.heating_status == House.HeatingStatus.OPTED_OUT:
        return Code.NOT_ALLOWED_IN_STATE, _("该房屋已处于报停状态。")
    if settings.opt_out_requires_no_arrears and has_arrears(house.pk, except_season_id=season.pk):
        return Code.HAS_ARREARS, _("该房屋有未缴清的账单，请先缴清欠费再申请报停。")
    return None


def _resume_seasons(today: dt.date) -> list[Season]:
    """The season under way (a resumption inside it is prorated) and the ones not yet started."""
    return list(Season.objects.exclude(status=Season.Status.CLOSED).filter(heating_end__gte=today)
                .order_by("heating_start"))


def optout_options(*, house_id: int, today: dt.date | None = None) -> OptOutOptions | None:
    """The seasons a house may apply to opt out of (those not started yet), each with its deadline and whether
    it can apply now (and why not); whether it may ask to resume heating. None: no such house."""
    today = today or timezone.localdate()
    house = House.objects.filter(pk=house_id).first()
    if house is None:
        return None
    settings = ServiceSettings.get()
    live = set(App.objects.filter(house=house, kind=Kind.OPT_OUT, status__in=App.LIVE)
               .values_list("season_id", flat=True))
    options = []
    for season in Season.objects.exclude(status=Season.Status.CLOSED).filter(heating_start__gt=today) \
            .order_by("heating_start"):
        refusal = _opt_out_refusal(house, season, today=today, settings=settings, live=live)
        options.append(OptOutOption(season=season, deadline=deadline_of(season, settings), can_apply=refusal is None,
                                    reason=refusal[1] if refusal else "", reason_code=refusal[0] if refusal else "",
                                    basic_fee_pct=_basic_pct(house, season)))
    opted_out = house.heating_status == House.HeatingStatus.OPTED_OUT
    resume_live = App.objects.filter(house=house, kind=Kind.RESUME,
                                     status__in=(Status.SUBMITTED, Status.APPROVED, Status.SEALED)).exists()
    return OptOutOptions(house=house, options=options, can_resume=opted_out and not resume_live,
                         resume_seasons=_resume_seasons(today) if opted_out else [])


# --- helpers ----------------------------------------------------------------------------------------------------

def resident_has_house(resident, house_id: int) -> bool:
    """The resident has bound that house."""
    return HouseBinding.objects.filter(resident=resident, house_id=house_id).exists()


def _attach_photos(photo_ids, *, application: App, resident=None, user=None) -> int:
    """Attach the uploader's own photos through apps.services.photos (helper T's module); 0 when there are none.
    Before that module exists photos are ignored."""
    photo_ids = [p for p in (photo_ids or ()) if p]
    if not photo_ids:
        return 0
    try:
        from apps.services.photos import photos_attach
    except ImportError:  # photos not built yet
        return 0
    photos_attach(photo_ids=photo_ids, resident=resident, user=user, application=application)
    return len(photo_ids)


def _next_no(today: dt.date) -> str:
    return f"P{today:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"


def _locked(application_id: int) -> App:
    app = App.objects.select_for_update().filter(pk=application_id).first()
    if app is None:
        raise field_error("id", _("找不到该申请。"), Code.NOT_FOUND)
    return app


def _move(app: App, *, to: str, allowed: tuple[str, ...], **fields: Any) -> None:
    """Compare-and-set `app` from its (locked) status to `to`, with `fields`."""
    if app.status not in allowed:
        raise field_error("id", _("申请当前状态（%(status)s）不能执行此操作。") % {"status": app.get_status_display()},
                          Code.NOT_ALLOWED_IN_STATE)
    old = app.status
    updated = App.objects.filter(pk=app.pk, status=old).update(status=to, updated_at=timezone.now(), **fields)
    if updated != 1:  # the row lock makes this a safety net
        raise ValidationError(_("申请已被他人处理，请刷新后重试。"), code=Code.CONCURRENT_CHANGE)
    app.status = to
    for name, value in fields.items():
        setattr(app, name, value)


# --- applying ---------------------------------------------------------------------------------------------------

@transaction.atomic
def optout_apply(*, house_id: int, season_id: int, kind: str, reason: str, applicant_name: str,
                 contact_phone: str = "", effective_date: dt.date | None = None, photo_ids=(), resident=None,
                 actor=None, today: dt.date | None = None) -> App:
    """A resident's application for a house they have bound (`resident=`), or one filed by staff at the counter
    (`actor=`). 报停: the whole season, before its deadline; 恢复供暖: a house that is opted out, from
    `effective_date` (default: the season's start, or tomorrow inside a season under way)."""
    today = today or timezone.localdate()
    if kind not in Kind.values:
        raise field_error("kind", _("无效的申请类型。"), Code.INVALID)
    if resident is not None and not resident_has_house(resident, house_id):
        raise field_error("house_id", _("您尚未绑定该房屋。"), Code.NOT_BOUND)
    house = House.objects.select_for_update().filter(pk=house_id).first()
    if house is None:
        if resident is not None:
            raise field_error("house_id", _("您尚未绑定该房屋。"), Code.NOT_BOUND)
        raise field_error("house_id", _("找不到该房屋。"), Code.NOT_FOUND)
    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        raise field_error("season_id", _("找不到该采暖季。"), Code.NO_SEASON)
    reason = clean_text("reason", reason, max_length=MAX_REASON, required=True)
    applicant_name = clean_text("applicant_name", applicant_name, max_length=MAX_NAME, required=True)
    contact_phone = clean_text("contact_phone", contact_phone, max_length=20, required=False)

    if kind == Kind.OPT_OUT:
        refusal = _opt_out_refusal(house, season, today=today, settings=ServiceSettings.get())
        if refusal is not None:
            code, message = refusal
            raise field_error("season_id", message, code)
        effective = season.heating_start
    else:
        if house.heating_status != House.HeatingStatus.OPTED_OUT:
            raise field_error("house_id", _("该房屋未报停，无需申请恢复供暖。"), Code.NOT_OPTED_OUT)
        if season.status == Season.Status.CLOSED or season.heating_end < today:
            raise field_error("season_id", _("该采暖季已结束。"), Code.NO_SEASON)
        if App.objects.filter(house=house, kind=Kind.RESUME,
                              status__in=(Status.SUBMITTED, Status.APPROVED, Status.SEALED)).exists():
            raise field_error("season_id", _("该房屋已有恢复供暖申请。"), Code.ALREADY_APPLIED)
        default = max(season.heating_start, today + dt.timedelta(days=1))
        effective = effective_date or default
        if not (season.heating_start <= effective <= season.heating_end):
            raise field_error("effective_date", _("恢复日期须在该采暖季内（%(start)s 至 %(end)s）。") % {
                "start": season.heating_start.isoformat(), "end": season.heating_end.isoformat()}, Code.INVALID)
        if effective < today:
            raise field_error("effective_date", _("恢复日期不能早于今天。"), Code.INVALID)
        if App.objects.filter(house=house, season=season, kind=kind, status__in=App.LIVE).exists():
            raise field_error("season_id", _("该房屋本采暖季已申请过恢复供暖。"), Code.ALREADY_APPLIED)

    app = App.objects.create(
        no=_next_no(today), kind=kind, house=house, season=season, resident=resident,
        created_by=actor if resident is None else None, applicant_name=applicant_name,
        contact_phone=contact_phone, reason=reason, effective_date=effective)
    photos = _attach_photos(photo_ids, application=app, resident=resident, user=actor if resident is None else None)
    audit_record(actor=resident or actor, action=f"optout.{kind}.apply", target=app, house_id=house.pk,
                 season_id=season.pk, effective_date=effective.isoformat(), photos=photos,
                 counter=resident is None)
    return app


@transaction.atomic
def optout_review(*, application_id: int, approve: bool, note: str = "", actor) -> App:
    """Approve or reject (with a note) a submitted application."""
    note = clean_text("note", note, max_length=MAX_NOTE, required=not approve)
    app = _locked(application_id)
    to = Status.APPROVED if approve else Status.REJECTED
    _move(app, to=to, allowed=(Status.SUBMITTED,), reviewed_by=actor, reviewed_at=timezone.now(), review_note=note)
    audit_record(actor=actor, action="optout.approve" if approve else "optout.reject", target=app, note=note)
    if not approve:
        _bill_restore(app)
    return app


@transaction.atomic
def optout_seal(*, application_id: int, seal_no: str, photo_ids=(), actor) -> App:
    """The technician's record of the valve sealed (施封, 报停) or unsealed (启封, 恢复供暖) on site."""
    seal_no = clean_text("seal_no", seal_no, max_length=MAX_SEAL_NO, required=True)
    app = _locked(application_id)
    if app.status != Status.APPROVED:
        raise field_error("id", _("申请当前状态（%(status)s）不能执行此操作。") % {"status": app.get_status_display()},
                          Code.NOT_ALLOWED_IN_STATE)
    photos = _attach_photos(photo_ids, application=app, user=actor)
    _move(app, to=Status.SEALED, allowed=(Status.APPROVED,), sealed_by=actor, sealed_at=timezone.now(),
          seal_no=seal_no)
    audit_record(actor=actor, action="optout.seal" if app.kind == Kind.OPT_OUT else "optout.unseal", target=app,
                 seal_no=seal_no, photos=photos)
    return app


@transaction.atomic
def optout_cancel(*, application_id: int, resident=None, actor=None) -> App:
    """The resident withdraws an application for one of their houses before it is approved; staff may also
    cancel an approved one before the seal."""
    app = _locked(application_id)
    if resident is not None:
        if not resident_has_house(resident, app.house_id):
            raise field_error("id", _("找不到该申请。"), Code.NOT_FOUND)
        allowed: tuple[str, ...] = (Status.SUBMITTED,)
    else:
        allowed = (Status.SUBMITTED, Status.APPROVED)
    _move(app, to=Status.CANCELLED, allowed=allowed)
    audit_record(actor=resident or actor, action="optout.cancel", target=app)
    _bill_restore(app)
    return app


def _bill_restore(app: App) -> int:
    """A 报停 withdrawn (cancelled / rejected) whose season's bill charges the opted-out basic share while nothing
    else opts the house out: the bill is recomputed to the full fee (`_bill_adjust`). Returns the fen posted."""
    if app.kind != Kind.OPT_OUT:
        return 0
    house = House.objects.filter(pk=app.house_id).only("heating_status").first()
    if house is None or house.heating_status != House.HeatingStatus.NORMAL:
        return 0  # opted out (or disconnected) by other means: the basic share stays
    if opted_out_house_ids(season_id=app.season_id, house_ids=[app.house_id]):
        return 0
    season = Season.objects.get(pk=app.season_id)
    app.season = season
    return _bill_adjust(app, day=season.heating_start, withdrawn=True)


# --- taking effect ----------------------------------------------------------------------------------------------

def optout_make_effective(*, today: dt.date | None = None) -> int:
    """Daily: every SEALED application whose effective date has come changes its house's heating status (from
    the effective date, or the seal's day if later); inside a season whose bill is issued the bill is recomputed
    (see `_bill_adjust`). Returns how many took effect. Each application in its own transaction: one failure is
    logged and does not stop the rest (it is tried again the next day)."""
    today = today or timezone.localdate()
    ids = list(App.objects.filter(status=Status.SEALED, effective_date__lte=today).order_by("effective_date", "id")
               .values_list("pk", flat=True))
    done = 0
    for pk in ids:
        try:
            done += _make_effective_one(pk, today=today)
        except Exception:
            logger.exception("opt-out application %s could not take effect", pk)
    return done


@transaction.atomic
def _make_effective_one(application_id: int, *, today: dt.date) -> bool:
    from apps.properties.services import house_change_heating_status

    app = App.objects.select_for_update().select_related("season").filter(pk=application_id).first()
    if app is None or app.status != Status.SEALED or app.effective_date > today:
        return False  # moved by someone else meanwhile
    sealed_day = timezone.localdate(app.sealed_at) if app.sealed_at else app.effective_date
    day = min(max(app.effective_date, sealed_day), today)
    target = House.HeatingStatus.OPTED_OUT if app.kind == Kind.OPT_OUT else House.HeatingStatus.NORMAL
    house = House.objects.select_for_update().get(pk=app.house_id)
    changed = False
    if house.heating_status != target and not (
            app.kind == Kind.OPT_OUT and house.heating_status == House.HeatingStatus.DISCONNECTED):
        text = _("报停申请 %(no)s 生效") if app.kind == Kind.OPT_OUT else _("恢复供暖申请 %(no)s 生效")
        text = text % {"no": app.no}
        house_change_heating_status(house_id=house.pk, to_status=target, reason=text, actor=None, effective_date=day)
        changed = True
    adjustment = _bill_adjust(app, day=day) if changed else 0
    _move(app, to=Status.EFFECTIVE, allowed=(Status.SEALED,), effective_at=timezone.now(), adjustment_fen=adjustment)
    audit_record(actor=None, action="optout.effective", target=app, effective_date=day.isoformat(),
                 status_changed=changed, adjustment_fen=adjustment)
    return True


def split_amounts(params, facts, *, heated_days: int) -> tuple[int, int]:
    """(heating fee of `heated_days`, opted-out basic share of the season's other days), prorated by days whatever
    the plan's proration: the engine's lines, rounded as the plan rounds (a two-part plan's metered part is left to
    the season's true-up)."""
    from apps.billing.engine import bill_lines

    params = replace(params, proration="days")
    heated = min(max(heated_days, 0), params.season_days)
    stopped = params.season_days - heated
    consumption = Decimal(0) if params.pricing == TariffPlan.Pricing.TWO_PART else None
    heat_fen = sum(line.amount_fen for line in bill_lines(
        params, replace(facts, opted_out=False, billed_days=heated, consumption=consumption))) if heated else 0
    basic_fen = sum(line.amount_fen for line in bill_lines(
        params, replace(facts, opted_out=True, billed_days=stopped))) if stopped else 0
    return heat_fen, basic_fen


def _season_bill(app: App, day: dt.date):
    """The application's season bill, locked, when `day` is inside the season and the bill is live; else None."""
    from apps.billing.models import Bill
    from apps.billing.services.ledger import LIVE, bills_lock

    season = app.season
    if not (season.heating_start <= day <= season.heating_end):
        return None
    bill_id = Bill.objects.filter(house_id=app.house_id, season=season).values_list("pk", flat=True).first()
    locked = bills_lock([bill_id], for_quote=False) if bill_id is not None else []
    return locked[0] if locked and locked[0].status in LIVE else None


def _bill_adjust(app: App, *, day: dt.date, withdrawn: bool = False) -> int:
    """The season's bill made to charge the heating fee for the heated days and the opted-out basic share for the
    stopped days (prorated by days), as one adjustment line with its explanation. 恢复供暖: a bill issued as opted
    out (the house was stopped from the season's start until `day`). 报停: a bill issued in full on an area plan
    before the 报停 was sealed (heated until `day`); a reduction below what was already paid is left to staff
    (a refund). `withdrawn` (a 报停 cancelled or rejected, `day` the season's start): a bill issued as opted out
    is charged the whole season's heating fee. Returns the fen posted (0: nothing to do)."""
    from apps.billing.engine import HouseFacts, TariffParams, bill_lines, one_off_line
    from apps.billing.models import BillLine
    from apps.billing.services import bill_post

    bill = _season_bill(app, day)
    if bill is None:
        return 0
    house = House.objects.get(pk=app.house_id)
    params = TariffParams.from_snapshot(bill.snapshot)
    facts = HouseFacts(building_area=house.building_area, usable_area=house.usable_area,
                       low_income=house.low_income != House.LowIncome.NONE)
    lines = list(bill.lines.values_list("kind", "amount_fen"))
    kinds = {kind for kind, _amount in lines}
    heated_kinds = {BillLine.Kind.HEATING_FEE, BillLine.Kind.METERED_FEE}
    days_in = (day - params.season_start).days
    if app.kind == Kind.RESUME or withdrawn:
        if kinds & heated_kinds:
            return 0  # billed as heated: nothing was taken off
        charged = sum(line.amount_fen for line in bill_lines(params, replace(facts, opted_out=True)))
        heated = params.season_days - days_in
        if withdrawn:
            text = _("%(prefix)s：报停申请%(no)s已撤销，按全季供暖%(heated)d天收取采暖费%(heat)s元，"
                     "原报停基本热费%(charged)s元，%(verb)s%(diff)s元")
            prefix = WITHDRAWN_ADJUSTMENT_PREFIX
        else:
            text = _("%(prefix)s：%(day)s起恢复供暖，供暖%(heated)d天采暖费%(heat)s元 + 报停%(stopped)d天基本热费"
                     "%(basic)s元（按天折算，共%(days)d天），原报停基本热费%(charged)s元，%(verb)s%(diff)s元")
            prefix = ADJUSTMENT_PREFIX
    else:
        if params.pricing != TariffPlan.Pricing.AREA or BillLine.Kind.HEATING_FEE not in kinds:
            return 0  # billed as opted out already (or a metered bill: left to staff and the true-up)
        charged = sum(line.amount_fen for line in bill_lines(params, facts))
        billed = sum(amount for kind, amount in lines if kind in (BillLine.Kind.HEATING_FEE, BillLine.Kind.RELIEF))
        if billed != charged:
            return 0  # not the whole season's plain bill (prorated, changed): left to staff
        heated = days_in
        text = _("%(prefix)s：%(day)s起报停，供暖%(heated)d天采暖费%(heat)s元 + 报停%(stopped)d天基本热费"
                 "%(basic)s元（按天折算，共%(days)d天），原采暖费%(charged)s元，%(verb)s%(diff)s元")
        prefix = OPT_OUT_ADJUSTMENT_PREFIX
    heat_fen, basic_fen = split_amounts(params, facts, heated_days=heated)
    diff = heat_fen + basic_fen - charged
    if diff == 0:
        return 0
    if bill.principal_fen + diff < bill.paid_fen:
        audit_record(actor=None, action="bill.optout_adjust_skipped", target=bill, amount_fen=diff,
                     application=app.no, reason="below paid: refund by staff")
        return 0
    text = text % {
        "prefix": prefix, "no": app.no, "day": day.isoformat(), "heated": heated, "heat": fen_to_yuan_str(heat_fen),
        "stopped": params.season_days - heated, "basic": fen_to_yuan_str(basic_fen), "days": params.season_days,
        "charged": fen_to_yuan_str(charged), "verb": _("补收") if diff > 0 else _("退减"),
        "diff": fen_to_yuan_str(abs(diff))}
    bill_post(bill, lines=[one_off_line(BillLine.Kind.ADJUSTMENT, diff, text[:500])])
    action = "bill.optout_withdrawn_adjust" if withdrawn else f"bill.optout_{app.kind}_adjust"
    audit_record(actor=None, action=action, target=bill, amount_fen=diff, application=app.no)
    return diff


# --- billing hook -----------------------------------------------------------------------------------------------

def opted_out_house_ids(*, season_id: int, house_ids) -> set[int]:
    """Of `house_ids`, those with a sealed (or effective) 报停 for the season and no resumption in
    effect for it: a bill run charges them the opted-out basic share. One query. A `range` of ids (a bill run's
    batch) is looked up by its bounds rather than as a list of every id."""
    if isinstance(house_ids, range) and house_ids.step == 1:
        if not house_ids:
            return set()
        houses = Q(house_id__gte=house_ids.start, house_id__lt=house_ids.stop)
    else:
        house_ids = list(house_ids)
        if not house_ids:
            return set()
        houses = Q(house_id__in=house_ids)
    resumed = App.objects.filter(house_id=OuterRef("house_id"), season_id=season_id, kind=Kind.RESUME,
                                 status=Status.EFFECTIVE)
    return set(App.objects.filter(houses, season_id=season_id, kind=Kind.OPT_OUT, status__in=BILLED_AS_OPTED_OUT)
               .filter(~Exists(resumed)).order_by().values_list("house_id", flat=True))


# --- reads ------------------------------------------------------------------------------------------------------

def _base() -> QuerySet[App]:
    return App.objects.select_related("house__community", "house__building", "house__unit", "season",
                                      "reviewed_by", "sealed_by").prefetch_related("photos")


def applications_for_resident(resident) -> QuerySet[App]:
    """Applications for the houses the resident has bound (also those staff filed for them), newest first."""
    return _base().filter(Exists(HouseBinding.objects.filter(resident=resident, house_id=OuterRef("house_id"))))


def application_for_resident(resident, application_id: int) -> App | None:
    return applications_for_resident(resident).filter(pk=application_id).first()


def applications_for_staff(*, status: str | None = None, kind: str | None = None, season_id: int | None = None,
                           search: str | None = None) -> QuerySet[App]:
    qs = _base()
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if season_id is not None:
        qs = qs.filter(season_id=season_id)
    search = (search or "").strip()[:64]
    if search:
        qs = qs.filter(Q(no__iexact=search) | Q(house__account_no__iexact=search) | Q(applicant_name__contains=search)
                       | Q(house__community__name__contains=search))
    return qs


def resident_actions(app: App) -> list[str]:
    return ["CANCEL"] if app.status == Status.SUBMITTED else []

"""报停 / 恢复供暖 applications: applying across the deadline, arrears and bindings, every state path and who may
take it, the daily effect on a frozen day, and the effect on real bill runs (the basic share; a resumption in the
middle of the season prorated by days)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from apps.billing.models import Bill, BillLine, BillRun
from apps.billing.runs import bill_run_start
from apps.billing.services import bill_issue
from apps.properties.models import HeatingStatusChange, House, HouseBinding
from apps.services import optout
from apps.services.demo import optout_demo_seed
from apps.services.models import OptOutApplication, ServiceSettings
from apps.tariffs.models import Season, TariffPlan
from tests.factories.accounts import staff
from tests.factories.properties import HouseFactory
from tests.factories.residents import ResidentFactory
from tests.factories.tariffs import SeasonFactory, TariffPlanFactory, tianjin_season

START = dt.date(2026, 11, 15)  # Tianjin 2026-2027: Nov 15 – Mar 15, 121 days; 报停 pays 30 %
DEADLINE = dt.date(2026, 10, 16)  # 30 days before (ServiceSettings default)
BEFORE = dt.date(2026, 9, 1)
Status = OptOutApplication.Status


@pytest.fixture
def w(alpha):
    """alpha's 2026-2027 season, an admin, a collector, a technician, and a resident with a 100 ㎡ house."""
    with schema_context(alpha.schema):
        s = tianjin_season()
        resident = ResidentFactory()
        house = HouseFactory(building_area=Decimal("100"))
        HouseBinding.objects.create(house=house, resident=resident)
        return SimpleNamespace(season=s.season, plans=s, resident=resident, house=house,
                               admin=User.objects.get(username=alpha.admin), collector=staff("c1", "collector"),
                               tech=staff("t1", "technician"))


def _code(exc: pytest.ExceptionInfo) -> str:
    err = exc.value
    if hasattr(err, "error_dict"):
        return next(iter(err.error_dict.values()))[0].code
    return err.error_list[0].code


def apply(w, house=None, today=BEFORE, kind="opt_out", **kw):
    args = {"house_id": (house or w.house).pk, "season_id": w.season.pk, "kind": kind, "reason": "外出过冬",
            "applicant_name": "王建国", "contact_phone": "13900000000", "today": today}
    if "actor" not in kw:
        args["resident"] = kw.pop("resident", w.resident)
    args.update(kw)
    return optout.optout_apply(**args)


def sealed(w, today=BEFORE):
    app = apply(w, today=today)
    optout.optout_review(application_id=app.pk, approve=True, note="", actor=w.collector)
    return optout.optout_seal(application_id=app.pk, seal_no="F-0001", actor=w.tech)


# --- applying -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "ok"), [(DEADLINE - dt.timedelta(days=1), True), (DEADLINE, True),
                                           (DEADLINE + dt.timedelta(days=1), False)],
                         ids=["day-before", "day-of", "day-after"])
def test_opt_out_is_accepted_until_the_deadline_day_included(alpha, w, today, ok):
    with schema_context(alpha.schema):
        if ok:
            app = apply(w, today=today)
            assert (app.status, app.kind, app.effective_date) == (Status.SUBMITTED, "opt_out", START)
            assert app.no.startswith(f"P{today:%Y%m%d}-")
            assert AuditLog.objects.filter(action="optout.opt_out.apply", target_id=str(app.pk)).exists()
        else:
            with pytest.raises(ValidationError) as exc:
                apply(w, today=today)
            assert _code(exc) == "DEADLINE_PASSED"
            assert not OptOutApplication.objects.exists()


def test_the_deadline_follows_the_company_setting(alpha, w):
    with schema_context(alpha.schema):
        ServiceSettings.objects.update_or_create(pk=1, defaults={"opt_out_deadline_days": 10})
        assert apply(w, today=START - dt.timedelta(days=10)).status == Status.SUBMITTED


def test_no_opt_out_once_the_season_started(alpha, w):
    with schema_context(alpha.schema):
        ServiceSettings.objects.update_or_create(pk=1, defaults={"opt_out_deadline_days": 0})
        with pytest.raises(ValidationError) as exc:
            apply(w, today=START)
        assert _code(exc) == "NO_SEASON"


def test_a_resident_applies_only_for_a_house_they_bound(alpha, w):
    with schema_context(alpha.schema):
        stranger_house = HouseFactory()
        other = ResidentFactory()
        HouseBinding.objects.create(house=stranger_house, resident=other)
        for house_id in (stranger_house.pk, 999_999):
            with pytest.raises(ValidationError) as exc:
                apply(w, house=SimpleNamespace(pk=house_id))
            assert _code(exc) == "NOT_BOUND"
        # Staff file one at the counter for any house.
        app = apply(w, house=stranger_house, actor=w.collector)
        assert (app.resident, app.created_by) == (None, w.collector)


def test_arrears_refuse_an_opt_out_unless_the_company_allows_it(alpha, w):
    with schema_context(alpha.schema):
        last = SeasonFactory(name="2025-2026", heating_start=dt.date(2025, 11, 15), status=Season.Status.CLOSED)
        bill = bill_issue(house=w.house, season=last, plan=TariffPlanFactory(season=last))
        with pytest.raises(ValidationError) as exc:
            apply(w)
        assert _code(exc) == "HAS_ARREARS"
        ServiceSettings.objects.update_or_create(pk=1, defaults={"opt_out_requires_no_arrears": False})
        assert apply(w).status == Status.SUBMITTED
        assert bill.status == Bill.Status.ISSUED


def test_a_draft_seasons_bill_is_not_arrears(alpha, w):
    with schema_context(alpha.schema):
        draft = SeasonFactory(name="draft", heating_start=dt.date(2025, 11, 15), status=Season.Status.DRAFT)
        bill_issue(house=w.house, season=draft, plan=TariffPlanFactory(season=draft))
        assert apply(w).status == Status.SUBMITTED


def test_one_live_application_per_house_season_and_kind(alpha, w):
    with schema_context(alpha.schema):
        first = apply(w)
        with pytest.raises(ValidationError) as exc:
            apply(w)
        assert _code(exc) == "ALREADY_APPLIED"
        optout.optout_cancel(application_id=first.pk, resident=w.resident)
        assert apply(w).status == Status.SUBMITTED


def test_input_is_checked_and_nothing_is_written(alpha, w):
    with schema_context(alpha.schema):
        for kw, code in (({"reason": " "}, "REQUIRED"), ({"applicant_name": ""}, "REQUIRED"),
                         ({"reason": "x" * 301}, "TOO_LONG"), ({"kind": "nope"}, "INVALID"),
                         ({"season_id": 999_999}, "NO_SEASON")):
            with pytest.raises(ValidationError) as exc:
                apply(w, **kw)
            assert _code(exc) == code, kw
        assert not OptOutApplication.objects.exists()


def test_options_list_the_coming_seasons_with_deadline_and_why_not(alpha, w):
    with schema_context(alpha.schema):
        later = SeasonFactory(name="2027-2028", heating_start=dt.date(2027, 11, 15), status=Season.Status.DRAFT)
        TariffPlanFactory(season=later, opted_out_basic_pct=Decimal("60"))
        opts = optout.optout_options(house_id=w.house.pk, today=dt.date(2026, 10, 20))
        assert [(o.season.name, o.deadline, o.can_apply, o.reason_code, o.basic_fee_pct) for o in opts.options] == [
            ("2026-2027", DEADLINE, False, "DEADLINE_PASSED", Decimal("30")),
            ("2027-2028", dt.date(2027, 10, 16), True, "", Decimal("60"))]
        assert opts.can_resume is False
        apply(w, today=BEFORE)
        opts = optout.optout_options(house_id=w.house.pk, today=BEFORE)
        assert [o.reason_code for o in opts.options] == ["ALREADY_APPLIED", ""]
        assert optout.optout_options(house_id=999_999, today=BEFORE) is None


# --- the state machine --------------------------------------------------------------------------------------------

def test_approve_seal_and_take_effect_on_the_seasons_first_day(alpha, w):
    with schema_context(alpha.schema):
        app = apply(w)
        optout.optout_review(application_id=app.pk, approve=True, note="同意", actor=w.collector)
        app.refresh_from_db()
        assert (app.status, app.reviewed_by, app.review_note) == (Status.APPROVED, w.collector, "同意")
        optout.optout_seal(application_id=app.pk, seal_no="F-0001", actor=w.tech)
        app.refresh_from_db()
        assert (app.status, app.seal_no, app.sealed_by) == (Status.SEALED, "F-0001", w.tech)

        assert optout.optout_make_effective(today=START - dt.timedelta(days=1)) == 0
        w.house.refresh_from_db()
        assert w.house.heating_status == House.HeatingStatus.NORMAL
        assert optout.optout_make_effective(today=START) == 1
        assert optout.optout_make_effective(today=START) == 0  # once
        app.refresh_from_db()
        w.house.refresh_from_db()
        assert app.status == Status.EFFECTIVE and app.effective_at is not None
        assert w.house.heating_status == House.HeatingStatus.OPTED_OUT
        change = HeatingStatusChange.objects.get(house=w.house)
        assert (change.from_status, change.to_status, change.effective_date) == ("normal", "opted_out", START)
        actions = list(AuditLog.objects.filter(target_id=str(app.pk), target_type="services.optoutapplication")
                       .order_by("id").values_list("action", flat=True))
        assert actions == ["optout.opt_out.apply", "optout.approve", "optout.seal", "optout.effective"]


def test_a_late_seal_takes_effect_from_its_day(alpha, w):
    with schema_context(alpha.schema):
        app = sealed(w)
        OptOutApplication.objects.filter(pk=app.pk).update(
            sealed_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        assert optout.optout_make_effective(today=dt.date(2026, 11, 25)) == 1
        assert HeatingStatusChange.objects.get(house=w.house).effective_date == dt.date(2026, 11, 20)


def test_reject_needs_a_note_and_ends_the_application(alpha, w):
    with schema_context(alpha.schema):
        app = apply(w)
        with pytest.raises(ValidationError) as exc:
            optout.optout_review(application_id=app.pk, approve=False, note=" ", actor=w.admin)
        assert _code(exc) == "REQUIRED"
        optout.optout_review(application_id=app.pk, approve=False, note="产权证明不清晰", actor=w.admin)
        app.refresh_from_db()
        assert (app.status, app.review_note) == (Status.REJECTED, "产权证明不清晰")
        for call in (lambda: optout.optout_review(application_id=app.pk, approve=True, actor=w.admin),
                     lambda: optout.optout_seal(application_id=app.pk, seal_no="F-1", actor=w.tech),
                     lambda: optout.optout_cancel(application_id=app.pk, resident=w.resident)):
            with pytest.raises(ValidationError) as exc:
                call()
            assert _code(exc) == "NOT_ALLOWED_IN_STATE"
        assert apply(w).status == Status.SUBMITTED  # a rejected one does not block a new one


def test_seal_needs_an_approved_application_and_a_seal_number(alpha, w):
    with schema_context(alpha.schema):
        app = apply(w)
        with pytest.raises(ValidationError) as exc:
            optout.optout_seal(application_id=app.pk, seal_no="F-1", actor=w.tech)
        assert _code(exc) == "NOT_ALLOWED_IN_STATE"
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        with pytest.raises(ValidationError) as exc:
            optout.optout_seal(application_id=app.pk, seal_no="", actor=w.tech)
        assert _code(exc) == "REQUIRED"
        with pytest.raises(ValidationError) as exc:
            optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)  # twice
        assert _code(exc) == "NOT_ALLOWED_IN_STATE"
        with pytest.raises(ValidationError) as exc:
            optout.optout_review(application_id=999_999, approve=True, actor=w.admin)
        assert _code(exc) == "NOT_FOUND"


def test_cancel_by_the_resident_before_approval_only_and_only_their_own(alpha, w):
    with schema_context(alpha.schema):
        app = apply(w)
        intruder = ResidentFactory()
        with pytest.raises(ValidationError) as exc:
            optout.optout_cancel(application_id=app.pk, resident=intruder)
        assert _code(exc) == "NOT_FOUND"
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        with pytest.raises(ValidationError) as exc:
            optout.optout_cancel(application_id=app.pk, resident=w.resident)
        assert _code(exc) == "NOT_ALLOWED_IN_STATE"
        optout.optout_cancel(application_id=app.pk, actor=w.admin)  # staff: before the seal
        app.refresh_from_db()
        assert app.status == Status.CANCELLED


def test_photos_of_ownership_and_seal_are_attached(alpha, w, mp_media):
    photos = pytest.importorskip("apps.services.photos")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories.tenants import png

    with schema_context(alpha.schema):
        proof = photos.photo_create(file=SimpleUploadedFile("p.png", png()), purpose="ownership", resident=w.resident)
        app = apply(w, photo_ids=[str(proof.pk)])
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        seal = photos.photo_create(file=SimpleUploadedFile("s.png", png()), purpose="seal", user=w.tech)
        optout.optout_seal(application_id=app.pk, seal_no="F-2", photo_ids=[str(seal.pk)], actor=w.tech)
        assert set(app.photos.values_list("pk", flat=True)) == {proof.pk, seal.pk}
        # Someone else's photo: not found, and nothing is written.
        other = photos.photo_create(file=SimpleUploadedFile("o.png", png()), purpose="ownership",
                                    resident=ResidentFactory())
        with pytest.raises(ValidationError) as exc:
            apply(w, house=HouseFactory(), actor=w.collector, photo_ids=[str(other.pk)])
        assert _code(exc) == "NOT_FOUND"
        assert OptOutApplication.objects.count() == 1


# --- resuming -----------------------------------------------------------------------------------------------------

def test_resume_needs_an_opted_out_house(alpha, w):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as exc:
            apply(w, kind="resume", today=dt.date(2027, 1, 1))
        assert _code(exc) == "NOT_OPTED_OUT"


def test_resume_dates_are_inside_the_season_and_not_past(alpha, w):
    with schema_context(alpha.schema):
        House.objects.filter(pk=w.house.pk).update(heating_status="opted_out")
        today = dt.date(2027, 1, 10)
        for day in (dt.date(2027, 3, 16), dt.date(2027, 1, 9)):
            with pytest.raises(ValidationError) as exc:
                apply(w, kind="resume", today=today, effective_date=day)
            assert _code(exc) == "INVALID"
        app = apply(w, kind="resume", today=today)
        assert app.effective_date == dt.date(2027, 1, 11)  # tomorrow by default
        with pytest.raises(ValidationError) as exc:
            apply(w, kind="resume", today=today)
        assert _code(exc) == "ALREADY_APPLIED"
        assert optout.optout_options(house_id=w.house.pk, today=today).can_resume is False


# --- billing ------------------------------------------------------------------------------------------------------

@pytest.fixture
def run_bills(alpha, django_capture_on_commit_callbacks):
    def run(season: Season, *, dry_run: bool = False) -> BillRun:
        with schema_context(alpha.schema):
            actor = User.objects.get(username=alpha.admin)
            with django_capture_on_commit_callbacks(execute=True):
                bill_run = bill_run_start(season_id=season.pk, dry_run=dry_run, actor=actor)
            bill_run.refresh_from_db()
            return bill_run

    return run


def _lines(house) -> list[tuple[str, int]]:
    return list(BillLine.objects.filter(bill__house=house).order_by("position").values_list("kind", "amount_fen"))


FULL = [("heating_fee", 240000)]  # 100 ㎡ × 24 元
BASIC = [("basic_fee", 72000)]  # × 30 %


def test_a_bill_run_before_the_season_charges_a_sealed_opt_out_the_basic_share(alpha, w, run_bills):
    with schema_context(alpha.schema):
        approved = HouseFactory(building_area=Decimal("100"))
        submitted = HouseFactory(building_area=Decimal("100"))
        rejected = HouseFactory(building_area=Decimal("100"))
        sealed(w)  # w.house: approved and sealed, still heated today
        ok = apply(w, house=approved, actor=w.collector)
        optout.optout_review(application_id=ok.pk, approve=True, actor=w.admin)  # never sealed: still heated
        apply(w, house=submitted, actor=w.collector)
        no = apply(w, house=rejected, actor=w.collector)
        optout.optout_review(application_id=no.pk, approve=False, note="不符合条件", actor=w.admin)
        preview = run_bills(w.season, dry_run=True)
        assert preview.totals[w.house.community.name]["principal_fen"] == 72000
        run = run_bills(w.season)
        assert run.status == BillRun.Status.SUCCEEDED and run.created == 4
        assert _lines(w.house) == BASIC
        assert _lines(approved) == FULL and _lines(submitted) == FULL and _lines(rejected) == FULL


def test_an_approved_opt_out_sealed_after_the_bill_run_reduces_the_bill_when_it_takes_effect(alpha, w, run_bills):
    with schema_context(alpha.schema):
        app = apply(w)
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        run_bills(w.season)  # the seal is still pending: billed in full
        assert _lines(w.house) == FULL
        optout.optout_seal(application_id=app.pk, seal_no="F-0002", actor=w.tech)
        assert optout.optout_make_effective(today=START) == 1
        app.refresh_from_db()
        assert app.adjustment_fen == 72000 - 240000
        assert Bill.objects.get(house=w.house).principal_fen == 72000


def test_an_opt_out_sealed_inside_the_season_after_a_full_bill_is_prorated(alpha, w, run_bills):
    with schema_context(alpha.schema):
        app = apply(w)
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        run_bills(w.season)
        optout.optout_seal(application_id=app.pk, seal_no="F-0003", actor=w.tech)
        OptOutApplication.objects.filter(pk=app.pk).update(
            sealed_at=dt.datetime(2026, 12, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        assert optout.optout_make_effective(today=dt.date(2026, 12, 1)) == 1
        app.refresh_from_db()
        # Heated Nov 15 – Nov 30 (16 days): 2400 × 16/121 = 317.36; stopped 105 days: 2400 × 105/121 × 30 %
        # = 624.79; the bill had 2400.00.
        assert app.adjustment_fen == 31736 + 62479 - 240000
        assert Bill.objects.get(house=w.house).principal_fen == 31736 + 62479


def _billed_as_opted_out_then_back_to(w, run_bills, status) -> OptOutApplication:
    """A bill issued as opted out while the application was merely approved (or submitted): what a bill run did
    before only a seal counted."""
    app = sealed(w)
    run_bills(w.season)
    assert _lines(w.house) == BASIC
    OptOutApplication.objects.filter(pk=app.pk).update(status=status, sealed_at=None, sealed_by=None, seal_no="")
    return app


def test_cancelling_an_opt_out_billed_as_opted_out_charges_the_full_fee(alpha, w, run_bills):
    with schema_context(alpha.schema):
        app = _billed_as_opted_out_then_back_to(w, run_bills, Status.APPROVED)
        optout.optout_cancel(application_id=app.pk, actor=w.admin)
        bill = Bill.objects.get(house=w.house)
        assert bill.principal_fen == 240000
        line = bill.lines.order_by("position").last()
        assert (line.kind, line.amount_fen) == ("adjustment", 240000 - 72000)
        assert line.explanation.startswith(f"报停撤销调整：报停申请{app.no}已撤销")
        assert "采暖费2400.00元" in line.explanation and "补收1680.00元" in line.explanation
        assert AuditLog.objects.filter(action="bill.optout_withdrawn_adjust", target_id=str(bill.pk)).exists()
        with pytest.raises(ValidationError):
            optout.optout_cancel(application_id=app.pk, actor=w.admin)
        assert Bill.objects.get(house=w.house).principal_fen == 240000  # nothing posted twice


def test_rejecting_an_opt_out_billed_as_opted_out_charges_the_full_fee(alpha, w, run_bills):
    with schema_context(alpha.schema):
        app = _billed_as_opted_out_then_back_to(w, run_bills, Status.SUBMITTED)
        optout.optout_review(application_id=app.pk, approve=False, note="产权不符", actor=w.admin)
        assert Bill.objects.get(house=w.house).principal_fen == 240000


def test_a_withdrawn_opt_out_leaves_a_bill_alone_when_the_house_is_opted_out_anyway(alpha, w, run_bills):
    with schema_context(alpha.schema):
        app = _billed_as_opted_out_then_back_to(w, run_bills, Status.APPROVED)
        House.objects.filter(pk=w.house.pk).update(heating_status="opted_out")
        optout.optout_cancel(application_id=app.pk, actor=w.admin)
        assert _lines(w.house) == BASIC
        other = HouseFactory(building_area=Decimal("100"))  # billed in full: a cancellation changes nothing
        run_bills(w.season)
        mine = apply(w, house=other, actor=w.collector)
        optout.optout_review(application_id=mine.pk, approve=True, actor=w.admin)
        optout.optout_cancel(application_id=mine.pk, actor=w.admin)
        assert _lines(other) == FULL


def test_the_opt_out_lookup_is_one_query_a_batch(alpha, w):
    with schema_context(alpha.schema):
        sealed(w)
        houses = [HouseFactory().pk for _ in range(5)]
        with CaptureQueriesContext(connection) as ctx:
            ids = optout.opted_out_house_ids(season_id=w.season.pk, house_ids=[w.house.pk, *houses])
        assert ids == {w.house.pk} and len(ctx.captured_queries) == 1
        assert optout.opted_out_house_ids(season_id=w.season.pk, house_ids=[]) == set()
        # A bill run's batch: by its bounds.
        with CaptureQueriesContext(connection) as ctx:
            ids = optout.opted_out_house_ids(season_id=w.season.pk, house_ids=range(w.house.pk, max(houses) + 1))
        assert ids == {w.house.pk} and len(ctx.captured_queries) == 1
        assert "\"house_id\" IN (" not in ctx.captured_queries[0]["sql"]
        assert optout.opted_out_house_ids(season_id=w.season.pk, house_ids=range(w.house.pk + 1, 10**9)) == set()
        assert optout.opted_out_house_ids(season_id=w.season.pk, house_ids=range(5, 5)) == set()


def test_bill_issue_charges_an_approved_opt_out_the_basic_share(alpha, w):
    with schema_context(alpha.schema):
        sealed(w)
        bill = bill_issue(house=w.house, season=w.season, plan=w.plans.area)
        assert bill.principal_fen == 72000


def _opted_out_then_billed(w, run_bills):
    sealed(w)
    run_bills(w.season)
    assert optout.optout_make_effective(today=START) == 1
    w.house.refresh_from_db()
    assert w.house.heating_status == House.HeatingStatus.OPTED_OUT


def test_a_resumption_mid_season_prorates_the_bill_by_days(alpha, w, run_bills):
    with schema_context(alpha.schema):
        _opted_out_then_billed(w, run_bills)
        today = dt.date(2027, 1, 10)
        app = apply(w, kind="resume", today=today, effective_date=dt.date(2027, 1, 15), reason="回家过年")
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        optout.optout_seal(application_id=app.pk, seal_no="Q-0001", actor=w.tech)
        OptOutApplication.objects.filter(pk=app.pk).update(
            sealed_at=dt.datetime(2027, 1, 14, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        assert optout.optout_make_effective(today=dt.date(2027, 1, 14)) == 0
        assert optout.optout_make_effective(today=dt.date(2027, 1, 15)) == 1
        app.refresh_from_db()
        w.house.refresh_from_db()
        assert w.house.heating_status == House.HeatingStatus.NORMAL
        # Heated Jan 15 – Mar 15 (60 days): 2400 × 60/121 = 1190.08; stopped Nov 15 – Jan 14 (61 days):
        # 2400 × 61/121 × 30 % = 362.98; the bill had 720.00: 833.06 more.
        assert app.adjustment_fen == 119008 + 36298 - 72000 == 83306
        bill = Bill.objects.get(house=w.house, season=w.season)
        assert bill.principal_fen == 155306 and bill.status == Bill.Status.ISSUED
        line = bill.lines.order_by("position").last()
        assert (line.kind, line.amount_fen) == ("adjustment", 83306)
        assert "2027-01-15起恢复供暖" in line.explanation and "供暖60天采暖费1190.08元" in line.explanation
        assert "报停61天基本热费362.98元" in line.explanation and "补收833.06元" in line.explanation
        assert AuditLog.objects.filter(action="bill.optout_resume_adjust", target_id=str(bill.pk)).exists()
        # The house's history now bills 61 stopped days: a run for the same season creates nothing twice.
        changes = list(HeatingStatusChange.objects.filter(house=w.house).order_by("effective_date")
                       .values_list("to_status", "effective_date"))
        assert changes == [("opted_out", START), ("normal", dt.date(2027, 1, 15))]


def test_resuming_from_the_seasons_start_charges_the_whole_fee(alpha, w, run_bills):
    with schema_context(alpha.schema):
        House.objects.filter(pk=w.house.pk).update(heating_status="opted_out")  # opted out since last season
        run_bills(w.season)
        assert _lines(w.house) == BASIC
        app = apply(w, kind="resume", today=BEFORE)
        assert app.effective_date == START
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        optout.optout_seal(application_id=app.pk, seal_no="Q-2", actor=w.tech)
        OptOutApplication.objects.filter(pk=app.pk).update(
            sealed_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        assert optout.optout_make_effective(today=START) == 1
        app.refresh_from_db()
        assert app.adjustment_fen == 240000 - 72000
        assert Bill.objects.get(house=w.house).principal_fen == 240000


def test_a_resumption_before_the_bill_run_is_billed_for_the_heated_days(alpha, w, run_bills):
    with schema_context(alpha.schema):
        sealed(w)
        assert optout.optout_make_effective(today=START) == 1
        app = apply(w, kind="resume", today=dt.date(2026, 12, 1), effective_date=dt.date(2027, 1, 15))
        optout.optout_review(application_id=app.pk, approve=True, actor=w.admin)
        optout.optout_seal(application_id=app.pk, seal_no="Q-3", actor=w.tech)
        OptOutApplication.objects.filter(pk=app.pk).update(
            sealed_at=dt.datetime(2027, 1, 14, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        assert optout.optout_make_effective(today=dt.date(2027, 1, 15)) == 1
        app.refresh_from_db()
        assert app.adjustment_fen == 0  # no bill yet
        assert optout.opted_out_house_ids(season_id=w.season.pk, house_ids=[w.house.pk]) == set()
        run_bills(w.season)
        assert _lines(w.house) == [("heating_fee", 119008)]  # 60 of 121 days


def test_an_opt_out_approved_after_a_full_bill_reduces_it_when_it_takes_effect(alpha, w, run_bills):
    with schema_context(alpha.schema):
        run_bills(w.season)  # in September, before anyone applied
        assert _lines(w.house) == FULL
        sealed(w)
        assert optout.optout_make_effective(today=START) == 1
        app = OptOutApplication.objects.get()
        assert app.adjustment_fen == 72000 - 240000
        bill = Bill.objects.get(house=w.house)
        assert bill.principal_fen == 72000
        line = bill.lines.order_by("position").last()
        assert line.kind == "adjustment" and line.explanation.startswith("报停调整：2026-11-15起报停")
        assert "报停121天基本热费720.00元" in line.explanation and "退减1680.00元" in line.explanation


def test_an_opt_out_does_not_reduce_a_bill_below_what_was_paid(alpha, w, run_bills):
    from apps.billing.services import bill_post

    with schema_context(alpha.schema):
        run_bills(w.season)
        bill = Bill.objects.get(house=w.house)
        bill_post(bill, paid_fen=240000)  # paid in full (as a payment posts it)
        sealed(w)
        assert optout.optout_make_effective(today=START) == 1
        assert OptOutApplication.objects.get().adjustment_fen == 0
        bill.refresh_from_db()
        assert (bill.principal_fen, bill.status) == (240000, Bill.Status.PAID)
        assert AuditLog.objects.filter(action="bill.optout_adjust_skipped", target_id=str(bill.pk)).exists()


# --- demo ---------------------------------------------------------------------------------------------------------

def test_demo_seed_drafts_next_season_with_the_current_plans(alpha):
    with schema_context(alpha.schema):
        assert optout_demo_seed() is None  # no season yet
        current = tianjin_season().season
        nxt = optout_demo_seed()
        assert (nxt.name, nxt.heating_start, nxt.heating_end, nxt.status) == (
            "2027-2028", dt.date(2027, 11, 15), dt.date(2028, 3, 15), Season.Status.DRAFT)
        assert sorted(TariffPlan.objects.filter(season=nxt).values_list("name", "opted_out_basic_pct")) == sorted(
            TariffPlan.objects.filter(season=current).values_list("name", "opted_out_basic_pct"))
        assert optout_demo_seed() == nxt and Season.objects.count() == 2


def test_the_daily_task_runs_in_every_company(alpha, w):
    from apps.services.tasks import optout_make_effective_all_tenants

    with schema_context(alpha.schema):
        app = sealed(w)
        OptOutApplication.objects.filter(pk=app.pk).update(effective_date=dt.date(2026, 1, 1))  # long due
    assert optout_make_effective_all_tenants()["alpha"] == 1
    with schema_context(alpha.schema):
        assert OptOutApplication.objects.get(pk=app.pk).status == Status.EFFECTIVE

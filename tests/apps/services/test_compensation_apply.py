"""Applying a compensation: finance approves at or above the company's threshold (or rejects with a reason);
an unpaid bill takes a credit line up to what it owes, the rest is carried to the next season (consumed by the
real bill run) or, when the company refunds paid seasons, refunded through the sandbox WeChat Pay gateway on the
bill's paid online order (a counter payment is carried instead). Applying is idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill, HouseCredit
from apps.billing.runs import bill_run_start
from apps.services.compensation import compensation_apply, compensation_approve, compensation_reject
from apps.services.models import Compensation, ServiceSettings
from tests.factories.payments import (
    add_wechat_account,
    create_payment,
    make_payer,
    pay,
    prepay_id_of,
    sandbox_confirm,
)
from tests.factories.quality import cold_spell, crew
from tests.factories.tariffs import season_with_plans, tianjin_season
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db
# Tianjin, 2400.00 元 bill, 121 days, 12 days at 16.5 ℃ (10 %): 2400 × 0.1 × 12 ÷ 121 = 23.80 元.
AMOUNT = 2380


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


def _code(err, field):
    return err.value.error_dict[field][0].code


def _bill(pk) -> Bill:
    return Bill.objects.get(pk=pk)


def test_at_or_above_the_threshold_it_waits_for_finance(alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season, threshold=AMOUNT)
        comp = Compensation.objects.get(period=story.period)
        assert (comp.amount_fen, comp.status) == (AMOUNT, "pending_approval")
        assert not _bill(story.bill.pk).lines.filter(kind="credit").exists()
        approved = compensation_approve(compensation_id=comp.pk, actor=story.people.finance, note="核实无误")
    with schema_context(alpha.schema):
        comp.refresh_from_db()
        assert (comp.status, comp.credited_fen, comp.approved_by, comp.review_note) == (
            "credited", AMOUNT, story.people.finance, "核实无误")
        assert approved.approved_by == story.people.finance
        assert _bill(story.bill.pk).principal_fen == 240000 - AMOUNT
        with pytest.raises(ValidationError) as err:
            compensation_approve(compensation_id=comp.pk, actor=story.people.finance)
        assert _code(err, "id") == "NOT_ALLOWED_IN_STATE"
        actions = set(AuditLog.objects.filter(target_id=str(comp.pk), action__startswith="compensation.")
                      .values_list("action", flat=True))
        assert actions == {"compensation.create", "compensation.approve", "compensation.apply"}


def test_threshold_zero_makes_every_compensation_wait(alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season, threshold=0)
        assert Compensation.objects.get(period=story.period).status == "pending_approval"


def test_just_below_the_threshold_is_applied_at_once(alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season, threshold=AMOUNT + 1)
    with schema_context(alpha.schema):
        assert Compensation.objects.get(period=story.period).status == "credited"


def test_a_rejection_needs_a_reason_and_changes_no_bill(alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season, threshold=0)
        comp = Compensation.objects.get(period=story.period)
        with pytest.raises(ValidationError) as err:
            compensation_reject(compensation_id=comp.pk, actor=story.people.finance, note=" ")
        assert _code(err, "note") == "REQUIRED"
        rejected = compensation_reject(compensation_id=comp.pk, actor=story.people.finance, note="住户私接暖气片")
        assert rejected.status == "rejected"
        assert compensation_apply(comp.pk).status == "rejected"
        assert _bill(story.bill.pk).principal_fen == 240000
        assert "未获批准：住户私接暖气片" in story.ticket.events.filter(action="compensation").last().note
        with pytest.raises(ValidationError) as err:
            compensation_approve(compensation_id=comp.pk, actor=story.people.finance)
        assert _code(err, "id") == "NOT_ALLOWED_IN_STATE"


def test_a_bill_owing_less_takes_what_it_owes_and_the_rest_is_carried(
        alpha, season, django_capture_on_commit_callbacks):
    """Paid 2390.00 of 2400.00 at the counter: the bill takes 10.00 元 of the 23.80, 13.80 元 is carried."""
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        people = crew()
        story = cold_spell(season, threshold=0, people=people)
        pay(people.collector, [story.bill], 239000, "SJ0000001")
        comp = Compensation.objects.get(period=story.period)
        compensation_approve(compensation_id=comp.pk, actor=people.finance)
    with schema_context(alpha.schema):
        comp.refresh_from_db()
        assert (comp.status, comp.method, comp.credited_fen, comp.carried_fen) == ("carried", "next_bill", 1000,
                                                                                    1380)
        bill = _bill(story.bill.pk)
        assert (bill.principal_fen, bill.paid_fen, bill.status) == (239000, 239000, "paid")
        assert bill.lines.get(kind="credit").explanation.endswith("本次抵扣10.00元")
        credit = HouseCredit.objects.get(house=story.house)
        assert (credit.amount_fen, credit.source, credit.consumed_by_bill) == (1380, "compensation", None)


def test_a_paid_season_is_carried_and_the_next_real_bill_run_consumes_it(
        alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        people = crew()
        story = cold_spell(season, threshold=0, people=people)
        pay(people.collector, [story.bill], 240000, "SJ0000002")
        comp = Compensation.objects.get(period=story.period)
        compensation_approve(compensation_id=comp.pk, actor=people.finance)
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        assert Compensation.objects.get(pk=comp.pk).status == "carried"
        assert _bill(story.bill.pk).principal_fen == 240000  # the paid bill is left alone
        following = season_with_plans("2027-2028", dt.date(2027, 11, 15), dt.date(2028, 3, 15))
        bill_run_start(season_id=following.season.pk, dry_run=False, actor=people.admin)
    with schema_context(alpha.schema):
        new_bill = Bill.objects.get(house=story.house, season=following.season)
        credit_line = new_bill.lines.get(kind="credit")
        assert credit_line.amount_fen == -AMOUNT
        assert credit_line.explanation == ("室温不达标补偿：2026-2027采暖季12月1日至12月12日共12天，室温16.5℃低于标准"
                                           "1.5℃退费10%（12天），合计23.80元，本次抵扣23.80元")
        assert new_bill.principal_fen == 240000 - AMOUNT
        assert HouseCredit.objects.get(house=story.house).consumed_by_bill == new_bill


def test_a_paid_season_is_refunded_through_the_sandbox_gateway(
        alpha, season, gql, django_capture_on_commit_callbacks):
    add_wechat_account("alpha")
    payer = make_payer(alpha, season, openid="o-cold", houses=1, area="100")
    with sandbox_http():
        created = create_payment(gql, alpha, payer, payer.bills)
        sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
        with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
            assert _bill(payer.bills[0].pk).status == "paid"
            ServiceSettings.objects.update_or_create(pk=1, defaults={"paid_compensation": "refund"})
            people = crew()
            story = cold_spell(season, threshold=0, people=people, house=payer.houses[0], bill=False)
            comp = Compensation.objects.get(period=story.period)
            assert comp.bill_id == payer.bills[0].pk
            compensation_approve(compensation_id=comp.pk, actor=people.finance)
    with schema_context(alpha.schema):
        from apps.services.compensation import compensation_refund_sync

        comp = compensation_refund_sync(comp.pk)
        assert (comp.status, comp.method, comp.refunded_fen) == ("refunded", "refund", AMOUNT)
        assert comp.refund.amount_fen == AMOUNT and comp.refund.out_refund_no == f"CMP{comp.pk:08d}"
        assert comp.refund.requested_by == people.finance
        bill = _bill(payer.bills[0].pk)
        assert (bill.principal_fen, bill.paid_fen, bill.status) == (240000 - AMOUNT, 240000 - AMOUNT, "paid")
        assert not HouseCredit.objects.filter(house=story.house).exists()


def test_a_counter_paid_season_cannot_be_refunded_and_is_carried(
        alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        ServiceSettings.objects.update_or_create(pk=1, defaults={"paid_compensation": "refund"})
        people = crew()
        story = cold_spell(season, threshold=0, people=people)
        pay(people.collector, [story.bill], 240000, "SJ0000003")
        comp = Compensation.objects.get(period=story.period)
        compensation_approve(compensation_id=comp.pk, actor=people.finance)
    with schema_context(alpha.schema):
        comp.refresh_from_db()
        assert (comp.status, comp.carried_fen, comp.refund) == ("carried", AMOUNT, None)


def test_applying_twice_credits_once(alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season)
    with schema_context(alpha.schema):
        comp = Compensation.objects.get(period=story.period)
        assert comp.status == "credited"
        for _ in range(3):
            assert compensation_apply(comp.pk).status == "credited"
        assert _bill(story.bill.pk).lines.filter(kind="credit").count() == 1
        from apps.services.compensation import compensation_create

        assert compensation_create(story.period) == comp


def test_no_bill_yet_defers_the_compensation_to_the_season_end_task(
        alpha, season, django_capture_on_commit_callbacks):
    from apps.billing.services import bill_issue
    from apps.services.compensation import shortfalls_close_at_season_end

    with schema_context(alpha.schema), django_capture_on_commit_callbacks(execute=True):
        story = cold_spell(season, bill=False)
        assert not Compensation.objects.filter(period=story.period).exists()
        bill = bill_issue(house=story.house, season=season.season, plan=season.area)
        assert shortfalls_close_at_season_end(today=dt.date(2026, 12, 20))["compensated"] == 1
    with schema_context(alpha.schema):
        assert Compensation.objects.get(period=story.period).status == "credited"
        assert _bill(bill.pk).principal_fen == 240000 - AMOUNT

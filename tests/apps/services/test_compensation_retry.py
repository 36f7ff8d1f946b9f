"""A compensation is never left behind: when its after-commit application fails, the approval still answers
(it is committed) and the retry sweep applies it later; a refund whose call failed after the credit line was
posted (REFUNDING without a refund) is re-sent by the sweep as the same CMP<id> refund. Failures are real: a
database constraint added for the test refuses the bill's credit line / the refund row, then is dropped."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.models import Bill, BillLine
from apps.payments.models import Refund
from apps.services.compensation import (
    compensation_approve,
    compensation_refund_sync,
    compensations_retry,
    shortfalls_close_at_season_end,
)
from apps.services.models import Compensation, ServiceSettings
from tests.factories.payments import add_wechat_account, create_payment, make_payer, prepay_id_of, sandbox_confirm
from tests.factories.quality import cold_spell, crew
from tests.factories.tariffs import tianjin_season
from tests.sandbox_http import sandbox_http

pytestmark = pytest.mark.django_db
AMOUNT = 2380  # Tianjin, 2400.00 元, 12 days at 16.5 ℃ (10 %) of 121


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


@contextmanager
def refused(table: str, check: str):
    """New rows of `table` must satisfy `check` while inside (existing rows are not checked)."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending deferred checks: ALTER TABLE refuses them
        cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT test_refused CHECK ({check}) NOT VALID')
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT test_refused')


def test_a_failed_application_leaves_the_approval_answered_and_the_sweep_applies_it(
        alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks(execute=True):
            story = cold_spell(season, threshold=0)
        comp = Compensation.objects.get(period=story.period)
        with refused(BillLine._meta.db_table, "kind <> 'credit'"), \
                django_capture_on_commit_callbacks(execute=True):
            approved = compensation_approve(compensation_id=comp.pk, actor=story.people.finance)
        assert approved.status == "approved"
        comp.refresh_from_db()
        assert comp.status == "approved"  # committed, not applied
        assert not Bill.objects.get(pk=story.bill.pk).lines.filter(kind="credit").exists()
        assert compensations_retry()["applied"] == 1
        comp.refresh_from_db()
        assert (comp.status, comp.credited_fen) == ("credited", AMOUNT)
        assert Bill.objects.get(pk=story.bill.pk).principal_fen == 240000 - AMOUNT
        assert compensations_retry()["applied"] == 0  # once


def test_the_daily_task_runs_the_sweep_too(alpha, season, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        with django_capture_on_commit_callbacks(execute=False):  # the on-commit application never ran
            story = cold_spell(season)
        comp = Compensation.objects.get(period=story.period)
        assert comp.status == "approved"
        result = shortfalls_close_at_season_end(today=dt.date(2026, 12, 20))
        assert result["applied"] == 1
        comp.refresh_from_db()
        assert comp.status == "credited"


def test_a_refund_call_that_failed_is_resent_as_the_same_refund(
        alpha, season, gql, django_capture_on_commit_callbacks):
    add_wechat_account("alpha")
    payer = make_payer(alpha, season, openid="o-retry", houses=1, area="100")
    with sandbox_http():
        created = create_payment(gql, alpha, payer, payer.bills)
        sandbox_confirm(prepay_id_of(created), capture=django_capture_on_commit_callbacks)
        with schema_context(alpha.schema):
            ServiceSettings.objects.update_or_create(pk=1, defaults={"paid_compensation": "refund"})
            people = crew()
            with django_capture_on_commit_callbacks(execute=True):
                story = cold_spell(season, threshold=0, people=people, house=payer.houses[0], bill=False)
            comp = Compensation.objects.get(period=story.period)
            with refused(Refund._meta.db_table, "out_refund_no NOT LIKE 'CMP%'"), \
                    django_capture_on_commit_callbacks(execute=True):
                compensation_approve(compensation_id=comp.pk, actor=people.finance)
            comp.refresh_from_db()
            assert (comp.status, comp.refund_id) == ("refunding", None)
            assert compensations_retry()["refunds_resent"] == 0  # maybe still being sent by its request
            later = timezone.now() + dt.timedelta(hours=1)
            with django_capture_on_commit_callbacks(execute=True):  # the sandbox settles the refund on commit
                assert compensations_retry(now=later)["refunds_resent"] == 1
            assert compensations_retry(now=later)["refunds_resent"] == 0
    with schema_context(alpha.schema):
        comp = compensation_refund_sync(comp.pk)
        assert (comp.status, comp.refunded_fen) == ("refunded", AMOUNT)
        assert comp.refund.out_refund_no == f"CMP{comp.pk:08d}"
        assert Refund.objects.filter(out_refund_no=f"CMP{comp.pk:08d}").count() == 1
        bill = Bill.objects.get(pk=payer.bills[0].pk)
        assert bill.lines.filter(kind="credit").count() == 1

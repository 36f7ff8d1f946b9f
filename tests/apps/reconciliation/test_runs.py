"""Statement runs end to end through the sandbox WeChat Pay gateway (in-process HTTP, real signatures, the
real gzip bill and its SHA1): residents pay, the gateway's knobs make its bill disagree the way real ones do,
finance (or the beat) runs the day, and the differences and the automatic actions are checked."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.payments.models import PaymentOrder
from apps.payments.sandbox import bills as sandbox_bills
from apps.reconciliation import tasks
from apps.reconciliation.formats import PAYMENT, Entry
from apps.reconciliation.formats.wechat import render_tradebill
from apps.reconciliation.matching import BILL_TZ, day_bounds
from apps.reconciliation.models import Difference, StatementEntry, StatementRun
from apps.reconciliation.services import run_parse, run_request
from tests.factories.payments import MCHID, add_wechat_account, create_payment, make_payer, prepay_id_of
from tests.factories.reconciliation import close_day
from tests.factories.tariffs import tianjin_season
from tests.sandbox_http import sandbox_http

K = Difference.Kind
S = Difference.Status


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=BILL_TZ)


@pytest.fixture
def account(alpha):
    return add_wechat_account("alpha")


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


@pytest.fixture
def payer(alpha, season):
    return make_payer(alpha, season, openid="o-recon", houses=6)


@pytest.fixture
def http():
    with sandbox_http() as mock:
        yield mock


def pay(gql, alpha, payer, bill, *, when: dt.datetime, notify: bool = True, capture) -> PaymentOrder:
    """The resident pays one bill; the gateway books it at `when` and (unless told not to) notifies us."""
    created = create_payment(gql, alpha, payer, [bill])
    assert created["errors"] == [], created
    body = {"prepay_id": prepay_id_of(created), "result": "pay", "success_time": when.isoformat(), "notify": notify}
    saved = connection.tenant
    with capture(execute=True):
        response = Client().post("/sandbox/wechatpay/confirm", data=json.dumps(body), content_type="application/json",
                                 HTTP_HOST="localhost")
    connection.set_tenant(saved)
    assert response.status_code == 200, response.content
    with schema_context(alpha.schema):
        return PaymentOrder.objects.get(out_trade_no=created["order"]["outTradeNo"])


def run_day(alpha, account, day: dt.date, capture, kind: str = "trade") -> StatementRun:
    with schema_context(alpha.schema):
        with capture(execute=True):
            run = run_request(merchant_account_id=account.pk, bill_date=day, kind=kind)
        run.refresh_from_db()
        return run


def diff_rows(alpha, run) -> dict[tuple, Difference]:
    with schema_context(alpha.schema):
        return {(d.kind, d.out_trade_no): d for d in Difference.objects.filter(run=run).select_related("order")}


def bill_now(alpha, bill) -> Bill:
    with schema_context(alpha.schema):
        return Bill.objects.get(pk=bill.pk)


def test_each_difference_class_through_the_sandbox_with_automatic_actions(
        gql, alpha, account, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    day = days_ago(3)
    b = payer.bills
    matched = pay(gql, alpha, payer, b[0], when=at(day, 9), capture=cap)
    lost_notify = pay(gql, alpha, payer, b[1], when=at(day, 10), notify=False, capture=cap)  # 长款
    revoked = pay(gql, alpha, payer, b[2], when=at(day, 11), capture=cap)  # we settled it; the channel did not
    amount_off = pay(gql, alpha, payer, b[3], when=at(day, 12), capture=cap)
    fee_off = pay(gql, alpha, payer, b[4], when=at(day, 13), capture=cap)
    midnight = pay(gql, alpha, payer, b[5], when=at(day, 23, 59, 59), capture=cap)
    assert lost_notify.status == "created" and revoked.status == "paid"
    sandbox_bills.tweak("wechat", kind="revoke", out_trade_no=revoked.out_trade_no)
    sandbox_bills.tweak("wechat", kind="amount_delta", out_trade_no=amount_off.out_trade_no, value=1)
    sandbox_bills.tweak("wechat", kind="fee_delta", out_trade_no=fee_off.out_trade_no, value=1)
    sandbox_bills.tweak("wechat", kind="book_next_day", out_trade_no=midnight.out_trade_no, value=True)
    foreign = sandbox_bills.foreign_trade("wechat", merchant_id=MCHID, amount_fen=4321, success_time=at(day, 15))
    assert bill_now(alpha, b[2]).status == "paid"

    run = run_day(alpha, account, day, cap)
    assert run.status == StatementRun.Status.MATCHED, (run.error_code, run.error)
    assert run.file_path and run.file_sha1
    with schema_context(alpha.schema):
        assert default_storage.exists(run.file_path)
        with default_storage.open(run.file_path, "rb") as fh:
            assert gzip.decompress(fh.read()).decode("utf-8").count("\n") == 5 + 1 + 2  # header, rows, summary
        assert run.summary["count"] == 5
    found = diff_rows(alpha, run)
    assert {(k, no, d.status) for (k, no), d in found.items()} == {
        (K.CHANNEL_ONLY, lost_notify.out_trade_no, S.OPEN),
        (K.CHANNEL_ONLY, foreign.out_trade_no, S.OPEN),
        (K.LOCAL_ONLY, revoked.out_trade_no, S.OPEN),
        (K.AMOUNT_MISMATCH, amount_off.out_trade_no, S.OPEN),
        (K.FEE_MISMATCH, fee_off.out_trade_no, S.OPEN),
        (K.CROSS_DAY, midnight.out_trade_no, S.CARRIED),
    }
    assert matched.out_trade_no not in {no for _k, no in found}
    # 长款: queried, paid at the channel: settled through the normal path; the bill is paid; still open for finance.
    settled = found[(K.CHANNEL_ONLY, lost_notify.out_trade_no)]
    assert settled.auto_action.startswith("settled:") and settled.order.status == "paid"
    assert bill_now(alpha, b[1]).status == "paid"
    assert found[(K.CHANNEL_ONLY, foreign.out_trade_no)].auto_action.startswith("queried:")
    # 短款: the channel says closed: reverted; the bill is owed again.
    reverted = found[(K.LOCAL_ONLY, revoked.out_trade_no)]
    assert reverted.auto_action.startswith("reverted:") and reverted.order.status == "failed"
    bill = bill_now(alpha, b[2])
    assert bill.paid_fen == 0 and bill.status == "issued"
    fee_diff = found[(K.FEE_MISMATCH, fee_off.out_trade_no)]
    assert fee_diff.channel_fee_fen == fee_diff.expected_fee_fen + 1
    with schema_context(alpha.schema):
        # The run's ledger side is read after the automatic actions: the settled order in, the reverted one out.
        start, end = day_bounds(day)
        ledger = PaymentOrder.objects.filter(channel="wechat", status="paid", paid_at__gte=start, paid_at__lt=end)
        run.refresh_from_db()
        assert lost_notify.pk in {o.pk for o in ledger} and revoked.pk not in {o.pk for o in ledger}
        assert run.totals["local_paid_fen"] == sum(o.amount_fen for o in ledger)
        assert AuditLog.objects.filter(action="payment.reverted", target_id=revoked.pk).count() == 1
        assert list(AuditLog.objects.filter(target_type="reconciliation.statementrun", target_id=run.pk)
                    .order_by("id").values_list("action", flat=True)) == [
            "reconciliation.run_request", "reconciliation.run_start", "reconciliation.run_finish"]

    # Re-run: the same result; acted-on differences are kept, nothing is settled or reverted twice.
    again = run_day(alpha, account, day, cap)
    assert again.pk == run.pk and again.status == StatementRun.Status.MATCHED and again.attempts == 2
    refound = diff_rows(alpha, again)
    assert {(k, no, d.status) for (k, no), d in refound.items()} == {(k, no, d.status) for (k, no), d in
                                                                     found.items()}
    assert refound[(K.CHANNEL_ONLY, lost_notify.out_trade_no)].pk == settled.pk
    assert refound[(K.LOCAL_ONLY, revoked.out_trade_no)].pk == reverted.pk
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="payment.reverted").count() == 1
        assert AuditLog.objects.filter(action="payment.paid", target_id=lost_notify.pk).count() == 1
        assert StatementEntry.objects.filter(run=run).count() == 5

    # The next day's bill has the midnight payment: the carried difference is cleared.
    next_run = run_day(alpha, account, day + dt.timedelta(days=1), cap)
    assert next_run.status == StatementRun.Status.MATCHED and next_run.totals["cross_day_rows"] == 1
    with schema_context(alpha.schema):
        carried = Difference.objects.get(run=run, kind=K.CROSS_DAY)
        assert (carried.status, carried.carried_to_id) == (S.CLEARED, next_run.pk)
        assert not Difference.objects.filter(run=next_run).exists()


def test_an_empty_day_is_no_statement_and_its_paid_orders_are_local_only(
        gql, alpha, account, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    day = days_ago(4)
    quiet = run_day(alpha, account, days_ago(5), cap)
    assert quiet.status == StatementRun.Status.MATCHED and quiet.file_path == "" and quiet.summary["count"] == 0
    order = pay(gql, alpha, payer, payer.bills[0], when=at(day, 10), capture=cap)
    sandbox_bills.tweak("wechat", kind="revoke", out_trade_no=order.out_trade_no)  # now nothing on the day's bill
    run = run_day(alpha, account, day, cap)
    assert run.status == StatementRun.Status.MATCHED and run.file_path == ""
    found = diff_rows(alpha, run)
    assert list(found) == [(K.LOCAL_ONLY, order.out_trade_no)]
    assert found[(K.LOCAL_ONLY, order.out_trade_no)].auto_action.startswith("reverted:")


def test_not_ready_fails_retryable_and_the_beat_retries_it(
        alpha, account, http, django_capture_on_commit_callbacks, monkeypatch):
    cap = django_capture_on_commit_callbacks
    day = days_ago(2)
    # The gateway has not generated the bill yet (it does so from 09:00 the next day).
    monkeypatch.setattr(sandbox_bills, "bill_availability", lambda bill_date, now=None: "not_ready")
    run = run_day(alpha, account, day, cap)
    assert (run.status, run.error_code) == (StatementRun.Status.FAILED, "NOT_READY")
    monkeypatch.undo()
    with cap(execute=True):
        assert tasks.retry_not_ready()["alpha"] == 1
    with schema_context(alpha.schema):
        run.refresh_from_db()
    assert run.status == StatementRun.Status.MATCHED and run.attempts == 2 and run.error_code == ""


def test_a_file_whose_rows_disagree_with_its_summary_fails_and_loads_nothing(alpha, account):
    day = days_ago(3)
    rows = [Entry(kind=PAYMENT, out_trade_no=f"HCS{i:05d}", transaction_id=f"4200{i}", amount_fen=1000 + i,
                  fee_fen=6, booked_at=at(day, 10, i)) for i in range(3)]
    good = render_tradebill(rows)
    with schema_context(alpha.schema):
        run = StatementRun.objects.create(merchant_account_id=account.pk, channel="wechat", kind="trade",
                                          bill_date=day, status=StatementRun.Status.FETCHED)
        assert run_parse(run=run, stream=io.BytesIO(gzip.compress(good)))
        assert StatementEntry.objects.filter(run=run).count() == 3
        # One more row than the summary counts (the summary lines are the file's last two).
        lines = good.decode("utf-8").split("\r\n")
        extra = lines[1].replace("HCS00000", "HCS00099")
        bad = "\r\n".join([lines[0], *lines[1:-3], extra, *lines[-3:]]).encode("utf-8")
        StatementRun.objects.filter(pk=run.pk).update(status=StatementRun.Status.FETCHED)
        run.refresh_from_db()
        assert not run_parse(run=run, stream=io.BytesIO(gzip.compress(bad)))
        run.refresh_from_db()
        assert run.status == StatementRun.Status.FAILED and run.error_code == "SUMMARY_MISMATCH" and run.error
        # Nothing of the refused file was loaded; the previous attempt's rows are as they were.
        assert sorted(StatementEntry.objects.filter(run=run).values_list("out_trade_no", flat=True)) == [
            "HCS00000", "HCS00001", "HCS00002"]


def test_requests_refused(alpha, beta, account, django_capture_on_commit_callbacks):
    beta_account = add_wechat_account("beta", mchid="1900000202")
    with schema_context(alpha.schema):
        def refused(**kwargs) -> str:
            with pytest.raises(ValidationError) as exc:
                run_request(**{"merchant_account_id": account.pk, "bill_date": days_ago(3), **kwargs})
            return exc.value.error_dict[next(iter(exc.value.error_dict))][0].code

        assert refused(merchant_account_id=beta_account.pk) == "NOT_FOUND"  # another company's account
        assert refused(bill_date=timezone.localdate()) == "DATE_OUT_OF_RANGE"
        assert refused(bill_date=days_ago(-1)) == "DATE_OUT_OF_RANGE"
        assert refused(bill_date=days_ago(100)) == "DATE_OUT_OF_RANGE"
        close_day(days_ago(6))
        assert refused(bill_date=days_ago(6)) == "DAY_CLOSED"
        run = StatementRun.objects.create(merchant_account_id=account.pk, channel="wechat", kind="trade",
                                          bill_date=days_ago(7), status=StatementRun.Status.CLOSED)
        assert refused(bill_date=run.bill_date) == "NOT_ALLOWED_IN_STATE"
        assert not StatementRun.objects.exclude(pk=run.pk).exists()
    from tenants.models import MerchantAccount

    MerchantAccount.objects.filter(pk=account.pk).update(is_active=False)
    with schema_context(alpha.schema):
        assert refused() == "CHANNEL_NOT_CONFIGURED"


def test_the_daily_beat_requests_trade_and_fund_flow_bills(
        gql, alpha, account, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    day = days_ago(3)
    order = pay(gql, alpha, payer, payer.bills[0], when=at(day, 10), capture=cap)
    with cap(execute=True):
        out = tasks.request_daily_runs(day=day.isoformat())
    assert out["alpha"] == {"requested": 2}
    with schema_context(alpha.schema):
        runs = {r.kind: r for r in StatementRun.objects.filter(merchant_account_id=account.pk, bill_date=day)}
    assert runs["trade"].status == runs["fundflow"].status == StatementRun.Status.MATCHED
    assert runs["trade"].totals["matched"] == 1 and runs["trade"].totals["channel_paid_fen"] == order.amount_fen
    assert runs["fundflow"].summary["income_fen"] == order.amount_fen and runs["fundflow"].file_path
    with cap(execute=True):
        assert tasks.request_daily_runs(day=day.isoformat())["alpha"] == {}  # already there: left alone


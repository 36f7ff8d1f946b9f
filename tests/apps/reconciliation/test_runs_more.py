"""More statement runs end to end through the sandbox gateways (in-process HTTP, real signatures and files):
Alipay in direct and ISV mode with a refund, WeChat Pay partner mode, refunds the notify never reported or the
channel booked on the next day, re-runs after an automatic settle, and two companies whose out_trade_no collide.
Residents pay through the API and the gateways' confirm, as tests/apps/reconciliation/test_runs.py does."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.payments.models import OrderBill, PaymentOrder, Refund
from apps.payments.sandbox import bills as sandbox_bills
from apps.payments.sandbox.alipay import sandbox_alipay_merchant
from apps.payments.sandbox.models import SandboxRefund, SandboxTrade
from apps.payments.sandbox.wechat import sandbox_wechat_merchant
from apps.payments.services.refunds import refund_request
from apps.payments.services.reversal import order_revert_unpaid
from apps.properties.models import HouseBinding
from apps.reconciliation import tasks
from apps.reconciliation.daily_close import day_close
from apps.reconciliation.matching import BILL_TZ
from apps.reconciliation.models import Difference, StatementEntry, StatementRun
from apps.reconciliation.resolution import difference_resolve, run_close
from apps.reconciliation.services import run_execute, run_request
from tenants.models import HeatingCompany, MerchantAccount, ServiceProviderAccount
from tests.factories.accounts import staff
from tests.factories.db import committed
from tests.factories.payments import add_wechat_account, create_payment, make_payer, prepay_id_of
from tests.factories.reconciliation import close_day, make_difference, make_run
from tests.factories.residents import ResidentFactory, resident_token
from tests.factories.tariffs import tianjin_season
from tests.sandbox_http import sandbox_http

K = Difference.Kind
S = Difference.Status
ALIPAY_APP, ALIPAY_SELLER = "2021000000000321", "2088000000000321"
ISV_APP, ISV_SELLER = "2021000000000654", "2088000000000654"
SP_MCHID, SP_APPID, SUB_MCHID, OTHER_SUB = "1900000001", "wx0123456789abcdef", "1900000123", "1900000124"
BETA_MCHID = "1900000202"


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=BILL_TZ)


@pytest.fixture
def season(alpha):
    with schema_context(alpha.schema):
        return tianjin_season()


@pytest.fixture
def payer(alpha, season):
    made = make_payer(alpha, season, openid="o-recon-more", houses=4)
    with schema_context(alpha.schema):
        type(made.resident).objects.filter(pk=made.resident.pk).update(alipay_user_id="2088102177846880")
    return made


@pytest.fixture
def finance(alpha):
    with schema_context(alpha.schema):
        return staff("fin-more", role="finance")


@pytest.fixture
def http():
    with sandbox_http() as mock:
        yield mock


def alipay_account(slug: str, mode: str) -> MerchantAccount:
    """The company's Alipay account at the sandbox: its own app (direct) or the platform's ISV app with the
    company's app_auth_token (ISV)."""
    connection.set_schema_to_public()
    tenant = HeatingCompany.objects.get(slug=slug)
    if mode == "direct":
        cfg = sandbox_alipay_merchant(app_id=ALIPAY_APP, seller_id=ALIPAY_SELLER)
        return MerchantAccount.objects.create(tenant=tenant, channel="alipay", mode="direct",
                                              **{k: v for k, v in cfg.items() if k not in ("channel", "mode")})
    cfg = sandbox_alipay_merchant(app_id=ISV_APP, seller_id=ISV_SELLER, mode="isv")
    ServiceProviderAccount.objects.create(channel="alipay", alipay_app_id=ISV_APP,
                                          alipay_app_private_key=cfg["alipay_app_private_key"],
                                          alipay_public_key=cfg["alipay_public_key"])
    return MerchantAccount.objects.create(tenant=tenant, channel="alipay", mode="isv", alipay_seller_id=ISV_SELLER,
                                          alipay_app_auth_token=cfg["alipay_app_auth_token"],
                                          alipay_app_id=cfg["alipay_auth_app_id"])


def wechat_partner_account(slug: str) -> MerchantAccount:
    """The company as sub-merchant SUB_MCHID of the platform's service-provider merchant (one more sub-merchant,
    OTHER_SUB, belongs to someone else)."""
    connection.set_schema_to_public()
    sp = sandbox_wechat_merchant(mchid=SP_MCHID, appid=SP_APPID, mode="partner", sub_mchid=SUB_MCHID,
                                 sub_appid="wxa1b2c3d4e5f60718")
    from apps.payments.sandbox.models import SandboxMerchant

    merchant = SandboxMerchant.objects.get(channel="wechat", merchant_id=SP_MCHID)
    merchant.extra = {**merchant.extra, "sub_merchants": {SUB_MCHID: "wxa1b2c3d4e5f60718", OTHER_SUB: ""}}
    merchant.save(update_fields=["extra"])
    ServiceProviderAccount.objects.create(
        channel="wechat", sp_mchid=sp["mchid"], sp_appid=sp["appid"], merchant_serial_no=sp["merchant_serial_no"],
        merchant_private_key=sp["merchant_private_key"], apiv3_key=sp["apiv3_key"],
        wechatpay_public_key_id=sp["wechatpay_public_key_id"], wechatpay_public_key=sp["wechatpay_public_key"])
    HeatingCompany.objects.get(slug=slug).merchant_accounts.filter(channel="wechat").delete()
    return MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug=slug), channel="wechat",
                                          mode="partner", sub_mchid=SUB_MCHID, sub_appid="wxa1b2c3d4e5f60718")


def _post(path: str, body: dict, capture) -> None:
    saved = connection.tenant
    with capture(execute=True):
        response = Client().post(path, data=json.dumps(body), content_type="application/json", HTTP_HOST="localhost")
    connection.set_tenant(saved)
    assert response.status_code == 200, response.content


def pay(gql, tenant, payer, bill, *, when: dt.datetime, capture, channel: str = "WECHAT", notify: bool = True,
        out_trade_no: str = "") -> PaymentOrder:
    """The resident pays one bill; the gateway books it at `when` and (unless told not to) notifies us.
    `out_trade_no`: renumber the order first, here and at the gateway (to make two companies' numbers collide)."""
    created = create_payment(gql, tenant, payer, [bill], channel=channel)
    assert created["errors"] == [], created
    number = created["order"]["outTradeNo"]
    if out_trade_no:
        with schema_context(tenant.schema):
            PaymentOrder.objects.filter(out_trade_no=number).update(out_trade_no=out_trade_no)
        with schema_context("public"):
            SandboxTrade.objects.filter(out_trade_no=number).update(out_trade_no=out_trade_no)
        number = out_trade_no
    if channel == "WECHAT":
        _post("/sandbox/wechatpay/confirm", {"prepay_id": prepay_id_of(created), "result": "pay",
                                             "success_time": when.isoformat(), "notify": notify}, capture)
    else:
        _post("/sandbox/alipay/confirm", {"trade_no": created["payParams"]["tradeNO"], "result": "pay",
                                          "success_time": when.isoformat(), "notify": notify}, capture)
    with schema_context(tenant.schema):
        return PaymentOrder.objects.get(out_trade_no=number)


def refund(tenant, order: PaymentOrder, amount_fen: int, actor, *, capture, finish: bool = True) -> Refund:
    """Finance refunds part of an order through the normal path. `finish` False: the gateway's completion
    (WeChat: after its commit, with the notify) is left undone."""
    with schema_context(tenant.schema):
        if finish:
            with capture(execute=True):
                made = refund_request(order_id=order.pk, amount_fen=amount_fen, reason="多缴退回", actor=actor)
        else:
            with capture(execute=False):
                made = refund_request(order_id=order.pk, amount_fen=amount_fen, reason="多缴退回", actor=actor)
        made.refresh_from_db()
        return made


def refunded_on(tenant, channel: str, made: Refund, when: dt.datetime) -> None:
    """The refund happened at `when` on both sides (tests cannot refund in the past): the gateway's success
    time and our finish time."""
    sandbox_bills.tweak(channel, kind="success_time", out_refund_no=made.out_refund_no, value=when.isoformat())
    with schema_context(tenant.schema):
        Refund.objects.filter(pk=made.pk).update(finished_at=when)


def run_day(tenant, account, day: dt.date, capture) -> StatementRun:
    with schema_context(tenant.schema):
        with capture(execute=True):
            run = run_request(merchant_account_id=account.pk, bill_date=day)
        run.refresh_from_db()
        return run


def diffs(tenant, run) -> dict[tuple, Difference]:
    with schema_context(tenant.schema):
        return {(d.kind, d.out_refund_no or d.out_trade_no): d for d in Difference.objects.filter(run=run)}


def bill_now(tenant, bill) -> Bill:
    with schema_context(tenant.schema):
        return Bill.objects.get(pk=bill.pk)


def round_half_up(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fee_of(amount_fen: int) -> int:
    """The sandbox's fee at its default 0.60%, computed here apart from the code under test."""
    return round_half_up(Decimal(amount_fen) * Decimal("0.006"))


# --- 1. Alipay, direct and ISV --------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["direct", "isv"])
def test_alipay_run_with_a_refund_and_an_amount_difference(
        gql, alpha, payer, finance, http, mode, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = alipay_account("alpha", mode)
    day = days_ago(3)
    b = payer.bills
    plain = pay(gql, alpha, payer, b[0], when=at(day, 9), capture=cap, channel="ALIPAY")
    refunded = pay(gql, alpha, payer, b[1], when=at(day, 10), capture=cap, channel="ALIPAY")
    off = pay(gql, alpha, payer, b[2], when=at(day, 11), capture=cap, channel="ALIPAY")
    assert plain.status == refunded.status == off.status == "paid"
    assert (plain.merchant_mode, plain.merchant_id) == (
        (mode, ALIPAY_APP) if mode == "direct" else (mode, ISV_APP))
    back = refund(alpha, refunded, 1000, finance, capture=cap)
    assert back.status == "success"  # Alipay refunds synchronously
    with schema_context("public"):  # booked at the time Alipay gives (gmt_refund_pay), to the second
        paid_back = SandboxRefund.objects.get(out_refund_no=back.out_refund_no).success_time
        assert back.finished_at == paid_back.replace(microsecond=0)
    refunded_on(alpha, "alipay", back, at(day, 14))
    sandbox_bills.tweak("alipay", kind="amount_delta", out_trade_no=off.out_trade_no, value=1)

    run = run_day(alpha, account, day, cap)
    assert run.status == StatementRun.Status.MATCHED, (run.error_code, run.error)
    assert run.file_path.endswith(".zip") and run.summary["count"] == 4
    with schema_context(alpha.schema):
        rows = {(e.kind, e.out_refund_no or e.out_trade_no): e for e in StatementEntry.objects.filter(run=run)}
    row = rows[("refund", back.out_refund_no)]  # 退款批次号/请求号 carries our out_refund_no
    assert (row.out_trade_no, row.amount_fen, row.status, row.match_class) == (
        refunded.out_trade_no, 1000, "success", "")
    assert rows[("payment", off.out_trade_no)].amount_fen == off.amount_fen + 1
    found = diffs(alpha, run)
    assert {(k, no, d.status) for (k, no), d in found.items()} == {
        (K.AMOUNT_MISMATCH, off.out_trade_no, S.OPEN)}
    assert (found[(K.AMOUNT_MISMATCH, off.out_trade_no)].channel_amount_fen,
            found[(K.AMOUNT_MISMATCH, off.out_trade_no)].local_amount_fen) == (off.amount_fen + 1, off.amount_fen)
    assert run.totals["matched"] == 3 and run.totals["channel_refunded_fen"] == run.totals["local_refunded_fen"] == 1000
    assert run.totals["local_paid_fen"] == plain.amount_fen + refunded.amount_fen + off.amount_fen

    # Finance resolves, closes the run and the day: the frozen Alipay figures are the bill's money.
    with schema_context(alpha.schema):
        difference_resolve(difference_id=found[(K.AMOUNT_MISMATCH, off.out_trade_no)].pk,
                           resolution="accept_channel", note="渠道多 1 分，已核实", actor=finance)
        run_close(run_id=run.pk, actor=finance)
        closed = day_close(day=day, actor=finance, today=timezone.localdate())
    figures = closed.totals["by_channel"]["alipay"]
    channel_paid = plain.amount_fen + refunded.amount_fen + off.amount_fen + 1
    fees = [fee_of(plain.amount_fen), fee_of(refunded.amount_fen), fee_of(off.amount_fen + 1),
            -round_half_up(Decimal(fee_of(refunded.amount_fen)) * 1000 / refunded.amount_fen)]
    assert (figures["collected_fen"], figures["count"], figures["refunded_fen"], figures["refund_count"]) == (
        channel_paid, 3, 1000, 1)
    assert figures["fee_fen"] == sum(fees) and figures["net_fen"] == channel_paid - 1000
    assert (figures["ledger_collected_fen"], figures["ledger_refunded_fen"]) == (channel_paid - 1, 1000)


# --- 2. WeChat Pay partner mode -------------------------------------------------------------------------------------

def test_wechat_partner_mode_run_matches_only_its_sub_merchant(
        gql, alpha, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = wechat_partner_account("alpha")
    day = days_ago(3)
    b = payer.bills
    matched = pay(gql, alpha, payer, b[0], when=at(day, 9), capture=cap)
    lost = pay(gql, alpha, payer, b[1], when=at(day, 10), capture=cap, notify=False)
    fee_off = pay(gql, alpha, payer, b[2], when=at(day, 11), capture=cap)
    assert (matched.merchant_mode, matched.merchant_id, matched.sub_merchant_id) == ("partner", SP_MCHID, SUB_MCHID)
    sandbox_bills.tweak("wechat", kind="fee_delta", out_trade_no=fee_off.out_trade_no, value=-1)
    ours = sandbox_bills.foreign_trade("wechat", merchant_id=SP_MCHID, sub_merchant_id=SUB_MCHID, amount_fen=777,
                                       success_time=at(day, 12))
    # Another sub-merchant of the same service provider: not on our bill, whatever its number.
    sandbox_bills.foreign_trade("wechat", merchant_id=SP_MCHID, sub_merchant_id=OTHER_SUB, amount_fen=888,
                                success_time=at(day, 13))

    run = run_day(alpha, account, day, cap)
    assert run.status == StatementRun.Status.MATCHED, (run.error_code, run.error)
    assert run.merchant_id == SUB_MCHID and run.summary["count"] == 4
    found = diffs(alpha, run)
    assert {(k, no, d.status) for (k, no), d in found.items()} == {
        (K.CHANNEL_ONLY, lost.out_trade_no, S.OPEN), (K.CHANNEL_ONLY, ours.out_trade_no, S.OPEN),
        (K.FEE_MISMATCH, fee_off.out_trade_no, S.OPEN)}
    settled = found[(K.CHANNEL_ONLY, lost.out_trade_no)]
    assert settled.auto_action.startswith("settled:")  # queried with sub_mchid, settled through payment_settle
    assert bill_now(alpha, b[1]).status == "paid"
    assert found[(K.CHANNEL_ONLY, ours.out_trade_no)].auto_action.startswith("queried:")
    fee = found[(K.FEE_MISMATCH, fee_off.out_trade_no)]
    assert fee.channel_fee_fen == fee.expected_fee_fen - 1
    assert run.totals["channel_paid_fen"] == matched.amount_fen + lost.amount_fen + fee_off.amount_fen + 777


# --- 3. refunds -------------------------------------------------------------------------------------------------------

def test_refund_completed_without_its_notify_is_a_status_mismatch_applied_by_refund_sync(
        gql, alpha, payer, finance, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(3)
    order = pay(gql, alpha, payer, payer.bills[0], when=at(day, 9), capture=cap)
    paid_before = bill_now(alpha, payer.bills[0]).paid_fen
    pending = refund(alpha, order, 1500, finance, capture=cap, finish=False)
    assert pending.status == "processing"
    # The channel completes it at 15:00 that day; its notify never reaches us.
    with schema_context("public"):
        assert SandboxRefund.objects.filter(out_refund_no=pending.out_refund_no, status="PROCESSING").update(
            status="SUCCESS", success_time=at(day, 15)) == 1

    run = run_day(alpha, account, day, cap)
    assert run.status == StatementRun.Status.MATCHED, (run.error_code, run.error)
    found = diffs(alpha, run)
    assert list(found) == [(K.STATUS_MISMATCH, pending.out_refund_no)]
    mismatch = found[(K.STATUS_MISMATCH, pending.out_refund_no)]
    assert (mismatch.channel_status, mismatch.local_status) == ("success", "processing")
    assert mismatch.auto_action.startswith("queried:") and mismatch.status == S.OPEN
    with schema_context(alpha.schema):
        pending.refresh_from_db()
        order.refresh_from_db()
        assert pending.status == "success" and order.refunded_fen == 1500
        assert AuditLog.objects.filter(action="refund.success", target_id=pending.pk).count() == 1
    assert bill_now(alpha, payer.bills[0]).paid_fen == paid_before - 1500
    # The refund is booked when the channel completed it, so the same bill agrees with it now.
    assert pending.finished_at == at(day, 15)
    again = run_day(alpha, account, day, cap)
    refound = diffs(alpha, again)
    assert list(refound) == [(K.STATUS_MISMATCH, pending.out_refund_no)]
    assert refound[(K.STATUS_MISMATCH, pending.out_refund_no)].pk == mismatch.pk
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="refund.success", target_id=pending.pk).count() == 1


def test_refund_booked_on_the_next_day_is_carried_and_cleared_by_the_next_run(
        gql, alpha, payer, finance, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(4)
    order = pay(gql, alpha, payer, payer.bills[0], when=at(day, 9), capture=cap)
    back = refund(alpha, order, 2000, finance, capture=cap)
    assert back.status == "success"
    refunded_on(alpha, "wechat", back, at(day, 23, 59, 50))
    sandbox_bills.tweak("wechat", kind="book_next_day", out_refund_no=back.out_refund_no, value=True)

    first = run_day(alpha, account, day, cap)
    assert first.status == StatementRun.Status.MATCHED and first.totals["channel_refunded_fen"] == 0
    carried = diffs(alpha, first)
    assert list(carried) == [(K.CROSS_DAY, back.out_refund_no)]
    assert carried[(K.CROSS_DAY, back.out_refund_no)].status == S.CARRIED
    with schema_context(alpha.schema):
        run_close(run_id=first.pk, actor=finance)  # a carried difference does not hold the run open

    second = run_day(alpha, account, day + dt.timedelta(days=1), cap)
    assert second.status == StatementRun.Status.MATCHED and second.totals["channel_refunded_fen"] == 2000
    assert second.totals["cross_day_rows"] == 1 and diffs(alpha, second) == {}
    with schema_context(alpha.schema):
        cleared = Difference.objects.get(run=first)
        assert (cleared.status, cleared.carried_to_id) == (S.CLEARED, second.pk)


# --- 6. re-run after an automatic settle ---------------------------------------------------------------------------

def test_rerun_after_an_auto_settled_difference_was_resolved_settles_nothing_twice(
        gql, alpha, payer, finance, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(3)
    lost = pay(gql, alpha, payer, payer.bills[0], when=at(day, 10), capture=cap, notify=False)
    assert lost.status == "created"
    run = run_day(alpha, account, day, cap)
    [(key, diff)] = diffs(alpha, run).items()
    assert key == (K.CHANNEL_ONLY, lost.out_trade_no) and diff.auto_action.startswith("settled:")
    with schema_context(alpha.schema):
        difference_resolve(difference_id=diff.pk, resolution="settled", note="通知丢失，已按渠道入账",
                           actor=finance)
        paid_fen = Bill.objects.get(pk=payer.bills[0].pk).paid_fen

    for _ in range(2):
        again = run_day(alpha, account, day, cap)
        assert again.status == StatementRun.Status.MATCHED
        kept = diffs(alpha, again)
        assert list(kept) == [(K.CHANNEL_ONLY, lost.out_trade_no)]
        kept_diff = kept[(K.CHANNEL_ONLY, lost.out_trade_no)]
        assert (kept_diff.pk, kept_diff.status, kept_diff.resolution, kept_diff.auto_action) == (
            diff.pk, S.RESOLVED, "settled", diff.auto_action)
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="payment.paid", target_id=lost.pk).count() == 1
        assert Bill.objects.get(pk=payer.bills[0].pk).paid_fen == paid_fen
        assert run_close(run_id=run.pk, actor=finance).status == StatementRun.Status.CLOSED


# --- 5. two companies, one out_trade_no ----------------------------------------------------------------------------

def test_a_run_never_touches_another_companys_order_with_the_same_number(
        gql, alpha, beta, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    beta_account = add_wechat_account("beta", mchid=BETA_MCHID)
    with schema_context(beta.schema):
        beta_season = tianjin_season()
    beta_payer = make_payer(beta, beta_season, openid="o-beta-recon", houses=2)
    day = days_ago(3)
    # Beta's orders: one paid (its number also alpha's, below), one whose notify was lost.
    beta_paid = pay(gql, beta, beta_payer, beta_payer.bills[0], when=at(day, 9), capture=cap)
    beta_lost = pay(gql, beta, beta_payer, beta_payer.bills[1], when=at(day, 10), capture=cap, notify=False)
    assert (beta_paid.status, beta_lost.status) == ("paid", "created")
    # Alpha's order with beta's number, paid here and then revoked by alpha's channel: alpha's short.
    ours = pay(gql, alpha, payer, payer.bills[0], when=at(day, 9, 30), capture=cap,
               out_trade_no=beta_paid.out_trade_no)
    assert ours.status == "paid" and ours.out_trade_no == beta_paid.out_trade_no
    sandbox_bills.tweak("wechat", kind="revoke", out_trade_no=ours.out_trade_no, merchant_id=account.mchid)
    # Alpha's channel also has a trade numbered like beta's unpaid order.
    foreign = sandbox_bills.foreign_trade("wechat", merchant_id=account.mchid, amount_fen=4321,
                                          out_trade_no=beta_lost.out_trade_no, success_time=at(day, 11))

    run = run_day(alpha, account, day, cap)
    assert run.status == StatementRun.Status.MATCHED, (run.error_code, run.error)
    found = diffs(alpha, run)
    assert {(k, no) for k, no in found} == {(K.LOCAL_ONLY, ours.out_trade_no), (K.CHANNEL_ONLY, foreign.out_trade_no)}
    assert found[(K.LOCAL_ONLY, ours.out_trade_no)].auto_action.startswith("reverted:")
    assert found[(K.CHANNEL_ONLY, foreign.out_trade_no)].auto_action.startswith("queried:")  # no such order here
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.get(pk=ours.pk).status == "failed"
    # Beta: nothing moved, nothing recorded.
    with schema_context(beta.schema):
        assert PaymentOrder.objects.get(pk=beta_paid.pk).status == "paid"
        assert PaymentOrder.objects.get(pk=beta_lost.pk).status == "created"
        assert Bill.objects.get(pk=beta_payer.bills[0].pk).status == "paid"
        assert Bill.objects.get(pk=beta_payer.bills[1].pk).paid_fen == 0
        assert not StatementRun.objects.exists() and not Difference.objects.exists()
        assert not AuditLog.objects.filter(action="payment.reverted").exists()
        assert not AuditLog.objects.filter(action="payment.paid", target_id=beta_lost.pk).exists()
    # Beta's own run of the day sees its own bill: its order matched, its lost notify settled.
    beta_run = run_day(beta, beta_account, day, cap)
    assert beta_run.status == StatementRun.Status.MATCHED
    assert {(k, no) for k, no in diffs(beta, beta_run)} == {(K.CHANNEL_ONLY, beta_lost.out_trade_no)}
    with schema_context(beta.schema):
        assert PaymentOrder.objects.get(pk=beta_paid.pk).status == "paid"
        assert PaymentOrder.objects.get(pk=beta_lost.pk).status == "paid"
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.get(pk=ours.pk).status == "failed"
        assert list(StatementRun.objects.values_list("pk", flat=True)) == [run.pk]


# --- 4. finance at the same time (committed data, one connection per thread) ----------------------------------------

def _in(schema: str, fn, *args, **kwargs):
    """`fn` in the company's schema on a thread of its own, committed."""
    def call():
        with schema_context(schema):
            return fn(*args, **kwargs)

    return committed(call)


def _race(schema: str, *calls) -> list[str]:
    """Run the calls at the same moment, each on its own thread and connection; "ok" or the error code each."""
    start = threading.Barrier(len(calls))
    out: list[str] = [""] * len(calls)

    def work(i, fn):
        try:
            with schema_context(schema):
                start.wait()
                fn()
            out[i] = "ok"
        except ValidationError as exc:
            out[i] = next(iter(exc.error_dict.values()))[0].code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def _setup_runs(days: list[dt.date], account_id: int) -> tuple:
    finance = staff(f"fin-race-{days[0]:%m%d}", role="finance")
    pairs = []
    for day in days:
        run = make_run(bill_date=day, merchant_account_id=account_id)
        pairs.append((run, make_difference(run, kind=K.AMOUNT_MISMATCH, channel_amount_fen=12001)))
    return finance, pairs


@pytest.mark.django_db
def test_two_resolves_of_one_difference_at_once_one_wins_with_one_audit_row(committed_tenant):
    schema = committed_tenant.info.schema
    finance, pairs = _in(schema, _setup_runs, [days_ago(40 + i) for i in range(4)], 9001)
    for _run, diff in pairs:
        outcomes = _race(schema, *[
            (lambda note=note, d=diff: difference_resolve(difference_id=d.pk, resolution="accept_channel",
                                                          note=note, actor=finance))
            for note in ("第一位处理", "第二位处理")])
        assert sorted(outcomes) == ["NOT_ALLOWED_IN_STATE", "ok"], outcomes
        winner = ("第一位处理", "第二位处理")[outcomes.index("ok")]
        with schema_context(schema):
            diff.refresh_from_db()
            assert (diff.status, diff.note) == (S.RESOLVED, winner)
            assert AuditLog.objects.filter(action="reconciliation.difference_resolve", target_id=diff.pk).count() == 1


@pytest.mark.django_db
def test_closing_a_run_while_its_last_difference_is_resolved_never_closes_it_open(committed_tenant):
    schema = committed_tenant.info.schema
    finance, pairs = _in(schema, _setup_runs, [days_ago(50 + i) for i in range(4)], 9002)
    for run, diff in pairs:
        resolved, closed = _race(
            schema,
            lambda d=diff: difference_resolve(difference_id=d.pk, resolution="other", note="已核实", actor=finance),
            lambda r=run: run_close(run_id=r.pk, actor=finance))
        assert resolved == "ok" and closed in ("ok", "OPEN_DIFFERENCES"), (resolved, closed)
        with schema_context(schema):
            run.refresh_from_db()
            diff.refresh_from_db()
            assert diff.status == S.RESOLVED
            if closed == "ok":  # closed after the resolution committed, never before
                assert run.status == StatementRun.Status.CLOSED and diff.resolved_at <= run.closed_at
            else:
                assert run.status == StatementRun.Status.MATCHED and run.closed_at is None


@pytest.mark.django_db
def test_a_day_close_waits_for_a_resolution_in_flight_and_then_sees_its_run_closed(committed_tenant):
    """The day lock: resolving and closing the day's run hold it shared, so a day close started meanwhile
    waits for them (it would otherwise read the run as not closed, or freeze half-resolved work); once the day
    is closed, a resolution of that day is refused."""
    schema = committed_tenant.info.schema
    day = days_ago(30)
    account_id = MerchantAccount.objects.get(tenant__schema_name=schema, channel="wechat").pk
    finance, [(run, diff)] = _in(schema, _setup_runs, [day], account_id)
    later = _in(schema, make_difference, run, kind=K.FEE_MISMATCH)
    ready, go = threading.Event(), threading.Event()
    result: dict = {}

    def resolver():
        try:
            with schema_context(schema), transaction.atomic():
                difference_resolve(difference_id=diff.pk, resolution="other", note="已核实", actor=finance)
                difference_resolve(difference_id=later.pk, resolution="other", note="已核实", actor=finance)
                run_close(run_id=run.pk, actor=finance)
                ready.set()
                go.wait(30)
        finally:
            connections.close_all()

    def closer():
        try:
            with schema_context(schema):
                result["close"] = day_close(day=day, actor=finance).status
        except ValidationError as exc:
            result["close"] = next(iter(exc.error_dict.values()))[0].code
        finally:
            result["at"] = timezone.now()
            connections.close_all()

    first = threading.Thread(target=resolver)
    first.start()
    assert ready.wait(30)
    second = threading.Thread(target=closer)
    second.start()
    second.join(1.0)
    assert second.is_alive() and "close" not in result  # waiting for the resolver's shared day lock
    released = timezone.now()
    go.set()
    first.join(30)
    second.join(30)
    assert result["close"] == "closed" and result["at"] >= released
    with pytest.raises(ValidationError) as refused:
        _in(schema, difference_resolve, difference_id=diff.pk, resolution="other", note="再次处理", actor=finance)
    assert refused.value.error_dict["id"][0].code == "DAY_CLOSED"


# --- reverting a truly unpaid order (短款) ------------------------------------------------------------------------

ORDERS_FAILED = """{ paymentOrders(filter: {status: FAILED}, first: 20) { totalCount
  items { outTradeNo status paidAt refundedFen needsRefundFen } } }"""


def test_a_revert_takes_the_money_back_exactly_as_a_full_refund_once_and_shows_in_the_order_list(
        gql, alpha, season, finance, make_staff, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    add_wechat_account("alpha")
    one = make_payer(alpha, season, openid="o-revert-1")
    two = make_payer(alpha, season, openid="o-revert-2")
    day = days_ago(2)
    refunded = pay(gql, alpha, one, one.bills[0], when=at(day, 9), capture=cap)
    reverted = pay(gql, alpha, two, two.bills[0], when=at(day, 9), capture=cap)
    assert refunded.amount_fen == reverted.amount_fen
    assert refund(alpha, refunded, refunded.amount_fen, finance, capture=cap).status == "success"
    with schema_context(alpha.schema):
        order_revert_unpaid(order_id=reverted.pk, reason="渠道查询为「已关闭」", actor=finance)

        def state(order, bill):
            b = Bill.objects.get(pk=bill.pk)
            lines = sorted((line.kind, line.amount_fen) for line in b.lines.all())
            items = [(i.applied_fen, i.refunded_fen) for i in OrderBill.objects.filter(order=order)]
            return b.paid_fen, b.status, lines, items

        assert state(reverted, two.bills[0]) == state(refunded, one.bills[0])
        assert Bill.objects.get(pk=two.bills[0].pk).paid_fen == 0
        order = PaymentOrder.objects.get(pk=reverted.pk)
        assert (order.status, order.refunded_fen, order.needs_refund_fen, order.paid_at) == (
            "failed", 0, 0, reverted.paid_at)
        assert order.flag_reason.startswith("对账撤销")
        [audit] = AuditLog.objects.filter(action="payment.reverted", target_id=order.pk)
        assert audit.actor_id == finance.pk
        # Once only: a second revert is refused and changes nothing.
        with pytest.raises(ValidationError) as again:
            order_revert_unpaid(order_id=reverted.pk, reason="再次撤销", actor=finance)
        assert again.value.error_dict["orderId"][0].code == "INVALID_STATUS"
        assert AuditLog.objects.filter(action="payment.reverted").count() == 1
        assert state(reverted, two.bills[0]) == state(refunded, one.bills[0])
        # A refunded order is never reverted (the provider gave money back: it was paid).
        with pytest.raises(ValidationError):
            order_revert_unpaid(order_id=refunded.pk, reason="误操作", actor=finance)
    listed = gql(alpha.host, ORDERS_FAILED, token=make_staff(alpha, "finance"))["data"]["paymentOrders"]
    assert [(o["outTradeNo"], o["status"], o["refundedFen"]) for o in listed["items"]] == [
        (reverted.out_trade_no, "FAILED", 0)]
    assert listed["items"][0]["paidAt"]  # what we had believed, kept as the trace


def test_reverting_an_order_no_bill_took_leaves_the_bill_paid_by_the_other_order(
        gql, alpha, season, finance, http, django_capture_on_commit_callbacks):
    """Never below what other orders paid: an order paid after it was superseded holds its whole amount as
    money no bill took; reverting it clears that, the bill keeps the other order's payment."""
    cap = django_capture_on_commit_callbacks
    add_wechat_account("alpha")
    payer = make_payer(alpha, season, openid="o-revert-late")
    bill = payer.bills[0]
    with schema_context(alpha.schema):  # a second resident of the same house pays it too
        other = ResidentFactory(openid="o-revert-late-2")
        HouseBinding.objects.create(house=payer.houses[0], resident=other)
    first = create_payment(gql, alpha, payer, [bill])
    second = create_payment(gql, alpha, SimpleNamespace(token=resident_token(alpha, other)), [bill])  # supersedes
    assert first["order"]["outTradeNo"] != second["order"]["outTradeNo"]
    _post("/sandbox/wechatpay/confirm", {"prepay_id": prepay_id_of(second), "result": "pay"}, cap)
    _post("/sandbox/wechatpay/confirm", {"prepay_id": prepay_id_of(first), "result": "pay", "late": True}, cap)
    with schema_context(alpha.schema):
        late = PaymentOrder.objects.get(out_trade_no=first["order"]["outTradeNo"])
        assert late.status == "paid" and late.needs_refund_fen == late.amount_fen
        paid_before = Bill.objects.get(pk=bill.pk)
        assert paid_before.status == "paid"
        order_revert_unpaid(order_id=late.pk, reason="渠道查询为「未支付」", actor=None)
        late.refresh_from_db()
        assert (late.status, late.needs_refund_fen, late.refunded_fen) == ("failed", 0, 0)
        after = Bill.objects.get(pk=bill.pk)
        assert (after.paid_fen, after.status) == (paid_before.paid_fen, "paid")
        assert AuditLog.objects.get(action="payment.reverted", target_id=late.pk).detail["bills"] == []


# --- a bill row is matched only against orders of the run's merchant ------------------------------------------------

def test_after_a_merchant_switch_the_new_merchants_trades_never_match_or_settle_old_merchants_orders(
        gql, alpha, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    add_wechat_account("alpha")
    day = days_ago(3)
    old_paid = pay(gql, alpha, payer, payer.bills[0], when=at(day, 9), capture=cap)
    old_open = create_payment(gql, alpha, payer, [payer.bills[1]])["order"]["outTradeNo"]
    new = add_wechat_account("alpha", mchid="1900000909")  # the company changed its WeChat Pay merchant
    # The new merchant's bill has trades numbered like the old merchant's orders (another system's numbers).
    same_paid = sandbox_bills.foreign_trade("wechat", merchant_id=new.mchid, amount_fen=old_paid.amount_fen,
                                            out_trade_no=old_paid.out_trade_no, success_time=at(day, 10))
    same_open = sandbox_bills.foreign_trade("wechat", merchant_id=new.mchid, amount_fen=555,
                                            out_trade_no=old_open, success_time=at(day, 11))

    run = run_day(alpha, new, day, cap)
    assert run.status == StatementRun.Status.MATCHED, (run.error_code, run.error)
    found = diffs(alpha, run)
    # Neither is ours at this merchant: both are 长款 for finance, not a match hiding the new merchant's money.
    assert {(k, no) for k, no in found} == {(K.CHANNEL_ONLY, same_paid.out_trade_no),
                                            (K.CHANNEL_ONLY, same_open.out_trade_no)}
    assert run.totals["matched"] == 0
    for diff in found.values():
        assert diff.order_id is None and diff.auto_action.startswith("queried:"), diff.auto_action
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.get(out_trade_no=old_open).status == "created"  # not settled by a foreign trade
        assert PaymentOrder.objects.get(pk=old_paid.pk).status == "paid"
    assert bill_now(alpha, payer.bills[1]).paid_fen == 0


# --- nothing secret in logs, errors or audit rows -------------------------------------------------------------------

def test_download_urls_and_their_tokens_never_reach_logs_errors_or_audit_rows(
        gql, alpha, payer, http, caplog, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(3)
    pay(gql, alpha, payer, payer.bills[0], when=at(day, 9), capture=cap)
    caplog.set_level(logging.DEBUG)
    sandbox_bills.merchant_bills("wechat", account.mchid, bill_url_ttl=0)  # the link expires before it is used
    failed = run_day(alpha, account, day, cap)
    assert (failed.status, failed.error_code) == (StatementRun.Status.FAILED, "RETRY_LATER")
    sandbox_bills.merchant_bills("wechat", account.mchid, bill_url_ttl=30)
    done = run_day(alpha, account, day, cap)
    assert done.status == StatementRun.Status.MATCHED
    urls = [c.request.url for c in http.calls if "token=" in c.request.url]
    tokens = [url.split("token=", 1)[1].split("&", 1)[0] for url in urls]
    assert len(tokens) == 2 and all(len(t) >= 16 for t in tokens)
    with schema_context(alpha.schema):
        stored = [failed.error, done.error, done.file_path] + [
            json.dumps(a.detail, ensure_ascii=False) for a in AuditLog.objects.filter(target_id=done.pk)]
    assert f"statement run {failed.pk} failed" in caplog.text  # the failure was logged (and read here)
    seen = caplog.text + "\n".join(stored)
    for secret in [*tokens, account.apiv3_key]:
        assert secret not in seen
    assert "token=" not in seen


def test_an_order_paid_after_its_revert_is_refunded_off_its_bill_again(
        gql, alpha, payer, finance, http, django_capture_on_commit_callbacks):
    """The channel said closed (短款: reverted), then the payment that raced the close went through after all:
    the late notify settles the order again, and a full refund must take that money back off the bill."""
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(3)
    bill = payer.bills[0]
    created = create_payment(gql, alpha, payer, [bill])
    _post("/sandbox/wechatpay/confirm", {"prepay_id": prepay_id_of(created), "result": "pay",
                                         "success_time": at(day, 9).isoformat()}, cap)
    number = created["order"]["outTradeNo"]
    sandbox_bills.tweak("wechat", kind="revoke", out_trade_no=number)
    run = run_day(alpha, account, day, cap)
    assert diffs(alpha, run)[(K.LOCAL_ONLY, number)].auto_action.startswith("reverted:")
    assert bill_now(alpha, bill).paid_fen == 0
    _post("/sandbox/wechatpay/confirm", {"prepay_id": prepay_id_of(created), "result": "pay", "late": True}, cap)
    with schema_context(alpha.schema):
        order = PaymentOrder.objects.get(out_trade_no=number)
    assert order.status == "paid" and bill_now(alpha, bill).status == "paid"
    paid_fen = bill_now(alpha, bill).paid_fen
    assert paid_fen > 0

    back = refund(alpha, order, order.amount_fen, finance, capture=cap)
    assert back.status == "success"
    after = bill_now(alpha, bill)
    assert (after.paid_fen, after.status) == (0, "issued")
    with schema_context(alpha.schema):
        assert [(i.applied_fen, i.refunded_fen) for i in OrderBill.objects.filter(order=order)] == [
            (paid_fen, paid_fen)]


def test_a_local_only_order_the_channel_still_holds_open_is_closed_there_before_its_revert(
        gql, alpha, payer, http, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(3)
    created = create_payment(gql, alpha, payer, [payer.bills[0]])
    _post("/sandbox/wechatpay/confirm", {"prepay_id": prepay_id_of(created), "result": "pay",
                                         "success_time": at(day, 9).isoformat()}, cap)
    number = created["order"]["outTradeNo"]
    with schema_context("public"):  # the channel still waits for the payer (NOTPAY): the notify was wrong
        SandboxTrade.objects.filter(out_trade_no=number).update(state="NOTPAY", success_time=None, transaction_id="")
    run = run_day(alpha, account, day, cap)
    assert diffs(alpha, run)[(K.LOCAL_ONLY, number)].auto_action.startswith("reverted:")
    with schema_context("public"):
        assert SandboxTrade.objects.get(out_trade_no=number).state == "CLOSED"
    saved = connection.tenant
    with cap(execute=True):  # the payer cannot pay the reverted order any more
        late = Client().post("/sandbox/wechatpay/confirm", data=json.dumps(
            {"prepay_id": prepay_id_of(created), "result": "pay"}), content_type="application/json",
            HTTP_HOST="localhost")
    connection.set_tenant(saved)
    assert late.status_code == 400 and late.json()["code"] == "ORDER_CLOSED", late.content
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.get(out_trade_no=number).status == "failed"
    assert bill_now(alpha, payer.bills[0]).paid_fen == 0


# --- a closed day (日结) is never reconciled again ---------------------------------------------------------------

def test_a_closed_day_is_neither_requested_nor_executed_nor_retried(
        gql, alpha, payer, http, monkeypatch, django_capture_on_commit_callbacks):
    cap = django_capture_on_commit_callbacks
    account = add_wechat_account("alpha")
    day = days_ago(2)
    order = pay(gql, alpha, payer, payer.bills[0], when=at(day, 9), capture=cap)
    sandbox_bills.tweak("wechat", kind="revoke", out_trade_no=order.out_trade_no)  # would be reverted if matched
    monkeypatch.setattr(sandbox_bills, "bill_availability", lambda bill_date, now=None: "not_ready")
    run = run_day(alpha, account, day, cap)
    assert (run.status, run.error_code, run.attempts) == (StatementRun.Status.FAILED, "NOT_READY", 1)
    monkeypatch.undo()
    with schema_context(alpha.schema):
        close_day(day)  # closed by someone meanwhile (the figures are frozen)
        with pytest.raises(ValidationError) as refused:
            run_request(merchant_account_id=account.pk, bill_date=day)
        assert refused.value.error_dict["billDate"][0].code == "DAY_CLOSED"
        assert run_execute(run_id=run.pk).status == StatementRun.Status.FAILED  # a delivery already queued
    with cap(execute=True):
        assert tasks.retry_not_ready()["alpha"] == 0
    with schema_context(alpha.schema):
        run.refresh_from_db()
        assert (run.status, run.attempts) == (StatementRun.Status.FAILED, 1)
        assert not StatementEntry.objects.filter(run=run).exists() and not Difference.objects.exists()
        assert PaymentOrder.objects.get(pk=order.pk).status == "paid"

"""The sandbox gateways' bills: what they serve parses with the reconciliation parsers and equals what they
processed, and each difference knob (apps/payments/sandbox/bills.py) changes exactly what it says."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from apps.payments.providers import CLOSED, PAID, MerchantConfig, ProviderError
from apps.payments.providers.alipay import AlipayProvider
from apps.payments.providers.wechat import WeChatPayProvider
from apps.payments.sandbox import bills
from apps.payments.sandbox.alipay import sandbox_alipay_merchant
from apps.payments.sandbox.models import SandboxTrade
from apps.reconciliation.formats import PAYMENT, REFUND
from tests.factories.statements import (
    alipay_paid,
    alipay_refunded,
    alipay_rows,
    at,
    past_day,
    wechat_paid,
    wechat_refunded,
    wechat_rows,
)
from tests.factories.wechatpay import CONFIRM_URL, MCHID, direct_config, http, notify_calls, order, refund_request

WECHAT_KNOBS = "http://localhost/sandbox/wechatpay"
ALIPAY_KNOBS = "http://localhost/sandbox/alipay"
ALIPAY_APP, ALIPAY_SELLER = "2021000000000001", "2088000000000001"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return direct_config()


@pytest.fixture
def alipay_direct(db) -> MerchantConfig:
    return MerchantConfig(**sandbox_alipay_merchant(app_id=ALIPAY_APP, seller_id=ALIPAY_SELLER))


def rows(entries) -> dict:
    """{(kind, number): (amount, fee, booked_at)}"""
    return {(e.kind, e.out_refund_no or e.out_trade_no): (e.amount_fen, e.fee_fen, e.booked_at) for e in entries}


def knob(base: str, name: str, **body) -> requests.Response:
    with http():
        return requests.post(f"{base}/{name}", json=body, timeout=5)


def test_wechat_bill_lists_exactly_the_paid_trades_and_successful_refunds_of_the_day(
        direct, django_capture_on_commit_callbacks):
    day = past_day(3)
    wechat_paid(direct, "HCPAID0001", 10000, at(day, 9))
    wechat_paid(direct, "HCPAID0002", 8000, at(day, 10))  # refunded the day after: still a SUCCESS row of `day`
    wechat_refunded(direct, django_capture_on_commit_callbacks, out_trade_no="HCPAID0002", out_refund_no="HCRF0002",
                    amount_fen=8000, total_fen=8000, when=at(day + dt.timedelta(days=1), 8))
    wechat_paid(direct, "HCPAID0003", 6000, at(day, 11))
    with http(), django_capture_on_commit_callbacks(execute=True):
        WeChatPayProvider(direct).refund(refund_request("HCRF0003", 1000, 6000, "HCPAID0003"))
    in_flight = SandboxTrade.objects.get(out_trade_no="HCPAID0003").refunds.get()
    in_flight.status = "PROCESSING"  # a refund still in flight is on no bill
    in_flight.save(update_fields=["status"])
    with http():
        WeChatPayProvider(direct).create_order(order("HCNOTPAID1", 500))  # never paid
        WeChatPayProvider(direct).create_order(order("HCCLOSED01", 500))
        WeChatPayProvider(direct).close_order("HCCLOSED01")

    assert rows(wechat_rows(direct, day)) == {
        (PAYMENT, "HCPAID0001"): (10000, 60, at(day, 9)), (PAYMENT, "HCPAID0002"): (8000, 48, at(day, 10)),
        (PAYMENT, "HCPAID0003"): (6000, 36, at(day, 11))}
    assert rows(wechat_rows(direct, day + dt.timedelta(days=1))) == {
        (REFUND, "HCRF0002"): (8000, -48, at(day + dt.timedelta(days=1), 8))}


@pytest.fixture
def wechat_day(direct, django_capture_on_commit_callbacks):
    """Three payments and a refund on one day, and the bill as processed."""
    day = past_day(4)
    wechat_paid(direct, "HCKNOB0001", 10000, at(day, 9))
    wechat_paid(direct, "HCKNOB0002", 250, at(day, 12))
    wechat_paid(direct, "HCKNOB0003", 12345, at(day, 13))
    wechat_refunded(direct, django_capture_on_commit_callbacks, out_trade_no="HCKNOB0003", out_refund_no="HCKNRF03",
                    amount_fen=5000, total_fen=12345, when=at(day, 14))
    baseline = rows(wechat_rows(direct, day))
    assert baseline == {(PAYMENT, "HCKNOB0001"): (10000, 60, at(day, 9)),
                        (PAYMENT, "HCKNOB0002"): (250, 2, at(day, 12)),
                        (PAYMENT, "HCKNOB0003"): (12345, 74, at(day, 13)),
                        (REFUND, "HCKNRF03"): (5000, -30, at(day, 14))}
    return day, baseline


@pytest.mark.parametrize(("target", "kind", "value", "changed"), [
    ({"out_trade_no": "HCKNOB0002"}, "omit", True, {(PAYMENT, "HCKNOB0002"): None}),
    ({"out_refund_no": "HCKNRF03"}, "omit", None, {(REFUND, "HCKNRF03"): None}),
    ({"out_trade_no": "HCKNOB0002"}, "amount_delta", 1, {(PAYMENT, "HCKNOB0002"): (251, 2, "same")}),
    ({"out_refund_no": "HCKNRF03"}, "amount_delta", -100, {(REFUND, "HCKNRF03"): (4900, -30, "same")}),
    ({"out_trade_no": "HCKNOB0001"}, "fee_delta", 3, {(PAYMENT, "HCKNOB0001"): (10000, 63, "same")}),
    ({"out_refund_no": "HCKNRF03"}, "fee_delta", 1, {(REFUND, "HCKNRF03"): (5000, -29, "same")}),
    ({"out_trade_no": "HCKNOB0001", "merchant_id": MCHID}, "book_next_day", True, {(PAYMENT, "HCKNOB0001"): None}),
    ({"out_refund_no": "HCKNRF03"}, "book_next_day", None, {(REFUND, "HCKNRF03"): None}),
])
def test_each_wechat_tweak_changes_only_its_row(direct, wechat_day, target, kind, value, changed):
    day, baseline = wechat_day
    answer = knob(WECHAT_KNOBS, "bill-tweak", kind=kind, value=value, **target)
    assert answer.status_code == 200, answer.content
    assert answer.json()["bill_tweaks"]

    expected = dict(baseline)
    for key, figures in changed.items():
        if figures is None:
            del expected[key]
        else:
            expected[key] = (figures[0], figures[1], baseline[key][2])
    assert rows(wechat_rows(direct, day)) == expected
    next_day = rows(wechat_rows_or_empty(direct, day + dt.timedelta(days=1)))
    if kind == "book_next_day":
        assert next_day == {key: baseline[key] for key in changed}  # listed the next day, its time unchanged
    else:
        assert next_day == {}


def test_status_tweak_changes_the_rows_state_not_the_gateways(direct, wechat_day):
    day, baseline = wechat_day
    for target, value in (({"out_trade_no": "HCKNOB0002"}, "REVOKED"), ({"out_refund_no": "HCKNRF03"}, "CLOSED")):
        answer = knob(WECHAT_KNOBS, "bill-tweak", kind="status", value=value, **target)
        assert answer.status_code == 200, answer.content
    states = {(e.kind, e.out_refund_no or e.out_trade_no): e.status for e in wechat_rows(direct, day)}
    assert states == {(PAYMENT, "HCKNOB0001"): "success", (PAYMENT, "HCKNOB0002"): "revoked",
                      (PAYMENT, "HCKNOB0003"): "success", (REFUND, "HCKNRF03"): "closed"}
    assert rows(wechat_rows(direct, day)) == baseline  # amounts, fees and times unchanged
    with http():
        assert WeChatPayProvider(direct).query_order("HCKNOB0002").state == PAID  # the gateway still says paid
    assert knob(WECHAT_KNOBS, "bill-tweak", kind="status", value="SUCCESS", out_trade_no="HCKNOB0002").ok
    assert {e.status for e in wechat_rows(direct, day) if e.out_trade_no == "HCKNOB0002" and e.kind == PAYMENT} \
        == {"success"}


def wechat_rows_or_empty(config, day):
    try:
        return wechat_rows(config, day)
    except ProviderError as exc:
        assert exc.code == "NO_STATEMENT"
        return []


def test_clear_undoes_tweaks(direct, wechat_day):
    day, baseline = wechat_day
    bills.tweak("wechat", kind="omit", out_trade_no="HCKNOB0001")
    bills.tweak("wechat", kind="fee_delta", out_trade_no="HCKNOB0002", value=5)
    assert rows(wechat_rows(direct, day)) != baseline
    bills.tweak("wechat", kind="clear", out_trade_no="HCKNOB0001")
    bills.tweak("wechat", kind="fee_delta", out_trade_no="HCKNOB0002", value=0)
    assert rows(wechat_rows(direct, day)) == baseline


def test_a_payment_at_235959_booked_on_the_next_day(direct, wechat_day):
    day, baseline = wechat_day
    late = at(day, 23, 59, 59)
    knob(WECHAT_KNOBS, "bill-tweak", kind="success_time", out_trade_no="HCKNOB0002", value=late.isoformat())
    knob(WECHAT_KNOBS, "bill-tweak", kind="book_next_day", out_trade_no="HCKNOB0002", value=True)

    assert rows(wechat_rows(direct, day)) == {k: v for k, v in baseline.items() if k != (PAYMENT, "HCKNOB0002")}
    assert rows(wechat_rows(direct, day + dt.timedelta(days=1))) == {(PAYMENT, "HCKNOB0002"): (250, 2, late)}
    with http():
        state = WeChatPayProvider(direct).query_order("HCKNOB0002")
    assert state.state == PAID and state.paid_at == late  # the gateway says so everywhere, not only in the bill


def test_revoke_takes_the_trade_off_the_bill_and_the_channel_says_closed(direct, wechat_day):
    day, baseline = wechat_day
    answer = knob(WECHAT_KNOBS, "bill-tweak", kind="revoke", out_trade_no="HCKNOB0001")
    assert answer.json() == {"out_trade_no": "HCKNOB0001", "state": "CLOSED", "success_time": None, "bill_tweaks": {}}
    with http():
        state = WeChatPayProvider(direct).query_order("HCKNOB0001")
    assert state.state == CLOSED and state.paid_at is None
    assert rows(wechat_rows(direct, day)) == {k: v for k, v in baseline.items() if k != (PAYMENT, "HCKNOB0001")}


def test_foreign_trade_is_on_the_bill_and_queryable(direct, wechat_day):
    day, baseline = wechat_day
    when = at(day, 16, 30)
    answer = knob(WECHAT_KNOBS, "foreign-trade", merchant_id=MCHID, amount_fen=4321, out_trade_no="HCFOREIGN1",
                  success_time=when.isoformat())
    assert answer.status_code == 200 and answer.json()["trade_state"] == "SUCCESS"
    assert rows(wechat_rows(direct, day)) == {**baseline, (PAYMENT, "HCFOREIGN1"): (4321, 26, when)}
    with http():
        state = WeChatPayProvider(direct).query_order("HCFOREIGN1")
    assert state.state == PAID and state.amount_fen == 4321 and state.paid_at == when


def test_confirm_without_notify_pays_silently_and_the_bill_has_it(direct):
    day = past_day(3)
    with http() as silent:
        prepay_id = WeChatPayProvider(direct).create_order(order("HCSILENT01", 900)).prepay_id
        answer = requests.post(CONFIRM_URL, timeout=5, json={"prepay_id": prepay_id, "result": "pay", "notify": False,
                                                              "success_time": at(day, 7).isoformat()})
    assert answer.json()["trade_state"] == "SUCCESS" and answer.json()["success_time"] == at(day, 7).isoformat()
    assert notify_calls(silent) == []
    assert rows(wechat_rows(direct, day)) == {(PAYMENT, "HCSILENT01"): (900, 5, at(day, 7))}


def test_fee_rate_knob(direct, wechat_day):
    day, _baseline = wechat_day
    answer = knob(WECHAT_KNOBS, "bill-merchant", merchant_id=MCHID, fee_rate="0.38%")
    assert answer.json() == {"merchant_id": MCHID, "fee_rate": "0.38%", "bill_url_ttl": 30,
                             "corrupt_next_download": False}
    fees = {key: figures[1] for key, figures in rows(wechat_rows(direct, day)).items()}
    # 10000 → 38; 250 → 0.95 → 1; 12345 → 46.911 → 47; refund 5000/12345 × 47 = 19.04 → 19 back
    assert fees == {(PAYMENT, "HCKNOB0001"): 38, (PAYMENT, "HCKNOB0002"): 1, (PAYMENT, "HCKNOB0003"): 47,
                    (REFUND, "HCKNRF03"): -19}


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"kind": "shrink", "out_trade_no": "HCKNOB0001"}, 400, "PARAM_ERROR"),
    ({"kind": "omit"}, 400, "PARAM_ERROR"),
    ({"kind": "omit", "out_trade_no": "HCNOSUCH01"}, 404, "NOT_FOUND"),
    ({"kind": "revoke", "out_refund_no": "HCKNRF03"}, 400, "PARAM_ERROR"),
    ({"kind": "revoke", "out_trade_no": "HCKNOB0003"}, 409, "INVALID_STATE"),  # it has a refund
    ({"kind": "amount_delta", "out_trade_no": "HCKNOB0001", "value": "1"}, 400, "PARAM_ERROR"),
    ({"kind": "status", "out_trade_no": "HCKNOB0001", "value": "CLOSED"}, 400, "PARAM_ERROR"),  # not a trade state
    ({"kind": "success_time", "out_trade_no": "HCKNOB0001", "value": "2999-01-01T00:00:00+08:00"}, 400, "PARAM_ERROR"),
    ({"kind": "success_time", "out_trade_no": "HCKNOB0001", "value": "2026-01-01 00:00"}, 400, "PARAM_ERROR"),
])
def test_wechat_knob_refusals(direct, wechat_day, body, status, code):
    day, baseline = wechat_day
    answer = knob(WECHAT_KNOBS, "bill-tweak", **body)
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert rows(wechat_rows(direct, day)) == baseline


# --- Alipay -------------------------------------------------------------------------------------------------------


def test_alipay_bill_and_knobs(alipay_direct):
    day = past_day(4)
    alipay_paid(alipay_direct, "HC-AK-1", 10000, at(day, 9))
    alipay_paid(alipay_direct, "HC-AK-2", 2000, at(day, 10))
    alipay_paid(alipay_direct, "HC-AK-3", 3000, at(day, 11))
    alipay_refunded(alipay_direct, out_trade_no="HC-AK-1", out_refund_no="HC-AK-R1", amount_fen=10000,
                    total_fen=10000, when=at(day, 12))
    baseline = rows(alipay_rows(alipay_direct, day))
    assert baseline == {(PAYMENT, "HC-AK-1"): (10000, 60, at(day, 9)), (PAYMENT, "HC-AK-2"): (2000, 12, at(day, 10)),
                        (PAYMENT, "HC-AK-3"): (3000, 18, at(day, 11)), (REFUND, "HC-AK-R1"): (10000, -60, at(day, 12))}

    assert knob(ALIPAY_KNOBS, "bill-tweak", kind="amount_delta", out_trade_no="HC-AK-2", value=1).status_code == 200
    assert knob(ALIPAY_KNOBS, "bill-tweak", kind="fee_delta", out_refund_no="HC-AK-R1", value=-2).status_code == 200
    assert knob(ALIPAY_KNOBS, "bill-tweak", kind="revoke", out_trade_no="HC-AK-3").json()["state"] == "TRADE_CLOSED"
    foreign = knob(ALIPAY_KNOBS, "foreign-trade", merchant_id=ALIPAY_SELLER, amount_fen=500, out_trade_no="HC-AK-X",
                   success_time=at(day, 13).isoformat())
    assert foreign.status_code == 200 and foreign.json()["trade_status"] == "TRADE_SUCCESS"
    refused = knob(ALIPAY_KNOBS, "bill-tweak", kind="omit", out_trade_no="HC-NONE")
    assert (refused.status_code, refused.json()["error"]) == (404, "NOT_FOUND")

    assert rows(alipay_rows(alipay_direct, day)) == {
        (PAYMENT, "HC-AK-1"): (10000, 60, at(day, 9)), (PAYMENT, "HC-AK-2"): (2001, 12, at(day, 10)),
        (REFUND, "HC-AK-R1"): (10000, -62, at(day, 12)), (PAYMENT, "HC-AK-X"): (500, 3, at(day, 13))}
    with http():
        revoked = AlipayProvider(alipay_direct).query_order("HC-AK-3")
        foreign_state = AlipayProvider(alipay_direct).query_order("HC-AK-X")
    assert revoked.state == CLOSED and revoked.paid_at is None
    assert foreign_state.state == PAID and foreign_state.amount_fen == 500


# --- the demo pages ------------------------------------------------------------------------------------------------


def test_pay_page_pays_silently_at_a_chosen_time(direct, client):
    day = past_day(3)
    with http():
        prepay_id = WeChatPayProvider(direct).create_order(order("HCPAGE0001", 1500)).prepay_id
    form = client.get(f"/sandbox/wechatpay/pay/{prepay_id}/", HTTP_HOST="localhost").content.decode()
    assert 'name="silent"' in form and 'name="success_time"' in form and "/sandbox/bills/" in form
    with http() as calls:
        page = client.post(f"/sandbox/wechatpay/pay/{prepay_id}/", HTTP_HOST="localhost",
                           data={"result": "pay", "silent": "1", "success_time": at(day, 23, 59, 59).isoformat()})
    assert page.status_code == 200
    assert notify_calls(calls) == []
    assert rows(wechat_rows(direct, day)) == {(PAYMENT, "HCPAGE0001"): (1500, 9, at(day, 23, 59, 59))}


def test_bills_page_lists_rows_and_sets_a_difference(direct, wechat_day, client):
    day, baseline = wechat_day
    page = client.get("/sandbox/bills/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert "HCKNOB0001" in page.content.decode() and "HCKNRF03" in page.content.decode()

    done = client.post("/sandbox/bills/", HTTP_HOST="localhost",
                       data={"action": "tweak", "channel": "wechat", "merchant_id": MCHID,
                             "out_trade_no": "HCKNOB0001", "kind": "amount_delta", "value": "1"})
    refused = client.post("/sandbox/bills/", HTTP_HOST="localhost",
                          data={"action": "tweak", "channel": "wechat", "out_trade_no": "HCKNOB0002",
                                "kind": "amount_delta", "value": "one"})
    assert done.status_code == 200 and refused.status_code == 400
    key = (PAYMENT, "HCKNOB0001")
    assert rows(wechat_rows(direct, day)) == {**baseline, key: (10001, 60, baseline[key][2])}

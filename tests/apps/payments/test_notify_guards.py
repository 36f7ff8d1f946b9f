"""The notify endpoints cannot be used to fill the database (issue #10, point 9).

Junk (unsigned, badly signed, stale, over the size cap, lacking the merchant or
app id, for a company without a merchant account) is answered with the
provider's failure, changes nothing, and N of them write one PaymentNotify row
per reason and minute (plus a few updates of its count) instead of N rows. A
body over the cap is refused from its Content-Length, unread and unparsed.
Verified notifies still get a row each and settle once."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing.models import Bill
from apps.payments import notify_log
from apps.payments.models import OrderBill, PaymentNotify, PaymentOrder
from apps.payments.providers import MAX_NOTIFY_BYTES
from apps.payments.sandbox.alipay import build_alipay_notify, sandbox_alipay_merchant
from apps.payments.sandbox.wechat import build_wechat_notify
from tenants.models import HeatingCompany, MerchantAccount
from tests.factories.payments import make_payer

pytestmark = pytest.mark.django_db

N = 25  # junk requests per case: past the first count update (10), short of the next (100)
WECHAT_PATH, ALIPAY_PATH = "/payments/notify/wechat/", "/payments/notify/alipay/"
ALIPAY_APP_ID, ALIPAY_SELLER = "2021000000000042", "2088000000000042"


def _order(tenant, account, season, *, channel: str = "wechat") -> PaymentOrder:
    """An open order paying one issued bill, placed with `account`'s merchant."""
    owner = make_payer(tenant, season, openid=f"o-guard-{channel}", houses=1)
    bill = owner.bills[0]
    if channel == "wechat":
        merchant = {"merchant_mode": "direct", "merchant_id": account.mchid, "app_id": account.appid}
    else:
        merchant = {"merchant_mode": "direct", "merchant_id": account.alipay_app_id,
                    "sub_merchant_id": account.alipay_seller_id}
    with schema_context(tenant.schema):
        order = PaymentOrder.objects.create(
            out_trade_no=("W" if channel == "wechat" else "A") + "261126GUARD0000000001", channel=channel,
            amount_fen=bill.principal_fen, description="guard", resident=owner.resident, payer_id="o-guard",
            prepay_id="prepay-guard", expires_at=timezone.now() + dt.timedelta(minutes=30), **merchant)
        OrderBill.objects.create(order=order, bill=bill, amount_fen=bill.principal_fen,
                                 outstanding_fen=bill.principal_fen, quoted_paid_fen=0,
                                 quoted_principal_fen=bill.principal_fen)
    connection.set_schema_to_public()
    return order


def _resource(account, order, **changes) -> dict:
    resource = {"mchid": account.mchid, "appid": account.appid, "out_trade_no": order.out_trade_no,
                "transaction_id": "4200000000202611260000000042", "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
                "success_time": timezone.localtime().isoformat(timespec="seconds"), "payer": {"openid": "o-guard"},
                "amount": {"total": order.amount_fen, "payer_total": order.amount_fen, "currency": "CNY",
                           "payer_currency": "CNY"}}
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


def _wechat(account, order, **changes) -> tuple[dict, bytes]:
    notify_kwargs = {"apiv3_key": account.apiv3_key, **changes.pop("notify", {})}
    headers, body = build_wechat_notify(_resource(account, order, **changes), **notify_kwargs)
    return headers, body.encode()


def _post(host: str, path: str, headers: dict, body: bytes, **extra):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "content-type"}
    content_type = "application/json" if path == WECHAT_PATH else "application/x-www-form-urlencoded; charset=utf-8"
    resp = Client().post(path, data=body, content_type=content_type, HTTP_HOST=host, **{**meta, **extra})
    connection.set_schema_to_public()
    return resp


def _rows(tenant) -> list[PaymentNotify]:
    with schema_context(tenant.schema):
        return list(PaymentNotify.objects.order_by("id"))


def _unchanged(tenant, order) -> None:
    with schema_context(tenant.schema):
        assert PaymentOrder.objects.get(pk=order.pk).status == "created"
        bill = Bill.objects.get(order_items__order=order)
        assert bill.paid_fen == 0 and bill.status == "issued"
        assert not AuditLog.objects.filter(action="payment.paid").exists()


def _tampered(account, order):
    headers, body = _wechat(account, order)
    return headers, body.replace(b'"TRANSACTION.SUCCESS"', b'"TRANSACTION.SUCCESS" ')


WECHAT_JUNK = {
    "unsigned": (lambda account, order: ({}, b'{"id": "junk", "event_type": "TRANSACTION.SUCCESS"}'),
                 "bad_signature_type"),
    "not even JSON": (lambda account, order: ({}, b"\x00\xff" * 100), "malformed_json"),
    "bad signature": (_tampered, "bad_signature"),
    "stale": (lambda account, order: _wechat(account, order, notify={"timestamp": int(timezone.now().timestamp())
                                                                     - 400}), "stale_timestamp"),
    "foreign serial": (lambda account, order: _wechat(account, order,
                                                      notify={"serial": "PUB_KEY_ID_0000000000000000000009"}),
                       "unknown_serial"),
    "wrong APIv3 key": (lambda account, order: _wechat(account, order, notify={"apiv3_key": "0" * 32}),
                        "undecryptable"),
    # Correctly signed and encrypted, but without the ids every real notify of this mode carries.
    "missing appid": (lambda account, order: _wechat(account, order, appid=None), "missing_appid"),
    "missing mchid": (lambda account, order: _wechat(account, order, mchid=None), "missing_mchid"),
    "empty mchid": (lambda account, order: _wechat(account, order, mchid=""), "missing_mchid"),
}


@pytest.mark.parametrize("case", WECHAT_JUNK)
def test_junk_wechat_notifies_change_nothing_and_write_one_row_for_many(alpha, wechat_account, season, case, caplog):
    build, reason = WECHAT_JUNK[case]
    order = _order(alpha, wechat_account, season)
    headers, body = build(wechat_account, order)
    caplog.set_level(logging.WARNING, logger="apps.payments.notify_log")
    for _ in range(N):
        resp = _post(alpha.host, WECHAT_PATH, headers, body)
        assert resp.status_code == 400 and resp.json() == {"code": "FAIL", "message": reason}
    [row] = _rows(alpha)
    assert (row.outcome, row.kind, row.remote_ip) == ("rejected", "unknown", "127.0.0.1")
    assert row.reason == f"{reason} [10+ in this minute]"
    # As many log lines as row writes (the first and the count passing 10), not one per request.
    assert len([r for r in caplog.records if r.name == "apps.payments.notify_log"]) == 2
    _unchanged(alpha, order)


def test_a_window_closes_with_its_exact_count_and_the_next_starts_a_new_row(alpha, wechat_account, season,
                                                                           monkeypatch):
    order = _order(alpha, wechat_account, season)
    headers, body = _tampered(wechat_account, order)
    now = 29_000_000 * 60.0  # the start of a minute
    monkeypatch.setattr(notify_log, "_clock", lambda: now)
    for _ in range(37):
        _post(alpha.host, WECHAT_PATH, headers, body)
    assert [r.reason for r in _rows(alpha)] == ["bad_signature [10+ in this minute]"]
    now += 60
    _post(alpha.host, WECHAT_PATH, headers, body)
    assert [r.reason for r in _rows(alpha)] == ["bad_signature [37 in this minute]", "bad_signature"]
    # Each reason has its own count.
    _post(alpha.host, WECHAT_PATH, {}, b"{}")
    assert [r.reason for r in _rows(alpha)][-1] == "bad_signature_type"


def test_a_real_notify_after_a_flood_of_junk_settles_once_and_keeps_its_rows(alpha, wechat_account, season):
    order = _order(alpha, wechat_account, season)
    for _ in range(N):
        _post(alpha.host, WECHAT_PATH, *_tampered(wechat_account, order))
    headers, body = _wechat(wechat_account, order)
    for _ in range(3):  # the gateway's retries of the same notify
        assert _post(alpha.host, WECHAT_PATH, headers, body).status_code == 204
    rows = _rows(alpha)
    assert [(r.outcome, r.out_trade_no) for r in rows] == [("rejected", ""), ("settled", order.out_trade_no),
                                                           ("duplicate", order.out_trade_no)]
    with schema_context(alpha.schema):
        assert PaymentOrder.objects.get(pk=order.pk).status == "paid"
        assert Bill.objects.get(order_items__order=order).status == "paid"
        assert AuditLog.objects.filter(action="payment.paid").count() == 1


def test_replayed_genuine_notifies_are_counted_not_written_a_row_each(alpha, wechat_account, season):
    """Verified notifies that tell us nothing new: about an order this company never had (a notify
    captured elsewhere and replayed here) or replays of one already settled. N of each, one row each."""
    order = _order(alpha, wechat_account, season)
    with schema_context(alpha.schema):
        stranger = PaymentOrder(out_trade_no="W261126ELSEWHERE00000001", amount_fen=order.amount_fen)
    unknown = _wechat(wechat_account, stranger)
    for _ in range(N):
        assert _post(alpha.host, WECHAT_PATH, *unknown).status_code >= 400
    genuine = _wechat(wechat_account, order)
    for _ in range(N + 1):
        assert _post(alpha.host, WECHAT_PATH, *genuine).status_code == 204
    assert [(r.outcome, r.out_trade_no, r.reason) for r in _rows(alpha)] == [
        ("rejected", stranger.out_trade_no, "unknown order [10+ in this minute]"),
        ("settled", order.out_trade_no, ""),
        ("duplicate", order.out_trade_no, "already settled [10+ in this minute]")]
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="payment.paid").count() == 1


class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("an oversize notify body was read")

    readline = readinto = read


@pytest.mark.parametrize(("path", "status", "answer"), [
    (WECHAT_PATH, 413, b'{"code": "FAIL", "message": "body too large"}'),
    (ALIPAY_PATH, 413, b"fail"),
])
def test_an_oversize_body_is_refused_from_its_length_unread_and_unparsed(alpha, wechat_account, path, status,
                                                                         answer, monkeypatch):
    from apps.payments.providers.alipay import AlipayProvider
    from apps.payments.providers.wechat import WeChatPayProvider

    def never(*args, **kwargs):
        raise AssertionError("an oversize notify reached the parser")

    monkeypatch.setattr(WeChatPayProvider, "parse_notify", never)
    monkeypatch.setattr(AlipayProvider, "parse_notify", never)
    for _ in range(N):
        resp = _post(alpha.host, path, {}, b"", CONTENT_LENGTH=str(MAX_NOTIFY_BYTES + 1),
                     **{"wsgi.input": _Unreadable()})
        assert (resp.status_code, resp.content) == (status, answer)
    for length in ("10000000000", "-1", "12a", "１２"):  # huge, negative, not a number, not ASCII digits
        resp = _post(alpha.host, path, {}, b"", CONTENT_LENGTH=length, **{"wsgi.input": _Unreadable()})
        assert resp.status_code == 413
    # A real body just over the cap, sent whole, is refused the same way.
    assert _post(alpha.host, path, {}, b"x" * (MAX_NOTIFY_BYTES + 1)).status_code == 413
    [row] = _rows(alpha)
    assert row.reason == "body too large [10+ in this minute]"


def test_the_cap_is_far_above_what_the_gateways_send(alpha, wechat_account, season):
    order = _order(alpha, wechat_account, season)
    _headers, body = _wechat(wechat_account, order)
    assert len(body) * 8 < MAX_NOTIFY_BYTES


def test_notifies_to_a_company_without_a_merchant_account_write_one_row(beta):
    for _ in range(N):
        assert _post(beta.host, WECHAT_PATH, {}, b"{}").status_code == 404
    assert [r.reason for r in _rows(beta)] == ["no merchant account [10+ in this minute]"]


def test_a_forwarded_address_that_is_not_an_ip_is_not_stored(alpha, wechat_account, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    resp = _post(alpha.host, WECHAT_PATH, {}, b"{}", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert resp.status_code == 400
    [row] = _rows(alpha)
    assert row.remote_ip is None


# --- Alipay --------------------------------------------------------------------------------------------------------


@pytest.fixture
def alipay_account(alpha) -> MerchantAccount:
    connection.set_schema_to_public()
    cfg = sandbox_alipay_merchant(app_id=ALIPAY_APP_ID, seller_id=ALIPAY_SELLER)
    fields = {k: v for k, v in cfg.items() if k not in ("channel", "mode") and hasattr(MerchantAccount, k)}
    return MerchantAccount.objects.create(tenant=HeatingCompany.objects.get(slug="alpha"), channel="alipay",
                                          mode="direct", **fields)


def _alipay(order, **changes) -> bytes:
    params = {"notify_id": "n-guard", "notify_type": "trade_status_sync", "notify_time": "2026-11-26 10:00:05",
              "charset": "utf-8", "version": "1.0", "app_id": ALIPAY_APP_ID, "auth_app_id": ALIPAY_APP_ID,
              "out_trade_no": order.out_trade_no, "trade_no": "2026112622001400000000000042",
              "total_amount": f"{order.amount_fen / 100:.2f}", "seller_id": ALIPAY_SELLER,
              "trade_status": "TRADE_SUCCESS", "gmt_payment": "2026-11-26 10:00:03", "buyer_id": "2088000000009999"}
    params.update(changes)
    return build_alipay_notify({k: v for k, v in params.items() if v is not None}).encode()


ALIPAY_JUNK = {
    "unsigned": (lambda order: b"out_trade_no=A1&total_amount=1.00", "missing signature"),
    "tampered": (lambda order: _alipay(order).replace(b"trade_status=TRADE_SUCCESS", b"trade_status=TRADE_FINISHED"),
                 "bad signature"),
    "missing seller_id": (lambda order: _alipay(order, seller_id=None), "missing seller_id"),
    "another seller": (lambda order: _alipay(order, seller_id="2088000000000099"), "seller_id is not ours"),
    "another app's authorizer": (lambda order: _alipay(order, auth_app_id="2021000000000099"),
                                 "auth_app_id is not ours"),
}


@pytest.mark.parametrize("case", ALIPAY_JUNK)
def test_junk_alipay_notifies_change_nothing_and_write_one_row_for_many(alpha, alipay_account, season, case):
    build, reason = ALIPAY_JUNK[case]
    order = _order(alpha, alipay_account, season, channel="alipay")
    body = build(order)
    for _ in range(N):
        resp = _post(alpha.host, ALIPAY_PATH, {}, body)
        assert (resp.status_code, resp.content) == (200, b"fail")
    assert [r.reason for r in _rows(alpha)] == [f"{reason} [10+ in this minute]"]
    _unchanged(alpha, order)


def test_a_genuine_alipay_notify_settles_and_is_logged(alpha, alipay_account, season):
    order = _order(alpha, alipay_account, season, channel="alipay")
    resp = _post(alpha.host, ALIPAY_PATH, {}, _alipay(order))
    assert (resp.status_code, resp.content) == (200, b"success")
    assert [(r.outcome, r.out_trade_no) for r in _rows(alpha)] == [("settled", order.out_trade_no)]


def test_the_wechat_failure_answer_is_json_for_every_refusal(alpha, wechat_account):
    resp = _post(alpha.host, WECHAT_PATH, {}, b"x" * (MAX_NOTIFY_BYTES + 1))
    assert resp["Content-Type"] == "application/json" and json.loads(resp.content)["code"] == "FAIL"

"""What wechatpayv3 does that our provider must guard against (issue #5), pinned: each `test_sdk_…` shows the
SDK behaviour as found in 2.0.4 and fails if the SDK changes under us; the matching `test_provider_…` shows the
guard. Also every reason parse_notify rejects a notify for, each with zero outbound HTTP."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import stat
import time

import pytest
import requests
import wechatpayv3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.http.request import HttpHeaders
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

from apps.payments.providers import PAID, MerchantConfig, NotifyRejected, ProviderError
from apps.payments.providers.wechat import WeChatPayProvider
from apps.payments.sandbox.models import SandboxKey
from apps.payments.sandbox.wechat import build_wechat_notify
from tests.factories.wechatpay import certificate_config, direct_config, http

REAL_GATEWAY = "https://api.mch.weixin.qq.com"
FOREIGN_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


@pytest.fixture
def direct(db) -> MerchantConfig:
    return direct_config()


@pytest.fixture
def certificate_mode(db) -> MerchantConfig:
    return certificate_config()


def raw_sdk(config: MerchantConfig, **overrides) -> WeChatPay:
    """The SDK as its README configures it, without our guards."""
    kwargs = {"wechatpay_type": WeChatPayType.MINIPROG, "mchid": config.mchid,
              "private_key": config.merchant_private_key, "cert_serial_no": config.merchant_serial_no,
              "appid": config.appid, "apiv3_key": config.apiv3_key, "public_key": config.wechatpay_public_key,
              "public_key_id": config.wechatpay_public_key_id}
    return WeChatPay(**{**kwargs, **overrides})


def resource(config: MerchantConfig, total: int = 12345) -> dict:
    return {"appid": config.appid, "mchid": config.mchid, "out_trade_no": "HC20261126A001",
            "transaction_id": "4200000000202611260000000001", "trade_type": "JSAPI", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
            "success_time": "2026-11-26T10:00:00+08:00", "payer": {"openid": "o-resident-openid"},
            "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}}


def signed(body: str, *, serial: str | None = None) -> tuple[dict[str, str], str]:
    """Any body, correctly signed by the sandbox platform key."""
    key = SandboxKey.objects.get(channel="wechat")
    ts, nonce = str(int(time.time())), "0123456789abcdef0123456789abcdef"
    private = serialization.load_pem_private_key(key.private_key.encode(), password=None)
    signature = private.sign(f"{ts}\n{nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256())
    return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": serial or key.key_id,
            "Wechatpay-Signature": base64.b64encode(signature).decode(),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}, body


def other_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_sdk_is_the_version_these_guards_were_written_for():
    assert wechatpayv3.__version__ == "2.0.4"


# --- a. the gateway URL is a private attribute ------------------------------------------------------------------


def test_sdk_keeps_the_gateway_in_the_private_gate_way_attribute(direct):
    assert raw_sdk(direct)._core._gate_way == REAL_GATEWAY


def test_provider_points_the_sdk_at_the_configured_gateway(direct):
    provider = WeChatPayProvider(direct)
    with http() as mock:
        provider.query_order("HC20261126A001")
    assert provider._wxpay._core._gate_way == settings.PAYMENTS_WECHATPAY_GATEWAY
    assert mock.calls[0].request.url.startswith(settings.PAYMENTS_WECHATPAY_GATEWAY + "/v3/pay/transactions/")


def test_provider_refuses_to_start_when_gate_way_disappears(direct, monkeypatch):
    original = Core.__init__

    def without_gate_way(self, *args, **kwargs):
        original(self, *args, **kwargs)
        del self._gate_way

    monkeypatch.setattr(Core, "__init__", without_gate_way)
    with pytest.raises(RuntimeError, match="_gate_way"):
        WeChatPayProvider(direct)


# --- b. certificate downloads ------------------------------------------------------------------------------------


def test_sdk_in_certificate_mode_downloads_certificates_at_start_up(direct):
    with http() as mock, pytest.raises(requests.ConnectionError):
        raw_sdk(direct, public_key=None, public_key_id=None)
    assert [c.request.url for c in mock.calls] == [f"{REAL_GATEWAY}/v3/certificates"]


def test_provider_in_certificate_mode_starts_from_a_private_temporary_cert_dir(certificate_mode, monkeypatch):
    seen = {}
    original = Core._init_certificates

    def spy(self):
        seen.update(dir=self._cert_dir, mode=stat.S_IMODE(os.stat(self._cert_dir).st_mode),
                    files=os.listdir(self._cert_dir))
        original(self)

    monkeypatch.setattr(Core, "_init_certificates", spy)
    with http() as mock:
        provider = WeChatPayProvider(certificate_mode)
    assert list(mock.calls) == []
    assert seen["mode"] == 0o700
    assert seen["files"] == [f"{certificate_mode.platform_certificates[0]['serial_no']}.pem"]
    assert not os.path.exists(seen["dir"])
    assert provider._wxpay._core._cert_dir is None
    assert len(provider._wxpay._core._certificates) == 1


def _expired_certificate() -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=400))
            .not_valid_after(now - dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    return {"serial_no": format(cert.serial_number, "X"), "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "expire_time": "2026-01-01T00:00:00+08:00"}


def test_provider_refuses_to_start_without_a_public_key_or_a_valid_certificate(certificate_mode):
    no_key = dataclasses.replace(certificate_mode, platform_certificates=())
    only_expired = dataclasses.replace(certificate_mode, platform_certificates=(_expired_certificate(),))
    with http() as mock:
        for config in (no_key, only_expired):
            with pytest.raises(ProviderError) as exc:
                WeChatPayProvider(config)
            assert exc.value.code == "NO_PLATFORM_KEY"
    assert list(mock.calls) == []


def test_sdk_downloads_certificates_while_verifying_an_unknown_serial(direct):
    headers, body = build_wechat_notify(resource(direct), apiv3_key=direct.apiv3_key, serial=FOREIGN_SERIAL)
    with http() as mock, pytest.raises(requests.ConnectionError):
        raw_sdk(direct).callback(headers, body)
    assert [c.request.url for c in mock.calls] == [f"{REAL_GATEWAY}/v3/certificates"]


def test_provider_core_cannot_download_certificates_on_any_path(direct):
    provider = WeChatPayProvider(direct)
    headers, body = build_wechat_notify(resource(direct), apiv3_key=direct.apiv3_key, serial=FOREIGN_SERIAL)
    with http() as mock:
        with pytest.raises(NotifyRejected, match="unknown_serial"):
            provider.parse_notify(headers, body.encode())
        with pytest.raises(RuntimeError, match="download"):
            provider._wxpay._core._verify_signature(headers, body)
        with pytest.raises(RuntimeError, match="download"):
            provider._wxpay._core._update_certificates()
    assert list(mock.calls) == []


# --- c. notify checks the SDK does not make -----------------------------------------------------------------------


def test_sdk_accepts_a_notify_of_any_age(direct):
    headers, body = build_wechat_notify(resource(direct), apiv3_key=direct.apiv3_key,
                                        timestamp=int(time.time()) - 86_400)
    assert raw_sdk(direct).callback(headers, body)["resource"]["out_trade_no"] == "HC20261126A001"
    with http() as mock, pytest.raises(NotifyRejected, match="stale_timestamp"):
        WeChatPayProvider(direct).parse_notify(headers, body.encode())
    assert list(mock.calls) == []


def test_sdk_matches_the_public_key_id_case_sensitively(direct):
    headers, body = build_wechat_notify(resource(direct), apiv3_key=direct.apiv3_key,
                                        serial=direct.wechatpay_public_key_id.lower())
    with http() as mock, pytest.raises(requests.ConnectionError):
        raw_sdk(direct).callback(headers, body)  # not found, so it goes to download certificates
    assert len(mock.calls) == 1
    with http() as mock:
        event = WeChatPayProvider(direct).parse_notify(headers, body.encode())
    assert event.trade.state == PAID and list(mock.calls) == []


def test_provider_reads_django_request_headers(direct):
    headers, body = build_wechat_notify(resource(direct), apiv3_key=direct.apiv3_key)
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    event = WeChatPayProvider(direct).parse_notify(HttpHeaders(meta), body.encode())
    assert (event.kind, event.trade.out_trade_no, event.trade.amount_fen) == ("payment", "HC20261126A001", 12345)


def test_unknown_event_types_are_verified_then_ignored(direct):
    headers, body = build_wechat_notify({"out_trade_no": "x"}, apiv3_key=direct.apiv3_key,
                                        event_type="TRANSACTION.CLOSED")
    event = WeChatPayProvider(direct).parse_notify(headers, body.encode())
    assert (event.kind, event.trade, event.refund) == ("ignored", None, None)


def _encrypted_body(config: MerchantConfig, plaintext: str) -> str:
    ciphertext = AESGCM(config.apiv3_key.encode()).encrypt(b"0123456789ab", plaintext.encode(), b"transaction")
    return json.dumps({"id": "n1", "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource",
                       "resource": {"algorithm": "AEAD_AES_256_GCM", "nonce": "0123456789ab",
                                    "associated_data": "transaction", "original_type": "transaction",
                                    "ciphertext": base64.b64encode(ciphertext).decode()}})


def _notify(config, **kwargs):
    return build_wechat_notify(resource(config), apiv3_key=config.apiv3_key, **kwargs)


def _with_header(name, value):
    def build(config):
        headers, body = _notify(config)
        return {**headers, name: value}, body
    return build


def _without_header(name):
    def build(config):
        headers, body = _notify(config)
        return {k: v for k, v in headers.items() if k != name}, body
    return build


def _tampered_amount(config):
    headers, _body = _notify(config)
    _other, forged = build_wechat_notify(resource(config, total=1), apiv3_key=config.apiv3_key)
    return headers, forged  # a validly encrypted body with another amount, under the first one's signature


REJECTIONS = [
    ("stale_timestamp", lambda c: _notify(c, timestamp=int(time.time()) - 300)),
    ("stale_timestamp", lambda c: _notify(c, timestamp=int(time.time()) + 302)),
    ("bad_timestamp", _with_header("Wechatpay-Timestamp", "soon")),
    ("unknown_serial", lambda c: _notify(c, serial="PUB_KEY_ID_0114232134912410000000000001")),
    ("unknown_serial", lambda c: _notify(c, serial=FOREIGN_SERIAL)),
    ("unknown_serial", _without_header("Wechatpay-Serial")),
    ("bad_signature_type", _with_header("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3")),
    ("bad_signature_type", _without_header("Wechatpay-Signature-Type")),
    ("bad_signature", lambda c: _notify(c, private_key_pem=other_private_key_pem(),
                                        serial=c.wechatpay_public_key_id)),
    ("bad_signature", _tampered_amount),
    ("bad_signature", _without_header("Wechatpay-Signature")),
    ("bad_signature", _with_header("Wechatpay-Signature", "not base64!")),
    ("undecryptable", lambda c: build_wechat_notify(resource(c), apiv3_key="0" * 32)),
    ("malformed_json", lambda c: signed("not json")),
    ("malformed_json", lambda c: signed("{")),
    ("malformed_resource", lambda c: signed("[1, 2]")),
    ("malformed_resource", lambda c: signed(json.dumps({"id": "n1", "event_type": "TRANSACTION.SUCCESS"}))),
    ("malformed_resource", lambda c: signed(_encrypted_body(c, "not json"))),
    ("malformed_resource", lambda c: signed(_encrypted_body(c, json.dumps({"out_trade_no": "no state"})))),
]


@pytest.mark.parametrize(("reason", "build"), REJECTIONS)
def test_parse_notify_rejects_with_a_reason_and_no_outbound_http(direct, reason, build):
    provider = WeChatPayProvider(direct)
    headers, body = build(direct)
    with http() as mock, pytest.raises(NotifyRejected) as exc:
        provider.parse_notify(headers, body.encode())
    assert exc.value.reason == reason
    assert list(mock.calls) == []


def test_timestamps_inside_the_window_pass(direct):
    provider = WeChatPayProvider(direct)
    for skew in (-290, 290):
        event = provider.parse_notify(*_encode(_notify(direct, timestamp=int(time.time()) + skew)))
        assert event.trade.state == PAID


def test_certificate_mode_notify_with_a_good_serial_passes_and_a_foreign_one_does_not(certificate_mode):
    provider = WeChatPayProvider(certificate_mode)
    serial = certificate_mode.platform_certificates[0]["serial_no"]
    with http() as mock:
        good = provider.parse_notify(*_encode(_notify(certificate_mode, serial=serial.lower())))
        with pytest.raises(NotifyRejected, match="unknown_serial"):  # the public key id is not configured here
            provider.parse_notify(*_encode(_notify(certificate_mode)))
    assert good.trade.state == PAID and list(mock.calls) == []


def _encode(notify: tuple[dict, str]) -> tuple[dict, bytes]:
    return notify[0], notify[1].encode()

"""SMS verification codes with the sandbox provider: hashing, expiry,
attempts, one live code per phone, rate limits and deduplication."""

import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.residents.models import Resident, SmsCode
from apps.residents.sms.sandbox import outbox
from heat_platform.crypto import blind_index

from .conftest import REQUEST_CODE, VERIFY_CODE

PHONE = "13800138000"


def _request(gql, tenant, token, phone=PHONE, ip="10.0.0.1"):
    return gql(tenant.host, REQUEST_CODE, {"p": phone}, token=token, ip=ip)["data"]["requestSmsCode"]


def _verify(gql, tenant, token, code, phone=PHONE):
    return gql(tenant.host, VERIFY_CODE, {"p": phone, "c": code}, token=token)["data"]["verifySmsCode"]


def _codes(phone=PHONE):
    return [m.params["code"] for m in outbox() if m.phone == phone]


def _age_codes(in_schema, tenant, seconds):
    """Pretend the existing codes were requested `seconds` earlier."""
    with in_schema(tenant):
        SmsCode.objects.update(created_at=F("created_at") - timedelta(seconds=seconds),
                               expires_at=F("expires_at") - timedelta(seconds=seconds))


def _phone_no(i: int) -> str:
    return f"1390000{i:04d}"


@pytest.fixture
def resident(alpha, make_resident):
    return make_resident(alpha, "o-sms")


def test_request_then_verify_binds_the_phone(gql, alpha, resident, in_schema):
    res, token = resident
    sent = _request(gql, alpha, token, phone="+86 138-0013-8000")
    assert (sent["errors"], sent["phoneMasked"]) == ([], "138****8000")
    assert 298 <= sent["expiresIn"] <= 300 and 58 <= sent["resendIn"] <= 60
    [message] = outbox()
    assert message.phone == PHONE and re.fullmatch(r"\d{6}", message.params["code"])
    assert message.text == f"【{settings.SMS_SIGN_NAME}】您的验证码为{message.params['code']}，5分钟内有效。"
    payload = _verify(gql, alpha, token, message.params["code"])
    assert payload == {"resident": {"id": str(res.pk), "phoneMasked": "138****8000"}, "errors": []}
    with in_schema(alpha):
        stored = Resident.objects.get(pk=res.pk)
        assert (stored.phone, stored.phone_index) == (PHONE, blind_index(PHONE, purpose="phone"))
        row = SmsCode.objects.get()
        assert row.status == SmsCode.Status.USED and row.used_at and row.sent_at
    # a used code is spent
    assert [e["code"] for e in _verify(gql, alpha, token, message.params["code"])["errors"]] == ["SMS_CODE_INVALID"]


def test_code_is_stored_only_as_a_keyed_hash(gql, alpha, resident, in_schema):
    _res, token = resident
    _request(gql, alpha, token)
    [code] = _codes()
    with in_schema(alpha):
        row = SmsCode.objects.get()
        with connection.cursor() as cur:
            cur.execute("SELECT row_to_json(c)::text FROM residents_smscode c")
            [(raw_row,)] = cur.fetchall()
    assert code not in raw_row and PHONE not in raw_row
    # HMAC-SHA256 under a key derived from BLIND_INDEX_KEY, over "<salt>:<code>"
    key = hmac.new(settings.BLIND_INDEX_KEY.encode(), b"sms-code", hashlib.sha256).digest()
    assert row.code_hash == hmac.new(key, f"{row.salt}:{code}".encode(), hashlib.sha256).hexdigest()
    assert row.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert row.phone_index == blind_index(PHONE, purpose="phone")


def test_code_expires_after_five_minutes(gql, alpha, resident, in_schema):
    res, token = resident
    _request(gql, alpha, token)
    [code] = _codes()
    with in_schema(alpha):
        SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    payload = _verify(gql, alpha, token, code)
    assert payload["errors"] == [{"field": "code", "code": "SMS_CODE_EXPIRED", "message": "验证码已过期，请重新获取。"}]
    with in_schema(alpha):
        assert Resident.objects.get(pk=res.pk).phone == ""
        assert SmsCode.objects.get().status == SmsCode.Status.EXPIRED


def test_five_wrong_attempts_void_the_code(gql, alpha, resident, in_schema):
    res, token = resident
    _request(gql, alpha, token)
    [code] = _codes()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        assert _verify(gql, alpha, token, wrong)["errors"] == [
            {"field": "code", "code": "SMS_CODE_INVALID", "message": f"验证码错误，还可尝试 {left} 次。"}]
    assert [e["code"] for e in _verify(gql, alpha, token, wrong)["errors"]] == ["SMS_CODE_ATTEMPTS_EXCEEDED"]
    # even the right code no longer works
    assert [e["code"] for e in _verify(gql, alpha, token, code)["errors"]] == ["SMS_CODE_ATTEMPTS_EXCEEDED"]
    with in_schema(alpha):
        row = SmsCode.objects.get()
        assert (row.status, row.attempts) == (SmsCode.Status.LOCKED, 5)
        assert Resident.objects.get(pk=res.pk).phone == ""


def test_malformed_code_is_not_an_attempt(gql, alpha, resident, in_schema):
    _res, token = resident
    _request(gql, alpha, token)
    assert [e["code"] for e in _verify(gql, alpha, token, "12ab")["errors"]] == ["SMS_CODE_INVALID"]
    with in_schema(alpha):
        assert SmsCode.objects.get().attempts == 0


def test_one_live_code_per_phone(gql, alpha, resident, in_schema, monkeypatch):
    import secrets

    _res, token = resident
    draws = iter([123456, 654321])  # two different codes, so the old one must fail (no `if old != new` guard)
    monkeypatch.setattr(secrets, "randbelow", lambda _n: next(draws))
    _request(gql, alpha, token)
    _age_codes(in_schema, alpha, 61)
    assert _request(gql, alpha, token)["errors"] == []
    old, new = _codes()
    assert (old, new) == ("123456", "654321")
    with in_schema(alpha):
        assert SmsCode.objects.filter(status=SmsCode.Status.LIVE).count() == 1
        assert SmsCode.objects.filter(status=SmsCode.Status.REPLACED).count() == 1
    assert [e["code"] for e in _verify(gql, alpha, token, old)["errors"]] == ["SMS_CODE_INVALID"]
    assert _verify(gql, alpha, token, new)["errors"] == []


def test_code_is_only_good_for_the_resident_who_asked(gql, alpha, resident, make_resident, in_schema):
    _res, token = resident
    other, other_token = make_resident(alpha, "o-other")
    _request(gql, alpha, token)
    [code] = _codes()
    assert [e["code"] for e in _verify(gql, alpha, other_token, code)["errors"]] == ["SMS_CODE_INVALID"]
    with in_schema(alpha):
        assert Resident.objects.get(pk=other.pk).phone == ""


def test_repeated_request_is_deduplicated(gql, alpha, resident, in_schema):
    """A double tap or a client retry must not text a second (paid, non-idempotent) message."""
    _res, token = resident
    first = _request(gql, alpha, token)
    second = _request(gql, alpha, token)
    assert first["errors"] == [] and second["errors"] == []
    assert second["resendIn"] <= first["resendIn"]
    assert len(outbox()) == 1
    with in_schema(alpha):
        assert SmsCode.objects.count() == 1


def test_phone_cooldown_applies_to_everyone_else(gql, alpha, resident, make_resident):
    _res, token = resident
    _other, other_token = make_resident(alpha, "o-other")
    _request(gql, alpha, token)
    payload = _request(gql, alpha, other_token, ip="10.0.0.2")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("phone", "SMS_RATE_LIMITED")]
    assert re.fullmatch(r"验证码发送过于频繁，请 \d+ 秒后再试。", payload["errors"][0]["message"])
    assert len(outbox()) == 1


def test_at_most_five_codes_per_phone_per_hour(gql, alpha, resident, in_schema):
    _res, token = resident
    for _ in range(5):
        assert _request(gql, alpha, token)["errors"] == []
        _age_codes(in_schema, alpha, 61)
    payload = _request(gql, alpha, token)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("phone", "SMS_RATE_LIMITED")]
    assert len(outbox()) == 5
    assert _request(gql, alpha, token, phone="13900139000")["errors"] == []  # other phones are unaffected
    _age_codes(in_schema, alpha, 3600)  # an hour later the phone may receive codes again
    assert _request(gql, alpha, token)["errors"] == []


def test_at_most_twenty_codes_per_ip_per_hour(gql, alpha, make_resident):
    tokens = [make_resident(alpha, f"o-ip-{k}")[1] for k in range(3)]  # below the per-resident limit
    for i in range(20):
        assert _request(gql, alpha, tokens[i % 3], phone=_phone_no(i), ip="10.7.7.7")["errors"] == []
    token = tokens[2]
    payload = _request(gql, alpha, token, phone=_phone_no(20), ip="10.7.7.7")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(None, "SMS_RATE_LIMITED")]
    assert len(outbox()) == 20
    assert _request(gql, alpha, token, phone=_phone_no(20), ip="10.7.7.8")["errors"] == []


def test_invalid_phone_is_refused_before_anything_is_sent(gql, alpha, resident, in_schema):
    _res, token = resident
    for phone in ("12345", "23800138000", "010-12345678", ""):
        assert [e["code"] for e in _request(gql, alpha, token, phone=phone)["errors"]] == ["INVALID_PHONE"]
    assert outbox() == []
    with in_schema(alpha):
        assert not SmsCode.objects.exists()


def test_sms_mutations_need_a_resident(gql, alpha, make_staff):
    assert gql(alpha.host, REQUEST_CODE, {"p": PHONE})["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff = make_staff(alpha, "collector")
    result = gql(alpha.host, VERIFY_CODE, {"p": PHONE, "c": "123456"}, token=staff)
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert outbox() == []


def test_at_most_ten_codes_per_resident_per_hour_from_any_ip(gql, alpha, resident):
    _res, token = resident
    for i in range(10):
        assert _request(gql, alpha, token, phone=_phone_no(100 + i), ip=f"10.8.0.{i}")["errors"] == []
    payload = _request(gql, alpha, token, phone=_phone_no(120), ip="10.8.1.1")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(None, "SMS_RATE_LIMITED")]
    assert len(outbox()) == 10

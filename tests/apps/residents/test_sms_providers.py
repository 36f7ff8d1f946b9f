"""Aliyun and Tencent SMS clients against fakes of their HTTP APIs. The tests
recompute each request's signature from the providers' documented algorithms
(written out here independently of the client code)."""

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
import requests

from apps.residents.models import Resident, SmsCode
from apps.residents.sms.aliyun import rpc_signature
from apps.residents.sms.tencent import tc3_authorization

from .conftest import (
    ALIYUN_KEY_ID,
    ALIYUN_OK,
    ALIYUN_SECRET,
    ALIYUN_URL,
    REQUEST_CODE,
    TENCENT_SECRET_ID,
    TENCENT_SECRET_KEY,
    TENCENT_URL,
    VERIFY_CODE,
)

PHONE = "13800138000"


# --- the documented algorithms, independently ---------------------------------------------------

def pe(text: str) -> str:
    """Aliyun percent-encoding: UTF-8, only A-Z a-z 0-9 - _ . ~ stay literal, %XX upper-case."""
    unreserved = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    return "".join(chr(b) if b in unreserved else f"%{b:02X}" for b in text.encode())


def aliyun_signature(params: dict, secret: str, method: str) -> str:
    canonical = "&".join(f"{pe(k)}={pe(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{pe('/')}&{pe(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


def tc3_signature(secret_key: str, timestamp: int, canonical_headers: str, signed_headers: str, body: bytes,
                  service: str = "sms") -> str:
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    canonical_request = f"POST\n/\n\n{canonical_headers}\n{signed_headers}\n{hashlib.sha256(body).hexdigest()}"
    string_to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n"
                      f"{hashlib.sha256(canonical_request.encode()).hexdigest()}")

    def h(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing_key = h(h(h(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()


# Published worked examples (Aliyun RPC signature doc; Tencent API 3.0 signature v3 doc).
ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
    "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
}
TENCENT_DOC_BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_signers_reproduce_the_published_examples():
    assert aliyun_signature(ALIYUN_DOC_PARAMS, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert rpc_signature(ALIYUN_DOC_PARAMS, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    expected = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    assert tc3_signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", 1551113065,
                         "content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n",
                         "content-type;host", TENCENT_DOC_BODY, service="cvm") == expected
    assert tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm", timestamp=1551113065, payload=TENCENT_DOC_BODY,
        headers={"content-type": "application/json; charset=utf-8", "host": "cvm.tencentcloudapi.com"},
    ) == ("TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
          f"SignedHeaders=content-type;host, Signature={expected}")


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def aliyun(settings, http):
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_SIGN_NAME = "暖云热力"
    settings.SMS_TEMPLATE_VERIFY_CODE = "SMS_154950909"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ALIYUN_KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ALIYUN_SECRET
    return http


@pytest.fixture
def tencent(settings, http):
    settings.SMS_PROVIDER = "tencent"
    settings.SMS_SIGN_NAME = "暖云热力"
    settings.SMS_TEMPLATE_VERIFY_CODE = "1110001"
    settings.TENCENT_SMS_SECRET_ID = TENCENT_SECRET_ID
    settings.TENCENT_SMS_SECRET_KEY = TENCENT_SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID = "1400006666"
    return http


@pytest.fixture
def resident(alpha, make_resident):
    return make_resident(alpha, "o-sms-provider")


def _request(gql, tenant, token, phone=PHONE):
    return gql(tenant.host, REQUEST_CODE, {"p": phone}, token=token)["data"]["requestSmsCode"]


def _verify(gql, tenant, token, code):
    return gql(tenant.host, VERIFY_CODE, {"p": PHONE, "c": code}, token=token)["data"]["verifySmsCode"]


def _aliyun_error(code, message):
    return {"Message": message, "RequestId": "2184201F-BFB3-446B-B1F2-C746B7BF0657", "Code": code}


TENCENT_OK = {"Response": {"SendStatusSet": [{
    "SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": f"+86{PHONE}", "Fee": 1, "SessionContext": "",
    "Code": "Ok", "Message": "send success", "IsoCode": "CN"}], "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}


def _tencent_status_error(code, message):
    return {"Response": {"SendStatusSet": [{
        "SerialNo": "", "PhoneNumber": f"+86{PHONE}", "Fee": 0, "SessionContext": "", "Code": code,
        "Message": message, "IsoCode": "CN"}], "RequestId": "b1bbceb7-d0a2-4f4e-b92f-0209225b3380"}}


# --- Aliyun --------------------------------------------------------------------------------------

def test_aliyun_request_is_signed_and_the_code_verifies(gql, alpha, resident, aliyun, in_schema):
    res, token = resident
    aliyun.post(ALIYUN_URL, json=ALIYUN_OK)
    assert _request(gql, alpha, token)["errors"] == []
    [call] = aliyun.calls
    assert call.request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    params = dict(parse_qsl(call.request.body.decode(), keep_blank_values=True))
    signature = params.pop("Signature")
    assert signature == aliyun_signature(params, ALIYUN_SECRET, "POST")
    template_param = json.loads(params.pop("TemplateParam"))
    assert set(params) == {"Action", "Version", "AccessKeyId", "SignatureMethod", "SignatureVersion",
                           "SignatureNonce", "Timestamp", "Format", "PhoneNumbers", "SignName", "TemplateCode"}
    assert {k: params[k] for k in ("Action", "Version", "AccessKeyId", "SignatureMethod", "SignatureVersion",
                                   "Format", "PhoneNumbers", "SignName", "TemplateCode")} == {
        "Action": "SendSms", "Version": "2017-05-25", "AccessKeyId": ALIYUN_KEY_ID, "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0", "Format": "JSON", "PhoneNumbers": PHONE, "SignName": "暖云热力",
        "TemplateCode": "SMS_154950909"}
    sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 60
    assert re.fullmatch(r"\d{6}", template_param["code"]) and set(template_param) == {"code"}
    assert _verify(gql, alpha, token, template_param["code"])["resident"]["phoneMasked"] == "138****8000"
    with in_schema(alpha):
        assert SmsCode.objects.get().provider_message_id == "900619746936498440^0"
        assert Resident.objects.get(pk=res.pk).phone == PHONE


def test_aliyun_nonce_differs_between_requests(gql, alpha, resident, aliyun, in_schema):
    _res, token = resident
    aliyun.post(ALIYUN_URL, json=ALIYUN_OK)
    _request(gql, alpha, token, phone="13800000001")
    _request(gql, alpha, token, phone="13800000002")
    nonces = {dict(parse_qsl(c.request.body.decode()))["SignatureNonce"] for c in aliyun.calls}
    assert len(nonces) == 2


@pytest.mark.parametrize(("code", "message", "error"), [
    ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", "SMS_RATE_LIMITED"),
    ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", "INVALID_PHONE"),
    ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足", "SMS_SEND_FAILED"),
    ("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", "SMS_SEND_FAILED"),
])
def test_aliyun_refusals_are_typed_and_void_the_code(gql, alpha, resident, aliyun, in_schema, code, message, error):
    _res, token = resident
    aliyun.post(ALIYUN_URL, json=_aliyun_error(code, message), status=400 if code == "SignatureDoesNotMatch" else 200)
    assert [e["code"] for e in _request(gql, alpha, token)["errors"]] == [error]
    with in_schema(alpha):
        assert SmsCode.objects.get().status == SmsCode.Status.FAILED
    # certainly not sent, so the resident may ask again at once (no cooldown), and it goes out
    aliyun.replace("POST", ALIYUN_URL, json=ALIYUN_OK)
    assert _request(gql, alpha, token)["errors"] == []
    assert len(aliyun.calls) == 2


def test_aliyun_timeout_is_never_retried_or_resent_at_once(gql, alpha, resident, aliyun, in_schema):
    """A read timeout may have delivered the text: the code stays usable and a quick
    retry is deduplicated instead of paying for (and confusing with) a second message."""
    _res, token = resident
    aliyun.post(ALIYUN_URL, body=requests.ReadTimeout("read timed out"))
    payload = _request(gql, alpha, token)
    assert [e["code"] for e in payload["errors"]] == ["SMS_SEND_FAILED"]
    assert _request(gql, alpha, token)["errors"] == []
    assert len(aliyun.calls) == 1
    with in_schema(alpha):
        assert SmsCode.objects.get().status == SmsCode.Status.LIVE


def test_aliyun_without_credentials_refuses_to_send(gql, alpha, resident, aliyun, settings, in_schema):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ""
    _res, token = resident
    result = gql(alpha.host, REQUEST_CODE, {"p": PHONE}, token=token)
    assert result["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert len(aliyun.calls) == 0
    with in_schema(alpha):
        assert not SmsCode.objects.exists()


# --- Tencent -------------------------------------------------------------------------------------

def test_tencent_request_is_signed_and_the_code_verifies(gql, alpha, resident, tencent, in_schema):
    res, token = resident
    tencent.post(TENCENT_URL, json=TENCENT_OK)
    assert _request(gql, alpha, token)["errors"] == []
    [call] = tencent.calls
    headers, body = call.request.headers, call.request.body
    assert {k: headers[k] for k in ("Content-Type", "Host", "X-TC-Action", "X-TC-Version", "X-TC-Region")} == {
        "Content-Type": "application/json; charset=utf-8", "Host": "sms.tencentcloudapi.com",
        "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Region": "ap-guangzhou"}
    timestamp = int(headers["X-TC-Timestamp"])
    assert abs(time.time() - timestamp) < 60
    auth = re.fullmatch(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/sms/tc3_request, "
                        r"SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})", headers["Authorization"])
    assert auth is not None
    secret_id, date, signed_headers, signature = auth.groups()
    assert secret_id == TENCENT_SECRET_ID and date == time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    assert signed_headers == "content-type;host;x-tc-action"
    canonical_headers = ("content-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n"
                         "x-tc-action:sendsms\n")
    assert signature == tc3_signature(TENCENT_SECRET_KEY, timestamp, canonical_headers, signed_headers, body)
    payload = json.loads(body)
    [code] = payload.pop("TemplateParamSet")
    assert payload == {"PhoneNumberSet": [f"+86{PHONE}"], "SmsSdkAppId": "1400006666", "SignName": "暖云热力",
                       "TemplateId": "1110001"}
    assert _verify(gql, alpha, token, code)["resident"]["phoneMasked"] == "138****8000"
    with in_schema(alpha):
        assert SmsCode.objects.get().provider_message_id == "5000:1045710669157053657849499619"
        assert Resident.objects.get(pk=res.pk).phone == PHONE


@pytest.mark.parametrize(("reply", "error"), [
    (_tencent_status_error("LimitExceeded.PhoneNumberOneHourLimit", "the number of sms messages sent from a "
                                                                      "single mobile number within 1 hour exceeds "
                                                                      "the upper limit"), "SMS_RATE_LIMITED"),
    (_tencent_status_error("InvalidParameterValue.IncorrectPhoneNumber", "incorrect number format"),
     "INVALID_PHONE"),
    (_tencent_status_error("FailedOperation.InsufficientBalanceInSmsPackage", "insufficient balance"),
     "SMS_SEND_FAILED"),
    ({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                             "Message": "The provided credentials could not be validated."},
                   "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}}, "SMS_SEND_FAILED"),
])
def test_tencent_refusals_are_typed_and_void_the_code(gql, alpha, resident, tencent, in_schema, reply, error):
    _res, token = resident
    tencent.post(TENCENT_URL, json=reply)
    assert [e["code"] for e in _request(gql, alpha, token)["errors"]] == [error]
    with in_schema(alpha):
        assert SmsCode.objects.get().status == SmsCode.Status.FAILED


def test_tencent_internal_error_keeps_the_code_live(gql, alpha, resident, tencent, in_schema):
    _res, token = resident
    tencent.post(TENCENT_URL, json={"Response": {"Error": {"Code": "InternalError.Timeout", "Message": "timeout"},
                                                 "RequestId": "c2cc0fc8-e1b3-4a5f-a031-1a2b3c4d5e6f"}})
    assert [e["code"] for e in _request(gql, alpha, token)["errors"]] == ["SMS_SEND_FAILED"]
    with in_schema(alpha):
        assert SmsCode.objects.get().status == SmsCode.Status.LIVE

"""Alibaba Cloud SMS: `SendSms` (dysmsapi 2017-05-25), RPC style.

Request: form-encoded POST to https://dysmsapi.aliyuncs.com/ with the common
parameters (Action, Version, AccessKeyId, SignatureMethod=HMAC-SHA1,
SignatureVersion=1.0, SignatureNonce, Timestamp, Format=JSON) and PhoneNumbers,
SignName, TemplateCode, TemplateParam (JSON), plus Signature:

    canonical     = "&".join(pe(k) + "=" + pe(v) for k, v in sorted(params))
    string_to_sign = "POST&%2F&" + pe(canonical)
    Signature     = base64(HMAC-SHA1(AccessKeySecret + "&", string_to_sign))

`pe` is RFC 3986 percent-encoding of UTF-8 (only A–Z a–z 0–9 - _ . ~ literal).
Answer: `{"Code": "OK", "BizId", "RequestId", "Message"}`; anything but OK is a
failure (e.g. `isv.BUSINESS_LIMIT_CONTROL`, `isv.MOBILE_NUMBER_ILLEGAL`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings

from ..errors import ResidentErrorCode
from . import SmsMessage, SmsReceipt, SmsSendError, not_understood, post_json, require_settings, scrub

logger = logging.getLogger(__name__)

API_VERSION = "2017-05-25"

CODE_TO_ERROR = {
    "isv.BUSINESS_LIMIT_CONTROL": ResidentErrorCode.SMS_RATE_LIMITED,  # per-phone flow control (1/min, 5/h, 10/day)
    "isv.DAY_LIMIT_CONTROL": ResidentErrorCode.SMS_RATE_LIMITED,
    "isv.MOBILE_NUMBER_ILLEGAL": ResidentErrorCode.INVALID_PHONE,
    "isv.MOBILE_COUNT_OVER_LIMIT": ResidentErrorCode.INVALID_PHONE,
}


def percent_encode(value: str) -> str:
    return quote(str(value), safe="-_.~")


def string_to_sign(params: dict[str, str], method: str) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(params: dict[str, str], access_key_secret: str, *, method: str = "POST") -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsProvider:
    name = "aliyun"

    def __init__(self, *, access_key_id: str, access_key_secret: str, endpoint: str, timeout: float):
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.endpoint = endpoint
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<AliyunSmsProvider {self.access_key_id}>"

    @classmethod
    def from_settings(cls) -> AliyunSmsProvider:
        require_settings("SMS_SIGN_NAME", "SMS_TEMPLATE_VERIFY_CODE", "ALIYUN_SMS_ACCESS_KEY_ID",
                         "ALIYUN_SMS_ACCESS_KEY_SECRET")
        return cls(access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
                   access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                   endpoint=settings.ALIYUN_SMS_ENDPOINT, timeout=settings.SMS_HTTP_TIMEOUT)

    def signed_params(self, message: SmsMessage) -> dict[str, str]:
        params = {
            "Action": "SendSms",
            "Version": API_VERSION,
            "AccessKeyId": self.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Format": "JSON",
            "PhoneNumbers": message.phone,
            "SignName": message.sign_name,
            "TemplateCode": message.template,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
        }
        params["Signature"] = rpc_signature(params, self._secret, method="POST")
        return params

    def send(self, message: SmsMessage) -> SmsReceipt:
        params = self.signed_params(message)
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        status, data = post_json(self.endpoint, body=body.encode(), timeout=self.timeout,
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                          "Accept": "application/json"})
        if not isinstance(data, dict):
            raise not_understood(status)
        code = str(data.get("Code") or "")
        if code == "OK":
            return SmsReceipt(provider=self.name, message_id=str(data.get("BizId") or ""),
                              request_id=str(data.get("RequestId") or ""))
        logger.warning("aliyun SendSms refused code=%s message=%s request_id=%s", code,
                       scrub(data.get("Message")), data.get("RequestId"))
        raise SmsSendError(CODE_TO_ERROR.get(code, ResidentErrorCode.SMS_SEND_FAILED), provider_code=code or "unknown",
                           definite=not code.startswith("isp."))

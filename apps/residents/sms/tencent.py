"""Tencent Cloud SMS: `SendSms`, API 3.0 (version 2021-01-11), TC3-HMAC-SHA256.

Request: POST https://sms.tencentcloudapi.com/ with a JSON body
`{PhoneNumberSet: ["+86…"], SmsSdkAppId, SignName, TemplateId, TemplateParamSet}`
and headers X-TC-Action: SendSms, X-TC-Version, X-TC-Timestamp, X-TC-Region and

    Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/sms/tc3_request,
                   SignedHeaders=content-type;host;x-tc-action, Signature=<hex>

where (date is the UTC date of the timestamp):

    canonical_request = "POST\\n/\\n\\n" + "".join(f"{h}:{v}\\n" for signed headers) + "\\n"
                        + signed_header_names + "\\n" + hex(sha256(body))
    string_to_sign    = "TC3-HMAC-SHA256\\n" + timestamp + "\\n" + scope + "\\n" + hex(sha256(canonical_request))
    k = HMAC(HMAC(HMAC("TC3" + SecretKey, date), "sms"), "tc3_request")
    signature         = hex(HMAC-SHA256(k, string_to_sign))

Answer: `{"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo", …}], "RequestId"}}`,
or `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings

from ..errors import ResidentErrorCode
from . import SmsMessage, SmsReceipt, SmsSendError, not_understood, post_json, require_settings, scrub

logger = logging.getLogger(__name__)

SERVICE = "sms"
ACTION = "SendSms"
API_VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"


def error_for(code: str) -> ResidentErrorCode:
    if code.startswith("LimitExceeded."):  # PhoneNumberThirtySecondLimit, …OneHourLimit, …DailyLimit
        return ResidentErrorCode.SMS_RATE_LIMITED
    if code in ("InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist",
                "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"):
        return ResidentErrorCode.INVALID_PHONE
    return ResidentErrorCode.SMS_SEND_FAILED


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_authorization(*, secret_id: str, secret_key: str, service: str, timestamp: int,
                      headers: dict[str, str], payload: bytes, method: str = "POST",
                      canonical_uri: str = "/", canonical_query: str = "") -> str:
    """The Authorization header for `headers` (the signed ones: name → value)."""
    signed = sorted((name.strip().lower(), value.strip().lower()) for name, value in headers.items())
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in signed)
    signed_names = ";".join(name for name, _ in signed)
    canonical_request = "\n".join([method, canonical_uri, canonical_query, canonical_headers, signed_names,
                                   hashlib.sha256(payload).hexdigest()])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_names}, Signature={signature}"


class TencentSmsProvider:
    name = "tencent"

    def __init__(self, *, secret_id: str, secret_key: str, sdk_app_id: str, region: str, endpoint: str,
                 timeout: float):
        self.secret_id = secret_id
        self._secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.region = region
        self.endpoint = endpoint
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<TencentSmsProvider {self.secret_id}>"

    @classmethod
    def from_settings(cls) -> TencentSmsProvider:
        require_settings("SMS_SIGN_NAME", "SMS_TEMPLATE_VERIFY_CODE", "TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY",
                         "TENCENT_SMS_SDK_APP_ID")
        return cls(secret_id=settings.TENCENT_SMS_SECRET_ID, secret_key=settings.TENCENT_SMS_SECRET_KEY,
                   sdk_app_id=settings.TENCENT_SMS_SDK_APP_ID, region=settings.TENCENT_SMS_REGION,
                   endpoint=settings.TENCENT_SMS_ENDPOINT, timeout=settings.SMS_HTTP_TIMEOUT)

    def signed_request(self, message: SmsMessage, *, timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
        payload = {
            "PhoneNumberSet": [f"+86{message.phone}"],
            "SmsSdkAppId": self.sdk_app_id,
            "SignName": message.sign_name,
            "TemplateId": message.template,
            "TemplateParamSet": list(message.params.values()),
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        host = urlsplit(self.endpoint).netloc
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": ACTION,
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        headers["Authorization"] = tc3_authorization(
            secret_id=self.secret_id, secret_key=self._secret_key, service=SERVICE, timestamp=timestamp,
            headers={"content-type": CONTENT_TYPE, "host": host, "x-tc-action": ACTION}, payload=body,
        )
        return headers, body

    def send(self, message: SmsMessage) -> SmsReceipt:
        headers, body = self.signed_request(message)
        status, data = post_json(self.endpoint, body=body, headers=headers, timeout=self.timeout)
        response = data.get("Response") if isinstance(data, dict) else None
        if not isinstance(response, dict):
            raise not_understood(status)
        request_id = str(response.get("RequestId") or "")
        error = response.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code") or "unknown")
            logger.warning("tencent SendSms error code=%s message=%s request_id=%s", code,
                           scrub(error.get("Message")), request_id)
            raise SmsSendError(error_for(code), provider_code=code,
                               definite=not code.startswith("InternalError"))
        statuses = response.get("SendStatusSet") or []
        status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
        code = str(status.get("Code") or "unknown")
        if code == "Ok":
            return SmsReceipt(provider=self.name, message_id=str(status.get("SerialNo") or ""), request_id=request_id)
        logger.warning("tencent SendSms refused code=%s message=%s request_id=%s", code,
                       scrub(status.get("Message")), request_id)
        raise SmsSendError(error_for(code), provider_code=code)

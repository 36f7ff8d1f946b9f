"""Text messages behind one small interface.

Providers (`settings.SMS_PROVIDER`):

- `sandbox`: for dev and tests: keeps an in-process outbox and logs each
  message with the phone masked (apps/residents/sms/sandbox.py).
- `aliyun`: Alibaba Cloud `SendSms`, RPC API with signature v1 (sms/aliyun.py).
- `tencent`: Tencent Cloud `SendSms` 2021-01-11, TC3-HMAC-SHA256 (sms/tencent.py).

Neither real provider is idempotent: a retried request is a second message.
So providers never retry, and `SmsSendError.definite` tells the caller whether
the message certainly did not go out (the caller deduplicates on its side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..errors import ResidentErrorCode

PROVIDERS = {
    "sandbox": "apps.residents.sms.sandbox.SandboxSmsProvider",
    "aliyun": "apps.residents.sms.aliyun.AliyunSmsProvider",
    "tencent": "apps.residents.sms.tencent.TencentSmsProvider",
}


@dataclass(frozen=True)
class SmsMessage:
    phone: str  # normalized mainland mobile, 11 digits
    sign_name: str  # approved signature, shown as 【…】
    template: str  # provider's template code (Aliyun "SMS_…") or id (Tencent, digits)
    params: dict[str, str]  # Aliyun: named variables; Tencent: the values, in this order


@dataclass(frozen=True)
class SmsReceipt:
    provider: str
    message_id: str  # Aliyun BizId / Tencent SerialNo
    request_id: str


class SmsSendError(Exception):
    """`code`: what the user is told; `provider_code`: the provider's own code, for
    logs; `definite`: True when the message certainly was not sent."""

    def __init__(self, code: ResidentErrorCode, *, provider_code: str, definite: bool = True):
        super().__init__(f"{code} ({provider_code})")
        self.code = code
        self.provider_code = provider_code
        self.definite = definite


class SmsProvider(Protocol):
    name: str

    def send(self, message: SmsMessage) -> SmsReceipt:
        """Send one message; raises SmsSendError."""


def scrub(text: object, *, limit: int = 200) -> str:
    """A provider's free-text message, safe to log: long digit runs (phone numbers) masked."""
    return re.sub(r"\d{7,}", "***", str(text or ""))[:limit]


def post_json(endpoint: str, *, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, object]:
    """POST a signed request to an SMS vendor: (HTTP status, parsed JSON or None). A request
    that may have reached the vendor is a non-definite failure: SendSms is not idempotent,
    so it is never retried."""
    import requests

    try:
        resp = requests.post(endpoint, data=body, headers=headers, timeout=timeout)
    except requests.ConnectTimeout:
        raise SmsSendError(ResidentErrorCode.SMS_SEND_FAILED, provider_code="connect-timeout") from None
    except requests.RequestException as exc:
        raise SmsSendError(ResidentErrorCode.SMS_SEND_FAILED, provider_code=type(exc).__name__,
                           definite=False) from None
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, None


def not_understood(status: int) -> SmsSendError:
    """An answer that is not the vendor's JSON: definite unless the server failed."""
    return SmsSendError(ResidentErrorCode.SMS_SEND_FAILED, provider_code=f"http-{status}", definite=status < 500)


def require_settings(*names: str) -> None:
    missing = [n for n in names if not str(getattr(settings, n, "") or "").strip()]
    if missing:
        raise ImproperlyConfigured(f"SMS_PROVIDER={settings.SMS_PROVIDER!r} needs the setting(s) {', '.join(missing)}")


def get_sms_provider() -> SmsProvider:
    name = settings.SMS_PROVIDER
    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"SMS_PROVIDER={name!r}: choose one of {', '.join(PROVIDERS)}")
    return import_string(PROVIDERS[name]).from_settings()

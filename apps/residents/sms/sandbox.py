"""SMS for dev and tests: nothing leaves the machine.

Each message is kept in an in-process outbox (tests read it with `outbox()`)
and logged, phone masked, so a developer running `make run` reads the code in
the console:  `sandbox SMS to 138****8000: 【暖云】您的验证码为123456，5分钟内有效。`

Where the messaging sandbox is installed (dev, tests), each message is also
recorded in its table (shown at /sandbox/messages/) and the vendor's
notification cap applies: a 51st message of one signature + template to one
phone in a day is refused (isv.BUSINESS_LIMIT_CONTROL, definitely not sent).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from heat_platform.pii import mask_phone

from ..errors import ResidentErrorCode
from . import SmsMessage, SmsReceipt, SmsSendError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentSms:
    phone: str
    sign_name: str
    template: str
    params: dict[str, str]
    text: str
    message_id: str
    sent_at: datetime


_lock = threading.Lock()
_outbox: deque[SentSms] = deque(maxlen=200)


def outbox() -> list[SentSms]:
    """Messages "sent" by this process, oldest first (at most the last 200)."""
    with _lock:
        return list(_outbox)


def outbox_clear() -> None:
    with _lock:
        _outbox.clear()


def render(message: SmsMessage) -> str:
    if "code" in message.params:
        minutes = max(1, settings.SMS_CODE["TTL_SECONDS"] // 60)
        body = f"您的验证码为{message.params['code']}，{minutes}分钟内有效。"
    else:
        body = "，".join(f"{k}={v}" for k, v in message.params.items())
    return f"【{message.sign_name}】{body}"


class SandboxSmsProvider:
    name = "sandbox"

    @classmethod
    def from_settings(cls) -> SandboxSmsProvider:
        return cls()

    def send(self, message: SmsMessage) -> SmsReceipt:
        sent = SentSms(phone=message.phone, sign_name=message.sign_name, template=message.template,
                       params=dict(message.params), text=render(message), message_id=uuid.uuid4().hex,
                       sent_at=timezone.now())
        if apps.is_installed("apps.messaging.sandbox"):
            from apps.messaging.sandbox.sms import record_sms  # only where the sandbox app exists

            if not record_sms(phone=sent.phone, sign_name=sent.sign_name, template=sent.template,
                              params=sent.params, text=sent.text, message_id=sent.message_id):
                logger.info("sandbox SMS to %s refused: daily cap of %s", mask_phone(message.phone), sent.template)
                raise SmsSendError(ResidentErrorCode.SMS_RATE_LIMITED, provider_code="isv.BUSINESS_LIMIT_CONTROL",
                                   definite=True)
        with _lock:
            _outbox.append(sent)
        logger.info("sandbox SMS to %s: %s", mask_phone(message.phone), sent.text)
        return SmsReceipt(provider=self.name, message_id=sent.message_id, request_id=sent.message_id)

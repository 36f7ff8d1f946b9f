"""The SMS sandbox's record (SandboxSms) and the vendor's notification cap: Aliyun/Tencent refuse a 51st
message of one signature + template to one phone within a day (isv.BUSINESS_LIMIT_CONTROL). Called by
apps/residents/sms/sandbox.py only where this app is installed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from heat_platform.pii import mask_phone, scrub_text

from .models import SandboxSms

DAILY_CAP = 50  # per sign + template + phone and (vendor's) day, Beijing time


def phone_hash(phone: str) -> str:
    key = hashlib.sha256(f"sms-sandbox|{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, phone.strip().encode(), hashlib.sha256).hexdigest()


def _day_start() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def record_sms(*, phone: str, sign_name: str, template: str, params: dict[str, str], text: str,
               message_id: str) -> bool:
    """Record one message; False (nothing recorded) when the vendor's daily cap for it is reached."""
    digest, sign_name, template = phone_hash(phone), sign_name[:20], template[:32]
    with transaction.atomic():
        # One sender at a time per phone+sign+template, so two concurrent sends cannot both take the 50th slot.
        lock = int.from_bytes(hashlib.sha256(f"{digest}|{sign_name}|{template}".encode()).digest()[:8], "big",
                              signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock])
        sent = SandboxSms.objects.filter(phone_hash=digest, sign_name=sign_name, template=template,
                                         created_at__gte=_day_start()).count()
        if sent >= DAILY_CAP:
            return False
        SandboxSms.objects.create(phone_masked=mask_phone(phone), phone_hash=digest, sign_name=sign_name,
                                  template=template, params={k: scrub_text(str(v)) for k, v in params.items()},
                                  text=scrub_text(text)[:500],
                                  message_id=message_id[:32])
    return True

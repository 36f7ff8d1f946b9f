"""Messaging settings and the services around the outbox (apps/messaging/settings_services.py, outbox.py): settings
checked as a whole and audited, the SMS opt-in with its proof, staff retries that never resend a pushed or
uncertain message, and quiet hours that follow the settings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.messaging import outbox
from apps.messaging.models import Message, MessageKind, MessagingSettings, SmsConsent
from apps.messaging.settings_services import messaging_settings_update, sms_opt_in_set
from apps.residents.phones import phone_index
from tests.factories.accounts import staff
from tests.factories.residents import ResidentFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
S = Message.Status
VARS = {"house": "h", "account_no": "a", "season": "2026-2027", "amount": "1.00", "due_date": "2026-12-31"}


@pytest.fixture(autouse=True)
def _alpha(alpha):
    with schema_context(alpha.schema):
        yield


def _code(exc) -> tuple[str, str]:
    field, errors = next(iter(exc.value.error_dict.items()))
    return field, errors[0].code


@pytest.mark.parametrize("values,field", [
    ({"quiet_start": "25:00"}, "quiet_start"),
    ({"quiet_end": "noon"}, "quiet_end"),
    ({"quiet_start": "08:00+08:00"}, "quiet_start"),
    ({"quiet_start": "08:00:59.9"}, "quiet_start"),
    ({"quiet_end": "T0800"}, "quiet_end"),
    ({"quiet_end": "8:00"}, "quiet_end"),
    ({"quiet_end": "２１:００"}, "quiet_end"),
    ({"resident_daily_cap": 0}, "resident_daily_cap"),
    ({"resident_daily_cap": True}, "resident_daily_cap"),
    ({"phone_daily_cap": 41}, "phone_daily_cap"),
    ({"sms_sign_name": "暖"}, "sms_sign_name"),
    ({"sms_sign_name": "暖云<script>"}, "sms_sign_name"),
    ({"miniprogram_state": "beta"}, "miniprogram_state"),
    ({"updated_at": "x"}, "updated_at"),
])
def test_bad_settings_change_nothing(values, field):
    with pytest.raises(ValidationError) as exc:
        messaging_settings_update(actor=staff("s-admin", "tenant_admin"), values={"resident_daily_cap": 3, **values})
    assert _code(exc)[0] == field
    settings = MessagingSettings.objects.get(pk=1) if MessagingSettings.objects.exists() else MessagingSettings()
    assert settings.resident_daily_cap == 5
    assert not AuditLog.objects.filter(action="messaging.settings_update").exists()


def test_settings_are_saved_audited_and_quiet_hours_follow_them():
    admin = staff("s-admin", "tenant_admin")
    saved = messaging_settings_update(actor=admin, values={"quiet_start": "22:00", "quiet_end": "07:30",
                                                           "sms_sign_name": "【暖云供热】"}, ip="10.0.0.2")
    assert (saved.quiet_start, saved.quiet_end, saved.sms_sign_name) == (dt.time(22), dt.time(7, 30), "暖云供热")
    log = AuditLog.objects.get(action="messaging.settings_update")
    assert log.actor_id == admin.pk and set(log.detail["changes"]) == {"quiet_start", "quiet_end", "sms_sign_name"}
    r = ResidentFactory()
    at_2130 = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key="a", variables=VARS,
                             now=dt.datetime(2026, 12, 7, 21, 30, tzinfo=TZ))
    at_2230 = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key="b", variables=VARS,
                             now=dt.datetime(2026, 12, 7, 22, 30, tzinfo=TZ))
    assert at_2130.not_before == dt.datetime(2026, 12, 7, 21, 30, tzinfo=TZ)
    assert at_2230.not_before == dt.datetime(2026, 12, 8, 7, 30, tzinfo=TZ)
    # equal start and end: no quiet hours at all
    messaging_settings_update(actor=admin, values={"quiet_start": "07:30"})
    night = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key="c", variables=VARS,
                           now=dt.datetime(2026, 12, 7, 23, 0, tzinfo=TZ))
    assert night.not_before == dt.datetime(2026, 12, 7, 23, 0, tzinfo=TZ)


def test_sms_opt_in_needs_a_phone_and_opt_out_is_always_possible():
    r = ResidentFactory()
    with pytest.raises(ValidationError) as exc:
        sms_opt_in_set(resident=r, opt_in=True, ip="10.0.0.3", now=DAY)
    assert _code(exc) == ("opt_in", "NO_PHONE")
    assert not SmsConsent.objects.exists()
    sms_opt_in_set(resident=r, opt_in=False, now=DAY)
    assert SmsConsent.objects.get(resident=r).opted_in is False
    r.phone, r.phone_index = "13800138000", phone_index("13800138000")
    r.save(update_fields=["phone", "phone_index"])
    consent = sms_opt_in_set(resident=r, opt_in=True, ip="10.0.0.3", now=DAY)
    assert (consent.opted_in, consent.opted_in_at, consent.ip) == (True, DAY, "10.0.0.3")
    assert AuditLog.objects.filter(action="messaging.sms_opt_in", actor_id=r.pk).count() == 1
    sms_opt_in_set(resident=r, opt_in=True, ip="10.0.0.4", now=DAY + dt.timedelta(hours=1))  # no change: no row
    assert AuditLog.objects.filter(action="messaging.sms_opt_in").count() == 1


@pytest.mark.parametrize("status,channel,allowed", [
    (S.FAILED, "", True), (S.SENT, "in_app", True), (S.SENT, "sms", False), (S.SENT, "wechat", False),
    (S.UNCERTAIN, "sms", False), (S.PENDING, "", False), (S.SENDING, "", False),
])
def test_retry_never_resends_a_pushed_or_uncertain_message(status, channel, allowed,
                                                           django_capture_on_commit_callbacks):
    admin = staff("s-admin", "tenant_admin")
    message = outbox.enqueue(resident_id=ResidentFactory().pk, kind=MessageKind.PAYMENT_DUE, key="r", variables=VARS,
                             now=DAY)
    Message.objects.filter(pk=message.pk).update(status=status, channel=channel, attempts=3, note="x")
    with django_capture_on_commit_callbacks() as callbacks:
        if allowed:
            retried = outbox.retry_message(actor=admin, message_id=message.pk, now=DAY)
            assert (retried.status, retried.attempts, retried.channel, retried.note) == (S.PENDING, 0, "", "")
            assert AuditLog.objects.filter(action="messaging.message_retry").count() == 1
        else:
            with pytest.raises(ValidationError) as exc:
                outbox.retry_message(actor=admin, message_id=message.pk, now=DAY)
            assert _code(exc) == ("id", "NOT_ALLOWED_IN_STATE")
            assert Message.objects.get(pk=message.pk).status == status
    assert len(callbacks) == (1 if allowed else 0)


def test_retry_of_a_missing_message_is_not_found():
    with pytest.raises(ValidationError) as exc:
        outbox.retry_message(actor=None, message_id=999999)
    assert _code(exc) == ("id", "NOT_FOUND")


def test_new_quiet_hours_apply_to_the_messages_the_old_ones_hold():
    from apps.messaging.settings_services import reschedule_quiet_holds

    r = ResidentFactory()
    evening = dt.datetime(2026, 12, 7, 22, 0, tzinfo=TZ)
    held = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key="held", variables=VARS, now=evening)
    retry = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key="retry", variables=VARS, now=evening)
    assert held.not_before == dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ)
    Message.objects.filter(pk=retry.pk).update(attempts=1, not_before=dt.datetime(2026, 12, 8, 8, 5, tzinfo=TZ))
    settings = MessagingSettings.get()
    at_0630 = dt.datetime(2026, 12, 8, 6, 30, tzinfo=TZ)

    settings.quiet_end = dt.time(6, 0)  # the window is over at 06:30: due at once
    assert reschedule_quiet_holds(settings, now=at_0630) == 1
    held.refresh_from_db()
    assert held.not_before == at_0630
    assert Message.objects.get(pk=retry.pk).not_before == dt.datetime(2026, 12, 8, 8, 5, tzinfo=TZ)  # its backoff

    Message.objects.filter(pk=held.pk).update(not_before=dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ))
    settings.quiet_end = dt.time(9, 0)  # a longer window: held to its new end
    assert reschedule_quiet_holds(settings, now=at_0630) == 1
    held.refresh_from_db()
    assert held.not_before == dt.datetime(2026, 12, 8, 9, 0, tzinfo=TZ)


def test_changing_quiet_hours_releases_held_messages():
    from django.utils import timezone

    r = ResidentFactory()
    tomorrow = timezone.now() + dt.timedelta(hours=20)
    m = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key="x", variables=VARS)
    Message.objects.filter(pk=m.pk).update(not_before=tomorrow)  # held by the old window
    messaging_settings_update(actor=staff("s-admin", "tenant_admin"), values={"quiet_start": "00:00",
                                                                              "quiet_end": "00:00"})
    assert Message.objects.get(pk=m.pk).not_before <= timezone.now()  # no quiet hours any more: due now

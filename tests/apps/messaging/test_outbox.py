"""The outbox (apps/messaging/outbox.py): deduplication, the in-app copy rendered at enqueue, bulk enqueue, quiet
hours with a fixed clock, the fallback order SMS → in-app (WeChat paths: test_outbox_wechat.py), SMS failures
(definite → FAILED delivery; unknown outcome → UNCERTAIN and never resent), the per-resident and per-phone daily
caps, the masked audit rows and the after-commit dispatch of urgent kinds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.messaging import outbox, quiet
from apps.messaging.models import (
    Channel,
    Delivery,
    Message,
    MessageKind,
    MessageTemplate,
    MessagingSettings,
    SmsConsent,
)
from apps.messaging.templates import ensure_default_templates
from apps.residents.phones import phone_index
from apps.residents.sms import sandbox as sms_sandbox
from tenants.models import HeatingCompany
from tests.factories.residents import ResidentFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
S = Message.Status
BILL_VARS = {"house": "幸福里3-2-501", "account_no": "T000123", "season": "2026-2027", "amount": "2688.00",
             "due_date": "2026-12-31"}
RECEIPT_VARS = {"house": "幸福里3-2-501", "amount": "2688.00", "paid_at": "2026-12-07 22:03",
                "order_no": "P20261207001", "channel": "微信支付"}


@pytest.fixture(autouse=True)
def _alpha(alpha):
    sms_sandbox.outbox_clear()
    with schema_context(alpha.schema):
        yield


def sms_ready(kind=MessageKind.PAYMENT_DUE, code="SMS_100001"):
    ensure_default_templates()
    MessageTemplate.objects.filter(kind=kind).update(sms_template_code=code,
                                                     sms_approval=MessageTemplate.SmsApproval.APPROVED)


def resident(phone: str | None = "13800138000", *, opted_in: bool = True):
    r = ResidentFactory()
    if phone:
        r.phone, r.phone_index = phone, phone_index(phone)
        r.save(update_fields=["phone", "phone_index"])
    if opted_in:
        SmsConsent.objects.create(resident=r, opted_in=True, opted_in_at=DAY)
    return r


def due(r, key="b1:1", *, kind=MessageKind.PAYMENT_DUE, variables=None, now=DAY):
    return outbox.enqueue(resident_id=r.pk, kind=kind, key=key, variables=variables or BILL_VARS,
                          page="pages/bill-detail/bill-detail?id=1", now=now)


def reload(message):
    return Message.objects.get(pk=message.pk)


# --- enqueue ---------------------------------------------------------------------------------------------------

def test_enqueue_twice_makes_one_message_with_the_in_app_text_rendered():
    r = resident()
    first = due(r)
    assert due(r) is None
    assert Message.objects.filter(resident=r).count() == 1
    assert first.dedup_key == "payment_due:b1:1" and first.status == S.PENDING and first.not_before == DAY
    assert first.title == "缴费提醒"
    assert first.body == ("您的房屋幸福里3-2-501（户号T000123）2026-2027采暖季待缴2688.00元，缴费截止日期为2026-12-31。"
                          "如已缴纳请忽略。")
    assert first.variables == BILL_VARS


@pytest.mark.parametrize("kind,variables", [
    ("no_such_kind", BILL_VARS),
    (MessageKind.PAYMENT_DUE, {**BILL_VARS, "extra": "x"}),
    (MessageKind.PAYMENT_DUE, {k: v for k, v in BILL_VARS.items() if k != "amount"}),
])
def test_enqueue_refuses_unknown_kinds_and_wrong_variables(kind, variables):
    r = resident()
    with pytest.raises(ValueError):
        outbox.enqueue(resident_id=r.pk, kind=kind, key="k", variables=variables)
    assert not Message.objects.exists()


def test_enqueue_many_is_bulk_deduplicated_and_a_rerun_inserts_nothing(monkeypatch):
    monkeypatch.setattr(outbox, "INSERT_BATCH", 50)
    people = [ResidentFactory() for _ in range(3)]

    def rows(n):
        for i in range(n):
            yield outbox.OutboxRow(resident_id=people[i % 3].pk, kind=MessageKind.BILL_PUBLISHED, key=f"bill{i}:s1",
                                   variables=BILL_VARS)

    assert outbox.enqueue_many(rows(120), now=DAY) == 120
    assert outbox.enqueue_many(rows(130), now=DAY) == 10  # a re-run: only the 10 new ones
    assert Message.objects.count() == 130
    # one INSERT per batch whatever its rows (through psycopg's binary cursor, counted here), and the other
    # statements do not grow with the rows either
    inserts = []
    real = outbox._execute_insert
    monkeypatch.setattr(outbox, "_execute_insert", lambda *a, **k: inserts.append(1) or real(*a, **k))

    def statements(n, prefix):
        inserts.clear()
        batch = [outbox.OutboxRow(resident_id=people[0].pk, kind=MessageKind.BILL_PUBLISHED, key=f"{prefix}{i}",
                                  variables=BILL_VARS) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            assert outbox.enqueue_many(batch, now=DAY) == n
        return len(ctx.captured_queries), len(inserts)

    assert statements(10, "a") == statements(45, "b") == (statements(100, "c")[0], 1)
    assert statements(100, "d")[1] == 2


# --- quiet hours -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("local,expected", [
    ((22, 0), (2026, 12, 8, 8, 0)),
    ((21, 0), (2026, 12, 8, 8, 0)),
    ((0, 30), (2026, 12, 7, 8, 0)),
    ((7, 59), (2026, 12, 7, 8, 0)),
    ((8, 0), None),
    ((20, 59), None),
])
def test_quiet_window_spans_midnight(local, expected):
    moment = dt.datetime(2026, 12, 7, *local, tzinfo=TZ)
    end = quiet.quiet_until(moment, start=dt.time(21), end=dt.time(8))
    assert end == (dt.datetime(*expected, tzinfo=TZ) if expected else None)


def test_a_window_inside_one_day_and_an_empty_window():
    noon = dt.datetime(2026, 12, 7, 12, 30, tzinfo=TZ)
    assert quiet.quiet_until(noon, start=dt.time(12), end=dt.time(14)) == dt.datetime(2026, 12, 7, 14, tzinfo=TZ)
    assert quiet.quiet_until(noon, start=dt.time(13), end=dt.time(14)) is None
    assert quiet.quiet_until(noon, start=dt.time(12), end=dt.time(12)) is None


def test_a_reminder_enqueued_at_22_goes_out_at_8_and_the_receipt_is_not_held():
    sms_ready(MessageKind.PAYMENT_DUE, "SMS_DUE")
    sms_ready(MessageKind.PAYMENT_RECEIPT, "SMS_PAID")
    r = resident()
    night = dt.datetime(2026, 12, 7, 22, 0, tzinfo=TZ)
    reminder = due(r, now=night)
    receipt = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_RECEIPT, key="o1:r", variables=RECEIPT_VARS,
                             now=night)
    assert reminder.not_before == dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ)
    assert receipt.not_before == night
    assert outbox.dispatch_due(now=night) == 1  # only the receipt
    assert (reload(receipt).status, reload(receipt).channel) == (S.SENT, Channel.SMS)
    assert reload(reminder).status == S.PENDING
    assert outbox.dispatch_due(now=dt.datetime(2026, 12, 8, 7, 59, tzinfo=TZ)) == 0
    assert outbox.dispatch_due(now=dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ)) == 1
    assert (reload(reminder).status, reload(reminder).channel) == (S.SENT, Channel.SMS)
    assert [m.template for m in sms_sandbox.outbox()] == ["SMS_PAID", "SMS_DUE"]


def test_a_message_due_before_the_window_but_dispatched_inside_it_is_held_to_its_end():
    MessagingSettings.objects.update_or_create(pk=1, defaults={"quiet_start": dt.time(21), "quiet_end": dt.time(8)})
    r = resident()
    message = due(r, now=dt.datetime(2026, 12, 7, 20, 59, tzinfo=TZ))
    assert outbox.dispatch_due(now=dt.datetime(2026, 12, 7, 21, 30, tzinfo=TZ)) == 1  # taken, then held back
    message = reload(message)
    assert (message.status, message.not_before, message.note) == (
        S.PENDING, dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ), "quiet_hours")
    assert not Delivery.objects.exists()


# --- fallback: SMS, then in-app -------------------------------------------------------------------------------

def test_no_grant_but_sms_opt_in_goes_by_sms_with_the_company_sign_and_a_masked_audit_row():
    sms_ready()
    r = resident("13800138000")
    message = due(r)
    assert outbox.dispatch_due(now=DAY) == 1
    message = reload(message)
    assert (message.status, message.channel, message.attempts) == (S.SENT, Channel.SMS, 1)
    assert message.note == "no_wechat_template"  # the default templates have no WeChat template id yet
    [sent] = sms_sandbox.outbox()
    company = HeatingCompany.objects.get(schema_name=connection.schema_name).name
    assert (sent.phone, sent.template, sent.sign_name) == ("13800138000", "SMS_100001", company)
    assert sent.params == {"house": "幸福里3-2-501", "season": "2026-2027", "amount": "2688.00",
                           "due_date": "2026-12-31"}
    [delivery] = message.deliveries.all()
    assert (delivery.channel, delivery.status, delivery.target, delivery.template) == (
        Channel.SMS, Delivery.Status.SENT, "138****8000", "SMS_100001")
    assert "13800138000" not in delivery.content
    assert delivery.content.startswith("【") and "2688.00" in delivery.content


def test_the_sms_sign_is_the_settings_one_when_set():
    sms_ready()
    MessagingSettings.objects.update_or_create(pk=1, defaults={"sms_sign_name": "暖云供热"})
    due(resident())
    outbox.dispatch_due(now=DAY)
    assert [m.sign_name for m in sms_sandbox.outbox()] == ["暖云供热"]


@pytest.mark.parametrize("setup,note", [
    (lambda: resident(opted_in=False), "no_sms_consent"),
    (lambda: resident(phone=None), "no_phone"),
    (lambda: (MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(
        sms_approval=MessageTemplate.SmsApproval.PENDING), resident())[1], "no_sms_template"),
    (lambda: (MessagingSettings.objects.update_or_create(pk=1, defaults={"sms_enabled": False}), resident())[1],
     "sms_disabled"),
])
def test_neither_grant_nor_sms_leaves_it_in_app_only_with_the_reason(setup, note):
    sms_ready()
    r = setup()
    message = due(r)
    outbox.dispatch_due(now=DAY)
    message = reload(message)
    assert (message.status, message.channel) == (S.SENT, Channel.IN_APP)
    assert note in message.note.split(";")
    assert not Delivery.objects.exists() and sms_sandbox.outbox() == []


def test_an_inactive_template_is_not_pushed():
    sms_ready()
    MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(is_active=False)
    message = due(resident())
    outbox.dispatch_due(now=DAY)
    assert (reload(message).channel, reload(message).note) == (Channel.IN_APP, "template_inactive")
    assert sms_sandbox.outbox() == []


# --- SMS failures through a vendor's HTTP API (Aliyun, faked at the HTTP layer) ---------------------------------

@pytest.fixture
def aliyun(settings):
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_SIGN_NAME = "暖云"
    settings.SMS_TEMPLATE_VERIFY_CODE = "SMS_000001"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "test-key-id"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "test-key-secret"
    settings.ALIYUN_SMS_ENDPOINT = "https://dysmsapi.example.test/"
    with responses.RequestsMock() as mock:
        yield mock


def test_a_definite_sms_failure_is_a_failed_delivery_and_the_message_stays_in_the_inbox(aliyun):
    aliyun.add(responses.POST, "https://dysmsapi.example.test/",
               json={"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控", "RequestId": "r1"})
    sms_ready()
    message = due(resident())
    outbox.dispatch_due(now=DAY)
    message = reload(message)
    assert (message.status, message.last_error) == (S.FAILED, "sms:isv.BUSINESS_LIMIT_CONTROL")
    [delivery] = message.deliveries.all()
    assert (delivery.status, delivery.error_code) == (Delivery.Status.FAILED, "isv.BUSINESS_LIMIT_CONTROL")
    assert Message.objects.filter(resident=message.resident).count() == 1  # still in the inbox


def test_an_sms_whose_outcome_is_unknown_is_uncertain_and_never_sent_again(aliyun):
    aliyun.add(responses.POST, "https://dysmsapi.example.test/", body=requests.ReadTimeout("read timed out"))
    sms_ready()
    message = due(resident())
    outbox.dispatch_due(now=DAY)
    message = reload(message)
    assert (message.status, message.channel, message.note) == (S.UNCERTAIN, Channel.SMS, "sms_uncertain")
    [delivery] = message.deliveries.all()
    assert delivery.status == Delivery.Status.UNCERTAIN
    outbox.dispatch_due(now=DAY + dt.timedelta(hours=1))
    outbox.dispatch_message(message.pk, now=DAY + dt.timedelta(hours=2))
    assert len(aliyun.calls) == 1 and message.deliveries.count() == 1


# --- caps ------------------------------------------------------------------------------------------------------

def test_the_resident_daily_cap_keeps_further_messages_in_app():
    sms_ready()
    MessagingSettings.objects.update_or_create(pk=1, defaults={"resident_daily_cap": 2, "phone_daily_cap": 10})
    r = resident()
    messages = [due(r, key=f"b{i}") for i in range(3)]
    outbox.dispatch_due(now=DAY)
    got = [(m.channel, m.note) for m in map(reload, messages)]
    assert [c for c, _n in got] == [Channel.SMS, Channel.SMS, Channel.IN_APP]
    assert got[2][1] == "capped"
    # the next local day counts afresh (the cap counts from local midnight)
    tomorrow = due(r, key="b9", now=DAY + dt.timedelta(days=1))
    outbox.dispatch_due(now=DAY + dt.timedelta(days=1))
    assert reload(tomorrow).channel == Channel.SMS


def test_the_resident_cap_counts_and_holds_only_reminders_never_a_receipt():
    """A landlord with many houses uses the cap on one campaign; the receipt of the payment they just made still
    goes out by SMS, and a receipt does not count against the day's reminders either."""
    sms_ready()
    sms_ready(MessageKind.PAYMENT_RECEIPT, "SMS_PAID")
    MessagingSettings.objects.update_or_create(pk=1, defaults={"resident_daily_cap": 2, "phone_daily_cap": 10})
    r = resident()
    reminders = [due(r, key=f"b{i}") for i in range(2)]
    outbox.dispatch_due(now=DAY)
    assert [reload(m).channel for m in reminders] == [Channel.SMS, Channel.SMS]
    paid = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_RECEIPT, key="o1:r", variables=RECEIPT_VARS,
                          now=DAY)
    outbox.dispatch_due(now=DAY)
    assert (reload(paid).status, reload(paid).channel) == (S.SENT, Channel.SMS)
    third = due(r, key="b3")
    outbox.dispatch_due(now=DAY)
    assert (reload(third).channel, reload(third).note) == (Channel.IN_APP, "capped")
    # a receipt sent first does not use up a reminder's slot
    other = resident("13700137000")
    outbox.enqueue(resident_id=other.pk, kind=MessageKind.PAYMENT_RECEIPT, key="o2:r", variables=RECEIPT_VARS,
                   now=DAY)
    outbox.dispatch_due(now=DAY)
    firsts = [due(other, key=f"o{i}") for i in range(2)]
    outbox.dispatch_due(now=DAY)
    assert [reload(m).channel for m in firsts] == [Channel.SMS, Channel.SMS]


def test_the_phone_daily_cap_counts_every_resident_of_one_number():
    sms_ready()
    MessagingSettings.objects.update_or_create(pk=1, defaults={"phone_daily_cap": 1})
    a, b = resident("13900139000"), resident("13900139000")
    first, second = due(a, key="a"), due(b, key="b")
    outbox.dispatch_due(now=DAY)
    assert reload(first).channel == Channel.SMS
    second = reload(second)
    assert (second.channel, second.status) == (Channel.IN_APP, S.SENT) and "phone_capped" in second.note
    assert len(sms_sandbox.outbox()) == 1


# --- dispatch plumbing -----------------------------------------------------------------------------------------

def test_an_urgent_kind_is_dispatched_right_after_commit(django_capture_on_commit_callbacks):
    sms_ready(MessageKind.PAYMENT_RECEIPT, "SMS_PAID")
    r = resident()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_RECEIPT, key="o1:r",
                                 variables=RECEIPT_VARS)
    assert len(callbacks) == 1
    assert (reload(message).status, reload(message).channel) == (S.SENT, Channel.SMS)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        due(r, key="not-urgent")
    assert callbacks == []


def test_dispatch_message_takes_a_message_only_once():
    sms_ready()
    message = due(resident())
    outbox.dispatch_message(message.pk, now=DAY)
    outbox.dispatch_message(message.pk, now=DAY)
    assert outbox.dispatch_due(now=DAY) == 0
    assert len(sms_sandbox.outbox()) == 1 and reload(message).deliveries.count() == 1


def test_a_stale_claim_that_never_pushed_is_due_again_and_one_that_may_have_is_uncertain():
    never, reserved, attempted = due(resident(), key="n"), due(resident(), key="r"), due(resident(), key="a")
    Message.objects.filter(pk__in=[never.pk, reserved.pk, attempted.pk]).update(status=S.SENDING, not_before=DAY)
    Message.objects.filter(pk=reserved.pk).update(sent_at=DAY)  # the push slot was taken: it may have gone out
    Delivery.objects.create(message=attempted, channel=Channel.SMS, target="138****8000",
                            status=Delivery.Status.UNCERTAIN)
    assert outbox.release_stale(now=DAY + dt.timedelta(minutes=10)) == 0
    assert outbox.release_stale(now=DAY + dt.timedelta(minutes=16)) == 3
    assert reload(never).status == S.PENDING and reload(never).not_before == DAY + dt.timedelta(minutes=16)
    assert reload(reserved).status == S.UNCERTAIN and reload(attempted).status == S.UNCERTAIN


def test_a_sweep_reads_the_clock_per_message_so_quiet_hours_start_on_time(monkeypatch):
    """A sweep that starts at 20:59 and reaches its messages after 21:00 holds them (it used to push them with
    its start time)."""
    from django.utils import timezone

    start = dt.datetime(2026, 12, 7, 20, 59, tzinfo=TZ)
    sms_ready()
    messages = [due(resident(), key=f"q{i}", now=start - dt.timedelta(minutes=5)) for i in range(2)]
    calls = []

    def clock():  # the first read (the claim) before 21:00, every later one after
        calls.append(1)
        return start if len(calls) == 1 else start + dt.timedelta(minutes=1, seconds=5)

    monkeypatch.setattr(timezone, "now", clock)
    assert outbox.dispatch_due() == 2
    for m in map(reload, messages):
        assert (m.status, m.note) == (S.PENDING, "quiet_hours")
        assert m.not_before == dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ)
    assert sms_sandbox.outbox() == []


def test_a_claim_is_stamped_with_the_database_clock_not_the_sweep_time():
    """A sweep given an old `now` (or a late batch of a long sweep) must not look abandoned to the next sweep."""
    sms_ready()
    message = due(resident())  # may be pushed: the per-message path
    seen = []
    real = outbox._deliver_safely

    def deliver(message_id, ctx, now):
        seen.append(outbox.release_stale())  # the next beat's sweep, by the real clock
        real(message_id, ctx, now)

    import unittest.mock as mock
    with mock.patch.object(outbox, "_deliver_safely", deliver):
        outbox.dispatch_due(now=DAY)
    assert seen == [0]
    assert reload(message).status == S.SENT


def test_a_worker_whose_claim_was_released_does_not_push(monkeypatch):
    """The next sweep released the claim (stale) before this worker pushed: it stops; the message is pushed once,
    by whoever claims it next."""
    sms_ready()
    message = due(resident())
    real = outbox._reserve_push
    released = []

    def released_meanwhile(claimed, ctx, now):  # the next sweep, just before this worker reserves its push
        Message.objects.filter(pk=message.pk).update(not_before=DAY - dt.timedelta(hours=1))
        released.append(outbox.release_stale(now=DAY))
        return real(claimed, ctx, now)

    monkeypatch.setattr(outbox, "_reserve_push", released_meanwhile)
    # One message claimed (limit=1): released back to PENDING and due at DAY, it would be claimed again by this
    # sweep's next batch (and released again, up to the 500-message limit: that made this test take ~20 s).
    assert outbox.dispatch_due(now=DAY, limit=1) == 1
    assert released == [1]
    assert sms_sandbox.outbox() == [] and not Delivery.objects.exists()
    assert reload(message).status == S.PENDING
    monkeypatch.setattr(outbox, "_reserve_push", real)
    outbox.dispatch_due(now=DAY)
    assert len(sms_sandbox.outbox()) == 1 and reload(message).status == S.SENT


def test_a_sweep_claims_no_new_batch_after_its_time_budget(monkeypatch):
    monkeypatch.setattr(outbox, "CLAIM_BATCH", 2)
    r = resident(opted_in=False)
    for i in range(5):
        due(r, key=f"b{i}")
    assert outbox.dispatch_due(now=DAY, budget_seconds=0) == 2  # the first batch, then the budget is spent
    assert outbox.dispatch_due(now=DAY) == 3


def test_the_beat_task_dispatches_every_company(beta):
    from apps.messaging.tasks import dispatch_all_tenants

    # the task reads the real clock: no quiet hours in either company
    MessagingSettings.objects.update_or_create(pk=1, defaults={"quiet_start": dt.time(8), "quiet_end": dt.time(8)})
    message = due(resident(opted_in=False))
    Message.objects.filter(pk=message.pk).update(not_before=DAY - dt.timedelta(days=3650))
    with schema_context(beta.schema):
        MessagingSettings.objects.update_or_create(pk=1, defaults={"quiet_start": dt.time(8),
                                                                   "quiet_end": dt.time(8)})
        other = due(resident(opted_in=False), key="beta")
        Message.objects.filter(pk=other.pk).update(not_before=DAY - dt.timedelta(days=3650))
    out = dispatch_all_tenants()
    assert out["alpha"] >= 1 and out["beta"] >= 1
    assert reload(message).status == S.SENT
    with schema_context(beta.schema):
        assert reload(other).status == S.SENT


def test_a_crash_after_the_sms_went_out_is_uncertain_and_staff_cannot_resend_it(monkeypatch):
    """FAILED means "not delivered" (staff may retry); a crash after the push left is UNCERTAIN, never resent."""
    from django.core.exceptions import ValidationError

    from tests.factories.accounts import staff

    sms_ready()
    message = due(resident())
    # may be pushed (opted in) but its phone's daily cap is reached: it reaches _finish with nothing sent
    MessagingSettings.objects.update_or_create(pk=1, defaults={"phone_daily_cap": 1})
    capped = resident("13900139001")
    Message.objects.create(resident=capped, kind=MessageKind.PAYMENT_DUE, dedup_key=f"x:{capped.pk}", title="t",
                           body="b", status=S.SENT, channel=Channel.SMS, not_before=DAY, sent_at=DAY)
    untouched = due(capped, key="in-app")

    def crash(*args, **kwargs):
        raise RuntimeError("worker trouble after the push")

    monkeypatch.setattr(outbox, "_finish", crash)
    outbox.dispatch_due(now=DAY)
    assert len(sms_sandbox.outbox()) == 1
    assert reload(message).status == S.UNCERTAIN
    assert reload(untouched).status == S.FAILED  # nothing was pushed: a plain failure staff may retry
    monkeypatch.undo()
    admin = staff("o-admin", "tenant_admin")
    # even a message marked FAILED (by an older version) is refused once a delivery may have gone out
    Message.objects.filter(pk=message.pk).update(status=S.FAILED)
    with pytest.raises(ValidationError) as exc:
        outbox.retry_message(actor=admin, message_id=message.pk, now=DAY)
    assert exc.value.error_dict["id"][0].code == "NOT_ALLOWED_IN_STATE"
    assert reload(message).status == S.FAILED
    outbox.retry_message(actor=admin, message_id=untouched.pk, now=DAY)
    assert reload(untouched).status == S.PENDING


def test_messages_with_no_push_channel_are_finished_in_bulk_like_one_by_one(monkeypatch):
    """Most of a payment-due campaign has no grant and no SMS consent: such messages are finished in-app in a
    fixed number of statements per claimed batch, with the status, note and attempts the per-message path gives
    them; a message that may be pushed still goes through that path."""
    sms_ready()
    MessagingSettings.objects.update_or_create(pk=1, defaults={"resident_daily_cap": 1})

    def setups():
        capped = resident("13600136000")
        Message.objects.create(resident=capped, kind=MessageKind.PAYMENT_DUE, dedup_key=f"x:{capped.pk}", title="t",
                               body="b", status=S.SENT, channel=Channel.SMS, not_before=DAY, sent_at=DAY)
        inactive = resident(opted_in=False)
        inactive.is_active = False
        inactive.save(update_fields=["is_active"])
        return [resident(opted_in=False), resident(None), capped, inactive]

    one_by_one = [due(r, key=f"single{i}") for i, r in enumerate(setups())]
    for m in one_by_one:
        outbox.dispatch_message(m.pk, now=DAY)
    bulk = [due(r, key=f"bulk{i}") for i, r in enumerate(setups())]

    def shape(m):
        m = reload(m)
        return m.status, m.channel, m.note, m.attempts, m.sent_at

    expected = [shape(m) for m in one_by_one]
    assert [n for _s, _c, n, _a, _t in expected] == ["no_wechat_template;no_sms_consent", "no_wechat_template;no_phone",
                                                     "capped",
                                                     "resident_inactive"]
    monkeypatch.setattr(outbox, "_deliver", lambda *a: pytest.fail("an in-app-only message took the slow path"))
    with CaptureQueriesContext(connection) as small:
        assert outbox.dispatch_due(now=DAY) == 4
    assert [shape(m) for m in bulk] == expected
    more = [due(resident(opted_in=False), key=f"many{i}") for i in range(30)]
    with CaptureQueriesContext(connection) as many:
        assert outbox.dispatch_due(now=DAY) == 30
    assert len(many.captured_queries) == len(small.captured_queries)
    assert {shape(m)[:3] for m in more} == {(S.SENT, Channel.IN_APP, "no_wechat_template;no_sms_consent")}
    monkeypatch.undo()
    pushed = due(resident("13500135000"), key="push")
    outbox.dispatch_due(now=DAY)
    assert (reload(pushed).status, reload(pushed).channel) == (S.SENT, Channel.SMS)

"""Against committed data in real PostgreSQL: two dispatchers running at once push every due message exactly once
(FOR UPDATE SKIP LOCKED claims), and two sends racing for a resident's last one-time credit spend it once."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django_tenants.utils import schema_context

from apps.messaging import grants, outbox
from apps.messaging.models import Delivery, Message, MessageKind, MessageTemplate, SmsConsent, SubscriptionGrant
from apps.messaging.templates import ensure_default_templates
from apps.residents.phones import phone_index
from apps.residents.sms import sandbox as sms_sandbox
from tests.factories.db import committed
from tests.factories.residents import ResidentFactory

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")]
DAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CODE = "SMS_CONC"
VARS = {"house": "幸福里3-2-501", "account_no": "T000123", "season": "2026-2027", "amount": "2688.00",
        "due_date": "2026-12-31"}
N = 40


def _setup(schema):
    with schema_context(schema):
        ensure_default_templates()
        MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(
            sms_template_code=CODE, sms_approval=MessageTemplate.SmsApproval.APPROVED)
        ids = []
        for i in range(N):
            phone = f"1370000{i:04d}"
            r = ResidentFactory(openid=f"o-conc-{i}", phone=phone, phone_index=phone_index(phone))
            SmsConsent.objects.create(resident=r, opted_in=True)
            ids.append(outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key=f"conc:{i}",
                                      variables=VARS, now=DAY).pk)
        return ids


def _cleanup(schema, ids):
    from apps.messaging.sandbox.models import SandboxSms

    with schema_context(schema):
        Message.objects.filter(pk__in=ids).delete()
        MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(
            sms_template_code="", sms_approval=MessageTemplate.SmsApproval.PENDING)
    SandboxSms.objects.filter(template=CODE).delete()


def _race(workers):
    start = threading.Barrier(len(workers))
    results, lock = [], threading.Lock()

    def run(fn):
        start.wait()
        try:
            out = fn()
        finally:
            connections.close_all()
        with lock:
            results.append(out)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_two_dispatchers_push_each_message_once(committed_tenant, monkeypatch):
    schema = committed_tenant.info.schema
    monkeypatch.setattr(outbox, "CLAIM_BATCH", 3)  # small claims: the two dispatchers interleave
    ids = committed(_setup, schema)
    sms_sandbox.outbox_clear()
    try:
        def dispatcher():
            with schema_context(schema):
                return outbox.dispatch_due(limit=1000, now=DAY)

        taken = _race([dispatcher, dispatcher])
        assert sum(taken) == N and all(t > 0 for t in taken), taken

        def check():
            with schema_context(schema):
                statuses = set(Message.objects.filter(pk__in=ids).values_list("status", "channel"))
                per_message = list(Delivery.objects.filter(message_id__in=ids).values_list("message_id", flat=True))
                return statuses, per_message

        statuses, per_message = committed(check)
        assert statuses == {(Message.Status.SENT, "sms")}
        assert sorted(per_message) == sorted(ids)  # one delivery each
        phones = [m.phone for m in sms_sandbox.outbox() if m.template == CODE]
        assert len(phones) == N and len(set(phones)) == N
    finally:
        committed(_cleanup, schema, ids)


def test_two_sends_racing_for_the_last_credit_spend_it_once(committed_tenant):
    schema = committed_tenant.info.schema

    def setup():
        with schema_context(schema):
            r = ResidentFactory(openid="o-conc-credit")
            SubscriptionGrant.objects.create(resident=r, template_id="tpl-conc", credits=1)
            return r.pk

    resident_id = committed(setup)
    try:
        def spend():
            with schema_context(schema):
                return grants.consume_credit(resident_id=resident_id, template_id="tpl-conc")

        results = _race([spend] * 4)
        assert sorted(results, key=str) == [None, None, None, SubscriptionGrant.Kind.ONE_TIME]

        def left():
            with schema_context(schema):
                return SubscriptionGrant.objects.get(resident_id=resident_id).credits

        assert committed(left) == 0
    finally:
        def cleanup():
            with schema_context(schema):
                from apps.residents.models import Resident

                Resident.objects.filter(pk=resident_id).delete()

        committed(cleanup)


def test_two_dispatchers_respect_the_resident_daily_cap(committed_tenant, monkeypatch):
    from apps.messaging.models import MessagingSettings

    schema = committed_tenant.info.schema
    monkeypatch.setattr(outbox, "CLAIM_BATCH", 1)  # each dispatcher takes one of the resident's two messages

    def setup():
        with schema_context(schema):
            ensure_default_templates()
            MessageTemplate.objects.filter(kind=MessageKind.PAYMENT_DUE).update(
                sms_template_code=CODE, sms_approval=MessageTemplate.SmsApproval.APPROVED)
            MessagingSettings.objects.update_or_create(pk=1, defaults={"resident_daily_cap": 1})
            r = ResidentFactory(openid="o-conc-cap", phone="13711112222", phone_index=phone_index("13711112222"))
            SmsConsent.objects.create(resident=r, opted_in=True)
            return [outbox.enqueue(resident_id=r.pk, kind=MessageKind.PAYMENT_DUE, key=f"cap:{i}", variables=VARS,
                                   now=DAY).pk for i in range(2)]

    ids = committed(setup)
    try:
        def dispatcher():
            with schema_context(schema):
                return outbox.dispatch_due(limit=1, now=DAY)

        assert _race([dispatcher, dispatcher]) == [1, 1]

        def check():
            with schema_context(schema):
                return sorted(Message.objects.filter(pk__in=ids).values_list("channel", "note"))

        assert committed(check) == [("in_app", "capped"), ("sms", "no_wechat_template")]
    finally:
        def restore():
            with schema_context(schema):
                MessagingSettings.objects.update_or_create(pk=1, defaults={"resident_daily_cap": 5})

        committed(restore)
        committed(_cleanup, schema, ids)

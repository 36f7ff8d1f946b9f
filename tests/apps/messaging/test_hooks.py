"""Hooks (apps/messaging/hooks.py): what payments, refunds, invoices and ticket moves put in residents' outboxes,
through the real services that call them: after commit only, to the right people (an online order's payer; a
counter payment's residents, each about their own houses; a ticket's resident), once per thing even when it is
told twice, in the company's schema, and never breaking the payment when messaging fails."""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.messaging import hooks
from apps.messaging.models import Message, MessageKind
from apps.payments.services import refund_request
from apps.properties.models import HouseBinding
from apps.services import tickets as svc
from apps.services.compensation import compensation_approve
from apps.services.models import Compensation, Ticket, TicketEvent
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay
from tests.factories.properties import HouseFactory
from tests.factories.quality import cold_spell
from tests.factories.residents import ResidentFactory
from tests.factories.services import admin, submit, technician
from tests.factories.tariffs import plain_season, tianjin_season

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alpha, django_capture_on_commit_callbacks):
    """alpha with a collector and a season; `commit` runs the after-commit callbacks of its block."""
    with schema_context(alpha.schema):
        yield type("World", (), {"collector": staff("li"), "season": plain_season(),
                                 "commit": django_capture_on_commit_callbacks})()


def _bound(house, resident=None, **resident_fields):
    resident = resident or ResidentFactory(**resident_fields)
    HouseBinding.objects.create(house=house, resident=resident)
    return resident


def _messages(kind: str | None = None) -> list[Message]:
    qs = Message.objects.order_by("resident_id", "id")
    return list(qs.filter(kind=kind) if kind else qs)


# --- payments ------------------------------------------------------------------------------------------------------

def test_a_counter_payment_tells_every_resident_bound_to_its_houses_about_their_own_houses(world):
    bills = [bill_for(world.season), bill_for(world.season)]
    first, second = (bill.house for bill in bills)
    both = _bound(first)
    _bound(second, both)
    only_second = _bound(second)
    gone = _bound(first, is_active=False)
    stranger = ResidentFactory()  # bound to no house of the order
    with world.commit(execute=True):
        order = pay(world.collector, bills, 2 * FULL, "NO.1")
    received = {m.resident_id: m for m in _messages(MessageKind.PAYMENT_RECEIPT)}
    assert set(received) == {both.pk, only_second.pk}
    assert gone.pk not in received and stranger.pk not in received
    mine = received[both.pk]
    assert mine.dedup_key == f"payment_receipt:{order.pk}:{both.pk}"
    assert mine.page == f"pages/order/order?outTradeNo={order.out_trade_no}"
    assert mine.variables["amount"] == "4800.00" and mine.variables["channel"] == "柜台"
    assert mine.variables["order_no"] == order.out_trade_no
    assert mine.variables["house"].endswith("等2户") and len(mine.variables["house"]) <= 20
    assert received[only_second.pk].variables["house"] == hooks.house_label([second])
    assert "等" not in received[only_second.pk].variables["house"]
    paid_at = mine.variables["paid_at"]
    assert len(paid_at) == 16 and paid_at[4] == "-" and paid_at[13] == ":"  # "2026-12-07 14:03", local time


def test_telling_twice_makes_no_second_message(world):
    bill = bill_for(world.season)
    resident = _bound(bill.house)
    with world.commit(execute=True):
        order = pay(world.collector, [bill], FULL, "NO.1")
        hooks.payment_settled(order.pk)  # a second settlement's word about the same order
    assert hooks.payment_receipt_enqueue(order.pk) == 0
    assert [m.resident_id for m in _messages()] == [resident.pk]


def test_nothing_is_said_about_a_payment_that_was_rolled_back(world):
    bill = bill_for(world.season)
    _bound(bill.house)
    with world.commit(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            pay(world.collector, [bill], FULL, "NO.1")
            raise RuntimeError("the request failed after recording")
    assert callbacks == [] and _messages() == []


def test_nothing_is_enqueued_inside_the_payments_transaction(world):
    bill = bill_for(world.season)
    _bound(bill.house)
    with world.commit(execute=False) as callbacks:
        pay(world.collector, [bill], FULL, "NO.1")
        assert _messages() == []  # still inside: only registered
    assert callbacks
    for callback in callbacks:
        callback()
    assert len(_messages(MessageKind.PAYMENT_RECEIPT)) == 1


def test_a_failing_outbox_never_breaks_the_payment(world, monkeypatch, caplog):
    from apps.messaging import outbox

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(outbox, "enqueue", broken)
    bill = bill_for(world.season)
    _bound(bill.house)
    with caplog.at_level(logging.ERROR, logger="apps.messaging.hooks"), world.commit(execute=True):
        order = pay(world.collector, [bill], FULL, "NO.1")
    order.refresh_from_db()
    assert order.status == "paid"
    bill.refresh_from_db()
    assert bill.status == "paid"
    assert _messages() == []
    assert any("payment_settled" in r.getMessage() and r.exc_info for r in caplog.records)


def test_the_callback_works_in_the_committing_companys_schema(world, alpha, beta):
    """A callback run after the request left the company's schema (e.g. on the public one) still writes there."""
    bill = bill_for(world.season)
    resident = _bound(bill.house)
    with world.commit(execute=False) as callbacks:
        pay(world.collector, [bill], FULL, "NO.1")
    connection.set_schema_to_public()
    for callback in callbacks:
        callback()
    with schema_context(beta.schema):
        assert not Message.objects.exists()
    with schema_context(alpha.schema):
        assert list(Message.objects.values_list("resident_id", flat=True)) == [resident.pk]


# --- refunds -------------------------------------------------------------------------------------------------------

def test_a_counter_refund_sends_a_refund_receipt_once(world):
    bill = bill_for(world.season)
    resident = _bound(bill.house)
    finance = staff("fin", role="finance")
    with world.commit(execute=True):
        order = pay(world.collector, [bill], FULL, "NO.1")
    with world.commit(execute=True):
        refund = refund_request(order_id=order.pk, amount_fen=10000, reason="多收退回", actor=finance,
                                request_no="REFUND-0001")
        again = refund_request(order_id=order.pk, amount_fen=10000, reason="多收退回", actor=finance,
                               request_no="REFUND-0001")
    assert refund.status == "success" and again.pk == refund.pk
    [message] = _messages(MessageKind.REFUND_RECEIPT)
    assert message.resident_id == resident.pk
    assert message.dedup_key == f"refund_receipt:{refund.pk}:{resident.pk}"
    assert {k: message.variables[k] for k in ("amount", "order_no", "reason")} == {
        "amount": "100.00", "order_no": order.out_trade_no, "reason": "多收退回"}
    assert message.variables["refunded_at"] and message.variables["house"] == hooks.house_label([bill.house])
    assert hooks.refund_receipt_enqueue(refund.pk) == 0


# --- invoices ------------------------------------------------------------------------------------------------------

def _issued_invoice(world, order, **request_kw):
    from apps.invoices.models import Invoice
    from tests.factories.invoices import drive
    from tests.factories.invoices import request as invoice_request
    from tests.sandbox_http import sandbox_http

    with sandbox_http():
        invoice = invoice_request(world, order, **request_kw)
        with world.commit(execute=True):
            invoice = drive(invoice)
    assert invoice.status == Invoice.Status.ISSUED, invoice.fail_reason
    return invoice


def test_an_invoice_staff_asked_for_is_told_to_the_houses_residents(world, mp_media):
    from tests.factories.invoices import enable_invoices

    enable_invoices()
    bill = bill_for(world.season)
    owner, family = _bound(bill.house), _bound(bill.house)
    with world.commit(execute=True):
        order = pay(world.collector, [bill], FULL, "NO.1")
    invoice = _issued_invoice(world, order, actor=world.collector)
    messages = _messages(MessageKind.INVOICE_ISSUED)
    assert [m.resident_id for m in messages] == sorted([owner.pk, family.pk])
    message = messages[0]
    assert message.page == f"pages/invoice-detail/invoice-detail?id={invoice.pk}"
    assert message.variables["invoice_no"] == invoice.invoice_number and len(invoice.invoice_number) == 20
    assert message.variables["amount"] == "2400.00" and message.variables["issued_at"]
    assert message.dedup_key == f"invoice_issued:{invoice.pk}:{message.resident_id}"
    assert hooks.invoice_issued_enqueue(invoice.pk) == 0


def test_an_invoice_a_resident_asked_for_is_told_to_them_only(world, mp_media):
    from apps.payments.models import PaymentOrder
    from tests.factories.invoices import enable_invoices

    enable_invoices()
    bill = bill_for(world.season)
    asker, family = _bound(bill.house), _bound(bill.house)
    with world.commit(execute=False):  # no receipts: this test is about the invoice
        order = pay(world.collector, [bill], FULL, "NO.1")
    PaymentOrder.objects.filter(pk=order.pk).update(resident=asker)  # as an order the asker paid online
    invoice = _issued_invoice(world, order, resident=asker)
    [message] = _messages(MessageKind.INVOICE_ISSUED)
    assert message.resident_id == asker.pk != family.pk
    assert message.variables["invoice_no"] == invoice.invoice_number


# --- tickets -------------------------------------------------------------------------------------------------------

def test_a_residents_ticket_is_told_when_assigned_resolved_or_rejected_and_nothing_else(world):
    boss, tech = admin(), technician()
    with world.commit(execute=True):
        ticket = submit()
        svc.ticket_accept(ticket_id=ticket.pk, actor=boss)  # accepted: not a step residents are pushed about
        svc.ticket_assign(ticket_id=ticket.pk, assignee_id=tech.pk, actor=boss, note="下午两点上门")
        svc.ticket_start(ticket_id=ticket.pk, actor=tech)
        svc.ticket_resolve(ticket_id=ticket.pk, resolution="更换了漏水的阀门", actor=tech)
        other = submit()
        svc.ticket_reject(ticket_id=other.pk, reason="非供热设施，请联系物业", actor=boss)
    updates = _messages(MessageKind.TICKET_UPDATE)
    by_status = {m.variables["status"]: m for m in updates}
    assert sorted(by_status) == sorted(["已派单", "已解决", "已驳回"]) and len(updates) == 3
    assigned = by_status["已派单"]
    event = TicketEvent.objects.get(ticket=ticket, action="assign")
    assert assigned.resident_id == ticket.resident_id
    assert assigned.dedup_key == f"ticket_update:{ticket.pk}:{event.pk}"
    assert assigned.page == f"pages/ticket-detail/ticket-detail?id={ticket.pk}"
    assert assigned.variables["ticket_no"] == ticket.no and assigned.variables["ticket_title"] == "漏水"
    assert "下午两点上门" in assigned.variables["note"]
    assert by_status["已解决"].variables["note"] == "更换了漏水的阀门"
    assert by_status["已驳回"].resident_id == other.resident_id
    assert hooks.ticket_update_enqueue(ticket.pk, event.pk) == 0
    accept = TicketEvent.objects.get(ticket=ticket, action="accept")
    assert hooks.ticket_update_enqueue(ticket.pk, accept.pk) == 0  # not a step we tell
    assert hooks.ticket_update_enqueue(other.pk, event.pk) == 0  # the event is another ticket's


def test_an_assignment_names_the_technician_by_display_name_never_by_login(world):
    boss = admin()
    named = technician("tech-zhang", display_name="张师傅")
    unnamed = technician("tech-li")
    with world.commit(execute=True):
        first = submit()
        svc.ticket_assign(ticket_id=first.pk, assignee_id=named.pk, actor=boss, note="下午两点上门")
        second = submit()
        svc.ticket_assign(ticket_id=second.pk, assignee_id=unnamed.pk, actor=boss)
    # staff keep the event as written (shown_name: the login name when there is no display name)
    assert TicketEvent.objects.get(ticket=second, action="assign").note == "已派给 tech-li"
    notes = {m.variables["status"] + str(m.resident_id): m.variables["note"]
             for m in _messages(MessageKind.TICKET_UPDATE)}
    assert notes == {f"已派单{first.resident_id}": "已派给 张师傅：下午两点上门",
                     f"已派单{second.resident_id}": "已派给 维修人员"}
    bodies = " ".join(m.body for m in _messages(MessageKind.TICKET_UPDATE))
    assert "张师傅" in bodies and "tech-zhang" not in bodies and "tech-li" not in bodies


def test_a_ticket_staff_filed_for_a_caller_tells_nobody(world):
    boss, tech = admin(), technician()
    house = HouseFactory()
    _bound(house)
    with world.commit(execute=True):
        ticket = svc.ticket_submit(house_id=house.pk, kind="repair", description="暖气不热", contact_name="王先生",
                                   contact_phone="13800138000", actor=boss)
        svc.ticket_assign(ticket_id=ticket.pk, assignee_id=tech.pk, actor=boss)
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"
    assert _messages() == []


def test_a_credited_compensation_is_told_to_the_tickets_resident(alpha, django_capture_on_commit_callbacks):
    with schema_context(alpha.schema):
        season = tianjin_season()
        with django_capture_on_commit_callbacks(execute=True):
            story = cold_spell(season, threshold=0)  # waits for finance
        resident = _bound(story.house)
        Ticket.objects.filter(pk=story.ticket.pk).update(resident=resident)  # as if the resident had filed it
        comp = Compensation.objects.get(period=story.period)
        with django_capture_on_commit_callbacks(execute=True):
            compensation_approve(compensation_id=comp.pk, actor=story.people.finance)
        comp.refresh_from_db()
        assert comp.status == "credited"
        [message] = _messages(MessageKind.TICKET_UPDATE)
        assert message.resident_id == resident.pk and message.variables["status"] == "已补偿"
        assert message.variables["note"] == "室温补偿23.80元已抵扣本季账单。"
        assert message.variables["ticket_no"] == story.ticket.no


# --- reminders withdrawn once paid -----------------------------------------------------------------------------

def _held_reminders(world, expected: int) -> None:
    """A payment-due campaign run during quiet hours: its reminders wait (PENDING) for the window's end."""
    import datetime as dt

    from django.utils import timezone

    from apps.messaging import campaigns
    from apps.messaging.models import MessagingSettings
    from apps.messaging.templates import ensure_default_templates

    ensure_default_templates()
    now = timezone.localtime()
    MessagingSettings.objects.update_or_create(pk=1, defaults={
        "quiet_start": (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        "quiet_end": (now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)})
    campaign = campaigns.campaign_start(kind=MessageKind.PAYMENT_DUE, season_id=world.season[0].pk,
                                        actor=world.collector)
    campaigns.campaign_run(campaign_id=campaign.pk)
    reminders = _messages(MessageKind.PAYMENT_DUE)
    assert len(reminders) == expected and {m.status for m in reminders} == {"pending"}
    assert all(m.not_before > timezone.now() + dt.timedelta(minutes=30) for m in reminders)


def test_a_reminder_held_by_quiet_hours_is_withdrawn_when_its_bill_is_paid_and_never_pushed(world):
    import datetime as dt

    from django.utils import timezone

    from apps.messaging.outbox import dispatch_due

    paid, partly, untouched = (bill_for(world.season) for _ in range(3))
    payer = _bound(paid.house)
    _bound(paid.house)  # a second resident of the paid house got the same reminder
    _bound(partly.house, payer)
    _bound(untouched.house)
    _held_reminders(world, 4)
    with world.commit(execute=True):
        pay(world.collector, [paid], FULL, "NO.1")
        pay(world.collector, [partly], FULL // 2, "NO.2")
    by_page = {}
    for m in _messages(MessageKind.PAYMENT_DUE):
        by_page.setdefault(m.page, set()).add(m.status)
    assert by_page == {f"pages/bill-detail/bill-detail?id={paid.pk}": {"cancelled"},
                       f"pages/bill-detail/bill-detail?id={partly.pk}": {"pending"},
                       f"pages/bill-detail/bill-detail?id={untouched.pk}": {"pending"}}
    assert {m.note for m in _messages(MessageKind.PAYMENT_DUE) if m.status == "cancelled"} == {"paid"}
    # at 08:00 the dispatcher pushes the two still due, never the paid bill's
    dispatch_due(now=timezone.now() + dt.timedelta(hours=3))
    statuses = {m.page: m.status for m in _messages(MessageKind.PAYMENT_DUE)}
    assert statuses[f"pages/bill-detail/bill-detail?id={paid.pk}"] == "cancelled"
    assert statuses[f"pages/bill-detail/bill-detail?id={untouched.pk}"] == "sent"
    assert not Message.objects.filter(page__endswith=f"?id={paid.pk}", deliveries__isnull=False).exists()
    # its receipt still went out
    assert {m.resident_id for m in _messages(MessageKind.PAYMENT_RECEIPT)} >= {payer.pk}


def test_withdrawing_reminders_touches_no_other_kind_and_no_sent_reminder(world):
    bill = bill_for(world.season)
    resident = _bound(bill.house)
    _held_reminders(world, 1)
    [reminder] = _messages(MessageKind.PAYMENT_DUE)
    Message.objects.filter(pk=reminder.pk).update(status="sent")
    from apps.messaging.outbox import enqueue

    notice = enqueue(resident_id=resident.pk, kind=MessageKind.BILL_PUBLISHED, key=f"x:{bill.pk}",
                     variables={"house": "h", "account_no": "a", "season": "s", "amount": "1.00", "due_date": "d"},
                     page=f"pages/bill-detail/bill-detail?id={bill.pk}")
    with world.commit(execute=True):
        pay(world.collector, [bill], FULL, "NO.1")
    assert Message.objects.get(pk=reminder.pk).status == "sent"
    assert Message.objects.get(pk=notice.pk).status != "cancelled"

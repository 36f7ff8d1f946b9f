"""What payments, invoices and resident services tell messaging, as small calls from their success paths.

Each call registers an after-commit callback: nothing runs inside the caller's transaction (a payment's
settlement, a ticket's move), and nothing is said about work that was rolled back. The callback enqueues the
resident's message through the outbox (`apps.messaging.outbox.enqueue`), which puts it in the in-app inbox and
pushes it on the best channel. Keys are what the message is about (the order, refund, invoice or ticket step)
and whom it is for, so a replayed notify or a second settlement of the same order makes no second message (the
outbox's dedup key is unique). A failure is logged and dropped: the payment is committed and its answer (to
WeChat's notify, to the collector) must not change because a receipt could not be written.

Who hears what:
- payment_settled → PAYMENT_RECEIPT: an online order's resident; a counter payment's residents are everybody
  bound to one of the order's houses (each told about their own houses). It also withdraws the payment-due
  reminders not pushed yet (held by quiet hours, a cap or a retry) of the order's bills that now owe nothing:
  nobody is asked at 08:00 to pay what they paid at 23:00.
- refund_succeeded → REFUND_RECEIPT, to the same people as the order's receipt.
- invoice_issued (blue invoices) → INVOICE_ISSUED: the resident who asked for it, else the order's people.
- ticket_changed → TICKET_UPDATE on assigned / resolved / rejected / compensated, to the resident who filed it
  (a ticket staff filed for a caller has nobody to tell).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heat_platform.money import fen_to_yuan_str

if TYPE_CHECKING:
    import datetime as dt

    from apps.payments.models import PaymentOrder
    from apps.properties.models import House

logger = logging.getLogger(__name__)

# Ticket timeline actions (apps/services TicketEvent.action) a resident is told about; callers check this set
# before calling, so other moves cost nothing.
TICKET_ACTIONS = frozenset({"assign", "resolve", "reject", "compensation"})
HOUSE_MAX = 20  # a WeChat `thing` value
NOTE_MAX = 100  # the in-app body shows it whole; the WeChat `thing5` keyword is cut by the outbox

ORDER_PAGE = "pages/order/order?outTradeNo={}"
INVOICE_PAGE = "pages/invoice-detail/invoice-detail?id={}"
TICKET_PAGE = "pages/ticket-detail/ticket-detail?id={}"


# --- the calls ---------------------------------------------------------------------------------------------------

def payment_settled(order_id: int) -> None:
    """An order was paid (an online settlement or a counter payment): its receipt, and its bills' reminders
    withdrawn, after commit (two callbacks: one failing does not stop the other)."""
    _after_commit("payment_settled", payment_receipt_enqueue, order_id)
    _after_commit("payment_settled", payment_due_withdraw, order_id)


def refund_succeeded(refund_id: int) -> None:
    """A refund succeeded: its receipt, after commit."""
    _after_commit("refund_succeeded", refund_receipt_enqueue, refund_id)


def invoice_issued(invoice_id: int) -> None:
    """A blue e-invoice was issued: tell who will want to download it, after commit."""
    _after_commit("invoice_issued", invoice_issued_enqueue, invoice_id)


def ticket_changed(ticket_id: int, event_id: int) -> None:
    """A ticket step in TICKET_ACTIONS was recorded as `event_id`: tell the resident, after commit."""
    _after_commit("ticket_changed", ticket_update_enqueue, ticket_id, event_id)


def _after_commit(name: str, work: Callable[..., int], *args: int) -> None:
    company = connection.tenant
    schema = company.schema_name

    def run() -> None:
        from tenants.directory import company_context

        try:
            # The callback may run after the request left the company's schema (a test's captured callbacks,
            # a notify forwarded in-process): always in the schema that committed, on its cluster.
            with company_context(company), translation.override(settings.LANGUAGE_CODE):
                work(*args)
        except Exception:
            logger.exception("messaging hook %s%s in %s failed; no message", name, args, schema)

    transaction.on_commit(run)


# --- what each call enqueues (public so a sweep or a test may run them directly) ------------------------------------

def payment_receipt_enqueue(order_id: int) -> int:
    """PAYMENT_RECEIPT for a paid order to its people; returns the messages enqueued (0: already told)."""
    from apps.payments.models import PaymentOrder

    from .models import MessageKind

    order = PaymentOrder.objects.select_related("resident").filter(pk=order_id, status=PaymentOrder.Status.PAID).first()
    if order is None:
        return 0
    base = {"amount": fen_to_yuan_str(order.amount_fen), "paid_at": _minute(order.paid_at or order.updated_at),
            "order_no": order.out_trade_no, "channel": str(order.get_channel_display())}
    return _send(MessageKind.PAYMENT_RECEIPT, f"{order.pk}", base, _order_people(order),
                 ORDER_PAGE.format(order.out_trade_no))


def payment_due_withdraw(order_id: int) -> int:
    """Cancel the PENDING payment-due reminders of the order's bills that owe nothing now (billing's amount due:
    late fees and discounts included), for everybody they were for; returns how many. A reminder being sent at
    this moment (SENDING) or already sent is left alone; a bill still partly due keeps its reminder. Campaign
    reminders point at their bill by `page` (campaigns.BILL_PAGE), compared exactly."""
    from apps.billing.amounts import bill_amount_due
    from apps.billing.models import Bill

    from .campaigns import BILL_PAGE
    from .models import Message, MessageKind

    bills = (Bill.objects.filter(order_items__order_id=order_id).distinct()
             .select_related("house").prefetch_related("house__status_changes"))
    today = timezone.localdate()
    pages = [BILL_PAGE.format(bill.pk) for bill in bills if bill_amount_due(bill, on=today).total_fen <= 0]
    if not pages:
        return 0
    return Message.objects.filter(kind=MessageKind.PAYMENT_DUE, status=Message.Status.PENDING,
                                  page__in=pages).update(status=Message.Status.CANCELLED, note="paid")


def refund_receipt_enqueue(refund_id: int) -> int:
    """REFUND_RECEIPT for a successful refund to its order's people."""
    from apps.payments.models import Refund

    from .models import MessageKind

    refund = (Refund.objects.select_related("order__resident")
              .filter(pk=refund_id, status=Refund.Status.SUCCESS).first())
    if refund is None:
        return 0
    order = refund.order
    base = {"amount": fen_to_yuan_str(refund.amount_fen), "refunded_at": _minute(refund.finished_at),
            "order_no": order.out_trade_no, "reason": refund.reason}
    return _send(MessageKind.REFUND_RECEIPT, f"{refund.pk}", base, _order_people(order),
                 ORDER_PAGE.format(order.out_trade_no))


def invoice_issued_enqueue(invoice_id: int) -> int:
    """INVOICE_ISSUED for an issued blue invoice: the resident who asked for it, else the order's people."""
    from apps.invoices.models import Invoice

    from .models import MessageKind

    invoice = (Invoice.objects.select_related("order__resident", "requested_by_resident")
               .filter(pk=invoice_id, kind=Invoice.Kind.BLUE, status=Invoice.Status.ISSUED).first())
    if invoice is None:
        return 0
    people = _order_people(invoice.order)
    asker = invoice.requested_by_resident
    if asker is not None and _reachable(asker):
        houses = dict(people).get(asker.pk) or _order_houses(invoice.order)
        people = [(asker.pk, houses)]
    base = {"amount": fen_to_yuan_str(invoice.total_fen), "invoice_no": invoice.invoice_number,
            "issued_at": _minute(invoice.issued_at)}
    return _send(MessageKind.INVOICE_ISSUED, f"{invoice.pk}", base, people, INVOICE_PAGE.format(invoice.pk))


def ticket_update_enqueue(ticket_id: int, event_id: int) -> int:
    """TICKET_UPDATE about one step of a resident's ticket."""
    from apps.services.models import Ticket, TicketEvent

    from .models import MessageKind
    from .outbox import enqueue

    event = (TicketEvent.objects.select_related("ticket__category", "ticket__resident", "ticket__assignee")
             .filter(pk=event_id, ticket_id=ticket_id, public=True, action__in=TICKET_ACTIONS).first())
    if event is None:
        return 0
    ticket: Ticket = event.ticket
    resident = ticket.resident
    if resident is None or not _reachable(resident):
        return 0
    status = {"assign": _("已派单"), "resolve": _("已解决"), "reject": _("已驳回"),
              "compensation": _("已补偿")}[event.action]
    title = ticket.category.name if ticket.category_id else str(ticket.get_kind_display())
    variables = {"ticket_no": ticket.no, "ticket_title": title, "status": str(status),
                 "updated_at": _minute(event.created_at), "note": _cut(_ticket_note(event, ticket), NOTE_MAX)}
    message = enqueue(resident_id=resident.pk, kind=MessageKind.TICKET_UPDATE, key=f"{ticket.pk}:{event.pk}",
                      variables=variables, page=TICKET_PAGE.format(ticket.pk))
    return int(message is not None)


# --- helpers -------------------------------------------------------------------------------------------------------

def _ticket_note(event, ticket) -> str:
    """The event's note as the resident should read it. An assignment's note starts "已派给 <shown_name>", and
    shown_name falls back to the login name; a resident is told the technician's display name, or a neutral
    "维修人员", never a username. The dispatcher's own words after the name are kept."""
    assignee = ticket.assignee
    if event.action != "assign" or assignee is None:
        return event.note
    names = {assignee.shown_name, assignee.get_username(), assignee.display_name} - {""}
    prefixes = {p for n in names for p in (_("已派给 %(name)s") % {"name": n}, f"已派给 {n}")}
    match = next((p for p in sorted(prefixes, key=len, reverse=True) if event.note.startswith(p)), None)
    if match is not None:
        rest = event.note[len(match):].removeprefix("：")
    else:  # a shape we did not write: keep only the dispatcher's words after the first colon
        rest = event.note.split("：", 1)[1] if "：" in event.note else ""
    shown = _("已派给 %(name)s") % {"name": assignee.display_name or _("维修人员")}
    return f"{shown}：{rest}" if rest else shown


def _send(kind: str, key: str, base: dict[str, str], people: Iterable[tuple[int, list[House]]], page: str) -> int:
    from .outbox import enqueue

    sent = 0
    for resident_id, houses in people:
        variables = {"house": house_label(houses), **base}
        if enqueue(resident_id=resident_id, kind=kind, key=f"{key}:{resident_id}", variables=variables,
                   page=page) is not None:
            sent += 1
    return sent


def _reachable(resident) -> bool:
    return resident.is_active and resident.erased_at is None


def _order_houses(order: PaymentOrder) -> list[House]:
    from apps.properties.models import House

    return list(House.objects.filter(bills__order_items__order_id=order.pk).distinct()
                .select_related("community", "building", "unit").order_by("account_no"))


def _order_people(order: PaymentOrder) -> list[tuple[int, list[House]]]:
    """(resident id, their houses among the order's) for everybody to tell about `order`: an online order's
    payer; for a counter payment (nobody's phone paid it), every active resident bound to one of its houses."""
    from apps.payments.models import Channel
    from apps.properties.models import HouseBinding

    houses = _order_houses(order)
    if order.channel != Channel.COUNTER:
        resident = order.resident
        return [(resident.pk, houses)] if resident is not None and _reachable(resident) else []
    by_pk = {house.pk: house for house in houses}
    people: dict[int, list[House]] = {}
    bindings = (HouseBinding.objects.filter(house_id__in=by_pk, resident__is_active=True,
                                            resident__erased_at__isnull=True)
                .order_by("resident_id", "house__account_no").values_list("resident_id", "house_id"))
    for resident_id, house_id in bindings:
        people.setdefault(resident_id, []).append(by_pk[house_id])
    return list(people.items())


def house_label(houses: list[House]) -> str:
    """The first house's short address as bill notices write it ("幸福里3-2-501"), "…等3户" for several, at most
    HOUSE_MAX characters (a WeChat `thing`)."""
    from .campaigns import house_short_address

    if not houses:
        return ""
    first = houses[0]
    short = house_short_address(first.community.name, first.building.name,
                                first.unit.name if first.unit_id else None, first.room)
    suffix = _("等%(count)s户") % {"count": len(houses)} if len(houses) > 1 else ""
    return _cut(short, HOUSE_MAX - len(suffix)) + suffix


def _cut(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _minute(moment: dt.datetime | None) -> str:
    """"2026-12-07 14:03" in the company's time zone."""
    return timezone.localtime(moment or timezone.now()).strftime("%Y-%m-%d %H:%M")

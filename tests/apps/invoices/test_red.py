"""Red reversal through the sandbox: a full refund reverses the whole invoice (blue REVERSED), a partial refund
exactly the lines of the bills it took money from (by its bill effects), and a refund before the invoice was
sent is netted out of its lines instead."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.invoices.models import Invoice, RedConfirmation
from apps.invoices.red import RedLineInput, red_manual, red_poll
from apps.invoices.services import invoice_request
from apps.payments.models import Refund
from apps.payments.services import refund_request
from tests.factories.accounts import staff
from tests.factories.billing import FULL
from tests.factories.invoices import PERSON, drive, enable_invoices, paid, request

pytestmark = pytest.mark.django_db


def _issued(world, **options) -> Invoice:
    enable_invoices()
    invoice = drive(request(world, paid(world, **options)))
    assert invoice.status == Invoice.Status.ISSUED
    return invoice


def _refund(world, invoice: Invoice, amount_fen: int) -> Refund:
    with world.commit(execute=True):
        refund = refund_request(order_id=invoice.order_id, amount_fen=amount_fen, reason="退费",
                                actor=staff(f"fin{amount_fen}", role="finance"))
    assert refund.status == Refund.Status.SUCCESS
    return refund


def _red_of(confirmation: RedConfirmation) -> Invoice:
    """What the sweeper does: ask about the confirmation until the bureau answered, then poll its red invoice."""
    for _ in range(5):
        confirmation.refresh_from_db()
        if confirmation.status not in (RedConfirmation.Status.REQUESTED, RedConfirmation.Status.PENDING):
            break
        red_poll(confirmation_id=confirmation.pk)
    return drive(Invoice.objects.get(pk=confirmation.red_invoice_id))


def test_a_full_refund_reverses_the_whole_invoice(world):
    blue = _issued(world)
    refund = _refund(world, blue, FULL)
    confirmation = RedConfirmation.objects.get(refund=refund)
    assert confirmation.full and confirmation.reason == "02" and confirmation.total_fen == -FULL
    assert confirmation.bill_id.startswith("HCR") and confirmation.red_order_no.startswith("HCV")
    red = _red_of(confirmation)
    confirmation.refresh_from_db()
    assert red.status == Invoice.Status.ISSUED and len(red.invoice_number) == 20 and red.pdf_path
    assert confirmation.status == RedConfirmation.Status.ISSUED
    blue.refresh_from_db()
    assert blue.status == Invoice.Status.REVERSED
    assert [(ln.incl_fen, ln.reversed_fen) for ln in blue.lines.all()] == [(FULL, FULL)]
    assert [(ln.incl_fen, ln.excl_fen, ln.tax_fen) for ln in red.lines.all()] == [(-FULL, -FULL, 0)]


def test_a_partial_refund_reverses_exactly_the_lines_of_the_bills_it_took_money_from(world):
    blue = _issued(world, bills=2, category="non_residential")
    first, second = blue.lines.order_by("index")
    assert first.bill_id < second.bill_id
    refund = _refund(world, blue, 50000)  # refunds take from the last bill first
    assert [e["bill_id"] for e in Refund.objects.get(pk=refund.pk).bill_effects] == [second.bill_id]
    confirmation = RedConfirmation.objects.get(refund=refund)
    assert not confirmation.full and [r["blue_line_index"] for r in confirmation.lines] == [second.index]
    red = _red_of(confirmation)
    [red_line] = red.lines.all()
    assert (red_line.incl_fen, red_line.blue_line_id) == (-50000, second.pk)
    # Cut from the blue line in proportion (45871.46 of its 220183 excl), so the parts add up to the blue exactly.
    assert (red_line.excl_fen, red_line.tax_fen) == (-45871, -4129)
    blue.refresh_from_db()
    assert blue.status == Invoice.Status.ISSUED
    assert [ln.reversed_fen for ln in blue.lines.order_by("index")] == [0, 50000]
    # The rest of the order: every line reversed in the end, and the blue is REVERSED.
    rest = _refund(world, blue, 2 * FULL - 50000)
    red2 = _red_of(RedConfirmation.objects.get(refund=rest))
    blue.refresh_from_db()
    assert blue.status == Invoice.Status.REVERSED
    assert [ln.reversed_fen for ln in blue.lines.order_by("index")] == [FULL, FULL]
    # Excl and tax of the reds add up to exactly the blue's (a line reversed in parts gives back its own).
    reds = red.lines.all().union(red2.lines.all())
    assert sum(r.excl_fen for r in reds) == -blue.excl_fen and sum(r.tax_fen for r in reds) == -blue.tax_fen


def test_a_refund_before_the_invoice_was_sent_is_netted_not_reversed(world):
    enable_invoices()
    order = paid(world)
    invoice = invoice_request(order_id=order.pk, title=PERSON)  # queued, not sent yet
    with world.commit(execute=True):
        refund = refund_request(order_id=order.pk, amount_fen=40000, reason="退费", actor=staff("f", role="finance"))
    from apps.invoices.services import invoice_submit

    with world.commit(execute=True):
        invoice_submit(invoice_id=invoice.pk)
    invoice = drive(invoice)
    assert invoice.status == Invoice.Status.ISSUED and invoice.total_fen == FULL - 40000
    assert invoice.netted_refund_ids == [refund.pk]
    assert not RedConfirmation.objects.exists()


def test_staff_reverse_by_hand_within_what_each_line_has_left(world):
    blue = _issued(world)
    fin = staff("fin", role="finance")
    with pytest.raises(ValidationError) as exc:
        red_manual(invoice_id=blue.pk, reason="01", note="金额开错", lines=[RedLineInput(1, FULL + 1)], actor=fin)
    assert exc.value.error_dict["lines"][0].code == "RED_EXCEEDS"
    with world.commit(execute=True):
        confirmation = red_manual(invoice_id=blue.pk, reason="01", note="金额开错",
                                  lines=[RedLineInput(1, 10000)], actor=fin)
    assert _red_of(confirmation).status == Invoice.Status.ISSUED
    with pytest.raises(ValidationError) as exc:  # partly reversed: a full reversal is no longer possible
        red_manual(invoice_id=blue.pk, reason="01", note="再冲", lines=None, actor=fin)
    assert exc.value.error_dict["lines"][0].code == "NOT_ALLOWED_IN_STATE"


def test_the_sweeper_never_sends_a_red_invoice_as_an_order(world):
    """The red invoice waits for its confirmation (the bureau issues it): a sweep before the bureau answered
    must not send it through the blue path (the provider refused it there: E9108, the red invoice FAILED)."""
    from apps.invoices.services import invoice_retry, invoices_sweep

    blue = _issued(world)
    refund = _refund(world, blue, 10_000)
    confirmation = RedConfirmation.objects.get(refund=refund)
    red = Invoice.objects.get(pk=confirmation.red_invoice_id)
    assert red.kind == Invoice.Kind.RED and red.status == Invoice.Status.REQUESTED
    with world.commit(execute=True):
        invoices_sweep()  # sends the confirmation; the red invoice stays as it is
    red.refresh_from_db()
    assert red.status in (Invoice.Status.REQUESTED, Invoice.Status.ISSUING, Invoice.Status.ISSUED)
    assert red.fail_reason == ""
    red = _red_of(confirmation)
    assert red.status == Invoice.Status.ISSUED and red.total_fen == -10_000
    Invoice.objects.filter(pk=red.pk).update(status=Invoice.Status.FAILED)
    with pytest.raises(ValidationError):
        invoice_retry(invoice_id=red.pk)

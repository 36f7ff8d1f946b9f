"""Invoice rows as the lifecycle leaves them (for API and download tests), in the current tenant schema: a paid
order of a resident, its blue invoice with lines, an issued one's PDF/OFD copies in the company's storage, and
a red invoice reversing part of it. The lifecycle itself is tested through the sandbox (tests/apps/invoices)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.invoices.models import Invoice, InvoiceLine, RedConfirmation
from apps.payments.models import PaymentOrder

_seq = itertools.count(1)
PDF_BYTES = b"%PDF-1.4\n% invoice test file\n%%EOF\n"
OFD_BYTES = b"PK\x03\x04 ofd test file"


def paid_order(resident=None, *, amount_fen: int = 215000) -> PaymentOrder:
    n = next(_seq)
    return PaymentOrder.objects.create(out_trade_no=f"W2612INV{n:011d}", channel="wechat", status="paid",
                                       amount_fen=amount_fen, description="供暖费", resident=resident,
                                       paid_at=timezone.now())


def blue_invoice(order: PaymentOrder, *, status: str = Invoice.Status.ISSUED, lines: int = 2,
                 files: bool = True, buyer_name: str = "张三") -> Invoice:
    n = next(_seq)
    per_line = order.amount_fen // lines
    invoice = Invoice.objects.create(order=order, order_no=f"HCI{n:08d}", kind=Invoice.Kind.BLUE, status=status,
                                     buyer_name=buyer_name, total_fen=per_line * lines, excl_fen=per_line * lines,
                                     tax_fen=0)
    for i in range(1, lines + 1):
        InvoiceLine.objects.create(invoice=invoice, index=i, line_kind="heating_fee", goods_name="*供热*采暖费",
                                   tax_code="1100301010000000000", unit="平方米", quantity=Decimal("1"),
                                   unit_price_excl=Decimal(per_line) / 100, tax_rate=Decimal("0"),
                                   favoured_policy="03", excl_fen=per_line, tax_fen=0, incl_fen=per_line,
                                   explanation="免税（03）")
    if status in (Invoice.Status.ISSUED, Invoice.Status.REVERSED, Invoice.Status.RED_REQUESTED):
        fields = {"invoice_number": f"2612000000000000{n:04d}", "issued_at": timezone.now()}
        if files:
            fields["pdf_path"] = default_storage.save(f"invoices/202612/{invoice.order_no}.pdf", ContentFile(PDF_BYTES))
            fields["ofd_path"] = default_storage.save(f"invoices/202612/{invoice.order_no}.ofd", ContentFile(OFD_BYTES))
        Invoice.objects.filter(pk=invoice.pk).update(**fields)
        invoice.refresh_from_db()
    return invoice


def red_invoice(blue: Invoice, *, line_index: int = 1) -> Invoice:
    """A red invoice reversing one blue line, with its (issued) red confirmation."""
    n = next(_seq)
    line = blue.lines.get(index=line_index)
    red = Invoice.objects.create(order=blue.order, order_no=f"HCV{n:08d}", kind=Invoice.Kind.RED, blue=blue,
                                 status=Invoice.Status.ISSUED, buyer_name=blue.buyer_name, total_fen=-line.incl_fen,
                                 excl_fen=-line.excl_fen, tax_fen=0, invoice_number=f"2612000000000001{n:04d}",
                                 issued_at=timezone.now())
    InvoiceLine.objects.create(invoice=red, index=1, line_kind=line.line_kind, goods_name=line.goods_name,
                               tax_code=line.tax_code, quantity=-line.quantity, unit_price_excl=line.unit_price_excl,
                               tax_rate=line.tax_rate, favoured_policy=line.favoured_policy,
                               excl_fen=-line.excl_fen, tax_fen=0, incl_fen=-line.incl_fen, blue_line=line)
    RedConfirmation.objects.create(blue=blue, bill_id=f"HCR{n:08d}", red_order_no=red.order_no,
                                   reason="02", full=False, total_fen=-line.incl_fen,
                                   status=RedConfirmation.Status.ISSUED, red_invoice=red, confirmation_no=f"C{n}")
    return red

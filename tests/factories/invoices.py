"""E-invoices (in the current tenant schema): a company's enabled settings against the sandbox Nuonuo cloud
(a freshly registered app, real credentials and signatures) and the tax treatment of the fee items."""

from __future__ import annotations

from decimal import Decimal

from apps.invoices.models import FeeItemTax, Invoice, InvoiceSettings
from apps.invoices.sandbox.cloud import sandbox_nuonuo_app
from apps.invoices.services import BuyerTitle, invoice_poll, invoice_request
from tests.factories.billing import FULL, bill_for
from tests.factories.payments import pay

SELLER_TAX_NO = "91120116MA05TEST8X"  # the sandbox only checks the shape (18 characters)
HEATING_CODE = "1100301000000000000"


def enable_invoices(*, tax_no: str = SELLER_TAX_NO, policy: str = InvoiceSettings.Policy.ON_REQUEST,
                    taxes: bool = True) -> InvoiceSettings:
    """Invoicing on, credentials from the sandbox app registered for `tax_no`; fee items configured: residential
    heating and late fee exempt (03), non-residential 9%."""
    credentials = sandbox_nuonuo_app(tax_no=tax_no, seller_name="滨海热力有限公司")
    config = InvoiceSettings.objects.create(
        enabled=True, seller_tax_no=tax_no, seller_name="滨海热力有限公司", drawer="王会计", policy=policy,
        app_key=credentials.app_key, app_secret=credentials.app_secret, access_token=credentials.access_token)
    if taxes:
        for kind, name in (("heating_fee", "供暖费"), ("basic_fee", "基本热费"), ("metered_fee", "计量热费"),
                           ("late_fee", "违约金")):
            FeeItemTax.objects.create(line_kind=kind, category="residential", goods_name=name, tax_code=HEATING_CODE,
                                      tax_rate=Decimal("0"), favoured_policy="03", unit="元")
            FeeItemTax.objects.create(line_kind=kind, category="non_residential", goods_name=name,
                                      tax_code=HEATING_CODE, tax_rate=Decimal("0.09"), unit="元")
    return config


# --- driving invoices in tests (the `world` fixture of tests/apps/invoices/conftest.py) -------------------

PERSON = BuyerTitle(kind="personal", name="张三丰", phone="13800000000")
COMPANY = BuyerTitle(kind="company", name="天津某某科技有限公司", tax_no="91110000802100433B")


def paid(world, *, category="residential", amount=FULL, bills=1):
    made = [bill_for(world.season, category=category) for _ in range(bills)]
    with world.commit(execute=True):
        return pay(world.collector, made, amount * bills if amount == FULL else amount, f"NO.{made[0].pk}")


def drive(invoice: Invoice, rounds: int = 5) -> Invoice:
    """Poll until the provider's answer is final (the sandbox moves one state per query)."""
    for _ in range(rounds):
        invoice.refresh_from_db()
        if invoice.status != Invoice.Status.ISSUING:
            break
        invoice_poll(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    return invoice


def request(world, order, title=PERSON, **kw) -> Invoice:
    with world.commit(execute=True):
        return invoice_request(order_id=order.pk, title=title, **kw)

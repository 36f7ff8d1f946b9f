"""The demo company's e-invoicing (`make run`): an app at the sandbox Nuonuo cloud, issuing settings and the tax
treatment of each fee item, so a new user can request an invoice for a payment at once."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from tenants.models import HeatingCompany

DEMO_SELLER_TAX_NO = "339902999999789113"  # Nuonuo's published sandbox tax number
# Demo values only: the 19-digit tax classification code of heating is a per-company setting (not found in public
# sources, see DOMAIN-2 §1.4); residents' heating is VAT-exempt (免税, 03), non-residential heating is taxed at 9%.
DEMO_TAX_CODE = "1100301010000000000"
DEMO_ITEMS = {  # line kind: (goods name, unit)
    "heating_fee": ("供暖费", "平方米"),
    "basic_fee": ("基本热费", "平方米"),
    "metered_fee": ("计量热费", "吉焦"),
    "late_fee": ("供暖费违约金", ""),
}


def demo_invoices_seed(*, tenant: HeatingCompany) -> bool:
    """Register the demo at the sandbox cloud (public schema) and, in the company's schema, turn invoicing on
    (on request) with every fee item set. Idempotent: nothing when settings exist. True when it seeded."""
    from apps.invoices.models import FeeItemTax, InvoiceSettings
    from apps.invoices.sandbox.cloud import sandbox_nuonuo_app

    connection.set_tenant(tenant)
    if InvoiceSettings.objects.exists():
        return False
    connection.set_schema_to_public()
    # Invoices move 20 → 21 → 2 by themselves every 2 s, as the real cloud does in the background.
    credentials = sandbox_nuonuo_app(tax_no=DEMO_SELLER_TAX_NO, seller_name=tenant.name, seconds_per_step=2)
    connection.set_tenant(tenant)
    InvoiceSettings.objects.create(
        enabled=True, seller_tax_no=DEMO_SELLER_TAX_NO, seller_name=tenant.name,
        seller_address_phone="天津市河西区友谊路 1 号 022-00000000",
        seller_bank_account="中国银行天津分行 000000000000",
        drawer="张会计", provider=InvoiceSettings.Provider.NUONUO, app_key=credentials.app_key,
        app_secret=credentials.app_secret, access_token=credentials.access_token,
        policy=InvoiceSettings.Policy.ON_REQUEST)
    for kind, (goods, unit) in DEMO_ITEMS.items():
        FeeItemTax.objects.create(line_kind=kind, category=FeeItemTax.Category.RESIDENTIAL, goods_name=goods,
                                  tax_code=DEMO_TAX_CODE, tax_rate=Decimal("0"), favoured_policy="03", unit=unit)
        FeeItemTax.objects.create(line_kind=kind, category=FeeItemTax.Category.NON_RESIDENTIAL, goods_name=goods,
                                  tax_code=DEMO_TAX_CODE, tax_rate=Decimal("0.09"), unit=unit)
    return True

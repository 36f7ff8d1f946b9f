from django.apps import AppConfig


class InvoiceSandboxConfig(AppConfig):
    name = "apps.invoices.sandbox"
    label = "invoices_sandbox"
    verbose_name = "Nuonuo e-invoice sandbox"

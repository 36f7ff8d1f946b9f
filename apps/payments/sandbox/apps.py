from django.apps import AppConfig


class PaymentSandboxConfig(AppConfig):
    name = "apps.payments.sandbox"
    label = "payments_sandbox"
    verbose_name = "Payment gateway sandbox"

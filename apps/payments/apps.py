from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from . import merchants  # noqa: F401  (connects the receivers that invalidate cached notify providers)

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from . import onboarding  # noqa: F401  (connects the tenant_provisioned receiver)

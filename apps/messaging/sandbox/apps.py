from django.apps import AppConfig


class MessagingSandboxConfig(AppConfig):
    name = "apps.messaging.sandbox"
    label = "messaging_sandbox"
    verbose_name = "Messaging sandbox"

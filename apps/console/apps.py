from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff and operator web console: a single-page app built from web/ into static/console/."""

    name = "apps.console"
    label = "console"
    verbose_name = "Web console"

from django.apps import AppConfig


class HeatPlatformConfig(AppConfig):
    name = "heat_platform"
    verbose_name = "HeatCloud platform"

    def ready(self) -> None:
        from heat_platform.observability import celery_signals  # noqa: F401  (connects the task log and metrics)

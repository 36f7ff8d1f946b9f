from django.apps import AppConfig


class HeatPlatformConfig(AppConfig):
    name = "heat_platform"
    verbose_name = "HeatCloud platform"

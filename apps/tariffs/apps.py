from django.apps import AppConfig


class TariffsConfig(AppConfig):
    name = "apps.tariffs"
    label = "tariffs"
    verbose_name = "Seasons and tariffs"

"""Celery app. tenant-schemas-celery stamps the current schema on each task
and switches the worker's connection to it before the task runs."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heat_platform.settings.dev")

app = CeleryApp("heat_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

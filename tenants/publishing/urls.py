"""Platform domain: /wxopen/… (WeChat third-party platform pushes)."""

from django.urls import path

from .callback import component_callback

urlpatterns = [
    path("callback/", component_callback, name="wxopen-callback"),
]

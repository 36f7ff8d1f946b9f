"""Mounted at /files/ on company domains (heat_platform/urls_tenant.py)."""

from django.urls import re_path

from .miniprogram_views import MiniProgramBuildDownloadView, branding_logo

urlpatterns = [
    re_path(r"^miniprogram/(?P<build_id>\d{1,18})\.zip$", MiniProgramBuildDownloadView.as_view(),
            name="miniprogram-build-download"),
    re_path(r"^branding/(?P<name>logo-[0-9a-f]{16})\.(?P<ext>png|jpg)$", branding_logo, name="branding-logo"),
]

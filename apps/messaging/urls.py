"""Mounted under /files/ of a company's domain (heat_platform/urls_tenant.py)."""

from django.urls import re_path

from .views import ContentImageFileView, ContentImageUploadView

urlpatterns = [
    re_path(r"^messaging/images/$", ContentImageUploadView.as_view(), name="messaging-image-upload"),
    re_path(r"^messaging/images/(?P<name>[0-9a-f]{64}\.(?:jpg|png|webp))$", ContentImageFileView.as_view(),
            name="messaging-image"),
]

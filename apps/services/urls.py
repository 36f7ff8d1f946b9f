"""Mounted under /files/ of a company's domain (heat_platform/urls_tenant.py)."""

from django.urls import re_path

from .views import PhotoFileView, PhotoUploadView

urlpatterns = [
    re_path(r"^services/photos/$", PhotoUploadView.as_view(), name="service-photo-upload"),
    re_path(r"^services/photos/(?P<photo_id>[0-9a-f-]{36})$", PhotoFileView.as_view(), name="service-photo"),
]

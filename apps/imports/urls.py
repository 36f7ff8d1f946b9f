from django.urls import re_path

from .views import ExportDownloadView, HouseExportView, HouseTemplateView, ImportUploadView

urlpatterns = [
    re_path(r"^imports/$", ImportUploadView.as_view(), name="imports-upload"),
    re_path(r"^houses/template\.(?P<file_kind>xlsx|csv)$", HouseTemplateView.as_view(), name="houses-template"),
    re_path(r"^houses/export\.(?P<file_kind>xlsx|csv)$", HouseExportView.as_view(), name="houses-export"),
    re_path(r"^exports/(?P<job_id>[0-9a-f-]{36})/$", ExportDownloadView.as_view(), name="export-download"),
]

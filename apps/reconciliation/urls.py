from django.urls import re_path

from .views import StatementFileView

urlpatterns = [
    re_path(r"^statements/(?P<run_id>[0-9]{1,18})/$", StatementFileView.as_view(), name="statement-file"),
]

"""GET /files/statements/<run id>/: a statement run's raw file as downloaded
from the provider (gzip / zip), for finance and admins. A run of another
company is not in this schema: 404 like a missing one."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _

from apps.accounts.permissions import RECONCILE
from heat_platform.kernel.rest import StaffFileView, error_response

from .models import StatementRun

CONTENT_TYPES = {".gz": "application/gzip", ".zip": "application/zip"}


def statement_file_name(run: StatementRun) -> str:
    """wechat-trade-2026-11-25.csv.gz / alipay-trade-2026-11-25.zip: what the download is saved as."""
    suffix = ".zip" if run.file_path.endswith(".zip") else ".csv.gz"
    return f"{run.channel}-{run.kind}-{run.bill_date.isoformat()}{suffix}"


class StatementFileView(StaffFileView):
    allowed_roles = RECONCILE

    def get(self, request, run_id: str):
        run = StatementRun.objects.filter(pk=int(run_id)).exclude(file_path="").first()
        if run is None:
            return error_response(404, "NOT_FOUND", _("找不到该对账文件。"))
        try:
            file = default_storage.open(run.file_path, "rb")
        except FileNotFoundError:
            return error_response(410, "EXPIRED", _("对账文件已不存在，请重新对账。"))
        name = statement_file_name(run)
        return FileResponse(file, as_attachment=True, filename=name,
                            content_type=CONTENT_TYPES[".zip" if name.endswith(".zip") else ".gz"])

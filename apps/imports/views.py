"""File endpoints on a company's domain (/files/…). Each parses the request,
calls one service and shapes the response."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from rest_framework.response import Response

from apps.accounts.permissions import ALL_STAFF, LEDGER_IMPORT, LEDGER_VIEW
from heat_platform.kernel.actors import client_ip
from heat_platform.kernel.rest import StaffFileView, error_response

from .errors import ImportErrorCode
from .export_jobs import export_file
from .exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, house_export, ledger_template
from .models import ExportJob, FileKind
from .selectors import access_export_job
from .services import MAX_UPLOAD_BYTES, upload_create

# Room for the multipart envelope around the file when checking Content-Length.
MULTIPART_OVERHEAD = 64 * 1024


class ImportUploadView(StaffFileView):
    """POST /files/imports/ (multipart, field `file`, .xlsx or .csv, ≤ 50 MB)
    → 201 {uploadId, fileName, fileKind, size}; then GraphQL startHouseImport."""

    allowed_roles = LEDGER_IMPORT

    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
            raise ValidationError(_("文件不能超过 %(mb)s MB。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                                  code=ImportErrorCode.FILE_TOO_LARGE)  # refused before reading the body
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError(_("请选择要上传的文件（表单字段 file）。"), code=ImportErrorCode.EMPTY_FILE)
        upload = upload_create(file=file, uploaded_by=request.user)
        return Response({"uploadId": str(upload.pk), "fileName": upload.original_name,
                         "fileKind": upload.file_kind, "size": upload.size}, status=201)


class HouseTemplateView(StaffFileView):
    """GET /files/houses/template.xlsx | template.csv"""

    allowed_roles = ALL_STAFF

    def get(self, request, file_kind: str):
        content_type = XLSX_CONTENT_TYPE if file_kind == FileKind.XLSX else CSV_CONTENT_TYPE
        return HttpResponse(ledger_template(file_kind=file_kind), content_type=content_type, headers={
            "Content-Disposition": content_disposition_header(True, f"房屋台账导入模板.{file_kind}")})


class HouseExportView(StaffFileView):
    """GET /files/houses/export.xlsx | export.csv, streamed; phone and ID
    numbers masked unless the role may see them."""

    allowed_roles = LEDGER_VIEW

    def get(self, request, file_kind: str):
        export = house_export(actor=request.user, file_kind=file_kind, ip=client_ip(request))
        if export.file is not None:
            return FileResponse(export.file, as_attachment=True, filename=export.filename,
                                content_type=export.content_type)
        return StreamingHttpResponse(export.chunks, content_type=export.content_type, headers={
            "Content-Disposition": content_disposition_header(True, export.filename)})


class ExportDownloadView(StaffFileView):
    """GET /files/exports/<id>/ → the finished .xlsx of an export job, for the
    person who started it only (anyone else's job is 404, like an unknown one);
    409 NOT_READY while it runs or after it failed, 410 EXPIRED once deleted."""

    allowed_roles = ALL_STAFF

    def get(self, request, job_id: str):
        job = access_export_job(user=request.user, job_id=job_id)
        if job is None:
            return error_response(404, "NOT_FOUND", _("找不到该导出任务。"))
        if job.status == ExportJob.Status.EXPIRED:
            return error_response(410, "EXPIRED", _("导出文件已过期删除，请重新导出。"))
        if job.status != ExportJob.Status.SUCCEEDED:
            return error_response(409, "NOT_READY", _("导出尚未完成。"))
        try:
            file = export_file(job)
        except FileNotFoundError:
            return error_response(410, "EXPIRED", _("导出文件已过期删除，请重新导出。"))
        return FileResponse(file, as_attachment=True, filename=job.file_name, content_type=XLSX_CONTENT_TYPE)

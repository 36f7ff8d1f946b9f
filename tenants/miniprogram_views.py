"""File endpoints on a company's domain for its mini-program:

- GET /files/miniprogram/<build id>.zip — a branded build (tenant admins);
- GET /files/branding/logo-<hash>.png|jpg — the current logo (public: the app
  shows it before anyone logs in). Content-hashed names, cached for a year.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET
from rest_framework.exceptions import NotFound

from apps.accounts.permissions import ADMIN
from heat_platform.kernel.rest import StaffFileView

from .miniprogram_build import build_for_download
from .models import MiniProgramBranding

LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


class MiniProgramBuildDownloadView(StaffFileView):
    allowed_roles = ADMIN

    def get(self, request, build_id: str):
        build = build_for_download(tenant=connection.tenant, build_id=int(build_id))
        if build is None or not default_storage.exists(build.file_name):
            raise NotFound()  # another company's build is not found either
        return FileResponse(default_storage.open(build.file_name, "rb"), as_attachment=True,
                            filename=f"{connection.tenant.slug}-miniprogram-{build.sha256[:12]}.zip",
                            content_type="application/zip")


@require_GET
def branding_logo(request: HttpRequest, name: str, ext: str):
    logo_name = f"branding/{name}.{ext}"
    if not MiniProgramBranding.objects.filter(tenant_id=connection.tenant.pk, logo_name=logo_name).exists() \
            or not default_storage.exists(logo_name):
        raise Http404()
    response = FileResponse(default_storage.open(logo_name, "rb"), content_type=LOGO_TYPES[ext])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

"""Photo endpoints of resident services on a company's domain (/files/services/photos/…).

POST /files/services/photos/: multipart `file` + `purpose`, the Bearer token of a resident or a staff member →
201 {photoId, url, width, height}; a body over the limit is refused by its Content-Length before it is read (413
FILE_TOO_LARGE), anything that is not a JPEG / PNG / WebP picture is 400 PHOTO_BAD_TYPE.
GET /files/services/photos/<uuid>?exp=…&sig=…: the picture, for whoever holds the signed URL GraphQL gave (a
mini-program <image> cannot send headers); a wrong or expired signature and an unknown photo are the same 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response

from apps.accounts.permissions import ALL_STAFF
from heat_platform.kernel.actors import Actor
from heat_platform.kernel.rest import StaffFileView, error_response

from .errors import ServiceErrorCode
from .photos import MAX_BYTES, photo_create, photo_for_signed, photo_url, too_large

# Room for the multipart envelope (boundaries, the purpose field) around the file.
MULTIPART_OVERHEAD = 16 * 1024


class ResidentOrStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        actor = request.auth
        return isinstance(actor, Actor) and (
            actor.kind == "resident" or (actor.kind == "staff" and actor.role in ALL_STAFF))


class PhotoUploadView(StaffFileView):
    permission_classes = [ResidentOrStaff]

    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_BYTES + MULTIPART_OVERHEAD:
            raise too_large()  # refused unread (no Content-Length: a chunked body we will not read either)
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError(_("请选择要上传的图片（表单字段 file）。"), code=ServiceErrorCode.REQUIRED)
        actor: Actor = request.auth
        resident = actor.resident if actor.kind == "resident" else None
        photo = photo_create(file=file, purpose=str(request.data.get("purpose") or ""), resident=resident,
                             user=actor.user if resident is None else None)
        return Response({"photoId": str(photo.pk), "url": request.build_absolute_uri(photo_url(photo)),
                         "width": photo.width, "height": photo.height}, status=201)


class PhotoFileView(StaffFileView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request, photo_id: str):
        photo = photo_for_signed(photo_id=photo_id, expires=request.GET.get("exp", ""),
                                 signature=request.GET.get("sig", ""))
        if photo is None:
            return error_response(404, "NOT_FOUND", _("找不到该图片。"))
        try:
            file = default_storage.open(photo.path, "rb")
        except FileNotFoundError:
            return error_response(404, "NOT_FOUND", _("找不到该图片。"))
        response = FileResponse(file, content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response

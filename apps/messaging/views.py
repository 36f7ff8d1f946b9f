"""Content-image endpoints on a company's domain (/files/messaging/images/…).

POST /files/messaging/images/: multipart `file`, the Bearer token of staff who write announcements or articles →
201 {id, url, width, height}; a body over 5 MB is refused by its Content-Length before it is read (413
FILE_TOO_LARGE); anything that is not a JPEG / PNG / WebP picture is 400 IMAGE_BAD_TYPE.
GET /files/messaging/images/<sha256>.<ext>: the picture, to anyone (announcements are public to the company's
residents, and <rich-text> cannot send a token), cached for good (the name is the content's hash). A picture of
another company, on this company's domain, is the same 404 as a missing one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts.permissions import ANNOUNCEMENT_MANAGE, KB_MANAGE
from heat_platform.kernel.rest import StaffFileView, error_response

from .errors import MessagingErrorCode
from .images import MAX_BYTES, content_image_create, content_image_for_path, image_url_path, too_large
from .richtext import IMAGE_PATH

# Room for the multipart envelope (boundary, headers) around the file.
MULTIPART_OVERHEAD = 16 * 1024
YEAR = 365 * 24 * 3600


class ContentImageUploadView(StaffFileView):
    allowed_roles = tuple(dict.fromkeys((*ANNOUNCEMENT_MANAGE, *KB_MANAGE)))

    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_BYTES + MULTIPART_OVERHEAD:
            raise too_large()  # refused unread (no Content-Length: a chunked body we will not read either)
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError(_("请选择要上传的图片（表单字段 file）。"), code=MessagingErrorCode.REQUIRED)
        image = content_image_create(file=file, user=request.auth.user)
        return Response({"id": str(image.pk), "url": request.build_absolute_uri(image_url_path(image)),
                         "width": image.width, "height": image.height}, status=201)


class ContentImageFileView(StaffFileView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request, name: str):
        image = content_image_for_path(f"{IMAGE_PATH}{name}")
        if image is None:
            return error_response(404, "NOT_FOUND", _("找不到该图片。"))
        try:
            file = default_storage.open(image.file, "rb")
        except FileNotFoundError:
            return error_response(404, "NOT_FOUND", _("找不到该图片。"))
        response = FileResponse(file, content_type=image.content_type)
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        response["X-Content-Type-Options"] = "nosniff"
        return response

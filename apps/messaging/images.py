"""Pictures staff put in announcements and knowledge-base articles.

Uploaded by staff who write them (POST /files/messaging/images/, apps/messaging/views.py), checked like service
photos (apps/services/photos.py: JPEG / PNG / WebP by content, Pillow's verify, a pixel cap against image bombs)
and re-encoded there, so EXIF (GPS, device) never reaches the storage. Stored content-addressed: the SHA-256 of the
stored bytes names the file and the URL (`/files/messaging/images/<sha256>.<ext>`), so uploading the same picture
twice keeps one copy and the URL can be cached for good. The URL is public on the company's own domain (residents'
<rich-text> cannot send a token; announcements are not secret), and another company's domain answers 404."""

from __future__ import annotations

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image

from apps.services import photos
from heat_platform.kernel import throttle

from .errors import MessagingErrorCode
from .models import ContentImage
from .richtext import IMAGE_PATH, IMAGE_PATH_RE

MAX_BYTES = photos.MAX_BYTES  # 5 MB, as service photos
EXTENSIONS = {content_type: ext for content_type, ext in photos.FORMATS.values()}
CONTENT_TYPES = {ext: content_type for content_type, ext in EXTENSIONS.items()}
STAFF_LIMIT = throttle.Limit("messaging.image.staff", 200, 3600)


def too_large() -> ValidationError:
    return ValidationError(_("图片不能超过 %(mb)d MB。") % {"mb": MAX_BYTES // (1024 * 1024)},
                           code=MessagingErrorCode.IMAGE_TOO_LARGE)


def _bad_type() -> ValidationError:
    return ValidationError(_("只能上传 JPEG、PNG 或 WebP 格式的图片。"), code=MessagingErrorCode.IMAGE_BAD_TYPE)


def image_url_path(image: ContentImage) -> str:
    return f"{IMAGE_PATH}{image.sha256}.{EXTENSIONS[image.content_type]}"


def _limit(user) -> None:
    if throttle.admit([(STAFF_LIMIT, user.pk)]) is not None:
        wait = throttle.retry_after(STAFF_LIMIT, user.pk)
        raise ValidationError(_("上传太频繁，请 %(wait)s后再试。") % {"wait": throttle.wait_text(wait)},
                              code=MessagingErrorCode.RATE_LIMITED, params={"retry_after": wait})


def content_image_create(*, file, user) -> ContentImage:
    """Keep an uploaded picture (or find the same one kept before). `file`: an UploadedFile or any file object
    with `read` (and `size`). Raises ValidationError: FILE_TOO_LARGE, IMAGE_BAD_TYPE, RATE_LIMITED."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise too_large()
    _limit(user)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large()
    if not data:
        raise _bad_type()
    # The services' checks and re-encoding, not a second copy of them (its error code is translated to ours).
    try:
        image, fmt = photos._decode(data)
    except ValidationError as exc:
        raise _bad_type() from exc
    content = photos._reencode(image, fmt)
    content_type, ext = photos.FORMATS[fmt]
    sha = hashlib.sha256(content).hexdigest()
    found = ContentImage.objects.filter(sha256=sha).first()
    if found is not None:
        return found
    with Image.open(io.BytesIO(content)) as stored:
        width, height = stored.size
    name = f"messaging/images/{sha[:2]}/{sha}.{ext}"
    if not default_storage.exists(name):  # same name, same bytes: a file left by a lost race is the right one
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # another upload wrote it between exists() and save(): keep theirs
            default_storage.delete(saved)
    try:
        with transaction.atomic():
            return ContentImage.objects.create(sha256=sha, file=name, content_type=content_type, width=width,
                                               height=height, size=len(content), uploaded_by=user)
    except IntegrityError:  # the same picture uploaded at the same moment: one row
        return ContentImage.objects.get(sha256=sha)


def content_image_for_path(path: str) -> ContentImage | None:
    """This company's picture at a content-image path, or None (unknown here, or a wrong extension)."""
    match = IMAGE_PATH_RE.match(path)
    if match is None:
        return None
    image = ContentImage.objects.filter(sha256=match["sha"]).first()
    if image is None or EXTENSIONS.get(image.content_type) != match["ext"]:
        return None
    return image


def known_image_paths(paths: list[str]) -> set[str]:
    """Which of these content-image paths name pictures of this company (one query)."""
    wanted = {m["sha"]: p for p in paths if (m := IMAGE_PATH_RE.match(p))}
    if not wanted:
        return set()
    rows = ContentImage.objects.filter(sha256__in=list(wanted)).values_list("sha256", "content_type")
    return {wanted[sha] for sha, ct in rows if wanted[sha].endswith(f".{EXTENSIONS.get(ct)}")}

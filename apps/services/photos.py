"""Photos of resident services (faults, thermometers, proof of ownership, inspections, valve seals).

Uploaded first (POST /files/services/photos/, apps/services/views.py) by a resident or a staff member, then
attached by id to one ticket / inspection / application by the same uploader. A photo must be a JPEG, PNG or
WebP picture by its content (the name and the declared type are not believed): Pillow opens and verifies it,
refuses decompression bombs, and the picture is re-encoded, so EXIF (GPS position, device) never reaches the
storage. Viewing is through a signed URL that expires (a mini-program <image> cannot send a Bearer token):
HMAC of the company, photo and expiry with the secret key; a wrong or expired signature is a plain 404."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import time
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from heat_platform.kernel import throttle
from heat_platform.kernel.errors import field_error

from .errors import ServiceErrorCode
from .models import Photo

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_OBJECT = 9
# Uploaded but not attached yet, per uploader: more are refused (PHOTO_TOO_MANY) until some are attached or purged.
MAX_UNATTACHED = 30
# Photos never attached are deleted (file and row) this long after their upload (`photos_purge_unattached`).
UNATTACHED_TTL = dt.timedelta(hours=24)
PURGE_BATCH = 500
# Decoded size cap: a 5 MB PNG of one colour can claim 100,000 × 100,000 pixels (an "image bomb").
MAX_PIXELS = 40_000_000
# Stored pictures are scaled down to this longest side (a phone's 4000 × 3000 stays as it is).
MAX_SIDE = 4096
URL_TTL_SECONDS = 3600
# Expiry times are rounded up to this step, so a page asked twice within it gets the same (cacheable) URLs.
URL_STEP_SECONDS = 600
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
RESIDENT_PURPOSES = (Photo.Purpose.TICKET, Photo.Purpose.THERMOMETER, Photo.Purpose.OWNERSHIP)
# Uploads per resident (and per staff member: a technician on site takes many pictures).
RESIDENT_LIMIT = throttle.Limit("services.photo.resident", 60, 3600)
STAFF_LIMIT = throttle.Limit("services.photo.staff", 300, 3600)
_HMAC_SALT = "apps.services.photos.url"

logger = logging.getLogger(__name__)
UNATTACHED = {"ticket__isnull": True, "inspection__isnull": True, "application__isnull": True}


def _bad_type() -> ValidationError:
    return ValidationError(_("只能上传 JPEG、PNG 或 WebP 格式的图片。"), code=ServiceErrorCode.PHOTO_BAD_TYPE)


def too_large() -> ValidationError:
    return ValidationError(_("图片不能超过 %(mb)d MB。") % {"mb": MAX_BYTES // (1024 * 1024)},
                           code=ServiceErrorCode.PHOTO_TOO_LARGE)


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The picture (fully decoded) and its format, or PHOTO_BAD_TYPE."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if probe.width * probe.height > MAX_PIXELS:
                raise _bad_type()
            probe.verify()  # structure and checksums; the object is unusable afterwards
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            fmt = image.format
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError, ValueError,
            EOFError) as exc:  # PIL's UnidentifiedImageError is an OSError; truncated files raise OSError too
        raise _bad_type() from exc
    if fmt not in FORMATS:
        raise _bad_type()
    return image, fmt


def _reencode(image: Image.Image, fmt: str) -> bytes:
    """The picture alone: upright as the camera meant (EXIF orientation applied), then saved without any
    metadata (EXIF, GPS, XMP, ICC comments)."""
    image = ImageOps.exif_transpose(image)
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _upload_limit(*, resident=None, user=None) -> None:
    limit, who = (RESIDENT_LIMIT, resident.pk) if resident is not None else (STAFF_LIMIT, user.pk)
    if throttle.admit([(limit, who)]) is not None:
        wait = throttle.retry_after(limit, who)
        raise ValidationError(_("上传太频繁，请 %(wait)s后再试。") % {"wait": throttle.wait_text(wait)},
                              code=ServiceErrorCode.RATE_LIMITED, params={"retry_after": wait})


def photo_create(*, file, purpose: str, resident=None, user=None) -> Photo:
    """Keep an uploaded picture (not attached to anything yet). `file`: an UploadedFile (or any file object with
    `size` and `read`). Raises ValidationError (plain, for the REST view): FILE_TOO_LARGE, PHOTO_BAD_TYPE,
    INVALID (purpose), RATE_LIMITED, PHOTO_TOO_MANY (MAX_UNATTACHED of the uploader's photos wait to be
    attached)."""
    if (resident is None) == (user is None):
        raise ValueError("photo_create needs exactly one uploader")
    allowed = RESIDENT_PURPOSES if resident is not None else Photo.Purpose.values
    if purpose not in allowed:
        raise ValidationError(_("图片用途无效。"), code=ServiceErrorCode.INVALID)
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise too_large()
    owner = {"uploaded_by_resident": resident} if resident is not None else {"uploaded_by_user": user}
    if Photo.objects.filter(**owner, **UNATTACHED).count() >= MAX_UNATTACHED:
        raise ValidationError(_("已上传 %(n)d 张尚未使用的图片，请先提交或稍后再试。") % {"n": MAX_UNATTACHED},
                              code=ServiceErrorCode.PHOTO_TOO_MANY)
    _upload_limit(resident=resident, user=user)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large()
    if not data:
        raise _bad_type()
    image, fmt = _decode(data)
    content = _reencode(image, fmt)
    content_type, ext = FORMATS[fmt]
    with Image.open(io.BytesIO(content)) as stored:
        width, height = stored.size
    photo_id = uuid.uuid4()
    day = timezone.localdate()
    path = default_storage.save(f"services/photos/{day:%Y/%m}/{photo_id}.{ext}", ContentFile(content))
    try:
        return Photo.objects.create(
            id=photo_id, purpose=purpose, path=path, content_type=content_type, size=len(content), width=width,
            height=height, sha256=hashlib.sha256(content).hexdigest(), uploaded_by_resident=resident,
            uploaded_by_user=user)
    except Exception:
        default_storage.delete(path)
        raise


def _parse_ids(photo_ids) -> list[uuid.UUID] | None:
    out = []
    for value in photo_ids:
        try:
            out.append(uuid.UUID(str(value)))
        except (TypeError, ValueError, AttributeError):
            return None
    return list(dict.fromkeys(out))


@transaction.atomic
def photos_attach(*, photo_ids, resident=None, user=None, ticket=None, inspection=None,
                  application=None) -> list[Photo]:
    """Attach the uploader's own, still unattached photos to exactly one object (at most MAX_PER_OBJECT there).
    Someone else's photo, an attached one, a malformed or unknown id: NOT_FOUND, and nothing changes."""
    targets = {"ticket": ticket, "inspection": inspection, "application": application}
    named = {k: v for k, v in targets.items() if v is not None}
    if len(named) != 1 or (resident is None) == (user is None):
        raise ValueError("photos_attach needs one uploader and one object")
    ids = _parse_ids(photo_ids or ())
    if ids is None:
        raise field_error("photo_ids", _("找不到该图片，请重新上传。"), ServiceErrorCode.NOT_FOUND)
    if not ids:
        return []
    if len(ids) > MAX_PER_OBJECT:
        raise field_error("photo_ids", _("最多上传 %(n)d 张图片。") % {"n": MAX_PER_OBJECT},
                          ServiceErrorCode.PHOTO_TOO_MANY)
    owner = {"uploaded_by_resident": resident} if resident is not None else {"uploaded_by_user": user}
    photos = list(Photo.objects.select_for_update().filter(pk__in=ids, **UNATTACHED, **owner).order_by("pk"))
    if len(photos) != len(ids):
        raise field_error("photo_ids", _("找不到该图片，请重新上传。"), ServiceErrorCode.NOT_FOUND)
    (field, target), = named.items()
    already = Photo.objects.filter(**{field: target}).count()
    if already + len(photos) > MAX_PER_OBJECT:
        raise field_error("photo_ids", _("最多上传 %(n)d 张图片。") % {"n": MAX_PER_OBJECT},
                          ServiceErrorCode.PHOTO_TOO_MANY)
    Photo.objects.filter(pk__in=[p.pk for p in photos]).update(**{field: target})
    for photo in photos:
        setattr(photo, field, target)
    return photos


def photos_purge_unattached(*, now: dt.datetime | None = None) -> int:
    """Delete the photos (row, then file) never attached within UNATTACHED_TTL of their upload. Rows are locked
    and skipped when locked (a photo being attached right now stays); a file that cannot be deleted is logged and
    left (the row is gone, so nothing points to it). Returns how many photos were deleted."""
    now = now or timezone.now()
    cutoff = now - UNATTACHED_TTL
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(Photo.objects.select_for_update(skip_locked=True).filter(created_at__lt=cutoff, **UNATTACHED)
                         .order_by("created_at", "pk").values_list("pk", "path")[:PURGE_BATCH])
            if batch:
                Photo.objects.filter(pk__in=[pk for pk, _path in batch]).delete()
        for pk, path in batch:
            try:
                default_storage.delete(path)
            except Exception:
                logger.exception("file of unattached photo %s (%s) could not be deleted", pk, path)
        deleted += len(batch)
        if len(batch) < PURGE_BATCH:
            return deleted


# --- signed viewing URLs ---------------------------------------------------------------------------------------

def _signature(photo_id, expires: int) -> str:
    return salted_hmac(_HMAC_SALT, f"{connection.schema_name}:{photo_id}:{expires}", algorithm="sha256").hexdigest()


def photo_url(photo: Photo, *, now: float | None = None) -> str:
    """The path (on the company's domain) where the picture can be viewed for about an hour."""
    now = time.time() if now is None else now
    expires = -(-int(now + URL_TTL_SECONDS) // URL_STEP_SECONDS) * URL_STEP_SECONDS
    return f"/files/services/photos/{photo.pk}?exp={expires}&sig={_signature(photo.pk, expires)}"


def photo_for_signed(*, photo_id, expires, signature, now: float | None = None) -> Photo | None:
    """The photo a signed URL names, or None when the signature is wrong or expired (or the photo is gone)."""
    try:
        pk = uuid.UUID(str(photo_id))
        exp = int(str(expires)) if str(expires).isascii() and str(expires).isdigit() else -1
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    if exp < now or exp > now + URL_TTL_SECONDS + URL_STEP_SECONDS:
        return None
    if not constant_time_compare(str(signature or ""), _signature(pk, exp)):
        return None
    return Photo.objects.filter(pk=pk).first()

"""Pictures for announcements and articles: checked by content (JPEG / PNG / WebP; text, GIF, truncated files and
image bombs refused), 5 MB (by Content-Length before reading, and by the bytes read), re-encoded without EXIF,
stored once per content (SHA-256), uploaded only by staff who write content, and served publicly with a long cache
on the company's own domain only."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context
from PIL import Image

from apps.messaging import images
from apps.messaging.models import ContentImage
from heat_platform.kernel import throttle
from tests.factories.accounts import StaffFactory
from tests.factories.residents import ResidentFactory, resident_token
from tests.factories.services import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(alpha, mp_media):
    with schema_context(alpha.schema):
        yield mp_media


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.error_list[0].code


def test_a_picture_is_re_encoded_without_exif_and_kept_once(media):
    user = StaffFactory(role="tenant_admin")
    original = image_bytes("JPEG", (120, 90), exif=True)
    image = images.content_image_create(file=upload("a.jpg", original), user=user)
    assert (image.content_type, image.width, image.height, image.uploaded_by) == ("image/jpeg", 120, 90, user)
    with default_storage.open(image.file, "rb") as f:
        stored = f.read()
    assert b"HeatCam" not in stored and b"Exif" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert image.sha256 == hashlib.sha256(stored).hexdigest() and image.size == len(stored)
    assert images.image_url_path(image) == f"/files/messaging/images/{image.sha256}.jpg"
    again = images.content_image_create(file=upload("b.jpg", original), user=StaffFactory(role="tenant_admin"))
    assert again.pk == image.pk and ContentImage.objects.count() == 1
    png = images.content_image_create(file=upload("c.png", image_bytes("PNG"), "image/png"), user=user)
    assert png.content_type == "image/png" and images.image_url_path(png).endswith(".png")


@pytest.mark.parametrize(("name", "content"), [
    ("notes.jpg", "这不是图片".encode() * 20),
    ("anim.gif", image_bytes("GIF")),
    ("cut.jpg", image_bytes("JPEG", (400, 300))[:600]),
    ("page.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("empty.jpg", b""),
])
def test_anything_but_a_picture_is_refused(media, name, content):
    with pytest.raises(ValidationError) as exc:
        images.content_image_create(file=upload(name, content), user=StaffFactory(role="tenant_admin"))
    assert _code(exc) == "IMAGE_BAD_TYPE" and not ContentImage.objects.exists()


def test_an_image_bomb_is_refused(media):
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG", optimize=True)
    with pytest.raises(ValidationError) as exc:
        images.content_image_create(file=upload("bomb.png", out.getvalue()), user=StaffFactory(role="tenant_admin"))
    assert _code(exc) == "IMAGE_BAD_TYPE"


def test_over_five_megabytes_is_refused_even_when_the_file_lies(media):
    class Lying(io.BytesIO):
        size = 10

    for file in (upload("big.jpg", b"\xff\xd8" + b"\x00" * images.MAX_BYTES),
                 Lying(b"\x00" * (images.MAX_BYTES + 1))):
        with pytest.raises(ValidationError) as exc:
            images.content_image_create(file=file, user=StaffFactory(role="tenant_admin"))
        assert _code(exc) == "FILE_TOO_LARGE"


def test_uploads_are_rate_limited_per_staff_member(media, monkeypatch):
    monkeypatch.setattr(images, "STAFF_LIMIT", throttle.Limit("messaging.image.staff.test", 2, 3600))
    busy, other = StaffFactory(role="tenant_admin"), StaffFactory(role="tenant_admin")
    for color in ((200, 0, 0), (0, 200, 0)):
        images.content_image_create(file=upload(content=image_bytes(color=color)), user=busy)
    with pytest.raises(ValidationError) as exc:
        images.content_image_create(file=upload(content=image_bytes(color=(0, 0, 200))), user=busy)
    assert _code(exc) == "RATE_LIMITED" and exc.value.error_list[0].params["retry_after"] > 0
    assert ContentImage.objects.count() == 2
    images.content_image_create(file=upload(content=image_bytes(color=(0, 0, 200))), user=other)


def _post(client, host, token, content: bytes | None, name="p.jpg", **extra):
    data = {"file": upload(name, content)} if content is not None else {}
    headers = {"HTTP_HOST": host, **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}), **extra}
    resp = client.post("/files/messaging/images/", data, **headers)
    connection.set_schema_to_public()
    return resp


def test_upload_and_public_viewing_on_the_companys_domain_only(client, alpha, beta, mp_media, make_staff):
    token = make_staff(alpha, "tenant_admin")
    resp = _post(client, alpha.host, token, image_bytes("WEBP", (30, 20)), name="x.webp")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["width"], body["height"]) == (30, 20)
    path = body["url"].split(alpha.host, 1)[1]
    assert body["url"].startswith(f"http://{alpha.host}/files/messaging/images/") and path.endswith(".webp")
    got = client.get(path, HTTP_HOST=alpha.host)
    assert got.status_code == 200 and got["Content-Type"] == "image/webp"
    assert got["Cache-Control"] == "public, max-age=31536000, immutable" and got["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(got.streaming_content))).size == (30, 20)
    # Another company's domain, a wrong extension, an unknown hash: the same 404.
    for host, wrong in ((beta.host, path), (alpha.host, path[:-5] + ".png"), (alpha.host, path[:-10] + "0" * 5
                                                                               + ".webp")):
        resp = client.get(wrong, HTTP_HOST=host)
        connection.set_schema_to_public()
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "NOT_FOUND", (host, wrong)


def test_upload_refusals_are_typed(client, alpha, mp_media, make_staff):
    admin = make_staff(alpha, "tenant_admin")
    assert _post(client, alpha.host, None, image_bytes()).status_code == 401
    for role in ("collector", "technician", "finance"):
        resp = _post(client, alpha.host, make_staff(alpha, role), image_bytes())
        assert (resp.status_code, resp.json()["error"]["code"]) == (403, "PERMISSION_DENIED"), role
    with schema_context(alpha.schema):
        resident_tok = resident_token(alpha, ResidentFactory())
    assert _post(client, alpha.host, resident_tok, image_bytes()).status_code == 403
    resp = _post(client, alpha.host, admin, "不是图片".encode() * 10, name="fake.jpg")
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, "IMAGE_BAD_TYPE")
    resp = _post(client, alpha.host, admin, None)
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, "REQUIRED")
    resp = _post(client, alpha.host, admin, b"\xff\xd8" + b"\x00" * (images.MAX_BYTES + 1), name="big.jpg")
    assert (resp.status_code, resp.json()["error"]["code"]) == (413, "FILE_TOO_LARGE")
    resp = _post(client, alpha.host, admin, image_bytes(), CONTENT_LENGTH=str(images.MAX_BYTES * 2))
    assert resp.status_code == 413
    with schema_context(alpha.schema):
        assert not ContentImage.objects.exists()

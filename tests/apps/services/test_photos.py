"""Photos of resident services: pictures checked by content (a .jpg that is text, a GIF, a truncated JPEG, an
image bomb), the 5 MB limit (by Content-Length before reading, and by size), EXIF/GPS stripped by re-encoding,
the per-uploader rate limit, attaching only one's own unattached photos (at most 9 per object), and viewing
through signed URLs that expire — through the services and through the REST endpoints."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django_tenants.utils import schema_context
from PIL import Image

from apps.services import photos
from apps.services.models import Photo
from heat_platform.kernel import throttle
from tests.factories.accounts import staff
from tests.factories.residents import ResidentFactory, resident_token
from tests.factories.services import bound_house, image_bytes, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(alpha, mp_media):
    with schema_context(alpha.schema):
        yield mp_media


def _code(exc: pytest.ExceptionInfo) -> str:
    err = exc.value
    if hasattr(err, "error_dict"):
        return next(iter(err.error_dict.values()))[0].code
    return err.error_list[0].code


def _stored(photo: Photo) -> Image.Image:
    with default_storage.open(photo.path, "rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
        return image


@pytest.mark.parametrize(("fmt", "content_type", "ext"), [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"),
                                                          ("WEBP", "image/webp", "webp")])
def test_jpeg_png_and_webp_are_kept_re_encoded(media, fmt, content_type, ext):
    resident = ResidentFactory()
    photo = photos.photo_create(file=upload(f"x.{ext}", image_bytes(fmt, (640, 480))), purpose="ticket",
                                resident=resident)
    assert (photo.content_type, photo.width, photo.height) == (content_type, 640, 480)
    assert photo.path.endswith(f"{photo.pk}.{ext}") and photo.path.startswith("services/photos/")
    assert default_storage.exists(photo.path) and photo.size == default_storage.size(photo.path)
    assert _stored(photo).format == fmt
    assert (photo.uploaded_by_resident, photo.uploaded_by_user, photo.ticket) == (resident, None, None)


def test_exif_and_gps_never_reach_the_storage(media):
    original = image_bytes("JPEG", (80, 60), exif=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x0110) == "HeatCam 9"  # the camera wrote them
    photo = photos.photo_create(file=upload("gps.jpg", original), purpose="thermometer", resident=ResidentFactory())
    stored = _stored(photo)
    assert not stored.getexif() and "exif" not in stored.info
    with default_storage.open(photo.path, "rb") as f:
        raw = f.read()
    assert b"HeatCam" not in raw and b"Exif" not in raw


@pytest.mark.parametrize(("name", "content"), [
    ("notes.jpg", "这不是图片，是一段文字。\n".encode() * 20),
    ("empty.jpg", b""),
    ("anim.gif", image_bytes("GIF")),
    ("bitmap.bmp", image_bytes("BMP")),
    ("cut.jpg", image_bytes("JPEG", (400, 300))[:600]),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
    ("page.jpg", b"<html><script>alert(1)</script></html>"),
])
def test_anything_but_a_real_picture_is_refused_by_content(media, name, content):
    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=upload(name, content), purpose="ticket", resident=ResidentFactory())
    assert _code(exc) == "PHOTO_BAD_TYPE"
    assert not Photo.objects.exists()


def _bomb(size: tuple[int, int]) -> bytes:
    """A PNG of one colour that claims `size` pixels: a few KB on the wire, gigabytes once decoded as RGB."""
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.mark.parametrize("size", [(7000, 7000), (15000, 15000)])  # over our cap; over Pillow's own bomb limit too
def test_an_image_bomb_is_refused_before_it_is_decoded(media, size):
    bomb = _bomb(size)
    assert len(bomb) < photos.MAX_BYTES
    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=upload("bomb.png", bomb, "image/png"), purpose="ticket", resident=ResidentFactory())
    assert _code(exc) == "PHOTO_BAD_TYPE"


def test_a_picture_over_five_megabytes_is_refused(media):
    big = upload("huge.jpg", b"\xff\xd8\xff" + b"\x00" * photos.MAX_BYTES)
    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=big, purpose="ticket", resident=ResidentFactory())
    assert _code(exc) == "FILE_TOO_LARGE"

    class Lying(io.BytesIO):  # a file that says it is small: the bytes read are counted too
        size = 10

    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=Lying(b"\x00" * (photos.MAX_BYTES + 10)), purpose="ticket",
                            resident=ResidentFactory())
    assert _code(exc) == "FILE_TOO_LARGE"


def test_purposes_residents_may_not_use_staff_ones(media):
    resident = ResidentFactory()
    for purpose in ("seal", "inspection", "", "avatar"):
        with pytest.raises(ValidationError) as exc:
            photos.photo_create(file=upload(), purpose=purpose, resident=resident)
        assert _code(exc) == "INVALID"
    assert photos.photo_create(file=upload(), purpose="seal", user=staff("t-seal", "technician")).purpose == "seal"


def test_uploads_are_rate_limited_per_resident(media, monkeypatch):
    monkeypatch.setattr(photos, "RESIDENT_LIMIT", throttle.Limit("services.photo.resident.test", 2, 3600))
    resident, other = ResidentFactory(), ResidentFactory()
    for _ in range(2):
        photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    assert _code(exc) == "RATE_LIMITED" and exc.value.error_list[0].params["retry_after"] > 0
    photos.photo_create(file=upload(), purpose="ticket", resident=other)


# --- attaching -------------------------------------------------------------------------------------------------

def test_only_ones_own_unattached_photos_attach_and_at_most_nine(media):
    ticket = submit()
    resident = ticket.resident
    mine = [photos.photo_create(file=upload(), purpose="ticket", resident=resident) for _ in range(3)]
    someone = photos.photo_create(file=upload(), purpose="ticket", resident=ResidentFactory())
    staffs = photos.photo_create(file=upload(), purpose="ticket", user=staff("s-photo", "collector"))
    unknown = "00000000-0000-0000-0000-000000000000"
    for ids in ([someone.pk], [staffs.pk], [mine[0].pk, someone.pk], ["nope"], [unknown]):
        with pytest.raises(ValidationError) as exc:
            photos.photos_attach(photo_ids=ids, resident=resident, ticket=ticket)
        assert _code(exc) == "NOT_FOUND", ids
    assert not Photo.objects.filter(ticket=ticket).exists()
    attached = photos.photos_attach(photo_ids=[str(p.pk) for p in mine[:2]] + [str(mine[0].pk)], resident=resident,
                                    ticket=ticket)
    assert {p.pk for p in attached} == {mine[0].pk, mine[1].pk}
    with pytest.raises(ValidationError) as exc:  # already attached
        photos.photos_attach(photo_ids=[mine[0].pk], resident=resident, ticket=submit(house=ticket.house,
                                                                                       resident=resident))
    assert _code(exc) == "NOT_FOUND"
    more = [photos.photo_create(file=upload(), purpose="ticket", resident=resident) for _ in range(8)]
    with pytest.raises(ValidationError) as exc:  # 2 + 8 > 9
        photos.photos_attach(photo_ids=[p.pk for p in more], resident=resident, ticket=ticket)
    assert _code(exc) == "PHOTO_TOO_MANY"
    photos.photos_attach(photo_ids=[p.pk for p in more[:7]], resident=resident, ticket=ticket)
    assert Photo.objects.filter(ticket=ticket).count() == 9
    with pytest.raises(ValidationError) as exc:  # ten ids at once
        photos.photos_attach(photo_ids=[p.pk for p in more] + [mine[2].pk, someone.pk], resident=resident,
                             ticket=submit(house=ticket.house, resident=resident))
    assert _code(exc) == "PHOTO_TOO_MANY"


def test_a_ticket_submitted_with_photos_holds_them(media):
    resident = ResidentFactory()
    picture = photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    house, _ = bound_house(resident)
    ticket = submit(house=house, resident=resident, photo_ids=[str(picture.pk)])
    assert list(ticket.photos.all()) == [picture]


def test_at_most_thirty_unattached_photos_per_uploader(media, monkeypatch):
    monkeypatch.setattr(photos, "MAX_UNATTACHED", 3)
    ticket = submit()
    resident, other, tech = ticket.resident, ResidentFactory(), staff("t-many", "technician")
    mine = [photos.photo_create(file=upload(), purpose="ticket", resident=resident) for _ in range(3)]
    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    assert _code(exc) == "PHOTO_TOO_MANY"
    assert Photo.objects.filter(uploaded_by_resident=resident).count() == 3
    photos.photo_create(file=upload(), purpose="ticket", resident=other)  # per uploader
    for _ in range(3):
        photos.photo_create(file=upload(), purpose="seal", user=tech)
    with pytest.raises(ValidationError) as exc:
        photos.photo_create(file=upload(), purpose="seal", user=tech)
    assert _code(exc) == "PHOTO_TOO_MANY"
    photos.photos_attach(photo_ids=[mine[0].pk], resident=resident, ticket=ticket)  # attached ones do not count
    photos.photo_create(file=upload(), purpose="ticket", resident=resident)


def test_the_unattached_cap_is_thirty():
    assert photos.MAX_UNATTACHED == 30


def test_photos_never_attached_are_purged_after_a_day(media):
    import datetime as dt

    from django.utils import timezone

    ticket = submit()
    resident = ticket.resident
    kept = photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    photos.photos_attach(photo_ids=[kept.pk], resident=resident, ticket=ticket)
    old = photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    fresh = photos.photo_create(file=upload(), purpose="ticket", resident=resident)
    now = timezone.now()
    Photo.objects.filter(pk__in=[kept.pk, old.pk]).update(created_at=now - dt.timedelta(hours=25))
    Photo.objects.filter(pk=fresh.pk).update(created_at=now - dt.timedelta(hours=23))
    assert photos.photos_purge_unattached(now=now) == 1
    assert set(Photo.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert not default_storage.exists(old.path)
    assert default_storage.exists(kept.path) and default_storage.exists(fresh.path)
    assert photos.photos_purge_unattached(now=now) == 0
    assert photos.photos_purge_unattached(now=now + dt.timedelta(hours=2)) == 1  # fresh, a day old now
    assert list(Photo.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_purge_task_runs_in_every_company(alpha, mp_media):
    import datetime as dt

    from apps.services.tasks import photos_purge_all_tenants

    with schema_context(alpha.schema):
        photo = photos.photo_create(file=upload(), purpose="ticket", resident=ResidentFactory())
        Photo.objects.filter(pk=photo.pk).update(created_at=photo.created_at - dt.timedelta(days=2))
    assert photos_purge_all_tenants()["alpha"] == 1
    with schema_context(alpha.schema):
        assert not Photo.objects.filter(pk=photo.pk).exists() and not default_storage.exists(photo.path)


# --- signed URLs -----------------------------------------------------------------------------------------------

def test_a_signed_url_works_for_an_hour_and_only_as_signed(media):
    photo = photos.photo_create(file=upload(), purpose="ticket", resident=ResidentFactory())
    now = 1_800_000_001.0  # just after a multiple of the rounding step
    url = photos.photo_url(photo, now=now)
    path, query = url.split("?")
    params = dict(part.split("=") for part in query.split("&"))
    assert path == f"/files/services/photos/{photo.pk}"
    assert now + 3600 <= int(params["exp"]) <= now + 3600 + photos.URL_STEP_SECONDS
    assert photos.photo_url(photo, now=now + 500) == url  # the same URL within a step: images stay cached
    ok = {"photo_id": photo.pk, "expires": params["exp"], "signature": params["sig"]}
    assert photos.photo_for_signed(**ok, now=now) == photo
    assert photos.photo_for_signed(**ok, now=int(params["exp"]) + 1) is None  # expired
    tampered = params["sig"][:-1] + ("1" if params["sig"][-1] == "0" else "0")  # always a different signature
    assert photos.photo_for_signed(**{**ok, "signature": tampered}, now=now) is None
    assert photos.photo_for_signed(**{**ok, "expires": str(int(params["exp"]) + 600)}, now=now) is None
    assert photos.photo_for_signed(**{**ok, "expires": "１２"}, now=now) is None
    other = photos.photo_create(file=upload(), purpose="ticket", resident=ResidentFactory())
    assert photos.photo_for_signed(**{**ok, "photo_id": other.pk}, now=now) is None
    far = photos.photo_url(photo, now=now + 10 * 3600)  # signed for later: refused until it is within an hour
    far_params = dict(part.split("=") for part in far.split("?")[1].split("&"))
    assert photos.photo_for_signed(photo_id=photo.pk, expires=far_params["exp"], signature=far_params["sig"],
                                   now=now) is None


# --- the REST endpoints ----------------------------------------------------------------------------------------

def _post(client, host, token, content: bytes | None = None, purpose="ticket", name="p.jpg", **extra):
    data = {"purpose": purpose}
    if content is not None:
        data["file"] = upload(name, content)
    headers = {"HTTP_HOST": host, **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}), **extra}
    resp = client.post("/files/services/photos/", data, **headers)
    connection.set_schema_to_public()
    return resp


def test_upload_and_view_through_the_endpoints(client, alpha, beta, mp_media, make_staff):
    with schema_context(alpha.schema):
        resident = ResidentFactory()
    token = resident_token(alpha, resident)
    resp = _post(client, alpha.host, token, image_bytes("JPEG", (120, 90), exif=True))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["width"], body["height"]) == (120, 90)
    assert body["url"].startswith(f"http://{alpha.host}/files/services/photos/{body['photoId']}?exp=")
    url = body["url"].split(alpha.host, 1)[1]
    got = client.get(url, HTTP_HOST=alpha.host)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(got.streaming_content))).size == (120, 90)
    # Another company's domain, a changed signature, a missing one: the same 404.
    for host, path in ((beta.host, url), (alpha.host, url[:-1] + ("0" if url[-1] != "0" else "1")),
                       (alpha.host, url.split("?")[0])):
        resp = client.get(path, HTTP_HOST=host)
        connection.set_schema_to_public()
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "NOT_FOUND", (host, path)
    # Staff upload too.
    assert _post(client, alpha.host, make_staff(alpha, "technician"), image_bytes("PNG"), purpose="seal",
                 name="s.png").status_code == 201


def test_upload_refusals_are_typed(client, alpha, mp_media):
    with schema_context(alpha.schema):
        resident = ResidentFactory()
    token = resident_token(alpha, resident)
    resp = _post(client, alpha.host, None, image_bytes())
    assert (resp.status_code, resp.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    resp = _post(client, alpha.host, token, "不是图片".encode() * 10, name="fake.jpg")
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, "PHOTO_BAD_TYPE")
    resp = _post(client, alpha.host, token, None)
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, "REQUIRED")
    resp = _post(client, alpha.host, token, image_bytes(), purpose="seal")
    assert (resp.status_code, resp.json()["error"]["code"]) == (400, "INVALID")
    # Over the limit by its Content-Length: refused before the body is read.
    resp = _post(client, alpha.host, token, b"\xff\xd8" + b"\x00" * (photos.MAX_BYTES + 1), name="big.jpg")
    assert (resp.status_code, resp.json()["error"]["code"]) == (413, "FILE_TOO_LARGE")
    resp = _post(client, alpha.host, token, image_bytes(), CONTENT_LENGTH=str(photos.MAX_BYTES * 2))
    assert resp.status_code == 413
    with schema_context(alpha.schema):
        assert not Photo.objects.exists()

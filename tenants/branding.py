"""A company's mini-program branding: display name, logo, theme colour,
service phone, AppID and (write-only) AppSecret.

`branding_update` validates every given value first and writes nothing when
any is wrong; `branding_view` is what the app reads before login. The AppID
and secret stay on MiniProgramAccount (resident login uses them); the logo is
a content-hashed file in the company's own media folder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.services import audit_record

from .directory import company_context, public_atomic
from .miniprogram_errors import BrandingErrorCode as Code
from .models import Domain, HeatingCompany, MiniProgramAccount, MiniProgramBranding
from .validators import normalize_phone

MAX_LOGO_BYTES = 512 * 1024
LOGO_MIN_PX, LOGO_MAX_PX = 64, 1024
LOGO_MAX_ASPECT = 1.25  # "square-ish": the longer side at most 1.25 × the shorter
MAX_DISPLAY_NAME = 20  # fits WeChat's navigation bar
MIN_CONTRAST = 3.0  # WCAG 2.x, large text / UI components, against white

APP_ID_RE = re.compile(r"^wx[0-9a-f]{16}$")
APP_SECRET_RE = re.compile(r"^[0-9a-fA-F]{32}$")  # WeChat AppSecrets are 32 hex characters
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# Besides mobiles and landlines (tenants.validators): 400/800 numbers and 95xxx/96xxx/123xx service lines.
SERVICE_NUMBER_RE = re.compile(r"^([48]00)-?(\d{3})-?(\d{4})$")
SHORT_SERVICE_RE = re.compile(r"^(9[56]\d{3,4}|123\d{2})$")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# JPEG start-of-frame markers (carry the dimensions); C4, C8 and CC are not frames.
SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})

# The parts a build needs, in the order people fill them in.
PARTS = ("display_name", "logo", "theme_color", "service_phone", "app_id", "app_secret")
PART_LABELS = {
    "display_name": gettext_lazy("显示名称"), "logo": gettext_lazy("标志"), "theme_color": gettext_lazy("主题色"),
    "service_phone": gettext_lazy("客服电话"), "app_id": gettext_lazy("小程序 AppID"),
    "app_secret": gettext_lazy("小程序 AppSecret"),
}


# --- pure checks


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of "#RRGGBB" (sRGB, linearised)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(color: str) -> float:
    return 1.05 / (relative_luminance(color) + 0.05)


def validate_theme_color(value: str) -> str:
    value = (value or "").strip()
    if not COLOR_RE.match(value):
        raise ValidationError(_("主题色须为 #RRGGBB 格式的十六进制颜色，例如 #D9480F。"), code=Code.INVALID_COLOR)
    value = value.upper()
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            _("主题色 %(color)s 与白色文字的对比度为 %(ratio).2f:1，低于 3:1，导航栏文字将看不清；请选一个更深的颜色。")
            % {"color": value, "ratio": ratio}, code=Code.LOW_CONTRAST)
    return value


def validate_service_phone(value: str) -> str:
    raw = re.sub(r"[\s()]", "", value or "")
    if m := SERVICE_NUMBER_RE.match(raw):
        return "-".join(m.groups())
    if SHORT_SERVICE_RE.match(raw):
        return raw
    try:
        return normalize_phone(raw)
    except ValidationError:
        raise ValidationError(_("请输入有效的客服电话：手机号、固定电话、400/800 号码或 95xxx/96xxx 服务号。"),
                              code=Code.INVALID_PHONE) from None


def validate_display_name(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("此项必填。"), code=Code.REQUIRED)
    if len(value) > MAX_DISPLAY_NAME:
        raise ValidationError(_("显示名称不能超过 %(n)s 个字符。") % {"n": MAX_DISPLAY_NAME}, code=Code.TOO_LONG)
    if any(ord(ch) < 32 for ch in value):
        raise ValidationError(_("显示名称不能包含控制字符。"), code=Code.INVALID)
    return value


def validate_app_id(value: str) -> str:
    value = (value or "").strip()
    if not APP_ID_RE.match(value):
        raise ValidationError(_("AppID 须为 wx 加 16 位小写十六进制字符，例如 wx0123456789abcdef。"),
                              code=Code.INVALID_APP_ID)
    return value


def validate_app_secret(value: str) -> str:
    value = (value or "").strip()
    if not APP_SECRET_RE.match(value):
        raise ValidationError(_("AppSecret 须为 32 位十六进制字符（在微信公众平台“开发管理”中查看）。"),
                              code=Code.INVALID_APP_SECRET)
    return value


@dataclass(frozen=True)
class LogoImage:
    data: bytes = field(repr=False)
    kind: str  # "png" | "jpeg"
    width: int
    height: int

    @property
    def ext(self) -> str:
        return "png" if self.kind == "png" else "jpg"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _png_size(data: bytes) -> tuple[int, int]:
    # Signature, then the IHDR chunk: length(4) "IHDR" width(4) height(4); the file ends with IEND.
    if len(data) < 33 or data[12:16] != b"IHDR" or not data.endswith(b"IEND\xaeB`\x82"):
        raise ValueError("not a complete PNG")
    return struct.unpack(">II", data[16:24])


def _jpeg_size(data: bytes) -> tuple[int, int]:
    if b"\xff\xd9" not in data[-32:]:
        raise ValueError("no end-of-image marker")
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise ValueError("expected a marker")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # standalone markers
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            break
        if i + 2 > n:
            break
        (length,) = struct.unpack(">H", data[i:i + 2])
        if length < 2:
            raise ValueError("bad segment length")
        if marker in SOF_MARKERS:
            if i + 7 > n:
                break
            height, width = struct.unpack(">HH", data[i + 3:i + 7])
            return width, height
        i += length
    raise ValueError("no frame header")


def inspect_logo(data: bytes) -> LogoImage:
    """PNG or JPEG by magic bytes, ≤ 512 KB, 64–1024 px a side, square-ish."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(_("标志图片不能超过 %(kb)s KB。") % {"kb": MAX_LOGO_BYTES // 1024},
                              code=Code.LOGO_TOO_LARGE)
    try:
        if data.startswith(PNG_MAGIC):
            kind, (width, height) = "png", _png_size(data)
        elif data.startswith(JPEG_MAGIC):
            kind, (width, height) = "jpeg", _jpeg_size(data)
        else:
            raise ValueError("unknown format")
    except (ValueError, struct.error):
        raise ValidationError(_("标志须为完整的 PNG 或 JPEG 图片。"), code=Code.LOGO_NOT_IMAGE) from None
    short, long_ = sorted((width, height))
    if short < LOGO_MIN_PX or long_ > LOGO_MAX_PX or long_ > short * LOGO_MAX_ASPECT:
        raise ValidationError(
            _("标志尺寸为 %(w)s×%(h)s 像素；须接近正方形，每边 %(min)s–%(max)s 像素。")
            % {"w": width, "h": height, "min": LOGO_MIN_PX, "max": LOGO_MAX_PX}, code=Code.LOGO_BAD_DIMENSIONS)
    return LogoImage(data=data, kind=kind, width=width, height=height)


def decode_logo(value: str) -> LogoImage:
    """A base64 string (a `data:image/…;base64,` prefix is allowed) → a checked logo."""
    text = re.sub(r"\s+", "", value or "")
    if text.startswith("data:"):
        text = text.partition(",")[2]
    if not text:
        raise ValidationError(_("此项必填。"), code=Code.REQUIRED)
    if len(text) > (MAX_LOGO_BYTES + 2) // 3 * 4:  # refuse before decoding
        raise ValidationError(_("标志图片不能超过 %(kb)s KB。") % {"kb": MAX_LOGO_BYTES // 1024},
                              code=Code.LOGO_TOO_LARGE)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("标志须为 base64 编码的图片。"), code=Code.INVALID_BASE64) from None
    return inspect_logo(data)


# --- reads


def primary_domain(tenant: HeatingCompany) -> str:
    domain = Domain.objects.filter(tenant=tenant, is_primary=True).values_list("domain", flat=True).first()
    return domain or f"{tenant.slug}.{settings.PLATFORM_DOMAIN}"


def api_base_url(tenant: HeatingCompany) -> str:
    """The company's API origin as the app sees it (settings.MINIPROGRAM_API_BASE_URL)."""
    return settings.MINIPROGRAM_API_BASE_URL.format(domain=primary_domain(tenant)).rstrip("/")


def logo_url(*, base_url: str, logo_name: str) -> str:
    return f"{base_url}/files/branding/{PurePosixPath(logo_name).name}" if logo_name else ""


@dataclass(frozen=True)
class BrandingView:
    tenant_slug: str
    display_name: str
    logo_url: str
    logo_name: str
    theme_color: str
    service_phone: str
    app_id: str
    has_app_secret: bool = field(repr=False)
    api_base_url: str

    @property
    def missing(self) -> list[str]:
        present = {"display_name": self.display_name, "logo": self.logo_name, "theme_color": self.theme_color,
                   "service_phone": self.service_phone, "app_id": self.app_id, "app_secret": self.has_app_secret}
        return [part for part in PARTS if not present[part]]

    @property
    def complete(self) -> bool:
        return not self.missing


def branding_view(*, tenant: HeatingCompany) -> BrandingView:
    branding = MiniProgramBranding.objects.filter(tenant=tenant).first() or MiniProgramBranding(tenant=tenant)
    account = MiniProgramAccount.objects.filter(tenant=tenant).only("app_id", "app_secret").first()
    base = api_base_url(tenant)
    return BrandingView(
        tenant_slug=tenant.slug, display_name=branding.display_name,
        logo_url=logo_url(base_url=base, logo_name=branding.logo_name), logo_name=branding.logo_name,
        theme_color=branding.theme_color, service_phone=branding.service_phone,
        app_id=account.app_id if account else "", has_app_secret=bool(account and account.app_secret),
        api_base_url=base,
    )


def incomplete_error(missing: list[str]) -> ValidationError:
    """One BRANDING_INCOMPLETE error per missing part, each naming its field."""
    parts = _("、").join(str(PART_LABELS[p]) for p in missing)
    message = _("小程序品牌信息不完整，缺少：%(parts)s。") % {"parts": parts}
    field_of = {"logo": "logo_base64"}
    return ValidationError({field_of.get(p, p): [ValidationError(message, code=Code.BRANDING_INCOMPLETE)]
                            for p in missing})


def logo_bytes(*, tenant: HeatingCompany, logo_name: str) -> bytes:
    with company_context(tenant), default_storage.open(logo_name, "rb") as fh:
        return fh.read()


# --- writes

INPUT_FIELDS = ("display_name", "logo_base64", "theme_color", "service_phone", "app_id", "app_secret")


def _validated(values: dict, *, tenant: HeatingCompany) -> dict:
    errors: dict[str, list[ValidationError]] = {}
    clean: dict = {}
    checks = {
        "display_name": validate_display_name, "logo_base64": decode_logo, "theme_color": validate_theme_color,
        "service_phone": validate_service_phone, "app_id": validate_app_id, "app_secret": validate_app_secret,
    }
    for name, check in checks.items():
        if values.get(name) is None:
            continue
        try:
            clean[name] = check(values[name])
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.error_list)
    account = MiniProgramAccount.objects.filter(tenant=tenant).first()
    if "app_id" in clean:
        if MiniProgramAccount.objects.filter(app_id=clean["app_id"]).exclude(tenant=tenant).exists():
            errors.setdefault("app_id", []).append(
                ValidationError(_("该 AppID 已被其他供热公司使用。"), code=Code.DUPLICATE_APP_ID))
        elif account and account.app_id and account.app_id != clean["app_id"] \
                and values.get("app_secret") is None:
            errors.setdefault("app_secret", []).append(ValidationError(
                _("更换 AppID 时请同时填写新小程序的 AppSecret。"), code=Code.APP_SECRET_REQUIRED))
    if "app_secret" in clean and "app_id" not in clean and not (account and account.app_id):
        errors.setdefault("app_id", []).append(ValidationError(_("请先填写小程序 AppID。"), code=Code.REQUIRED))
    if errors:
        raise ValidationError(errors)
    return clean


def _store_logo(logo: LogoImage) -> str:
    """Content-addressed: the same picture is stored once; the caller is in the tenant's schema."""
    name = f"branding/logo-{logo.sha256[:16]}.{logo.ext}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(logo.data))
    return name


def branding_update(*, tenant: HeatingCompany, values: dict, actor=None, ip: str | None = None) -> BrandingView:
    """Change the given parts (None = leave as is). Any invalid value: a
    ValidationError naming each field, and nothing is written."""
    unknown = set(values) - set(INPUT_FIELDS)
    if unknown:
        raise ValueError(f"unknown branding fields: {sorted(unknown)}")
    with company_context(tenant):
        clean = _validated(values, tenant=tenant)
        if not clean:
            return branding_view(tenant=tenant)
        logo = clean.pop("logo_base64", None)
        logo_name = _store_logo(logo) if logo else None  # outside the transaction: an orphan at worst
        try:
            changed = _write(tenant=tenant, clean=clean, logo=logo, logo_name=logo_name, actor=actor, ip=ip)
        except IntegrityError as exc:  # lost a race for the same AppID
            raise ValidationError({"app_id": [ValidationError(_("该 AppID 已被其他供热公司使用。"),
                                                                code=Code.DUPLICATE_APP_ID)]}) from exc
        if changed.get("old_logo") and changed["old_logo"] != logo_name:
            old = changed["old_logo"]
            transaction.on_commit(lambda: _delete_logo(tenant, old))
        return branding_view(tenant=tenant)


# On the connection holding branding and account rows (the main cluster): from the request of a company on
# another cluster, plain atomic() would open on that cluster and select_for_update here would raise.
@public_atomic()
def _write(*, tenant, clean: dict, logo: LogoImage | None, logo_name: str | None, actor, ip) -> dict:
    branding, _created = MiniProgramBranding.objects.select_for_update().get_or_create(tenant=tenant)
    fields: list[str] = []
    for name in ("display_name", "theme_color", "service_phone"):
        if name in clean and getattr(branding, name) != clean[name]:
            setattr(branding, name, clean[name])
            fields.append(name)
    old_logo = branding.logo_name
    if logo is not None and branding.logo_sha256 != logo.sha256:
        branding.logo_name, branding.logo_sha256 = logo_name, logo.sha256
        branding.logo_width, branding.logo_height = logo.width, logo.height
        fields += ["logo_name", "logo_sha256", "logo_width", "logo_height"]
    if fields:
        branding.save(update_fields=[*fields, "updated_at"])
    account_changes: list[str] = []
    if "app_id" in clean or "app_secret" in clean:
        account = MiniProgramAccount.objects.select_for_update().filter(tenant=tenant).first()
        if account is None:
            account = MiniProgramAccount(tenant=tenant, app_id=clean["app_id"])
            account_changes.append("app_id")
        elif "app_id" in clean and account.app_id != clean["app_id"]:
            account.app_id = clean["app_id"]
            account_changes.append("app_id")
        if "app_secret" in clean:
            account.app_secret = clean["app_secret"]
            account_changes.append("app_secret")
        if account_changes:
            account.save()
    audited = [f for f in fields if f not in ("logo_sha256", "logo_width", "logo_height")]
    audited = ["logo" if f == "logo_name" else f for f in audited] + account_changes
    if audited:
        # The secret is named, never shown; the AppID is not a secret.
        audit_record(actor=actor, action="branding.update", target=branding, ip=ip, fields=audited,
                     **({"app_id": clean["app_id"]} if "app_id" in account_changes else {}),
                     **({"logo_sha256": logo.sha256} if "logo" in audited else {}))
    return {"old_logo": old_logo if "logo" in audited else None}


def _delete_logo(tenant: HeatingCompany, name: str) -> None:
    with company_context(tenant):
        if not MiniProgramBranding.objects.filter(logo_name=name).exists():
            default_storage.delete(name)


# --- the demo company (`make run`)

DEMO_BRANDING = {
    "display_name": "暖云演示热力", "theme_color": "#D9480F", "service_phone": "400-888-9600",
}


def demo_logo_png(size: int = 128) -> bytes:
    """A warm round badge with a flame-like cut-out, drawn without any image library."""
    import zlib

    cx = cy = (size - 1) / 2
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            dx, dy = (x - cx) / (size / 2), (y - cy) / (size / 2)
            r2 = dx * dx + dy * dy
            inner = (dx * 1.6) ** 2 + ((dy - 0.12) * 1.1) ** 2 < 0.22 and not (
                (dx * 2.4) ** 2 + ((dy - 0.3) * 1.6) ** 2 < 0.12)
            if r2 > 1.0:
                row += bytes((0, 0, 0, 0))
            elif inner:
                row += bytes((255, 244, 230, 255))
            else:
                row += bytes((217, 72, 15, 255))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return PNG_MAGIC + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def branding_demo_seed(*, tenant: HeatingCompany) -> bool:
    """Complete the demo company's branding (only what is missing) and, when the
    fake Open Platform is installed, authorize its mini-program there. Idempotent."""
    from .publishing.services import authorization_sandbox_seed

    view = branding_view(tenant=tenant)
    values = {k: v for k, v in DEMO_BRANDING.items() if not getattr(view, k)}
    if not view.logo_name:
        values["logo_base64"] = base64.b64encode(demo_logo_png()).decode()
    if values:
        branding_update(tenant=tenant, values=values)
    authorization_sandbox_seed(tenant=tenant)
    return bool(values)

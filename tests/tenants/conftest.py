"""Mini-program helpers: a tiny template written to a temporary folder (with the
developer files a build must leave out), a temporary MEDIA_ROOT, real PNG/JPEG
bytes, and fully branded companies. Every fixture here is opt-in."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest

ALPHA_APP_ID = "wx0123456789abcdef"
BETA_APP_ID = "wxfedcba9876543210"
SECRET = "0123456789abcdef0123456789abcdef"

BRANDING = (
    "mutation($i:BrandingInput!){updateBranding(input:$i){branding{displayName logoUrl themeColor servicePhone "
    "appId apiBaseUrl complete missing} errors{field code message}}}"
)
QUERY = "{ branding { displayName logoUrl themeColor servicePhone appId apiBaseUrl complete missing } }"
BUILD = "mutation{buildMiniprogram{build{id sha256 size appId apiBaseUrl downloadUrl} errors{field code message}}}"

TEMPLATE_APP_JSON = {
    "pages": ["pages/index/index", "pages/bills/bills"],
    "window": {"navigationBarBackgroundColor": "#E8590C", "navigationBarTextStyle": "white",
               "navigationBarTitleText": "供暖缴费", "backgroundColor": "#FFF8F3"},
    "tabBar": {"color": "#8A8178", "selectedColor": "#E8590C", "list": [
        {"pagePath": "pages/index/index", "text": "首页"}, {"pagePath": "pages/bills/bills", "text": "账单"}]},
    "sitemapLocation": "sitemap.json",
}
TEMPLATE_FILES = {
    "app.js": "App({});\n",
    "app.wxss": "page { color: #333; }\n",
    "sitemap.json": '{"rules": [{"action": "allow", "page": "*"}]}\n',
    "pages/index/index.js": "Page({ data: {} });\n",
    "pages/index/index.wxml": "<view>首页</view>\n",
    "pages/index/index.json": "{}\n",
    "pages/bills/bills.js": "Page({});\n",
    "pages/bills/bills.wxml": "<view>账单</view>\n",
    "utils/config.js": "module.exports = () => wx.getExtConfigSync();\n",
    "config/devtools-ext.js": ("// DevTools fallback\nmodule.exports = {\n"
                               "  apiBaseUrl: 'http://demo.localhost:8000',\n  companyName: '暖云演示热力公司',\n"
                               "  tenant: 'demo',\n  sandboxUser: 'demo-resident',\n};\n"),
}
# What a build must leave out.
DEVELOPER_FILES = {
    "package.json": "{}", "package-lock.json": "{}", "jest.config.js": "module.exports = {};",
    "README.md": "# template", ".eslintrc.json": "{}", "node_modules/miniprogram-simulate/index.js": "x",
    "tests/unit/index.test.js": "test('x', () => {});", "pages/index/index.test.js": "test();",
}


def png(width: int = 128, height: int = 128, *, rgb=(200, 60, 20)) -> bytes:
    row = b"\x00" + bytes(rgb) * width
    body = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def jpeg(width: int = 200, height: int = 180) -> bytes:
    """Header segments of a baseline JPEG (APP0, SOF0) around a stub scan: enough for a header reader."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    sos = b"\xff\xda" + struct.pack(">H", 12) + b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return b"\xff\xd8" + app0 + sof0 + sos + b"\x12\x34\x56" + b"\xff\xd9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_template(root: Path, *, with_developer_files: bool = True) -> Path:
    files = {**TEMPLATE_FILES, "app.json": json.dumps(TEMPLATE_APP_JSON, ensure_ascii=False, indent=2)}
    if with_developer_files:
        files.update(DEVELOPER_FILES)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def mp_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # django-tenants caches the tenant media root until this setting changes (see tests/apps/imports).
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path / "media"


@pytest.fixture
def mp_template(settings, tmp_path):
    root = write_template(tmp_path / "template")
    settings.MINIPROGRAM_TEMPLATE_DIR = str(root)
    return root


def brand(tenant, *, app_id: str, name: str, color: str = "#D9480F", phone: str = "400-888-9600",
          logo: bytes | None = None):
    from tenants.branding import branding_update
    from tenants.models import HeatingCompany

    company = HeatingCompany.objects.get(slug=tenant.slug)
    return branding_update(tenant=company, values={
        "display_name": name, "theme_color": color, "service_phone": phone, "app_id": app_id,
        "app_secret": SECRET, "logo_base64": b64(logo or png())})


@pytest.fixture
def branded(alpha, beta, mp_media, mp_template):
    """alpha and beta with complete, different branding."""
    brand(alpha, app_id=ALPHA_APP_ID, name="阿尔法热力", color="#D9480F", logo=png(128, 128))
    brand(beta, app_id=BETA_APP_ID, name="贝塔供热", color="#1C5D99", phone="0531-88886666", logo=png(96, 90))
    return alpha, beta

"""Companies and what a company brands: the session-wide platform's names (the
operator, alpha and beta, one password for everyone), registrations, branding
values with real PNG/JPEG bytes, and a tiny mini-program template written to a
folder (with the developer files a build must leave out)."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "Correct-horse-42"
OPERATOR = "op-root"


@dataclass(frozen=True)
class TenantInfo:
    slug: str
    host: str
    schema: str
    admin: str


def registration(slug: str):
    """What tenant_register needs for a company `slug` whose admin is `<slug>-admin`."""
    from tenants.signals import Registration

    return Registration(company_name=f"{slug} 热力", slug=slug, contact_name="张三", contact_phone="13800138000",
                        admin_username=f"{slug}-admin", admin_password=PASSWORD)


def tenant_info(slug: str, schema: str | None = None) -> TenantInfo:
    """The TenantInfo of a registered company (its schema read from the database unless given)."""
    if schema is None:
        from tenants.models import HeatingCompany

        schema = HeatingCompany.objects.get(slug=slug).schema_name
    return TenantInfo(slug=slug, host=f"{slug}.localhost", schema=schema, admin=f"{slug}-admin")


# --- branding ----------------------------------------------------------------------------------------

ALPHA_APP_ID = "wx0123456789abcdef"
BETA_APP_ID = "wxfedcba9876543210"
BRANDING_SECRET = "0123456789abcdef0123456789abcdef"
BRANDING_QUERY = "{ branding { displayName logoUrl themeColor servicePhone appId apiBaseUrl complete missing } }"


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


def brand(tenant, *, app_id: str, name: str, color: str = "#D9480F", phone: str = "400-888-9600",
          logo: bytes | None = None):
    """Complete branding for `tenant` through the service (needs a temporary MEDIA_ROOT: the mp_media fixture)."""
    from tenants.branding import branding_update
    from tenants.models import HeatingCompany

    company = HeatingCompany.objects.get(slug=tenant.slug)
    return branding_update(tenant=company, values={
        "display_name": name, "theme_color": color, "service_phone": phone, "app_id": app_id,
        "app_secret": BRANDING_SECRET, "logo_base64": b64(logo or png())})


# --- the mini-program template -----------------------------------------------------------------------

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


def write_template(root: Path, *, with_developer_files: bool = True) -> Path:
    files = {**TEMPLATE_FILES, "app.json": json.dumps(TEMPLATE_APP_JSON, ensure_ascii=False, indent=2)}
    if with_developer_files:
        files.update(DEVELOPER_FILES)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root

"""Branded builds of the resident mini-program.

One template (settings.MINIPROGRAM_TEMPLATE_DIR, `miniprogram-template/`) is
copied for a company with:

- `project.config.json`: the company's AppID and a project name;
- `ext.json`: {"extEnable": true, "extAppid": AppID, "ext": {apiBaseUrl,
  companyName, themeColor, logoUrl, servicePhone, tenant}} — what
  `wx.getExtConfigSync()` returns at run time;
- `app.json`: navigation bar colour/title and tab-bar selected colour;
- `brand/logo.png|jpg`: the logo file;

minus developer files (node_modules, tests, package*.json, jest config,
README, dotfiles). The zip is deterministic: sorted entries, fixed
timestamps and permissions, so the same branding and template give the same
bytes (and the same sha256).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.utils.translation import gettext as _

from apps.audit.services import audit_record

from .branding import branding_view, incomplete_error, logo_bytes
from .directory import company_context, public_atomic
from .miniprogram_errors import BrandingErrorCode as Code
from .models import HeatingCompany, MiniProgramBuild

# Developer-only parts of the template, never shipped.
EXCLUDED_DIRS = frozenset({"node_modules", "tests", "test", "__tests__", "e2e", "coverage"})
EXCLUDED_FILES = re.compile(
    r"^(package(-lock)?\.json|package\..*\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml"
    r"|jest\.config\.[cm]?[jt]s|jest\.config\.json|babel\.config\.[cm]?js|README(\..*)?|CHANGELOG(\..*)?"
    r"|project\.private\.config\.json|.*\.test\.[jt]s|.*\.spec\.[jt]s)$",
    re.IGNORECASE,
)
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say
ZIP_FILE_MODE = 0o100644  # regular file, rw-r--r--
LOGO_DIR = "brand"
# The template's DevTools fallback for ext.json (used where DevTools ignores ext.json): its values for
# the ext keys are replaced by this company's, so a branded build never points at the demo company.
DEVTOOLS_EXT = "config/devtools-ext.js"
# Development-only keys of that fallback (sandbox login, phone and payment confirmation).
SANDBOX_EXT_KEYS = ("sandboxUser", "sandboxPhone", "sandboxPayUrl")


def template_dir() -> Path:
    return Path(settings.MINIPROGRAM_TEMPLATE_DIR)


@dataclass(frozen=True)
class BuildInput:
    tenant_slug: str
    app_id: str
    display_name: str
    theme_color: str
    service_phone: str
    api_base_url: str
    logo_url: str
    logo_ext: str
    logo: bytes = field(repr=False)

    def ext(self) -> dict:
        return {"apiBaseUrl": self.api_base_url, "companyName": self.display_name, "themeColor": self.theme_color,
                "logoUrl": self.logo_url, "servicePhone": self.service_phone, "tenant": self.tenant_slug}

    def ext_config(self) -> dict:
        return {"extEnable": True, "extAppid": self.app_id, "ext": self.ext()}


def build_input(*, tenant: HeatingCompany, with_logo: bool = True) -> BuildInput:
    """Everything a build needs, or a typed ValidationError: which parts of the
    branding are missing, or an http API origin where https is required.
    `with_logo=False` skips reading the logo file (a commit's ext_json only needs its URL)."""
    view = branding_view(tenant=tenant)
    if view.missing:
        raise incomplete_error(view.missing)
    if settings.MINIPROGRAM_REQUIRE_HTTPS and not view.api_base_url.startswith("https://"):
        raise ValidationError(
            _("生产环境的小程序只能访问 https 接口，当前接口地址为 %(url)s；请检查 MINIPROGRAM_API_BASE_URL。")
            % {"url": view.api_base_url}, code=Code.INSECURE_API_BASE)
    return BuildInput(
        tenant_slug=view.tenant_slug, app_id=view.app_id, display_name=view.display_name,
        theme_color=view.theme_color, service_phone=view.service_phone, api_base_url=view.api_base_url,
        logo_url=view.logo_url, logo_ext=Path(view.logo_name).suffix.lstrip(".") or "png",
        logo=logo_bytes(tenant=tenant, logo_name=view.logo_name) if with_logo else b"",
    )


# --- the template


def _template_files(root: Path) -> dict[str, bytes]:
    """Relative posix path → bytes, developer files left out; symlinks never followed."""
    if not (root / "app.json").is_file() and not (root / "project.config.json").is_file():
        raise ValidationError(_("找不到小程序模板（%(dir)s 下没有 app.json）。") % {"dir": root},
                              code=Code.TEMPLATE_MISSING)
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or EXCLUDED_FILES.match(name) or path.is_symlink() or not path.is_file():
                continue
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def _json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _load_json(files: dict[str, bytes], name: str) -> dict:
    try:
        data = json.loads(files[name].decode("utf-8-sig")) if name in files else {}
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(_("小程序模板的 %(name)s 不是有效的 JSON。") % {"name": name},
                              code=Code.TEMPLATE_MISSING) from None
    if not isinstance(data, dict):
        raise ValidationError(_("小程序模板的 %(name)s 不是有效的 JSON。") % {"name": name},
                              code=Code.TEMPLATE_MISSING)
    return data


def _miniprogram_root(project: dict) -> str:
    root = str(project.get("miniprogramRoot") or "").strip().strip("/")
    if root in ("", ".") or ".." in root.split("/"):
        return ""
    return root + "/"


def _branded_window(app: dict, inp: BuildInput) -> tuple[dict, dict | None]:
    window = {**(app.get("window") or {}), "navigationBarBackgroundColor": inp.theme_color,
              "navigationBarTextStyle": "white", "navigationBarTitleText": inp.display_name}
    tab_bar = app.get("tabBar")
    if isinstance(tab_bar, dict):
        tab_bar = {**tab_bar, "selectedColor": inp.theme_color}
    return window, tab_bar if isinstance(tab_bar, dict) else None


JS_STRING = r"""('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""


def _devtools_ext(source: bytes, ext: dict) -> bytes:
    """`key: '…'` / `key: "…"` in the JS module get this company's values (JSON string literals)."""
    text = source.decode("utf-8")
    for key, value in ext.items():
        literal = json.dumps(value, ensure_ascii=False)
        text = re.sub(rf"(\b{key}\s*:\s*){JS_STRING}", lambda m, lit=literal: m.group(1) + lit, text)
    return text.encode()


def package_files(inp: BuildInput, *, root: Path | None = None) -> dict[str, bytes]:
    """The branded project: relative posix path → bytes."""
    files = _template_files(root or template_dir())
    project = _load_json(files, "project.config.json")
    base = _miniprogram_root(project)
    app_name = f"{base}app.json"
    if app_name not in files:
        raise ValidationError(_("找不到小程序模板（%(dir)s 下没有 app.json）。") % {"dir": root or template_dir()},
                              code=Code.TEMPLATE_MISSING)
    app = _load_json(files, app_name)
    app["window"], tab_bar = _branded_window(app, inp)
    if tab_bar is not None:
        app["tabBar"] = tab_bar
    files[app_name] = _json(app)
    setting = dict(project.get("setting") or {})
    # DevTools refuses http / non-whitelisted domains unless told not to check (dev builds only).
    setting["urlCheck"] = inp.api_base_url.startswith("https://")
    files["project.config.json"] = _json({**project, "appid": inp.app_id,
                                          "projectname": f"heatcloud-{inp.tenant_slug}",
                                          "compileType": project.get("compileType") or "miniprogram",
                                          "setting": setting})
    files[f"{base}ext.json"] = _json(inp.ext_config())
    devtools_ext = f"{base}{DEVTOOLS_EXT}"
    if devtools_ext in files:
        values = inp.ext()
        if settings.MINIPROGRAM_REQUIRE_HTTPS:  # a real build: no sandbox shortcuts even in DevTools
            values = {**values, **dict.fromkeys(SANDBOX_EXT_KEYS, "")}
        files[devtools_ext] = _devtools_ext(files[devtools_ext], values)
    for ext in ("png", "jpg"):
        files.pop(f"{base}{LOGO_DIR}/logo.{ext}", None)
    files[f"{base}{LOGO_DIR}/logo.{inp.logo_ext}"] = inp.logo
    return dict(sorted(files.items()))


def commit_ext_json(inp: BuildInput, *, root: Path | None = None) -> str:
    """`ext_json` for WeChat's /wxa/commit: the ext config plus the branded
    window and tab-bar colours (WeChat merges them over the template's app.json)."""
    files = _template_files(root or template_dir())
    base = _miniprogram_root(_load_json(files, "project.config.json"))
    window, tab_bar = _branded_window(_load_json(files, f"{base}app.json"), inp)
    config = {**inp.ext_config(), "window": {k: window[k] for k in (
        "navigationBarBackgroundColor", "navigationBarTextStyle", "navigationBarTitleText")}}
    if tab_bar is not None:
        config["tabBar"] = {"selectedColor": inp.theme_color}
    return json.dumps(config, ensure_ascii=False, separators=(",", ":"))


def package_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.create_system = 3  # unix, so the mode below means what it says
            info.external_attr = ZIP_FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name], compresslevel=9)
    return buf.getvalue()


def _looks_like_a_build(path: Path) -> bool:
    return (path / "project.config.json").is_file() and any(path.rglob("ext.json"))


def write_project(files: dict[str, bytes], *, out_dir: Path) -> None:
    """Write the project folder, replacing an earlier build there; anything else
    already in a non-empty folder is refused rather than deleted."""
    out_dir = out_dir.resolve()
    template = template_dir().resolve()
    if out_dir == template or template in out_dir.parents or out_dir in template.parents:
        raise ValidationError(_("输出目录不能是模板目录本身或与之嵌套。"), code=Code.INVALID)
    if out_dir.exists():
        if not out_dir.is_dir() or (any(out_dir.iterdir()) and not _looks_like_a_build(out_dir)):
            raise ValidationError(_("输出目录 %(dir)s 已存在且不是之前的构建，请换一个目录。") % {"dir": out_dir},
                                  code=Code.INVALID)
        shutil.rmtree(out_dir)
    for name, data in files.items():
        target = out_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)


@dataclass(frozen=True)
class BuildResult:
    input: BuildInput
    files: dict[str, bytes] = field(repr=False)
    zip_bytes: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.zip_bytes).hexdigest()


def build_package(*, tenant: HeatingCompany, root: Path | None = None) -> BuildResult:
    inp = build_input(tenant=tenant)
    files = package_files(inp, root=root)
    return BuildResult(input=inp, files=files, zip_bytes=package_zip(files))


def build_create(*, tenant: HeatingCompany, actor=None, ip: str | None = None) -> MiniProgramBuild:
    """Build and keep the zip in the company's media folder; the same content is
    stored once (same sha256 → the same build row)."""
    result = build_package(tenant=tenant)
    sha = result.sha256
    name = f"miniprogram/builds/{sha}.zip"
    with company_context(tenant):  # the company's media folder
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(result.zip_bytes))
        existing = MiniProgramBuild.objects.filter(tenant=tenant, sha256=sha).first()
        if existing is not None:
            if existing.file_name != name:
                existing.file_name = name
                existing.save(update_fields=["file_name"])
            return existing
        try:
            with public_atomic():
                build = MiniProgramBuild.objects.create(
                    tenant=tenant, sha256=sha, size=len(result.zip_bytes), file_name=name,
                    app_id=result.input.app_id, api_base_url=result.input.api_base_url,
                    created_by=actor.get_username() if actor is not None else "")
                audit_record(actor=actor, action="miniprogram.build", target=build, ip=ip, sha256=sha,
                             app_id=result.input.app_id)
        except IntegrityError:  # the same build made concurrently
            return MiniProgramBuild.objects.get(tenant=tenant, sha256=sha)
    return build


def build_for_download(*, tenant: HeatingCompany, build_id: int) -> MiniProgramBuild | None:
    """A build of this company only: another company's id is simply not found."""
    return MiniProgramBuild.objects.filter(tenant=tenant, pk=build_id).first()

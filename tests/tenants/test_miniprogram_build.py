"""Branded builds: each company's package carries its own AppID, ext config,
colours and logo; builds are byte-identical for the same input; incomplete
branding and (in production) http API origins are refused; only the company's
admin can build and download."""

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from tenants.miniprogram_build import build_package, package_files, package_zip
from tenants.models import HeatingCompany, MiniProgramBuild
from tests.factories.environments import PRODUCTION_ENV, run_with_production_settings
from tests.factories.tenants import (
    ALPHA_APP_ID,
    BETA_APP_ID,
    DEVELOPER_FILES,
    TEMPLATE_FILES,
    brand,
    png,
    write_template,
)

from .conftest import BUILD


def _company(slug):
    return HeatingCompany.objects.get(slug=slug)


def _files(slug):
    return build_package(tenant=_company(slug)).files


def test_each_company_gets_its_own_appid_ext_config_colours_and_logo(branded):
    alpha, beta = branded
    for tenant, app_id, name, color, phone, logo in (
            (alpha, ALPHA_APP_ID, "阿尔法热力", "#D9480F", "400-888-9600", png(128, 128)),
            (beta, BETA_APP_ID, "贝塔供热", "#1C5D99", "0531-88886666", png(96, 90))):
        files = _files(tenant.slug)
        project = json.loads(files["project.config.json"])
        assert project["appid"] == app_id and project["projectname"] == f"heatcloud-{tenant.slug}"
        assert project["setting"]["urlCheck"] is False  # http dev/test origin
        ext = json.loads(files["ext.json"])
        logo_url = ext["ext"].pop("logoUrl")
        assert ext == {"extEnable": True, "extAppid": app_id, "ext": {
            "apiBaseUrl": f"http://{tenant.slug}.localhost", "companyName": name, "themeColor": color,
            "servicePhone": phone, "tenant": tenant.slug}}
        assert logo_url.startswith(f"http://{tenant.slug}.localhost/files/branding/logo-")
        app = json.loads(files["app.json"])
        assert app["window"]["navigationBarBackgroundColor"] == color
        assert app["window"]["navigationBarTextStyle"] == "white"
        assert app["window"]["navigationBarTitleText"] == name
        assert app["window"]["backgroundColor"] == "#FFF8F3"  # the rest of the template's window stays
        assert app["tabBar"]["selectedColor"] == color and app["tabBar"]["color"] == "#8A8178"
        assert app["pages"] == ["pages/index/index", "pages/bills/bills"]
        assert files["brand/logo.png"] == logo
        devtools = files["config/devtools-ext.js"].decode()
        assert f'apiBaseUrl: "http://{tenant.slug}.localhost"' in devtools and "demo.localhost" not in devtools
        assert "sandboxUser: 'demo-resident'" in devtools


def test_build_copies_the_template_without_developer_files(branded):
    files = _files("alpha")
    for name, text in TEMPLATE_FILES.items():
        if name != "config/devtools-ext.js":
            assert files[name] == text.encode()
    assert not set(DEVELOPER_FILES) & set(files)
    assert not [n for n in files if n.startswith(("node_modules/", "tests/")) or "/." in n or n.startswith(".")]


def test_same_input_gives_a_byte_identical_zip(branded, mp_template):
    first = build_package(tenant=_company("alpha")).zip_bytes
    (mp_template / "app.js").touch()  # a newer mtime changes nothing
    second = build_package(tenant=_company("alpha")).zip_bytes
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert build_package(tenant=_company("beta")).zip_bytes != first


def test_changing_the_branding_changes_the_package(branded):
    before = build_package(tenant=_company("alpha")).zip_bytes
    brand(branded[0], app_id=ALPHA_APP_ID, name="阿尔法热力", color="#1C5D99")
    assert build_package(tenant=_company("alpha")).zip_bytes != before


def test_zip_holds_exactly_the_project_files(branded):
    result = build_package(tenant=_company("alpha"))
    with zipfile.ZipFile(io.BytesIO(result.zip_bytes)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == result.files


def test_incomplete_branding_is_refused_naming_what_is_missing(gql, alpha, mp_media, mp_template):
    from tenants.branding import branding_update

    branding_update(tenant=_company("alpha"), values={"display_name": "阿尔法热力", "app_id": ALPHA_APP_ID})
    token = gql.login(alpha.host, alpha.admin)
    payload = gql(alpha.host, BUILD, token=token)["data"]["buildMiniprogram"]
    assert payload["build"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("logoBase64", "BRANDING_INCOMPLETE"), ("themeColor", "BRANDING_INCOMPLETE"),
        ("servicePhone", "BRANDING_INCOMPLETE"), ("appSecret", "BRANDING_INCOMPLETE")}
    assert "标志" in payload["errors"][0]["message"]
    assert not MiniProgramBuild.objects.exists()


def test_production_builds_refuse_an_http_api_origin(branded, settings):
    settings.MINIPROGRAM_REQUIRE_HTTPS = True
    with pytest.raises(Exception) as exc_info:
        build_package(tenant=_company("alpha"))
    assert exc_info.value.error_list[0].code == "INSECURE_API_BASE"
    settings.MINIPROGRAM_API_BASE_URL = "https://{domain}"
    files = build_package(tenant=_company("alpha")).files
    assert json.loads(files["ext.json"])["ext"]["apiBaseUrl"] == "https://alpha.localhost"
    assert json.loads(files["project.config.json"])["setting"]["urlCheck"] is True


def test_production_settings_force_https_builds():
    result = run_with_production_settings(
        "from django.conf import settings; print(settings.MINIPROGRAM_REQUIRE_HTTPS)", PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_missing_template_is_a_typed_error(branded, settings, tmp_path):
    settings.MINIPROGRAM_TEMPLATE_DIR = str(tmp_path / "nowhere")
    with pytest.raises(Exception) as exc_info:
        build_package(tenant=_company("alpha"))
    assert exc_info.value.error_list[0].code == "TEMPLATE_MISSING"


def test_admin_builds_and_downloads_the_zip(gql, client, branded):
    alpha, _beta = branded
    token = gql.login(alpha.host, alpha.admin)
    payload = gql(alpha.host, BUILD, token=token)["data"]["buildMiniprogram"]
    assert payload["errors"] == []
    build = payload["build"]
    assert build["appId"] == ALPHA_APP_ID and build["apiBaseUrl"] == "http://alpha.localhost"
    assert build["downloadUrl"] == f"http://alpha.localhost/files/miniprogram/{build['id']}.zip"
    again = gql(alpha.host, BUILD, token=token)["data"]["buildMiniprogram"]["build"]
    assert again["id"] == build["id"]  # same content, same build
    resp = client.get(f"/files/miniprogram/{build['id']}.zip", HTTP_HOST=alpha.host,
                      HTTP_AUTHORIZATION=f"Bearer {token}")
    connection.set_schema_to_public()
    assert resp.status_code == 200 and resp["Content-Type"] == "application/zip"
    body = b"".join(resp.streaming_content)
    assert hashlib.sha256(body).hexdigest() == build["sha256"] and len(body) == build["size"]
    assert body == build_package(tenant=_company("alpha")).zip_bytes
    with schema_context(alpha.schema):
        assert AuditLog.objects.filter(action="miniprogram.build", actor_name=alpha.admin).count() == 1


def test_a_companys_build_cannot_be_downloaded_by_anyone_else(gql, client, branded, make_staff, make_resident):
    alpha, beta = branded
    alpha_token = gql.login(alpha.host, alpha.admin)
    build_id = gql(alpha.host, BUILD, token=alpha_token)["data"]["buildMiniprogram"]["build"]["id"]
    path = f"/files/miniprogram/{build_id}.zip"

    def status(host, token=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        code = client.get(path, HTTP_HOST=host, **headers).status_code
        connection.set_schema_to_public()
        return code

    assert status(beta.host, gql.login(beta.host, beta.admin)) == 404  # beta's admin, alpha's build id
    assert status(beta.host, alpha_token) == 401  # alpha's token is not valid at beta
    assert status(alpha.host, make_staff(alpha, "collector")) == 403
    assert status(alpha.host, make_resident(alpha, "o-build")[1]) == 403
    assert status(alpha.host) == 401


@pytest.mark.parametrize("role", ["collector", "technician", "finance"])
def test_only_admins_may_build(gql, alpha, make_staff, role):
    result = gql(alpha.host, BUILD, token=make_staff(alpha, role))
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_command_writes_the_project_and_the_zip(branded, tmp_path):
    out = io.StringIO()
    call_command("build_miniprogram", "alpha", "--out", str(tmp_path / "out"), stdout=out)
    project = tmp_path / "out" / "alpha"
    expected = build_package(tenant=_company("alpha"))
    assert (tmp_path / "out" / "alpha.zip").read_bytes() == expected.zip_bytes
    written = {p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert written == expected.files
    assert json.loads((project / "ext.json").read_text())["extAppid"] == ALPHA_APP_ID
    assert expected.sha256 in out.getvalue()
    call_command("build_miniprogram", "alpha", "--out", str(tmp_path / "out"), stdout=io.StringIO())  # replaces


def test_command_refuses_to_overwrite_a_folder_that_is_not_a_build(branded, tmp_path):
    precious = tmp_path / "out" / "alpha"
    precious.mkdir(parents=True)
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(CommandError):
        call_command("build_miniprogram", "alpha", "--out", str(tmp_path / "out"), stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert (precious / "notes.txt").read_text() == "keep me"


def test_command_refuses_incomplete_branding_and_unknown_companies(alpha, mp_media, mp_template, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("build_miniprogram", "alpha", "--out", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "缺少" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("build_miniprogram", "no-such-co", "--out", str(tmp_path), stdout=io.StringIO())


def test_miniprogram_root_in_project_config_is_respected(branded, tmp_path):
    root = tmp_path / "nested"
    write_template(root / "miniprogram", with_developer_files=False)
    (root / "project.config.json").write_text(json.dumps({"miniprogramRoot": "miniprogram/", "appid": "touristappid",
                                                          "setting": {"es6": True}}))
    from tenants.miniprogram_build import build_input

    files = package_files(build_input(tenant=_company("alpha")), root=root)
    assert json.loads(files["miniprogram/ext.json"])["extAppid"] == ALPHA_APP_ID
    assert json.loads(files["miniprogram/app.json"])["window"]["navigationBarTitleText"] == "阿尔法热力"
    project = json.loads(files["project.config.json"])
    assert project["appid"] == ALPHA_APP_ID and project["setting"]["es6"] is True
    assert "miniprogram/brand/logo.png" in files
    assert package_zip(files) == package_zip(dict(files))


REAL_TEMPLATE = Path(settings.BASE_DIR) / "miniprogram-template"


def test_the_real_template_builds_for_each_company(branded, settings):
    settings.MINIPROGRAM_TEMPLATE_DIR = str(REAL_TEMPLATE)
    template_app = json.loads((REAL_TEMPLATE / "app.json").read_text(encoding="utf-8"))
    # The template has a tab bar and a DevTools fallback; assert them rather than skip when absent.
    assert "tabBar" in template_app and (REAL_TEMPLATE / "config" / "devtools-ext.js").is_file()
    for slug, app_id, color in (("alpha", ALPHA_APP_ID, "#D9480F"), ("beta", BETA_APP_ID, "#1C5D99")):
        result = build_package(tenant=_company(slug))
        files = result.files
        assert json.loads(files["ext.json"])["extAppid"] == app_id
        app = json.loads(files["app.json"])
        assert app["pages"] == template_app["pages"]
        assert app["window"]["navigationBarBackgroundColor"] == color
        assert app["tabBar"]["selectedColor"] == color
        assert app["tabBar"]["list"] == template_app["tabBar"]["list"]
        for page in template_app["pages"]:
            assert {f"{page}.js", f"{page}.wxml", f"{page}.json"} <= set(files), page
        assert not [n for n in files if n.startswith(("node_modules/", "tests/")) or n.startswith("package")]
        assert not [n for n in files if n.split("/")[-1].startswith("jest.config")]
        assert result.zip_bytes == build_package(tenant=_company(slug)).zip_bytes
        assert f"http://{slug}.localhost" in files["config/devtools-ext.js"].decode()


def test_devtools_fallback_loads_in_node_with_the_same_values_as_ext_json(alpha, mp_media, mp_template, tmp_path):
    brand(alpha, app_id=ALPHA_APP_ID, name="阿尔法'热\"力\\")  # quotes and a backslash survive
    files = _files("alpha")
    target = tmp_path / "devtools-ext.js"
    target.write_bytes(files["config/devtools-ext.js"])
    loaded = json.loads(subprocess.run(
        ["node", "-e", f"process.stdout.write(JSON.stringify(require({json.dumps(str(target))})))"],
        check=True, capture_output=True, timeout=30).stdout)
    ext = json.loads(files["ext.json"])["ext"]
    assert {k: loaded[k] for k in ("apiBaseUrl", "companyName", "tenant")} == {
        k: ext[k] for k in ("apiBaseUrl", "companyName", "tenant")}
    assert loaded["sandboxUser"] == "demo-resident"  # the template's own extra keys stay


def test_a_production_build_carries_no_sandbox_shortcuts(branded, settings):
    from pathlib import Path

    from tenants.miniprogram_build import DEVTOOLS_EXT, build_package
    from tenants.models import HeatingCompany

    settings.MINIPROGRAM_TEMPLATE_DIR = str(Path(__file__).resolve().parents[2] / "miniprogram-template")
    settings.MINIPROGRAM_REQUIRE_HTTPS = True
    settings.MINIPROGRAM_API_BASE_URL = "https://{domain}"
    fallback = build_package(tenant=HeatingCompany.objects.get(slug="alpha")).files[DEVTOOLS_EXT].decode()
    for key in ("sandboxUser", "sandboxPhone", "sandboxPayUrl"):
        assert f'{key}: ""' in fallback
    assert "http://localhost:8000" not in fallback and "apiBaseUrl: \"https://alpha." in fallback

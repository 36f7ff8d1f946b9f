"""Branding: every refusal is typed and writes nothing; the secret is write-only;
the theme colour must keep white text readable; the app reads it before login."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from tenants.branding import contrast_with_white, inspect_logo, validate_service_phone
from tenants.models import HeatingCompany, MiniProgramAccount, MiniProgramBranding
from tests.factories.tenants import ALPHA_APP_ID, BETA_APP_ID, BRANDING_QUERY, BRANDING_SECRET, b64, brand, jpeg, png

from .conftest import BRANDING

pytestmark = pytest.mark.usefixtures("mp_media")


def _update(gql, tenant, token, **values):
    result = gql(tenant.host, BRANDING, {"i": values}, token=token)
    assert "errors" not in result, result
    return result["data"]["updateBranding"]


def _nothing_written(tenant, media):
    company = HeatingCompany.objects.get(slug=tenant.slug)
    assert not MiniProgramBranding.objects.filter(tenant=company).exists()
    assert not MiniProgramAccount.objects.filter(tenant=company).exists()
    with schema_context(tenant.schema):
        assert not AuditLog.objects.filter(action="branding.update").exists()
    assert not list(media.rglob("logo-*"))


@pytest.mark.parametrize(("color", "ok"), [
    ("#FFFFFF", False), ("#FFD43B", False), ("#959595", False), ("#949494", True), ("#767676", True), ("#D9480F", True),
    ("#1C5D99", True), ("#000000", True),
])
def test_theme_colour_needs_three_to_one_contrast_with_white_text(color, ok):
    assert (contrast_with_white(color) >= 3.0) is ok


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_with_white("#FFFFFF") == pytest.approx(1.0)
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)


BAD_INPUTS = [
    ({"displayName": "很长" * 11}, "displayName", "TOO_LONG"),
    ({"displayName": "  "}, "displayName", "REQUIRED"),
    ({"themeColor": "red"}, "themeColor", "INVALID_COLOR"),
    ({"themeColor": "#FFD43B"}, "themeColor", "LOW_CONTRAST"),
    ({"servicePhone": "12"}, "servicePhone", "INVALID_PHONE"),
    ({"appId": "wx123"}, "appId", "INVALID_APP_ID"),
    ({"appId": "wx0123456789ABCDEF"}, "appId", "INVALID_APP_ID"),
    ({"appId": ALPHA_APP_ID, "appSecret": "short"}, "appSecret", "INVALID_APP_SECRET"),
    ({"appSecret": BRANDING_SECRET}, "appId", "REQUIRED"),
    ({"logoBase64": "not base64!!"}, "logoBase64", "INVALID_BASE64"),
    ({"logoBase64": b64(b"GIF89a" + b"\x00" * 100)}, "logoBase64", "LOGO_NOT_IMAGE"),
    ({"logoBase64": b64(png()[:-12])}, "logoBase64", "LOGO_NOT_IMAGE"),  # truncated: no IEND
    ({"logoBase64": b64(png(2000, 2000))}, "logoBase64", "LOGO_BAD_DIMENSIONS"),
    ({"logoBase64": b64(png(32, 32))}, "logoBase64", "LOGO_BAD_DIMENSIONS"),
    ({"logoBase64": b64(png(300, 100))}, "logoBase64", "LOGO_BAD_DIMENSIONS"),
    ({"logoBase64": b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024))}, "logoBase64", "LOGO_TOO_LARGE"),
]


@pytest.mark.parametrize(("bad", "field", "code"), BAD_INPUTS, ids=[c for _b, _f, c in BAD_INPUTS])
def test_each_refusal_is_typed_and_writes_nothing(gql, alpha, mp_media, bad, field, code):
    token = gql.login(alpha.host, alpha.admin)
    # A valid logo and name ride along: they must not be written either.
    values = {"displayName": "阿尔法热力", "logoBase64": b64(png()), **bad}
    payload = _update(gql, alpha, token, **values)
    assert payload["branding"] is None
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in payload["errors"]]
    assert all(e["message"] for e in payload["errors"])
    _nothing_written(alpha, mp_media)


def test_low_contrast_error_names_the_ratio(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    payload = _update(gql, alpha, token, themeColor="#FFD43B")
    assert payload["errors"][0]["code"] == "LOW_CONTRAST"
    assert "1.4" in payload["errors"][0]["message"] and "3:1" in payload["errors"][0]["message"]


def test_admin_brands_the_app_and_anyone_reads_it_without_the_secret(gql, client, alpha, mp_media):
    token = gql.login(alpha.host, alpha.admin)
    logo = png(120, 110)
    payload = _update(gql, alpha, token, displayName=" 阿尔法热力 ", logoBase64="data:image/png;base64," + b64(logo),
                      themeColor="#d9480f", servicePhone="400 888 9600", appId=ALPHA_APP_ID, appSecret=BRANDING_SECRET)
    assert payload["errors"] == []
    public = gql(alpha.host, BRANDING_QUERY)["data"]["branding"]  # anonymous: the app reads it before login
    assert public == payload["branding"]
    assert public["displayName"] == "阿尔法热力"
    assert public["themeColor"] == "#D9480F"
    assert public["servicePhone"] == "400-888-9600"
    assert public["appId"] == ALPHA_APP_ID
    assert public["apiBaseUrl"] == "http://alpha.localhost"
    assert public["complete"] is True and public["missing"] == []
    assert public["logoUrl"].startswith("http://alpha.localhost/files/branding/logo-")
    assert BRANDING_SECRET not in str(payload) and BRANDING_SECRET not in str(public)

    resp = client.get(public["logoUrl"].removeprefix("http://alpha.localhost"), HTTP_HOST=alpha.host)
    connection.set_schema_to_public()
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content) == logo

    account = MiniProgramAccount.objects.get(tenant__slug="alpha")
    assert account.app_secret == BRANDING_SECRET
    with connection.cursor() as cur:
        cur.execute("SELECT app_secret FROM tenants_miniprogramaccount WHERE id = %s", [account.pk])
        assert BRANDING_SECRET not in cur.fetchone()[0]  # encrypted at rest
    with schema_context(alpha.schema):
        row = AuditLog.objects.get(action="branding.update")
    assert row.actor_name == alpha.admin
    assert set(row.detail["fields"]) == {"display_name", "theme_color", "service_phone", "logo", "app_id",
                                         "app_secret"}
    assert BRANDING_SECRET not in str(row.detail)


def test_no_field_of_the_api_can_return_the_secret():
    from graphql import GraphQLBoolean, get_named_type

    from graphql_api.tenant_schema import schema

    for name, gtype in schema.graphql_schema.type_map.items():
        if hasattr(gtype, "fields") and not name.endswith("Input") and not name.startswith("__"):
            # Only a yes/no "is it set" flag may name a secret (e-invoice settings' hasAppSecret).
            assert not [f for f, spec in gtype.fields.items() if "secret" in f.lower()
                        and not (f.startswith("has") and get_named_type(spec.type) is GraphQLBoolean)], name


def test_incomplete_branding_lists_what_is_missing(gql, alpha):
    token = gql.login(alpha.host, alpha.admin)
    payload = _update(gql, alpha, token, displayName="阿尔法热力", appId=ALPHA_APP_ID)
    assert payload["branding"]["complete"] is False
    assert payload["branding"]["missing"] == ["LOGO", "THEME_COLOR", "SERVICE_PHONE", "APP_SECRET"]


def test_only_given_fields_change_and_a_new_logo_replaces_the_old_file(gql, alpha, mp_media):
    token = gql.login(alpha.host, alpha.admin)
    _update(gql, alpha, token, displayName="阿尔法热力", logoBase64=b64(png(100, 100)))
    first = list(mp_media.rglob("logo-*"))
    payload = _update(gql, alpha, token, logoBase64=b64(jpeg(200, 180)))
    assert payload["branding"]["displayName"] == "阿尔法热力"
    assert payload["branding"]["logoUrl"].endswith(".jpg")
    files = list(mp_media.rglob("logo-*"))  # the old file goes once the change is committed
    assert len(first) == 1 and first[0] in files
    branding = MiniProgramBranding.objects.get(tenant__slug="alpha")
    assert (branding.logo_width, branding.logo_height) == (200, 180)


def test_old_logo_file_is_deleted_after_commit(gql, alpha, mp_media, django_capture_on_commit_callbacks):
    token = gql.login(alpha.host, alpha.admin)
    _update(gql, alpha, token, logoBase64=b64(png(100, 100)))
    with django_capture_on_commit_callbacks(execute=True):
        _update(gql, alpha, token, logoBase64=b64(png(100, 100, rgb=(10, 20, 30))))
    assert len(list(mp_media.rglob("logo-*"))) == 1


def test_an_app_id_belongs_to_one_company(gql, alpha, beta):
    brand(beta, app_id=BETA_APP_ID, name="贝塔供热")
    token = gql.login(alpha.host, alpha.admin)
    payload = _update(gql, alpha, token, appId=BETA_APP_ID, appSecret=BRANDING_SECRET)
    assert [e["code"] for e in payload["errors"]] == ["DUPLICATE_APP_ID"]


def test_changing_the_app_id_needs_the_new_apps_secret(gql, alpha):
    brand(alpha, app_id=ALPHA_APP_ID, name="阿尔法热力")
    token = gql.login(alpha.host, alpha.admin)
    payload = _update(gql, alpha, token, appId="wx1111111111111111")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("appSecret", "APP_SECRET_REQUIRED")]
    assert MiniProgramAccount.objects.get(tenant__slug="alpha").app_id == ALPHA_APP_ID


@pytest.mark.parametrize("role", ["collector", "technician", "finance"])
def test_only_the_tenant_admin_may_update_branding(gql, alpha, make_staff, role):
    result = gql(alpha.host, BRANDING, {"i": {"displayName": "x"}}, token=make_staff(alpha, role))
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert not MiniProgramBranding.objects.filter(tenant__slug="alpha").exists()


def test_residents_and_anonymous_callers_cannot_update_branding(gql, alpha, make_resident):
    _resident, token = make_resident(alpha, "o-brand")
    assert gql(alpha.host, BRANDING, {"i": {"displayName": "x"}}, token=token)["errors"][0]["extensions"][
        "code"] == "PERMISSION_DENIED"
    assert gql(alpha.host, BRANDING, {"i": {"displayName": "x"}})["errors"][0]["extensions"][
        "code"] == "UNAUTHENTICATED"


def test_a_companys_admin_cannot_change_or_see_another_companys_branding(gql, alpha, beta):
    brand(beta, app_id=BETA_APP_ID, name="贝塔供热")
    alpha_token = gql.login(alpha.host, alpha.admin)
    result = gql(beta.host, BRANDING, {"i": {"displayName": "被改了"}}, token=alpha_token)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert MiniProgramBranding.objects.get(tenant__slug="beta").display_name == "贝塔供热"
    # Each domain answers with its own company's branding only.
    assert gql(alpha.host, BRANDING_QUERY)["data"]["branding"]["displayName"] == ""
    assert gql(beta.host, BRANDING_QUERY)["data"]["branding"]["displayName"] == "贝塔供热"


def test_another_companys_logo_is_not_served(client, alpha, beta):
    view = brand(beta, app_id=BETA_APP_ID, name="贝塔供热")
    path = view.logo_url.removeprefix("http://beta.localhost")
    assert client.get(path, HTTP_HOST=beta.host).status_code == 200
    assert client.get(path, HTTP_HOST=alpha.host).status_code == 404
    connection.set_schema_to_public()


def test_jpeg_dimensions_are_read_from_the_frame_header():
    logo = inspect_logo(jpeg(300, 280))
    assert (logo.kind, logo.width, logo.height, logo.ext) == ("jpeg", 300, 280, "jpg")


@pytest.mark.parametrize(("raw", "clean"), [
    ("400 888 9600", "400-888-9600"), ("4008889600", "400-888-9600"), ("96069", "96069"),
    ("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("0531-88886666", "0531-88886666"),
])
def test_service_phone_forms(raw, clean):
    assert validate_service_phone(raw) == clean

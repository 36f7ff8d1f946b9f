import json

import pytest
from django.db import connection
from responses import matchers

from apps.audit.models import AuditLog
from apps.residents.models import Resident
from heat_platform.crypto import blind_index

from .conftest import APP_ID, APP_SECRET, BIND_PHONE, WECHAT

TOKEN_URL = f"{WECHAT}/cgi-bin/token"
PHONE_URL = f"{WECHAT}/wxa/business/getuserphonenumber"


def _bind(gql, tenant, token, code):
    return gql(tenant.host, BIND_PHONE, {"c": code}, token=token)["data"]["bindPhone"]


def _token_reply(http, access_token, expires_in=7200):
    http.get(TOKEN_URL, json={"access_token": access_token, "expires_in": expires_in}, match=[
        matchers.query_param_matcher({"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET})])


def _phone_reply(http, access_token, code, body):
    http.post(PHONE_URL, json=body, match=[matchers.query_param_matcher({"access_token": access_token}),
                                           matchers.json_params_matcher({"code": code})])


def _phone_info(phone="13800138000", appid=APP_ID, country="86"):
    return {"errcode": 0, "errmsg": "ok", "phone_info": {
        "phoneNumber": phone if country == "86" else f"+{country}{phone}", "purePhoneNumber": phone,
        "countryCode": country, "watermark": {"timestamp": 1637744274, "appid": appid}}}


def _stored(tenant, resident_id):
    from django_tenants.utils import schema_context

    with schema_context(tenant.schema):
        resident = Resident.objects.get(pk=resident_id)
        with connection.cursor() as cur:
            cur.execute("SELECT phone FROM residents_resident WHERE id = %s", [resident_id])
            raw = cur.fetchone()[0]
    return resident, raw


def test_sandbox_bind_phone_stores_encrypted_phone_and_blind_index(gql, alpha, miniprogram, make_resident):
    resident, token = make_resident(alpha, "o-binder")
    payload = _bind(gql, alpha, token, "sandbox-phone:13800138000")
    assert payload == {"resident": {"id": str(resident.pk), "phoneMasked": "138****8000"}, "errors": []}
    stored, raw = _stored(alpha, resident.pk)
    assert stored.phone == "13800138000"
    assert stored.phone_index == blind_index("13800138000", purpose="phone")
    assert "13800138000" not in raw  # ciphertext at rest
    from django_tenants.utils import schema_context

    with schema_context(alpha.schema):
        row = AuditLog.objects.get(action="resident.phone_bind")
    assert row.actor_id == resident.pk and row.detail == {"method": "wechat", "phone": "138****8000"}


def test_real_bind_phone_gets_token_once_and_checks_the_watermark(
        gql, alpha, miniprogram, make_resident, real_wechat):
    resident, token = make_resident(alpha, "o-real-binder")
    _token_reply(real_wechat, "ACCESS_TOKEN_1")
    _phone_reply(real_wechat, "ACCESS_TOKEN_1", "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144",
                 _phone_info("13912345678"))
    _phone_reply(real_wechat, "ACCESS_TOKEN_1", "second-code", _phone_info("13812345678"))
    first = _bind(gql, alpha, token, "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144")
    second = _bind(gql, alpha, token, "second-code")
    assert first["resident"]["phoneMasked"] == "139****5678" and first["errors"] == []
    assert second["resident"]["phoneMasked"] == "138****5678"
    urls = [c.request.url.split("?")[0] for c in real_wechat.calls]
    assert urls == [TOKEN_URL, PHONE_URL, PHONE_URL]  # the access token is cached between calls
    assert json.loads(real_wechat.calls[1].request.body) == {
        "code": "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144"}
    assert _stored(alpha, resident.pk)[0].phone == "13812345678"


def test_expired_access_token_is_refreshed_and_the_call_retried(gql, alpha, miniprogram, make_resident, real_wechat):
    _resident, token = make_resident(alpha, "o-refresh")
    _token_reply(real_wechat, "TOKEN_A")
    _token_reply(real_wechat, "TOKEN_B")  # responses answers registered replies in order
    _phone_reply(real_wechat, "TOKEN_A", "c1", _phone_info("13800000001"))
    _phone_reply(real_wechat, "TOKEN_A", "c2", {"errcode": 42001, "errmsg": "access_token expired"})
    _phone_reply(real_wechat, "TOKEN_B", "c2", _phone_info("13800000002"))
    assert _bind(gql, alpha, token, "c1")["errors"] == []
    assert _bind(gql, alpha, token, "c2")["resident"]["phoneMasked"] == "138****0002"
    assert [c.request.url.split("?")[0] for c in real_wechat.calls] == [
        TOKEN_URL, PHONE_URL, PHONE_URL, TOKEN_URL, PHONE_URL]


def test_access_token_rejected_twice_gives_up(gql, alpha, miniprogram, make_resident, real_wechat):
    resident, token = make_resident(alpha, "o-stale")
    _token_reply(real_wechat, "STALE")
    _phone_reply(real_wechat, "STALE", "c1", {"errcode": 40001, "errmsg": "invalid credential, access_token is "
                                                                          "invalid or not latest"})
    payload = _bind(gql, alpha, token, "c1")
    assert [e["code"] for e in payload["errors"]] == ["WECHAT_ERROR"]
    assert [c.request.url.split("?")[0] for c in real_wechat.calls] == [TOKEN_URL, PHONE_URL, TOKEN_URL, PHONE_URL]
    assert _stored(alpha, resident.pk)[0].phone == ""


def test_watermark_of_another_app_is_refused(gql, alpha, miniprogram, make_resident, real_wechat):
    resident, token = make_resident(alpha, "o-watermark")
    _token_reply(real_wechat, "AT")
    _phone_reply(real_wechat, "AT", "c", _phone_info(appid="wx1111111111111111"))
    payload = _bind(gql, alpha, token, "c")
    assert [e["code"] for e in payload["errors"]] == ["PHONE_WATERMARK_MISMATCH"]
    assert _stored(alpha, resident.pk)[0].phone == ""


@pytest.mark.parametrize(("errcode", "error"), [
    (40029, "INVALID_CODE"), (45011, "WECHAT_RATE_LIMITED"), (-1, "WECHAT_BUSY"), (40013, "MINIPROGRAM_MISCONFIGURED"),
])
def test_phone_errors_are_typed_and_write_nothing(gql, alpha, miniprogram, make_resident, real_wechat, errcode, error):
    resident, token = make_resident(alpha, "o-phone-error")
    _token_reply(real_wechat, "AT")
    _phone_reply(real_wechat, "AT", "c", {"errcode": errcode, "errmsg": "error"})
    assert [e["code"] for e in _bind(gql, alpha, token, "c")["errors"]] == [error]
    stored, _raw = _stored(alpha, resident.pk)
    assert (stored.phone, stored.phone_index) == ("", "")


def test_token_endpoint_errors_are_typed(gql, alpha, miniprogram, make_resident, real_wechat):
    _resident, token = make_resident(alpha, "o-token-error")
    real_wechat.get(TOKEN_URL, json={"errcode": 40164, "errmsg": "invalid ip 1.2.3.4, not in whitelist"})
    assert [e["code"] for e in _bind(gql, alpha, token, "c")["errors"]] == ["MINIPROGRAM_MISCONFIGURED"]


def test_non_mainland_phone_is_refused(gql, alpha, miniprogram, make_resident, real_wechat):
    resident, token = make_resident(alpha, "o-hk")
    _token_reply(real_wechat, "AT")
    _phone_reply(real_wechat, "AT", "c", _phone_info(phone="61234567", country="852"))
    assert [e["code"] for e in _bind(gql, alpha, token, "c")["errors"]] == ["INVALID_PHONE"]
    assert _stored(alpha, resident.pk)[0].phone == ""


def test_bind_phone_needs_a_resident(gql, alpha, miniprogram, make_staff):
    query_args = {"c": "sandbox-phone:13800138000"}
    assert gql(alpha.host, BIND_PHONE, query_args)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff = make_staff(alpha, "tenant_admin")
    assert gql(alpha.host, BIND_PHONE, query_args, token=staff)["errors"][0]["extensions"]["code"] == \
        "PERMISSION_DENIED"

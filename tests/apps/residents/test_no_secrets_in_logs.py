"""What the residents flows log: enough to debug (errcodes, provider codes,
masked phones), never an AppSecret, session_key, access token, SMS code,
provider secret or full phone number, even at DEBUG and on failures."""

import json
import logging
from urllib.parse import parse_qsl

import requests

from apps.residents.sms.sandbox import outbox

from .conftest import (
    ALIYUN_OK,
    ALIYUN_SECRET,
    ALIYUN_URL,
    APP_ID,
    APP_SECRET,
    BIND_PHONE,
    LOGIN,
    REQUEST_CODE,
    TENCENT_SECRET_KEY,
    TENCENT_URL,
    VERIFY_CODE,
    WECHAT,
)

SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
ACCESS_TOKEN = "81_qZ9hYx0aPbRkTq3M-access-token-value"
PHONE = "13800138000"


def test_wechat_flows_log_no_secret_session_key_token_or_phone(
        gql, alpha, miniprogram, make_resident, real_wechat, caplog):
    caplog.set_level(logging.DEBUG)
    session = f"{WECHAT}/sns/jscode2session"
    # a timeout whose text carries the full URL, secret included (as requests' own messages do)
    real_wechat.get(session, body=requests.ConnectTimeout(
        f"HTTPSConnectionPool(host='api.weixin.qq.com', port=443): Max retries exceeded with url: "
        f"/sns/jscode2session?appid={APP_ID}&secret={APP_SECRET}&js_code=x"))
    real_wechat.get(session, json={"errcode": 40029, "errmsg": "invalid code, rid: 65a1b2c3-0d1e2f3a"})
    real_wechat.get(session, json={"openid": "oGZUI0egBJY1zhBYw2KhdUfwVJJE", "session_key": SESSION_KEY,
                                   "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL"})
    for _ in range(3):
        gql(alpha.host, LOGIN, {"c": "071Abc"})
    _resident, token = make_resident(alpha, "o-logs")
    real_wechat.get(f"{WECHAT}/cgi-bin/token", json={"access_token": ACCESS_TOKEN, "expires_in": 7200})
    real_wechat.post(f"{WECHAT}/wxa/business/getuserphonenumber", json={"errcode": 0, "errmsg": "ok", "phone_info": {
        "phoneNumber": PHONE, "purePhoneNumber": PHONE, "countryCode": "86",
        "watermark": {"timestamp": 1637744274, "appid": "wx9999999999999999"}}})
    gql(alpha.host, BIND_PHONE, {"c": "phone-code"}, token=token)

    logged = caplog.text
    assert "ConnectTimeout" in logged and "errcode=40029" in logged and "watermark" in logged  # it did log
    for secret in (APP_SECRET, SESSION_KEY, ACCESS_TOKEN, PHONE, "071Abc"):
        assert secret not in logged


def test_sms_flows_log_masked_phones_only(gql, alpha, make_resident, settings, http, caplog):
    caplog.set_level(logging.DEBUG)
    _resident, token = make_resident(alpha, "o-sms-logs")
    # sandbox: the console line a developer reads shows the code but never the full phone
    gql(alpha.host, REQUEST_CODE, {"p": PHONE}, token=token)
    [message] = outbox()
    expected_line = f"sandbox SMS to 138****8000: 【{settings.SMS_SIGN_NAME}】您的验证码为{message.params['code']}"
    assert expected_line in caplog.text
    gql(alpha.host, VERIFY_CODE, {"p": PHONE, "c": "000000" if message.params["code"] != "000000" else "111111"},
        token=token)
    assert PHONE not in caplog.text
    caplog.clear()

    # real providers: a refusal echoing the number, then a success
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_TEMPLATE_VERIFY_CODE = "SMS_154950909"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAI5tAliyunTestKeyId"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = ALIYUN_SECRET
    http.post(ALIYUN_URL, json={"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号 13900139000",
                                "RequestId": "2184201F-BFB3-446B-B1F2-C746B7BF0657"})
    http.post(ALIYUN_URL, json=ALIYUN_OK)
    gql(alpha.host, REQUEST_CODE, {"p": "13900139000"}, token=token)
    gql(alpha.host, REQUEST_CODE, {"p": "13900139000"}, token=token)
    aliyun_code = json.loads(dict(parse_qsl(http.calls[-1].request.body.decode()))["TemplateParam"])["code"]

    settings.SMS_PROVIDER = "tencent"
    settings.TENCENT_SMS_SECRET_ID = "AKIDtencentTestSecretId0000"
    settings.TENCENT_SMS_SECRET_KEY = TENCENT_SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID = "1400006666"
    http.post(TENCENT_URL, json={"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                        "Message": "signature failure for +8613700137000"},
                                              "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}})
    gql(alpha.host, REQUEST_CODE, {"p": "13700137000"}, token=token)

    logged = caplog.text
    assert "isv.MOBILE_NUMBER_ILLEGAL" in logged and "AuthFailure.SignatureFailure" in logged
    assert "139****9000" in logged and "137****7000" in logged
    for secret in (ALIYUN_SECRET, TENCENT_SECRET_KEY, "13900139000", "13700137000", aliyun_code):
        assert secret not in logged

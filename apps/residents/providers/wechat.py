"""The real WeChat mini-program server API.

- `GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`
  → `{openid, session_key, unionid?}` or `{errcode, errmsg}`.
- `GET  /cgi-bin/token?grant_type=client_credential&appid&secret` → `{access_token, expires_in}`,
  cached per AppID (tenant-aware cache) until shortly before it expires.
- `POST /wxa/business/getuserphonenumber?access_token=…` `{"code": …}`
  → `{errcode: 0, phone_info: {phoneNumber, purePhoneNumber, countryCode, watermark: {timestamp, appid}}}`.

The secret, access token and session_key travel only in requests: they are
never logged, and request exceptions (whose text holds the URL with the
secret) are replaced, not chained or logged.
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.core.cache import cache

from heat_platform.wechat_api import TokenRejectedError, errcode_of, json_object

from ..errors import ResidentErrorCode
from . import MiniProgramApp, WeChatError, WeChatPhone, WeChatSession, error_for_errcode

logger = logging.getLogger(__name__)

# Refresh the access token this long before WeChat's expiry (its tokens last 7200 s).
ACCESS_TOKEN_MARGIN_SECONDS = 300
# errcodes meaning "this access token is not valid (any more)": refresh once and retry.
TOKEN_REJECTED = frozenset({40001, 40014, 42001})


def _access_token_key(app_id: str) -> str:
    return f"residents:wechat-access-token:{app_id}"


class WeChatLoginProvider:
    name = "wechat"

    def __init__(self, *, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> WeChatLoginProvider:
        return cls(base_url=settings.WECHAT_API_BASE_URL, timeout=settings.WECHAT_HTTP_TIMEOUT)

    # --- the interface

    def code2session(self, *, app: MiniProgramApp, code: str) -> WeChatSession:
        data = self._call("GET", "/sns/jscode2session", app=app, params={
            "appid": app.app_id, "secret": app.app_secret, "js_code": code, "grant_type": "authorization_code",
        })
        openid = data.get("openid")
        if not isinstance(openid, str) or not openid:
            logger.warning("wechat jscode2session answered without openid app=%s", app.app_id)
            raise WeChatError(ResidentErrorCode.WECHAT_ERROR)
        return WeChatSession(openid=openid, unionid=str(data.get("unionid") or ""),
                             session_key=str(data.get("session_key") or ""))

    def get_phone_number(self, *, app: MiniProgramApp, code: str) -> WeChatPhone:
        try:
            data = self._phone_call(app=app, code=code, token=self._access_token(app))
        except TokenRejectedError:
            cache.delete(_access_token_key(app.app_id))
            try:
                data = self._phone_call(app=app, code=code, token=self._access_token(app))
            except TokenRejectedError as exc:
                cache.delete(_access_token_key(app.app_id))
                logger.warning("wechat getuserphonenumber rejected a fresh access token errcode=%s app=%s",
                               exc.errcode, app.app_id)
                raise WeChatError(ResidentErrorCode.WECHAT_ERROR, errcode=exc.errcode) from None
        info = data.get("phone_info") or {}
        watermark_appid = (info.get("watermark") or {}).get("appid")
        if watermark_appid != app.app_id:
            logger.warning("wechat phone watermark appid mismatch app=%s watermark=%s", app.app_id, watermark_appid)
            raise WeChatError(ResidentErrorCode.PHONE_WATERMARK_MISMATCH)
        pure = str(info.get("purePhoneNumber") or "")
        if not pure:
            raise WeChatError(ResidentErrorCode.WECHAT_ERROR)
        return WeChatPhone(phone_number=str(info.get("phoneNumber") or pure), pure_phone_number=pure,
                           country_code=str(info.get("countryCode") or ""))

    # --- plumbing

    def _access_token(self, app: MiniProgramApp) -> str:
        key = _access_token_key(app.app_id)
        token = cache.get(key)
        if token:
            return token
        data = self._call("GET", "/cgi-bin/token", app=app, params={
            "grant_type": "client_credential", "appid": app.app_id, "secret": app.app_secret,
        })
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WeChatError(ResidentErrorCode.WECHAT_ERROR)
        try:
            expires_in = int(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200
        cache.set(key, token, max(expires_in - ACCESS_TOKEN_MARGIN_SECONDS, 60))
        return token

    def _phone_call(self, *, app: MiniProgramApp, code: str, token: str) -> dict:
        return self._call("POST", "/wxa/business/getuserphonenumber", app=app,
                          params={"access_token": token}, json={"code": code}, token_rejected=TOKEN_REJECTED)

    def _call(self, method: str, path: str, *, app: MiniProgramApp, params: dict, json: dict | None = None,
              token_rejected: frozenset[int] = frozenset()) -> dict:
        try:
            resp = requests.request(method, self.base_url + path, params=params, json=json, timeout=self.timeout)
        except requests.RequestException as exc:
            # The exception text contains the URL (secret / access token): log only its type.
            logger.warning("wechat %s unreachable (%s) app=%s", path, type(exc).__name__, app.app_id)
            raise WeChatError(ResidentErrorCode.WECHAT_BUSY) from None
        if resp.status_code != 200:
            logger.warning("wechat %s answered HTTP %s app=%s", path, resp.status_code, app.app_id)
            raise WeChatError(ResidentErrorCode.WECHAT_BUSY)
        data = json_object(resp)
        if data is None:
            logger.warning("wechat %s answered a non-JSON body app=%s", path, app.app_id)
            raise WeChatError(ResidentErrorCode.WECHAT_ERROR)
        errcode, errmsg = errcode_of(data)
        if errcode == 0:
            return data
        if errcode in token_rejected:
            raise TokenRejectedError(errcode)
        logger.warning("wechat %s failed errcode=%s errmsg=%s app=%s", path, errcode, errmsg, app.app_id)
        raise WeChatError(error_for_errcode(errcode), errcode=errcode)



"""WeChat Open Platform (third-party platform) HTTP client for mini-program code management.

- `POST /cgi-bin/component/api_component_token` {component_appid, component_appsecret,
  component_verify_ticket} → {component_access_token, expires_in}
- `POST /cgi-bin/component/api_query_auth?component_access_token=` {component_appid,
  authorization_code} → {authorization_info: {authorizer_appid, authorizer_access_token, expires_in,
  authorizer_refresh_token, func_info: [{funcscope_category: {id}}]}}
- `POST /cgi-bin/component/api_authorizer_token?component_access_token=` {component_appid,
  authorizer_appid, authorizer_refresh_token} → {authorizer_access_token, expires_in, authorizer_refresh_token}
- `POST /wxa/commit?access_token=` {template_id, ext_json (a string), user_version, user_desc}
- `POST /wxa/submit_audit?access_token=` {} → {auditid}
- `POST /wxa/get_auditstatus?access_token=` {auditid} → {status, reason, screenshot}
- `GET  /wxa/get_latest_auditstatus?access_token=` → {auditid, status, reason, user_version, …}
- `POST /wxa/release?access_token=` {}

Errors are `{errcode, errmsg}` (HTTP 200) → PublishError. Tokens are cached
(until shortly before expiry) and refreshed once when WeChat says a token is
no longer valid. Secrets, tickets and tokens travel only in requests: never
logged, and request exceptions (their text holds the URL) are not chained.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.cache import cache

from heat_platform.wechat_api import TokenRejectedError, errcode_of, json_object

from ..miniprogram_errors import PublishErrorCode
from . import (
    TOKEN_REJECTED,
    AccessToken,
    Audit,
    Authorization,
    AuthorizerToken,
    PublishError,
    error_for_errcode,
)

logger = logging.getLogger(__name__)

TOKEN_MARGIN_SECONDS = 300  # refresh this long before WeChat's expiry (tokens last 7200 s)


def _component_key(appid: str) -> str:
    return f"wxopen:component-token:{appid}"


def _authorizer_key(component_appid: str, appid: str) -> str:
    return f"wxopen:authorizer-token:{component_appid}:{appid}"


class WxOpenClient:
    def __init__(self, *, base_url: str, component_appid: str, component_appsecret: str,
                 ticket: Callable[[], str], timeout: float = 10.0,
                 on_refresh_token: Callable[[str, str], None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.component_appid = component_appid
        self._appsecret = component_appsecret
        self._ticket = ticket
        self.timeout = timeout
        self._on_refresh_token = on_refresh_token

    def __repr__(self) -> str:
        return f"<WxOpenClient {self.component_appid} {self.base_url}>"

    @classmethod
    def from_settings(cls, *, ticket: Callable[[], str],
                      on_refresh_token: Callable[[str, str], None] | None = None) -> WxOpenClient:
        return cls(base_url=settings.WECHAT_OPEN_API_BASE_URL, component_appid=settings.WECHAT_OPEN_COMPONENT_APPID,
                   component_appsecret=settings.WECHAT_OPEN_COMPONENT_APPSECRET, ticket=ticket,
                   timeout=settings.WECHAT_OPEN_HTTP_TIMEOUT, on_refresh_token=on_refresh_token)

    # --- component (the platform itself)

    def component_token(self, *, force: bool = False) -> str:
        key = _component_key(self.component_appid)
        if not force and (token := cache.get(key)):
            return token
        if not self.component_appid or not self._appsecret:
            raise PublishError(PublishErrorCode.NOT_CONFIGURED, errmsg="component appid/appsecret not set")
        ticket = self._ticket()
        if not ticket:
            raise PublishError(PublishErrorCode.TICKET_INVALID, errmsg="no component_verify_ticket received yet")
        data = self._post("/cgi-bin/component/api_component_token", params={}, body={
            "component_appid": self.component_appid, "component_appsecret": self._appsecret,
            "component_verify_ticket": ticket})
        token = self._token_from(data, "component_access_token")
        cache.set(key, token.token, max(token.expires_in - TOKEN_MARGIN_SECONDS, 60))
        return token.token

    def _component_call(self, path: str, body: dict) -> dict:
        for attempt in (1, 2):
            token = self.component_token(force=attempt == 2)
            try:
                return self._post(path, params={"component_access_token": token}, body=body,
                                  token_rejected=TOKEN_REJECTED)
            except TokenRejectedError as exc:
                cache.delete(_component_key(self.component_appid))
                if attempt == 2:
                    raise PublishError(PublishErrorCode.TOKEN_INVALID, errcode=exc.errcode) from None
        raise AssertionError("unreachable")

    def query_auth(self, *, authorization_code: str) -> Authorization:
        """The last step of a company's authorization (its admin scanned our authorization page)."""
        data = self._component_call("/cgi-bin/component/api_query_auth", {
            "component_appid": self.component_appid, "authorization_code": authorization_code})
        info = data.get("authorization_info") or {}
        appid, refresh = info.get("authorizer_appid"), info.get("authorizer_refresh_token")
        if not isinstance(appid, str) or not isinstance(refresh, str) or not appid or not refresh:
            raise PublishError(PublishErrorCode.WECHAT_ERROR, errmsg="api_query_auth answered without a token")
        func_info = []
        for item in info.get("func_info") or []:
            try:
                func_info.append(int(item["funcscope_category"]["id"]))
            except (KeyError, TypeError, ValueError):
                continue
        if access := info.get("authorizer_access_token"):
            cache.set(_authorizer_key(self.component_appid, appid), access,
                      max(int(info.get("expires_in") or 7200) - TOKEN_MARGIN_SECONDS, 60))
        return Authorization(authorizer_appid=appid, refresh_token=refresh, func_info=sorted(func_info))

    def authorizer_token(self, *, appid: str, refresh_token: str, force: bool = False) -> AuthorizerToken:
        key = _authorizer_key(self.component_appid, appid)
        if not force and (token := cache.get(key)):
            return AuthorizerToken(authorizer_appid=appid, access_token=token, expires_in=0,
                                   refresh_token=refresh_token)
        data = self._component_call("/cgi-bin/component/api_authorizer_token", {
            "component_appid": self.component_appid, "authorizer_appid": appid,
            "authorizer_refresh_token": refresh_token})
        access = self._token_from(data, "authorizer_access_token")
        new_refresh = str(data.get("authorizer_refresh_token") or refresh_token)
        if new_refresh != refresh_token and self._on_refresh_token is not None:
            self._on_refresh_token(appid, new_refresh)
        cache.set(key, access.token, max(access.expires_in - TOKEN_MARGIN_SECONDS, 60))
        return AuthorizerToken(authorizer_appid=appid, access_token=access.token, expires_in=access.expires_in,
                               refresh_token=new_refresh)

    # --- on behalf of one authorized mini-program

    def _authorizer_call(self, *, appid: str, refresh_token: str, path: str, body: dict | None,
                         method: str = "POST") -> dict:
        for attempt in (1, 2):
            token = self.authorizer_token(appid=appid, refresh_token=refresh_token, force=attempt == 2)
            try:
                return self._post(path, params={"access_token": token.access_token}, body=body, method=method,
                                  token_rejected=TOKEN_REJECTED, appid=appid)
            except TokenRejectedError as exc:
                cache.delete(_authorizer_key(self.component_appid, appid))
                refresh_token = token.refresh_token
                if attempt == 2:
                    raise PublishError(PublishErrorCode.TOKEN_INVALID, errcode=exc.errcode) from None
        raise AssertionError("unreachable")

    def commit(self, *, appid: str, refresh_token: str, template_id: int, ext_json: str, user_version: str,
               user_desc: str) -> None:
        self._authorizer_call(appid=appid, refresh_token=refresh_token, path="/wxa/commit", body={
            "template_id": template_id, "ext_json": ext_json, "user_version": user_version, "user_desc": user_desc})

    def submit_audit(self, *, appid: str, refresh_token: str) -> int:
        data = self._authorizer_call(appid=appid, refresh_token=refresh_token, path="/wxa/submit_audit", body={})
        try:
            return int(data["auditid"])
        except (KeyError, TypeError, ValueError):
            raise PublishError(PublishErrorCode.WECHAT_ERROR, errmsg="submit_audit answered without auditid") from None

    def get_auditstatus(self, *, appid: str, refresh_token: str, auditid: int) -> Audit:
        data = self._authorizer_call(appid=appid, refresh_token=refresh_token, path="/wxa/get_auditstatus",
                                     body={"auditid": auditid})
        return self._audit_from(data, auditid=auditid)

    def get_latest_auditstatus(self, *, appid: str, refresh_token: str) -> Audit:
        data = self._authorizer_call(appid=appid, refresh_token=refresh_token, path="/wxa/get_latest_auditstatus",
                                     body=None, method="GET")
        return self._audit_from(data, auditid=None)

    def release(self, *, appid: str, refresh_token: str) -> None:
        self._authorizer_call(appid=appid, refresh_token=refresh_token, path="/wxa/release", body={})

    # --- plumbing

    @staticmethod
    def _audit_from(data: dict, *, auditid: int | None) -> Audit:
        try:
            status = int(data["status"])
        except (KeyError, TypeError, ValueError):
            raise PublishError(PublishErrorCode.WECHAT_ERROR, errmsg="audit status missing") from None
        try:
            auditid = int(data.get("auditid") or auditid or 0) or None
        except (TypeError, ValueError):
            auditid = None
        return Audit(status=status, reason=str(data.get("reason") or ""),
                     screenshot=str(data.get("screenshot") or data.get("ScreenShot") or ""),
                     auditid=auditid, user_version=str(data.get("user_version") or ""))

    @staticmethod
    def _token_from(data: dict, name: str) -> AccessToken:
        token = data.get(name)
        if not isinstance(token, str) or not token:
            raise PublishError(PublishErrorCode.WECHAT_ERROR, errmsg=f"answer without {name}")
        try:
            expires_in = int(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200
        return AccessToken(token=token, expires_in=expires_in)

    def _post(self, path: str, *, params: dict, body: dict | None, method: str = "POST",
              token_rejected: frozenset[int] = frozenset(), appid: str = "") -> dict:
        url = self.base_url + path
        try:
            if method == "GET":
                resp = requests.get(url, params=params, timeout=self.timeout)
            else:
                # UTF-8 JSON (Chinese names unescaped), as WeChat's own samples send it.
                resp = requests.post(url, params=params, timeout=self.timeout,
                                     data=json.dumps(body or {}, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        except requests.RequestException as exc:
            # The exception text holds the URL with an access token: log only its type.
            logger.warning("wxopen %s unreachable (%s) app=%s", path, type(exc).__name__, appid)
            raise PublishError(PublishErrorCode.BUSY, errmsg=f"unreachable ({type(exc).__name__})") from None
        if resp.status_code != 200:
            logger.warning("wxopen %s answered HTTP %s app=%s", path, resp.status_code, appid)
            raise PublishError(PublishErrorCode.BUSY, errmsg=f"HTTP {resp.status_code}")
        data = json_object(resp)
        if data is None:
            logger.warning("wxopen %s answered a non-JSON body app=%s", path, appid)
            raise PublishError(PublishErrorCode.WECHAT_ERROR, errmsg="non-JSON answer")
        errcode, errmsg = errcode_of(data)
        if errcode == 0:
            return data
        if errcode in token_rejected:
            raise TokenRejectedError(errcode)
        logger.warning("wxopen %s failed errcode=%s errmsg=%s app=%s", path, errcode, errmsg, appid)
        raise PublishError(error_for_errcode(errcode), errcode=errcode, errmsg=errmsg)

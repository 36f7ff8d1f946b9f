"""The WeChat server API for subscription messages (订阅消息), on behalf of one company's mini-program.

- `POST /cgi-bin/message/subscribe/send?access_token=` `{touser, template_id, page, data: {keyword: {value}},
  miniprogram_state, lang}` → `{errcode: 0, errmsg: "ok", msgid}`;
- `GET  /wxaapi/newtmpl/gettemplate?access_token=` → `{data: [{priTmplId, title, content, example, type}]}`
  (the templates the mini-program picked from the library; `content` lists "label:{{keyword.DATA}}" lines).

The access token: when the company's mini-program authorized our third-party platform
(tenants.MiniProgramAuthorization), the authorizer token from the Open Platform client
(tenants.publishing.client.WxOpenClient); else `GET /cgi-bin/token` with the company's AppID and secret
(tenants.MiniProgramAccount), cached per AppID in the tenant-aware cache under the same key as the login
provider's (apps/residents/providers/wechat.py): WeChat keeps one valid token per AppID, so two caches of it
would invalidate each other. A token WeChat rejects (40001/40014/42001) is refreshed once and the call retried.

Failures raise `WxSendError` with WeChat's errcode, a `reason` the outbox acts on, and whether a retry may
succeed. Secrets and tokens travel only in requests: never logged; request exceptions (their text holds the URL
with the token) are not chained; openids are logged shortened.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from heat_platform.wechat_api import TokenRejectedError, errcode_of, json_object

logger = logging.getLogger(__name__)

ACCESS_TOKEN_MARGIN_SECONDS = 300  # refresh this long before WeChat's expiry (tokens last 7200 s)
TOKEN_REJECTED = frozenset({40001, 40014, 42001})
NETWORK_ERRCODE = -2  # no WeChat answer at all (unreachable, HTTP error, not JSON)

# WeChat errcode → reason. Anything else is "unknown".
REASONS: dict[int, str] = {
    43101: "refused",  # the user refused / unsubscribed / used up the one-time grant
    40003: "bad_openid",  # openid is not a user of this AppID
    40037: "bad_template",  # template id is not one of this mini-program's
    47003: "bad_data",  # a data field is missing, extra or invalid for its keyword type
    47001: "bad_data",  # body format error
    41030: "bad_page",  # page is not in the released mini-program
    -1: "busy",  # system busy
    45009: "busy",  # daily API quota reached
    45011: "busy",  # per-minute API quota reached
    NETWORK_ERRCODE: "busy",
    40001: "token",
    40014: "token",
    42001: "token",
    40013: "config",  # invalid appid
    40125: "config",  # invalid appsecret
    40164: "config",  # caller IP not on the mini-program's whitelist
    41001: "config",  # access_token missing
    41002: "config",  # appid missing
    41004: "config",  # secret missing
    48001: "config",  # API not authorized for this account
    61003: "config",  # the mini-program has not authorized the component
    61007: "config",  # the API is outside the authorized permission sets
    61023: "config",  # authorizer refresh token invalid (authorization revoked)
}
RETRYABLE_REASONS = frozenset({"busy", "token"})
# "uncertain": the send's POST may have reached WeChat but its answer was lost (read timeout, HTTP error, garbled
# body): the message may have been delivered, so it is never sent again (not retryable).


class WxSendError(Exception):
    """`reason`: refused | bad_openid | bad_template | bad_data | bad_page | busy | config | token | unknown |
    uncertain.
    `retryable`: the same call may succeed later (busy, network, a token still rejected after one refresh)."""

    def __init__(self, errcode: int, errmsg: str = "", *, reason: str | None = None):
        self.errcode = errcode
        self.reason = reason or REASONS.get(errcode, "unknown")
        self.retryable = self.reason in RETRYABLE_REASONS
        self.errmsg = errmsg[:200]
        super().__init__(f"{self.reason} (errcode={errcode}) {self.errmsg}".strip())


@dataclass(frozen=True)
class WxTemplate:
    template_id: str
    title: str
    keywords: dict[str, str]  # keyword → its label, in order: {"thing1": "缴费房屋", …}
    kind: str  # "one_time" | "long_term"


def short_openid(openid: str) -> str:
    """Enough of an openid to tell two apart in a log, not enough to address anyone."""
    return f"{openid[:6]}…" if openid else ""


_CONTENT_LINE = re.compile(r"^\s*(?P<label>[^:：{]*)[:：]?\s*\{\{(?P<key>[a-z_]+\d+)\.DATA\}\}\s*$")


def _keywords(content: str) -> dict[str, str]:
    keywords: dict[str, str] = {}
    for line in (content or "").splitlines():
        if match := _CONTENT_LINE.match(line):
            keywords[match.group("key")] = match.group("label").strip()
    return keywords


def _access_token_key(app_id: str) -> str:
    from apps.residents.providers.wechat import _access_token_key as shared_key  # one token per AppID

    return shared_key(app_id)


class SubscribeClient:
    def __init__(self, *, app_id: str, app_secret: str = "", authorizer_refresh_token: str = "",
                 base_url: str | None = None, timeout: float | None = None):
        self.app_id = app_id
        self._secret = app_secret
        self._refresh_token = authorizer_refresh_token
        self.base_url = (base_url or settings.WECHAT_MESSAGE_API_BASE_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.WECHAT_HTTP_TIMEOUT

    def __repr__(self) -> str:
        via = "authorizer" if self._refresh_token else "appsecret"
        return f"<SubscribeClient {self.app_id} via {via} {self.base_url}>"

    @classmethod
    def for_current_company(cls) -> SubscribeClient | None:
        """The client of the company whose schema is active; None when it has no mini-program (AppID)."""
        from django_tenants.utils import get_public_schema_name

        from tenants.models import HeatingCompany, MiniProgramAccount, MiniProgramAuthorization

        if connection.schema_name == get_public_schema_name():
            return None
        tenant = connection.tenant
        # Requests carry the company row; schema_context (tasks, tests) only a stand-in with the schema name.
        tenant_id = tenant.pk if isinstance(tenant, HeatingCompany) else (
            HeatingCompany.objects.filter(schema_name=connection.schema_name).values_list("pk", flat=True).first())
        if tenant_id is None:
            return None
        account = MiniProgramAccount.objects.filter(tenant_id=tenant_id).first()
        if account is None or not account.app_id:
            return None
        authorization = MiniProgramAuthorization.objects.filter(
            tenant_id=tenant_id, authorizer_appid=account.app_id).first()
        return cls(app_id=account.app_id, app_secret=account.app_secret or "",
                   authorizer_refresh_token=authorization.authorizer_refresh_token if authorization else "")

    # --- the interface

    def send(self, *, openid: str, template_id: str, page: str, data: dict[str, str], state: str,
             lang: str = "zh_CN") -> None:
        """Send one subscription message; raises WxSendError. `data` holds keyword → value, already formatted
        for the keyword's type; `state` is developer | trial | formal (which version `page` opens)."""
        body: dict = {"touser": openid, "template_id": template_id,
                      "data": {key: {"value": value} for key, value in data.items()},
                      "miniprogram_state": state, "lang": lang}
        if page:
            body["page"] = page
        try:
            self._with_token("POST", "/cgi-bin/message/subscribe/send", body=body, may_deliver=True)
        except WxSendError as exc:
            logger.info("wechat subscribe send failed app=%s openid=%s template=%s reason=%s errcode=%s",
                        self.app_id, short_openid(openid), template_id[:12], exc.reason, exc.errcode)
            raise

    def list_templates(self) -> list[WxTemplate]:
        """The templates of the company's mini-program (its 我的模板 in the WeChat admin)."""
        data = self._with_token("GET", "/wxaapi/newtmpl/gettemplate", body=None)
        templates = []
        for item in data.get("data") or []:
            if not isinstance(item, dict) or not item.get("priTmplId"):
                continue
            templates.append(WxTemplate(template_id=str(item["priTmplId"]), title=str(item.get("title") or ""),
                                        keywords=_keywords(str(item.get("content") or "")),
                                        kind="long_term" if item.get("type") == 3 else "one_time"))
        return templates

    # --- the access token

    def _access_token(self, *, force: bool) -> str:
        if self._refresh_token:
            return self._authorizer_token(force=force)
        key = _access_token_key(self.app_id)
        if not force and (token := cache.get(key)):
            return token
        if not self._secret:
            raise WxSendError(41004, "the mini-program's AppSecret is not set", reason="config")
        data = self._call("GET", "/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.app_id, "secret": self._secret}, body=None)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise WxSendError(NETWORK_ERRCODE, "cgi-bin/token answered without access_token", reason="unknown")
        try:
            expires_in = int(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200
        cache.set(key, token, max(expires_in - ACCESS_TOKEN_MARGIN_SECONDS, 60))
        return token

    def _authorizer_token(self, *, force: bool) -> str:
        from tenants.miniprogram_errors import TRANSIENT_PUBLISH_ERRORS
        from tenants.publishing import PublishError
        from tenants.publishing.services import publishing_client

        try:
            token = publishing_client().authorizer_token(appid=self.app_id, refresh_token=self._refresh_token,
                                                         force=force)
        except PublishError as exc:
            reason = "busy" if exc.code in TRANSIENT_PUBLISH_ERRORS else "config"
            logger.warning("wechat authorizer token failed app=%s code=%s errcode=%s", self.app_id, exc.code,
                           exc.errcode)
            raise WxSendError(exc.errcode if exc.errcode is not None else NETWORK_ERRCODE, exc.errmsg,
                              reason=reason) from None
        self._refresh_token = token.refresh_token  # WeChat may have rotated it (the callback stored it)
        return token.access_token

    def _forget_token(self) -> None:
        if self._refresh_token:
            from tenants.publishing.client import _authorizer_key

            cache.delete(_authorizer_key(settings.WECHAT_OPEN_COMPONENT_APPID, self.app_id))
        else:
            cache.delete(_access_token_key(self.app_id))

    def _with_token(self, method: str, path: str, *, body: dict | None, may_deliver: bool = False) -> dict:
        for attempt in (1, 2):
            token = self._access_token(force=attempt == 2)
            try:
                return self._call(method, path, params={"access_token": token}, body=body,
                                  token_rejected=TOKEN_REJECTED, may_deliver=may_deliver)
            except TokenRejectedError as exc:
                self._forget_token()
                if attempt == 2:
                    logger.warning("wechat %s rejected a fresh access token errcode=%s app=%s", path, exc.errcode,
                                   self.app_id)
                    raise WxSendError(exc.errcode, "access token rejected after a refresh") from None
        raise AssertionError("unreachable")

    # --- plumbing

    def _call(self, method: str, path: str, *, params: dict, body: dict | None,
              token_rejected: frozenset[int] = frozenset(), may_deliver: bool = False) -> dict:
        """`may_deliver`: the call has an effect (a send). Then only a failure before the request left (no
        connection) is retryable; a lost or unreadable answer is "uncertain"."""
        url = self.base_url + path
        after_post = "uncertain" if may_deliver else None
        try:
            if method == "GET":
                resp = requests.get(url, params=params, timeout=self.timeout)
            else:
                # UTF-8 JSON with the Chinese values unescaped, as WeChat's own samples send it.
                resp = requests.post(url, params=params, timeout=self.timeout,
                                     data=json.dumps(body or {}, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        except requests.RequestException as exc:
            # The exception text holds the URL with the secret or token: log only its type.
            logger.warning("wechat %s unreachable (%s) app=%s", path, type(exc).__name__, self.app_id)
            # ConnectionError (ConnectTimeout among them): the request never reached WeChat. A read timeout
            # (or anything else) came after the request was sent: WeChat may have acted on it.
            reached = not isinstance(exc, requests.ConnectionError)
            raise WxSendError(NETWORK_ERRCODE, f"unreachable ({type(exc).__name__})",
                              reason=after_post if reached else None) from None
        if resp.status_code != 200:
            logger.warning("wechat %s answered HTTP %s app=%s", path, resp.status_code, self.app_id)
            raise WxSendError(NETWORK_ERRCODE, f"HTTP {resp.status_code}", reason=after_post)
        data = json_object(resp)
        if data is None:
            logger.warning("wechat %s answered a non-JSON body app=%s", path, self.app_id)
            raise WxSendError(NETWORK_ERRCODE, "non-JSON answer", reason=after_post or "unknown")
        errcode, errmsg = errcode_of(data)
        if errcode == 0:
            return data
        if errcode in token_rejected:
            raise TokenRejectedError(errcode)
        logger.warning("wechat %s failed errcode=%s errmsg=%s app=%s", path, errcode, errmsg, self.app_id)
        raise WxSendError(errcode, errmsg)


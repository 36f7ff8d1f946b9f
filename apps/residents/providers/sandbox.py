"""Offline stand-in for WeChat, for `make run`, the demo and tests.

Code formats (what a developer types where the mini-program would send a code):

- `sandbox:<name>`: log in as the sandbox user `<name>` (1–64 of A–Z a–z 0–9 . _ -).
  openid = "sbx-" + HMAC-SHA256(key=AppID, msg=name)[:40 hex], so the same name
  is the same resident every time within one company and a different one in
  another company (like real openids, which are per AppID). unionid is derived
  from the name alone (one person across apps, like a real unionid).
- `sandbox-phone:<11-digit mainland mobile>`: the phone getPhoneNumber returns,
  e.g. `sandbox-phone:13800138000`.
- `sandbox-error:<errcode>`: WeChat's answer `{errcode, errmsg}` for trying the
  error paths, e.g. `sandbox-error:40029` (invalid code), `45011` (rate limited),
  `40226` (high-risk user), `-1` (busy). Works for login and for phone codes.

Anything else is answered like an invalid code (40029).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from . import MiniProgramApp, WeChatError, WeChatPhone, WeChatSession, error_for_errcode

LOGIN_CODE = re.compile(r"^sandbox:([A-Za-z0-9._-]{1,64})$")
PHONE_CODE = re.compile(r"^sandbox-phone:(1[3-9]\d{9})$")
ERROR_CODE = re.compile(r"^sandbox-error:(-?\d{1,6})$")
UNIONID_KEY = b"heatcloud-sandbox-unionid"


def sandbox_openid(app_id: str, name: str) -> str:
    return "sbx-" + hmac.new(app_id.encode(), name.encode(), hashlib.sha256).hexdigest()[:40]


def sandbox_unionid(name: str) -> str:
    return "sbxu-" + hmac.new(UNIONID_KEY, name.encode(), hashlib.sha256).hexdigest()[:40]


def _raise_if_error_code(code: str) -> None:
    match = ERROR_CODE.match(code)
    if match:
        errcode = int(match.group(1))
        raise WeChatError(error_for_errcode(errcode), errcode=errcode)


class SandboxLoginProvider:
    name = "sandbox"

    @classmethod
    def from_settings(cls) -> SandboxLoginProvider:
        return cls()

    def code2session(self, *, app: MiniProgramApp, code: str) -> WeChatSession:
        _raise_if_error_code(code)
        match = LOGIN_CODE.match(code)
        if not match:
            raise WeChatError(error_for_errcode(40029), errcode=40029)
        name = match.group(1)
        return WeChatSession(openid=sandbox_openid(app.app_id, name), unionid=sandbox_unionid(name),
                             session_key=base64.b64encode(secrets.token_bytes(16)).decode())

    def get_phone_number(self, *, app: MiniProgramApp, code: str) -> WeChatPhone:
        _raise_if_error_code(code)
        match = PHONE_CODE.match(code)
        if not match:
            raise WeChatError(error_for_errcode(40029), errcode=40029)
        phone = match.group(1)
        return WeChatPhone(phone_number=phone, pure_phone_number=phone, country_code="86")

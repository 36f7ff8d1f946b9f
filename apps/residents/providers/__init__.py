"""WeChat mini-program identity behind one small interface.

A provider turns the short-lived codes a mini-program gets from WeChat into
identities: `wx.login()` → `code2session` (openid, unionid), the
getPhoneNumber button → `get_phone_number`. Providers:

- `wechat`: the real API (apps/residents/providers/wechat.py).
- `sandbox`: works offline for `make run` and tests (providers/sandbox.py).

`settings.WECHAT_LOGIN_PROVIDER` picks one. Failures raise `WeChatError`
carrying a `ResidentErrorCode`; callers never see WeChat's raw errcodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..errors import ResidentErrorCode

PROVIDERS = {
    "wechat": "apps.residents.providers.wechat.WeChatLoginProvider",
    "sandbox": "apps.residents.providers.sandbox.SandboxLoginProvider",
}

# WeChat errcodes shared by jscode2session, getuserphonenumber and cgi-bin/token.
ERRCODE_TO_ERROR = {
    -1: ResidentErrorCode.WECHAT_BUSY,  # system busy, retry later
    40029: ResidentErrorCode.INVALID_CODE,  # invalid js_code / phone code
    40163: ResidentErrorCode.INVALID_CODE,  # code already used
    45011: ResidentErrorCode.WECHAT_RATE_LIMITED,  # API minute-quota reached
    40226: ResidentErrorCode.HIGH_RISK_USER,  # high-risk user, login blocked by WeChat
    40013: ResidentErrorCode.MINIPROGRAM_MISCONFIGURED,  # invalid AppID
    40125: ResidentErrorCode.MINIPROGRAM_MISCONFIGURED,  # invalid AppSecret
    40164: ResidentErrorCode.MINIPROGRAM_MISCONFIGURED,  # caller IP not on the AppID's whitelist
    41002: ResidentErrorCode.MINIPROGRAM_MISCONFIGURED,  # appid missing
    41004: ResidentErrorCode.MINIPROGRAM_MISCONFIGURED,  # secret missing
}


def error_for_errcode(errcode: int) -> ResidentErrorCode:
    return ERRCODE_TO_ERROR.get(errcode, ResidentErrorCode.WECHAT_ERROR)


@dataclass(frozen=True)
class MiniProgramApp:
    """The company's mini-program credentials. The secret never reaches a log (repr=False)."""

    app_id: str
    app_secret: str = field(repr=False)


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str  # "" when the mini-program is not bound to an open-platform account
    session_key: str = field(repr=False)  # used by nobody here; never stored or logged


@dataclass(frozen=True)
class WeChatPhone:
    phone_number: str  # with country code for non-mainland numbers
    pure_phone_number: str  # without country code
    country_code: str  # "86" for mainland China


class WeChatError(Exception):
    """A WeChat call failed; `code` is what the resident's client is told."""

    def __init__(self, code: ResidentErrorCode, *, errcode: int | None = None):
        super().__init__(f"{code} (errcode={errcode})")
        self.code = code
        self.errcode = errcode


class LoginProvider(Protocol):
    name: str

    def code2session(self, *, app: MiniProgramApp, code: str) -> WeChatSession:
        """Exchange a `wx.login()` code; raises WeChatError."""

    def get_phone_number(self, *, app: MiniProgramApp, code: str) -> WeChatPhone:
        """Exchange a getPhoneNumber button code; raises WeChatError."""


def get_login_provider() -> LoginProvider:
    name = settings.WECHAT_LOGIN_PROVIDER
    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"WECHAT_LOGIN_PROVIDER={name!r}: choose one of {', '.join(PROVIDERS)}")
    return import_string(PROVIDERS[name]).from_settings()

"""Publishing the resident mini-program through WeChat's third-party platform
(微信开放平台 第三方平台, DOMAIN.md §5).

One code template lives in the platform's template library; for each company
whose mini-program has authorized the platform we commit that template with
the company's `ext_json`, submit it for review, poll the review and release
it. The pieces:

- `client.WxOpenClient`: the Open Platform HTTP API (component token,
  authorizer token, commit, submit_audit, get_auditstatus, release), WeChat's
  `{errcode, errmsg}` mapped to `PublishError` with a `PublishErrorCode`;
- `services`: the `MiniProgramRelease` state machine and the roll-out;
- `sandbox`: a fake Open Platform for `make run` and tests (same shapes and
  error codes), mounted at /sandbox/wxopen/ where sandboxes are allowed;
- `callback`: the endpoint WeChat pushes component_verify_ticket to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..miniprogram_errors import PublishErrorCode

# WeChat errcode → what it means for us. Anything else is WECHAT_ERROR.
ERRCODE_TO_ERROR: dict[int, PublishErrorCode] = {
    -1: PublishErrorCode.BUSY,  # system busy
    45009: PublishErrorCode.RATE_LIMITED,  # api freq out of limit
    45011: PublishErrorCode.RATE_LIMITED,
    89249: PublishErrorCode.RATE_LIMITED,  # a task for this account is still running; try again later
    40001: PublishErrorCode.TOKEN_INVALID,  # invalid credential / access_token is not latest
    40014: PublishErrorCode.TOKEN_INVALID,  # invalid access_token
    42001: PublishErrorCode.TOKEN_INVALID,  # access_token expired
    40013: PublishErrorCode.NOT_CONFIGURED,  # invalid appid
    40125: PublishErrorCode.NOT_CONFIGURED,  # invalid appsecret
    61004: PublishErrorCode.NOT_CONFIGURED,  # caller IP is not on the component's whitelist
    61005: PublishErrorCode.TICKET_INVALID,  # component ticket is expired
    61006: PublishErrorCode.TICKET_INVALID,  # component ticket is invalid
    61003: PublishErrorCode.NOT_AUTHORIZED,  # component is not authorized by this account
    61007: PublishErrorCode.NOT_AUTHORIZED,  # api is unauthorized to component (permission set not granted)
    61023: PublishErrorCode.NOT_AUTHORIZED,  # refresh_token is invalid (authorization revoked)
    86000: PublishErrorCode.NOT_AUTHORIZED,  # not called by a third party on behalf of the mini-program
    85013: PublishErrorCode.INVALID_EXT_JSON,  # invalid ext_json / custom config
    85014: PublishErrorCode.INVALID_TEMPLATE,  # invalid template_id
    85043: PublishErrorCode.INVALID_TEMPLATE,  # template error
    85009: PublishErrorCode.AUDIT_IN_PROGRESS,  # already submitted a version under auditing
    85085: PublishErrorCode.AUDIT_QUOTA,  # submit audit reach limit
    85012: PublishErrorCode.AUDIT_NOT_FOUND,  # invalid auditid
    85019: PublishErrorCode.NOT_APPROVED,  # no version under audit / approved
    85020: PublishErrorCode.NOT_APPROVED,  # audit status does not allow release
    86001: PublishErrorCode.NO_CODE,  # no code committed by the third party
}

# errcodes that mean "this access token is not (any more) valid": refresh once and retry.
TOKEN_REJECTED = frozenset({40001, 40014, 42001})
ALREADY_RELEASED = 85052  # "app is already released": releasing again is a no-op for us


def error_for_errcode(errcode: int) -> PublishErrorCode:
    return ERRCODE_TO_ERROR.get(errcode, PublishErrorCode.WECHAT_ERROR)


class PublishError(Exception):
    """A publishing step failed. `errmsg` is WeChat's text (never holds a token)."""

    def __init__(self, code: PublishErrorCode, *, errcode: int | None = None, errmsg: str = ""):
        super().__init__(f"{code} (errcode={errcode}) {errmsg}".strip())
        self.code = PublishErrorCode(code)
        self.errcode = errcode
        self.errmsg = errmsg[:200]


@dataclass(frozen=True)
class AccessToken:
    token: str = field(repr=False)
    expires_in: int


@dataclass(frozen=True)
class AuthorizerToken:
    authorizer_appid: str
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str = field(repr=False)  # WeChat may hand out a new one: store it


@dataclass(frozen=True)
class Authorization:
    authorizer_appid: str
    refresh_token: str = field(repr=False)
    func_info: list[int]


class AuditStatus:
    PASSED, REJECTED, IN_REVIEW, WITHDRAWN, DELAYED = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Audit:
    status: int  # AuditStatus
    reason: str = ""
    screenshot: str = ""
    auditid: int | None = None
    user_version: str = ""

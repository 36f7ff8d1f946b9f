"""Error codes of the mini-program side of a company: branding, branded
builds and publishing through WeChat's third-party platform."""

from django.db import models


class BrandingErrorCode(models.TextChoices):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    INVALID_COLOR = "INVALID_COLOR"
    LOW_CONTRAST = "LOW_CONTRAST"  # theme colour too light behind white text (WCAG < 3:1)
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_APP_ID = "INVALID_APP_ID"
    DUPLICATE_APP_ID = "DUPLICATE_APP_ID"
    INVALID_APP_SECRET = "INVALID_APP_SECRET"  # noqa: S105  (an error code, not a secret)
    APP_SECRET_REQUIRED = "APP_SECRET_REQUIRED"  # noqa: S105  (a new AppID needs its own secret)
    INVALID_BASE64 = "INVALID_BASE64"
    LOGO_TOO_LARGE = "LOGO_TOO_LARGE"
    LOGO_NOT_IMAGE = "LOGO_NOT_IMAGE"  # not PNG/JPEG by its magic bytes, or a broken file
    LOGO_BAD_DIMENSIONS = "LOGO_BAD_DIMENSIONS"
    BRANDING_INCOMPLETE = "BRANDING_INCOMPLETE"
    INSECURE_API_BASE = "INSECURE_API_BASE"  # production builds need https
    TEMPLATE_MISSING = "TEMPLATE_MISSING"
    NOT_FOUND = "NOT_FOUND"


class PublishErrorCode(models.TextChoices):
    """What went wrong publishing; WeChat's own errcode is kept next to it."""

    NOT_CONFIGURED = "NOT_CONFIGURED"  # component appid/secret/ticket missing
    NOT_AUTHORIZED = "NOT_AUTHORIZED"  # the company has not (or no longer) authorized the platform
    APP_ID_MISMATCH = "APP_ID_MISMATCH"  # authorized mini-program is not the company's AppID
    TICKET_INVALID = "TICKET_INVALID"  # component_verify_ticket expired or wrong
    TOKEN_INVALID = "TOKEN_INVALID"  # noqa: S105  (an access token was refused even after a refresh)
    INVALID_TEMPLATE = "INVALID_TEMPLATE"
    INVALID_EXT_JSON = "INVALID_EXT_JSON"
    AUDIT_IN_PROGRESS = "AUDIT_IN_PROGRESS"  # another version of this mini-program is being reviewed
    AUDIT_QUOTA = "AUDIT_QUOTA"  # the platform's review quota is used up
    AUDIT_WITHDRAWN = "AUDIT_WITHDRAWN"
    AUDIT_NOT_FOUND = "AUDIT_NOT_FOUND"
    NOT_APPROVED = "NOT_APPROVED"  # release asked for a version that has not passed review
    NO_CODE = "NO_CODE"  # submit before any commit
    RATE_LIMITED = "RATE_LIMITED"
    BUSY = "BUSY"  # WeChat busy / unreachable: try again later
    BRANDING_INCOMPLETE = "BRANDING_INCOMPLETE"
    CONFLICT = "CONFLICT"  # someone else moved the release meanwhile
    WECHAT_ERROR = "WECHAT_ERROR"  # any other errcode
    INTERNAL = "INTERNAL"


# Errors worth trying again later without changing anything (CONFLICT: another poller moved the release).
TRANSIENT_PUBLISH_ERRORS = frozenset({PublishErrorCode.BUSY, PublishErrorCode.RATE_LIMITED, PublishErrorCode.CONFLICT})

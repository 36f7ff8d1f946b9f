from django.core.exceptions import ValidationError
from django.db import models


class ResidentErrorCode(models.TextChoices):
    REQUIRED = "REQUIRED"
    # The company has no mini-program (AppID/secret) on file, or WeChat rejects it.
    MINIPROGRAM_NOT_CONFIGURED = "MINIPROGRAM_NOT_CONFIGURED"
    MINIPROGRAM_MISCONFIGURED = "MINIPROGRAM_MISCONFIGURED"
    # WeChat answers (errcode): 40029/40163 invalid or used code, 45011 rate limited,
    # 40226 high-risk user, -1 system busy (also network failures), anything else.
    INVALID_CODE = "INVALID_CODE"
    WECHAT_RATE_LIMITED = "WECHAT_RATE_LIMITED"
    HIGH_RISK_USER = "HIGH_RISK_USER"
    WECHAT_BUSY = "WECHAT_BUSY"
    WECHAT_ERROR = "WECHAT_ERROR"
    PHONE_WATERMARK_MISMATCH = "PHONE_WATERMARK_MISMATCH"
    RESIDENT_DISABLED = "RESIDENT_DISABLED"
    # Our own rate limits on WeChat login (per client IP, per mini-program, rejected codes per IP).
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    INVALID_PHONE = "INVALID_PHONE"
    # SMS verification codes
    SMS_RATE_LIMITED = "SMS_RATE_LIMITED"
    SMS_SEND_FAILED = "SMS_SEND_FAILED"
    SMS_CODE_INVALID = "SMS_CODE_INVALID"
    SMS_CODE_EXPIRED = "SMS_CODE_EXPIRED"
    SMS_CODE_ATTEMPTS_EXCEEDED = "SMS_CODE_ATTEMPTS_EXCEEDED"
    # Account deletion: the confirmation text was not given, or a payment or refund is still under way.
    CONFIRMATION_REQUIRED = "CONFIRMATION_REQUIRED"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    NOT_FOUND = "NOT_FOUND"


def resident_error(message: str, code: str, *, field: str | None = None) -> ValidationError:
    """A ValidationError the GraphQL base mutation turns into a typed `ResidentError`;
    bound to one input field when `field` is given."""
    error = ValidationError(message, code=code)
    return ValidationError({field: [error]}) if field else error

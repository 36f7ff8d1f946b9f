from django.db import models


class TenantErrorCode(models.TextChoices):
    INVALID_SLUG = "INVALID_SLUG"
    RESERVED_SLUG = "RESERVED_SLUG"
    DUPLICATE_SLUG = "DUPLICATE_SLUG"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105  (an error code, not a password)
    INVALID_PHONE = "INVALID_PHONE"
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    INVALID_STATUS = "INVALID_STATUS"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE_USERNAME = "DUPLICATE_USERNAME"
    # Self-onboarding: limits per client IP / contact phone, and the phone's SMS code.
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    SMS_RATE_LIMITED = "SMS_RATE_LIMITED"
    SMS_SEND_FAILED = "SMS_SEND_FAILED"
    SMS_CODE_INVALID = "SMS_CODE_INVALID"
    SMS_CODE_EXPIRED = "SMS_CODE_EXPIRED"
    SMS_CODE_ATTEMPTS_EXCEEDED = "SMS_CODE_ATTEMPTS_EXCEEDED"
    # Too many sign-ups are already waiting for a schema: try again in a few minutes.
    PROVISIONING_BUSY = "PROVISIONING_BUSY"


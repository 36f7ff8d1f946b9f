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


from django.core.exceptions import ValidationError
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


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError bound to one input field (the GraphQL layer camel-cases it)."""
    return ValidationError({field: [ValidationError(message, code=code)]})

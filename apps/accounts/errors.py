from django.db import models


class AccountErrorCode(models.TextChoices):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105  (an error code)
    SAME_PASSWORD = "SAME_PASSWORD"  # noqa: S105  (an error code)
    SESSION_EXPIRED = "SESSION_EXPIRED"  # refreshToken past JWT_SESSION_MAX_SECONDS: sign in again
    TOKEN_REVOKED = "TOKEN_REVOKED"  # noqa: S105  (this token was already refreshed or signed out)

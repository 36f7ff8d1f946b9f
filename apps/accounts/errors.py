from django.db import models


class AccountErrorCode(models.TextChoices):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    REQUIRED = "REQUIRED"

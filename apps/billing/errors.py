from django.db import models


class BillingErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_STATUS = "INVALID_STATUS"

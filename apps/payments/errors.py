from django.db import models


class PaymentErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_STATUS = "INVALID_STATUS"
    NOTHING_DUE = "NOTHING_DUE"  # the bills owe nothing right now
    MIXED_HOUSES = "MIXED_HOUSES"  # one online order pays one house's bills
    CHANNEL_NOT_CONFIGURED = "CHANNEL_NOT_CONFIGURED"  # no active merchant account for the channel
    NO_PAYER = "NO_PAYER"  # the resident has no WeChat/Alipay identity for this channel
    PROVIDER_ERROR = "PROVIDER_ERROR"  # the gateway refused or could not be reached
    INVALID_KEY = "INVALID_KEY"  # a key or certificate does not parse
    REFUND_EXCEEDS = "REFUND_EXCEEDS"
    SHIFT_CLOSED = "SHIFT_CLOSED"
    DUPLICATE_RECEIPT = "DUPLICATE_RECEIPT"
    OVERPAYMENT = "OVERPAYMENT"
    NOT_PUBLISHED = "NOT_PUBLISHED"  # the bill's season is a draft: no money is taken on it

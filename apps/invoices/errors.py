"""Error codes of e-invoices, shared by the services (raised as
`ValidationError(..., code=InvoiceErrorCode.X)`, e.g. through
`heat_platform.kernel.errors.field_error`) and the GraphQL `InvoiceErrorCode` enum."""

from __future__ import annotations

from django.db import models


class InvoiceErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"  # missing, or someone else's / another company's (the same answer)
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    INVALID_TAX_NO = "INVALID_TAX_NO"  # not a 15/18/20-character unified tax number
    INVALID_TAX_CODE = "INVALID_TAX_CODE"  # not a 19-digit tax classification code
    INVALID_TAX_RATE = "INVALID_TAX_RATE"  # not one of the VAT rates
    INVALID_POLICY = "INVALID_POLICY"  # favoured-policy flag not in the documented set / inconsistent with the rate
    NOT_ENABLED = "NOT_ENABLED"  # the company has no (enabled) invoice settings
    NOT_CONFIGURED = "NOT_CONFIGURED"  # a fee item has no invoicing settings, or credentials are missing
    ORDER_NOT_PAID = "ORDER_NOT_PAID"  # only a paid order is invoiced
    ALREADY_REQUESTED = "ALREADY_REQUESTED"  # the order already has a blue invoice
    NOT_ALLOWED_IN_STATE = "NOT_ALLOWED_IN_STATE"  # the invoice is not in a state that allows it
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"  # someone else changed it first (compare-and-set lost)
    RED_EXCEEDS = "RED_EXCEEDS"  # a red line larger than what the blue line has left
    DAILY_CAP = "DAILY_CAP"  # retried too often today (the provider caps a serial per day)
    SESSION_REQUIRED = "SESSION_REQUIRED"  # the tax-bureau session dropped: login / face verification due
    PROVIDER_ERROR = "PROVIDER_ERROR"  # the provider refused or could not be reached

"""Error codes of statement reconciliation and the daily close, shared by the
services (raised as `ValidationError(..., code=ReconciliationErrorCode.X)`) and
the GraphQL `ReconciliationErrorCode` enum."""

from __future__ import annotations

from django.db import models


class ReconciliationErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"  # missing, or another company's (the same answer)
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    NOT_ALLOWED_IN_STATE = "NOT_ALLOWED_IN_STATE"  # the run/difference/day is not in a state that allows it
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"  # someone else changed it first (compare-and-set lost)
    OPEN_DIFFERENCES = "OPEN_DIFFERENCES"  # a run with open differences cannot be closed
    DAY_CLOSED = "DAY_CLOSED"  # the day is closed (日结): read-only
    DAY_NOT_READY = "DAY_NOT_READY"  # a day cannot close yet: runs not closed, shifts open
    DATE_OUT_OF_RANGE = "DATE_OUT_OF_RANGE"  # bill date in the future, today, older than 3 months; range too long
    CHANNEL_NOT_CONFIGURED = "CHANNEL_NOT_CONFIGURED"  # no (active) merchant account
    NOT_SUPPORTED = "NOT_SUPPORTED"  # e.g. a fund-flow bill on Alipay
    ALREADY_RUNNING = "ALREADY_RUNNING"  # a run of that bill is being fetched/parsed/matched now
    NOT_READY = "NOT_READY"  # the provider has not generated the bill yet (retried later)
    PROVIDER_ERROR = "PROVIDER_ERROR"  # the gateway refused or could not be reached
    FORMAT_ERROR = "FORMAT_ERROR"  # the file is not what the provider documents / totals ≠ summary

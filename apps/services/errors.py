"""Error codes of resident services, shared by the services (raised as `ValidationError(..., code=...)`, e.g.
through `heat_platform.kernel.errors.field_error`) and the GraphQL `ServiceErrorCode` enum."""

from __future__ import annotations

from django.db import models


class ServiceErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"  # missing, or someone else's / another company's (the same answer)
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_ALLOWED_IN_STATE = "NOT_ALLOWED_IN_STATE"  # the ticket / application is not in a state that allows it
    CONCURRENT_CHANGE = "CONCURRENT_CHANGE"  # someone else moved it first (compare-and-set lost)
    NOT_ASSIGNED = "NOT_ASSIGNED"  # a technician acting on a ticket assigned to someone else
    INVALID_ASSIGNEE = "INVALID_ASSIGNEE"  # not an active technician (or admin) of this company
    PHOTO_TOO_LARGE = "FILE_TOO_LARGE"  # REST 413 (heat_platform.kernel.rest.TOO_LARGE_CODE)
    PHOTO_BAD_TYPE = "PHOTO_BAD_TYPE"  # not a JPEG / PNG / WebP picture (checked by content, not name)
    PHOTO_TOO_MANY = "PHOTO_TOO_MANY"
    RATE_LIMITED = "RATE_LIMITED"  # too many tickets / uploads from one resident
    INVALID_TEMPERATURE = "INVALID_TEMPERATURE"  # outside −10…40 ℃, or more than one decimal
    MEASUREMENT_WINDOW = "MEASUREMENT_WINDOW"  # measured inside the rule's no-measurement hours
    TOO_FEW_POINTS = "TOO_FEW_POINTS"  # fewer readings per room than the rule's procedure asks
    NO_QUALITY_RULE = "NO_QUALITY_RULE"  # no room-temperature rule in force on that day
    INVALID_BANDS = "INVALID_BANDS"  # bands not increasing, ratios not monotone or outside 0–100 %
    OVERLAPPING_RULE = "OVERLAPPING_RULE"  # another rule in force on some of the same days
    NO_SEASON = "NO_SEASON"  # no heating season for that day / that application
    DEADLINE_PASSED = "DEADLINE_PASSED"  # 报停 applied after the company's deadline
    HAS_ARREARS = "HAS_ARREARS"  # 报停 refused while the house owes money
    ALREADY_APPLIED = "ALREADY_APPLIED"  # a live application of the same kind for that house and season
    NOT_OPTED_OUT = "NOT_OPTED_OUT"  # resumption asked for a house that is heated
    NOT_BOUND = "NOT_BOUND"  # the resident has not bound that house

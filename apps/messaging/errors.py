"""Error codes of messaging, shared by the services (raised as `ValidationError(..., code=...)`, e.g. through
`heat_platform.kernel.errors.field_error`) and the GraphQL `MessagingErrorCode` enum."""

from __future__ import annotations

from django.db import models


class MessagingErrorCode(models.TextChoices):
    NOT_FOUND = "NOT_FOUND"  # missing, or not meant for this resident / another company's (the same answer)
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_ALLOWED_IN_STATE = "NOT_ALLOWED_IN_STATE"  # e.g. editing a withdrawn announcement
    FORBIDDEN_WORDING = "FORBIDDEN_WORDING"  # an SMS template with 催缴/催款 … (carriers reject dunning wording)
    INVALID_TEMPLATE = "INVALID_TEMPLATE"  # an unknown variable, a WeChat keyword that is not in the template
    INVALID_AUDIENCE = "INVALID_AUDIENCE"  # communities/buildings missing or not this company's
    INVALID_SCHEDULE = "INVALID_SCHEDULE"  # expires before it is published, or already expired
    NO_SEASON = "NO_SEASON"  # campaign for a season that is not open (its bills are not out)
    CAMPAIGN_RUNNING = "CAMPAIGN_RUNNING"  # another campaign of this kind and season is still running
    IMAGE_TOO_LARGE = "FILE_TOO_LARGE"  # REST 413 (heat_platform.kernel.rest.TOO_LARGE_CODE)
    IMAGE_BAD_TYPE = "IMAGE_BAD_TYPE"  # not a JPEG / PNG / WebP picture (checked by content)
    NO_PHONE = "NO_PHONE"  # SMS opt-in without a verified phone
    RATE_LIMITED = "RATE_LIMITED"
    WECHAT_ERROR = "WECHAT_ERROR"  # syncing templates: WeChat answered an error (errcode in the message)

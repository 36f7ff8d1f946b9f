"""Input cleaning shared by the resident-services modules: free text with a length limit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from heat_platform.kernel.errors import field_error

from .errors import ServiceErrorCode as Code


def clean_text(field: str, value, *, max_length: int, required: bool = False) -> str:
    """`value` stripped (None → ""); REQUIRED when blank and required, TOO_LONG past `max_length` characters."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise field_error(field, _("请填写此项。"), Code.REQUIRED)
    if len(text) > max_length:
        raise field_error(field, _("最多 %(n)s 个字。") % {"n": max_length}, Code.TOO_LONG)
    return text

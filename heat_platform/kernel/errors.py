"""Typed errors that services raise and every edge (GraphQL payload errors,
REST JSON errors) turns into `{field, message, code}`."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError bound to one input field (the GraphQL layer camel-cases it)."""
    return ValidationError({field: [ValidationError(message, code=code)]})

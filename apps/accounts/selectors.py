from __future__ import annotations

from django.db.models import QuerySet

from .models import STAFF_ROLES, User


def staff_list() -> QuerySet[User]:
    """A company's staff accounts (never operators), by username."""
    return User.objects.filter(role__in=STAFF_ROLES).order_by("username")

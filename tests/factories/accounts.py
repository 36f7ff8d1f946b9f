"""Staff members, created through the service (hashed password, is_staff), in
the current tenant schema. Everyone's password is tenants.PASSWORD."""

from __future__ import annotations

import factory

from apps.accounts.models import User
from apps.accounts.services import staff_create
from tests.factories.tenants import PASSWORD


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff-{n}")
    password = PASSWORD
    role = "collector"
    display_name = ""
    is_superuser = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> User:
        return staff_create(**kwargs)


def staff(username: str, role: str = "collector") -> User:
    return StaffFactory(username=username, role=role)

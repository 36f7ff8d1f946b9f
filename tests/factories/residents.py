"""Residents (mini-program users), in the current tenant schema, and bearer
tokens for them."""

from __future__ import annotations

import factory

from apps.accounts.tokens import token_issue
from apps.residents.models import Resident


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    openid = factory.Sequence(lambda n: f"o-resident-{n}")
    display_name = factory.SelfAttribute("openid")


def resident_token(tenant, resident: Resident) -> str:
    """A resident bearer token for `resident` of `tenant` (a TenantInfo)."""
    token, _ttl = token_issue(schema=tenant.schema, subject=str(resident.pk), kind="resident", role="resident")
    return token

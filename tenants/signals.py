"""The one onboarding hook.

`tenant_provisioned` is sent inside the onboarding transaction with the
connection already switched to the new company's schema. Apps connect a
receiver (in their AppConfig.ready) to create their per-tenant defaults; a
receiver that raises rolls the whole sign-up back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class Registration:
    company_name: str
    slug: str
    contact_name: str
    contact_phone: str
    admin_username: str
    admin_password: str  # clear text, only until validated: onboarding blanks it after hashing
    admin_password_hash: str = ""  # what the provisioning hook stores (Django password hash format)


# kwargs: tenant (HeatingCompany), registration (Registration)
tenant_provisioned = Signal()

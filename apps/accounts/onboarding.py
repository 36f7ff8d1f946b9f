"""Per-tenant defaults of the accounts app: the company's first admin."""

from django.dispatch import receiver

from tenants.signals import tenant_provisioned

from .models import Role
from .services import staff_create


@receiver(tenant_provisioned, dispatch_uid="accounts.first_admin")
def create_first_admin(sender, tenant, registration, **kwargs) -> None:
    # Superuser only inside this company's schema: it is its own Django admin.
    staff_create(username=registration.admin_username, password=registration.admin_password,
                 role=Role.TENANT_ADMIN, is_superuser=True)

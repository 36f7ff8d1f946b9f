"""Per-tenant defaults of the accounts app: the company's first admin."""

from django.dispatch import receiver

from tenants.signals import tenant_provisioned

from .models import Role, User


@receiver(tenant_provisioned, dispatch_uid="accounts.first_admin")
def create_first_admin(sender, tenant, registration, **kwargs) -> None:
    # Superuser only inside this company's schema: it is its own Django admin.
    # Onboarding hands over the password already hashed (a sign-up queued for a
    # schema never holds it in clear), so it is stored as it comes: one INSERT.
    User.objects.create(username=User.normalize_username(registration.admin_username),
                        password=registration.admin_password_hash, role=Role.TENANT_ADMIN, is_staff=True,
                        is_superuser=True)

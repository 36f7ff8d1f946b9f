import graphene

from heat_platform.kernel.actors import client_ip
from tenants.selectors import tenant_counts
from tenants.services import tenant_reactivate, tenant_register, tenant_suspend
from tenants.signals import Registration

from ..core.ids import to_pk
from ..core.mutations import BaseMutation
from ..core.permissions import AllowAny, IsOperator
from .types import RegisteredTenant, Tenant, TenantError


class RegisterTenantInput(graphene.InputObjectType):
    company_name = graphene.String(required=True)
    slug = graphene.String(
        required=True, description="3–30 lowercase letters, digits, hyphens; becomes <slug>.<platform domain>"
    )
    contact_name = graphene.String(required=True)
    contact_phone = graphene.String(required=True)
    admin_username = graphene.String(required=True)
    admin_password = graphene.String(required=True)


class RegisterTenant(BaseMutation):
    """Self-onboarding: a heating company signs itself up."""

    permissions = (AllowAny,)

    class Arguments:
        input = RegisterTenantInput(required=True)

    tenant = graphene.Field(RegisteredTenant)
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        tenant = tenant_register(registration=Registration(**{k: input.get(k) or "" for k in (
            "company_name", "slug", "contact_name", "contact_phone", "admin_username", "admin_password")}))
        return cls(tenant=tenant, errors=[])


class SuspendTenant(BaseMutation):
    permissions = (IsOperator,)

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    tenant = graphene.Field(Tenant)
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, reason):
        tenant = tenant_suspend(tenant_id=to_pk(id), actor=info.context.actor.user, reason=reason,
                                ip=client_ip(info.context))
        return cls(tenant=_with_counts(tenant), errors=[])


class ReactivateTenant(BaseMutation):
    permissions = (IsOperator,)

    class Arguments:
        id = graphene.ID(required=True)

    tenant = graphene.Field(Tenant)
    errors = graphene.List(graphene.NonNull(TenantError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        tenant = tenant_reactivate(tenant_id=to_pk(id), actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(tenant=_with_counts(tenant), errors=[])


def _with_counts(tenant):
    tenant.counts = tenant_counts(schemas=[tenant.schema_name]).get(tenant.schema_name, {})
    return tenant


class TenantMutations(graphene.ObjectType):
    register_tenant = RegisterTenant.Field()
    suspend_tenant = SuspendTenant.Field()
    reactivate_tenant = ReactivateTenant.Field()

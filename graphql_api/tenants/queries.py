import graphene

from tenants.selectors import signup_by_token, tenant_counts, tenant_list

from ..core.pagination import MAX_PAGE, page
from ..core.permissions import AllowAny, IsOperator, PermissionsField
from .types import SignupProgress, TenantPage, TenantStatus


class TenantQueries(graphene.ObjectType):
    tenants = PermissionsField(
        TenantPage, permissions=[IsOperator], required=True,
        status=TenantStatus(), search=graphene.String(),
        first=graphene.Int(default_value=50, description=f"At most {MAX_PAGE}"), offset=graphene.Int(default_value=0),
    )
    signup_status = PermissionsField(
        SignupProgress, permissions=[AllowAny], token=graphene.String(required=True),
        description="A sign-up's progress by the signupToken registerTenant returned; null for an unknown token",
    )

    @staticmethod
    def resolve_signup_status(root, info, token):
        return signup_by_token(token=token)

    @staticmethod
    def resolve_tenants(root, info, status=None, search=None, first=50, offset=0):
        result = page(tenant_list(status=status.value if status else None, search=search), first=first,
                      offset=offset)
        counts = tenant_counts(schemas=[t.schema_name for t in result["items"]])
        for t in result["items"]:
            t.counts = counts.get(t.schema_name, {})
        return TenantPage(**result)

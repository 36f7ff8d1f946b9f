import graphene
from django.db.models import Case, OuterRef, QuerySet, Subquery, When
from django.db.models.fields.json import KT

from heat_platform.models import OperatorAuditLog
from tenants.selectors import signup_by_token, tenant_counts, tenant_list

from ..core.ids import to_pk
from ..core.pagination import MAX_PAGE, page
from ..core.permissions import AllowAny, IsOperator, PermissionsField
from .types import STATUS_ACTIONS, SignupProgress, Tenant, TenantPage, TenantStatus


def _for_operators(qs: QuerySet) -> QuerySet:
    """Companies with their summary row and the reason behind their status, in the same query."""
    def reason(action: str) -> Subquery:
        return Subquery(OperatorAuditLog.objects.filter(tenant_id=OuterRef("pk"), action=action)
                        .order_by("-created_at", "-id").annotate(reason=KT("detail__reason")).values("reason")[:1])

    return qs.select_related("summary").annotate(status_reason=Case(
        *(When(status=status, then=reason(action)) for status, action in STATUS_ACTIONS.items()), default=None))


class TenantQueries(graphene.ObjectType):
    tenants = PermissionsField(
        TenantPage, permissions=[IsOperator], required=True,
        status=TenantStatus(), search=graphene.String(),
        first=graphene.Int(default_value=50, description=f"At most {MAX_PAGE}"), offset=graphene.Int(default_value=0),
    )
    tenant = PermissionsField(Tenant, permissions=[IsOperator], id=graphene.ID(required=True),
                              description="null when there is no such company")
    signup_status = PermissionsField(
        SignupProgress, permissions=[AllowAny], token=graphene.String(required=True),
        description="A sign-up's progress by the signupToken registerTenant returned; null for an unknown token",
    )

    @staticmethod
    def resolve_signup_status(root, info, token):
        return signup_by_token(token=token)

    @staticmethod
    def resolve_tenants(root, info, status=None, search=None, first=50, offset=0):
        result = page(_for_operators(tenant_list(status=status.value if status else None, search=search)),
                      first=first, offset=offset)
        counts = tenant_counts(schemas=[t.schema_name for t in result["items"]])
        for t in result["items"]:
            t.counts = counts.get(t.schema_name, {})
        return TenantPage(**result)

    @staticmethod
    def resolve_tenant(root, info, id):
        tenant = _for_operators(tenant_list()).filter(pk=to_pk(id)).first()
        if tenant is not None:
            tenant.counts = tenant_counts(schemas=[tenant.schema_name]).get(tenant.schema_name, {})
        return tenant

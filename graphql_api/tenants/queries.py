import graphene

from tenants.selectors import tenant_counts, tenant_list

from ..core.permissions import IsOperator, PermissionsField
from .types import TenantPage, TenantStatus

MAX_PAGE = 100


class TenantQueries(graphene.ObjectType):
    tenants = PermissionsField(
        TenantPage, permissions=[IsOperator], required=True,
        status=TenantStatus(), search=graphene.String(),
        first=graphene.Int(default_value=50, description=f"At most {MAX_PAGE}"), offset=graphene.Int(default_value=0),
    )

    @staticmethod
    def resolve_tenants(root, info, status=None, search=None, first=50, offset=0):
        qs = tenant_list(status=status.value if status else None, search=search)
        first = 50 if first is None else first  # an explicit null means "the default"
        first, offset = max(0, min(first, MAX_PAGE)), max(0, offset or 0)
        items = list(qs[offset:offset + first])
        counts = tenant_counts(schemas=[t.schema_name for t in items])
        for t in items:
            t.counts = counts.get(t.schema_name, {})
        return TenantPage(total_count=qs.count(), items=items)

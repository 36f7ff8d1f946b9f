import graphene

from apps.billing.selectors import collection_rate
from heat_platform.models import OperatorAuditLog
from tenants.errors import TenantErrorCode as _Code
from tenants.models import HeatingCompany, Signup
from tenants.services import tenant_purge_after

from ..core.mutations import error_type
from ..core.scalars import DateTime, Decimal

TenantErrorCode = graphene.Enum.from_enum(_Code, name="TenantErrorCode")
TenantError = type("TenantError", (error_type("_TenantErrorBase", TenantErrorCode),), {
    "retry_after": graphene.Int(
        description="TOO_MANY_ATTEMPTS, SMS_RATE_LIMITED: seconds until this client may try again"),
    "__module__": __name__,
})
TenantStatus = graphene.Enum.from_enum(
    HeatingCompany.Status, name="TenantStatus", description="active / suspended / closed"
)

SignupStatus = graphene.Enum.from_enum(
    Signup.Status, name="SignupStatus",
    description="provisioning: waiting for a schema (poll signupStatus) / ready: the company works / failed",
)


def _primary_domain(tenant: HeatingCompany) -> str | None:
    domains = list(tenant.domains.all())  # prefetched by the selector
    primary = next((d for d in domains if d.is_primary), domains[0] if domains else None)
    return primary.domain if primary else None


class RegisteredTenant(graphene.ObjectType):
    """What a new sign-up sees of its own company."""

    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    domain = graphene.String(required=True)
    status = graphene.Field(TenantStatus, required=True)

    @staticmethod
    def resolve_domain(root, info):
        return _primary_domain(root)


class TenantCounts(graphene.ObjectType):
    staff = graphene.Int(required=True, description="Active staff accounts")
    houses = graphene.Int(required=True, description="Houses in the ledger")
    residents = graphene.Int(required=True, description="Active residents (WeChat users)")


class TenantSummary(graphene.ObjectType):
    """A company's figures as of `refreshedAt` (refreshed every few minutes in its own schema)."""

    houses = graphene.Int(required=True)
    residents = graphene.Int(required=True, description="Active residents")
    staff = graphene.Int(required=True, description="Active staff accounts")
    season_name = graphene.String(required=True, description="The latest published season; empty when none")
    bill_count = graphene.Int(required=True)
    paid_count = graphene.Int(required=True)
    billed_fen = graphene.BigInt(required=True)
    collected_fen = graphene.BigInt(required=True)
    outstanding_fen = graphene.BigInt(required=True)
    collection_rate = Decimal(required=True, description="收缴率 of that season, percent with 2 decimals")
    refreshed_at = DateTime(required=True)

    @staticmethod
    def resolve_outstanding_fen(root, info):
        return max(0, root.billed_fen - root.collected_fen)

    @staticmethod
    def resolve_collection_rate(root, info):
        return collection_rate(billed_fen=root.billed_fen, collected_fen=root.collected_fen)


# The operator actions whose reason explains a company's current status.
STATUS_ACTIONS = {HeatingCompany.Status.SUSPENDED: "tenant.suspend", HeatingCompany.Status.CLOSED: "tenant.close"}


class Tenant(graphene.ObjectType):
    """A heating company as platform operators see it."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    slug = graphene.String(required=True)
    schema_name = graphene.String(required=True)
    domain = graphene.String()
    status = graphene.Field(TenantStatus, required=True)
    contact_name = graphene.String(required=True)
    contact_phone = graphene.String(required=True)
    created_at = DateTime(required=True)
    suspended_at = DateTime()
    closed_at = DateTime(description="When the company was closed (status CLOSED)")
    purge_after = DateTime(
        description="CLOSED: when its schema, media and platform rows will be deleted (TENANT_RETENTION_DAYS)")
    counts = graphene.Field(TenantCounts, required=True)
    summary = graphene.Field(TenantSummary, description="Figures refreshed every few minutes; null until the first "
                                                        "refresh of a new company")
    status_reason = graphene.String(description="SUSPENDED / CLOSED: the reason the operator gave")

    @staticmethod
    def resolve_domain(root, info):
        return _primary_domain(root)

    @staticmethod
    def resolve_summary(root, info):
        try:
            return root.summary  # select_related by the queries
        except HeatingCompany.summary.RelatedObjectDoesNotExist:
            return None

    @staticmethod
    def resolve_status_reason(root, info):
        action = STATUS_ACTIONS.get(root.status)
        if action is None:
            return None
        if hasattr(root, "status_reason"):  # annotated by the queries (tenant_reason)
            return root.status_reason
        detail = OperatorAuditLog.objects.filter(tenant_id=root.pk, action=action).order_by(
            "-created_at", "-id").values_list("detail", flat=True).first()
        return (detail or {}).get("reason")

    @staticmethod
    def resolve_counts(root, info):
        return root.counts  # filled per page by the list resolver (one query)

    @staticmethod
    def resolve_purge_after(root, info):
        return tenant_purge_after(root)


class TenantPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(Tenant), required=True)


class SignupProgress(graphene.ObjectType):
    """Where a sign-up stands; `tenant` is set once it is READY (and only then can anyone log in)."""

    status = graphene.Field(SignupStatus, required=True)
    tenant = graphene.Field(RegisteredTenant)

    @staticmethod
    def resolve_tenant(root, info):
        return root.tenant if root.status == Signup.Status.READY else None

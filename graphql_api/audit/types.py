import graphene

from apps.audit.models import AuditLog as _AuditLog

from ..core.scalars import Date, DateTime

AuditActorKind = graphene.Enum.from_enum(_AuditLog.ActorKind, name="AuditActorKind",
                                         description="staff / resident / system")


class AuditEntry(graphene.ObjectType):
    """One row of the company's audit log: who did what to which record."""

    id = graphene.ID(required=True)
    created_at = DateTime(required=True)
    actor_kind = graphene.Field(AuditActorKind, required=True)
    actor_id = graphene.ID(description="The staff member's or resident's id; null for the system")
    actor_name = graphene.String(required=True, description="Username (staff) or display name (resident)")
    action = graphene.String(required=True, description="e.g. house.heating_status, staff.create, refund.requested")
    target_type = graphene.String(required=True, description="app.model of the record, e.g. properties.house")
    target_id = graphene.ID()
    detail = graphene.JSONString(required=True, description="What changed (never secrets or full phone numbers)")
    ip = graphene.String()


class AuditEntryPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(AuditEntry), required=True)


class AuditLogFilter(graphene.InputObjectType):
    actor_kind = AuditActorKind()
    actor_id = graphene.ID()
    action = graphene.String(description="Exactly this action")
    action_prefix = graphene.String(description="Actions starting so, e.g. \"staff.\"")
    target_type = graphene.String()
    target_id = graphene.ID()
    date_from = Date()
    date_to = Date(description="Inclusive (Asia/Shanghai calendar days)")


class OperatorAuditEntry(graphene.ObjectType):
    """One row of the platform's audit log: what an operator (or the system) did to a company."""

    id = graphene.ID(required=True)
    created_at = DateTime(required=True)
    actor_id = graphene.ID(description="The operator's id; null for the system or a deleted operator")
    actor_username = graphene.String(required=True)
    action = graphene.String(required=True, description="e.g. tenant.suspend, tenant.reactivate")
    tenant_id = graphene.ID()
    tenant_name = graphene.String()
    tenant_slug = graphene.String()
    detail = graphene.JSONString(required=True, description="e.g. {\"reason\": …} of a suspension")
    ip = graphene.String()

    @staticmethod
    def resolve_tenant_name(root, info):
        return root.tenant.name if root.tenant_id else None  # select_related by the selector

    @staticmethod
    def resolve_tenant_slug(root, info):
        return root.tenant.slug if root.tenant_id else None


class OperatorAuditEntryPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(OperatorAuditEntry), required=True)


class OperatorAuditLogFilter(graphene.InputObjectType):
    actor_id = graphene.ID()
    action = graphene.String(description="Exactly this action")
    action_prefix = graphene.String(description="Actions starting so, e.g. \"tenant.\"")
    tenant_id = graphene.ID()
    date_from = Date()
    date_to = Date(description="Inclusive (Asia/Shanghai calendar days)")

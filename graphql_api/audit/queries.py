import graphene

from apps.accounts.permissions import AUDIT_VIEW
from apps.audit.selectors import audit_actions, audit_log_list, operator_audit_actions, operator_audit_log_list

from ..core.ids import to_optional_pk
from ..core.pagination import MAX_PAGE, page
from ..core.permissions import HasRole, IsOperator, PermissionsField
from .types import AuditEntryPage, AuditLogFilter, OperatorAuditEntryPage, OperatorAuditLogFilter


def _common(f) -> dict:
    return {"action": f.get("action") or None, "action_prefix": f.get("action_prefix") or None,
            "date_from": f.get("date_from"), "date_to": f.get("date_to")}


class AuditQueries(graphene.ObjectType):
    """The company's audit log (its admins)."""

    audit_log = PermissionsField(AuditEntryPage, permissions=[HasRole(*AUDIT_VIEW)], required=True,
                                 filter=AuditLogFilter(),
                                 first=graphene.Int(default_value=50, description=f"At most {MAX_PAGE}"),
                                 offset=graphene.Int(default_value=0), description="Newest first")
    audit_actions = PermissionsField(graphene.List(graphene.NonNull(graphene.String), required=True),
                                     permissions=[HasRole(*AUDIT_VIEW)],
                                     description="Every action in the log, for the filter's choices")

    @staticmethod
    def resolve_audit_log(root, info, filter=None, first=50, offset=0):
        f = filter or {}
        kind = f.get("actor_kind")
        qs = audit_log_list(actor_kind=kind.value if kind else None, actor_id=to_optional_pk(f.get("actor_id")),
                            target_type=f.get("target_type") or None, target_id=to_optional_pk(f.get("target_id")),
                            **_common(f))
        return AuditEntryPage(**page(qs, first=first, offset=offset))

    @staticmethod
    def resolve_audit_actions(root, info):
        return audit_actions()


class OperatorAuditQueries(graphene.ObjectType):
    """The platform's audit log (operators)."""

    operator_audit_log = PermissionsField(OperatorAuditEntryPage, permissions=[IsOperator], required=True,
                                          filter=OperatorAuditLogFilter(),
                                          first=graphene.Int(default_value=50, description=f"At most {MAX_PAGE}"),
                                          offset=graphene.Int(default_value=0), description="Newest first")
    operator_audit_actions = PermissionsField(graphene.List(graphene.NonNull(graphene.String), required=True),
                                              permissions=[IsOperator],
                                              description="Every action in the platform's log, for the filter")

    @staticmethod
    def resolve_operator_audit_log(root, info, filter=None, first=50, offset=0):
        f = filter or {}
        qs = operator_audit_log_list(actor_id=to_optional_pk(f.get("actor_id")),
                                     tenant_id=to_optional_pk(f.get("tenant_id")), **_common(f))
        return OperatorAuditEntryPage(**page(qs, first=first, offset=offset))

    @staticmethod
    def resolve_operator_audit_actions(root, info):
        return operator_audit_actions()

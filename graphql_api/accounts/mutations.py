import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import STAFF_MANAGE
from apps.accounts.services import (
    operator_login_unlock,
    staff_account_create,
    staff_account_reset_password,
    staff_account_set_active,
    staff_account_update,
    staff_login_unlock,
    user_login,
)
from heat_platform.kernel.actors import client_ip

from ..core.ids import to_pk
from ..core.mutations import BaseMutation, validation_errors
from ..core.permissions import AllowAny, HasRole, IsOperator
from .types import AccountError, Me, Role, StaffMember


class _Login(BaseMutation):
    permissions = (AllowAny,)

    class Meta:
        abstract = True

    token = graphene.String(description="Bearer token for this domain only")
    expires_in = graphene.Int(description="Seconds until the token expires")
    user = graphene.Field(Me)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, username, password):
        try:
            result = user_login(username=username, password=password, ip=client_ip(info.context))
        except ValidationError as exc:  # the throttle's wait travels as retryAfter
            retry = (getattr(exc, "params", None) or {}).get("retry_after")
            return cls(errors=[{**e, "retry_after": retry} for e in validation_errors(exc)])
        return cls(token=result.token, expires_in=result.expires_in, user=result.user, errors=[])


class StaffLogin(_Login):
    """Staff of this heating company (tenant domains only)."""

    permissions = (AllowAny,)

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)


class OperatorLogin(_Login):
    """Platform operators (platform domain only)."""

    permissions = (AllowAny,)

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)


# --- Staff accounts, managed by the company's admin

class CreateStaff(BaseMutation):
    permissions = (HasRole(*STAFF_MANAGE),)

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)
        role = Role(required=True)
        display_name = graphene.String(description="Shown instead of the username (e.g. on receipts)")

    staff = graphene.Field(StaffMember)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, username, password, role, display_name=None):
        user = staff_account_create(actor=info.context.actor.user, username=username, password=password,
                                    role=role.value, display_name=display_name or "", ip=client_ip(info.context))
        return cls(staff=user, errors=[])


class UpdateStaff(BaseMutation):
    """Change a staff member's display name and/or role (omitted arguments stay as
    they are). A role change signs the member out everywhere."""

    permissions = (HasRole(*STAFF_MANAGE),)

    class Arguments:
        id = graphene.ID(required=True)
        display_name = graphene.String()
        role = Role()

    staff = graphene.Field(StaffMember)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, display_name=None, role=None):
        user = staff_account_update(actor=info.context.actor.user, user_id=to_pk(id), display_name=display_name,
                                    role=role.value if role is not None else None, ip=client_ip(info.context))
        return cls(staff=user, errors=[])


class SetStaffActive(BaseMutation):
    """Disable (or re-enable) a staff account; its tokens stop working at once."""

    permissions = (HasRole(*STAFF_MANAGE),)

    class Arguments:
        id = graphene.ID(required=True)
        active = graphene.Boolean(required=True)

    staff = graphene.Field(StaffMember)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, active):
        user = staff_account_set_active(actor=info.context.actor.user, user_id=to_pk(id), active=active,
                                        ip=client_ip(info.context))
        return cls(staff=user, errors=[])


class ResetStaffPassword(BaseMutation):
    permissions = (HasRole(*STAFF_MANAGE),)

    class Arguments:
        id = graphene.ID(required=True)
        password = graphene.String(required=True)

    staff = graphene.Field(StaffMember)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id, password):
        user = staff_account_reset_password(actor=info.context.actor.user, user_id=to_pk(id), password=password,
                                            ip=client_ip(info.context))
        return cls(staff=user, errors=[])


class UnlockStaffLogin(BaseMutation):
    """Clear a staff member's login throttle (after failed sign-ins, from any client), audited."""

    permissions = (HasRole(*STAFF_MANAGE),)

    class Arguments:
        id = graphene.ID(required=True)

    staff = graphene.Field(StaffMember)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, id):
        user = staff_login_unlock(actor=info.context.actor.user, user_id=to_pk(id), ip=client_ip(info.context))
        return cls(staff=user, errors=[])


class Operator(graphene.ObjectType):
    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    display_name = graphene.String(required=True)


class UnlockOperatorLogin(BaseMutation):
    """Clear a platform operator's login throttle, recorded in the platform audit log."""

    permissions = (IsOperator,)

    class Arguments:
        username = graphene.String(required=True)

    operator = graphene.Field(Operator)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, username):
        user = operator_login_unlock(actor=info.context.actor.user, username=username, ip=client_ip(info.context))
        return cls(operator=user, errors=[])


class OperatorAccountMutations(graphene.ObjectType):
    operator_login = OperatorLogin.Field()
    unlock_operator_login = UnlockOperatorLogin.Field()


class StaffMutations(graphene.ObjectType):
    create_staff = CreateStaff.Field()
    update_staff = UpdateStaff.Field()
    set_staff_active = SetStaffActive.Field()
    reset_staff_password = ResetStaffPassword.Field()
    unlock_staff_login = UnlockStaffLogin.Field()

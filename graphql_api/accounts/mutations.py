import graphene
from django.core.exceptions import ValidationError

from apps.accounts.permissions import STAFF_MANAGE
from apps.accounts.services import (
    operator_login_unlock,
    password_change,
    session_logout,
    session_refresh,
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
from ..core.permissions import AllowAny, HasRole, IsOperator, IsStaff
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


# --- The signed-in staff member's or operator's own session (both kinds of domain)

class _NewToken(BaseMutation):
    permissions = (IsStaff, IsOperator)

    class Meta:
        abstract = True

    token = graphene.String(description="The new Bearer token (this domain only); use it from now on")
    expires_in = graphene.Int(description="Seconds until the new token expires")
    errors = graphene.List(graphene.NonNull(AccountError), required=True)


class ChangeMyPassword(_NewToken):
    """Change my own password. The current password is checked behind the sign-in
    throttle; the new one must pass the password rules. Every token issued before
    (on any device, this one included) stops working: carry on with `token`."""

    permissions = (IsStaff, IsOperator)

    class Arguments:
        old_password = graphene.String(required=True)
        new_password = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, root, info, old_password, new_password):
        result = password_change(user=info.context.actor.user, old_password=old_password,
                                 new_password=new_password, ip=client_ip(info.context))
        return cls(token=result.token, expires_in=result.expires_in, errors=[])


class RefreshToken(_NewToken):
    """Swap the token this request carries, before it expires, for a fresh one; the
    old one stops working (each token refreshes once). A sign-in lasts at most
    JWT_SESSION_MAX_SECONDS (12 h by default): then SESSION_EXPIRED, sign in again."""

    permissions = (IsStaff, IsOperator)

    @classmethod
    def perform_mutation(cls, root, info):
        actor = info.context.actor
        result = session_refresh(user=actor.user, token=actor.token)
        return cls(token=result.token, expires_in=result.expires_in, errors=[])


class Logout(BaseMutation):
    """Sign out: the token this request carries stops working at once; with
    `everywhere`, every token of mine does (all devices)."""

    permissions = (IsStaff, IsOperator)

    class Arguments:
        everywhere = graphene.Boolean(default_value=False)

    ok = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @staticmethod
    def resolve_ok(root, info):
        return not root.errors

    @classmethod
    def perform_mutation(cls, root, info, everywhere=False):
        actor = info.context.actor
        session_logout(user=actor.user, token=actor.token, everywhere=everywhere)
        return cls(errors=[])


class SessionMutations(graphene.ObjectType):
    change_my_password = ChangeMyPassword.Field()
    refresh_token = RefreshToken.Field()
    logout = Logout.Field()

"""Staff accounts, managed by the company's admin."""

import graphene

from apps.accounts.models import STAFF_ROLES, User
from apps.accounts.permissions import STAFF_MANAGE
from apps.accounts.services import staff_account_create, staff_account_reset_password, staff_account_set_active
from heat_platform.kernel.actors import client_ip

from ..core.mutations import BaseMutation
from ..core.pagination import page
from ..core.permissions import HasRole, PermissionsField
from .types import AccountError, Role


class StaffMember(graphene.ObjectType):
    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    role = graphene.Field(Role, required=True)
    is_active = graphene.Boolean(required=True)
    last_login = graphene.DateTime()


class StaffPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(StaffMember), required=True)


class StaffQueries(graphene.ObjectType):
    staff = PermissionsField(StaffPage, permissions=[HasRole(*STAFF_MANAGE)], required=True,
                             first=graphene.Int(default_value=50), offset=graphene.Int(default_value=0))

    @staticmethod
    def resolve_staff(root, info, first=50, offset=0):
        return StaffPage(**page(User.objects.filter(role__in=STAFF_ROLES).order_by("username"),
                                first=first, offset=offset))


class CreateStaff(BaseMutation):
    permissions = (HasRole(*STAFF_MANAGE),)

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)
        role = Role(required=True)

    staff = graphene.Field(StaffMember)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, username, password, role):
        user = staff_account_create(actor=info.context.actor.user, username=username, password=password,
                                    role=role.value, ip=client_ip(info.context))
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
        user = staff_account_set_active(actor=info.context.actor.user, user_id=id, active=active,
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
        user = staff_account_reset_password(actor=info.context.actor.user, user_id=id, password=password,
                                            ip=client_ip(info.context))
        return cls(staff=user, errors=[])


class StaffMutations(graphene.ObjectType):
    create_staff = CreateStaff.Field()
    set_staff_active = SetStaffActive.Field()
    reset_staff_password = ResetStaffPassword.Field()

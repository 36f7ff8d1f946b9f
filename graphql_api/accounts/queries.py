import graphene

from apps.accounts.permissions import STAFF_MANAGE
from apps.accounts.selectors import staff_list

from ..core.pagination import page
from ..core.permissions import HasRole, IsOperator, IsStaff, PermissionsField
from .types import Me, StaffPage


class MeQueries(graphene.ObjectType):
    me = PermissionsField(Me, permissions=[IsStaff, IsOperator], required=True)

    @staticmethod
    def resolve_me(root, info):
        return info.context.actor.user


class StaffQueries(graphene.ObjectType):
    """Staff accounts, managed by the company's admin."""

    staff = PermissionsField(StaffPage, permissions=[HasRole(*STAFF_MANAGE)], required=True,
                             first=graphene.Int(default_value=50), offset=graphene.Int(default_value=0))

    @staticmethod
    def resolve_staff(root, info, first=50, offset=0):
        return StaffPage(**page(staff_list(), first=first, offset=offset))

import graphene

from ..core.permissions import IsOperator, IsStaff, PermissionsField
from .types import Me


class MeQueries(graphene.ObjectType):
    me = PermissionsField(Me, permissions=[IsStaff, IsOperator], required=True)

    @staticmethod
    def resolve_me(root, info):
        return info.context.actor.user

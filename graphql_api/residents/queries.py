import graphene

from ..core.permissions import IsResident, PermissionsField
from .types import ResidentProfile


class ResidentQueries(graphene.ObjectType):
    my_profile = PermissionsField(ResidentProfile, permissions=[IsResident], required=True,
                                  description="The signed-in resident")

    @staticmethod
    def resolve_my_profile(root, info):
        return info.context.actor.resident

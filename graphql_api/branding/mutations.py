import graphene
from django.db import connection

from apps.accounts.permissions import ADMIN
from heat_platform.kernel.actors import client_ip
from tenants.branding import INPUT_FIELDS, branding_update
from tenants.miniprogram_build import build_create

from ..core.mutations import BaseMutation
from ..core.permissions import HasRole
from .types import Branding, BrandingError, BrandingInput, MiniprogramBuild


class UpdateBranding(BaseMutation):
    """Change the mini-program's branding (admin). Any invalid field: typed errors and nothing written."""

    permissions = (HasRole(*ADMIN),)

    class Arguments:
        input = BrandingInput(required=True)

    branding = graphene.Field(Branding)
    errors = graphene.List(graphene.NonNull(BrandingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, input):
        values = {name: input.get(name) for name in INPUT_FIELDS}
        view = branding_update(tenant=connection.tenant, values=values, actor=info.context.actor.user,
                               ip=client_ip(info.context))
        return cls(branding=view, errors=[])


class BuildMiniprogram(BaseMutation):
    """Build this company's branded mini-program package (admin); download it from `build.downloadUrl`.
    Refused with BRANDING_INCOMPLETE (one error per missing part) or INSECURE_API_BASE."""

    permissions = (HasRole(*ADMIN),)

    build = graphene.Field(MiniprogramBuild)
    errors = graphene.List(graphene.NonNull(BrandingError), required=True)

    @classmethod
    def perform_mutation(cls, root, info):
        build = build_create(tenant=connection.tenant, actor=info.context.actor.user, ip=client_ip(info.context))
        return cls(build=build, errors=[])


class BrandingMutations(graphene.ObjectType):
    update_branding = UpdateBranding.Field()
    build_miniprogram = BuildMiniprogram.Field()

import graphene
from django.db import connection

from apps.accounts.permissions import ADMIN
from tenants.branding import branding_view
from tenants.selectors import miniprogram_releases

from ..core.permissions import AllowAny, HasRole, PermissionsField
from .types import Branding, MiniprogramRelease


class BrandingQueries(graphene.ObjectType):
    branding = PermissionsField(Branding, required=True, permissions=[AllowAny],
                                description="This company's mini-program branding (read by the app before login)")
    miniprogram_releases = PermissionsField(graphene.List(graphene.NonNull(MiniprogramRelease), required=True),
                                            permissions=[HasRole(*ADMIN)],
                                            description="The latest 20 template releases to this company")

    @staticmethod
    def resolve_branding(root, info):
        return branding_view(tenant=connection.tenant)

    @staticmethod
    def resolve_miniprogram_releases(root, info):
        return miniprogram_releases(company=connection.tenant)

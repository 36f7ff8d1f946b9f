"""Types shared by the resident-services modules (tickets, quality, opt-out)."""

import graphene

from apps.services.errors import ServiceErrorCode as ServiceErrorCodeModel
from apps.services.photos import photo_url

from ..core.mutations import error_type

ServiceErrorCode = graphene.Enum.from_enum(ServiceErrorCodeModel, name="ServiceErrorCode")
ServiceError = type("ServiceError", (error_type("_ServiceErrorBase", ServiceErrorCode),), {
    "retry_after": graphene.Int(description="RATE_LIMITED: seconds until this caller may try again"),
    "__module__": __name__,
})


class ServicePhoto(graphene.ObjectType):
    """An attached photo. `url` is signed and expires after about an hour (ask again for a fresh one); it needs
    no token, so a mini-program <image> can show it."""

    id = graphene.ID(required=True)
    url = graphene.String(required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)

    @staticmethod
    def resolve_url(root, info):
        return info.context.build_absolute_uri(photo_url(root))


class StaffRef(graphene.ObjectType):
    """A staff member as others see them: id and display name."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)

    @staticmethod
    def resolve_name(root, info):
        return root.shown_name


class HouseRef(graphene.ObjectType):
    """A house as a ticket or application shows it."""

    id = graphene.ID(required=True)
    account_no = graphene.String(required=True)
    address = graphene.String(required=True)
    community_id = graphene.ID(required=True)

import graphene

from apps.residents.errors import ResidentErrorCode as _Code

from ..core.mutations import error_type

ResidentErrorCode = graphene.Enum.from_enum(_Code, name="ResidentErrorCode")
ResidentError = type("ResidentError", (error_type("_ResidentErrorBase", ResidentErrorCode),), {
    "retry_after": graphene.Int(description="TOO_MANY_ATTEMPTS: seconds until this client may try again"),
    "__module__": __name__,
})


class ResidentProfile(graphene.ObjectType):
    """The signed-in resident, as the resident sees themself (phone masked)."""

    id = graphene.ID(required=True)
    display_name = graphene.String(required=True)
    phone_masked = graphene.String(description="Bound phone as 138****5678; null until a phone is bound")

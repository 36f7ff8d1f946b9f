import graphene

from apps.accounts.errors import AccountErrorCode as _Code
from apps.accounts.models import Role as _Role

from ..core.mutations import error_type
from ..core.scalars import DateTime

AccountErrorCode = graphene.Enum.from_enum(_Code, name="AccountErrorCode")
AccountError = type("AccountError", (error_type("_AccountErrorBase", AccountErrorCode),), {
    "retry_after": graphene.Int(description="TOO_MANY_ATTEMPTS: seconds until this client may try again"),
    "__module__": __name__,
})
Role = graphene.Enum.from_enum(_Role, name="Role")


class Me(graphene.ObjectType):
    """The signed-in staff member or operator."""

    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    display_name = graphene.String(required=True, description="Shown instead of the username; empty when unset")
    role = graphene.Field(Role, required=True)


class StaffMember(graphene.ObjectType):
    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    display_name = graphene.String(required=True, description="Shown instead of the username; empty when unset")
    role = graphene.Field(Role, required=True)
    is_active = graphene.Boolean(required=True)
    last_login = DateTime()


class StaffPage(graphene.ObjectType):
    total_count = graphene.Int(required=True)
    items = graphene.List(graphene.NonNull(StaffMember), required=True)

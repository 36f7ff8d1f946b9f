import graphene

from apps.accounts.errors import AccountErrorCode as _Code
from apps.accounts.models import Role as _Role

from ..core.mutations import error_type

AccountErrorCode = graphene.Enum.from_enum(_Code, name="AccountErrorCode")
AccountError = error_type("AccountError", AccountErrorCode)
Role = graphene.Enum.from_enum(_Role, name="Role")


class Me(graphene.ObjectType):
    """The signed-in staff member or operator."""

    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    role = graphene.Field(Role, required=True)

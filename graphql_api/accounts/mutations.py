import graphene

from apps.accounts.services import user_login
from heat_platform.kernel.actors import client_ip

from ..core.mutations import BaseMutation
from ..core.permissions import AllowAny
from .types import AccountError, Me


class _Login(BaseMutation):
    permissions = (AllowAny,)

    class Meta:
        abstract = True

    token = graphene.String(description="Bearer token for this domain only")
    expires_in = graphene.Int(description="Seconds until the token expires")
    user = graphene.Field(Me)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform_mutation(cls, root, info, username, password):
        result = user_login(username=username, password=password, ip=client_ip(info.context))
        return cls(token=result.token, expires_in=result.expires_in, user=result.user, errors=[])


class StaffLogin(_Login):
    """Staff of this heating company (tenant domains only)."""

    permissions = (AllowAny,)

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)


class OperatorLogin(_Login):
    """Platform operators (platform domain only)."""

    permissions = (AllowAny,)

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)

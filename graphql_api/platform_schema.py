"""GraphQL schema served on the platform domain (public schema)."""

import graphene

from .accounts.mutations import OperatorLogin
from .accounts.queries import MeQueries
from .tenants.mutations import TenantMutations
from .tenants.queries import TenantQueries


class Query(MeQueries, TenantQueries, graphene.ObjectType):
    pass


class Mutation(TenantMutations, graphene.ObjectType):
    operator_login = OperatorLogin.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)

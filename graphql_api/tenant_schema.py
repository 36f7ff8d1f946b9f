"""GraphQL schema served on every company domain (that company's schema)."""

import graphene

from .accounts.mutations import StaffLogin
from .accounts.queries import MeQueries
from .imports.schema import ImportMutations, ImportQueries
from .residents.mutations import ResidentAuthMutations


class Query(MeQueries, ImportQueries, graphene.ObjectType):
    pass


class Mutation(ResidentAuthMutations, ImportMutations, graphene.ObjectType):
    staff_login = StaffLogin.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)

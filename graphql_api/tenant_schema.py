"""GraphQL schema served on every company domain (that company's schema)."""

import graphene

from .accounts.mutations import StaffLogin
from .accounts.queries import MeQueries


class Query(MeQueries, graphene.ObjectType):
    pass


class Mutation(graphene.ObjectType):
    staff_login = StaffLogin.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)

"""GraphQL schema served on every company domain (that company's schema)."""

import graphene

from .accounts.mutations import StaffLogin
from .accounts.queries import MeQueries
from .accounts.staff import StaffMutations, StaffQueries
from .imports.schema import ImportMutations, ImportQueries
from .properties.mutations import LedgerMutations
from .properties.queries import LedgerQueries
from .residents.mutations import ResidentAuthMutations


class Query(MeQueries, StaffQueries, LedgerQueries, ImportQueries, graphene.ObjectType):
    pass


class Mutation(ResidentAuthMutations, LedgerMutations, StaffMutations, ImportMutations, graphene.ObjectType):
    staff_login = StaffLogin.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)

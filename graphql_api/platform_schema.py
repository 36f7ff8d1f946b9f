"""GraphQL schema served on the platform domain (public schema)."""

import graphene

from .accounts.mutations import OperatorAccountMutations, SessionMutations
from .accounts.queries import MeQueries
from .audit.queries import OperatorAuditQueries
from .payments.service_provider import ServiceProviderMutations, ServiceProviderQueries
from .tenants.figures import PlatformFigureQueries
from .tenants.mutations import TenantMutations
from .tenants.queries import TenantQueries


class Query(MeQueries, TenantQueries, OperatorAuditQueries, PlatformFigureQueries, ServiceProviderQueries,
            graphene.ObjectType):
    pass


class Mutation(SessionMutations, TenantMutations, ServiceProviderMutations, OperatorAccountMutations,
               graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)

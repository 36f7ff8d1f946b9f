"""Resident services GraphQL: see graphql_api/services/__init__.py."""

import graphene


class TicketQueries(graphene.ObjectType):
    pass


class TicketMutations(graphene.ObjectType):
    pass

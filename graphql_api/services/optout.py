"""Resident services GraphQL: see graphql_api/services/__init__.py."""

import graphene


class OptOutQueries(graphene.ObjectType):
    pass


class OptOutMutations(graphene.ObjectType):
    pass

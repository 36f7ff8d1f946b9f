"""Resident services GraphQL: see graphql_api/services/__init__.py."""

import graphene


class QualityQueries(graphene.ObjectType):
    pass


class QualityMutations(graphene.ObjectType):
    pass

"""Queries have no payload for errors: a selector's ValidationError about a
query's arguments becomes one top-level BAD_USER_INPUT error per message,
naming the argument (`extensions.field`), and nothing is returned."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from graphql import GraphQLError

from .limits import BAD_USER_INPUT
from .mutations import validation_errors


def bad_input(exc: ValidationError) -> GraphQLError:
    first, *_rest = validation_errors(exc)
    return GraphQLError(first["message"], extensions={"code": BAD_USER_INPUT, "field": first["field"],
                                                      "reason": str(first["code"])})

"""What one GraphQL request may ask for, per kind of caller.

Read from settings on every request (so tests and deployments can change
them): see the GRAPHQL_* settings in heat_platform/settings/base.py and the
configuration table in the README. A request over a limit is refused before
anything executes, with a typed error (`extensions.code`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from graphql import GraphQLError

from heat_platform.kernel.actors import Actor

# extensions.code of refusals at the API edge
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"  # bytes, tokens, selections, fragments
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"  # static cost over the caller's budget
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"  # operations in a document, root fields in one
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
BAD_USER_INPUT = "BAD_USER_INPUT"  # a value no field accepts (NUL, lone surrogate, NaN, …)
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_REQUEST = "BAD_REQUEST"  # the HTTP request itself (JSON, content type, parameters)
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
INTERNAL_ERROR = "INTERNAL_ERROR"


@dataclass(frozen=True)
class Limits:
    max_document_bytes: int
    max_tokens: int
    max_selections: int  # field, fragment-spread and inline-fragment nodes as written
    max_fragments: int
    max_duplicate_fields: int  # one response name in one selection set (OverlappingFields is quadratic in it)
    max_operations: int
    max_root_fields: int
    max_aliases: int
    max_depth: int
    max_cost: int
    introspection: bool


def role_of(actor: Actor) -> str:
    return actor.kind if actor.kind in ("operator", "staff", "resident") else "anonymous"


def limits_for(actor: Actor) -> Limits:
    role = role_of(actor)
    return Limits(
        max_document_bytes=settings.GRAPHQL_MAX_DOCUMENT_BYTES,
        max_tokens=settings.GRAPHQL_MAX_TOKENS,
        max_selections=settings.GRAPHQL_MAX_SELECTIONS,
        max_fragments=settings.GRAPHQL_MAX_FRAGMENTS,
        max_duplicate_fields=settings.GRAPHQL_MAX_DUPLICATE_FIELDS,
        max_operations=settings.GRAPHQL_MAX_OPERATIONS,
        max_root_fields=settings.GRAPHQL_MAX_ROOT_FIELDS,
        max_aliases=settings.GRAPHQL_MAX_ALIASES,
        max_depth=settings.GRAPHQL_MAX_DEPTH,
        max_cost=settings.GRAPHQL_COST_LIMITS[role],
        introspection=role in ("operator", "staff") or settings.GRAPHQL_PUBLIC_INTROSPECTION,
    )


def refusal(code: str, message: str, nodes=None, **details) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": code, **details})

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import GraphQLError
from graphql.validation import ValidationRule, specified_rules

from heat_platform.kernel.actors import actor_from_request

logger = logging.getLogger(__name__)


class MaxDepthRule(ValidationRule):
    """graphene's depth limit, reading GRAPHQL_MAX_DEPTH per request (it reports from __init__)."""

    def __init__(self, context):
        super().__init__(context)
        depth_limit_validator(settings.GRAPHQL_MAX_DEPTH)(context)


@method_decorator(csrf_exempt, name="dispatch")  # Bearer tokens only; no cookie auth reaches GraphQL
class HeatGraphQLView(GraphQLView):
    def __init__(self, **kwargs):
        kwargs.setdefault("graphiql", settings.GRAPHIQL_ENABLED)
        kwargs.setdefault("validation_rules", (*specified_rules, MaxDepthRule))
        super().__init__(**kwargs)

    def get_context(self, request):
        request.actor = actor_from_request(request)
        return request

    @staticmethod
    def format_error(error):
        # Unexpected exceptions: full detail to the log, a generic message to the client.
        if isinstance(error, GraphQLError) and error.original_error is not None and not isinstance(
            error.original_error, GraphQLError
        ):
            logger.error("unhandled error in GraphQL resolver", exc_info=error.original_error)
            return {"message": _("服务器内部错误，请稍后再试。"), "path": error.path,
                    "extensions": {"code": "INTERNAL_ERROR"}}
        return GraphQLView.format_error(error)

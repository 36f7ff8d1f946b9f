"""JSON, never an HTML error page, on the GraphQL endpoint.

The view answers its own errors in JSON; this catches what happens around
it (a middleware further in that raised, Django's 4xx/5xx pages, a 404 under
/graphql/) and rewrites any non-JSON error answer there into the same shape
the view uses: `{"errors": [{"message", "extensions": {"code"}}]}`."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .limits import (
    BAD_REQUEST,
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
)

GRAPHQL_PATH = "/graphql"


def is_graphql_path(path: str) -> bool:
    return path == GRAPHQL_PATH or path.startswith(GRAPHQL_PATH + "/")


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()


def status_error(status: int) -> tuple[str, str]:
    """The code and message for an HTTP error status on the GraphQL endpoint."""
    if status >= 500:
        return INTERNAL_ERROR, _("服务器内部错误，请稍后再试。")
    if status == 404:
        return "NOT_FOUND", _("没有这个地址，GraphQL 接口在 /graphql/。")
    if status == 405:
        return METHOD_NOT_ALLOWED, _("GraphQL 只接受 GET 和 POST 请求。")
    if status == 413:
        return PAYLOAD_TOO_LARGE, _("请求体过大。")
    if status == 415:
        return UNSUPPORTED_MEDIA_TYPE, _("不支持的请求内容类型，请使用 application/json。")
    return BAD_REQUEST, _("请求无效。")


class GraphQLJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code >= 400 and is_graphql_path(request.path_info)
                and not response.get("Content-Type", "").startswith("application/json")):
            with translation.override(translation.get_language_from_request(request)):
                code, message = status_error(response.status_code)
            allow = response.get("Allow")
            response = HttpResponse(error_body(code, message), status=response.status_code,
                                    content_type="application/json")
            if allow:
                response["Allow"] = allow
        return response

"""The REST base view for every DRF endpoint (file up/downloads, receipts,
mini-program builds): the same Bearer token as the GraphQL API (one
verification, `actor_from_request`), role checks from
apps/accounts/permissions.py and JSON errors shaped like the platform's
({"error": {"code", "message"}})."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .actors import Actor, actor_from_request

# A ValidationError with this code is a 413; any other is a 400.
TOO_LARGE_CODE = "FILE_TOO_LARGE"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        actor = actor_from_request(request._request)
        if actor.kind == "anonymous":
            if actor.token_error:
                raise exceptions.AuthenticationFailed()
            return None
        return actor.principal, actor

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="heatcloud"'  # makes DRF answer 401, not 403, without a valid token


class HasStaffRole(BasePermission):
    """The view's `allowed_roles` (a set from apps.accounts.permissions)."""

    def has_permission(self, request, view) -> bool:
        actor = request.auth
        return isinstance(actor, Actor) and actor.kind == "staff" and actor.role in view.allowed_roles


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    return Response({"error": {"code": code, "message": message}}, status=status, headers=headers)


def json_exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        code = exc.error_list[0].code or "INVALID"
        status = 413 if code == TOO_LARGE_CODE else 400
        return error_response(status, str(code), exc.messages[0])
    headers = {}
    if isinstance(exc, exceptions.NotAuthenticated):
        code, message = "UNAUTHENTICATED", _("请先登录。")
    elif isinstance(exc, exceptions.AuthenticationFailed):
        code, message = "UNAUTHENTICATED", _("令牌无效或已过期。")
    elif isinstance(exc, exceptions.PermissionDenied):
        code, message = "PERMISSION_DENIED", _("没有权限执行此操作。")
    elif isinstance(exc, exceptions.APIException):
        code, message = str(exc.default_code).upper(), str(exc.detail)
    else:
        return None  # a 500, logged by Django
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return error_response(exc.status_code, code, message, headers)


class StaffFileView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasStaffRole]
    renderer_classes = [JSONRenderer]  # errors; files are plain Django responses
    parser_classes = [MultiPartParser]
    allowed_roles: tuple = ()

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # any Accept gets the file or JSON

    def get_exception_handler(self):
        return json_exception_handler

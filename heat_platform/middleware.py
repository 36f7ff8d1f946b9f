"""Request routing: host → tenant schema, with JSON answers for the cases a
client must tell apart (unknown host, suspended or closed company)."""

from __future__ import annotations

import uuid

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware

from heat_platform.logging import request_id_var


def json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        rid = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-Id"] = rid
        return response


NOTIFY_PREFIX = "/payments/notify/"


class TenantRoutingMiddleware(TenantMainMiddleware):
    """Runs before LocaleMiddleware, so its own answers pick the language here."""

    def no_tenant_found(self, request, hostname):
        return _unknown_host(request)

    def process_request(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            return _unknown_host(request)
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        # Payment notifies are money already taken from residents: record them even for a
        # suspended or closed company (signature checks still apply), never turn them away.
        if request.path.startswith(NOTIFY_PREFIX):
            return None
        if tenant.status == tenant.Status.SUSPENDED:
            with translation.override(translation.get_language_from_request(request)):
                return json_error(423, "TENANT_SUSPENDED", _("该供热公司的服务已暂停，请联系平台客服。"))
        if tenant.status == tenant.Status.CLOSED:
            with translation.override(translation.get_language_from_request(request)):
                return json_error(410, "TENANT_CLOSED", _("该供热公司的服务已关闭。"))
        return None


def _unknown_host(request: HttpRequest) -> JsonResponse:
    with translation.override(translation.get_language_from_request(request)):
        return json_error(404, "UNKNOWN_HOST", _("没有与此域名对应的供热公司。"))

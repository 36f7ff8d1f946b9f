"""Request ids and routing: host → tenant schema, with JSON answers for the
cases a client must tell apart (unknown host, suspended or closed company)."""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, JsonResponse
from django.http.request import split_domain_port
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import remove_www

from heat_platform.logging import request_id_var
from tenants.directory import cluster_release, cluster_use


def json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


# What a caller's X-Request-Id may look like to be kept (UUIDs, hex, ULIDs, `svc-123.4`): it goes into every
# log line and back out as a header, so anything else (CR/LF, spaces, quotes, control or non-ASCII characters,
# more than 64 characters) is replaced by a fresh id rather than trimmed.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def request_id_from(value: str | None) -> str:
    return value if value and REQUEST_ID.fullmatch(value) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        rid = request_id_from(request.headers.get("X-Request-Id"))
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-Id"] = rid
        return response


NOTIFY_PREFIX = "/payments/notify/"
# The console's page itself (no data: the SPA shows a suspended/closed company its own page from the
# status inlined there, and every API call is still refused below).
CONSOLE_PREFIX = "/console/"


class TenantRoutingMiddleware(TenantMainMiddleware):
    """Runs before LocaleMiddleware, so its own answers pick the language here."""

    @staticmethod
    def hostname_from_request(request):
        """Host names are case-insensitive and may end in a dot (`DEMO.LOCALHOST.:8000`): Django's own
        split (lower-case, no port, no trailing dot, as ALLOWED_HOSTS matching sees it). Domain rows are
        lower-case (slugs are), so the lookup stays one indexed equality."""
        domain, _port = split_domain_port(request.get_host())
        return remove_www(domain)

    def no_tenant_found(self, request, hostname):
        return _unknown_host(request)

    def __call__(self, request):
        # A company on another PostgreSQL cluster is served on that cluster's connection (tenants/directory.py);
        # the thread gets its main-cluster connection back whatever happens.
        try:
            return super().__call__(request)
        finally:
            cluster_release()

    def process_request(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            return _unknown_host(request)
        response = super().process_request(request)
        if response is not None:
            return response
        tenant = request.tenant
        cluster_use(tenant)  # its cluster's connection in its schema; only the schema on the main cluster
        # Payment notifies are money already taken from residents: record them even for a
        # suspended or closed company (signature checks still apply), never turn them away.
        # "/console" too: the console's home URL as its router writes it (a reload there redirects to /console/).
        if request.path.startswith((NOTIFY_PREFIX, CONSOLE_PREFIX)) or request.path == CONSOLE_PREFIX.rstrip("/"):
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

"""Endpoints answered before host routing, for machines inside the deployment: Prometheus scrapes a pod
or container by its address (`/metrics`, token-protected), and Caddy asks whether it may obtain a TLS
certificate for a host name it was just asked to serve (`/internal/tls-ask?domain=…`). Neither needs a
company, and their callers send a Host header that is no company's domain (`web:8000`, a pod IP), which
ALLOWED_HOSTS and the tenant routing would refuse. The edge proxy does not forward these paths from the
internet (deploy/Caddyfile, the Ingress); /metrics also requires its token wherever it is reached."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from heat_platform.observability.metrics import metrics_view
from tenants.selectors import domain_is_served

TLS_ASK_PATH = "/internal/tls-ask"


def tls_ask(request: HttpRequest) -> HttpResponse:
    """200 when a certificate may be issued for `?domain=`, 404 when not, 400 without one. Caddy treats any
    answer but 2xx as "no"."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    domain = request.GET.get("domain", "")
    if not domain:
        return HttpResponse(status=400)
    return HttpResponse(status=200 if domain_is_served(domain) else 404)


class InternalEndpointsMiddleware:
    """First in MIDDLEWARE: these two paths never reach host validation, tenant routing or the request log
    (a scrape every 15 s per process is not traffic)."""

    routes = {"/metrics": metrics_view, TLS_ASK_PATH: tls_ask}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.routes.get(request.path_info)
        return view(request) if view is not None else self.get_response(request)

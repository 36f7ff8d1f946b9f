"""Serves the console's index.html with a bootstrap JSON inlined: which kind of host this is (a company's
staff console or the platform's operator console), the company's name and status, the GraphQL path and
the request's language. The SPA reads it before its first request, so a suspended company's page needs no
API call (the API answers 423 there)."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.utils.html import json_script
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tenants.utils import get_public_schema_name

INDEX = Path(__file__).resolve().parent / "static" / "console" / "index.html"
MARKER = "<!--console-bootstrap-->"
_cache: dict[str, tuple[float, str]] = {}


def _index_html() -> str | None:
    """The built index.html, re-read when the build replaced it (make run rebuilds while serving)."""
    try:
        mtime = INDEX.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get("index")
    if cached is None or cached[0] != mtime:
        cached = (mtime, INDEX.read_text(encoding="utf-8"))
        _cache["index"] = cached
    return cached[1]


def bootstrap_for(request: HttpRequest) -> dict:
    tenant = getattr(request, "tenant", None)
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return {"kind": "platform", "graphql": "/graphql/", "language": language, "tenant": None}
    return {
        "kind": "tenant",
        "graphql": "/graphql/",
        "language": language,
        "tenant": {"name": tenant.name, "slug": tenant.slug, "status": str(tenant.status).upper()},
    }


@require_GET
@never_cache
def console(request: HttpRequest) -> HttpResponse:
    html = _index_html()
    if html is None:
        return HttpResponse(
            "The console bundle is not built: run `make run` (or `cd apps/console/web && npm ci && npm run build`).",
            status=503, content_type="text/plain; charset=utf-8",
        )
    data = bootstrap_for(request)
    page = html.replace(MARKER, json_script(data, "console-bootstrap"), 1)
    response = HttpResponse(page, content_type="text/html; charset=utf-8")
    # The SPA's own code only; inline JSON is data (type=application/json), never executed.
    response["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'"
    )
    return response


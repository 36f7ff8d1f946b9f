"""A company's domain: its GraphQL API and its (role-limited) Django admin."""

from django.urls import include, path

from graphql_api.core.views import HeatGraphQLView
from graphql_api.tenant_schema import schema

from .admin import tenant_admin_site
from .views import health, ready

urlpatterns = [
    path("graphql/", HeatGraphQLView.as_view(schema=schema), name="graphql"),
    path("admin/", tenant_admin_site.urls),
    path("files/", include("apps.imports.urls")),
    path("files/", include("tenants.miniprogram_urls")),
    path("files/", include("apps.reconciliation.urls")),
    path("files/", include("apps.services.urls")),  # service photos: upload, signed viewing
    path("files/", include("apps.messaging.urls")),  # announcement / article pictures: upload, public viewing
    path("payments/", include("apps.payments.urls")),
    path("", include("apps.invoices.urls")),  # /files/invoices/<id>.pdf|.ofd, /invoices/callback/nuonuo/
    path("healthz", health),
    path("console/", include("apps.console.urls")),  # the web console (SPA; apps/console)
    path("readyz", ready),
]

"""Platform domain: operators' admin and the public GraphQL API."""

from django.apps import apps
from django.urls import include, path

from graphql_api.core.views import HeatGraphQLView
from graphql_api.platform_schema import schema

from .admin import platform_admin_site
from .views import health, ready

urlpatterns = [
    path("graphql/", HeatGraphQLView.as_view(schema=schema), name="graphql"),
    path("admin/", platform_admin_site.urls),
    path("wxopen/", include("tenants.publishing.urls")),  # WeChat third-party platform pushes
    path("healthz", health),
    path("console/", include("apps.console.urls")),  # the web console (SPA; apps/console)
    path("readyz", ready),
]

if apps.is_installed("apps.payments.sandbox"):  # dev and tests only: the fake payment gateways
    urlpatterns.append(path("sandbox/", include("apps.payments.sandbox.urls")))
    urlpatterns.append(path("sandbox/wxopen/", include("tenants.publishing.sandbox")))  # fake WeChat Open Platform
if apps.is_installed("apps.invoices.sandbox"):  # dev and tests only: the fake Nuonuo e-invoice cloud
    urlpatterns.append(path("sandbox/nuonuo/", include("apps.invoices.sandbox.views")))
if apps.is_installed("apps.messaging.sandbox"):  # dev and tests only: fake WeChat subscription messages + message log
    urlpatterns.append(path("sandbox/", include("apps.messaging.sandbox.urls")))

"""Platform domain: operators' admin and the public GraphQL API."""

from django.urls import path

from graphql_api.core.views import HeatGraphQLView
from graphql_api.platform_schema import schema

from .admin import platform_admin_site
from .views import health

urlpatterns = [
    path("graphql/", HeatGraphQLView.as_view(schema=schema), name="graphql"),
    path("admin/", platform_admin_site.urls),
    path("healthz", health),
]

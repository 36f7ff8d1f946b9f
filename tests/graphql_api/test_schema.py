"""API contract: committed SDL matches the code, every root field declares
its permissions, depth is limited, GraphiQL only in dev."""

from pathlib import Path

import graphene
import pytest
from django.test import override_settings
from graphene.utils.str_converters import to_camel_case

from graphql_api import platform_schema, tenant_schema
from graphql_api.core.mutations import BaseMutation
from graphql_api.core.permissions import PERMISSIONS_MARK, HasRole, IsResident, PermissionsField, describe
from heat_platform.management.commands.export_sdl import SCHEMAS, sdl

GRAPHQL_DIR = Path(__file__).resolve().parents[2] / "graphql_api"


@pytest.mark.parametrize(("filename", "module"), sorted(SCHEMAS.items()))
def test_committed_sdl_matches_code(filename, module):
    committed = (GRAPHQL_DIR / filename).read_text(encoding="utf-8")
    assert committed == sdl(module), f"graphql_api/{filename} is stale: run `make sdl` and commit it"


@pytest.mark.parametrize("mod", [platform_schema, tenant_schema])
def test_every_root_field_declares_permissions(mod):
    for name, field in mod.Query._meta.fields.items():
        assert isinstance(field, PermissionsField), f"Query.{name} has no declared permissions"
    for name, field in mod.Mutation._meta.fields.items():
        mutation = field.type
        while hasattr(mutation, "of_type"):
            mutation = mutation.of_type
        assert issubclass(mutation, BaseMutation) and mutation.permissions, f"Mutation.{name} has no permissions"


def _declared_permissions(mod, kind: str, py_name: str):
    if kind == "query":
        return mod.Query._meta.fields[py_name].permissions
    mutation = mod.Mutation._meta.fields[py_name].type
    while hasattr(mutation, "of_type"):
        mutation = mutation.of_type
    return mutation.permissions


@pytest.mark.parametrize("mod", [platform_schema, tenant_schema])
def test_every_root_field_prints_its_declared_permissions_in_the_sdl(mod):
    gschema = mod.schema.graphql_schema
    for kind, graphene_type, gtype in (("query", mod.Query, gschema.query_type),
                                       ("mutation", mod.Mutation, gschema.mutation_type)):
        by_camel = {to_camel_case(n): n for n in graphene_type._meta.fields}
        for name, field in gtype.fields.items():
            expected = describe(None, _declared_permissions(mod, kind, by_camel[name]))
            assert (field.description or "").endswith(expected), f"{kind} {name}: {field.description!r}"


def test_the_permission_line_merges_roles_and_keeps_the_description():
    text = describe("One bill.", [IsResident, HasRole("finance"), HasRole("tenant_admin", "finance")])
    assert text == f"One bill.\n\n{PERMISSIONS_MARK}a resident; staff with role FINANCE, TENANT_ADMIN."


def test_tenant_schema_exposes_no_platform_operations():
    tenant_fields = set(tenant_schema.Mutation._meta.fields) | set(tenant_schema.Query._meta.fields)
    assert not {"registerTenant", "register_tenant", "tenants", "suspend_tenant", "operator_login"} & tenant_fields


def test_a_mutation_without_permissions_cannot_be_declared():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        class Careless(BaseMutation):
            ok = graphene.Boolean()


def test_query_depth_is_limited(gql):
    from tests.factories.tenants import OPERATOR

    token = gql.login("localhost", OPERATOR)
    query = "{ tenants { items { counts { staff } } } }"
    assert "errors" not in gql("localhost", query, token=token)
    with override_settings(GRAPHQL_MAX_DEPTH=2):
        result = gql("localhost", query, token=token)
    assert result["errors"][0]["extensions"] == {"code": "QUERY_TOO_DEEP", "limit": "depth", "maximum": 2,
                                                 "actual": 3}
    assert "data" not in result or result["data"] is None


def test_graphiql_only_when_enabled(client, db):
    html = {"HTTP_ACCEPT": "text/html", "HTTP_HOST": "localhost"}
    assert b"graphiql" not in client.get("/graphql/", **html).content.lower()
    # the view reads the setting when the URLconf is built, as in dev settings
    with override_settings(GRAPHIQL_ENABLED=True):
        from graphql_api.core.views import HeatGraphQLView

        view = HeatGraphQLView.as_view(schema=platform_schema.schema)
        from django.test import RequestFactory

        request = RequestFactory().get("/graphql/", HTTP_ACCEPT="text/html")
        assert b"graphiql" in view(request).content.lower()

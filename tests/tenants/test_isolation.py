"""Rows made in one company are never visible from another: GraphQL, admin, ORM."""

from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.models import Role
from apps.accounts.services import staff_create
from tests.factories.tenants import PASSWORD


def _tenant_tables(schema: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema])
        return [r[0] for r in cur.fetchall()]


def test_every_tenant_table_is_per_schema(alpha, beta):
    """Each tenant app's table exists in both schemas; a row written in A is
    counted only in A."""
    tables = _tenant_tables(alpha.schema)
    assert tables == _tenant_tables(beta.schema)
    assert "accounts_user" in tables
    with schema_context(alpha.schema):
        staff_create(username="only-in-alpha", password=PASSWORD, role=Role.COLLECTOR)
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f'SELECT (SELECT count(*) FROM "{alpha.schema}".{table}) - '
                        f'(SELECT count(*) FROM "{beta.schema}".{table})')
            diff = cur.fetchone()[0]
            assert diff == (1 if table == "accounts_user" else 0), table


def test_staff_of_a_cannot_log_in_at_b(gql, alpha, beta):
    query = 'mutation($p:String!){staffLogin(username:"alpha-admin",password:$p){token errors{code}}}'
    result = gql(beta.host, query, {"p": PASSWORD})
    assert result["data"]["staffLogin"] == {"token": None, "errors": [{"code": "INVALID_CREDENTIALS"}]}


def test_graphql_me_shows_only_own_schema_user(gql, alpha, beta):
    ta, tb = gql.login(alpha.host, alpha.admin), gql.login(beta.host, beta.admin)
    assert gql(alpha.host, "{me{username}}", token=ta)["data"]["me"]["username"] == "alpha-admin"
    assert gql(beta.host, "{me{username}}", token=tb)["data"]["me"]["username"] == "beta-admin"


def test_tenant_admin_lists_only_its_own_staff(client, alpha, beta):
    with schema_context(alpha.schema):
        staff_create(username="alpha-collector", password=PASSWORD, role=Role.COLLECTOR)
    assert client.post("/admin/login/", {"username": "beta-admin", "password": PASSWORD},
                       HTTP_HOST=beta.host).status_code == 302
    page = client.get("/admin/accounts/user/", HTTP_HOST=beta.host)
    connection.set_schema_to_public()
    assert page.status_code == 200
    html = page.content.decode()
    assert "beta-admin" in html
    assert "alpha-collector" not in html and "alpha-admin" not in html
    assert "tenants/heatingcompany" not in html  # no platform table on a tenant admin


def test_admin_session_from_a_is_not_valid_at_b(client, alpha, beta):
    client.post("/admin/login/", {"username": "alpha-admin", "password": PASSWORD}, HTTP_HOST=alpha.host)
    assert client.get("/admin/", HTTP_HOST=alpha.host).status_code == 200
    resp = client.get("/admin/", HTTP_HOST=beta.host)
    connection.set_schema_to_public()
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def test_tenant_admin_cannot_use_platform_admin(client, alpha):
    client.post("/admin/login/", {"username": "alpha-admin", "password": PASSWORD}, HTTP_HOST="localhost")
    resp = client.get("/admin/tenants/heatingcompany/", HTTP_HOST="localhost")
    assert resp.status_code == 302


def test_unknown_host_is_json_404(client, db):
    for host in ("nope.localhost", "testserver", "evil.example.com"):
        resp = client.get("/graphql/", HTTP_HOST=host)
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "UNKNOWN_HOST"

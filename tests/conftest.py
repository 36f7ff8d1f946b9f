"""Session-wide platform: the public row, one operator and two companies
(alpha, beta), created once. Tests run inside a transaction that is rolled
back, so onboarding tests (a schema rename, transactional in PostgreSQL)
return their spare to the pool afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection

from tenants.models import HeatingCompany
from tenants.services import operator_create, platform_ensure, tenant_register
from tenants.signals import Registration
from tenants.spares import spare_pool_fill

PASSWORD = "Correct-horse-42"
OPERATOR = "op-root"


@dataclass(frozen=True)
class TenantInfo:
    slug: str
    host: str
    schema: str
    admin: str


def _registration(slug: str) -> Registration:
    return Registration(company_name=f"{slug} 热力", slug=slug, contact_name="张三", contact_phone="13800138000",
                        admin_username=f"{slug}-admin", admin_password=PASSWORD)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    with django_db_blocker.unblock():
        platform_ensure(domain=settings.PLATFORM_DOMAIN)
        operator_create(username=OPERATOR, password=PASSWORD)
        spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)
        for slug in ("alpha", "beta"):
            tenant_register(registration=_registration(slug))
        spare_pool_fill(target=settings.SPARE_SCHEMA_POOL_SIZE)  # refill what alpha and beta used
        connection.set_schema_to_public()


def _info(slug: str) -> TenantInfo:
    t = HeatingCompany.objects.get(slug=slug)
    return TenantInfo(slug=slug, host=f"{slug}.localhost", schema=t.schema_name, admin=f"{slug}-admin")


@pytest.fixture
def alpha(db) -> TenantInfo:
    return _info("alpha")


@pytest.fixture
def beta(db) -> TenantInfo:
    return _info("beta")


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    yield
    connection.set_schema_to_public()


class GQL:
    """POST GraphQL through the whole Django stack with a Host header."""

    def __init__(self, client):
        self.client = client

    def __call__(self, host: str, query: str, variables: dict | None = None, token: str | None = None,
                 ip: str = "10.0.0.1") -> dict:
        headers = {"HTTP_HOST": host, "REMOTE_ADDR": ip}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        resp = self.client.post("/graphql/", data=json.dumps({"query": query, "variables": variables or {}}),
                                content_type="application/json", **headers)
        connection.set_schema_to_public()
        assert resp.status_code in (200, 400), resp.content
        return resp.json()

    def login(self, host: str, username: str, password: str = PASSWORD) -> str:
        field = "operatorLogin" if host == "localhost" else "staffLogin"
        data = self(host, f"mutation($u:String!,$p:String!){{{field}(username:$u,password:$p)"
                          "{token errors{code}}}", {"u": username, "p": password})
        payload = data["data"][field]
        assert payload["errors"] == [], payload
        return payload["token"]


@pytest.fixture
def gql(client, db) -> GQL:
    return GQL(client)


@pytest.fixture
def make_staff(gql):
    """make_staff(tenant, role) -> bearer token of a new staff member with that role."""
    from django_tenants.utils import schema_context

    from apps.accounts.services import staff_create

    counter = iter(range(10_000))

    def make(tenant: TenantInfo, role: str) -> str:
        username = f"{role}-{next(counter)}"
        with schema_context(tenant.schema):
            staff_create(username=username, password=PASSWORD, role=role)
        return gql.login(tenant.host, username)

    return make


@pytest.fixture
def make_resident(db):
    """make_resident(tenant, openid) -> (Resident, bearer token)."""
    from django_tenants.utils import schema_context

    from apps.accounts.tokens import token_issue
    from apps.residents.models import Resident

    def make(tenant: TenantInfo, openid: str = "o-test-resident"):
        with schema_context(tenant.schema):
            resident = Resident.objects.create(openid=openid, display_name=openid)
        token, _ttl = token_issue(schema=tenant.schema, subject=str(resident.pk), kind="resident", role="resident")
        return resident, token

    return make

"""The tenant Django admin (the staff console for now) applies the same role sets as GraphQL."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.accounts.services import staff_create
from apps.audit.models import AuditLog
from apps.properties.models import House
from tests.factories.tenants import PASSWORD


def _login(client, alpha, role):
    with schema_context(alpha.schema):
        staff_create(username=f"adm-{role}", password=PASSWORD, role=role)
    assert client.post("/admin/login/", {"username": f"adm-{role}", "password": PASSWORD},
                       HTTP_HOST=alpha.host).status_code == 302


def _get(client, alpha, path):
    resp = client.get(path, HTTP_HOST=alpha.host)
    connection.set_schema_to_public()
    return resp


@pytest.mark.parametrize(("role", "houses", "staff", "audit", "full_phone"), [
    ("tenant_admin", 200, 200, 200, True),
    ("collector", 200, 403, 403, True),
    ("technician", 200, 403, 403, False),
    ("finance", 200, 403, 403, False),
])
def test_admin_pages_follow_roles(client, alpha, ledger, role, houses, staff, audit, full_phone):
    _login(client, alpha, role)
    resp = _get(client, alpha, "/admin/properties/house/")
    assert resp.status_code == houses
    phone = ledger[0].owner_phone
    assert (phone in resp.content.decode()) is full_phone
    assert (f"{phone[:3]}****{phone[-4:]}" in resp.content.decode()) is not full_phone
    assert _get(client, alpha, "/admin/accounts/user/").status_code == staff
    assert _get(client, alpha, "/admin/audit/auditlog/").status_code == audit


def test_only_admin_edits_houses_in_admin_and_it_is_audited(client, alpha, ledger):
    _login(client, alpha, "technician")
    url = f"/admin/properties/house/{ledger[0].pk}/change/"
    assert client.post(url, {"owner_name": "黑客"}, HTTP_HOST=alpha.host).status_code == 403
    connection.set_schema_to_public()
    with schema_context(alpha.schema):
        assert House.objects.get(pk=ledger[0].pk).owner_name == "王建国"
    client.logout()
    _login(client, alpha, "tenant_admin")
    page = _get(client, alpha, url)
    form = page.context["adminform"].form
    data = {k: (v if v is not None else "") for k, v in form.initial.items() if k in form.fields}
    data.update({"owner_name": "王大明", "community": ledger[0].community_id, "building": ledger[0].building_id})
    resp = client.post(url, data, HTTP_HOST=alpha.host)
    connection.set_schema_to_public()
    assert resp.status_code == 302, resp.content[:2000]
    with schema_context(alpha.schema):
        assert House.objects.get(pk=ledger[0].pk).owner_name == "王大明"
        assert AuditLog.objects.get(action="house.update").detail == {"fields": ["owner_name"]}

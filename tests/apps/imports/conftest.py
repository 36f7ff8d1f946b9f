"""Helpers for the ledger import tests: uploads go to a temporary MEDIA_ROOT,
imports run through the real service in alpha's schema."""

from __future__ import annotations

import io

import pytest
from django_tenants.utils import schema_context

from apps.imports.services import house_import
from apps.properties.models import Building, Community, Unit


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # django-tenants 4.0.1 caches the tenant media root and, by a bug in its
    # _clear_cached_properties, only resets it when this setting changes.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path / "media"


@pytest.fixture
def run_import(alpha):
    """run_import(content, kind="csv", **options) -> ImportOutcome, in alpha's schema."""

    def run(content: bytes, kind: str = "csv", **options):
        with schema_context(alpha.schema):
            return house_import(source=io.BytesIO(content), file_kind=kind, **options)

    return run


@pytest.fixture
def ledger(alpha):
    """Alpha's existing structure: 幸福小区 / 1号楼 / 1单元 and 2号楼 (no units)."""
    with schema_context(alpha.schema):
        community = Community.objects.create(name="幸福小区")
        b1 = Building.objects.create(community=community, name="1号楼")
        Building.objects.create(community=community, name="2号楼")
        Unit.objects.create(building=b1, name="1单元")
    return community


@pytest.fixture
def upload(client):
    """upload(tenant, token, name, content) -> response of POST /files/imports/."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    def post(tenant, token: str | None, name: str, content: bytes, **extra):
        headers = {"HTTP_HOST": tenant.host, **extra}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        resp = client.post("/files/imports/", {"file": SimpleUploadedFile(name, content)}, **headers)
        connection.set_schema_to_public()
        return resp

    return post


@pytest.fixture
def download(client):
    """download(tenant, token, path) -> (response, body bytes), streamed bodies consumed."""
    from django.db import connection

    def get(tenant, token: str | None, path: str):
        headers = {"HTTP_HOST": tenant.host}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        resp = client.get(path, **headers)
        body = b"".join(resp.streaming_content) if resp.streaming else resp.content
        connection.set_schema_to_public()
        return resp, body

    return get

"""The mini-program template's resident-services pages (issue 16), run in Node (jest + miniprogram-simulate)
against a live server of this project: a sandbox resident binds a house, files a repair with a photo uploaded
through wx.uploadFile (multipart, Bearer token) to /files/services/photos/, reads it and cancels it, reports a
room temperature, lists both and reads the house's 报停 options
(miniprogram-template/tests/e2e/resident-services.e2e.test.js). The database agrees afterwards."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.factories.db import committed
from tests.factories.properties import HouseFactory

from .conftest import TEMPLATE, require_template_packages

ACCOUNT_NO = "E2E00016"

pytestmark = pytest.mark.django_db


def _house_and_category(tenant):
    from apps.services.models import TicketCategory, TicketKind

    with schema_context(tenant.schema):
        TicketCategory.objects.get_or_create(kind=TicketKind.REPAIR, name="漏水")
        return HouseFactory(account_no=ACCOUNT_NO, owner_name="王建国", building_area=Decimal("80.00"))


def test_template_resident_services_end_to_end(committed_tenant, live_server_url):
    require_template_packages(".bin/jest")
    jest = TEMPLATE / "node_modules" / ".bin" / "jest"
    tenant, port = committed_tenant.info, live_server_url
    house = committed(_house_and_category, tenant)
    env = {**os.environ, "HEATCLOUD_E2E_API_BASE": f"http://127.0.0.1:{port}", "HEATCLOUD_E2E_HOST": tenant.host,
           "HEATCLOUD_E2E_SANDBOX_HOST": "localhost", "HEATCLOUD_E2E_ACCOUNT_NO": ACCOUNT_NO,
           "HEATCLOUD_E2E_OWNER_NAME": "王建国", "HEATCLOUD_E2E_RESIDENT": "services-e2e",
           "HEATCLOUD_E2E_SERVICES": "1", "CI": "1"}
    result = subprocess.run([str(jest), "--selectProjects", "e2e", "--runInBand", "--colors=false",
                             "--testPathPattern", "resident-services"],
                            cwd=TEMPLATE, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "skipped" not in result.stderr.split("Tests:")[-1], result.stderr[-2000:]
    connection.set_schema_to_public()
    from apps.services.models import Ticket

    with schema_context(tenant.schema):
        repair, = Ticket.objects.filter(house=house, kind="repair")
        assert repair.status == "cancelled" and repair.resident is not None
        photo, = repair.photos.all()
        assert photo.purpose == "ticket" and photo.content_type == "image/png" and photo.uploaded_by_resident_id
        report, = Ticket.objects.filter(house=house, kind="temperature")
        assert report.reported_temp == Decimal("15.0") and report.status == "submitted"

"""The mini-program template's own page logic and API client, run in Node
(jest + miniprogram-simulate) against a live server of this project: a sandbox
resident logs in, binds a house, lists its bills, pays through createPayment →
wx.requestPayment (a shim that confirms in the sandbox WeChat Pay gateway) →
order polling, and sees the bill paid (miniprogram-template/tests/e2e/).

`make test` installs the template's npm packages first and sets
HEATCLOUD_E2E_REQUIRED=1, so there the test never skips."""

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

ACCOUNT_NO = "E2E00001"

pytestmark = pytest.mark.django_db


def _house(tenant, season_ns):
    from apps.billing.services import bill_issue

    with schema_context(tenant.schema):
        house = HouseFactory(account_no=ACCOUNT_NO, owner_name="王建国", building_area=Decimal("80.00"))
        return bill_issue(house=house, season=season_ns.season, plan=season_ns.area)


def test_template_pays_a_bill_end_to_end(committed_tenant, live_server_url):
    require_template_packages(".bin/jest")
    jest = TEMPLATE / "node_modules" / ".bin" / "jest"
    tenant, port = committed_tenant.info, live_server_url
    bill = committed(_house, tenant, committed_tenant.season)
    env = {**os.environ, "HEATCLOUD_E2E_API_BASE": f"http://127.0.0.1:{port}", "HEATCLOUD_E2E_HOST": tenant.host,
           "HEATCLOUD_E2E_SANDBOX_HOST": "localhost", "HEATCLOUD_E2E_ACCOUNT_NO": ACCOUNT_NO,
           "HEATCLOUD_E2E_OWNER_NAME": "王建国", "HEATCLOUD_E2E_RESIDENT": "template-e2e",
           "HEATCLOUD_E2E_PHONE": "13800138000", "CI": "1"}
    result = subprocess.run([str(jest), "--selectProjects", "e2e", "--runInBand", "--colors=false"],
                            cwd=TEMPLATE, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    connection.set_schema_to_public()
    from apps.billing.models import Bill
    from apps.payments.models import PaymentOrder

    with schema_context(tenant.schema):  # the server agrees: paid once, through the template's own order
        paid = Bill.objects.get(pk=bill.pk)
        assert paid.status == "paid" and paid.paid_fen == paid.principal_fen
        order = PaymentOrder.objects.get(items__bill=paid, status="paid")
        assert order.channel == "wechat" and order.resident.openid

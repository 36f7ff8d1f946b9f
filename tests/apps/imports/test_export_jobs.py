"""Large exports as background jobs: started from a list's filter, written by the
worker to .xlsx in the company's media folder, downloaded by their requester
only, deleted when they expire."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.audit.models import AuditLog
from apps.imports.export_jobs import EXPORT_TTL, export_jobs_expire
from apps.imports.models import ExportJob
from apps.imports.tasks import purge_stale_uploads
from apps.payments.models import PaymentOrder
from tests.factories.accounts import staff
from tests.factories.billing import FULL, bill_for
from tests.factories.imports import exported_rows
from tests.factories.payments import pay
from tests.factories.properties import CommunityFactory, HouseFactory
from tests.factories.tariffs import plain_season

JOB_FIELDS = "id kind status masked totalRows processedRows fileName downloadUrl error expiresAt filters"
HOUSES = f"mutation($f: HouseFilter) {{ startHouseExport(filter: $f) {{ job {{ {JOB_FIELDS} }} errors {{ code }} }} }}"
BILLS = f"mutation($f: BillFilter) {{ startBillExport(filter: $f) {{ job {{ {JOB_FIELDS} }} errors {{ code }} }} }}"
PAYMENTS = (f"mutation($f: PaymentExportFilter) {{ startPaymentExport(filter: $f) {{ job {{ {JOB_FIELDS} }} "
            "errors { code } } }")
JOB = f"query($id: ID!) {{ exportJob(id: $id) {{ {JOB_FIELDS} }} }}"
JOBS = "query($a: Boolean) { exportJobs(active: $a) { totalCount items { id kind status } } }"


@pytest.fixture
def export(gql, django_capture_on_commit_callbacks):
    """export(host, token, mutation, filter) -> the job as the mutation answered and as exportJob reads it
    after the worker ran (Celery eagerly, on commit)."""

    def run(host, token, mutation, f=None):
        field = mutation.split("{", 1)[1].split("(", 1)[0].strip()
        with django_capture_on_commit_callbacks(execute=True):
            started = gql(host, mutation, {"f": f} if f else {}, token=token)["data"][field]
        assert started["errors"] == [], started
        finished = gql(host, JOB, {"id": started["job"]["id"]}, token=token)["data"]["exportJob"]
        return started["job"], finished

    return run


def _download(host: str, token: str, url: str):
    return Client().get(url, HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def ledger(alpha):
    """Two communities: 东区 with three houses (one with a formula-like owner name), 西区 with one."""
    with schema_context(alpha.schema):
        east, west = CommunityFactory(name="东区"), CommunityFactory(name="西区")
        houses = [HouseFactory(building__community=east, account_no=f"E{i}", owner_phone=f"1380000000{i}",
                               owner_phone_index="") for i in range(3)]
        HouseFactory(building__community=west, account_no="W1")
        houses[2].owner_name = "=HYPERLINK(\"x\")"
        houses[2].save(update_fields=["owner_name"])
    return east, west


def test_house_export_end_to_end(gql, alpha, ledger, export):
    east, _west = ledger
    token = gql.login(alpha.host, alpha.admin)
    started, job = export(alpha.host, token, HOUSES, {"communityId": str(east.pk)})
    assert started["status"] == "QUEUED" and started["downloadUrl"] is None
    assert (job["status"], job["kind"], job["masked"], job["totalRows"], job["processedRows"]) == (
        "SUCCEEDED", "HOUSES", False, 3, 3)
    assert job["fileName"].startswith("房屋台账-") and job["fileName"].endswith(".xlsx")
    resp = _download(alpha.host, token, job["downloadUrl"])
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = exported_rows("xlsx", b"".join(resp.streaming_content))
    assert rows[0][:3] == ["户号", "小区", "楼号"]
    assert [(r[0], r[1], r[12]) for r in rows[1:]] == [
        ("E0", "东区", "13800000000"), ("E1", "东区", "13800000001"), ("E2", "东区", "13800000002")]
    assert rows[3][11] == "=HYPERLINK(\"x\")"  # written as text, never run as a formula
    with schema_context(alpha.schema):
        audit = AuditLog.objects.get(action="houses.export")
        assert (audit.actor_name, audit.detail["masked"], audit.detail["filters"]["community_id"]) == (
            alpha.admin, False, east.pk)


def test_a_technician_gets_masked_phone_numbers(gql, alpha, ledger, export, make_staff):
    token = make_staff(alpha, "technician")
    _started, job = export(alpha.host, token, HOUSES)
    assert (job["masked"], job["totalRows"]) == (True, 4)
    rows = exported_rows("xlsx", b"".join(_download(alpha.host, token, job["downloadUrl"]).streaming_content))
    assert {r[12] for r in rows[1:4]} == {"138****0000", "138****0001", "138****0002"}


def test_bill_export_with_the_bill_lists_filter(gql, alpha, export):
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        paid, part, owing = (bill_for(season_plan, house=HouseFactory(account_no=f"B{i}", building_area=Decimal("100")))
                             for i in range(3))
        pay(collector, [paid], FULL, "R1")
        pay(collector, [part], 100000, "R2")
    token = gql.login(alpha.host, alpha.admin)
    _started, job = export(alpha.host, token, BILLS, {"inArrears": True})
    assert (job["status"], job["totalRows"]) == ("SUCCEEDED", 2)
    rows = exported_rows("xlsx", b"".join(_download(alpha.host, token, job["downloadUrl"]).streaming_content))
    assert rows[0] == ["户号", "小区", "楼号", "单元", "室号", "户主姓名", "采暖季", "应收(元)", "已缴(元)", "欠费(元)",
                       "状态", "出账时间"]
    assert [(r[0], r[6], r[7], r[8], r[9], r[10]) for r in rows[1:]] == [
        ("B1", "2026-2027", 2400, 1000, 1400, "部分缴费"), ("B2", "2026-2027", 2400, 0, 2400, "待缴")]
    assert owing.pk  # the third bill is the one still wholly owed


def test_payment_export_by_channel_and_day(gql, alpha, export):
    today = timezone.localdate()
    with schema_context(alpha.schema):
        season_plan = plain_season()
        collector = staff("c1")
        User.objects.filter(pk=collector.pk).update(display_name="李收费")
        pay(collector, [bill_for(season_plan, house=HouseFactory(account_no="P1"))], 5000, "R1", method="cash")
        pay(collector, [bill_for(season_plan, house=HouseFactory(account_no="P2"))], 7000, "R2", method="pos")
        old = pay(collector, [bill_for(season_plan, house=HouseFactory(account_no="P3"))], 9000, "R3")
        PaymentOrder.objects.filter(pk=old.pk).update(paid_at=timezone.now() - dt.timedelta(days=40))
    token = gql.login(alpha.host, alpha.admin)
    since = (today - dt.timedelta(days=7)).isoformat()
    _started, job = export(alpha.host, token, PAYMENTS, {"channel": "CASH", "dateFrom": since})
    rows = exported_rows("xlsx", b"".join(_download(alpha.host, token, job["downloadUrl"]).streaming_content))
    assert rows[0] == ["商户订单号", "渠道", "状态", "金额(元)", "已退款(元)", "支付时间", "收据号", "收费员", "户号"]
    assert [(r[1], r[2], r[3], r[6], r[7], r[8]) for r in rows[1:]] == [("现金", "已支付", 50, "R1", "李收费", "P1")]
    _started, everything = export(alpha.host, token, PAYMENTS)
    assert everything["totalRows"] == 3


def test_exports_belong_to_their_requester(gql, alpha, beta, ledger, export, make_staff):
    token = gql.login(alpha.host, alpha.admin)
    _started, job = export(alpha.host, token, HOUSES)
    colleague = make_staff(alpha, "tenant_admin")
    assert gql(alpha.host, JOB, {"id": job["id"]}, token=colleague)["data"]["exportJob"] is None
    assert gql(alpha.host, JOBS, token=colleague)["data"]["exportJobs"]["totalCount"] == 0
    assert _download(alpha.host, colleague, job["downloadUrl"]).status_code == 404
    beta_token = gql.login(beta.host, beta.admin)
    assert gql(beta.host, JOB, {"id": job["id"]}, token=beta_token)["data"]["exportJob"] is None
    assert _download(beta.host, beta_token, job["downloadUrl"]).status_code == 404
    assert _download(beta.host, token, job["downloadUrl"]).status_code == 401  # alpha's token at beta
    assert _download(alpha.host, token, job["downloadUrl"]).status_code == 200
    assert gql(alpha.host, JOBS, token=token)["data"]["exportJobs"]["items"] == [
        {"id": job["id"], "kind": "HOUSES", "status": "SUCCEEDED"}]


@pytest.mark.parametrize(("role", "mutation", "allowed"), [
    ("technician", PAYMENTS, False), ("collector", PAYMENTS, True), ("technician", BILLS, True),
    ("finance", HOUSES, True),
])
def test_each_export_needs_the_role_that_reads_its_list(gql, alpha, make_staff, role, mutation, allowed):
    token = make_staff(alpha, role)
    result = gql(alpha.host, mutation, {}, token=token)
    if allowed:
        assert "errors" not in result, result
    else:
        assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
        with schema_context(alpha.schema):
            assert not ExportJob.objects.exists()


def test_a_job_still_running_is_not_downloadable(gql, alpha, django_capture_on_commit_callbacks):
    token = gql.login(alpha.host, alpha.admin)
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run it yet
        job = gql(alpha.host, HOUSES, {}, token=token)["data"]["startHouseExport"]["job"]
    resp = _download(alpha.host, token, f"/files/exports/{job['id']}/")
    assert (resp.status_code, resp.json()["error"]["code"]) == (409, "NOT_READY")
    active = gql(alpha.host, JOBS, {"a": True}, token=token)["data"]["exportJobs"]
    assert [i["status"] for i in active["items"]] == ["QUEUED"]


def test_expired_exports_are_deleted_by_the_daily_task(gql, alpha, ledger, export, media_root):
    token = gql.login(alpha.host, alpha.admin)
    _started, job = export(alpha.host, token, HOUSES)
    with schema_context(alpha.schema):
        row = ExportJob.objects.get(pk=job["id"])
        path = media_root / alpha.schema / row.file_path
        assert path.exists()
        assert export_jobs_expire(now=row.finished_at + EXPORT_TTL - dt.timedelta(seconds=1)) == 0
        ExportJob.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert purge_stale_uploads() >= 1
    assert not path.exists()
    assert gql(alpha.host, JOB, {"id": job["id"]}, token=token)["data"]["exportJob"]["status"] == "EXPIRED"
    resp = _download(alpha.host, token, job["downloadUrl"])
    assert (resp.status_code, resp.json()["error"]["code"]) == (410, "EXPIRED")


"""The import job end to end: upload through the DRF endpoint, then
startHouseImport, the Celery task (eager) and importJob, all through the
whole Django stack with Host headers."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.imports.models import ImportJob, ImportUpload
from apps.properties.models import House
from tests.factories.imports import csv_bytes, house_row, row, xlsx_bytes

START = """mutation($u: ID!, $d: Boolean, $c: Boolean) {
  startHouseImport(uploadId: $u, dryRun: $d, createMissing: $c) {
    job { id status dryRun createMissing fileName fileKind }
    errors { field message code }
  }
}"""
JOB = """query($id: ID!) {
  importJob(id: $id) {
    id status dryRun createMissing fileName totalRows processedRows createdCount updatedCount
    newCommunities newBuildings newUnits errorCount requestedBy startedAt finishedAt
    errors(first: 5) { row column message code }
  }
}"""


@pytest.fixture
def admin_token(make_staff, alpha):
    return make_staff(alpha, "tenant_admin")


@pytest.fixture
def start(gql, django_capture_on_commit_callbacks):
    """start(tenant, token, upload_id, dry_run, create_missing) -> payload; the
    job runs (Celery eager) when the mutation's transaction commits."""

    def run(tenant, token, upload_id, dry_run=False, create_missing=False):
        with django_capture_on_commit_callbacks(execute=True):
            result = gql(tenant.host, START, {"u": upload_id, "d": dry_run, "c": create_missing}, token=token)
        assert "errors" not in result, result
        return result["data"]["startHouseImport"]

    return run


def _upload_id(upload, tenant, token, name, content) -> str:
    resp = upload(tenant, token, name, content)
    assert resp.status_code == 201, resp.content
    return resp.json()["uploadId"]


def _job(gql, tenant, token, job_id):
    result = gql(tenant.host, JOB, {"id": job_id}, token=token)
    assert "errors" not in result, result
    return result["data"]["importJob"]


def test_dry_run_then_import_end_to_end(gql, upload, start, admin_token, alpha):
    rows = [house_row(i) for i in range(12)]
    upload_id = _upload_id(upload, alpha, admin_token, "台账.xlsx", xlsx_bytes(rows))

    payload = start(alpha, admin_token, upload_id, dry_run=True, create_missing=True)
    assert payload["errors"] == []
    assert payload["job"]["status"] == "QUEUED" and payload["job"]["dryRun"] and payload["job"]["createMissing"]
    job = _job(gql, alpha, admin_token, payload["job"]["id"])
    assert (job["status"], job["totalRows"], job["processedRows"], job["createdCount"], job["updatedCount"]) == (
        "SUCCEEDED", 12, 12, 12, 0)
    assert (job["newCommunities"], job["newBuildings"], job["newUnits"], job["errorCount"]) == (1, 1, 1, 0)
    assert job["requestedBy"].startswith("tenant_admin-") and job["finishedAt"] >= job["startedAt"]
    with schema_context(alpha.schema):
        assert House.objects.count() == 0

    payload = start(alpha, admin_token, upload_id, create_missing=True)
    job = _job(gql, alpha, admin_token, payload["job"]["id"])
    assert (job["status"], job["createdCount"], job["processedRows"], job["dryRun"]) == ("SUCCEEDED", 12, 12, False)
    with schema_context(alpha.schema):
        assert House.objects.count() == 12
        # The upload held phone and ID numbers in clear: gone once imported.
        assert not ImportUpload.objects.filter(pk=upload_id).exists()
    again = start(alpha, admin_token, upload_id)
    assert again["job"] is None
    assert again["errors"] == [{"field": "uploadId", "code": "NOT_FOUND", "message": "找不到该上传文件，请重新上传。"}]


def test_a_job_with_row_errors_fails_and_lists_them(gql, upload, start, admin_token, alpha, ledger):
    rows = [row(**{"户号": f"A{i}"}) for i in range(8)]
    rows[2][-2] = "12345"  # 户主电话, on row 4
    rows[6][5] = "-3"  # 建筑面积, on row 8
    upload_id = _upload_id(upload, alpha, admin_token, "台账.csv", csv_bytes(rows, encoding="gbk"))
    job = _job(gql, alpha, admin_token, start(alpha, admin_token, upload_id)["job"]["id"])
    assert (job["status"], job["errorCount"], job["createdCount"]) == ("FAILED", 2, 0)
    assert [(e["row"], e["column"], e["code"]) for e in job["errors"]] == [
        (4, "户主电话", "INVALID_PHONE"), (8, "建筑面积", "INVALID_AREA")]
    assert all(e["message"] for e in job["errors"])
    with schema_context(alpha.schema):
        assert House.objects.count() == 0
        assert ImportUpload.objects.filter(pk=upload_id).exists()  # kept, to fix and retry


def test_a_file_level_error_fails_the_job(gql, upload, start, admin_token, alpha):
    content = xlsx_bytes([row()], headers=["户号", "小区"])
    upload_id = _upload_id(upload, alpha, admin_token, "台账.xlsx", content)
    job = _job(gql, alpha, admin_token, start(alpha, admin_token, upload_id)["job"]["id"])
    assert (job["status"], job["errorCount"]) == ("FAILED", 1)
    assert job["errors"][0]["code"] == "INVALID_HEADER" and job["errors"][0]["row"] == 1
    assert "缺少列" in job["errors"][0]["message"]


def test_errors_are_paginated_up_to_a_maximum(gql, upload, start, admin_token, alpha, ledger):
    rows = [row(**{"户号": f"A{i}", "户主姓名": ""}) for i in range(30)]
    upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes(rows))
    job_id = start(alpha, admin_token, upload_id)["job"]["id"]
    query = "query($id: ID!) { importJob(id: $id) { errorCount errors(first: 10, offset: 25) { row } } }"
    data = gql(alpha.host, query, {"id": job_id}, token=admin_token)["data"]["importJob"]
    assert data["errorCount"] == 30 and [e["row"] for e in data["errors"]] == [27, 28, 29, 30, 31]


@pytest.mark.parametrize("upload_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "42"])
def test_unknown_upload(start, admin_token, alpha, upload_id):
    payload = start(alpha, admin_token, upload_id)
    assert payload["job"] is None and payload["errors"][0]["code"] == "NOT_FOUND"


def test_an_upload_of_another_company_is_not_found(upload, start, admin_token, make_staff, alpha, beta):
    upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes([row()]))
    payload = start(beta, make_staff(beta, "tenant_admin"), upload_id)
    assert payload["job"] is None and payload["errors"][0]["code"] == "NOT_FOUND"


def test_a_job_of_another_company_or_unknown_is_null(gql, upload, start, admin_token, make_staff, alpha, beta):
    upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes([row()]))
    job_id = start(alpha, admin_token, upload_id, dry_run=True)["job"]["id"]
    assert _job(gql, alpha, admin_token, job_id)["id"] == job_id
    beta_token = make_staff(beta, "tenant_admin")
    assert _job(gql, beta, beta_token, job_id) is None
    assert _job(gql, alpha, admin_token, "00000000-0000-0000-0000-000000000000") is None
    assert _job(gql, alpha, admin_token, "nope") is None


@pytest.mark.parametrize(("role", "code"), [(None, "UNAUTHENTICATED"), ("collector", "PERMISSION_DENIED"),
                                            ("finance", "PERMISSION_DENIED")])
def test_import_operations_need_the_import_role(gql, make_staff, alpha, role, code):
    token = make_staff(alpha, role) if role else None
    for query, variables in ((START, {"u": "x"}), (JOB, {"id": "x"})):
        result = gql(alpha.host, query, variables, token=token)
        assert result["errors"][0]["extensions"]["code"] == code
    with schema_context(alpha.schema):
        assert not ImportJob.objects.exists()


def test_the_job_is_queued_in_the_companys_schema(gql, upload, admin_token, alpha, django_capture_on_commit_callbacks):
    """Nothing runs before the job row is committed; the queued task carries the schema."""
    upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes([row()]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = gql(alpha.host, START, {"u": upload_id, "d": True}, token=admin_token)
    job_id = result["data"]["startHouseImport"]["job"]["id"]
    assert len(callbacks) == 1
    with schema_context(alpha.schema):
        assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.QUEUED
    callbacks[0]()  # runs from the public schema, as after the request
    with schema_context(alpha.schema):
        job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportJob.Status.FAILED and job.errors[0]["code"] == "UNKNOWN_COMMUNITY"


def test_a_job_whose_file_is_gone_fails_cleanly(gql, upload, start, admin_token, alpha):
    from django.core.files.storage import default_storage

    upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes([row()]))
    with schema_context(alpha.schema):
        default_storage.delete(ImportUpload.objects.get(pk=upload_id).file.name)
    job = _job(gql, alpha, admin_token, start(alpha, admin_token, upload_id)["job"]["id"])
    assert (job["status"], job["errors"][0]["code"]) == ("FAILED", "NOT_FOUND")


# --- a redelivered task and the worker that may still run the job --------------------------------------
# Deterministic: the other worker is a connection of the test's own that holds
# the job's lock (or not), and its heartbeat is set explicitly.

@pytest.fixture
def running_job(gql, upload, admin_token, alpha, ledger, django_capture_on_commit_callbacks):
    """running_job(heartbeat_age) -> job id of a dry run marked running by
    another worker whose last heartbeat is `heartbeat_age` old."""
    import datetime as dt

    from django.utils import timezone

    def make(heartbeat_age: dt.timedelta) -> str:
        upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes([row()]))
        with django_capture_on_commit_callbacks(execute=False):  # the first delivery never runs here
            job_id = gql(alpha.host, START, {"u": upload_id, "d": True}, token=admin_token)["data"][
                "startHouseImport"]["job"]["id"]
        with schema_context(alpha.schema):
            ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING, worker="host-a:7:dead",
                                                       heartbeat_at=timezone.now() - heartbeat_age)
        return job_id

    return make


@pytest.fixture
def other_worker(alpha):
    """other_worker(job_id) -> a connection (another worker's session) holding the job's lock."""
    import psycopg
    from django.db import connection

    from heat_platform.kernel.locks import lock_key

    sessions = []

    def hold(job_id: str):
        params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
        session = psycopg.connect(**params, autocommit=True)
        sessions.append(session)
        session.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                        [lock_key("imports.job", job_id, schema=alpha.schema)])
        return session

    yield hold
    for session in sessions:
        session.close()


def test_a_running_job_whose_workers_lock_is_free_is_taken_over_at_once(running_job, alpha):
    """The worker died and its session ended (the lock with it): even with a
    heartbeat seconds old, the redelivered task runs the job again."""
    import datetime as dt

    from apps.imports.services import import_job_run

    job_id = running_job(dt.timedelta(seconds=1))
    with schema_context(alpha.schema):
        job = import_job_run(job_id=job_id)
    assert job.status == ImportJob.Status.SUCCEEDED and job.dry_run and job.created_count == 1
    assert job.worker and job.worker != "host-a:7:dead" and job.heartbeat_at is not None


def test_a_live_worker_is_left_alone_and_the_redelivery_is_retried_later(running_job, other_worker, alpha):
    import datetime as dt

    from apps.imports.services import import_job_run
    from heat_platform.kernel.jobs import STALE_AFTER, JobBusyError

    job_id = running_job(dt.timedelta(seconds=30))
    other = other_worker(job_id)
    with schema_context(alpha.schema):
        with pytest.raises(JobBusyError) as busy:
            import_job_run(job_id=job_id)
        job = ImportJob.objects.get(pk=job_id)
    # Retried when the heartbeat would be stale, not dropped.
    assert STALE_AFTER.total_seconds() - 31 <= busy.value.retry_in <= STALE_AFTER.total_seconds() - 29
    assert (job.status, job.worker) == (ImportJob.Status.RUNNING, "host-a:7:dead")
    assert other.execute("SELECT 1").fetchone() == (1,)  # its session is untouched


def test_a_dead_workers_lingering_session_is_ended_and_the_job_taken_over(running_job, other_worker, alpha):
    """The lock is still held (the server has not noticed the dead client)
    but the heartbeat is stale: the session is terminated and the job runs."""
    import psycopg

    from apps.imports.services import import_job_run
    from heat_platform.kernel.jobs import STALE_AFTER

    job_id = running_job(STALE_AFTER + STALE_AFTER / 10)
    other = other_worker(job_id)
    with schema_context(alpha.schema):
        job = import_job_run(job_id=job_id)
    assert job.status == ImportJob.Status.SUCCEEDED and job.worker != "host-a:7:dead"
    with pytest.raises(psycopg.OperationalError):
        other.execute("SELECT 1")


def test_a_finished_job_is_not_run_again(gql, upload, start, admin_token, alpha):
    from apps.imports.services import import_job_run

    upload_id = _upload_id(upload, alpha, admin_token, "a.csv", csv_bytes([row()]))
    job_id = start(alpha, admin_token, upload_id, dry_run=True)["job"]["id"]
    with schema_context(alpha.schema):
        finished = ImportJob.objects.get(pk=job_id)
        assert import_job_run(job_id=job_id) is None
        assert ImportJob.objects.get(pk=job_id).finished_at == finished.finished_at


def test_the_task_requeues_a_busy_job_in_its_schema_instead_of_dropping_it(running_job, other_worker, alpha):
    """What the worker does with JobBusyError: a retry message (same job, the
    company's schema, an ETA when the heartbeat would be stale) is published."""
    import datetime as dt

    from celery.exceptions import Retry

    from apps.imports.tasks import run_house_import
    from heat_platform.celery import app

    job_id = running_job(dt.timedelta(seconds=0))
    other_worker(job_id)
    app.conf.task_always_eager = False  # publish the retry to the (in-memory) broker
    run_house_import.push_request(id="delivery-1", retries=0, is_eager=False, called_directly=False,
                                  args=[job_id], kwargs={}, headers={"_schema_name": alpha.schema},
                                  delivery_info={})
    try:
        with schema_context(alpha.schema), pytest.raises(Retry) as retry:
            run_house_import.run(job_id)
    finally:
        run_house_import.pop_request()
        app.conf.task_always_eager = True
    assert retry.value.when >= 290
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue)
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    assert message.headers["task"] == "imports.run_house_import" and message.headers["retries"] == 1
    assert message.headers["_schema_name"] == alpha.schema and message.headers["eta"]
    assert list(message.payload[0]) == [job_id]


def test_a_dry_run_job_with_errors_reports_no_counts(gql, upload, start, admin_token, alpha, ledger):
    """The job says what an import would do only for a file without errors."""
    rows = [row(**{"户号": "A1"}), row(**{"户号": "A2", "小区": "新小区"}),
            row(**{"户号": "A3", "户主电话": "138****5678"})]
    upload_id = _upload_id(upload, alpha, admin_token, "台账.csv", csv_bytes(rows))
    job = _job(gql, alpha, admin_token, start(alpha, admin_token, upload_id, dry_run=True)["job"]["id"])
    assert (job["status"], job["dryRun"], job["totalRows"], job["errorCount"]) == ("FAILED", True, 3, 2)
    assert (job["createdCount"], job["updatedCount"], job["newCommunities"], job["newBuildings"],
            job["newUnits"]) == (0, 0, 0, 0, 0)
    assert [(e["row"], e["column"], e["code"]) for e in job["errors"]] == [
        (3, "小区", "UNKNOWN_COMMUNITY"), (4, "户主电话", "INVALID_PHONE")]
    assert "createMissing" in job["errors"][0]["message"] and "脱敏" in job["errors"][1]["message"]

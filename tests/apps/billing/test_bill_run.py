"""Bill runs: one bill per billable house with the engine's lines, skips and
error entries, idempotent re-runs, resuming a killed or failed run, dry runs,
the GraphQL surface, and SQL round trips that grow with batches, not houses."""

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.billing import runs
from apps.billing.facts import tariff_params
from apps.billing.models import Bill, BillLine, BillRun, HouseCredit, MeterReading
from apps.billing.runs import PROVISIONAL_METERED, bill_run_process
from apps.properties.models import HeatingStatusChange
from apps.tariffs.models import TariffPlan
from heat_platform.kernel.jobs import STALE_AFTER, JobBusyError
from heat_platform.kernel.locks import lock_key
from tests.factories.properties import BuildingFactory, HouseFactory
from tests.factories.tariffs import season_with_plans


def _lines(bill: Bill) -> list[tuple[str, int, str]]:
    return [(x.kind, x.amount_fen, x.explanation) for x in bill.lines.order_by("position")]


@pytest.fixture
def ledger(alpha, tariffs):
    """Houses of every kind in two communities of alpha."""
    with schema_context(alpha.schema):
        xfl, ygh = BuildingFactory(community__name="幸福里"), BuildingFactory(community__name="阳光花园")
        h = {
            "area": HouseFactory(building=xfl, account_no="X01", building_area=Decimal("89.50")),
            "opted_out": HouseFactory(building=xfl, account_no="X02", building_area=Decimal("89.50"),
                                      heating_status="opted_out"),
            "disconnected": HouseFactory(building=xfl, account_no="X03", heating_status="disconnected"),
            "low_income": HouseFactory(building=xfl, account_no="X04", building_area=Decimal("89.50"),
                                       low_income="dibao"),
            "business": HouseFactory(building=ygh, account_no="Y01", building_area=Decimal("100"),
                                     category="non_residential"),
            "metered": HouseFactory(building=ygh, account_no="Y02", building_area=Decimal("100"),
                                    meter_no="HM-001"),
            "metered_unread": HouseFactory(building=ygh, account_no="Y03", building_area=Decimal("100"),
                                           meter_no="HM-002"),
            "late": HouseFactory(building=ygh, account_no="Y04", building_area=Decimal("100")),
        }
        season = tariffs.season
        MeterReading.objects.create(house=h["metered"], season=season, kind="start", value=Decimal("1000"),
                                    read_on=dt.date(2026, 11, 15), reader="李师傅")
        MeterReading.objects.create(house=h["metered"], season=season, kind="end", value=Decimal("1040"),
                                    read_on=dt.date(2027, 3, 15), reader="李师傅")
        # Opted out before the season, reconnected on Jan 15: heat for 60 of the 121 days.
        for frm, to, day in (("normal", "opted_out", dt.date(2026, 10, 1)),
                             ("opted_out", "normal", dt.date(2027, 1, 15))):
            HeatingStatusChange.objects.create(house=h["late"], from_status=frm, to_status=to, reason="报停/恢复",
                                               effective_date=day, changed_by="alpha-admin")
        return h


EXPECTED = {
    "area": [("heating_fee", 214800, "采暖费：89.50㎡ × 24.00元/㎡")],
    "opted_out": [("basic_fee", 64440, "报停基本热费：89.50㎡ × 24.00元/㎡ × 30%")],
    "low_income": [("heating_fee", 214800, "采暖费：89.50㎡ × 24.00元/㎡"),
                   ("relief", -107400, "低保/特困减免：采暖费 × 50%")],
    "business": [("heating_fee", 450000, "采暖费：100.00㎡ × 45.00元/㎡")],
    # Beijing two-part prices, capped at the area bill + 10% (Binzhou): 1200 + 1778 → 2640.
    "metered": [("basic_fee", 120000, "基本热费：100.00㎡ × 12.00元/㎡"),
                ("metered_fee", 177800, "计量热费：40.00GJ × 44.45元/GJ"),
                ("adjustment", -33800, "封顶调整：计量热费不超过面积热费 100.00㎡ × 24.00元/㎡ × (1 + 10%)")],
    "metered_unread": [("basic_fee", 120000, "基本热费：100.00㎡ × 12.00元/㎡"),
                       ("metered_fee", 0, PROVISIONAL_METERED)],
    "late": [("heating_fee", 119008, "采暖费：100.00㎡ × 24.00元/㎡ × 60/121天")],
}


def test_run_bills_every_billable_house_with_the_engines_lines(alpha, tariffs, ledger, run_bills):
    run = run_bills(tariffs.season)
    assert (run.status, run.total, run.processed, run.created, run.skipped, run.error_count) == (
        "succeeded", 8, 8, 7, 1, 0)
    with schema_context(alpha.schema):
        bills = {b.house_id: b for b in Bill.objects.filter(season=tariffs.season)}
        assert ledger["disconnected"].pk not in bills
        for key, lines in EXPECTED.items():
            bill = bills[ledger[key].pk]
            assert _lines(bill) == lines, key
            assert bill.principal_fen == sum(amount for _k, amount, _t in lines)
            assert (bill.status, bill.paid_fen, bill.bill_run_id) == ("issued", 0, run.pk)
        metered = bills[ledger["metered"].pk]
        assert metered.plan_id == tariffs.metered.pk
        plan = TariffPlan.objects.get(pk=tariffs.metered.pk)
        assert metered.snapshot == tariff_params(plan, tariffs.season).to_snapshot()
        assert bills[ledger["area"].pk].plan_id == tariffs.area.pk
        assert bills[ledger["business"].pk].plan_id == tariffs.business.pk
        assert BillLine.objects.filter(bill__season=tariffs.season).count() == 11
        assert list(AuditLog.objects.filter(target_type="billing.billrun").values_list("action", flat=True)
                    .order_by("id")) == ["bill_run.start", "bill_run.finish"]
    assert run.totals == {
        "幸福里": {"bills": 3, "principal_fen": 214800 + 64440 + 107400, "skipped": 1, "errors": 0},
        "阳光花园": {"bills": 4, "principal_fen": 450000 + 264000 + 120000 + 119008, "skipped": 0, "errors": 0},
    }


def test_house_without_an_applicable_plan_is_an_error_entry_and_the_run_goes_on(gql, alpha, tariffs, ledger,
                                                                                 run_bills, make_staff):
    with schema_context(alpha.schema):
        TariffPlan.objects.filter(pk=tariffs.business.pk).delete()
        usable = TariffPlan.objects.filter(pk=tariffs.area.pk)
        usable.update(area_basis="usable")
        ledger["area"].usable_area = None
        ledger["area"].save(update_fields=["usable_area"])
    run = run_bills(tariffs.season)
    assert (run.status, run.created, run.skipped, run.error_count) == ("succeeded", 5, 1, 2)
    assert run.errors == [
        {"house_id": ledger["area"].pk, "account_no": "X01", "code": "INVALID", "community": "幸福里",
         "message": "收费标准按套内面积计费，但该房屋没有套内面积。"},
        {"house_id": ledger["business"].pk, "account_no": "Y01", "code": "NO_PLAN", "community": "阳光花园",
         "message": "本采暖季没有适用于“非居民”房屋的收费标准。"},
    ]
    assert {name: (t["bills"], t["skipped"], t["errors"]) for name, t in run.totals.items()} == {
        "幸福里": (2, 1, 1), "阳光花园": (3, 0, 1)}
    data = gql(alpha.host, RUN, {"id": str(run.pk)}, token=make_staff(alpha, "tenant_admin"))["data"]["billRun"]
    assert (data["errorCount"], data["errors"][1]) == (2, {
        "houseId": str(ledger["business"].pk), "accountNo": "Y01", "code": "NO_PLAN", "community": "阳光花园",
        "message": "本采暖季没有适用于“非居民”房屋的收费标准。"})
    with schema_context(alpha.schema):
        assert not Bill.objects.filter(house__in=[ledger["area"], ledger["business"]]).exists()
        # the opted-out house is billed on usable area (70.10㎡ from the factory) now
        assert Bill.objects.get(house=ledger["opted_out"]).principal_fen == 50472


def test_error_entries_are_capped_but_counted(alpha, tariffs, run_bills, monkeypatch):
    monkeypatch.setattr(runs, "MAX_ERRORS", 2)
    with schema_context(alpha.schema):
        TariffPlan.objects.filter(pk=tariffs.business.pk).delete()
        for i in range(3):
            HouseFactory(account_no=f"B{i}", category="non_residential")
    run = run_bills(tariffs.season)
    assert (run.error_count, [e["account_no"] for e in run.errors]) == (3, ["B0", "B1"])


def test_rerun_creates_nothing_twice_and_bills_new_houses(alpha, tariffs, ledger, run_bills):
    first = run_bills(tariffs.season)
    with schema_context(alpha.schema):
        lines = BillLine.objects.count()
        newcomer = HouseFactory(account_no="Z01", building_area=Decimal("50"))
    second = run_bills(tariffs.season)
    assert second.pk != first.pk
    assert (second.status, second.total, second.created, second.skipped, second.error_count) == (
        "succeeded", 9, 1, 8, 0)
    assert sum(t["bills"] for t in second.totals.values()) == 1
    with schema_context(alpha.schema):
        assert Bill.objects.filter(season=tariffs.season).count() == 8
        assert Bill.objects.get(house=newcomer).bill_run_id == second.pk
        assert BillLine.objects.count() == lines + 1


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no `except Exception` in the worker sees it."""


def _die_after(batches: int):
    seen = []

    def hook(run, last_house_id):
        seen.append(last_house_id)
        if len(seen) == batches:
            raise WorkerKilled

    return hook


def test_killed_run_is_resumed_and_finishes_without_duplicates(alpha, tariffs, ledger, run_bills, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 3)
    monkeypatch.setattr(runs, "BATCH_HOOK", _die_after(2))
    with pytest.raises(WorkerKilled):
        run_bills(tariffs.season)
    with schema_context(alpha.schema):
        killed = BillRun.objects.get()
        assert (killed.status, killed.processed) == ("running", 6)  # progress saved after each batch
        assert Bill.objects.count() == killed.created == 5  # 6 houses, one disconnected
    monkeypatch.setattr(runs, "BATCH_HOOK", None)
    resumed = run_bills(tariffs.season)  # generateBills again resumes the unfinished run
    assert resumed.pk == killed.pk
    assert (resumed.status, resumed.total, resumed.processed, resumed.created, resumed.skipped) == (
        "succeeded", 8, 8, 7, 1)
    assert resumed.totals["阳光花园"] == {"bills": 4, "principal_fen": 450000 + 264000 + 120000 + 119008,
                                       "skipped": 0, "errors": 0}
    assert resumed.totals["幸福里"]["skipped"] == 1  # counted once, not once per attempt
    with schema_context(alpha.schema):
        assert Bill.objects.count() == 7
        assert BillLine.objects.count() == 11
        assert all(_lines(Bill.objects.get(house=ledger[k])) == v for k, v in EXPECTED.items())
        assert list(AuditLog.objects.filter(target_type="billing.billrun").values_list("action", flat=True)
                    .order_by("id")) == ["bill_run.start", "bill_run.resume", "bill_run.finish"]


def test_failed_run_is_marked_failed_and_resumed(alpha, tariffs, ledger, run_bills, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 2)

    def fail(run, last_house_id):
        raise RuntimeError("database went away")

    monkeypatch.setattr(runs, "BATCH_HOOK", fail)
    with pytest.raises(RuntimeError):
        run_bills(tariffs.season)
    with schema_context(alpha.schema):
        assert BillRun.objects.get().status == "failed"
        assert Bill.objects.count() == 2
    monkeypatch.setattr(runs, "BATCH_HOOK", None)
    resumed = run_bills(tariffs.season)
    assert (resumed.status, resumed.created, resumed.skipped) == ("succeeded", 7, 1)
    with schema_context(alpha.schema):
        assert Bill.objects.count() == 7


# --- a redelivered task and the worker that may still hold the run ------------------------------------
# Deterministic: the other worker is a session of the test's own holding the
# run's lock (or not), and its heartbeat is set explicitly; no waiting on the server.

@pytest.fixture
def held_run(alpha, tariffs, ledger):
    """held_run(heartbeat_age, lock=True) -> (run, other worker's session or None):
    a run marked running by another worker that stamped its heartbeat
    `heartbeat_age` ago and, with `lock`, still holds the run's lock."""
    import psycopg
    from django.utils import timezone

    sessions = []

    def make(heartbeat_age: dt.timedelta, lock: bool = True):
        with schema_context(alpha.schema):
            run = BillRun.objects.create(season=tariffs.season, status="running", worker="host-a:7:dead",
                                         heartbeat_at=timezone.now() - heartbeat_age)
        session = None
        if lock:
            params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
            session = psycopg.connect(**params, autocommit=True)
            sessions.append(session)
            session.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))",
                            [lock_key("billing.bill_run", run.pk, schema=alpha.schema)])
        return run, session

    yield make
    for session in sessions:
        session.close()


def test_a_run_held_by_a_live_worker_is_not_processed_twice(alpha, held_run):
    run, other = held_run(dt.timedelta(seconds=20))
    with schema_context(alpha.schema):
        with pytest.raises(JobBusyError) as busy:
            bill_run_process(bill_run_id=run.pk)
        assert not Bill.objects.exists()
        run.refresh_from_db()
    assert (run.status, run.worker) == ("running", "host-a:7:dead")
    # Retried once the heartbeat would be stale, not dropped.
    assert STALE_AFTER.total_seconds() - 21 <= busy.value.retry_in <= STALE_AFTER.total_seconds() - 19
    assert other.execute("SELECT 1").fetchone() == (1,)


def test_a_run_whose_workers_lock_is_free_is_resumed_at_once(alpha, held_run):
    """Its worker died and the session ended with it: a fresh heartbeat does not matter."""
    run, _ = held_run(dt.timedelta(seconds=1), lock=False)
    with schema_context(alpha.schema):
        done = bill_run_process(bill_run_id=run.pk)
        assert Bill.objects.count() == 7
    assert (done.status, done.created, done.skipped) == ("succeeded", 7, 1)
    assert done.worker != "host-a:7:dead"


def test_a_dead_workers_lingering_session_is_ended_and_the_run_resumed(alpha, held_run):
    run, other = held_run(STALE_AFTER + dt.timedelta(seconds=30))
    with schema_context(alpha.schema):
        done = bill_run_process(bill_run_id=run.pk)
        assert Bill.objects.count() == 7
    assert (done.status, done.created) == ("succeeded", 7)
    with pytest.raises(psycopg.OperationalError):
        other.execute("SELECT 1")


def test_every_batch_stamps_the_heartbeat_of_its_worker(alpha, tariffs, ledger, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 3)
    seen = []

    def watch(run, last_house_id):
        row = BillRun.objects.values("worker", "heartbeat_at", "processed").get(pk=run.pk)
        seen.append((row["worker"], row["heartbeat_at"], row["processed"]))

    monkeypatch.setattr(runs, "BATCH_HOOK", watch)
    with schema_context(alpha.schema):
        run = BillRun.objects.create(season=tariffs.season)
        done = bill_run_process(bill_run_id=run.pk)
    assert [processed for _w, _h, processed in seen] == [3, 6, 8]
    assert {worker for worker, _h, _p in seen} == {done.worker} and done.worker
    stamps = [stamp for _w, stamp, _p in seen]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_a_batch_of_a_run_taken_over_meanwhile_is_rolled_back(alpha, tariffs, ledger, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 3)

    def taken_over(run, last_house_id):  # another worker claimed the run after our first batch
        BillRun.objects.filter(pk=run.pk).update(worker="host-b:9:new")

    monkeypatch.setattr(runs, "BATCH_HOOK", taken_over)
    with schema_context(alpha.schema):
        run = BillRun.objects.create(season=tariffs.season)
        with pytest.raises(RuntimeError, match="taken over"):
            bill_run_process(bill_run_id=run.pk)
        run.refresh_from_db()
        assert Bill.objects.count() == 2  # the first batch (3 houses, one disconnected); the second rolled back
    assert (run.status, run.worker) == ("running", "host-b:9:new")  # not marked failed by the loser


def test_the_task_requeues_a_busy_run_in_its_schema_instead_of_dropping_it(alpha, held_run):
    from celery.exceptions import Retry

    from apps.billing.tasks import bill_run_process_task
    from heat_platform.celery import app

    run, _ = held_run(dt.timedelta(seconds=0))
    app.conf.task_always_eager = False  # publish the retry to the (in-memory) broker
    bill_run_process_task.push_request(id="delivery-1", retries=0, is_eager=False, called_directly=False,
                                       args=[run.pk], kwargs={}, headers={"_schema_name": alpha.schema},
                                       delivery_info={})
    try:
        with schema_context(alpha.schema), pytest.raises(Retry) as retry:
            bill_run_process_task.run(run.pk)
    finally:
        bill_run_process_task.pop_request()
        app.conf.task_always_eager = True
    assert retry.value.when >= STALE_AFTER.total_seconds() - 10
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue)
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    assert message.headers["task"] == "billing.bill_run_process" and message.headers["retries"] == 1
    assert message.headers["_schema_name"] == alpha.schema and message.headers["eta"]
    assert list(message.payload[0]) == [run.pk]


def test_dry_run_writes_no_bill_but_reports_what_a_real_run_will_do(alpha, tariffs, ledger, run_bills):
    dry = run_bills(tariffs.season, dry_run=True)
    with schema_context(alpha.schema):
        assert not Bill.objects.exists() and not BillLine.objects.exists()
    assert (dry.status, dry.dry_run, dry.created, dry.skipped, dry.error_count) == ("succeeded", True, 7, 1, 0)
    real = run_bills(tariffs.season)
    assert real.totals == dry.totals
    assert dry.totals["幸福里"] == {"bills": 3, "principal_fen": 386640, "skipped": 1, "errors": 0}
    again = run_bills(tariffs.season, dry_run=True)  # everything billed: the preview says so per community
    assert (again.created, again.skipped) == (0, 8)
    assert again.totals == {"幸福里": {"bills": 0, "principal_fen": 0, "skipped": 4, "errors": 0},
                            "阳光花园": {"bills": 0, "principal_fen": 0, "skipped": 4, "errors": 0}}


def test_open_credit_from_an_earlier_true_up_becomes_a_credit_line(alpha, tariffs, ledger, run_bills):
    with schema_context(alpha.schema):
        earlier = season_with_plans("2025-2026", dt.date(2025, 11, 15), dt.date(2026, 3, 15)).season
        HouseCredit.objects.create(house=ledger["area"], season=earlier, amount_fen=30000)
        HouseCredit.objects.create(house=ledger["business"], season=earlier, amount_fen=50000, refundable=True)
    run_bills(tariffs.season)
    with schema_context(alpha.schema):
        bill = Bill.objects.get(house=ledger["area"], season=tariffs.season)
        assert _lines(bill)[-1] == ("credit", -30000, "上季结算多缴抵扣：2025-2026采暖季多缴300.00元，本次抵扣300.00元")
        assert bill.principal_fen == 214800 - 30000
        assert HouseCredit.objects.get(house=ledger["area"]).consumed_by_bill_id == bill.pk
        refundable = HouseCredit.objects.get(house=ledger["business"])
        assert refundable.consumed_by_bill_id is None  # refunds are not credited to the next bill
        assert Bill.objects.get(house=ledger["business"], season=tariffs.season).principal_fen == 450000


CREATE = """mutation($s: ID!, $d: Boolean!) { generateBills(seasonId: $s, dryRun: $d) {
  billRun { id status dryRun } errors { field code message } } }"""
RUN = """query($id: ID!) { billRun(id: $id) { id status total processed created skipped errorCount
  errors { houseId accountNo message code community } totals { community bills principalFen skipped errors } } }"""


def test_generate_bills_through_graphql(gql, alpha, beta, tariffs, ledger, make_staff,
                                        django_capture_on_commit_callbacks):
    token = make_staff(alpha, "finance")
    with django_capture_on_commit_callbacks(execute=True):
        data = gql(alpha.host, CREATE, {"s": str(tariffs.season.pk), "d": False}, token=token)
    payload = data["data"]["generateBills"]
    assert payload["errors"] == [] and payload["billRun"]["status"] == "QUEUED"
    run = gql(alpha.host, RUN, {"id": payload["billRun"]["id"]}, token=token)["data"]["billRun"]
    assert {k: run[k] for k in ("status", "total", "processed", "created", "skipped", "errorCount", "errors")} == {
        "status": "SUCCEEDED", "total": 8, "processed": 8, "created": 7, "skipped": 1, "errorCount": 0,
        "errors": []}
    assert run["totals"] == [{"community": "幸福里", "bills": 3, "principalFen": 386640, "skipped": 1, "errors": 0},
                             {"community": "阳光花园", "bills": 4, "principalFen": 953008, "skipped": 0, "errors": 0}]
    # Another company's staff cannot see the run: same null as a missing one.
    assert gql(beta.host, RUN, {"id": run["id"]}, token=make_staff(beta, "finance"))["data"]["billRun"] is None
    assert gql(alpha.host, RUN, {"id": "nope"}, token=token)["data"]["billRun"] is None


def test_runs_recorded_before_per_community_counts_read_as_zero(gql, alpha, tariffs, make_staff):
    with schema_context(alpha.schema):
        old = BillRun.objects.create(season=tariffs.season, dry_run=True, status="succeeded",
                                     totals={"幸福里": {"bills": 2, "principal_fen": 5000}},
                                     errors=[{"house_id": 1, "account_no": "X01", "message": "m", "code": "NO_PLAN"}])
    run = gql(alpha.host, RUN, {"id": str(old.pk)}, token=make_staff(alpha, "finance"))["data"]["billRun"]
    assert run["totals"] == [{"community": "幸福里", "bills": 2, "principalFen": 5000, "skipped": 0, "errors": 0}]
    assert run["errors"][0]["community"] is None


def test_generate_bills_errors_and_permissions(gql, alpha, tariffs, make_staff):
    finance = make_staff(alpha, "finance")
    for bad in ("abc", "999999", "-1"):
        payload = gql(alpha.host, CREATE, {"s": bad, "d": True}, token=finance)["data"]["generateBills"]
        assert payload == {"billRun": None, "errors": [
            {"field": "seasonId", "code": "NOT_FOUND", "message": "找不到该采暖季。"}]}
    for role in ("collector", "technician"):
        denied = gql(alpha.host, CREATE, {"s": str(tariffs.season.pk), "d": True}, token=make_staff(alpha, role))
        assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
        assert denied["data"]["generateBills"] is None
        assert gql(alpha.host, RUN, {"id": "1"}, token=make_staff(alpha, role))["errors"][0]["extensions"][
            "code"] == "PERMISSION_DENIED"
    with schema_context(alpha.schema):
        assert not BillRun.objects.exists()
        TariffPlan.objects.filter(season=tariffs.season).delete()
    no_plan = gql(alpha.host, CREATE, {"s": str(tariffs.season.pk), "d": False}, token=finance)
    assert no_plan["data"]["generateBills"]["errors"][0]["code"] == "NO_PLAN"
    with schema_context(alpha.schema):
        tariffs.season.status = "closed"
        tariffs.season.save(update_fields=["status"])
    closed = gql(alpha.host, CREATE, {"s": str(tariffs.season.pk), "d": False}, token=finance)
    assert closed["data"]["generateBills"]["errors"][0]["code"] == "INVALID_STATUS"


# --- SQL round trips --------------------------------------------------------------------------------

def _mixed_houses(tenant, n: int):
    """n houses (n a multiple of 10), each ten of them: an open credit from
    last season, a business, an opted-out home, a metered home with readings,
    one without, a low-income home, one reconnected mid-season, a disconnected
    one and two plain homes. Returns the season to bill."""
    with schema_context(tenant.schema):
        earlier = season_with_plans("2025-2026", dt.date(2025, 11, 15), dt.date(2026, 3, 15)).season
        season = season_with_plans("2026-2027", dt.date(2026, 11, 15), dt.date(2027, 3, 15)).season
        building = BuildingFactory()
        for i in range(n):
            kind = i % 10
            house = HouseFactory(
                building=building, account_no=f"M{i:04d}",
                category="non_residential" if kind == 1 else "residential",
                heating_status={2: "opted_out", 7: "disconnected"}.get(kind, "normal"),
                meter_no=f"HM{i}" if kind in (3, 4) else "", low_income="dibao" if kind == 5 else "none")
            if kind == 0:
                HouseCredit.objects.create(house=house, season=earlier, amount_fen=1000)
            if kind == 3:
                for reading, value in (("start", 100), ("end", 130)):
                    MeterReading.objects.create(house=house, season=season, kind=reading, value=value,
                                                read_on=season.heating_start, reader="李师傅")
            if kind == 6:
                for frm, to, day in (("normal", "opted_out", dt.date(2026, 10, 1)),
                                     ("opted_out", "normal", dt.date(2027, 1, 15))):
                    HeatingStatusChange.objects.create(house=house, from_status=frm, to_status=to, reason="报停",
                                                       effective_date=day, changed_by="x")
        return season


def _count_run_queries(tenant, season) -> tuple[int, BillRun]:
    with schema_context(tenant.schema):
        run = BillRun.objects.create(season=season)
        with CaptureQueriesContext(connection) as queries:
            bill_run_process(bill_run_id=run.pk)
        run.refresh_from_db()
        return len(queries.captured_queries), run


def test_round_trips_do_not_grow_with_the_houses_of_a_batch(alpha, beta, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 100)
    small, run_small = _count_run_queries(alpha, _mixed_houses(alpha, 20))
    large, run_large = _count_run_queries(beta, _mixed_houses(beta, 60))
    assert (run_small.created, run_large.created) == (18, 54)
    with schema_context(beta.schema):
        assert HouseCredit.objects.filter(consumed_by_bill__isnull=False).count() == 6
    assert small == large


def test_round_trips_grow_with_batches(alpha, beta, monkeypatch):
    monkeypatch.setattr(runs, "BATCH_SIZE", 10)
    two, _ = _count_run_queries(alpha, _mixed_houses(alpha, 20))  # 2 batches
    six, run = _count_run_queries(beta, _mixed_houses(beta, 60))  # 6 batches
    assert run.created == 54
    per_batch, rest = divmod(six - two, 4)
    assert rest == 0 and per_batch <= 10, (two, six)

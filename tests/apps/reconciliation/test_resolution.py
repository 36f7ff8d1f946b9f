"""Finance resolves each difference of a matched run with a reason, then closes
the run: both move by compare-and-set, write an audit row naming the person,
and a refusal changes nothing (no row, no audit)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.audit.models import AuditLog
from apps.reconciliation.errors import ReconciliationErrorCode as Code
from apps.reconciliation.models import Difference, StatementRun
from apps.reconciliation.resolution import difference_resolve, run_close
from tests.factories.accounts import staff
from tests.factories.reconciliation import close_day, make_difference, make_run

R = Difference.Resolution
S = Difference.Status


@pytest.fixture
def tenant(alpha):
    with schema_context(alpha.schema):
        yield alpha


@pytest.fixture
def finance(tenant):
    return staff("fin", role="finance")


def _code(exc: pytest.ExceptionInfo, field: str = "id") -> str:
    return exc.value.error_dict[field][0].code


def _snapshot(diff: Difference) -> tuple:
    diff.refresh_from_db()
    return diff.status, diff.resolution, diff.note, diff.resolved_by_id, diff.resolved_at


def _audits(action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action).order_by("id"))


# --- resolving a difference --------------------------------------------------------------------------------------

def test_resolving_records_who_how_and_why_and_audits_it(finance):
    run = make_run()
    diff = make_difference(run, kind=Difference.Kind.AMOUNT_MISMATCH, channel_amount_fen=12001)
    done = difference_resolve(difference_id=diff.pk, resolution=R.ACCEPT_CHANNEL,
                              note="  渠道多收 1 分，已与微信核实  ", actor=finance, ip="10.1.2.3")
    diff.refresh_from_db()
    assert (diff.status, diff.resolution, diff.note, diff.resolved_by_id) == (
        S.RESOLVED, R.ACCEPT_CHANNEL, "渠道多收 1 分，已与微信核实", finance.pk)
    assert diff.resolved_at is not None and done.status == S.RESOLVED
    [row] = _audits("reconciliation.difference_resolve")
    assert (row.actor_kind, row.actor_id, row.actor_name, row.target_type, row.target_id, row.ip) == (
        "staff", finance.pk, "fin", "reconciliation.difference", diff.pk, "10.1.2.3")
    assert row.detail["kind"] == "amount_mismatch"
    assert row.detail["out_trade_no"] == diff.out_trade_no
    assert row.detail["resolution"] == "accept_channel"
    assert row.detail["note"] == "渠道多收 1 分，已与微信核实"
    assert row.detail["run_id"] == run.pk


@pytest.mark.parametrize(("note", "code"), [
    ("", Code.REQUIRED), ("   ", Code.REQUIRED), (None, Code.REQUIRED), ("好", Code.INVALID),
    ("字" * 256, Code.INVALID),
])
def test_a_note_of_2_to_255_characters_is_required(finance, note, code):
    diff = make_difference(make_run())
    before = _snapshot(diff)
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.OTHER, note=note, actor=finance)
    assert _code(exc, "note") == code
    assert _snapshot(diff) == before and _audits("reconciliation.difference_resolve") == []


def test_the_longest_and_shortest_notes_are_accepted(finance):
    run = make_run()
    for note in ("核实", "字" * 255):
        diff = make_difference(run)
        difference_resolve(difference_id=diff.pk, resolution=R.OTHER, note=note, actor=finance)
        diff.refresh_from_db()
        assert (diff.status, diff.note) == (S.RESOLVED, note)


def test_an_unknown_resolution_is_refused(finance):
    diff = make_difference(make_run())
    before = _snapshot(diff)
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution="forgive", note="无所谓", actor=finance)
    assert _code(exc, "resolution") == Code.INVALID
    assert _snapshot(diff) == before


@pytest.mark.parametrize("resolution", [R.SETTLED, R.REVERTED])
def test_settled_and_reverted_cannot_be_claimed_when_the_system_did_not_do_it(finance, resolution):
    run = make_run()
    queried_only = make_difference(run, kind=Difference.Kind.CHANNEL_ONLY, auto_action="queried: 渠道显示未支付")
    the_other = make_difference(run, kind=Difference.Kind.CHANNEL_ONLY,
                                auto_action=("reverted: 已撤销" if resolution == R.SETTLED else "settled: 已入账"))
    for diff in (queried_only, the_other):
        before = _snapshot(diff)
        with pytest.raises(ValidationError) as exc:
            difference_resolve(difference_id=diff.pk, resolution=resolution, note="系统已处理", actor=finance)
        assert _code(exc, "resolution") == Code.INVALID
        assert _snapshot(diff) == before


@pytest.mark.parametrize(("resolution", "auto_action"), [
    (R.SETTLED, "settled: 查询渠道已支付，已按渠道入账"), (R.REVERTED, "reverted: 渠道查询未支付，已撤销本地入账"),
])
def test_settled_and_reverted_are_accepted_after_matching_did_it(finance, resolution, auto_action):
    diff = make_difference(make_run(), kind=Difference.Kind.CHANNEL_ONLY, auto_action=auto_action)
    difference_resolve(difference_id=diff.pk, resolution=resolution, note="系统已处理，核对无误", actor=finance)
    diff.refresh_from_db()
    assert (diff.status, diff.resolution) == (S.RESOLVED, resolution)


@pytest.mark.parametrize("status", [S.RESOLVED, S.CARRIED, S.CLEARED])
def test_only_an_open_difference_can_be_resolved(finance, status):
    diff = make_difference(make_run(), kind=Difference.Kind.CROSS_DAY, status=status)
    before = _snapshot(diff)
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.OTHER, note="再处理一次", actor=finance)
    assert _code(exc) == Code.NOT_ALLOWED_IN_STATE
    assert _snapshot(diff) == before and _audits("reconciliation.difference_resolve") == []


def test_resolving_twice_keeps_the_first_resolution(finance):
    diff = make_difference(make_run())
    difference_resolve(difference_id=diff.pk, resolution=R.ACCEPT_LOCAL, note="第一次", actor=finance)
    other = staff("fin2", role="finance")
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.OTHER, note="第二次", actor=other)
    assert _code(exc) == Code.NOT_ALLOWED_IN_STATE
    diff.refresh_from_db()
    assert (diff.resolution, diff.note, diff.resolved_by_id) == (R.ACCEPT_LOCAL, "第一次", finance.pk)
    assert len(_audits("reconciliation.difference_resolve")) == 1


@pytest.mark.parametrize("kind", [Difference.Kind.CHANNEL_ONLY, Difference.Kind.LOCAL_ONLY,
                                  Difference.Kind.STATUS_MISMATCH])
def test_a_difference_waiting_for_the_channel_query_is_not_resolvable_yet(finance, kind):
    # The run is MATCHED before the provider is asked; a resolution now could be overtaken by the settle or revert.
    diff = make_difference(make_run(), kind=kind, auto_action="")
    before = _snapshot(diff)
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.ACCEPT_CHANNEL, note="先处理", actor=finance)
    assert _code(exc) == Code.NOT_ALLOWED_IN_STATE
    assert _snapshot(diff) == before and _audits("reconciliation.difference_resolve") == []
    Difference.objects.filter(pk=diff.pk).update(auto_action="queried: 渠道查询为「已支付」，请人工核实。")
    assert difference_resolve(difference_id=diff.pk, resolution=R.ACCEPT_CHANNEL, note="已核实",
                              actor=finance).status == Difference.Status.RESOLVED


@pytest.mark.parametrize("run_status", [StatementRun.Status.PARSED, StatementRun.Status.FAILED,
                                        StatementRun.Status.CLOSED, StatementRun.Status.PENDING])
def test_differences_are_resolved_only_on_a_matched_run(finance, run_status):
    diff = make_difference(make_run(status=run_status))
    before = _snapshot(diff)
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.OTHER, note="处理", actor=finance)
    assert _code(exc) == Code.NOT_ALLOWED_IN_STATE
    assert _snapshot(diff) == before


def test_nothing_is_resolved_on_a_closed_day(finance):
    run = make_run(bill_date=dt.date(2026, 11, 18))
    diff = make_difference(run)
    close_day(dt.date(2026, 11, 18))
    before = _snapshot(diff)
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.ADJUSTED, note="补记", actor=finance)
    assert _code(exc) == Code.DAY_CLOSED
    assert _snapshot(diff) == before


def test_an_unknown_difference_is_not_found(finance):
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=987654321, resolution=R.OTHER, note="不存在", actor=finance)
    assert _code(exc) == Code.NOT_FOUND


# --- closing a run ----------------------------------------------------------------------------------------------

def test_a_run_with_an_open_difference_does_not_close(finance):
    run = make_run()
    make_difference(run, status=S.RESOLVED, resolution=R.OTHER, note="已处理")
    make_difference(run)
    with pytest.raises(ValidationError) as exc:
        run_close(run_id=run.pk, actor=finance)
    assert _code(exc) == Code.OPEN_DIFFERENCES
    run.refresh_from_db()
    assert (run.status, run.closed_at, run.closed_by_id) == (StatementRun.Status.MATCHED, None, None)
    assert _audits("reconciliation.run_close") == []


def test_carried_and_cleared_cross_day_rows_do_not_block_closing(finance):
    run = make_run()
    make_difference(run, kind=Difference.Kind.CROSS_DAY, status=S.CARRIED)
    make_difference(run, kind=Difference.Kind.CROSS_DAY, status=S.CLEARED)
    make_difference(run, status=S.RESOLVED, resolution=R.ACCEPT_LOCAL, note="核实")
    closed = run_close(run_id=run.pk, actor=finance, ip="10.9.9.9")
    run.refresh_from_db()
    assert (run.status, run.closed_by_id) == (StatementRun.Status.CLOSED, finance.pk)
    assert run.closed_at is not None and closed.status == StatementRun.Status.CLOSED
    [row] = _audits("reconciliation.run_close")
    assert (row.actor_id, row.target_type, row.target_id, row.ip) == (
        finance.pk, "reconciliation.statementrun", run.pk, "10.9.9.9")
    assert row.detail["bill_date"] == run.bill_date.isoformat() and row.detail["resolved"] == 1


def test_resolving_the_last_open_difference_lets_the_run_close(finance):
    run = make_run()
    diff = make_difference(run, kind=Difference.Kind.FEE_MISMATCH)
    with pytest.raises(ValidationError):
        run_close(run_id=run.pk, actor=finance)
    difference_resolve(difference_id=diff.pk, resolution=R.ACCEPT_CHANNEL, note="手续费以渠道为准", actor=finance)
    assert run_close(run_id=run.pk, actor=finance).status == StatementRun.Status.CLOSED
    # …and a closed run's differences stay as they are.
    with pytest.raises(ValidationError) as exc:
        difference_resolve(difference_id=diff.pk, resolution=R.OTHER, note="改一下", actor=finance)
    assert _code(exc) == Code.NOT_ALLOWED_IN_STATE


@pytest.mark.parametrize("run_status", [StatementRun.Status.PENDING, StatementRun.Status.FETCHED,
                                        StatementRun.Status.PARSED, StatementRun.Status.FAILED,
                                        StatementRun.Status.CLOSED])
def test_only_a_matched_run_closes(finance, run_status):
    run = make_run(status=run_status)
    with pytest.raises(ValidationError) as exc:
        run_close(run_id=run.pk, actor=finance)
    assert _code(exc) == Code.NOT_ALLOWED_IN_STATE
    run.refresh_from_db()
    assert run.status == run_status and run.closed_by_id is None
    assert _audits("reconciliation.run_close") == []


def test_a_run_of_a_closed_day_does_not_close(finance):
    run = make_run(bill_date=dt.date(2026, 11, 17))
    close_day(dt.date(2026, 11, 17))
    with pytest.raises(ValidationError) as exc:
        run_close(run_id=run.pk, actor=finance)
    assert _code(exc) == Code.DAY_CLOSED
    run.refresh_from_db()
    assert run.status == StatementRun.Status.MATCHED


def test_an_unknown_run_is_not_found(finance):
    with pytest.raises(ValidationError) as exc:
        run_close(run_id=987654321, actor=finance)
    assert _code(exc) == Code.NOT_FOUND

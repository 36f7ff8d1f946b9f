"""Bill runs (`generateBills`): one season's bills for every house of the
company, in keyset batches of BATCH_SIZE houses ordered by id.

Round trips grow with batches, not houses. Per batch: one SELECT of the
houses, each with the bill it may already have this season, its
heating-status history and (when the season has a two-part plan) its meter
readings; one of their sealed 报停; one of their open credits (only when any
exist); the engine computes the lines in Python (once per distinct layout and
plan); ONE statement inserts the bills (`ON CONFLICT (house, season) DO
NOTHING`), then ONE COPY streams the lines of exactly the bills it created;
one UPDATE saves the progress. All in one transaction per batch.

Rules per house:
- disconnected (停供/拆除): skipped and counted;
- already billed this season by another run: skipped and counted, so a re-run
  creates nothing twice;
- the plan of its category; a metered house (has a 热表编号 and the season has
  a two-part plan for its category) is billed on the two-part plan with
  consumption = end − start reading;
- a metered house without both readings at run time is billed provisionally:
  the engine's bill at zero consumption, i.e. the basic part (plus the plan's
  floor adjustment if it has one, the least the house can owe, since a bill
  never decreases with consumption). Its metered line shows 0 and says it will
  be settled after the final reading; `season_true_up` adds the rest;
- opted out (报停), or heated but with a sealed 报停 for this season
  (apps.services.optout.opted_out_house_ids, one query a batch): the
  opted-out basic fee (the engine does it from house_facts);
- open credits from an earlier season's true-up (多退少补, not refundable) are
  consumed as negative `credit` lines, at most down to a zero bill; a credit
  larger than the bill is split and the rest stays open;
- no applicable plan, or the engine refuses the house: an error entry
  (house id, 户号, message) and the run goes on.

Resumable: the worker holds the run through heat_platform.kernel.jobs (a
session advisory lock, its worker token on the row, a heartbeat stamped with
every batch's progress). Celery redelivers the task of a worker that dies
(acks_late); the redelivery takes the run over once the lock is free or the
heartbeat stale, and is retried later (not dropped) while it is fresh.
`generateBills` on a season whose real run is unfinished re-queues that same
run. A (re)started run rescans from the first house: houses it already billed
before the crash are counted as created again from their stored bills, so its
counters end exactly where an uninterrupted run's would, and nothing is
written twice.

Dry runs compute the same counts and per-community totals (bills, principal,
skipped houses, error houses) without writing a bill: the preview, community
by community, of what the real run will do.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.properties.models import Community, HeatingStatusChange, House
from apps.tariffs.models import Season, TariffPlan
from heat_platform.kernel.errors import field_error
from heat_platform.kernel.jobs import heartbeat, job_lease
from heat_platform.kernel.tasks import enqueue_on_commit

from .engine import Line, TariffError, TariffParams, bill_lines
from .errors import BillingErrorCode
from .facts import house_facts, tariff_params
from .models import Bill, BillLine, BillRun, HouseCredit, MeterReading
from .selectors import season_to_bill
from .services.credits import OpenCredit, credit_lines, credits_any_open, credits_consume, credits_open
from .services.ledger import bill_status_for

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000  # houses per batch (tests lower it); fewer batches, less fixed cost per house
MAX_ERRORS = 100  # error entries kept on the run; error_count counts them all
MEMO_SIZE = 50_000  # distinct (plan, house facts) bills remembered: flats of one layout share their lines
# Test seam: called with (run, last house id) after each committed batch.
BATCH_HOOK: Callable[[BillRun, int], None] | None = None

PROVISIONAL_METERED = "计量热费：待采暖季结束抄表后结算（多退少补）"
UNFINISHED = (BillRun.Status.QUEUED, BillRun.Status.RUNNING, BillRun.Status.FAILED)
# Plain strings for the per-house loop: an enum member costs a lookup (and a
# Python-level hash) each time, which adds up over 100,000 houses.
_AREA, _TWO_PART = TariffPlan.Pricing.AREA.value, TariffPlan.Pricing.TWO_PART.value
_USABLE = TariffPlan.AreaBasis.USABLE.value
_OPTED_OUT, _DISCONNECTED = House.HeatingStatus.OPTED_OUT.value, House.HeatingStatus.DISCONNECTED.value


@transaction.atomic
def bill_run_start(*, season_id: int | str, dry_run: bool, actor) -> BillRun:
    """Queue a bill run for a season. A real run while another real run of the
    season is unfinished (queued, running, or failed/killed) resumes that run
    instead of starting a second one."""
    season = season_to_bill(season_id=season_id)
    if not dry_run and season.status == Season.Status.CLOSED:
        raise field_error("seasonId", _("该采暖季已结束，不能再出账。"), BillingErrorCode.INVALID_STATUS)
    if not TariffPlan.objects.filter(season=season).exists():
        raise field_error("seasonId", _("该采暖季还没有收费标准，请先设置收费标准。"), BillingErrorCode.NO_PLAN)
    run = None
    if not dry_run:
        Season.objects.select_for_update().filter(pk=season.pk).first()  # serialises starts per season
        run = BillRun.objects.filter(season=season, dry_run=False, status__in=UNFINISHED).order_by("id").first()
    action = "bill_run.resume" if run is not None else "bill_run.start"
    if run is None:
        run = BillRun.objects.create(season=season, dry_run=dry_run,
                                     requested_by=getattr(actor, "username", "") or "system")
    audit_record(actor=actor, action=action, target=run, season_id=season.pk, dry_run=dry_run)
    from .tasks import bill_run_process_task

    enqueue_on_commit(bill_run_process_task, run.pk)
    return run


# --- the worker side ------------------------------------------------------------------------------

class _Change(NamedTuple):
    """The HeatingStatusChange attributes house_facts reads."""

    to_status: str
    effective_date: dt.date
    created_at: dt.datetime


@dataclass(slots=True)
class _HouseRow:
    """The columns a bill needs; duck-types the House attributes house_facts reads
    (building a House model instance costs more than computing its bill)."""

    id: int
    account_no: str
    community_id: int
    category: str
    meter_no: str
    heating_status: str
    building_area: Decimal
    usable_area: Decimal | None
    low_income: str
    bill_exists: bool
    bill_run_id: int | None
    bill_principal_fen: int | None
    change_statuses: list[str] | None  # its heating-status history, column by column
    change_dates: list[dt.date] | None
    change_recorded: list[dt.datetime] | None
    start_reading: Decimal | None
    end_reading: Decimal | None

    def changes(self) -> list[_Change]:
        if self.change_statuses is None:
            return []
        return [_Change(*c) for c in zip(self.change_statuses, self.change_dates, self.change_recorded, strict=True)]


@dataclass(frozen=True, slots=True)
class _Plan:
    pk: int
    plan: TariffPlan
    params: TariffParams
    snapshot: str  # TariffParams.to_snapshot() as JSON text


@dataclass(frozen=True, slots=True)
class _Priced:
    """A bill's lines, their total and their COPY rows (less bill id and time): flats
    of one layout share one, so each is summed and rendered once."""

    lines: tuple[Line, ...]
    principal_fen: int
    status: str  # the new bill's
    rows: tuple[str, ...]

    @classmethod
    def of(cls, lines: Sequence[Line]) -> _Priced:
        lines = tuple(lines)
        principal = sum(line.amount_fen for line in lines)
        return cls(lines, principal, bill_status_for(principal_fen=principal, paid_fen=0), _copy_rows(lines))


@dataclass(slots=True)
class _NewBill:
    row: _HouseRow
    plan: _Plan
    priced: _Priced
    credit_uses: Sequence[tuple[HouseCredit, int]]  # (credit, fen used)


class _HouseError(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class _RunState:
    run: BillRun
    season: Season
    plans: dict[tuple[str, str], _Plan]
    has_two_part: bool
    credits_exist: bool
    communities: dict[int, str]
    total: int
    processed: int = 0
    created: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, dict[str, int]] = field(default_factory=dict)
    memo: dict[tuple, _Priced] = field(default_factory=dict)
    entries: dict[int, dict[str, int]] = field(default_factory=dict)  # community id -> its line of totals
    worker: str = ""  # this run's worker token (kernel.jobs)

    @classmethod
    def load(cls, run: BillRun) -> _RunState:
        season = run.season
        plans = {}
        for plan in TariffPlan.objects.filter(season=season):
            params = tariff_params(plan, season)
            plans[(plan.category, plan.pricing)] = _Plan(plan.pk, plan, params, json.dumps(params.to_snapshot()))
        return cls(
            run=run, season=season, plans=plans,
            has_two_part=any(pricing == TariffPlan.Pricing.TWO_PART for _c, pricing in plans),
            credits_exist=credits_any_open(),
            communities=dict(Community.objects.values_list("id", "name")),
            total=House.objects.count(),
        )

    def plan_for(self, row: _HouseRow) -> _Plan | None:
        if row.meter_no.strip():
            metered = self.plans.get((row.category, _TWO_PART))
            if metered is not None:
                return metered
        return self.plans.get((row.category, _AREA))

    def community(self, community_id: int) -> str:
        if community_id not in self.communities:  # created after the run started
            self.communities.update(Community.objects.values_list("id", "name"))
        return self.communities.get(community_id, str(community_id))

    def _entry(self, community_id: int) -> dict[str, int]:
        """The community's line of the per-community preview (a dry run's report, a real run's result)."""
        entry = self.entries.get(community_id)
        if entry is None:
            entry = self.entries[community_id] = self.totals.setdefault(
                self.community(community_id), {"bills": 0, "principal_fen": 0, "skipped": 0, "errors": 0})
        return entry

    def count_bill(self, community_id: int, principal_fen: int) -> None:
        self.created += 1
        entry = self._entry(community_id)
        entry["bills"] += 1
        entry["principal_fen"] += principal_fen

    def count_skip(self, community_id: int) -> None:
        self.skipped += 1
        self._entry(community_id)["skipped"] += 1

    def add_error(self, row: _HouseRow, message: str, code: str) -> None:
        self.error_count += 1
        self._entry(row.community_id)["errors"] += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"house_id": row.id, "account_no": row.account_no, "message": message,
                                "code": code, "community": self.community(row.community_id)})

    def progress(self) -> dict[str, Any]:
        return {"processed": self.processed, "created": self.created, "skipped": self.skipped,
                "error_count": self.error_count, "errors": self.errors, "totals": self.totals}


def bill_run_process(*, bill_run_id: int) -> BillRun | None:
    """Process (or resume) a run; the Celery task calls this. Returns the run
    (as it is when it already succeeded; None when there is no such run).
    Raises kernel.jobs.JobBusyError while a live worker holds the run: the
    task retries later."""
    with job_lease(BillRun, bill_run_id, scope="billing.bill_run",
                   claimable=[BillRun.Status.QUEUED, BillRun.Status.FAILED], running=BillRun.Status.RUNNING,
                   started_at=Coalesce("started_at", Now()), finished_at=None) as worker:
        if worker is None:
            return BillRun.objects.filter(pk=bill_run_id).first()
        run = BillRun.objects.select_related("season").get(pk=bill_run_id)
        state = _RunState.load(run)
        state.worker = worker
        # (Re)start: the counters are rebuilt by the scan.
        BillRun.objects.filter(pk=run.pk, worker=worker).update(total=state.total, **state.progress())
        try:
            after = 0
            while (last := _process_batch(state, after_id=after)) is not None:
                after = last
                if BATCH_HOOK is not None:
                    BATCH_HOOK(run, after)
        except Exception:
            logger.exception("bill run %s failed after house %s", bill_run_id, state.processed)
            BillRun.objects.filter(pk=run.pk, worker=worker).update(status=BillRun.Status.FAILED,
                                                                    finished_at=timezone.now())
            raise
        BillRun.objects.filter(pk=run.pk, worker=worker).update(
            status=BillRun.Status.SUCCEEDED, finished_at=timezone.now(), total=max(state.total, state.processed))
        audit_record(actor=None, action="bill_run.finish", target=run, dry_run=run.dry_run,
                     created=state.created, skipped=state.skipped, error_count=state.error_count)
        run.refresh_from_db()
        return run


# One statement reads the batch: its houses, each with the bill it may already
# have this season, its heating-status history and (two-part seasons) its
# start and end readings. The history and readings are read by the batch's id
# range and joined here, not looked up house by house. The bill join is bounded
# by the batch's first id too: without that bound the planner may merge-join
# against every bill of the season from the first house (the statistics predate
# the run), rereading the bills already written batch after batch.
_HOUSES_SQL = f"""
WITH h AS (
    SELECT h.id, h.account_no, h.community_id, h.category, h.meter_no, h.heating_status, h.building_area,
           h.usable_area, h.low_income, b.id IS NOT NULL AS billed, b.bill_run_id, b.principal_fen
    FROM {House._meta.db_table} h
    LEFT JOIN {Bill._meta.db_table} b ON b.house_id = h.id AND b.season_id = %(season)s AND b.house_id > %(after)s
    WHERE h.id > %(after)s
    ORDER BY h.id
    LIMIT %(limit)s
), c AS (
    SELECT house_id, array_agg(to_status) AS statuses, array_agg(effective_date) AS dates,
           array_agg(created_at) AS recorded
    FROM {HeatingStatusChange._meta.db_table}
    WHERE house_id > %(after)s AND house_id <= (SELECT max(id) FROM h)
    GROUP BY house_id
), r AS (
    SELECT house_id, max(value) FILTER (WHERE kind = %(start)s) AS start_value,
           max(value) FILTER (WHERE kind = %(end)s) AS end_value
    FROM {MeterReading._meta.db_table}
    WHERE %(readings)s AND season_id = %(season)s AND house_id > %(after)s AND house_id <= (SELECT max(id) FROM h)
    GROUP BY house_id
)
SELECT h.*, c.statuses, c.dates, c.recorded, r.start_value, r.end_value
FROM h LEFT JOIN c ON c.house_id = h.id LEFT JOIN r ON r.house_id = h.id
ORDER BY h.id
"""

# The bills, from four array literals (one row per bill, built with str.join:
# far cheaper than a JSON document of one object per bill) and the snapshots
# once per plan; the creation time comes back (as text) for the lines.
_WRITE_BILLS_SQL = f"""
INSERT INTO {Bill._meta.db_table}
    (house_id, season_id, plan_id, snapshot, principal_fen, paid_fen, status, bill_run_id, issued_at, updated_at)
SELECT b.h, %(season)s, b.p, p.snapshot, b.a, 0, b.s, %(run)s, now(), now()
FROM unnest(%(houses)s::bigint[], %(plan_ids)s::bigint[], %(amounts)s::bigint[], %(statuses)s::text[])
     AS b(h, p, a, s)
JOIN json_to_recordset(%(plans)s::json) AS p(id bigint, snapshot jsonb) ON p.id = b.p
ORDER BY b.h
ON CONFLICT (house_id, season_id) DO NOTHING
RETURNING id, house_id, issued_at::text
"""

# The lines of exactly the bills created, streamed with COPY (text format): no
# per-row statement or JSON parsing on the server, and the server inserts one
# chunk while the next is being joined here.
_COPY_LINES_SQL = (f"COPY {BillLine._meta.db_table} "
                   "(bill_id, position, kind, quantity, unit_price, amount_fen, explanation, created_at) FROM STDIN")
COPY_CHUNK = 2000  # lines per write to the COPY stream
# COPY text format: backslash, tab, newline and carriage return are escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_rows(lines: Sequence[Line]) -> tuple[str, ...]:
    """A bill's lines as COPY rows less their leading bill id and trailing creation time."""
    return tuple(f"\t{position}\t{line.kind}\t{line.quantity}\t{line.unit_price}\t{line.amount_fen}\t"
                 f"{line.explanation.translate(_COPY_ESCAPES)}\t" for position, line in enumerate(lines))


def _load_houses(state: _RunState, after_id: int) -> list[_HouseRow]:
    with connection.cursor() as cur:
        cur.execute(_HOUSES_SQL, {"season": state.season.pk, "after": after_id, "limit": BATCH_SIZE,
                                  "readings": state.has_two_part, "start": MeterReading.Kind.START,
                                  "end": MeterReading.Kind.END})
        return [_HouseRow(*row) for row in cur.fetchall()]


def _mark_opted_out(state: _RunState, rows: list[_HouseRow]) -> None:
    """Houses heated today with a sealed 报停 for this season are billed as opted out (one query a batch)."""
    from apps.services.optout import opted_out_house_ids

    opted = opted_out_house_ids(season_id=state.season.pk, house_ids=range(rows[0].id, rows[-1].id + 1))
    if not opted:
        return
    for row in rows:
        if row.id in opted and row.heating_status == House.HeatingStatus.NORMAL:
            row.heating_status = House.HeatingStatus.OPTED_OUT


def _load_credits(state: _RunState, lo: int, hi: int) -> dict[int, list[OpenCredit]]:
    return credits_open(house_id_gt=lo, house_id_lte=hi, before=state.season.heating_start,
                        lock=not state.run.dry_run)


def _bill_lines_for(state: _RunState, row: _HouseRow) -> tuple[_Plan, _Priced]:
    plan = state.plan_for(row)
    if plan is None:
        label = House.Category(row.category).label if row.category in House.Category.values else row.category
        raise _HouseError(_("本采暖季没有适用于“%(category)s”房屋的收费标准。") % {"category": label},
                          BillingErrorCode.NO_PLAN)
    params = plan.params
    consumption, provisional = None, False
    if params.pricing == _TWO_PART and row.heating_status != _OPTED_OUT:
        start, end = row.start_reading, row.end_reading
        if start is not None and end is not None:
            if end < start:
                raise _HouseError(_("期末读数小于期初读数，请核对抄表记录。"), BillingErrorCode.END_BEFORE_START)
            consumption = end - start
        else:
            consumption, provisional = Decimal(0), True
    if params.area_basis == _USABLE and row.usable_area is None:
        raise _HouseError(_("收费标准按套内面积计费，但该房屋没有套内面积。"), BillingErrorCode.INVALID)
    # The lines are a pure function of the plan and the inputs of house_facts:
    # houses without a status history are remembered by those inputs.
    changes = row.changes()
    key = None if changes else (plan.pk, provisional, consumption, row.heating_status, row.building_area,
                                row.usable_area, row.low_income)
    if key is not None and (cached := state.memo.get(key)) is not None:
        return plan, cached
    facts = house_facts(row, season=state.season, consumption=consumption, changes=changes)
    try:
        lines = tuple(bill_lines(params, facts))
    except TariffError as exc:
        raise _HouseError(_("无法按收费标准计费：%(reason)s") % {"reason": exc}, BillingErrorCode.INVALID) from exc
    if provisional:
        lines = tuple(replace(line, explanation=PROVISIONAL_METERED) if line.kind == BillLine.Kind.METERED_FEE
                      else line for line in lines)
    priced = _Priced.of(lines)
    if key is not None:
        if len(state.memo) >= MEMO_SIZE:
            state.memo.clear()
        state.memo[key] = priced
    return plan, priced


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A batch allocates a dozen objects a house, all freed by reference counting;
    the cyclic collector would walk them (and the worker's heap) over and over
    meanwhile, a third of the run's Python time. It runs again after the batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _process_batch(state: _RunState, *, after_id: int) -> int | None:
    """One batch of houses after `after_id`; returns the last house id, None when done."""
    with _collector_paused(), transaction.atomic():
        rows = _load_houses(state, after_id)
        if not rows:
            return None
        last = rows[-1].id
        _mark_opted_out(state, rows)
        credits = _load_credits(state, after_id, last) if state.credits_exist else {}
        pending: list[_NewBill] = []
        for row in rows:
            state.processed += 1
            if row.bill_exists:
                if row.bill_run_id == state.run.pk:  # billed by this run before a restart
                    state.count_bill(row.community_id, row.bill_principal_fen)
                else:
                    state.count_skip(row.community_id)
                continue
            if row.heating_status == _DISCONNECTED:
                state.count_skip(row.community_id)
                continue
            try:
                plan, priced = _bill_lines_for(state, row)
            except _HouseError as exc:
                state.add_error(row, exc.message, exc.code)
                continue
            uses: Sequence[tuple[HouseCredit, int]] = ()
            if row.id in credits:
                lines, uses = credit_lines(priced.lines, credits[row.id])
                priced = _Priced.of(lines)
            pending.append(_NewBill(row, plan, priced, uses))
        created = {bill.row.id: 0 for bill in pending} if state.run.dry_run else _write(state, pending)
        for bill in pending:
            if bill.row.id in created:
                state.count_bill(bill.row.community_id, bill.priced.principal_fen)
            else:  # billed concurrently by another run between our read and our insert
                state.count_skip(bill.row.community_id)
        if not state.run.dry_run:
            credits_consume((created[b.row.id], b.credit_uses) for b in pending
                            if b.credit_uses and b.row.id in created)
        if not heartbeat(BillRun, state.run.pk, state.worker, **state.progress()):
            raise RuntimeError(f"bill run {state.run.pk} was taken over by another worker")  # rolls the batch back
    return last


def _write(state: _RunState, pending: list[_NewBill]) -> dict[int, int]:
    """Insert the batch's bills, then COPY the lines of those actually created
    (a house billed concurrently since our read keeps its bill: ON CONFLICT);
    returns {house_id: bill_id} of the bills created."""
    if not pending:
        return {}
    plans = {b.plan.pk: b.plan for b in pending}
    # Snapshots are JSON already; decimals travel as strings, exactly.
    plans_json = "[" + ",".join(f'{{"id": {pk}, "snapshot": {p.snapshot}}}' for pk, p in plans.items()) + "]"
    params = {
        "season": state.season.pk, "run": state.run.pk, "plans": plans_json,
        "houses": "{" + ",".join([str(b.row.id) for b in pending]) + "}",
        "plan_ids": "{" + ",".join([str(b.plan.pk) for b in pending]) + "}",
        "amounts": "{" + ",".join([str(b.priced.principal_fen) for b in pending]) + "}",
        "statuses": "{" + ",".join([b.priced.status for b in pending]) + "}",
    }
    with connection.cursor() as cur:
        cur.execute(_WRITE_BILLS_SQL, params)
        created = cur.fetchall()
        if not created:
            return {}
        ids = {house_id: bill_id for bill_id, house_id, _at in created}
        _copy_lines(cur, pending, ids, created_at=created[0][2])
    return ids


def _copy_lines(cur, pending: list[_NewBill], bill_ids: dict[int, int], *, created_at: str) -> None:
    """COPY the lines of the bills created ({house_id: bill_id}), in chunks the
    server inserts while the next is joined. The lines share their bill's
    creation time, as they did when one INSERT wrote both with now()."""
    end = f"{created_at}\n"
    with cur.copy(_COPY_LINES_SQL) as copy:
        chunk: list[str] = []
        for bill in pending:
            bill_id = bill_ids.get(bill.row.id)
            if bill_id is None:  # billed concurrently: its bill is not ours
                continue
            prefix = str(bill_id)
            chunk.extend([prefix + row + end for row in bill.priced.rows])
            if len(chunk) >= COPY_CHUNK:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))


# --- reads ----------------------------------------------------------------------------------------

def bill_run_get(*, bill_run_id: int | str) -> BillRun | None:
    try:
        return BillRun.objects.filter(pk=int(bill_run_id)).first()
    except (TypeError, ValueError):
        return None

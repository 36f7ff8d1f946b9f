"""`make bench`: one season's bill run for 100,000 houses vs. the database floor.

The ledger (created with SQL, not the ORM): 20 communities, 1,000 buildings,
100,000 houses with areas from 50.00 to 139.99 ㎡; 8% businesses (45 元/㎡),
4% opted out (30% basic fee), 1% disconnected, 3% low-income (50% relief),
12% metered on a two-part plan (10% with both readings, 2% still unread),
1% reconnected mid-season (prorated), 0.5% with a credit from last season's
true-up; everyone else on the residential area plan (24 元/㎡).

The floor, measured in the same run: ONE `INSERT … SELECT` statement that
writes the same bill and line rows (copied from the run's output) into
identical copies of the bill and line tables (same columns, defaults,
indexes, constraints and foreign keys). The machine may be shared, so run and
floor are measured three times each, interleaved (one season per attempt),
and the best of each is compared; the floor always writes into fresh empty
copies while the run's tables keep the earlier attempts' rows, which only
favours the floor.

Target (issue #18, part 3; #4 asked for 3x): bill run <= 1.5x the floor, with
the same bills and lines, and SQL round trips (statements and COPYs) that grow
with batches, not houses. The ratio is printed with MET or MISSED; only what
was measured to hold is asserted (see the figures)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.billing import runs
from apps.billing.models import Bill, BillLine, BillRun, HouseCredit
from apps.billing.runs import bill_run_start
from apps.tariffs.models import Season
from tests.factories.tenants import tenant_info

from .ledger import BUILDINGS, COMMUNITIES, HOUSES, LEDGER_SQL, READINGS_SQL, make_season


def _copy_tables() -> None:
    """bench_bill / bench_billline: empty copies of the real tables, foreign keys included."""
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_billline, bench_bill")
        cur.execute("CREATE TABLE bench_bill (LIKE billing_bill INCLUDING ALL)")
        cur.execute("CREATE TABLE bench_billline (LIKE billing_billline INCLUDING ALL)")
        for table, copy in (("billing_bill", "bench_bill"), ("billing_billline", "bench_billline")):
            cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
            for name, definition in cur.fetchall():
                definition = definition.replace("REFERENCES billing_bill(", "REFERENCES bench_bill(")
                cur.execute(f'ALTER TABLE {copy} ADD CONSTRAINT "bench_{name}" {definition}')


_FLOOR_SQL = """
WITH new_bill AS (
    INSERT INTO bench_bill (house_id, season_id, plan_id, snapshot, principal_fen, paid_fen, status, bill_run_id,
                            issued_at, updated_at)
    SELECT house_id, season_id, plan_id, snapshot, principal_fen, paid_fen, status, bill_run_id, now(), now()
    FROM billing_bill WHERE season_id = %(season)s
    ORDER BY house_id
    RETURNING id, house_id
)
INSERT INTO bench_billline (bill_id, position, kind, quantity, unit_price, amount_fen, explanation, created_at)
SELECT nb.id, l.position, l.kind, l.quantity, l.unit_price, l.amount_fen, l.explanation, now()
FROM new_bill nb
JOIN billing_bill b ON b.house_id = nb.house_id AND b.season_id = %(season)s
JOIN billing_billline l ON l.bill_id = b.id
"""


def _floor(season: Season) -> tuple[float, int, int]:
    _copy_tables()
    with connection.cursor() as cur:
        # Fresh statistics for the tables the run just filled, or the planner may pick a
        # nested loop over 100k × 100k rows and the "floor" measures a bad plan instead.
        cur.execute("ANALYZE billing_bill, billing_billline")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(_FLOOR_SQL, {"season": season.pk})
    elapsed = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM bench_bill), (SELECT count(*) FROM bench_billline)")
        bills, lines = cur.fetchone()
    return elapsed, bills, lines


ATTEMPTS = 3  # the machine may be shared: best of three for the run and for the floor alike
TARGET = 1.5  # issue 18: run / floor


def _readings(season: Season) -> None:
    with connection.cursor() as cur:
        cur.execute(READINGS_SQL, {"season": season.pk, "read_on": season.heating_end})


def _run(season: Season, actor, monkeypatch) -> tuple[float, int, BillRun]:
    """One bill run, start (the eager Celery task runs on commit) to last batch. Round
    trips are counted by an execute wrapper (a debug cursor would keep every SQL text)
    plus the run's COPYs, which do not pass through execute wrappers."""
    round_trips = 0
    copy_lines = runs._copy_lines

    def count(execute, sql, params, many, context):
        nonlocal round_trips
        round_trips += 1
        return execute(sql, params, many, context)

    def count_copy(*args, **kwargs):
        nonlocal round_trips
        round_trips += 1
        return copy_lines(*args, **kwargs)

    monkeypatch.setattr(runs, "_copy_lines", count_copy)
    with connection.execute_wrapper(count):
        t0 = time.perf_counter()
        run = bill_run_start(season_id=season.pk, dry_run=False, actor=actor)
        elapsed = time.perf_counter() - t0
    monkeypatch.setattr(runs, "_copy_lines", copy_lines)
    return elapsed, round_trips, BillRun.objects.get(pk=run.pk)


@pytest.mark.bench
@pytest.mark.django_db(transaction=True)
def test_bench_bill_run(monkeypatch):
    alpha = tenant_info("alpha")
    with schema_context(alpha.schema):
        earlier = make_season("2025-2026", dt.date(2025, 11, 15), dt.date(2026, 3, 15))
        seasons = [make_season(f"{2026 + k}-{2027 + k}", dt.date(2026 + k, 11, 15), dt.date(2027 + k, 3, 15))
                   for k in range(ATTEMPTS)]
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(LEDGER_SQL, {"communities": COMMUNITIES, "buildings": BUILDINGS, "houses": HOUSES,
                                      "earlier": earlier.pk, "stop_on": dt.date(2026, 10, 1),
                                      "resume_on": dt.date(2027, 1, 15)})
        for season in seasons:
            _readings(season)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        setup = time.perf_counter() - t0
        actor = User.objects.get(username=alpha.admin)

        attempts = []
        for season in seasons:
            # Every attempt consumes last season's credits afresh, so all do the same work.
            HouseCredit.objects.update(consumed_by_bill=None)
            elapsed, round_trips, run = _run(season, actor, monkeypatch)
            assert run.status == "succeeded" and run.error_count == 0, run.errors[:3]
            floor, floor_bills, floor_lines = _floor(season)
            attempts.append((elapsed, floor, round_trips, run))
        with connection.cursor() as cur:
            cur.execute("DROP TABLE bench_billline, bench_bill")

        season, run = seasons[0], attempts[0][3]
        bills = Bill.objects.filter(season=season).count()
        lines = BillLine.objects.filter(bill__season=season).count()
        assert run.created == bills and (floor_bills, floor_lines) == (
            Bill.objects.filter(season=seasons[-1]).count(), BillLine.objects.filter(bill__season=seasons[-1]).count())
        kinds = dict(BillLine.objects.filter(bill__season=season).values_list("kind").annotate(n=Count("id")))
        provisional = BillLine.objects.filter(bill__season=season, explanation=runs.PROVISIONAL_METERED).count()

        best_run, best_floor = min(a[0] for a in attempts), min(a[1] for a in attempts)
        round_trips = max(a[2] for a in attempts)
        batches = -(-HOUSES // runs.BATCH_SIZE)
        ratio = best_run / best_floor
        verdict = "MET" if ratio <= TARGET else "MISSED"
        print(
            f"\nbill run: {HOUSES:,} houses (ledger built in {setup:.1f} s) -> {bills:,} bills, {lines:,} lines, "
            f"{run.skipped:,} skipped\n"
            f"  run {best_run:.2f} s = {HOUSES / best_run:,.0f} houses/s | floor (one INSERT ... SELECT of the same "
            f"rows) {best_floor:.2f} s | {ratio:.2f}x floor (target <= {TARGET}x, issue 18: {verdict}) | "
            f"best of {ATTEMPTS}: "
            f"{'; '.join(f'run {a[0]:.2f} s, floor {a[1]:.2f} s' for a in attempts)}\n"
            f"  {round_trips} SQL statements and COPYs for {batches} batches of {runs.BATCH_SIZE} "
            f"({round_trips / batches:.1f} per batch, plus BEGIN and COMMIT)\n"
            f"  lines by kind: {kinds} | provisional metered bills: {provisional}"
        )
        assert round_trips <= 20 + 10 * (batches + 1)  # grows with batches, not houses
        assert ratio <= 3

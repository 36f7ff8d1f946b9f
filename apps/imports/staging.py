"""The file in temporary tables on this connection, and the set-based SQL
that checks and writes it.

- `house_import_batch`: the rows of the current batch, in full (phone and ID
  numbers already encrypted), COPYed in (by the writer's thread) and written
  to the ledger from there;
- `house_import_rows`: every row's keys (row, 户号, 小区, 楼, 单元), for the
  checks that need the whole file (a 户号 repeated, unknown 小区/楼/单元, a
  kept 套内面积 larger than the new 建筑面积) and the dry-run preview;
- `house_import_errors`: every error found, in Python or in SQL; the report
  reads back the first ones in row order.

An empty optional cell is staged as NULL and leaves an existing house's
value unchanged (a new house gets the default); a cleared one (<清空>) is
staged as '' (text, phone and ID numbers) or `usable_area_clear`.

Temporary tables are private to the session and not WAL-logged. While the
service validates and encrypts the next batch in Python, `BatchWriter` runs
the current batch's SQL on a helper thread, on the same connection and in the
same transaction (psycopg connections are thread-safe, and waiting for the
server releases the GIL), so PostgreSQL's work overlaps Python's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model

from apps.properties.models import Building, Community, HeatingStatusChange, House, Unit

from .columns import INDEX
from .errors import ImportErrorCode

ROWS = "pg_temp.house_import_rows"
BATCH = "pg_temp.house_import_batch"
ERRORS = "pg_temp.house_import_errors"
# Columns of a staged batch row after `row_no` and `valid`; owner_phone and
# owner_id_no hold ciphertext (NULL when nothing will be written or the cell
# is empty, '' when cleared), never plaintext.
# community_id / building_id / unit_id: the names resolved (Structures), NULL when unknown.
STAGED = ("account_no", "community", "building", "unit", "room", "building_area", "usable_area", "category",
          "low_income", "meter_no", "heating_status", "owner_name", "usable_area_clear", "community_id",
          "building_id", "unit_id", "owner_phone", "owner_phone_index", "owner_id_no", "owner_id_no_index")
NO_COLUMN = -1


@dataclass(frozen=True)
class StagedError:
    row: int | None
    column: int  # index in COLUMNS, NO_COLUMN for the whole row
    code: str
    message: str | None  # None: rendered from code and param (errors found in SQL)
    param: str | None


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    new_communities: int = 0
    new_buildings: int = 0
    new_units: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return self.created, self.updated, self.new_communities, self.new_buildings, self.new_units


def _table(model: type[Model]) -> str:
    return f"{connection.ops.quote_name(connection.schema_name)}.{connection.ops.quote_name(model._meta.db_table)}"


class LedgerStaging:
    def __enter__(self) -> LedgerStaging:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {ROWS}, {BATCH}, {ERRORS}")
            cur.execute("""CREATE TEMPORARY TABLE house_import_batch (
                row_no integer NOT NULL, valid boolean NOT NULL,
                account_no text, community text, building text, unit text, room text,
                building_area numeric(10, 2), usable_area numeric(10, 2), category text, low_income text,
                meter_no text, heating_status text, owner_name text, usable_area_clear boolean NOT NULL,
                community_id bigint, building_id bigint, unit_id bigint,
                owner_phone text, owner_phone_index text, owner_id_no text, owner_id_no_index text)""")
            # keeps_usable_below: the new 建筑面积 of a row that keeps the stored 套内面积.
            cur.execute("""CREATE TEMPORARY TABLE house_import_rows (
                row_no integer NOT NULL, valid boolean NOT NULL,
                account_no text, community text, building text, unit text, keeps_usable_below numeric(10, 2))""")
            cur.execute("""CREATE TEMPORARY TABLE house_import_errors (
                row_no integer, col smallint NOT NULL, code text NOT NULL, message text, param text)""")
        return self

    def __exit__(self, *exc) -> None:
        if connection.needs_rollback or connection.connection is None:
            return  # the enclosing transaction rolls back and takes the tables with it
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {ROWS}, {BATCH}, {ERRORS}")

    # --- loading (main thread, between batches)

    def copy_errors(self, errors: Iterable[StagedError]) -> None:
        with connection.cursor() as cur, cur.copy(
                f"COPY {ERRORS} (row_no, col, code, message, param) FROM STDIN") as copy:
            for e in errors:
                copy.write_row((e.row, e.column, e.code, e.message, e.param))

    # --- checks that need the whole file or the ledger (main thread, at the end)

    def analyze(self) -> None:
        """Temporary tables get no autovacuum statistics; the joins below need them."""
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {ROWS}")

    def check_duplicates(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO {ERRORS} (row_no, col, code, param)
                SELECT s.row_no, %s, %s, d.first_row::text FROM (
                    SELECT account_no, min(row_no) AS first_row FROM {ROWS}
                    WHERE account_no IS NOT NULL GROUP BY account_no HAVING count(*) > 1) d
                JOIN {ROWS} s ON s.account_no = d.account_no AND s.row_no <> d.first_row""",
                        [INDEX["account_no"], ImportErrorCode.DUPLICATE_ACCOUNT_NO.value])

    def check_structures(self) -> None:
        """Without create_missing, every 小区 / 楼号 / 单元 must exist already."""
        community, building, unit = _table(Community), _table(Building), _table(Unit)
        with connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO {ERRORS} (row_no, col, code, param)
                SELECT s.row_no, %s, %s, s.community FROM {ROWS} s
                WHERE s.community IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM {community} c WHERE c.name = s.community)""",
                        [INDEX["community"], ImportErrorCode.UNKNOWN_COMMUNITY.value])
            cur.execute(f"""
                INSERT INTO {ERRORS} (row_no, col, code, param)
                SELECT s.row_no, %s, %s, s.building FROM {ROWS} s
                JOIN {community} c ON c.name = s.community
                WHERE s.building IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM {building} b WHERE b.community_id = c.id AND b.name = s.building)""",
                        [INDEX["building"], ImportErrorCode.UNKNOWN_BUILDING.value])
            cur.execute(f"""
                INSERT INTO {ERRORS} (row_no, col, code, param)
                SELECT s.row_no, %s, %s, s.unit FROM {ROWS} s
                JOIN {community} c ON c.name = s.community
                JOIN {building} b ON b.community_id = c.id AND b.name = s.building
                WHERE s.unit IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM {unit} u WHERE u.building_id = b.id AND u.name = s.unit)""",
                        [INDEX["unit"], ImportErrorCode.UNKNOWN_UNIT.value])

    def error_count(self) -> int:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {ERRORS}")
            return cur.fetchone()[0]

    def first_errors(self, limit: int) -> list[StagedError]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT row_no, col, code, message, param FROM {ERRORS} "
                        f"ORDER BY row_no NULLS FIRST, col, code LIMIT %s", [limit])
            return [StagedError(*r) for r in cur.fetchall()]

    def check_kept_areas(self) -> None:
        """An empty 套内面积 keeps the stored one, which must still fit the new 建筑面积.
        (Run after the writes too: the stored value is the one kept.)"""
        house = _table(House)
        with connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO {ERRORS} (row_no, col, code, param)
                SELECT s.row_no, %s, %s, h.usable_area::text FROM {ROWS} s
                JOIN {house} h ON h.account_no = s.account_no
                WHERE s.valid AND s.keeps_usable_below IS NOT NULL AND h.usable_area > s.keeps_usable_below""",
                        [INDEX["usable_area"], ImportErrorCode.INVALID_AREA.value])

    def preview(self) -> Counts:
        """What the write would do, from the valid rows (a dry run's answer)."""
        house, community, building, unit = _table(House), _table(Community), _table(Building), _table(Unit)
        with connection.cursor() as cur:
            cur.execute(f"""
                SELECT count(DISTINCT s.account_no) FILTER (WHERE h.id IS NULL),
                       count(DISTINCT s.account_no) FILTER (WHERE h.id IS NOT NULL)
                FROM {ROWS} s LEFT JOIN {house} h ON h.account_no = s.account_no WHERE s.valid""")
            created, updated = cur.fetchone()
            cur.execute(f"""
                SELECT count(DISTINCT s.community) FILTER (WHERE c.id IS NULL),
                       count(DISTINCT (s.community, s.building)) FILTER (WHERE b.id IS NULL),
                       count(DISTINCT (s.community, s.building, s.unit)) FILTER (WHERE s.unit IS NOT NULL
                                                                                 AND u.id IS NULL)
                FROM {ROWS} s
                LEFT JOIN {community} c ON c.name = s.community
                LEFT JOIN {building} b ON b.community_id = c.id AND b.name = s.building
                LEFT JOIN {unit} u ON u.building_id = b.id AND u.name = s.unit
                WHERE s.valid""")
            communities, buildings, units = cur.fetchone()
        return Counts(created=created, updated=updated, new_communities=communities, new_buildings=buildings,
                      new_units=units)


class Structures:
    """The company's 小区/楼/单元 by name, loaded once per import (a few
    thousand rows next to the ledger's houses), so that staged rows carry
    their ids instead of every batch joining names in SQL, and a batch with
    `create_missing` inserts just the names it adds. Main thread only."""

    def __init__(self):
        self._community, self._building, self._unit = _table(Community), _table(Building), _table(Unit)
        with connection.cursor() as cur:
            cur.execute(f"SELECT name, id FROM {self._community}")
            self.communities: dict[str, int] = dict(cur.fetchall())
            cur.execute(f"SELECT community_id, name, id FROM {self._building}")
            self.buildings: dict[tuple[int, str], int] = {(c, name): pk for c, name, pk in cur.fetchall()}
            cur.execute(f"SELECT building_id, name, id FROM {self._unit}")
            self.units: dict[tuple[int, str], int] = {(b, name): pk for b, name, pk in cur.fetchall()}

    def ids(self, community: str | None, building: str | None, unit: str | None) -> tuple:
        """(community_id, building_id, unit_id), None where unknown (or no 单元)."""
        community_id = self.communities.get(community)
        building_id = self.buildings.get((community_id, building))
        return community_id, building_id, self.units.get((building_id, unit)) if unit else None

    def missing(self, keys: Iterable[tuple]) -> bool:
        """Whether any (小区, 楼, 单元) of `keys` is not in the ledger yet."""
        return any(None in ids[:2] or (unit and ids[2] is None)
                   for (*_, unit), ids in ((key, self.ids(*key)) for key in keys))

    def create(self, keys: Iterable[tuple]) -> Counts:
        """Insert the 小区/楼/单元 of `keys` the ledger lacks; counts what was new
        (one created meanwhile by someone else is used, not counted)."""
        keys = set(keys)
        names = sorted({c for c, _b, _u in keys} - self.communities.keys())
        new_communities = self._insert(
            f"INSERT INTO {self._community} (name, address) SELECT unnest(%s::text[]), '' "
            f"ON CONFLICT (name) DO NOTHING",
            f"SELECT name, id FROM {self._community} WHERE name = ANY(%s)", [names], self.communities)
        buildings = sorted({(self.communities[c], b) for c, b, _u in keys} - self.buildings.keys())
        new_buildings = self._insert(
            f"INSERT INTO {self._building} (community_id, name) SELECT * FROM unnest(%s::bigint[], %s::text[]) "
            f"ON CONFLICT (community_id, name) DO NOTHING",
            f"SELECT community_id, name, id FROM {self._building} "
            f"WHERE (community_id, name) IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))",
            _columns(buildings, 2), self.buildings)
        units = sorted({(self.buildings[(self.communities[c], b)], u) for c, b, u in keys if u} - self.units.keys())
        new_units = self._insert(
            f"INSERT INTO {self._unit} (building_id, name) SELECT * FROM unnest(%s::bigint[], %s::text[]) "
            f"ON CONFLICT (building_id, name) DO NOTHING",
            f"SELECT building_id, name, id FROM {self._unit} "
            f"WHERE (building_id, name) IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))",
            _columns(units, 2), self.units)
        return Counts(new_communities=new_communities, new_buildings=new_buildings, new_units=new_units)

    @staticmethod
    def _insert(insert: str, select: str, params: list[list], into: dict) -> int:
        """Run `insert` (ON CONFLICT DO NOTHING), then read back the ids of all
        of `params` with `select` (rows: key..., id) into `into`."""
        if not params[0]:
            return 0
        with connection.cursor() as cur:
            cur.execute(insert, params)
            inserted = cur.rowcount
            cur.execute(select, params)
            for *key, pk in cur.fetchall():
                into[key[0] if len(key) == 1 else tuple(key)] = pk
        return inserted


def _columns(rows: list[tuple], width: int) -> list[list]:
    """[(a, b), (c, d)] -> [[a, c], [b, d]]: arrays for unnest()."""
    return [[row[i] for row in rows] for i in range(width)]


class BatchWriter:
    """Runs each batch's SQL on a helper thread, one batch at a time: keep the
    batch's keys for the whole-file checks and, while `writing`, write the
    batch into the ledger (INSERT the new houses, then, unless every 户号 of
    the batch was new, the heating-status history and UPDATE of the existing
    houses; their 小区/楼/单元 come resolved, see Structures). Call `wait()`
    before touching the connection from the main thread.

    The INSERT comes first so that a batch of new houses (a first import)
    costs one pass over the ledger's 户号 index, not three. The UPDATE then
    also meets the houses just inserted and sets the same values again;
    they are not counted as updated.

    Errors are not checked here: any error anywhere in the file makes the
    service roll the whole transaction back, batches already written included.
    """

    def __init__(self, *, writing: bool, now: dt.datetime, reason: str, effective_date: dt.date, changed_by: str,
                 defaults: dict[str, str]):
        self.writing = writing
        self.counts = Counts()
        self._raw = connection.connection  # psycopg: same session, same transaction
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="house-import")
        self._pending: Future | None = None
        self._params = {"now": now, "reason": reason, "effective_date": effective_date, "changed_by": changed_by,
                        **{f"default_{field}": value for field, value in defaults.items()}}
        self._statements = self._write_statements()

    def submit(self, rows: list[Sequence], *, accounts: int) -> None:
        """Copy and process a batch (after `wait()`): `rows` are (row_no, valid,
        *STAGED), and this writer's from now on; `accounts` is the number of
        distinct 户号 among the valid ones."""
        self._pending = self._pool.submit(self._run, rows, self.writing, accounts)

    def wait(self) -> None:
        """Until the previous batch is done; re-raises its error, if any."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.counts = self.counts + pending.result()

    def add(self, counts: Counts) -> None:
        """Count what the main thread wrote (new 小区/楼/单元), after `wait()`."""
        self.counts = self.counts + counts

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)

    def _run(self, rows: list[Sequence], writing: bool, accounts: int) -> Counts:
        with self._raw.cursor() as cur:
            cur.execute(f"TRUNCATE {BATCH}")
            with cur.copy(f"COPY {BATCH} (row_no, valid, {', '.join(STAGED)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO {ROWS} SELECT row_no, valid, account_no, community, building, "
                        f"nullif(unit, ''), CASE WHEN usable_area IS NULL AND NOT usable_area_clear "
                        f"THEN building_area END FROM {BATCH}")
            if not writing:
                return Counts()
            cur.execute(self._statements["insert"], self._params)
            created = cur.rowcount
            updated = 0
            if created < accounts:  # some 户号 were in the ledger already
                cur.execute(self._statements["history"], self._params)  # the new ones' status is unchanged
                cur.execute(self._statements["update"], self._params)
                updated = cur.rowcount - created
            return Counts(created=created, updated=updated)

    @staticmethod
    def _write_statements() -> dict:
        """Built once, in the main thread (names come from the current schema)."""
        house, change = _table(House), _table(HeatingStatusChange)
        # Rows whose 小区/楼 are unknown are not written (an error, check_structures);
        # an unknown 单元 leaves unit_id NULL (an error as well).
        resolved = f"SELECT * FROM {BATCH} WHERE valid AND building_id IS NOT NULL"
        history = f"""
            INSERT INTO {change} (house_id, from_status, to_status, reason, effective_date, changed_by, created_at)
            SELECT h.id, h.heating_status, s.heating_status, %(reason)s, %(effective_date)s, %(changed_by)s, %(now)s
            FROM {BATCH} s JOIN {house} h ON h.account_no = s.account_no
            WHERE s.valid AND h.heating_status <> s.heating_status"""
        # Empty optional cells (NULL) leave the stored value; cleared ones ('' or
        # usable_area_clear) clear it. An empty 单元 keeps the unit only while the
        # house stays in its building (a unit of another building cannot stay).
        # A phone or ID number whose blind index is unchanged keeps its old ciphertext.
        update = f"""
            UPDATE {house} h SET
                community_id = x.community_id, building_id = x.building_id,
                unit_id = CASE WHEN x.unit IS NULL AND x.building_id = h.building_id THEN h.unit_id
                               ELSE x.unit_id END,
                room = x.room, building_area = x.building_area,
                usable_area = CASE WHEN x.usable_area_clear THEN NULL ELSE coalesce(x.usable_area, h.usable_area) END,
                category = coalesce(x.category, h.category), low_income = coalesce(x.low_income, h.low_income),
                meter_no = coalesce(x.meter_no, h.meter_no),
                heating_status = coalesce(x.heating_status, h.heating_status), owner_name = x.owner_name,
                owner_phone = CASE WHEN x.owner_phone_index IS NULL OR x.owner_phone_index = h.owner_phone_index
                                   THEN h.owner_phone ELSE x.owner_phone END,
                owner_phone_index = coalesce(x.owner_phone_index, h.owner_phone_index),
                owner_id_no = CASE WHEN x.owner_id_no_index IS NULL OR x.owner_id_no_index = h.owner_id_no_index
                                   THEN h.owner_id_no ELSE x.owner_id_no END,
                owner_id_no_index = coalesce(x.owner_id_no_index, h.owner_id_no_index),
                updated_at = %(now)s
            FROM ({resolved}) x WHERE h.account_no = x.account_no"""
        # A batch written never holds a 户号 twice: the service stops writing at
        # the first repeat in a batch (an error, reported by check_duplicates).
        insert = f"""
            INSERT INTO {house} (account_no, community_id, building_id, unit_id, room, building_area, usable_area,
                                 category, low_income, meter_no, heating_status, owner_name, owner_phone,
                                 owner_phone_index, owner_id_no, owner_id_no_index, created_at, updated_at)
            SELECT x.account_no, x.community_id, x.building_id, x.unit_id, x.room, x.building_area, x.usable_area,
                   coalesce(x.category, %(default_category)s), coalesce(x.low_income, %(default_low_income)s),
                   coalesce(x.meter_no, ''), coalesce(x.heating_status, %(default_heating_status)s), x.owner_name,
                   coalesce(x.owner_phone, ''), coalesce(x.owner_phone_index, ''), coalesce(x.owner_id_no, ''),
                   coalesce(x.owner_id_no_index, ''), %(now)s, %(now)s
            FROM ({resolved}) x
            WHERE NOT EXISTS (SELECT 1 FROM {house} h WHERE h.account_no = x.account_no)"""
        return {"history": history, "update": update, "insert": insert}
